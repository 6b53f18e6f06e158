//===- Calibrate.h - activation ranges over calibration sets ----*- C++ -*-===//
//
// `autoglm-run MODEL.so --calibrate DIR --calibration-out FILE`: what
// `autoglm-opt --precision=int8` runs on the instrumented float32 build of a
// model to measure the ranges of the values its products read.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_RUN_CALIBRATE_H
#define AUTOGLM_RUN_CALIBRATE_H

#include "Options.h"

#include "HostTensor.h"

#include "autoglm/runtime.h"

#include <cstdio>
#include <string>
#include <vector>

namespace autoglm::run {
/// The number of histogram bins of |x| per output, over [0, absmax].
constexpr int kCalibrationBins = 2048;

/// Runs the session on every subdirectory of options.calibrateDir (sorted
/// by name), each holding one input set: `<input name>.npy`, or
/// `input_<i>.pb` (the ONNX backend-test layout). Writes, as JSON, each
/// float output's min, max, absmax and a histogram of |x|; returns the
/// process's exit status (errors are printed).
int runCalibration(const Options &options, autoglm_session *session);

/// Writes `text` as a JSON string (quoted, with quotes, backslashes and
/// control characters escaped): the calibration ranges and the toggle
/// measurements name tensors and ONNX nodes this way.
void writeJsonString(FILE *out, const char *text);

/// The input sets of a calibration directory: every subdirectory of `dir`,
/// sorted by name; false with `error` set when there is none.
bool listSets(const std::string &dir, std::vector<std::string> &sets,
              std::string &error);

/// Reads set `dir`'s value of every model input whose name does not start
/// with `skipPrefix` (empty: every input), checking its type and shape
/// against the model's; the skipped inputs stay unallocated.
bool readSet(const autoglm_model_desc &model, const std::string &dir,
             std::vector<HostTensor> &inputs, std::string &error,
             const std::string &skipPrefix);

/// What a run over the sets of calibration directory `dir` needs: the sets,
/// every set's inputs read and checked before the first run, and one
/// buffer (and its view) per model output; false with `error` set.
bool prepareCalibrationRuns(const autoglm_model_desc &model,
                            const std::string &dir,
                            std::vector<std::string> &sets,
                            std::vector<std::vector<HostTensor>> &inputs,
                            std::vector<HostTensor> &outputs,
                            std::vector<autoglm_tensor> &outputViews,
                            std::string &error);
} // namespace autoglm::run

#endif // AUTOGLM_RUN_CALIBRATE_H
