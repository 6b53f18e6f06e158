//===- ServeBench.cpp - a load generator in front of the batcher ----------===//
//
// Every mode goes through the same batcher, so that the figures compare
// batching policies and not two code paths: "none" is a batcher whose
// batch is one request (queueing included), "fixed" waits for a full batch
// of the largest size, "adaptive" has every size and the adaptive policy.
// Latency is measured from when a request was due (open loop: its Poisson
// arrival time, so that a late generator cannot hide queueing) or sent
// (closed loop) to when its answer arrived.
//
//===----------------------------------------------------------------------===//

#include "ServeBench.h"

#include "HostTensor.h"
#include "ModelLibrary.h"
#include "RandomFill.h"

#include "autoglm/batcher.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace autoglm::run {
namespace {
using Clock = std::chrono::steady_clock;

double millisBetween(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

/// Random data for an input: --input-range's integers for an input it
/// names, fillRandom's otherwise.
void fillInput(HostTensor &tensor, const char *name,
               const std::vector<InputRange> &ranges, Random &random) {
  fillRandom(tensor, random);
  for (const InputRange &range : ranges)
    if (range.name == name)
      for (int64_t i = 0; i < tensor.numElements(); ++i)
        tensor.setDouble(
            i, static_cast<double>(
                   range.low +
                   static_cast<int64_t>(
                       random.next() %
                       static_cast<uint64_t>(range.high - range.low + 1))));
}

/// One request's tensors: `rows` rows of every input and output, at the
/// model's largest sequence length; setLength() gives the views another.
struct RequestTensors {
  std::vector<HostTensor> inputs, outputs;
  std::vector<autoglm_tensor> inputViews, outputViews;
  /// Each view's shape (inputs then outputs) and sequence dimensions.
  std::vector<std::vector<int64_t>> shapes;
  std::vector<uint32_t> lengthDims;

  /// With `sharedInputs`, the inputs are views of its data (an open loop's
  /// requests all send the same inputs; each has outputs of its own).
  bool allocate(const autoglm_model_desc &model, int64_t rows, Random &random,
                const std::vector<InputRange> &ranges,
                RequestTensors *sharedInputs = nullptr) {
    int32_t count = model.num_inputs + model.num_outputs;
    bool hasLengths = model.abi_version >= 5 && model.num_seq_lengths > 0;
    inputs.resize(model.num_inputs);
    outputs.resize(model.num_outputs);
    shapes.resize(count);
    for (int32_t k = 0; k < count; ++k) {
      bool isInput = k < model.num_inputs;
      const autoglm_tensor_desc &desc =
          isInput ? model.inputs[k] : model.outputs[k - model.num_inputs];
      HostTensor &tensor = isInput ? inputs[k] : outputs[k - model.num_inputs];
      shapes[k].assign(desc.shape, desc.shape + desc.rank);
      shapes[k][0] = rows;
      lengthDims.push_back(!hasLengths ? 0
                           : isInput
                               ? model.input_seq_dims[k]
                               : model.output_seq_dims[k - model.num_inputs]);
      if (isInput && sharedInputs) {
        inputViews.push_back(sharedInputs->inputViews[k]);
        inputViews.back().shape = shapes[k].data();
        continue;
      }
      if (!tensor.allocate(desc.dtype, shapes[k]))
        return false;
      if (isInput)
        fillInput(tensor, desc.name, ranges, random);
      (isInput ? inputViews : outputViews).push_back(tensor.view());
      (isInput ? inputViews : outputViews).back().shape = shapes[k].data();
    }
    return true;
  }

  /// The views at `length` tokens in every sequence dimension (the data
  /// is the allocation's first elements).
  void setLength(int64_t length) {
    for (size_t k = 0; k < shapes.size(); ++k)
      for (size_t d = 0; d < shapes[k].size() && d < 32; ++d)
        if ((lengthDims[k] >> d) & 1u)
          shapes[k][d] = length;
  }
};

/// --request-lengths: a length per request, uniform over the range, when
/// the model pads lengths; 0 (the model's shapes) otherwise.
struct LengthDraw {
  int64_t low = 0, high = 0;
  int64_t next(Random &random) const {
    if (high == 0)
      return 0;
    return low + static_cast<int64_t>(random.next() %
                                      static_cast<uint64_t>(high - low + 1));
  }
  void apply(RequestTensors &tensors, Random &random) const {
    if (int64_t length = next(random))
      tensors.setLength(length);
  }
};

/// The measured window: the latency of every request due inside it (however
/// late its answer), and the answers that arrived inside it (throughput).
struct Recorder {
  std::mutex mutex;
  std::vector<double> millis;
  Clock::time_point windowStart, windowEnd;
  long answered = 0, failed = 0;

  void record(Clock::time_point due, Clock::time_point answer, bool ok) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!ok) {
      ++failed;
      return;
    }
    if (due >= windowStart && due <= windowEnd)
      millis.push_back(millisBetween(due, answer));
    if (answer >= windowStart && answer <= windowEnd)
      ++answered;
  }
};

/// An open-loop request in flight: its tensors and when it was due.
struct Slot {
  RequestTensors tensors;
  Clock::time_point due;
  struct OpenLoop *owner = nullptr;
};

struct OpenLoop {
  Recorder &recorder;
  std::mutex mutex;
  std::condition_variable idle;
  std::vector<Slot *> free;
  size_t total = 0;

  static void onAnswer(void *data, autoglm_status status, const char *) {
    Clock::time_point now = Clock::now();
    auto *slot = static_cast<Slot *>(data);
    OpenLoop &loop = *slot->owner;
    loop.recorder.record(slot->due, now, status == AUTOGLM_OK);
    std::lock_guard<std::mutex> lock(loop.mutex);
    loop.free.push_back(slot);
    if (loop.free.size() == loop.total)
      loop.idle.notify_all();
  }
};

struct SessionDeleter {
  void operator()(autoglm_session *session) const {
    autoglm_session_destroy(session);
  }
};

double percentile(const std::vector<double> &sorted, double p) {
  if (sorted.empty())
    return 0;
  size_t index = static_cast<size_t>(std::ceil(p * sorted.size())) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}
} // namespace

/// --check: each closed-loop client's last answer against a run of its
/// request alone on MODEL.so (the unbatched model). Returns false when that
/// cannot be done; sets `status` to 1 when an output differs beyond
/// --rtol/--atol.
static bool checkClients(const Options &options, autoglm_session *session,
                         std::vector<RequestTensors> &clients, int &status) {
  // The unbatched model: MODEL.so's smallest size (its only one, or the
  // smallest of an artifact of several).
  const autoglm_model_desc &model = *autoglm_session_batch_model(session, 0);
  if (clients.empty() || model.num_outputs == 0 ||
      model.outputs[0].shape[0] != options.requestRows)
    return false;
  long exact = 0, within = 0;
  double maxDiff = 0;
  for (RequestTensors &client : clients) {
    RequestTensors alone;
    Random unused(0);
    if (!alone.allocate(model, options.requestRows, unused, {}))
      return false;
    // At the client's last request's length.
    for (int32_t j = 0; j < model.num_outputs; ++j)
      alone.shapes[model.num_inputs + j] = client.shapes[model.num_inputs + j];
    if (autoglm_session_run(session, client.inputViews.data(), model.num_inputs,
                            alone.outputViews.data(),
                            model.num_outputs) != AUTOGLM_OK)
      return false;
    bool same = true, close = true;
    for (int32_t j = 0; j < model.num_outputs; ++j) {
      const HostTensor &batched = client.outputs[j],
                       &reference = alone.outputs[j];
      const autoglm_tensor &view = client.outputViews[j];
      int64_t elements = 1;
      for (int32_t d = 0; d < view.rank; ++d)
        elements *= view.shape[d];
      same = same && std::memcmp(batched.data(), reference.data(),
                                 static_cast<size_t>(elements) *
                                     autoglm_dtype_size(view.dtype)) == 0;
      for (int64_t i = 0; i < elements; ++i) {
        double a = batched.getDouble(i), e = reference.getDouble(i);
        double diff = std::fabs(a - e);
        maxDiff = std::max(maxDiff, diff);
        close = close && diff <= options.atol + options.rtol * std::fabs(e);
      }
    }
    exact += same;
    within += close;
  }
  std::printf("serve-bench: check: %ld of %zu clients' last answers equal a "
              "run alone on the unbatched model bit for bit, %ld within rtol "
              "%g, atol %g (max abs difference %g)\n",
              exact, clients.size(), within, options.rtol, options.atol,
              maxDiff);
  status = within == static_cast<long>(clients.size()) ? 0 : 1;
  return true;
}

int runServeBench(const Options &options, autoglm_session *session) {
  auto fail = [](const std::string &message) {
    std::fflush(stdout);
    std::fprintf(stderr, "autoglm-run: error: %s\n", message.c_str());
    return 1;
  };
  // The sessions of the other sizes, alive until the end.
  std::vector<std::unique_ptr<ModelLibrary>> libraries;
  std::vector<std::unique_ptr<autoglm_session, SessionDeleter>> owned;
  std::vector<autoglm_session *> sessions{session};
  for (const std::string &path : options.batchModels) {
    std::string error;
    libraries.push_back(std::make_unique<ModelLibrary>());
    if (!libraries.back()->load(path, error))
      return fail(error);
    autoglm_session_options sessionOptions;
    autoglm_session_options_init(&sessionOptions);
    sessionOptions.num_threads = options.numThreads;
    if (options.spinAfterRunUs >= 0)
      sessionOptions.spin_after_run_us = options.spinAfterRunUs;
    sessionOptions.device_ordinal = options.deviceOrdinal;
    autoglm_session *created = nullptr;
    if (autoglm_session_create(libraries.back()->model(), &sessionOptions,
                               &created) != AUTOGLM_OK)
      return fail(path + ": " + autoglm_last_create_error());
    owned.emplace_back(created);
    sessions.push_back(created);
  }
  auto rowsOf = [](autoglm_session *s) {
    const autoglm_model_desc *model = autoglm_session_model(s);
    return model->num_inputs ? model->inputs[0].shape[0]
                             : model->outputs[0].shape[0];
  };
  std::vector<autoglm_session *> used = sessions;
  autoglm_batcher_options batcherOptions;
  autoglm_batcher_options_init(&batcherOptions);
  batcherOptions.max_batch = options.maxBatch;
  batcherOptions.max_delay_us = options.maxDelayUs;
  batcherOptions.queue_capacity = 4096;
  if (options.batching == "none") {
    // One request a run, on MODEL.so alone.
    used = {session};
    batcherOptions.max_batch = static_cast<int32_t>(options.requestRows);
    batcherOptions.max_delay_us = 0;
  } else if (options.batching == "fixed") {
    used = {*std::max_element(sessions.begin(), sessions.end(),
                              [&](autoglm_session *a, autoglm_session *b) {
                                return rowsOf(a) < rowsOf(b);
                              })};
    batcherOptions.policy = AUTOGLM_BATCH_FIXED;
  } else {
    batcherOptions.calibration_runs = 2;
  }
  autoglm_batcher *batcher = nullptr;
  if (autoglm_batcher_create_multi(used.data(),
                                   static_cast<int32_t>(used.size()),
                                   &batcherOptions, &batcher) != AUTOGLM_OK)
    return fail(autoglm_batcher_last_error());
  autoglm_batcher_stats stats;
  autoglm_batcher_get_stats(batcher, &stats);
  if (options.requestRows > stats.max_batch) {
    autoglm_batcher_destroy(batcher);
    return fail("--request-rows " + std::to_string(options.requestRows) +
                " is more than a batch of " + std::to_string(stats.max_batch) +
                " rows");
  }

  // Every size of every session used (an artifact of --batch-sizes has
  // several).
  std::vector<int64_t> rows;
  for (autoglm_session *s : used)
    for (int32_t k = 0; k < autoglm_session_num_batch_sizes(s); ++k) {
      const autoglm_model_desc *sized = autoglm_session_batch_model(s, k);
      rows.push_back(sized->num_inputs ? sized->inputs[0].shape[0]
                                       : sized->outputs[0].shape[0]);
    }
  std::sort(rows.begin(), rows.end());
  std::string sizes;
  for (int64_t r : rows)
    sizes += (sizes.empty() ? "" : ",") + std::to_string(r);
  const autoglm_model_desc &model = *autoglm_session_model(session);
  LengthDraw lengths;
  if (options.requestLengthMax > 0) {
    int32_t count = autoglm_session_num_seq_lengths(session);
    int64_t longest =
        count ? autoglm_session_seq_length(session, count - 1) : 0;
    if (count == 0 || model.pad_mask_input < 0) {
      // A model of one length: the client pads each request to it, which
      // is what the range costs without buckets.
      std::printf("serve-bench: model '%s' has one sequence length; each "
                  "request of --request-lengths is sent padded to it\n",
                  model.name);
    } else if (options.requestLengthMax > longest) {
      autoglm_batcher_destroy(batcher);
      return fail("--request-lengths goes up to " +
                  std::to_string(options.requestLengthMax) +
                  " tokens, more than the model's largest length, " +
                  std::to_string(longest));
    } else {
      lengths.low = options.requestLengthMin;
      lengths.high = options.requestLengthMax;
    }
  }
  std::printf("serve-bench: %s batching, ", options.batching.c_str());
  if (options.rate > 0)
    std::printf("open loop at %.1f requests/s (Poisson)", options.rate);
  else
    std::printf("%d clients (closed loop)", options.clients);
  std::printf(", %.1f s after %.1f s of warm-up; requests of %lld row(s)",
              options.duration, std::min(1.0, options.duration),
              static_cast<long long>(options.requestRows));
  if (lengths.high)
    std::printf(" of %lld to %lld tokens (uniform)",
                static_cast<long long>(lengths.low),
                static_cast<long long>(lengths.high));
  std::printf("; batch sizes %s, max batch %d, max delay %lld us, %d "
              "threads\n",
              sizes.c_str(), stats.max_batch,
              static_cast<long long>(batcherOptions.max_delay_us),
              autoglm_session_num_threads(session));
  std::fflush(stdout);

  for (const InputRange &range : options.inputRanges) {
    int32_t k = 0;
    while (k < model.num_inputs && range.name != model.inputs[k].name)
      ++k;
    if (k == model.num_inputs) {
      autoglm_batcher_destroy(batcher);
      return fail("--input-range names '" + range.name +
                  "', which is no input of model '" + model.name + "'");
    }
  }

  // Every request's tensors exist before the clock starts: allocating and
  // filling them is no part of the load. (An open loop that allocated its
  // whole pool after taking its start time sent a burst of overdue
  // requests once done, all answered after the measured window: 0
  // answers a second for ResNet-50's 602112-byte images.)
  Recorder recorder;
  std::atomic<long> rejected{0};
  long sent = 0;
  bool allocated = true;
  std::vector<RequestTensors> closedLoopTensors;
  // Open loop: one generator, and a slot of request tensors per request in
  // flight, all sending one set of inputs. Slots are added while the load
  // needs them, up to the queue's capacity: each is only its outputs.
  OpenLoop loop{recorder, {}, {}, {}, 0};
  std::vector<std::unique_ptr<Slot>> pool;
  RequestTensors openLoopInputs;
  Random random(options.seed);
  auto addSlot = [&] {
    pool.push_back(std::make_unique<Slot>());
    pool.back()->owner = &loop;
    if (!pool.back()->tensors.allocate(model, options.requestRows, random,
                                       options.inputRanges, &openLoopInputs))
      return false;
    std::lock_guard<std::mutex> lock(loop.mutex);
    loop.free.push_back(pool.back().get());
    ++loop.total;
    return true;
  };
  if (options.rate > 0) {
    allocated = openLoopInputs.allocate(model, options.requestRows, random,
                                        options.inputRanges);
    for (int i = 0; i < 64 && allocated; ++i)
      allocated = addSlot();
  } else {
    closedLoopTensors.resize(options.clients);
    for (int32_t c = 0; c < options.clients && allocated; ++c) {
      Random clientRandom(options.seed + static_cast<uint64_t>(c));
      allocated = closedLoopTensors[c].allocate(
          model, options.requestRows, clientRandom, options.inputRanges);
    }
  }

  Clock::time_point start = Clock::now();
  // A second of warm-up (less for a short run) is left out of the figures.
  recorder.windowStart =
      start +
      std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(std::min(1.0, options.duration)));
  recorder.windowEnd = recorder.windowStart +
                       std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(options.duration));
  if (options.rate > 0) {
    size_t capacity = static_cast<size_t>(batcherOptions.queue_capacity);
    Random arrivals(options.seed + 1);
    Clock::time_point due = start;
    while (allocated) {
      double gap = -std::log(1.0 - arrivals.uniform()) / options.rate;
      due += std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(gap));
      if (due >= recorder.windowEnd)
        break;
      std::this_thread::sleep_until(due);
      Slot *slot = nullptr;
      {
        std::lock_guard<std::mutex> lock(loop.mutex);
        if (!loop.free.empty()) {
          slot = loop.free.back();
          loop.free.pop_back();
        }
      }
      if (!slot && pool.size() < capacity) {
        if (!(allocated = addSlot()))
          break;
        std::lock_guard<std::mutex> lock(loop.mutex);
        slot = loop.free.back();
        loop.free.pop_back();
      }
      if (!slot) {
        ++rejected;
        continue;
      }
      slot->due = due;
      RequestTensors &t = slot->tensors;
      lengths.apply(t, arrivals);
      ++sent;
      if (autoglm_batcher_submit_async(
              batcher, t.inputViews.data(),
              static_cast<int32_t>(t.inputViews.size()), t.outputViews.data(),
              static_cast<int32_t>(t.outputViews.size()), OpenLoop::onAnswer,
              slot, nullptr) != AUTOGLM_OK) {
        ++rejected;
        std::lock_guard<std::mutex> lock(loop.mutex);
        loop.free.push_back(slot);
      }
    }
    std::unique_lock<std::mutex> lock(loop.mutex);
    loop.idle.wait(lock, [&] { return loop.free.size() == loop.total; });
  } else {
    std::vector<std::thread> clients;
    std::vector<RequestTensors> &tensors = closedLoopTensors;
    std::atomic<long> submitted{0};
    for (int32_t c = 0; c < options.clients && allocated; ++c)
      clients.emplace_back([&, c] {
        RequestTensors &t = tensors[c];
        Random draws(options.seed + 1000 + static_cast<uint64_t>(c));
        while (Clock::now() < recorder.windowEnd) {
          lengths.apply(t, draws);
          Clock::time_point sentAt = Clock::now();
          ++submitted;
          autoglm_status status = autoglm_batcher_submit(
              batcher, t.inputViews.data(),
              static_cast<int32_t>(t.inputViews.size()), t.outputViews.data(),
              static_cast<int32_t>(t.outputViews.size()));
          if (status == AUTOGLM_ERROR_QUEUE_FULL)
            ++rejected;
          recorder.record(sentAt, Clock::now(), status == AUTOGLM_OK);
        }
      });
    for (std::thread &client : clients)
      client.join();
    sent = submitted.load();
  }
  autoglm_batcher_get_stats(batcher, &stats);
  autoglm_batcher_destroy(batcher);
  if (!allocated)
    return fail("cannot allocate the requests' tensors");
  int checkStatus = 0;
  if (options.check &&
      !checkClients(options, session, closedLoopTensors, checkStatus))
    return fail("--check needs a closed loop and MODEL.so of batch " +
                std::to_string(options.requestRows) + " (the request's rows)");

  // No answer inside the window means no figure: say so and fail rather
  // than print 0 requests a second.
  if (recorder.answered == 0) {
    char message[256];
    std::snprintf(message, sizeof(message),
                  "no request was answered in the measured %.1f s (%ld sent, "
                  "%ld rejected, %ld failed): there are no figures to print",
                  options.duration, sent, rejected.load(), recorder.failed);
    return fail(message);
  }

  std::vector<double> &millis = recorder.millis;
  std::sort(millis.begin(), millis.end());
  double seconds = options.duration;
  double throughput = static_cast<double>(recorder.answered) / seconds;
  double meanRows =
      stats.runs ? static_cast<double>(stats.rows) / stats.runs : 0.0;
  std::printf("serve-bench: %ld answers in %.1f s: %.1f requests/s, %.1f "
              "rows/s; latency p50 %.3f ms, p99 %.3f ms, p999 %.3f ms, max "
              "%.3f ms\n",
              recorder.answered, seconds, throughput,
              throughput * static_cast<double>(options.requestRows),
              percentile(millis, 0.5), percentile(millis, 0.99),
              percentile(millis, 0.999), millis.empty() ? 0.0 : millis.back());
  double meanRunMs =
      stats.runs ? static_cast<double>(stats.run_ns) / stats.runs / 1e6 : 0.0;
  std::printf("serve-bench: %llu runs of %.2f rows on average (%llu padding "
              "rows), %.4f ms a run on average; %ld requests rejected, %ld "
              "failed\n",
              static_cast<unsigned long long>(stats.runs), meanRows,
              static_cast<unsigned long long>(stats.padding_rows), meanRunMs,
              rejected.load(), recorder.failed);
  return recorder.failed || checkStatus ? 1 : 0;
}
} // namespace autoglm::run
