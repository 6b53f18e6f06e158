/*===- batcher.c - the batcher's queue: create, submit, cancel, stop ------===*\
 *
 * Submitters put requests into a FIFO of preallocated slots; the worker
 * (batcher_worker.c) takes them out in batches, or a blocking submitter
 * that finds the batcher idle runs its own request. A slot is held from submit
 * until the request is answered, so `queue_capacity` bounds both what waits
 * and what runs, and a full queue is a status, never growth.
 *
\*===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L /* posix_memalign, CLOCK_MONOTONIC */

#include "batcher_impl.h"
#include "session_impl.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { DefaultQueueCapacity = 1024, StagingAlignment = 64 };
/* An hour: far beyond any useful delay, far from overflowing nanoseconds. */
#define MaxDelayUs 3600000000ll

/* Failures of create and submit have no object to hold their message. */
static _Thread_local char lastError[AUTOGLM_MESSAGE_CAPACITY];

const char *autoglm_batcher_last_error(void) { return lastError; }

int64_t autoglm_batcher_now_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

void autoglm_batcher_options_init(autoglm_batcher_options *options) {
  if (!options)
    return;
  memset(options, 0, sizeof(*options));
  options->max_batch = 0;
  options->max_delay_us = 1000;
  options->queue_capacity = DefaultQueueCapacity;
  options->policy = AUTOGLM_BATCH_ADAPTIVE;
}

/*===-- Creation and destruction ------------------------------------------===*/

static autoglm_status checkOptions(autoglm_batcher_options *options,
                                   int64_t modelBatch,
                                   autoglm_message *message) {
  if (options->max_batch == 0)
    options->max_batch =
        (int32_t)(modelBatch > INT32_MAX ? INT32_MAX : modelBatch);
  if (options->queue_capacity == 0)
    options->queue_capacity = DefaultQueueCapacity;
  if (options->max_batch < 1 || options->max_batch > modelBatch) {
    autoglm_message_appendf(message,
                            "max_batch %d is out of range: the model runs "
                            "batches of 1 to %lld rows",
                            options->max_batch, (long long)modelBatch);
    return AUTOGLM_ERROR_INVALID_ARGUMENT;
  }
  if (options->max_delay_us < 0 || options->max_delay_us > MaxDelayUs ||
      options->queue_capacity < 0 || options->calibration_runs < 0 ||
      (options->policy != AUTOGLM_BATCH_ADAPTIVE &&
       options->policy != AUTOGLM_BATCH_FIXED)) {
    autoglm_message_appendf(
        message,
        "bad batcher options: max_delay_us %lld, queue_capacity %d, "
        "policy %d",
        (long long)options->max_delay_us, options->queue_capacity,
        options->policy);
    return AUTOGLM_ERROR_INVALID_ARGUMENT;
  }
  return AUTOGLM_OK;
}

/* Row sizes, the staging tensors of every size over one block of staging
 * memory, the plan tables. */
static autoglm_status setUpStaging(autoglm_batcher *b,
                                   autoglm_message *message) {
  const autoglm_model_desc *model = b->model;
  int32_t count = model->num_inputs + model->num_outputs;
  size_t tensors = (size_t)(count ? count : 1);
  b->row_bytes = calloc(tensors, sizeof(*b->row_bytes));
  b->direct = calloc(tensors, sizeof(*b->direct));
  b->batch = calloc((size_t)b->options.queue_capacity, sizeof(*b->batch));
  size_t rows = (size_t)b->options.max_batch + 1;
  size_t entries = (size_t)b->num_sizes * (size_t)b->num_lengths;
  b->row_length = calloc(rows, sizeof(*b->row_length));
  b->plan_cost = calloc(rows, sizeof(*b->plan_cost));
  b->plan_runs = calloc(rows, sizeof(*b->plan_runs));
  b->plan_padding = calloc(rows, sizeof(*b->plan_padding));
  b->plan_size = calloc(rows, sizeof(*b->plan_size));
  b->cost_ns = calloc(entries, sizeof(*b->cost_ns));
  b->estimate_ns = calloc(entries, sizeof(*b->estimate_ns));
  int64_t largest = b->sizes[b->num_sizes - 1].rows;
  b->pieces = calloc(tensors * (size_t)largest, sizeof(*b->pieces));
  b->tensor_pieces = calloc(tensors, sizeof(*b->tensor_pieces));
  if (!b->pieces || !b->tensor_pieces)
    return AUTOGLM_ERROR_OUT_OF_MEMORY;
  if (!b->row_bytes || !b->direct || !b->batch || !b->row_length ||
      !b->plan_cost || !b->plan_runs || !b->plan_padding || !b->plan_size ||
      !b->cost_ns || !b->estimate_ns)
    return AUTOGLM_ERROR_OUT_OF_MEMORY;
  for (int32_t s = 0; s < b->num_sizes; ++s)
    if (!(b->sizes[s].staged = calloc(tensors, sizeof(autoglm_tensor))))
      return AUTOGLM_ERROR_OUT_OF_MEMORY;
  uint64_t total = 0;
  for (int32_t k = 0; k < count; ++k) {
    const autoglm_tensor_desc *desc =
        k < model->num_inputs ? &model->inputs[k]
                              : &model->outputs[k - model->num_inputs];
    int64_t elements = autoglm_num_elements(desc->rank - 1, desc->shape + 1);
    uint64_t elementBytes = autoglm_dtype_size(desc->dtype);
    b->row_bytes[k] = (uint64_t)elements * elementBytes;
    uint64_t bytes = b->row_bytes[k] * (uint64_t)b->model_batch;
    total +=
        (bytes + StagingAlignment - 1) / StagingAlignment * StagingAlignment;
  }
  if (total > 0 && posix_memalign(&b->staging_memory, StagingAlignment,
                                  (size_t)total) != 0) {
    autoglm_message_appendf(message,
                            "cannot allocate %llu bytes of staging tensors",
                            (unsigned long long)total);
    return AUTOGLM_ERROR_OUT_OF_MEMORY;
  }
  /* Calibration runs on zeros. */
  if (total > 0)
    memset(b->staging_memory, 0, (size_t)total);
  char *cursor = b->staging_memory;
  for (int32_t k = 0; k < count; ++k) {
    for (int32_t s = 0; s < b->num_sizes; ++s) {
      const autoglm_model_desc *sized = b->sizes[s].model;
      const autoglm_tensor_desc *desc =
          k < sized->num_inputs ? &sized->inputs[k]
                                : &sized->outputs[k - sized->num_inputs];
      b->sizes[s].staged[k] =
          (autoglm_tensor){cursor, desc->dtype, desc->rank, desc->shape};
    }
    uint64_t bytes = b->row_bytes[k] * (uint64_t)b->model_batch;
    cursor +=
        (bytes + StagingAlignment - 1) / StagingAlignment * StagingAlignment;
  }
  return AUTOGLM_OK;
}

static autoglm_status setUpSlots(autoglm_batcher *b) {
  int32_t capacity = b->options.queue_capacity;
  size_t pointers = (size_t)(b->model->num_inputs + b->model->num_outputs);
  b->slots = calloc((size_t)capacity, sizeof(*b->slots));
  b->slot_data =
      calloc((size_t)capacity * (pointers ? pointers : 1), sizeof(void *));
  if (!b->slots || !b->slot_data)
    return AUTOGLM_ERROR_OUT_OF_MEMORY;
  for (int32_t i = capacity - 1; i >= 0; --i) {
    batcher_request *slot = &b->slots[i];
    slot->data = b->slot_data + (size_t)i * pointers;
    pthread_cond_init(&slot->answered, NULL);
    slot->next = b->free_slots;
    b->free_slots = slot;
  }
  return AUTOGLM_OK;
}

static void freeBatcher(autoglm_batcher *b) {
  if (b->slots)
    for (int32_t i = 0; i < b->options.queue_capacity; ++i)
      pthread_cond_destroy(&b->slots[i].answered);
  for (int32_t s = 0; b->sizes && s < b->num_sizes; ++s)
    free(b->sizes[s].staged);
  free(b->sizes);
  free(b->slots);
  free(b->slot_data);
  free(b->row_bytes);
  free(b->pieces);
  free(b->tensor_pieces);
  free(b->direct);
  free(b->batch);
  free(b->row_length);
  free(b->plan_cost);
  free(b->plan_runs);
  free(b->plan_padding);
  free(b->plan_size);
  free(b->cost_ns);
  free(b->estimate_ns);
  free(b->staging_memory);
  free(b);
}

/* The sessions' sizes (a batch-polymorphic model's session has several),
 * smallest first, after checking that they are one model with distinct
 * batch sizes. `sizes` has room for all of them; `*count` is set. */
static autoglm_status collectSizes(autoglm_session *const *sessions,
                                   int32_t numSessions, batcher_size *sizes,
                                   int32_t *count, autoglm_message *message) {
  const autoglm_model_desc *first = NULL;
  int32_t n = 0;
  for (int32_t i = 0; i < numSessions; ++i) {
    if (!sessions[i]) {
      autoglm_message_appendf(message, "session %d is NULL", i);
      return AUTOGLM_ERROR_INVALID_ARGUMENT;
    }
    for (int32_t k = 0; k < autoglm_session_num_batch_sizes(sessions[i]); ++k) {
      const autoglm_model_desc *model =
          autoglm_session_batch_model(sessions[i], k);
      int64_t rows = autoglm_batcher_model_batch(model, message);
      if (rows == 0)
        return AUTOGLM_ERROR_INVALID_ARGUMENT;
      if (first && !autoglm_batcher_same_signature(first, model, message))
        return AUTOGLM_ERROR_INVALID_ARGUMENT;
      first = first ? first : model;
      /* Insertion by rows. */
      int32_t at = n++;
      for (; at > 0 && sizes[at - 1].rows >= rows; --at) {
        if (sizes[at - 1].rows == rows) {
          autoglm_message_appendf(message,
                                  "two sessions run batches of %lld rows",
                                  (long long)rows);
          return AUTOGLM_ERROR_INVALID_ARGUMENT;
        }
        sizes[at] = sizes[at - 1];
      }
      sizes[at] = (batcher_size){sessions[i], model, k, rows, NULL};
    }
  }
  *count = n;
  return AUTOGLM_OK;
}

/* Requests of any length up to the largest, on one session of a model
 * that pads sequence lengths; a model of lengths without a pad mask takes
 * requests at its largest length only, as its batch sizes' descriptors
 * (autoglm_session_batch_model) have it. */
static autoglm_status setUpLengths(autoglm_batcher *b,
                                   autoglm_session *const *sessions,
                                   int32_t numSessions,
                                   autoglm_message *message) {
  const autoglm_model_desc *model = autoglm_session_model(sessions[0]);
  bool pads = false;
  for (int32_t i = 0; i < numSessions; ++i)
    pads |= autoglm_model_pads_lengths(autoglm_session_model(sessions[i]));
  if (!pads)
    return AUTOGLM_OK;
  if (numSessions > 1) {
    autoglm_message_appendf(message,
                            "the batcher pads sequence lengths on one "
                            "session; model '%s' has lengths and %d sessions "
                            "were given",
                            autoglm_model_name(model), numSessions);
    return AUTOGLM_ERROR_INVALID_ARGUMENT;
  }
  for (int32_t k = 0; k < model->num_inputs + model->num_outputs; ++k)
    if ((k < model->num_inputs
             ? model->inputs[k].rank
             : model->outputs[k - model->num_inputs].rank) > 32) {
      autoglm_message_appendf(message,
                              "the batcher pads sequence lengths of tensors "
                              "of rank 32 at most");
      return AUTOGLM_ERROR_INVALID_ARGUMENT;
    }
  b->lengths = model;
  b->num_lengths = model->num_seq_lengths;
  return AUTOGLM_OK;
}

autoglm_status autoglm_batcher_create_multi(
    autoglm_session *const *sessions, int32_t num_sessions,
    const autoglm_batcher_options *options, autoglm_batcher **out_batcher) {
  autoglm_message message;
  autoglm_message_init(&message, lastError, sizeof(lastError));
  if (out_batcher)
    *out_batcher = NULL;
  if (!sessions || num_sessions < 1 || !out_batcher) {
    autoglm_message_appendf(&message, "%s",
                            !out_batcher ? "NULL out_batcher"
                            : sessions   ? "no session"
                                         : "NULL session");
    return AUTOGLM_ERROR_INVALID_ARGUMENT;
  }
  int32_t maxSizes = 0;
  for (int32_t i = 0; i < num_sessions; ++i)
    maxSizes += sessions[i] ? autoglm_session_num_batch_sizes(sessions[i]) : 1;
  autoglm_batcher *b = calloc(1, sizeof(*b));
  batcher_size *sizes = calloc((size_t)maxSizes, sizeof(*sizes));
  if (!b || !sizes) {
    free(b);
    free(sizes);
    autoglm_message_appendf(&message, "out of memory creating a batcher");
    return AUTOGLM_ERROR_OUT_OF_MEMORY;
  }
  b->sizes = sizes;
  autoglm_status status =
      collectSizes(sessions, num_sessions, sizes, &b->num_sizes, &message);
  if (status != AUTOGLM_OK) {
    freeBatcher(b);
    return status;
  }
  b->model = sizes[b->num_sizes - 1].model;
  b->model_batch = sizes[b->num_sizes - 1].rows;
  b->num_lengths = 1;
  if ((status = setUpLengths(b, sessions, num_sessions, &message)) !=
      AUTOGLM_OK) {
    freeBatcher(b);
    return status;
  }
  autoglm_batcher_options_init(&b->options);
  if (options)
    b->options = *options;
  if ((status = checkOptions(&b->options, b->model_batch, &message)) !=
          AUTOGLM_OK ||
      (status = setUpStaging(b, &message)) != AUTOGLM_OK ||
      (status = setUpSlots(b)) != AUTOGLM_OK) {
    if (message.length == 0)
      autoglm_message_appendf(&message, "out of memory creating a batcher");
    freeBatcher(b);
    return status;
  }
  b->next_ticket = 1;
  b->stats.max_batch = b->options.max_batch;
  /* Before the worker starts, so that create returns with the costs known
   * and a caller's clock does not count the calibration. */
  autoglm_batcher_calibrate(b);
  pthread_condattr_t monotonic;
  pthread_condattr_init(&monotonic);
  pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
  pthread_mutex_init(&b->mutex, NULL);
  pthread_cond_init(&b->work, &monotonic);
  pthread_cond_init(&b->quiescent, NULL);
  pthread_condattr_destroy(&monotonic);
  if (pthread_create(&b->worker, NULL, autoglm_batcher_worker, b) != 0) {
    autoglm_message_appendf(&message, "cannot start the batcher's thread");
    pthread_cond_destroy(&b->work);
    pthread_cond_destroy(&b->quiescent);
    pthread_mutex_destroy(&b->mutex);
    freeBatcher(b);
    return AUTOGLM_ERROR_SYSTEM;
  }
  *out_batcher = b;
  return AUTOGLM_OK;
}

autoglm_status autoglm_batcher_create(autoglm_session *session,
                                      const autoglm_batcher_options *options,
                                      autoglm_batcher **out_batcher) {
  if (!session) {
    autoglm_message message;
    autoglm_message_init(&message, lastError, sizeof(lastError));
    autoglm_message_appendf(&message, "NULL session");
    if (out_batcher)
      *out_batcher = NULL;
    return AUTOGLM_ERROR_INVALID_ARGUMENT;
  }
  return autoglm_batcher_create_multi(&session, 1, options, out_batcher);
}

void autoglm_batcher_shutdown(autoglm_batcher *b,
                              autoglm_batcher_shutdown_mode mode) {
  if (!b)
    return;
  pthread_mutex_lock(&b->mutex);
  batcher_queue cancelled = {0};
  bool tookQueue = false;
  if (!b->stopping) {
    b->stopping = true;
    b->cancel_on_stop = mode == AUTOGLM_BATCHER_CANCEL;
    if (b->cancel_on_stop) {
      cancelled = b->queue;
      b->stats.cancelled += (uint64_t)b->queue.count;
      b->stats.queued = 0;
      memset(&b->queue, 0, sizeof(b->queue));
      ++b->answering;
      tookQueue = true;
    }
    pthread_cond_signal(&b->work);
  }
  pthread_mutex_unlock(&b->mutex);
  for (batcher_request *r = cancelled.head, *next; r; r = next) {
    next = r->next;
    autoglm_batcher_answer(b, r, AUTOGLM_ERROR_CANCELLED,
                           "the batcher was shut down before the request ran");
  }
  pthread_mutex_lock(&b->mutex);
  if (tookQueue && --b->answering == 0)
    pthread_cond_broadcast(&b->quiescent);
  while (!b->worker_stopped || b->answering > 0)
    pthread_cond_wait(&b->quiescent, &b->mutex);
  pthread_mutex_unlock(&b->mutex);
}

void autoglm_batcher_destroy(autoglm_batcher *b) {
  if (!b)
    return;
  autoglm_batcher_shutdown(b, AUTOGLM_BATCHER_DRAIN);
  pthread_join(b->worker, NULL);
  /* A blocking submitter may still be between its answer and its return. */
  pthread_mutex_lock(&b->mutex);
  while (b->blocked_submitters > 0)
    pthread_cond_wait(&b->quiescent, &b->mutex);
  pthread_mutex_unlock(&b->mutex);
  pthread_cond_destroy(&b->work);
  pthread_cond_destroy(&b->quiescent);
  pthread_mutex_destroy(&b->mutex);
  freeBatcher(b);
}

/*===-- Requests ----------------------------------------------------------===*/

/* Under the mutex: the slot back to the free list. */
static void releaseSlot(autoglm_batcher *b, batcher_request *r) {
  r->next = b->free_slots;
  b->free_slots = r;
}

void autoglm_batcher_answer(autoglm_batcher *b, batcher_request *r,
                            autoglm_status status, const char *message) {
  if (r->callback) {
    r->callback(r->user_data, status, message ? message : "");
    pthread_mutex_lock(&b->mutex);
    releaseSlot(b, r);
    pthread_mutex_unlock(&b->mutex);
    return;
  }
  pthread_mutex_lock(&b->mutex);
  r->status = status;
  autoglm_message text;
  autoglm_message_init(&text, r->message, sizeof(r->message));
  autoglm_message_appendf(&text, "%s", message ? message : "");
  r->done = true;
  pthread_cond_signal(&r->answered);
  pthread_mutex_unlock(&b->mutex);
}

/* Checks and queues a request; on success `*out` is its slot, queued. */
static autoglm_status enqueue(autoglm_batcher *b, const autoglm_tensor *inputs,
                              int32_t num_inputs, const autoglm_tensor *outputs,
                              int32_t num_outputs,
                              autoglm_batcher_callback callback,
                              void *user_data, batcher_request **out) {
  autoglm_message message;
  autoglm_message_init(&message, lastError, sizeof(lastError));
  if (!b) {
    autoglm_message_appendf(&message, "NULL batcher");
    return AUTOGLM_ERROR_INVALID_ARGUMENT;
  }
  int64_t rows = 0, length = 0;
  autoglm_status status = autoglm_batcher_check_request(
      b, inputs, num_inputs, outputs, num_outputs, &rows, &length, &message);
  pthread_mutex_lock(&b->mutex);
  /* Read under the mutex, so that arrival times follow the queue's order. */
  int64_t now = autoglm_batcher_now_ns();
  if (status == AUTOGLM_OK && b->stopping) {
    autoglm_message_appendf(&message, "the batcher is shutting down");
    status = AUTOGLM_ERROR_SHUT_DOWN;
  }
  if (status == AUTOGLM_OK && !b->free_slots) {
    autoglm_message_appendf(&message,
                            "the batcher's queue is full (%d requests "
                            "unanswered)",
                            b->options.queue_capacity);
    status = AUTOGLM_ERROR_QUEUE_FULL;
    ++b->stats.queue_full;
  }
  if (status != AUTOGLM_OK) {
    ++b->stats.rejected;
    pthread_mutex_unlock(&b->mutex);
    return status;
  }
  batcher_request *r = b->free_slots;
  b->free_slots = r->next;
  r->next = NULL;
  r->ticket = b->next_ticket++;
  r->rows = rows;
  r->length = length;
  r->arrival_ns = now;
  for (int32_t i = 0; i < num_inputs; ++i)
    r->data[i] = inputs[i].data;
  for (int32_t i = 0; i < num_outputs; ++i)
    r->data[num_inputs + i] = outputs[i].data;
  r->callback = callback;
  r->user_data = user_data;
  r->done = false;
  /* The adaptive policy's view of the load; the latest arrival weighs 1/8. */
  if (b->last_arrival_ns) {
    double gap = (double)(now - b->last_arrival_ns);
    b->mean_gap_ns =
        b->mean_gap_ns ? 0.875 * b->mean_gap_ns + 0.125 * gap : gap;
  }
  b->last_arrival_ns = now;
  /* A request that arrives while the worker waits for a batch to fill is
   * load only if the batch fills: counted at once, held-back requests would
   * keep the batcher waiting at any load (batcher_worker.c settles them). */
  if (b->waiting)
    ++b->held_arrivals;
  else
    autoglm_batcher_count_arrival(b, b->running || b->queue.count > 0);
  if (b->queue.tail)
    b->queue.tail->next = r;
  else
    b->queue.head = r;
  b->queue.tail = r;
  ++b->queue.count;
  b->queue.rows += rows;
  ++b->stats.accepted;
  b->stats.queued = b->queue.count;
  *out = r;
  /* The caller wakes the worker and unlocks: a blocking submitter may run
   * the request itself, then waits. */
  return AUTOGLM_OK;
}

/* Under the mutex, `r` just queued by a blocking submitter: runs it on the
 * calling thread when the worker would run it at once, alone (nothing
 * else queued or running, the policy not waiting for more), and returns
 * true; the mutex is held again on return. Handing the request to the
 * worker and the answer back would cost two thread wake-ups on top of the
 * run, which unbatched serving does not pay. */
static bool runOnCaller(autoglm_batcher *b, batcher_request *r) {
  if (b->executing || b->queue.head != r || b->queue.count != 1 ||
      autoglm_batcher_fill_until(b, r->arrival_ns) != 0)
    return false;
  int32_t count = autoglm_batcher_take_batch(b);
  b->running = true;
  b->executing = true;
  ++b->stats.caller_runs;
  pthread_mutex_unlock(&b->mutex);
  autoglm_batcher_run_batch(b, count);
  pthread_mutex_lock(&b->mutex);
  autoglm_batcher_end_batch(b);
  /* Requests that came meanwhile, or a shutdown, are the worker's. */
  if (b->queue.head || b->stopping)
    pthread_cond_signal(&b->work);
  return true;
}

autoglm_status autoglm_batcher_submit(autoglm_batcher *b,
                                      const autoglm_tensor *inputs,
                                      int32_t num_inputs,
                                      const autoglm_tensor *outputs,
                                      int32_t num_outputs) {
  batcher_request *r = NULL;
  autoglm_status status =
      enqueue(b, inputs, num_inputs, outputs, num_outputs, NULL, NULL, &r);
  if (status != AUTOGLM_OK)
    return status;
  ++b->blocked_submitters;
  if (!runOnCaller(b, r))
    pthread_cond_signal(&b->work);
  while (!r->done)
    pthread_cond_wait(&r->answered, &b->mutex);
  status = r->status;
  memcpy(lastError, r->message, sizeof(lastError));
  releaseSlot(b, r);
  if (--b->blocked_submitters == 0)
    pthread_cond_broadcast(&b->quiescent);
  pthread_mutex_unlock(&b->mutex);
  return status;
}

autoglm_status autoglm_batcher_submit_async(
    autoglm_batcher *b, const autoglm_tensor *inputs, int32_t num_inputs,
    const autoglm_tensor *outputs, int32_t num_outputs,
    autoglm_batcher_callback callback, void *user_data, uint64_t *out_ticket) {
  if (!callback) {
    autoglm_message message;
    autoglm_message_init(&message, lastError, sizeof(lastError));
    autoglm_message_appendf(&message, "NULL callback");
    return AUTOGLM_ERROR_INVALID_ARGUMENT;
  }
  batcher_request *r = NULL;
  autoglm_status status = enqueue(b, inputs, num_inputs, outputs, num_outputs,
                                  callback, user_data, &r);
  if (status != AUTOGLM_OK)
    return status;
  if (out_ticket)
    *out_ticket = r->ticket;
  pthread_cond_signal(&b->work);
  pthread_mutex_unlock(&b->mutex);
  return AUTOGLM_OK;
}

int autoglm_batcher_cancel(autoglm_batcher *b, uint64_t ticket) {
  if (!b)
    return 0;
  pthread_mutex_lock(&b->mutex);
  batcher_request *previous = NULL, *r = b->queue.head;
  while (r && (r->ticket != ticket || !r->callback)) {
    previous = r;
    r = r->next;
  }
  if (!r) {
    pthread_mutex_unlock(&b->mutex);
    return 0;
  }
  if (previous)
    previous->next = r->next;
  else
    b->queue.head = r->next;
  if (b->queue.tail == r)
    b->queue.tail = previous;
  --b->queue.count;
  b->queue.rows -= r->rows;
  ++b->stats.cancelled;
  b->stats.queued = b->queue.count;
  ++b->answering;
  pthread_mutex_unlock(&b->mutex);
  autoglm_batcher_answer(b, r, AUTOGLM_ERROR_CANCELLED,
                         "the request was cancelled before it ran");
  pthread_mutex_lock(&b->mutex);
  if (--b->answering == 0)
    pthread_cond_broadcast(&b->quiescent);
  pthread_mutex_unlock(&b->mutex);
  return 1;
}

void autoglm_batcher_get_stats(autoglm_batcher *b,
                               autoglm_batcher_stats *stats) {
  if (!stats)
    return;
  if (!b) {
    memset(stats, 0, sizeof(*stats));
    return;
  }
  pthread_mutex_lock(&b->mutex);
  *stats = b->stats;
  pthread_mutex_unlock(&b->mutex);
}
