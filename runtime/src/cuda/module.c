/*===- module.c - load the fatbin and find the kernels --------------------===*\
 *
 * The fatbin is loaded once per session; the driver picks the machine code
 * for this GPU or JIT-compiles the PTX. Each kernel is looked up by name once,
 * so that a run only launches.
 *
\*===----------------------------------------------------------------------===*/

#include "../session_impl.h"
#include "cuda_session.h"

autoglm_status autoglm_cuda_load_module(autoglm_cuda_session *cuda,
                                        autoglm_message *message) {
  const autoglm_cuda_driver *d = cuda->driver;
  const autoglm_cuda_image *image = cuda->image;
  const char *name = autoglm_model_name(cuda->model);
  if (image->num_kernels == 0) {
    cuda->module = NULL;
    return AUTOGLM_OK;
  }
  CUresult result = d->cuModuleLoadData(&cuda->module, image->fatbin);
  if (result != CUDA_SUCCESS) {
    cuda->module = NULL;
    switch (result) {
    case CUDA_ERROR_NO_BINARY_FOR_GPU:
      autoglm_cuda_append_no_binary(message, cuda, result);
      return AUTOGLM_ERROR_DEVICE_UNAVAILABLE;
    /* No machine code for this GPU, and the PTX does not compile here. */
    case CUDA_ERROR_INVALID_PTX:
    case CUDA_ERROR_UNSUPPORTED_PTX_VERSION:
    case CUDA_ERROR_JIT_COMPILER_NOT_FOUND:
      autoglm_message_appendf(message,
                              "the CUDA driver (CUDA %d.%d) cannot compile the "
                              "PTX of model '%s' for the GPU (%s): ",
                              d->version / 1000, (d->version % 1000) / 10, name,
                              cuda->description);
      autoglm_cuda_append_error(message, d, result);
      autoglm_message_appendf(message,
                              "; update the NVIDIA driver, or recompile the "
                              "model with --gpu-arch=sm_%d",
                              cuda->compute_capability);
      return AUTOGLM_ERROR_DEVICE_UNAVAILABLE;
    case CUDA_ERROR_OUT_OF_MEMORY:
      autoglm_message_appendf(message,
                              "out of device memory on GPU %d (%s) while "
                              "loading the %llu-byte fatbin of model '%s'",
                              cuda->ordinal, cuda->name,
                              (unsigned long long)image->fatbin_bytes, name);
      return AUTOGLM_ERROR_OUT_OF_MEMORY;
    default:
      autoglm_message_appendf(message,
                              "cannot load the fatbin of model '%s' on GPU %d "
                              "(%s): ",
                              name, cuda->ordinal, cuda->name);
      autoglm_cuda_append_error(message, d, result);
      return AUTOGLM_ERROR_DEVICE_FAILED;
    }
  }
  for (int32_t k = 0; k < image->num_kernels; ++k) {
    result = d->cuModuleGetFunction(&cuda->functions[k], cuda->module,
                                    image->kernel_names[k]);
    if (result != CUDA_SUCCESS) {
      autoglm_message_appendf(message,
                              "model '%s': kernel '%s' is not in its fatbin (",
                              name, image->kernel_names[k]);
      autoglm_cuda_append_error(message, d, result);
      autoglm_message_appendf(message, ")");
      return AUTOGLM_ERROR_INVALID_MODEL;
    }
  }
  return AUTOGLM_OK;
}
