/*===- fake_batch_model.c - a stand-in model with a batch dimension -------===*\
 *
 * For the batcher's tests: a row-wise computation over a batch of 4 rows,
 * using the workspace and ctx->parallel_for like compiled code does.
 *
\*===----------------------------------------------------------------------===*/

#include "fake_batch_model.h"

#include <stddef.h>
#include <stdint.h>

static const int64_t xShape[] = {FAKE_BATCH, FAKE_BATCH_COLS};
static const int64_t rowShape[] = {FAKE_BATCH};

static const autoglm_tensor_desc inputs[2] = {
    {"x", AUTOGLM_FLOAT32, 2, xShape},
    {"k", AUTOGLM_INT32, 1, rowShape},
};
static const autoglm_tensor_desc outputs[2] = {
    {"y", AUTOGLM_FLOAT32, 2, xShape},
    {"s", AUTOGLM_FLOAT64, 1, rowShape},
};

void (*fake_batch_entry_hook)(void);

void fake_batch_row(const float *x, int32_t k, float *y, double *s) {
  float sum = 0;
  for (int c = 0; c < FAKE_BATCH_COLS; ++c)
    sum += x[c];
  double total = 0;
  for (int c = 0; c < FAKE_BATCH_COLS; ++c) {
    y[c] = (float)k * x[c] + sum;
    total += y[c];
  }
  *s = total;
}

typedef struct Args {
  void *const *inputs;
  void *const *outputs;
  double *scratch;
} Args;

static void rowBody(void *data, int64_t begin, int64_t end) {
  Args *args = data;
  const float *x = args->inputs[0];
  const int32_t *k = args->inputs[1];
  float *y = args->outputs[0];
  for (int64_t r = begin; r < end; ++r)
    fake_batch_row(x + r * FAKE_BATCH_COLS, k[r], y + r * FAKE_BATCH_COLS,
                   &args->scratch[r]);
}

static int32_t entry(void *const *in, void *const *out, void *workspace,
                     const void *weights, autoglm_exec_context *ctx) {
  (void)weights;
  if (fake_batch_entry_hook)
    fake_batch_entry_hook();
  const float *x = in[0];
  for (int i = 0; i < FAKE_BATCH * FAKE_BATCH_COLS; ++i)
    if (x[i] == -999.0f)
      return 42;
  Args args = {in, out, workspace};
  ctx->parallel_for(ctx, FAKE_BATCH, rowBody, &args);
  double *s = out[1];
  for (int r = 0; r < FAKE_BATCH; ++r)
    s[r] = args.scratch[r];
  return 0;
}

const autoglm_model_desc autoglm_model_fake_batch = {
    AUTOGLM_ABI_VERSION,
    AUTOGLM_DEVICE_CPU,
    "fake_batch",
    2,
    2,
    inputs,
    outputs,
    FAKE_BATCH * sizeof(double),
    entry,
    0,
    0,
    NULL,
    NULL,
};
