/*===- fake_cuda_gemm_model.c - a CUDA model of two cuBLASLt products -----===*\
 *
 * What the CUDA target emits for matrix products, written by hand: two GEMM
 * steps that the fake cuBLASLt (in fake_cuda_driver.c) computes on host
 * memory, with operands stored by rows and by columns.
 *
 * Input x float32 [2,3]; weights W float32 [2,3] = [[1,0,2],[0,1,-1]].
 *   step 0: y [2,2] = x · Wᵀ   (B = Wᵀ is W's bytes read by columns)
 *   step 1: z [3,3] = xᵀ · x   (A = xᵀ is x's bytes read by columns)
 *
\*===----------------------------------------------------------------------===*/

#include "autoglm/cuda_image.h"
#include "fake_model.h"

#include <stddef.h>

static const int64_t xShape[] = {2, 3}, yShape[] = {2, 2}, zShape[] = {3, 3};

static const autoglm_tensor_desc gemmInputs[] = {
    {"x", AUTOGLM_FLOAT32, 2, xShape},
};
static const autoglm_tensor_desc gemmOutputs[] = {
    {"y", AUTOGLM_FLOAT32, 2, yShape},
    {"z", AUTOGLM_FLOAT32, 2, zShape},
};

static const autoglm_cuda_arg yArgs[] = {
    {AUTOGLM_CUDA_ARG_OUTPUT, 0, 0},
    {AUTOGLM_CUDA_ARG_INPUT, 0, 0},
    {AUTOGLM_CUDA_ARG_WEIGHTS, 0, 0},
};
static const autoglm_cuda_arg zArgs[] = {
    {AUTOGLM_CUDA_ARG_OUTPUT, 1, 0},
    {AUTOGLM_CUDA_ARG_INPUT, 0, 0},
    {AUTOGLM_CUDA_ARG_INPUT, 0, 0},
};

static const autoglm_cuda_gemm yGemm = {
    .a_type = AUTOGLM_FLOAT32,
    .b_type = AUTOGLM_FLOAT32,
    .d_type = AUTOGLM_FLOAT32,
    .transpose_b = 1,
    .alpha = 1.0f,
    .m = 2,
    .n = 2,
    .k = 3,
    .batch = 1,
    .lda = 3,
    .ldb = 3,
    .ldd = 2,
};
static const autoglm_cuda_gemm zGemm = {
    .a_type = AUTOGLM_FLOAT32,
    .b_type = AUTOGLM_FLOAT32,
    .d_type = AUTOGLM_FLOAT32,
    .transpose_a = 1,
    .alpha = 1.0f,
    .m = 3,
    .n = 3,
    .k = 2,
    .batch = 1,
    .lda = 3,
    .ldb = 3,
    .ldd = 3,
};

static const autoglm_cuda_step gemmSteps[] = {
    {.kind = AUTOGLM_CUDA_STEP_GEMM,
     .num_args = 3,
     .args = yArgs,
     .gemm = &yGemm,
     .nodes = "MatMul_0"},
    {.kind = AUTOGLM_CUDA_STEP_GEMM,
     .num_args = 3,
     .args = zArgs,
     .gemm = &zGemm,
     .nodes = "Gram_1"},
};

static _Alignas(256) const float gemmWeights[16] = {1, 0, 2, 0, 1, -1};

static const autoglm_cuda_image gemmImage = {
    .version = AUTOGLM_CUDA_IMAGE_VERSION,
    .archs = "sm_80,sm_90",
    .min_compute_capability = 80,
    .num_steps = 2,
    .steps = gemmSteps,
    .weights = gemmWeights,
    .weights_bytes = sizeof(gemmWeights),
};

const autoglm_model_desc autoglm_model_fake_cuda_gemm = {
    .abi_version = AUTOGLM_ABI_VERSION,
    .device = AUTOGLM_DEVICE_CUDA,
    .name = "fake_cuda_gemm",
    .num_inputs = 1,
    .num_outputs = 2,
    .inputs = gemmInputs,
    .outputs = gemmOutputs,
    .device_image = &gemmImage,
};
