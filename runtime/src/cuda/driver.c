/*===- driver.c - load the CUDA driver on first use -----------------------===*\
 *
 * libcuda.so.1 is opened with dlopen when the first CUDA session of the
 * process is created, never at program start, so a program linked with the
 * runtime runs CPU models on machines without a GPU. Once loaded and
 * initialized the driver stays for the life of the process (drivers are not
 * made to be unloaded; other CUDA users such as PyTorch share it); a failed
 * attempt leaves nothing behind and is tried again by the next session.
 * AUTOGLM_CUDA_DRIVER names another library, for tests (a fake driver).
 *
\*===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L /* dlopen, getenv */

#include "cuda_session.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t loadMutex = PTHREAD_MUTEX_INITIALIZER;
static autoglm_cuda_driver loaded;
static bool driverReady;

/* dlsym returns an object pointer; POSIX guarantees it converts to a
 * function pointer, which ISO C does not say, hence the memcpy. */
bool autoglm_cuda_resolve_symbol(void *handle, const char *symbol, void *slot) {
  void *address = dlsym(handle, symbol);
  if (!address)
    return false;
  memcpy(slot, &address, sizeof(address));
  return true;
}

void *autoglm_cuda_open_library(const char *variable,
                                const char *const *sonames, size_t count,
                                char *path, size_t capacity) {
  const char *chosen = getenv(variable);
  if (chosen && *chosen) {
    snprintf(path, capacity, "%s", chosen);
    return dlopen(path, RTLD_NOW | RTLD_LOCAL);
  }
  const char *home = getenv("CUDA_HOME");
  const char *roots[] = {NULL, home && *home ? home : NULL, "/usr/local/cuda"};
  for (size_t r = 0; r < sizeof(roots) / sizeof(roots[0]); ++r)
    for (size_t i = 0; i < count; ++i) {
      if (r > 0 && !roots[r])
        continue;
      if (r == 0)
        snprintf(path, capacity, "%s", sonames[i]);
      else
        snprintf(path, capacity, "%s/lib64/%s", roots[r], sonames[i]);
      void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
      if (handle)
        return handle;
    }
  snprintf(path, capacity, "%s", sonames[0]);
  return NULL;
}

static void appendVersion(autoglm_message *message, int version) {
  autoglm_message_appendf(message, "%d.%d", version / 1000,
                          (version % 1000) / 10);
}

/* Opens, resolves and initializes the driver into `loaded`; on failure
 * closes it again and explains. */
static autoglm_status load(autoglm_message *message) {
  const char *path = getenv("AUTOGLM_CUDA_DRIVER");
  if (!path || !*path)
    path = "libcuda.so.1";
  void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *reason = dlerror();
    autoglm_message_appendf(message,
                            "no CUDA driver: %s could not be loaded (%s); CUDA "
                            "models need an NVIDIA GPU and its driver",
                            path, reason ? reason : "unknown reason");
    return AUTOGLM_ERROR_DEVICE_UNAVAILABLE;
  }
  memset(&loaded, 0, sizeof(loaded));
  snprintf(loaded.path, sizeof(loaded.path), "%s", path);

  /* The version first: a driver too old to have every function is reported
   * as too old rather than as missing a symbol. */
  if (!autoglm_cuda_resolve_symbol(handle, "cuDriverGetVersion",
                                   &loaded.cuDriverGetVersion) ||
      loaded.cuDriverGetVersion(&loaded.version) != CUDA_SUCCESS) {
    autoglm_message_appendf(message,
                            "the CUDA driver %s does not report its version; "
                            "is it an NVIDIA CUDA driver?",
                            path);
    dlclose(handle);
    return AUTOGLM_ERROR_DEVICE_UNAVAILABLE;
  }
  if (loaded.version < AUTOGLM_CUDA_MIN_DRIVER_VERSION) {
    autoglm_message_appendf(message, "the CUDA driver is too old: it supports "
                                     "CUDA ");
    appendVersion(message, loaded.version);
    autoglm_message_appendf(message, ", the runtime needs CUDA ");
    appendVersion(message, AUTOGLM_CUDA_MIN_DRIVER_VERSION);
    autoglm_message_appendf(message, " or newer; update the NVIDIA driver");
    dlclose(handle);
    return AUTOGLM_ERROR_DEVICE_UNAVAILABLE;
  }

  const char *missing = NULL;
#define AUTOGLM_CUDA_RESOLVE(name, symbol, params)                             \
  if (!missing && !autoglm_cuda_resolve_symbol(handle, symbol, &loaded.name))  \
    missing = symbol;
  AUTOGLM_CUDA_FUNCTIONS(AUTOGLM_CUDA_RESOLVE)
#undef AUTOGLM_CUDA_RESOLVE
  if (!missing &&
      !autoglm_cuda_resolve_symbol(handle, "cuEventElapsedTime_v2",
                                   &loaded.cuEventElapsedTime) &&
      !autoglm_cuda_resolve_symbol(handle, "cuEventElapsedTime",
                                   &loaded.cuEventElapsedTime))
    missing = "cuEventElapsedTime";
  /* Optional: where it is missing it stays NULL (`loaded` is zeroed). */
  autoglm_cuda_resolve_symbol(handle, "cuLaunchKernelEx",
                              &loaded.cuLaunchKernelEx);
  if (missing) {
    autoglm_message_appendf(message,
                            "the CUDA driver %s lacks %s, which the runtime "
                            "needs; update the NVIDIA driver",
                            path, missing);
    dlclose(handle);
    return AUTOGLM_ERROR_DEVICE_UNAVAILABLE;
  }

  CUresult result = loaded.cuInit(0);
  if (result != CUDA_SUCCESS) {
    if (result == CUDA_ERROR_NO_DEVICE)
      autoglm_message_appendf(message, "no CUDA GPU: the CUDA driver finds no "
                                       "device (");
    else
      autoglm_message_appendf(message, "the CUDA driver failed to start (");
    autoglm_cuda_append_error(message, &loaded, result);
    autoglm_message_appendf(message, ")");
    dlclose(handle);
    return AUTOGLM_ERROR_DEVICE_UNAVAILABLE;
  }
  return AUTOGLM_OK;
}

const autoglm_cuda_driver *autoglm_cuda_load_driver(autoglm_message *message,
                                                    autoglm_status *status) {
  pthread_mutex_lock(&loadMutex);
  *status = driverReady ? AUTOGLM_OK : load(message);
  if (*status == AUTOGLM_OK)
    driverReady = true;
  pthread_mutex_unlock(&loadMutex);
  return *status == AUTOGLM_OK ? &loaded : NULL;
}

void autoglm_cuda_append_error(autoglm_message *message,
                               const autoglm_cuda_driver *driver,
                               CUresult result) {
  const char *name = NULL, *text = NULL;
  if (driver->cuGetErrorName && driver->cuGetErrorName(result, &name) != 0)
    name = NULL;
  if (driver->cuGetErrorString && driver->cuGetErrorString(result, &text) != 0)
    text = NULL;
  if (name)
    autoglm_message_appendf(message, "%s", name);
  else
    autoglm_message_appendf(message, "CUDA error %d", result);
  if (text)
    autoglm_message_appendf(message, ": %s", text);
  /* A fault in a kernel is sticky: the driver refuses all further work of
   * the process, whatever session it belongs to. */
  if (result == CUDA_ERROR_ILLEGAL_ADDRESS || result == 702 /* timeout */ ||
      result == 710 /* device-side assert */ ||
      (result >= 714 /* hardware stack error */ &&
       result <= CUDA_ERROR_LAUNCH_FAILED))
    autoglm_message_appendf(message, " (CUDA cannot be used again in this "
                                     "process; restart it)");
}
