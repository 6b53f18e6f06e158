//===- AttentionMass.cpp - attention mass a top-k budget keeps ------------===//
//
// The selection is autoglm.topk_attention's (dialects/AutoGLM/
// HighLevelOps.td), recomputed here in double from the query, key and mask
// the model returns: per batch, key/value head and query, the visible keys
// (the causal limit), the sinks and window, and the k best others by their
// best masked score over the group's query heads (ties to the lower index);
// a row with no more valid keys than the budget keeps all of them. The mass
// of a query head's row is the sum of its dense softmax probabilities over
// the kept keys. Rows with no valid key have no mass and are not counted.
//
//===----------------------------------------------------------------------===//

#include "AttentionMass.h"

#include "Calibrate.h"
#include "HostTensor.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

namespace autoglm::run {
namespace {
int fail(const std::string &message) {
  std::fflush(stdout);
  std::fprintf(stderr, "autoglm-run: error: %s\n", message.c_str());
  return 1;
}

/// One measured attention: its outputs' indices and attributes.
struct Measured {
  std::string node;
  double scale = 1;
  bool causal = false;
  int32_t query = -1, key = -1, mask = -1;
  std::vector<double> masses;
};

bool startsWith(const std::string &text, const std::string &prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

/// Finds the measured attentions among the outputs (AttentionMass.h gives
/// the names); false with `error` set for a name it cannot read.
bool findMeasured(const autoglm_model_desc &model,
                  std::vector<Measured> &measured, std::string &error) {
  const std::string prefix = kAttentionMassPrefix;
  std::map<long, Measured> byIndex;
  for (int32_t o = 0; o < model.num_outputs; ++o) {
    std::string name = model.outputs[o].name;
    if (!startsWith(name, prefix))
      continue;
    std::string rest = name.substr(prefix.size());
    size_t colon = rest.find(':');
    std::string field = rest.substr(0, colon);
    char *end = nullptr;
    const char *indexText =
        colon == std::string::npos ? "" : rest.c_str() + colon + 1;
    long index = std::strtol(indexText, &end, 10);
    if (end == indexText) {
      error = "output '" + name + "' names no attention index";
      return false;
    }
    Measured &entry = byIndex[index];
    if (field == "key") {
      entry.key = o;
    } else if (field == "mask") {
      entry.mask = o;
    } else if (field == "query") {
      // ...:query:<i>:<scale>:<causal>:<node>
      char *scaleEnd = nullptr;
      if (*end == ':')
        entry.scale = std::strtod(end + 1, &scaleEnd);
      if (!scaleEnd || scaleEnd[0] != ':' ||
          (scaleEnd[1] != '0' && scaleEnd[1] != '1') || scaleEnd[2] != ':') {
        error = "output '" + name + "' does not give scale, causal and node";
        return false;
      }
      entry.causal = scaleEnd[1] == '1';
      entry.node = scaleEnd + 3;
      entry.query = o;
    } else {
      error = "output '" + name + "' is no query, key or mask";
      return false;
    }
  }
  for (auto &[index, entry] : byIndex) {
    if (entry.query < 0 || entry.key < 0) {
      error = "attention " + std::to_string(index) +
              " of the measurement build lacks its query or key output";
      return false;
    }
    const autoglm_tensor_desc &q = model.outputs[entry.query];
    const autoglm_tensor_desc &k = model.outputs[entry.key];
    if (q.rank != 4 || k.rank != 4 || q.shape[0] != k.shape[0] ||
        q.shape[3] != k.shape[3] || k.shape[1] == 0 ||
        q.shape[1] % k.shape[1] != 0 ||
        (entry.mask >= 0 && model.outputs[entry.mask].rank > 4)) {
      error = "attention '" + entry.node +
              "': query and key are not B x Hq x Sq x D and B x Hkv x Sk x D";
      return false;
    }
    measured.push_back(std::move(entry));
  }
  return true;
}

/// The element of `mask` (broadcast to B x Hq x Sq x Sk) at (b, h, i, j).
double maskAt(const HostTensor &mask, int64_t b, int64_t h, int64_t i,
              int64_t j) {
  const std::vector<int64_t> &shape = mask.shape();
  int64_t index4[4] = {b, h, i, j};
  int64_t offset = 0;
  size_t rank = shape.size();
  for (size_t d = 0; d < rank; ++d) {
    int64_t extent = shape[d];
    int64_t at = extent == 1 ? 0 : index4[4 - rank + d];
    offset = offset * extent + at;
  }
  return mask.getDouble(offset);
}

/// Appends the kept mass of every row of one run to `entry.masses`.
void measure(Measured &entry, const std::vector<HostTensor> &outputs,
             int64_t topK, int64_t sink, int64_t window) {
  const HostTensor &q = outputs[entry.query];
  const HostTensor &k = outputs[entry.key];
  const HostTensor *mask = entry.mask >= 0 ? &outputs[entry.mask] : nullptr;
  bool boolMask = mask && mask->dtype() == AUTOGLM_BOOL;
  int64_t batch = q.shape()[0], qHeads = q.shape()[1], sq = q.shape()[2],
          depth = q.shape()[3];
  int64_t kvHeads = k.shape()[1], sk = k.shape()[2];
  int64_t group = qHeads / kvHeads;
  std::vector<double> scores(group * sk), rank(sk);
  std::vector<char> keep(sk);
  std::vector<int64_t> candidates;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t g = 0; g < kvHeads; ++g)
      for (int64_t i = 0; i < sq; ++i) {
        int64_t visible =
            entry.causal ? std::min(sk, std::max<int64_t>(0, i + sk - sq + 1))
                         : sk;
        // Each head's scaled, masked scores; -inf where masked.
        for (int64_t n = 0; n < group; ++n) {
          int64_t h = g * group + n;
          for (int64_t j = 0; j < visible; ++j) {
            double dot = 0;
            for (int64_t d = 0; d < depth; ++d)
              dot += q.getDouble(((b * qHeads + h) * sq + i) * depth + d) *
                     k.getDouble(((b * kvHeads + g) * sk + j) * depth + d);
            double s = entry.scale * dot;
            if (mask) {
              double m = maskAt(*mask, b, h, i, j);
              s = boolMask ? (m != 0 ? s : -INFINITY) : s + m;
            }
            scores[n * sk + j] = s;
          }
        }
        int64_t valid = 0;
        for (int64_t j = 0; j < visible; ++j) {
          rank[j] = -INFINITY;
          for (int64_t n = 0; n < group; ++n)
            rank[j] = std::max(rank[j], scores[n * sk + j]);
          keep[j] = std::isfinite(rank[j]);
          valid += keep[j];
        }
        if (valid > topK + sink + window) {
          int64_t sinkEnd = std::min(sink, visible);
          int64_t windowStart = std::max(sinkEnd, visible - window);
          candidates.clear();
          for (int64_t j = 0; j < visible; ++j) {
            bool always = j < sinkEnd || j >= windowStart;
            if (!always && keep[j])
              candidates.push_back(j);
            keep[j] = always;
          }
          int64_t chosen = std::min<int64_t>(topK, candidates.size());
          std::partial_sort(candidates.begin(), candidates.begin() + chosen,
                            candidates.end(), [&](int64_t x, int64_t y) {
                              return rank[x] > rank[y] ||
                                     (rank[x] == rank[y] && x < y);
                            });
          for (int64_t c = 0; c < chosen; ++c)
            keep[candidates[c]] = 1;
        }
        for (int64_t n = 0; n < group; ++n) {
          const double *row = &scores[n * sk];
          double best = -INFINITY;
          for (int64_t j = 0; j < visible; ++j)
            best = std::max(best, row[j]);
          if (!std::isfinite(best))
            continue;
          double total = 0, kept = 0;
          for (int64_t j = 0; j < visible; ++j) {
            double p = std::isfinite(row[j]) ? std::exp(row[j] - best) : 0;
            total += p;
            kept += keep[j] ? p : 0;
          }
          entry.masses.push_back(kept / total);
        }
      }
}

/// numpy's percentile (linear interpolation) of sorted `values`.
double percentile(const std::vector<double> &sorted, double p) {
  double at = p / 100 * (sorted.size() - 1);
  size_t low = static_cast<size_t>(std::floor(at));
  size_t high = std::min(low + 1, sorted.size() - 1);
  return sorted[low] + (at - low) * (sorted[high] - sorted[low]);
}

bool writeMasses(const Options &options, std::vector<Measured> &measured,
                 size_t numSets, std::string &error) {
  const std::string &path = options.calibrationOut;
  FILE *out = std::fopen(path.c_str(), "w");
  if (!out) {
    error = "cannot write '" + path + "'";
    return false;
  }
  std::fprintf(out,
               "{\"format\": \"autoglm-attention-mass-1\", \"sets\": %zu, "
               "\"budget\": {\"k\": %lld, \"sink\": %lld, \"window\": %lld}, "
               "\"nodes\": {",
               numSets, static_cast<long long>(options.attentionMass[0]),
               static_cast<long long>(options.attentionMass[1]),
               static_cast<long long>(options.attentionMass[2]));
  bool first = true;
  for (Measured &entry : measured) {
    std::vector<double> &masses = entry.masses;
    std::sort(masses.begin(), masses.end());
    double sum = 0;
    for (double mass : masses)
      sum += mass;
    std::fprintf(out, "%s\n  ", first ? "" : ",");
    first = false;
    writeJsonString(out, entry.node.c_str());
    if (masses.empty())
      std::fprintf(out, ": {\"rows\": 0}");
    else
      std::fprintf(out,
                   ": {\"rows\": %zu, \"mean\": %.9g, \"p5\": %.9g, "
                   "\"min\": %.9g}",
                   masses.size(), sum / masses.size(), percentile(masses, 5),
                   masses.front());
  }
  std::fprintf(out, "\n}}\n");
  if (std::fclose(out) != 0) {
    error = "cannot write '" + path + "'";
    return false;
  }
  return true;
}
} // namespace

int runAttentionMass(const Options &options, autoglm_session *session) {
  const autoglm_model_desc &model = *autoglm_session_model(session);
  std::string error;
  std::vector<Measured> measured;
  if (!findMeasured(model, measured, error))
    return fail(error);
  std::vector<std::string> sets;
  std::vector<std::vector<HostTensor>> inputs;
  std::vector<HostTensor> outputs;
  std::vector<autoglm_tensor> outputViews;
  if (!prepareCalibrationRuns(model, options.calibrateDir, sets, inputs,
                              outputs, outputViews, error))
    return fail(error);
  for (size_t s = 0; s < sets.size(); ++s) {
    std::vector<autoglm_tensor> inputViews;
    for (HostTensor &input : inputs[s])
      inputViews.push_back(input.view());
    if (autoglm_session_run(
            session, inputViews.data(), static_cast<int32_t>(inputViews.size()),
            outputViews.data(),
            static_cast<int32_t>(outputViews.size())) != AUTOGLM_OK)
      return fail("calibration set '" + sets[s] +
                  "': " + autoglm_session_last_error(session));
    for (Measured &entry : measured)
      measure(entry, outputs, options.attentionMass[0],
              options.attentionMass[1], options.attentionMass[2]);
  }
  if (!writeMasses(options, measured, sets.size(), error))
    return fail(error);
  std::printf("measured the attention mass of %zu attention nodes on %zu "
              "input sets\n",
              measured.size(), sets.size());
  return 0;
}
} // namespace autoglm::run
