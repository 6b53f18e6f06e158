//===- ArenaPlanner.cpp - offsets for buffers in one arena ----------------===//
//
// Greedy placement, the strategy that mobile inference runtimes found to
// come within a few percent of the lower bound on real networks: buffers in
// some priority order each take the tightest gap left between the already
// placed buffers they are live with. No single order wins on every graph,
// so three are tried and the smallest arena is kept. The sizes here are a
// few hundred buffers at most, so the quadratic scans are cheap.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Passes/ArenaPlanner.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <utility>

using namespace mlir::autoglm;

static uint64_t alignUp(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

static bool liveTogether(const BufferLifetime &a, const BufferLifetime &b) {
  return a.first <= b.last && b.first <= a.last;
}

/// Places the buffers one by one in `order`, each in the tightest gap left
/// between the already placed buffers it is live with (best fit), or above
/// them all when no gap is large enough.
static ArenaPlan placeInOrder(const std::vector<BufferLifetime> &buffers,
                              const std::vector<size_t> &order,
                              uint64_t alignment) {
  ArenaPlan plan;
  plan.offsets.assign(buffers.size(), 0);
  std::vector<size_t> placed;
  std::vector<std::pair<uint64_t, uint64_t>> busy; // [begin, end) in memory
  for (size_t index : order) {
    const BufferLifetime &buffer = buffers[index];
    uint64_t size = alignUp(buffer.bytes, alignment);
    busy.clear();
    for (size_t other : placed)
      if (liveTogether(buffer, buffers[other]))
        busy.emplace_back(plan.offsets[other],
                          plan.offsets[other] +
                              alignUp(buffers[other].bytes, alignment));
    std::sort(busy.begin(), busy.end());

    uint64_t bestOffset = 0, bestGap = UINT64_MAX, cursor = 0;
    bool found = false;
    for (auto [begin, end] : busy) {
      if (begin > cursor && begin - cursor >= size &&
          begin - cursor < bestGap) {
        bestGap = begin - cursor;
        bestOffset = cursor;
        found = true;
      }
      cursor = std::max(cursor, end);
    }
    if (!found)
      bestOffset = cursor;
    plan.offsets[index] = bestOffset;
    plan.arenaBytes = std::max(plan.arenaBytes, bestOffset + size);
    placed.push_back(index);
  }
  return plan;
}

ArenaPlan mlir::autoglm::planArena(const std::vector<BufferLifetime> &buffers,
                                   uint64_t alignment) {
  // Three orders, the smallest arena wins: by size (large buffers are the
  // hard ones to fit), by size times lifetime (long-lived buffers fragment
  // the arena for everything around them), and in program order (which
  // follows the graph's own nesting of lifetimes, e.g. residual branches).
  auto sorted = [&](auto before) {
    std::vector<size_t> order(buffers.size());
    std::iota(order.begin(), order.end(), 0);
    // Ties keep index order, so plans are deterministic.
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return before(a, b) || (!before(b, a) && a < b);
    });
    return order;
  };
  auto area = [&](size_t i) {
    return buffers[i].bytes * uint64_t(buffers[i].last - buffers[i].first + 1);
  };
  std::vector<size_t> orders[] = {
      sorted([&](size_t a, size_t b) {
        return buffers[a].bytes > buffers[b].bytes;
      }),
      sorted([&](size_t a, size_t b) { return area(a) > area(b); }),
      sorted([&](size_t a, size_t b) {
        return buffers[a].first < buffers[b].first;
      }),
  };
  ArenaPlan best;
  for (const std::vector<size_t> &order : orders) {
    ArenaPlan plan = placeInOrder(buffers, order, alignment);
    if (best.offsets.empty() || plan.arenaBytes < best.arenaBytes)
      best = std::move(plan);
  }
  return best;
}

uint64_t
mlir::autoglm::arenaLowerBound(const std::vector<BufferLifetime> &buffers,
                               uint64_t alignment) {
  // Sweep over steps: +size where a lifetime starts, -size after it ends.
  std::map<int64_t, int64_t> delta;
  for (const BufferLifetime &buffer : buffers) {
    int64_t size = static_cast<int64_t>(alignUp(buffer.bytes, alignment));
    delta[buffer.first] += size;
    delta[buffer.last + 1] -= size;
  }
  int64_t live = 0, peak = 0;
  for (auto [step, change] : delta) {
    live += change;
    peak = std::max(peak, live);
  }
  return static_cast<uint64_t>(peak);
}

bool mlir::autoglm::verifyArenaPlan(const std::vector<BufferLifetime> &buffers,
                                    const ArenaPlan &plan, uint64_t alignment,
                                    std::pair<size_t, size_t> *firstConflict) {
  auto fail = [&](size_t a, size_t b) {
    if (firstConflict)
      *firstConflict = {a, b};
    return false;
  };
  if (plan.offsets.size() != buffers.size())
    return fail(0, 0);
  for (size_t i = 0; i < buffers.size(); ++i) {
    if (plan.offsets[i] % alignment != 0 ||
        plan.offsets[i] + buffers[i].bytes > plan.arenaBytes)
      return fail(i, i);
    for (size_t j = i + 1; j < buffers.size(); ++j) {
      if (!liveTogether(buffers[i], buffers[j]) || !buffers[i].bytes ||
          !buffers[j].bytes)
        continue;
      bool disjoint = plan.offsets[i] + buffers[i].bytes <= plan.offsets[j] ||
                      plan.offsets[j] + buffers[j].bytes <= plan.offsets[i];
      if (!disjoint)
        return fail(i, j);
    }
  }
  return true;
}
