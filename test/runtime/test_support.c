/*===- test_support.c - what the runtime's test programs share ------------===*/

#include "test_support.h"

#include <stdlib.h>
#include <string.h>

/*===-- Allocation counting (ld --wrap) -----------------------------------===*/

atomic_long allocations;

void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *pointer, size_t size);
int __real_posix_memalign(void **pointer, size_t alignment, size_t size);

void *__wrap_malloc(size_t size) {
  ++allocations;
  return __real_malloc(size);
}
void *__wrap_calloc(size_t count, size_t size) {
  ++allocations;
  return __real_calloc(count, size);
}
void *__wrap_realloc(void *pointer, size_t size) {
  ++allocations;
  return __real_realloc(pointer, size);
}
int __wrap_posix_memalign(void **pointer, size_t alignment, size_t size) {
  ++allocations;
  return __real_posix_memalign(pointer, alignment, size);
}

/*===-- Checks and tensors ------------------------------------------------===*/

int failures;

const int64_t xShape[2] = {2, 3};
const int64_t bShape[1] = {3};

void initTensors(Tensors *t) {
  for (int i = 0; i < 6; ++i)
    t->x[i] = (float)i - 2.5f;
  for (int i = 0; i < 3; ++i)
    t->b[i] = 10 * (i + 1);
  memset(t->y, 0, sizeof(t->y));
  t->total = 0;
  t->inputs[0] = (autoglm_tensor){t->x, AUTOGLM_FLOAT32, 2, xShape};
  t->inputs[1] = (autoglm_tensor){t->b, AUTOGLM_INT32, 1, bShape};
  t->outputs[0] = (autoglm_tensor){t->y, AUTOGLM_FLOAT32, 2, xShape};
  t->outputs[1] = (autoglm_tensor){&t->total, AUTOGLM_FLOAT64, 0, NULL};
}
