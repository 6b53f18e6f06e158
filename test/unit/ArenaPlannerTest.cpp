//===- ArenaPlannerTest.cpp - the arena planner on synthetic lifetimes ----===//
//
// `autoglm-arena-planner-test` plans many lifetime sets, random and built
// to be hard, checks the planner's invariant on each (no two buffers live
// at the same step overlap in memory, offsets aligned, everything inside
// the arena), and prints how far the arena is above the lower bound. It
// also corrupts plans on purpose to show that the check catches overlaps.
// Exits non-zero on any violation.
//
//===----------------------------------------------------------------------===//

#include "autoglm/Passes/ArenaPlanner.h"

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>

using namespace mlir::autoglm;

namespace {
constexpr uint64_t kAlignment = 64;
int failures = 0;

struct Stats {
  int sets = 0;
  double worstRatio = 1.0, totalRatio = 0.0;
};

/// Plans `buffers`, checks the invariant, and returns arena / lower bound.
double check(const std::string &name,
             const std::vector<BufferLifetime> &buffers) {
  ArenaPlan plan = planArena(buffers, kAlignment);
  std::pair<size_t, size_t> conflict;
  if (!verifyArenaPlan(buffers, plan, kAlignment, &conflict)) {
    std::printf("FAILED: %s: buffers %zu and %zu overlap or are misplaced\n",
                name.c_str(), conflict.first, conflict.second);
    ++failures;
  }
  uint64_t bound = arenaLowerBound(buffers, kAlignment);
  if (plan.arenaBytes < bound) {
    std::printf("FAILED: %s: arena %llu below the lower bound %llu\n",
                name.c_str(), (unsigned long long)plan.arenaBytes,
                (unsigned long long)bound);
    ++failures;
  }
  return bound ? double(plan.arenaBytes) / double(bound) : 1.0;
}

void expectArena(const std::string &name,
                 const std::vector<BufferLifetime> &buffers,
                 uint64_t expected) {
  check(name, buffers);
  uint64_t arena = planArena(buffers, kAlignment).arenaBytes;
  std::printf("%s: arena %llu bytes (expected %llu)\n", name.c_str(),
              (unsigned long long)arena, (unsigned long long)expected);
  if (arena != expected)
    ++failures;
}

/// Lifetimes shaped like an inference graph: mostly short-lived activations,
/// a few long-lived ones (skip connections), sizes over three orders of
/// magnitude.
std::vector<BufferLifetime> randomGraph(std::mt19937_64 &rng, int count) {
  std::vector<BufferLifetime> buffers;
  std::uniform_int_distribution<int> kind(0, 9);
  std::uniform_int_distribution<uint64_t> size(1, 1 << 20);
  for (int i = 0; i < count; ++i) {
    int64_t first = i;
    int64_t length = kind(rng) == 0
                         ? std::uniform_int_distribution<int>(5, 40)(rng)
                         : std::uniform_int_distribution<int>(0, 3)(rng);
    buffers.push_back(
        {size(rng) >> std::uniform_int_distribution<int>(0, 10)(rng), first,
         first + length});
  }
  return buffers;
}

/// Arbitrary intervals and sizes, including zero-sized buffers.
std::vector<BufferLifetime> randomAny(std::mt19937_64 &rng, int count) {
  std::vector<BufferLifetime> buffers;
  std::uniform_int_distribution<int64_t> step(0, 100);
  std::uniform_int_distribution<uint64_t> size(0, 5000);
  for (int i = 0; i < count; ++i) {
    int64_t a = step(rng), b = step(rng);
    buffers.push_back({size(rng), std::min(a, b), std::max(a, b)});
  }
  return buffers;
}

void report(const char *name, const Stats &stats) {
  std::printf(
      "%s: %d sets, invariant held, arena/lower bound mean %.3f worst %.3f\n",
      name, stats.sets, stats.totalRatio / stats.sets, stats.worstRatio);
}
} // namespace

int main() {
  // Hand-made cases with a known optimum.
  expectArena("all live together", {{100, 0, 9}, {200, 0, 9}, {300, 0, 9}},
              64 * 2 + 256 + 320);
  expectArena("a chain of short lives",
              {{1000, 0, 1}, {1000, 1, 2}, {1000, 2, 3}, {1000, 3, 4}},
              2 * 1024);
  expectArena("disjoint lives share one slot",
              {{4096, 0, 0}, {4096, 1, 1}, {4096, 2, 2}}, 4096);
  expectArena("zero-sized buffers take no room",
              {{0, 0, 5}, {0, 1, 2}, {640, 0, 5}}, 640);
  // The second large buffer takes the first one's slot once it is dead.
  expectArena("a large buffer reuses a dead one's slot",
              {{6400, 0, 2}, {640, 0, 10}, {6400, 3, 10}, {640, 3, 10}},
              6400 + 640 + 640);
  expectArena("no buffers", {}, 0);

  std::mt19937_64 rng(20261124);
  Stats graphs, anys;
  for (int i = 0; i < 300; ++i) {
    double ratio =
        check("graph " + std::to_string(i), randomGraph(rng, 10 + i % 200));
    ++graphs.sets;
    graphs.totalRatio += ratio;
    graphs.worstRatio = std::max(graphs.worstRatio, ratio);
  }
  for (int i = 0; i < 300; ++i) {
    double ratio =
        check("random " + std::to_string(i), randomAny(rng, 1 + i % 120));
    ++anys.sets;
    anys.totalRatio += ratio;
    anys.worstRatio = std::max(anys.worstRatio, ratio);
  }
  report("graph-like lifetimes", graphs);
  report("arbitrary lifetimes", anys);

  // Adversarial: staircases of nested and crossing lifetimes, and many equal
  // sizes with identical lifetimes.
  std::vector<BufferLifetime> nested, crossing, equal;
  for (int i = 0; i < 50; ++i) {
    nested.push_back({uint64_t(64 * (i + 1)), i, 100 - i});
    crossing.push_back({uint64_t(64 * (50 - i)), i, i + 10});
    equal.push_back({777, 5, 5});
  }
  std::printf("nested staircase: arena/lower bound %.3f\n",
              check("nested", nested));
  std::printf("crossing staircase: arena/lower bound %.3f\n",
              check("crossing", crossing));
  std::printf("identical lifetimes: arena/lower bound %.3f\n",
              check("equal", equal));

  // The check itself must catch a bad plan: move one buffer onto another
  // that is live at the same time.
  std::vector<BufferLifetime> pair = {{1000, 0, 5}, {1000, 3, 8}};
  ArenaPlan plan = planArena(pair, kAlignment);
  plan.offsets[1] = plan.offsets[0] + 64;
  bool caught = !verifyArenaPlan(pair, plan, kAlignment);
  plan = planArena(pair, kAlignment);
  plan.offsets[1] += 8; // misaligned
  caught = caught && !verifyArenaPlan(pair, plan, kAlignment);
  plan = planArena(pair, kAlignment);
  plan.arenaBytes -= 64; // a buffer past the end
  caught = caught && !verifyArenaPlan(pair, plan, kAlignment);
  std::printf("corrupted plans detected: %s\n", caught ? "yes" : "NO");
  if (!caught)
    ++failures;

  if (failures)
    std::printf("%d failure(s)\n", failures);
  return failures ? 1 : 0;
}
