/*===- memory.c - the session's device buffers ----------------------------===*\
 *
 * One arena for the workspace (the memory planner's, so intermediates need
 * no allocation of their own), one buffer for the weights, uploaded once,
 * and one staging buffer per input and output. The kernels only ever see
 * these addresses, which never change, so the steps can be captured into a
 * graph once and replayed; a run copies the caller's tensors in and out.
 * cuMemAlloc returns addresses aligned far beyond the 256 bytes the image
 * promises its kernels.
 *
\*===----------------------------------------------------------------------===*/

#include "../session_impl.h"
#include "cuda_session.h"

#include <stdint.h>

/* Allocates `bytes` (nothing for 0: the address stays 0) and explains a
 * failure, with what the GPU has free when it is out of memory. */
static autoglm_status allocate(autoglm_cuda_session *cuda, CUdeviceptr *out,
                               uint64_t bytes, const char *what,
                               const char *name, autoglm_message *message) {
  const autoglm_cuda_driver *d = cuda->driver;
  *out = 0;
  if (bytes == 0)
    return AUTOGLM_OK;
  CUresult result =
      bytes > SIZE_MAX ? CUDA_ERROR_OUT_OF_MEMORY : d->cuMemAlloc(out, bytes);
  if (result == CUDA_SUCCESS) {
    cuda->allocated_bytes += bytes;
    return AUTOGLM_OK;
  }
  *out = 0;
  autoglm_message_appendf(
      message,
      "%s GPU %d (%s): model '%s' asks for %llu "
      "bytes for %s%s%s%s",
      result == CUDA_ERROR_OUT_OF_MEMORY ? "out of device memory on"
                                         : "cannot allocate device memory on",
      cuda->ordinal, cuda->name, autoglm_model_name(cuda->model),
      (unsigned long long)bytes, what, name ? " '" : "", name ? name : "",
      name ? "'" : "");
  if (result == CUDA_ERROR_OUT_OF_MEMORY) {
    size_t free = 0, total = 0;
    if (d->cuMemGetInfo(&free, &total) == CUDA_SUCCESS)
      autoglm_message_appendf(
          message, ", %llu of the GPU's %llu bytes are free",
          (unsigned long long)free, (unsigned long long)total);
    return AUTOGLM_ERROR_OUT_OF_MEMORY;
  }
  autoglm_message_appendf(message, " (");
  autoglm_cuda_append_error(message, d, result);
  autoglm_message_appendf(message, ")");
  return AUTOGLM_ERROR_DEVICE_FAILED;
}

static uint64_t tensorBytes(const autoglm_tensor_desc *desc) {
  return (uint64_t)autoglm_num_elements(desc->rank, desc->shape) *
         autoglm_dtype_size(desc->dtype);
}

autoglm_status autoglm_cuda_allocate(autoglm_cuda_session *cuda,
                                     const void *host_weights,
                                     uint64_t weights_bytes,
                                     autoglm_message *message) {
  const autoglm_model_desc *model = cuda->model;
  const autoglm_cuda_session *lender = cuda->lender;
  autoglm_status status = AUTOGLM_OK;
  if (lender) {
    /* Another batch size of the model: its weights are on the device and
     * its workspace, the largest size's, holds this size's. */
    cuda->workspace = lender->workspace;
    cuda->weights = lender->weights;
    weights_bytes = 0;
  } else {
    status = allocate(cuda, &cuda->workspace, model->workspace_bytes,
                      "its workspace", NULL, message);
    if (status == AUTOGLM_OK)
      status = allocate(cuda, &cuda->weights, weights_bytes, "its weights",
                        NULL, message);
  }
  for (int32_t i = 0; status == AUTOGLM_OK && i < model->num_inputs; ++i) {
    cuda->buffer_bytes[i] = tensorBytes(&model->inputs[i]);
    status = allocate(cuda, &cuda->buffers[i], cuda->buffer_bytes[i], "input",
                      model->inputs[i].name, message);
  }
  for (int32_t i = 0; status == AUTOGLM_OK && i < model->num_outputs; ++i) {
    int32_t slot = model->num_inputs + i;
    cuda->buffer_bytes[slot] = tensorBytes(&model->outputs[i]);
    status = allocate(cuda, &cuda->buffers[slot], cuda->buffer_bytes[slot],
                      "output", model->outputs[i].name, message);
  }
  if (status != AUTOGLM_OK)
    return status;

  cuda->weights_bytes = lender ? lender->weights_bytes : weights_bytes;
  if (weights_bytes == 0)
    return AUTOGLM_OK;
  CUresult result =
      cuda->driver->cuMemcpyHtoD(cuda->weights, host_weights, weights_bytes);
  if (result != CUDA_SUCCESS) {
    autoglm_message_appendf(message,
                            "cannot upload the %llu bytes of weights of model "
                            "'%s' to GPU %d: ",
                            (unsigned long long)weights_bytes,
                            autoglm_model_name(model), cuda->ordinal);
    autoglm_cuda_append_error(message, cuda->driver, result);
    return AUTOGLM_ERROR_DEVICE_FAILED;
  }
  return AUTOGLM_OK;
}

void autoglm_cuda_free_buffers(autoglm_cuda_session *cuda) {
  const autoglm_cuda_driver *d = cuda->driver;
  int32_t count = cuda->model->num_inputs + cuda->model->num_outputs;
  for (int32_t i = 0; cuda->buffers && i < count; ++i)
    if (cuda->buffers[i])
      d->cuMemFree(cuda->buffers[i]);
  /* Borrowed ones are the lender's to free. */
  if (cuda->lender)
    cuda->weights = cuda->workspace = 0;
  if (cuda->weights)
    d->cuMemFree(cuda->weights);
  if (cuda->workspace)
    d->cuMemFree(cuda->workspace);
  cuda->weights = cuda->workspace = 0;
}
