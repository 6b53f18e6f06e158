/*===- run.c - one run of a CUDA model ------------------------------------===*\
 *
 * A run copies the caller's inputs into the session's device buffers,
 * issues the forward pass (each step on the first run, the captured graph
 * afterwards), copies the outputs back and waits for the stream. The
 * caller's tensors may be host or device memory; the driver says which, per
 * pointer, so one session serves both without an option. Nothing is
 * allocated: every buffer, parameter and event exists since creation.
 *
\*===----------------------------------------------------------------------===*/

#include "../session_impl.h"
#include "cuda_session.h"

#include <stdint.h>

/* Device (or managed) memory, as opposed to host memory. The driver does
 * not know ordinary host memory and answers it with an error. */
static bool isDevicePointer(const autoglm_cuda_driver *d, const void *data) {
  unsigned int type = 0;
  CUresult result = d->cuPointerGetAttribute(
      &type, CU_POINTER_ATTRIBUTE_MEMORY_TYPE, (CUdeviceptr)(uintptr_t)data);
  return result == CUDA_SUCCESS &&
         (type == CU_MEMORYTYPE_DEVICE || type == CU_MEMORYTYPE_UNIFIED);
}

static autoglm_status copyFailed(const autoglm_cuda_session *cuda,
                                 const char *kind, const char *name,
                                 CUresult result, autoglm_message *message) {
  autoglm_message_appendf(message, "cannot copy %s '%s' %s GPU %d (%s): ", kind,
                          name, *kind == 'i' ? "to" : "from", cuda->ordinal,
                          cuda->name);
  autoglm_cuda_append_error(message, cuda->driver, result);
  return AUTOGLM_ERROR_DEVICE_FAILED;
}

/* The caller's memory of a run: each tensor as one pointer, or (pieces
 * not NULL) as consecutive pieces. */
typedef struct RunMemory {
  const autoglm_tensor *inputs, *outputs;
  const autoglm_tensor_pieces *input_pieces, *output_pieces;
} RunMemory;

static CUresult copyToDevice(const autoglm_cuda_session *cuda, CUdeviceptr to,
                             const void *from, uint64_t bytes) {
  const autoglm_cuda_driver *d = cuda->driver;
  return isDevicePointer(d, from)
             ? d->cuMemcpyDtoDAsync(to, (CUdeviceptr)(uintptr_t)from, bytes,
                                    cuda->stream)
             : d->cuMemcpyHtoDAsync(to, from, bytes, cuda->stream);
}

static CUresult copyFromDevice(const autoglm_cuda_session *cuda, void *to,
                               CUdeviceptr from, uint64_t bytes) {
  const autoglm_cuda_driver *d = cuda->driver;
  return isDevicePointer(d, to)
             ? d->cuMemcpyDtoDAsync((CUdeviceptr)(uintptr_t)to, from, bytes,
                                    cuda->stream)
             : d->cuMemcpyDtoHAsync(to, from, bytes, cuda->stream);
}

static autoglm_status copyInputs(autoglm_cuda_session *cuda,
                                 const RunMemory *memory,
                                 autoglm_message *message) {
  for (int32_t i = 0; i < cuda->model->num_inputs; ++i) {
    uint64_t bytes = cuda->buffer_bytes[i];
    if (bytes == 0)
      continue;
    CUresult result = CUDA_SUCCESS;
    if (memory->input_pieces) {
      const autoglm_tensor_pieces *in = &memory->input_pieces[i];
      uint64_t offset = 0;
      for (int32_t p = 0; p < in->count && result == CUDA_SUCCESS; ++p) {
        result = copyToDevice(cuda, cuda->buffers[i] + offset,
                              in->pieces[p].data, in->pieces[p].bytes);
        offset += in->pieces[p].bytes;
      }
      if (result == CUDA_SUCCESS && offset != bytes) {
        autoglm_message_appendf(message,
                                "input '%s': pieces of %llu bytes for a "
                                "%llu-byte buffer",
                                cuda->model->inputs[i].name,
                                (unsigned long long)offset,
                                (unsigned long long)bytes);
        return AUTOGLM_ERROR_INVALID_ARGUMENT;
      }
    } else {
      result =
          copyToDevice(cuda, cuda->buffers[i], memory->inputs[i].data, bytes);
    }
    if (result != CUDA_SUCCESS)
      return copyFailed(cuda, "input", cuda->model->inputs[i].name, result,
                        message);
  }
  return AUTOGLM_OK;
}

static autoglm_status copyOutputs(autoglm_cuda_session *cuda,
                                  const RunMemory *memory,
                                  autoglm_message *message) {
  int32_t first = cuda->model->num_inputs;
  for (int32_t i = 0; i < cuda->model->num_outputs; ++i) {
    uint64_t bytes = cuda->buffer_bytes[first + i];
    if (bytes == 0)
      continue;
    CUdeviceptr source = cuda->buffers[first + i];
    CUresult result = CUDA_SUCCESS;
    if (memory->output_pieces) {
      const autoglm_tensor_pieces *out = &memory->output_pieces[i];
      uint64_t offset = 0;
      for (int32_t p = 0; p < out->count && result == CUDA_SUCCESS; ++p) {
        if (offset + out->pieces[p].bytes > bytes) {
          autoglm_message_appendf(message,
                                  "output '%s': pieces of more than its "
                                  "%llu-byte buffer",
                                  cuda->model->outputs[i].name,
                                  (unsigned long long)bytes);
          return AUTOGLM_ERROR_INVALID_ARGUMENT;
        }
        result = copyFromDevice(cuda, out->pieces[p].data, source + offset,
                                out->pieces[p].bytes);
        offset += out->pieces[p].bytes;
      }
    } else {
      result = copyFromDevice(cuda, memory->outputs[i].data, source, bytes);
    }
    if (result != CUDA_SUCCESS)
      return copyFailed(cuda, "output", cuda->model->outputs[i].name, result,
                        message);
  }
  return AUTOGLM_OK;
}

static autoglm_status eventFailed(const autoglm_cuda_session *cuda,
                                  const char *what, CUresult result,
                                  autoglm_message *message) {
  autoglm_message_appendf(message, "model '%s' on GPU %d (%s): %s failed: ",
                          autoglm_model_name(cuda->model), cuda->ordinal,
                          cuda->name, what);
  autoglm_cuda_append_error(message, cuda->driver, result);
  return AUTOGLM_ERROR_DEVICE_FAILED;
}

/* Everything between the two events, on the stream. */
static autoglm_status issueRun(autoglm_cuda_session *cuda,
                               const RunMemory *memory,
                               autoglm_message *message) {
  const autoglm_cuda_driver *d = cuda->driver;
  CUresult result = d->cuEventRecord(cuda->start, cuda->stream);
  if (result != CUDA_SUCCESS)
    return eventFailed(cuda, "cuEventRecord", result, message);
  autoglm_status status = copyInputs(cuda, memory, message);
  if (status != AUTOGLM_OK)
    return status;
  result = d->cuEventRecord(cuda->steps_start, cuda->stream);
  if (result != CUDA_SUCCESS)
    return eventFailed(cuda, "cuEventRecord", result, message);
  if (cuda->graph_state == AUTOGLM_CUDA_GRAPH_READY) {
    result = d->cuGraphLaunch(cuda->graph_exec, cuda->stream);
    if (result != CUDA_SUCCESS) {
      autoglm_message_appendf(message,
                              "model '%s' failed on GPU %d (%s): its CUDA "
                              "graph did not launch: ",
                              autoglm_model_name(cuda->model), cuda->ordinal,
                              cuda->name);
      autoglm_cuda_append_error(message, d, result);
      return AUTOGLM_ERROR_DEVICE_FAILED;
    }
  } else {
    /* Until a run has succeeded, wait for each step so that a failure
     * names the step that caused it. */
    bool firstRun = cuda->graph_state == AUTOGLM_CUDA_GRAPH_PENDING;
    status = autoglm_cuda_issue_steps(cuda, firstRun, message);
    if (status != AUTOGLM_OK)
      return status;
  }
  result = d->cuEventRecord(cuda->steps_stop, cuda->stream);
  if (result != CUDA_SUCCESS)
    return eventFailed(cuda, "cuEventRecord", result, message);
  status = copyOutputs(cuda, memory, message);
  if (status != AUTOGLM_OK)
    return status;
  result = d->cuEventRecord(cuda->stop, cuda->stream);
  if (result != CUDA_SUCCESS)
    return eventFailed(cuda, "cuEventRecord", result, message);
  return AUTOGLM_OK;
}

static autoglm_status runInContext(autoglm_cuda_session *cuda,
                                   const RunMemory *memory,
                                   autoglm_message *message) {
  const autoglm_cuda_driver *d = cuda->driver;
  autoglm_status status = issueRun(cuda, memory, message);
  /* Wait even after an error: copies already queued read or write the
   * caller's memory, which must be left alone when run returns. */
  CUresult result = d->cuStreamSynchronize(cuda->stream);
  if (status != AUTOGLM_OK)
    return status;
  if (result != CUDA_SUCCESS) {
    autoglm_message_appendf(message, "model '%s' failed on GPU %d (%s) ",
                            autoglm_model_name(cuda->model), cuda->ordinal,
                            cuda->name);
    autoglm_message_appendf(message,
                            cuda->graph_state == AUTOGLM_CUDA_GRAPH_READY
                                ? "in its CUDA graph: "
                                : "in one of its steps: ");
    autoglm_cuda_append_error(message, d, result);
    return AUTOGLM_ERROR_DEVICE_FAILED;
  }
  float milliseconds = 0;
  if (d->cuEventElapsedTime(&milliseconds, cuda->start, cuda->stop) ==
      CUDA_SUCCESS)
    cuda->last_device_ms = milliseconds;
  if (d->cuEventElapsedTime(&milliseconds, cuda->steps_start,
                            cuda->steps_stop) == CUDA_SUCCESS)
    cuda->last_steps_ms = milliseconds;
  if (cuda->graph_state == AUTOGLM_CUDA_GRAPH_PENDING)
    autoglm_cuda_capture_graph(cuda);
  return AUTOGLM_OK;
}

static autoglm_status runOnDevice(autoglm_cuda_session *cuda,
                                  const RunMemory *memory,
                                  autoglm_message *message) {
  const autoglm_cuda_driver *d = cuda->driver;
  CUresult result = d->cuCtxPushCurrent(cuda->context);
  if (result != CUDA_SUCCESS)
    return eventFailed(cuda, "cuCtxPushCurrent", result, message);
  autoglm_status status = runInContext(cuda, memory, message);
  CUcontext popped;
  d->cuCtxPopCurrent(&popped);
  return status;
}

autoglm_status autoglm_cuda_run(autoglm_cuda_session *cuda,
                                const autoglm_tensor *inputs,
                                const autoglm_tensor *outputs,
                                autoglm_message *message) {
  RunMemory memory = {inputs, outputs, NULL, NULL};
  return runOnDevice(cuda, &memory, message);
}

autoglm_status autoglm_cuda_run_pieces(autoglm_cuda_session *cuda,
                                       const autoglm_tensor_pieces *inputs,
                                       const autoglm_tensor_pieces *outputs,
                                       autoglm_message *message) {
  RunMemory memory = {NULL, NULL, inputs, outputs};
  return runOnDevice(cuda, &memory, message);
}
