/*===- thread_pool.h - persistent workers behind parallel_for -----*- C -*-===*\
 *
 * A fixed set of worker threads, started once per session, that split each
 * parallel_for into contiguous chunks. The calling thread runs the first
 * chunk itself, so a pool of N threads starts N - 1 workers and a pool of
 * one runs everything inline. Dispatching a loop allocates nothing.
 *
\*===----------------------------------------------------------------------===*/

#ifndef AUTOGLM_RUNTIME_THREAD_POOL_H
#define AUTOGLM_RUNTIME_THREAD_POOL_H

#include "autoglm/model_abi.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct autoglm_thread_pool {
  int32_t num_threads; /* the caller included */
  int32_t num_workers; /* workers actually started */
  pthread_t *workers;
  pthread_mutex_t mutex;
  pthread_cond_t work_ready; /* a new generation was published */
  pthread_cond_t work_done;  /* `pending` dropped to zero */
  /* Each published loop (or the stop request) bumps the generation; workers
   * wait for it to change. Incremented under `mutex` so that a worker about
   * to sleep cannot miss it. */
  atomic_uint_fast64_t generation;
  /* Workers that have not yet finished with the current generation. The
   * caller waits for zero before it may overwrite the job below. */
  atomic_int pending;
  /* Set while a loop is in flight: a nested parallel_for (from a loop body)
   * runs inline instead of deadlocking on the busy workers. */
  atomic_bool busy;
  atomic_int next_worker_index;
  /* The current job, written before the generation is published. */
  bool stopping;
  autoglm_parallel_body body;
  void *data;
  int64_t n;
  int32_t num_chunks;
} autoglm_thread_pool;

/* The number of cores this process may run on (at least 1). */
int32_t autoglm_available_cores(void);

/* Starts `num_threads` - 1 workers (num_threads >= 1). Returns 0, or an
 * errno value when memory or a thread could not be had; then nothing is
 * left to destroy. */
int autoglm_thread_pool_init(autoglm_thread_pool *pool, int32_t num_threads);

/* Stops and joins the workers and frees the pool's memory. */
void autoglm_thread_pool_destroy(autoglm_thread_pool *pool);

/* Calls `body(data, begin, end)` on contiguous, disjoint chunks that cover
 * [0, n) exactly once, at most one chunk per thread, and returns when all
 * are done. */
void autoglm_thread_pool_parallel_for(autoglm_thread_pool *pool, int64_t n,
                                      autoglm_parallel_body body, void *data);

#endif /* AUTOGLM_RUNTIME_THREAD_POOL_H */
