/*===- dnn.c - convolutions by cuDNN --------------------------------------===*\
 *
 * A CONV step is one cuDNN execution plan, built through cuDNN's backend
 * API (plain C, cudnn_graph.h): a graph of one ConvolutionFwd operation
 * over the step's three tensors, the engines cuDNN's heuristic ranks for
 * it, and the first of them that finalizes into a plan. A convolution
 * with an epilogue is a graph of the convolution followed by pointwise
 * operations (bias, residual, ReLU) over virtual f32 tensors, which
 * cuDNN fuses into one kernel (its runtime-fusion engines compile it
 * with NVRTC when the plan is made). cuDNN is opened
 * with dlopen when the first session whose image has a CONV step is
 * created (then it stays loaded); AUTOGLM_CUDNN names the library, else
 * libcudnn.so.9 is looked up as the loader finds libraries, then in
 * $CUDA_HOME/lib64 and /usr/local/cuda/lib64. Plans, variant packs (the
 * device addresses, which never move) and one workspace for all steps are
 * made at session creation, so a run only calls cudnnBackendExecute, which
 * a CUDA graph captures like a launch.
 *
\*===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L /* dlopen */

#include "../session_impl.h"
#include "cuda_session.h"

#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How many of the heuristic's engine configurations are tried, best
 * first, until one finalizes into a plan. */
#define AUTOGLM_CUDNN_CANDIDATES 8

static pthread_mutex_t loadMutex = PTHREAD_MUTEX_INITIALIZER;
static autoglm_cudnn loaded;
static bool dnnReady;

static autoglm_status load(autoglm_message *message) {
  memset(&loaded, 0, sizeof(loaded));
  static const char *const sonames[] = {"libcudnn.so.9"};
  void *handle = autoglm_cuda_open_library("AUTOGLM_CUDNN", sonames, 1,
                                           loaded.path, sizeof(loaded.path));
  if (!handle) {
    const char *reason = dlerror();
    autoglm_message_appendf(
        message,
        "no cuDNN: %s could not be loaded (%s); the model's convolutions "
        "need cuDNN 9 (set AUTOGLM_CUDNN to the library, or add its folder "
        "to LD_LIBRARY_PATH)",
        loaded.path, reason ? reason : "not found");
    return AUTOGLM_ERROR_DEVICE_UNAVAILABLE;
  }
  const char *missing = NULL;
  if (!autoglm_cuda_resolve_symbol(handle, "cudnnGetVersion",
                                   &loaded.getVersion))
    missing = "cudnnGetVersion";
  if (!missing && !autoglm_cuda_resolve_symbol(handle, "cudnnGetErrorString",
                                               &loaded.getErrorString))
    missing = "cudnnGetErrorString";
#define AUTOGLM_CUDNN_RESOLVE(name, symbol, params)                            \
  if (!missing && !autoglm_cuda_resolve_symbol(handle, symbol, &loaded.name))  \
    missing = symbol;
  AUTOGLM_CUDNN_FUNCTIONS(AUTOGLM_CUDNN_RESOLVE)
#undef AUTOGLM_CUDNN_RESOLVE
  if (!missing && loaded.getVersion() < 90000)
    missing = "version 9 (it is older)";
  if (missing) {
    autoglm_message_appendf(message,
                            "the cuDNN library %s lacks %s; it needs cuDNN 9",
                            loaded.path, missing);
    dlclose(handle);
    return AUTOGLM_ERROR_DEVICE_UNAVAILABLE;
  }
  loaded.version = loaded.getVersion();
  return AUTOGLM_OK;
}

static const autoglm_cudnn *loadDnn(autoglm_message *message,
                                    autoglm_status *status) {
  pthread_mutex_lock(&loadMutex);
  *status = dnnReady ? AUTOGLM_OK : load(message);
  if (*status == AUTOGLM_OK)
    dnnReady = true;
  pthread_mutex_unlock(&loadMutex);
  return *status == AUTOGLM_OK ? &loaded : NULL;
}

/* Builds one step's descriptors; each call records the descriptor it made
 * in `r->parts` so that release destroys it whatever failed later. */
typedef struct builder {
  const autoglm_cudnn *dnn;
  autoglm_cuda_ready_conv *r;
  cudnnStatus_t status; /* the first failure; later calls do nothing */
  const char *what;     /* what failed */
} builder;

static cudnnBackendDescriptor_t create(builder *b, int type) {
  cudnnBackendDescriptor_t d = NULL;
  if (b->status != CUDNN_STATUS_SUCCESS)
    return NULL;
  if (b->r->num_parts == AUTOGLM_CUDA_CONV_DESCRIPTORS) {
    b->status = 4000; /* CUDNN_STATUS_INTERNAL_ERROR (cuDNN 9's value) */
    b->what = "too many descriptors";
    return NULL;
  }
  b->status = b->dnn->createDescriptor(type, &d);
  if (b->status != CUDNN_STATUS_SUCCESS) {
    b->what = "cannot create a descriptor";
    return NULL;
  }
  b->r->parts[b->r->num_parts++] = d;
  return d;
}

static void set(builder *b, cudnnBackendDescriptor_t d, int attribute, int type,
                int64_t count, const void *values) {
  if (b->status != CUDNN_STATUS_SUCCESS)
    return;
  b->status = b->dnn->setAttribute(d, attribute, type, count, values);
  if (b->status != CUDNN_STATUS_SUCCESS)
    b->what = "cannot describe the convolution";
}

static void finalize(builder *b, cudnnBackendDescriptor_t d, const char *what) {
  if (b->status != CUDNN_STATUS_SUCCESS)
    return;
  b->status = b->dnn->finalize(d);
  if (b->status != CUDNN_STATUS_SUCCESS)
    b->what = what;
}

/* A tensor of `type` (a cudnnDataType_t) of `dims` in cuDNN's order (N, C,
 * H, W; filters: F, C, KH, KW), stored row-major in that order (NCHW) or
 * with the channels innermost (NHWC): a dense one at `address`, or, with
 * `address` 0, a virtual one, which never reaches memory (the values
 * passed between the operations of a fused graph). */
static cudnnBackendDescriptor_t tensor(builder *b, int64_t uid, int type,
                                       const int64_t dims[4],
                                       autoglm_cuda_layout layout,
                                       CUdeviceptr address) {
  cudnnBackendDescriptor_t d = create(b, CUDNN_BACKEND_TENSOR_DESCRIPTOR);
  int64_t strides[4] = {dims[1] * dims[2] * dims[3], dims[2] * dims[3], dims[3],
                        1};
  if (layout == AUTOGLM_CUDA_LAYOUT_NHWC) {
    strides[1] = 1;
    strides[3] = dims[1];
    strides[2] = dims[3] * dims[1];
  }
  /* The largest power of two, at most 256, that divides the address: a
   * tensor inside a buffer (a weight, a slice of the arena) may be less
   * aligned than the buffer, and an engine that assumes more would fail. */
  int64_t alignment = 256;
  while (alignment > 2 && address % (uint64_t)alignment != 0)
    alignment /= 2;
  set(b, d, CUDNN_ATTR_TENSOR_DATA_TYPE, CUDNN_TYPE_DATA_TYPE, 1, &type);
  set(b, d, CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, 4, dims);
  set(b, d, CUDNN_ATTR_TENSOR_STRIDES, CUDNN_TYPE_INT64, 4, strides);
  set(b, d, CUDNN_ATTR_TENSOR_UNIQUE_ID, CUDNN_TYPE_INT64, 1, &uid);
  set(b, d, CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, CUDNN_TYPE_INT64, 1, &alignment);
  if (!address) {
    bool isVirtual = true;
    set(b, d, CUDNN_ATTR_TENSOR_IS_VIRTUAL, CUDNN_TYPE_BOOLEAN, 1, &isVirtual);
  }
  finalize(b, d, "cannot describe a tensor");
  return d;
}

/* The tensors' unique ids: the step's buffers, then the virtual tensors
 * between the operations of an epilogue. */
enum {
  UID_X = 1,
  UID_W = 2,
  UID_Y = 3,
  UID_B = 4,
  UID_Z = 5,
  UID_VIRTUAL = 16
};

static autoglm_status dnnFailed(const autoglm_cuda_session *cuda, int32_t index,
                                const char *what, cudnnStatus_t status,
                                autoglm_message *message) {
  autoglm_message_appendf(message, "model '%s' on GPU %d (%s): %s for ",
                          autoglm_model_name(cuda->model), cuda->ordinal,
                          cuda->name, what);
  autoglm_cuda_append_step(message, cuda, index);
  const char *text = cuda->dnn->getErrorString(status);
  autoglm_message_appendf(message, ": %s (cuDNN %s)",
                          text ? text : "unknown status", cuda->dnn->path);
  return AUTOGLM_ERROR_DEVICE_FAILED;
}

/* The forward-convolution operation Y = X ⋆ W of step `c`. */
static cudnnBackendDescriptor_t
convolution(builder *b, const autoglm_cuda_conv *c, cudnnBackendDescriptor_t x,
            cudnnBackendDescriptor_t w, cudnnBackendDescriptor_t y) {
  cudnnBackendDescriptor_t conv =
      create(b, CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR);
  int computeType = CUDNN_DATA_FLOAT, mode = CUDNN_CROSS_CORRELATION;
  int64_t spatial = 2;
  set(b, conv, CUDNN_ATTR_CONVOLUTION_COMP_TYPE, CUDNN_TYPE_DATA_TYPE, 1,
      &computeType);
  set(b, conv, CUDNN_ATTR_CONVOLUTION_CONV_MODE, CUDNN_TYPE_CONVOLUTION_MODE, 1,
      &mode);
  set(b, conv, CUDNN_ATTR_CONVOLUTION_SPATIAL_DIMS, CUDNN_TYPE_INT64, 1,
      &spatial);
  set(b, conv, CUDNN_ATTR_CONVOLUTION_DILATIONS, CUDNN_TYPE_INT64, 2,
      c->dilations);
  set(b, conv, CUDNN_ATTR_CONVOLUTION_FILTER_STRIDES, CUDNN_TYPE_INT64, 2,
      c->strides);
  set(b, conv, CUDNN_ATTR_CONVOLUTION_PRE_PADDINGS, CUDNN_TYPE_INT64, 2,
      c->pad_before);
  set(b, conv, CUDNN_ATTR_CONVOLUTION_POST_PADDINGS, CUDNN_TYPE_INT64, 2,
      c->pad_after);
  finalize(b, conv, "cannot describe the convolution");

  cudnnBackendDescriptor_t op =
      create(b, CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR);
  float alpha = 1.0f, beta = 0.0f;
  set(b, op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_X,
      CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &x);
  set(b, op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_W,
      CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &w);
  set(b, op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_Y,
      CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &y);
  set(b, op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_CONV_DESC,
      CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &conv);
  set(b, op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA, CUDNN_TYPE_FLOAT,
      1, &alpha);
  set(b, op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_BETA, CUDNN_TYPE_FLOAT, 1,
      &beta);
  finalize(b, op, "cannot describe the convolution");
  return op;
}

/* A pointwise operation `out = mode(in, other)` (`other` NULL: unary),
 * computed in f32; a ReLU clips to [0, upper]. */
static cudnnBackendDescriptor_t pointwise(builder *b, int mode, float upper,
                                          cudnnBackendDescriptor_t in,
                                          cudnnBackendDescriptor_t other,
                                          cudnnBackendDescriptor_t out) {
  cudnnBackendDescriptor_t pw = create(b, CUDNN_BACKEND_POINTWISE_DESCRIPTOR);
  int precision = CUDNN_DATA_FLOAT;
  set(b, pw, CUDNN_ATTR_POINTWISE_MODE, CUDNN_TYPE_POINTWISE_MODE, 1, &mode);
  set(b, pw, CUDNN_ATTR_POINTWISE_MATH_PREC, CUDNN_TYPE_DATA_TYPE, 1,
      &precision);
  if (mode == CUDNN_POINTWISE_RELU_FWD) {
    float lower = 0.0f;
    set(b, pw, CUDNN_ATTR_POINTWISE_RELU_LOWER_CLIP, CUDNN_TYPE_FLOAT, 1,
        &lower);
    if (upper < INFINITY)
      set(b, pw, CUDNN_ATTR_POINTWISE_RELU_UPPER_CLIP, CUDNN_TYPE_FLOAT, 1,
          &upper);
  }
  finalize(b, pw, "cannot describe the convolution's epilogue");
  cudnnBackendDescriptor_t op =
      create(b, CUDNN_BACKEND_OPERATION_POINTWISE_DESCRIPTOR);
  set(b, op, CUDNN_ATTR_OPERATION_POINTWISE_PW_DESCRIPTOR,
      CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &pw);
  set(b, op, CUDNN_ATTR_OPERATION_POINTWISE_XDESC,
      CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &in);
  if (other)
    set(b, op, CUDNN_ATTR_OPERATION_POINTWISE_BDESC,
        CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &other);
  set(b, op, CUDNN_ATTR_OPERATION_POINTWISE_YDESC,
      CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &out);
  finalize(b, op, "cannot describe the convolution's epilogue");
  return op;
}

static int dnnType(int32_t type) {
  return type == AUTOGLM_BFLOAT16  ? CUDNN_DATA_BFLOAT16
         : type == AUTOGLM_FLOAT32 ? CUDNN_DATA_FLOAT
                                   : CUDNN_DATA_HALF;
}

/* The operation graph of CONV step `index`: the convolution, then its
 * epilogue's operations in order (+ B, + Z, ReLU), the values between them
 * virtual f32 tensors, the last one writing Y. Sets `ops` and `*count`. */
static void describeGraph(builder *b, const autoglm_cuda_session *cuda,
                          int32_t index, cudnnBackendDescriptor_t ops[4],
                          int64_t *count) {
  const autoglm_cuda_step *step = cuda->steps[index].step;
  const autoglm_cuda_conv *c = step->conv;
  const autoglm_cuda_arg *args = step->args;
  int type = dnnType(c->type);
  int32_t epilogue = autoglm_cuda_conv_epilogue_flags(cuda->image, c);
  autoglm_cuda_layout layout = autoglm_cuda_conv_layout(cuda->image, c);
  int64_t xDims[4] = {c->batch, c->channels, c->height, c->width};
  /* cuDNN takes the groups from W's channels: X's channels / W's. */
  int64_t wDims[4] = {c->filters, c->channels / c->groups, c->kernel_height,
                      c->kernel_width};
  int64_t yDims[4] = {c->batch, c->filters, c->out_height, c->out_width};
  int64_t bDims[4] = {1, c->filters, 1, 1};
  cudnnBackendDescriptor_t x = tensor(b, UID_X, type, xDims, layout,
                                      autoglm_cuda_arg_address(cuda, &args[1]));
  cudnnBackendDescriptor_t w = tensor(b, UID_W, type, wDims, layout,
                                      autoglm_cuda_arg_address(cuda, &args[2]));
  cudnnBackendDescriptor_t y = tensor(b, UID_Y, type, yDims, layout,
                                      autoglm_cuda_arg_address(cuda, &args[0]));
  /* The epilogue's operations, each reading the value before it. */
  int modes[3], num = 0;
  cudnnBackendDescriptor_t others[3] = {NULL, NULL, NULL};
  int32_t next = 3;
  if (epilogue & AUTOGLM_CUDA_CONV_BIAS) {
    others[num] = tensor(b, UID_B, dnnType(c->bias_type), bDims, layout,
                         autoglm_cuda_arg_address(cuda, &args[next++]));
    modes[num++] = CUDNN_POINTWISE_ADD;
  }
  if (epilogue & AUTOGLM_CUDA_CONV_RESIDUAL) {
    others[num] = tensor(b, UID_Z, type, yDims, layout,
                         autoglm_cuda_arg_address(cuda, &args[next++]));
    modes[num++] = CUDNN_POINTWISE_ADD;
  }
  if (epilogue & AUTOGLM_CUDA_CONV_RELU)
    modes[num++] = CUDNN_POINTWISE_RELU_FWD;
  cudnnBackendDescriptor_t value =
      num == 0 ? y : tensor(b, UID_VIRTUAL, CUDNN_DATA_FLOAT, yDims, layout, 0);
  ops[0] = convolution(b, c, x, w, value);
  for (int i = 0; i < num; ++i) {
    cudnnBackendDescriptor_t out =
        i == num - 1 ? y
                     : tensor(b, UID_VIRTUAL + 1 + i, CUDNN_DATA_FLOAT, yDims,
                              layout, 0);
    ops[1 + i] = pointwise(b, modes[i], c->relu_upper, value, others[i], out);
    value = out;
  }
  *count = 1 + num;
}

static cudnnStatus_t makePack(const autoglm_cuda_session *cuda, int32_t index,
                              CUdeviceptr workspaceAddress,
                              cudnnBackendDescriptor_t *pack);

/* One plan of a convolution run on its pack (autoglm_cuda_time_calls). */
typedef struct planCall {
  const autoglm_cuda_session *cuda;
  cudnnBackendDescriptor_t plan, pack;
} planCall;

static bool executePlan(void *context) {
  planCall *call = context;
  return call->cuda->dnn->execute(call->cuda->dnn_handle, call->plan,
                                  call->pack) == CUDNN_STATUS_SUCCESS;
}

/* The index of the fastest of `plans` of CONV step `index`: each run once,
 * then three times between two events on the session's stream, on the
 * step's own buffers (whose contents a run overwrites later) and a
 * workspace of the largest plan's size. The first plan when timing is not
 * possible; a plan that fails to run is never chosen. */
static int fastestPlan(const autoglm_cuda_session *cuda, int32_t index,
                       const cudnnBackendDescriptor_t *plans,
                       const int64_t *workspaces, int numPlans) {
  const autoglm_cuda_driver *d = cuda->driver;
  int64_t bytes = 0;
  for (int p = 0; p < numPlans; ++p)
    if (workspaces[p] > bytes)
      bytes = workspaces[p];
  CUdeviceptr workspace = 0;
  int best = 0;
  float bestMs = INFINITY;
  if (bytes > 0 && d->cuMemAlloc(&workspace, (size_t)bytes) != CUDA_SUCCESS)
    return best;
  for (int p = 0; p < numPlans; ++p) {
    planCall call = {cuda, plans[p], NULL};
    if (makePack(cuda, index, workspace, &call.pack) != CUDNN_STATUS_SUCCESS)
      continue;
    float ms = autoglm_cuda_time_calls(cuda, executePlan, &call);
    if (ms < bestMs) {
      bestMs = ms;
      best = p;
    }
    cuda->dnn->destroyDescriptor(call.pack);
  }
  if (workspace)
    d->cuMemFree(workspace);
  return best;
}

/* The execution plan of CONV step `index`. */
static autoglm_status preparePlan(autoglm_cuda_session *cuda, int32_t index,
                                  autoglm_message *message) {
  autoglm_cuda_ready_step *ready = &cuda->steps[index];
  builder b = {cuda->dnn, &ready->conv, CUDNN_STATUS_SUCCESS, NULL};
  cudnnBackendDescriptor_t ops[4];
  int64_t numOps = 0;
  describeGraph(&b, cuda, index, ops, &numOps);

  cudnnBackendDescriptor_t graph =
      create(&b, CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR);
  set(&b, graph, CUDNN_ATTR_OPERATIONGRAPH_OPS, CUDNN_TYPE_BACKEND_DESCRIPTOR,
      numOps, ops);
  set(&b, graph, CUDNN_ATTR_OPERATIONGRAPH_HANDLE, CUDNN_TYPE_HANDLE, 1,
      &cuda->dnn_handle);
  finalize(&b, graph, "cannot describe the convolution");

  cudnnBackendDescriptor_t heuristic =
      create(&b, CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR);
  int heuristicMode = CUDNN_HEUR_MODE_A;
  set(&b, heuristic, CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH,
      CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &graph);
  set(&b, heuristic, CUDNN_ATTR_ENGINEHEUR_MODE, CUDNN_TYPE_HEUR_MODE, 1,
      &heuristicMode);
  finalize(&b, heuristic, "no cuDNN heuristic");
  if (b.status != CUDNN_STATUS_SUCCESS)
    return dnnFailed(cuda, index, b.what, b.status, message);

  /* The ranked engine configurations, each an (empty) descriptor that
   * cudnnBackendGetAttribute fills. */
  cudnnBackendDescriptor_t configs[AUTOGLM_CUDNN_CANDIDATES];
  for (int i = 0; i < AUTOGLM_CUDNN_CANDIDATES; ++i)
    configs[i] = create(&b, CUDNN_BACKEND_ENGINECFG_DESCRIPTOR);
  int64_t count = 0;
  if (b.status == CUDNN_STATUS_SUCCESS)
    b.status = cuda->dnn->getAttribute(
        heuristic, CUDNN_ATTR_ENGINEHEUR_RESULTS, CUDNN_TYPE_BACKEND_DESCRIPTOR,
        AUTOGLM_CUDNN_CANDIDATES, &count, configs);
  if (b.status != CUDNN_STATUS_SUCCESS)
    return dnnFailed(cuda, index, "no cuDNN engine", b.status, message);
  /* `count` is how many configurations the heuristic has, which may be
   * more than were asked for and written. */
  if (count > AUTOGLM_CUDNN_CANDIDATES)
    count = AUTOGLM_CUDNN_CANDIDATES;

  /* The configurations that finalize into plans, best ranked first, up to
   * the number tuned; the plans are made outside `parts`, since failed
   * attempts are destroyed at once. */
  cudnnBackendDescriptor_t plans[AUTOGLM_CUDNN_CANDIDATES];
  int64_t workspaces[AUTOGLM_CUDNN_CANDIDATES];
  int numPlans = 0, wanted = autoglm_cuda_tuned_candidates(
                        "AUTOGLM_CUDNN_TUNE", AUTOGLM_CUDNN_CANDIDATES);
  cudnnStatus_t last = 3000; /* CUDNN_STATUS_NOT_SUPPORTED */
  for (int64_t i = 0; i < count && numPlans < wanted; ++i) {
    cudnnBackendDescriptor_t plan = NULL;
    last = cuda->dnn->createDescriptor(CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR,
                                       &plan);
    if (last != CUDNN_STATUS_SUCCESS)
      break;
    last = cuda->dnn->setAttribute(plan, CUDNN_ATTR_EXECUTION_PLAN_HANDLE,
                                   CUDNN_TYPE_HANDLE, 1, &cuda->dnn_handle);
    if (last == CUDNN_STATUS_SUCCESS)
      last = cuda->dnn->setAttribute(
          plan, CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG,
          CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &configs[i]);
    if (last == CUDNN_STATUS_SUCCESS)
      last = cuda->dnn->finalize(plan);
    int64_t got = 0;
    if (last == CUDNN_STATUS_SUCCESS)
      last = cuda->dnn->getAttribute(
          plan, CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE, CUDNN_TYPE_INT64, 1,
          &got, &workspaces[numPlans]);
    if (last == CUDNN_STATUS_SUCCESS)
      plans[numPlans++] = plan;
    else
      cuda->dnn->destroyDescriptor(plan);
  }
  if (numPlans == 0)
    return dnnFailed(cuda, index, "no cuDNN engine runs the convolution", last,
                     message);
  int best =
      numPlans > 1 ? fastestPlan(cuda, index, plans, workspaces, numPlans) : 0;
  for (int p = 0; p < numPlans; ++p)
    if (p != best)
      cuda->dnn->destroyDescriptor(plans[p]);
  ready->conv.plan = plans[best];
  ready->conv.workspace_bytes = workspaces[best];
  return AUTOGLM_OK;
}

/* A variant pack of CONV step `index`: its tensors' device addresses and
 * `workspace`. */
static cudnnStatus_t makePack(const autoglm_cuda_session *cuda, int32_t index,
                              CUdeviceptr workspaceAddress,
                              cudnnBackendDescriptor_t *pack) {
  const autoglm_cuda_step *step = cuda->steps[index].step;
  int32_t epilogue = autoglm_cuda_conv_epilogue_flags(cuda->image, step->conv);
  /* The arguments in order: Y, X, W, then B and Z when the epilogue adds
   * them. */
  int64_t uids[5] = {UID_Y, UID_X, UID_W};
  int64_t count = 3;
  if (epilogue & AUTOGLM_CUDA_CONV_BIAS)
    uids[count++] = UID_B;
  if (epilogue & AUTOGLM_CUDA_CONV_RESIDUAL)
    uids[count++] = UID_Z;
  void *addresses[5];
  for (int64_t a = 0; a < count; ++a)
    addresses[a] =
        (void *)(uintptr_t)autoglm_cuda_arg_address(cuda, &step->args[a]);
  void *workspace = (void *)(uintptr_t)workspaceAddress;
  cudnnStatus_t status =
      cuda->dnn->createDescriptor(CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR, pack);
  if (status == CUDNN_STATUS_SUCCESS)
    status = cuda->dnn->setAttribute(*pack, CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS,
                                     CUDNN_TYPE_INT64, count, uids);
  if (status == CUDNN_STATUS_SUCCESS)
    status =
        cuda->dnn->setAttribute(*pack, CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS,
                                CUDNN_TYPE_VOID_PTR, count, addresses);
  if (status == CUDNN_STATUS_SUCCESS)
    status = cuda->dnn->setAttribute(*pack, CUDNN_ATTR_VARIANT_PACK_WORKSPACE,
                                     CUDNN_TYPE_VOID_PTR, 1, &workspace);
  if (status == CUDNN_STATUS_SUCCESS)
    status = cuda->dnn->finalize(*pack);
  if (status != CUDNN_STATUS_SUCCESS && *pack) {
    cuda->dnn->destroyDescriptor(*pack);
    *pack = NULL;
  }
  return status;
}

/* The variant pack of CONV step `index` on the session's cuDNN workspace. */
static autoglm_status preparePack(autoglm_cuda_session *cuda, int32_t index,
                                  autoglm_message *message) {
  cudnnStatus_t status =
      makePack(cuda, index, cuda->dnn_workspace, &cuda->steps[index].conv.pack);
  if (status != CUDNN_STATUS_SUCCESS)
    return dnnFailed(cuda, index, "cannot bind the convolution's buffers",
                     status, message);
  return AUTOGLM_OK;
}

/* Whether step `s` is a cuDNN convolution: a CONV step that cuBLASLt does
 * not compute as a product (blas.c). */
static bool computesConvolution(const autoglm_cuda_session *cuda, int32_t s) {
  return cuda->image->steps[s].kind == AUTOGLM_CUDA_STEP_CONV &&
         !cuda->steps[s].conv_by_blas;
}

autoglm_status autoglm_cuda_prepare_dnn(autoglm_cuda_session *cuda,
                                        autoglm_message *message) {
  const autoglm_cuda_image *image = cuda->image;
  bool needed = false;
  for (int32_t s = 0; s < image->num_steps; ++s)
    needed |= computesConvolution(cuda, s);
  if (!needed)
    return AUTOGLM_OK;
  autoglm_status status;
  cuda->dnn = loadDnn(message, &status);
  if (!cuda->dnn)
    return status;
  cudnnStatus_t created = cuda->dnn->create(&cuda->dnn_handle);
  if (created == CUDNN_STATUS_SUCCESS)
    created = cuda->dnn->setStream(cuda->dnn_handle, cuda->stream);
  if (created != CUDNN_STATUS_SUCCESS) {
    const char *text = cuda->dnn->getErrorString(created);
    autoglm_message_appendf(message, "cannot start cuDNN (%s) on GPU %d: %s",
                            cuda->dnn->path, cuda->ordinal,
                            text ? text : "unknown status");
    return AUTOGLM_ERROR_DEVICE_FAILED;
  }
  uint64_t workspace = 0;
  for (int32_t s = 0; s < image->num_steps; ++s) {
    if (!computesConvolution(cuda, s))
      continue;
    if ((status = preparePlan(cuda, s, message)) != AUTOGLM_OK)
      return status;
    if ((uint64_t)cuda->steps[s].conv.workspace_bytes > workspace)
      workspace = (uint64_t)cuda->steps[s].conv.workspace_bytes;
  }
  const autoglm_cuda_session *lender = cuda->lender;
  if (workspace > 0 && lender && lender->dnn_workspace_bytes >= workspace) {
    /* Another batch size of the model: the largest size's workspace is
     * large enough (runs of a session never overlap). */
    cuda->dnn_workspace = lender->dnn_workspace;
    cuda->dnn_workspace_bytes = lender->dnn_workspace_bytes;
    cuda->borrows_dnn_workspace = true;
  } else if (workspace > 0) {
    CUresult result = cuda->driver->cuMemAlloc(&cuda->dnn_workspace, workspace);
    if (result == CUDA_SUCCESS)
      cuda->allocated_bytes += workspace;
    if (result != CUDA_SUCCESS) {
      cuda->dnn_workspace = 0;
      autoglm_message_appendf(message,
                              "cannot allocate cuDNN's %llu-byte workspace on "
                              "GPU %d (%s): ",
                              (unsigned long long)workspace, cuda->ordinal,
                              cuda->name);
      autoglm_cuda_append_error(message, cuda->driver, result);
      return result == CUDA_ERROR_OUT_OF_MEMORY ? AUTOGLM_ERROR_OUT_OF_MEMORY
                                                : AUTOGLM_ERROR_DEVICE_FAILED;
    }
    cuda->dnn_workspace_bytes = workspace;
  }
  for (int32_t s = 0; s < image->num_steps; ++s)
    if (computesConvolution(cuda, s) &&
        (status = preparePack(cuda, s, message)) != AUTOGLM_OK)
      return status;
  return AUTOGLM_OK;
}

cudnnStatus_t autoglm_cuda_issue_conv(const autoglm_cuda_session *cuda,
                                      const autoglm_cuda_ready_step *ready) {
  return cuda->dnn->execute(cuda->dnn_handle, ready->conv.plan,
                            ready->conv.pack);
}

void autoglm_cuda_release_dnn(autoglm_cuda_session *cuda) {
  const autoglm_cudnn *dnn = cuda->dnn;
  if (!dnn)
    return;
  for (int32_t s = 0; cuda->steps && s < cuda->image->num_steps; ++s) {
    autoglm_cuda_ready_conv *r = &cuda->steps[s].conv;
    if (r->pack)
      dnn->destroyDescriptor(r->pack);
    if (r->plan)
      dnn->destroyDescriptor(r->plan);
    for (int32_t i = r->num_parts - 1; i >= 0; --i)
      dnn->destroyDescriptor(r->parts[i]);
    memset(r, 0, sizeof(*r));
  }
  if (cuda->dnn_workspace && !cuda->borrows_dnn_workspace)
    cuda->driver->cuMemFree(cuda->dnn_workspace);
  cuda->dnn_workspace = 0;
  cuda->dnn_workspace_bytes = 0;
  if (cuda->dnn_handle)
    dnn->destroy(cuda->dnn_handle);
  cuda->dnn_handle = NULL;
}
