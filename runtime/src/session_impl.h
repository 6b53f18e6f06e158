/*===- session_impl.h - the session object --------------------------*- C
-*-===*\
 *
 * Internal to the runtime. Everything a run needs lives here, sized at
 * creation, so that autoglm_session_run never allocates.
 *
\*===----------------------------------------------------------------------===*/

#ifndef AUTOGLM_RUNTIME_SESSION_IMPL_H
#define AUTOGLM_RUNTIME_SESSION_IMPL_H

#include "autoglm/runtime.h"
#include "message.h"
#include "thread_pool.h"

#include <stdbool.h>

struct autoglm_cuda_session;
struct autoglm_seq_padding;

struct autoglm_session {
  const autoglm_model_desc *model;
  /* A batch-polymorphic model's sizes as descriptors of one size each
   * (autoglm_model_sized), smallest first; NULL and 0 for one fixed size. */
  autoglm_model_desc *sized;
  int32_t num_sized;
  void *workspace;
  bool owns_workspace;
  /* The weights data handed to the entry (NULL when embedded), and the
   * mapping of the weights file it lies in, when the runtime mapped one. */
  const void *weights;
  void *weights_mapping;
  size_t weights_mapping_bytes;
  /* The data pointers handed to the entry function, num_inputs then
   * num_outputs of them; NULL when the model has neither. */
  void **buffers;
  autoglm_exec_context context;
  autoglm_thread_pool pool;
  /* The GPU side of a session of a CUDA model (cuda/cuda_session.h); NULL
   * for a CPU model. */
  struct autoglm_cuda_session *cuda;
  /* Of a batch-polymorphic CUDA model, the GPU side of each size but the
   * largest (which is `cuda`), in the order of `sized`, each borrowing
   * `cuda`'s device weights and workspace; and the one that ran last, whose
   * device time and graph the queries report. */
  struct autoglm_cuda_session **cuda_sized;
  struct autoglm_cuda_session *cuda_last;
  /* Of a model with sequence-length buckets and a pad mask, the staging
   * tensors a request of a length between buckets is padded into
   * (seq_padding.c); NULL otherwise. */
  struct autoglm_seq_padding *padding;
  char execution[64]; /* autoglm_session_execution for a CPU model */
  char last_error[AUTOGLM_MESSAGE_CAPACITY];
};

/* Checks a descriptor before a session is built on it: ABI version, counts,
 * entry point, and every tensor descriptor. Returns AUTOGLM_OK, or an error
 * status with the reason in `message`. */
autoglm_status autoglm_check_model(const autoglm_model_desc *model,
                                   autoglm_message *message);

/* The batch entries of a checked descriptor: none before ABI 4. */
static inline int32_t
autoglm_model_num_batch_entries(const autoglm_model_desc *model) {
  return model->abi_version >= 4 ? model->num_batch_entries : 0;
}

/* The sequence lengths of a checked descriptor: none before ABI 5. */
static inline int32_t
autoglm_model_num_seq_lengths(const autoglm_model_desc *model) {
  return model->abi_version >= 5 ? model->num_seq_lengths : 0;
}

/* The index checks of a checked descriptor: none before ABI 6. */
static inline int32_t
autoglm_model_num_index_checks(const autoglm_model_desc *model) {
  return model->abi_version >= 6 ? model->num_index_checks : 0;
}

/* Whether a checked descriptor pads requests between its lengths. */
static inline int autoglm_model_pads_lengths(const autoglm_model_desc *model) {
  return autoglm_model_num_seq_lengths(model) > 0 && model->pad_mask_input >= 0;
}

/* The descriptor of batch entry `index` of a checked batch-polymorphic
 * model: the model at that size alone (its shapes, entry, workspace and,
 * for a CUDA model, its device image), with no batch entries. */
void autoglm_model_batch_view(const autoglm_model_desc *model, int32_t index,
                              autoglm_model_desc *view);

/* Checks the tensors passed to run against the model's signature. Returns
 * AUTOGLM_OK, or an error status with a message naming the first offending
 * input or output. */
autoglm_status autoglm_check_run_tensors(const autoglm_model_desc *model,
                                         const autoglm_tensor *inputs,
                                         int32_t num_inputs,
                                         const autoglm_tensor *outputs,
                                         int32_t num_outputs,
                                         autoglm_message *message);

/* Checks the values of the inputs that index a Gather's table (the
 * descriptor's index checks; `inputs` host memory of checked shapes):
 * AUTOGLM_OK, or AUTOGLM_ERROR_INVALID_ARGUMENT with a message naming the
 * input, the first value out of range and its position, and the node. */
autoglm_status autoglm_check_index_inputs(const autoglm_model_desc *model,
                                          const autoglm_tensor *inputs,
                                          autoglm_message *message);

/* Finds, maps and checks the model's weights file, or checks the caller's
 * image of it, and sets session->weights. Nothing to do for a model whose
 * weights are embedded. */
autoglm_status autoglm_load_weights(autoglm_session *session,
                                    const autoglm_session_options *options,
                                    autoglm_message *message);

/* Runs the caller's tensors on descriptor `model` (the session's model or
 * one of its entries), already checked: the compiled entry on the CPU, the
 * entry's GPU side on CUDA. */
autoglm_status
autoglm_run_checked(autoglm_session *session, const autoglm_model_desc *model,
                    const autoglm_tensor *inputs, int32_t num_inputs,
                    const autoglm_tensor *outputs, int32_t num_outputs,
                    autoglm_message *message);

/* A run's tensor as consecutive byte ranges of host or device memory, in
 * order: a batch's rows where its requests hold them, which a GPU session
 * copies to its device buffers and back without staging them in one host
 * buffer first. */
typedef struct autoglm_piece {
  void *data;
  uint64_t bytes;
} autoglm_piece;

typedef struct autoglm_tensor_pieces {
  const autoglm_piece *pieces;
  int32_t count;
} autoglm_tensor_pieces;

/* Runs `model` (the session's model or one of its entries) of a GPU
 * session on tensors given as pieces: an input's pieces fill its device
 * buffer in order, and an output's pieces take its buffer's first bytes
 * (a padded batch's padding rows are not copied back). The pieces of an
 * input must cover its buffer exactly. */
autoglm_status autoglm_run_pieces(autoglm_session *session,
                                  const autoglm_model_desc *model,
                                  const autoglm_tensor_pieces *inputs,
                                  const autoglm_tensor_pieces *outputs,
                                  autoglm_message *message);

/* Allocates the staging tensors of a model that pads sequence lengths
 * (nothing to do for another): the largest entry's inputs and outputs. */
autoglm_status autoglm_seq_padding_create(autoglm_session *session,
                                          autoglm_message *message);
void autoglm_seq_padding_destroy(autoglm_session *session);

/* A run whose tensors match no entry of a model with sequence lengths:
 * finds the request's length (its inputs' sequence dimensions), and runs
 * it padded up to the smallest length that holds it, the outputs' padding
 * positions dropped; or fails with a message naming the input and the
 * lengths (above the largest, not a length of a model without a pad mask).
 * Returns AUTOGLM_ERROR_SHAPE_MISMATCH with nothing written to `message`
 * when the tensors have no length to pad (the caller then reports the
 * usual mismatch). */
autoglm_status
autoglm_seq_padded_run(autoglm_session *session, const autoglm_tensor *inputs,
                       int32_t num_inputs, const autoglm_tensor *outputs,
                       int32_t num_outputs, autoglm_message *message);

/* Copies the box `box` (a shape no larger than either) from `src`, a dense
 * tensor of `srcShape`, to the same position of `dst`, one of `dstShape`
 * (all of rank `rank`): a request into a padded tensor, or back. */
void autoglm_copy_box(const char *src, const int64_t *srcShape, char *dst,
                      const int64_t *dstShape, const int64_t *box, int32_t rank,
                      size_t elementBytes);

/* Unmaps what autoglm_load_weights mapped. */
void autoglm_release_weights(autoglm_session *session);

/* The model's name for messages; descriptors may leave it NULL. */
static inline const char *autoglm_model_name(const autoglm_model_desc *model) {
  return model->name ? model->name : "(unnamed)";
}

#endif /* AUTOGLM_RUNTIME_SESSION_IMPL_H */
