/*===- cuda_test.c - drive the runtime's CUDA half on the fake driver -----===*\
 *
 * `autoglm-cuda-runtime-test MODE` creates and runs sessions of the CUDA
 * fake models (fake_cuda_model.c, and the GEMM and CONV models of
 * fake_cuda_gemm_model.c and fake_cuda_conv_model.c) and prints what it
 * sees, for FileCheck; the GPU is the fake driver (fake_cuda_driver.c) that
 * AUTOGLM_CUDA_DRIVER names, and cuBLASLt and cuDNN are the same fake
 * library (AUTOGLM_CUBLASLT, AUTOGLM_CUDNN), whose own log (FAKE_CUDA_LOG)
 * the tests check as well. Like
 * runtime_test.c it wraps the allocation functions to count the runtime's
 * heap use during runs, and exits non-zero when one of its own checks fails.
 *
\*===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L

#include "autoglm/cuda_image.h"
#include "autoglm/runtime.h"
#include "fake_model.h"
#include "test_support.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*===-- Helpers -----------------------------------------------------------===*/

static void printValues(const char *label, const float *y, double total) {
  printf("%s y:", label);
  for (int i = 0; i < 6; ++i)
    printf(" %g", y[i]);
  printf(", total %g\n", total);
}

static void printSession(const autoglm_session *session) {
  printf("device %d (%s): %s\n", autoglm_session_device(session),
         autoglm_device_name(autoglm_session_device(session)),
         autoglm_session_device_description(session));
  printf("execution: %s; graph %d\n", autoglm_session_execution(session),
         autoglm_session_uses_cuda_graph(session));
}

static autoglm_session *create(const autoglm_model_desc *model,
                               const autoglm_session_options *options) {
  autoglm_session *session = NULL;
  autoglm_status status = autoglm_session_create(model, options, &session);
  printf("create: %s: %s\n", autoglm_status_string(status),
         autoglm_last_create_error());
  EXPECT((status == AUTOGLM_OK) == (session != NULL));
  return session;
}

static autoglm_status runAndPrint(autoglm_session *session, const char *label,
                                  Tensors *t) {
  autoglm_status status =
      autoglm_session_run(session, t->inputs, 2, t->outputs, 2);
  printf("%s: %s: %s\n", label, autoglm_status_string(status),
         autoglm_session_last_error(session));
  return status;
}

/*===-- Modes -------------------------------------------------------------===*/

/* Three runs from host memory: the first launches the steps, then the graph
 * is captured and replayed; no run allocates. */
static void testRun(void) {
  autoglm_session *session = create(&autoglm_model_fake_cuda, NULL);
  EXPECT(session != NULL);
  if (!session)
    return;
  printSession(session);
  printf("threads %d, workspace %llu, weights from a file %llu\n",
         autoglm_session_num_threads(session),
         (unsigned long long)autoglm_session_workspace_size(session),
         (unsigned long long)autoglm_session_weights_size(session));
  EXPECT(autoglm_session_last_device_ms(session) < 0);
  long before = atomic_load(&allocations);
  for (int run = 1; run <= 3; ++run) {
    Tensors t;
    initTensors(&t);
    char label[16];
    snprintf(label, sizeof(label), "run %d", run);
    printf("-- %s\n", label);
    autoglm_status status = runAndPrint(session, label, &t);
    EXPECT(status == AUTOGLM_OK);
    if (status != AUTOGLM_OK)
      break;
    printValues(label, t.y, t.total);
    EXPECT(t.y[5] == 2.0f * t.x[5] + 30.0f && t.total == 120.0);
    EXPECT(autoglm_session_uses_cuda_graph(session) == 1);
    printSession(session);
    printf("device time %g ms\n", autoglm_session_last_device_ms(session));
  }
  printf("allocations during runs: %ld\n", atomic_load(&allocations) - before);
  autoglm_session_destroy(session);
  printf("destroyed\n");
}

/* The products of the GEMM model on the fake cuBLASLt: the first run
 * issues them, the second captures them into the graph, the third replays
 * it; each gives x · Wᵀ and xᵀ · x. */
static void testGemm(void) {
  autoglm_session *session = create(&autoglm_model_fake_cuda_gemm, NULL);
  EXPECT(session != NULL);
  if (!session)
    return;
  static const int64_t xShape[] = {2, 3}, yShape[] = {2, 2}, zShape[] = {3, 3};
  float x[6] = {1, 2, 3, 4, 5, 6};
  const float yWanted[4] = {7, -1, 16, -1};
  const float zWanted[9] = {17, 22, 27, 22, 29, 36, 27, 36, 45};
  for (int run = 1; run <= 3; ++run) {
    float y[4] = {0}, z[9] = {0};
    autoglm_tensor inputs[] = {{x, AUTOGLM_FLOAT32, 2, xShape}};
    autoglm_tensor outputs[] = {{y, AUTOGLM_FLOAT32, 2, yShape},
                                {z, AUTOGLM_FLOAT32, 2, zShape}};
    autoglm_status status = autoglm_session_run(session, inputs, 1, outputs, 2);
    printf("run %d: %s: %s\n", run, autoglm_status_string(status),
           autoglm_session_last_error(session));
    EXPECT(status == AUTOGLM_OK);
    printf("run %d y:", run);
    for (int i = 0; i < 4; ++i)
      printf(" %g", y[i]);
    printf(", z:");
    for (int i = 0; i < 9; ++i)
      printf(" %g", z[i]);
    printf("\n");
    EXPECT(!memcmp(y, yWanted, sizeof(y)) && !memcmp(z, zWanted, sizeof(z)));
  }
  autoglm_session_destroy(session);
  printf("destroyed\n");
}

/* Tensors in "device" memory of the fake driver: the session copies device
 * to device. The fake's device memory is host memory, so the test reads the
 * outputs directly. */
static void testDevicePointers(void) {
  autoglm_session *session = create(&autoglm_model_fake_cuda, NULL);
  EXPECT(session != NULL);
  if (!session)
    return;
  void *driver = dlopen(getenv("AUTOGLM_CUDA_DRIVER"), RTLD_NOW);
  int (*memAlloc)(unsigned long long *, size_t) = NULL;
  if (driver) {
    void *symbol = dlsym(driver, "cuMemAlloc_v2");
    memcpy(&memAlloc, &symbol, sizeof(symbol));
  }
  EXPECT(memAlloc != NULL);
  if (!memAlloc)
    return;
  Tensors host;
  initTensors(&host);
  unsigned long long x = 0, b = 0, y = 0, total = 0;
  if (memAlloc(&x, sizeof(host.x)) || memAlloc(&b, sizeof(host.b)) ||
      memAlloc(&y, sizeof(host.y)) || memAlloc(&total, sizeof(host.total))) {
    printf("FAILED: cannot allocate device tensors\n");
    ++failures;
    return;
  }
  memcpy((void *)(uintptr_t)x, host.x, sizeof(host.x));
  memcpy((void *)(uintptr_t)b, host.b, sizeof(host.b));
  Tensors t = host;
  t.inputs[0].data = (void *)(uintptr_t)x;
  t.inputs[1].data = (void *)(uintptr_t)b;
  t.outputs[0].data = (void *)(uintptr_t)y;
  t.outputs[1].data = (void *)(uintptr_t)total;
  for (int run = 1; run <= 2; ++run) {
    char label[32];
    snprintf(label, sizeof(label), "device run %d", run);
    printf("-- %s\n", label);
    autoglm_status status = runAndPrint(session, label, &t);
    EXPECT(status == AUTOGLM_OK);
    if (status != AUTOGLM_OK)
      break;
    printValues(label, (const float *)(uintptr_t)y,
                *(const double *)(uintptr_t)total);
    EXPECT(*(const double *)(uintptr_t)total == 120.0);
  }
  autoglm_session_destroy(session);
}

/* Weights from the caller's image of the weights file (scale 3). */
static void testWeightsFile(void) {
  static struct {
    _Alignas(64) autoglm_weights_header header;
    float data[FAKE_WEIGHTS_BYTES / sizeof(float)];
  } image;
  memcpy(image.header.magic, AUTOGLM_WEIGHTS_MAGIC, 8);
  image.header.data_bytes = FAKE_WEIGHTS_BYTES;
  image.header.fingerprint = FAKE_WEIGHTS_FINGERPRINT;
  image.data[0] = 3.0f;
  autoglm_session_options options;
  autoglm_session_options_init(&options);
  options.weights = &image;
  options.weights_image_bytes = sizeof(image);
  autoglm_session *session =
      create(&autoglm_model_fake_cuda_weighted, &options);
  EXPECT(session != NULL);
  if (!session)
    return;
  printf("weights from a file %llu\n",
         (unsigned long long)autoglm_session_weights_size(session));
  Tensors t;
  initTensors(&t);
  autoglm_status status = runAndPrint(session, "run", &t);
  EXPECT(status == AUTOGLM_OK && t.y[0] == 3.0f * t.x[0] + 10.0f);
  if (status == AUTOGLM_OK)
    printValues("run", t.y, t.total);
  autoglm_session_destroy(session);
}

/* Create with GPU `ordinal`; when that works, run twice. For the error
 * paths the fake driver's knobs select. */
static void testCreate(int32_t ordinal) {
  autoglm_session_options options;
  autoglm_session_options_init(&options);
  options.device_ordinal = ordinal;
  autoglm_session *session = create(&autoglm_model_fake_cuda, &options);
  if (!session)
    return;
  printSession(session);
  for (int run = 1; run <= 2; ++run) {
    Tensors t;
    initTensors(&t);
    char label[16];
    snprintf(label, sizeof(label), "run %d", run);
    if (runAndPrint(session, label, &t) == AUTOGLM_OK)
      printValues(label, t.y, t.total);
    printSession(session);
  }
  autoglm_session_destroy(session);
}

/* A copy of the fake image and model to break one thing at a time. */
static autoglm_cuda_image image;
static autoglm_cuda_step steps[3];
static autoglm_cuda_arg args[3][6];
static autoglm_model_desc model;

static void resetModel(void) {
  image = autoglm_fake_cuda_image;
  for (int s = 0; s < 3; ++s) {
    steps[s] = image.steps[s];
    memcpy(args[s], steps[s].args, (size_t)steps[s].num_args * sizeof(**args));
    steps[s].args = args[s];
  }
  image.steps = steps;
  model = autoglm_model_fake_cuda;
  model.device_image = &image;
}

static void expectCreateError(const char *what) {
  autoglm_session *session = NULL;
  autoglm_status status = autoglm_session_create(&model, NULL, &session);
  printf("%s: %s: %s\n", what, autoglm_status_string(status),
         autoglm_last_create_error());
  EXPECT(status != AUTOGLM_OK && session == NULL);
}

/* Malformed images and options, refused before any driver is loaded, and
 * the queries on CPU and NULL sessions. */
static void testChecks(void) {
  resetModel();
  image.version = AUTOGLM_CUDA_IMAGE_VERSION + 1;
  expectCreateError("image version");
  resetModel();
  model.device_image = NULL;
  expectCreateError("no image");
  resetModel();
  steps[2].kernel = 2;
  expectCreateError("kernel index");
  resetModel();
  args[0][0].value = 600;
  expectCreateError("offset");
  resetModel();
  args[1][0].index = 2;
  expectCreateError("output index");
  resetModel();
  steps[1].bytes = 32;
  expectCreateError("copy size");
  resetModel();
  args[1][1].kind = AUTOGLM_CUDA_ARG_I64;
  expectCreateError("copy argument");
  resetModel();
  args[0][4].kind = 9;
  expectCreateError("argument kind");
  resetModel();
  steps[0].block[1] = 0;
  expectCreateError("empty block");
  resetModel();
  image.fatbin_bytes = 0;
  expectCreateError("no fatbin");
  resetModel();
  model.weights_bytes = FAKE_WEIGHTS_BYTES;
  model.weights_file = "x.weights";
  expectCreateError("two weights");

  /* A batch-polymorphic model (one size here, the fake's 2 rows) needs an
   * image per size, on the model's weights, each valid for its size. */
  const autoglm_batch_entry entry = {2, fake_model_inputs, fake_model_outputs,
                                     512, NULL};
  static autoglm_cuda_image sized;
  resetModel();
  model.num_batch_entries = 1;
  model.batch_entries = &entry;
  expectCreateError("batch images");
  sized = image;
  image.num_batch_images = 1;
  image.batch_images = &sized;
  sized.weights_bytes = 32;
  expectCreateError("batch image weights");
  sized.weights_bytes = image.weights_bytes;
  static autoglm_cuda_step sizedSteps[3];
  memcpy(sizedSteps, steps, sizeof(sizedSteps));
  sizedSteps[2].kernel = 2;
  sized.steps = sizedSteps;
  expectCreateError("batch image steps");

  static _Alignas(64) unsigned char workspace[512];
  autoglm_session_options options;
  autoglm_session_options_init(&options);
  options.workspace = workspace;
  options.workspace_bytes = sizeof(workspace);
  autoglm_session *session = NULL;
  autoglm_status status =
      autoglm_session_create(&autoglm_model_fake_cuda, &options, &session);
  printf("caller workspace: %s: %s\n", autoglm_status_string(status),
         autoglm_last_create_error());
  autoglm_session_options_init(&options);
  EXPECT(options.device_ordinal == 0);
  options.device_ordinal = -1;
  status = autoglm_session_create(&autoglm_model_fake_cuda, &options, &session);
  printf("ordinal -1: %s: %s\n", autoglm_status_string(status),
         autoglm_last_create_error());

  autoglm_session_options_init(&options);
  options.num_threads = 2;
  session = create(&autoglm_model_fake, &options);
  printSession(session);
  EXPECT(autoglm_session_last_device_ms(session) < 0);
  autoglm_session_destroy(session);
  printSession(NULL);
  EXPECT(autoglm_session_last_device_ms(NULL) < 0);
  printf("status 14: %s; status 15: %s\n",
         autoglm_status_string(AUTOGLM_ERROR_DEVICE_UNAVAILABLE),
         autoglm_status_string(AUTOGLM_ERROR_DEVICE_FAILED));
}

/*===-- Convolutions ------------------------------------------------------===*/

/* The 16-bit types by their bits. Every value here is a small integer,
 * which both represent exactly. */
static float fromBfloat16(uint16_t bits) {
  uint32_t wide = (uint32_t)bits << 16;
  float value;
  memcpy(&value, &wide, sizeof(value));
  return value;
}

/* Rounded to nearest, ties to even. */
static uint16_t toBfloat16(float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof(bits));
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return (uint16_t)(bits >> 16);
}

/* A finite float16. */
static float fromHalf(uint16_t bits) {
  int exponent = (bits >> 10) & 0x1f;
  float value = (float)(bits & 0x3ff);
  if (exponent)
    value += 1024.0f;
  else
    exponent = 1;
  for (int e = exponent - 25; e > 0; --e)
    value *= 2;
  for (int e = exponent - 25; e < 0; ++e)
    value /= 2;
  return bits & 0x8000 ? -value : value;
}

/* The float16 of an integer below 2048 in magnitude (exact). */
static uint16_t halfOfInteger(float value) {
  uint16_t sign = value < 0 ? 0x8000 : 0;
  uint32_t magnitude = (uint32_t)(value < 0 ? -value : value);
  if (magnitude == 0)
    return sign;
  int exponent = 0;
  while ((magnitude >> exponent) > 1)
    ++exponent;
  return sign | (uint16_t)((exponent + 15) << 10) |
         (uint16_t)((magnitude << (10 - exponent)) & 0x3ffu);
}

/* ONNX Conv without bias, one image: y [f][oh][ow] from x [c][h][w] and
 * w [f][c / groups][kh][kw], all float; pads and the rest per dimension
 * (rows, columns). */
typedef struct ConvShape {
  int c, h, w, f, kh, kw, oh, ow;
  int strides[2], dilations[2], pads[2];
  int groups;
} ConvShape;

static void referenceConv(const ConvShape *s, const float *x, const float *w,
                          float *y) {
  for (int f = 0; f < s->f; ++f)
    for (int oh = 0; oh < s->oh; ++oh)
      for (int ow = 0; ow < s->ow; ++ow) {
        float sum = 0;
        int perGroup = s->c / s->groups, group = f / (s->f / s->groups);
        for (int g = 0; g < perGroup; ++g)
          for (int i = 0; i < s->kh; ++i)
            for (int j = 0; j < s->kw; ++j) {
              int h = oh * s->strides[0] + i * s->dilations[0] - s->pads[0];
              int v = ow * s->strides[1] + j * s->dilations[1] - s->pads[1];
              if (h >= 0 && h < s->h && v >= 0 && v < s->w)
                sum += x[((group * perGroup + g) * s->h + h) * s->w + v] *
                       w[((f * perGroup + g) * s->kh + i) * s->kw + j];
            }
        y[(f * s->oh + oh) * s->ow + ow] = sum;
      }
}

/* The conv model's shapes (fake_model.h); the bottom and right pads of z
 * need no number: the output size stops the window there. */
static const ConvShape yShapeOfConv = {2, 4, 4,      3,      3,      3,
                                       4, 4, {1, 1}, {1, 1}, {1, 1}, 1};
static const ConvShape zShapeOfConv = {2, 4, 4,      2,      2,      2,
                                       2, 3, {2, 1}, {1, 2}, {0, 1}, 2};
enum { CONV_X = 32, CONV_Y = 48, CONV_Z = 12 };

/* x = ((7 i) mod 5) - 2, and the expected y and z in float. */
static void convReference(float x[CONV_X], float y[CONV_Y], float z[CONV_Z]) {
  float w[54], v[8];
  for (int i = 0; i < CONV_X; ++i)
    x[i] = (float)((7 * i) % 5 - 2);
  for (int i = 0; i < 54; ++i)
    w[i] = fromBfloat16(fake_cuda_conv_weights[i]);
  for (int i = 0; i < 8; ++i)
    v[i] = fromBfloat16(fake_cuda_conv_weights[FAKE_CONV_V_OFFSET / 2 + i]);
  referenceConv(&yShapeOfConv, x, w, y);
  referenceConv(&zShapeOfConv, x, v, z);
}

static void printConv(const char *label, const uint16_t *y, int count,
                      bool half) {
  printf("%s:", label);
  for (int i = 0; i < count; ++i)
    printf(" %g", half ? fromHalf(y[i]) : fromBfloat16(y[i]));
  printf("\n");
}

/* `from`, an N x C x H x W tensor stored NCHW, stored NHWC (channels
 * innermost) in `to`; or back when `back`. */
static void permuteChannels(const uint16_t *from, uint16_t *to,
                            const int64_t dims[4], bool back) {
  for (int64_t n = 0; n < dims[0]; ++n)
    for (int64_t c = 0; c < dims[1]; ++c)
      for (int64_t h = 0; h < dims[2]; ++h)
        for (int64_t w = 0; w < dims[3]; ++w) {
          int64_t nchw = ((n * dims[1] + c) * dims[2] + h) * dims[3] + w;
          int64_t nhwc = ((n * dims[2] + h) * dims[3] + w) * dims[1] + c;
          if (back)
            to[nchw] = from[nhwc];
          else
            to[nhwc] = from[nchw];
        }
}

/* Runs `session` of the conv model (or its float16 or NHWC twin) `runs`
 * times from host memory, checking y and z bit for bit against the
 * reference. With `nhwc` the tensors cross the API channels innermost;
 * they are printed and compared in NCHW. */
static void runConv(autoglm_session *session, int runs, bool half, bool nhwc) {
  static const int64_t xDims[] = {1, 2, 4, 4}, yDims[] = {1, 3, 4, 4},
                       zDims[] = {1, 2, 2, 3};
  static const int64_t xNhwc[] = {1, 4, 4, 2}, yNhwc[] = {1, 4, 4, 3},
                       zNhwc[] = {1, 2, 3, 2};
  float x[CONV_X], yWanted[CONV_Y], zWanted[CONV_Z];
  convReference(x, yWanted, zWanted);
  int32_t type = half ? AUTOGLM_FLOAT16 : AUTOGLM_BFLOAT16;
  uint16_t xBits[CONV_X], yBits[CONV_Y], zBits[CONV_Z];
  uint16_t yWantedBits[CONV_Y], zWantedBits[CONV_Z];
  for (int i = 0; i < CONV_X; ++i)
    xBits[i] = half ? halfOfInteger(x[i]) : toBfloat16(x[i]);
  for (int i = 0; i < CONV_Y; ++i)
    yWantedBits[i] = half ? halfOfInteger(yWanted[i]) : toBfloat16(yWanted[i]);
  for (int i = 0; i < CONV_Z; ++i)
    zWantedBits[i] = half ? halfOfInteger(zWanted[i]) : toBfloat16(zWanted[i]);
  uint16_t xGiven[CONV_X], yGot[CONV_Y], zGot[CONV_Z];
  memcpy(xGiven, xBits, sizeof(xBits));
  if (nhwc)
    permuteChannels(xBits, xGiven, xDims, false);
  for (int run = 1; run <= runs; ++run) {
    /* Not zero: a step that writes nothing shows. */
    memset(yGot, 0xAB, sizeof(yGot));
    memset(zGot, 0xAB, sizeof(zGot));
    autoglm_tensor inputs[] = {{xGiven, type, 4, nhwc ? xNhwc : xDims}};
    autoglm_tensor outputs[] = {{yGot, type, 4, nhwc ? yNhwc : yDims},
                                {zGot, type, 4, nhwc ? zNhwc : zDims}};
    autoglm_status status = autoglm_session_run(session, inputs, 1, outputs, 2);
    printf("run %d: %s: %s\n", run, autoglm_status_string(status),
           autoglm_session_last_error(session));
    EXPECT(status == AUTOGLM_OK);
    if (status != AUTOGLM_OK)
      break;
    memcpy(yBits, yGot, sizeof(yBits));
    memcpy(zBits, zGot, sizeof(zBits));
    if (nhwc) {
      permuteChannels(yGot, yBits, yDims, true);
      permuteChannels(zGot, zBits, zDims, true);
    }
    char label[32];
    snprintf(label, sizeof(label), "run %d y", run);
    printConv(label, yBits, CONV_Y, half);
    snprintf(label, sizeof(label), "run %d z", run);
    printConv(label, zBits, CONV_Z, half);
    EXPECT(!memcmp(yBits, yWantedBits, sizeof(yBits)));
    EXPECT(!memcmp(zBits, zWantedBits, sizeof(zBits)));
  }
}

/* The convolutions of the conv model on the fake cuDNN: the first run
 * executes the plans, the second captures them into the graph, the third
 * replays it. */
static void testConv(void) {
  autoglm_session *session = create(&autoglm_model_fake_cuda_conv, NULL);
  EXPECT(session != NULL);
  if (!session)
    return;
  runConv(session, 3, false, false);
  autoglm_session_destroy(session);
  printf("destroyed\n");
}

/* A copy of the conv model to change one thing at a time. */
static autoglm_cuda_image convImage;
static autoglm_cuda_step convSteps[2];
static autoglm_cuda_arg convArgs[2][3];
static autoglm_cuda_conv convs[2];
static autoglm_tensor_desc convInputs[1], convOutputs[2];
static autoglm_model_desc convModel;

static void resetConvModel(void) {
  convModel = autoglm_model_fake_cuda_conv;
  convImage = *(const autoglm_cuda_image *)convModel.device_image;
  for (int s = 0; s < 2; ++s) {
    convSteps[s] = convImage.steps[s];
    convs[s] = *convSteps[s].conv;
    memcpy(convArgs[s], convSteps[s].args, sizeof(convArgs[s]));
    convSteps[s].conv = &convs[s];
    convSteps[s].args = convArgs[s];
  }
  convImage.steps = convSteps;
  memcpy(convInputs, convModel.inputs, sizeof(convInputs));
  memcpy(convOutputs, convModel.outputs, sizeof(convOutputs));
  convModel.inputs = convInputs;
  convModel.outputs = convOutputs;
  convModel.device_image = &convImage;
}

/* The conv model in float16: the same weights and results. */
static void testConvHalf(void) {
  resetConvModel();
  static _Alignas(256) uint16_t weights[FAKE_CONV_WEIGHTS];
  for (int i = 0; i < FAKE_CONV_WEIGHTS; ++i)
    weights[i] = halfOfInteger(fromBfloat16(fake_cuda_conv_weights[i]));
  convImage.weights = weights;
  convInputs[0].dtype = AUTOGLM_FLOAT16;
  convOutputs[0].dtype = convOutputs[1].dtype = AUTOGLM_FLOAT16;
  convs[0].type = convs[1].type = AUTOGLM_FLOAT16;
  autoglm_session *session = create(&convModel, NULL);
  EXPECT(session != NULL);
  if (!session)
    return;
  runConv(session, 2, true, false);
  autoglm_session_destroy(session);
  printf("destroyed\n");
}

/* The conv model with its tensors stored NHWC (image version 6's
 * `layout`): the same results, the weights and tensors permuted. */
static void testConvNhwc(void) {
  resetConvModel();
  static _Alignas(256) uint16_t weights[FAKE_CONV_WEIGHTS];
  static const int64_t wDims[] = {3, 2, 3, 3}, vDims[] = {2, 1, 2, 2};
  permuteChannels(fake_cuda_conv_weights, weights, wDims, false);
  permuteChannels(fake_cuda_conv_weights + FAKE_CONV_V_OFFSET / 2,
                  weights + FAKE_CONV_V_OFFSET / 2, vDims, false);
  convImage.weights = weights;
  static const int64_t xNhwc[] = {1, 4, 4, 2}, yNhwc[] = {1, 4, 4, 3},
                       zNhwc[] = {1, 2, 3, 2};
  convInputs[0].shape = xNhwc;
  convOutputs[0].shape = yNhwc;
  convOutputs[1].shape = zNhwc;
  convs[0].layout = convs[1].layout = AUTOGLM_CUDA_LAYOUT_NHWC;
  autoglm_session *session = create(&convModel, NULL);
  EXPECT(session != NULL);
  if (!session)
    return;
  runConv(session, 2, false, true);
  autoglm_session_destroy(session);
  printf("destroyed\n");
}

/* The conv model's first step with an epilogue (image version 7):
 * y = min(max(x ⋆ W + b + r, 0), 4), b a float32 vector in the weights and
 * r a second input; the second step unchanged. Checked bit for bit (every
 * value is a small integer). */
static void testConvEpilogue(void) {
  resetConvModel();
  enum { BIAS_OFFSET = 160 };
  static const float bias[3] = {1.0f, -2.0f, 3.0f};
  static _Alignas(256) uint16_t weights[FAKE_CONV_WEIGHTS];
  memcpy(weights, fake_cuda_conv_weights, sizeof(weights));
  memcpy((char *)weights + BIAS_OFFSET, bias, sizeof(bias));
  convImage.weights = weights;
  static const int64_t rDims[] = {1, 3, 4, 4};
  static autoglm_tensor_desc inputs[2];
  inputs[0] = convInputs[0];
  inputs[1] = (autoglm_tensor_desc){"r", AUTOGLM_BFLOAT16, 4, rDims};
  convModel.inputs = inputs;
  convModel.num_inputs = 2;
  static autoglm_cuda_arg args[5];
  memcpy(args, convArgs[0], sizeof(convArgs[0]));
  args[3] = (autoglm_cuda_arg){AUTOGLM_CUDA_ARG_WEIGHTS, 0, BIAS_OFFSET};
  args[4] = (autoglm_cuda_arg){AUTOGLM_CUDA_ARG_INPUT, 1, 0};
  convSteps[0].args = args;
  convSteps[0].num_args = 5;
  convs[0].epilogue = AUTOGLM_CUDA_CONV_BIAS | AUTOGLM_CUDA_CONV_RESIDUAL |
                      AUTOGLM_CUDA_CONV_RELU;
  convs[0].bias_type = AUTOGLM_FLOAT32;
  convs[0].relu_upper = 4.0f;
  autoglm_session *session = create(&convModel, NULL);
  EXPECT(session != NULL);
  if (!session)
    return;

  float x[CONV_X], yWanted[CONV_Y], zWanted[CONV_Z], r[CONV_Y];
  convReference(x, yWanted, zWanted);
  uint16_t xBits[CONV_X], rBits[CONV_Y], yWantedBits[CONV_Y],
      zWantedBits[CONV_Z];
  for (int i = 0; i < CONV_X; ++i)
    xBits[i] = toBfloat16(x[i]);
  for (int i = 0; i < CONV_Y; ++i) {
    r[i] = (float)((3 * i) % 7 - 3);
    rBits[i] = toBfloat16(r[i]);
    float sum = yWanted[i] + bias[i / 16] + r[i];
    yWantedBits[i] = toBfloat16(sum < 0 ? 0 : sum > 4 ? 4 : sum);
  }
  for (int i = 0; i < CONV_Z; ++i)
    zWantedBits[i] = toBfloat16(zWanted[i]);
  static const int64_t xDims[] = {1, 2, 4, 4}, yDims[] = {1, 3, 4, 4},
                       zDims[] = {1, 2, 2, 3};
  for (int run = 1; run <= 2; ++run) {
    uint16_t yGot[CONV_Y], zGot[CONV_Z];
    memset(yGot, 0xAB, sizeof(yGot));
    memset(zGot, 0xAB, sizeof(zGot));
    autoglm_tensor in[] = {{xBits, AUTOGLM_BFLOAT16, 4, xDims},
                           {rBits, AUTOGLM_BFLOAT16, 4, rDims}};
    autoglm_tensor out[] = {{yGot, AUTOGLM_BFLOAT16, 4, yDims},
                            {zGot, AUTOGLM_BFLOAT16, 4, zDims}};
    autoglm_status status = autoglm_session_run(session, in, 2, out, 2);
    printf("run %d: %s: %s\n", run, autoglm_status_string(status),
           autoglm_session_last_error(session));
    EXPECT(status == AUTOGLM_OK);
    if (status != AUTOGLM_OK)
      break;
    char label[32];
    snprintf(label, sizeof(label), "run %d y", run);
    printConv(label, yGot, CONV_Y, false);
    EXPECT(!memcmp(yGot, yWantedBits, sizeof(yGot)));
    EXPECT(!memcmp(zGot, zWantedBits, sizeof(zGot)));
  }
  autoglm_session_destroy(session);
  printf("destroyed\n");
}

static void expectInvalidConv(const char *what) {
  autoglm_session *session = NULL;
  autoglm_status status = autoglm_session_create(&convModel, NULL, &session);
  printf("%s: %s: %s\n", what, autoglm_status_string(status),
         autoglm_last_create_error());
  EXPECT(status == AUTOGLM_ERROR_INVALID_MODEL && session == NULL);
}

/* Malformed CONV steps, refused by the image check before any driver or
 * cuDNN is loaded. */
static void testConvChecks(void) {
  resetConvModel();
  convs[0].out_height = 5;
  expectInvalidConv("out_height");
  resetConvModel();
  convs[1].pad_after[1] = 1;
  expectInvalidConv("pad_after");
  resetConvModel();
  convs[1].type = AUTOGLM_FLOAT32;
  expectInvalidConv("float32");
  resetConvModel();
  convs[0].dilations[0] = 0;
  expectInvalidConv("dilation 0");
  resetConvModel();
  convArgs[1][2].value = 248;
  expectInvalidConv("weights range");
  resetConvModel();
  convArgs[0][1].kind = AUTOGLM_CUDA_ARG_I64;
  expectInvalidConv("argument kind");
  resetConvModel();
  convSteps[1].conv = NULL;
  expectInvalidConv("no description");
  resetConvModel();
  convs[0].groups = 2; /* 3 filters */
  expectInvalidConv("groups");
  resetConvModel();
  convs[1].groups = 0;
  expectInvalidConv("groups 0");
  resetConvModel();
  convs[0].layout = 2;
  expectInvalidConv("layout");
  /* Epilogues: a flag without its argument, an unknown flag, a bias of
   * another type, a ReLU clipped at 0. */
  resetConvModel();
  convs[0].epilogue = AUTOGLM_CUDA_CONV_BIAS;
  convs[0].bias_type = AUTOGLM_FLOAT32;
  expectInvalidConv("bias without its argument");
  resetConvModel();
  convs[0].epilogue = 8;
  expectInvalidConv("unknown epilogue");
  resetConvModel();
  convs[0].epilogue = AUTOGLM_CUDA_CONV_RELU;
  convs[0].relu_upper = 0.0f;
  expectInvalidConv("relu_upper 0");
  /* Sizes whose products overflow 64 bits must not wrap into a range that
   * fits the buffers. */
  resetConvModel();
  convs[1].batch = (int64_t)1 << 62;
  expectInvalidConv("huge batch");
  resetConvModel();
  convs[0].channels = convs[0].height = convs[0].width = INT32_MAX;
  convs[0].out_height = convs[0].out_width = INT32_MAX;
  expectInvalidConv("huge tensors");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr,
            "usage: %s run|device-pointers|weights-file|create [ORDINAL]|"
            "checks|gemm|conv|conv-half|conv-nhwc|conv-epilogue|conv-checks\n",
            argv[0]);
    return 2;
  }
  const char *mode = argv[1];
  if (!strcmp(mode, "run"))
    testRun();
  else if (!strcmp(mode, "device-pointers"))
    testDevicePointers();
  else if (!strcmp(mode, "weights-file"))
    testWeightsFile();
  else if (!strcmp(mode, "create"))
    testCreate(argc > 2 ? atoi(argv[2]) : 0);
  else if (!strcmp(mode, "checks"))
    testChecks();
  else if (!strcmp(mode, "gemm"))
    testGemm();
  else if (!strcmp(mode, "conv"))
    testConv();
  else if (!strcmp(mode, "conv-half"))
    testConvHalf();
  else if (!strcmp(mode, "conv-nhwc"))
    testConvNhwc();
  else if (!strcmp(mode, "conv-epilogue"))
    testConvEpilogue();
  else if (!strcmp(mode, "conv-checks"))
    testConvChecks();
  else {
    fprintf(stderr, "unknown mode '%s'\n", mode);
    return 2;
  }
  if (failures)
    printf("%d check(s) failed\n", failures);
  return failures ? 1 : 0;
}
