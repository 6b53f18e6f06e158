/*===- fake_batch_model.c - a stand-in model with a batch dimension -------===*\
 *
 * For the batcher's tests: a row-wise computation over a batch of 4 rows
 * (and the same model compiled for batches of 1 and 2), using the
 * workspace and ctx->parallel_for like compiled code does.
 *
\*===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L /* nanosleep */

#include "fake_batch_model.h"

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define FAKE_BATCH_TENSORS(N)                                                  \
  static const int64_t xShape##N[] = {N, FAKE_BATCH_COLS};                     \
  static const int64_t rowShape##N[] = {N};                                    \
  static const autoglm_tensor_desc inputs##N[2] = {                            \
      {"x", AUTOGLM_FLOAT32, 2, xShape##N},                                    \
      {"k", AUTOGLM_INT32, 1, rowShape##N},                                    \
  };                                                                           \
  static const autoglm_tensor_desc outputs##N[2] = {                           \
      {"y", AUTOGLM_FLOAT32, 2, xShape##N},                                    \
      {"s", AUTOGLM_FLOAT64, 1, rowShape##N},                                  \
  };
FAKE_BATCH_TENSORS(1)
FAKE_BATCH_TENSORS(2)
FAKE_BATCH_TENSORS(4)

int64_t fake_batch_run_us[3];
int64_t fake_batch_first_run_us[3];
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

static int32_t runRows(int64_t rows, void *const *in, void *const *out,
                       void *workspace, autoglm_exec_context *ctx) {
  if (fake_batch_entry_hook)
    fake_batch_entry_hook();
  int size = rows == 1 ? 0 : rows == 2 ? 1 : 2;
  int64_t us = fake_batch_run_us[size] + fake_batch_first_run_us[size];
  fake_batch_first_run_us[size] = 0;
  if (us > 0) {
    struct timespec t = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    nanosleep(&t, NULL);
  }
  const float *x = in[0];
  for (int64_t i = 0; i < rows * FAKE_BATCH_COLS; ++i)
    if (x[i] == -999.0f)
      return 42;
  Args args = {in, out, workspace};
  ctx->parallel_for(ctx, rows, rowBody, &args);
  double *s = out[1];
  for (int64_t r = 0; r < rows; ++r)
    s[r] = args.scratch[r];
  return 0;
}

#define FAKE_BATCH_MODEL(N, SUFFIX)                                            \
  static int32_t entry##N(void *const *in, void *const *out, void *workspace,  \
                          const void *weights, autoglm_exec_context *ctx) {    \
    (void)weights;                                                             \
    return runRows(N, in, out, workspace, ctx);                                \
  }                                                                            \
  const autoglm_model_desc autoglm_model_fake_batch##SUFFIX = {                \
      AUTOGLM_ABI_VERSION,                                                     \
      AUTOGLM_DEVICE_CPU,                                                      \
      "fake_batch" #SUFFIX,                                                    \
      2,                                                                       \
      2,                                                                       \
      inputs##N,                                                               \
      outputs##N,                                                              \
      N * sizeof(double),                                                      \
      entry##N,                                                                \
      0,                                                                       \
      0,                                                                       \
      NULL,                                                                    \
      NULL,                                                                    \
      0,                                                                       \
      NULL,                                                                    \
      0,                                                                       \
      NULL,                                                                    \
      NULL,                                                                    \
      NULL,                                                                    \
      -1,                                                                      \
      0,                                                                       \
      NULL,                                                                    \
  };
FAKE_BATCH_MODEL(4, )
FAKE_BATCH_MODEL(2, _2)
FAKE_BATCH_MODEL(1, _1)
