//===- AttentionMass.cpp - attention mass a top-k budget keeps ------------===//
//
// The selection is autoglm.topk_attention's (dialects/AutoGLM/
// HighLevelOps.td), recomputed here in double from the query, key and mask
// the model returns: per batch, key/value head and query, the visible keys
// (the causal limit), the sinks and window, and the k best others by their
// best masked score over the group's query heads (ties to the lower index);
// a row with no more valid keys than the budget keeps all of them. With a
// page size, the selection is of whole pages, ranked by the upper bound of
// their scores from per-page key bounds computed here from the keys. The mass
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

/// The budget of --attention-mass: top-k attention's k, sink and window,
/// and its page size (0: token granularity).
struct Budget {
  int64_t topK, sink, window, page;
};

/// One query row of a key/value head's group, what selection reads: per
/// head n and key j < visible, the mask's additive value `adds[n * sk + j]`
/// (0 for a boolean true, -inf where the head does not see the key) and
/// the scaled, masked score `scores[n * sk + j]`; per key the rank, the
/// best score over the group (-inf for a key no head sees).
struct Row {
  int64_t group, sk, visible;
  std::vector<double> adds, scores, rank;
};

/// The always kept keys [0, sinkEnd) and [windowStart, visible) marked in
/// `keep`, the others cleared.
void keepEnds(const Row &row, int64_t sinkEnd, int64_t windowStart,
              std::vector<char> &keep) {
  for (int64_t j = 0; j < row.visible; ++j)
    keep[j] = j < sinkEnd || j >= windowStart;
}

/// Marks in `keep` the `count` entries of `candidates` of best `rank`
/// (ties to the lower index), entry c covering keys [c * width, (c + 1) *
/// width).
void keepBest(std::vector<int64_t> &candidates, const std::vector<double> &rank,
              int64_t count, int64_t width, std::vector<char> &keep) {
  int64_t chosen = std::min<int64_t>(count, candidates.size());
  std::partial_sort(candidates.begin(), candidates.begin() + chosen,
                    candidates.end(), [&](int64_t x, int64_t y) {
                      return rank[x] > rank[y] || (rank[x] == rank[y] && x < y);
                    });
  for (int64_t c = 0; c < chosen; ++c)
    std::fill_n(keep.begin() + candidates[c] * width, width, 1);
}

/// Token selection: the sinks, the window, and the k keys of best rank
/// among the other keys some head sees.
void selectKeys(const Row &row, const Budget &budget, std::vector<char> &keep) {
  int64_t sinkEnd = std::min(budget.sink, row.visible);
  int64_t windowStart = std::max(sinkEnd, row.visible - budget.window);
  keepEnds(row, sinkEnd, windowStart, keep);
  std::vector<int64_t> candidates;
  for (int64_t j = sinkEnd; j < windowStart; ++j)
    if (std::isfinite(row.rank[j]))
      candidates.push_back(j);
  keepBest(candidates, row.rank, budget.topK, 1, keep);
}

/// Page selection: the whole pages that hold a sink or a window key (the
/// query's partly visible last page among them), and the ceil(k / page)
/// other pages of best rank. A page's rank is, over the group's heads, the
/// best of its score bound from the page's key bounds (`bounds`: per page
/// the elementwise min row, then the max row), sum_d max(q_d min_d, q_d
/// max_d) with q scaled (`queries`, per head), plus the largest mask value
/// of the page's keys the head sees; a page no head sees is never chosen.
void selectPages(const Row &row, const Budget &budget,
                 const std::vector<double> &queries,
                 const std::vector<double> &bounds, int64_t depth,
                 std::vector<char> &keep) {
  int64_t page = budget.page;
  int64_t sinkEnd =
      std::min((budget.sink + page - 1) / page * page, row.visible);
  int64_t recent = std::max<int64_t>(0, row.visible - budget.window);
  int64_t windowStart = std::max(sinkEnd, recent / page * page);
  keepEnds(row, sinkEnd, windowStart, keep);
  std::vector<double> pageRank(windowStart / page, -INFINITY);
  std::vector<int64_t> candidates;
  for (int64_t p = (sinkEnd + page - 1) / page; p < windowStart / page; ++p) {
    const double *lo = &bounds[2 * p * depth], *hi = lo + depth;
    for (int64_t n = 0; n < row.group; ++n) {
      const double *add = &row.adds[n * row.sk + p * page];
      double bias = *std::max_element(add, add + page);
      double bound = 0;
      for (int64_t d = 0; d < depth; ++d) {
        double q = queries[n * depth + d];
        bound += std::max(q * lo[d], q * hi[d]);
      }
      pageRank[p] = std::max(pageRank[p], bound + bias);
    }
    if (std::isfinite(pageRank[p]))
      candidates.push_back(p);
  }
  keepBest(candidates, pageRank, (budget.topK + page - 1) / page, page, keep);
}

/// Appends the kept mass of every row of one run to `entry.masses`.
void measure(Measured &entry, const std::vector<HostTensor> &outputs,
             const Budget &budget) {
  const HostTensor &q = outputs[entry.query];
  const HostTensor &k = outputs[entry.key];
  const HostTensor *mask = entry.mask >= 0 ? &outputs[entry.mask] : nullptr;
  bool boolMask = mask && mask->dtype() == AUTOGLM_BOOL;
  int64_t batch = q.shape()[0], qHeads = q.shape()[1], sq = q.shape()[2],
          depth = q.shape()[3];
  int64_t kvHeads = k.shape()[1], sk = k.shape()[2];
  int64_t group = qHeads / kvHeads;
  Row row{group,
          sk,
          0,
          std::vector<double>(group * sk),
          std::vector<double>(group * sk),
          std::vector<double>(sk)};
  std::vector<double> queries(group * depth), bounds;
  std::vector<char> keep(sk);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t g = 0; g < kvHeads; ++g) {
      auto keyAt = [&](int64_t j, int64_t d) {
        return k.getDouble(((b * kvHeads + g) * sk + j) * depth + d);
      };
      if (budget.page) {
        // Each page's key bounds, min row then max row (the bounds the
        // caller keeps beside the cache, exact).
        int64_t pages = sk / budget.page;
        bounds.assign(2 * pages * depth, 0);
        for (int64_t p = 0; p < pages; ++p)
          for (int64_t d = 0; d < depth; ++d) {
            double lo = INFINITY, hi = -INFINITY;
            for (int64_t j = p * budget.page; j < (p + 1) * budget.page; ++j) {
              lo = std::min(lo, keyAt(j, d));
              hi = std::max(hi, keyAt(j, d));
            }
            bounds[2 * p * depth + d] = lo;
            bounds[(2 * p + 1) * depth + d] = hi;
          }
      }
      for (int64_t i = 0; i < sq; ++i) {
        row.visible = entry.causal
                          ? std::min(sk, std::max<int64_t>(0, i + sk - sq + 1))
                          : sk;
        for (int64_t n = 0; n < group; ++n) {
          int64_t h = g * group + n;
          for (int64_t d = 0; d < depth; ++d)
            queries[n * depth + d] =
                entry.scale *
                q.getDouble(((b * qHeads + h) * sq + i) * depth + d);
          for (int64_t j = 0; j < row.visible; ++j) {
            double add = 0;
            if (mask) {
              double m = maskAt(*mask, b, h, i, j);
              add = boolMask ? (m != 0 ? 0 : -INFINITY) : m;
            }
            double dot = 0;
            for (int64_t d = 0; d < depth; ++d)
              dot += queries[n * depth + d] * keyAt(j, d);
            row.adds[n * sk + j] = add;
            row.scores[n * sk + j] = std::isfinite(add) ? dot + add : add;
          }
        }
        int64_t valid = 0;
        for (int64_t j = 0; j < row.visible; ++j) {
          row.rank[j] = -INFINITY;
          for (int64_t n = 0; n < group; ++n)
            row.rank[j] = std::max(row.rank[j], row.scores[n * sk + j]);
          valid += std::isfinite(row.rank[j]);
        }
        // A row with no more valid keys than the budget keeps them all.
        if (valid <= budget.topK + budget.sink + budget.window)
          std::fill_n(keep.begin(), row.visible, 1);
        else if (budget.page)
          selectPages(row, budget, queries, bounds, depth, keep);
        else
          selectKeys(row, budget, keep);
        for (int64_t n = 0; n < group; ++n) {
          const double *scores = &row.scores[n * sk];
          double best = -INFINITY;
          for (int64_t j = 0; j < row.visible; ++j)
            best = std::max(best, scores[j]);
          if (!std::isfinite(best))
            continue;
          double total = 0, kept = 0;
          for (int64_t j = 0; j < row.visible; ++j) {
            double p =
                std::isfinite(scores[j]) ? std::exp(scores[j] - best) : 0;
            total += p;
            kept += keep[j] ? p : 0;
          }
          entry.masses.push_back(kept / total);
        }
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
  const std::vector<int64_t> &budget = options.attentionMass;
  std::fprintf(out,
               "{\"format\": \"autoglm-attention-mass-1\", \"sets\": %zu, "
               "\"budget\": {\"k\": %lld, \"sink\": %lld, \"window\": %lld",
               numSets, static_cast<long long>(budget[0]),
               static_cast<long long>(budget[1]),
               static_cast<long long>(budget[2]));
  if (budget[3])
    std::fprintf(out, ", \"page_size\": %lld",
                 static_cast<long long>(budget[3]));
  std::fprintf(out, "}, \"nodes\": {");
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
  const std::vector<int64_t> &given = options.attentionMass;
  Budget budget{given[0], given[1], given[2], given[3]};
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
      measure(entry, outputs, budget);
  }
  if (!writeMasses(options, measured, sets.size(), error))
    return fail(error);
  std::printf("measured the attention mass of %zu attention nodes on %zu "
              "input sets\n",
              measured.size(), sets.size());
  return 0;
}
} // namespace autoglm::run
