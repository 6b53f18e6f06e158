/*===- fake_batch_model.h - a stand-in model with a batch dimension -*- C
 * -*-===*/

#ifndef AUTOGLM_TEST_FAKE_BATCH_MODEL_H
#define AUTOGLM_TEST_FAKE_BATCH_MODEL_H

#include "autoglm/model_abi.h"

/* Inputs:  x float32 [4,3], k int32 [4]
 * Outputs: y float32 [4,3] with y[r][c] = k[r] * x[r][c] + sum_c' x[r][c'],
 *          s float64 [4] with s[r] = sum_c y[r][c]
 * Rows are independent, so a batch of requests must give each request what
 * it would get alone. The entry returns 42 when any x is -999 (a request
 * the model "cannot compute"), and, before computing, calls the hook
 * fake_batch_entry_hook when it is set (tests use it to hold a run). */
enum { FAKE_BATCH = 4, FAKE_BATCH_COLS = 3 };
extern const autoglm_model_desc autoglm_model_fake_batch;
extern void (*fake_batch_entry_hook)(void);

/* The same model compiled for batches of 1 and 2 rows. A run of 1, 2 or 4
 * rows first sleeps fake_batch_run_us[0], [1] or [2] microseconds (0 by
 * default), so that tests can give the sizes known costs. */
extern const autoglm_model_desc autoglm_model_fake_batch_1;
extern const autoglm_model_desc autoglm_model_fake_batch_2;
extern int64_t fake_batch_run_us[3];
/* Added to the next run of that size only, then reset to 0: a first run's
 * one-time cost (a GPU session's graph capture). */
extern int64_t fake_batch_first_run_us[3];

/* The reference: y and s of one row, as the entry computes them. */
void fake_batch_row(const float *x, int32_t k, float *y, double *s);

#endif /* AUTOGLM_TEST_FAKE_BATCH_MODEL_H */
