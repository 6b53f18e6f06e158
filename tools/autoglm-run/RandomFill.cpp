//===- RandomFill.cpp - reproducible random inputs ------------------------===//

#include "RandomFill.h"

#include "Float8.h"
#include "PackedTypes.h"

namespace autoglm::run {
uint64_t Random::next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void fillRandom(HostTensor &tensor, Random &random) {
  int32_t dtype = tensor.dtype();
  bool isFloat = dtype == AUTOGLM_FLOAT32 || dtype == AUTOGLM_FLOAT64 ||
                 dtype == AUTOGLM_FLOAT16 || dtype == AUTOGLM_BFLOAT16 ||
                 isFloat8(dtype) || dtype == AUTOGLM_FLOAT4E2M1;
  for (int64_t i = 0; i < tensor.numElements(); ++i) {
    if (isFloat)
      tensor.setDouble(i, random.uniform() * 2 - 1);
    else if (dtype == AUTOGLM_BOOL)
      tensor.setDouble(i, static_cast<double>(random.next() & 1));
    else
      tensor.setDouble(i, static_cast<double>(random.next() % 4));
  }
}
} // namespace autoglm::run
