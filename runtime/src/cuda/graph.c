/*===- graph.c - capture the steps into one CUDA graph --------------------===*\
 *
 * After the first successful run (which launched each step and waited for
 * it, so every kernel is known to work), the steps are captured once from
 * the session's stream into a CUDA graph. Later runs launch the whole
 * forward pass with one cuGraphLaunch instead of one call per step, which
 * removes the per-launch CPU cost that dominates small kernels. Capture can
 * fail (an old driver, a library that makes the thread's capture illegal);
 * the session then keeps launching the steps one by one and says so.
 *
\*===----------------------------------------------------------------------===*/

#include "cuda_session.h"

#include <stdio.h>

static void captureFailed(autoglm_cuda_session *cuda, const char *what,
                          CUresult result, const char *detail) {
  cuda->graph_state = AUTOGLM_CUDA_GRAPH_FAILED;
  autoglm_message message;
  autoglm_message_init(&message, cuda->execution, sizeof(cuda->execution));
  autoglm_message_appendf(&message,
                          "cuda, %d steps launched one by one (graph capture "
                          "failed: %s: ",
                          cuda->image->num_steps, what);
  if (detail)
    autoglm_message_appendf(&message, "%s", detail);
  else
    autoglm_cuda_append_error(&message, cuda->driver, result);
  autoglm_message_appendf(&message, ")");
}

void autoglm_cuda_capture_graph(autoglm_cuda_session *cuda) {
  const autoglm_cuda_driver *d = cuda->driver;
  CUresult result = d->cuStreamBeginCapture(
      cuda->stream, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
  if (result != CUDA_SUCCESS) {
    captureFailed(cuda, "cuStreamBeginCapture", result, NULL);
    return;
  }
  /* Messages of a failed step go to a scratch buffer: the run succeeded. */
  char scratch[AUTOGLM_MESSAGE_CAPACITY];
  autoglm_message stepMessage;
  autoglm_message_init(&stepMessage, scratch, sizeof(scratch));
  autoglm_status issued = autoglm_cuda_issue_steps(cuda, false, &stepMessage);
  /* A capture, once begun, must be ended whatever happened in between. */
  CUgraph graph = NULL;
  result = d->cuStreamEndCapture(cuda->stream, &graph);
  if (issued != AUTOGLM_OK || result != CUDA_SUCCESS || !graph) {
    if (graph)
      d->cuGraphDestroy(graph);
    if (issued != AUTOGLM_OK)
      captureFailed(cuda, "a step", CUDA_SUCCESS, scratch);
    else
      captureFailed(cuda, "cuStreamEndCapture", result, NULL);
    return;
  }
  CUgraphExec exec = NULL;
  result = d->cuGraphInstantiateWithFlags(&exec, graph, 0);
  if (result != CUDA_SUCCESS) {
    d->cuGraphDestroy(graph);
    captureFailed(cuda, "cuGraphInstantiateWithFlags", result, NULL);
    return;
  }
  cuda->graph = graph;
  cuda->graph_exec = exec;
  cuda->graph_state = AUTOGLM_CUDA_GRAPH_READY;
  snprintf(cuda->execution, sizeof(cuda->execution), "cuda graph of %d steps",
           cuda->image->num_steps);
}

void autoglm_cuda_destroy_graph(autoglm_cuda_session *cuda) {
  if (cuda->graph_exec)
    cuda->driver->cuGraphExecDestroy(cuda->graph_exec);
  if (cuda->graph)
    cuda->driver->cuGraphDestroy(cuda->graph);
  cuda->graph_exec = NULL;
  cuda->graph = NULL;
}
