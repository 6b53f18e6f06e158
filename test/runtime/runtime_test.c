/*===- runtime_test.c - drive the runtime API for the lit tests -----------===*\
 *
 * `autoglm-runtime-test MODE` exercises one area of the runtime against the
 * statically linked fake model and prints what it sees, for FileCheck; it
 * also checks invariants itself and exits non-zero when one fails. The
 * binary is linked with --wrap for the allocation functions, so the
 * runtime's heap use during run can be counted.
 *
\*===----------------------------------------------------------------------===*/

#define _DEFAULT_SOURCE /* usleep, clock_gettime */

#include "autoglm/runtime.h"
#include "fake_model.h"
#include "test_support.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*===-- Helpers -----------------------------------------------------------===*/

static autoglm_session *createWithThreads(int32_t numThreads) {
  autoglm_session_options options;
  autoglm_session_options_init(&options);
  options.num_threads = numThreads;
  autoglm_session *session = NULL;
  autoglm_status status =
      autoglm_session_create(&autoglm_model_fake, &options, &session);
  if (status != AUTOGLM_OK) {
    printf("create failed: %s: %s\n", autoglm_status_string(status),
           autoglm_last_create_error());
    exit(2);
  }
  return session;
}

static autoglm_status runTensors(autoglm_session *session, Tensors *t) {
  return autoglm_session_run(session, t->inputs, 2, t->outputs, 2);
}

static void printDesc(const char *kind, int32_t index,
                      const autoglm_tensor_desc *desc) {
  printf("%s %d: %s %s [", kind, index, desc->name,
         autoglm_dtype_name(desc->dtype));
  for (int32_t i = 0; i < desc->rank; ++i)
    printf(i ? ",%lld" : "%lld", (long long)desc->shape[i]);
  printf("]\n");
}

/*===-- Modes -------------------------------------------------------------===*/

/* Create, query, run, destroy. */
static void testApi(void) {
  autoglm_session *session = createWithThreads(2);
  printf("model: %s\n", autoglm_session_model(session)->name);
  printf("threads: %d\n", autoglm_session_num_threads(session));
  printf("workspace: %llu\n",
         (unsigned long long)autoglm_session_workspace_size(session));
  int32_t numInputs = autoglm_session_num_inputs(session);
  int32_t numOutputs = autoglm_session_num_outputs(session);
  for (int32_t i = 0; i < numInputs; ++i)
    printDesc("input", i, autoglm_session_input(session, i));
  for (int32_t i = 0; i < numOutputs; ++i)
    printDesc("output", i, autoglm_session_output(session, i));
  printf("find input b: %d, output total: %d, input nope: %d\n",
         autoglm_session_find_input(session, "b"),
         autoglm_session_find_output(session, "total"),
         autoglm_session_find_input(session, "nope"));
  EXPECT(autoglm_session_input(session, 2) == NULL);
  EXPECT(autoglm_session_input(session, -1) == NULL);
  EXPECT(autoglm_session_output(session, 2) == NULL);
  EXPECT(autoglm_session_find_output(session, NULL) == -1);

  Tensors t;
  initTensors(&t);
  autoglm_status status = runTensors(session, &t);
  printf("run: %s, last error: '%s'\n", autoglm_status_string(status),
         autoglm_session_last_error(session));
  printf("y:");
  for (int i = 0; i < 6; ++i)
    printf(" %g", t.y[i]);
  printf("\ntotal: %g\n", t.total);
  autoglm_session_destroy(session);

  /* NULL sessions are answered, not crashed on. */
  autoglm_session_destroy(NULL);
  EXPECT(autoglm_session_model(NULL) == NULL);
  EXPECT(autoglm_session_num_inputs(NULL) == 0);
  EXPECT(autoglm_session_num_outputs(NULL) == 0);
  EXPECT(autoglm_session_input(NULL, 0) == NULL);
  EXPECT(autoglm_session_find_input(NULL, "x") == -1);
  EXPECT(autoglm_session_workspace_size(NULL) == 0);
  EXPECT(autoglm_session_num_threads(NULL) == 0);
  autoglm_session_options_init(NULL);
  printf("null run: %s; last error: %s\n",
         autoglm_status_string(
             autoglm_session_run(NULL, t.inputs, 2, t.outputs, 2)),
         autoglm_session_last_error(NULL));
  printf("status 6: %s; status 99: %s\n",
         autoglm_status_string(AUTOGLM_ERROR_SHAPE_MISMATCH),
         autoglm_status_string((autoglm_status)99));
  printf("dtype 16: %s (%zu bytes); dtype 8: %s (%zu bytes)\n",
         autoglm_dtype_name(16), autoglm_dtype_size(16), autoglm_dtype_name(8),
         autoglm_dtype_size(8));
}

/* Runs with one thing broken, prints status and message, and checks that
 * the outputs were left untouched. */
static void expectRunError(autoglm_session *session, const char *what,
                           Tensors *t, const autoglm_tensor *inputs,
                           int32_t numInputs, const autoglm_tensor *outputs,
                           int32_t numOutputs) {
  t->y[0] = 12345.0f;
  autoglm_status status =
      autoglm_session_run(session, inputs, numInputs, outputs, numOutputs);
  printf("%s: %s: %s\n", what, autoglm_status_string(status),
         autoglm_session_last_error(session));
  EXPECT(status != AUTOGLM_OK);
  EXPECT(t->y[0] == 12345.0f);
}

static void testErrors(void) {
  autoglm_session *session = createWithThreads(2);
  Tensors t;
  autoglm_tensor in[2], out[2];
#define RESET()                                                                \
  do {                                                                         \
    initTensors(&t);                                                           \
    memcpy(in, t.inputs, sizeof(in));                                          \
    memcpy(out, t.outputs, sizeof(out));                                       \
  } while (0)

  RESET();
  expectRunError(session, "one input", &t, in, 1, out, 2);
  expectRunError(session, "three outputs", &t, in, 2, out, 3);
  expectRunError(session, "null inputs", &t, NULL, 2, out, 2);
  expectRunError(session, "null outputs", &t, in, 2, NULL, 2);

  RESET();
  in[0].dtype = AUTOGLM_FLOAT64;
  expectRunError(session, "dtype", &t, in, 2, out, 2);
  RESET();
  out[1].dtype = AUTOGLM_FLOAT32;
  expectRunError(session, "output dtype", &t, in, 2, out, 2);
  RESET();
  in[1].dtype = 1234;
  expectRunError(session, "unknown dtype", &t, in, 2, out, 2);

  static const int64_t wide[] = {2, 4};
  static const int64_t flat[] = {6};
  static const int64_t image[] = {1, 3, 224, 224};
  RESET();
  in[0].shape = wide;
  expectRunError(session, "shape", &t, in, 2, out, 2);
  RESET();
  in[0].rank = 1;
  in[0].shape = flat;
  expectRunError(session, "rank", &t, in, 2, out, 2);
  RESET();
  in[0].rank = 4;
  in[0].shape = image;
  expectRunError(session, "rank 4", &t, in, 2, out, 2);
  RESET();
  out[1].rank = 1;
  out[1].shape = flat;
  expectRunError(session, "scalar output", &t, in, 2, out, 2);
  RESET();
  in[0].rank = -1;
  expectRunError(session, "negative rank", &t, in, 2, out, 2);
  RESET();
  in[0].shape = NULL;
  expectRunError(session, "null shape", &t, in, 2, out, 2);
  RESET();
  in[1].data = NULL;
  expectRunError(session, "null input data", &t, in, 2, out, 2);
  RESET();
  out[0].data = NULL;
  expectRunError(session, "null output data", &t, in, 2, out, 2);
  RESET();
  t.x[0] = -999.0f;
  expectRunError(session, "model failure", &t, in, 2, out, 2);

  /* A failed run leaves the session usable, and success clears the error. */
  RESET();
  autoglm_status status = runTensors(session, &t);
  printf("after errors: %s, last error: '%s', total %g\n",
         autoglm_status_string(status), autoglm_session_last_error(session),
         t.total);
  autoglm_session_destroy(session);
#undef RESET
}

static void printCreateError(const char *what, autoglm_status status,
                             autoglm_session *session) {
  printf("%s: %s: %s\n", what, autoglm_status_string(status),
         autoglm_last_create_error());
  EXPECT(status != AUTOGLM_OK);
  EXPECT(session == NULL);
}

static void testCreateErrors(void) {
  autoglm_session *session = (autoglm_session *)&session;
  autoglm_status status = autoglm_session_create(NULL, NULL, &session);
  printCreateError("null model", status, session);
  printf("null out: %s\n", autoglm_status_string(autoglm_session_create(
                               &autoglm_model_fake, NULL, NULL)));

  autoglm_model_desc model = autoglm_model_fake;
  model.abi_version = 99;
  status = autoglm_session_create(&model, NULL, &session);
  printCreateError("abi", status, session);

  /* ABI 3 is the prefix of ABI 4: still read, the batch fields unread. */
  model = autoglm_model_fake;
  model.abi_version = 3;
  model.num_batch_entries = 7; /* past an ABI 3 descriptor's end */
  status = autoglm_session_create(&model, NULL, &session);
  printf("abi 3: %s, %d batch size(s)\n", autoglm_status_string(status),
         autoglm_session_num_batch_sizes(session));
  EXPECT(status == AUTOGLM_OK);
  autoglm_session_destroy(session);

  /* ABI 4 is the prefix of ABI 5: still read, without sequence lengths. */
  model = autoglm_model_fake;
  model.abi_version = 4;
  model.num_seq_lengths = 7; /* past an ABI 4 descriptor's end */
  status = autoglm_session_create(&model, NULL, &session);
  printf("abi 4: %s, %d sequence length(s)\n", autoglm_status_string(status),
         autoglm_session_num_seq_lengths(session));
  EXPECT(status == AUTOGLM_OK);
  autoglm_session_destroy(session);

  /* ABI 5 is the prefix of ABI 6: still read, without index checks. */
  model = autoglm_model_fake;
  model.abi_version = 5;
  model.num_index_checks = 7; /* past an ABI 5 descriptor's end */
  status = autoglm_session_create(&model, NULL, &session);
  printf("abi 5: %s\n", autoglm_status_string(status));
  EXPECT(status == AUTOGLM_OK);
  autoglm_session_destroy(session);

  /* An index check of a float input. */
  static const autoglm_index_check floatIndices = {0, 2, "g"};
  model = autoglm_model_fake;
  model.num_index_checks = 1;
  model.index_checks = &floatIndices;
  status = autoglm_session_create(&model, NULL, &session);
  printCreateError("index checks", status, session);

  model = autoglm_model_fake;
  model.num_batch_entries = 2;
  status = autoglm_session_create(&model, NULL, &session);
  printCreateError("batch entries", status, session);

  /* Lengths without entries, or out of order. */
  static const int64_t unorderedLengths[] = {16, 8};
  model = autoglm_model_fake;
  model.num_seq_lengths = 2;
  model.seq_lengths = unorderedLengths;
  status = autoglm_session_create(&model, NULL, &session);
  printCreateError("sequence lengths", status, session);

  model = autoglm_model_fake;
  model.device = 7;
  status = autoglm_session_create(&model, NULL, &session);
  printCreateError("device", status, session);

  model = autoglm_model_fake;
  model.entry = NULL;
  status = autoglm_session_create(&model, NULL, &session);
  printCreateError("no entry", status, session);

  autoglm_tensor_desc badOutputs[2];
  memcpy(badOutputs, autoglm_model_fake.outputs, sizeof(badOutputs));
  badOutputs[1].dtype = 8; /* ONNX string: not a tensor type we run */
  model = autoglm_model_fake;
  model.outputs = badOutputs;
  status = autoglm_session_create(&model, NULL, &session);
  printCreateError("bad output", status, session);

  autoglm_session_options options;
  autoglm_session_options_init(&options);
  options.num_threads = -3;
  status = autoglm_session_create(&autoglm_model_fake, &options, &session);
  printCreateError("threads", status, session);
  autoglm_session_options_init(&options);
  options.spin_after_run_us = -1;
  status = autoglm_session_create(&autoglm_model_fake, &options, &session);
  printCreateError("spin", status, session);

  /* A later success clears the message. */
  status = autoglm_session_create(&autoglm_model_fake, NULL, &session);
  printf("default options: %s, message '%s', threads >= 1: %d\n",
         autoglm_status_string(status), autoglm_last_create_error(),
         autoglm_session_num_threads(session) >= 1);
  autoglm_session_destroy(session);
}

/* The same inputs give bit-identical outputs with any thread count. */
static void testThreads(void) {
  static const int32_t counts[] = {1, 2, 4, 0};
  Tensors reference;
  for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); ++i) {
    autoglm_session *session = createWithThreads(counts[i]);
    Tensors t;
    initTensors(&t);
    EXPECT(runTensors(session, &t) == AUTOGLM_OK);
    if (i == 0)
      reference = t;
    int same = memcmp(t.y, reference.y, sizeof(t.y)) == 0 &&
               memcmp(&t.total, &reference.total, sizeof(t.total)) == 0;
    EXPECT(same);
    printf("num_threads %d: total %g, %s\n", counts[i], t.total,
           same ? "identical" : "DIFFERENT");
    autoglm_session_destroy(session);
  }
}

static void testWorkspace(void) {
  /* Static memory, as an embedded user would pass. */
  static _Alignas(64) unsigned char workspace[64];
  autoglm_session_options options;
  autoglm_session_options_init(&options);
  options.num_threads = 1;
  options.workspace = workspace;
  options.workspace_bytes = sizeof(workspace);
  autoglm_session *session = NULL;
  autoglm_status status =
      autoglm_session_create(&autoglm_model_fake, &options, &session);
  Tensors t;
  initTensors(&t);
  status = runTensors(session, &t);
  float scratch[6];
  memcpy(scratch, workspace, sizeof(scratch));
  printf("caller workspace: %s, holds 2*x: %d\n", autoglm_status_string(status),
         scratch[0] == 2 * t.x[0] && scratch[5] == 2 * t.x[5]);
  autoglm_session_destroy(session);

  options.workspace_bytes = 16;
  status = autoglm_session_create(&autoglm_model_fake, &options, &session);
  printCreateError("small workspace", status, session);
  options.workspace = workspace + 4;
  options.workspace_bytes = 32;
  status = autoglm_session_create(&autoglm_model_fake, &options, &session);
  printCreateError("misaligned workspace", status, session);
}

/* A weights image for the weighted fake model: the header, then the scale
 * 3 followed by zeros. */
typedef struct WeightsImage {
  _Alignas(64) autoglm_weights_header header;
  float data[FAKE_WEIGHTS_BYTES / sizeof(float)];
} WeightsImage;

static void initWeights(WeightsImage *image, uint64_t fingerprint) {
  memset(image, 0, sizeof(*image));
  memcpy(image->header.magic, AUTOGLM_WEIGHTS_MAGIC, 8);
  image->header.data_bytes = FAKE_WEIGHTS_BYTES;
  image->header.fingerprint = fingerprint;
  image->data[0] = 3.0f;
}

static void writeFile(const char *path, const void *data, size_t bytes) {
  FILE *file = fopen(path, "wb");
  if (!file || fwrite(data, 1, bytes, file) != bytes || fclose(file) != 0) {
    printf("cannot write %s\n", path);
    exit(2);
  }
}

/* Creates the weighted model with `options` and runs it once. */
static void createAndRun(const char *label, autoglm_session_options *options) {
  autoglm_session *session = NULL;
  autoglm_status status =
      autoglm_session_create(&autoglm_model_fake_weighted, options, &session);
  if (status != AUTOGLM_OK) {
    printCreateError(label, status, session);
    return;
  }
  Tensors t;
  initTensors(&t);
  status = runTensors(session, &t);
  /* y = 3*x + b: x[0] = -2.5, b[0] = 10. */
  printf("%s: %s, weights %llu bytes, y[0] = %g\n", label,
         autoglm_status_string(status),
         (unsigned long long)autoglm_session_weights_size(session), t.y[0]);
  EXPECT(t.y[0] == 3.0f * t.x[0] + 10.0f);
  autoglm_session_destroy(session);
}

/* The weights of a model compiled with --weights=external: the caller's
 * image, a file named by the caller, the default file next to the binary,
 * and every way a file can fail to match. Files are written into `dir`. */
static void testWeights(const char *dir) {
  static WeightsImage image;
  autoglm_session_options options;
  autoglm_session_options_init(&options);
  options.num_threads = 1;

  initWeights(&image, FAKE_WEIGHTS_FINGERPRINT);
  options.weights = &image;
  options.weights_image_bytes = sizeof(image);
  createAndRun("image", &options);
  options.weights_image_bytes = 40;
  createAndRun("short image", &options);
  options.weights = (const char *)&image + 4;
  options.weights_image_bytes = sizeof(image) - 4;
  createAndRun("misaligned image", &options);
  options.weights = NULL;
  options.weights_image_bytes = 0;

  char path[4096];
  snprintf(path, sizeof(path), "%s/good.weights", dir);
  writeFile(path, &image, sizeof(image));
  options.weights_path = path;
  createAndRun("file", &options);

  snprintf(path, sizeof(path), "%s/other.weights", dir);
  initWeights(&image, 7);
  writeFile(path, &image, sizeof(image));
  createAndRun("other compilation", &options);

  snprintf(path, sizeof(path), "%s/truncated.weights", dir);
  initWeights(&image, FAKE_WEIGHTS_FINGERPRINT);
  writeFile(path, &image, sizeof(image) - 8);
  createAndRun("truncated", &options);

  snprintf(path, sizeof(path), "%s/not.weights", dir);
  static const char notWeights[64] =
      "not a weights file, but as long as a header";
  writeFile(path, notWeights, sizeof(notWeights));
  createAndRun("not weights", &options);

  snprintf(path, sizeof(path), "%s/missing.weights", dir);
  createAndRun("missing", &options);

  /* By default: fake_weighted.weights next to this executable. */
  options.weights_path = NULL;
  createAndRun("default", &options);

  /* A model that embeds its weights ignores every weights option. */
  autoglm_session *session = NULL;
  autoglm_status status =
      autoglm_session_create(&autoglm_model_fake, &options, &session);
  printf("embedded: %s, weights %llu bytes\n", autoglm_status_string(status),
         (unsigned long long)autoglm_session_weights_size(session));
  autoglm_session_destroy(session);
}

static void testNoAllocation(void) {
  autoglm_session *session = createWithThreads(4);
  Tensors t;
  initTensors(&t);
  long before = atomic_load(&allocations);
  for (int i = 0; i < 200; ++i)
    EXPECT(runTensors(session, &t) == AUTOGLM_OK);
  t.inputs[0].rank = 1; /* the error path formats a message: still no heap */
  EXPECT(runTensors(session, &t) != AUTOGLM_OK);
  long during = atomic_load(&allocations) - before;
  printf("allocations during 201 runs: %ld\n", during);
  autoglm_session_destroy(session);
  /* Make sure the counter works at all. */
  before = atomic_load(&allocations);
  session = createWithThreads(4);
  printf("allocations during create: %s\n",
         atomic_load(&allocations) > before ? "some" : "none");
  autoglm_session_destroy(session);
}

/*===-- parallel_for probe ------------------------------------------------===*/

/* A model whose entry hands its context to the test, so parallel_for can be
 * called directly with any n. */
static autoglm_exec_context *probedContext;
/* When set, the probe's entry calls it: loops inside a run. */
static void (*probeHook)(autoglm_exec_context *ctx);

static int32_t probeEntry(void *const *inputs, void *const *outputs,
                          void *workspace, const void *weights,
                          autoglm_exec_context *ctx) {
  probedContext = ctx;
  if (probeHook)
    probeHook(ctx);
  return 0;
}

static const autoglm_model_desc probeModel = {AUTOGLM_ABI_VERSION,
                                              AUTOGLM_DEVICE_CPU,
                                              "probe",
                                              0,
                                              0,
                                              NULL,
                                              NULL,
                                              0,
                                              probeEntry,
                                              0,
                                              0,
                                              NULL,
                                              NULL,
                                              0,
                                              NULL,
                                              0,
                                              NULL,
                                              NULL,
                                              NULL,
                                              -1,
                                              0,
                                              NULL};

enum { MaxN = 100003, MaxChunks = 64 };

typedef struct Coverage {
  atomic_int hits[MaxN];
  atomic_int numChunks;
  atomic_int emptyChunks;
  autoglm_exec_context *ctx;
  atomic_int nestedHits;
} Coverage;

static void coverBody(void *data, int64_t begin, int64_t end) {
  Coverage *c = data;
  atomic_fetch_add(&c->numChunks, 1);
  if (begin >= end)
    atomic_fetch_add(&c->emptyChunks, 1);
  for (int64_t i = begin; i < end; ++i)
    atomic_fetch_add(&c->hits[i], 1);
}

static void nestedInner(void *data, int64_t begin, int64_t end) {
  Coverage *c = data;
  atomic_fetch_add(&c->nestedHits, (int)(end - begin));
}

static void nestedOuter(void *data, int64_t begin, int64_t end) {
  Coverage *c = data;
  for (int64_t i = begin; i < end; ++i)
    c->ctx->parallel_for(c->ctx, 10, nestedInner, c);
}

/* Each chunk waits (up to 5 s) until every chunk has started: only
 * threads running chunks at the same time get past it, so a loop whose
 * chunks all ran on the caller, one after another, times out. */
typedef struct Rendezvous {
  atomic_int started;
  int32_t expected;
  atomic_int timedOut;
} Rendezvous;

static void rendezvousBody(void *data, int64_t begin, int64_t end) {
  (void)begin;
  (void)end;
  Rendezvous *r = data;
  atomic_fetch_add(&r->started, 1);
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  while (atomic_load(&r->started) < r->expected) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - start.tv_sec > 5) {
      atomic_store(&r->timedOut, 1);
      return;
    }
    sched_yield();
  }
}

/* A loop whose chunks are slow on the workers (20 ms each call) and, but
 * in its first run (which shows it long whoever runs it), quick on the
 * caller: the caller then takes over the chunks the workers have not
 * reached and runs more than its even share. */
typedef struct Straggler {
  pthread_t caller;
  atomic_int slowCaller;
  atomic_int callerIndices;
  atomic_int calls;
  atomic_int hits[64];
} Straggler;

static void stragglerBody(void *data, int64_t begin, int64_t end) {
  Straggler *s = data;
  atomic_fetch_add(&s->calls, 1);
  int onCaller = pthread_equal(pthread_self(), s->caller);
  if (onCaller)
    atomic_fetch_add(&s->callerIndices, (int)(end - begin));
  if (!onCaller || atomic_load(&s->slowCaller))
    usleep(20000);
  for (int64_t i = begin; i < end; ++i)
    atomic_fetch_add(&s->hits[i], 1);
}

/* Whether a loop of `n` indices, `what`, ran each of them once (`hits`);
 * says which it did not. */
static int eachIndexOnce(atomic_int *hits, int64_t n, int32_t numThreads,
                         const char *what) {
  for (int64_t i = 0; i < n; ++i)
    if (atomic_load(&hits[i]) != 1) {
      printf("FAILED: %d threads, %s: index %lld hit %d times\n", numThreads,
             what, (long long)i, atomic_load(&hits[i]));
      return 0;
    }
  return 1;
}

/* A loop whose calls take 50 us an index, and count their sizes: once it
 * is long, each thread's calls are a claim of most of its share at once
 * and then single indices. */
typedef struct SizedCalls {
  atomic_int bySize[64];
  atomic_int hits[64];
} SizedCalls;

static void sizedBody(void *data, int64_t begin, int64_t end) {
  SizedCalls *s = data;
  atomic_fetch_add(&s->bySize[end - begin], 1);
  usleep((useconds_t)(50 * (end - begin)));
  for (int64_t i = begin; i < end; ++i)
    atomic_fetch_add(&s->hits[i], 1);
}

/* Runs `rendezvousBody` over `numThreads` chunks from the probe model's
 * entry, that is inside a run. */
static Rendezvous *probeRendezvous;

static void rendezvousInRun(autoglm_exec_context *ctx) {
  ctx->parallel_for(ctx, probeRendezvous->expected, rendezvousBody,
                    probeRendezvous);
}

/* One session of `numThreads` threads whose workers poll after a run
 * (`spin`, the default) or sleep at once; returns 1 when every check held. */
static int checkParallelFor(int32_t numThreads, int spin) {
  static const int64_t sizes[] = {0, 1, 2, 3, 5, 7, 64, 1000, MaxN};
  static Coverage c;
  autoglm_session_options options;
  autoglm_session_options_init(&options);
  options.num_threads = numThreads;
  if (!spin)
    options.spin_after_run_us = 0;
  autoglm_session *session = NULL;
  EXPECT(autoglm_session_create(&probeModel, &options, &session) == AUTOGLM_OK);
  EXPECT(autoglm_session_run(session, NULL, 0, NULL, 0) == AUTOGLM_OK);
  autoglm_exec_context *ctx = probedContext;
  EXPECT(ctx->num_threads == numThreads);
  int ok = 1;
  /* Repeat to give races a chance to show. */
  for (int repeat = 0; repeat < 20; ++repeat) {
    for (size_t si = 0; si < sizeof(sizes) / sizeof(*sizes); ++si) {
      int64_t n = sizes[si];
      for (int64_t i = 0; i < n; ++i)
        atomic_store(&c.hits[i], 0);
      atomic_store(&c.numChunks, 0);
      atomic_store(&c.emptyChunks, 0);
      ctx->parallel_for(ctx, n, coverBody, &c);
      for (int64_t i = 0; i < n; ++i)
        if (atomic_load(&c.hits[i]) != 1) {
          printf("FAILED: %d threads, n=%lld: index %lld hit %d times\n",
                 numThreads, (long long)n, (long long)i,
                 atomic_load(&c.hits[i]));
          ok = 0;
          break;
        }
      /* One call a thread; a loop whose last run took long (the largest
       * n, or any where the threads outnumber the cores) up to four
       * chunks a thread. A loop's first run is one chunk a thread. */
      int least = n == 0 ? 0 : (n < numThreads ? (int)n : numThreads);
      int most = n < 4 * numThreads ? (int)n : 4 * numThreads;
      if (numThreads == 1)
        most = least;
      int calls = atomic_load(&c.numChunks);
      if (calls < least || calls > most || atomic_load(&c.emptyChunks) != 0) {
        printf("FAILED: %d threads, n=%lld: %d chunks (%d empty), expected "
               "%d to %d\n",
               numThreads, (long long)n, calls, atomic_load(&c.emptyChunks),
               least, most);
        ok = 0;
      }
      if (repeat == 0 && calls != least) {
        printf("FAILED: %d threads, n=%lld: %d chunks on its first run, "
               "expected %d\n",
               numThreads, (long long)n, calls, least);
        ok = 0;
      }
    }
  }
  /* The workers take chunks: in a run just after the loops above, outside
   * a run, and in a run that starts after the workers have gone to sleep. */
  static const char *const rounds[] = {"in a run", "outside a run",
                                       "in a run after 20 ms idle"};
  for (int round = 0; round < 3 && numThreads > 1; ++round) {
    Rendezvous r = {.expected = numThreads};
    atomic_init(&r.started, 0);
    atomic_init(&r.timedOut, 0);
    probeRendezvous = &r;
    if (round == 1) {
      ctx->parallel_for(ctx, numThreads, rendezvousBody, &r);
    } else {
      if (round == 2)
        usleep(20000);
      probeHook = rendezvousInRun;
      EXPECT(autoglm_session_run(session, NULL, 0, NULL, 0) == AUTOGLM_OK);
      probeHook = NULL;
    }
    if (atomic_load(&r.timedOut)) {
      printf("FAILED: %d threads: the %d chunks did not run at the same "
             "time (%s)\n",
             numThreads, numThreads, rounds[round]);
      ok = 0;
    }
  }
  /* A long loop whose workers fall behind: the first run is one chunk a
   * thread; in the second the caller runs more than its share. */
  if (numThreads > 1) {
    static Straggler st;
    st.caller = pthread_self();
    int64_t n = 64;
    int callerShare = 0, calls = 0;
    for (int pass = 0; pass < 2; ++pass) {
      atomic_store(&st.slowCaller, pass == 0);
      atomic_store(&st.callerIndices, 0);
      atomic_store(&st.calls, 0);
      for (int64_t i = 0; i < n; ++i)
        atomic_store(&st.hits[i], 0);
      ctx->parallel_for(ctx, n, stragglerBody, &st);
      ok &= eachIndexOnce(st.hits, n, numThreads, "straggler");
      callerShare = atomic_load(&st.callerIndices);
      calls = atomic_load(&st.calls);
    }
    /* The second pass is cut into four chunks a thread (at most n): up to
     * four threads claim most of their share at once (fewer calls than
     * chunks), more threads one chunk at a time (a call a chunk). */
    int chunks = 4 * numThreads < n ? 4 * numThreads : (int)n;
    if (numThreads > 4 ? calls != chunks : calls >= chunks) {
      printf("FAILED: %d threads: %d calls for the %d chunks of a long "
             "loop\n",
             numThreads, calls, chunks);
      ok = 0;
    }
    if (callerShare <= n / numThreads) {
      printf("FAILED: %d threads: the caller ran %d of %lld indices of a "
             "loop whose workers fell behind\n",
             numThreads, callerShare, (long long)n);
      ok = 0;
    }
  }
  /* A long loop of 20 indices in a pool of up to four threads runs a chunk
   * an index: its second run's calls span a claim of all of a thread's
   * share but one (20 / threads - 1 indices) or a single index. In chunks
   * of unequal size (8 chunks of 3 and 2 indices at two threads) the
   * claims were of 9 and 6 indices, and one thread waited for the other. */
  if (numThreads > 1 && numThreads <= 4) {
    static SizedCalls sized;
    int64_t n = 20, share = n / numThreads;
    for (int pass = 0; pass < 2; ++pass) {
      for (int i = 0; i < 64; ++i) {
        atomic_store(&sized.bySize[i], 0);
        atomic_store(&sized.hits[i], 0);
      }
      ctx->parallel_for(ctx, n, sizedBody, &sized);
    }
    ok &= eachIndexOnce(sized.hits, n, numThreads, "sized");
    for (int size = 2; size < 64; ++size)
      if (size != share - 1 && atomic_load(&sized.bySize[size]) != 0) {
        printf("FAILED: %d threads: a long loop of %lld indices ran %d "
               "calls of %d indices (expected %lld or 1)\n",
               numThreads, (long long)n, atomic_load(&sized.bySize[size]), size,
               (long long)(share - 1));
        ok = 0;
      }
  }
  /* A loop body may itself call parallel_for; it runs inline. */
  c.ctx = ctx;
  atomic_store(&c.nestedHits, 0);
  ctx->parallel_for(ctx, 8, nestedOuter, &c);
  if (atomic_load(&c.nestedHits) != 80) {
    printf("FAILED: nested parallel_for covered %d of 80\n",
           atomic_load(&c.nestedHits));
    ok = 0;
  }
  /* Degenerate calls do nothing. */
  ctx->parallel_for(ctx, -5, coverBody, &c);
  ctx->parallel_for(ctx, 10, NULL, &c);
  autoglm_session_destroy(session);
  return ok;
}

static void testParallelFor(void) {
  static const int32_t threadCounts[] = {1, 2, 3, 4, 7};
  for (int spin = 1; spin >= 0; --spin)
    for (size_t i = 0; i < sizeof(threadCounts) / sizeof(*threadCounts); ++i) {
      int ok = checkParallelFor(threadCounts[i], spin);
      failures += !ok;
      printf("parallel_for with %d threads%s: %s\n", threadCounts[i],
             spin ? "" : ", no polling after a run",
             ok ? "every index exactly once" : "FAILED");
    }
}

int main(int argc, char **argv) {
  if (argc != 2 && argc != 3) {
    fprintf(stderr,
            "usage: %s api|errors|create-errors|threads|workspace|"
            "no-alloc|parallel-for|weights DIR\n",
            argv[0]);
    return 2;
  }
  const char *mode = argv[1];
  if (!strcmp(mode, "api"))
    testApi();
  else if (!strcmp(mode, "errors"))
    testErrors();
  else if (!strcmp(mode, "create-errors"))
    testCreateErrors();
  else if (!strcmp(mode, "threads"))
    testThreads();
  else if (!strcmp(mode, "workspace"))
    testWorkspace();
  else if (!strcmp(mode, "no-alloc"))
    testNoAllocation();
  else if (!strcmp(mode, "parallel-for"))
    testParallelFor();
  else if (!strcmp(mode, "weights") && argc == 3)
    testWeights(argv[2]);
  else {
    fprintf(stderr, "unknown mode '%s'\n", mode);
    return 2;
  }
  if (failures)
    printf("%d check(s) failed\n", failures);
  return failures ? 1 : 0;
}
