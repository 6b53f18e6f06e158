/*===- dnn_api.h - the part of cuDNN's backend API the runtime calls ------===*\
 *
 * Declared here, not taken from cudnn_graph.h, so that the runtime builds
 * without cuDNN: the library is opened with dlopen when a session's image
 * has a CONV step. The values are cuDNN 9's; test/runtime/cudnn-abi.test
 * checks them against the headers where cuDNN is installed.
 *
\*===----------------------------------------------------------------------===*/

#ifndef AUTOGLM_RUNTIME_CUDA_DNN_API_H
#define AUTOGLM_RUNTIME_CUDA_DNN_API_H

#include "driver_api.h"

#include <stddef.h>
#include <stdint.h>

typedef int cudnnStatus_t; /* 0: CUDNN_STATUS_SUCCESS */
typedef struct cudnnContext *cudnnHandle_t;
typedef void *cudnnBackendDescriptor_t;

enum { CUDNN_STATUS_SUCCESS = 0 };
/* cudnnBackendDescriptorType_t */
enum {
  CUDNN_BACKEND_POINTWISE_DESCRIPTOR = 0,
  CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR = 1,
  CUDNN_BACKEND_ENGINECFG_DESCRIPTOR = 3,
  CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR = 4,
  CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR = 5,
  CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR = 10,
  CUDNN_BACKEND_OPERATION_POINTWISE_DESCRIPTOR = 13,
  CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR = 15,
  CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR = 16,
  CUDNN_BACKEND_TENSOR_DESCRIPTOR = 17,
};
/* cudnnBackendAttributeName_t */
enum {
  CUDNN_ATTR_POINTWISE_MODE = 0,
  CUDNN_ATTR_POINTWISE_MATH_PREC = 1,
  CUDNN_ATTR_POINTWISE_RELU_LOWER_CLIP = 3,
  CUDNN_ATTR_POINTWISE_RELU_UPPER_CLIP = 4,
  CUDNN_ATTR_CONVOLUTION_COMP_TYPE = 100,
  CUDNN_ATTR_CONVOLUTION_CONV_MODE = 101,
  CUDNN_ATTR_CONVOLUTION_DILATIONS = 102,
  CUDNN_ATTR_CONVOLUTION_FILTER_STRIDES = 103,
  CUDNN_ATTR_CONVOLUTION_POST_PADDINGS = 104,
  CUDNN_ATTR_CONVOLUTION_PRE_PADDINGS = 105,
  CUDNN_ATTR_CONVOLUTION_SPATIAL_DIMS = 106,
  CUDNN_ATTR_ENGINEHEUR_MODE = 200,
  CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH = 201,
  CUDNN_ATTR_ENGINEHEUR_RESULTS = 202,
  CUDNN_ATTR_EXECUTION_PLAN_HANDLE = 400,
  CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG = 401,
  CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE = 402,
  CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA = 700,
  CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_BETA = 701,
  CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_CONV_DESC = 702,
  CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_W = 703,
  CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_X = 704,
  CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_Y = 705,
  CUDNN_ATTR_OPERATION_POINTWISE_PW_DESCRIPTOR = 750,
  CUDNN_ATTR_OPERATION_POINTWISE_XDESC = 751,
  CUDNN_ATTR_OPERATION_POINTWISE_BDESC = 752,
  CUDNN_ATTR_OPERATION_POINTWISE_YDESC = 753,
  CUDNN_ATTR_OPERATIONGRAPH_HANDLE = 800,
  CUDNN_ATTR_OPERATIONGRAPH_OPS = 801,
  CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT = 900,
  CUDNN_ATTR_TENSOR_DATA_TYPE = 901,
  CUDNN_ATTR_TENSOR_DIMENSIONS = 902,
  CUDNN_ATTR_TENSOR_STRIDES = 903,
  CUDNN_ATTR_TENSOR_UNIQUE_ID = 906,
  CUDNN_ATTR_TENSOR_IS_VIRTUAL = 907,
  CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS = 1000,
  CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS = 1001,
  CUDNN_ATTR_VARIANT_PACK_WORKSPACE = 1003,
};
/* cudnnBackendAttributeType_t */
enum {
  CUDNN_TYPE_HANDLE = 0,
  CUDNN_TYPE_DATA_TYPE = 1,
  CUDNN_TYPE_BOOLEAN = 2,
  CUDNN_TYPE_INT64 = 3,
  CUDNN_TYPE_FLOAT = 4,
  CUDNN_TYPE_VOID_PTR = 6,
  CUDNN_TYPE_CONVOLUTION_MODE = 7,
  CUDNN_TYPE_HEUR_MODE = 8,
  CUDNN_TYPE_POINTWISE_MODE = 14,
  CUDNN_TYPE_BACKEND_DESCRIPTOR = 15,
};
/* cudnnDataType_t, cudnnConvolutionMode_t, cudnnBackendHeurMode_t */
enum { CUDNN_DATA_FLOAT = 0, CUDNN_DATA_HALF = 2, CUDNN_DATA_BFLOAT16 = 9 };
enum { CUDNN_CROSS_CORRELATION = 1 };
enum { CUDNN_HEUR_MODE_A = 3 };
/* cudnnPointwiseMode_t */
enum { CUDNN_POINTWISE_ADD = 0, CUDNN_POINTWISE_RELU_FWD = 100 };

/* X(member, symbol, parameters), each returning a cudnnStatus_t. */
#define AUTOGLM_CUDNN_FUNCTIONS(X)                                             \
  X(create, "cudnnCreate", (cudnnHandle_t *))                                  \
  X(destroy, "cudnnDestroy", (cudnnHandle_t))                                  \
  X(setStream, "cudnnSetStream", (cudnnHandle_t, CUstream))                    \
  X(createDescriptor, "cudnnBackendCreateDescriptor",                          \
    (int, cudnnBackendDescriptor_t *))                                         \
  X(destroyDescriptor, "cudnnBackendDestroyDescriptor",                        \
    (cudnnBackendDescriptor_t))                                                \
  X(setAttribute, "cudnnBackendSetAttribute",                                  \
    (cudnnBackendDescriptor_t, int, int, int64_t, const void *))               \
  X(getAttribute, "cudnnBackendGetAttribute",                                  \
    (cudnnBackendDescriptor_t, int, int, int64_t, int64_t *, void *))          \
  X(finalize, "cudnnBackendFinalize", (cudnnBackendDescriptor_t))              \
  X(execute, "cudnnBackendExecute",                                            \
    (cudnnHandle_t, cudnnBackendDescriptor_t, cudnnBackendDescriptor_t))

typedef struct autoglm_cudnn {
  char path[256];
  size_t version; /* cudnnGetVersion: major * 10000 + minor * 100 + patch */
  size_t (*getVersion)(void);
  const char *(*getErrorString)(cudnnStatus_t);
#define AUTOGLM_CUDNN_MEMBER(name, symbol, params) cudnnStatus_t(*name) params;
  AUTOGLM_CUDNN_FUNCTIONS(AUTOGLM_CUDNN_MEMBER)
#undef AUTOGLM_CUDNN_MEMBER
} autoglm_cudnn;

#endif /* AUTOGLM_RUNTIME_CUDA_DNN_API_H */
