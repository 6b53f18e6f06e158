/*===- fake_seq_model.h - a stand-in model with sequence lengths -*- C -*-===*/

#ifndef AUTOGLM_TEST_FAKE_SEQ_MODEL_H
#define AUTOGLM_TEST_FAKE_SEQ_MODEL_H

#include "autoglm/model_abi.h"

/* A model compiled with sets of lengths {2, 4} at batch 2 (entries 2x2
 * and 2x4), its pad mask the input `m`:
 * Inputs:  x float32 [2,L], m int64 [2,L]
 * Outputs: y float32 [2,L] with y[r][t] = m[r][t] * x[r][t] + total[r],
 *          s float64 [2] with s[r] = total[r] = sum_t m[r][t] * x[r][t]
 * Zero padding (x and m 0) leaves the real positions' y and s alone, and
 * gives padding positions y = total, so an output not cut back shows. */
enum { FAKE_SEQ_BATCH = 2, FAKE_SEQ_LONGEST = 4 };
extern const autoglm_model_desc autoglm_model_fake_seq;

/* The length and batch of the entry that ran last, and how many runs there
 * were; a hook called at the start of every run when set (tests hold runs). */
extern int64_t fake_seq_last_length;
extern int64_t fake_seq_last_batch;
extern int fake_seq_runs;
extern void (*fake_seq_entry_hook)(void);

/* The same model compiled for batches of 1 and 2 too (entries 1x2, 1x4,
 * 2x2, 2x4). A run of its entry at batch b and length index l (lengths 2,
 * 4) first sleeps fake_seq_run_us[b - 1][l] microseconds (0 by default), so
 * that tests can give the entries known costs. */
extern const autoglm_model_desc autoglm_model_fake_seq_sizes;
extern int64_t fake_seq_run_us[2][2];

/* The reference: y and s of one row of `length` positions. */
void fake_seq_row(const float *x, const int64_t *m, int64_t length, float *y,
                  double *s);

#endif /* AUTOGLM_TEST_FAKE_SEQ_MODEL_H */
