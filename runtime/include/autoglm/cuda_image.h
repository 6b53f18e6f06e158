/*===- autoglm/cuda_image.h - the device image of a CUDA model ---*- C -*-===*\
 *
 * What `autoglm_model_desc.device_image` points to when the descriptor's
 * device is AUTOGLM_DEVICE_CUDA: the device code (one fatbin), and the
 * forward pass as a flat list of steps over four device buffers. The
 * compiler (lib/Target/CUDA) writes it as constant data; the runtime's CUDA
 * part (runtime/src/cuda) loads the fatbin once per session, uploads the
 * weights once, and replays the steps, after the first run as one CUDA
 * graph. Plain C, no MLIR or LLVM, no CUDA headers.
 *
\*===----------------------------------------------------------------------===*/

#ifndef AUTOGLM_CUDA_IMAGE_H
#define AUTOGLM_CUDA_IMAGE_H

#include "autoglm/model_abi.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any change of the structs below.
 * 3 -> 4: `groups` in autoglm_cuda_conv (was `reserved`, 0).
 * 4 -> 5: `num_batch_images` and `batch_images` appended to
 *         autoglm_cuda_image (batch-polymorphic models). A version 4 image
 *         is the prefix of a version 5 one, so the runtime still reads it,
 *         as an image of one batch size.
 * 5 -> 6: `layout` and `reserved` appended to autoglm_cuda_conv. The
 *         runtime reads `layout` only in images of version 6 and later;
 *         older ones are NCHW.
 * 6 -> 7: a convolution's epilogue: `epilogue` (was `reserved`, 0),
 *         `bias_type` and `relu_upper` appended to autoglm_cuda_conv, and
 *         the bias and residual arguments of a CONV step. The runtime reads
 *         them only in images of version 7 and later.
 * 7 -> 8: `alpha` in autoglm_cuda_gemm (was `reserved`, 0), and fp8
 *         products (FLOAT8E4M3FN a and b). The runtime reads `alpha` only in
 *         images of version 8 and later; older ones multiply by 1.
 * 8 -> 9: DEPENDENT_LAUNCH steps. Older images have none. */
#define AUTOGLM_CUDA_IMAGE_VERSION 9
/* The oldest image version the runtime reads. */
#define AUTOGLM_CUDA_IMAGE_OLDEST_VERSION 4

/* Where a kernel argument comes from. The four buffer kinds are device
 * pointers: the session's device copy of input `index` / output `index`,
 * the device weights (the model's weights data, uploaded once), and the
 * device arena of `workspace_bytes` (the descriptor's), each plus `value`
 * bytes. Every buffer starts 256-byte aligned. I32 and I64 are
 * immediate values (`value`, truncated to 32 bits for I32). */
#define AUTOGLM_CUDA_ARGS(X)                                                   \
  X(INPUT, 0, "input")                                                         \
  X(OUTPUT, 1, "output")                                                       \
  X(WEIGHTS, 2, "weights")                                                     \
  X(WORKSPACE, 3, "workspace")                                                 \
  X(I32, 4, "i32")                                                             \
  X(I64, 5, "i64")

typedef enum autoglm_cuda_arg_kind {
#define AUTOGLM_CUDA_ARG_ENUMERATOR(name, code, text)                          \
  AUTOGLM_CUDA_ARG_##name = code,
  AUTOGLM_CUDA_ARGS(AUTOGLM_CUDA_ARG_ENUMERATOR)
#undef AUTOGLM_CUDA_ARG_ENUMERATOR
} autoglm_cuda_arg_kind;

typedef struct autoglm_cuda_arg {
  int32_t kind;   /* autoglm_cuda_arg_kind */
  int32_t index;  /* the input or output number; 0 for the others */
  uint64_t value; /* a byte offset into the buffer, or the immediate */
} autoglm_cuda_arg;

/* What a step does.
 * LAUNCH: kernel `kernel` on a grid of `grid` blocks of `block` threads with
 *   `shared_bytes` of dynamic shared memory; its parameters, in order, are
 *   `args` (a buffer argument is one 8-byte device pointer, I32 4 bytes,
 *   I64 8 bytes).
 * DEPENDENT_LAUNCH: a LAUNCH whose kernel, in the code for sm_90 and newer,
 *   first waits until the kernel before it has completed and its writes are
 *   visible (griddepcontrol.wait), then lets its own dependents launch. On
 *   a GPU that runs such code the runtime may launch it as a programmatic
 *   dependent of the step before, overlapping its launch with that
 *   kernel's run; elsewhere it is a LAUNCH.
 * COPY: `bytes` bytes from args[1] to args[0] (both buffer arguments; the
 *   ranges never overlap).
 * GEMM: the matrix product `gemm` describes, by cuBLASLt: args[0] = D,
 *   args[1] = A, args[2] = B (buffer arguments).
 * CONV: the convolution `conv` describes, by cuDNN: args[0] = Y,
 *   args[1] = X, args[2] = W, then the bias B when its epilogue adds one,
 *   then the residual Z when it adds one (buffer arguments). */
#define AUTOGLM_CUDA_STEPS(X)                                                  \
  X(LAUNCH, 0, "launch")                                                       \
  X(COPY, 1, "copy")                                                           \
  X(GEMM, 2, "gemm")                                                           \
  X(CONV, 3, "conv")                                                           \
  X(DEPENDENT_LAUNCH, 4, "dependent launch")

typedef enum autoglm_cuda_step_kind {
#define AUTOGLM_CUDA_STEP_ENUMERATOR(name, code, text)                         \
  AUTOGLM_CUDA_STEP_##name = code,
  AUTOGLM_CUDA_STEPS(AUTOGLM_CUDA_STEP_ENUMERATOR)
#undef AUTOGLM_CUDA_STEP_ENUMERATOR
} autoglm_cuda_step_kind;

/* D = A · B for each of `batch` matrices, in row-major terms: D is
 * `m x n` with `ldd` elements from one row to the next; A is `m x k` and
 * B is `k x n`, each stored by rows (`transpose_*` 0: element (i, j) at
 * i * ld + j) or by columns (1: at i + j * ld). Matrix `b` of a batch
 * starts `stride_*` elements after matrix `b - 1` (0: every batch reads the
 * same matrix). Element types are autoglm_dtype codes: A and B FLOAT32,
 * FLOAT16 or BFLOAT16 alike; D theirs or FLOAT32. Products accumulate in
 * f32 (f32 inputs: full f32, no TF32). D is overwritten, never read. Or A
 * and B INT8, D INT32, accumulated in int32; or A and B FLOAT8E4M3FN
 * (fp8 tensor cores, compute capability 8.9 and newer), D FLOAT32,
 * FLOAT16 or BFLOAT16, accumulated in f32. The 8-bit products read A by
 * rows and B by columns. D = alpha * A B (float products; version 8). */
typedef struct autoglm_cuda_gemm {
  int32_t a_type, b_type, d_type; /* autoglm_dtype */
  int32_t transpose_a, transpose_b;
  float alpha; /* version 8; 1 before (the field was 0) */
  int64_t m, n, k, batch;
  int64_t lda, ldb, ldd;
  int64_t stride_a, stride_b, stride_d;
} autoglm_cuda_gemm;

/* How a convolution's tensors are laid out in memory (row-major). */
typedef enum autoglm_cuda_layout {
  AUTOGLM_CUDA_LAYOUT_NCHW = 0, /* channels before rows and columns */
  AUTOGLM_CUDA_LAYOUT_NHWC = 1, /* channels innermost */
} autoglm_cuda_layout;

/* What a convolution does to its result before writing it (flags). */
typedef enum autoglm_cuda_conv_epilogue {
  AUTOGLM_CUDA_CONV_BIAS = 1,     /* + B[f], B a vector of `filters` */
  AUTOGLM_CUDA_CONV_RESIDUAL = 2, /* + Z, a tensor of Y's type and shape */
  AUTOGLM_CUDA_CONV_RELU = 4,     /* then clipped to [0, relu_upper] */
} autoglm_cuda_conv_epilogue;

/* Y = act(X ⋆ W + B + Z), a 2-D cross-correlation (ONNX Conv without its bias)
 * in `groups` groups over dense row-major buffers. With `layout` NCHW, X is
 * `batch x channels x height x width`, W `filters x (channels / groups) x
 * kernel_height x kernel_width`, Y `batch x filters x out_height x
 * out_width`; with NHWC the channels (filters) are the innermost
 * dimension of each: X `batch x height x width x channels`, W `filters x
 * kernel_height x kernel_width x (channels / groups)`, Y `batch x
 * out_height x out_width x filters`. Filter f reads the channels of its
 * group, f / (filters / groups) (`groups` = `channels`: a depthwise
 * convolution). The input is read as if padded with zeros by `pad_before`
 * / `pad_after` rows and columns. `type` is the element type of X, W, Y
 * and Z (FLOAT16 or BFLOAT16); products accumulate in f32. The epilogue
 * (`epilogue`, flags; 0: Y = X ⋆ W) adds the bias B (`bias_type`: FLOAT32,
 * FLOAT16 or BFLOAT16) to filter f's outputs, adds the residual Z element
 * by element, and clips the sum to [0, relu_upper] (ReLU; relu_upper
 * INFINITY: no upper clip), in f32, before Y is rounded to `type`. Y is
 * overwritten, never read; Z may not overlap Y. */
typedef struct autoglm_cuda_conv {
  int32_t type;   /* autoglm_dtype */
  int32_t groups; /* >= 1, divides channels and filters */
  int64_t batch, channels, height, width;
  int64_t filters, kernel_height, kernel_width;
  int64_t out_height, out_width;
  int64_t strides[2], dilations[2]; /* rows, columns */
  int64_t pad_before[2], pad_after[2];
  int32_t layout;    /* autoglm_cuda_layout; from image version 6 */
  int32_t epilogue;  /* autoglm_cuda_conv_epilogue flags; from version 7 */
  int32_t bias_type; /* autoglm_dtype of B; version 7 */
  float relu_upper;  /* version 7 */
} autoglm_cuda_conv;

typedef struct autoglm_cuda_step {
  int32_t kind;   /* autoglm_cuda_step_kind */
  int32_t kernel; /* LAUNCH: an index into the image's kernel_names */
  uint32_t grid[3];
  uint32_t block[3];
  uint32_t shared_bytes;
  int32_t num_args;
  const autoglm_cuda_arg *args;
  uint64_t bytes;                /* COPY: how many bytes */
  const autoglm_cuda_gemm *gemm; /* GEMM; NULL for the others */
  const autoglm_cuda_conv *conv; /* CONV; NULL for the others */
  /* The ONNX nodes the step computes, comma-separated ("" when none), for
   * messages such as a failed launch. */
  const char *nodes;
} autoglm_cuda_step;

typedef struct autoglm_cuda_image {
  uint32_t version; /* AUTOGLM_CUDA_IMAGE_VERSION */
  /* The GPU architectures the fatbin has machine code for, as the compiler
   * was told (--gpu-arch), e.g. "sm_80,sm_90", and the oldest compute
   * capability it runs on, major * 10 + minor (80 for sm_80). A newer GPU
   * may still run the embedded PTX. */
  const char *archs;
  int32_t min_compute_capability;
  /* One fatbin (cubins plus PTX), for cuModuleLoadData. */
  const void *fatbin;
  uint64_t fatbin_bytes;
  /* The kernels' entry names in the fatbin, looked up once per session. */
  int32_t num_kernels;
  const char *const *kernel_names;
  /* The forward pass, in order, on one stream. */
  int32_t num_steps;
  const autoglm_cuda_step *steps;
  /* The weights data, 256-byte aligned, uploaded once per session;
   * NULL when the model keeps them in a weights file (the descriptor's
   * weights_file and weights_bytes), and then `weights_bytes` is 0. */
  const void *weights;
  uint64_t weights_bytes;
  /* Version 4. A batch-polymorphic model's (`autoglm-opt --batch-sizes
   * --target=cuda`) image of each size, in the order of the descriptor's
   * `batch_entries` (one each), the last being the size the fields above
   * describe. Each has its own fatbin, kernels and steps, and the same
   * weights (one image: the same `weights` pointer, or the one weights
   * file); the sizes run in one device workspace, the descriptor's
   * `workspace_bytes`. 0 and NULL for a model of one fixed size and in the
   * images listed here. */
  int32_t num_batch_images;
  const struct autoglm_cuda_image *batch_images;
} autoglm_cuda_image;

#ifdef __cplusplus
}
#endif

#endif /* AUTOGLM_CUDA_IMAGE_H */
