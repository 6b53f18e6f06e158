/*===- thread_pool.c - persistent workers behind parallel_for -------------===*\
 *
 * A loop is published as a claim word (generation, the unclaimed chunks'
 * range); the caller claims chunks from its front and the workers from its
 * back by compare-exchange, each counts the ones it ran, and the caller
 * returns once all have. A loop has one chunk a thread, or, where the same
 * loop took 100 us or more the last time (the caller keeps a small table of
 * recent loops), four (in pools of up to four threads, a loop of at most
 * 16 iterations a thread has one chunk an iteration): each thread first
 * claims all of its share but one chunk, then one at a time, so a thread
 * slowed by a neighbour on its core hands the rest of its part to the
 * others instead of keeping them waiting, while threads that keep pace
 * each run the same part of every loop (the rows the kernel before wrote
 * on it). Short loops keep one chunk a thread:
 * each further claim moves the claim word between the cores. Nobody waits
 * for a thread that has not started: a chunk no worker has claimed when
 * the caller is done with the rest is the caller's to run, so a worker
 * still waking up costs nothing but its share of the parallelism.
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
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
  /* Polls before anything else is checked: a few microseconds. */
  ShortSpinIterations = 2000,
  /* Past the short spin, how often a polling thread checks the clock and
   * yields its core to any other runnable thread. */
  YieldInterval = 256,
  /* A long loop's chunks per thread of the pool: a thread that falls
   * behind leaves the last of its share to the others. */
  ChunksPerThread = 4,
  /* How long a loop's last run must have taken for it to be cut so: each
   * claim beyond a thread's first moves the claim word between the cores
   * (about a microsecond a loop in all), which a loop of MobileNetV2's
   * (some 36 us at two threads) pays 2% of its time for. */
  DynamicLoopNs = 100000,
  /* The largest pool whose threads claim most of their share of a long
   * loop at once. With more threads a claim is one chunk, so that the
   * chunks of a thread that falls behind go to the others: at 16 threads
   * on a 16-core Xeon, ResNet-50 took 0.96-0.99 of the time at batch 1 and
   * 0.93-0.97 at batch 8 (docs/decisions.md). */
  BatchedClaimThreads = 4,
  /* A long loop of at most this many times its chunks runs a chunk an
   * iteration (in pools of at most BatchedClaimThreads threads). */
  SingleIterationChunks = 4,
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

/* The claim word's fields: the unclaimed chunks are [first, end). */
static inline uint32_t claimEnd(uint64_t word) {
  return (uint32_t)(word >> 16) & 0xFFFF;
}
static inline uint32_t claimFirst(uint64_t word) {
  return (uint32_t)word & 0xFFFF;
}
enum { MaxChunks = 0xFFFF };

static bool workAvailable(autoglm_thread_pool *pool) {
  uint64_t word = atomic_load(&pool->claim);
  return claimFirst(word) < claimEnd(word);
}

/* Chunk `index` of `count` balanced contiguous chunks of [0, n). */
static void chunkBounds(int64_t n, int64_t count, int64_t index, int64_t *begin,
                        int64_t *end) {
  int64_t base = n / count, extra = n % count;
  *begin = index * base + (index < extra ? index : extra);
  *end = *begin + base + (index < extra ? 1 : 0);
}

/* Claims and runs chunks of the published loop until none is left
 * unclaimed: the caller from the front, the workers from the back. In a
 * pool of at most BatchedClaimThreads threads, while more than a thread's
 * share is left, a claim takes all of the share but one chunk, then one at
 * a time; the chunks of a claim are contiguous and run as one call of the
 * body. In a larger pool every claim is one chunk. A successful claim
 * orders this thread after the publication of the job (the claim word's
 * release sequence), and the job cannot change before every claimed chunk
 * is counted as completed. */
static void runAvailableChunks(autoglm_thread_pool *pool, bool fromBack) {
  uint64_t word = atomic_load_explicit(&pool->claim, memory_order_acquire);
  int32_t done = 0;
  while (claimFirst(word) < claimEnd(word)) {
    uint32_t left = claimEnd(word) - claimFirst(word);
    /* Read after `word`: a word with chunks left is the current loop's, and
     * its acquire load orders the job's fields before this read. */
    uint32_t share = (uint32_t)(pool->chunks / pool->num_threads);
    uint32_t take =
        pool->num_threads <= BatchedClaimThreads && left > share && share > 1
            ? share - 1
            : 1;
    uint64_t claimed =
        fromBack ? word - ((uint64_t)take << 16) : word + (uint64_t)take;
    if (!atomic_compare_exchange_weak_explicit(&pool->claim, &word, claimed,
                                               memory_order_acq_rel,
                                               memory_order_acquire))
      continue;
    uint32_t from = fromBack ? claimEnd(word) - take : claimFirst(word);
    int64_t begin, end, unused;
    chunkBounds(pool->n, pool->chunks, from, &begin, &unused);
    chunkBounds(pool->n, pool->chunks, from + take - 1, &unused, &end);
    pool->body(pool->data, begin, end);
    done += (int32_t)take;
    word = atomic_load_explicit(&pool->claim, memory_order_acquire);
  }
  /* Counted once: the caller polls this word, and every count moves its
   * line between the cores. */
  if (done)
    atomic_fetch_add_explicit(&pool->completed, done, memory_order_release);
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
    runAvailableChunks(pool, true);
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
  pool->chunks = 0;
  memset(pool->recent, 0, sizeof(pool->recent));

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
  if (pool->num_threads <= 1 || n <= 1 || atomic_exchange(&pool->busy, true)) {
    /* One chunk, or a nested / concurrent call: the pool is not needed or
     * not free, so run on this thread. */
    body(data, 0, n);
    return;
  }
  /* One chunk a thread, or a few where this loop's last run took long
   * (the recent loops are the caller's alone: it holds `busy`). */
  autoglm_recent_loop *recent =
      &pool->recent[(((uintptr_t)body >> 4) ^ (uintptr_t)n) % RecentLoops];
  bool isLong =
      recent->body == body && recent->n == n && recent->ns >= DynamicLoopNs;
  int64_t chunks = (int64_t)pool->num_threads * (isLong ? ChunksPerThread : 1);
  /* A long loop of few iterations, in a pool whose threads claim most of
   * their share at once: a chunk an iteration. Chunks of unequal size (20
   * iterations in 8 chunks are 3s and 2s) made one thread's claims a few
   * iterations more than another's, which that one then waited for
   * (MobileNetV2's loops of 14 and 20 iterations, some 130-180 us at two
   * threads, waited 12-20% of their time so). A claim of several chunks is
   * one compare-exchange whatever their number. */
  if (isLong && pool->num_threads <= BatchedClaimThreads &&
      n <= SingleIterationChunks * chunks)
    chunks = n;
  if (n < chunks)
    chunks = n;
  if (chunks > MaxChunks)
    chunks = MaxChunks;
  int64_t start = nowNanoseconds();
  /* A loop outside a run (a caller of the context of its own) wakes the
   * workers for itself. */
  bool inRun = atomic_load(&pool->run_active);
  if (!inRun)
    autoglm_thread_pool_begin_run(pool);
  pool->body = body;
  pool->data = data;
  pool->n = n;
  pool->chunks = (int32_t)chunks;
  atomic_store_explicit(&pool->completed, 0, memory_order_relaxed);
  uint64_t generation = (atomic_load(&pool->claim) >> 32) + 1;
  atomic_store(&pool->claim, (generation << 32) | ((uint64_t)chunks << 16));
  wakeSleepers(pool, false);
  runAvailableChunks(pool, false);
  waitForChunks(pool, (int32_t)chunks);
  recent->body = body;
  recent->n = n;
  recent->ns = nowNanoseconds() - start;
  if (!inRun)
    autoglm_thread_pool_end_run(pool);
  atomic_store_explicit(&pool->busy, false, memory_order_release);
}
