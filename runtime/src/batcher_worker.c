/*===- batcher_worker.c - form batches, run them, split the outputs -------===*\
 *
 * The worker thread: waits for requests, decides how long to let a batch
 * fill (the policy), takes queued requests in arrival order while their
 * rows fit, copies their rows into the staging inputs (padding the batch by
 * repeating its last row), runs the session once, and copies each request's
 * rows of the outputs back. On a GPU the rows go between the requests and
 * the device as pieces instead, with no staging copy. A merged run that
 * fails is run again one request at a time, so that one request the model
 * cannot compute fails alone. The policy and the running of a batch serve
batcher.c too, where
 * a blocking submitter that finds the batcher idle runs its own request.
 *
\*===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include "batcher_impl.h"
#include "session_impl.h"

#include <string.h>
#include <time.h>

/*===-- The policy: how long a batch may fill -----------------------------===*/

/* What one run of `rows` rows costs by the sizes' estimates (the smallest
 * size that holds them, padded; at the longest length), or -1 while that
 * size has no measured cost. */
static double paddedRunCost(const autoglm_batcher *b, int64_t rows) {
  int32_t s = 0;
  while (s + 1 < b->num_sizes && b->sizes[s].rows < rows)
    ++s;
  int32_t at = s * b->num_lengths + b->num_lengths - 1;
  return b->cost_ns[at] > 0 ? b->estimate_ns[at] : -1;
}

int64_t autoglm_batcher_fill_until(const autoglm_batcher *b, int64_t now) {
  if (b->stopping || b->queue.rows >= b->options.max_batch)
    return 0;
  int64_t deadline = b->queue.head->arrival_ns + b->options.max_delay_us * 1000;
  if (now >= deadline)
    return 0;
  if (b->options.policy != AUTOGLM_BATCH_ADAPTIVE)
    return deadline;
  /* Wait only under load, for requests that are expected: most recent
   * arrivals found the worker busy (with Poisson arrivals, the worker is
   * busy more than half the time); fewer rows are queued than the fill
   * target (those that queued behind the last batch, and as many as it
   * answered: with N closed-loop clients and N rows a batch, every client
   * is back); and the next arrival is due before the deadline, judging by
   * the mean gap between arrivals. The wait ends when an arrival is
   * overdue (past the patience below): the load has dropped.
   * At light load, or with one client that waits for each answer, a
   * request runs at once. Without the answered rows in the target, 16
   * clients on batches of up to 16 settle into batches of 8 that take
   * turns, each starting as the other's clients are answered. */
  if (b->busy_share < 0.5 || b->queue.rows >= b->fill_target)
    return 0;
  double gap = b->mean_gap_ns;
  if (gap <= 0)
    return 0;
  /* Patience: twice the mean gap, but at least an eighth of the last
   * batch's run time. Clients answered together come back one after
   * another as their answers wake them, and once most are back the mean
   * gap is down to the gaps between wake-ups, which a late one exceeds
   * (BERT-base on the H200, 16 clients: waits that ended at twice the mean
   * gap made batches of 8.6 rows on average). Waiting in vain costs at
   * most an eighth of a run. */
  double patience = 2 * gap;
  if (patience < (double)b->last_batch_ns / 8)
    patience = (double)b->last_batch_ns / 8;
  /* And only where one run of the queued and the expected rows saves more
   * run time than twice what waiting has been taking (a run that starts
   * now overlaps the clients' return; a wait does not): a small model on
   * a CPU can run a row in less time than its clients take to come back
   * (tiny_cnn, 4 clients on 2 cores: runs of 0.05 ms; waiting whenever a
   * merged run saved more than one wait took gave 0.43 to 1.0 of the
   * unbatched throughput, twice that 0.92 to 1.32). */
  double apart = paddedRunCost(b, b->queue.rows);
  double rest = paddedRunCost(b, b->fill_target - b->queue.rows);
  double together = paddedRunCost(b, b->fill_target);
  if (b->wait_started_ns == 0 && apart > 0 && rest > 0 && together > 0 &&
      apart + rest - together <= 2 * b->mean_wait_ns)
    return 0;
  int64_t overdue = b->last_arrival_ns + (int64_t)patience;
  if (overdue <= now)
    return 0;
  return overdue < deadline ? overdue : deadline;
}

/* Under the mutex, with a queued request: returns true after waiting (for
 * an arrival, the deadline or a shutdown) when the batch should fill
 * further, false when it should run now. */
static bool waitForMore(autoglm_batcher *b) {
  int64_t now = autoglm_batcher_now_ns();
  int64_t until = autoglm_batcher_fill_until(b, now);
  if (until == 0) {
    /* The wait is over: the requests it held back were load if it filled
     * the batch, light load if it ran out. */
    bool filled = b->queue.rows >= b->fill_target ||
                  b->queue.rows >= b->options.max_batch;
    for (; b->held_arrivals > 0; --b->held_arrivals)
      autoglm_batcher_count_arrival(b, filled);
    /* How long waits take (the first one measured whole). A batch that
     * did not wait lets the figure fade, so that a policy that stopped
     * waiting tries again after about a hundred batches. */
    if (b->wait_started_ns) {
      double took = (double)(now - b->wait_started_ns);
      b->mean_wait_ns =
          b->mean_wait_ns > 0 ? 0.75 * b->mean_wait_ns + 0.25 * took : took;
      b->wait_started_ns = 0;
    } else {
      b->mean_wait_ns *= 0.98;
    }
    return false;
  }
  if (!b->wait_started_ns)
    b->wait_started_ns = now;
  struct timespec wake = {(time_t)(until / 1000000000),
                          (long)(until % 1000000000)};
  b->waiting = true;
  pthread_cond_timedwait(&b->work, &b->mutex, &wake);
  b->waiting = false;
  return true;
}

void autoglm_batcher_count_arrival(autoglm_batcher *b, bool busy) {
  /* The latest arrival weighs 1/8. */
  b->busy_share = 0.875 * b->busy_share + (busy ? 0.125 : 0.0);
}

int32_t autoglm_batcher_take_batch(autoglm_batcher *b) {
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
  b->last_batch_rows = rows;
  b->run_ns_at_take = b->stats.run_ns;
  b->stats.queued = b->queue.count;
  return count;
}

void autoglm_batcher_end_batch(autoglm_batcher *b) {
  b->executing = false;
  b->last_batch_ns = (int64_t)(b->stats.run_ns - b->run_ns_at_take);
  int64_t target = b->queue.rows + b->last_batch_rows;
  b->fill_target =
      target < b->options.max_batch ? target : b->options.max_batch;
}

/*===-- The plan: which entries run a batch's rows ------------------------===*/

/* What a run of size `s` at length index `l` costs by its own measurements:
 * measured; else estimated from the nearest measured size at that length,
 * linearly in rows; else from the nearest measured entry of any length,
 * linearly in rows and length; else rows times length. */
static double measuredCost(const autoglm_batcher *b, int32_t s, int32_t l) {
  const batcher_size *sizes = b->sizes;
  int32_t numLengths = b->num_lengths;
  const double *cost = b->cost_ns;
  double length = b->lengths ? (double)b->lengths->seq_lengths[l] : 1.0;
  if (cost[s * numLengths + l] > 0)
    return cost[s * numLengths + l];
  for (int32_t d = 1; d < b->num_sizes; ++d)
    for (int32_t j = s - d; j <= s + d; j += 2 * d)
      if (j >= 0 && j < b->num_sizes && cost[j * numLengths + l] > 0)
        return cost[j * numLengths + l] * (double)sizes[s].rows /
               (double)sizes[j].rows;
  for (int32_t j = 0; j < b->num_sizes && b->lengths; ++j)
    for (int32_t k = 0; k < numLengths; ++k)
      if (cost[j * numLengths + k] > 0)
        return cost[j * numLengths + k] * (double)sizes[s].rows /
               (double)sizes[j].rows * length /
               (double)b->lengths->seq_lengths[k];
  return (double)sizes[s].rows * length;
}

/* Fills b->estimate_ns, what the plan assumes each entry costs: its
 * measured cost, but never less than that of an entry of fewer rows and a
 * length no longer, since it does at least the same work. Without this an
 * entry that ran rarely keeps an old, low figure while the entries in use
 * absorb a loaded machine's delays, and single rows get padded to large
 * sizes. */
static void estimateCosts(autoglm_batcher *b) {
  int32_t numLengths = b->num_lengths;
  for (int32_t s = 0; s < b->num_sizes; ++s)
    for (int32_t l = 0; l < numLengths; ++l) {
      double cost = measuredCost(b, s, l);
      if (s > 0 && b->estimate_ns[(s - 1) * numLengths + l] > cost)
        cost = b->estimate_ns[(s - 1) * numLengths + l];
      if (l > 0 && b->estimate_ns[s * numLengths + l - 1] > cost)
        cost = b->estimate_ns[s * numLengths + l - 1];
      b->estimate_ns[s * numLengths + l] = cost;
    }
}

/* Fills the plan for `rows` rows whose length indices, in b->row_length,
 * never decrease: for each row r, b->plan_size[r] is the size of the first
 * run of the cheapest sequence of runs for rows r to the end (a run takes
 * the next rows, at the length of its last, padded when fewer than its
 * size). Of plans of one cost, the one of fewer runs, then of fewer padding
 * rows: a row alone never runs padded on a larger size that costs no more
 * (it would copy the padding for nothing). */
static void planRuns(autoglm_batcher *b, int64_t rows) {
  b->plan_cost[rows] = 0;
  b->plan_runs[rows] = 0;
  b->plan_padding[rows] = 0;
  for (int64_t r = rows - 1; r >= 0; --r) {
    bool found = false;
    for (int32_t s = 0; s < b->num_sizes; ++s) {
      int64_t end = r + b->sizes[s].rows < rows ? r + b->sizes[s].rows : rows;
      double cost =
          b->estimate_ns[s * b->num_lengths + b->row_length[end - 1]] +
          b->plan_cost[end];
      int32_t runs = 1 + b->plan_runs[end];
      int64_t padding = b->sizes[s].rows - (end - r) + b->plan_padding[end];
      if (found &&
          (cost > b->plan_cost[r] ||
           (cost == b->plan_cost[r] &&
            (runs > b->plan_runs[r] ||
             (runs == b->plan_runs[r] && padding >= b->plan_padding[r])))))
        continue;
      found = true;
      b->plan_cost[r] = cost;
      b->plan_runs[r] = runs;
      b->plan_padding[r] = padding;
      b->plan_size[r] = s;
    }
  }
}

/* The index of the smallest of the model's lengths that holds `length`. */
static int32_t lengthIndex(const autoglm_batcher *b, int64_t length) {
  int32_t l = 0;
  while (l + 1 < b->num_lengths && b->lengths->seq_lengths[l] < length)
    ++l;
  return l;
}

/* Orders `count` requests by length index (stably: arrival order within
 * one length), so that the plan's runs group rows of similar lengths, and
 * fills b->row_length for their rows. Returns their rows. */
static int64_t orderByLength(autoglm_batcher *b, batcher_request **requests,
                             int32_t count) {
  if (b->lengths)
    for (int32_t i = 1; i < count; ++i) {
      batcher_request *r = requests[i];
      int32_t l = lengthIndex(b, r->length);
      int32_t j = i;
      for (; j > 0 && lengthIndex(b, requests[j - 1]->length) > l; --j)
        requests[j] = requests[j - 1];
      requests[j] = r;
    }
  int64_t rows = 0;
  for (int32_t i = 0; i < count; ++i) {
    int32_t l = b->lengths ? lengthIndex(b, requests[i]->length) : 0;
    for (int64_t k = 0; k < requests[i]->rows; ++k)
      b->row_length[rows++] = l;
  }
  return rows;
}

/*===-- Running a batch ---------------------------------------------------===*/

/* A position in a batch's rows: request `index`, its row `row`. */
typedef struct RowCursor {
  int32_t index;
  int64_t row;
} RowCursor;

/* The rows of one request from `*at` on, at most `rows` of them: their
 * address in tensor `k` (`*data`) and their number; `*at` moves to the
 * next request. */
static int64_t takeRequestRows(const autoglm_batcher *b,
                               batcher_request **requests, RowCursor *at,
                               int64_t rows, int32_t k, char **data) {
  batcher_request *r = requests[at->index];
  int64_t n = r->rows - at->row;
  if (n > rows)
    n = rows;
  *data = (char *)r->data[k] + (uint64_t)at->row * b->row_bytes[k];
  ++at->index;
  at->row = 0;
  return n;
}

/* Copies `rows` rows of tensor `k` between the requests from `at` on and
 * `staged` (into it for an input, out of it for an output). */
static void copyRows(const autoglm_batcher *b, batcher_request **requests,
                     RowCursor at, int64_t rows, int32_t k, char *staged,
                     bool toStaging) {
  while (rows > 0) {
    char *data;
    int64_t n = takeRequestRows(b, requests, &at, rows, k, &data);
    size_t bytes = (size_t)((uint64_t)n * b->row_bytes[k]);
    if (toStaging)
      memcpy(staged, data, bytes);
    else
      memcpy(data, staged, bytes);
    staged += bytes;
    rows -= n;
  }
}

/* With sequence lengths: copies `rows` rows of tensor `k` (of `desc`, the
 * run's entry, at its length; sequence dimensions `mask`) between the
 * requests from `at` on and `staged`. A request's rows are at its own
 * length: into the staging, each row is zero past it (the pad mask's
 * zeros); out of it, each row is cut back to it. */
static void copyRowsPadded(batcher_request **requests, RowCursor at,
                           int64_t rows, int32_t k,
                           const autoglm_tensor_desc *desc, uint32_t mask,
                           char *staged, bool toStaging) {
  size_t elementBytes = autoglm_dtype_size(desc->dtype);
  int32_t rowRank = desc->rank - 1;
  const int64_t *stagedRow = desc->shape + 1;
  size_t stagedRowBytes = elementBytes;
  for (int32_t d = 0; d < rowRank; ++d)
    stagedRowBytes *= (size_t)stagedRow[d];
  int64_t requestRow[32];
  while (rows > 0) {
    batcher_request *r = requests[at.index];
    int64_t n = r->rows - at.row;
    if (n > rows)
      n = rows;
    size_t requestRowBytes = elementBytes;
    for (int32_t d = 0; d < rowRank; ++d) {
      requestRow[d] = (mask >> (d + 1)) & 1u ? r->length : stagedRow[d];
      requestRowBytes *= (size_t)requestRow[d];
    }
    for (int64_t j = 0; j < n; ++j) {
      char *data = (char *)r->data[k] + (size_t)(at.row + j) * requestRowBytes;
      if (toStaging) {
        memset(staged, 0, stagedRowBytes);
        autoglm_copy_box(data, requestRow, staged, stagedRow, requestRow,
                         rowRank, elementBytes);
      } else {
        autoglm_copy_box(staged, stagedRow, data, requestRow, requestRow,
                         rowRank, elementBytes);
      }
      staged += stagedRowBytes;
    }
    rows -= n;
    ++at.index;
    at.row = 0;
  }
}

/* On a GPU: tensor `k` of a run of `rows` rows from `at` on, as pieces of
 * the requests' own memory, a piece per request, then for an input a piece
 * per padding row repeating the last real row (`padding` of them); the
 * device copies them in order. Fills b->tensor_pieces[k]. */
static void pieceRows(autoglm_batcher *b, batcher_request **requests,
                      RowCursor at, int64_t rows, int64_t padding, int32_t k) {
  uint64_t rowBytes = b->row_bytes[k];
  int64_t largest = b->sizes[b->num_sizes - 1].rows;
  autoglm_piece *pieces = b->pieces + (int64_t)k * largest;
  int32_t count = 0;
  char *lastRow = NULL;
  while (rows > 0) {
    char *data;
    int64_t n = takeRequestRows(b, requests, &at, rows, k, &data);
    pieces[count++] = (autoglm_piece){data, (uint64_t)n * rowBytes};
    lastRow = data + (uint64_t)(n - 1) * rowBytes;
    rows -= n;
  }
  for (int64_t p = 0; p < padding; ++p)
    pieces[count++] = (autoglm_piece){lastRow, rowBytes};
  b->tensor_pieces[k] = (autoglm_tensor_pieces){pieces, count};
}

/* With sequence lengths: the entry of size `size` at length index `l`,
 * whose shapes become the staged tensors'. */
static const autoglm_model_desc *stageEntry(batcher_size *size, int32_t l) {
  const autoglm_model_desc *entry =
      autoglm_session_entry_model(size->session, size->index, l);
  int32_t numInputs = entry->num_inputs;
  for (int32_t k = 0; k < numInputs + entry->num_outputs; ++k)
    size->staged[k].shape = k < numInputs ? entry->inputs[k].shape
                                          : entry->outputs[k - numInputs].shape;
  return entry;
}

/* With sequence lengths: the index of the smallest length that holds the
 * requests of the `rows` rows from `at` on. */
static int32_t lengthForRows(const autoglm_batcher *b,
                             batcher_request **requests, RowCursor at,
                             int64_t rows) {
  int64_t longest = 0;
  for (int64_t left = rows; left > 0; ++at.index, at.row = 0) {
    batcher_request *r = requests[at.index];
    if (r->length > longest)
      longest = r->length;
    left -= r->rows - at.row;
  }
  return lengthIndex(b, longest);
}

/* Runs `rows` rows from `*at` on size `s`, then moves `*at` past them;
 * fills b->run_message on failure. Without the mutex. */
static autoglm_status runRows(autoglm_batcher *b, int32_t s,
                              batcher_request **requests, RowCursor *at,
                              int64_t rows) {
  batcher_size *size = &b->sizes[s];
  int32_t numInputs = b->model->num_inputs;
  int32_t numOutputs = b->model->num_outputs;
  int32_t total = numInputs + numOutputs;
  batcher_request *first = requests[at->index];
  const autoglm_tensor *tensors = size->staged;
  int32_t l = b->lengths ? lengthForRows(b, requests, *at, rows) : 0;
  int64_t runLength = b->lengths ? b->lengths->seq_lengths[l] : 0;
  const autoglm_model_desc *entry = b->lengths ? stageEntry(size, l) : NULL;
  /* A request that is exactly one run's rows and length runs on its own
   * tensors. */
  bool direct = at->row == 0 && first->rows == rows && rows == size->rows &&
                first->length == runLength;
  /* On a GPU the rows go from the requests to the device and back as
   * pieces: staging them in host memory first cost as much as a third of
   * a 16-row run of BERT-base or ResNet-50 on the H200 (a host copy of
   * 6-10 MB each way). */
  bool pieces = !direct && !entry && size->session->cuda;
  if (pieces) {
    for (int32_t i = 0; i < numInputs; ++i)
      pieceRows(b, requests, *at, rows, size->rows - rows, i);
    for (int32_t j = 0; j < numOutputs; ++j)
      pieceRows(b, requests, *at, rows, 0, numInputs + j);
  } else if (direct) {
    for (int32_t k = 0; k < total; ++k) {
      b->direct[k] = size->staged[k];
      b->direct[k].data = first->data[k];
    }
    tensors = b->direct;
  } else {
    for (int32_t i = 0; i < numInputs; ++i) {
      char *staged = size->staged[i].data;
      uint64_t rowBytes = b->row_bytes[i];
      if (entry) {
        copyRowsPadded(requests, *at, rows, i, &entry->inputs[i],
                       b->lengths->input_seq_dims[i], staged, true);
        rowBytes = (uint64_t)autoglm_num_elements(entry->inputs[i].rank - 1,
                                                  entry->inputs[i].shape + 1) *
                   autoglm_dtype_size(entry->inputs[i].dtype);
      } else {
        copyRows(b, requests, *at, rows, i, staged, true);
      }
      /* Padding repeats a real row, so it is an input the model accepts
       * (token ids in range, a non-empty attention mask). */
      for (int64_t row = rows; row < size->rows; ++row)
        memcpy(staged + (uint64_t)row * rowBytes,
               staged + (uint64_t)(row - 1) * rowBytes, (size_t)rowBytes);
    }
  }
  int64_t start = autoglm_batcher_now_ns();
  autoglm_status status;
  if (pieces) {
    autoglm_message message;
    autoglm_message_init(&message, size->session->last_error,
                         sizeof(size->session->last_error));
    status = autoglm_run_pieces(size->session, size->model, b->tensor_pieces,
                                b->tensor_pieces + numInputs, &message);
  } else {
    status = autoglm_session_run(size->session, tensors, numInputs,
                                 tensors + numInputs, numOutputs);
  }
  int64_t elapsed = autoglm_batcher_now_ns() - start;
  if (status == AUTOGLM_OK) {
    /* A weighted mean, with a run that took over twice the mean counted as
     * twice the mean: a run preempted by another process on a loaded
     * machine should not make its size look slow for long. An entry's
     * first run is not measured: it pays one-time costs (on a GPU, issuing
     * each step and capturing the graph) many times a run's, and an entry
     * that looked that dear would never be chosen again to correct it
     * (fixed batching at 32 clients on the H200 ran rows alone, 1.01 rows
     * a run, after its size 16 had measured its first run). */
    double *cost = &b->cost_ns[s * b->num_lengths + l];
    double sample = (double)elapsed;
    if (*cost > 0 && sample > 2 * *cost)
      sample = 2 * *cost;
    *cost = *cost > 0 ? 0.8 * *cost + 0.2 * sample : *cost < 0 ? sample : -1;
    if (!direct && !pieces)
      for (int32_t j = 0; j < numOutputs; ++j) {
        if (entry)
          copyRowsPadded(requests, *at, rows, numInputs + j, &entry->outputs[j],
                         b->lengths->output_seq_dims[j],
                         size->staged[numInputs + j].data, false);
        else
          copyRows(b, requests, *at, rows, numInputs + j,
                   size->staged[numInputs + j].data, false);
      }
  } else {
    autoglm_message message;
    autoglm_message_init(&message, b->run_message, sizeof(b->run_message));
    autoglm_message_appendf(&message, "%s",
                            autoglm_session_last_error(size->session));
  }
  /* Past the rows. */
  for (int64_t left = rows; left > 0;) {
    int64_t n = requests[at->index]->rows - at->row;
    if (n > left) {
      at->row += left;
      break;
    }
    left -= n;
    ++at->index;
    at->row = 0;
  }
  pthread_mutex_lock(&b->mutex);
  ++b->stats.runs;
  b->stats.rows += (uint64_t)rows;
  b->stats.padding_rows += (uint64_t)(size->rows - rows);
  b->stats.run_ns += (uint64_t)elapsed;
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

/* The fixed policy's plan: one run of all `rows` rows on the smallest size
 * that holds them, padded (a batch has at most max_batch rows, which the
 * largest size holds), whatever the sizes cost: fixed batching runs the
 * batch it waited for. */
static void planOneRun(autoglm_batcher *b, int64_t rows) {
  int32_t s = 0;
  while (b->sizes[s].rows < rows)
    ++s;
  b->plan_size[0] = s;
}

/* Runs `count` requests' rows as the plan says, answering each request as
 * soon as the runs of all its rows succeeded (a plan of several runs does
 * not hold the first run's requests until the last has run). Returns the
 * first failed run's status, with `*answered` the requests answered before
 * it (the requests are reordered by length first). */
static autoglm_status runPlanned(autoglm_batcher *b, batcher_request **requests,
                                 int32_t count, int32_t *answered) {
  int64_t rows = orderByLength(b, requests, count);
  if (b->options.policy == AUTOGLM_BATCH_FIXED) {
    planOneRun(b, rows);
  } else {
    estimateCosts(b);
    planRuns(b, rows);
  }
  RowCursor at = {0, 0};
  *answered = 0;
  for (int64_t r = 0; r < rows;) {
    int32_t s = b->plan_size[r];
    int64_t take = b->sizes[s].rows < rows - r ? b->sizes[s].rows : rows - r;
    autoglm_status status = runRows(b, s, requests, &at, take);
    if (status != AUTOGLM_OK)
      return status;
    r += take;
    for (; *answered < at.index; ++*answered)
      answerCounted(b, requests[*answered], AUTOGLM_OK, "");
  }
  return AUTOGLM_OK;
}

void autoglm_batcher_run_batch(autoglm_batcher *b, int32_t count) {
  int32_t answered;
  autoglm_status status = runPlanned(b, b->batch, count, &answered);
  if (status == AUTOGLM_OK)
    return;
  if (count - answered == 1) {
    answerCounted(b, b->batch[answered], status, b->run_message);
    return;
  }
  /* Which request failed the merged run? Each runs alone. */
  for (int32_t r = answered; r < count; ++r) {
    int32_t alone;
    status = runPlanned(b, &b->batch[r], 1, &alone);
    if (status != AUTOGLM_OK)
      answerCounted(b, b->batch[r], status, b->run_message);
  }
}

void autoglm_batcher_calibrate(autoglm_batcher *b) {
  int32_t numInputs = b->model->num_inputs;
  for (int32_t s = 0; s < b->num_sizes; ++s) {
    batcher_size *size = &b->sizes[s];
    for (int32_t l = 0; l < b->num_lengths; ++l) {
      if (b->lengths)
        stageEntry(size, l);
      double *cost = &b->cost_ns[s * b->num_lengths + l];
      for (int32_t run = 0; run < b->options.calibration_runs; ++run) {
        int64_t start = autoglm_batcher_now_ns();
        autoglm_status status = autoglm_session_run(
            size->session, size->staged, numInputs, size->staged + numInputs,
            b->model->num_outputs);
        double elapsed = (double)(autoglm_batcher_now_ns() - start);
        if (status == AUTOGLM_OK && (*cost == 0 || elapsed < *cost))
          *cost = elapsed;
      }
    }
  }
}

void *autoglm_batcher_worker(void *arg) {
  autoglm_batcher *b = arg;
  pthread_mutex_lock(&b->mutex);
  for (;;) {
    /* A submitter running its own request (batcher.c) has the model. */
    while (b->executing || (!b->queue.head && !b->stopping))
      pthread_cond_wait(&b->work, &b->mutex);
    if (!b->queue.head)
      break; /* stopping, and nothing left to drain */
    if (waitForMore(b))
      continue;
    int32_t count = autoglm_batcher_take_batch(b);
    b->running = true;
    b->executing = true;
    pthread_mutex_unlock(&b->mutex);
    autoglm_batcher_run_batch(b, count);
    pthread_mutex_lock(&b->mutex);
    autoglm_batcher_end_batch(b);
  }
  b->worker_stopped = true;
  pthread_cond_broadcast(&b->quiescent);
  pthread_mutex_unlock(&b->mutex);
  return NULL;
}
