//===- autoglm-run.cpp - run a compiled model from the command line -------===//
//
// Loads a model compiled as a shared library, feeds it inputs from files or
// a seeded generator, and prints, saves, checks or times its outputs. Every
// problem with the user's files or arguments is an error message and exit
// status 1; the runtime's own checks supply the dtype/shape messages.
//
//===----------------------------------------------------------------------===//

#include "AttentionMass.h"
#include "Calibrate.h"
#include "Compare.h"
#include "HostTensor.h"
#include "MeasureToggles.h"
#include "ModelLibrary.h"
#include "Options.h"
#include "RandomFill.h"
#include "ServeBench.h"
#include "TensorFile.h"

#include "autoglm/batcher.h"
#include "autoglm/cuda_image.h"
#include "autoglm/runtime.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <vector>

using namespace autoglm::run;

namespace {
/// Owns a session; destroys it on every exit path.
struct SessionDeleter {
  void operator()(autoglm_session *session) const {
    autoglm_session_destroy(session);
  }
};
using SessionPtr = std::unique_ptr<autoglm_session, SessionDeleter>;
struct BatcherDeleter {
  void operator()(autoglm_batcher *batcher) const {
    autoglm_batcher_destroy(batcher);
  }
};

/// The runner's state between steps.
struct Runner {
  const Options &options;
  autoglm_session *session;
  /// The shapes a run takes: the model's, or with --batch its tensors at
  /// that many rows (then `batcher` runs them).
  const autoglm_model_desc *model;
  autoglm_batcher *batcher = nullptr;
  std::vector<HostTensor> inputs, outputs;
  std::vector<autoglm_tensor> inputViews, outputViews;
  /// Expected values, by output index; absent where none was given.
  std::vector<HostTensor> expected;
  std::vector<bool> hasExpected;
};
} // namespace

static int fail(const std::string &message) {
  // Keep the order of stdout and stderr when both go to one file.
  std::fflush(stdout);
  std::fprintf(stderr, "autoglm-run: error: %s\n", message.c_str());
  return 1;
}

static std::string modelName(const autoglm_session *session) {
  const char *name = autoglm_session_model(session)->name;
  return name ? name : "(unnamed)";
}

static std::string describe(const autoglm_tensor_desc &desc) {
  std::vector<int64_t> shape(desc.shape, desc.shape + desc.rank);
  return std::string(autoglm_dtype_name(desc.dtype)) + " " + formatShape(shape);
}

static std::string nameList(const autoglm_tensor_desc *descs, int32_t count) {
  std::string names;
  for (int32_t i = 0; i < count; ++i)
    names += (i ? ", " : "") + std::string(descs[i].name);
  return names;
}

/// The device image of a CUDA model: its kernels, steps and architectures.
static void printCudaImage(const autoglm_cuda_image &image) {
  std::printf("cuda image: %d kernels, %d steps, %llu-byte fatbin for %s "
              "(sm_%d or newer)",
              image.num_kernels, image.num_steps,
              static_cast<unsigned long long>(image.fatbin_bytes),
              image.archs ? image.archs : "(unknown)",
              image.min_compute_capability);
  if (image.weights_bytes)
    std::printf(", %llu bytes of embedded weights",
                static_cast<unsigned long long>(image.weights_bytes));
  std::printf("\n");
  std::string kernels;
  for (int32_t k = 0; k < image.num_kernels; ++k)
    kernels += (k ? ", " : "") + std::string(image.kernel_names[k]);
  std::printf("kernels: %s\n", kernels.c_str());
}

/// `device` describes where the model runs (the session's device, or why
/// the model's device cannot be used here).
static void printInfo(const autoglm_model_desc &model,
                      const std::string &device) {
  std::printf("model '%s': %d inputs, %d outputs, %llu-byte workspace\n",
              model.name ? model.name : "", model.num_inputs, model.num_outputs,
              static_cast<unsigned long long>(model.workspace_bytes));
  std::printf("device: %s\n", device.c_str());
  if (model.device == AUTOGLM_DEVICE_CUDA && model.device_image)
    printCudaImage(
        *static_cast<const autoglm_cuda_image *>(model.device_image));
  int32_t numLengths = model.abi_version >= 5 ? model.num_seq_lengths : 0;
  if (model.abi_version >= 4 && model.num_batch_entries > 0 && numLengths) {
    // Entries of sequence lengths, perhaps also of batch sizes.
    std::string lengths, entries, workspaces;
    for (int32_t l = 0; l < numLengths; ++l)
      lengths += (l ? ", " : "") + std::to_string(model.seq_lengths[l]);
    for (int32_t i = 0; i < model.num_batch_entries; ++i) {
      const autoglm_batch_entry &entry = model.batch_entries[i];
      entries += (i ? ", " : "") + std::to_string(entry.batch) + "x" +
                 std::to_string(model.seq_lengths[i % numLengths]);
      workspaces += (i ? ", " : "") + std::to_string(entry.workspace_bytes);
    }
    if (model.pad_mask_input >= 0)
      std::printf("sequence lengths: %s (pad mask '%s': a request of a length "
                  "in between runs padded to the next)\n",
                  lengths.c_str(), model.inputs[model.pad_mask_input].name);
    else
      std::printf("sequence lengths: %s (no pad mask: a request's length is "
                  "one of these)\n",
                  lengths.c_str());
    std::printf("entries, batch x length: %s (workspace %s bytes); shapes "
                "below at %s\n",
                entries.c_str(), workspaces.c_str(),
                entries.substr(entries.rfind(' ') + 1).c_str());
  } else if (model.abi_version >= 4 && model.num_batch_entries > 0) {
    std::string sizes, workspaces;
    for (int32_t i = 0; i < model.num_batch_entries; ++i) {
      const autoglm_batch_entry &entry = model.batch_entries[i];
      sizes += (i ? ", " : "") + std::to_string(entry.batch);
      workspaces += (i ? ", " : "") + std::to_string(entry.workspace_bytes);
    }
    std::printf("batch sizes: %s (workspace %s bytes; one weights image); "
                "shapes below at batch %lld\n",
                sizes.c_str(), workspaces.c_str(),
                static_cast<long long>(
                    model.batch_entries[model.num_batch_entries - 1].batch));
  }
  if (model.abi_version >= 4 && model.num_batch_entries > 1)
    std::printf("batcher plan: a batch runs padded up to a larger entry or "
                "split across entries, whichever the entries' run times make "
                "cheaper, as the batcher measures them (calibration_runs at "
                "its creation, then every run)\n");
  if (model.weights_bytes)
    std::printf("weights: %llu bytes in '%s'\n",
                static_cast<unsigned long long>(model.weights_bytes),
                model.weights_file);
  // " (dimension 1 is the length)" after a tensor with sequence dimensions.
  auto lengthDims = [&](const uint32_t *table, int32_t index) {
    if (!numLengths || !table || !table[index])
      return std::string();
    std::string dims;
    for (int32_t d = 0; d < 32; ++d)
      if ((table[index] >> d) & 1u)
        dims += (dims.empty() ? "" : " and ") + std::to_string(d);
    return " (dimension " + dims + " is the length)";
  };
  for (int32_t i = 0; i < model.num_inputs; ++i)
    std::printf("input %d '%s': %s%s\n", i, model.inputs[i].name,
                describe(model.inputs[i]).c_str(),
                lengthDims(model.input_seq_dims, i).c_str());
  for (int32_t i = 0; i < model.num_outputs; ++i)
    std::printf("output %d '%s': %s%s\n", i, model.outputs[i].name,
                describe(model.outputs[i]).c_str(),
                lengthDims(model.output_seq_dims, i).c_str());
}

/// Reads DIR/<stem>_<index>.pb.
static bool readIndexedFile(const std::string &dir, const char *stem,
                            int32_t index, HostTensor &tensor,
                            std::string &error) {
  std::string path = dir + "/" + stem + "_" + std::to_string(index) + ".pb";
  return readTensorFile(path, tensor, error);
}

/// Fills every model input from --input, then --input-dir, then --seed.
static bool gatherInputs(Runner &runner, std::string &error) {
  const autoglm_model_desc &model = *runner.model;
  runner.inputs.resize(model.num_inputs);
  std::vector<bool> filled(model.num_inputs, false);
  for (const NamedFile &input : runner.options.inputs) {
    int32_t index =
        autoglm_session_find_input(runner.session, input.name.c_str());
    if (index < 0) {
      error = "model '" + modelName(runner.session) + "' has no input '" +
              input.name +
              "' (its inputs: " + nameList(model.inputs, model.num_inputs) +
              ")";
      return false;
    }
    if (filled[index]) {
      error = "input '" + input.name + "' given twice";
      return false;
    }
    if (!readTensorFile(input.path, runner.inputs[index], error))
      return false;
    filled[index] = true;
  }
  Random random(runner.options.seed);
  for (int32_t i = 0; i < model.num_inputs; ++i) {
    if (filled[i])
      continue;
    const autoglm_tensor_desc &desc = model.inputs[i];
    if (!runner.options.inputDir.empty()) {
      if (!readIndexedFile(runner.options.inputDir, "input", i,
                           runner.inputs[i], error))
        return false;
    } else if (runner.options.hasSeed) {
      if (!runner.inputs[i].allocate(
              desc.dtype,
              std::vector<int64_t>(desc.shape, desc.shape + desc.rank))) {
        error = "out of memory for input '" + std::string(desc.name) + "'";
        return false;
      }
      fillRandom(runner.inputs[i], random);
    } else {
      error = "no value for input '" + std::string(desc.name) + "' (" +
              describe(desc) +
              "); pass --input NAME=FILE, --input-dir DIR or --seed N";
      return false;
    }
  }
  for (HostTensor &input : runner.inputs)
    runner.inputViews.push_back(input.view());
  return true;
}

static bool allocateOutputs(Runner &runner, std::string &error) {
  const autoglm_model_desc &model = *runner.model;
  runner.outputs.resize(model.num_outputs);
  for (int32_t i = 0; i < model.num_outputs; ++i) {
    const autoglm_tensor_desc &desc = model.outputs[i];
    if (!runner.outputs[i].allocate(
            desc.dtype,
            std::vector<int64_t>(desc.shape, desc.shape + desc.rank))) {
      error = "out of memory for output '" + std::string(desc.name) + "'";
      return false;
    }
    runner.outputViews.push_back(runner.outputs[i].view());
  }
  return true;
}

static autoglm_status runOnce(Runner &runner) {
  if (runner.batcher)
    return autoglm_batcher_submit(
        runner.batcher, runner.inputViews.data(),
        static_cast<int32_t>(runner.inputViews.size()),
        runner.outputViews.data(),
        static_cast<int32_t>(runner.outputViews.size()));
  return autoglm_session_run(runner.session, runner.inputViews.data(),
                             static_cast<int32_t>(runner.inputViews.size()),
                             runner.outputViews.data(),
                             static_cast<int32_t>(runner.outputViews.size()));
}

static void printOutputs(const Runner &runner) {
  constexpr int64_t shown = 8;
  for (size_t i = 0; i < runner.outputs.size(); ++i) {
    const HostTensor &output = runner.outputs[i];
    const autoglm_tensor_desc *desc = &runner.model->outputs[i];
    std::string values;
    int64_t count = std::min(shown, output.numElements());
    for (int64_t j = 0; j < count; ++j)
      values += (j ? ", " : "") + output.formatElement(j);
    if (output.numElements() > shown)
      values += ", ...";
    std::printf("output %zu '%s': %s = [%s]\n", i, desc->name,
                describe(*desc).c_str(), values.c_str());
  }
}

static bool saveOutputs(const Runner &runner, std::string &error) {
  const std::string &dir = runner.options.outputDir;
  if (::mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST) {
    error = "cannot create directory '" + dir + "': " + std::strerror(errno);
    return false;
  }
  for (size_t i = 0; i < runner.outputs.size(); ++i)
    if (!writeNpy(dir + "/output_" + std::to_string(i) + ".npy",
                  runner.outputs[i], error))
      return false;
  return true;
}

/// Reads the expected values from --expect and --expect-dir, before the
/// run, so that a bad name or file is reported before any work.
static bool loadExpectations(Runner &runner, std::string &error) {
  const Options &options = runner.options;
  int32_t numOutputs = autoglm_session_num_outputs(runner.session);
  runner.expected.resize(numOutputs);
  runner.hasExpected.assign(numOutputs, false);
  for (const NamedFile &expect : options.expects) {
    int32_t index =
        autoglm_session_find_output(runner.session, expect.name.c_str());
    if (index < 0) {
      const autoglm_model_desc &model = *runner.model;
      error = "model '" + modelName(runner.session) + "' has no output '" +
              expect.name +
              "' (its outputs: " + nameList(model.outputs, model.num_outputs) +
              ")";
      return false;
    }
    if (!readTensorFile(expect.path, runner.expected[index], error))
      return false;
    runner.hasExpected[index] = true;
  }
  if (!options.expectDir.empty())
    for (int32_t i = 0; i < numOutputs; ++i)
      if (!runner.hasExpected[i]) {
        if (!readIndexedFile(options.expectDir, "output", i, runner.expected[i],
                             error))
          return false;
        runner.hasExpected[i] = true;
      }
  return true;
}

/// Compares the outputs that have expected values, one line per output;
/// returns the number of outputs that differ.
static int checkOutputs(const Runner &runner) {
  const Options &options = runner.options;
  int32_t numOutputs = static_cast<int32_t>(runner.outputs.size());
  const std::vector<HostTensor> &expected = runner.expected;
  int numMismatched = 0;
  for (int32_t i = 0; i < numOutputs; ++i) {
    if (!runner.hasExpected[i])
      continue;
    const HostTensor &actual = runner.outputs[i];
    const char *name = runner.model->outputs[i].name;
    if (expected[i].dtype() != actual.dtype() ||
        expected[i].shape() != actual.shape()) {
      std::printf("check '%s': MISMATCH: expected %s %s, the output is %s %s\n",
                  name, autoglm_dtype_name(expected[i].dtype()),
                  formatShape(expected[i].shape()).c_str(),
                  autoglm_dtype_name(actual.dtype()),
                  formatShape(actual.shape()).c_str());
      ++numMismatched;
      continue;
    }
    Comparison result =
        compareTensors(actual, expected[i], options.rtol, options.atol);
    std::printf("check '%s': max abs error %.3g, max rel error %.3g: ", name,
                result.maxAbsError, result.maxRelError);
    if (result.numMismatches == 0) {
      std::printf("ok\n");
      continue;
    }
    ++numMismatched;
    int64_t at = result.firstMismatch;
    std::printf("MISMATCH: %lld of %lld values differ by more than atol %g + "
                "rtol %g * |expected|; first at %s: got %s, expected %s\n",
                static_cast<long long>(result.numMismatches),
                static_cast<long long>(actual.numElements()), options.atol,
                options.rtol, formatIndex(actual.shape(), at).c_str(),
                actual.formatElement(at).c_str(),
                expected[i].formatElement(at).c_str());
  }
  return numMismatched;
}

/// Sorts `millis` and returns its median.
static double sortedMedian(std::vector<double> &millis) {
  std::sort(millis.begin(), millis.end());
  size_t n = millis.size();
  return n % 2 ? millis[n / 2] : (millis[n / 2 - 1] + millis[n / 2]) / 2;
}

static bool timeRuns(Runner &runner, std::string &error) {
  using Clock = std::chrono::steady_clock;
  std::vector<double> millis, deviceMillis, stepsMillis;
  millis.reserve(static_cast<size_t>(runner.options.timedRuns));
  for (int64_t i = 0; i < runner.options.timedRuns; ++i) {
    if (runner.options.timeGapMs > 0)
      std::this_thread::sleep_for(
          std::chrono::milliseconds(runner.options.timeGapMs));
    Clock::time_point start = Clock::now();
    autoglm_status status = runOnce(runner);
    Clock::time_point stop = Clock::now();
    if (status != AUTOGLM_OK) {
      error = autoglm_session_last_error(runner.session);
      return false;
    }
    millis.push_back(
        std::chrono::duration<double, std::milli>(stop - start).count());
    double deviceTime = autoglm_session_last_device_ms(runner.session);
    if (deviceTime >= 0)
      deviceMillis.push_back(deviceTime);
    double stepsTime = autoglm_session_last_steps_ms(runner.session);
    if (stepsTime >= 0)
      stepsMillis.push_back(stepsTime);
  }
  double median = sortedMedian(millis);
  size_t n = millis.size();
  int32_t threads = autoglm_session_num_threads(runner.session);
  std::string apart =
      runner.options.timeGapMs > 0
          ? ", " + std::to_string(runner.options.timeGapMs) + " ms apart"
          : "";
  bool onCuda = autoglm_session_device(runner.session) == AUTOGLM_DEVICE_CUDA;
  if (!onCuda || deviceMillis.size() != n) {
    std::printf("time: %zu runs, %d threads%s: median %.6f ms, min %.6f ms, "
                "max %.6f ms",
                n, threads, apart.c_str(), median, millis.front(),
                millis.back());
    if (onCuda)
      std::printf(" (wall time; %s, %s)",
                  autoglm_session_device_description(runner.session),
                  autoglm_session_execution(runner.session));
    std::printf("\n");
    return true;
  }
  // On CUDA the first figures are the device time from CUDA events (what
  // the GPU spent on the run, copies included), in the CPU line's format so
  // that scripts read both alike; the wall time, which adds the host's
  // share (launches, pageable copies), follows, then the steps alone (the
  // copies of inputs and outputs left out).
  double deviceMedian = sortedMedian(deviceMillis);
  std::printf("time: %zu runs, %d threads%s: median %.6f ms, min %.6f ms, "
              "max %.6f ms on the device (CUDA events; %s, %s); wall median "
              "%.6f ms, min %.6f ms, max %.6f ms",
              n, threads, apart.c_str(), deviceMedian, deviceMillis.front(),
              deviceMillis.back(),
              autoglm_session_device_description(runner.session),
              autoglm_session_execution(runner.session), median, millis.front(),
              millis.back());
  if (stepsMillis.size() == n) {
    double stepsMedian = sortedMedian(stepsMillis);
    std::printf("; steps median %.6f ms, min %.6f ms, max %.6f ms", stepsMedian,
                stepsMillis.front(), stepsMillis.back());
  }
  std::printf("; device memory %llu bytes",
              static_cast<unsigned long long>(
                  autoglm_session_device_bytes(runner.session)));
  std::printf("\n");
  return true;
}

/// The model runs only on the device it was compiled for; --device says
/// which one the user expects.
static bool checkDevice(const Options &options, const autoglm_model_desc &model,
                        std::string &error) {
  if (options.device.empty() ||
      options.device == autoglm_device_name(model.device))
    return true;
  const char *name = model.name ? model.name : "(unnamed)";
  error = "model '" + std::string(name) + "' was compiled for " +
          autoglm_device_name(model.device) + ", not " + options.device +
          "; a model runs only on the device it was compiled for (run it with "
          "--device " +
          autoglm_device_name(model.device) + ", or compile it for " +
          options.device + ")";
  return false;
}

int main(int argc, char **argv) {
  Options options;
  std::string error;
  if (!parseOptions(argc, argv, options, error))
    return fail(error + " (see --help)");
  if (options.help) {
    std::fputs(usageText(), stdout);
    return 0;
  }

  ModelLibrary library;
  if (!library.load(options.modelPath, error))
    return fail(error);

  if (!checkDevice(options, *library.model(), error))
    return fail(error);

  autoglm_session_options sessionOptions;
  autoglm_session_options_init(&sessionOptions);
  sessionOptions.num_threads = options.numThreads;
  if (options.spinAfterRunUs >= 0)
    sessionOptions.spin_after_run_us = options.spinAfterRunUs;
  sessionOptions.device_ordinal = options.deviceOrdinal;
  if (!options.weightsPath.empty())
    sessionOptions.weights_path = options.weightsPath.c_str();
  autoglm_session *rawSession = nullptr;
  autoglm_status status =
      autoglm_session_create(library.model(), &sessionOptions, &rawSession);
  // --info describes a valid model even where its device is missing.
  if (status == AUTOGLM_ERROR_DEVICE_UNAVAILABLE && options.info) {
    printInfo(*library.model(),
              std::string(autoglm_device_name(library.model()->device)) +
                  " (not available here: " + autoglm_last_create_error() + ")");
    return 0;
  }
  if (status != AUTOGLM_OK)
    return fail(autoglm_last_create_error());
  SessionPtr session(rawSession);

  if (options.info) {
    std::string device = autoglm_session_device_description(session.get());
    if (autoglm_session_device(session.get()) == AUTOGLM_DEVICE_CUDA)
      device = "cuda, " + device;
    printInfo(*library.model(), device);
    return 0;
  }

  if (options.serveBench)
    return runServeBench(options, session.get());
  if (!options.attentionMass.empty())
    return runAttentionMass(options, session.get());
  if (!options.toggleMasks.empty())
    return runToggleMeasurement(options, session.get());
  if (!options.calibrateDir.empty())
    return runCalibration(options, session.get());

  Runner runner{
      options, session.get(), library.model(), nullptr, {}, {}, {}, {}, {}, {}};
  // --batch: the tensors at that many rows, run through a batcher.
  autoglm_model_desc requestModel;
  std::vector<autoglm_tensor_desc> requestTensors;
  std::vector<std::vector<int64_t>> requestShapes;
  std::unique_ptr<autoglm_batcher, BatcherDeleter> batcher;
  if (options.batch > 0) {
    autoglm_batcher_options batcherOptions;
    autoglm_batcher_options_init(&batcherOptions);
    batcherOptions.max_delay_us = 0;
    // The plan between padding and splitting follows measured run times.
    batcherOptions.calibration_runs = 3;
    autoglm_batcher *raw = nullptr;
    if (autoglm_batcher_create(session.get(), &batcherOptions, &raw) !=
        AUTOGLM_OK)
      return fail(autoglm_batcher_last_error());
    batcher.reset(raw);
    runner.batcher = raw;
  }
  const autoglm_model_desc &model = *library.model();
  bool hasLengths = model.abi_version >= 5 && model.num_seq_lengths > 0;
  if (options.seqLength > 0 && !hasLengths)
    return fail("--seq-length needs a model compiled with sets of sequence "
                "lengths (autoglm-opt --input-shape=NAME:...x{64,128}); "
                "model '" +
                modelName(session.get()) + "' has none");
  // --batch, --seq-length: the tensors at that many rows and tokens.
  if (options.batch > 0 || options.seqLength > 0) {
    requestModel = model;
    int32_t count = requestModel.num_inputs + requestModel.num_outputs;
    requestTensors.reserve(count);
    requestShapes.reserve(count);
    for (int32_t k = 0; k < count; ++k) {
      bool isInput = k < requestModel.num_inputs;
      const autoglm_tensor_desc &desc =
          isInput ? requestModel.inputs[k]
                  : requestModel.outputs[k - requestModel.num_inputs];
      requestShapes.emplace_back(desc.shape, desc.shape + desc.rank);
      if (desc.rank > 0 && options.batch > 0)
        requestShapes.back()[0] = options.batch;
      uint32_t lengthDims =
          !hasLengths ? 0
          : isInput   ? model.input_seq_dims[k]
                      : model.output_seq_dims[k - requestModel.num_inputs];
      for (int32_t d = 0; d < desc.rank && d < 32; ++d)
        if (options.seqLength > 0 && ((lengthDims >> d) & 1u))
          requestShapes.back()[d] = options.seqLength;
      requestTensors.push_back(desc);
      requestTensors.back().shape = requestShapes.back().data();
    }
    requestModel.inputs = requestTensors.data();
    requestModel.outputs = requestTensors.data() + requestModel.num_inputs;
    runner.model = &requestModel;
  }
  if (!gatherInputs(runner, error) || !loadExpectations(runner, error) ||
      !allocateOutputs(runner, error))
    return fail(error);
  // The first run warms caches for --time; the outputs are those of the
  // last of --repeat runs, each of which starts from poisoned buffers, so
  // that an output a run fails to write cannot keep an earlier run's value.
  for (int64_t i = 0; i < options.repeat; ++i) {
    if (i > 0)
      for (HostTensor &output : runner.outputs)
        std::memset(output.data(), 0xFF, output.byteSize());
    if (runOnce(runner) != AUTOGLM_OK)
      return fail(runner.batcher ? autoglm_batcher_last_error()
                                 : autoglm_session_last_error(session.get()));
  }
  if (runner.batcher) {
    autoglm_batcher_stats stats;
    autoglm_batcher_get_stats(runner.batcher, &stats);
    std::printf("batch %lld: %llu run(s) for %llu request(s), %llu padding "
                "row(s)\n",
                static_cast<long long>(options.batch),
                static_cast<unsigned long long>(stats.runs),
                static_cast<unsigned long long>(stats.succeeded),
                static_cast<unsigned long long>(stats.padding_rows));
  }
  printOutputs(runner);
  if (!options.outputDir.empty() && !saveOutputs(runner, error))
    return fail(error);

  int numMismatched = checkOutputs(runner);
  if (options.timedRuns > 0 && !timeRuns(runner, error))
    return fail(error);
  if (numMismatched > 0)
    return fail(std::to_string(numMismatched) +
                (numMismatched == 1 ? " output differs" : " outputs differ") +
                " from the expected values");
  return 0;
}
