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

/* Finds, maps and checks the model's weights file, or checks the caller's
 * image of it, and sets session->weights. Nothing to do for a model whose
 * weights are embedded. */
autoglm_status autoglm_load_weights(autoglm_session *session,
                                    const autoglm_session_options *options,
                                    autoglm_message *message);

/* Unmaps what autoglm_load_weights mapped. */
void autoglm_release_weights(autoglm_session *session);

/* The model's name for messages; descriptors may leave it NULL. */
static inline const char *autoglm_model_name(const autoglm_model_desc *model) {
  return model->name ? model->name : "(unnamed)";
}

#endif /* AUTOGLM_RUNTIME_SESSION_IMPL_H */
