// RUN: rm -rf %t && mkdir -p %t
// RUN: echo '{"format": "autoglm-attention-mass-1", "sets": 2, "budget": {"k": 8, "sink": 2, "window": 4}, "nodes": {"high": {"rows": 16, "mean": 0.97, "p5": 0.91, "min": 0.9}, "low_mean": {"rows": 16, "mean": 0.85, "p5": 0.82, "min": 0.8}, "low_p5": {"rows": 16, "mean": 0.95, "p5": 0.7, "min": 0.6}, "no_rows": {"rows": 0}}}' > %t/mass.json
// RUN: autoglm-opt %s --mlir-disable-threading --autoglm-sparse-attention="k=8 sink=2 window=4 mass=%t/mass.json report=%t/report.json" --print-optimization-report 2> %t/report.txt | FileCheck %s
// RUN: FileCheck %s --input-file=%t/report.txt --check-prefix=REPORT
// RUN: FileCheck %s --input-file=%t/report.json --check-prefix=JSON
// RUN: autoglm-opt %s --autoglm-sparse-attention="k=8 sink=2 window=4 mass=%t/mass.json min-mass=0.8 min-p5=0.5" | FileCheck %s --check-prefix=LOOSE
// RUN: echo '{"format": "autoglm-attention-mass-1", "sets": 1, "budget": {"k": 64, "sink": 4, "window": 16}, "nodes": {}}' > %t/other.json
// RUN: not autoglm-opt %s --autoglm-sparse-attention="k=8 sink=2 window=4 mass=%t/other.json" 2>&1 | FileCheck %s --check-prefix=BUDGET
// A token granularity measurement does not decide for pages, nor one of pages for tokens.
// RUN: not autoglm-opt %s --autoglm-sparse-attention="k=8 sink=2 window=4 page-size=16 mass=%t/mass.json" 2>&1 | FileCheck %s --check-prefix=PAGES
// RUN: echo '{"format": "autoglm-attention-mass-1", "sets": 1, "budget": {"k": 8, "sink": 2, "window": 4, "page_size": 16}, "nodes": {}}' > %t/pages.json
// RUN: not autoglm-opt %s --autoglm-sparse-attention="k=8 sink=2 window=4 mass=%t/pages.json" 2>&1 | FileCheck %s --check-prefix=TOKENS
// RUN: echo '{"format": "autoglm-calibration-1"}' > %t/wrong.json
// RUN: not autoglm-opt %s --autoglm-sparse-attention="k=8 sink=2 window=4 mass=%t/wrong.json" 2>&1 | FileCheck %s --check-prefix=FORMAT
// RUN: not autoglm-opt %s --autoglm-sparse-attention="k=8 sink=2 window=4 mass=%t/absent.json" 2>&1 | FileCheck %s --check-prefix=ABSENT
// RUN: not autoglm-opt %s --autoglm-sparse-attention="min-p5=1.5" 2>&1 | FileCheck %s --check-prefix=RANGE

// The gate of --sparse-attention=auto: with the attention mass measured per
// ONNX node (mass=FILE, as autoglm-run --attention-mass writes it), only
// the decode attention whose mean kept mass is at least min-mass (0.90) and
// whose 5th percentile is at least min-p5 (0.80) becomes top-k attention.

// The results in order: high, low_mean, low_p5, no_rows, unmeasured, prefill.
// CHECK-LABEL: func.func @gate(
// CHECK-NEXT:    %0 = autoglm.topk_attention %arg0, %arg1, %arg1 {scale = 1.000000e+00 : f64, sink = 2 : i64, top_k = 8 : i64, window = 4 : i64}
// CHECK-NEXT:    %1 = autoglm.attention
// CHECK-NEXT:    %2 = autoglm.attention
// CHECK-NEXT:    %3 = autoglm.attention
// CHECK-NEXT:    %4 = autoglm.attention
// CHECK-NEXT:    %5 = autoglm.attention
// LOOSE-LABEL: func.func @gate(
// LOOSE-NEXT:    %0 = autoglm.topk_attention
// LOOSE-NEXT:    %1 = autoglm.topk_attention
// LOOSE-NEXT:    %2 = autoglm.topk_attention
// LOOSE-NEXT:    %3 = autoglm.attention
// LOOSE-NEXT:    %4 = autoglm.attention
// LOOSE-NEXT:    %5 = autoglm.attention
func.func @gate(%q: tensor<1x4x1x32xf32>, %k: tensor<1x4x128x32xf32>, %prefill: tensor<1x4x32x32xf32>) -> (tensor<1x4x1x32xf32>, tensor<1x4x1x32xf32>, tensor<1x4x1x32xf32>, tensor<1x4x1x32xf32>, tensor<1x4x1x32xf32>, tensor<1x4x32x32xf32>) {
  %0 = autoglm.attention %q, %k, %k {scale = 1.0 : f64} : (tensor<1x4x1x32xf32>, tensor<1x4x128x32xf32>, tensor<1x4x128x32xf32>) -> tensor<1x4x1x32xf32> loc("high")
  %1 = autoglm.attention %q, %k, %k {scale = 1.0 : f64} : (tensor<1x4x1x32xf32>, tensor<1x4x128x32xf32>, tensor<1x4x128x32xf32>) -> tensor<1x4x1x32xf32> loc("low_mean")
  %2 = autoglm.attention %q, %k, %k {scale = 1.0 : f64} : (tensor<1x4x1x32xf32>, tensor<1x4x128x32xf32>, tensor<1x4x128x32xf32>) -> tensor<1x4x1x32xf32> loc("low_p5")
  %3 = autoglm.attention %q, %k, %k {scale = 1.0 : f64} : (tensor<1x4x1x32xf32>, tensor<1x4x128x32xf32>, tensor<1x4x128x32xf32>) -> tensor<1x4x1x32xf32> loc("no_rows")
  %4 = autoglm.attention %q, %k, %k {scale = 1.0 : f64} : (tensor<1x4x1x32xf32>, tensor<1x4x128x32xf32>, tensor<1x4x128x32xf32>) -> tensor<1x4x1x32xf32> loc("unmeasured")
  %5 = autoglm.attention %prefill, %k, %k {causal, scale = 1.0 : f64} : (tensor<1x4x32x32xf32>, tensor<1x4x128x32xf32>, tensor<1x4x128x32xf32>) -> tensor<1x4x32x32xf32> loc("prefill")
  return %0, %1, %2, %3, %4, %5 : tensor<1x4x1x32xf32>, tensor<1x4x1x32xf32>, tensor<1x4x1x32xf32>, tensor<1x4x1x32xf32>, tensor<1x4x1x32xf32>, tensor<1x4x32x32xf32>
}

// REPORT:      autoglm-sparse-attention: 6 -> 6 ops, 0 -> 0 constants
// REPORT-NEXT:   topk-attention x1: high (kept mass mean 0.970, p5 0.910)
// REPORT-NEXT:   kept-dense-low-mass x2: low_mean (kept mass mean 0.850, p5 0.820); low_p5 (kept mass mean 0.950, p5 0.700)
// REPORT-NEXT:   kept-dense-unmeasured x2: no_rows; unmeasured
// REPORT-NEXT:   kept-dense-many-queries x1: prefill

// JSON:      "budget": {
// JSON-NEXT:   "k": 8,
// JSON-NEXT:   "max_queries": 16,
// JSON-NEXT:   "sink": 2,
// JSON-NEXT:   "window": 4
// JSON:      "gate": {
// JSON-NEXT:   "calibration_sets": 2,
// JSON-NEXT:   "min_mass": 0.90000000000000002,
// JSON-NEXT:   "min_p5": 0.80000000000000004
// JSON:      "nodes": [
// JSON-NEXT:   {
// JSON-NEXT:     "decision": "topk-attention",
// JSON-NEXT:     "mass": {
// JSON-NEXT:       "mean": 0.96999999999999997,
// JSON-NEXT:       "min": 0.90000000000000002,
// JSON-NEXT:       "p5": 0.91000000000000003,
// JSON-NEXT:       "rows": 16
// JSON-NEXT:     },
// JSON-NEXT:     "node": "high"
// JSON:          "decision": "kept-dense-low-mass",
// JSON:          "node": "low_mean"
// JSON:          "decision": "kept-dense-low-mass",
// JSON:          "node": "low_p5"
// JSON:          "decision": "kept-dense-unmeasured",
// JSON-NEXT:     "node": "no_rows"
// JSON:          "decision": "kept-dense-unmeasured",
// JSON-NEXT:     "node": "unmeasured"
// JSON:          "decision": "kept-dense-many-queries",
// JSON-NEXT:     "node": "prefill"

// BUDGET: error: attention mass file '{{.*}}other.json': measured with another budget than k=8, sink=2, window=4, token granularity
// PAGES: error: attention mass file '{{.*}}mass.json': measured with another budget than k=8, sink=2, window=4, page size 16
// TOKENS: error: attention mass file '{{.*}}pages.json': measured with another budget than k=8, sink=2, window=4, token granularity
// FORMAT: error: attention mass file '{{.*}}wrong.json': not an autoglm-attention-mass-1 file
// ABSENT: error: attention mass file '{{.*}}absent.json': No such file or directory
// RANGE: error: --autoglm-sparse-attention needs min-mass and min-p5 in [0, 1] (got 0.90 and 1.50)
