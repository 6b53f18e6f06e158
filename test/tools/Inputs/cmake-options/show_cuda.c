/* Prints the descriptor of the model compiled with TARGET cuda. */
#include "mlp_cuda.h"

#include <stdio.h>

int main(void) {
  printf("device %d, image %s\n", (int)autoglm_model_mlp_cuda.device,
         autoglm_model_mlp_cuda.device_image ? "present" : "missing");
  return 0;
}
