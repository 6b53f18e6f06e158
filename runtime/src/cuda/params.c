/*===- params.c - every step's kernel parameters, computed once -----------===*\
 *
 * cuLaunchKernel takes an array of pointers, one per kernel parameter, to
 * the parameter's value. The values are the device addresses of the
 * session's buffers plus the image's offsets, and the immediates: none of
 * them change between runs, so they are written here, once, into one slot
 * array (8 bytes per argument), and a run passes the same arrays again. A
 * captured graph copies them at capture time, which is why they must not
 * depend on the caller's tensors.
 *
\*===----------------------------------------------------------------------===*/

#include "cuda_session.h"

#include <string.h>

CUdeviceptr autoglm_cuda_arg_address(const autoglm_cuda_session *cuda,
                                     const autoglm_cuda_arg *arg) {
  CUdeviceptr base = 0;
  switch (arg->kind) {
  case AUTOGLM_CUDA_ARG_INPUT:
    base = cuda->buffers[arg->index];
    break;
  case AUTOGLM_CUDA_ARG_OUTPUT:
    base = cuda->buffers[cuda->model->num_inputs + arg->index];
    break;
  case AUTOGLM_CUDA_ARG_WEIGHTS:
    base = cuda->weights;
    break;
  case AUTOGLM_CUDA_ARG_WORKSPACE:
    base = cuda->workspace;
    break;
  default:
    return 0;
  }
  return base + arg->value;
}

size_t autoglm_cuda_count_params(const autoglm_cuda_image *image) {
  size_t count = 0;
  for (int32_t s = 0; s < image->num_steps; ++s)
    if (autoglm_cuda_is_launch(&image->steps[s]))
      count += (size_t)image->steps[s].num_args;
  return count;
}

void autoglm_cuda_prepare_steps(autoglm_cuda_session *cuda) {
  const autoglm_cuda_image *image = cuda->image;
  size_t next = 0;
  for (int32_t s = 0; s < image->num_steps; ++s) {
    const autoglm_cuda_step *step = &image->steps[s];
    autoglm_cuda_ready_step *ready = &cuda->steps[s];
    ready->step = step;
    ready->conv_by_blas = step->kind == AUTOGLM_CUDA_STEP_CONV &&
                          autoglm_cuda_conv_is_blas_product(image, step->conv);
    if (step->kind == AUTOGLM_CUDA_STEP_GEMM ||
        step->kind == AUTOGLM_CUDA_STEP_CONV)
      continue; /* blas.c, dnn.c */
    if (step->kind == AUTOGLM_CUDA_STEP_COPY) {
      ready->dst = autoglm_cuda_arg_address(cuda, &step->args[0]);
      ready->src = autoglm_cuda_arg_address(cuda, &step->args[1]);
      continue;
    }
    ready->function = cuda->functions[step->kernel];
    ready->params = &cuda->params[next];
    for (int32_t a = 0; a < step->num_args; ++a, ++next) {
      const autoglm_cuda_arg *arg = &step->args[a];
      uint64_t *slot = &cuda->slots[next];
      *slot = 0;
      if (arg->kind == AUTOGLM_CUDA_ARG_I32) {
        /* The kernel reads 4 bytes from the slot's start. */
        int32_t value = (int32_t)(uint32_t)arg->value;
        memcpy(slot, &value, sizeof(value));
      } else if (arg->kind == AUTOGLM_CUDA_ARG_I64) {
        *slot = arg->value;
      } else {
        CUdeviceptr address = autoglm_cuda_arg_address(cuda, arg);
        memcpy(slot, &address, sizeof(address));
      }
      cuda->params[next] = slot;
    }
  }
}
