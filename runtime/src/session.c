/*===- session.c - session creation and destruction -----------------------===*\
 *
 * Creation does every allocation a session will ever make: the session
 * itself, the entry's pointer table, the workspace (unless the caller brings
 * one), the mapping of the weights file (when the model has one) and the
 * worker threads; for a CUDA model, the GPU side (cuda/session.c) instead
 * of the workspace and the workers.
 *
\*===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L /* posix_memalign */

#include "cuda/cuda_session.h"
#include "session_impl.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The alignment the ABI promises the compiled code for its workspace. */
enum { WorkspaceAlignment = 64 };

/* Creation can fail before a session exists to hold the message. */
static _Thread_local char createError[AUTOGLM_MESSAGE_CAPACITY];

const char *autoglm_last_create_error(void) { return createError; }

void autoglm_session_options_init(autoglm_session_options *options) {
  if (!options)
    return;
  memset(options, 0, sizeof(*options));
  options->num_threads = 0;
  options->workspace = NULL;
  options->workspace_bytes = 0;
  options->weights_path = NULL;
  options->weights = NULL;
  options->weights_image_bytes = 0;
  options->device_ordinal = 0;
  options->spin_after_run_us = 10000;
}

static void parallelFor(autoglm_exec_context *context, int64_t n,
                        autoglm_parallel_body body, void *data) {
  if (!context || !context->runtime_data)
    return;
  autoglm_thread_pool_parallel_for(context->runtime_data, n, body, data);
}

/* Takes the caller's workspace or allocates one. */
static autoglm_status setUpWorkspace(autoglm_session *session,
                                     const autoglm_session_options *options,
                                     autoglm_message *message) {
  uint64_t needed = session->model->workspace_bytes;
  if (options->workspace) {
    if (options->workspace_bytes < needed) {
      autoglm_message_appendf(
          message, "the workspace has %llu bytes, model '%s' needs %llu",
          (unsigned long long)options->workspace_bytes,
          autoglm_model_name(session->model), (unsigned long long)needed);
      return AUTOGLM_ERROR_WORKSPACE;
    }
    if ((uintptr_t)options->workspace % WorkspaceAlignment != 0) {
      autoglm_message_appendf(message,
                              "the workspace at %p is not %d-byte aligned",
                              options->workspace, WorkspaceAlignment);
      return AUTOGLM_ERROR_WORKSPACE;
    }
    session->workspace = options->workspace;
    return AUTOGLM_OK;
  }
  if (needed == 0)
    return AUTOGLM_OK;
  if (needed > SIZE_MAX - WorkspaceAlignment ||
      posix_memalign(&session->workspace, WorkspaceAlignment, (size_t)needed) !=
          0) {
    session->workspace = NULL;
    autoglm_message_appendf(message,
                            "cannot allocate the %llu-byte workspace of model "
                            "'%s'",
                            (unsigned long long)needed,
                            autoglm_model_name(session->model));
    return AUTOGLM_ERROR_OUT_OF_MEMORY;
  }
  session->owns_workspace = true;
  return AUTOGLM_OK;
}

/* Frees what setUpWorkspace, the weights, the GPU side and the pointer table
 * took; the pool is torn down separately because it may not have been
 * started. */
static void releaseMemory(autoglm_session *session) {
  /* The sizes that borrow the largest's device memory go first. */
  for (int32_t i = 0; session->cuda_sized && i < session->num_sized; ++i)
    autoglm_cuda_session_destroy(session->cuda_sized[i]);
  free(session->cuda_sized);
  autoglm_cuda_session_destroy(session->cuda);
  autoglm_release_weights(session);
  autoglm_seq_padding_destroy(session);
  if (session->owns_workspace)
    free(session->workspace);
  free(session->buffers);
  free(session->sized);
  free(session);
}

/* The GPU side of each batch size of a batch-polymorphic CUDA model but
 * the largest, whose shapes are the model's own: its kernels, steps and
 * staging buffers, on the largest's device weights and workspace. */
static autoglm_status createCudaSizes(autoglm_session *session,
                                      const autoglm_session_options *options,
                                      autoglm_message *message) {
  if (session->num_sized < 2)
    return AUTOGLM_OK;
  session->cuda_sized =
      calloc((size_t)session->num_sized, sizeof(*session->cuda_sized));
  if (!session->cuda_sized) {
    autoglm_message_appendf(message, "cannot allocate a session");
    return AUTOGLM_ERROR_OUT_OF_MEMORY;
  }
  for (int32_t i = 0; i + 1 < session->num_sized; ++i) {
    autoglm_status status = autoglm_cuda_session_create(
        &session->sized[i], options, NULL, session->cuda,
        &session->cuda_sized[i], message);
    if (status != AUTOGLM_OK)
      return status;
  }
  return AUTOGLM_OK;
}

autoglm_status autoglm_session_create(const autoglm_model_desc *model,
                                      const autoglm_session_options *options,
                                      autoglm_session **out_session) {
  autoglm_message message;
  autoglm_message_init(&message, createError, sizeof(createError));
  if (!out_session) {
    autoglm_message_appendf(&message, "out_session is NULL");
    return AUTOGLM_ERROR_INVALID_ARGUMENT;
  }
  *out_session = NULL;
  autoglm_status status = autoglm_check_model(model, &message);
  if (status != AUTOGLM_OK)
    return status;

  autoglm_session_options defaults;
  autoglm_session_options_init(&defaults);
  if (!options)
    options = &defaults;
  if (options->num_threads < 0) {
    autoglm_message_appendf(&message,
                            "num_threads is %d; use 0 for all cores or a "
                            "positive count",
                            options->num_threads);
    return AUTOGLM_ERROR_INVALID_ARGUMENT;
  }
  if (options->spin_after_run_us < 0) {
    autoglm_message_appendf(&message,
                            "spin_after_run_us is %d; use 0 to let the "
                            "workers sleep after each run or a positive "
                            "number of microseconds",
                            options->spin_after_run_us);
    return AUTOGLM_ERROR_INVALID_ARGUMENT;
  }
  bool onCuda = model->device == AUTOGLM_DEVICE_CUDA;
  if (onCuda && options->workspace) {
    autoglm_message_appendf(&message,
                            "model '%s' runs on cuda, whose workspace is "
                            "device memory that the session allocates; leave "
                            "options.workspace NULL",
                            autoglm_model_name(model));
    return AUTOGLM_ERROR_WORKSPACE;
  }
  /* The calling thread only issues a CUDA model's work: no workers. */
  int32_t numThreads = onCuda                 ? 1
                       : options->num_threads ? options->num_threads
                                              : autoglm_available_cores();

  autoglm_session *session = calloc(1, sizeof(*session));
  if (!session) {
    autoglm_message_appendf(&message, "cannot allocate a session");
    return AUTOGLM_ERROR_OUT_OF_MEMORY;
  }
  session->model = model;
  /* Each batch size as a descriptor of its own, so that a run of one size
   * is checked and called exactly as a model of that size. */
  int32_t numSized = autoglm_model_num_batch_entries(model);
  if (numSized > 0) {
    if (!(session->sized = calloc((size_t)numSized, sizeof(*session->sized)))) {
      releaseMemory(session);
      autoglm_message_appendf(&message, "cannot allocate a session");
      return AUTOGLM_ERROR_OUT_OF_MEMORY;
    }
    session->num_sized = numSized;
    for (int32_t i = 0; i < numSized; ++i)
      autoglm_model_batch_view(model, i, &session->sized[i]);
  }
  size_t numBuffers = (size_t)model->num_inputs + (size_t)model->num_outputs;
  if (numBuffers && !(session->buffers = calloc(numBuffers, sizeof(void *)))) {
    releaseMemory(session);
    autoglm_message_appendf(&message, "cannot allocate a session");
    return AUTOGLM_ERROR_OUT_OF_MEMORY;
  }
  if ((status = autoglm_seq_padding_create(session, &message)) != AUTOGLM_OK ||
      (!onCuda &&
       (status = setUpWorkspace(session, options, &message)) != AUTOGLM_OK) ||
      (status = autoglm_load_weights(session, options, &message)) !=
          AUTOGLM_OK) {
    releaseMemory(session);
    return status;
  }
  if (onCuda) {
    status = autoglm_cuda_session_create(model, options, session->weights, NULL,
                                         &session->cuda, &message);
    if (status == AUTOGLM_OK)
      status = createCudaSizes(session, options, &message);
    session->cuda_last = session->cuda;
    /* The weights now live on the GPU; the file's pages are not needed. */
    autoglm_release_weights(session);
    if (status != AUTOGLM_OK) {
      releaseMemory(session);
      return status;
    }
  }
  int error = autoglm_thread_pool_init(&session->pool, numThreads,
                                       options->spin_after_run_us);
  if (error) {
    releaseMemory(session);
    autoglm_message_appendf(&message, "cannot start %d worker threads: %s",
                            numThreads - 1, strerror(error));
    return error == ENOMEM ? AUTOGLM_ERROR_OUT_OF_MEMORY : AUTOGLM_ERROR_SYSTEM;
  }
  session->context.num_threads = numThreads;
  session->context.parallel_for = parallelFor;
  session->context.runtime_data = &session->pool;
  snprintf(session->execution, sizeof(session->execution), "cpu, %d thread%s",
           numThreads, numThreads == 1 ? "" : "s");
  *out_session = session;
  return AUTOGLM_OK;
}

void autoglm_session_destroy(autoglm_session *session) {
  if (!session)
    return;
  autoglm_thread_pool_destroy(&session->pool);
  releaseMemory(session);
}
