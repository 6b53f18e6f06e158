/*===- autoglm/runtime.h - run a compiled model -------------------*- C -*-===*\
 *
 * The public API of the AutoGLM runtime: wrap a compiled model's descriptor
 * (autoglm/model_abi.h) in a session that owns the workspace and the worker
 * threads, check the caller's tensors against the model's signature, and run.
 *
 * Rules that hold for every function below:
 *  - Plain C11; no function throws, aborts or reads out of bounds on bad
 *    arguments: a NULL session or pointer is reported as a status code (or a
 *    neutral value for the queries), never undefined behaviour.
 *  - All memory is allocated in autoglm_session_create and released in
 *    autoglm_session_destroy. autoglm_session_run allocates nothing.
 *  - A session serves one autoglm_session_run at a time; distinct sessions
 *    (even of the same model) are independent and may run concurrently.
 *    The queries may be called from any thread.
 *  - The runtime never takes ownership of caller memory: the model
 *    descriptor, a caller-provided workspace and the tensors passed to run
 *    stay the caller's, and the first two must outlive the session.
 *
\*===----------------------------------------------------------------------===*/

#ifndef AUTOGLM_RUNTIME_H
#define AUTOGLM_RUNTIME_H

#include "autoglm/model_abi.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*===-- Status codes ------------------------------------------------------===*/

typedef enum autoglm_status {
  AUTOGLM_OK = 0,
  /* A NULL session or pointer, a negative count or a bad option. */
  AUTOGLM_ERROR_INVALID_ARGUMENT = 1,
  /* The model was compiled for another version of model_abi.h. */
  AUTOGLM_ERROR_ABI_MISMATCH = 2,
  /* The model descriptor itself is malformed (NULL entry, negative rank...). */
  AUTOGLM_ERROR_INVALID_MODEL = 3,
  /* run got a different number of inputs or outputs than the model has. */
  AUTOGLM_ERROR_COUNT_MISMATCH = 4,
  /* A tensor's element type differs from the model's. */
  AUTOGLM_ERROR_DTYPE_MISMATCH = 5,
  /* A tensor's rank or dimensions differ from the model's. */
  AUTOGLM_ERROR_SHAPE_MISMATCH = 6,
  /* A tensor passed to run has NULL data (or a NULL shape with rank > 0). */
  AUTOGLM_ERROR_NULL_DATA = 7,
  /* A caller-provided workspace is too small or not 64-byte aligned. */
  AUTOGLM_ERROR_WORKSPACE = 8,
  /* Memory for the session or its workspace could not be allocated. */
  AUTOGLM_ERROR_OUT_OF_MEMORY = 9,
  /* The operating system refused a resource (a worker thread). */
  AUTOGLM_ERROR_SYSTEM = 10,
  /* The compiled computation returned a non-zero code. */
  AUTOGLM_ERROR_MODEL_FAILED = 11,
  /* The model's weights file is missing, unreadable, or from another
   * compilation (size or fingerprint differ). */
  AUTOGLM_ERROR_WEIGHTS = 12,
  /* The model runs on a device this runtime does not drive. */
  AUTOGLM_ERROR_UNSUPPORTED_DEVICE = 13,
  /* The model's device cannot be used here: no CUDA driver, no GPU (or no
   * GPU `device_ordinal`), a driver older than the runtime needs, or a GPU
   * whose architecture the model has no code for. Reported by create. */
  AUTOGLM_ERROR_DEVICE_UNAVAILABLE = 14,
  /* The device refused or failed an operation while the session was being
   * built or run (a kernel launch, a copy, a fault in a kernel); the message
   * names the step's ONNX nodes and the CUDA error. */
  AUTOGLM_ERROR_DEVICE_FAILED = 15,
  /* A batcher's queue holds as many requests as it may (autoglm/batcher.h):
   * the request is refused rather than queued without bound. */
  AUTOGLM_ERROR_QUEUE_FULL = 16,
  /* A batcher's request was cancelled before it ran (autoglm_batcher_cancel
   * or a cancelling shutdown). */
  AUTOGLM_ERROR_CANCELLED = 17,
  /* The batcher is shutting down and accepts no more requests. */
  AUTOGLM_ERROR_SHUT_DOWN = 18
} autoglm_status;

/* A short, static, English description of `status` ("shape mismatch");
 * "unknown status" for values outside the enum. Never NULL. */
const char *autoglm_status_string(autoglm_status status);

/*===-- Element types -----------------------------------------------------===*/

/* The name of an autoglm_dtype as numpy spells it ("float32", "int64",
 * "bool"...); "unknown" for other values. Never NULL. */
const char *autoglm_dtype_name(int32_t dtype);

/* The size in bytes of one element of `dtype`, or 0 for an unknown dtype. */
size_t autoglm_dtype_size(int32_t dtype);

/* The name of an autoglm_device ("cpu", "cuda"); "unknown" for other values. */
const char *autoglm_device_name(int32_t device);

/* The number of elements of a tensor of `rank` dimensions `shape` (1 for
 * rank 0), or -1 when the rank or a dimension is negative, `shape` is NULL
 * with rank > 0, or the product overflows int64_t. */
int64_t autoglm_num_elements(int32_t rank, const int64_t *shape);

/*===-- Sessions ----------------------------------------------------------===*/

/* An opaque session: one model, its workspace and its thread pool. */
typedef struct autoglm_session autoglm_session;

typedef struct autoglm_session_options {
  /* Threads that run the model's parallel loops, the calling thread
   * included: 0 means one per core this process may run on; 1 runs
   * everything on the calling thread and starts no worker. */
  int32_t num_threads;
  /* Scratch memory for the model, at least autoglm_session_workspace_size()
   * bytes (the model descriptor's workspace_bytes) and 64-byte aligned, that
   * the caller keeps alive until the session is destroyed; typically static
   * memory on embedded targets. NULL lets the runtime allocate it, once, at
   * session creation. */
  void *workspace;
  uint64_t workspace_bytes;
  /* For a model compiled with --weights=external (its descriptor's
   * weights_bytes is not 0), where the weights come from; ignored for a
   * model with embedded weights. By default the runtime maps the file the
   * descriptor names (weights_file) from the directory of the shared object
   * or executable that holds the descriptor. `weights_path` names another
   * file to map. `weights`, when not NULL, is the caller's image of the
   * whole file (header included, `weights_image_bytes` long, 64-byte
   * aligned), e.g. static memory on a target without a file system; it
   * must outlive the session. Either way the header's size and fingerprint
   * must match the model's. */
  const char *weights_path;
  const void *weights;
  uint64_t weights_image_bytes;
  /* For a model compiled for CUDA: which GPU runs it, as the CUDA driver
   * numbers them (0 is the first; CUDA_VISIBLE_DEVICES applies). Ignored
   * for a CPU model. A CUDA model's workspace is device memory that the
   * session allocates, so `workspace` must then be NULL, and `num_threads`
   * does not apply (no worker thread is started). */
  int32_t device_ordinal;
  /* How long, in microseconds, the worker threads keep polling for work
   * after a run before they sleep. A run that starts within that time finds
   * them awake; waking a sleeping thread takes tens of microseconds on bare
   * metal and up to milliseconds in a virtual machine. While they poll they
   * yield their cores to any other runnable thread, but they keep them
   * busy: 0 lets them sleep as soon as a run ends, for a process that
   * shares its cores or saves power. Default 10000 (10 ms). */
  int32_t spin_after_run_us;
} autoglm_session_options;

/* Fills `options` with the defaults: all cores, runtime-allocated
 * workspace, weights file found next to the model, GPU 0, workers polling
 * 10 ms after a run. Use it before
 * setting fields so that fields added later get their defaults. NULL-safe. */
void autoglm_session_options_init(autoglm_session_options *options);

/* Creates a session for `model` into `*out_session`. `options` may be NULL
 * for the defaults. Checks the model's abi_version and the descriptor's
 * consistency, takes or allocates the workspace, and starts
 * num_threads - 1 worker threads that live until the session is destroyed.
 * For a model compiled for CUDA it instead loads the CUDA driver (dlopen of
 * libcuda.so.1, or of the library the environment variable
 * AUTOGLM_CUDA_DRIVER names, when the first CUDA session of the process is
 * created), retains GPU `device_ordinal`'s primary context, loads the
 * model's fatbin and kernels, allocates the device workspace, weights
 * (uploaded once) and one device buffer per input and output, and creates
 * one stream; AUTOGLM_ERROR_DEVICE_UNAVAILABLE when the driver, the GPU or
 * code for its architecture is missing.
 * On failure `*out_session` is set to NULL (when `out_session` is not NULL)
 * and autoglm_last_create_error() explains why. `model` is not copied: it
 * must outlive the session (compiled models define it as constant data). */
autoglm_status autoglm_session_create(const autoglm_model_desc *model,
                                      const autoglm_session_options *options,
                                      autoglm_session **out_session);

/* The message of the last failed autoglm_session_create on the calling
 * thread ("model 'resnet' was compiled for ABI version 2, this runtime
 * implements version 1"), or "" if none failed. Valid until the next
 * autoglm_session_create on the same thread. Never NULL. */
const char *autoglm_last_create_error(void);

/* Stops the worker threads and frees everything the session allocated.
 * NULL-safe. Must not race with a run on the same session. */
void autoglm_session_destroy(autoglm_session *session);

/*===-- Queries -----------------------------------------------------------===*/

/* The model the session runs, or NULL for a NULL session. */
const autoglm_model_desc *autoglm_session_model(const autoglm_session *session);

/* The batch sizes of a batch-polymorphic model (`autoglm-opt
 * --batch-sizes`): how many (1 for a model of one fixed size, 0 for a NULL
 * session), and the descriptor of size `index`, smallest first (the model
 * itself for one fixed size; NULL out of range). A size's descriptor has
 * that size's shapes; autoglm_session_run runs it when the tensors have
 * them. Tensors of another batch go through a batcher (autoglm/batcher.h),
 * which pads or splits them onto the sizes. Of a model with sequence
 * lengths, a size's descriptor is at the largest length. */
int32_t autoglm_session_num_batch_sizes(const autoglm_session *session);
const autoglm_model_desc *
autoglm_session_batch_model(const autoglm_session *session, int32_t index);

/* The sequence lengths of a model compiled with sets of lengths
 * (`autoglm-opt --input-shape=input_ids:?x{64,128,256}`): how many (0 for
 * a model without, or a NULL session), length `index` (ascending; 0 out
 * of range), and the descriptor of the entry at batch size `batch_index`
 * and length `length_index` (the batch sizes' descriptor for a model
 * without lengths, with `length_index` 0; NULL out of range).
 * autoglm_session_run runs an entry when the tensors have its shapes; a
 * request of a length between two of the model's runs padded up to the
 * next when the model names a pad mask input (`autoglm-opt --pad-mask`),
 * and is an error naming the lengths otherwise. */
int32_t autoglm_session_num_seq_lengths(const autoglm_session *session);
int64_t autoglm_session_seq_length(const autoglm_session *session,
                                   int32_t index);
const autoglm_model_desc *
autoglm_session_entry_model(const autoglm_session *session, int32_t batch_index,
                            int32_t length_index);

/* The number of model inputs / outputs, or 0 for a NULL session. */
int32_t autoglm_session_num_inputs(const autoglm_session *session);
int32_t autoglm_session_num_outputs(const autoglm_session *session);

/* The descriptor (name, dtype, rank, shape) of input / output `index`, or
 * NULL when the session is NULL or `index` is out of range. It points into
 * the model descriptor and lives as long as the model. */
const autoglm_tensor_desc *autoglm_session_input(const autoglm_session *session,
                                                 int32_t index);
const autoglm_tensor_desc *
autoglm_session_output(const autoglm_session *session, int32_t index);

/* The index of the input / output called `name`, or -1 when there is none
 * (or the session or name is NULL). */
int32_t autoglm_session_find_input(const autoglm_session *session,
                                   const char *name);
int32_t autoglm_session_find_output(const autoglm_session *session,
                                    const char *name);

/* The workspace the model needs, in bytes (0 for a NULL session). */
uint64_t autoglm_session_workspace_size(const autoglm_session *session);

/* The bytes of weights the session maps from the model's weights file (or
 * takes from the caller's image), 0 when the model embeds its weights or
 * for a NULL session. */
uint64_t autoglm_session_weights_size(const autoglm_session *session);

/* The number of threads the session's parallel loops use, the caller
 * included (0 for a NULL session; 1 for a CUDA session, whose calling thread
 * only issues the device work). */
int32_t autoglm_session_num_threads(const autoglm_session *session);

/* The device the session runs on (autoglm_device: AUTOGLM_DEVICE_CPU or
 * AUTOGLM_DEVICE_CUDA), or -1 for a NULL session. */
int32_t autoglm_session_device(const autoglm_session *session);

/* The device in words: "cpu" for a CPU session; for a CUDA session the GPU's
 * name, architecture and ordinal ("NVIDIA H200, sm_90, GPU 0"); "no session"
 * for a NULL session. Lives as long as the session. Never NULL. */
const char *autoglm_session_device_description(const autoglm_session *session);

/* 1 when the session's runs replay one CUDA graph: a CUDA session captures
 * the model's steps into a graph after its first successful run and from
 * then on launches that graph. 0 for a CPU or NULL session, before the first
 * run, and when the capture failed (runs then launch the steps one by one;
 * autoglm_session_execution says why). A batch-polymorphic model has a
 * graph per batch size; this and autoglm_session_execution describe the
 * size that ran last. */
int32_t autoglm_session_uses_cuda_graph(const autoglm_session *session);

/* How runs execute, in words, for logs and tools: "cpu, 4 threads";
 * "cuda, steps launched one by one (first run)"; "cuda graph of 12 steps";
 * "cuda, steps launched one by one (graph capture failed:
 * CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED)"; "no session" for a NULL session.
 * Valid until the next run on the session. Never NULL. */
const char *autoglm_session_execution(const autoglm_session *session);

/* The device time of the last successful run of a CUDA session (of a
 * batch-polymorphic model: of the batch size that ran last) in
 * milliseconds, measured with CUDA events recorded on the session's stream
 * before the first input copy and after the last output copy; negative for
 * a CPU or NULL session and before the first successful run. */
double autoglm_session_last_device_ms(const autoglm_session *session);

/* The device time of the same run's steps alone, in milliseconds: CUDA
 * events recorded after the last input copy and before the first output
 * copy (the model's kernels and library calls, as a framework times a model
 * whose tensors are already on the GPU). Negative when
 * autoglm_session_last_device_ms is. */
double autoglm_session_last_steps_ms(const autoglm_session *session);

/* The device memory a CUDA session holds, in bytes: the workspace (the
 * model's arena), the weights, one buffer per input and output, and the
 * libraries' workspaces (cuBLASLt's, cuDNN's); of a batch-polymorphic
 * model, over all its sizes, what they share counted once. The CUDA
 * context and the libraries' handles are not included. 0 for a CPU or
 * NULL session. */
uint64_t autoglm_session_device_bytes(const autoglm_session *session);

/*===-- Running -----------------------------------------------------------===*/

/* A caller-owned dense, row-major tensor. */
typedef struct autoglm_tensor {
  void *data;    /* the elements; outputs are written, never read */
  int32_t dtype; /* autoglm_dtype */
  int32_t rank;
  const int64_t *shape; /* `rank` dimensions; may be NULL when rank is 0 */
} autoglm_tensor;

/* Runs the model once: reads `inputs[i]` for every model input i and writes
 * `outputs[j]` for every model output j, in the descriptor's order. Every
 * tensor must have exactly the model's dtype, rank and shape, and non-NULL
 * data; the caller allocates the outputs (autoglm_num_elements() times
 * autoglm_dtype_size() bytes). Output buffers must not overlap the inputs
 * or each other.
 *
 * Any mismatch is an error status, with a message from
 * autoglm_session_last_error(), and the model is not run. The calling
 * thread takes part in the model's parallel loops. Allocates nothing.
 *
 * For a CUDA model each tensor's data may be host memory or device memory
 * of the session's GPU (told apart with the driver's pointer attributes):
 * inputs are copied into the session's device buffers, the model runs on
 * the session's stream, the outputs are copied out, and run returns when
 * all of it is done. */
autoglm_status autoglm_session_run(autoglm_session *session,
                                   const autoglm_tensor *inputs,
                                   int32_t num_inputs,
                                   const autoglm_tensor *outputs,
                                   int32_t num_outputs);

/* Explains the status of the last autoglm_session_run on `session` in the
 * user's terms, naming the input or output ("input 'image' has shape
 * [1,3,224,224], the model expects [1,3,32,32]"); "" after a success.
 * Valid until the next run on the session. Never NULL; "no session" for a
 * NULL session. */
const char *autoglm_session_last_error(const autoglm_session *session);

#ifdef __cplusplus
}
#endif

#endif /* AUTOGLM_RUNTIME_H */
