//===- Compare.h - outputs against expected values --------------*- C++ -*-===//

#ifndef AUTOGLM_RUN_COMPARE_H
#define AUTOGLM_RUN_COMPARE_H

#include "HostTensor.h"

namespace autoglm::run {
struct Comparison {
  double maxAbsError = 0;
  double maxRelError = 0; // |a-b| / |b| over elements with b != 0
  int64_t numMismatches = 0;
  int64_t firstMismatch = -1; // element index, or -1
};

/// Compares element-wise with numpy.allclose semantics:
/// |actual - expected| <= atol + rtol * |expected|, where infinities must
/// match exactly and NaN matches NaN (equal_nan=True), so that expected
/// NaNs from the ONNX test data compare equal. The tensors must have the
/// same number of elements.
Comparison compareTensors(const HostTensor &actual, const HostTensor &expected,
                          double rtol, double atol);
} // namespace autoglm::run

#endif // AUTOGLM_RUN_COMPARE_H
