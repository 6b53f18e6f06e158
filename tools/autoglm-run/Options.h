//===- Options.h - autoglm-run's command line -------------------*- C++ -*-===//

#ifndef AUTOGLM_RUN_OPTIONS_H
#define AUTOGLM_RUN_OPTIONS_H

#include <cstdint>
#include <string>
#include <vector>

namespace autoglm::run {
/// NAME=FILE from --input / --expect.
struct NamedFile {
  std::string name;
  std::string path;
};

/// NAME=LO-HI from --input-range: the integers --serve-bench draws for an
/// input (a Gather's indices: the table's rows).
struct InputRange {
  std::string name;
  int64_t low = 0, high = 0;
};

struct Options {
  std::string modelPath;
  std::vector<NamedFile> inputs;
  std::string inputDir;
  bool hasSeed = false;
  uint64_t seed = 0;
  std::string outputDir;
  std::vector<NamedFile> expects;
  std::string expectDir;
  double rtol = 1e-3;
  double atol = 1e-5;
  int64_t timedRuns = 0;
  /// --repeat: runs before the outputs are printed, saved and checked.
  int64_t repeat = 1;
  int32_t numThreads = 0;
  /// --spin-after-run-us: the session option's default unless given.
  int32_t spinAfterRunUs = -1;
  /// --time-gap: milliseconds of idle time before each timed run.
  int64_t timeGapMs = 0;
  std::string weightsPath;
  /// --device: "cpu", "cuda", or empty for the model's own device.
  std::string device;
  int32_t deviceOrdinal = 0;
  bool info = false;
  bool help = false;
  /// --calibrate DIR: run every input set under DIR and write the ranges of
  /// the float outputs to --calibration-out (Calibrate.h).
  std::string calibrateDir;
  std::string calibrationOut;
  /// --toggle-masks FILE (with --calibrate): measure the output error of
  /// each mask of precision toggles instead (MeasureToggles.h).
  std::string toggleMasks;
  /// --attention-mass K,SINK,WINDOW[,PAGE] (with --calibrate): measure the
  /// attention mass that top-k attention at this budget keeps instead
  /// (AttentionMass.h): {k, sink, window, page size (0: token
  /// granularity)}; empty when not given.
  std::vector<int64_t> attentionMass;

  /// --batch: rows of one request run through a batcher on the model's
  /// batch sizes (padded or split); 0: one run at the model's own shapes.
  int64_t batch = 0;
  /// --seq-length: the tensors' sequence dimensions at this length (a
  /// model compiled with sets of lengths; the runtime pads it); 0 when not
  /// given.
  int64_t seqLength = 0;

  /// --serve-bench and its settings (ServeBench.h).
  bool serveBench = false;
  std::vector<std::string> batchModels;
  std::string batching = "adaptive";
  int32_t clients = 8;
  double rate = 0; ///< requests per second; 0: closed loop
  double duration = 5;
  int64_t requestRows = 1;
  /// --request-lengths LO-HI: each request's sequence length, uniform over
  /// LO..HI; 0 when not given (requests at the model's largest length).
  int64_t requestLengthMin = 0, requestLengthMax = 0;
  /// --input-range: integer inputs drawn from LO..HI instead of 0..3.
  std::vector<InputRange> inputRanges;
  int32_t maxBatch = 0;
  int64_t maxDelayUs = 2000;
  bool check = false;
};

/// Parses argv; on failure returns false with a one-line reason.
bool parseOptions(int argc, char **argv, Options &options, std::string &error);

/// The --help text.
const char *usageText();
} // namespace autoglm::run

#endif // AUTOGLM_RUN_OPTIONS_H
