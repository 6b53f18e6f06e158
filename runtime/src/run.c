/*===- run.c - one execution of the model ---------------------------------===*\
 *
 * Checks the caller's tensors, fills the pointer table sized at creation and
 * calls the compiled entry. No allocation: a model run in a real-time loop
 * must not touch the heap.
 *
\*===----------------------------------------------------------------------===*/

#include "cuda/cuda_session.h"
#include "session_impl.h"

/* The descriptor to run: of a batch-polymorphic model, the size whose first
 * batched input's dimension 0 the caller's tensor has; otherwise (and when
 * no size has it, so that the check names the largest's shapes) the model. */
static const autoglm_model_desc *pickBatchSize(const autoglm_session *session,
                                               const autoglm_tensor *inputs,
                                               int32_t num_inputs) {
  const autoglm_model_desc *model = session->model;
  if (!session->num_sized || !inputs)
    return model;
  for (int32_t i = 0; i < model->num_inputs && i < num_inputs; ++i) {
    if (model->inputs[i].rank < 1 || inputs[i].rank < 1 || !inputs[i].shape)
      continue;
    for (int32_t s = 0; s < session->num_sized; ++s) {
      const autoglm_tensor_desc *sized = &session->sized[s].inputs[i];
      if (sized->shape[0] != model->inputs[i].shape[0] &&
          sized->shape[0] == inputs[i].shape[0])
        return &session->sized[s];
    }
  }
  return model;
}

autoglm_status autoglm_session_run(autoglm_session *session,
                                   const autoglm_tensor *inputs,
                                   int32_t num_inputs,
                                   const autoglm_tensor *outputs,
                                   int32_t num_outputs) {
  if (!session)
    return AUTOGLM_ERROR_INVALID_ARGUMENT;
  const autoglm_model_desc *model = pickBatchSize(session, inputs, num_inputs);
  autoglm_message message;
  autoglm_message_init(&message, session->last_error,
                       sizeof(session->last_error));
  autoglm_status status = autoglm_check_run_tensors(
      model, inputs, num_inputs, outputs, num_outputs, &message);
  if (status != AUTOGLM_OK) {
    if (session->num_sized) {
      autoglm_message_appendf(&message, " (the model's batch sizes:");
      for (int32_t s = 0; s < session->num_sized; ++s)
        autoglm_message_appendf(
            &message, "%s %lld", s ? "," : "",
            (long long)session->model->batch_entries[s].batch);
      autoglm_message_appendf(&message,
                              "; a batcher runs the batches in between)");
    }
    return status;
  }
  if (session->cuda) {
    /* A batch size but the largest runs on its own GPU side. */
    struct autoglm_cuda_session *cuda = session->cuda;
    if (model != session->model && session->cuda_sized &&
        session->cuda_sized[model - session->sized])
      cuda = session->cuda_sized[model - session->sized];
    session->cuda_last = cuda;
    return autoglm_cuda_run(cuda, inputs, outputs, &message);
  }

  void **buffers = session->buffers;
  for (int32_t i = 0; i < num_inputs; ++i)
    buffers[i] = inputs[i].data;
  for (int32_t i = 0; i < num_outputs; ++i)
    buffers[num_inputs + i] = outputs[i].data;
  int32_t code =
      model->entry(buffers, buffers ? buffers + num_inputs : NULL,
                   session->workspace, session->weights, &session->context);
  if (code != 0) {
    autoglm_message_appendf(&message, "model '%s' failed with code %d",
                            autoglm_model_name(model), code);
    return AUTOGLM_ERROR_MODEL_FAILED;
  }
  return AUTOGLM_OK;
}

const char *autoglm_session_last_error(const autoglm_session *session) {
  return session ? session->last_error : "no session";
}
