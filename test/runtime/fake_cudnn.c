/*===- fake_cudnn.c - a cuDNN on host memory, for tests -------------------===*\
 *
 * The cuDNN functions the runtime resolves (runtime/src/cuda/dnn.c), in the
 * fake driver's library: the tests point AUTOGLM_CUDNN at it too. Backend
 * descriptors keep the attributes set on them, each checked against the
 * descriptor, element type and count that cuDNN 9 gives it, and finalize
 * only when complete and consistent: a tensor (dense NCHW or NHWC, or
 * virtual), a convolution, a forward-convolution operation over finalized
 * ones whose shapes agree, pointwise operations (add, ReLU), a graph of the
 * convolution alone or followed by its epilogue (+ bias, + residual, ReLU,
 * in that order, over virtual f32 tensors), a heuristic on the graph, the
engine
 * configurations it ranks, a plan of one of them, and a variant pack.
 * cudnnBackendExecute checks the pack against the plan (every tensor bound,
 * inside device memory, as aligned as its descriptor says, the workspace
 * large enough), then, like a launch, computes the convolution at once or
 * is recorded by a capturing stream (fake_cuda_driver.c).
 *
 * Environment:
 *   FAKE_CUDNN_ENGINES=N       the heuristic ranks N configurations (3)
 *   FAKE_CUDNN_FIRST_ENGINE=K  configurations 0 to K-1 (of the ranking) do not
 *                              finalize into a plan (NOT_SUPPORTED)
 *   FAKE_CUDNN_NO_ENGINE=1     no configuration finalizes into a plan
 *   FAKE_CUDNN_FAIL_EXECUTE=1  cudnnBackendExecute fails (EXECUTION_FAILED)
 * A plan needs 64 bytes of workspace per element of Y.
 *
\*===----------------------------------------------------------------------===*/

#include "../../runtime/src/cuda/dnn_api.h"
#include "fake_cuda.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cuDNN 9's status codes the fake returns. */
enum {
  BadParam = 2000,
  NotSupported = 3000,
  InternalError = 4000,
  ExecutionFailed = 5000,
};

struct cudnnContext {
  CUstream stream;
};

/*===-- Attributes --------------------------------------------------------===*/

enum { MaxElements = 8 };

/* Every attribute the fake knows: its descriptor, element type and how
 * many elements it takes. */
static const struct Attribute {
  int name, owner, type;
  int64_t min, max;
} attributes[] = {
    {CUDNN_ATTR_POINTWISE_MODE, CUDNN_BACKEND_POINTWISE_DESCRIPTOR,
     CUDNN_TYPE_POINTWISE_MODE, 1, 1},
    {CUDNN_ATTR_POINTWISE_MATH_PREC, CUDNN_BACKEND_POINTWISE_DESCRIPTOR,
     CUDNN_TYPE_DATA_TYPE, 1, 1},
    {CUDNN_ATTR_POINTWISE_RELU_LOWER_CLIP, CUDNN_BACKEND_POINTWISE_DESCRIPTOR,
     CUDNN_TYPE_FLOAT, 1, 1},
    {CUDNN_ATTR_POINTWISE_RELU_UPPER_CLIP, CUDNN_BACKEND_POINTWISE_DESCRIPTOR,
     CUDNN_TYPE_FLOAT, 1, 1},
    {CUDNN_ATTR_OPERATION_POINTWISE_PW_DESCRIPTOR,
     CUDNN_BACKEND_OPERATION_POINTWISE_DESCRIPTOR,
     CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, 1},
    {CUDNN_ATTR_OPERATION_POINTWISE_XDESC,
     CUDNN_BACKEND_OPERATION_POINTWISE_DESCRIPTOR,
     CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, 1},
    {CUDNN_ATTR_OPERATION_POINTWISE_BDESC,
     CUDNN_BACKEND_OPERATION_POINTWISE_DESCRIPTOR,
     CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, 1},
    {CUDNN_ATTR_OPERATION_POINTWISE_YDESC,
     CUDNN_BACKEND_OPERATION_POINTWISE_DESCRIPTOR,
     CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, 1},
    {CUDNN_ATTR_TENSOR_IS_VIRTUAL, CUDNN_BACKEND_TENSOR_DESCRIPTOR,
     CUDNN_TYPE_BOOLEAN, 1, 1},
    {CUDNN_ATTR_CONVOLUTION_COMP_TYPE, CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR,
     CUDNN_TYPE_DATA_TYPE, 1, 1},
    {CUDNN_ATTR_CONVOLUTION_CONV_MODE, CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR,
     CUDNN_TYPE_CONVOLUTION_MODE, 1, 1},
    {CUDNN_ATTR_CONVOLUTION_DILATIONS, CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR,
     CUDNN_TYPE_INT64, 1, MaxElements},
    {CUDNN_ATTR_CONVOLUTION_FILTER_STRIDES,
     CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR, CUDNN_TYPE_INT64, 1, MaxElements},
    {CUDNN_ATTR_CONVOLUTION_POST_PADDINGS, CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR,
     CUDNN_TYPE_INT64, 1, MaxElements},
    {CUDNN_ATTR_CONVOLUTION_PRE_PADDINGS, CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR,
     CUDNN_TYPE_INT64, 1, MaxElements},
    {CUDNN_ATTR_CONVOLUTION_SPATIAL_DIMS, CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR,
     CUDNN_TYPE_INT64, 1, 1},
    {CUDNN_ATTR_ENGINEHEUR_MODE, CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR,
     CUDNN_TYPE_HEUR_MODE, 1, 1},
    {CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH, CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR,
     CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, 1},
    {CUDNN_ATTR_EXECUTION_PLAN_HANDLE, CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR,
     CUDNN_TYPE_HANDLE, 1, 1},
    {CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG,
     CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1,
     1},
    {CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA,
     CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR, CUDNN_TYPE_FLOAT,
     1, 1},
    {CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_BETA,
     CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR, CUDNN_TYPE_FLOAT,
     1, 1},
    {CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_CONV_DESC,
     CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR,
     CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, 1},
    {CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_W,
     CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR,
     CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, 1},
    {CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_X,
     CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR,
     CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, 1},
    {CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_Y,
     CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR,
     CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, 1},
    {CUDNN_ATTR_OPERATIONGRAPH_HANDLE, CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR,
     CUDNN_TYPE_HANDLE, 1, 1},
    /* A convolution and up to three pointwise operations after it. */
    {CUDNN_ATTR_OPERATIONGRAPH_OPS, CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR,
     CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, 4},
    {CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, CUDNN_BACKEND_TENSOR_DESCRIPTOR,
     CUDNN_TYPE_INT64, 1, 1},
    {CUDNN_ATTR_TENSOR_DATA_TYPE, CUDNN_BACKEND_TENSOR_DESCRIPTOR,
     CUDNN_TYPE_DATA_TYPE, 1, 1},
    {CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_BACKEND_TENSOR_DESCRIPTOR,
     CUDNN_TYPE_INT64, 1, MaxElements},
    {CUDNN_ATTR_TENSOR_STRIDES, CUDNN_BACKEND_TENSOR_DESCRIPTOR,
     CUDNN_TYPE_INT64, 1, MaxElements},
    {CUDNN_ATTR_TENSOR_UNIQUE_ID, CUDNN_BACKEND_TENSOR_DESCRIPTOR,
     CUDNN_TYPE_INT64, 1, 1},
    {CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS, CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR,
     CUDNN_TYPE_INT64, 1, MaxElements},
    {CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS,
     CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR, CUDNN_TYPE_VOID_PTR, 1,
     MaxElements},
    {CUDNN_ATTR_VARIANT_PACK_WORKSPACE, CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR,
     CUDNN_TYPE_VOID_PTR, 1, 1},
};
enum { NumAttributes = sizeof(attributes) / sizeof(attributes[0]) };

static size_t elementBytes(int type) {
  switch (type) {
  case CUDNN_TYPE_BOOLEAN:
    return sizeof(bool);
  case CUDNN_TYPE_POINTWISE_MODE:
  case CUDNN_TYPE_DATA_TYPE:
  case CUDNN_TYPE_FLOAT:
  case CUDNN_TYPE_CONVOLUTION_MODE:
  case CUDNN_TYPE_HEUR_MODE:
    return 4;
  default: /* INT64, pointers, handles, descriptors */
    return 8;
  }
}

/* An attribute's value as set. */
typedef struct Value {
  int64_t count; /* 0: not set */
  unsigned char bytes[MaxElements * 8];
} Value;

/* One backend descriptor. What a finalized one means is kept apart from
 * the attributes it was built from, so that destroying those first (as
 * the runtime may) changes nothing. */
typedef struct Descriptor {
  int type;
  bool finalized;
  Value values[NumAttributes];
  /* TENSOR */
  int dataType;
  bool isNchw, isNhwc; /* how its strides lay it out (both: either) */
  bool isVirtual;
  int64_t dims[4], uid, alignment;
  /* POINTWISE, and the OPERATION_POINTWISE made of it with its tensors X,
   * B (none: a copy of X) and Y */
  int mode;
  float upper;
  const struct Descriptor *pwX, *pwB, *pwY;
  /* CONVOLUTION */
  int64_t strides[2], dilations[2], pre[2], post[2];
  /* OPERATION (and the graph, heuristic, configuration, plan made from it):
   * the problem, without addresses, and each tensor's uid and alignment,
   * X, W, Y, B, Z (uid 0: none). */
  FakeConv problem;
  int64_t uids[5], alignments[5];
  /* ENGINECFG and EXECUTION_PLAN */
  int64_t engine, workspace;
  cudnnHandle_t handle;
  /* VARIANT_PACK */
  int64_t numBound;
  int64_t boundUids[MaxElements];
  unsigned long long boundPointers[MaxElements], boundWorkspace;
} Descriptor;

static int liveDescriptors;

static int findAttribute(int name) {
  for (int i = 0; i < NumAttributes; ++i)
    if (attributes[i].name == name)
      return i;
  return -1;
}

/* The value of attribute `name` of `d`, or NULL when it was not set. */
static const Value *valueOf(const Descriptor *d, int name) {
  const Value *v = &d->values[findAttribute(name)];
  return v->count ? v : NULL;
}

static int64_t int64At(const Value *v, int64_t i) {
  int64_t x;
  memcpy(&x, v->bytes + i * 8, sizeof(x));
  return x;
}

static int32_t int32Of(const Value *v) {
  int32_t x;
  memcpy(&x, v->bytes, sizeof(x));
  return x;
}

static void *pointerAt(const Value *v, int64_t i) {
  void *x;
  memcpy(&x, v->bytes + i * 8, sizeof(x));
  return x;
}

/* The finalized descriptor of `type` that attribute `name` of `d` names,
 * or NULL. */
static const Descriptor *operand(const Descriptor *d, int name, int type) {
  const Value *v = valueOf(d, name);
  const Descriptor *o = v ? pointerAt(v, 0) : NULL;
  return o && o->type == type && o->finalized ? o : NULL;
}

static const char *typeName(int dataType) {
  return dataType == CUDNN_DATA_BFLOAT16 ? "bfloat16"
         : dataType == CUDNN_DATA_HALF   ? "float16"
                                         : "other";
}

/*===-- Finalizing each kind of descriptor --------------------------------===*/

static cudnnStatus_t finalizeTensor(Descriptor *d) {
  const Value *type = valueOf(d, CUDNN_ATTR_TENSOR_DATA_TYPE);
  const Value *dims = valueOf(d, CUDNN_ATTR_TENSOR_DIMENSIONS);
  const Value *strides = valueOf(d, CUDNN_ATTR_TENSOR_STRIDES);
  const Value *uid = valueOf(d, CUDNN_ATTR_TENSOR_UNIQUE_ID);
  const Value *alignment = valueOf(d, CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT);
  if (!type || !dims || !strides || !uid || !alignment ||
      dims->count != strides->count)
    return BadParam;
  /* The fake reads 4-D dense tensors alone, NCHW or NHWC. */
  if (dims->count != 4)
    return NotSupported;
  for (int i = 0; i < 4; ++i)
    if ((d->dims[i] = int64At(dims, i)) < 1)
      return BadParam;
  const int64_t *n = d->dims;
  const int64_t nchw[4] = {n[1] * n[2] * n[3], n[2] * n[3], n[3], 1};
  const int64_t nhwc[4] = {n[1] * n[2] * n[3], 1, n[3] * n[1], n[1]};
  bool isNchw = true, isNhwc = true;
  for (int i = 0; i < 4; ++i) {
    isNchw &= int64At(strides, i) == nchw[i];
    isNhwc &= int64At(strides, i) == nhwc[i];
  }
  if (!isNchw && !isNhwc)
    return NotSupported;
  /* Both hold with one channel, or with 1x1 rows and columns. */
  d->isNchw = isNchw;
  d->isNhwc = isNhwc;
  d->dataType = int32Of(type);
  const Value *isVirtual = valueOf(d, CUDNN_ATTR_TENSOR_IS_VIRTUAL);
  d->isVirtual = isVirtual && isVirtual->bytes[0];
  d->uid = int64At(uid, 0);
  d->alignment = int64At(alignment, 0);
  if (d->alignment < 1 || (d->alignment & (d->alignment - 1)))
    return BadParam;
  return CUDNN_STATUS_SUCCESS;
}

static cudnnStatus_t finalizeConvolution(Descriptor *d) {
  const Value *spatial = valueOf(d, CUDNN_ATTR_CONVOLUTION_SPATIAL_DIMS);
  const Value *lists[4] = {valueOf(d, CUDNN_ATTR_CONVOLUTION_FILTER_STRIDES),
                           valueOf(d, CUDNN_ATTR_CONVOLUTION_DILATIONS),
                           valueOf(d, CUDNN_ATTR_CONVOLUTION_PRE_PADDINGS),
                           valueOf(d, CUDNN_ATTR_CONVOLUTION_POST_PADDINGS)};
  int64_t *fields[4] = {d->strides, d->dilations, d->pre, d->post};
  const Value *compute = valueOf(d, CUDNN_ATTR_CONVOLUTION_COMP_TYPE);
  const Value *mode = valueOf(d, CUDNN_ATTR_CONVOLUTION_CONV_MODE);
  if (!spatial || !compute || !mode)
    return BadParam;
  int64_t dims = int64At(spatial, 0);
  for (int l = 0; l < 4; ++l)
    if (!lists[l] || lists[l]->count != dims)
      return BadParam;
  /* Two spatial dimensions, f32 accumulation, no flipped kernel. */
  if (dims != 2 || int32Of(compute) != CUDNN_DATA_FLOAT ||
      int32Of(mode) != CUDNN_CROSS_CORRELATION)
    return NotSupported;
  for (int l = 0; l < 4; ++l)
    for (int i = 0; i < 2; ++i) {
      fields[l][i] = int64At(lists[l], i);
      if (fields[l][i] < (l < 2 ? 1 : 0))
        return BadParam;
    }
  return CUDNN_STATUS_SUCCESS;
}

static int64_t outputSize(int64_t input, int64_t kernel, int64_t stride,
                          int64_t dilation, int64_t pre, int64_t post) {
  return (input + pre + post - (kernel - 1) * dilation - 1) / stride + 1;
}

static cudnnStatus_t finalizeOperation(Descriptor *d) {
  int names[3] = {CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_X,
                  CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_W,
                  CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_Y};
  const Descriptor *t[3];
  for (int i = 0; i < 3; ++i)
    if (!(t[i] = operand(d, names[i], CUDNN_BACKEND_TENSOR_DESCRIPTOR)))
      return BadParam;
  const Descriptor *conv =
      operand(d, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_CONV_DESC,
              CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR);
  const Value *alpha =
      valueOf(d, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA);
  const Value *beta = valueOf(d, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_BETA);
  if (!conv || !alpha || !beta)
    return BadParam;
  float scales[2];
  memcpy(&scales[0], alpha->bytes, sizeof(float));
  memcpy(&scales[1], beta->bytes, sizeof(float));
  /* The fake computes Y = X ⋆ W, overwriting Y. */
  if (scales[0] != 1.0f || scales[1] != 0.0f)
    return NotSupported;
  /* Y is of X's type, or a virtual f32 tensor that an epilogue reads. */
  if (t[0]->dataType != t[1]->dataType ||
      (t[0]->dataType != t[2]->dataType &&
       !(t[2]->isVirtual && t[2]->dataType == CUDNN_DATA_FLOAT)))
    return BadParam;
  if (t[0]->isVirtual || t[1]->isVirtual)
    return BadParam;
  if (t[0]->dataType != CUDNN_DATA_HALF &&
      t[0]->dataType != CUDNN_DATA_BFLOAT16)
    return NotSupported;
  if (t[0]->uid == t[1]->uid || t[0]->uid == t[2]->uid ||
      t[1]->uid == t[2]->uid)
    return BadParam;
  /* One layout for all three, as the fake computes. */
  bool nchw = t[0]->isNchw && t[1]->isNchw && t[2]->isNchw;
  bool nhwc = t[0]->isNhwc && t[1]->isNhwc && t[2]->isNhwc;
  if (!nchw && !nhwc)
    return NotSupported;
  const int64_t *x = t[0]->dims, *w = t[1]->dims, *y = t[2]->dims;
  /* As cuDNN: the groups are X's channels / W's, and divide the filters. */
  if (y[0] != x[0] || y[1] != w[0] || x[1] % w[1] != 0 ||
      w[0] % (x[1] / w[1]) != 0)
    return BadParam;
  for (int i = 0; i < 2; ++i)
    if (y[2 + i] < 1 ||
        y[2 + i] != outputSize(x[2 + i], w[2 + i], conv->strides[i],
                               conv->dilations[i], conv->pre[i], conv->post[i]))
      return BadParam;
  memset(&d->problem, 0, sizeof(d->problem));
  d->problem.type = t[0]->dataType;
  d->problem.nhwc = !nchw;
  memcpy(d->problem.x, x, sizeof(d->problem.x));
  memcpy(d->problem.w, w, sizeof(d->problem.w));
  memcpy(d->problem.y, y, sizeof(d->problem.y));
  memcpy(d->problem.strides, conv->strides, sizeof(conv->strides));
  memcpy(d->problem.dilations, conv->dilations, sizeof(conv->dilations));
  memcpy(d->problem.pre, conv->pre, sizeof(conv->pre));
  memcpy(d->problem.post, conv->post, sizeof(conv->post));
  memset(d->uids, 0, sizeof(d->uids));
  for (int i = 0; i < 3; ++i) {
    d->uids[i] = t[i]->uid;
    d->alignments[i] = t[i]->alignment;
  }
  return CUDNN_STATUS_SUCCESS;
}

static cudnnStatus_t finalizePointwise(Descriptor *d) {
  const Value *mode = valueOf(d, CUDNN_ATTR_POINTWISE_MODE);
  const Value *precision = valueOf(d, CUDNN_ATTR_POINTWISE_MATH_PREC);
  const Value *lower = valueOf(d, CUDNN_ATTR_POINTWISE_RELU_LOWER_CLIP);
  const Value *upper = valueOf(d, CUDNN_ATTR_POINTWISE_RELU_UPPER_CLIP);
  if (!mode || !precision)
    return BadParam;
  d->mode = int32Of(mode);
  /* The fake computes additions and ReLUs clipped below at 0, in f32. */
  if ((d->mode != CUDNN_POINTWISE_ADD && d->mode != CUDNN_POINTWISE_RELU_FWD) ||
      int32Of(precision) != CUDNN_DATA_FLOAT)
    return NotSupported;
  float clip = 0.0f;
  if (lower)
    memcpy(&clip, lower->bytes, sizeof(clip));
  if (clip != 0.0f)
    return NotSupported;
  d->upper = INFINITY;
  if (upper)
    memcpy(&d->upper, upper->bytes, sizeof(d->upper));
  return CUDNN_STATUS_SUCCESS;
}

static cudnnStatus_t finalizePointwiseOperation(Descriptor *d) {
  const Descriptor *pw =
      operand(d, CUDNN_ATTR_OPERATION_POINTWISE_PW_DESCRIPTOR,
              CUDNN_BACKEND_POINTWISE_DESCRIPTOR);
  d->pwX = operand(d, CUDNN_ATTR_OPERATION_POINTWISE_XDESC,
                   CUDNN_BACKEND_TENSOR_DESCRIPTOR);
  d->pwB = operand(d, CUDNN_ATTR_OPERATION_POINTWISE_BDESC,
                   CUDNN_BACKEND_TENSOR_DESCRIPTOR);
  d->pwY = operand(d, CUDNN_ATTR_OPERATION_POINTWISE_YDESC,
                   CUDNN_BACKEND_TENSOR_DESCRIPTOR);
  if (!pw || !d->pwX || !d->pwY ||
      (pw->mode == CUDNN_POINTWISE_ADD) != (d->pwB != NULL))
    return BadParam;
  d->mode = pw->mode;
  d->upper = pw->upper;
  return CUDNN_STATUS_SUCCESS;
}

static bool sameDims(const int64_t a[4], const int64_t b[4]) {
  return memcmp(a, b, 4 * sizeof(int64_t)) == 0;
}

/* Adds pointwise operation `op` (the `index`-th after the convolution) to
 * the problem of graph `d`, whose value so far is `value`; the fake
 * computes + bias, + residual, ReLU, each at most once, in that order. */
static cudnnStatus_t addEpilogue(Descriptor *d, const Descriptor *op,
                                 const Descriptor *value, bool last) {
  FakeConv *p = &d->problem;
  const Descriptor *x = op->pwX, *b = op->pwB, *y = op->pwY;
  if (x->uid != value->uid || !value->isVirtual ||
      value->dataType != CUDNN_DATA_FLOAT || !sameDims(y->dims, p->y) ||
      y->isVirtual == last)
    return BadParam;
  if (last && (y->dataType != p->type || !(p->nhwc ? y->isNhwc : y->isNchw)))
    return BadParam;
  if (!last && y->dataType != CUDNN_DATA_FLOAT)
    return NotSupported;
  if (op->mode == CUDNN_POINTWISE_RELU_FWD) {
    if (p->hasRelu)
      return NotSupported;
    p->hasRelu = 1;
    p->reluUpper = op->upper;
    return CUDNN_STATUS_SUCCESS;
  }
  if (b->isVirtual || p->hasRelu)
    return NotSupported;
  const int64_t bias[4] = {1, p->y[1], 1, 1};
  if (sameDims(b->dims, bias) && !p->hasBias && !p->hasResidual &&
      (b->dataType == CUDNN_DATA_FLOAT || b->dataType == p->type)) {
    p->hasBias = 1;
    p->biasType = b->dataType;
    d->uids[3] = b->uid;
    d->alignments[3] = b->alignment;
    return CUDNN_STATUS_SUCCESS;
  }
  if (sameDims(b->dims, p->y) && !p->hasResidual && b->dataType == p->type &&
      (p->nhwc ? b->isNhwc : b->isNchw)) {
    p->hasResidual = 1;
    d->uids[4] = b->uid;
    d->alignments[4] = b->alignment;
    return CUDNN_STATUS_SUCCESS;
  }
  return NotSupported;
}

/* Copies the problem of the finalized descriptor `from` into `to`. */
static void inherit(Descriptor *to, const Descriptor *from) {
  to->problem = from->problem;
  memcpy(to->uids, from->uids, sizeof(to->uids));
  memcpy(to->alignments, from->alignments, sizeof(to->alignments));
}

static cudnnStatus_t finalizeGraph(Descriptor *d) {
  const Value *ops = valueOf(d, CUDNN_ATTR_OPERATIONGRAPH_OPS);
  const Descriptor *op =
      operand(d, CUDNN_ATTR_OPERATIONGRAPH_OPS,
              CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR);
  const Value *handle = valueOf(d, CUDNN_ATTR_OPERATIONGRAPH_HANDLE);
  if (!op || !handle || !pointerAt(handle, 0))
    return BadParam;
  inherit(d, op);
  /* The convolution's Y, which the epilogue's operations read in turn. */
  const Descriptor *value =
      operand(op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_Y,
              CUDNN_BACKEND_TENSOR_DESCRIPTOR);
  for (int64_t i = 1; i < ops->count; ++i) {
    const Descriptor *pw = pointerAt(ops, i);
    if (!pw || pw->type != CUDNN_BACKEND_OPERATION_POINTWISE_DESCRIPTOR ||
        !pw->finalized)
      return BadParam;
    cudnnStatus_t status = addEpilogue(d, pw, value, i == ops->count - 1);
    if (status != CUDNN_STATUS_SUCCESS)
      return status;
    value = pw->pwY;
  }
  /* What the graph writes: the convolution's Y or the last operation's. */
  if (value->isVirtual)
    return BadParam;
  d->uids[2] = value->uid;
  d->alignments[2] = value->alignment;
  d->handle = pointerAt(handle, 0);
  return CUDNN_STATUS_SUCCESS;
}

static cudnnStatus_t finalizeHeuristic(Descriptor *d) {
  const Descriptor *graph = operand(d, CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH,
                                    CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR);
  const Value *mode = valueOf(d, CUDNN_ATTR_ENGINEHEUR_MODE);
  if (!graph || !mode)
    return BadParam;
  inherit(d, graph);
  d->handle = graph->handle;
  return CUDNN_STATUS_SUCCESS;
}

static cudnnStatus_t finalizePlan(Descriptor *d) {
  const Descriptor *config = operand(d, CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG,
                                     CUDNN_BACKEND_ENGINECFG_DESCRIPTOR);
  const Value *handle = valueOf(d, CUDNN_ATTR_EXECUTION_PLAN_HANDLE);
  if (!config || !handle || pointerAt(handle, 0) != config->handle)
    return BadParam;
  if (fake_cuda_knob("FAKE_CUDNN_NO_ENGINE", 0) ||
      config->engine < fake_cuda_knob("FAKE_CUDNN_FIRST_ENGINE", 0)) {
    char line[64];
    snprintf(line, sizeof(line), "cudnn plan engine %lld: not supported",
             (long long)config->engine);
    fake_cuda_say(line);
    return NotSupported;
  }
  inherit(d, config);
  d->handle = config->handle;
  d->engine = config->engine;
  const int64_t *y = d->problem.y;
  d->workspace = 64 * y[0] * y[1] * y[2] * y[3];
  const FakeConv *p = &d->problem;
  char epilogue[128] = "", upper[32] = "";
  if (p->hasRelu && p->reluUpper < INFINITY)
    snprintf(upper, sizeof(upper), " clipped at %g", (double)p->reluUpper);
  if (p->hasBias || p->hasResidual || p->hasRelu)
    snprintf(
        epilogue, sizeof(epilogue), "; epilogue%s%s%s%s%s",
        p->hasBias ? " + bias " : "",
        p->hasBias ? (p->biasType == CUDNN_DATA_FLOAT ? "float32"
                                                      : typeName(p->biasType))
                   : "",
        p->hasResidual ? " + residual" : "", p->hasRelu ? ", relu" : "", upper);
  char line[448];
  snprintf(
      line, sizeof(line),
      "cudnn plan engine %lld: X %lldx%lldx%lldx%lld, W "
      "%lldx%lldx%lldx%lld, Y %lldx%lldx%lldx%lld %s%s; strides %lldx%lld, "
      "dilations %lldx%lld, pads %lld,%lld before %lld,%lld after; "
      "aligned to %lld %lld %lld bytes; workspace %lld bytes%s",
      (long long)d->engine, (long long)p->x[0], (long long)p->x[1],
      (long long)p->x[2], (long long)p->x[3], (long long)p->w[0],
      (long long)p->w[1], (long long)p->w[2], (long long)p->w[3],
      (long long)p->y[0], (long long)p->y[1], (long long)p->y[2],
      (long long)p->y[3], typeName(p->type), p->nhwc ? " NHWC" : "",
      (long long)p->strides[0], (long long)p->strides[1],
      (long long)p->dilations[0], (long long)p->dilations[1],
      (long long)p->pre[0], (long long)p->pre[1], (long long)p->post[0],
      (long long)p->post[1], (long long)d->alignments[0],
      (long long)d->alignments[1], (long long)d->alignments[2],
      (long long)d->workspace, epilogue);
  fake_cuda_say(line);
  return CUDNN_STATUS_SUCCESS;
}

static cudnnStatus_t finalizePack(Descriptor *d) {
  const Value *uids = valueOf(d, CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS);
  const Value *pointers = valueOf(d, CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS);
  const Value *workspace = valueOf(d, CUDNN_ATTR_VARIANT_PACK_WORKSPACE);
  if (!uids || !pointers || uids->count != pointers->count)
    return BadParam;
  d->numBound = uids->count;
  for (int64_t i = 0; i < d->numBound; ++i) {
    d->boundUids[i] = int64At(uids, i);
    d->boundPointers[i] = (uintptr_t)pointerAt(pointers, i);
  }
  d->boundWorkspace = workspace ? (uintptr_t)pointerAt(workspace, 0) : 0;
  return CUDNN_STATUS_SUCCESS;
}

/*===-- The API -----------------------------------------------------------===*/

size_t cudnnGetVersion(void) { return 91900; }

const char *cudnnGetErrorString(cudnnStatus_t status) {
  switch (status) {
  case CUDNN_STATUS_SUCCESS:
    return "CUDNN_STATUS_SUCCESS";
  case BadParam:
    return "CUDNN_STATUS_BAD_PARAM";
  case NotSupported:
    return "CUDNN_STATUS_NOT_SUPPORTED";
  case InternalError:
    return "CUDNN_STATUS_INTERNAL_ERROR";
  case ExecutionFailed:
    return "CUDNN_STATUS_EXECUTION_FAILED";
  default:
    return "CUDNN_STATUS_UNKNOWN";
  }
}

cudnnStatus_t cudnnCreate(cudnnHandle_t *handle) {
  *handle = calloc(1, sizeof(**handle));
  if (!*handle)
    return InternalError;
  fake_cuda_say("cudnnCreate");
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnDestroy(cudnnHandle_t handle) {
  char line[64];
  snprintf(line, sizeof(line), "cudnnDestroy, %d descriptors live",
           liveDescriptors);
  fake_cuda_say(line);
  free(handle);
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetStream(cudnnHandle_t handle, CUstream stream) {
  if (!handle)
    return BadParam;
  handle->stream = stream;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnBackendCreateDescriptor(int type,
                                           cudnnBackendDescriptor_t *out) {
  switch (type) {
  case CUDNN_BACKEND_POINTWISE_DESCRIPTOR:
  case CUDNN_BACKEND_OPERATION_POINTWISE_DESCRIPTOR:
  case CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR:
  case CUDNN_BACKEND_ENGINECFG_DESCRIPTOR:
  case CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR:
  case CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR:
  case CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR:
  case CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR:
  case CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR:
  case CUDNN_BACKEND_TENSOR_DESCRIPTOR:
    break;
  default:
    return NotSupported;
  }
  Descriptor *d = calloc(1, sizeof(*d));
  if (!d)
    return InternalError;
  d->type = type;
  ++liveDescriptors;
  *out = d;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnBackendDestroyDescriptor(cudnnBackendDescriptor_t handle) {
  if (!handle)
    return BadParam;
  --liveDescriptors;
  free(handle);
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnBackendSetAttribute(cudnnBackendDescriptor_t handle,
                                       int name, int type, int64_t count,
                                       const void *values) {
  Descriptor *d = handle;
  int a = findAttribute(name);
  if (!d || !values || d->finalized || a < 0 ||
      attributes[a].owner != d->type || attributes[a].type != type ||
      count < attributes[a].min || count > attributes[a].max)
    return BadParam;
  d->values[a].count = count;
  memcpy(d->values[a].bytes, values, (size_t)count * elementBytes(type));
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnBackendFinalize(cudnnBackendDescriptor_t handle) {
  Descriptor *d = handle;
  if (!d || d->finalized)
    return BadParam;
  cudnnStatus_t status;
  switch (d->type) {
  case CUDNN_BACKEND_TENSOR_DESCRIPTOR:
    status = finalizeTensor(d);
    break;
  case CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR:
    status = finalizeConvolution(d);
    break;
  case CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR:
    status = finalizeOperation(d);
    break;
  case CUDNN_BACKEND_POINTWISE_DESCRIPTOR:
    status = finalizePointwise(d);
    break;
  case CUDNN_BACKEND_OPERATION_POINTWISE_DESCRIPTOR:
    status = finalizePointwiseOperation(d);
    break;
  case CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR:
    status = finalizeGraph(d);
    break;
  case CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR:
    status = finalizeHeuristic(d);
    break;
  case CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR:
    status = finalizePlan(d);
    break;
  case CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR:
    status = finalizePack(d);
    break;
  default: /* an engine configuration comes from a heuristic */
    status = BadParam;
  }
  d->finalized = status == CUDNN_STATUS_SUCCESS;
  return status;
}

/* The heuristic's results: up to `requested` configurations written into
 * the caller's (created, not finalized) engine-configuration descriptors;
 * like cuDNN, `*count` is how many there are, which may be more. */
static cudnnStatus_t rankEngines(const Descriptor *heuristic, int64_t requested,
                                 int64_t *count, void *out) {
  int64_t engines = fake_cuda_knob("FAKE_CUDNN_ENGINES", 3);
  cudnnBackendDescriptor_t *configs = out;
  for (int64_t i = 0; i < requested && i < engines; ++i) {
    Descriptor *config = configs[i];
    if (!config || config->type != CUDNN_BACKEND_ENGINECFG_DESCRIPTOR ||
        config->finalized)
      return BadParam;
    inherit(config, heuristic);
    config->handle = heuristic->handle;
    config->engine = i;
    config->finalized = true;
  }
  *count = engines;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnBackendGetAttribute(cudnnBackendDescriptor_t handle,
                                       int name, int type, int64_t requested,
                                       int64_t *count, void *values) {
  const Descriptor *d = handle;
  if (!d || !count || requested < 0 || (requested > 0 && !values))
    return BadParam;
  if (name == CUDNN_ATTR_ENGINEHEUR_RESULTS) {
    if (d->type != CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR || !d->finalized ||
        type != CUDNN_TYPE_BACKEND_DESCRIPTOR)
      return BadParam;
    return rankEngines(d, requested, count, values);
  }
  if (name == CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE) {
    if (d->type != CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR || !d->finalized ||
        type != CUDNN_TYPE_INT64)
      return BadParam;
    if (requested > 0)
      memcpy(values, &d->workspace, sizeof(d->workspace));
    *count = 1;
    return CUDNN_STATUS_SUCCESS;
  }
  /* Anything else reads back what was set. */
  int a = findAttribute(name);
  if (a < 0 || attributes[a].owner != d->type || attributes[a].type != type)
    return BadParam;
  const Value *v = &d->values[a];
  int64_t copied = requested < v->count ? requested : v->count;
  if (copied > 0)
    memcpy(values, v->bytes, (size_t)copied * elementBytes(type));
  *count = v->count;
  return CUDNN_STATUS_SUCCESS;
}

static int64_t elements(const int64_t dims[4]) {
  return dims[0] * dims[1] * dims[2] * dims[3];
}

cudnnStatus_t cudnnBackendExecute(cudnnHandle_t handle,
                                  cudnnBackendDescriptor_t planHandle,
                                  cudnnBackendDescriptor_t packHandle) {
  const Descriptor *plan = planHandle, *pack = packHandle;
  if (!handle || !plan || !pack ||
      plan->type != CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR ||
      pack->type != CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR || !plan->finalized ||
      !pack->finalized || plan->handle != handle)
    return BadParam;
  FakeConv conv = plan->problem;
  unsigned long long *pointers[5] = {&conv.px, &conv.pw, &conv.py, &conv.pb,
                                     &conv.pz};
  /* Every element is 2 bytes (HALF or BFLOAT16), but a float32 bias's. */
  unsigned long long bytes[5] = {
      (unsigned long long)elements(conv.x) * 2,
      (unsigned long long)elements(conv.w) * 2,
      (unsigned long long)elements(conv.y) * 2,
      (unsigned long long)conv.y[1] *
          (conv.biasType == CUDNN_DATA_FLOAT ? 4 : 2),
      (unsigned long long)elements(conv.y) * 2};
  for (int t = 0; t < 5; ++t) {
    if (plan->uids[t] == 0)
      continue;
    int64_t b = 0;
    while (b < pack->numBound && pack->boundUids[b] != plan->uids[t])
      ++b;
    if (b == pack->numBound)
      return BadParam;
    unsigned long long address = pack->boundPointers[b];
    if (address % (unsigned long long)plan->alignments[t] != 0 ||
        fake_cuda_device_bytes(address) < bytes[t])
      return BadParam;
    *pointers[t] = address;
  }
  if (fake_cuda_knob("FAKE_CUDNN_FAIL_EXECUTE", 0))
    return ExecutionFailed;
  conv.workspace = pack->boundWorkspace;
  if (plan->workspace > 0 && fake_cuda_device_bytes(conv.workspace) <
                                 (unsigned long long)plan->workspace)
    return BadParam;
  return fake_cuda_issue_conv(handle->stream, &conv) == 0 ? CUDNN_STATUS_SUCCESS
                                                          : InternalError;
}

/*===-- The computation ---------------------------------------------------===*/

static float fromBfloat16(uint16_t bits) {
  uint32_t wide = (uint32_t)bits << 16;
  float value;
  memcpy(&value, &wide, sizeof(value));
  return value;
}

/* Rounded to nearest, ties to even. */
static uint16_t toBfloat16(float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof(bits));
  if ((bits & 0x7fffffffu) > 0x7f800000u) /* NaN stays NaN */
    return (uint16_t)((bits >> 16) | 0x40);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return (uint16_t)(bits >> 16);
}

static float fromHalf(uint16_t bits) {
  uint32_t sign = (uint32_t)(bits >> 15) << 31;
  uint32_t exponent = (bits >> 10) & 0x1fu, mantissa = bits & 0x3ffu;
  float magnitude;
  if (exponent == 0) /* zero or subnormal: mantissa * 2^-24 */
    magnitude = (float)mantissa * 0x1p-24f;
  else if (exponent == 31) {
    uint32_t wide = 0x7f800000u | (mantissa << 13);
    memcpy(&magnitude, &wide, sizeof(magnitude));
  } else {
    uint32_t wide = ((exponent + 112) << 23) | (mantissa << 13);
    memcpy(&magnitude, &wide, sizeof(magnitude));
  }
  uint32_t wide;
  memcpy(&wide, &magnitude, sizeof(wide));
  wide |= sign;
  float value;
  memcpy(&value, &wide, sizeof(value));
  return value;
}

/* Rounded to nearest, ties to even; beyond the largest half, infinity. */
static uint16_t toHalf(float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof(bits));
  uint16_t sign = (uint16_t)((bits >> 16) & 0x8000u);
  uint32_t magnitude = bits & 0x7fffffffu;
  if (magnitude > 0x7f800000u) /* NaN */
    return sign | 0x7e00u;
  if (magnitude >= 0x47800000u) /* 65536 and up, or infinity */
    return sign | 0x7c00u;
  if (magnitude < 0x38800000u) { /* below 2^-14: subnormal or zero */
    float scaled;
    memcpy(&scaled, &magnitude, sizeof(scaled));
    /* Units of 2^-24; the float addition rounds to nearest even. */
    scaled = scaled * 0x1p24f + 0x1p23f;
    uint32_t wide;
    memcpy(&wide, &scaled, sizeof(wide));
    return sign | (uint16_t)(wide - 0x4b000000u);
  }
  /* Rebias the exponent (127 -> 15) and round off 13 mantissa bits; a
   * carry into the exponent is the right result, up to infinity. */
  magnitude += 0xfffu + ((magnitude >> 13) & 1u) - (112u << 23);
  return sign | (uint16_t)(magnitude >> 13);
}

static float load(int type, const uint16_t *base, int64_t i) {
  return type == CUDNN_DATA_BFLOAT16 ? fromBfloat16(base[i])
                                     : fromHalf(base[i]);
}

/* Where element (n, c, h, w) of a tensor of `dims` (cuDNN's order) is. */
static int64_t offset(const int64_t dims[4], int nhwc, int64_t n, int64_t c,
                      int64_t h, int64_t w) {
  return nhwc ? ((n * dims[2] + h) * dims[3] + w) * dims[1] + c
              : ((n * dims[1] + c) * dims[2] + h) * dims[3] + w;
}

void fake_cudnn_compute(const FakeConv *c) {
  const uint16_t *x = (const uint16_t *)(uintptr_t)c->px;
  const uint16_t *w = (const uint16_t *)(uintptr_t)c->pw;
  uint16_t *y = (uint16_t *)(uintptr_t)c->py;
  const float *bias32 = (const float *)(uintptr_t)c->pb;
  const uint16_t *bias = (const uint16_t *)(uintptr_t)c->pb;
  const uint16_t *z = (const uint16_t *)(uintptr_t)c->pz;
  int64_t channels = c->x[1], height = c->x[2], width = c->x[3];
  int64_t kh = c->w[2], kw = c->w[3];
  /* Filter f reads the w[1] channels of its group. */
  int64_t perGroup = c->w[1], filtersPerGroup = c->w[0] / (channels / perGroup);
  for (int64_t n = 0; n < c->y[0]; ++n)
    for (int64_t f = 0; f < c->y[1]; ++f)
      for (int64_t oh = 0; oh < c->y[2]; ++oh)
        for (int64_t ow = 0; ow < c->y[3]; ++ow) {
          float sum = 0;
          for (int64_t g = 0; g < perGroup; ++g)
            for (int64_t r = 0; r < kh; ++r)
              for (int64_t s = 0; s < kw; ++s) {
                int64_t ih =
                    oh * c->strides[0] + r * c->dilations[0] - c->pre[0];
                int64_t iw =
                    ow * c->strides[1] + s * c->dilations[1] - c->pre[1];
                if (ih < 0 || ih >= height || iw < 0 || iw >= width)
                  continue; /* the zero padding */
                int64_t ch = f / filtersPerGroup * perGroup + g;
                sum += load(c->type, x, offset(c->x, c->nhwc, n, ch, ih, iw)) *
                       load(c->type, w, offset(c->w, c->nhwc, f, g, r, s));
              }
          int64_t at = offset(c->y, c->nhwc, n, f, oh, ow);
          if (c->hasBias)
            sum += c->biasType == CUDNN_DATA_FLOAT ? bias32[f]
                                                   : load(c->biasType, bias, f);
          if (c->hasResidual)
            sum += load(c->type, z, at);
          if (c->hasRelu)
            sum = sum < 0.0f ? 0.0f : sum > c->reluUpper ? c->reluUpper : sum;
          y[at] =
              c->type == CUDNN_DATA_BFLOAT16 ? toBfloat16(sum) : toHalf(sum);
        }
}
