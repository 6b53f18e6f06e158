/*===- dtype.c - element type names and sizes -----------------------------===*/

#include "autoglm/runtime.h"

const char *autoglm_dtype_name(int32_t dtype) {
  switch (dtype) {
  case AUTOGLM_FLOAT32:
    return "float32";
  case AUTOGLM_UINT8:
    return "uint8";
  case AUTOGLM_INT8:
    return "int8";
  case AUTOGLM_UINT16:
    return "uint16";
  case AUTOGLM_INT16:
    return "int16";
  case AUTOGLM_INT32:
    return "int32";
  case AUTOGLM_INT64:
    return "int64";
  case AUTOGLM_BOOL:
    return "bool";
  case AUTOGLM_FLOAT16:
    return "float16";
  case AUTOGLM_FLOAT64:
    return "float64";
  case AUTOGLM_UINT32:
    return "uint32";
  case AUTOGLM_UINT64:
    return "uint64";
  case AUTOGLM_BFLOAT16:
    return "bfloat16";
  default:
    return "unknown";
  }
}

size_t autoglm_dtype_size(int32_t dtype) {
  switch (dtype) {
  case AUTOGLM_UINT8:
  case AUTOGLM_INT8:
  case AUTOGLM_BOOL:
    return 1;
  case AUTOGLM_UINT16:
  case AUTOGLM_INT16:
  case AUTOGLM_FLOAT16:
  case AUTOGLM_BFLOAT16:
    return 2;
  case AUTOGLM_FLOAT32:
  case AUTOGLM_INT32:
  case AUTOGLM_UINT32:
    return 4;
  case AUTOGLM_INT64:
  case AUTOGLM_FLOAT64:
  case AUTOGLM_UINT64:
    return 8;
  default:
    return 0;
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
