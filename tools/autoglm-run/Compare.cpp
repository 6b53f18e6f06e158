//===- Compare.cpp - outputs against expected values ----------------------===//

#include "Compare.h"

#include <cmath>

namespace autoglm::run {
Comparison compareTensors(const HostTensor &actual, const HostTensor &expected,
                          double rtol, double atol) {
  Comparison result;
  for (int64_t i = 0; i < expected.numElements(); ++i) {
    double a = actual.getDouble(i), b = expected.getDouble(i);
    bool close;
    double absError;
    if (std::isnan(a) || std::isnan(b)) {
      close = std::isnan(a) && std::isnan(b);
      absError = close ? 0 : INFINITY;
    } else if (std::isinf(a) || std::isinf(b)) {
      close = a == b;
      absError = close ? 0 : INFINITY;
    } else {
      absError = std::fabs(a - b);
      close = absError <= atol + rtol * std::fabs(b);
    }
    if (absError > result.maxAbsError)
      result.maxAbsError = absError;
    if (b != 0 && !std::isnan(b)) {
      double relError = absError / std::fabs(b);
      if (relError > result.maxRelError)
        result.maxRelError = relError;
    }
    if (!close) {
      if (result.numMismatches++ == 0)
        result.firstMismatch = i;
    }
  }
  return result;
}
} // namespace autoglm::run
