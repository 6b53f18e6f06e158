/*===- fake_cuda_conv_model.c - a CUDA model of two cuDNN convolutions ----===*\
 *
 * What the CUDA target emits for ONNX Conv nodes, written by hand: two CONV
 * steps in bfloat16 that the fake cuDNN (fake_cudnn.c) computes on host
 * memory. Both read the input x bfloat16 [1,2,4,4]; the weights hold
 * W [3,2,3,3] at byte 0 and V [2,1,2,2] at byte 128 (so V's tensor is only
 * 128-byte aligned), small integers that bfloat16 represents exactly.
 *   step 0: y [1,3,4,4] = x ⋆ W, pads 1, strides 1
 *   step 1: z [1,2,2,3] = x ⋆ V depthwise (2 groups: filter f reads channel
 *           f), strides (2,1), dilations (1,2), pads (0,1) before and
 *           (1,0) after (rows, columns)
 *
\*===----------------------------------------------------------------------===*/

#include "autoglm/cuda_image.h"
#include "fake_model.h"

#include <stddef.h>

static const int64_t xShape[] = {1, 2, 4, 4}, yShape[] = {1, 3, 4, 4},
                     zShape[] = {1, 2, 2, 3};

static const autoglm_tensor_desc convInputs[] = {
    {"x", AUTOGLM_BFLOAT16, 4, xShape},
};
static const autoglm_tensor_desc convOutputs[] = {
    {"y", AUTOGLM_BFLOAT16, 4, yShape},
    {"z", AUTOGLM_BFLOAT16, 4, zShape},
};

static const autoglm_cuda_arg yArgs[] = {
    {AUTOGLM_CUDA_ARG_OUTPUT, 0, 0},
    {AUTOGLM_CUDA_ARG_INPUT, 0, 0},
    {AUTOGLM_CUDA_ARG_WEIGHTS, 0, 0},
};
static const autoglm_cuda_arg zArgs[] = {
    {AUTOGLM_CUDA_ARG_OUTPUT, 1, 0},
    {AUTOGLM_CUDA_ARG_INPUT, 0, 0},
    {AUTOGLM_CUDA_ARG_WEIGHTS, 0, FAKE_CONV_V_OFFSET},
};

static const autoglm_cuda_conv yConv = {
    .type = AUTOGLM_BFLOAT16,
    .groups = 1,
    .batch = 1,
    .channels = 2,
    .height = 4,
    .width = 4,
    .filters = 3,
    .kernel_height = 3,
    .kernel_width = 3,
    .out_height = 4,
    .out_width = 4,
    .strides = {1, 1},
    .dilations = {1, 1},
    .pad_before = {1, 1},
    .pad_after = {1, 1},
};
static const autoglm_cuda_conv zConv = {
    .type = AUTOGLM_BFLOAT16,
    .groups = 2,
    .batch = 1,
    .channels = 2,
    .height = 4,
    .width = 4,
    .filters = 2,
    .kernel_height = 2,
    .kernel_width = 2,
    .out_height = 2,
    .out_width = 3,
    .strides = {2, 1},
    .dilations = {1, 2},
    .pad_before = {0, 1},
    .pad_after = {1, 0},
};

static const autoglm_cuda_step convSteps[] = {
    {.kind = AUTOGLM_CUDA_STEP_CONV,
     .num_args = 3,
     .args = yArgs,
     .conv = &yConv,
     .nodes = "Conv_0"},
    {.kind = AUTOGLM_CUDA_STEP_CONV,
     .num_args = 3,
     .args = zArgs,
     .conv = &zConv,
     .nodes = "Conv_1"},
};

/* bfloat16 bit patterns of the integers the weights use. */
enum { O = 0x0000, P1 = 0x3f80, N1 = 0xbf80, P2 = 0x4000 };

/* Also read by cuda_test.c's reference. */
_Alignas(256) const uint16_t fake_cuda_conv_weights[FAKE_CONV_WEIGHTS] = {
    /* W, filter 0: channel 0, channel 1 */
    P1, O, N1, P1, O, N1, P1, O, N1, /**/ O, O, O, O, P1, O, O, O, O,
    /* filter 1 */
    O, P1, O, P1, N1, P1, O, P1, O, /**/ P1, P1, P1, O, O, O, N1, N1, N1,
    /* filter 2: not symmetric, so a flipped kernel shows */
    P2, O, O, O, O, O, O, O, N1, /**/ O, O, P1, O, O, O, O, O, O,
    /* V at element 64 (byte 128): filter 0, filter 1 */
    [FAKE_CONV_V_OFFSET / 2] = P1, P2, O, N1, /**/ N1, O, P2, P1};

static const autoglm_cuda_image convImage = {
    .version = AUTOGLM_CUDA_IMAGE_VERSION,
    .archs = "sm_80,sm_90",
    .min_compute_capability = 80,
    .num_steps = 2,
    .steps = convSteps,
    .weights = fake_cuda_conv_weights,
    .weights_bytes = sizeof(fake_cuda_conv_weights),
};

const autoglm_model_desc autoglm_model_fake_cuda_conv = {
    .abi_version = AUTOGLM_ABI_VERSION,
    .device = AUTOGLM_DEVICE_CUDA,
    .name = "fake_cuda_conv",
    .num_inputs = 1,
    .num_outputs = 2,
    .inputs = convInputs,
    .outputs = convOutputs,
    .device_image = &convImage,
};
