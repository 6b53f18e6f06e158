/*===- test_support.h - what the runtime's test programs share ----*- C -*-===*\
 *
 * runtime_test.c and cuda_test.c both check invariants themselves (EXPECT,
 * counted in `failures`), count the runtime's heap use (every program that
 * links test_support.c is linked with `-Wl,--wrap` for malloc, calloc,
 * realloc and posix_memalign, which bump `allocations`), and feed the fake
 * model (fake_model.c) the same tensors.
 *
\*===----------------------------------------------------------------------===*/

#ifndef AUTOGLM_TEST_RUNTIME_TEST_SUPPORT_H
#define AUTOGLM_TEST_RUNTIME_TEST_SUPPORT_H

#include "autoglm/runtime.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

/* Calls of the wrapped allocation functions so far. */
extern atomic_long allocations;

/* Checks that failed so far; the programs exit non-zero when any did. */
extern int failures;

#define EXPECT(cond)                                                           \
  do {                                                                         \
    if (!(cond)) {                                                             \
      printf("FAILED: %s (line %d)\n", #cond, __LINE__);                       \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

extern const int64_t xShape[2];
extern const int64_t bShape[1];

/* A correct set of tensors for the fake model, owned by the caller. */
typedef struct Tensors {
  float x[6];
  int32_t b[3];
  float y[6];
  double total;
  autoglm_tensor inputs[2];
  autoglm_tensor outputs[2];
} Tensors;

/* Fills `t` with the fake model's inputs (x = i - 2.5, b = 10, 20, 30),
 * zeroed outputs, and the tensor views of them. */
void initTensors(Tensors *t);

#endif /* AUTOGLM_TEST_RUNTIME_TEST_SUPPORT_H */
