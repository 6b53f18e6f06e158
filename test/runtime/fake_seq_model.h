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

/* The length of the entry that ran last, and how many runs there were;
 * a hook called at the start of every run when set (tests hold runs). */
extern int64_t fake_seq_last_length;
extern int fake_seq_runs;
extern void (*fake_seq_entry_hook)(void);

/* The reference: y and s of one row of `length` positions. */
void fake_seq_row(const float *x, const int64_t *m, int64_t length, float *y,
                  double *s);

#endif /* AUTOGLM_TEST_FAKE_SEQ_MODEL_H */
