/*===- fake_model.c - a hand-written stand-in for a compiled model --------===*\
 *
 * What the code generator will emit, written by hand so that the runtime
 * and autoglm-run can be tested before it exists: a constant descriptor and
 * an entry that uses the workspace and ctx->parallel_for. Built as a shared
 * library (with autoglm_get_model) and linked statically into the runtime
 * test. FAKE_MODEL_ABI_VERSION and FAKE_MODEL_NO_GETTER build the broken
 * variants the runner's error tests load; FAKE_MODEL_CUDA makes
 * autoglm_get_model return the CUDA model of fake_cuda_model.c (linked
 * alongside).
 *
\*===----------------------------------------------------------------------===*/

#include "fake_model.h"

#include <stddef.h>
#include <stdint.h>

#ifndef FAKE_MODEL_ABI_VERSION
#define FAKE_MODEL_ABI_VERSION AUTOGLM_ABI_VERSION
#endif

static const int64_t xShape[] = {FAKE_ROWS, FAKE_COLS};
static const int64_t bShape[] = {FAKE_COLS};

const autoglm_tensor_desc fake_model_inputs[2] = {
    {"x", AUTOGLM_FLOAT32, 2, xShape},
    {"b", AUTOGLM_INT32, 1, bShape},
};
const autoglm_tensor_desc fake_model_outputs[2] = {
    {"y", AUTOGLM_FLOAT32, 2, xShape},
    {"total", AUTOGLM_FLOAT64, 0, 0},
};

typedef struct FakeArgs {
  const float *x;
  const int32_t *b;
  float *scratch;
  float *y;
} FakeArgs;

static void scaleBody(void *data, int64_t begin, int64_t end) {
  FakeArgs *args = data;
  for (int64_t i = begin; i < end; ++i)
    args->scratch[i] = 2.0f * args->x[i];
}

static void addBody(void *data, int64_t begin, int64_t end) {
  FakeArgs *args = data;
  for (int64_t i = begin; i < end; ++i)
    args->y[i] = args->scratch[i] + (float)args->b[i % FAKE_COLS];
}

static int32_t fakeEntry(void *const *inputs, void *const *outputs,
                         void *workspace, const void *weights,
                         autoglm_exec_context *ctx) {
  (void)weights;
  /* The ABI promises a 64-byte aligned workspace. */
  if (!workspace || (uintptr_t)workspace % 64 != 0)
    return 1;
  FakeArgs args = {inputs[0], inputs[1], workspace, outputs[0]};
  if (args.x[0] == -999.0f)
    return 42;
  ctx->parallel_for(ctx, FAKE_SIZE, scaleBody, &args);
  ctx->parallel_for(ctx, FAKE_SIZE, addBody, &args);
  double total = 0;
  for (int i = 0; i < FAKE_SIZE; ++i)
    total += args.y[i];
  *(double *)outputs[1] = total;
  return 0;
}

const autoglm_model_desc autoglm_model_fake = {
    FAKE_MODEL_ABI_VERSION,
    AUTOGLM_DEVICE_CPU,
    "fake",
    2,
    2,
    fake_model_inputs,
    fake_model_outputs,
    FAKE_SIZE * sizeof(float),
    fakeEntry,
    0,
    0,
    NULL,
    NULL,
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

/* The same model with its scale in a weights file: y = w * x + b, where w
 * is the first float of the weights data (FAKE_WEIGHTS_BYTES of them). */
static int32_t fakeWeightedEntry(void *const *inputs, void *const *outputs,
                                 void *workspace, const void *weights,
                                 autoglm_exec_context *ctx) {
  if (!weights || (uintptr_t)weights % 64 != 0)
    return 2;
  float scale = *(const float *)weights;
  int32_t code = fakeEntry(inputs, outputs, workspace, NULL, ctx);
  if (code != 0)
    return code;
  /* fakeEntry computed 2*x + b; turn it into scale*x + b. */
  const float *x = inputs[0];
  float *y = outputs[0];
  double total = 0;
  for (int i = 0; i < FAKE_SIZE; ++i) {
    y[i] += (scale - 2.0f) * x[i];
    total += y[i];
  }
  *(double *)outputs[1] = total;
  return 0;
}

const autoglm_model_desc autoglm_model_fake_weighted = {
    FAKE_MODEL_ABI_VERSION,
    AUTOGLM_DEVICE_CPU,
    "fake_weighted",
    2,
    2,
    fake_model_inputs,
    fake_model_outputs,
    FAKE_SIZE * sizeof(float),
    fakeWeightedEntry,
    FAKE_WEIGHTS_BYTES,
    FAKE_WEIGHTS_FINGERPRINT,
    "fake_weighted.weights",
    NULL,
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

#ifndef FAKE_MODEL_NO_GETTER
const autoglm_model_desc *autoglm_get_model(void) {
#ifdef FAKE_MODEL_CUDA
  return &autoglm_model_fake_cuda;
#else
  return &autoglm_model_fake;
#endif
}
#endif
