/* Runs a compiled float32 model (any shapes) through its descriptor only, with
 * no runtime: with a NULL context, with a context whose parallel_for is NULL,
 * and with a parallel_for that splits [0, n) into three chunks and runs them
 * last to first on this thread. Every way must give the same bytes. */
#include "autoglm/model_abi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const autoglm_model_desc autoglm_model_par;

static int64_t numElements(const autoglm_tensor_desc *t) {
  int64_t n = 1;
  for (int32_t i = 0; i < t->rank; ++i)
    n *= t->shape[i];
  return n;
}

static int calls;

static void reversedChunks(autoglm_exec_context *ctx, int64_t n,
                           autoglm_parallel_body body, void *data) {
  (void)ctx;
  ++calls;
  int64_t a = n / 3, b = 2 * n / 3;
  if (b < n)
    body(data, b, n);
  if (a < b)
    body(data, a, b);
  if (0 < a)
    body(data, 0, a);
}

static void run(const autoglm_model_desc *m, void **inputs, void **outputs,
                autoglm_exec_context *ctx) {
  for (int j = 0; j < m->num_outputs; ++j)
    memset(outputs[j], 0xff, numElements(&m->outputs[j]) * sizeof(float));
  void *workspace = m->workspace_bytes
                        ? aligned_alloc(64, (m->workspace_bytes + 63) / 64 * 64)
                        : NULL;
  int status = m->entry(inputs, outputs, workspace, NULL, ctx);
  free(workspace);
  if (status != 0)
    printf("status %d\n", status);
}

int main(void) {
  const autoglm_model_desc *m = &autoglm_model_par;
  void *inputs[16], *outputs[3][16];
  for (int i = 0; i < m->num_inputs; ++i) {
    int64_t n = numElements(&m->inputs[i]);
    float *data = malloc(n * sizeof(float));
    for (int64_t k = 0; k < n; ++k)
      data[k] = (float)((k * 7919 + i * 104729) % 2001 - 1000) / 1000.0f;
    inputs[i] = data;
  }
  for (int r = 0; r < 3; ++r)
    for (int j = 0; j < m->num_outputs; ++j)
      outputs[r][j] = malloc(numElements(&m->outputs[j]) * sizeof(float));

  autoglm_exec_context noParallelFor = {4, NULL, NULL};
  autoglm_exec_context reversed = {3, reversedChunks, NULL};
  run(m, inputs, outputs[0], NULL);
  run(m, inputs, outputs[1], &noParallelFor);
  run(m, inputs, outputs[2], &reversed);
  printf("parallel_for calls %d\n", calls);
  for (int j = 0; j < m->num_outputs; ++j) {
    size_t bytes = numElements(&m->outputs[j]) * sizeof(float);
    printf("output %s: %s\n", m->outputs[j].name,
           memcmp(outputs[0][j], outputs[1][j], bytes) == 0 &&
                   memcmp(outputs[0][j], outputs[2][j], bytes) == 0
               ? "same"
               : "DIFFERS");
  }
  return 0;
}
