/* Runs tiny_mlp.onnx, compiled at build time by autoglm_add_model(), through
 * the AutoGLM runtime, and checks it against the same computation in C.
 * Exits 0 and prints "ok" when every output matches. */
#include "autoglm/runtime.h"
#include "tiny_mlp.h"

#include <math.h>
#include <stdio.h>

/* The weights of make_model.py. */
static const float W[4][3] = {{0.5f, -1.0f, 0.25f},
                              {1.5f, 0.75f, -0.5f},
                              {-2.0f, 0.5f, 1.0f},
                              {0.25f, 1.25f, -0.75f}};
static const float B[3] = {0.1f, -0.2f, 0.3f};

int main(void) {
  float x[4] = {1.0f, 0.5f, 0.25f, 2.0f};
  float y[AUTOGLM_TINY_MLP_OUTPUT0_BYTES / sizeof(float)];

  autoglm_session_options options;
  autoglm_session_options_init(&options);
  options.num_threads = 1;
  autoglm_session *session;
  if (autoglm_session_create(&autoglm_model_tiny_mlp, &options, &session) !=
      AUTOGLM_OK) {
    fprintf(stderr, "create: %s\n", autoglm_last_create_error());
    return 1;
  }
  const int64_t x_shape[] = {1, 4}, y_shape[] = {1, 3};
  autoglm_tensor in = {x, AUTOGLM_FLOAT32, 2, x_shape};
  autoglm_tensor out = {y, AUTOGLM_FLOAT32, 2, y_shape};
  autoglm_status status = autoglm_session_run(session, &in, 1, &out, 1);
  if (status != AUTOGLM_OK) {
    fprintf(stderr, "run: %s: %s\n", autoglm_status_string(status),
            autoglm_session_last_error(session));
    autoglm_session_destroy(session);
    return 1;
  }
  autoglm_session_destroy(session);

  int bad = 0;
  for (int j = 0; j < 3; ++j) {
    float expected = B[j];
    for (int i = 0; i < 4; ++i)
      expected += x[i] * W[i][j];
    if (expected < 0)
      expected = 0;
    printf("y[%d] = %g (expected %g)\n", j, y[j], expected);
    if (fabsf(y[j] - expected) > 1e-5f)
      bad = 1;
  }
  puts(bad ? "MISMATCH" : "ok");
  return bad;
}
