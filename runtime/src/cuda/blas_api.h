/*===- blas_api.h - the part of cuBLASLt the runtime calls ----------------===*\
 *
 * Declared here, not taken from cublasLt.h, so that the runtime builds
 * without the CUDA toolkit: the library is opened with dlopen when a
 * session's image has a GEMM step. The values are cuBLASLt's (CUDA 12 and
 * 13 agree); test/runtime/cublaslt-abi.test checks them against the
 * toolkit's headers where one is installed.
 *
\*===----------------------------------------------------------------------===*/

#ifndef AUTOGLM_RUNTIME_CUDA_BLAS_API_H
#define AUTOGLM_RUNTIME_CUDA_BLAS_API_H

#include "driver_api.h"

#include <stddef.h>
#include <stdint.h>

typedef int cublasStatus_t; /* 0: CUBLAS_STATUS_SUCCESS */
typedef struct cublasLtContext *cublasLtHandle_t;
typedef struct cublasLtMatmulDescOpaque *cublasLtMatmulDesc_t;
typedef struct cublasLtMatrixLayoutOpaque *cublasLtMatrixLayout_t;
typedef struct cublasLtMatmulPreferenceOpaque *cublasLtMatmulPreference_t;
typedef struct {
  uint64_t data[8];
} cublasLtMatmulAlgo_t;
typedef struct {
  cublasLtMatmulAlgo_t algo;
  size_t workspaceSize;
  cublasStatus_t state;
  float wavesCount;
  int reserved[4];
} cublasLtMatmulHeuristicResult_t;

enum { CUBLAS_STATUS_SUCCESS = 0 };
enum {
  CUDA_R_32F = 0,
  CUDA_R_16F = 2,
  CUDA_R_8I = 3,
  CUDA_R_32I = 10,
  CUDA_R_16BF = 14,
  CUDA_R_8F_E4M3 = 28
};
enum { CUBLAS_COMPUTE_32F = 68, CUBLAS_COMPUTE_32I = 72 };
enum { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1 };
enum {
  CUBLASLT_MATMUL_DESC_TRANSA = 3,
  CUBLASLT_MATMUL_DESC_TRANSB = 4,
  CUBLASLT_MATMUL_DESC_EPILOGUE = 7,
  CUBLASLT_MATMUL_DESC_BIAS_POINTER = 8,
  CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE = 26,
};
enum {
  CUBLASLT_EPILOGUE_DEFAULT = 1,
  CUBLASLT_EPILOGUE_RELU = 2,
  CUBLASLT_EPILOGUE_BIAS = 4,
  CUBLASLT_EPILOGUE_RELU_BIAS = 6,
};
enum {
  CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT = 5,
  CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET = 6,
};
enum {
  CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES = 1,
  CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES = 5,
  CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES = 6,
  CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES = 7,
  CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES = 8,
};

/* X(member, symbol, parameters), each returning a cublasStatus_t. */
#define AUTOGLM_CUBLASLT_FUNCTIONS(X)                                          \
  X(create, "cublasLtCreate", (cublasLtHandle_t *))                            \
  X(destroy, "cublasLtDestroy", (cublasLtHandle_t))                            \
  X(descCreate, "cublasLtMatmulDescCreate",                                    \
    (cublasLtMatmulDesc_t *, int, int))                                        \
  X(descSetAttribute, "cublasLtMatmulDescSetAttribute",                        \
    (cublasLtMatmulDesc_t, int, const void *, size_t))                         \
  X(descDestroy, "cublasLtMatmulDescDestroy", (cublasLtMatmulDesc_t))          \
  X(layoutCreate, "cublasLtMatrixLayoutCreate",                                \
    (cublasLtMatrixLayout_t *, int, uint64_t, uint64_t, int64_t))              \
  X(layoutSetAttribute, "cublasLtMatrixLayoutSetAttribute",                    \
    (cublasLtMatrixLayout_t, int, const void *, size_t))                       \
  X(layoutDestroy, "cublasLtMatrixLayoutDestroy", (cublasLtMatrixLayout_t))    \
  X(preferenceCreate, "cublasLtMatmulPreferenceCreate",                        \
    (cublasLtMatmulPreference_t *))                                            \
  X(preferenceSetAttribute, "cublasLtMatmulPreferenceSetAttribute",            \
    (cublasLtMatmulPreference_t, int, const void *, size_t))                   \
  X(preferenceDestroy, "cublasLtMatmulPreferenceDestroy",                      \
    (cublasLtMatmulPreference_t))                                              \
  X(algoGetHeuristic, "cublasLtMatmulAlgoGetHeuristic",                        \
    (cublasLtHandle_t, cublasLtMatmulDesc_t, cublasLtMatrixLayout_t,           \
     cublasLtMatrixLayout_t, cublasLtMatrixLayout_t, cublasLtMatrixLayout_t,   \
     cublasLtMatmulPreference_t, int, cublasLtMatmulHeuristicResult_t *,       \
     int *))                                                                   \
  X(matmul, "cublasLtMatmul",                                                  \
    (cublasLtHandle_t, cublasLtMatmulDesc_t, const void *, const void *,       \
     cublasLtMatrixLayout_t, const void *, cublasLtMatrixLayout_t,             \
     const void *, const void *, cublasLtMatrixLayout_t, void *,               \
     cublasLtMatrixLayout_t, const cublasLtMatmulAlgo_t *, void *, size_t,     \
     CUstream))

typedef struct autoglm_cublaslt {
  char path[256];
  size_t version; /* cublasLtGetVersion: major * 10000 + minor * 100 + patch */
  size_t (*getVersion)(void);
  const char *(*getStatusString)(cublasStatus_t);
#define AUTOGLM_CUBLASLT_MEMBER(name, symbol, params)                          \
  cublasStatus_t(*name) params;
  AUTOGLM_CUBLASLT_FUNCTIONS(AUTOGLM_CUBLASLT_MEMBER)
#undef AUTOGLM_CUBLASLT_MEMBER
} autoglm_cublaslt;

#endif /* AUTOGLM_RUNTIME_CUDA_BLAS_API_H */
