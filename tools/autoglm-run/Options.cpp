//===- Options.cpp - autoglm-run's command line ---------------------------===//
//
// Hand-parsed: the runner links no LLVM, and its options are few. Both
// "--opt VALUE" and "--opt=VALUE" are accepted.
//
//===----------------------------------------------------------------------===//

#include "Options.h"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace autoglm::run {
const char *usageText() {
  return R"(usage: autoglm-run MODEL.so [options]

Runs a model compiled by AutoGLM as a shared library.

Inputs (each model input needs one; the first source listed wins):
  --input NAME=FILE     read input NAME from FILE (.npy, or .pb: ONNX TensorProto)
  --input-dir DIR       read inputs from DIR/input_0.pb, input_1.pb, ... in order
  --seed N              fill the remaining inputs randomly: floats uniform in
                        [-1, 1), integers in [0, 4), booleans 0/1

Outputs:
  --output-dir DIR      save outputs as DIR/output_0.npy, output_1.npy, ...
  --expect NAME=FILE    compare output NAME with FILE (.npy or .pb)
  --expect-dir DIR      compare outputs with DIR/output_0.pb, output_1.pb, ...
  --rtol X, --atol X    tolerances, |actual - expected| <= atol + rtol*|expected|
                        (defaults 1e-3 and 1e-5); exit status 1 on a mismatch

Execution:
  --device cpu|cuda[:N] the device the model was compiled for (default: the
                        model's); cuda:N runs on GPU N (default 0)
  --threads N           threads for the model's parallel loops (0: all cores)
  --spin-after-run-us N how long the worker threads poll for work after a run
                        before they sleep, in microseconds (default 10000; 0:
                        sleep at once)
  --weights FILE        the weights file of a model compiled with
                        --weights=external (default: the file the model names,
                        next to the shared library)
  --repeat N            run the model N times (default 1); what is printed,
                        saved and checked are the outputs of the last run,
                        whose output buffers are filled with NaN/0xFF bytes
                        first (on cuda, runs after the first replay a CUDA
                        graph: --repeat 2 checks the replay)
  --time N              after the first (warm-up) run, time N runs and print
                        the median, min and max milliseconds per run (and,
                        on cuda, the device time measured with CUDA events)
  --time-gap MS         with --time: wait MS milliseconds before each timed
                        run (untimed), as an application that runs the model
                        now and then does; default 0, back to back
  --batch N             run a request of N rows (dimension 0 of every input
                        and output) through the runtime's batcher, which runs
                        it on the model's batch sizes (autoglm-opt
                        --batch-sizes), padded to a larger size or split
                        across smaller ones, whichever their measured run
                        times make cheaper; N is at most the largest size
  --seq-length N        run a request of N tokens (the sequence dimensions
                        of a model compiled with sets of lengths,
                        --input-shape=input_ids:1x{64,128}): the runtime
                        runs the length N, or pads it up to the next length
                        when the model names a pad mask (--pad-mask)
  --info                print the model's device, inputs and outputs and exit
  --calibrate DIR       run the model on every input set DIR/*/ (each input
                        from <input name>.npy or input_<i>.pb) and write the
                        range and a histogram of |x| of every float output as
                        JSON to --calibration-out FILE (autoglm-opt
                        --precision=int8 runs this; docs/precision.md)
  --toggle-masks FILE   with --calibrate: run each set with every precision
                        toggle off, then once per mask of FILE, and write
                        each mask's output error instead (autoglm-opt
                        --accuracy-budget runs this)
  --attention-mass K,SINK,WINDOW[,PAGE]
                        with --calibrate: write the share of each attention
                        row's probability that top-k attention with this
                        budget (pages of PAGE keys when given) keeps instead
                        (autoglm-opt
                        --sparse-attention=auto runs this;
                        docs/sparse-attention.md)
  --help                print this text

Serving benchmark (the model's dimension 0 is the batch; docs/batching.md):
  --serve-bench         send requests through the runtime's batcher and
                        print throughput and p50/p99/p999 latency
  --batch-model FILE    the same model compiled for another batch size
                        (repeatable); the batcher picks sizes per batch
  --batching MODE       none (one request a run, on MODEL.so), fixed (the
                        largest size, waiting for a full batch or the delay)
                        or adaptive (every size; waits only under load;
                        the default)
  --clients N           closed loop: N threads, each sending its next request
                        when the last is answered (default 8)
  --rate R              open loop instead: R requests per second, exponential
                        gaps (Poisson arrivals)
  --duration S          seconds of load after a warm-up second (default 5)
  --request-rows N      rows (batch entries) per request (default 1)
  --request-lengths LO-HI
                        each request's sequence length drawn uniformly from
                        LO..HI tokens (a model compiled with sets of lengths
                        and a pad mask; default: its largest length)
  --input-range NAME=LO-HI
                        the integers of input NAME drawn uniformly from
                        LO..HI (repeatable; default 0..3): a Gather's
                        indices must stay within its table's rows
  --max-batch N         most rows in one batch (default: the largest size)
  --max-delay-us N      longest a request waits for its batch to fill
                        (default 2000)
  --check               closed loop: compare each client's last answer with
                        its request run alone on MODEL.so (whose batch must
                        be --request-rows), within --rtol/--atol
)";
}

static bool parseInt(const std::string &text, int64_t min, int64_t &value) {
  if (text.empty())
    return false;
  errno = 0;
  char *end = nullptr;
  long long parsed = std::strtoll(text.c_str(), &end, 10);
  if (errno || *end || parsed < min)
    return false;
  value = parsed;
  return true;
}

/// "K,SINK,WINDOW[,PAGE]": K >= 1, SINK and WINDOW >= 0, PAGE >= 1 (keys
/// per page of page granularity); without PAGE, token granularity (0).
static bool parseBudget(const std::string &text, std::vector<int64_t> &budget) {
  budget.clear();
  size_t start = 0;
  for (int part = 0; part < 4; ++part) {
    size_t comma = text.find(',', start);
    int64_t value = 0;
    if (!parseInt(text.substr(start, comma - start),
                  part == 0 || part == 3 ? 1 : 0, value))
      return false;
    budget.push_back(value);
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  if (budget.size() == 3)
    budget.push_back(0);
  return budget.size() == 4;
}

static bool parseTolerance(const std::string &text, double &value) {
  if (text.empty())
    return false;
  char *end = nullptr;
  double parsed = std::strtod(text.c_str(), &end);
  if (*end || !std::isfinite(parsed) || parsed < 0)
    return false;
  value = parsed;
  return true;
}

static bool parseNamedFile(const std::string &text, NamedFile &named) {
  size_t equals = text.find('=');
  if (equals == std::string::npos || equals == 0 || equals + 1 == text.size())
    return false;
  named.name = text.substr(0, equals);
  named.path = text.substr(equals + 1);
  return true;
}

/// "cpu", "cuda" or "cuda:N".
static bool parseDevice(const std::string &text, Options &options) {
  if (text == "cpu" || text == "cuda") {
    options.device = text;
    return true;
  }
  int64_t ordinal = 0;
  if (text.compare(0, 5, "cuda:") != 0 ||
      !parseInt(text.substr(5), 0, ordinal) || ordinal > INT32_MAX)
    return false;
  options.device = "cuda";
  options.deviceOrdinal = static_cast<int32_t>(ordinal);
  return true;
}

bool parseOptions(int argc, char **argv, Options &options, std::string &error) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      options.help = true;
      return true;
    }
    if (arg == "--info") {
      options.info = true;
      continue;
    }
    if (arg == "--serve-bench") {
      options.serveBench = true;
      continue;
    }
    if (arg == "--check") {
      options.check = true;
      continue;
    }
    if (arg.size() < 2 || arg.compare(0, 2, "--") != 0) {
      if (!options.modelPath.empty()) {
        error = "unexpected argument '" + arg + "' (one model only)";
        return false;
      }
      options.modelPath = arg;
      continue;
    }
    // An option with a value, given as --opt=VALUE or --opt VALUE.
    std::string name = arg, value;
    size_t equals = arg.find('=');
    if (equals != std::string::npos) {
      name = arg.substr(0, equals);
      value = arg.substr(equals + 1);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      error = "option '" + arg + "' needs a value";
      return false;
    }

    int64_t number = 0;
    NamedFile named;
    if (name == "--input" || name == "--expect") {
      if (!parseNamedFile(value, named)) {
        error = name + " wants NAME=FILE, got '" + value + "'";
        return false;
      }
      (name == "--input" ? options.inputs : options.expects).push_back(named);
    } else if (name == "--input-dir") {
      options.inputDir = value;
    } else if (name == "--expect-dir") {
      options.expectDir = value;
    } else if (name == "--output-dir") {
      options.outputDir = value;
    } else if (name == "--calibrate") {
      options.calibrateDir = value;
    } else if (name == "--calibration-out") {
      options.calibrationOut = value;
    } else if (name == "--toggle-masks") {
      options.toggleMasks = value;
    } else if (name == "--attention-mass") {
      if (!parseBudget(value, options.attentionMass)) {
        error = "--attention-mass wants K,SINK,WINDOW[,PAGE] (K and PAGE >= "
                "1, SINK and WINDOW >= 0), got '" +
                value + "'";
        return false;
      }
    } else if (name == "--seed") {
      if (!parseInt(value, 0, number)) {
        error = "--seed wants a non-negative integer, got '" + value + "'";
        return false;
      }
      options.hasSeed = true;
      options.seed = static_cast<uint64_t>(number);
    } else if (name == "--batch") {
      if (!parseInt(value, 1, number)) {
        error = "--batch wants a positive number of rows, got '" + value + "'";
        return false;
      }
      options.batch = number;
    } else if (name == "--seq-length") {
      if (!parseInt(value, 1, number)) {
        error = "--seq-length wants a positive number of tokens, got '" +
                value + "'";
        return false;
      }
      options.seqLength = number;
    } else if (name == "--repeat") {
      if (!parseInt(value, 1, number)) {
        error = "--repeat wants a positive number of runs, got '" + value + "'";
        return false;
      }
      options.repeat = number;
    } else if (name == "--time") {
      if (!parseInt(value, 1, number)) {
        error = "--time wants a positive number of runs, got '" + value + "'";
        return false;
      }
      options.timedRuns = number;
    } else if (name == "--threads") {
      if (!parseInt(value, 0, number) || number > 4096) {
        error = "--threads wants a count from 0 (all cores) to 4096, got '" +
                value + "'";
        return false;
      }
      options.numThreads = static_cast<int32_t>(number);
    } else if (name == "--spin-after-run-us") {
      if (!parseInt(value, 0, number) || number > 60000000) {
        error = "--spin-after-run-us wants microseconds from 0 to 60000000, "
                "got '" +
                value + "'";
        return false;
      }
      options.spinAfterRunUs = static_cast<int32_t>(number);
    } else if (name == "--time-gap") {
      if (!parseInt(value, 0, number) || number > 60000) {
        error = "--time-gap wants milliseconds from 0 to 60000, got '" + value +
                "'";
        return false;
      }
      options.timeGapMs = number;
    } else if (name == "--weights") {
      options.weightsPath = value;
    } else if (name == "--device") {
      if (!parseDevice(value, options)) {
        error = "--device wants cpu, cuda or cuda:N, got '" + value + "'";
        return false;
      }
    } else if (name == "--batch-model") {
      options.batchModels.push_back(value);
    } else if (name == "--batching") {
      if (value != "none" && value != "fixed" && value != "adaptive") {
        error = "--batching wants none, fixed or adaptive, got '" + value + "'";
        return false;
      }
      options.batching = value;
    } else if (name == "--clients" || name == "--max-batch") {
      if (!parseInt(value, 1, number) || number > 4096) {
        error = name + " wants a count from 1 to 4096, got '" + value + "'";
        return false;
      }
      (name == "--clients" ? options.clients : options.maxBatch) =
          static_cast<int32_t>(number);
    } else if (name == "--request-rows") {
      if (!parseInt(value, 1, number)) {
        error = "--request-rows wants a positive count, got '" + value + "'";
        return false;
      }
      options.requestRows = number;
    } else if (name == "--request-lengths") {
      size_t dash = value.find('-');
      int64_t low = 0, high = 0;
      if (!parseInt(value.substr(0, dash), 1, low) ||
          !parseInt(dash == std::string::npos ? value.substr(0, dash)
                                              : value.substr(dash + 1),
                    low, high)) {
        error = "--request-lengths wants LO-HI, token counts with 1 <= LO "
                "<= HI, got '" +
                value + "'";
        return false;
      }
      options.requestLengthMin = low;
      options.requestLengthMax = high;
    } else if (name == "--input-range") {
      size_t equals = value.find('='), dash = value.rfind('-');
      InputRange range;
      if (equals == std::string::npos || equals == 0 ||
          dash == std::string::npos || dash < equals ||
          !parseInt(value.substr(equals + 1, dash - equals - 1), 0,
                    range.low) ||
          !parseInt(value.substr(dash + 1), range.low, range.high)) {
        error = "--input-range wants NAME=LO-HI with 0 <= LO <= HI, got '" +
                value + "'";
        return false;
      }
      range.name = value.substr(0, equals);
      options.inputRanges.push_back(range);
    } else if (name == "--max-delay-us") {
      if (!parseInt(value, 0, number) || number > 3600000000ll) {
        error = "--max-delay-us wants microseconds from 0 to an hour, got '" +
                value + "'";
        return false;
      }
      options.maxDelayUs = number;
    } else if (name == "--rate" || name == "--duration") {
      double parsed = 0;
      if (!parseTolerance(value, parsed) || parsed <= 0 ||
          (name == "--duration" && parsed > 3600)) {
        error = name + " wants a positive number" +
                (name == "--duration" ? " of seconds up to 3600" : "") +
                ", got '" + value + "'";
        return false;
      }
      (name == "--rate" ? options.rate : options.duration) = parsed;
    } else if (name == "--rtol" || name == "--atol") {
      if (!parseTolerance(value,
                          name == "--rtol" ? options.rtol : options.atol)) {
        error = name + " wants a non-negative number, got '" + value + "'";
        return false;
      }
    } else {
      error = "unknown option '" + name + "'";
      return false;
    }
  }
  if (options.modelPath.empty()) {
    error = "no model given";
    return false;
  }
  if (options.calibrateDir.empty() != options.calibrationOut.empty()) {
    error = "--calibrate DIR and --calibration-out FILE go together";
    return false;
  }
  if (!options.attentionMass.empty() && options.calibrateDir.empty()) {
    error = "--attention-mass K,SINK,WINDOW[,PAGE] needs --calibrate DIR";
    return false;
  }
  if (!options.toggleMasks.empty() && options.calibrateDir.empty()) {
    error = "--toggle-masks FILE needs --calibrate DIR";
    return false;
  }
  return true;
}
} // namespace autoglm::run
