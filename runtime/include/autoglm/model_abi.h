/*===- autoglm/model_abi.h - what a compiled model exports -------*- C -*-===*\
 *
 * The contract between the compiler and the runtime. A compiled model (object,
 * static or shared library) defines one `autoglm_model_desc`, named
 * `autoglm_model_<prefix>` (prefix from --model-name, default "model"); a
 * shared library also exports `autoglm_get_model()` returning it. The
 * descriptor is plain constant data plus one entry function, so the runtime
 * needs nothing else from the compiler. Plain C, no MLIR or LLVM.
 *
\*===----------------------------------------------------------------------===*/

#ifndef AUTOGLM_MODEL_ABI_H
#define AUTOGLM_MODEL_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any change of the structs below.
 * 2 -> 3: `device` and `device_image` in autoglm_model_desc.
 * 3 -> 4: `num_batch_entries` and `batch_entries` appended to
 *         autoglm_model_desc (batch-polymorphic models). A version 3
 *         descriptor is the prefix of a version 4 one, so the runtime still
 *         reads it, as a model of one batch size.
 * 4 -> 5: `num_seq_lengths`, `seq_lengths`, `input_seq_dims`,
 *         `output_seq_dims` and `pad_mask_input` appended (sequence-length
 *         buckets). Versions 3 and 4 are read as prefixes, with no
 *         buckets.
 * 5 -> 6: `num_index_checks` and `index_checks` appended (model inputs
 *         that index a Gather's table, checked before a run). Versions 3
 *         to 5 are read as prefixes, with no checks. */
#define AUTOGLM_ABI_VERSION 6
/* The oldest descriptor version the runtime reads. */
#define AUTOGLM_ABI_OLDEST_VERSION 3

/* The element types: the one table that the runtime and the compiler
 * (lib/Target/ModelSignature.cpp, the generated header) both expand, so a
 * code is written down once. X(NAME, ONNX code, bytes, "name"); codes are
 * ONNX's TensorProto.DataType numbers. Codes only get added (the float8
 * types came after ABI 4 without changing a struct, so the version stays);
 * a runtime that does not know a code rejects the model's tensors of it.
 * The types ONNX packs two or four to a byte (int4, uint4, float4e2m1,
 * int2, uint2) take one byte per element here: a signed integer
 * sign-extended to int8, the others' bits in the low bits of the byte. */
#define AUTOGLM_DTYPES(X)                                                      \
  X(FLOAT32, 1, 4, "float32")                                                  \
  X(UINT8, 2, 1, "uint8")                                                      \
  X(INT8, 3, 1, "int8")                                                        \
  X(UINT16, 4, 2, "uint16")                                                    \
  X(INT16, 5, 2, "int16")                                                      \
  X(INT32, 6, 4, "int32")                                                      \
  X(INT64, 7, 8, "int64")                                                      \
  X(BOOL, 9, 1, "bool")                                                        \
  X(FLOAT16, 10, 2, "float16")                                                 \
  X(FLOAT64, 11, 8, "float64")                                                 \
  X(UINT32, 12, 4, "uint32")                                                   \
  X(UINT64, 13, 8, "uint64")                                                   \
  X(BFLOAT16, 16, 2, "bfloat16")                                               \
  X(FLOAT8E4M3FN, 17, 1, "float8e4m3fn")                                       \
  X(FLOAT8E4M3FNUZ, 18, 1, "float8e4m3fnuz")                                   \
  X(FLOAT8E5M2, 19, 1, "float8e5m2")                                           \
  X(FLOAT8E5M2FNUZ, 20, 1, "float8e5m2fnuz")                                   \
  X(UINT4, 21, 1, "uint4")                                                     \
  X(INT4, 22, 1, "int4")                                                       \
  X(FLOAT4E2M1, 23, 1, "float4e2m1")                                           \
  X(UINT2, 25, 1, "uint2")                                                     \
  X(INT2, 26, 1, "int2")

typedef enum autoglm_dtype {
#define AUTOGLM_DTYPE_ENUMERATOR(name, code, bytes, text) AUTOGLM_##name = code,
  AUTOGLM_DTYPES(AUTOGLM_DTYPE_ENUMERATOR)
#undef AUTOGLM_DTYPE_ENUMERATOR
} autoglm_dtype;

/* Where a compiled model's code runs. A CPU model's entry function is the
 * computation itself; a model for another device carries that device's code
 * in `device_image`, whose layout the device's part of the runtime defines. */
#define AUTOGLM_DEVICES(X)                                                     \
  X(CPU, 0, "cpu")                                                             \
  X(CUDA, 1, "cuda")

typedef enum autoglm_device {
#define AUTOGLM_DEVICE_ENUMERATOR(name, code, text)                            \
  AUTOGLM_DEVICE_##name = code,
  AUTOGLM_DEVICES(AUTOGLM_DEVICE_ENUMERATOR)
#undef AUTOGLM_DEVICE_ENUMERATOR
} autoglm_device;

typedef struct autoglm_tensor_desc {
  const char *name; /* the ONNX graph input/output name */
  int32_t dtype;    /* autoglm_dtype */
  int32_t rank;
  const int64_t *shape; /* `rank` static dimensions */
} autoglm_tensor_desc;

/* Runs `n` iterations of `body` over [0, n), possibly in parallel; provided
 * by the runtime to the compiled code through `autoglm_exec_context`.
 * `parallel_for(ctx, n, body, data)` calls `body(data, begin, end)` on
 * disjoint, non-empty, contiguous chunks that cover [0, n) exactly once, at
 * most `ctx->num_threads` of them, on the calling thread and the runtime's
 * workers, and returns when all have finished. It allocates nothing; n <= 0
 * does nothing; a parallel_for called from inside a body runs inline on that
 * thread. */
typedef void (*autoglm_parallel_body)(void *data, int64_t begin, int64_t end);

typedef struct autoglm_exec_context {
  int32_t num_threads;
  void (*parallel_for)(struct autoglm_exec_context *ctx, int64_t n,
                       autoglm_parallel_body body, void *data);
  void *runtime_data;
} autoglm_exec_context;

/* The compiled computation. `inputs[i]` / `outputs[j]` point to dense,
 * row-major buffers of the shapes and types the descriptor gives (outputs
 * are written, never read); `workspace` is `workspace_bytes` of scratch
 * memory aligned to 64 bytes (may be NULL when that is 0); `weights` is the
 * data of the model's weights file (below), 64-byte aligned, when
 * `weights_bytes` is not 0, and is ignored otherwise. Returns 0, or a
 * non-zero code when the computation itself failed. */
/* The entry's code when the model runs on AMX tiles (compiled for a CPU
 * with AMX-INT8) and the operating system refused the process the AMX
 * tile state: on Linux the entry asks for it once with
 * arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) before any tile
 * instruction, which would otherwise stop the process with SIGILL. */
#define AUTOGLM_ENTRY_AMX_REFUSED 0x414d58 /* "AMX" */

typedef int32_t (*autoglm_entry_fn)(void *const *inputs, void *const *outputs,
                                    void *workspace, const void *weights,
                                    autoglm_exec_context *ctx);

/* A weights file ("sidecar"), written by `autoglm-opt --weights=external`
 * next to the compiled model: this 64-byte header, then `data_bytes` of
 * weights, each at a 64-byte aligned offset from the end of the header. The
 * file is mapped, not read, so a large model's weights are paged in on
 * demand and shared between processes. `fingerprint` identifies the
 * contents; the model descriptor records the same value so that a file from
 * another compilation is refused. Integers are little-endian. */
#define AUTOGLM_WEIGHTS_MAGIC "AGLMWTS1" /* 8 bytes, no terminator stored */
#define AUTOGLM_WEIGHTS_HEADER_BYTES 64
typedef struct autoglm_weights_header {
  char magic[8];        /* AUTOGLM_WEIGHTS_MAGIC */
  uint64_t data_bytes;  /* bytes after the header */
  uint64_t fingerprint; /* equals the descriptor's weights_fingerprint */
  uint8_t reserved[40]; /* zero */
} autoglm_weights_header;

/* One batch size of a batch-polymorphic model (`autoglm-opt
 * --batch-sizes`): the model specialized for `batch` rows in dimension 0 of
 * its batched tensors, with its own shapes, entry and workspace needs. Every
 * entry reads the descriptor's one weights image and runs in one workspace
 * of the descriptor's `workspace_bytes`, the largest entry's. A model with
 * sequence-length buckets has an entry per (batch, length) pair, batch
 * major: entry i is at length seq_lengths[i % num_seq_lengths], and
 * `batch` repeats (a model of lengths only: its fixed dimension 0). */
typedef struct autoglm_batch_entry {
  int64_t batch;
  const autoglm_tensor_desc *inputs;  /* num_inputs, this size's shapes */
  const autoglm_tensor_desc *outputs; /* num_outputs */
  uint64_t workspace_bytes;           /* <= the descriptor's */
  autoglm_entry_fn entry;
} autoglm_batch_entry;

/* A model input whose values index a table (the indices of an ONNX Gather
 * or GatherElements node, the input itself or a reshape of it): each value
 * must lie in [-limit, limit), the table's rows along the node's axis. The
 * runtime checks the input before a CPU run and refuses it with a message
 * naming `node`, as ONNX Runtime refuses such an input, instead of running
 * the model on a value the node does not define. */
typedef struct autoglm_index_check {
  int32_t input; /* index into the inputs; an int32 or int64 tensor */
  int64_t limit;
  const char *node; /* the ONNX node's name */
} autoglm_index_check;

typedef struct autoglm_model_desc {
  uint32_t abi_version; /* AUTOGLM_ABI_VERSION */
  int32_t device;       /* autoglm_device */
  const char *name;     /* the model name (prefix) */
  int32_t num_inputs;
  int32_t num_outputs;
  const autoglm_tensor_desc *inputs;
  const autoglm_tensor_desc *outputs;
  uint64_t workspace_bytes;
  autoglm_entry_fn entry;
  /* Weights kept out of the binary, in a weights file: its data size (0 when
   * every weight is embedded), fingerprint, and name as the compiler wrote
   * it (a file name without directory; NULL when embedded). */
  uint64_t weights_bytes;
  uint64_t weights_fingerprint;
  const char *weights_file;
  /* The device code and its tables (NULL for AUTOGLM_DEVICE_CPU). */
  const void *device_image;
  /* ABI 4. A batch-polymorphic model's sizes, ascending batch, the last
   * being the one the fields above describe (its shapes and entry, with the
   * largest workspace); 0 and NULL for a model of one fixed size. */
  int32_t num_batch_entries;
  const autoglm_batch_entry *batch_entries;
  /* ABI 5. Sequence-length buckets (`{64,128,256}` in a dimension of
   * `autoglm-opt --input-shape`): the lengths, ascending (0 and NULL for a
   * model without); per input and output, its dimensions that are the
   * length, a bit each (bit d for dimension d; 0 for a tensor without);
   * and the input whose zeros mark padding positions (`--pad-mask`), so
   * that a request of a length between buckets is padded up to one, or -1:
   * then a request's length must be a bucket. */
  int32_t num_seq_lengths;
  const int64_t *seq_lengths;
  const uint32_t *input_seq_dims;
  const uint32_t *output_seq_dims;
  int32_t pad_mask_input;
  /* ABI 6. The inputs checked as a Gather's indices before each run (0 and
   * NULL for a model without). */
  int32_t num_index_checks;
  const autoglm_index_check *index_checks;
} autoglm_model_desc;

#ifdef __cplusplus
}
#endif

#endif /* AUTOGLM_MODEL_ABI_H */
