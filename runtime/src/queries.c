/*===- queries.c - the model's signature, seen through a session ----------===*/

#include "cuda/cuda_session.h"
#include "session_impl.h"

#include <string.h>

const autoglm_model_desc *
autoglm_session_model(const autoglm_session *session) {
  return session ? session->model : NULL;
}

/* Entries per batch size: the model's sequence lengths, or 1. */
static int32_t entriesPerBatch(const autoglm_session *session) {
  int32_t lengths = autoglm_model_num_seq_lengths(session->model);
  return lengths ? lengths : 1;
}

int32_t autoglm_session_num_batch_sizes(const autoglm_session *session) {
  if (!session)
    return 0;
  return session->num_sized ? session->num_sized / entriesPerBatch(session) : 1;
}

const autoglm_model_desc *
autoglm_session_batch_model(const autoglm_session *session, int32_t index) {
  if (index < 0 || index >= autoglm_session_num_batch_sizes(session))
    return NULL;
  /* A batch size at the largest sequence length. */
  int32_t per = entriesPerBatch(session);
  return session->num_sized ? &session->sized[index * per + per - 1]
                            : session->model;
}

int32_t autoglm_session_num_seq_lengths(const autoglm_session *session) {
  return session ? autoglm_model_num_seq_lengths(session->model) : 0;
}

int64_t autoglm_session_seq_length(const autoglm_session *session,
                                   int32_t index) {
  if (index < 0 || index >= autoglm_session_num_seq_lengths(session))
    return 0;
  return session->model->seq_lengths[index];
}

const autoglm_model_desc *
autoglm_session_entry_model(const autoglm_session *session, int32_t batch_index,
                            int32_t length_index) {
  if (batch_index < 0 ||
      batch_index >= autoglm_session_num_batch_sizes(session) ||
      length_index < 0 || length_index >= entriesPerBatch(session))
    return NULL;
  if (!session->num_sized)
    return session->model;
  return &session->sized[batch_index * entriesPerBatch(session) + length_index];
}

int32_t autoglm_session_num_inputs(const autoglm_session *session) {
  return session ? session->model->num_inputs : 0;
}

int32_t autoglm_session_num_outputs(const autoglm_session *session) {
  return session ? session->model->num_outputs : 0;
}

const autoglm_tensor_desc *autoglm_session_input(const autoglm_session *session,
                                                 int32_t index) {
  if (!session || index < 0 || index >= session->model->num_inputs)
    return NULL;
  return &session->model->inputs[index];
}

const autoglm_tensor_desc *
autoglm_session_output(const autoglm_session *session, int32_t index) {
  if (!session || index < 0 || index >= session->model->num_outputs)
    return NULL;
  return &session->model->outputs[index];
}

static int32_t findByName(const autoglm_tensor_desc *descs, int32_t count,
                          const char *name) {
  for (int32_t i = 0; i < count; ++i)
    if (strcmp(descs[i].name, name) == 0)
      return i;
  return -1;
}

int32_t autoglm_session_find_input(const autoglm_session *session,
                                   const char *name) {
  if (!session || !name)
    return -1;
  return findByName(session->model->inputs, session->model->num_inputs, name);
}

int32_t autoglm_session_find_output(const autoglm_session *session,
                                    const char *name) {
  if (!session || !name)
    return -1;
  return findByName(session->model->outputs, session->model->num_outputs, name);
}

uint64_t autoglm_session_workspace_size(const autoglm_session *session) {
  return session ? session->model->workspace_bytes : 0;
}

uint64_t autoglm_session_weights_size(const autoglm_session *session) {
  if (session && session->cuda)
    return session->cuda->file_weights_bytes;
  return session && session->weights ? session->model->weights_bytes : 0;
}

int32_t autoglm_session_num_threads(const autoglm_session *session) {
  return session ? session->context.num_threads : 0;
}

int32_t autoglm_session_device(const autoglm_session *session) {
  return session ? session->model->device : -1;
}

const char *autoglm_session_device_description(const autoglm_session *session) {
  if (!session)
    return "no session";
  return session->cuda ? session->cuda->description : "cpu";
}

int32_t autoglm_session_uses_cuda_graph(const autoglm_session *session) {
  return session && session->cuda_last &&
         session->cuda_last->graph_state == AUTOGLM_CUDA_GRAPH_READY;
}

const char *autoglm_session_execution(const autoglm_session *session) {
  if (!session)
    return "no session";
  return session->cuda_last ? session->cuda_last->execution
                            : session->execution;
}

double autoglm_session_last_device_ms(const autoglm_session *session) {
  return session && session->cuda_last ? session->cuda_last->last_device_ms
                                       : -1.0;
}

uint64_t autoglm_session_device_bytes(const autoglm_session *session) {
  if (!session || !session->cuda)
    return 0;
  uint64_t bytes = session->cuda->allocated_bytes;
  for (int32_t i = 0; session->cuda_sized && i < session->num_sized; ++i)
    if (session->cuda_sized[i])
      bytes += session->cuda_sized[i]->allocated_bytes;
  return bytes;
}

double autoglm_session_last_steps_ms(const autoglm_session *session) {
  return session && session->cuda_last ? session->cuda_last->last_steps_ms
                                       : -1.0;
}
