/*===- run.c - one execution of the model ---------------------------------===*\
 *
 * Checks the caller's tensors, fills the pointer table sized at creation and
 * calls the compiled entry. No allocation: a model run in a real-time loop
 * must not touch the heap.
 *
\*===----------------------------------------------------------------------===*/

#include "cuda/cuda_session.h"
#include "session_impl.h"

#include <stdbool.h>

/* Whether the caller's inputs have exactly the shapes of `model`'s. */
static bool inputsMatch(const autoglm_model_desc *model,
                        const autoglm_tensor *inputs, int32_t num_inputs) {
  if (num_inputs != model->num_inputs)
    return false;
  for (int32_t i = 0; i < num_inputs; ++i) {
    const autoglm_tensor_desc *desc = &model->inputs[i];
    if (inputs[i].rank != desc->rank || (desc->rank > 0 && !inputs[i].shape))
      return false;
    for (int32_t d = 0; d < desc->rank; ++d)
      if (inputs[i].shape[d] != desc->shape[d])
        return false;
  }
  return true;
}

/* The descriptor to run: of a model of several entries (batch sizes,
 * sequence lengths), the entry whose input shapes the caller's tensors
 * have; otherwise, and when no entry has them, the model (so that the
 * check names the largest's shapes), with `exact` false. */
static const autoglm_model_desc *pickEntry(const autoglm_session *session,
                                           const autoglm_tensor *inputs,
                                           int32_t num_inputs, bool *exact) {
  *exact = true;
  if (!session->num_sized || !inputs)
    return session->model;
  for (int32_t s = 0; s < session->num_sized; ++s)
    if (inputsMatch(&session->sized[s], inputs, num_inputs))
      return &session->sized[s];
  *exact = false;
  return session->model;
}

/* "(the model's batch sizes: 1, 2, 4; ...)" after a shape mismatch. */
static void appendEntries(const autoglm_session *session,
                          autoglm_message *message) {
  const autoglm_model_desc *model = session->model;
  int32_t lengths = autoglm_model_num_seq_lengths(model);
  int32_t sizes = session->num_sized / (lengths ? lengths : 1);
  const char *open = " (";
  if (sizes > 1 || !lengths) {
    autoglm_message_appendf(message, "%sthe model's batch sizes:", open);
    for (int32_t s = 0; s < sizes; ++s)
      autoglm_message_appendf(
          message, "%s %lld", s ? "," : "",
          (long long)model->batch_entries[s * (lengths ? lengths : 1)].batch);
    autoglm_message_appendf(message, "; a batcher runs the batches in between");
    open = "; ";
  }
  if (lengths) {
    autoglm_message_appendf(message, "%sthe model's sequence lengths:", open);
    for (int32_t l = 0; l < lengths; ++l)
      autoglm_message_appendf(message, "%s %lld", l ? "," : "",
                              (long long)model->seq_lengths[l]);
  }
  autoglm_message_appendf(message, ")");
}

autoglm_status autoglm_session_run(autoglm_session *session,
                                   const autoglm_tensor *inputs,
                                   int32_t num_inputs,
                                   const autoglm_tensor *outputs,
                                   int32_t num_outputs) {
  if (!session)
    return AUTOGLM_ERROR_INVALID_ARGUMENT;
  bool exact;
  const autoglm_model_desc *model =
      pickEntry(session, inputs, num_inputs, &exact);
  autoglm_message message;
  autoglm_message_init(&message, session->last_error,
                       sizeof(session->last_error));
  if (!exact && autoglm_model_num_seq_lengths(session->model)) {
    autoglm_status status = autoglm_seq_padded_run(
        session, inputs, num_inputs, outputs, num_outputs, &message);
    if (status != AUTOGLM_ERROR_SHAPE_MISMATCH || message.length)
      return status;
  }
  autoglm_status status = autoglm_check_run_tensors(
      model, inputs, num_inputs, outputs, num_outputs, &message);
  if (status != AUTOGLM_OK) {
    if (session->num_sized && status == AUTOGLM_ERROR_SHAPE_MISMATCH)
      appendEntries(session, &message);
    return status;
  }
  return autoglm_run_checked(session, model, inputs, num_inputs, outputs,
                             num_outputs, &message);
}

/* The GPU side that runs `model` (the session's model or one of its
 * entries): an entry but the largest runs on its own. */
static struct autoglm_cuda_session *
cudaForEntry(autoglm_session *session, const autoglm_model_desc *model) {
  struct autoglm_cuda_session *cuda = session->cuda;
  if (model != session->model && session->cuda_sized &&
      session->cuda_sized[model - session->sized])
    cuda = session->cuda_sized[model - session->sized];
  session->cuda_last = cuda;
  return cuda;
}

autoglm_status autoglm_run_pieces(autoglm_session *session,
                                  const autoglm_model_desc *model,
                                  const autoglm_tensor_pieces *inputs,
                                  const autoglm_tensor_pieces *outputs,
                                  autoglm_message *message) {
  return autoglm_cuda_run_pieces(cudaForEntry(session, model), inputs, outputs,
                                 message);
}

autoglm_status
autoglm_run_checked(autoglm_session *session, const autoglm_model_desc *model,
                    const autoglm_tensor *inputs, int32_t num_inputs,
                    const autoglm_tensor *outputs, int32_t num_outputs,
                    autoglm_message *message) {
  if (session->cuda)
    return autoglm_cuda_run(cudaForEntry(session, model), inputs, outputs,
                            message);

  /* An index outside its table is refused, as ONNX Runtime refuses it;
   * the compiled Gather would read row 0 instead (it never reads outside
   * the table). */
  autoglm_status status =
      autoglm_check_index_inputs(session->model, inputs, message);
  if (status != AUTOGLM_OK)
    return status;
  void **buffers = session->buffers;
  for (int32_t i = 0; i < num_inputs; ++i)
    buffers[i] = inputs[i].data;
  for (int32_t i = 0; i < num_outputs; ++i)
    buffers[num_inputs + i] = outputs[i].data;
  autoglm_thread_pool_begin_run(&session->pool);
  int32_t code =
      model->entry(buffers, buffers ? buffers + num_inputs : NULL,
                   session->workspace, session->weights, &session->context);
  autoglm_thread_pool_end_run(&session->pool);
  if (code == AUTOGLM_ENTRY_AMX_REFUSED) {
    autoglm_message_appendf(
        message,
        "model '%s' runs on AMX tiles and the kernel refused this process "
        "the AMX tile state (arch_prctl ARCH_REQ_XCOMP_PERM): compile it "
        "with --cpu-amx=0, or for a CPU without AMX (--cpu)",
        autoglm_model_name(model));
    return AUTOGLM_ERROR_MODEL_FAILED;
  }
  if (code != 0) {
    autoglm_message_appendf(message, "model '%s' failed with code %d",
                            autoglm_model_name(model), code);
    return AUTOGLM_ERROR_MODEL_FAILED;
  }
  return AUTOGLM_OK;
}

const char *autoglm_session_last_error(const autoglm_session *session) {
  return session ? session->last_error : "no session";
}
