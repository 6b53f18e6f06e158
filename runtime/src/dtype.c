/*===- dtype.c - element type and device names, sizes
 * -----------------------------===*/

#include "autoglm/runtime.h"

const char *autoglm_dtype_name(int32_t dtype) {
  switch (dtype) {
#define AUTOGLM_DTYPE_NAME(name, code, bytes, text)                            \
  case code:                                                                   \
    return text;
    AUTOGLM_DTYPES(AUTOGLM_DTYPE_NAME)
#undef AUTOGLM_DTYPE_NAME
  default:
    return "unknown";
  }
}

size_t autoglm_dtype_size(int32_t dtype) {
  switch (dtype) {
#define AUTOGLM_DTYPE_SIZE(name, code, bytes, text)                            \
  case code:                                                                   \
    return bytes;
    AUTOGLM_DTYPES(AUTOGLM_DTYPE_SIZE)
#undef AUTOGLM_DTYPE_SIZE
  default:
    return 0;
  }
}

const char *autoglm_device_name(int32_t device) {
  switch (device) {
#define AUTOGLM_DEVICE_NAME(name, code, text)                                  \
  case code:                                                                   \
    return text;
    AUTOGLM_DEVICES(AUTOGLM_DEVICE_NAME)
#undef AUTOGLM_DEVICE_NAME
  default:
    return "unknown";
  }
}

int64_t autoglm_num_elements(int32_t rank, const int64_t *shape) {
  if (rank < 0 || (rank > 0 && !shape))
    return -1;
  int64_t count = 1;
  for (int32_t i = 0; i < rank; ++i) {
    if (shape[i] < 0)
      return -1;
    if (shape[i] != 0 && count > INT64_MAX / shape[i])
      return -1;
    count *= shape[i];
  }
  return count;
}
