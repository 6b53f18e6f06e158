/*===- image_check.c - validate a CUDA device image -----------------------===*\
 *
 * The image comes from the compiler, but a shared library can be stale or
 * foreign. Checking its tables once, before any GPU work, lets the rest of
 * the CUDA session trust every index and keeps a bad offset from becoming a
 * kernel writing outside its buffer.
 *
\*===----------------------------------------------------------------------===*/

#include "../session_impl.h"
#include "cuda_session.h"

#include <math.h>
#include <string.h>

static uint64_t tensorBytes(const autoglm_tensor_desc *desc) {
  return (uint64_t)autoglm_num_elements(desc->rank, desc->shape) *
         autoglm_dtype_size(desc->dtype);
}

uint64_t autoglm_cuda_buffer_bytes(const autoglm_model_desc *model,
                                   const autoglm_cuda_arg *arg) {
  const autoglm_cuda_image *image = model->device_image;
  switch (arg->kind) {
  case AUTOGLM_CUDA_ARG_INPUT:
    return tensorBytes(&model->inputs[arg->index]);
  case AUTOGLM_CUDA_ARG_OUTPUT:
    return tensorBytes(&model->outputs[arg->index]);
  case AUTOGLM_CUDA_ARG_WEIGHTS:
    return image->weights_bytes ? image->weights_bytes : model->weights_bytes;
  case AUTOGLM_CUDA_ARG_WORKSPACE:
    return model->workspace_bytes;
  default:
    return 0;
  }
}

static bool isBuffer(int32_t kind) {
  return kind >= AUTOGLM_CUDA_ARG_INPUT && kind <= AUTOGLM_CUDA_ARG_WORKSPACE;
}

static const char *argKindName(int32_t kind) {
  switch (kind) {
#define AUTOGLM_CUDA_ARG_NAME(name, code, text)                                \
  case code:                                                                   \
    return text;
    AUTOGLM_CUDA_ARGS(AUTOGLM_CUDA_ARG_NAME)
#undef AUTOGLM_CUDA_ARG_NAME
  default:
    return "unknown";
  }
}

static void stepPrefix(autoglm_message *message,
                       const autoglm_model_desc *model, int32_t index,
                       const autoglm_cuda_step *step) {
  autoglm_message_appendf(message, "model '%s': step %d",
                          autoglm_model_name(model), index);
  if (step->nodes && *step->nodes)
    autoglm_message_appendf(message, " (ONNX nodes '%s')", step->nodes);
  autoglm_message_appendf(message, ": ");
}

/* `needed` more bytes must fit after the argument's offset. */
static autoglm_status checkArg(const autoglm_model_desc *model, int32_t index,
                               const autoglm_cuda_step *step, int32_t argIndex,
                               uint64_t needed, autoglm_message *message) {
  const autoglm_cuda_arg *arg = &step->args[argIndex];
  if (arg->kind < AUTOGLM_CUDA_ARG_INPUT || arg->kind > AUTOGLM_CUDA_ARG_I64) {
    stepPrefix(message, model, index, step);
    autoglm_message_appendf(message, "argument %d has unknown kind %d",
                            argIndex, arg->kind);
    return AUTOGLM_ERROR_INVALID_MODEL;
  }
  if (!isBuffer(arg->kind))
    return AUTOGLM_OK;
  int32_t count = arg->kind == AUTOGLM_CUDA_ARG_INPUT    ? model->num_inputs
                  : arg->kind == AUTOGLM_CUDA_ARG_OUTPUT ? model->num_outputs
                                                         : 1;
  if (arg->index < 0 || arg->index >= count) {
    stepPrefix(message, model, index, step);
    autoglm_message_appendf(message, "argument %d is %s %d, the model has %d",
                            argIndex, argKindName(arg->kind), arg->index,
                            count);
    return AUTOGLM_ERROR_INVALID_MODEL;
  }
  uint64_t size = autoglm_cuda_buffer_bytes(model, arg);
  if (arg->value > size || needed > size - arg->value) {
    stepPrefix(message, model, index, step);
    autoglm_message_appendf(message,
                            "argument %d reaches byte %llu of the %s buffer, "
                            "which has %llu",
                            argIndex, (unsigned long long)arg->value + needed,
                            argKindName(arg->kind), (unsigned long long)size);
    return AUTOGLM_ERROR_INVALID_MODEL;
  }
  return AUTOGLM_OK;
}

static bool isGemmType(int32_t dtype) {
  return dtype == AUTOGLM_FLOAT32 || dtype == AUTOGLM_FLOAT16 ||
         dtype == AUTOGLM_BFLOAT16;
}

/* The element types of a gemm: a and b of one float type, d of it or
 * float32; int8 a and b into int32 d; or fp8 (E4M3) a and b into a float
 * d. */
static bool isGemmTypes(const autoglm_cuda_gemm *g) {
  if (g->a_type == AUTOGLM_INT8)
    return g->b_type == AUTOGLM_INT8 && g->d_type == AUTOGLM_INT32;
  if (g->a_type == AUTOGLM_FLOAT8E4M3FN)
    return g->b_type == AUTOGLM_FLOAT8E4M3FN && isGemmType(g->d_type);
  return isGemmType(g->a_type) && g->b_type == g->a_type &&
         (g->d_type == g->a_type || g->d_type == AUTOGLM_FLOAT32);
}

/* The bytes from a matrix's first element to one past its last: `batch`
 * matrices `stride` elements apart of `rows` x `cols` stored `ld` apart
 * (by rows; by columns swap rows and cols). */
static uint64_t matrixBytes(int64_t rows, int64_t cols, int64_t ld,
                            int64_t batch, int64_t stride, int32_t dtype) {
  uint64_t elements = (uint64_t)(rows - 1) * (uint64_t)ld + (uint64_t)cols +
                      (uint64_t)(batch - 1) * (uint64_t)stride;
  return elements * autoglm_dtype_size(dtype);
}

/* A library step's three arguments: each a buffer that holds `needed[a]`
 * bytes from its offset. */
static autoglm_status checkLibraryArgs(const autoglm_model_desc *model,
                                       int32_t index,
                                       const autoglm_cuda_step *step,
                                       const uint64_t *needed,
                                       autoglm_message *message) {
  for (int32_t a = 0; a < step->num_args; ++a)
    if (!isBuffer(step->args[a].kind)) {
      stepPrefix(message, model, index, step);
      autoglm_message_appendf(message, "argument %d is not a buffer", a);
      return AUTOGLM_ERROR_INVALID_MODEL;
    }
  for (int32_t a = 0; a < step->num_args; ++a) {
    autoglm_status status = checkArg(model, index, step, a, needed[a], message);
    if (status != AUTOGLM_OK)
      return status;
  }
  return AUTOGLM_OK;
}

static autoglm_status checkGemm(const autoglm_model_desc *model, int32_t index,
                                const autoglm_cuda_step *step,
                                autoglm_message *message) {
  const autoglm_cuda_image *image = model->device_image;
  const autoglm_cuda_gemm *g = step->gemm;
  const char *problem = NULL;
  if (step->num_args != 3 || !g)
    problem = "a gemm takes three buffer arguments (D, A, B) and a "
              "description";
  else if (!isGemmTypes(g))
    problem = "its element types are not ones a gemm computes";
  else if (image->version >= 8 && !isfinite(g->alpha))
    problem = "its alpha is not a finite number";
  else if (g->m < 1 || g->n < 1 || g->k < 1 || g->batch < 1 ||
           g->stride_a < 0 || g->stride_b < 0 || g->stride_d < 0 ||
           g->m > INT32_MAX || g->n > INT32_MAX || g->k > INT32_MAX ||
           g->batch > INT32_MAX)
    problem = "its sizes are out of range";
  else if (g->ldd < g->n || g->lda < (g->transpose_a ? g->m : g->k) ||
           g->ldb < (g->transpose_b ? g->k : g->n))
    problem = "a leading dimension is shorter than its rows";
  if (problem) {
    stepPrefix(message, model, index, step);
    autoglm_message_appendf(message, "%s", problem);
    return AUTOGLM_ERROR_INVALID_MODEL;
  }
  uint64_t needed[3] = {
      matrixBytes(g->m, g->n, g->ldd, g->batch, g->stride_d, g->d_type),
      g->transpose_a
          ? matrixBytes(g->k, g->m, g->lda, g->batch, g->stride_a, g->a_type)
          : matrixBytes(g->m, g->k, g->lda, g->batch, g->stride_a, g->a_type),
      g->transpose_b
          ? matrixBytes(g->n, g->k, g->ldb, g->batch, g->stride_b, g->b_type)
          : matrixBytes(g->k, g->n, g->ldb, g->batch, g->stride_b, g->b_type)};
  return checkLibraryArgs(model, index, step, needed, message);
}

/* The output size of one spatial dimension of a convolution, or -1 when
 * the kernel does not fit the padded input. */
static int64_t convOutput(int64_t input, int64_t kernel, int64_t stride,
                          int64_t dilation, int64_t before, int64_t after) {
  int64_t span = (kernel - 1) * dilation + 1, padded = input + before + after;
  return padded < span ? -1 : (padded - span) / stride + 1;
}

/* Bounded so that the output sizes and the tensors' byte counts computed
 * from them cannot overflow. */
static bool inRange(int64_t value, int64_t min) {
  return value >= min && value <= INT32_MAX;
}

static autoglm_status checkConv(const autoglm_model_desc *model, int32_t index,
                                const autoglm_cuda_step *step,
                                autoglm_message *message) {
  const autoglm_cuda_conv *c = step->conv;
  const char *problem = NULL;
  uint64_t element = 0;
  int64_t shapes[3][4]; /* Y, X, W */
  int32_t epilogue =
      c ? autoglm_cuda_conv_epilogue_flags(model->device_image, c) : 0;
  if (!c || step->num_args != autoglm_cuda_conv_num_args(epilogue))
    problem = "a convolution takes a description and three buffer arguments "
              "(Y, X, W), then its bias and its residual when its epilogue "
              "adds them";
  else if (c->type != AUTOGLM_FLOAT16 && c->type != AUTOGLM_BFLOAT16)
    problem = "its element type is not float16 or bfloat16";
  else if (epilogue & ~(AUTOGLM_CUDA_CONV_BIAS | AUTOGLM_CUDA_CONV_RESIDUAL |
                        AUTOGLM_CUDA_CONV_RELU))
    problem = "its epilogue has unknown flags";
  else if ((epilogue & AUTOGLM_CUDA_CONV_BIAS) &&
           c->bias_type != AUTOGLM_FLOAT32 && c->bias_type != c->type)
    problem = "its bias is neither float32 nor of its element type";
  else if ((epilogue & AUTOGLM_CUDA_CONV_RELU) && !(c->relu_upper > 0))
    problem = "its ReLU's upper clip is not positive";
  else if (autoglm_cuda_conv_layout(model->device_image, c) !=
               AUTOGLM_CUDA_LAYOUT_NCHW &&
           autoglm_cuda_conv_layout(model->device_image, c) !=
               AUTOGLM_CUDA_LAYOUT_NHWC)
    problem = "its layout is neither NCHW nor NHWC";
  else if (!inRange(c->batch, 1) || !inRange(c->channels, 1) ||
           !inRange(c->height, 1) || !inRange(c->width, 1) ||
           !inRange(c->filters, 1) || !inRange(c->kernel_height, 1) ||
           !inRange(c->kernel_width, 1) || !inRange(c->out_height, 1) ||
           !inRange(c->out_width, 1))
    problem = "its sizes are out of range";
  else if (c->groups < 1 || c->channels % c->groups != 0 ||
           c->filters % c->groups != 0)
    problem = "its groups do not divide its channels and filters";
  else {
    for (int d = 0; d < 2 && !problem; ++d)
      if (!inRange(c->strides[d], 1) || !inRange(c->dilations[d], 1) ||
          !inRange(c->pad_before[d], 0) || !inRange(c->pad_after[d], 0))
        problem = "its strides, dilations or paddings are out of range";
    if (!problem &&
        (convOutput(c->height, c->kernel_height, c->strides[0], c->dilations[0],
                    c->pad_before[0], c->pad_after[0]) != c->out_height ||
         convOutput(c->width, c->kernel_width, c->strides[1], c->dilations[1],
                    c->pad_before[1], c->pad_after[1]) != c->out_width))
      problem = "its output size does not follow from its input, kernel, "
                "strides and paddings";
    element = autoglm_dtype_size(c->type);
    const int64_t y[4] = {c->batch, c->filters, c->out_height, c->out_width};
    const int64_t x[4] = {c->batch, c->channels, c->height, c->width};
    const int64_t w[4] = {c->filters, c->channels / c->groups, c->kernel_height,
                          c->kernel_width};
    memcpy(shapes[0], y, sizeof(y));
    memcpy(shapes[1], x, sizeof(x));
    memcpy(shapes[2], w, sizeof(w));
    for (int a = 0; a < 3 && !problem; ++a) {
      int64_t count = autoglm_num_elements(4, shapes[a]);
      if (count < 0 || count > INT64_MAX / (int64_t)element)
        problem = "its tensors are too large";
    }
  }
  if (problem) {
    stepPrefix(message, model, index, step);
    autoglm_message_appendf(message, "%s", problem);
    return AUTOGLM_ERROR_INVALID_MODEL;
  }
  uint64_t needed[5];
  for (int32_t a = 0; a < 3; ++a)
    needed[a] = (uint64_t)autoglm_num_elements(4, shapes[a]) * element;
  int32_t next = 3;
  if (epilogue & AUTOGLM_CUDA_CONV_BIAS)
    needed[next++] = (uint64_t)c->filters * autoglm_dtype_size(c->bias_type);
  if (epilogue & AUTOGLM_CUDA_CONV_RESIDUAL)
    needed[next++] = needed[0]; /* Z: Y's type and shape */
  return checkLibraryArgs(model, index, step, needed, message);
}

static autoglm_status checkStep(const autoglm_model_desc *model, int32_t index,
                                autoglm_message *message) {
  const autoglm_cuda_image *image = model->device_image;
  const autoglm_cuda_step *step = &image->steps[index];
  if (step->num_args < 0 || (step->num_args > 0 && !step->args)) {
    stepPrefix(message, model, index, step);
    autoglm_message_appendf(message, "it has %d arguments but no table",
                            step->num_args);
    return AUTOGLM_ERROR_INVALID_MODEL;
  }
  uint64_t needed = 0;
  if (autoglm_cuda_is_launch(step)) {
    if (step->kernel < 0 || step->kernel >= image->num_kernels) {
      stepPrefix(message, model, index, step);
      autoglm_message_appendf(message,
                              "it launches kernel %d, the image has %d",
                              step->kernel, image->num_kernels);
      return AUTOGLM_ERROR_INVALID_MODEL;
    }
    for (int d = 0; d < 3; ++d)
      if (step->grid[d] == 0 || step->block[d] == 0) {
        stepPrefix(message, model, index, step);
        autoglm_message_appendf(message, "it has an empty grid or block");
        return AUTOGLM_ERROR_INVALID_MODEL;
      }
  } else if (step->kind == AUTOGLM_CUDA_STEP_COPY) {
    if (step->num_args != 2 || !isBuffer(step->args[0].kind) ||
        !isBuffer(step->args[1].kind)) {
      stepPrefix(message, model, index, step);
      autoglm_message_appendf(message,
                              "a copy takes two buffer arguments (destination "
                              "and source)");
      return AUTOGLM_ERROR_INVALID_MODEL;
    }
    needed = step->bytes;
  } else if (step->kind == AUTOGLM_CUDA_STEP_GEMM) {
    return checkGemm(model, index, step, message);
  } else if (step->kind == AUTOGLM_CUDA_STEP_CONV) {
    return checkConv(model, index, step, message);
  } else {
    stepPrefix(message, model, index, step);
    autoglm_message_appendf(message, "it has unknown kind %d", step->kind);
    return AUTOGLM_ERROR_INVALID_MODEL;
  }
  for (int32_t a = 0; a < step->num_args; ++a) {
    autoglm_status status = checkArg(model, index, step, a, needed, message);
    if (status != AUTOGLM_OK)
      return status;
  }
  return AUTOGLM_OK;
}

/* One image against the descriptor of its one batch size. */
static autoglm_status checkSizeImage(const autoglm_model_desc *model,
                                     autoglm_message *message) {
  const char *name = autoglm_model_name(model);
  const autoglm_cuda_image *image = model->device_image;
  const char *problem = NULL;
  /* A model that only moves data (a reshape, an identity) has no kernels
   * and no fatbin. */
  if (image->num_kernels > 0 && (!image->fatbin || image->fatbin_bytes == 0))
    problem = "has kernels but no fatbin";
  else if (image->num_kernels < 0 ||
           (image->num_kernels > 0 && !image->kernel_names))
    problem = "has a bad kernel table";
  else if (image->num_steps < 0 || (image->num_steps > 0 && !image->steps))
    problem = "has a bad step table";
  else if (image->weights_bytes > 0 && !image->weights)
    problem = "has a weights size but no weights";
  else if (image->weights_bytes && model->weights_bytes)
    problem = "has both embedded weights and a weights file";
  for (int32_t k = 0; !problem && k < image->num_kernels; ++k)
    if (!image->kernel_names[k])
      problem = "has a kernel without a name";
  if (problem) {
    autoglm_message_appendf(message, "model '%s': the CUDA image %s", name,
                            problem);
    return AUTOGLM_ERROR_INVALID_MODEL;
  }
  for (int32_t s = 0; s < image->num_steps; ++s) {
    autoglm_status status = checkStep(model, s, message);
    if (status != AUTOGLM_OK)
      return status;
  }
  return AUTOGLM_OK;
}

/* A batch-polymorphic model's images: one per batch entry, each valid for
 * its size, all on the one weights image. */
static autoglm_status checkBatchImages(const autoglm_model_desc *model,
                                       autoglm_message *message) {
  const autoglm_cuda_image *image = model->device_image;
  int32_t count = autoglm_model_num_batch_entries(model);
  int32_t images = autoglm_cuda_num_batch_images(image);
  if (images != count || (count > 0 && !image->batch_images)) {
    autoglm_message_appendf(message,
                            "model '%s' has %d batch sizes but its CUDA image "
                            "has %d images of them",
                            autoglm_model_name(model), count, images);
    return AUTOGLM_ERROR_INVALID_MODEL;
  }
  for (int32_t i = 0; i < count; ++i) {
    const autoglm_cuda_image *sized = &image->batch_images[i];
    if (sized->version != image->version ||
        autoglm_cuda_num_batch_images(sized) != 0 ||
        sized->weights != image->weights ||
        sized->weights_bytes != image->weights_bytes) {
      autoglm_message_appendf(
          message,
          "model '%s': the CUDA image of batch %lld is not of the model's "
          "version or weights",
          autoglm_model_name(model), (long long)model->batch_entries[i].batch);
      return AUTOGLM_ERROR_INVALID_MODEL;
    }
    autoglm_model_desc view;
    autoglm_model_batch_view(model, i, &view);
    autoglm_status status = checkSizeImage(&view, message);
    if (status != AUTOGLM_OK)
      return status;
  }
  return AUTOGLM_OK;
}

autoglm_status autoglm_cuda_check_image(const autoglm_model_desc *model,
                                        autoglm_message *message) {
  const char *name = autoglm_model_name(model);
  const autoglm_cuda_image *image = model->device_image;
  if (!image) {
    autoglm_message_appendf(message,
                            "model '%s' was compiled for cuda but has no "
                            "device image",
                            name);
    return AUTOGLM_ERROR_INVALID_MODEL;
  }
  if (image->version < AUTOGLM_CUDA_IMAGE_OLDEST_VERSION ||
      image->version > AUTOGLM_CUDA_IMAGE_VERSION) {
    autoglm_message_appendf(
        message,
        "model '%s' carries a CUDA image of version %u, this runtime reads "
        "versions %u to %u; recompile the model or use a matching runtime",
        name, (unsigned)image->version,
        (unsigned)AUTOGLM_CUDA_IMAGE_OLDEST_VERSION,
        (unsigned)AUTOGLM_CUDA_IMAGE_VERSION);
    return AUTOGLM_ERROR_ABI_MISMATCH;
  }
  autoglm_status status = checkSizeImage(model, message);
  if (status != AUTOGLM_OK)
    return status;
  return checkBatchImages(model, message);
}
