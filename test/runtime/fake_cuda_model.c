/*===- fake_cuda_model.c - a hand-written CUDA model for the fake driver --===*\
 *
 * What the CUDA target emits, written by hand: a descriptor for
 * AUTOGLM_DEVICE_CUDA with no entry, and a device image with two kernels, a
 * copy, embedded weights and a workspace. The "fatbin" is text that the fake
 * driver (fake_cuda_driver.c) reads: the architectures it has code for and
 * each kernel's parameter layout (p: pointer, i: int32, l: int64), which
 * the fake uses to log and run the kernels on host memory.
 *
 * The computation is the CPU fake model's, y = w*x + b with w = 2 from the
 * weights, total = sum(y):
 *   step 0: fake_scale_add(workspace+128, x, weights, b, cols, n)
 *   step 1: copy 24 bytes workspace+128 -> y
 *   step 2: fake_sum(total, y, n)
 *
\*===----------------------------------------------------------------------===*/

#include "autoglm/cuda_image.h"
#include "fake_model.h"

#include <stddef.h>

static const char fakeFatbin[] = "AUTOGLM-FAKE-FATBIN\n"
                                 "archs sm_80,sm_90\n"
                                 "kernel fake_scale_add ppppil\n"
                                 "kernel fake_sum ppl\n";

static const char *const kernelNames[] = {"fake_scale_add", "fake_sum"};

static const autoglm_cuda_arg scaleAddArgs[] = {
    {AUTOGLM_CUDA_ARG_WORKSPACE, 0, 128}, {AUTOGLM_CUDA_ARG_INPUT, 0, 0},
    {AUTOGLM_CUDA_ARG_WEIGHTS, 0, 0},     {AUTOGLM_CUDA_ARG_INPUT, 1, 0},
    {AUTOGLM_CUDA_ARG_I32, 0, FAKE_COLS}, {AUTOGLM_CUDA_ARG_I64, 0, FAKE_SIZE},
};
static const autoglm_cuda_arg copyArgs[] = {
    {AUTOGLM_CUDA_ARG_OUTPUT, 0, 0},
    {AUTOGLM_CUDA_ARG_WORKSPACE, 0, 128},
};
static const autoglm_cuda_arg sumArgs[] = {
    {AUTOGLM_CUDA_ARG_OUTPUT, 1, 0},
    {AUTOGLM_CUDA_ARG_OUTPUT, 0, 0},
    {AUTOGLM_CUDA_ARG_I64, 0, FAKE_SIZE},
};

static const autoglm_cuda_step fakeSteps[] = {
    {.kind = AUTOGLM_CUDA_STEP_LAUNCH,
     .kernel = 0,
     .grid = {1, 1, 1},
     .block = {64, 1, 1},
     .num_args = 6,
     .args = scaleAddArgs,
     .nodes = "Mul_0,Add_1"},
    {.kind = AUTOGLM_CUDA_STEP_COPY,
     .grid = {1, 1, 1},
     .block = {1, 1, 1},
     .num_args = 2,
     .args = copyArgs,
     .bytes = FAKE_SIZE * sizeof(float),
     .nodes = "Identity_2"},
    {.kind = AUTOGLM_CUDA_STEP_DEPENDENT_LAUNCH,
     .kernel = 1,
     .grid = {1, 1, 1},
     .block = {32, 1, 1},
     .shared_bytes = 256,
     .num_args = 3,
     .args = sumArgs,
     .nodes = "ReduceSum_3"},
};

/* 64 bytes of weights: the scale, then zeros. */
static _Alignas(256) const float fakeWeights[16] = {2.0f};

const autoglm_cuda_image autoglm_fake_cuda_image = {
    AUTOGLM_CUDA_IMAGE_VERSION,
    "sm_80,sm_90",
    80,
    fakeFatbin,
    sizeof(fakeFatbin),
    2,
    kernelNames,
    3,
    fakeSteps,
    fakeWeights,
    sizeof(fakeWeights),
    0,
    NULL,
};

const autoglm_model_desc autoglm_model_fake_cuda = {
    AUTOGLM_ABI_VERSION,
    AUTOGLM_DEVICE_CUDA,
    "fake_cuda",
    2,
    2,
    fake_model_inputs,
    fake_model_outputs,
    512,
    NULL,
    0,
    0,
    NULL,
    &autoglm_fake_cuda_image,
    0,
    NULL,
    0,
    NULL,
    NULL,
    NULL,
    -1,
    0,
    NULL,
};

/* The same image with its weights in the weighted fake model's weights file
 * (FAKE_WEIGHTS_BYTES, FAKE_WEIGHTS_FINGERPRINT): y = w*x + b with w the
 * file's first float. */
static const autoglm_cuda_image fakeCudaFileImage = {
    AUTOGLM_CUDA_IMAGE_VERSION,
    "sm_80,sm_90",
    80,
    fakeFatbin,
    sizeof(fakeFatbin),
    2,
    kernelNames,
    3,
    fakeSteps,
    NULL,
    0,
    0,
    NULL,
};

const autoglm_model_desc autoglm_model_fake_cuda_weighted = {
    AUTOGLM_ABI_VERSION,
    AUTOGLM_DEVICE_CUDA,
    "fake_cuda_weighted",
    2,
    2,
    fake_model_inputs,
    fake_model_outputs,
    512,
    NULL,
    FAKE_WEIGHTS_BYTES,
    FAKE_WEIGHTS_FINGERPRINT,
    "fake_weighted.weights",
    &fakeCudaFileImage,
    0,
    NULL,
    0,
    NULL,
    NULL,
    NULL,
    -1,
    0,
    NULL,
};
