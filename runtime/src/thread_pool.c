/*===- thread_pool.c - persistent workers behind parallel_for -------------===*\
 *
 * Hand-off protocol: the caller writes the job, sets `pending` to the number
 * of workers and bumps `generation` under the mutex; every worker (whether it
 * has a chunk or not) runs its chunk and decrements `pending`; the caller
 * runs chunk 0 and waits for `pending` to reach zero. Waking every worker
 * and waiting for all of them keeps the job fields stable while any worker
 * may still read them. Both sides spin briefly before sleeping, because a
 * compiled model issues loops back to back and a futex wake-up costs more
 * than a small loop.
 *
\*===----------------------------------------------------------------------===*/

#define _GNU_SOURCE /* sched_getaffinity */

#include "thread_pool.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

/* Iterations of polling before a thread blocks; a few microseconds. */
enum { SpinIterations = 2000 };

static inline void cpuRelax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

int32_t autoglm_available_cores(void) {
#ifdef __linux__
  /* Respect taskset / container CPU sets, not just the machine's size. */
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int count = CPU_COUNT(&set);
    if (count > 0)
      return count;
  }
#endif
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  return online > 0 ? (int32_t)online : 1;
}

/* Chunk `index` of `count` balanced contiguous chunks of [0, n). */
static void chunkBounds(int64_t n, int32_t count, int32_t index, int64_t *begin,
                        int64_t *end) {
  int64_t base = n / count, extra = n % count;
  *begin = index * base + (index < extra ? index : extra);
  *end = *begin + base + (index < extra ? 1 : 0);
}

static void runChunk(autoglm_thread_pool *pool, int32_t index) {
  int64_t begin, end;
  chunkBounds(pool->n, pool->num_chunks, index, &begin, &end);
  pool->body(pool->data, begin, end);
}

static uint64_t waitForNewGeneration(autoglm_thread_pool *pool, uint64_t seen) {
  uint64_t current;
  for (int i = 0; i < SpinIterations; ++i) {
    current = atomic_load_explicit(&pool->generation, memory_order_acquire);
    if (current != seen)
      return current;
    cpuRelax();
  }
  pthread_mutex_lock(&pool->mutex);
  while ((current = atomic_load_explicit(&pool->generation,
                                         memory_order_acquire)) == seen)
    pthread_cond_wait(&pool->work_ready, &pool->mutex);
  pthread_mutex_unlock(&pool->mutex);
  return current;
}

static void *workerMain(void *arg) {
  autoglm_thread_pool *pool = arg;
  int32_t index = atomic_fetch_add(&pool->next_worker_index, 1) + 1;
  uint64_t seen = 0;
  for (;;) {
    seen = waitForNewGeneration(pool, seen);
    if (pool->stopping)
      return NULL;
    if (index < pool->num_chunks)
      runChunk(pool, index);
    if (atomic_fetch_sub_explicit(&pool->pending, 1, memory_order_acq_rel) ==
        1) {
      /* Taking the mutex orders this signal after the caller's check. */
      pthread_mutex_lock(&pool->mutex);
      pthread_cond_signal(&pool->work_done);
      pthread_mutex_unlock(&pool->mutex);
    }
  }
}

static void waitForWorkers(autoglm_thread_pool *pool) {
  for (int i = 0; i < SpinIterations; ++i) {
    if (atomic_load_explicit(&pool->pending, memory_order_acquire) == 0)
      return;
    cpuRelax();
  }
  pthread_mutex_lock(&pool->mutex);
  while (atomic_load_explicit(&pool->pending, memory_order_acquire) != 0)
    pthread_cond_wait(&pool->work_done, &pool->mutex);
  pthread_mutex_unlock(&pool->mutex);
}

static void publish(autoglm_thread_pool *pool) {
  pthread_mutex_lock(&pool->mutex);
  atomic_fetch_add_explicit(&pool->generation, 1, memory_order_release);
  pthread_cond_broadcast(&pool->work_ready);
  pthread_mutex_unlock(&pool->mutex);
}

static void stopWorkers(autoglm_thread_pool *pool) {
  pool->stopping = true;
  publish(pool);
  for (int32_t i = 0; i < pool->num_workers; ++i)
    pthread_join(pool->workers[i], NULL);
  pool->num_workers = 0;
}

int autoglm_thread_pool_init(autoglm_thread_pool *pool, int32_t num_threads) {
  pool->num_threads = num_threads;
  pool->num_workers = 0;
  pool->workers = NULL;
  atomic_init(&pool->generation, 0);
  atomic_init(&pool->pending, 0);
  atomic_init(&pool->busy, false);
  atomic_init(&pool->next_worker_index, 0);
  pool->stopping = false;
  pool->body = NULL;
  pool->data = NULL;
  pool->n = 0;
  pool->num_chunks = 0;

  int error = pthread_mutex_init(&pool->mutex, NULL);
  if (error)
    return error;
  if ((error = pthread_cond_init(&pool->work_ready, NULL))) {
    pthread_mutex_destroy(&pool->mutex);
    return error;
  }
  if ((error = pthread_cond_init(&pool->work_done, NULL))) {
    pthread_cond_destroy(&pool->work_ready);
    pthread_mutex_destroy(&pool->mutex);
    return error;
  }
  if (num_threads > 1) {
    pool->workers = malloc((size_t)(num_threads - 1) * sizeof(pthread_t));
    if (!pool->workers) {
      autoglm_thread_pool_destroy(pool);
      return ENOMEM;
    }
    /* Workers inherit a fully blocked signal mask, so that the application's
     * signals keep going to the application's own threads. */
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    for (int32_t i = 0; i + 1 < num_threads && !error; ++i) {
      error = pthread_create(&pool->workers[i], NULL, workerMain, pool);
      if (!error)
        ++pool->num_workers;
    }
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (error) {
      autoglm_thread_pool_destroy(pool);
      return error;
    }
  }
  return 0;
}

void autoglm_thread_pool_destroy(autoglm_thread_pool *pool) {
  if (pool->num_workers > 0)
    stopWorkers(pool);
  free(pool->workers);
  pool->workers = NULL;
  pthread_cond_destroy(&pool->work_done);
  pthread_cond_destroy(&pool->work_ready);
  pthread_mutex_destroy(&pool->mutex);
}

void autoglm_thread_pool_parallel_for(autoglm_thread_pool *pool, int64_t n,
                                      autoglm_parallel_body body, void *data) {
  if (n <= 0 || !body)
    return;
  int32_t chunks = pool->num_threads;
  if (n < chunks)
    chunks = (int32_t)n;
  if (chunks <= 1 || atomic_exchange(&pool->busy, true)) {
    /* One chunk, or a nested / concurrent call: the pool is not needed or
     * not free, so run on this thread. */
    body(data, 0, n);
    return;
  }
  pool->body = body;
  pool->data = data;
  pool->n = n;
  pool->num_chunks = chunks;
  atomic_store_explicit(&pool->pending, pool->num_workers,
                        memory_order_relaxed);
  publish(pool);
  runChunk(pool, 0);
  waitForWorkers(pool);
  atomic_store_explicit(&pool->busy, false, memory_order_release);
}
