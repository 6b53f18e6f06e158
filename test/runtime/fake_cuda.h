/*===- fake_cuda.h - what the fake driver and libraries share -----*- C -*-===*\
 *
 * All live in libautoglm_fake_cuda.so: fake_cuda_driver.c (the driver),
 * fake_cublaslt.c (cuBLASLt) and fake_cudnn.c (cuDNN), the libraries
 * declared with the runtime's own blas_api.h and dnn_api.h so that every
 * function has exactly the type the runtime calls it through. A product or
 * a convolution runs or is captured on the driver's streams.
 *
\*===----------------------------------------------------------------------===*/

#ifndef AUTOGLM_TEST_FAKE_CUDA_H
#define AUTOGLM_TEST_FAKE_CUDA_H

#include <stdint.h>

/* The cudaDataType_t codes of a layout the fake driver computes with beyond
 * f32 (blas_api.h's CUDA_R_16F and CUDA_R_8F_E4M3). */
enum { FAKE_TYPE_F16 = 2, FAKE_TYPE_E4M3 = 28 };

/* A cuBLASLt matrix layout: column-major rows x cols, `ld` apart, batched. */
typedef struct FakeLayout {
  uint64_t rows, cols;
  int64_t ld, batch, stride;
  int type;
} FakeLayout;

/* What one cublasLtMatmul computes: D = alpha op(A) · op(B), column-major;
 * in float, (`integer`) int8 A and B into int32 D, or (the layouts' types)
 * fp8 E4M3 A and B into f32 or f16 D. */
typedef struct FakeGemm {
  int opA, opB, integer, algo;
  float alpha;
  FakeLayout a, b, d;
  unsigned long long pa, pb, pd;
} FakeGemm;

/* What one cudnnBackendExecute of a convolution plan computes:
 * Y = relu(X ⋆ W + B + Z), dense, `type` a cudnnDataType_t (HALF or
 * BFLOAT16) of X, W, Y and Z, each term of the epilogue optional. */
typedef struct FakeConv {
  int type;
  int64_t x[4], w[4], y[4]; /* dims, in cuDNN's order (N, C, H, W) */
  int nhwc;                 /* 1: all stored channels innermost */
  int64_t strides[2], dilations[2], pre[2], post[2];
  int hasBias, biasType, hasResidual, hasRelu; /* the epilogue */
  float reluUpper;
  unsigned long long px, pw, py, pb, pz, workspace;
} FakeConv;

struct CUstream_st;

/* Runs `gemm` now, or records it when `stream` is capturing; 0 on success. */
int fake_cuda_issue_gemm(struct CUstream_st *stream, const FakeGemm *gemm);
/* Runs `conv` now, or records it when `stream` is capturing; 0 on success. */
int fake_cuda_issue_conv(struct CUstream_st *stream, const FakeConv *conv);
/* Computes `conv` on host memory (fake_cudnn.c). */
void fake_cudnn_compute(const FakeConv *conv);
/* The bytes from `address` to the end of its device buffer; 0 when it is
 * not in a live device buffer. */
unsigned long long fake_cuda_device_bytes(unsigned long long address);
/* The FAKE_CUDA_* environment knob `name`, or `fallback`. */
long long fake_cuda_knob(const char *name, long long fallback);
/* Appends `text` as one line to FAKE_CUDA_LOG. */
void fake_cuda_say(const char *text);

#endif /* AUTOGLM_TEST_FAKE_CUDA_H */
