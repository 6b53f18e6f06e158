/*===- status.c - descriptions of status codes ----------------------------===*/

#include "autoglm/runtime.h"

const char *autoglm_status_string(autoglm_status status) {
  switch (status) {
  case AUTOGLM_OK:
    return "success";
  case AUTOGLM_ERROR_INVALID_ARGUMENT:
    return "invalid argument";
  case AUTOGLM_ERROR_ABI_MISMATCH:
    return "model ABI version mismatch";
  case AUTOGLM_ERROR_INVALID_MODEL:
    return "invalid model descriptor";
  case AUTOGLM_ERROR_COUNT_MISMATCH:
    return "wrong number of tensors";
  case AUTOGLM_ERROR_DTYPE_MISMATCH:
    return "dtype mismatch";
  case AUTOGLM_ERROR_SHAPE_MISMATCH:
    return "shape mismatch";
  case AUTOGLM_ERROR_NULL_DATA:
    return "null tensor data";
  case AUTOGLM_ERROR_WORKSPACE:
    return "unusable workspace";
  case AUTOGLM_ERROR_OUT_OF_MEMORY:
    return "out of memory";
  case AUTOGLM_ERROR_SYSTEM:
    return "system error";
  case AUTOGLM_ERROR_MODEL_FAILED:
    return "model execution failed";
  case AUTOGLM_ERROR_WEIGHTS:
    return "unusable weights file";
  case AUTOGLM_ERROR_UNSUPPORTED_DEVICE:
    return "unsupported device";
  case AUTOGLM_ERROR_DEVICE_UNAVAILABLE:
    return "device unavailable";
  case AUTOGLM_ERROR_DEVICE_FAILED:
    return "device failure";
  case AUTOGLM_ERROR_QUEUE_FULL:
    return "queue full";
  case AUTOGLM_ERROR_CANCELLED:
    return "cancelled";
  case AUTOGLM_ERROR_SHUT_DOWN:
    return "shut down";
  }
  /* Statuses arrive from user code as plain ints too. */
  return "unknown status";
}
