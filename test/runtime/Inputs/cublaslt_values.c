/* Prints the cuBLASLt values and struct sizes the runtime relies on, from
 * runtime/src/cuda/blas_api.h (-DAUTOGLM_DECLARATIONS) or from the CUDA
 * toolkit's cublasLt.h; test/runtime/cublaslt-abi.test compares the two. */
#ifdef AUTOGLM_DECLARATIONS
#include "../../../runtime/src/cuda/blas_api.h"
#else
#include <cublasLt.h>
#endif

#include <stdio.h>

#define SHOW(value) printf("%s %lld\n", #value, (long long)(value))

int main(void) {
  SHOW(CUBLAS_STATUS_SUCCESS);
  SHOW(CUDA_R_32F);
  SHOW(CUDA_R_16F);
  SHOW(CUDA_R_16BF);
  SHOW(CUBLAS_COMPUTE_32F);
  SHOW(CUBLAS_OP_N);
  SHOW(CUBLAS_OP_T);
  SHOW(CUBLASLT_MATMUL_DESC_TRANSA);
  SHOW(CUBLASLT_MATMUL_DESC_TRANSB);
  SHOW(CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT);
  SHOW(CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET);
  SHOW(CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES);
  SHOW(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES);
  SHOW(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES);
  SHOW(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES);
  SHOW(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES);
  SHOW(sizeof(cublasLtMatmulAlgo_t));
  SHOW(sizeof(cublasLtMatmulHeuristicResult_t));
  return 0;
}
