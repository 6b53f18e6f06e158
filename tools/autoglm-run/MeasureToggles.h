//===- MeasureToggles.h - output error of precision toggles -----*- C++ -*-===//
//
// `autoglm-run MODEL.so --calibrate DIR --toggle-masks FILE
// --calibration-out OUT`: what `autoglm-opt --accuracy-budget` runs on its
// sensitivity build, a model in which every lowered product also computes
// in float32 and a scalar input `autoglm.toggle:<node>` picks which of the
// two results the rest of the model reads (docs/precision.md).
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_RUN_MEASURETOGGLES_H
#define AUTOGLM_RUN_MEASURETOGGLES_H

#include "Options.h"

#include "autoglm/runtime.h"

namespace autoglm::run {
/// The name prefix of the toggle inputs (passes/AssignPrecision.cpp names
/// them so).
constexpr const char *kTogglePrefix = "autoglm.toggle:";

/// Runs every input set of options.calibrateDir once with every toggle off
/// (the float32 reference) and once per mask of options.toggleMasks (one a
/// line: a '0'/'1' per toggle input, in input order, the word `each` for
/// one mask per toggle with only that toggle on, or `all`), and writes, as
/// JSON to options.calibrationOut, the toggles' node names and, per mask,
/// the smallest cosine similarity and the largest relative error of any
/// float output over all sets. Returns the process's exit status.
int runToggleMeasurement(const Options &options, autoglm_session *session);
} // namespace autoglm::run

#endif // AUTOGLM_RUN_MEASURETOGGLES_H
