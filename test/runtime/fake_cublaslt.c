/*===- fake_cublaslt.c - a cuBLASLt on host memory, for tests -------------===*\
 *
 * The cuBLASLt functions the runtime resolves (runtime/src/cuda/blas.c),
 * in the fake driver's library: the tests point AUTOGLM_CUBLASLT at it too.
 * cublasLtMatmul computes the column-major f32 product on the host and,
 * like a launch, runs at once or is recorded by a capturing stream
 * (fake_cuda_driver.c). FAKE_CUBLASLT_NO_ALGO=1: the heuristic finds none.
 *
\*===----------------------------------------------------------------------===*/

#include "../../runtime/src/cuda/blas_api.h"
#include "fake_cuda.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cublasLtContext {
  int id;
};
struct cublasLtMatmulDescOpaque {
  int opA, opB;
  int integer; /* CUBLAS_COMPUTE_32I: int8 x int8 into int32 */
};
struct cublasLtMatrixLayoutOpaque {
  FakeLayout layout;
};
struct cublasLtMatmulPreferenceOpaque {
  int unused;
};

enum { BlasInvalidValue = 7, BlasNotSupported = 15 };
static struct cublasLtContext context;
static struct cublasLtMatmulPreferenceOpaque preferenceObject;

cublasStatus_t cublasLtCreate(cublasLtHandle_t *handle) {
  *handle = &context;
  fake_cuda_say("cublasLtCreate");
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasLtDestroy(cublasLtHandle_t handle) {
  (void)handle;
  fake_cuda_say("cublasLtDestroy");
  return CUBLAS_STATUS_SUCCESS;
}
size_t cublasLtGetVersion(void) { return 130000; }
const char *cublasLtGetStatusString(cublasStatus_t status) {
  return status == BlasNotSupported ? "CUBLAS_STATUS_NOT_SUPPORTED"
                                    : "CUBLAS_STATUS_FAKE_ERROR";
}
cublasStatus_t cublasLtMatmulDescCreate(cublasLtMatmulDesc_t *desc, int compute,
                                        int scale) {
  bool integer = compute == CUBLAS_COMPUTE_32I && scale == CUDA_R_32I;
  if (!integer && (compute != CUBLAS_COMPUTE_32F || scale != CUDA_R_32F))
    return BlasNotSupported;
  *desc = calloc(1, sizeof(**desc));
  if (*desc)
    (*desc)->integer = integer;
  return *desc ? CUBLAS_STATUS_SUCCESS : BlasInvalidValue;
}
cublasStatus_t cublasLtMatmulDescSetAttribute(cublasLtMatmulDesc_t desc,
                                              int attribute, const void *value,
                                              size_t size) {
  int32_t op;
  if (size != sizeof(op))
    return BlasInvalidValue;
  memcpy(&op, value, sizeof(op));
  if (attribute == CUBLASLT_MATMUL_DESC_TRANSA)
    desc->opA = op;
  else if (attribute == CUBLASLT_MATMUL_DESC_TRANSB)
    desc->opB = op;
  else
    return BlasNotSupported;
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasLtMatmulDescDestroy(cublasLtMatmulDesc_t desc) {
  free(desc);
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasLtMatrixLayoutCreate(cublasLtMatrixLayout_t *layout,
                                          int type, uint64_t rows,
                                          uint64_t cols, int64_t ld) {
  if (ld < (int64_t)rows)
    return BlasInvalidValue;
  *layout = calloc(1, sizeof(**layout));
  if (!*layout)
    return BlasInvalidValue;
  (*layout)->layout = (FakeLayout){rows, cols, ld, 1, 0, type};
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasLtMatrixLayoutSetAttribute(cublasLtMatrixLayout_t layout,
                                                int attribute,
                                                const void *value,
                                                size_t size) {
  if (attribute == CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT &&
      size == sizeof(int32_t)) {
    int32_t count;
    memcpy(&count, value, sizeof(count));
    layout->layout.batch = count;
  } else if (attribute == CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET &&
             size == sizeof(int64_t)) {
    memcpy(&layout->layout.stride, value, sizeof(int64_t));
  } else {
    return BlasInvalidValue;
  }
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasLtMatrixLayoutDestroy(cublasLtMatrixLayout_t layout) {
  free(layout);
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t
cublasLtMatmulPreferenceCreate(cublasLtMatmulPreference_t *preference) {
  *preference = &preferenceObject;
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t
cublasLtMatmulPreferenceSetAttribute(cublasLtMatmulPreference_t preference,
                                     int attribute, const void *value,
                                     size_t size) {
  (void)preference;
  char line[96];
  if (attribute >= CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES &&
      attribute <= CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES &&
      size == sizeof(uint32_t)) {
    uint32_t alignment;
    memcpy(&alignment, value, sizeof(alignment));
    snprintf(line, sizeof(line), "cublasLt %c aligned to %u bytes",
             "ABCD"[attribute - CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES],
             alignment);
    fake_cuda_say(line);
    return CUBLAS_STATUS_SUCCESS;
  }
  uint64_t bytes;
  if (attribute != CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES ||
      size != sizeof(bytes))
    return BlasInvalidValue;
  memcpy(&bytes, value, sizeof(bytes));
  snprintf(line, sizeof(line), "cublasLt workspace limit %llu bytes",
           (unsigned long long)bytes);
  fake_cuda_say(line);
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t
cublasLtMatmulPreferenceDestroy(cublasLtMatmulPreference_t preference) {
  (void)preference;
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasLtMatmulAlgoGetHeuristic(
    cublasLtHandle_t handle, cublasLtMatmulDesc_t desc,
    cublasLtMatrixLayout_t a, cublasLtMatrixLayout_t b,
    cublasLtMatrixLayout_t c, cublasLtMatrixLayout_t d,
    cublasLtMatmulPreference_t preference, int requested,
    cublasLtMatmulHeuristicResult_t *results, int *found) {
  (void)handle, (void)c, (void)preference;
  *found = 0;
  if (requested < 1 || fake_cuda_knob("FAKE_CUBLASLT_NO_ALGO", 0))
    return CUBLAS_STATUS_SUCCESS;
  /* The fake computes f32, int8 into int32 and fp8 (E4M3) into f32 or f16
   * as the library's int8 and fp8 kernels do: A transposed, B not ("TN"). */
  bool float8 = !desc->integer && a->layout.type == CUDA_R_8F_E4M3;
  int in = desc->integer ? CUDA_R_8I : float8 ? CUDA_R_8F_E4M3 : CUDA_R_32F;
  int out = desc->integer ? CUDA_R_32I : CUDA_R_32F;
  bool outOk =
      d->layout.type == out || (float8 && d->layout.type == CUDA_R_16F);
  if (a->layout.type != in || b->layout.type != in || !outOk ||
      ((desc->integer || float8) &&
       (desc->opA != CUBLAS_OP_T || desc->opB != CUBLAS_OP_N)))
    return BlasNotSupported;
  /* Up to three algorithms, numbered in their first word (the log names
   * the one each matmul runs). */
  for (int i = 0; i < requested && i < 3; ++i) {
    memset(&results[i], 0, sizeof(results[i]));
    results[i].algo.data[0] = (uint64_t)i;
    results[i].workspaceSize = 4096;
    *found = i + 1;
  }
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t
cublasLtMatmul(cublasLtHandle_t handle, cublasLtMatmulDesc_t desc,
               const void *alpha, const void *a, cublasLtMatrixLayout_t la,
               const void *b, cublasLtMatrixLayout_t lb, const void *beta,
               const void *c, cublasLtMatrixLayout_t lc, void *d,
               cublasLtMatrixLayout_t ld, const cublasLtMatmulAlgo_t *algo,
               void *workspace, size_t workspaceBytes, CUstream stream) {
  (void)handle, (void)lc, (void)workspace, (void)workspaceBytes;
  /* alpha and beta in the scale type: int32 for the int8 products (1 and
   * 0); float for the others (alpha the fp8 products' scales, beta 0). */
  bool supported;
  float scale = 1.0f;
  if (desc->integer) {
    int32_t one, zero;
    memcpy(&one, alpha, sizeof(one));
    memcpy(&zero, beta, sizeof(zero));
    supported = one == 1 && zero == 0;
  } else {
    float zero;
    memcpy(&scale, alpha, sizeof(scale));
    memcpy(&zero, beta, sizeof(zero));
    supported =
        zero == 0.0f && (scale == 1.0f || la->layout.type == CUDA_R_8F_E4M3);
  }
  if (!supported || c != d)
    return BlasNotSupported;
  FakeGemm gemm = {desc->opA,          desc->opB,   desc->integer,
                   (int)algo->data[0], scale,       la->layout,
                   lb->layout,         ld->layout,  (uintptr_t)a,
                   (uintptr_t)b,       (uintptr_t)d};
  return fake_cuda_issue_gemm(stream, &gemm) == 0 ? CUBLAS_STATUS_SUCCESS
                                                  : BlasInvalidValue;
}
