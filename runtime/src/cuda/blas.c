/*===- blas.c - matrix products by cuBLASLt -------------------------------===*\
 *
 * A GEMM step is one cublasLtMatmul. cuBLASLt is opened with dlopen when
 * the first session whose image has a GEMM step is created (like the
 * driver, it then stays loaded); AUTOGLM_CUBLASLT names the library, else
 * libcublasLt.so.13 or .12 is looked up as the loader finds libraries, then
 * in $CUDA_HOME/lib64 and /usr/local/cuda/lib64. Per step, the session
 * builds the operation and matrix descriptors once and asks the library's
 * heuristic for its best algorithm within the session's workspace, so a
 * run only issues the calls (which a CUDA graph captures like launches).
 *
 * cuBLASLt is column-major; the image is row-major. A row-major m x n
 * matrix is the column-major n x m matrix of the same bytes, so
 * D = A · B is computed as Dᵀ = Bᵀ · Aᵀ: the library's first operand is B,
 * its second A, and its m and n are the image's n and m.
 *
\*===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L /* dlopen, getenv */

#include "../session_impl.h"
#include "cuda_session.h"

#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What cuBLAS recommends for Hopper; older GPUs use less of it. */
#define AUTOGLM_CUBLASLT_WORKSPACE_BYTES (32u << 20)
/* The most algorithms the heuristic is asked for when they are timed
 * (AUTOGLM_CUBLASLT_TUNE). */
#define AUTOGLM_CUBLASLT_CANDIDATES 8

static pthread_mutex_t loadMutex = PTHREAD_MUTEX_INITIALIZER;
static autoglm_cublaslt loaded;
static bool blasReady;

static autoglm_status load(autoglm_message *message) {
  memset(&loaded, 0, sizeof(loaded));
  static const char *const sonames[] = {"libcublasLt.so.13",
                                        "libcublasLt.so.12"};
  void *handle = autoglm_cuda_open_library("AUTOGLM_CUBLASLT", sonames, 2,
                                           loaded.path, sizeof(loaded.path));
  if (!handle) {
    const char *reason = dlerror();
    autoglm_message_appendf(
        message,
        "no cuBLASLt: %s could not be loaded (%s); the model's matrix "
        "products need the CUDA toolkit's cuBLASLt (set AUTOGLM_CUBLASLT to "
        "the library, or CUDA_HOME to the toolkit)",
        loaded.path, reason ? reason : "not found");
    return AUTOGLM_ERROR_DEVICE_UNAVAILABLE;
  }
  const char *missing = NULL;
  if (!autoglm_cuda_resolve_symbol(handle, "cublasLtGetVersion",
                                   &loaded.getVersion))
    missing = "cublasLtGetVersion";
  if (!missing &&
      !autoglm_cuda_resolve_symbol(handle, "cublasLtGetStatusString",
                                   &loaded.getStatusString))
    missing = "cublasLtGetStatusString";
#define AUTOGLM_CUBLASLT_RESOLVE(name, symbol, params)                         \
  if (!missing && !autoglm_cuda_resolve_symbol(handle, symbol, &loaded.name))  \
    missing = symbol;
  AUTOGLM_CUBLASLT_FUNCTIONS(AUTOGLM_CUBLASLT_RESOLVE)
#undef AUTOGLM_CUBLASLT_RESOLVE
  if (missing) {
    autoglm_message_appendf(message,
                            "the cuBLASLt library %s lacks %s; it needs "
                            "cuBLASLt 12 or newer",
                            loaded.path, missing);
    dlclose(handle);
    return AUTOGLM_ERROR_DEVICE_UNAVAILABLE;
  }
  loaded.version = loaded.getVersion();
  return AUTOGLM_OK;
}

const autoglm_cublaslt *autoglm_cuda_load_blas(autoglm_message *message,
                                               autoglm_status *status) {
  pthread_mutex_lock(&loadMutex);
  *status = blasReady ? AUTOGLM_OK : load(message);
  if (*status == AUTOGLM_OK)
    blasReady = true;
  pthread_mutex_unlock(&loadMutex);
  return *status == AUTOGLM_OK ? &loaded : NULL;
}

static int dataType(int32_t dtype) {
  return dtype == AUTOGLM_FLOAT16        ? CUDA_R_16F
         : dtype == AUTOGLM_BFLOAT16     ? CUDA_R_16BF
         : dtype == AUTOGLM_INT8         ? CUDA_R_8I
         : dtype == AUTOGLM_FLOAT8E4M3FN ? CUDA_R_8F_E4M3
         : dtype == AUTOGLM_INT32        ? CUDA_R_32I
                                         : CUDA_R_32F;
}

/* A column-major layout of `rows` x `cols` (before any transposition) with
 * leading dimension `ld`, batched. */
static cublasStatus_t createLayout(const autoglm_cublaslt *lt,
                                   cublasLtMatrixLayout_t *layout,
                                   int32_t dtype, int64_t rows, int64_t cols,
                                   int64_t ld, int64_t batch, int64_t stride) {
  cublasStatus_t status = lt->layoutCreate(layout, dataType(dtype),
                                           (uint64_t)rows, (uint64_t)cols, ld);
  if (status != CUBLAS_STATUS_SUCCESS || batch == 1)
    return status;
  int32_t count = (int32_t)batch;
  status = lt->layoutSetAttribute(*layout, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT,
                                  &count, sizeof(count));
  if (status != CUBLAS_STATUS_SUCCESS)
    return status;
  return lt->layoutSetAttribute(*layout,
                                CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET,
                                &stride, sizeof(stride));
}

static autoglm_status blasFailed(const autoglm_cuda_session *cuda,
                                 int32_t index, const char *what,
                                 cublasStatus_t status,
                                 autoglm_message *message) {
  autoglm_message_appendf(message, "model '%s' on GPU %d (%s): %s for ",
                          autoglm_model_name(cuda->model), cuda->ordinal,
                          cuda->name, what);
  autoglm_cuda_append_step(message, cuda, index);
  const char *text = cuda->blas->getStatusString(status);
  autoglm_message_appendf(message, ": %s (cuBLASLt %s)",
                          text ? text : "unknown status", cuda->blas->path);
  return AUTOGLM_ERROR_DEVICE_FAILED;
}

/* The largest power of two, at most 256, that divides `address`. */
static uint32_t alignmentOf(CUdeviceptr address) {
  uint32_t alignment = 256;
  while (alignment > 1 && address % alignment != 0)
    alignment /= 2;
  return alignment;
}

/* The matrix product that a 1x1 convolution of stride 1 in NHWC is
 * (autoglm_cuda_conv_is_blas_product): Y, pixels by filters, is X, pixels
 * by channels, times Wᵀ, W being filters by channels stored by rows, so
 * Wᵀ by columns. */
static autoglm_cuda_gemm convolutionProduct(const autoglm_cuda_conv *c) {
  autoglm_cuda_gemm g;
  memset(&g, 0, sizeof(g));
  g.a_type = g.b_type = g.d_type = c->type;
  g.transpose_b = 1;
  g.m = c->batch * c->height * c->width;
  g.n = c->filters;
  g.k = c->channels;
  g.batch = 1;
  g.lda = c->channels;
  g.ldb = c->channels;
  g.ldd = c->filters;
  return g;
}

/* A convolution's epilogue as cuBLASLt's: the bias (a vector of D's
 * columns in the image's terms, the library's rows) and the ReLU set on
 * the operation, the residual as C with beta 1. */
static cublasStatus_t setEpilogue(autoglm_cuda_session *cuda, int32_t index,
                                  autoglm_cuda_ready_gemm *r) {
  const autoglm_cuda_step *step = cuda->steps[index].step;
  const autoglm_cuda_conv *c = step->conv;
  int32_t flags = autoglm_cuda_conv_epilogue_flags(cuda->image, c);
  const autoglm_cublaslt *lt = cuda->blas;
  int32_t next = 3;
  uint32_t mode = CUBLASLT_EPILOGUE_DEFAULT;
  cublasStatus_t status = CUBLAS_STATUS_SUCCESS;
  if (flags & AUTOGLM_CUDA_CONV_BIAS) {
    const void *bias = (const void *)(uintptr_t)autoglm_cuda_arg_address(
        cuda, &step->args[next++]);
    int32_t type = dataType(c->bias_type);
    mode = CUBLASLT_EPILOGUE_BIAS;
    status = lt->descSetAttribute(r->desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                                  &bias, sizeof(bias));
    if (status == CUBLAS_STATUS_SUCCESS)
      status = lt->descSetAttribute(
          r->desc, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, &type, sizeof(type));
  }
  if (flags & AUTOGLM_CUDA_CONV_RESIDUAL) {
    r->c = autoglm_cuda_arg_address(cuda, &step->args[next++]);
    r->beta.f = 1.0f;
  }
  if (flags & AUTOGLM_CUDA_CONV_RELU)
    mode = mode == CUBLASLT_EPILOGUE_BIAS ? CUBLASLT_EPILOGUE_RELU_BIAS
                                          : CUBLASLT_EPILOGUE_RELU;
  if (status == CUBLAS_STATUS_SUCCESS)
    status = lt->descSetAttribute(r->desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &mode,
                                  sizeof(mode));
  return status;
}

/* One cublasLtMatmul of a step (autoglm_cuda_time_calls). */
typedef struct gemmCall {
  const autoglm_cuda_session *cuda;
  const autoglm_cuda_ready_step *ready;
} gemmCall;

static bool issueGemm(void *context) {
  gemmCall *call = context;
  return autoglm_cuda_issue_gemm(call->cuda, call->ready) ==
         CUBLAS_STATUS_SUCCESS;
}

/* The fastest of the heuristic's `found` algorithms for step `ready`,
 * each timed on the step's own buffers (whose contents a run overwrites
 * later); the first when none can be timed. */
static int fastestAlgo(const autoglm_cuda_session *cuda,
                       autoglm_cuda_ready_step *ready,
                       const cublasLtMatmulHeuristicResult_t *results,
                       int found) {
  int best = 0;
  float bestMs = INFINITY;
  gemmCall call = {cuda, ready};
  if (found < 2)
    return best;
  for (int i = 0; i < found; ++i) {
    ready->gemm.algo = results[i].algo;
    ready->gemm.workspace_bytes = results[i].workspaceSize;
    float ms = autoglm_cuda_time_calls(cuda, issueGemm, &call);
    if (ms < bestMs) {
      bestMs = ms;
      best = i;
    }
  }
  return best;
}

/* The descriptors and algorithm of step `index`: a GEMM step, or a CONV
 * step that is a product (then with its epilogue). With
 * AUTOGLM_CUBLASLT_TUNE=N the heuristic's first N algorithms are timed and
 * the fastest kept. */
static autoglm_status prepareGemm(autoglm_cuda_session *cuda, int32_t index,
                                  autoglm_message *message) {
  const autoglm_cublaslt *lt = cuda->blas;
  autoglm_cuda_ready_step *ready = &cuda->steps[index];
  bool conv = ready->step->kind == AUTOGLM_CUDA_STEP_CONV;
  autoglm_cuda_gemm product;
  if (conv)
    product = convolutionProduct(ready->step->conv);
  const autoglm_cuda_gemm *g = conv ? &product : ready->step->gemm;
  autoglm_cuda_ready_gemm *r = &ready->gemm;
  /* Dᵀ = Bᵀ · Aᵀ, column-major: the library's A is the image's B. */
  int32_t opA = g->transpose_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  int32_t opB = g->transpose_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  /* int8 products accumulate and scale in int32 (the image's b is stored
   * by columns: the library's A transposed, its int8 kernels' "TN"); fp8
   * ones, stored alike, in f32. */
  bool int8 = g->a_type == AUTOGLM_INT8;
  cublasStatus_t status =
      int8 ? lt->descCreate(&r->desc, CUBLAS_COMPUTE_32I, CUDA_R_32I)
           : lt->descCreate(&r->desc, CUBLAS_COMPUTE_32F, CUDA_R_32F);
  if (status == CUBLAS_STATUS_SUCCESS)
    status = lt->descSetAttribute(r->desc, CUBLASLT_MATMUL_DESC_TRANSA, &opA,
                                  sizeof(opA));
  if (status == CUBLAS_STATUS_SUCCESS)
    status = lt->descSetAttribute(r->desc, CUBLASLT_MATMUL_DESC_TRANSB, &opB,
                                  sizeof(opB));
  if (status == CUBLAS_STATUS_SUCCESS)
    status = createLayout(
        lt, &r->layout_a, g->b_type, g->transpose_b ? g->k : g->n,
        g->transpose_b ? g->n : g->k, g->ldb, g->batch, g->stride_b);
  if (status == CUBLAS_STATUS_SUCCESS)
    status = createLayout(
        lt, &r->layout_b, g->a_type, g->transpose_a ? g->m : g->k,
        g->transpose_a ? g->k : g->m, g->lda, g->batch, g->stride_a);
  if (status == CUBLAS_STATUS_SUCCESS)
    status = createLayout(lt, &r->layout_d, g->d_type, g->n, g->m, g->ldd,
                          g->batch, g->stride_d);
  if (status != CUBLAS_STATUS_SUCCESS)
    return blasFailed(cuda, index, "cannot describe the matrix product", status,
                      message);

  r->d = autoglm_cuda_arg_address(cuda, &ready->step->args[0]);
  r->a = autoglm_cuda_arg_address(cuda, &ready->step->args[1]);
  r->b = autoglm_cuda_arg_address(cuda, &ready->step->args[2]);
  r->c = r->d;
  if (int8) {
    r->alpha.i = 1;
    r->beta.i = 0;
  } else {
    /* The image's alpha from version 8 on; the field was 0 before. */
    r->alpha.f = !conv && cuda->image->version >= 8 ? g->alpha : 1.0f;
    r->beta.f = 0.0f;
  }
  if (conv && (status = setEpilogue(cuda, index, r)) != CUBLAS_STATUS_SUCCESS)
    return blasFailed(cuda, index, "cannot describe the product's epilogue",
                      status, message);
  cublasLtMatmulPreference_t preference = NULL;
  uint64_t workspace = cuda->blas_workspace_bytes;
  status = lt->preferenceCreate(&preference);
  if (status == CUBLAS_STATUS_SUCCESS)
    status = lt->preferenceSetAttribute(
        preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace,
        sizeof(workspace));
  /* The heuristic assumes 256-byte aligned matrices unless told otherwise;
   * an operand inside a buffer (a weight, a slice of the arena) may be
   * less aligned, and an algorithm that needs more would fail. The
   * library's A is the image's B. */
  const struct {
    int attribute;
    CUdeviceptr address;
  } alignments[] = {{CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, r->b},
                    {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, r->a},
                    {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, r->c},
                    {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, r->d}};
  for (size_t i = 0; i < 4 && status == CUBLAS_STATUS_SUCCESS; ++i) {
    uint32_t alignment = alignmentOf(alignments[i].address);
    status = lt->preferenceSetAttribute(preference, alignments[i].attribute,
                                        &alignment, sizeof(alignment));
  }
  cublasLtMatmulHeuristicResult_t results[AUTOGLM_CUBLASLT_CANDIDATES];
  int found = 0;
  int wanted = autoglm_cuda_tuned_candidates("AUTOGLM_CUBLASLT_TUNE",
                                             AUTOGLM_CUBLASLT_CANDIDATES);
  if (status == CUBLAS_STATUS_SUCCESS)
    status = lt->algoGetHeuristic(cuda->blas_handle, r->desc, r->layout_a,
                                  r->layout_b, r->layout_d, r->layout_d,
                                  preference, wanted, results, &found);
  if (preference)
    lt->preferenceDestroy(preference);
  if (status == CUBLAS_STATUS_SUCCESS && found < 1)
    status = 15; /* CUBLAS_STATUS_NOT_SUPPORTED */
  if (status != CUBLAS_STATUS_SUCCESS)
    return blasFailed(cuda, index, "no cuBLASLt algorithm", status, message);
  int chosen = fastestAlgo(cuda, ready, results, found);
  r->algo = results[chosen].algo;
  r->workspace_bytes = results[chosen].workspaceSize;
  return AUTOGLM_OK;
}

/* Whether step `s` is a cublasLtMatmul: a GEMM, or a CONV that is one. */
static bool computesProduct(const autoglm_cuda_session *cuda, int32_t s) {
  return cuda->image->steps[s].kind == AUTOGLM_CUDA_STEP_GEMM ||
         cuda->steps[s].conv_by_blas;
}

autoglm_status autoglm_cuda_prepare_blas(autoglm_cuda_session *cuda,
                                         autoglm_message *message) {
  const autoglm_cuda_image *image = cuda->image;
  bool needed = false;
  for (int32_t s = 0; s < image->num_steps; ++s)
    needed |= computesProduct(cuda, s);
  if (!needed)
    return AUTOGLM_OK;
  autoglm_status status;
  cuda->blas = autoglm_cuda_load_blas(message, &status);
  if (!cuda->blas)
    return status;
  const autoglm_cuda_session *lender = cuda->lender;
  if (lender && lender->blas_handle) {
    /* Another batch size of the model: the largest size's handle and
     * workspace serve it too (runs of a session never overlap; a matmul
     * takes its stream as an argument). */
    cuda->blas_handle = lender->blas_handle;
    cuda->blas_workspace = lender->blas_workspace;
    cuda->blas_workspace_bytes = lender->blas_workspace_bytes;
    cuda->borrows_blas = true;
    for (int32_t s = 0; s < image->num_steps; ++s)
      if (computesProduct(cuda, s) &&
          (status = prepareGemm(cuda, s, message)) != AUTOGLM_OK)
        return status;
    return AUTOGLM_OK;
  }
  cublasStatus_t created = cuda->blas->create(&cuda->blas_handle);
  if (created != CUBLAS_STATUS_SUCCESS) {
    cuda->blas_handle = NULL;
    autoglm_message_appendf(message,
                            "cannot start cuBLASLt (%s) on GPU %d: "
                            "%s",
                            cuda->blas->path, cuda->ordinal,
                            cuda->blas->getStatusString(created));
    return AUTOGLM_ERROR_DEVICE_FAILED;
  }
  cuda->blas_workspace_bytes = AUTOGLM_CUBLASLT_WORKSPACE_BYTES;
  CUresult result = cuda->driver->cuMemAlloc(&cuda->blas_workspace,
                                             cuda->blas_workspace_bytes);
  if (result == CUDA_SUCCESS)
    cuda->allocated_bytes += cuda->blas_workspace_bytes;
  if (result != CUDA_SUCCESS) {
    cuda->blas_workspace = 0;
    autoglm_message_appendf(message,
                            "cannot allocate cuBLASLt's %llu-byte workspace "
                            "on GPU %d (%s): ",
                            (unsigned long long)cuda->blas_workspace_bytes,
                            cuda->ordinal, cuda->name);
    autoglm_cuda_append_error(message, cuda->driver, result);
    return result == CUDA_ERROR_OUT_OF_MEMORY ? AUTOGLM_ERROR_OUT_OF_MEMORY
                                              : AUTOGLM_ERROR_DEVICE_FAILED;
  }
  for (int32_t s = 0; s < image->num_steps; ++s)
    if (computesProduct(cuda, s) &&
        (status = prepareGemm(cuda, s, message)) != AUTOGLM_OK)
      return status;
  return AUTOGLM_OK;
}

cublasStatus_t autoglm_cuda_issue_gemm(const autoglm_cuda_session *cuda,
                                       const autoglm_cuda_ready_step *ready) {
  const autoglm_cuda_ready_gemm *r = &ready->gemm;
  return cuda->blas->matmul(
      cuda->blas_handle, r->desc, &r->alpha, (const void *)(uintptr_t)r->b,
      r->layout_a, (const void *)(uintptr_t)r->a, r->layout_b, &r->beta,
      (const void *)(uintptr_t)r->c, r->layout_d, (void *)(uintptr_t)r->d,
      r->layout_d, &r->algo, (void *)(uintptr_t)cuda->blas_workspace,
      r->workspace_bytes, cuda->stream);
}

void autoglm_cuda_release_blas(autoglm_cuda_session *cuda) {
  const autoglm_cublaslt *lt = cuda->blas;
  if (!lt)
    return;
  for (int32_t s = 0; cuda->steps && s < cuda->image->num_steps; ++s) {
    autoglm_cuda_ready_gemm *r = &cuda->steps[s].gemm;
    if (r->layout_d)
      lt->layoutDestroy(r->layout_d);
    if (r->layout_b)
      lt->layoutDestroy(r->layout_b);
    if (r->layout_a)
      lt->layoutDestroy(r->layout_a);
    if (r->desc)
      lt->descDestroy(r->desc);
    memset(r, 0, sizeof(*r));
  }
  if (cuda->borrows_blas)
    cuda->blas_workspace = 0, cuda->blas_handle = NULL;
  if (cuda->blas_workspace)
    cuda->driver->cuMemFree(cuda->blas_workspace);
  cuda->blas_workspace = 0;
  if (cuda->blas_handle)
    lt->destroy(cuda->blas_handle);
  cuda->blas_handle = NULL;
}
