/*===- batcher_impl.h - the batcher object ---------------------------*- C
-*-===*\
 *
 * Internal to the runtime. One mutex guards the queue, the free slots and
 * the counters; the worker (batcher_worker.c) runs the model without it.
 * Everything is allocated at creation: `capacity` request slots, each with
 * room for its tensors' data pointers and its answer, and one batch of
 * staging tensors.
 *
\*===----------------------------------------------------------------------===*/

#ifndef AUTOGLM_RUNTIME_BATCHER_IMPL_H
#define AUTOGLM_RUNTIME_BATCHER_IMPL_H

#include "autoglm/batcher.h"
#include "message.h"
#include "session_impl.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* One accepted request, from submit until it is answered. */
typedef struct batcher_request {
  struct batcher_request *next; /* in the queue or the free list */
  uint64_t ticket;
  int64_t rows;
  int64_t length;     /* its sequence length; 0 without `lengths` */
  int64_t arrival_ns; /* CLOCK_MONOTONIC */
  /* num_inputs then num_outputs data pointers of the caller's tensors. */
  void **data;
  /* The async form's callback; NULL for a blocking request, whose
   * submitter waits on `answered` until `done`. */
  autoglm_batcher_callback callback;
  void *user_data;
  pthread_cond_t answered;
  bool done;
  autoglm_status status;
  char message[AUTOGLM_MESSAGE_CAPACITY];
} batcher_request;

/* A FIFO of requests linked through `next`. */
typedef struct batcher_queue {
  batcher_request *head;
  batcher_request *tail;
  int32_t count;
  int64_t rows;
} batcher_queue;

/* One batch size the batcher can run: a session and one of its sizes
 * (autoglm_session_batch_model), whose dimension 0 is `rows`, and its staging
 * tensors (num_inputs then num_outputs, that size's shapes, data in the
 * shared staging memory). */
typedef struct batcher_size {
  autoglm_session *session;
  const autoglm_model_desc *model; /* this size's (one of the session's) */
  int32_t index;                   /* of the session's batch sizes */
  int64_t rows;
  autoglm_tensor *staged;
} batcher_size;

struct autoglm_batcher {
  /* The sizes, smallest first; the largest's model checks requests. */
  batcher_size *sizes;
  int32_t num_sizes;
  /* Sequence lengths of the entries (1 without `lengths`), and what a run of
   * each entry costs, [size][length]: the weighted mean of its measured
   * runs; 0 until one ran, -1 after its first run, which is not measured
   * (a warm-up: first touch of the workspace; on a GPU, the run that
   * captures the graph). Worker-only. */
  int32_t num_lengths;
  double *cost_ns;
  const autoglm_model_desc *model;
  /* The session's model when it pads sequence lengths (a pad mask): then a
   * request has any length up to the largest, and a run takes the
   * smallest length that holds its requests', each request's rows padded
   * to it. NULL otherwise. */
  const autoglm_model_desc *lengths;
  autoglm_batcher_options options;
  int64_t model_batch; /* rows of the largest size */
  /* Bytes of one row of each input, then of each output. */
  uint64_t *row_bytes;
  /* On a GPU: a run's tensors as pieces of its requests' memory (at most
   * one piece per row of the largest size, for each tensor). */
  autoglm_piece *pieces;
  autoglm_tensor_pieces *tensor_pieces;

  pthread_mutex_t mutex;
  pthread_cond_t work;      /* the worker waits: queue, shutdown */
  pthread_cond_t quiescent; /* shutdown/destroy wait: worker, submitters */
  batcher_queue queue;
  batcher_request *free_slots;
  batcher_request *slots; /* `queue_capacity` of them */
  void **slot_data;
  uint64_t next_ticket;
  /* The adaptive policy's view of the load, weighted means over recent
   * arrivals: the time between them, and the share of them that found the
   * worker busy or the queue non-empty (near 0 for one client waiting on
   * each answer, near 1 under load). The last arrival. */
  double mean_gap_ns;
  double busy_share;
  int64_t last_arrival_ns;
  bool running; /* a run of the model is under way */
  /* The model, the staging memory and the plan tables are in use: by the
   * worker's batch, or by a blocking submitter running its own request at
   * once (the batcher idle, nothing else queued). One at a time. */
  bool executing;
  int64_t last_batch_rows; /* rows the last batch took */
  /* Rows the adaptive policy expects the next batch to have under load:
   * those queued behind the last batch when it ended, and as many again as
   * it answered (closed-loop clients send their next request as soon as
   * they have their answer). */
  int64_t fill_target;
  /* The last batch's run time (its runs together), and stats.run_ns when
   * it was taken. */
  int64_t last_batch_ns;
  uint64_t run_ns_at_take;
  /* How long the adaptive policy's waits for a batch to fill have taken (a
   * weighted mean), and when the one under way began (0: none). */
  double mean_wait_ns;
  int64_t wait_started_ns;
  bool waiting; /* the worker waits for a batch to fill */
  /* Arrivals while the worker waited for a batch to fill: they count as
   * load if the batch filled to fill_target, as light load if the wait ran
   * out, once it ends (waiting is load only when it pays). */
  int32_t held_arrivals;
  bool stopping;              /* shutdown began: submit rejects */
  bool cancel_on_stop;        /* the first shutdown's mode */
  bool worker_stopped;        /* the worker left its loop */
  int32_t blocked_submitters; /* inside a blocking submit */
  /* Threads answering requests they took off the queue (cancel, a
   * cancelling shutdown); shutdown returns when none is left. */
  int32_t answering;
  autoglm_batcher_stats stats;
  pthread_t worker;

  /* The worker's batch: its requests, the plan of runs for its rows (rows
   * ordered by length; for each row, the cheapest sequence of runs for the
   * rows from it on, what it costs, its runs and padding rows, and the size
   * of its first run), the costs the plan assumes per entry, the tensors of
   * a run made directly on one request's data, and the staging memory,
   * model_batch rows of every tensor (each 64-byte aligned), that the other
   * runs use. */
  batcher_request **batch;
  int32_t *row_length; /* max_batch: each row's length index */
  double *plan_cost;   /* max_batch + 1 of each */
  int32_t *plan_runs;
  int64_t *plan_padding;
  int32_t *plan_size;
  double *estimate_ns; /* [size][length], as cost_ns */
  autoglm_tensor *direct;
  void *staging_memory;
  char run_message[AUTOGLM_MESSAGE_CAPACITY];
};

/* The current CLOCK_MONOTONIC time in nanoseconds. */
int64_t autoglm_batcher_now_ns(void);

/* Checks that the session's model has a batch dimension (every input and
 * output of rank >= 1 with one common dimension 0) and returns it, or 0
 * with the reason in `message`. */
int64_t autoglm_batcher_model_batch(const autoglm_model_desc *model,
                                    autoglm_message *message);

/* Checks that two models (of batch sizes) agree in everything but
 * dimension 0: names, dtypes, ranks and the other dimensions. */
bool autoglm_batcher_same_signature(const autoglm_model_desc *a,
                                    const autoglm_model_desc *b,
                                    autoglm_message *message);

/* Checks a request against the model's signature with dimension 0 free
 * (1 <= rows <= max_batch, one value for every tensor) and, with
 * `lengths`, the sequence dimensions too (1 <= length <= the largest, one
 * value for every tensor, that of the first input with one); sets `*rows`
 * and `*length` (0 without `lengths`). */
autoglm_status autoglm_batcher_check_request(
    const autoglm_batcher *batcher, const autoglm_tensor *inputs,
    int32_t num_inputs, const autoglm_tensor *outputs, int32_t num_outputs,
    int64_t *rows, int64_t *length, autoglm_message *message);

/* Answers `request` with `status` and `message`: a blocking one's
 * submitter wakes, an async one's callback runs (on this thread, without
 * the mutex, then its slot is freed). Called without the mutex held. */
void autoglm_batcher_answer(autoglm_batcher *batcher, batcher_request *request,
                            autoglm_status status, const char *message);

/* Under the mutex, with a queued request: the policy's decision, as the
 * CLOCK_MONOTONIC time until which the batch should wait to fill, or 0
 * when it should run now (batcher_worker.c). */
int64_t autoglm_batcher_fill_until(const autoglm_batcher *batcher, int64_t now);

/* Under the mutex: counts an arrival in the adaptive policy's busy share,
 * as load (`busy`) or not (batcher_worker.c). */
void autoglm_batcher_count_arrival(autoglm_batcher *batcher, bool busy);

/* Under the mutex: moves the requests of the next batch from the queue to
 * batcher->batch and returns how many. */
int32_t autoglm_batcher_take_batch(autoglm_batcher *batcher);

/* Under the mutex, after a batch's runs: the model is free again, and the
 * adaptive policy's fill target is set from the queue behind the batch and
 * the rows it answered. */
void autoglm_batcher_end_batch(autoglm_batcher *batcher);

/* Without the mutex, with `executing` set: runs the `count` requests of
 * batcher->batch as the plan says and answers each. */
void autoglm_batcher_run_batch(autoglm_batcher *batcher, int32_t count);

/* Measures every entry (size, and length) on the staging memory (zeros),
 * calibration_runs runs each, keeping the fastest (batcher_worker.c). */
void autoglm_batcher_calibrate(autoglm_batcher *b);

/* The worker thread's loop (batcher_worker.c). */
void *autoglm_batcher_worker(void *batcher);

#endif /* AUTOGLM_RUNTIME_BATCHER_IMPL_H */
