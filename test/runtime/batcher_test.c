/*===- batcher_test.c - drive the batcher for the lit tests ---------------===*\
 *
 * `autoglm-batcher-test MODE` exercises one area of the batcher
 * (autoglm/batcher.h) on the fake batch model (fake_batch_model.c) and
 * prints what it sees, for FileCheck; it also checks invariants itself and
 * exits non-zero when one fails. A hook in the model's entry ("the gate")
 * holds a run inside the model, so that tests can queue requests behind it
 * deterministically.
 *
\*===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L /* nanosleep, clock_gettime */

#include "autoglm/batcher.h"
#include "fake_batch_model.h"
#include "fake_model.h"
#include "fake_seq_model.h"
#include "test_support.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*===-- The gate ----------------------------------------------------------===*/

static pthread_mutex_t gateMutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gateCond = PTHREAD_COND_INITIALIZER;
static bool gateOpen = true;
static int gateEntered; /* runs that reached the model */

static void gateHook(void) {
  pthread_mutex_lock(&gateMutex);
  ++gateEntered;
  pthread_cond_broadcast(&gateCond);
  while (!gateOpen)
    pthread_cond_wait(&gateCond, &gateMutex);
  pthread_mutex_unlock(&gateMutex);
}

/* A hook that records which thread ran the model and whether two runs were
 * ever inside the model at once (the batcher runs one at a time, whether
 * on its worker or on a submitter's thread). */
static _Thread_local bool ranHere;
static atomic_int inModel;
static atomic_int overlaps;
static void recordRunHook(void) {
  ranHere = true;
  if (atomic_fetch_add(&inModel, 1) != 0)
    atomic_fetch_add(&overlaps, 1);
  sched_yield();
  atomic_fetch_sub(&inModel, 1);
}

/* Frees of the runtime's and the test's memory, to count live blocks
 * (`allocations` less `frees`): ld --wrap=free, as for the allocations. */
static atomic_long frees;
void __real_free(void *pointer);
void __wrap_free(void *pointer) {
  if (pointer)
    atomic_fetch_add(&frees, 1);
  __real_free(pointer);
}

static long liveBlocks(void) {
  return atomic_load(&allocations) - atomic_load(&frees);
}

static void setGate(bool open) {
  pthread_mutex_lock(&gateMutex);
  gateOpen = open;
  pthread_cond_broadcast(&gateCond);
  pthread_mutex_unlock(&gateMutex);
}

/* Waits until `runs` runs have reached the model since the start. */
static void waitEntered(int runs) {
  pthread_mutex_lock(&gateMutex);
  while (gateEntered < runs)
    pthread_cond_wait(&gateCond, &gateMutex);
  pthread_mutex_unlock(&gateMutex);
}

/*===-- Requests ----------------------------------------------------------===*/

enum { Cols = FAKE_BATCH_COLS, MaxRows = FAKE_BATCH + 1 };
static const float Sentinel = 12345.0f;

typedef struct Request {
  float x[MaxRows * Cols];
  int32_t k[MaxRows];
  float y[MaxRows * Cols];
  double s[MaxRows];
  int64_t xShape[2], kShape[1], yShape[2], sShape[1];
  autoglm_tensor inputs[2];
  autoglm_tensor outputs[2];
  int64_t rows;
  atomic_int answers;
  _Atomic autoglm_status status;
} Request;

/* A correct request of `rows` rows with values from `seed`; the output
 * rows past `rows` hold a sentinel that the batcher must leave alone. */
static void initRequest(Request *r, int64_t rows, unsigned seed) {
  memset(r, 0, sizeof(*r));
  r->rows = rows;
  for (int i = 0; i < MaxRows * Cols; ++i) {
    r->x[i] = (float)((seed * 31u + (unsigned)i * 7u) % 23u) * 0.25f - 2.0f;
    r->y[i] = Sentinel;
  }
  for (int i = 0; i < MaxRows; ++i) {
    r->k[i] = (int32_t)((seed + (unsigned)i) % 5u) - 2;
    r->s[i] = Sentinel;
  }
  r->xShape[0] = r->kShape[0] = r->yShape[0] = r->sShape[0] = rows;
  r->xShape[1] = r->yShape[1] = Cols;
  r->inputs[0] = (autoglm_tensor){r->x, AUTOGLM_FLOAT32, 2, r->xShape};
  r->inputs[1] = (autoglm_tensor){r->k, AUTOGLM_INT32, 1, r->kShape};
  r->outputs[0] = (autoglm_tensor){r->y, AUTOGLM_FLOAT32, 2, r->yShape};
  r->outputs[1] = (autoglm_tensor){r->s, AUTOGLM_FLOAT64, 1, r->sShape};
  atomic_store(&r->answers, 0);
  atomic_store(&r->status, AUTOGLM_OK);
}

/* The outputs equal the model's row computation element for element, and
 * nothing past the request's rows was written. */
static bool outputsCorrect(const Request *r) {
  for (int64_t row = 0; row < MaxRows; ++row) {
    float y[Cols];
    double s;
    fake_batch_row(r->x + row * Cols, r->k[row], y, &s);
    for (int c = 0; c < Cols; ++c)
      if (r->y[row * Cols + c] != (row < r->rows ? y[c] : Sentinel))
        return false;
    if (r->s[row] != (row < r->rows ? s : Sentinel))
      return false;
  }
  return true;
}

static autoglm_status submit(autoglm_batcher *b, Request *r) {
  autoglm_status status =
      autoglm_batcher_submit(b, r->inputs, 2, r->outputs, 2);
  atomic_store(&r->status, status);
  return status;
}

static void onAnswer(void *data, autoglm_status status, const char *message) {
  Request *r = data;
  (void)message;
  atomic_store(&r->status, status);
  atomic_fetch_add(&r->answers, 1);
}

static autoglm_status submitAsync(autoglm_batcher *b, Request *r,
                                  uint64_t *ticket) {
  return autoglm_batcher_submit_async(b, r->inputs, 2, r->outputs, 2, onAnswer,
                                      r, ticket);
}

static void sleepUs(long us) {
  struct timespec t = {us / 1000000, (us % 1000000) * 1000};
  nanosleep(&t, NULL);
}

static void waitAnswered(Request *r) {
  while (atomic_load(&r->answers) == 0)
    sleepUs(50);
}

static double nowMs(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static autoglm_session *createSession(const autoglm_model_desc *model,
                                      int32_t threads) {
  autoglm_session_options options;
  autoglm_session_options_init(&options);
  options.num_threads = threads;
  autoglm_session *session = NULL;
  if (autoglm_session_create(model, &options, &session) != AUTOGLM_OK) {
    printf("session create failed: %s\n", autoglm_last_create_error());
    exit(2);
  }
  return session;
}

static autoglm_batcher *createBatcher(autoglm_session *session,
                                      int32_t maxBatch, int64_t delayUs,
                                      int32_t capacity, int32_t policy) {
  autoglm_batcher_options options;
  autoglm_batcher_options_init(&options);
  options.max_batch = maxBatch;
  options.max_delay_us = delayUs;
  options.queue_capacity = capacity;
  options.policy = policy;
  autoglm_batcher *b = NULL;
  if (autoglm_batcher_create(session, &options, &b) != AUTOGLM_OK) {
    printf("batcher create failed: %s\n", autoglm_batcher_last_error());
    exit(2);
  }
  return b;
}

/*===-- Modes -------------------------------------------------------------===*/

static void printCreate(const char *what, autoglm_session *session,
                        const autoglm_batcher_options *options) {
  autoglm_batcher *b = (autoglm_batcher *)1;
  autoglm_status status = autoglm_batcher_create(session, options, &b);
  EXPECT(b == NULL);
  printf("%s: %s: %s\n", what, autoglm_status_string(status),
         autoglm_batcher_last_error());
}

static void printRejected(autoglm_batcher *b, const char *what, Request *r) {
  autoglm_status status = submit(b, r);
  printf("%s: %s: %s\n", what, autoglm_status_string(status),
         autoglm_batcher_last_error());
}

/* Creation errors, request errors, one blocking and one async request. */
static void testApi(void) {
  autoglm_session *plain = createSession(&autoglm_model_fake, 1);
  printCreate("fake model", plain, NULL);
  autoglm_session_destroy(plain);
  printCreate("null session", NULL, NULL);

  autoglm_session *session = createSession(&autoglm_model_fake_batch, 2);
  autoglm_batcher_options options;
  autoglm_batcher_options_init(&options);
  options.max_batch = 5;
  printCreate("max_batch 5", session, &options);
  options.max_batch = 2;
  options.max_delay_us = -1;
  printCreate("negative delay", session, &options);

  autoglm_batcher *b = createBatcher(session, 3, 0, 8, AUTOGLM_BATCH_ADAPTIVE);
  autoglm_batcher_stats stats;
  autoglm_batcher_get_stats(b, &stats);
  printf("max_batch: %d\n", stats.max_batch);

  Request r;
  initRequest(&r, 4, 1);
  printRejected(b, "4 rows", &r);
  initRequest(&r, 2, 1);
  r.xShape[1] = 4;
  printRejected(b, "wrong column count", &r);
  initRequest(&r, 2, 1);
  r.kShape[0] = 1;
  printRejected(b, "rows differ", &r);
  initRequest(&r, 2, 1);
  r.inputs[1].dtype = AUTOGLM_INT64;
  printRejected(b, "dtype", &r);
  initRequest(&r, 2, 1);
  r.outputs[0].data = NULL;
  printRejected(b, "null data", &r);
  initRequest(&r, 2, 1);
  autoglm_status status = autoglm_batcher_submit(b, r.inputs, 1, r.outputs, 2);
  printf("count: %s: %s\n", autoglm_status_string(status),
         autoglm_batcher_last_error());
  status = autoglm_batcher_submit_async(b, r.inputs, 2, r.outputs, 2, NULL,
                                        NULL, NULL);
  printf("no callback: %s: %s\n", autoglm_status_string(status),
         autoglm_batcher_last_error());

  initRequest(&r, 2, 7);
  status = submit(b, &r);
  printf("blocking, 2 rows: %s, last error '%s', outputs %s\n",
         autoglm_status_string(status), autoglm_batcher_last_error(),
         outputsCorrect(&r) ? "correct" : "WRONG");
  initRequest(&r, 3, 8);
  uint64_t ticket = 0;
  status = submitAsync(b, &r, &ticket);
  waitAnswered(&r);
  printf("async, 3 rows: %s, answered %d time(s), ticket %llu, outputs %s\n",
         autoglm_status_string(atomic_load(&r.status)), atomic_load(&r.answers),
         (unsigned long long)ticket, outputsCorrect(&r) ? "correct" : "WRONG");
  EXPECT(status == AUTOGLM_OK);
  EXPECT(autoglm_batcher_cancel(b, ticket) == 0);
  autoglm_batcher_get_stats(b, &stats);
  printf("accepted %llu, rejected %llu, succeeded %llu, runs %llu, rows "
         "%llu, padding %llu\n",
         (unsigned long long)stats.accepted, (unsigned long long)stats.rejected,
         (unsigned long long)stats.succeeded, (unsigned long long)stats.runs,
         (unsigned long long)stats.rows,
         (unsigned long long)stats.padding_rows);
  autoglm_batcher_destroy(b);
  autoglm_session_destroy(session);
  autoglm_batcher_destroy(NULL);
  autoglm_batcher_shutdown(NULL, AUTOGLM_BATCHER_DRAIN);
  EXPECT(autoglm_batcher_cancel(NULL, 1) == 0);
  printf("status 16: %s; 17: %s; 18: %s\n",
         autoglm_status_string(AUTOGLM_ERROR_QUEUE_FULL),
         autoglm_status_string(AUTOGLM_ERROR_CANCELLED),
         autoglm_status_string(AUTOGLM_ERROR_SHUT_DOWN));
}

typedef struct ClientArgs {
  autoglm_batcher *batcher;
  int requests;
  unsigned seed;
  bool ok;
  bool ranHere; /* the model ran on this client's thread (recordRunHook) */
} ClientArgs;

/* Sends `requests` one-row requests, each after the last one's answer. */
static void *closedLoopClient(void *data) {
  ClientArgs *args = data;
  ranHere = false;
  for (int i = 0; i < args->requests; ++i) {
    Request r;
    initRequest(&r, 1, args->seed * 100 + (unsigned)i);
    args->ok = args->ok && submit(args->batcher, &r) == AUTOGLM_OK &&
               outputsCorrect(&r);
  }
  args->ranHere = ranHere;
  return NULL;
}

static void gatedRecordHook(void) {
  recordRunHook();
  gateHook();
}

/* Requests queued behind a held run merge into one run; a request the
 * model fails on fails alone; the policies wait or do not. */
static void testMerge(void) {
  autoglm_batcher_stats stats;
  autoglm_session *session = createSession(&autoglm_model_fake_batch, 2);
  autoglm_batcher *b = createBatcher(session, 0, 0, 16, AUTOGLM_BATCH_ADAPTIVE);
  fake_batch_entry_hook = gateHook;
  gateEntered = 0;
  setGate(false);
  Request first, queued[3];
  initRequest(&first, 1, 100);
  EXPECT(submitAsync(b, &first, NULL) == AUTOGLM_OK);
  waitEntered(1);
  const int64_t rows[3] = {1, 2, 1};
  for (int i = 0; i < 3; ++i) {
    initRequest(&queued[i], rows[i], 101 + (unsigned)i);
    EXPECT(submitAsync(b, &queued[i], NULL) == AUTOGLM_OK);
  }
  setGate(true);
  for (int i = 0; i < 3; ++i)
    waitAnswered(&queued[i]);
  waitAnswered(&first);
  autoglm_batcher_get_stats(b, &stats);
  bool allCorrect = outputsCorrect(&first);
  for (int i = 0; i < 3; ++i)
    allCorrect = allCorrect && outputsCorrect(&queued[i]) &&
                 atomic_load(&queued[i].answers) == 1;
  printf("merge: %llu runs for 4 requests, %llu padding rows, outputs %s\n",
         (unsigned long long)stats.runs, (unsigned long long)stats.padding_rows,
         allCorrect ? "equal to unbatched" : "WRONG");

  /* One bad value in a merged batch: that request fails, the others run. */
  gateEntered = 0;
  setGate(false);
  initRequest(&first, 1, 200);
  EXPECT(submitAsync(b, &first, NULL) == AUTOGLM_OK);
  waitEntered(1);
  for (int i = 0; i < 3; ++i) {
    initRequest(&queued[i], rows[i], 201 + (unsigned)i);
    EXPECT(submitAsync(b, &queued[i], NULL) == AUTOGLM_OK);
  }
  queued[1].x[4] = -999.0f;
  setGate(true);
  for (int i = 0; i < 3; ++i)
    waitAnswered(&queued[i]);
  waitAnswered(&first);
  printf("isolation: %s, %s, %s; others' outputs %s\n",
         autoglm_status_string(atomic_load(&queued[0].status)),
         autoglm_status_string(atomic_load(&queued[1].status)),
         autoglm_status_string(atomic_load(&queued[2].status)),
         outputsCorrect(&queued[0]) && outputsCorrect(&queued[2]) &&
                 outputsCorrect(&first)
             ? "correct"
             : "WRONG");
  fake_batch_entry_hook = NULL;
  autoglm_batcher_destroy(b);

  /* A blocking request that arrives while the model runs another is the
   * worker's to run, after it: it does not run on its submitter's thread
   * beside the running one. */
  b = createBatcher(session, 0, 0, 16, AUTOGLM_BATCH_ADAPTIVE);
  fake_batch_entry_hook = gatedRecordHook;
  gateEntered = 0;
  setGate(false);
  initRequest(&first, 1, 250);
  EXPECT(submitAsync(b, &first, NULL) == AUTOGLM_OK);
  waitEntered(1);
  ClientArgs behind = {b, 1, 251, true, false};
  pthread_t submitter;
  pthread_create(&submitter, NULL, closedLoopClient, &behind);
  do {
    sleepUs(100);
    autoglm_batcher_get_stats(b, &stats);
  } while (stats.queued < 1);
  setGate(true);
  pthread_join(submitter, NULL);
  waitAnswered(&first);
  fake_batch_entry_hook = NULL;
  autoglm_batcher_get_stats(b, &stats);
  printf("blocking request behind a run: %s, caller_runs %llu, outputs %s\n",
         behind.ranHere ? "RAN ON ITS SUBMITTER" : "ran on the worker",
         (unsigned long long)stats.caller_runs,
         behind.ok && outputsCorrect(&first) ? "correct" : "WRONG");
  autoglm_batcher_destroy(b);

  /* Adaptive, one client waiting on each answer: no request waits for the
   * delay (5 s, long enough that a loaded machine cannot pass for a wait:
   * all 8 requests take less than one delay). */
  b = createBatcher(session, 0, 5000000, 16, AUTOGLM_BATCH_ADAPTIVE);
  double start = nowMs();
  long allocationsBefore = atomic_load(&allocations);
  fake_batch_entry_hook = recordRunHook;
  int ranOnCaller = 0;
  for (int i = 0; i < 8; ++i) {
    initRequest(&first, 1, 300 + (unsigned)i);
    ranHere = false;
    EXPECT(submit(b, &first) == AUTOGLM_OK && outputsCorrect(&first));
    ranOnCaller += ranHere;
  }
  fake_batch_entry_hook = NULL;
  double elapsed = nowMs() - start;
  printf("adaptive, one client, 8 requests: %s, %ld allocations\n",
         elapsed < 5000 ? "none waited for the delay" : "SOME WAITED",
         atomic_load(&allocations) - allocationsBefore);
  /* The batcher idle and nothing else queued: each request ran at once on
   * its submitter's thread, no hand-off to the worker and back. */
  autoglm_batcher_get_stats(b, &stats);
  printf("adaptive, one client: %d of 8 runs on the submitting thread, "
         "caller_runs %llu\n",
         ranOnCaller, (unsigned long long)stats.caller_runs);

  /* Adaptive, four clients waiting on their answers: once all four have
   * sent, nothing more is coming, and no batch waits for the delay (5 s;
   * all 20 rounds take less than one). */
  autoglm_batcher_destroy(b);
  b = createBatcher(session, 0, 5000000, 16, AUTOGLM_BATCH_ADAPTIVE);
  start = nowMs();
  pthread_t clients[4];
  ClientArgs clientArgs[4];
  for (int i = 0; i < 4; ++i) {
    clientArgs[i] = (ClientArgs){b, 20, (unsigned)i, true, false};
    pthread_create(&clients[i], NULL, closedLoopClient, &clientArgs[i]);
  }
  bool allOk = true;
  for (int i = 0; i < 4; ++i) {
    pthread_join(clients[i], NULL);
    allOk = allOk && clientArgs[i].ok;
  }
  elapsed = nowMs() - start;
  printf("adaptive, 4 clients, 20 requests each: %s, outputs %s\n",
         elapsed < 5000 ? "none waited for the delay" : "SOME WAITED",
         allOk ? "correct" : "WRONG");
  autoglm_batcher_destroy(b);

  /* Fixed: a lone request waits for the delay (50 ms) before running. */
  b = createBatcher(session, 0, 50000, 16, AUTOGLM_BATCH_FIXED);
  start = nowMs();
  initRequest(&first, 1, 400);
  EXPECT(submit(b, &first) == AUTOGLM_OK && outputsCorrect(&first));
  elapsed = nowMs() - start;
  autoglm_batcher_get_stats(b, &stats);
  printf("fixed, one request: %s, caller_runs %llu\n",
         elapsed >= 50 ? "waited for the delay" : "DID NOT WAIT",
         (unsigned long long)stats.caller_runs);
  autoglm_batcher_destroy(b);
  /* ... unless the batch fills: 4 rows run at once (well within a 5 s
   * delay). */
  b = createBatcher(session, 0, 5000000, 16, AUTOGLM_BATCH_FIXED);
  start = nowMs();
  initRequest(&first, 4, 401);
  EXPECT(submit(b, &first) == AUTOGLM_OK && outputsCorrect(&first));
  elapsed = nowMs() - start;
  printf("fixed, a full batch: %s\n",
         elapsed < 5000 ? "ran at once" : "WAITED");
  autoglm_batcher_destroy(b);

  /* max_batch 1: no batching, each request its own run. */
  b = createBatcher(session, 1, 1000, 16, AUTOGLM_BATCH_ADAPTIVE);
  initRequest(&first, 2, 500);
  autoglm_status status = submit(b, &first);
  printf("max_batch 1, 2 rows: %s\n", autoglm_status_string(status));
  autoglm_batcher_destroy(b);
  autoglm_session_destroy(session);
}

/* A full queue rejects; the queued requests still run. */
static void testQueueFull(void) {
  autoglm_session *session = createSession(&autoglm_model_fake_batch, 1);
  autoglm_batcher *b = createBatcher(session, 0, 0, 3, AUTOGLM_BATCH_ADAPTIVE);
  fake_batch_entry_hook = gateHook;
  gateEntered = 0;
  setGate(false);
  Request r[4];
  initRequest(&r[0], 1, 1);
  EXPECT(submitAsync(b, &r[0], NULL) == AUTOGLM_OK);
  waitEntered(1);
  for (int i = 1; i < 3; ++i) {
    initRequest(&r[i], 1, (unsigned)i);
    EXPECT(submitAsync(b, &r[i], NULL) == AUTOGLM_OK);
  }
  initRequest(&r[3], 1, 3);
  autoglm_status status = submitAsync(b, &r[3], NULL);
  printf("fourth request: %s: %s\n", autoglm_status_string(status),
         autoglm_batcher_last_error());
  status = submit(b, &r[3]);
  printf("fourth, blocking: %s\n", autoglm_status_string(status));
  autoglm_batcher_stats stats;
  autoglm_batcher_get_stats(b, &stats);
  printf("queued %d, queue_full %llu\n", stats.queued,
         (unsigned long long)stats.queue_full);
  setGate(true);
  for (int i = 0; i < 3; ++i)
    waitAnswered(&r[i]);
  bool ok = true;
  for (int i = 0; i < 3; ++i)
    ok = ok && atomic_load(&r[i].status) == AUTOGLM_OK && outputsCorrect(&r[i]);
  printf("queued requests: %s\n", ok ? "all answered correctly" : "WRONG");
  EXPECT(atomic_load(&r[3].answers) == 0);
  /* Room again. */
  EXPECT(submit(b, &r[3]) == AUTOGLM_OK && outputsCorrect(&r[3]));
  fake_batch_entry_hook = NULL;
  autoglm_batcher_destroy(b);
  autoglm_session_destroy(session);
}

typedef struct ShutdownArgs {
  autoglm_batcher *batcher;
  autoglm_batcher_shutdown_mode mode;
} ShutdownArgs;

static void *shutdownThread(void *data) {
  ShutdownArgs *args = data;
  autoglm_batcher_shutdown(args->batcher, args->mode);
  return NULL;
}

typedef struct BlockingArgs {
  autoglm_batcher *batcher;
  Request *request;
} BlockingArgs;

static void *blockingThread(void *data) {
  BlockingArgs *args = data;
  submit(args->batcher, args->request);
  atomic_fetch_add(&args->request->answers, 1);
  return NULL;
}

/* Drain and cancel, with one request running and others queued. */
static void shutdownCase(autoglm_session *session,
                         autoglm_batcher_shutdown_mode mode) {
  const char *name = mode == AUTOGLM_BATCHER_DRAIN ? "drain" : "cancel";
  autoglm_batcher *b = createBatcher(session, 2, 0, 16, AUTOGLM_BATCH_ADAPTIVE);
  fake_batch_entry_hook = gateHook;
  gateEntered = 0;
  setGate(false);
  enum { Count = 6 };
  Request r[Count];
  for (int i = 0; i < Count; ++i)
    initRequest(&r[i], 1, (unsigned)i);
  EXPECT(submitAsync(b, &r[0], NULL) == AUTOGLM_OK);
  waitEntered(1);
  /* Four async requests and one blocking one queue behind it. */
  for (int i = 1; i < Count - 1; ++i)
    EXPECT(submitAsync(b, &r[i], NULL) == AUTOGLM_OK);
  pthread_t blocking;
  BlockingArgs blockingArgs = {b, &r[Count - 1]};
  pthread_create(&blocking, NULL, blockingThread, &blockingArgs);
  autoglm_batcher_stats stats;
  do {
    sleepUs(100);
    autoglm_batcher_get_stats(b, &stats);
  } while (stats.queued < Count - 1);
  pthread_t stopper;
  ShutdownArgs args = {b, mode};
  pthread_create(&stopper, NULL, shutdownThread, &args);
  /* Shutdown has begun when submit refuses with "shut down"; requests it
   * accepted before are answered with the rest. */
  enum { MaxLate = 256 };
  static Request late[MaxLate];
  int lateCount = 0;
  autoglm_status status = AUTOGLM_OK;
  while (lateCount < MaxLate) {
    initRequest(&late[lateCount], 1, 99);
    status = submitAsync(b, &late[lateCount], NULL);
    if (status == AUTOGLM_ERROR_SHUT_DOWN)
      break;
    if (status == AUTOGLM_OK)
      ++lateCount;
    sleepUs(500);
  }
  setGate(true);
  pthread_join(stopper, NULL);
  pthread_join(blocking, NULL);
  for (int i = 0; i < lateCount; ++i)
    EXPECT(atomic_load(&late[i].answers) == 1);
  int ok = 0, cancelled = 0, other = 0;
  bool once = true;
  for (int i = 0; i < Count; ++i) {
    once = once && atomic_load(&r[i].answers) == 1;
    autoglm_status s = atomic_load(&r[i].status);
    if (s == AUTOGLM_OK && outputsCorrect(&r[i]))
      ++ok;
    else if (s == AUTOGLM_ERROR_CANCELLED)
      ++cancelled;
    else
      ++other;
  }
  printf("%s: %d succeeded, %d cancelled, %d other, each answered %s; "
         "submit after: %s\n",
         name, ok, cancelled, other, once ? "once" : "NOT ONCE",
         autoglm_status_string(status));
  fake_batch_entry_hook = NULL;
  autoglm_batcher_shutdown(b, AUTOGLM_BATCHER_DRAIN); /* again: no-op */
  autoglm_batcher_destroy(b);
}

static void testShutdown(void) {
  autoglm_session *session = createSession(&autoglm_model_fake_batch, 1);
  shutdownCase(session, AUTOGLM_BATCHER_DRAIN);
  shutdownCase(session, AUTOGLM_BATCHER_CANCEL);

  /* Cancelling by ticket: queued requests only. */
  autoglm_batcher *b = createBatcher(session, 1, 0, 16, AUTOGLM_BATCH_ADAPTIVE);
  fake_batch_entry_hook = gateHook;
  gateEntered = 0;
  setGate(false);
  Request running, queued;
  initRequest(&running, 1, 1);
  initRequest(&queued, 1, 2);
  uint64_t runningTicket = 0, queuedTicket = 0;
  EXPECT(submitAsync(b, &running, &runningTicket) == AUTOGLM_OK);
  waitEntered(1);
  EXPECT(submitAsync(b, &queued, &queuedTicket) == AUTOGLM_OK);
  int cancelledRunning = autoglm_batcher_cancel(b, runningTicket);
  int cancelledQueued = autoglm_batcher_cancel(b, queuedTicket);
  int again = autoglm_batcher_cancel(b, queuedTicket);
  printf("cancel: running %d, queued %d (answered %s, %d time(s)), again %d\n",
         cancelledRunning, cancelledQueued,
         autoglm_status_string(atomic_load(&queued.status)),
         atomic_load(&queued.answers), again);
  setGate(true);
  waitAnswered(&running);
  EXPECT(atomic_load(&running.status) == AUTOGLM_OK);
  fake_batch_entry_hook = NULL;
  /* Destroy alone drains. */
  Request last;
  initRequest(&last, 1, 3);
  EXPECT(submitAsync(b, &last, NULL) == AUTOGLM_OK);
  autoglm_batcher_destroy(b);
  printf("destroy drains: %s\n",
         atomic_load(&last.answers) == 1 && outputsCorrect(&last)
             ? "answered once"
             : "NOT ANSWERED");
  autoglm_session_destroy(session);
}

/* Several sizes of one model: what create_multi refuses, and which sizes
 * run a request of 3 rows as their costs change. */
static void printSizesCreate(const char *what, autoglm_session *const *sessions,
                             int32_t count) {
  autoglm_batcher *b = (autoglm_batcher *)1;
  autoglm_status status =
      autoglm_batcher_create_multi(sessions, count, NULL, &b);
  EXPECT(b == NULL);
  printf("%s: %s: %s\n", what, autoglm_status_string(status),
         autoglm_batcher_last_error());
}

/* A batcher of no delay on the three sizes, whose runs of 1, 2 and 4 rows
 * sleep `us1`, `us2` and `us4` (until the case resets them to 0). */
static autoglm_batcher *sizesBatcher(autoglm_session *const *sessions,
                                     int64_t us1, int64_t us2, int64_t us4,
                                     int32_t calibrationRuns,
                                     autoglm_batch_policy policy) {
  fake_batch_run_us[0] = us1;
  fake_batch_run_us[1] = us2;
  fake_batch_run_us[2] = us4;
  autoglm_batcher_options options;
  autoglm_batcher_options_init(&options);
  options.max_delay_us = 0;
  options.calibration_runs = calibrationRuns;
  options.policy = policy;
  autoglm_batcher *b = NULL;
  EXPECT(autoglm_batcher_create_multi(sessions, 3, &options, &b) == AUTOGLM_OK);
  return b;
}

static void sizesCase(autoglm_session *const *sessions, int64_t us1,
                      int64_t us2, int64_t us4, int64_t rows,
                      autoglm_batch_policy policy) {
  autoglm_batcher *b = sizesBatcher(sessions, us1, us2, us4, 2, policy);
  Request r;
  initRequest(&r, rows, 9);
  autoglm_status status = submit(b, &r);
  autoglm_batcher_stats stats;
  autoglm_batcher_get_stats(b, &stats);
  printf("%sruns of 1, 2, 4 rows cost %lld, %lld, %lld ms: %lld row(s) in "
         "%llu run(s), %llu padding row(s): %s, outputs %s\n",
         policy == AUTOGLM_BATCH_FIXED ? "fixed policy, " : "",
         (long long)us1 / 1000, (long long)us2 / 1000, (long long)us4 / 1000,
         (long long)rows, (unsigned long long)stats.runs,
         (unsigned long long)stats.padding_rows, autoglm_status_string(status),
         outputsCorrect(&r) ? "correct" : "WRONG");
  autoglm_batcher_destroy(b);
  fake_batch_run_us[0] = fake_batch_run_us[1] = fake_batch_run_us[2] = 0;
}

/* The hook of the answered-early case: holds a run while the gate is
 * closed, and records how many requests were answered when each run
 * started. */
static atomic_int answeredSoFar;
static int answeredAtRun[4], runsStarted;
static void recordAnswered(void) {
  gateHook();
  if (runsStarted < 4)
    answeredAtRun[runsStarted++] = atomic_load(&answeredSoFar);
}
static void onCountedAnswer(void *data, autoglm_status status,
                            const char *message) {
  onAnswer(data, status, message);
  atomic_fetch_add(&answeredSoFar, 1);
}

/* A batch that the plan runs in two runs answers the first run's request
 * before the second run starts. */
static void answeredEarlyCase(autoglm_session *const *sessions) {
  autoglm_batcher *b =
      sizesBatcher(sessions, 20000, 30000, 200000, 2, AUTOGLM_BATCH_ADAPTIVE);
  atomic_store(&answeredSoFar, 0);
  runsStarted = 0;
  gateEntered = 0;
  setGate(false);
  fake_batch_entry_hook = recordAnswered;
  /* One request held in the model while three more queue: they run as one
   * batch of 3 rows, 1 + 2 (2 + 1 costs the same; the plan keeps the
   * smaller first run). */
  Request held, queued[3];
  initRequest(&held, 1, 50);
  EXPECT(autoglm_batcher_submit_async(b, held.inputs, 2, held.outputs, 2,
                                      onCountedAnswer, &held,
                                      NULL) == AUTOGLM_OK);
  waitEntered(1);
  for (int i = 0; i < 3; ++i) {
    initRequest(&queued[i], 1, 51u + (unsigned)i);
    EXPECT(autoglm_batcher_submit_async(b, queued[i].inputs, 2,
                                        queued[i].outputs, 2, onCountedAnswer,
                                        &queued[i], NULL) == AUTOGLM_OK);
  }
  setGate(true);
  bool correct = true;
  for (int i = 0; i < 3; ++i) {
    waitAnswered(&queued[i]);
    correct = correct && outputsCorrect(&queued[i]);
  }
  waitAnswered(&held);
  fake_batch_entry_hook = NULL;
  autoglm_batcher_stats stats;
  autoglm_batcher_get_stats(b, &stats);
  printf("a batch of 3 requests in %d runs: %d of them answered before its "
         "second run: outputs %s\n",
         runsStarted - 1, runsStarted == 3 ? answeredAtRun[2] - 1 : -1,
         correct && outputsCorrect(&held) ? "correct" : "WRONG");
  autoglm_batcher_destroy(b);
  fake_batch_run_us[0] = fake_batch_run_us[1] = fake_batch_run_us[2] = 0;
}

/* An entry's first run is a warm-up, not a measurement: without
 * calibration, a size whose first run took 300 ms (a GPU session capturing
 * its graph) is still chosen for a full batch once the other sizes have
 * run, rather than looking 40 times dearer than its 7 ms for good. */
static void firstRunCase(autoglm_session *const *sessions) {
  fake_batch_first_run_us[2] = 300000;
  autoglm_batcher *b =
      sizesBatcher(sessions, 5000, 6000, 7000, 0, AUTOGLM_BATCH_ADAPTIVE);
  /* 4 rows (size 4's first run), 1 row twice (size 1 measured), 4 rows
   * (size 2 or 4, which the costs so far rank), then the 4 rows counted. */
  const int64_t rows[] = {4, 1, 1, 4, 4};
  bool correct = true;
  autoglm_batcher_stats before = {0}, after;
  for (int i = 0; i < 5; ++i) {
    Request r;
    initRequest(&r, rows[i], 60u + (unsigned)i);
    if (i == 4)
      autoglm_batcher_get_stats(b, &before);
    correct = correct && submit(b, &r) == AUTOGLM_OK && outputsCorrect(&r);
  }
  autoglm_batcher_get_stats(b, &after);
  printf("size 4's first run 300 ms, then runs of 1, 2, 4 rows cost 5, 6, 7 "
         "ms: 4 rows in %llu run(s), outputs %s\n",
         (unsigned long long)(after.runs - before.runs),
         correct ? "correct" : "WRONG");
  autoglm_batcher_destroy(b);
  fake_batch_run_us[0] = fake_batch_run_us[1] = fake_batch_run_us[2] = 0;
}

/* Four closed-loop clients on sizes of up to 4 rows whose runs cost 30,
 * 36 and 42 ms (a batch is cheaper per row), started as two pairs whose
 * batches take turns: the first pair queues behind a held run, the second
 * sends while the first pair's batch runs, so each pair's batch is queued
 * when the other's ends. Adaptive batching waits for the pair it just
 * answered (its clients send again at once) and runs the four clients'
 * requests together from then on; batches that kept taking turns would
 * average 2 rows a run. The bound, 2.5 rows a run, lies between the two:
 * a loaded machine (sanitizers, another lit worker on the same cores)
 * wakes a client late now and then, and that run goes out short (2.97
 * rows a run in CI's sanitizer build with runs of 10 to 14 ms, whose
 * patience, an eighth of a run, was under 2 ms). */
static void closedLoopCase(autoglm_session *const *sessions) {
  fake_batch_run_us[0] = 30000;
  fake_batch_run_us[1] = 36000;
  fake_batch_run_us[2] = 42000;
  autoglm_batcher_options options;
  autoglm_batcher_options_init(&options);
  options.max_delay_us = 150000;
  options.calibration_runs = 1;
  autoglm_batcher *b = NULL;
  EXPECT(autoglm_batcher_create_multi(sessions, 3, &options, &b) == AUTOGLM_OK);
  gateEntered = 0;
  setGate(false);
  fake_batch_entry_hook = gateHook;
  Request held;
  initRequest(&held, 1, 69);
  EXPECT(submitAsync(b, &held, NULL) == AUTOGLM_OK);
  waitEntered(1);
  pthread_t clients[4];
  ClientArgs args[4];
  for (int i = 0; i < 4; ++i)
    args[i] = (ClientArgs){b, 25, 70u + (unsigned)i, true, false};
  for (int i = 0; i < 2; ++i)
    pthread_create(&clients[i], NULL, closedLoopClient, &args[i]);
  autoglm_batcher_stats stats;
  do {
    sleepUs(100);
    autoglm_batcher_get_stats(b, &stats);
  } while (stats.queued < 2);
  fake_batch_entry_hook = NULL;
  setGate(true);
  /* The second pair, once the first pair's batch has left the queue. */
  do {
    sleepUs(100);
    autoglm_batcher_get_stats(b, &stats);
  } while (stats.queued > 0);
  for (int i = 2; i < 4; ++i)
    pthread_create(&clients[i], NULL, closedLoopClient, &args[i]);
  bool correct = true;
  for (int i = 0; i < 4; ++i) {
    pthread_join(clients[i], NULL);
    correct = correct && args[i].ok;
  }
  waitAnswered(&held);
  autoglm_batcher_get_stats(b, &stats);
  double rowsPerRun = (double)stats.rows / (double)stats.runs;
  printf("4 closed-loop clients in two pairs, runs of 1, 2, 4 rows cost 30, "
         "36, 42 ms: %s rows a run, outputs %s\n",
         rowsPerRun > 2.5 ? "more than 2.5" : "AT MOST 2.5",
         correct && outputsCorrect(&held) ? "correct" : "WRONG");
  if (rowsPerRun <= 2.5)
    printf("  (%.2f rows a run in %llu runs)\n", rowsPerRun,
           (unsigned long long)stats.runs);
  autoglm_batcher_destroy(b);
  fake_batch_run_us[0] = fake_batch_run_us[1] = fake_batch_run_us[2] = 0;
}

static void testSizes(void) {
  autoglm_session *sessions[3] = {
      createSession(&autoglm_model_fake_batch_2, 1),
      createSession(&autoglm_model_fake_batch, 1),
      createSession(&autoglm_model_fake_batch_1, 1)};
  autoglm_session *plain = createSession(&autoglm_model_fake, 1);
  autoglm_session *twice[2] = {sessions[0], sessions[0]};
  printSizesCreate("same size twice", twice, 2);
  autoglm_session *mixed[2] = {sessions[0], plain};
  printSizesCreate("a model without a batch", mixed, 2);
  autoglm_session *none[2] = {sessions[0], NULL};
  printSizesCreate("a NULL session", none, 2);
  printSizesCreate("no sessions", sessions, 0);

  /* Costs in milliseconds, far enough apart that a preemption on a loaded
   * machine cannot flip the choice (each size's cost is the fastest of two
   * runs): 2 + 1 (50) beats 1 + 1 + 1 and 2 + 2 (60) and a padded 4, then
   * the padded 4 is cheapest. */
  sizesCase(sessions, 20000, 30000, 200000, 3, AUTOGLM_BATCH_ADAPTIVE);
  sizesCase(sessions, 20000, 21000, 22000, 3, AUTOGLM_BATCH_ADAPTIVE);
  /* Larger sizes measured no dearer (a GPU's small batches cost about the
   * same): a row alone still runs on size 1, not padded to 4. */
  sizesCase(sessions, 20000, 19000, 18000, 1, AUTOGLM_BATCH_ADAPTIVE);
  sizesCase(sessions, 20000, 19000, 18000, 3, AUTOGLM_BATCH_ADAPTIVE);
  /* Fixed batching runs the batch it formed in one run, padded, even where
   * a split would cost less. */
  sizesCase(sessions, 20000, 30000, 200000, 3, AUTOGLM_BATCH_FIXED);
  answeredEarlyCase(sessions);
  firstRunCase(sessions);
  closedLoopCase(sessions);

  /* Every size, with max_batch 4: requests of 1 to 4 rows. */
  autoglm_batcher *b = NULL;
  EXPECT(autoglm_batcher_create_multi(sessions, 3, NULL, &b) == AUTOGLM_OK);
  bool correct = true;
  for (int64_t rows = 1; rows <= 4; ++rows) {
    Request r;
    initRequest(&r, rows, (unsigned)rows);
    correct = correct && submit(b, &r) == AUTOGLM_OK && outputsCorrect(&r);
  }
  autoglm_batcher_stats stats;
  autoglm_batcher_get_stats(b, &stats);
  printf("max_batch %d; 1 to 4 rows: %s\n", stats.max_batch,
         correct ? "equal to unbatched" : "WRONG");
  autoglm_batcher_destroy(b);
  for (int i = 0; i < 3; ++i)
    autoglm_session_destroy(sessions[i]);
  autoglm_session_destroy(plain);
}

/*===-- Stress ------------------------------------------------------------===*/

enum { StressThreads = 16, StressRequests = 600 };

typedef enum Kind { Good, BadDtype, BadRows, BadMix, Failing } Kind;

typedef struct Expectation {
  Kind kind;
  bool async;
  bool accepted;
  bool cancelled;
} Expectation;

typedef struct StressThread {
  autoglm_batcher *batcher;
  unsigned seed;
  Request *requests;
  Expectation *expected;
  atomic_int *progress;
  int mismatches; /* answers that contradict the expectation */
} StressThread;

static void *stressClient(void *data) {
  StressThread *t = data;
  for (int i = 0; i < StressRequests; ++i) {
    Request *r = &t->requests[i];
    Expectation *e = &t->expected[i];
    unsigned dice = (unsigned)rand_r(&t->seed);
    initRequest(r, 1 + dice % FAKE_BATCH, dice);
    dice /= FAKE_BATCH;
    e->kind = dice % 20 == 0   ? BadDtype
              : dice % 20 == 1 ? BadRows
              : dice % 20 == 2 ? BadMix
              : dice % 20 == 3 ? Failing
                               : Good;
    if (e->kind == BadDtype)
      r->outputs[1].dtype = AUTOGLM_FLOAT32;
    else if (e->kind == BadRows)
      r->xShape[0] = r->kShape[0] = r->yShape[0] = r->sShape[0] = MaxRows;
    else if (e->kind == BadMix)
      r->sShape[0] = r->rows == 1 ? 2 : 1;
    else if (e->kind == Failing)
      r->x[0] = -999.0f;
    e->async = (dice / 20) % 2;
    autoglm_status status;
    if (e->async) {
      uint64_t ticket = 0;
      status = submitAsync(t->batcher, r, &ticket);
      if (status == AUTOGLM_OK && (dice / 40) % 4 == 0)
        e->cancelled = autoglm_batcher_cancel(t->batcher, ticket) == 1;
    } else {
      status = submit(t->batcher, r);
      if (status != AUTOGLM_ERROR_QUEUE_FULL &&
          status != AUTOGLM_ERROR_SHUT_DOWN &&
          status != AUTOGLM_ERROR_DTYPE_MISMATCH &&
          status != AUTOGLM_ERROR_SHAPE_MISMATCH)
        atomic_fetch_add(&r->answers, 1);
    }
    bool rejectedBad = status == AUTOGLM_ERROR_DTYPE_MISMATCH ||
                       status == AUTOGLM_ERROR_SHAPE_MISMATCH;
    bool isBad = e->kind == BadDtype || e->kind == BadRows || e->kind == BadMix;
    if (rejectedBad != isBad)
      ++t->mismatches;
    e->accepted = e->async ? status == AUTOGLM_OK
                           : !isBad && status != AUTOGLM_ERROR_QUEUE_FULL &&
                                 status != AUTOGLM_ERROR_SHUT_DOWN;
    atomic_fetch_add(t->progress, 1);
    if (dice % 3 == 0)
      sleepUs(dice % 200);
  }
  return NULL;
}

/* Many clients, random sizes, bad and failing requests, cancellations and
 * a full queue; `stopMidway` cancels the batcher while they run. */
static void stressRun(const char *name, bool stopMidway, bool sizes,
                      unsigned seed) {
  long liveBefore = liveBlocks();
  fake_batch_entry_hook = recordRunHook;
  atomic_store(&overlaps, 0);
  autoglm_session *sessions[3] = {
      createSession(&autoglm_model_fake_batch, 2),
      createSession(&autoglm_model_fake_batch_1, 1),
      createSession(&autoglm_model_fake_batch_2, 1)};
  autoglm_batcher_options options;
  autoglm_batcher_options_init(&options);
  options.max_delay_us = 200;
  options.queue_capacity = 24;
  autoglm_batcher *b = NULL;
  if (autoglm_batcher_create_multi(sessions, sizes ? 3 : 1, &options, &b) !=
      AUTOGLM_OK) {
    printf("batcher create failed: %s\n", autoglm_batcher_last_error());
    exit(2);
  }
  StressThread threads[StressThreads];
  pthread_t ids[StressThreads];
  atomic_int progress = 0;
  for (int i = 0; i < StressThreads; ++i) {
    threads[i] = (StressThread){b,
                                seed + (unsigned)i * 7919u,
                                calloc(StressRequests, sizeof(Request)),
                                calloc(StressRequests, sizeof(Expectation)),
                                &progress,
                                0};
    pthread_create(&ids[i], NULL, stressClient, &threads[i]);
  }
  if (stopMidway) {
    while (atomic_load(&progress) < StressThreads * StressRequests / 2)
      sleepUs(200);
    autoglm_batcher_shutdown(b, AUTOGLM_BATCHER_CANCEL);
  }
  for (int i = 0; i < StressThreads; ++i)
    pthread_join(ids[i], NULL);
  autoglm_batcher_shutdown(b, AUTOGLM_BATCHER_DRAIN);

  long accepted = 0, answeredOnce = 0, wrongAnswers = 0, unanswered = 0,
       mismatches = 0, cancelled = 0;
  for (int i = 0; i < StressThreads; ++i) {
    mismatches += threads[i].mismatches;
    for (int j = 0; j < StressRequests; ++j) {
      Request *r = &threads[i].requests[j];
      Expectation *e = &threads[i].expected[j];
      int answers = atomic_load(&r->answers);
      autoglm_status s = atomic_load(&r->status);
      if (!e->accepted) {
        if (answers != 0)
          ++wrongAnswers;
        continue;
      }
      ++accepted;
      if (answers == 0)
        ++unanswered;
      else if (answers == 1)
        ++answeredOnce;
      else
        ++wrongAnswers;
      cancelled += s == AUTOGLM_ERROR_CANCELLED;
      bool right = e->cancelled                   ? s == AUTOGLM_ERROR_CANCELLED
                   : s == AUTOGLM_ERROR_CANCELLED ? stopMidway
                   : e->kind == Failing ? s == AUTOGLM_ERROR_MODEL_FAILED
                                        : s == AUTOGLM_OK && outputsCorrect(r);
      if (!right)
        ++wrongAnswers;
    }
  }
  autoglm_batcher_stats stats;
  autoglm_batcher_get_stats(b, &stats);
  EXPECT(stats.accepted == (uint64_t)accepted);
  EXPECT(stats.succeeded + stats.failed + stats.cancelled ==
         (uint64_t)accepted);
  EXPECT(stats.cancelled == (uint64_t)cancelled);
  EXPECT(stats.queued == 0);
  EXPECT(mismatches == 0);
  EXPECT(wrongAnswers == 0);
  EXPECT(unanswered == 0);
  EXPECT(atomic_load(&overlaps) == 0);
  printf("%s: %s\n", name,
         answeredOnce == accepted && wrongAnswers == 0 && mismatches == 0 &&
                 atomic_load(&overlaps) == 0
             ? "every accepted request answered exactly once, correctly; "
               "every bad request rejected"
             : "WRONG");
  fprintf(
      stderr,
      "%s: accepted %llu, rejected %llu (queue full %llu), succeeded "
      "%llu, failed %llu, cancelled %llu, runs %llu, rows %llu, padding "
      "%llu, on the submitting thread %llu\n",
      name, (unsigned long long)stats.accepted,
      (unsigned long long)stats.rejected, (unsigned long long)stats.queue_full,
      (unsigned long long)stats.succeeded, (unsigned long long)stats.failed,
      (unsigned long long)stats.cancelled, (unsigned long long)stats.runs,
      (unsigned long long)stats.rows, (unsigned long long)stats.padding_rows,
      (unsigned long long)stats.caller_runs);
  autoglm_batcher_destroy(b);
  for (int i = 0; i < 3; ++i)
    autoglm_session_destroy(sessions[i]);
  for (int i = 0; i < StressThreads; ++i) {
    free(threads[i].requests);
    free(threads[i].expected);
  }
  fake_batch_entry_hook = NULL;
  /* Every block the batcher, the sessions and the test allocated is free
   * again (the sanitizer build's LeakSanitizer checks the same at exit). */
  long leaked = liveBlocks() - liveBefore;
  EXPECT(leaked == 0);
  printf("%s: %ld blocks left allocated\n", name, leaked);
}

static void testStress(unsigned seed) {
  stressRun("stress", false, false, seed);
  stressRun("stress with a cancelling shutdown", true, false, seed + 1);
  stressRun("stress on batch sizes 1, 2 and 4", false, true, seed + 2);
}

/*===-- Sequence lengths --------------------------------------------------===*/

enum { SeqCap = (FAKE_SEQ_BATCH + 1) * (FAKE_SEQ_LONGEST + 1) };

typedef struct SeqRequest {
  float x[SeqCap];
  int64_t m[SeqCap];
  float y[SeqCap];
  double s[FAKE_SEQ_BATCH + 1];
  int64_t shape[2], sShape[1];
  autoglm_tensor inputs[2];
  autoglm_tensor outputs[2];
  int64_t rows, length;
  atomic_int answers;
  _Atomic autoglm_status status;
} SeqRequest;

/* A request of `rows` rows of `length` positions, the mask 1 but for the
 * last position of row 0 (the caller's own padding); outputs past the
 * request hold the sentinel. */
static void initSeq(SeqRequest *r, int64_t rows, int64_t length,
                    unsigned seed) {
  memset(r, 0, sizeof(*r));
  r->rows = rows;
  r->length = length;
  for (int i = 0; i < SeqCap; ++i) {
    r->x[i] = (float)((seed * 13u + (unsigned)i * 5u) % 17u) * 0.5f - 3.0f;
    r->m[i] = 1;
    r->y[i] = Sentinel;
  }
  if (length > 1)
    r->m[length - 1] = 0;
  for (int i = 0; i <= FAKE_SEQ_BATCH; ++i)
    r->s[i] = Sentinel;
  r->shape[0] = r->sShape[0] = rows;
  r->shape[1] = length;
  r->inputs[0] = (autoglm_tensor){r->x, AUTOGLM_FLOAT32, 2, r->shape};
  r->inputs[1] = (autoglm_tensor){r->m, AUTOGLM_INT64, 2, r->shape};
  r->outputs[0] = (autoglm_tensor){r->y, AUTOGLM_FLOAT32, 2, r->shape};
  r->outputs[1] = (autoglm_tensor){r->s, AUTOGLM_FLOAT64, 1, r->sShape};
  atomic_store(&r->answers, 0);
  atomic_store(&r->status, AUTOGLM_OK);
}

/* Each row equals the row computed alone at the request's length, and
 * nothing past the request was written. */
static bool seqCorrect(const SeqRequest *r) {
  int64_t n = r->rows * r->length;
  for (int64_t row = 0; row < r->rows; ++row) {
    float y[FAKE_SEQ_LONGEST + 1];
    double s;
    fake_seq_row(r->x + row * r->length, r->m + row * r->length, r->length, y,
                 &s);
    for (int64_t t = 0; t < r->length; ++t)
      if (r->y[row * r->length + t] != y[t])
        return false;
    if (r->s[row] != s)
      return false;
  }
  for (int64_t i = n; i < SeqCap; ++i)
    if (r->y[i] != Sentinel)
      return false;
  return r->s[r->rows] == Sentinel;
}

static void onSeqAnswer(void *data, autoglm_status status,
                        const char *message) {
  SeqRequest *r = data;
  (void)message;
  atomic_store(&r->status, status);
  atomic_fetch_add(&r->answers, 1);
}

/* The model of batch sizes 1 and 2 and lengths 2 and 4, its entries 1x2,
 * 1x4, 2x2 and 2x4 given the costs `us` (measured at creation): while one
 * request is held in the model, requests of lengths 3 and 1 queue; the
 * plan runs them as one run of 2 rows at length 4 or, when that costs more
 * than a row at each length, as a run at length 2 then one at 4. */
static void entryCostCase(int64_t us1x2, int64_t us1x4, int64_t us2x2,
                          int64_t us2x4) {
  fake_seq_run_us[0][0] = us1x2;
  fake_seq_run_us[0][1] = us1x4;
  fake_seq_run_us[1][0] = us2x2;
  fake_seq_run_us[1][1] = us2x4;
  autoglm_session *session = createSession(&autoglm_model_fake_seq_sizes, 1);
  autoglm_batcher_options options;
  autoglm_batcher_options_init(&options);
  options.max_delay_us = 0;
  options.calibration_runs = 2;
  autoglm_batcher *b = NULL;
  EXPECT(autoglm_batcher_create(session, &options, &b) == AUTOGLM_OK);
  fake_seq_entry_hook = gateHook;
  gateEntered = 0;
  setGate(false);
  SeqRequest first, queued[2];
  initSeq(&first, 1, 2, 60);
  EXPECT(autoglm_batcher_submit_async(b, first.inputs, 2, first.outputs, 2,
                                      onSeqAnswer, &first, NULL) == AUTOGLM_OK);
  waitEntered(1);
  int runsBefore = fake_seq_runs;
  const int64_t lengths[2] = {3, 1};
  for (int i = 0; i < 2; ++i) {
    initSeq(&queued[i], 1, lengths[i], 61u + (unsigned)i);
    EXPECT(autoglm_batcher_submit_async(b, queued[i].inputs, 2,
                                        queued[i].outputs, 2, onSeqAnswer,
                                        &queued[i], NULL) == AUTOGLM_OK);
  }
  setGate(true);
  for (int i = 0; i < 2; ++i)
    while (atomic_load(&queued[i].answers) == 0)
      sleepUs(50);
  fake_seq_entry_hook = NULL;
  printf("entries 1x2, 1x4, 2x2, 2x4 costing %lld, %lld, %lld, %lld ms: "
         "lengths 3 and 1 in %d run(s), the last of %lld row(s) at length "
         "%lld, outputs %s\n",
         (long long)us1x2 / 1000, (long long)us1x4 / 1000,
         (long long)us2x2 / 1000, (long long)us2x4 / 1000,
         fake_seq_runs - runsBefore - 1, (long long)fake_seq_last_batch,
         (long long)fake_seq_last_length,
         seqCorrect(&first) && seqCorrect(&queued[0]) && seqCorrect(&queued[1])
             ? "equal to unpadded"
             : "WRONG");
  autoglm_batcher_destroy(b);
  autoglm_session_destroy(session);
  memset(fake_seq_run_us, 0, sizeof(fake_seq_run_us));
}

/* A session of a model with lengths {2, 4} and a pad mask runs a request
 * of a length in between padded up to the next; the batcher on it merges
 * requests of different lengths into one run at the smallest length that
 * holds them all. */
static void testLengths(void) {
  autoglm_session *session = createSession(&autoglm_model_fake_seq, 1);
  const int64_t lengths[] = {1, 2, 3, 4};
  for (int i = 0; i < 4; ++i) {
    SeqRequest r;
    initSeq(&r, FAKE_SEQ_BATCH, lengths[i], 10u + (unsigned)i);
    autoglm_status status =
        autoglm_session_run(session, r.inputs, 2, r.outputs, 2);
    printf("session, length %lld: %s, ran at length %lld, outputs %s\n",
           (long long)lengths[i], autoglm_status_string(status),
           (long long)fake_seq_last_length,
           seqCorrect(&r) ? "equal to unpadded" : "WRONG");
  }
  SeqRequest tooLong;
  initSeq(&tooLong, FAKE_SEQ_BATCH, 5, 20);
  printf("session, length 5: %s: %s\n",
         autoglm_status_string(autoglm_session_run(session, tooLong.inputs, 2,
                                                   tooLong.outputs, 2)),
         autoglm_session_last_error(session));
  /* No allocation in a padded run. */
  SeqRequest counted;
  initSeq(&counted, FAKE_SEQ_BATCH, 3, 21);
  long allocationsBefore = atomic_load(&allocations);
  autoglm_session_run(session, counted.inputs, 2, counted.outputs, 2);
  printf("session, padded run: %ld allocations\n",
         atomic_load(&allocations) - allocationsBefore);

  autoglm_batcher *b = createBatcher(session, 0, 0, 16, AUTOGLM_BATCH_ADAPTIVE);
  printf("batcher, length 5: ");
  autoglm_status status =
      autoglm_batcher_submit(b, tooLong.inputs, 2, tooLong.outputs, 2);
  printf("%s: %s\n", autoglm_status_string(status),
         autoglm_batcher_last_error());
  fake_seq_entry_hook = gateHook;
  /* While one request is held in the model, two more of lengths 3 and 1
   * queue, then run as one batch at length 4; then two of lengths 1 and 2
   * run at length 2. */
  const int64_t pairs[2][2] = {{3, 1}, {1, 2}};
  for (int p = 0; p < 2; ++p) {
    gateEntered = 0;
    setGate(false);
    SeqRequest first, queued[2];
    int runsBefore = fake_seq_runs;
    initSeq(&first, 1, 2, 30u + (unsigned)p);
    EXPECT(autoglm_batcher_submit_async(b, first.inputs, 2, first.outputs, 2,
                                        onSeqAnswer, &first,
                                        NULL) == AUTOGLM_OK);
    waitEntered(1);
    for (int i = 0; i < 2; ++i) {
      initSeq(&queued[i], 1, pairs[p][i], 40u + (unsigned)(p * 2 + i));
      EXPECT(autoglm_batcher_submit_async(b, queued[i].inputs, 2,
                                          queued[i].outputs, 2, onSeqAnswer,
                                          &queued[i], NULL) == AUTOGLM_OK);
    }
    setGate(true);
    for (int i = 0; i < 2; ++i)
      while (atomic_load(&queued[i].answers) == 0)
        sleepUs(50);
    while (atomic_load(&first.answers) == 0)
      sleepUs(50);
    printf("batcher, one request held, then lengths %lld and %lld: %d runs, "
           "the last at length %lld, outputs %s\n",
           (long long)pairs[p][0], (long long)pairs[p][1],
           fake_seq_runs - runsBefore, (long long)fake_seq_last_length,
           seqCorrect(&first) && seqCorrect(&queued[0]) &&
                   seqCorrect(&queued[1])
               ? "equal to unpadded"
               : "WRONG");
  }
  fake_seq_entry_hook = NULL;
  autoglm_batcher_destroy(b);
  autoglm_session_destroy(session);
  entryCostCase(10000, 20000, 11000, 22000);
  entryCostCase(1000, 10000, 2000, 100000);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc < 2) {
    fprintf(
        stderr,
        "usage: %s api|merge|queue-full|shutdown|sizes|lengths|stress [seed]\n",
        argv[0]);
    return 2;
  }
  const char *mode = argv[1];
  if (!strcmp(mode, "api"))
    testApi();
  else if (!strcmp(mode, "merge"))
    testMerge();
  else if (!strcmp(mode, "queue-full"))
    testQueueFull();
  else if (!strcmp(mode, "shutdown"))
    testShutdown();
  else if (!strcmp(mode, "sizes"))
    testSizes();
  else if (!strcmp(mode, "lengths"))
    testLengths();
  else if (!strcmp(mode, "stress"))
    testStress(argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 1u);
  else {
    fprintf(stderr, "unknown mode '%s'\n", mode);
    return 2;
  }
  return failures ? 1 : 0;
}
