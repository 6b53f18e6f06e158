/*===- device.c - pick the GPU and share its primary context --------------===*\
 *
 * The session uses the device's primary context, the one the CUDA runtime
 * API (and so PyTorch and most libraries) uses, instead of creating its own:
 * device memory is then shared with those users, and the process does not
 * pay for a second context. The context is only made current around the
 * session's own calls (push/pop), so the caller's current context is left
 * as it was.
 *
\*===----------------------------------------------------------------------===*/

#include "../session_impl.h"
#include "cuda_session.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void appendArchMismatch(autoglm_message *message,
                               const autoglm_cuda_session *cuda) {
  const autoglm_cuda_image *image = cuda->image;
  autoglm_message_appendf(message,
                          "the GPU is sm_%d (%s, GPU %d); model '%s' was "
                          "compiled for %s",
                          cuda->compute_capability, cuda->name, cuda->ordinal,
                          autoglm_model_name(cuda->model),
                          image->archs && *image->archs ? image->archs
                                                        : "(unknown)");
}

static void appendRecompile(autoglm_message *message,
                            const autoglm_cuda_session *cuda) {
  autoglm_message_appendf(message,
                          "; recompile it with --gpu-arch=sm_%d to run it on "
                          "this GPU",
                          cuda->compute_capability);
}

/* Whether a GPU of compute capability `capability` runs the image's code
 * for sm_90 or newer, whose kernels wait for their predecessors
 * themselves: the newest of `archs` ("sm_80,sm_90") it can run is one.
 * The driver loads that architecture's code (a cubin, or PTX it
 * compiles), never an older one's. */
static bool runsDependentCode(const char *archs, int32_t capability) {
  int32_t newest = 0;
  for (const char *p = archs ? archs : ""; *p;) {
    while (*p && (*p < '0' || *p > '9'))
      ++p;
    int32_t arch = 0;
    while (*p >= '0' && *p <= '9')
      arch = arch * 10 + (*p++ - '0');
    if (arch <= capability && arch > newest)
      newest = arch;
  }
  return newest >= 90;
}

/* An environment variable set to 0. */
static bool disabled(const char *variable) {
  const char *value = getenv(variable);
  return value && strcmp(value, "0") == 0;
}

autoglm_status autoglm_cuda_open_device(autoglm_cuda_session *cuda,
                                        int32_t ordinal,
                                        autoglm_message *message) {
  const autoglm_cuda_driver *d = cuda->driver;
  int count = 0;
  CUresult result = d->cuDeviceGetCount(&count);
  if (result != CUDA_SUCCESS || count <= 0) {
    autoglm_message_appendf(message, "no CUDA GPU: the CUDA driver finds no "
                                     "device");
    if (result != CUDA_SUCCESS) {
      autoglm_message_appendf(message, " (");
      autoglm_cuda_append_error(message, d, result);
      autoglm_message_appendf(message, ")");
    }
    return AUTOGLM_ERROR_DEVICE_UNAVAILABLE;
  }
  if (ordinal >= count) {
    autoglm_message_appendf(message,
                            "there is no CUDA GPU %d: the driver finds %d "
                            "(numbered from 0)",
                            ordinal, count);
    return AUTOGLM_ERROR_DEVICE_UNAVAILABLE;
  }
  cuda->ordinal = ordinal;
  if ((result = d->cuDeviceGet(&cuda->device, ordinal)) != CUDA_SUCCESS) {
    autoglm_message_appendf(message, "cannot open CUDA GPU %d: ", ordinal);
    autoglm_cuda_append_error(message, d, result);
    return AUTOGLM_ERROR_DEVICE_UNAVAILABLE;
  }
  char *name = cuda->name;
  if (d->cuDeviceGetName(name, (int)sizeof(cuda->name), cuda->device) !=
      CUDA_SUCCESS)
    snprintf(name, sizeof(cuda->name), "unknown GPU");
  name[sizeof(cuda->name) - 1] = '\0';
  int major = 0, minor = 0;
  d->cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                          cuda->device);
  d->cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                          cuda->device);
  cuda->compute_capability = major * 10 + minor;
  snprintf(cuda->description, sizeof(cuda->description), "%s, sm_%d, GPU %d",
           name, cuda->compute_capability, ordinal);

  /* Older than the oldest architecture compiled for: neither its machine
   * code nor its PTX can run here; say so before loading anything. */
  if (cuda->compute_capability < cuda->image->min_compute_capability) {
    appendArchMismatch(message, cuda);
    autoglm_message_appendf(message, " and needs sm_%d or newer",
                            cuda->image->min_compute_capability);
    appendRecompile(message, cuda);
    return AUTOGLM_ERROR_DEVICE_UNAVAILABLE;
  }

  cuda->dependent_launch =
      runsDependentCode(cuda->image->archs, cuda->compute_capability) &&
      d->cuLaunchKernelEx &&
      d->version >= AUTOGLM_CUDA_DEPENDENT_LAUNCH_DRIVER_VERSION &&
      !disabled("AUTOGLM_CUDA_DEPENDENT_LAUNCH");

  result = d->cuDevicePrimaryCtxRetain(&cuda->context, cuda->device);
  if (result != CUDA_SUCCESS) {
    autoglm_message_appendf(message, "cannot use CUDA GPU %d (%s): ", ordinal,
                            name);
    autoglm_cuda_append_error(message, d, result);
    return AUTOGLM_ERROR_DEVICE_UNAVAILABLE;
  }
  cuda->context_retained = true;
  return AUTOGLM_OK;
}

void autoglm_cuda_append_no_binary(autoglm_message *message,
                                   const autoglm_cuda_session *cuda,
                                   CUresult result) {
  appendArchMismatch(message, cuda);
  autoglm_message_appendf(message, ", and its fatbin has no code this GPU "
                                   "runs (");
  autoglm_cuda_append_error(message, cuda->driver, result);
  autoglm_message_appendf(message, ")");
  appendRecompile(message, cuda);
}

int autoglm_cuda_tuned_candidates(const char *variable, int most) {
  const char *value = getenv(variable);
  int n = value ? atoi(value) : 1;
  return n < 1 ? 1 : n > most ? most : n;
}

float autoglm_cuda_time_calls(const autoglm_cuda_session *cuda,
                              bool (*issue)(void *context), void *context) {
  const autoglm_cuda_driver *d = cuda->driver;
  CUevent start = NULL, stop = NULL;
  float ms = INFINITY;
  bool ran = d->cuEventCreate(&start, 0) == CUDA_SUCCESS &&
             d->cuEventCreate(&stop, 0) == CUDA_SUCCESS && issue(context) &&
             d->cuEventRecord(start, cuda->stream) == CUDA_SUCCESS;
  for (int r = 0; ran && r < 3; ++r)
    ran = issue(context);
  if (!(ran && d->cuEventRecord(stop, cuda->stream) == CUDA_SUCCESS &&
        d->cuStreamSynchronize(cuda->stream) == CUDA_SUCCESS &&
        d->cuEventElapsedTime(&ms, start, stop) == CUDA_SUCCESS))
    ms = INFINITY;
  d->cuStreamSynchronize(cuda->stream);
  if (start)
    d->cuEventDestroy(start);
  if (stop)
    d->cuEventDestroy(stop);
  return ms;
}
