//===- AttentionMass.h - attention mass a top-k budget keeps ----*- C++ -*-===//
//
// `autoglm-run MODEL.so --calibrate DIR --attention-mass K,SINK,WINDOW[,PAGE]
// --calibration-out OUT`: what `autoglm-opt --sparse-attention=auto` runs
// on its measurement build, a model that also returns the query, key and
// mask of every decode attention it may rewrite
// (passes/InstrumentAttentionMass.cpp). For each query row (batch, query
// head, query) of each set, the share of the row's dense softmax
// probability that autoglm.topk_attention's selection at that budget keeps,
// of keys or, with PAGE, of pages of PAGE keys (docs/sparse-attention.md).
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_RUN_ATTENTIONMASS_H
#define AUTOGLM_RUN_ATTENTIONMASS_H

#include "Options.h"

#include "autoglm/runtime.h"

namespace autoglm::run {
/// The name prefix of the measurement build's extra outputs:
///   autoglm.attention-mass:query:<i>:<scale>:<causal 0|1>:<ONNX node>
///   autoglm.attention-mass:key:<i>
///   autoglm.attention-mass:mask:<i>        (when the attention has one)
/// for the i-th measured attention (passes/InstrumentAttentionMass.cpp).
constexpr const char *kAttentionMassPrefix = "autoglm.attention-mass:";

/// Runs every input set of options.calibrateDir and writes, as JSON to
/// options.calibrationOut, per attention node the number of query rows with
/// a visible unmasked key and the mean, 5th percentile (numpy's linear
/// interpolation) and minimum over them of the kept mass at
/// options.attentionMass's budget:
///   {"format": "autoglm-attention-mass-1", "sets": N,
///    "budget": {"k": .., "sink": .., "window": ..[, "page_size": ..]},
///    "nodes": {"NODE": {"rows": .., "mean": .., "p5": .., "min": ..}}}
/// Returns the process's exit status (errors are printed).
int runAttentionMass(const Options &options, autoglm_session *session);
} // namespace autoglm::run

#endif // AUTOGLM_RUN_ATTENTIONMASS_H
