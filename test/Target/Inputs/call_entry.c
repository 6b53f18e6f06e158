/* Calls a compiled model through its descriptor only (no runtime): checks the
 * descriptor's contents and prints the outputs. */
#include "autoglm/model_abi.h"

#include <stdio.h>
#include <stdlib.h>

extern const autoglm_model_desc autoglm_model_test;

int main(void) {
  const autoglm_model_desc *m = &autoglm_model_test;
  printf("abi %u device %d name %s inputs %d outputs %d\n", m->abi_version,
         m->device, m->name, m->num_inputs, m->num_outputs);
  for (int i = 0; i < m->num_inputs; ++i) {
    const autoglm_tensor_desc *t = &m->inputs[i];
    printf("input %s dtype %d rank %d dim0 %lld\n", t->name, t->dtype, t->rank,
           (long long)t->shape[0]);
  }
  float a[6] = {0.0f, 0.5f, -0.5f, 1.0f, -1.0f, 2.0f};
  float b[3] = {0.0f, 0.25f, -0.25f};
  float y[6], z[4];
  void *inputs[] = {a, b};
  void *outputs[] = {y, z};
  /* The workspace the memory planner asked for, 64-byte aligned. */
  void *workspace = m->workspace_bytes
                        ? aligned_alloc(64, (m->workspace_bytes + 63) / 64 * 64)
                        : NULL;
  int status = m->entry(inputs, outputs, workspace, 0, 0);
  free(workspace);
  printf("status %d\n", status);
  for (int i = 0; i < 6; ++i)
    printf("y %.6f\n", y[i]);
  for (int i = 0; i < 4; ++i)
    printf("z %.6f\n", z[i]);
  return status;
}
