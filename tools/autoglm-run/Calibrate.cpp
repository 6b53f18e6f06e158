//===- Calibrate.cpp - activation ranges over calibration sets ------------===//
//
// Two passes over the sets: the first finds every output's range, the second
// fills a histogram of |x| over [0, absmax] (what a percentile calibrator
// reads). Running each set twice costs less than holding every output of
// every set, and the runs are deterministic.
//
// The file written:
//   {"format": "autoglm-calibration-1", "sets": N, "bins": 2048,
//    "tensors": {"NAME": {"min": .., "max": .., "absmax": ..,
//                         "histogram": [counts...]}, ...}}
//
//===----------------------------------------------------------------------===//

#include "Calibrate.h"

#include "HostTensor.h"
#include "TensorFile.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace autoglm::run {
namespace {
struct Range {
  double min = INFINITY, max = -INFINITY;
  std::vector<uint64_t> histogram;
  double absmax() const { return std::max(std::fabs(min), std::fabs(max)); }
};

bool isFloat(int32_t dtype) {
  return dtype == AUTOGLM_FLOAT32 || dtype == AUTOGLM_FLOAT64 ||
         dtype == AUTOGLM_FLOAT16 || dtype == AUTOGLM_BFLOAT16;
}

std::string describeShape(const autoglm_tensor_desc &desc) {
  return std::string(autoglm_dtype_name(desc.dtype)) + " " +
         formatShape(std::vector<int64_t>(desc.shape, desc.shape + desc.rank));
}

bool writeRanges(const std::string &path, const autoglm_model_desc &model,
                 const std::vector<Range> &ranges, size_t numSets,
                 std::string &error) {
  FILE *out = std::fopen(path.c_str(), "w");
  if (!out) {
    error = "cannot write '" + path + "'";
    return false;
  }
  std::fprintf(out,
               "{\"format\": \"autoglm-calibration-1\", \"sets\": %zu, "
               "\"bins\": %d, \"tensors\": {",
               numSets, kCalibrationBins);
  bool first = true;
  for (int32_t i = 0; i < model.num_outputs; ++i) {
    if (ranges[i].histogram.empty())
      continue;
    std::fprintf(out, "%s\n  ", first ? "" : ",");
    first = false;
    writeJsonString(out, model.outputs[i].name);
    std::fprintf(out,
                 ": {\"min\": %.9g, \"max\": %.9g, \"absmax\": %.9g, "
                 "\"histogram\": [",
                 ranges[i].min, ranges[i].max, ranges[i].absmax());
    for (size_t b = 0; b < ranges[i].histogram.size(); ++b)
      std::fprintf(out, "%s%llu", b ? "," : "",
                   static_cast<unsigned long long>(ranges[i].histogram[b]));
    std::fprintf(out, "]}");
  }
  std::fprintf(out, "\n}}\n");
  if (std::fclose(out) != 0) {
    error = "cannot write '" + path + "'";
    return false;
  }
  return true;
}

int fail(const std::string &message) {
  std::fflush(stdout);
  std::fprintf(stderr, "autoglm-run: error: %s\n", message.c_str());
  return 1;
}
} // namespace

void writeJsonString(FILE *out, const char *text) {
  std::fputc('"', out);
  for (const char *c = text; *c; ++c) {
    unsigned char ch = static_cast<unsigned char>(*c);
    if (ch == '"' || ch == '\\')
      std::fprintf(out, "\\%c", ch);
    else if (ch < 0x20)
      std::fprintf(out, "\\u%04x", ch);
    else
      std::fputc(ch, out);
  }
  std::fputc('"', out);
}

bool listSets(const std::string &dir, std::vector<std::string> &sets,
              std::string &error) {
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec), end;
  if (ec) {
    error = "calibration directory '" + dir + "': " + ec.message();
    return false;
  }
  for (; it != end; it.increment(ec)) {
    if (ec) {
      error = "calibration directory '" + dir + "': " + ec.message();
      return false;
    }
    if (it->is_directory(ec))
      sets.push_back(it->path().string());
  }
  std::sort(sets.begin(), sets.end());
  if (sets.empty()) {
    error = "calibration directory '" + dir +
            "' holds no input sets (one subdirectory per set, each with "
            "<input name>.npy or input_<i>.pb files)";
    return false;
  }
  return true;
}

bool readSet(const autoglm_model_desc &model, const std::string &dir,
             std::vector<HostTensor> &inputs, std::string &error,
             const std::string &skipPrefix) {
  inputs.clear();
  inputs.resize(model.num_inputs);
  for (int32_t i = 0; i < model.num_inputs; ++i) {
    const autoglm_tensor_desc &desc = model.inputs[i];
    if (!skipPrefix.empty() &&
        std::string(desc.name).compare(0, skipPrefix.size(), skipPrefix) == 0)
      continue;
    std::string npy = dir + "/" + desc.name + ".npy";
    std::string pb = dir + "/input_" + std::to_string(i) + ".pb";
    std::error_code ec;
    std::string path;
    if (std::filesystem::exists(npy, ec))
      path = npy;
    else if (std::filesystem::exists(pb, ec))
      path = pb;
    else {
      error = "calibration set '" + dir + "' has no value for input '" +
              desc.name + "' (expected '" + npy + "' or '" + pb + "')";
      return false;
    }
    if (!readTensorFile(path, inputs[i], error))
      return false;
    std::vector<int64_t> shape(desc.shape, desc.shape + desc.rank);
    if (inputs[i].dtype() != desc.dtype || inputs[i].shape() != shape) {
      error = "'" + path + "' holds " + autoglm_dtype_name(inputs[i].dtype()) +
              " " + formatShape(inputs[i].shape()) + ", but input '" +
              desc.name + "' is " + describeShape(desc);
      return false;
    }
  }
  return true;
}

bool prepareCalibrationRuns(const autoglm_model_desc &model,
                            const std::string &dir,
                            std::vector<std::string> &sets,
                            std::vector<std::vector<HostTensor>> &inputs,
                            std::vector<HostTensor> &outputs,
                            std::vector<autoglm_tensor> &outputViews,
                            std::string &error) {
  if (!listSets(dir, sets, error))
    return false;
  // Every set is read (and checked) before the first run.
  inputs.clear();
  inputs.resize(sets.size());
  for (size_t s = 0; s < sets.size(); ++s)
    if (!readSet(model, sets[s], inputs[s], error, ""))
      return false;
  outputs.clear();
  outputs.resize(model.num_outputs);
  outputViews.clear();
  for (int32_t i = 0; i < model.num_outputs; ++i) {
    const autoglm_tensor_desc &desc = model.outputs[i];
    if (!outputs[i].allocate(
            desc.dtype,
            std::vector<int64_t>(desc.shape, desc.shape + desc.rank))) {
      error = "out of memory for output '" + std::string(desc.name) + "'";
      return false;
    }
    outputViews.push_back(outputs[i].view());
  }
  return true;
}

int runCalibration(const Options &options, autoglm_session *session) {
  const autoglm_model_desc &model = *autoglm_session_model(session);
  std::string error;
  std::vector<std::string> sets;
  std::vector<std::vector<HostTensor>> inputs;
  std::vector<HostTensor> outputs;
  std::vector<autoglm_tensor> outputViews;
  if (!prepareCalibrationRuns(model, options.calibrateDir, sets, inputs,
                              outputs, outputViews, error))
    return fail(error);
  std::vector<Range> ranges(model.num_outputs);
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t s = 0; s < sets.size(); ++s) {
      std::vector<autoglm_tensor> inputViews;
      for (HostTensor &input : inputs[s])
        inputViews.push_back(input.view());
      if (autoglm_session_run(
              session, inputViews.data(),
              static_cast<int32_t>(inputViews.size()), outputViews.data(),
              static_cast<int32_t>(outputViews.size())) != AUTOGLM_OK)
        return fail("calibration set '" + sets[s] +
                    "': " + autoglm_session_last_error(session));
      for (int32_t i = 0; i < model.num_outputs; ++i) {
        if (!isFloat(outputs[i].dtype()))
          continue;
        Range &range = ranges[i];
        if (pass == 0) {
          for (int64_t e = 0; e < outputs[i].numElements(); ++e) {
            double x = outputs[i].getDouble(e);
            if (std::isnan(x))
              return fail("calibration set '" + sets[s] + "': output '" +
                          model.outputs[i].name + "' holds NaN");
            range.min = std::min(range.min, x);
            range.max = std::max(range.max, x);
          }
          continue;
        }
        range.histogram.resize(kCalibrationBins);
        double absmax = range.absmax();
        double scale = absmax > 0 ? kCalibrationBins / absmax : 0;
        for (int64_t e = 0; e < outputs[i].numElements(); ++e) {
          double bin = std::fabs(outputs[i].getDouble(e)) * scale;
          range.histogram[std::min<int64_t>(static_cast<int64_t>(bin),
                                            kCalibrationBins - 1)]++;
        }
      }
    }
  }
  if (!writeRanges(options.calibrationOut, model, ranges, sets.size(), error))
    return fail(error);
  std::printf("calibrated %d outputs on %zu input sets\n", model.num_outputs,
              sets.size());
  return 0;
}
} // namespace autoglm::run
