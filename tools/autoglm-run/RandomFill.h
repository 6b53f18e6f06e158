//===- RandomFill.h - reproducible random inputs ----------------*- C++ -*-===//

#ifndef AUTOGLM_RUN_RANDOMFILL_H
#define AUTOGLM_RUN_RANDOMFILL_H

#include "HostTensor.h"

namespace autoglm::run {
/// A small, portable generator (splitmix64), so that a seed gives the same
/// inputs on every platform and standard library.
class Random {
public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t next();
  /// Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1p-53; }

private:
  uint64_t state_;
};

/// Floats uniform in [-1, 1); integers in [0, 4) (valid as small indices and
/// counts); booleans 0 or 1.
void fillRandom(HostTensor &tensor, Random &random);
} // namespace autoglm::run

#endif // AUTOGLM_RUN_RANDOMFILL_H
