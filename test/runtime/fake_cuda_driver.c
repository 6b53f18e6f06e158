/*===- fake_cuda_driver.c - a CUDA driver on host memory, for tests -------===*\
 *
 * libautoglm_fake_cuda.so exports the driver functions the runtime resolves
 * (by their versioned names) and implements them on host memory, so that the
 * CUDA half of the runtime can be tested on machines without a GPU: the
 * tests point AUTOGLM_CUDA_DRIVER at it.
 *
 * "Device" memory is aligned host memory; every allocation is numbered, and
 * the log names a device address as "buffer N+OFFSET". Copies are memcpy.
 * Modules are the text "fatbins" of fake_cuda_model.c; cuLaunchKernel logs
 * the kernel, grid, block, shared memory and each parameter (read with the
 * layout the fatbin declares), then runs the kernel on the host if it is
 * one of the fake model's. A stream under capture records launches and
 * copies into a graph instead of running them; cuGraphLaunch replays them,
 * logging each again.
 *
 * The same library is a fake cuBLASLt (fake_cublaslt.c; the tests point
 * AUTOGLM_CUBLASLT at it too) and a fake cuDNN (fake_cudnn.c,
 * AUTOGLM_CUDNN), whose products and convolutions run here like launches.
 *
 * Environment:
 *   FAKE_CUDA_LOG=FILE         append one line per call to FILE
 *   FAKE_CUDA_DEVICES=N        GPUs (default 1); 0: cuInit fails NO_DEVICE
 *   FAKE_CUDA_DRIVER_VERSION=V cuDriverGetVersion (default 13000)
 *   FAKE_CUDA_ARCH=CC          compute capability, e.g. 75 (default 90)
 *   FAKE_CUDA_MEMORY=BYTES     device memory (default 1 GiB); cuMemAlloc
 *                              beyond it fails with OUT_OF_MEMORY
 *   FAKE_CUDA_FAIL_LAUNCH=K    launching kernel K fails at once (701)
 *   FAKE_CUDA_FAULT=K          kernel K faults: the next synchronization
 *                              returns ILLEGAL_ADDRESS (700), sticky
 *   FAKE_CUDA_NO_CAPTURE=1     cuStreamBeginCapture fails (900)
 *
\*===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L

#include "fake_cuda.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The driver's types, as cuda.h declares them; this file defines the
 * opaque structs. (UBSan's function check compares them with the types the
 * runtime calls through.) */
typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef struct CUevent_st *CUevent;
typedef struct CUgraph_st *CUgraph;
typedef struct CUgraphExec_st *CUgraphExec;

/* cuLaunchKernelEx's configuration as cuda.h lays it out. */
enum { ProgrammaticStreamSerialization = 6 };
typedef struct CUlaunchAttribute_st {
  int id;
  char pad[4];
  union {
    char pad[64];
    int programmaticStreamSerializationAllowed;
    unsigned long long alignment;
  } value;
} CUlaunchAttribute;
typedef struct CUlaunchConfig_st {
  unsigned gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ;
  unsigned sharedMemBytes;
  CUstream hStream;
  CUlaunchAttribute *attrs;
  unsigned numAttrs;
} CUlaunchConfig;

enum {
  Success = 0,
  InvalidValue = 1,
  OutOfMemory = 2,
  NotInitialized = 3,
  NoDevice = 100,
  InvalidDevice = 101,
  InvalidImage = 200,
  InvalidContext = 201,
  NoBinaryForGpu = 209,
  NotFound = 500,
  IllegalAddress = 700,
  LaunchOutOfResources = 701,
  CaptureUnsupported = 900,
};

static const struct {
  CUresult code;
  const char *name, *text;
} errors[] = {
    {Success, "CUDA_SUCCESS", "no error"},
    {InvalidValue, "CUDA_ERROR_INVALID_VALUE", "invalid argument"},
    {OutOfMemory, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
    {NotInitialized, "CUDA_ERROR_NOT_INITIALIZED", "initialization error"},
    {NoDevice, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"},
    {InvalidDevice, "CUDA_ERROR_INVALID_DEVICE", "invalid device ordinal"},
    {InvalidImage, "CUDA_ERROR_INVALID_IMAGE",
     "device kernel image is invalid"},
    {InvalidContext, "CUDA_ERROR_INVALID_CONTEXT", "invalid device context"},
    {NoBinaryForGpu, "CUDA_ERROR_NO_BINARY_FOR_GPU",
     "no kernel image is available for execution on the device"},
    {NotFound, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
    {IllegalAddress, "CUDA_ERROR_ILLEGAL_ADDRESS",
     "an illegal memory access was encountered"},
    {LaunchOutOfResources, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
     "too many resources requested for launch"},
    {CaptureUnsupported, "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED",
     "operation not permitted when stream is capturing"},
};

/*===-- Knobs and log -----------------------------------------------------===*/

static long long knob(const char *name, long long fallback) {
  const char *text = getenv(name);
  return text && *text ? strtoll(text, NULL, 0) : fallback;
}

static bool knobNames(const char *name, const char *value) {
  const char *text = getenv(name);
  return text && strcmp(text, value) == 0;
}

static void say(const char *format, ...) {
  const char *path = getenv("FAKE_CUDA_LOG");
  if (!path || !*path)
    return;
  FILE *file = fopen(path, "a");
  if (!file)
    return;
  va_list args;
  va_start(args, format);
  vfprintf(file, format, args);
  va_end(args);
  fputc('\n', file);
  fclose(file);
}

/*===-- Device memory -----------------------------------------------------===*/

enum { MaxBuffers = 256 };
static struct {
  char *base;
  size_t bytes;
  bool live;
} buffers[MaxBuffers];
static int numBuffers;
static size_t usedBytes;

/* The buffer holding `address`, or -1 for host memory. */
static int findBuffer(CUdeviceptr address) {
  for (int i = 0; i < numBuffers; ++i)
    if (buffers[i].live && address >= (uintptr_t)buffers[i].base &&
        address < (uintptr_t)buffers[i].base + buffers[i].bytes)
      return i;
  return -1;
}

/* "buffer 3+128", "host" or "null" into `text`. */
static const char *describe(CUdeviceptr address, char *text, size_t size) {
  int index = findBuffer(address);
  if (index >= 0)
    snprintf(text, size, "buffer %d+%llu", index,
             (unsigned long long)(address - (uintptr_t)buffers[index].base));
  else
    snprintf(text, size, address ? "host" : "null");
  return text;
}

/*===-- Initialization, devices, contexts ---------------------------------===*/

static bool initialized;
static int contextDepth, retained;
static CUresult sticky; /* a kernel fault, returned by every later sync */
static CUresult pendingFault;

CUresult cuDriverGetVersion(int *version) {
  *version = (int)knob("FAKE_CUDA_DRIVER_VERSION", 13000);
  return Success;
}

CUresult cuInit(unsigned int flags) {
  (void)flags;
  say("cuInit");
  if (knob("FAKE_CUDA_DEVICES", 1) == 0)
    return NoDevice;
  initialized = true;
  return Success;
}

CUresult cuGetErrorName(CUresult error, const char **name) {
  for (size_t i = 0; i < sizeof(errors) / sizeof(*errors); ++i)
    if (errors[i].code == error) {
      *name = errors[i].name;
      return Success;
    }
  *name = NULL;
  return InvalidValue;
}

CUresult cuGetErrorString(CUresult error, const char **text) {
  for (size_t i = 0; i < sizeof(errors) / sizeof(*errors); ++i)
    if (errors[i].code == error) {
      *text = errors[i].text;
      return Success;
    }
  *text = NULL;
  return InvalidValue;
}

CUresult cuDeviceGetCount(int *count) {
  *count = initialized ? (int)knob("FAKE_CUDA_DEVICES", 1) : 0;
  return initialized ? Success : NotInitialized;
}

CUresult cuDeviceGet(CUdevice *device, int ordinal) {
  if (ordinal < 0 || ordinal >= knob("FAKE_CUDA_DEVICES", 1))
    return InvalidDevice;
  *device = ordinal;
  return Success;
}

CUresult cuDeviceGetName(char *name, int length, CUdevice device) {
  snprintf(name, (size_t)length, "Fake GPU %d", device);
  return Success;
}

CUresult cuDeviceGetAttribute(int *value, int attribute, CUdevice device) {
  (void)device;
  int cc = (int)knob("FAKE_CUDA_ARCH", 90);
  if (attribute == 75) /* compute capability major */
    *value = cc / 10;
  else if (attribute == 76) /* minor */
    *value = cc % 10;
  else
    return InvalidValue;
  return Success;
}

/* One primary context per device; its handle is only compared. */
struct CUctx_st {
  int device;
};
static struct CUctx_st primaryContexts[8];

CUresult cuDevicePrimaryCtxRetain(CUcontext *context, CUdevice device) {
  say("cuDevicePrimaryCtxRetain device %d", device);
  ++retained;
  *context = &primaryContexts[device & 7];
  return Success;
}

CUresult cuDevicePrimaryCtxRelease_v2(CUdevice device) {
  --retained;
  say("cuDevicePrimaryCtxRelease device %d (%d retained, context depth %d)",
      device, retained, contextDepth);
  return Success;
}

CUresult cuCtxPushCurrent_v2(CUcontext context) {
  (void)context;
  ++contextDepth;
  return Success;
}

CUresult cuCtxPopCurrent_v2(CUcontext *context) {
  if (context)
    *context = NULL;
  if (contextDepth == 0)
    return InvalidContext;
  --contextDepth;
  return Success;
}

/*===-- Memory ------------------------------------------------------------===*/

CUresult cuMemGetInfo_v2(size_t *free, size_t *total) {
  *total = (size_t)knob("FAKE_CUDA_MEMORY", 1 << 30);
  *free = *total > usedBytes ? *total - usedBytes : 0;
  return Success;
}

CUresult cuMemAlloc_v2(CUdeviceptr *pointer, size_t bytes) {
  size_t limit = (size_t)knob("FAKE_CUDA_MEMORY", 1 << 30);
  if (bytes == 0)
    return InvalidValue;
  if (bytes > limit - usedBytes || numBuffers == MaxBuffers ||
      usedBytes > limit) {
    say("cuMemAlloc %zu bytes: out of memory", bytes);
    return OutOfMemory;
  }
  size_t rounded = (bytes + 255) / 256 * 256;
  char *base = aligned_alloc(256, rounded);
  if (!base)
    return OutOfMemory;
  memset(base, 0xAB, rounded); /* not zero: kernels must write what they read */
  buffers[numBuffers].base = base;
  buffers[numBuffers].bytes = bytes;
  buffers[numBuffers].live = true;
  usedBytes += bytes;
  *pointer = (uintptr_t)base;
  say("cuMemAlloc %zu bytes -> buffer %d", bytes, numBuffers);
  ++numBuffers;
  return Success;
}

CUresult cuMemFree_v2(CUdeviceptr pointer) {
  int index = findBuffer(pointer);
  if (index < 0 || (uintptr_t)buffers[index].base != pointer) {
    say("cuMemFree of a bad address");
    return InvalidValue;
  }
  say("cuMemFree buffer %d", index);
  free(buffers[index].base);
  buffers[index].live = false;
  usedBytes -= buffers[index].bytes;
  return Success;
}

CUresult cuPointerGetAttribute(void *data, int attribute, CUdeviceptr pointer) {
  if (attribute != 2 /* MEMORY_TYPE */ || findBuffer(pointer) < 0)
    return InvalidValue; /* what the driver says of host memory */
  unsigned int device = 2;
  memcpy(data, &device, sizeof(device));
  return Success;
}

/*===-- Graphs ------------------------------------------------------------===*/

enum { MaxParams = 16, MaxNodes = 1024 };

typedef struct CUfunc_st {
  char name[128];
  char layout[MaxParams + 1]; /* p, i or l per parameter */
  bool opaque; /* from a real fatbin: the parameters are not known */
} Function;

/* A launch or a copy, as issued or as recorded in a graph. */
typedef FakeLayout Layout;
typedef FakeGemm Gemm;

typedef struct Node {
  bool isCopy;
  bool isGemm;
  bool isConv;
  Gemm gemm;
  FakeConv conv;
  const Function *function;
  unsigned grid[3], block[3], shared;
  bool dependent; /* may start before the kernel before it ends */
  uint64_t values[MaxParams];
  CUdeviceptr dst, src;
  size_t bytes;
} Node;

typedef struct CUgraph_st {
  int id;
  int numNodes;
  Node nodes[MaxNodes];
} Graph;

typedef struct CUstream_st {
  int id;
  Graph *capture; /* non-NULL while capturing */
} Stream;

static int numStreams, numGraphs, numExecs, numEvents, numModules;

/*===-- Kernels -----------------------------------------------------------===*/

static void *at(uint64_t address) { return (void *)(uintptr_t)address; }

/* Runs the fake model's kernels (fake_cuda_model.c). */
static void execute(const Node *node) {
  const uint64_t *v = node->values;
  if (strcmp(node->function->name, "fake_scale_add") == 0) {
    float *out = at(v[0]);
    const float *x = at(v[1]), *w = at(v[2]);
    const int32_t *b = at(v[3]);
    int32_t cols;
    memcpy(&cols, &v[4], sizeof(cols));
    for (int64_t i = 0; i < (int64_t)v[5]; ++i)
      out[i] = w[0] * x[i] + (float)b[i % cols];
  } else if (strcmp(node->function->name, "fake_sum") == 0) {
    double *total = at(v[0]);
    const float *y = at(v[1]);
    *total = 0;
    for (int64_t i = 0; i < (int64_t)v[2]; ++i)
      *total += y[i];
  }
}

/* The index of element (r, c) of batch `b` of a column-major layout. */
static int64_t indexOf(const Layout *l, int64_t b, uint64_t r, uint64_t c) {
  return b * l->stride + (int64_t)r + (int64_t)c * l->ld;
}

/* FAKE_CUBLASLT_FAST_ALGO=i: the device's clock, which CUDA events
 * read, advances 0.5 ms per matmul run with algorithm i and 1 ms per
 * matmul with another (so that timing the algorithms finds i); without
 * it every run "takes" 0.25 ms (cuEventElapsedTime). */
static double deviceClock;

/* An E4M3 code's value (no infinities; S.1111.111 is NaN). */
static float fromE4M3(uint8_t code) {
  int exponent = (code >> 3) & 15, mantissa = code & 7;
  float magnitude = (code & 127) == 127 ? NAN
                    : exponent == 0 ? ldexpf((float)mantissa, -9)
                                    : ldexpf(8.0f + mantissa, exponent - 10);
  return code & 128 ? -magnitude : magnitude;
}

/* `value` rounded to the nearest f16 (ties to even), finite values only. */
static uint16_t toHalf(float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof(bits));
  uint16_t sign = (uint16_t)((bits >> 16) & 0x8000);
  float magnitude = fabsf(value);
  if (magnitude >= 65520.0f)
    return sign | 0x7c00;
  /* Scaled so that one f16 unit in the last place is 1, rounded by rintf
   * (ties to even), then the fields packed. */
  int exponent;
  frexpf(magnitude, &exponent); /* magnitude = m * 2^exponent, m in [0.5, 1) */
  int unbiased = exponent - 1 < -14 ? -14 : exponent - 1;
  float units = rintf(ldexpf(magnitude, 10 - unbiased));
  uint32_t half = (uint32_t)units; /* 2^10 .. 2^11 for normals */
  if (half >= 2048) {
    half >>= 1;
    ++unbiased;
  }
  if (half < 1024) /* subnormal */
    return sign | (uint16_t)half;
  return sign | (uint16_t)(((unbiased + 15) << 10) | (half - 1024));
}

static void executeGemm(const Gemm *g) {
  int fast = fake_cuda_knob("FAKE_CUBLASLT_FAST_ALGO", -1);
  if (fast >= 0)
    deviceClock += g->algo == fast ? 0.5 : 1.0;
  uint64_t k = g->opA ? g->a.rows : g->a.cols;
  for (int64_t b = 0; b < g->d.batch; ++b)
    for (uint64_t i = 0; i < g->d.rows; ++i)
      for (uint64_t j = 0; j < g->d.cols; ++j) {
        double sum = 0;
        for (uint64_t l = 0; l < k; ++l) {
          int64_t x =
              g->opA ? indexOf(&g->a, b, l, i) : indexOf(&g->a, b, i, l);
          int64_t y =
              g->opB ? indexOf(&g->b, b, j, l) : indexOf(&g->b, b, l, j);
          if (g->integer)
            sum += (double)((const int8_t *)at(g->pa))[x] *
                   ((const int8_t *)at(g->pb))[y];
          else if (g->a.type == FAKE_TYPE_E4M3)
            sum += (double)fromE4M3(((const uint8_t *)at(g->pa))[x]) *
                   fromE4M3(((const uint8_t *)at(g->pb))[y]);
          else
            sum += (double)(((const float *)at(g->pa))[x] *
                            ((const float *)at(g->pb))[y]);
        }
        int64_t z = indexOf(&g->d, b, i, j);
        if (g->integer)
          ((int32_t *)at(g->pd))[z] = (int32_t)sum;
        else if (g->d.type == FAKE_TYPE_F16)
          ((uint16_t *)at(g->pd))[z] = toHalf((float)(g->alpha * sum));
        else
          ((float *)at(g->pd))[z] = (float)(g->alpha * sum);
      }
}

/* What a matmul multiplies beyond float32: "" for f32. */
static const char *kindOf(const Gemm *g, char *text, size_t size) {
  if (g->integer)
    return "; int8 into int32";
  if (g->a.type != FAKE_TYPE_E4M3)
    return "";
  snprintf(text, size, "; fp8 into %s, alpha %.6g",
           g->d.type == FAKE_TYPE_F16 ? "f16" : "f32", (double)g->alpha);
  return text;
}

static void logNode(const char *prefix, const Node *node) {
  char line[1024], text[64];
  int length;
  if (node->isGemm) {
    const Gemm *g = &node->gemm;
    char a[64], b[64], d[64];
    say("%scublasLtMatmul D %s = op%c(A %s) op%c(B %s); A %llux%llu ld %lld, "
        "B %llux%llu ld %lld, D %llux%llu ld %lld; batch %lld, strides "
        "%lld %lld %lld%s; algo %d",
        prefix, describe(g->pd, d, sizeof(d)), g->opA ? 'T' : 'N',
        describe(g->pa, a, sizeof(a)), g->opB ? 'T' : 'N',
        describe(g->pb, b, sizeof(b)), (unsigned long long)g->a.rows,
        (unsigned long long)g->a.cols, (long long)g->a.ld,
        (unsigned long long)g->b.rows, (unsigned long long)g->b.cols,
        (long long)g->b.ld, (unsigned long long)g->d.rows,
        (unsigned long long)g->d.cols, (long long)g->d.ld,
        (long long)g->d.batch, (long long)g->a.stride, (long long)g->b.stride,
        (long long)g->d.stride, kindOf(g, text, sizeof(text)), g->algo);
    return;
  }
  if (node->isConv) {
    const FakeConv *c = &node->conv;
    char x[64], w[64], y[64], workspace[64], b[64], z[64];
    say("%scudnnBackendExecute Y %s = conv(X %s, W %s)%s%s%s%s%s, workspace %s",
        prefix, describe(c->py, y, sizeof(y)), describe(c->px, x, sizeof(x)),
        describe(c->pw, w, sizeof(w)), c->hasBias ? " + B " : "",
        c->hasBias ? describe(c->pb, b, sizeof(b)) : "",
        c->hasResidual ? " + Z " : "",
        c->hasResidual ? describe(c->pz, z, sizeof(z)) : "",
        c->hasRelu ? ", relu" : "",
        describe(c->workspace, workspace, sizeof(workspace)));
    return;
  }
  if (node->isCopy) {
    length = snprintf(line, sizeof(line), "%scuMemcpyDtoDAsync %s <- ", prefix,
                      describe(node->dst, text, sizeof(text)));
    snprintf(line + length, sizeof(line) - (size_t)length, "%s, %zu bytes",
             describe(node->src, text, sizeof(text)), node->bytes);
    say("%s", line);
    return;
  }
  length = snprintf(line, sizeof(line),
                    "%scuLaunchKernel %s grid %ux%ux%u block %ux%ux%u shared "
                    "%u params",
                    prefix, node->function->name, node->grid[0], node->grid[1],
                    node->grid[2], node->block[0], node->block[1],
                    node->block[2], node->shared);
  if (node->function->opaque)
    length += snprintf(line + length, sizeof(line) - (size_t)length,
                       " not known to the fake driver");
  for (int i = 0; node->function->layout[i]; ++i) {
    char value[64];
    char kind = node->function->layout[i];
    if (kind == 'p')
      describe(node->values[i], value, sizeof(value));
    else if (kind == 'i') {
      int32_t number;
      memcpy(&number, &node->values[i], sizeof(number));
      snprintf(value, sizeof(value), "i32 %d", number);
    } else
      snprintf(value, sizeof(value), "i64 %lld", (long long)node->values[i]);
    length += snprintf(line + length, sizeof(line) - (size_t)length, "%s %s",
                       i ? "," : "", value);
  }
  if (node->dependent)
    snprintf(line + length, sizeof(line) - (size_t)length,
             ", a programmatic dependent");
  say("%s", line);
}

/* Runs or records `node` on `stream`. */
static CUresult issue(Stream *stream, const Node *node) {
  if (stream && stream->capture) {
    Graph *graph = stream->capture;
    logNode("capture: ", node);
    if (graph->numNodes == MaxNodes)
      return OutOfMemory;
    graph->nodes[graph->numNodes++] = *node;
    return Success;
  }
  logNode("", node);
  if (node->isCopy)
    memcpy(at(node->dst), at(node->src), node->bytes);
  else if (node->isGemm)
    executeGemm(&node->gemm);
  else if (node->isConv)
    fake_cudnn_compute(&node->conv);
  else
    execute(node);
  return Success;
}

/*===-- Modules -----------------------------------------------------------===*/

enum { MaxFunctions = 256 };
typedef struct CUmod_st {
  int id;
  const char *image;
  Function functions[MaxFunctions];
  int numFunctions;
} Module;

/* Machine code for sm_XY runs on X.Y and later minors of major X. */
static bool runsOn(const char *archs, int cc) {
  for (const char *p = strstr(archs, "sm_"); p; p = strstr(p + 1, "sm_")) {
    int arch = atoi(p + 3);
    if (arch / 10 == cc / 10 && arch % 10 <= cc % 10)
      return true;
  }
  return false;
}

CUresult cuModuleLoadData(CUmodule *module, const void *image) {
  const char *text = image;
  /* A real fatbin (from the CUDA target): accepted, its kernels launch as
   * no-ops, so the runtime's handling of a compiled model's steps can be
   * followed in the log. */
  static const unsigned char fatbinMagic[4] = {0x50, 0xED, 0x55, 0xBA};
  if (memcmp(image, fatbinMagic, sizeof(fatbinMagic)) == 0) {
    Module *loaded = calloc(1, sizeof(Module));
    if (!loaded)
      return OutOfMemory;
    loaded->id = numModules++;
    *module = loaded;
    say("cuModuleLoadData module %d (a real fatbin; kernels do nothing)",
        loaded->id);
    return Success;
  }
  if (strncmp(text, "AUTOGLM-FAKE-FATBIN\n", 20) != 0)
    return InvalidImage;
  const char *archs = strstr(text, "archs ");
  int cc = (int)knob("FAKE_CUDA_ARCH", 90);
  if (!archs || !runsOn(archs, cc)) {
    say("cuModuleLoadData: no code for sm_%d", cc);
    return NoBinaryForGpu;
  }
  Module *loaded = calloc(1, sizeof(Module));
  if (!loaded)
    return OutOfMemory;
  loaded->id = numModules++;
  loaded->image = text;
  *module = loaded;
  say("cuModuleLoadData module %d", loaded->id);
  return Success;
}

CUresult cuModuleUnload(CUmodule module) {
  Module *loaded = module;
  say("cuModuleUnload module %d", loaded->id);
  free(loaded);
  return Success;
}

CUresult cuModuleGetFunction(CUfunction *function, CUmodule module,
                             const char *name) {
  Module *loaded = module;
  size_t length = strlen(name);
  if (!loaded->image) {
    if (loaded->numFunctions == MaxFunctions)
      return OutOfMemory;
    Function *found = &loaded->functions[loaded->numFunctions++];
    snprintf(found->name, sizeof(found->name), "%s", name);
    found->opaque = true;
    *function = found;
    say("cuModuleGetFunction %s", name);
    return Success;
  }
  for (const char *line = strstr(loaded->image, "\nkernel "); line;
       line = strstr(line + 1, "\nkernel ")) {
    const char *entry = line + 8;
    if (strncmp(entry, name, length) != 0 || entry[length] != ' ')
      continue;
    if (loaded->numFunctions == MaxFunctions ||
        length >= sizeof(loaded->functions[0].name))
      return OutOfMemory;
    Function *found = &loaded->functions[loaded->numFunctions++];
    memcpy(found->name, name, length + 1);
    const char *layout = entry + length + 1;
    size_t count = strcspn(layout, "\n");
    if (count > MaxParams)
      count = MaxParams;
    memcpy(found->layout, layout, count);
    found->layout[count] = '\0';
    *function = found;
    say("cuModuleGetFunction %s", name);
    return Success;
  }
  say("cuModuleGetFunction %s: not found", name);
  return NotFound;
}

/*===-- Streams, events, launches -----------------------------------------===*/

CUresult cuStreamCreate(CUstream *stream, unsigned int flags) {
  Stream *created = calloc(1, sizeof(Stream));
  if (!created)
    return OutOfMemory;
  created->id = numStreams++;
  *stream = created;
  say("cuStreamCreate stream %d flags %u", created->id, flags);
  return Success;
}

CUresult cuStreamDestroy_v2(CUstream stream) {
  Stream *destroyed = stream;
  say("cuStreamDestroy stream %d", destroyed->id);
  free(destroyed->capture);
  free(destroyed);
  return Success;
}

CUresult cuStreamSynchronize(CUstream stream) {
  Stream *synced = stream;
  if (pendingFault) {
    sticky = pendingFault;
    pendingFault = Success;
  }
  say("cuStreamSynchronize stream %d%s", synced->id, sticky ? ": fault" : "");
  return sticky;
}

typedef struct CUevent_st {
  int id;
  int records;
  double clock; /* deviceClock when last recorded */
} Event;

CUresult cuEventCreate(CUevent *event, unsigned int flags) {
  (void)flags;
  Event *created = calloc(1, sizeof(Event));
  if (!created)
    return OutOfMemory;
  created->id = numEvents++;
  *event = created;
  return Success;
}

CUresult cuEventDestroy_v2(CUevent event) {
  say("cuEventDestroy event %d", ((Event *)event)->id);
  free(event);
  return Success;
}

CUresult cuEventRecord(CUevent event, CUstream stream) {
  (void)stream;
  ((Event *)event)->records++;
  ((Event *)event)->clock = deviceClock;
  say("cuEventRecord event %d", ((Event *)event)->id);
  return Success;
}

/* Every run "takes" 0.25 ms, or the device clock's difference with
 * FAKE_CUBLASLT_FAST_ALGO (executeGemm). */
CUresult cuEventElapsedTime_v2(float *milliseconds, CUevent start,
                               CUevent end) {
  if (!((Event *)start)->records || !((Event *)end)->records)
    return InvalidValue;
  *milliseconds = fake_cuda_knob("FAKE_CUBLASLT_FAST_ALGO", -1) >= 0
                      ? (float)(((Event *)end)->clock - ((Event *)start)->clock)
                      : 0.25f;
  return Success;
}

static CUresult launch(CUfunction function, unsigned gridX, unsigned gridY,
                       unsigned gridZ, unsigned blockX, unsigned blockY,
                       unsigned blockZ, unsigned shared, CUstream stream,
                       void **params, void **extra, bool dependent) {
  if (sticky)
    return sticky;
  Node node;
  memset(&node, 0, sizeof(node));
  node.dependent = dependent;
  node.function = function;
  node.grid[0] = gridX, node.grid[1] = gridY, node.grid[2] = gridZ;
  node.block[0] = blockX, node.block[1] = blockY, node.block[2] = blockZ;
  node.shared = shared;
  if (extra)
    return InvalidValue;
  for (int i = 0; node.function->layout[i]; ++i) {
    size_t size = node.function->layout[i] == 'i' ? 4 : 8;
    memcpy(&node.values[i], params[i], size);
  }
  if (knobNames("FAKE_CUDA_FAIL_LAUNCH", node.function->name)) {
    say("cuLaunchKernel %s: fails", node.function->name);
    return LaunchOutOfResources;
  }
  CUresult result = issue(stream, &node);
  if (knobNames("FAKE_CUDA_FAULT", node.function->name) &&
      !((Stream *)stream)->capture)
    pendingFault = IllegalAddress;
  return result;
}

CUresult cuLaunchKernel(CUfunction function, unsigned gridX, unsigned gridY,
                        unsigned gridZ, unsigned blockX, unsigned blockY,
                        unsigned blockZ, unsigned shared, CUstream stream,
                        void **params, void **extra) {
  return launch(function, gridX, gridY, gridZ, blockX, blockY, blockZ, shared,
                stream, params, extra, false);
}

/* Only the attribute the runtime sets is known; the fake runs the launch
 * in stream order either way. */
CUresult cuLaunchKernelEx(const CUlaunchConfig *config, CUfunction function,
                          void **params, void **extra) {
  bool dependent = false;
  for (unsigned a = 0; a < config->numAttrs; ++a) {
    if (config->attrs[a].id != ProgrammaticStreamSerialization)
      return InvalidValue;
    dependent = config->attrs[a].value.programmaticStreamSerializationAllowed;
  }
  return launch(function, config->gridDimX, config->gridDimY, config->gridDimZ,
                config->blockDimX, config->blockDimY, config->blockDimZ,
                config->sharedMemBytes, config->hStream, params, extra,
                dependent);
}

/*===-- Copies ------------------------------------------------------------===*/

CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src, size_t bytes) {
  char text[64];
  say("cuMemcpyHtoD %s <- host, %zu bytes", describe(dst, text, sizeof(text)),
      bytes);
  if (findBuffer(dst) < 0)
    return InvalidValue;
  memcpy(at(dst), src, bytes);
  return Success;
}

CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src, size_t bytes,
                              CUstream stream) {
  char text[64];
  (void)stream;
  say("cuMemcpyHtoDAsync %s <- host, %zu bytes",
      describe(dst, text, sizeof(text)), bytes);
  if (findBuffer(dst) < 0 || findBuffer((uintptr_t)src) >= 0)
    return InvalidValue;
  memcpy(at(dst), src, bytes);
  return Success;
}

CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t bytes,
                              CUstream stream) {
  char text[64];
  (void)stream;
  say("cuMemcpyDtoHAsync host <- %s, %zu bytes",
      describe(src, text, sizeof(text)), bytes);
  if (findBuffer(src) < 0 || findBuffer((uintptr_t)dst) >= 0)
    return InvalidValue;
  memcpy(dst, at(src), bytes);
  return Success;
}

CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t bytes,
                              CUstream stream) {
  if (findBuffer(dst) < 0 || findBuffer(src) < 0)
    return InvalidValue;
  Node node;
  memset(&node, 0, sizeof(node));
  node.isCopy = true;
  node.dst = dst;
  node.src = src;
  node.bytes = bytes;
  return issue(stream, &node);
}

/*===-- Capture and replay ------------------------------------------------===*/

CUresult cuStreamBeginCapture_v2(CUstream stream, int mode) {
  Stream *capturing = stream;
  if (knob("FAKE_CUDA_NO_CAPTURE", 0)) {
    say("cuStreamBeginCapture stream %d: unsupported", capturing->id);
    return CaptureUnsupported;
  }
  capturing->capture = calloc(1, sizeof(Graph));
  if (!capturing->capture)
    return OutOfMemory;
  capturing->capture->id = numGraphs++;
  say("cuStreamBeginCapture stream %d mode %d", capturing->id, mode);
  return Success;
}

CUresult cuStreamEndCapture(CUstream stream, CUgraph *graph) {
  Stream *capturing = stream;
  if (!capturing->capture)
    return InvalidValue;
  *graph = capturing->capture;
  say("cuStreamEndCapture graph %d, %d nodes", capturing->capture->id,
      capturing->capture->numNodes);
  capturing->capture = NULL;
  return Success;
}

typedef struct CUgraphExec_st {
  int id;
  Graph graph; /* a copy: the graph may be destroyed or reused */
} Exec;

CUresult cuGraphInstantiateWithFlags(CUgraphExec *exec, CUgraph graph,
                                     unsigned long long flags) {
  Exec *created = calloc(1, sizeof(Exec));
  if (!created)
    return OutOfMemory;
  created->id = numExecs++;
  created->graph = *(Graph *)graph;
  *exec = created;
  say("cuGraphInstantiateWithFlags exec %d of graph %d, flags %llu",
      created->id, created->graph.id, flags);
  return Success;
}

CUresult cuGraphLaunch(CUgraphExec exec, CUstream stream) {
  Exec *launched = exec;
  (void)stream;
  if (sticky)
    return sticky;
  say("cuGraphLaunch exec %d", launched->id);
  for (int i = 0; i < launched->graph.numNodes; ++i) {
    const Node *node = &launched->graph.nodes[i];
    logNode("replay: ", node);
    if (node->isCopy)
      memcpy(at(node->dst), at(node->src), node->bytes);
    else if (node->isGemm)
      executeGemm(&node->gemm);
    else if (node->isConv)
      fake_cudnn_compute(&node->conv);
    else
      execute(node);
  }
  return Success;
}

CUresult cuGraphExecDestroy(CUgraphExec exec) {
  say("cuGraphExecDestroy exec %d", ((Exec *)exec)->id);
  free(exec);
  return Success;
}

CUresult cuGraphDestroy(CUgraph graph) {
  say("cuGraphDestroy graph %d", ((Graph *)graph)->id);
  free(graph);
  return Success;
}

/*===-- For the fake libraries (fake_cublaslt.c, fake_cudnn.c) ------------===*/

int fake_cuda_issue_gemm(struct CUstream_st *stream, const FakeGemm *gemm) {
  Node node;
  memset(&node, 0, sizeof(node));
  node.isGemm = true;
  node.gemm = *gemm;
  return issue(stream, &node) == Success ? 0 : -1;
}

int fake_cuda_issue_conv(struct CUstream_st *stream, const FakeConv *conv) {
  Node node;
  memset(&node, 0, sizeof(node));
  node.isConv = true;
  node.conv = *conv;
  return issue(stream, &node) == Success ? 0 : -1;
}

unsigned long long fake_cuda_device_bytes(unsigned long long address) {
  int index = findBuffer(address);
  return index < 0
             ? 0
             : (uintptr_t)buffers[index].base + buffers[index].bytes - address;
}

long long fake_cuda_knob(const char *name, long long fallback) {
  return (long long)knob(name, fallback);
}

void fake_cuda_say(const char *text) { say("%s", text); }
