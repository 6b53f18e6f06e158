/*===- batcher_worker.c - form batches, run them, split the outputs -------===*\
 *
 * The worker thread: waits for requests, decides how long to let a batch
 * fill (the policy), takes queued requests in arrival order while their
 * rows fit, copies their rows into the staging inputs (padding the batch by
 * repeating its last row), runs the session once, and copies each request's
 * rows of the outputs back. A merged run that fails is run again one
 * request at a time, so that one request the model cannot compute fails
 * alone.
 *
\*===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include "batcher_impl.h"

#include <string.h>
#include <time.h>

/*===-- The policy: how long a batch may fill -----------------------------===*/

/* Under the mutex, with a queued request: returns true after waiting (for
 * an arrival, the deadline or a shutdown) when the batch should fill
 * further, false when it should run now. */
static bool waitForMore(autoglm_batcher *b) {
  if (b->stopping || b->queue.rows >= b->options.max_batch)
    return false;
  int64_t now = autoglm_batcher_now_ns();
  int64_t deadline = b->queue.head->arrival_ns + b->options.max_delay_us * 1000;
  if (now >= deadline)
    return false;
  if (b->options.policy == AUTOGLM_BATCH_ADAPTIVE) {
    /* Wait only under load, when another request is expected before the
     * deadline: most recent arrivals found the worker busy (with Poisson
     * arrivals, the worker is busy more than half the time), and the mean
     * gap between them, or the time since the last one if that is longer
     * (the load has dropped), is shorter than what is left. At light load,
     * or with one client that waits for each answer, a request runs at
     * once. */
    if (b->busy_share < 0.5)
      return false;
    double gap = b->mean_gap_ns;
    double sinceLast = (double)(now - b->last_arrival_ns);
    if (sinceLast > gap)
      gap = sinceLast;
    if (gap <= 0 || gap >= (double)(deadline - now))
      return false;
  }
  struct timespec until = {(time_t)(deadline / 1000000000),
                           (long)(deadline % 1000000000)};
  pthread_cond_timedwait(&b->work, &b->mutex, &until);
  return true;
}

/* Under the mutex: moves the requests of the next batch from the queue to
 * b->batch and returns how many. */
static int32_t takeBatch(autoglm_batcher *b) {
  int32_t count = 0;
  int64_t rows = 0;
  while (b->queue.head && rows + b->queue.head->rows <= b->options.max_batch) {
    batcher_request *r = b->queue.head;
    b->queue.head = r->next;
    r->next = NULL;
    rows += r->rows;
    b->batch[count++] = r;
  }
  if (!b->queue.head)
    b->queue.tail = NULL;
  b->queue.count -= count;
  b->queue.rows -= rows;
  b->stats.queued = b->queue.count;
  return count;
}

/*===-- Running a batch ---------------------------------------------------===*/

/* Runs `count` requests (`rows` rows in all) as one run of the model;
 * fills b->run_message on failure. Without the mutex. */
static autoglm_status runOnce(autoglm_batcher *b, batcher_request **requests,
                              int32_t count, int64_t rows) {
  const autoglm_model_desc *model = b->model;
  int32_t numInputs = model->num_inputs, numOutputs = model->num_outputs;
  int32_t total = numInputs + numOutputs;
  autoglm_status status;
  if (count == 1 && rows == b->model_batch) {
    /* A full batch of one request runs on the caller's tensors. */
    for (int32_t k = 0; k < total; ++k)
      b->direct[k].data = requests[0]->data[k];
    status = autoglm_session_run(b->session, b->direct, numInputs,
                                 b->direct + numInputs, numOutputs);
  } else {
    for (int32_t i = 0; i < numInputs; ++i) {
      uint64_t rowBytes = b->row_bytes[i];
      char *staged = b->staged[i].data;
      char *cursor = staged;
      for (int32_t r = 0; r < count; ++r) {
        size_t bytes = (size_t)(rowBytes * (uint64_t)requests[r]->rows);
        memcpy(cursor, requests[r]->data[i], bytes);
        cursor += bytes;
      }
      /* Padding repeats a real row, so it is an input the model accepts
       * (token ids in range, a non-empty attention mask). */
      for (int64_t row = rows; row < b->model_batch; ++row, cursor += rowBytes)
        memcpy(cursor, cursor - rowBytes, (size_t)rowBytes);
    }
    status = autoglm_session_run(b->session, b->staged, numInputs,
                                 b->staged + numInputs, numOutputs);
    if (status == AUTOGLM_OK)
      for (int32_t j = 0; j < numOutputs; ++j) {
        uint64_t rowBytes = b->row_bytes[numInputs + j];
        const char *cursor = b->staged[numInputs + j].data;
        for (int32_t r = 0; r < count; ++r) {
          size_t bytes = (size_t)(rowBytes * (uint64_t)requests[r]->rows);
          memcpy(requests[r]->data[numInputs + j], cursor, bytes);
          cursor += bytes;
        }
      }
  }
  autoglm_message message;
  autoglm_message_init(&message, b->run_message, sizeof(b->run_message));
  if (status != AUTOGLM_OK)
    autoglm_message_appendf(&message, "%s",
                            autoglm_session_last_error(b->session));
  pthread_mutex_lock(&b->mutex);
  ++b->stats.runs;
  b->stats.rows += (uint64_t)rows;
  b->stats.padding_rows += (uint64_t)(b->model_batch - rows);
  /* Idle from here for the adaptive policy: a client that resubmits as soon
   * as it has its answer is not load that waiting would batch. */
  b->running = false;
  pthread_mutex_unlock(&b->mutex);
  return status;
}

static void answerCounted(autoglm_batcher *b, batcher_request *r,
                          autoglm_status status, const char *message) {
  pthread_mutex_lock(&b->mutex);
  if (status == AUTOGLM_OK)
    ++b->stats.succeeded;
  else
    ++b->stats.failed;
  pthread_mutex_unlock(&b->mutex);
  autoglm_batcher_answer(b, r, status, status == AUTOGLM_OK ? "" : message);
}

static void runBatch(autoglm_batcher *b, int32_t count) {
  int64_t rows = 0;
  for (int32_t r = 0; r < count; ++r)
    rows += b->batch[r]->rows;
  autoglm_status status = runOnce(b, b->batch, count, rows);
  if (status == AUTOGLM_OK || count == 1) {
    for (int32_t r = 0; r < count; ++r)
      answerCounted(b, b->batch[r], status, b->run_message);
    return;
  }
  /* Which request failed the merged run? Each runs alone. */
  for (int32_t r = 0; r < count; ++r) {
    status = runOnce(b, &b->batch[r], 1, b->batch[r]->rows);
    answerCounted(b, b->batch[r], status, b->run_message);
  }
}

void *autoglm_batcher_worker(void *arg) {
  autoglm_batcher *b = arg;
  pthread_mutex_lock(&b->mutex);
  for (;;) {
    while (!b->queue.head && !b->stopping)
      pthread_cond_wait(&b->work, &b->mutex);
    if (!b->queue.head)
      break; /* stopping, and nothing left to drain */
    if (waitForMore(b))
      continue;
    int32_t count = takeBatch(b);
    b->running = true;
    pthread_mutex_unlock(&b->mutex);
    runBatch(b, count);
    pthread_mutex_lock(&b->mutex);
  }
  b->worker_stopped = true;
  pthread_cond_broadcast(&b->quiescent);
  pthread_mutex_unlock(&b->mutex);
  return NULL;
}
