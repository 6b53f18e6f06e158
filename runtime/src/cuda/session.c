/*===- session.c - build and tear down the CUDA half of a session ---------===*\
 *
 * Creation does all the GPU work a session needs before its first run, in
 * the order in which failures are cheapest to explain: driver, GPU and
 * architecture, fatbin and kernels, device memory and the weights upload,
 * stream and events, kernel parameters, cuBLASLt, cuDNN. Destruction undoes
 * it in reverse; both work on a half-built session.
 *
\*===----------------------------------------------------------------------===*/

#include "../session_impl.h"
#include "cuda_session.h"

#include <stdio.h>
#include <stdlib.h>

/* The host-side tables, sized from the image. */
static bool allocateTables(autoglm_cuda_session *cuda) {
  const autoglm_model_desc *model = cuda->model;
  const autoglm_cuda_image *image = cuda->image;
  size_t numBuffers = (size_t)model->num_inputs + (size_t)model->num_outputs;
  size_t numParams = autoglm_cuda_count_params(image);
  /* calloc(0) may return NULL; ask for at least one element. */
  cuda->functions = calloc((size_t)image->num_kernels + 1, sizeof(CUfunction));
  cuda->buffers = calloc(numBuffers + 1, sizeof(CUdeviceptr));
  cuda->buffer_bytes = calloc(numBuffers + 1, sizeof(uint64_t));
  cuda->steps =
      calloc((size_t)image->num_steps + 1, sizeof(autoglm_cuda_ready_step));
  cuda->params = calloc(numParams + 1, sizeof(void *));
  cuda->slots = calloc(numParams + 1, sizeof(uint64_t));
  return cuda->functions && cuda->buffers && cuda->buffer_bytes &&
         cuda->steps && cuda->params && cuda->slots;
}

static autoglm_status driverFailed(const autoglm_cuda_session *cuda,
                                   const char *what, CUresult result,
                                   autoglm_message *message) {
  autoglm_message_appendf(
      message, "cannot %s on GPU %d (%s) for model '%s': ", what, cuda->ordinal,
      cuda->name, autoglm_model_name(cuda->model));
  autoglm_cuda_append_error(message, cuda->driver, result);
  return AUTOGLM_ERROR_DEVICE_FAILED;
}

/* Everything that needs the context current. */
static autoglm_status build(autoglm_cuda_session *cuda,
                            const void *file_weights,
                            autoglm_message *message) {
  const autoglm_cuda_driver *d = cuda->driver;
  autoglm_status status = autoglm_cuda_load_module(cuda, message);
  if (status != AUTOGLM_OK)
    return status;
  const autoglm_cuda_image *image = cuda->image;
  /* Embedded in the image, or from the weights file (or neither). */
  bool embedded = image->weights_bytes != 0;
  const void *weights = embedded ? image->weights : file_weights;
  uint64_t weightsBytes =
      embedded ? image->weights_bytes : cuda->model->weights_bytes;
  if ((status = autoglm_cuda_allocate(cuda, weights, weightsBytes, message)) !=
      AUTOGLM_OK)
    return status;
  if (cuda->lender)
    cuda->file_weights_bytes = cuda->lender->file_weights_bytes;
  else if (!embedded)
    cuda->file_weights_bytes = weightsBytes;
  /* Non-blocking: the session's work never waits for, nor holds up, other
   * users' work on the legacy default stream. */
  CUresult result = d->cuStreamCreate(&cuda->stream, CU_STREAM_NON_BLOCKING);
  if (result != CUDA_SUCCESS) {
    cuda->stream = NULL;
    return driverFailed(cuda, "create a stream", result, message);
  }
  if ((result = d->cuEventCreate(&cuda->start, CU_EVENT_DEFAULT)) !=
          CUDA_SUCCESS ||
      (result = d->cuEventCreate(&cuda->stop, CU_EVENT_DEFAULT)) !=
          CUDA_SUCCESS ||
      (result = d->cuEventCreate(&cuda->steps_start, CU_EVENT_DEFAULT)) !=
          CUDA_SUCCESS ||
      (result = d->cuEventCreate(&cuda->steps_stop, CU_EVENT_DEFAULT)) !=
          CUDA_SUCCESS)
    return driverFailed(cuda, "create timing events", result, message);
  autoglm_cuda_prepare_steps(cuda);
  if ((status = autoglm_cuda_prepare_blas(cuda, message)) != AUTOGLM_OK)
    return status;
  return autoglm_cuda_prepare_dnn(cuda, message);
}

autoglm_status autoglm_cuda_session_create(
    const autoglm_model_desc *model, const autoglm_session_options *options,
    const void *file_weights, const autoglm_cuda_session *lender,
    autoglm_cuda_session **out, autoglm_message *message) {
  *out = NULL;
  if (options->device_ordinal < 0) {
    autoglm_message_appendf(message,
                            "device_ordinal is %d; CUDA GPUs are numbered "
                            "from 0",
                            options->device_ordinal);
    return AUTOGLM_ERROR_INVALID_ARGUMENT;
  }
  autoglm_status status;
  const autoglm_cuda_driver *driver =
      autoglm_cuda_load_driver(message, &status);
  if (!driver)
    return status;

  autoglm_cuda_session *cuda = calloc(1, sizeof(*cuda));
  if (!cuda) {
    autoglm_message_appendf(message, "cannot allocate a session");
    return AUTOGLM_ERROR_OUT_OF_MEMORY;
  }
  cuda->driver = driver;
  cuda->lender = lender;
  cuda->model = model;
  cuda->image = model->device_image;
  cuda->last_device_ms = -1;
  cuda->last_steps_ms = -1;
  cuda->graph_state = AUTOGLM_CUDA_GRAPH_PENDING;
  snprintf(cuda->execution, sizeof(cuda->execution),
           "cuda, %d steps launched one by one until a run succeeds, then "
           "replayed as a CUDA graph",
           cuda->image->num_steps);
  if (!allocateTables(cuda)) {
    autoglm_cuda_session_destroy(cuda);
    autoglm_message_appendf(message, "cannot allocate a session");
    return AUTOGLM_ERROR_OUT_OF_MEMORY;
  }
  if ((status = autoglm_cuda_open_device(cuda, options->device_ordinal,
                                         message)) != AUTOGLM_OK) {
    autoglm_cuda_session_destroy(cuda);
    return status;
  }
  CUresult result = driver->cuCtxPushCurrent(cuda->context);
  if (result != CUDA_SUCCESS) {
    status = driverFailed(cuda, "make the context current", result, message);
    autoglm_cuda_session_destroy(cuda);
    return status;
  }
  status = build(cuda, file_weights, message);
  CUcontext popped;
  driver->cuCtxPopCurrent(&popped);
  if (status != AUTOGLM_OK) {
    autoglm_cuda_session_destroy(cuda);
    return status;
  }
  *out = cuda;
  return AUTOGLM_OK;
}

void autoglm_cuda_session_destroy(autoglm_cuda_session *cuda) {
  if (!cuda)
    return;
  const autoglm_cuda_driver *d = cuda->driver;
  if (cuda->context_retained &&
      d->cuCtxPushCurrent(cuda->context) == CUDA_SUCCESS) {
    autoglm_cuda_destroy_graph(cuda);
    autoglm_cuda_release_dnn(cuda);
    autoglm_cuda_release_blas(cuda);
    if (cuda->steps_stop)
      d->cuEventDestroy(cuda->steps_stop);
    if (cuda->steps_start)
      d->cuEventDestroy(cuda->steps_start);
    if (cuda->stop)
      d->cuEventDestroy(cuda->stop);
    if (cuda->start)
      d->cuEventDestroy(cuda->start);
    if (cuda->stream)
      d->cuStreamDestroy(cuda->stream);
    autoglm_cuda_free_buffers(cuda);
    if (cuda->module)
      d->cuModuleUnload(cuda->module);
    CUcontext popped;
    d->cuCtxPopCurrent(&popped);
  }
  if (cuda->context_retained)
    d->cuDevicePrimaryCtxRelease(cuda->device);
  free(cuda->slots);
  free(cuda->params);
  free(cuda->steps);
  free(cuda->buffer_bytes);
  free(cuda->buffers);
  free(cuda->functions);
  free(cuda);
}
