// What --accuracy-budget asks of --autoglm-assign-precision: `keep` leaves
// the named nodes' products in f32, `toggles` builds the sensitivity model
// (each lowered product also in f32, an input per node selects which).
// RUN: autoglm-opt %s --autoglm-assign-precision="precision=int8 calibration=%S/Inputs/int8-calibration.json keep=wide" | FileCheck %s --check-prefix=KEEP
// RUN: autoglm-opt %s --autoglm-assign-precision="precision=int8 calibration=%S/Inputs/int8-calibration.json toggles=true" | FileCheck %s --check-prefix=TOGGLES
// RUN: autoglm-opt %s --autoglm-assign-precision="precision=fp16 toggles=true keep=fc" | FileCheck %s --check-prefix=FP16
// RUN: not autoglm-opt %s --autoglm-assign-precision="precision=int8 calibration=%S/Inputs/int8-calibration.json keep=nope" 2>&1 | FileCheck %s --check-prefix=UNKNOWN

// KEEP-LABEL: func.func @main(
// KEEP:         autoglm.matmul %{{.+}}, %{{.+}} : (tensor<3x2xui8>, tensor<2x2xi8>) -> tensor<3x2xi32>
// KEEP:         autoglm.matmul %{{.+}}, %{{.+}} : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
// KEEP-NOT:     autoglm.keep_precision

// TOGGLES-LABEL: func.func @main(
// TOGGLES-SAME:    %[[X:[^:]+]]: tensor<3x2xf32>, %[[Y:[^:]+]]: tensor<2x4xf32>,
// TOGGLES-SAME:    %[[T0:[^:]+]]: tensor<1xf32> {autoglm.onnx_name = "autoglm.toggle:fc"},
// TOGGLES-SAME:    %[[T1:[^:]+]]: tensor<1xf32> {autoglm.onnx_name = "autoglm.toggle:wide"})
// TOGGLES-DAG:   %[[C0:.+]] = autoglm.cmp gt, %[[T0]], %{{.+}} : (tensor<1xf32>, tensor<f32>) -> tensor<1xi1>
// TOGGLES-DAG:   %[[C1:.+]] = autoglm.cmp gt, %[[T1]], %{{.+}} : (tensor<1xf32>, tensor<f32>) -> tensor<1xi1>
// TOGGLES-DAG:   %[[R0:.+]] = autoglm.matmul %[[X]], %{{.+}} : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
// TOGGLES-DAG:   autoglm.matmul %{{.+}}, %{{.+}} : (tensor<3x2xui8>, tensor<2x2xi8>) -> tensor<3x2xi32>
// TOGGLES-DAG:   %[[S0:.+]] = autoglm.select %[[C0]], %{{.+}}, %[[R0]] : (tensor<1xi1>, tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
// TOGGLES-DAG:   %[[R1:.+]] = autoglm.matmul %[[Y]], %{{.+}} : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
// TOGGLES-DAG:   %[[S1:.+]] = autoglm.select %[[C1]], %{{.+}}, %[[R1]] : (tensor<1xi1>, tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
// TOGGLES:       return %[[S0]], %[[S1]]
// TOGGLES-NOT:   autoglm.keep_precision

// fp16: the kept node has no toggle, the other one has.
// FP16-LABEL: func.func @main(
// FP16-SAME:    %{{[^:]+}}: tensor<1xf32> {autoglm.onnx_name = "autoglm.toggle:wide"})
// FP16:         autoglm.matmul %{{.+}}, %{{.+}} : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
// FP16:         autoglm.matmul %{{.+}}, %{{.+}} {accumulator_type = f32} : (tensor<2x4xf16>, tensor<4x4xf16>) -> tensor<2x4xf32>
// FP16:         autoglm.select

// UNKNOWN: error: the precision to keep names node 'nope', which has no product this precision would lower

func.func @main(%x: tensor<3x2xf32>, %y: tensor<2x4xf32>) -> (tensor<3x2xf32>, tensor<2x4xf32>) {
  %w = autoglm.constant dense<[[1.0, -2.0], [0.5, 4.0]]> : tensor<2x2xf32>
  %m = autoglm.matmul %x, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32> loc("fc")
  %w2 = autoglm.constant dense<[[1.0, 0.0, 0.0, 0.5], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.25, 0.0, 0.0, 1.0]]> : tensor<4x4xf32>
  %n = autoglm.matmul %y, %w2 : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32> loc("wide")
  return %m, %n : tensor<3x2xf32>, tensor<2x4xf32>
}
