/*===- driver_api.h - the CUDA driver API the runtime uses --------*- C -*-===*\
 *
 * The runtime never includes a CUDA header nor links a CUDA library: it
 * loads libcuda.so.1 with dlopen when a CUDA session is created, so that it
 * builds and runs CPU models on machines without CUDA. These declarations
 * mirror cuda.h (CUDA 12/13) for the few types, constants and functions it
 * calls; the values are the driver's ABI and never change.
 *
\*===----------------------------------------------------------------------===*/

#ifndef AUTOGLM_RUNTIME_CUDA_DRIVER_API_H
#define AUTOGLM_RUNTIME_CUDA_DRIVER_API_H

#include <stddef.h>

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct CUctx_st *CUcontext;
typedef struct CUstream_st *CUstream;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUevent_st *CUevent;
typedef struct CUgraph_st *CUgraph;
typedef struct CUgraphExec_st *CUgraphExec;

/* CUresult values the runtime tells apart. */
enum {
  CUDA_SUCCESS = 0,
  CUDA_ERROR_INVALID_VALUE = 1,
  CUDA_ERROR_OUT_OF_MEMORY = 2,
  CUDA_ERROR_INSUFFICIENT_DRIVER = 35,
  CUDA_ERROR_NO_DEVICE = 100,
  CUDA_ERROR_NO_BINARY_FOR_GPU = 209,
  CUDA_ERROR_INVALID_PTX = 218,
  CUDA_ERROR_JIT_COMPILER_NOT_FOUND = 221,
  CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222,
  CUDA_ERROR_NOT_FOUND = 500,
  /* A kernel faulted (so do 702, 710 and 714 to 719); the driver refuses
   * any further work in the process afterwards. */
  CUDA_ERROR_ILLEGAL_ADDRESS = 700,
  CUDA_ERROR_LAUNCH_FAILED = 719,
};

enum {
  CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75,
  CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76,
};
enum { CU_POINTER_ATTRIBUTE_MEMORY_TYPE = 2 };
enum {
  CU_MEMORYTYPE_HOST = 1,
  CU_MEMORYTYPE_DEVICE = 2,
  CU_MEMORYTYPE_ARRAY = 3,
  CU_MEMORYTYPE_UNIFIED = 4,
};
enum { CU_STREAM_NON_BLOCKING = 1 };
enum { CU_EVENT_DEFAULT = 0 };
enum { CU_STREAM_CAPTURE_MODE_THREAD_LOCAL = 1 };

/* cuLaunchKernelEx's configuration, with the one attribute the runtime
 * sets: a launch that may start before the kernel before it on the stream
 * has finished (the kernel waits for it itself: griddepcontrol.wait). */
enum { CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION = 6 };
typedef union CUlaunchAttributeValue_union {
  char pad[64];
  int programmaticStreamSerializationAllowed;
  unsigned long long alignment; /* the driver's union holds pointers */
} CUlaunchAttributeValue;
typedef struct CUlaunchAttribute_st {
  int id;
  char pad[8 - sizeof(int)];
  CUlaunchAttributeValue value;
} CUlaunchAttribute;
typedef struct CUlaunchConfig_st {
  unsigned int gridDimX, gridDimY, gridDimZ;
  unsigned int blockDimX, blockDimY, blockDimZ;
  unsigned int sharedMemBytes;
  CUstream hStream;
  CUlaunchAttribute *attrs;
  unsigned int numAttrs;
} CUlaunchConfig;
/* cuda.h's sizes and offsets (x86-64 and aarch64 Linux). */
_Static_assert(sizeof(CUlaunchAttribute) == 72 &&
                   offsetof(CUlaunchAttribute, value) == 8,
               "CUlaunchAttribute as cuda.h lays it out");
_Static_assert(sizeof(CUlaunchConfig) == 56 &&
                   offsetof(CUlaunchConfig, attrs) == 40,
               "CUlaunchConfig as cuda.h lays it out");

/* The oldest driver that captures launches with that attribute into a
 * graph (CUDA 12.3); older ones launch every kernel after the one before. */
#define AUTOGLM_CUDA_DEPENDENT_LAUNCH_DRIVER_VERSION 12030

/* The oldest driver the runtime accepts, as cuDriverGetVersion reports it
 * (1000 * major + 10 * minor): CUDA 12.0, the first whose graph API
 * (cuGraphInstantiateWithFlags and its flags) the runtime relies on. */
#define AUTOGLM_CUDA_MIN_DRIVER_VERSION 12000

/* X(name, symbol, return, parameters): each function the runtime calls,
 * resolved by its versioned symbol (what cuda.h's macros map the name to). */
#define AUTOGLM_CUDA_FUNCTIONS(X)                                              \
  X(cuInit, "cuInit", (unsigned int flags))                                    \
  X(cuDriverGetVersion, "cuDriverGetVersion", (int *version))                  \
  X(cuGetErrorName, "cuGetErrorName", (CUresult error, const char **name))     \
  X(cuGetErrorString, "cuGetErrorString", (CUresult error, const char **text)) \
  X(cuDeviceGetCount, "cuDeviceGetCount", (int *count))                        \
  X(cuDeviceGet, "cuDeviceGet", (CUdevice * device, int ordinal))              \
  X(cuDeviceGetName, "cuDeviceGetName",                                        \
    (char *name, int length, CUdevice dev))                                    \
  X(cuDeviceGetAttribute, "cuDeviceGetAttribute",                              \
    (int *value, int attribute, CUdevice dev))                                 \
  X(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain",                      \
    (CUcontext * context, CUdevice dev))                                       \
  X(cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2", (CUdevice dev)) \
  X(cuCtxPushCurrent, "cuCtxPushCurrent_v2", (CUcontext context))              \
  X(cuCtxPopCurrent, "cuCtxPopCurrent_v2", (CUcontext * context))              \
  X(cuMemGetInfo, "cuMemGetInfo_v2", (size_t *free, size_t *total))            \
  X(cuMemAlloc, "cuMemAlloc_v2", (CUdeviceptr * pointer, size_t bytes))        \
  X(cuMemFree, "cuMemFree_v2", (CUdeviceptr pointer))                          \
  X(cuMemcpyHtoD, "cuMemcpyHtoD_v2",                                           \
    (CUdeviceptr dst, const void *src, size_t bytes))                          \
  X(cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2",                                 \
    (CUdeviceptr dst, const void *src, size_t bytes, CUstream stream))         \
  X(cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2",                                 \
    (void *dst, CUdeviceptr src, size_t bytes, CUstream stream))               \
  X(cuMemcpyDtoDAsync, "cuMemcpyDtoDAsync_v2",                                 \
    (CUdeviceptr dst, CUdeviceptr src, size_t bytes, CUstream stream))         \
  X(cuPointerGetAttribute, "cuPointerGetAttribute",                            \
    (void *data, int attribute, CUdeviceptr pointer))                          \
  X(cuModuleLoadData, "cuModuleLoadData",                                      \
    (CUmodule * module, const void *image))                                    \
  X(cuModuleUnload, "cuModuleUnload", (CUmodule module))                       \
  X(cuModuleGetFunction, "cuModuleGetFunction",                                \
    (CUfunction * function, CUmodule module, const char *name))                \
  X(cuStreamCreate, "cuStreamCreate", (CUstream * stream, unsigned int flags)) \
  X(cuStreamDestroy, "cuStreamDestroy_v2", (CUstream stream))                  \
  X(cuStreamSynchronize, "cuStreamSynchronize", (CUstream stream))             \
  X(cuEventCreate, "cuEventCreate", (CUevent * event, unsigned int flags))     \
  X(cuEventDestroy, "cuEventDestroy_v2", (CUevent event))                      \
  X(cuEventRecord, "cuEventRecord", (CUevent event, CUstream stream))          \
  X(cuLaunchKernel, "cuLaunchKernel",                                          \
    (CUfunction function, unsigned int gridX, unsigned int gridY,              \
     unsigned int gridZ, unsigned int blockX, unsigned int blockY,             \
     unsigned int blockZ, unsigned int sharedBytes, CUstream stream,           \
     void **params, void **extra))                                             \
  X(cuStreamBeginCapture, "cuStreamBeginCapture_v2",                           \
    (CUstream stream, int mode))                                               \
  X(cuStreamEndCapture, "cuStreamEndCapture",                                  \
    (CUstream stream, CUgraph * graph))                                        \
  X(cuGraphInstantiateWithFlags, "cuGraphInstantiateWithFlags",                \
    (CUgraphExec * exec, CUgraph graph, unsigned long long flags))             \
  X(cuGraphLaunch, "cuGraphLaunch", (CUgraphExec exec, CUstream stream))       \
  X(cuGraphExecDestroy, "cuGraphExecDestroy", (CUgraphExec exec))              \
  X(cuGraphDestroy, "cuGraphDestroy", (CUgraph graph))

/* The driver's entry points, resolved once per process. */
typedef struct autoglm_cuda_driver {
#define AUTOGLM_CUDA_POINTER(name, symbol, params) CUresult(*name) params;
  AUTOGLM_CUDA_FUNCTIONS(AUTOGLM_CUDA_POINTER)
#undef AUTOGLM_CUDA_POINTER
  /* cuEventElapsedTime_v2 where the driver has it (CUDA 12.8 and later),
   * else the original; both have this signature. */
  CUresult (*cuEventElapsedTime)(float *milliseconds, CUevent start,
                                 CUevent end);
  /* Where the driver has it (CUDA 12.0 and later), else NULL. */
  CUresult (*cuLaunchKernelEx)(const CUlaunchConfig *config,
                               CUfunction function, void **params,
                               void **extra);
  int version; /* cuDriverGetVersion */
  char path[256];
} autoglm_cuda_driver;

#endif /* AUTOGLM_RUNTIME_CUDA_DRIVER_API_H */
