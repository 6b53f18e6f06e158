/*===- fake_model.h - a hand-written stand-in for a compiled model -*- C
 * -*-===*/

#ifndef AUTOGLM_TEST_FAKE_MODEL_H
#define AUTOGLM_TEST_FAKE_MODEL_H

#include "autoglm/model_abi.h"

/* Inputs:  x float32 [2,3], b int32 [3]
 * Outputs: y = 2*x + b (b broadcast over rows) float32 [2,3],
 *          total = sum(y) float64 [] (rank 0)
 * Workspace: 24 bytes, holding 2*x after a run.
 * The entry returns 42 when x[0][0] == -999, to exercise model failures. */
extern const autoglm_model_desc autoglm_model_fake;

/* Its shapes and tensor tables, which every variant shares. */
enum { FAKE_ROWS = 2, FAKE_COLS = 3, FAKE_SIZE = FAKE_ROWS * FAKE_COLS };
extern const autoglm_tensor_desc fake_model_inputs[2];
extern const autoglm_tensor_desc fake_model_outputs[2];

/* The same model with y = w*x + b, w the first float32 of its weights
 * file "fake_weighted.weights" (FAKE_WEIGHTS_BYTES of data, fingerprint
 * FAKE_WEIGHTS_FINGERPRINT). */
#define FAKE_WEIGHTS_BYTES 64
#define FAKE_WEIGHTS_FINGERPRINT 0x5eed5eed12345678ull
extern const autoglm_model_desc autoglm_model_fake_weighted;

/* The model compiled for CUDA (fake_cuda_model.c): the same signature and
 * results, computed by two kernels and a copy that the fake CUDA driver
 * (fake_cuda_driver.c) runs on host memory; 512 bytes of workspace, 64
 * bytes of embedded weights. */
struct autoglm_cuda_image;
extern const struct autoglm_cuda_image autoglm_fake_cuda_image;
extern const autoglm_model_desc autoglm_model_fake_cuda;

/* The CUDA model with its weights in fake_weighted.weights (as above). */
extern const autoglm_model_desc autoglm_model_fake_cuda_weighted;

/* A CUDA model of two cuBLASLt products (fake_cuda_gemm_model.c): input x
 * float32 [2,3]; outputs y = x · Wᵀ float32 [2,2], z = xᵀ · x float32
 * [3,3], W = [[1,0,2],[0,1,-1]] from its embedded weights. */
extern const autoglm_model_desc autoglm_model_fake_cuda_gemm;

/* A CUDA model of two cuDNN convolutions in bfloat16
 * (fake_cuda_conv_model.c): input x [1,2,4,4]; outputs y [1,3,4,4] = x ⋆ W
 * (pads 1) and z [1,2,2,3] = x ⋆ V (strides 2,1, dilations 1,2, pads 0,1
 * before and 1,0 after); W [3,2,3,3] at the weights' start and V [2,2,2,2]
 * FAKE_CONV_V_OFFSET bytes in, FAKE_CONV_WEIGHTS bfloat16 values in all. */
enum { FAKE_CONV_V_OFFSET = 128, FAKE_CONV_WEIGHTS = 128 };
extern const uint16_t fake_cuda_conv_weights[FAKE_CONV_WEIGHTS];
extern const autoglm_model_desc autoglm_model_fake_cuda_conv;

#endif /* AUTOGLM_TEST_FAKE_MODEL_H */
