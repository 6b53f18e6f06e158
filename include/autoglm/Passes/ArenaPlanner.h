//===- ArenaPlanner.h - offsets for buffers in one arena --------*- C++ -*-===//
//
// The memory planner's core, free of MLIR so that it can be tested on its
// own: given buffers with sizes and live intervals (in program steps), give
// each an offset in one arena such that no two buffers live at the same
// step overlap in memory, keeping the arena close to the lower bound (the
// peak of simultaneously live bytes).
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_PASSES_ARENAPLANNER_H
#define AUTOGLM_PASSES_ARENAPLANNER_H

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace mlir::autoglm {
struct BufferLifetime {
  uint64_t bytes = 0;
  /// Live from step `first` to step `last`, both included.
  int64_t first = 0;
  int64_t last = 0;
};

struct ArenaPlan {
  /// One offset per buffer, a multiple of the alignment.
  std::vector<uint64_t> offsets;
  uint64_t arenaBytes = 0;
};

/// Greedy placement: buffers in a priority order each take the smallest gap
/// (best fit), among those left by already placed buffers whose lifetimes
/// overlap theirs, that fits them. Three orders are tried (decreasing size,
/// decreasing size x lifetime, program order) and the smallest arena kept.
ArenaPlan planArena(const std::vector<BufferLifetime> &buffers,
                    uint64_t alignment);

/// The peak over steps of the bytes live at that step (each size rounded up
/// to `alignment`): no arena can be smaller.
uint64_t arenaLowerBound(const std::vector<BufferLifetime> &buffers,
                         uint64_t alignment);

/// Whether `plan` is valid for `buffers`: aligned offsets, every buffer inside
/// the arena, and no two buffers with overlapping lifetimes overlapping in
/// memory. On failure, `firstConflict` gets the indices of a bad pair (or
/// the same index twice for a buffer that is misplaced on its own).
bool verifyArenaPlan(
    const std::vector<BufferLifetime> &buffers, const ArenaPlan &plan,
    uint64_t alignment,
    std::pair<std::size_t, std::size_t> *firstConflict = nullptr);
} // namespace mlir::autoglm

#endif // AUTOGLM_PASSES_ARENAPLANNER_H
