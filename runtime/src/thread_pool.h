/*===- thread_pool.h - persistent workers behind parallel_for -----*- C -*-===*\
 *
 * A fixed set of worker threads, started once per session, that split each
 * parallel_for into contiguous chunks, a few per thread for long loops. The
 * calling thread takes chunks too, so a pool of N threads starts N - 1
 * workers and a pool of one runs everything inline. Dispatching a loop
 * allocates nothing.
 *
\*===----------------------------------------------------------------------===*/

#ifndef AUTOGLM_RUNTIME_THREAD_POOL_H
#define AUTOGLM_RUNTIME_THREAD_POOL_H

#include "autoglm/model_abi.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* A loop the pool ran lately, by its body and count: how long it took. */
typedef struct autoglm_recent_loop {
  autoglm_parallel_body body;
  int64_t n;
  int64_t ns;
} autoglm_recent_loop;

enum { RecentLoops = 64 };

typedef struct autoglm_thread_pool {
  int32_t num_threads; /* the caller included */
  int32_t num_workers; /* workers actually started */
  pthread_t *workers;
  /* Sleeping workers wait on `wake` under `mutex`: for a loop, a run or the
   * stop request. */
  pthread_mutex_t mutex;
  pthread_cond_t wake;
  /* The current loop's chunks, claimed one at a time by compare-exchange:
   * generation (bits 32-63, one per loop) | chunk count (bits 16-31) | next
   * unclaimed chunk (bits 0-15). A thread that claims a chunk reads the job
   * below, which stays fixed until every chunk has completed. */
  _Atomic uint64_t claim;
  atomic_int completed; /* chunks of the current loop that have finished */
  atomic_int sleepers;  /* workers blocked on `wake` */
  /* Set between begin_run and end_run: idle workers keep polling for the
   * next loop instead of sleeping, and after end_run until `spin_until`
   * (CLOCK_MONOTONIC nanoseconds). `runs` counts begin_run calls so that a
   * sleeping worker wakes for a new run. */
  atomic_bool run_active;
  atomic_uint runs;
  _Atomic int64_t spin_until;
  int64_t spin_after_run_ns;
  /* Set while a loop is in flight: a nested parallel_for (from a loop body)
   * runs inline instead of waiting on itself. */
  atomic_bool busy;
  atomic_bool stopping;
  /* The current job, written before its generation is published. */
  autoglm_parallel_body body;
  void *data;
  int64_t n;
  int32_t chunks;
  /* The caller's record of recent loops, hashed by body and count. */
  autoglm_recent_loop recent[RecentLoops];
} autoglm_thread_pool;

/* The number of cores this process may run on (at least 1). */
int32_t autoglm_available_cores(void);

/* Starts `num_threads` - 1 workers (num_threads >= 1) that poll for work
 * for `spin_after_run_us` microseconds after each run. Returns 0, or an
 * errno value when memory or a thread could not be had; then nothing is
 * left to destroy. */
int autoglm_thread_pool_init(autoglm_thread_pool *pool, int32_t num_threads,
                             int64_t spin_after_run_us);

/* Stops and joins the workers and frees the pool's memory. */
void autoglm_thread_pool_destroy(autoglm_thread_pool *pool);

/* Bracket one run of a compiled model: begin wakes any sleeping worker, so
 * that it is up by the model's first loops, and keeps the workers polling
 * between the model's loops; after end they poll for the configured time,
 * then sleep. */
void autoglm_thread_pool_begin_run(autoglm_thread_pool *pool);
void autoglm_thread_pool_end_run(autoglm_thread_pool *pool);

/* Calls `body(data, begin, end)` on contiguous, disjoint ranges that cover
 * [0, n) exactly once, and returns when all are done: min(n, num_threads)
 * balanced chunks, or, where the same body and n took 100 us or more the
 * last time, up to four chunks a thread. The caller claims chunks from the
 * front and the workers from the back, so threads that keep pace run the
 * same part of every loop; one that falls behind leaves its last chunks to
 * the others, and a late worker never delays the loop. */
void autoglm_thread_pool_parallel_for(autoglm_thread_pool *pool, int64_t n,
                                      autoglm_parallel_body body, void *data);

#endif /* AUTOGLM_RUNTIME_THREAD_POOL_H */
