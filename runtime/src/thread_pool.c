/*===- thread_pool.c - persistent workers behind parallel_for -------------===*\
 *
 * A loop is published as a claim word (generation, chunk count, next
 * chunk); the caller and the workers claim chunks from it by
 * compare-exchange and count the ones they finish, and the caller returns
 * once all have. Nobody waits for a thread that has not started: a chunk no
 * worker has claimed when the caller is done with its own is the caller's
 * to run, so a worker still waking up costs nothing but its share of the
 * parallelism.
 *
 * Idle workers poll: through a run (begin_run .. end_run), since a compiled
 * model issues its loops back to back and a futex wake-up costs more than
 * many of them, and for a configurable time after it, since waking a
 * sleeping thread takes tens of microseconds on bare metal and milliseconds
 * in some virtual machines; then they sleep until the next run or loop.
 * Past a few microseconds of polling they yield their core at every clock
 * check, so a thread that needs it gets it.
 *
\*===----------------------------------------------------------------------===*/

#define _GNU_SOURCE /* sched_getaffinity */

#include "thread_pool.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

enum {
  /* Polls before anything else is checked: a few microseconds. */
  ShortSpinIterations = 2000,
  /* Past the short spin, how often a polling thread checks the clock and
   * yields its core to any other runnable thread. */
  YieldInterval = 256,
};

static inline void cpuRelax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static int64_t nowNanoseconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
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

/* The claim word's fields. */
static inline uint32_t claimCount(uint64_t word) {
  return (uint32_t)(word >> 16) & 0xFFFF;
}
static inline uint32_t claimNext(uint64_t word) {
  return (uint32_t)word & 0xFFFF;
}
enum { MaxChunks = 0xFFFF };

static bool workAvailable(autoglm_thread_pool *pool) {
  uint64_t word = atomic_load(&pool->claim);
  return claimNext(word) < claimCount(word);
}

/* Chunk `index` of `count` balanced contiguous chunks of [0, n). */
static void chunkBounds(int64_t n, int64_t count, int64_t index, int64_t *begin,
                        int64_t *end) {
  int64_t base = n / count, extra = n % count;
  *begin = index * base + (index < extra ? index : extra);
  *end = *begin + base + (index < extra ? 1 : 0);
}

/* Claims and runs chunks of the published loop until none is left
 * unclaimed. A successful claim orders this thread after the publication of
 * the job (the claim word's release sequence), and the job cannot change
 * before the claimed chunk is counted as completed. */
static void runAvailableChunks(autoglm_thread_pool *pool) {
  uint64_t word = atomic_load_explicit(&pool->claim, memory_order_acquire);
  while (claimNext(word) < claimCount(word)) {
    if (!atomic_compare_exchange_weak_explicit(&pool->claim, &word, word + 1,
                                               memory_order_acq_rel,
                                               memory_order_acquire))
      continue;
    int64_t begin, end;
    chunkBounds(pool->n, claimCount(word), claimNext(word), &begin, &end);
    pool->body(pool->data, begin, end);
    atomic_fetch_add_explicit(&pool->completed, 1, memory_order_release);
    word = atomic_load_explicit(&pool->claim, memory_order_acquire);
  }
}

/* Wakes sleeping workers. Callers change what the workers wait for (the
 * claim word, `runs`, `stopping`) before reading `sleepers`, and a worker
 * counts itself in `sleepers` before it checks them, both sequentially
 * consistent: either the worker sees the change or this sees the worker. */
static void wakeSleepers(autoglm_thread_pool *pool, bool always) {
  if (!always && atomic_load(&pool->sleepers) == 0)
    return;
  pthread_mutex_lock(&pool->mutex);
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->mutex);
}

/* Returns when a loop has chunks to claim or the pool stops. */
static void waitForWork(autoglm_thread_pool *pool) {
  for (uint32_t i = 0;; ++i) {
    if (workAvailable(pool) || atomic_load(&pool->stopping))
      return;
    cpuRelax();
    if (i < ShortSpinIterations || i % YieldInterval != 0)
      continue;
    if (!atomic_load(&pool->run_active) &&
        nowNanoseconds() >= atomic_load(&pool->spin_until))
      break;
    sched_yield();
  }
  pthread_mutex_lock(&pool->mutex);
  unsigned runs = atomic_load(&pool->runs);
  atomic_fetch_add(&pool->sleepers, 1);
  while (!workAvailable(pool) && !atomic_load(&pool->stopping) &&
         atomic_load(&pool->runs) == runs)
    pthread_cond_wait(&pool->wake, &pool->mutex);
  atomic_fetch_sub(&pool->sleepers, 1);
  pthread_mutex_unlock(&pool->mutex);
}

static void *workerMain(void *arg) {
  autoglm_thread_pool *pool = arg;
  while (!atomic_load(&pool->stopping)) {
    waitForWork(pool);
    runAvailableChunks(pool);
  }
  return NULL;
}

int autoglm_thread_pool_init(autoglm_thread_pool *pool, int32_t num_threads,
                             int64_t spin_after_run_us) {
  pool->num_threads = num_threads;
  pool->spin_after_run_ns =
      spin_after_run_us > 0 ? spin_after_run_us * 1000 : 0;
  pool->num_workers = 0;
  pool->workers = NULL;
  atomic_init(&pool->claim, 0);
  atomic_init(&pool->completed, 0);
  atomic_init(&pool->sleepers, 0);
  atomic_init(&pool->run_active, false);
  atomic_init(&pool->runs, 0);
  atomic_init(&pool->spin_until, 0);
  atomic_init(&pool->busy, false);
  atomic_init(&pool->stopping, false);
  pool->body = NULL;
  pool->data = NULL;
  pool->n = 0;

  int error = pthread_mutex_init(&pool->mutex, NULL);
  if (error)
    return error;
  if ((error = pthread_cond_init(&pool->wake, NULL))) {
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
  if (pool->num_workers > 0) {
    atomic_store(&pool->stopping, true);
    wakeSleepers(pool, true);
    for (int32_t i = 0; i < pool->num_workers; ++i)
      pthread_join(pool->workers[i], NULL);
    pool->num_workers = 0;
  }
  free(pool->workers);
  pool->workers = NULL;
  pthread_cond_destroy(&pool->wake);
  pthread_mutex_destroy(&pool->mutex);
}

void autoglm_thread_pool_begin_run(autoglm_thread_pool *pool) {
  if (pool->num_workers == 0)
    return;
  atomic_fetch_add(&pool->runs, 1);
  atomic_store(&pool->run_active, true);
  wakeSleepers(pool, false);
}

void autoglm_thread_pool_end_run(autoglm_thread_pool *pool) {
  if (pool->num_workers == 0)
    return;
  atomic_store(&pool->spin_until, nowNanoseconds() + pool->spin_after_run_ns);
  atomic_store(&pool->run_active, false);
}

/* Polls until every chunk of the current loop has completed. The chunks
 * left are being run by workers that are awake, so this never sleeps; it
 * yields in case a worker shares this core. */
static void waitForChunks(autoglm_thread_pool *pool, int32_t chunks) {
  for (uint32_t i = 1;
       atomic_load_explicit(&pool->completed, memory_order_acquire) != chunks;
       ++i) {
    cpuRelax();
    if (i > ShortSpinIterations && i % YieldInterval == 0)
      sched_yield();
  }
}

void autoglm_thread_pool_parallel_for(autoglm_thread_pool *pool, int64_t n,
                                      autoglm_parallel_body body, void *data) {
  if (n <= 0 || !body)
    return;
  int64_t chunks = pool->num_threads;
  if (n < chunks)
    chunks = n;
  if (chunks > MaxChunks)
    chunks = MaxChunks;
  if (chunks <= 1 || atomic_exchange(&pool->busy, true)) {
    /* One chunk, or a nested / concurrent call: the pool is not needed or
     * not free, so run on this thread. */
    body(data, 0, n);
    return;
  }
  /* A loop outside a run (a caller of the context of its own) wakes the
   * workers for itself. */
  bool inRun = atomic_load(&pool->run_active);
  if (!inRun)
    autoglm_thread_pool_begin_run(pool);
  pool->body = body;
  pool->data = data;
  pool->n = n;
  atomic_store_explicit(&pool->completed, 0, memory_order_relaxed);
  uint64_t generation = (atomic_load(&pool->claim) >> 32) + 1;
  atomic_store(&pool->claim, (generation << 32) | ((uint64_t)chunks << 16));
  wakeSleepers(pool, false);
  runAvailableChunks(pool);
  waitForChunks(pool, (int32_t)chunks);
  if (!inRun)
    autoglm_thread_pool_end_run(pool);
  atomic_store_explicit(&pool->busy, false, memory_order_release);
}
