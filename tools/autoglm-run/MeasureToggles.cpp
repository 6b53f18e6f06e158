//===- MeasureToggles.cpp - output error of precision toggles -------------===//
//
// The sets are the outer loop: each set's reference outputs are computed
// once (all toggles off) and every mask is compared with them, so only one
// set's reference is held at a time. The errors, per output tensor of one
// set:
//   cosine     = <y, r> / (|y| |r|), in double; 1 when y and r are equal
//                (two zero tensors included), -1 when y holds NaN;
//   rel_error  = max |y - r| / max |r|; the absolute error when r is zero;
//                1e300 (JSON has no infinity) when y holds NaN or infinity.
// A mask's figures are the worst over every float output and every set.
//
// The file written:
//   {"format": "autoglm-toggle-errors-1", "sets": N,
//    "toggles": ["node", ...],
//    "masks": [{"mask": "0100", "min_cosine": .., "max_rel_error": ..}, ...]}
//
//===----------------------------------------------------------------------===//

#include "MeasureToggles.h"

#include "Calibrate.h"
#include "HostTensor.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace autoglm::run {
namespace {
constexpr double kHugeError = 1e300;

int fail(const std::string &message) {
  std::fflush(stdout);
  std::fprintf(stderr, "autoglm-run: error: %s\n", message.c_str());
  return 1;
}

bool isFloat(int32_t dtype) {
  return dtype == AUTOGLM_FLOAT32 || dtype == AUTOGLM_FLOAT64 ||
         dtype == AUTOGLM_FLOAT16 || dtype == AUTOGLM_BFLOAT16;
}

struct Error {
  double minCosine = 1, maxRelError = 0;
};

/// Compares `y` with the reference `r` (same dtype and shape).
void compare(const HostTensor &y, const HostTensor &r, Error &error) {
  if (std::memcmp(y.data(), r.data(), y.byteSize()) == 0)
    return;
  double dot = 0, yy = 0, rr = 0, maxDiff = 0, maxRef = 0;
  bool finite = true;
  for (int64_t e = 0; e < y.numElements(); ++e) {
    double a = y.getDouble(e), b = r.getDouble(e);
    if (!std::isfinite(a))
      finite = false;
    dot += a * b;
    yy += a * a;
    rr += b * b;
    maxDiff = std::max(maxDiff, std::fabs(a - b));
    maxRef = std::max(maxRef, std::fabs(b));
  }
  double cosine = !finite              ? -1.0
                  : yy == 0 && rr == 0 ? 1.0
                  : yy == 0 || rr == 0 ? 0.0
                                       : dot / std::sqrt(yy * rr);
  double rel = !finite ? kHugeError : maxRef > 0 ? maxDiff / maxRef : maxDiff;
  error.minCosine = std::min(error.minCosine, cosine);
  error.maxRelError = std::max(error.maxRelError, std::min(rel, kHugeError));
}

/// The masks of `path`; `each` expands to one mask per toggle.
bool readMasks(const std::string &path, size_t toggles,
               std::vector<std::string> &masks, std::string &error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read the toggle masks '" + path + "'";
    return false;
  }
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty())
      continue;
    if (line == "all") {
      masks.push_back(std::string(toggles, '1'));
      continue;
    }
    if (line == "each") {
      for (size_t t = 0; t < toggles; ++t) {
        masks.push_back(std::string(toggles, '0'));
        masks.back()[t] = '1';
      }
      continue;
    }
    if (line.size() != toggles ||
        line.find_first_not_of("01") != std::string::npos) {
      error = "'" + path + "' line " + std::to_string(number) + ": expected " +
              std::to_string(toggles) + " characters 0 or 1, 'each' or 'all'";
      return false;
    }
    masks.push_back(line);
  }
  return true;
}
} // namespace

int runToggleMeasurement(const Options &options, autoglm_session *session) {
  const autoglm_model_desc &model = *autoglm_session_model(session);
  const size_t prefix = std::strlen(kTogglePrefix);
  std::vector<int32_t> toggleInputs;
  std::vector<std::string> names;
  for (int32_t i = 0; i < model.num_inputs; ++i) {
    const autoglm_tensor_desc &desc = model.inputs[i];
    if (std::strncmp(desc.name, kTogglePrefix, prefix) != 0)
      continue;
    if (desc.dtype != AUTOGLM_FLOAT32 || desc.rank != 1 || desc.shape[0] != 1)
      return fail(std::string("toggle input '") + desc.name +
                  "' is not a float32 [1]");
    toggleInputs.push_back(i);
    names.push_back(desc.name + prefix);
  }
  std::string error;
  std::vector<std::string> masks;
  if (!readMasks(options.toggleMasks, toggleInputs.size(), masks, error))
    return fail(error);
  std::vector<std::string> sets;
  if (!listSets(options.calibrateDir, sets, error))
    return fail(error);
  std::vector<std::vector<HostTensor>> inputs(sets.size());
  for (size_t s = 0; s < sets.size(); ++s) {
    if (!readSet(model, sets[s], inputs[s], error, kTogglePrefix))
      return fail(error);
    for (int32_t i : toggleInputs)
      if (!inputs[s][i].allocate(AUTOGLM_FLOAT32, {1}))
        return fail("out of memory");
  }

  auto allocateOutputs = [&](std::vector<HostTensor> &outputs) {
    outputs.resize(model.num_outputs);
    for (int32_t i = 0; i < model.num_outputs; ++i) {
      const autoglm_tensor_desc &desc = model.outputs[i];
      if (!outputs[i].allocate(
              desc.dtype,
              std::vector<int64_t>(desc.shape, desc.shape + desc.rank)))
        return false;
    }
    return true;
  };
  std::vector<HostTensor> reference, outputs;
  if (!allocateOutputs(reference) || !allocateOutputs(outputs))
    return fail("out of memory for the outputs");
  auto run = [&](size_t s, const std::string &mask,
                 std::vector<HostTensor> &into) {
    for (size_t t = 0; t < toggleInputs.size(); ++t)
      inputs[s][toggleInputs[t]].setDouble(0, mask[t] == '1' ? 1.0 : 0.0);
    std::vector<autoglm_tensor> in, out;
    for (HostTensor &tensor : inputs[s])
      in.push_back(tensor.view());
    for (HostTensor &tensor : into)
      out.push_back(tensor.view());
    return autoglm_session_run(session, in.data(),
                               static_cast<int32_t>(in.size()), out.data(),
                               static_cast<int32_t>(out.size())) == AUTOGLM_OK;
  };

  std::vector<Error> errors(masks.size());
  const std::string off(toggleInputs.size(), '0');
  for (size_t s = 0; s < sets.size(); ++s) {
    if (!run(s, off, reference))
      return fail("input set '" + sets[s] +
                  "': " + autoglm_session_last_error(session));
    for (size_t m = 0; m < masks.size(); ++m) {
      if (!run(s, masks[m], outputs))
        return fail("input set '" + sets[s] +
                    "': " + autoglm_session_last_error(session));
      for (int32_t o = 0; o < model.num_outputs; ++o)
        if (isFloat(outputs[o].dtype()))
          compare(outputs[o], reference[o], errors[m]);
    }
  }

  FILE *out = std::fopen(options.calibrationOut.c_str(), "w");
  if (!out)
    return fail("cannot write '" + options.calibrationOut + "'");
  std::fprintf(out,
               "{\"format\": \"autoglm-toggle-errors-1\", \"sets\": %zu, "
               "\"toggles\": [",
               sets.size());
  for (size_t t = 0; t < names.size(); ++t) {
    std::fprintf(out, "%s", t ? ", " : "");
    writeJsonString(out, names[t].c_str());
  }
  std::fprintf(out, "],\n \"masks\": [");
  for (size_t m = 0; m < masks.size(); ++m)
    std::fprintf(out,
                 "%s\n  {\"mask\": \"%s\", \"min_cosine\": %.17g, "
                 "\"max_rel_error\": %.17g}",
                 m ? "," : "", masks[m].c_str(), errors[m].minCosine,
                 errors[m].maxRelError);
  std::fprintf(out, "]}\n");
  if (std::fclose(out) != 0)
    return fail("cannot write '" + options.calibrationOut + "'");
  std::printf("measured %zu toggle masks on %zu input sets\n", masks.size(),
              sets.size());
  return 0;
}
} // namespace autoglm::run
