/*===- fake_seq_model.c - a stand-in model with sequence lengths ----------===*\
 *
 * For the tests of sequence-length buckets (the padded run of a session,
 * the batcher's merging of lengths): the descriptor autoglm-opt writes for
 * `--input-shape=x:2x{2,4} --input-shape=m:2x{2,4} --pad-mask=m`.
 *
\*===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L /* nanosleep */

#include "fake_seq_model.h"

#include <stddef.h>
#include <time.h>

int64_t fake_seq_last_length;
int64_t fake_seq_last_batch;
int fake_seq_runs;
void (*fake_seq_entry_hook)(void);
int64_t fake_seq_run_us[2][2];

void fake_seq_row(const float *x, const int64_t *m, int64_t length, float *y,
                  double *s) {
  double total = 0;
  for (int64_t t = 0; t < length; ++t)
    total += (double)m[t] * x[t];
  for (int64_t t = 0; t < length; ++t)
    y[t] = (float)m[t] * x[t] + (float)total;
  *s = total;
}

static int32_t runLength(int64_t batch, int64_t length, void *const *in,
                         void *const *out) {
  if (fake_seq_entry_hook)
    fake_seq_entry_hook();
  int64_t us = fake_seq_run_us[batch - 1][length == 2 ? 0 : 1];
  if (us > 0) {
    struct timespec t = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    nanosleep(&t, NULL);
  }
  fake_seq_last_length = length;
  fake_seq_last_batch = batch;
  ++fake_seq_runs;
  for (int64_t r = 0; r < batch; ++r)
    fake_seq_row((const float *)in[0] + r * length,
                 (const int64_t *)in[1] + r * length, length,
                 (float *)out[0] + r * length, (double *)out[1] + r);
  return 0;
}

#define FAKE_SEQ_ENTRY(B, L)                                                   \
  static const int64_t shape##B##x##L[] = {B, L};                              \
  static const int64_t rows##B##x##L[] = {B};                                  \
  static const autoglm_tensor_desc inputs##B##x##L[2] = {                      \
      {"x", AUTOGLM_FLOAT32, 2, shape##B##x##L},                               \
      {"m", AUTOGLM_INT64, 2, shape##B##x##L},                                 \
  };                                                                           \
  static const autoglm_tensor_desc outputs##B##x##L[2] = {                     \
      {"y", AUTOGLM_FLOAT32, 2, shape##B##x##L},                               \
      {"s", AUTOGLM_FLOAT64, 1, rows##B##x##L},                                \
  };                                                                           \
  static int32_t entry##B##x##L(void *const *in, void *const *out,             \
                                void *workspace, const void *weights,          \
                                autoglm_exec_context *ctx) {                   \
    (void)workspace;                                                           \
    (void)weights;                                                             \
    (void)ctx;                                                                 \
    return runLength(B, L, in, out);                                           \
  }
FAKE_SEQ_ENTRY(1, 2)
FAKE_SEQ_ENTRY(1, 4)
FAKE_SEQ_ENTRY(2, 2)
FAKE_SEQ_ENTRY(2, 4)

static const autoglm_batch_entry entries[2] = {
    {FAKE_SEQ_BATCH, inputs2x2, outputs2x2, 0, entry2x2},
    {FAKE_SEQ_BATCH, inputs2x4, outputs2x4, 0, entry2x4},
};
/* Batch-major, as autoglm-opt writes them. */
static const autoglm_batch_entry sizeEntries[4] = {
    {1, inputs1x2, outputs1x2, 0, entry1x2},
    {1, inputs1x4, outputs1x4, 0, entry1x4},
    {2, inputs2x2, outputs2x2, 0, entry2x2},
    {2, inputs2x4, outputs2x4, 0, entry2x4},
};
static const int64_t lengths[2] = {2, 4};
/* Dimension 1 of x, m and y is the length; s has none. */
static const uint32_t inputSeqDims[2] = {2, 2};
static const uint32_t outputSeqDims[2] = {2, 0};

const autoglm_model_desc autoglm_model_fake_seq = {
    .abi_version = AUTOGLM_ABI_VERSION,
    .device = AUTOGLM_DEVICE_CPU,
    .name = "fake_seq",
    .num_inputs = 2,
    .num_outputs = 2,
    .inputs = inputs2x4,
    .outputs = outputs2x4,
    .workspace_bytes = 0,
    .entry = entry2x4,
    .num_batch_entries = 2,
    .batch_entries = entries,
    .num_seq_lengths = 2,
    .seq_lengths = lengths,
    .input_seq_dims = inputSeqDims,
    .output_seq_dims = outputSeqDims,
    .pad_mask_input = 1,
};

const autoglm_model_desc autoglm_model_fake_seq_sizes = {
    .abi_version = AUTOGLM_ABI_VERSION,
    .device = AUTOGLM_DEVICE_CPU,
    .name = "fake_seq_sizes",
    .num_inputs = 2,
    .num_outputs = 2,
    .inputs = inputs2x4,
    .outputs = outputs2x4,
    .workspace_bytes = 0,
    .entry = entry2x4,
    .num_batch_entries = 4,
    .batch_entries = sizeEntries,
    .num_seq_lengths = 2,
    .seq_lengths = lengths,
    .input_seq_dims = inputSeqDims,
    .output_seq_dims = outputSeqDims,
    .pad_mask_input = 1,
};
