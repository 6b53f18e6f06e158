/*===- fake_cuda.h - what the fake driver and fake cuBLASLt share -*- C -*-===*\
 *
 * Both live in libautoglm_fake_cuda.so: fake_cuda_driver.c (the driver)
 * and fake_cublaslt.c (cuBLASLt, declared with the runtime's own
 * blas_api.h so that every function has exactly the type the runtime calls
 * it through). A product runs or is captured on the driver's streams.
 *
\*===----------------------------------------------------------------------===*/

#ifndef AUTOGLM_TEST_FAKE_CUDA_H
#define AUTOGLM_TEST_FAKE_CUDA_H

#include <stdint.h>

/* A cuBLASLt matrix layout: column-major rows x cols, `ld` apart, batched. */
typedef struct FakeLayout {
  uint64_t rows, cols;
  int64_t ld, batch, stride;
  int type;
} FakeLayout;

/* What one cublasLtMatmul computes: D = op(A) · op(B), column-major. */
typedef struct FakeGemm {
  int opA, opB;
  FakeLayout a, b, d;
  unsigned long long pa, pb, pd;
} FakeGemm;

struct CUstream_st;

/* Runs `gemm` now, or records it when `stream` is capturing; 0 on success. */
int fake_cuda_issue_gemm(struct CUstream_st *stream, const FakeGemm *gemm);
/* The FAKE_CUDA_* environment knob `name`, or `fallback`. */
long long fake_cuda_knob(const char *name, long long fallback);
/* Appends `text` as one line to FAKE_CUDA_LOG. */
void fake_cuda_say(const char *text);

#endif /* AUTOGLM_TEST_FAKE_CUDA_H */
