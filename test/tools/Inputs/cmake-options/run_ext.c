/* Runs tiny_cnn compiled with external weights, mapped from the file that
 * autoglm_add_model names in AUTOGLM_WEIGHTS_FILE. */
#include "autoglm/runtime.h"
#include "tiny_cnn.h"

#include <stdio.h>

int main(void) {
  static float image[3 * 32 * 32], probs[10];
  for (int i = 0; i < 3 * 32 * 32; ++i)
    image[i] = (float)(i % 13) / 13.0f;
  printf("weights %llu bytes in %s\n",
         (unsigned long long)autoglm_model_tiny_cnn.weights_bytes,
         autoglm_model_tiny_cnn.weights_file);
  autoglm_session_options options;
  autoglm_session_options_init(&options);
  options.weights_path = WEIGHTS_FILE;
  autoglm_session *session;
  if (autoglm_session_create(&autoglm_model_tiny_cnn, &options, &session) !=
      AUTOGLM_OK) {
    printf("create: %s\n", autoglm_last_create_error());
    return 1;
  }
  const int64_t image_shape[] = {1, 3, 32, 32}, probs_shape[] = {1, 10};
  autoglm_tensor in = {image, AUTOGLM_FLOAT32, 4, image_shape};
  autoglm_tensor out = {probs, AUTOGLM_FLOAT32, 2, probs_shape};
  if (autoglm_session_run(session, &in, 1, &out, 1) != AUTOGLM_OK) {
    printf("run: %s\n", autoglm_session_last_error(session));
    return 1;
  }
  autoglm_session_destroy(session);
  float sum = 0;
  for (int i = 0; i < 10; ++i)
    sum += probs[i];
  printf("softmax sum %.3f\n", sum);
  return 0;
}
