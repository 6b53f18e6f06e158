/*===- fake_seq_model.c - a stand-in model with sequence lengths ----------===*\
 *
 * For the tests of sequence-length buckets (the padded run of a session,
 * the batcher's merging of lengths): the descriptor autoglm-opt writes for
 * `--input-shape=x:2x{2,4} --input-shape=m:2x{2,4} --pad-mask=m`.
 *
\*===----------------------------------------------------------------------===*/

#include "fake_seq_model.h"

#include <stddef.h>

int64_t fake_seq_last_length;
int fake_seq_runs;
void (*fake_seq_entry_hook)(void);

void fake_seq_row(const float *x, const int64_t *m, int64_t length, float *y,
                  double *s) {
  double total = 0;
  for (int64_t t = 0; t < length; ++t)
    total += (double)m[t] * x[t];
  for (int64_t t = 0; t < length; ++t)
    y[t] = (float)m[t] * x[t] + (float)total;
  *s = total;
}

static int32_t runLength(int64_t length, void *const *in, void *const *out) {
  if (fake_seq_entry_hook)
    fake_seq_entry_hook();
  fake_seq_last_length = length;
  ++fake_seq_runs;
  for (int64_t r = 0; r < FAKE_SEQ_BATCH; ++r)
    fake_seq_row((const float *)in[0] + r * length,
                 (const int64_t *)in[1] + r * length, length,
                 (float *)out[0] + r * length, (double *)out[1] + r);
  return 0;
}

#define FAKE_SEQ_ENTRY(L)                                                      \
  static const int64_t shape##L[] = {FAKE_SEQ_BATCH, L};                       \
  static const int64_t rows##L[] = {FAKE_SEQ_BATCH};                           \
  static const autoglm_tensor_desc inputs##L[2] = {                            \
      {"x", AUTOGLM_FLOAT32, 2, shape##L},                                     \
      {"m", AUTOGLM_INT64, 2, shape##L},                                       \
  };                                                                           \
  static const autoglm_tensor_desc outputs##L[2] = {                           \
      {"y", AUTOGLM_FLOAT32, 2, shape##L},                                     \
      {"s", AUTOGLM_FLOAT64, 1, rows##L},                                      \
  };                                                                           \
  static int32_t entry##L(void *const *in, void *const *out, void *workspace,  \
                          const void *weights, autoglm_exec_context *ctx) {    \
    (void)workspace;                                                           \
    (void)weights;                                                             \
    (void)ctx;                                                                 \
    return runLength(L, in, out);                                              \
  }
FAKE_SEQ_ENTRY(2)
FAKE_SEQ_ENTRY(4)

static const autoglm_batch_entry entries[2] = {
    {FAKE_SEQ_BATCH, inputs2, outputs2, 0, entry2},
    {FAKE_SEQ_BATCH, inputs4, outputs4, 0, entry4},
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
    .inputs = inputs4,
    .outputs = outputs4,
    .workspace_bytes = 0,
    .entry = entry4,
    .num_batch_entries = 2,
    .batch_entries = entries,
    .num_seq_lengths = 2,
    .seq_lengths = lengths,
    .input_seq_dims = inputSeqDims,
    .output_seq_dims = outputSeqDims,
    .pad_mask_input = 1,
};
