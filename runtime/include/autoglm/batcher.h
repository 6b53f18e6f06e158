/*===- autoglm/batcher.h - merge concurrent requests into batches -*- C -*-===*\
 *
 * An adaptive batcher in front of one session. Many threads submit requests
 * of a few rows each (dimension 0 of every input and output is the batch);
 * one worker thread merges queued requests into one run of the model, runs
 * it on the session and copies each request's rows of the outputs back.
 * Under light load a request runs at once, alone (a blocking one on its
 * caller's thread, when the worker is idle); under load requests queue up
 * while the model runs and the next run takes as many as fit.
 *
 * Rules that hold for every function below:
 *  - Every request that submit accepts (returns AUTOGLM_OK) is answered
 *    exactly once: the blocking form returns its status, the callback form
 *    calls its callback once. A request that submit rejects is never run
 *    and its callback is never called.
 *  - A bad request (count, dtype, rank, shape, NULL data, too many rows) is
 *    rejected by submit alone; the requests around it run unchanged.
 *  - The batcher owns the session while it exists: nothing else may run it.
 *  - Memory is allocated by autoglm_batcher_create only (one slot per
 *    request the queue may hold, and one batch of staging tensors); submit,
 *    cancel and the worker allocate nothing.
 *
\*===----------------------------------------------------------------------===*/

#ifndef AUTOGLM_BATCHER_H
#define AUTOGLM_BATCHER_H

#include "autoglm/runtime.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct autoglm_batcher autoglm_batcher;

typedef enum autoglm_batch_policy {
  /* Waits for more requests only while they are expected to come: when the
   * mean time between recent arrivals is shorter than what is left of the
   * oldest queued request's delay. A lone request at light load runs at
   * once; under load, batches fill up. */
  AUTOGLM_BATCH_ADAPTIVE = 0,
  /* Waits until a batch is full or the oldest queued request has waited
   * max_delay_us, whatever the load. */
  AUTOGLM_BATCH_FIXED = 1
} autoglm_batch_policy;

typedef struct autoglm_batcher_options {
  /* The most rows one run takes: 1 to the model's batch dimension; 0 means
   * the model's batch dimension. 1 turns batching off (one request a run,
   * in arrival order). */
  int32_t max_batch;
  /* The longest a queued request waits for others to join its batch, in
   * microseconds; 0 never waits (a run takes what is queued when the
   * worker is free). */
  int64_t max_delay_us;
  /* Requests accepted and not yet answered (queued or running) beyond which
   * submit rejects with AUTOGLM_ERROR_QUEUE_FULL; 0 means 1024. */
  int32_t queue_capacity;
  int32_t policy; /* autoglm_batch_policy */
  /* Runs of each entry (batch size, and sequence length for a model of
   * lengths) that create makes, on zero inputs, to measure what a run of
   * it costs before any request does (the fastest counts; the first also
   * warms caches); 0 learns the costs from the requests. */
  int32_t calibration_runs;
} autoglm_batcher_options;

/* Fills `options` with the defaults: the model's batch, 1000 us of delay,
 * 1024 requests, adaptive, no calibration. NULL-safe. */
void autoglm_batcher_options_init(autoglm_batcher_options *options);

/* Creates a batcher on `session` (which must outlive it and which it runs
 * exclusively) into `*out_batcher`, and starts its worker thread. The
 * model's inputs and outputs must all have rank >= 1 and the same first
 * dimension, the batch; a run with fewer rows pads the batch by repeating
 * its last row (outputs of padding rows are dropped). A session of a model
 * compiled with several batch sizes (`autoglm-opt --batch-sizes`) gives the
 * batcher all of them, as autoglm_batcher_create_multi does with sessions.
 * AUTOGLM_ERROR_INVALID_ARGUMENT for a NULL argument, bad options or a
 * model without a batch dimension; autoglm_batcher_last_error() says why. */
autoglm_status autoglm_batcher_create(autoglm_session *session,
                                      const autoglm_batcher_options *options,
                                      autoglm_batcher **out_batcher);

/* The same over several sessions of one model compiled for different
 * batch sizes (`autoglm-opt --input-shape=x:1x..., x:4x...`): their inputs
 * and outputs must agree in everything but dimension 0, and those differ.
 * A batch of n rows runs on the smallest size that holds it, padded, or is
 * split across sizes (5 rows: 4 + 1), whichever the measured run times of
 * the sizes say is faster (of plans that cost the same, the one of fewer
 * runs, then of fewer padding rows); a size not measured yet is estimated
 * linearly from the nearest measured one. A request is answered as soon as
 * the runs of its rows succeeded. max_batch may go up to the largest size.
 * The batcher runs every session exclusively; they must outlive it. */
autoglm_status autoglm_batcher_create_multi(
    autoglm_session *const *sessions, int32_t num_sessions,
    const autoglm_batcher_options *options, autoglm_batcher **out_batcher);

/* Answers a request accepted by autoglm_batcher_submit_async, on the
 * worker thread (or the thread that cancels it), once its outputs are
 * written or it failed: `status` is AUTOGLM_OK, AUTOGLM_ERROR_CANCELLED or
 * the run's error; `message` explains an error ("" on success) and lives
 * until the callback returns. The callback must not block on the batcher:
 * no blocking submit, shutdown or destroy (an async submit is fine). */
typedef void (*autoglm_batcher_callback)(void *user_data, autoglm_status status,
                                         const char *message);

/* A request: `inputs` and `outputs` as for autoglm_session_run, except
 * that dimension 0 of every tensor is the request's row count n, the same
 * for all of them, 1 <= n <= max_batch; the other dimensions are the
 * model's. Output rows are written only for an AUTOGLM_OK answer.
 *
 * The blocking form returns the request's answer; when the batcher is idle
 * (nothing running or queued) and the policy would run the request at once
 * and alone, it runs it on the calling thread. The async form returns
 * AUTOGLM_OK when the request is queued (its callback then comes exactly
 * once, and the tensors, their data and shapes must stay valid until it
 * does) and sets `*out_ticket` (when not NULL) for autoglm_batcher_cancel.
 * Both reject at once, without queueing: AUTOGLM_ERROR_QUEUE_FULL when
 * queue_capacity requests are unanswered, AUTOGLM_ERROR_SHUT_DOWN after
 * shutdown began, and the session's statuses for a bad request; the
 * message is in autoglm_batcher_last_error(). Thread-safe. */
autoglm_status autoglm_batcher_submit(autoglm_batcher *batcher,
                                      const autoglm_tensor *inputs,
                                      int32_t num_inputs,
                                      const autoglm_tensor *outputs,
                                      int32_t num_outputs);
autoglm_status autoglm_batcher_submit_async(
    autoglm_batcher *batcher, const autoglm_tensor *inputs, int32_t num_inputs,
    const autoglm_tensor *outputs, int32_t num_outputs,
    autoglm_batcher_callback callback, void *user_data, uint64_t *out_ticket);

/* Cancels the async request `ticket` if it is still queued: its callback
 * is called with AUTOGLM_ERROR_CANCELLED on this thread before cancel
 * returns 1. Returns 0, and does nothing, when the request is running or
 * answered already (or the ticket is unknown). Thread-safe. */
int autoglm_batcher_cancel(autoglm_batcher *batcher, uint64_t ticket);

typedef enum autoglm_batcher_shutdown_mode {
  /* Runs every queued request, then stops. */
  AUTOGLM_BATCHER_DRAIN = 0,
  /* Answers every queued request with AUTOGLM_ERROR_CANCELLED; the batch
   * already running finishes. */
  AUTOGLM_BATCHER_CANCEL = 1
} autoglm_batcher_shutdown_mode;

/* Stops accepting requests (submit then rejects with
 * AUTOGLM_ERROR_SHUT_DOWN), drains or cancels the queue, and returns when
 * every accepted request is answered and the worker has stopped. May be
 * called from any thread but a callback's, concurrently with submits, more
 * than once (the first call's mode applies). NULL-safe. */
void autoglm_batcher_shutdown(autoglm_batcher *batcher,
                              autoglm_batcher_shutdown_mode mode);

/* Shuts down (draining) if that has not been done, waits for blocking
 * submitters to return, and frees the batcher; the session is left as it
 * was. No other call on the batcher may start once destroy has. NULL-safe. */
void autoglm_batcher_destroy(autoglm_batcher *batcher);

/* Counts since creation, for tests, tools and monitoring. */
typedef struct autoglm_batcher_stats {
  uint64_t accepted;     /* requests submit queued */
  uint64_t rejected;     /* requests submit refused, queue_full included */
  uint64_t queue_full;   /* of which for a full queue */
  uint64_t succeeded;    /* requests answered AUTOGLM_OK */
  uint64_t failed;       /* requests answered with a run's error */
  uint64_t cancelled;    /* requests answered AUTOGLM_ERROR_CANCELLED */
  uint64_t runs;         /* runs of the model */
  uint64_t rows;         /* request rows those runs computed */
  uint64_t padding_rows; /* rows added to fill a batch */
  uint64_t run_ns;       /* nanoseconds those runs took, all together */
  int32_t queued;        /* requests waiting now (not running) */
  int32_t max_batch;     /* the options in force */
  /* Requests that autoglm_batcher_submit ran on the calling thread: the
   * batcher was idle, nothing else was queued, and the policy would have
   * run the request at once and alone anyway. */
  uint64_t caller_runs;
} autoglm_batcher_stats;

/* Fills `*stats`; zeroes it for a NULL batcher. Thread-safe. */
void autoglm_batcher_get_stats(autoglm_batcher *batcher,
                               autoglm_batcher_stats *stats);

/* Why the last autoglm_batcher_create or submit on the calling thread
 * failed ("request input 'x' has shape [3,4], the batcher expects [n,3]
 * with 1 <= n <= 8"), "" after a success. Never NULL. */
const char *autoglm_batcher_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* AUTOGLM_BATCHER_H */
