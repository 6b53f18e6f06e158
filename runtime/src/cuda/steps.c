/*===- steps.c - issue the forward pass on the session's stream -----------===*\
 *
 * Each step is one cuLaunchKernel, one device-to-device copy, one
 * cublasLtMatmul (blas.c) or one cudnnBackendExecute (dnn.c) with the
 * parameters computed at creation. The same function issues the steps of
 * an eager run and of the graph capture, so both see the same work.
 *
\*===----------------------------------------------------------------------===*/

#include "../session_impl.h"
#include "cuda_session.h"

#include <string.h>

void autoglm_cuda_append_step(autoglm_message *message,
                              const autoglm_cuda_session *cuda, int32_t index) {
  const autoglm_cuda_step *step = &cuda->image->steps[index];
  if (autoglm_cuda_is_launch(step))
    autoglm_message_appendf(message, "step %d (kernel '%s'", index,
                            cuda->image->kernel_names[step->kernel]);
  else if (step->kind == AUTOGLM_CUDA_STEP_GEMM)
    autoglm_message_appendf(message, "step %d (gemm %lldx%lldx%lld", index,
                            (long long)step->gemm->m, (long long)step->gemm->n,
                            (long long)step->gemm->k);
  else if (step->kind == AUTOGLM_CUDA_STEP_CONV) {
    autoglm_message_appendf(
        message,
        "step %d (convolution of %lldx%lldx%lldx%lld by %lldx%lldx%lld", index,
        (long long)step->conv->batch, (long long)step->conv->channels,
        (long long)step->conv->height, (long long)step->conv->width,
        (long long)step->conv->filters, (long long)step->conv->kernel_height,
        (long long)step->conv->kernel_width);
    if (step->conv->groups > 1)
      autoglm_message_appendf(message, " in %d groups",
                              (int)step->conv->groups);
  } else
    autoglm_message_appendf(message, "step %d (copy of %llu bytes", index,
                            (unsigned long long)step->bytes);
  if (step->nodes && *step->nodes)
    autoglm_message_appendf(message, ", ONNX nodes '%s'", step->nodes);
  autoglm_message_appendf(message, ")");
}

static autoglm_status stepFailed(const autoglm_cuda_session *cuda,
                                 int32_t index, CUresult result,
                                 autoglm_message *message) {
  autoglm_message_appendf(message, "model '%s' failed on GPU %d (%s) at ",
                          autoglm_model_name(cuda->model), cuda->ordinal,
                          cuda->name);
  autoglm_cuda_append_step(message, cuda, index);
  autoglm_message_appendf(message, ": ");
  autoglm_cuda_append_error(message, cuda->driver, result);
  return AUTOGLM_ERROR_DEVICE_FAILED;
}

/* A library call that failed as it was issued, with the library's words. */
static autoglm_status libraryFailed(const autoglm_cuda_session *cuda,
                                    int32_t index, const char *library,
                                    const char *text,
                                    autoglm_message *message) {
  autoglm_message_appendf(message, "model '%s' failed on GPU %d (%s) at ",
                          autoglm_model_name(cuda->model), cuda->ordinal,
                          cuda->name);
  autoglm_cuda_append_step(message, cuda, index);
  autoglm_message_appendf(message, ": %s: %s", library,
                          text ? text : "unknown status");
  return AUTOGLM_ERROR_DEVICE_FAILED;
}

/* A launch, as a programmatic dependent of the step before where the
 * step's kernel waits for it itself and this GPU runs that code. */
static CUresult launchKernel(const autoglm_cuda_session *cuda,
                             const autoglm_cuda_ready_step *ready) {
  const autoglm_cuda_driver *d = cuda->driver;
  const autoglm_cuda_step *step = ready->step;
  if (step->kind != AUTOGLM_CUDA_STEP_DEPENDENT_LAUNCH ||
      !cuda->dependent_launch)
    return d->cuLaunchKernel(ready->function, step->grid[0], step->grid[1],
                             step->grid[2], step->block[0], step->block[1],
                             step->block[2], step->shared_bytes, cuda->stream,
                             ready->params, NULL);
  CUlaunchAttribute attribute;
  memset(&attribute, 0, sizeof(attribute));
  attribute.id = CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION;
  attribute.value.programmaticStreamSerializationAllowed = 1;
  CUlaunchConfig config = {.gridDimX = step->grid[0],
                           .gridDimY = step->grid[1],
                           .gridDimZ = step->grid[2],
                           .blockDimX = step->block[0],
                           .blockDimY = step->block[1],
                           .blockDimZ = step->block[2],
                           .sharedMemBytes = step->shared_bytes,
                           .hStream = cuda->stream,
                           .attrs = &attribute,
                           .numAttrs = 1};
  return d->cuLaunchKernelEx(&config, ready->function, ready->params, NULL);
}

autoglm_status autoglm_cuda_issue_steps(autoglm_cuda_session *cuda,
                                        bool check_each,
                                        autoglm_message *message) {
  const autoglm_cuda_driver *d = cuda->driver;
  for (int32_t s = 0; s < cuda->image->num_steps; ++s) {
    const autoglm_cuda_ready_step *ready = &cuda->steps[s];
    const autoglm_cuda_step *step = ready->step;
    CUresult result = CUDA_SUCCESS;
    if (autoglm_cuda_is_launch(step))
      result = launchKernel(cuda, ready);
    else if (step->kind == AUTOGLM_CUDA_STEP_GEMM || ready->conv_by_blas) {
      cublasStatus_t status = autoglm_cuda_issue_gemm(cuda, ready);
      if (status != CUBLAS_STATUS_SUCCESS)
        return libraryFailed(cuda, s, "cuBLASLt",
                             cuda->blas->getStatusString(status), message);
    } else if (step->kind == AUTOGLM_CUDA_STEP_CONV) {
      cudnnStatus_t status = autoglm_cuda_issue_conv(cuda, ready);
      if (status != CUDNN_STATUS_SUCCESS)
        return libraryFailed(cuda, s, "cuDNN",
                             cuda->dnn->getErrorString(status), message);
    } else if (step->bytes > 0)
      result = d->cuMemcpyDtoDAsync(ready->dst, ready->src, step->bytes,
                                    cuda->stream);
    /* A fault inside a kernel only shows when the stream is waited for;
     * waiting after each step pins it to the step that caused it. */
    if (result == CUDA_SUCCESS && check_each)
      result = d->cuStreamSynchronize(cuda->stream);
    if (result != CUDA_SUCCESS)
      return stepFailed(cuda, s, result, message);
  }
  return AUTOGLM_OK;
}
