/*===- cuda_session.h - what a CUDA session owns ------------------*- C -*-===*\
 *
 * Internal to the runtime. A session of a model compiled for CUDA holds, on
 * one GPU: the primary context (retained), the loaded fatbin and its kernels,
 * one device arena (the workspace), the device weights, one device buffer
 * per input and output, one stream, two timing events, and every step's
 * kernel parameters, computed once. Kernel parameters are device addresses
 * of these buffers, which never move, so the steps can be captured into one
 * CUDA graph and replayed; a run only copies the caller's tensors in and
 * out around them.
 *
\*===----------------------------------------------------------------------===*/

#ifndef AUTOGLM_RUNTIME_CUDA_SESSION_H
#define AUTOGLM_RUNTIME_CUDA_SESSION_H

#include "../message.h"
#include "autoglm/cuda_image.h"
#include "autoglm/runtime.h"
#include "blas_api.h"
#include "dnn_api.h"
#include "driver_api.h"

#include <math.h>
#include <stdbool.h>

/* A step ready to issue: the kernel and its parameter pointers, or the two
 * addresses of a copy. */
/* A GEMM step's cuBLASLt descriptors (the library's A is the image's B:
 * see blas.c) and the algorithm chosen for it. */
typedef struct autoglm_cuda_ready_gemm {
  cublasLtMatmulDesc_t desc;
  cublasLtMatrixLayout_t layout_a, layout_b, layout_d;
  cublasLtMatmulAlgo_t algo;
  uint64_t workspace_bytes;
  CUdeviceptr a, b, d;
  CUdeviceptr c; /* the epilogue's residual, added with beta 1; or d */
  /* alpha and beta in the operation's scale type: float, or int32 for an
   * int8 product (which the library scales in int32). */
  union {
    float f;
    int32_t i;
  } alpha, beta;
} autoglm_cuda_ready_gemm;

/* A CONV step's cuDNN execution plan and variant pack, and every
 * descriptor they were built from (destroyed with them). */
#define AUTOGLM_CUDA_CONV_DESCRIPTORS 32
typedef struct autoglm_cuda_ready_conv {
  cudnnBackendDescriptor_t plan, pack;
  cudnnBackendDescriptor_t parts[AUTOGLM_CUDA_CONV_DESCRIPTORS];
  int32_t num_parts;
  int64_t workspace_bytes;
} autoglm_cuda_ready_conv;

typedef struct autoglm_cuda_ready_step {
  const autoglm_cuda_step *step; /* the image's step */
  CUfunction function;           /* LAUNCH */
  void **params;                 /* LAUNCH: num_args pointers into `slots` */
  CUdeviceptr dst, src;          /* COPY */
  autoglm_cuda_ready_gemm gemm;  /* GEMM, and a CONV that is a product */
  autoglm_cuda_ready_conv conv;  /* CONV */
  /* CONV: computed by cuBLASLt (autoglm_cuda_conv_is_blas_product). */
  bool conv_by_blas;
} autoglm_cuda_ready_step;

typedef enum autoglm_cuda_graph_state {
  AUTOGLM_CUDA_GRAPH_PENDING, /* no successful run yet */
  AUTOGLM_CUDA_GRAPH_READY,   /* runs launch `graph_exec` */
  AUTOGLM_CUDA_GRAPH_FAILED,  /* capture failed: runs launch the steps */
} autoglm_cuda_graph_state;

typedef struct autoglm_cuda_session {
  const autoglm_cuda_driver *driver;
  /* A session of one batch size of a batch-polymorphic model borrows the
   * device weights and workspace of the largest size's session (`lender`,
   * which outlives it) instead of allocating and uploading its own. */
  const struct autoglm_cuda_session *lender;
  const autoglm_model_desc *model;
  const autoglm_cuda_image *image;
  int32_t ordinal;
  CUdevice device;
  CUcontext context; /* the device's primary context, retained */
  bool context_retained;
  int32_t compute_capability; /* major * 10 + minor */
  /* DEPENDENT_LAUNCH steps start before the kernel before them ends:
   * this GPU runs the image's code for sm_90 or newer, the driver has
   * cuLaunchKernelEx and captures it, and AUTOGLM_CUDA_DEPENDENT_LAUNCH is
   * not 0. */
  bool dependent_launch;
  char name[96];         /* "NVIDIA H200" */
  char description[160]; /* "NVIDIA H200, sm_90, GPU 0" */

  CUmodule module;
  CUfunction *functions; /* one per image kernel */

  CUdeviceptr workspace, weights;
  uint64_t weights_bytes;      /* on the device */
  uint64_t file_weights_bytes; /* of them, read from the weights file */
  /* num_inputs then num_outputs device buffers, and their sizes. */
  CUdeviceptr *buffers;
  uint64_t *buffer_bytes;

  CUstream stream;
  /* Around the whole run, and around its steps alone (the copies of the
   * inputs and outputs left out). */
  CUevent start, stop, steps_start, steps_stop;

  /* cuBLASLt, when the image has GEMM steps. */
  const autoglm_cublaslt *blas;
  cublasLtHandle_t blas_handle;
  CUdeviceptr blas_workspace;
  uint64_t blas_workspace_bytes;
  bool borrows_blas; /* the handle and workspace are the lender's */

  /* cuDNN, when the image has CONV steps. */
  const autoglm_cudnn *dnn;
  cudnnHandle_t dnn_handle;
  CUdeviceptr dnn_workspace;
  uint64_t dnn_workspace_bytes;
  bool borrows_dnn_workspace; /* the lender's, large enough for this size */

  autoglm_cuda_ready_step *steps;
  void **params;   /* every LAUNCH's parameter pointers, back to back */
  uint64_t *slots; /* the values they point to, 8 bytes each */

  autoglm_cuda_graph_state graph_state;
  CUgraph graph;
  CUgraphExec graph_exec;
  /* The device memory this session allocated itself (what it borrows
   * from its lender is the lender's), in bytes. */
  uint64_t allocated_bytes;
  double last_device_ms; /* negative until a run succeeded */
  double last_steps_ms;  /* likewise */
  char execution[AUTOGLM_MESSAGE_CAPACITY];
} autoglm_cuda_session;

/*===-- driver.c ----------------------------------------------------------===*/

/* Stores the address of `symbol` in `handle` (a dlopen handle) into the
 * function pointer at `slot`; false when it is missing. */
bool autoglm_cuda_resolve_symbol(void *handle, const char *symbol, void *slot);

/* Opens a CUDA library with dlopen: the file named by environment variable
 * `variable` when set, else the first of `sonames` found as the loader
 * finds libraries, then in $CUDA_HOME/lib64, then in /usr/local/cuda/lib64.
 * `path` receives what was opened (or tried last); NULL when none opens. */
void *autoglm_cuda_open_library(const char *variable,
                                const char *const *sonames, size_t count,
                                char *path, size_t capacity);

/* The driver's entry points, loaded and initialized on the first call in
 * the process; NULL with `*status` and a message when it cannot be had. */
const autoglm_cuda_driver *autoglm_cuda_load_driver(autoglm_message *message,
                                                    autoglm_status *status);

/* Appends "CUDA_ERROR_NAME: description" for `result`. */
void autoglm_cuda_append_error(autoglm_message *message,
                               const autoglm_cuda_driver *driver,
                               CUresult result);

/*===-- image_check.c -----------------------------------------------------===*/

/* A LAUNCH or a DEPENDENT_LAUNCH step. */
static inline bool autoglm_cuda_is_launch(const autoglm_cuda_step *step) {
  return step->kind == AUTOGLM_CUDA_STEP_LAUNCH ||
         step->kind == AUTOGLM_CUDA_STEP_DEPENDENT_LAUNCH;
}

/* The images of a batch-polymorphic model's sizes: none before version 5. */
static inline int32_t
autoglm_cuda_num_batch_images(const autoglm_cuda_image *image) {
  return image->version >= 5 ? image->num_batch_images : 0;
}

/* The layout of convolution `conv` of `image`: images before version 6
 * have no `layout` field, and are NCHW. */
static inline autoglm_cuda_layout
autoglm_cuda_conv_layout(const autoglm_cuda_image *image,
                         const autoglm_cuda_conv *conv) {
  return image->version >= 6 ? (autoglm_cuda_layout)conv->layout
                             : AUTOGLM_CUDA_LAYOUT_NCHW;
}

/* The epilogue flags of convolution `conv` of `image`: images before
 * version 7 have none (their `epilogue` field was `reserved`, 0). */
static inline int32_t
autoglm_cuda_conv_epilogue_flags(const autoglm_cuda_image *image,
                                 const autoglm_cuda_conv *conv) {
  return image->version >= 7 ? conv->epilogue : 0;
}

/* True when convolution `conv` of `image` is a matrix product that
 * cuBLASLt computes with its epilogue, and the session runs it so: 1x1
 * filters over all channels, stride 1, no padding, in NHWC (Y's pixels
 * by filters = X's pixels by channels times Wᵀ), with an epilogue whose
 * bias is in Y's type and whose ReLU, if any, has no upper clip.
 * cuDNN's fused engines are slower than its plain convolution plus a
 * kernel; cuBLASLt's epilogue costs its product nearly nothing. */
static inline bool
autoglm_cuda_conv_is_blas_product(const autoglm_cuda_image *image,
                                  const autoglm_cuda_conv *conv) {
  int32_t epilogue = autoglm_cuda_conv_epilogue_flags(image, conv);
  return epilogue != 0 &&
         autoglm_cuda_conv_layout(image, conv) == AUTOGLM_CUDA_LAYOUT_NHWC &&
         conv->groups == 1 && conv->kernel_height == 1 &&
         conv->kernel_width == 1 && conv->strides[0] == 1 &&
         conv->strides[1] == 1 && conv->pad_before[0] == 0 &&
         conv->pad_before[1] == 0 && conv->pad_after[0] == 0 &&
         conv->pad_after[1] == 0 && conv->out_height == conv->height &&
         conv->out_width == conv->width &&
         (!(epilogue & AUTOGLM_CUDA_CONV_BIAS) ||
          conv->bias_type == conv->type) &&
         (!(epilogue & AUTOGLM_CUDA_CONV_RELU) || isinf(conv->relu_upper));
}

/* How many buffer arguments a CONV step with these epilogue flags takes:
 * Y, X, W, then B and Z when the epilogue adds them. */
static inline int32_t autoglm_cuda_conv_num_args(int32_t epilogue) {
  return 3 + ((epilogue & AUTOGLM_CUDA_CONV_BIAS) != 0) +
         ((epilogue & AUTOGLM_CUDA_CONV_RESIDUAL) != 0);
}

/* Checks the device image against the descriptor without touching a GPU:
 * version, tables, kernel indices, argument kinds and buffer ranges, and
 * those of each batch size's image. */
autoglm_status autoglm_cuda_check_image(const autoglm_model_desc *model,
                                        autoglm_message *message);

/* The bytes of a buffer argument's buffer (input, output, weights or
 * workspace); the image must have passed autoglm_cuda_check_image. */
uint64_t autoglm_cuda_buffer_bytes(const autoglm_model_desc *model,
                                   const autoglm_cuda_arg *arg);

/*===-- device.c ----------------------------------------------------------===*/

/* Picks GPU `ordinal`, retains its primary context, checks its compute
 * capability against the image's and fills the description. */
autoglm_status autoglm_cuda_open_device(autoglm_cuda_session *cuda,
                                        int32_t ordinal,
                                        autoglm_message *message);

/* Appends "the GPU is sm_75 (NVIDIA T4, GPU 0); model 'm' was compiled for
 * sm_80,sm_90, and its fatbin has no code this GPU runs (...)", for a
 * `result` of cuModuleLoadData that says so. */
void autoglm_cuda_append_no_binary(autoglm_message *message,
                                   const autoglm_cuda_session *cuda,
                                   CUresult result);

/*===-- memory.c ----------------------------------------------------------===*/

/* Allocates every device buffer and uploads the weights (`host_weights`,
 * `weights_bytes` long; from the image or the weights file). */
autoglm_status autoglm_cuda_allocate(autoglm_cuda_session *cuda,
                                     const void *host_weights,
                                     uint64_t weights_bytes,
                                     autoglm_message *message);

/* Frees what autoglm_cuda_allocate allocated. */
void autoglm_cuda_free_buffers(autoglm_cuda_session *cuda);

/*===-- module.c ----------------------------------------------------------===*/

/* Loads the fatbin and looks up every kernel. */
autoglm_status autoglm_cuda_load_module(autoglm_cuda_session *cuda,
                                        autoglm_message *message);

/*===-- params.c ----------------------------------------------------------===*/

/* Computes every step's parameters (buffer base + offset, immediates) into
 * the session's tables, sized by autoglm_cuda_count_params, and which
 * library computes each CONV step. */
void autoglm_cuda_prepare_steps(autoglm_cuda_session *cuda);

/* The number of parameters of all LAUNCH steps together. */
size_t autoglm_cuda_count_params(const autoglm_cuda_image *image);

/* The device address an image argument stands for. */
CUdeviceptr autoglm_cuda_arg_address(const autoglm_cuda_session *cuda,
                                     const autoglm_cuda_arg *arg);

/*===-- blas.c ------------------------------------------------------------===*/

/* cuBLASLt, loaded once per process; NULL after a message on failure. */
const autoglm_cublaslt *autoglm_cuda_load_blas(autoglm_message *message,
                                               autoglm_status *status);

/* When the image has GEMM steps: loads cuBLASLt, creates the handle and
 * workspace, and each GEMM step's descriptors and algorithm. Needs the
 * context current and the buffers allocated. */
/* How many candidates of a library step are timed when the session is
 * created, the fastest kept: the environment variable `variable` (1 to
 * `most`), else 1 (the library heuristic's first choice). */
int autoglm_cuda_tuned_candidates(const char *variable, int most);

/* The milliseconds that three calls of `issue(context)` take on the
 * session's stream, after one untimed call; INFINITY when a call fails or
 * the events cannot time them. For choosing among a library's candidates
 * at session creation, on the step's own buffers. */
float autoglm_cuda_time_calls(const autoglm_cuda_session *cuda,
                              bool (*issue)(void *context), void *context);

autoglm_status autoglm_cuda_prepare_blas(autoglm_cuda_session *cuda,
                                         autoglm_message *message);

/* Issues one prepared GEMM step on the session's stream. */
cublasStatus_t autoglm_cuda_issue_gemm(const autoglm_cuda_session *cuda,
                                       const autoglm_cuda_ready_step *ready);

/* Undoes autoglm_cuda_prepare_blas, also half done; context current. */
void autoglm_cuda_release_blas(autoglm_cuda_session *cuda);

/*===-- dnn.c -------------------------------------------------------------===*/

/* When the image has CONV steps: loads cuDNN, creates the handle, each
 * CONV step's execution plan and one workspace for them all. Needs the
 * context current, the buffers allocated and the stream created. */
autoglm_status autoglm_cuda_prepare_dnn(autoglm_cuda_session *cuda,
                                        autoglm_message *message);

/* Issues one prepared CONV step on the session's stream. */
cudnnStatus_t autoglm_cuda_issue_conv(const autoglm_cuda_session *cuda,
                                      const autoglm_cuda_ready_step *ready);

/* Undoes autoglm_cuda_prepare_dnn, also half done; context current. */
void autoglm_cuda_release_dnn(autoglm_cuda_session *cuda);

/*===-- steps.c -----------------------------------------------------------===*/

/* Issues every step on the stream. With `check_each`, synchronizes after
 * each one so that a fault is pinned to its step. A failure is reported
 * naming the step's ONNX nodes. */
autoglm_status autoglm_cuda_issue_steps(autoglm_cuda_session *cuda,
                                        bool check_each,
                                        autoglm_message *message);

/* Appends "step 3 (launch of kernel 'k', ONNX nodes 'a,b')". */
void autoglm_cuda_append_step(autoglm_message *message,
                              const autoglm_cuda_session *cuda, int32_t index);

/*===-- graph.c -----------------------------------------------------------===*/

/* Captures the steps into one graph and instantiates it; on failure the
 * session keeps launching steps one by one and says why in `execution`. */
void autoglm_cuda_capture_graph(autoglm_cuda_session *cuda);

/* Destroys the graph and its executable form. */
void autoglm_cuda_destroy_graph(autoglm_cuda_session *cuda);

/*===-- session.c ---------------------------------------------------------===*/

/* Builds the CUDA half of a session for `model`, whose weights (when kept in
 * a weights file) the generic session has mapped at `file_weights`; with a
 * `lender` (the largest batch size's session, for another size), on its
 * device weights and workspace instead. */
autoglm_status autoglm_cuda_session_create(
    const autoglm_model_desc *model, const autoglm_session_options *options,
    const void *file_weights, const autoglm_cuda_session *lender,
    autoglm_cuda_session **out, autoglm_message *message);

/* Frees everything the CUDA session holds; NULL-safe. */
void autoglm_cuda_session_destroy(autoglm_cuda_session *cuda);

/*===-- run.c -------------------------------------------------------------===*/

struct autoglm_tensor_pieces; /* session_impl.h */

/* Copies the (already checked) tensors in, runs the steps or the graph,
 * copies the outputs out and waits for all of it. */
autoglm_status autoglm_cuda_run(autoglm_cuda_session *cuda,
                                const autoglm_tensor *inputs,
                                const autoglm_tensor *outputs,
                                autoglm_message *message);

/* The same with each tensor given as pieces (autoglm_run_pieces in
 * session_impl.h). */
autoglm_status autoglm_cuda_run_pieces(
    autoglm_cuda_session *cuda, const struct autoglm_tensor_pieces *inputs,
    const struct autoglm_tensor_pieces *outputs, autoglm_message *message);

#endif /* AUTOGLM_RUNTIME_CUDA_SESSION_H */
