/*===- tensor_check.c - match run's tensors to the model's signature ------===*\
 *
 * The messages speak in the user's terms: the ONNX input/output name, numpy
 * dtype names and shapes as lists, e.g.
 *   input 'image' has shape [1,3,224,224], the model expects [1,3,32,32]
 *
\*===----------------------------------------------------------------------===*/

#include "session_impl.h"

#include <stddef.h>

static autoglm_status checkCount(const autoglm_model_desc *model,
                                 const char *kind, const void *tensors,
                                 int32_t given, int32_t expected,
                                 autoglm_message *message) {
  if (given != expected) {
    autoglm_message_appendf(message, "model '%s' takes %d %s%s, got %d",
                            autoglm_model_name(model), expected, kind,
                            expected == 1 ? "" : "s", given);
    return AUTOGLM_ERROR_COUNT_MISMATCH;
  }
  if (given > 0 && !tensors) {
    autoglm_message_appendf(message, "the %ss array is NULL", kind);
    return AUTOGLM_ERROR_INVALID_ARGUMENT;
  }
  return AUTOGLM_OK;
}

static bool sameShape(int32_t rank, const int64_t *a, const int64_t *b) {
  for (int32_t i = 0; i < rank; ++i)
    if (a[i] != b[i])
      return false;
  return true;
}

static autoglm_status checkTensor(const char *kind, const autoglm_tensor *t,
                                  const autoglm_tensor_desc *expected,
                                  autoglm_message *message) {
  if (t->dtype != expected->dtype) {
    autoglm_message_appendf(message, "%s '%s' has ", kind, expected->name);
    if (autoglm_dtype_size(t->dtype) == 0)
      autoglm_message_appendf(message, "unknown dtype code %d", t->dtype);
    else
      autoglm_message_appendf(message, "dtype %s",
                              autoglm_dtype_name(t->dtype));
    autoglm_message_appendf(message, ", the model expects %s",
                            autoglm_dtype_name(expected->dtype));
    return AUTOGLM_ERROR_DTYPE_MISMATCH;
  }
  if (t->rank < 0 || (t->rank > 0 && !t->shape)) {
    if (t->rank < 0)
      autoglm_message_appendf(message, "%s '%s' has negative rank %d", kind,
                              expected->name, t->rank);
    else
      autoglm_message_appendf(message, "%s '%s' has rank %d but a NULL shape",
                              kind, expected->name, t->rank);
    autoglm_message_appendf(message, ", the model expects ");
    autoglm_message_append_shape(message, expected->rank, expected->shape);
    return AUTOGLM_ERROR_SHAPE_MISMATCH;
  }
  if (t->rank != expected->rank) {
    autoglm_message_appendf(message, "%s '%s' has rank %d (shape ", kind,
                            expected->name, t->rank);
    autoglm_message_append_shape(message, t->rank, t->shape);
    autoglm_message_appendf(message, "), the model expects rank %d (shape ",
                            expected->rank);
    autoglm_message_append_shape(message, expected->rank, expected->shape);
    autoglm_message_appendf(message, ")");
    return AUTOGLM_ERROR_SHAPE_MISMATCH;
  }
  if (!sameShape(t->rank, t->shape, expected->shape)) {
    autoglm_message_appendf(message, "%s '%s' has shape ", kind,
                            expected->name);
    autoglm_message_append_shape(message, t->rank, t->shape);
    autoglm_message_appendf(message, ", the model expects ");
    autoglm_message_append_shape(message, expected->rank, expected->shape);
    return AUTOGLM_ERROR_SHAPE_MISMATCH;
  }
  if (!t->data) {
    autoglm_message_appendf(message, "%s '%s' has NULL data", kind,
                            expected->name);
    return AUTOGLM_ERROR_NULL_DATA;
  }
  return AUTOGLM_OK;
}

autoglm_status autoglm_check_run_tensors(const autoglm_model_desc *model,
                                         const autoglm_tensor *inputs,
                                         int32_t num_inputs,
                                         const autoglm_tensor *outputs,
                                         int32_t num_outputs,
                                         autoglm_message *message) {
  autoglm_status status = checkCount(model, "input", inputs, num_inputs,
                                     model->num_inputs, message);
  if (status != AUTOGLM_OK)
    return status;
  status = checkCount(model, "output", outputs, num_outputs, model->num_outputs,
                      message);
  if (status != AUTOGLM_OK)
    return status;
  for (int32_t i = 0; i < num_inputs; ++i)
    if ((status = checkTensor("input", &inputs[i], &model->inputs[i],
                              message)) != AUTOGLM_OK)
      return status;
  for (int32_t i = 0; i < num_outputs; ++i)
    if ((status = checkTensor("output", &outputs[i], &model->outputs[i],
                              message)) != AUTOGLM_OK)
      return status;
  return AUTOGLM_OK;
}

autoglm_status autoglm_check_index_inputs(const autoglm_model_desc *model,
                                          const autoglm_tensor *inputs,
                                          autoglm_message *message) {
  for (int32_t c = 0; c < autoglm_model_num_index_checks(model); ++c) {
    const autoglm_index_check *check = &model->index_checks[c];
    const autoglm_tensor *t = &inputs[check->input];
    int64_t count = autoglm_num_elements(t->rank, t->shape);
    for (int64_t i = 0; i < count; ++i) {
      int64_t value = t->dtype == AUTOGLM_INT32 ? ((const int32_t *)t->data)[i]
                                                : ((const int64_t *)t->data)[i];
      if (value >= -check->limit && value < check->limit)
        continue;
      autoglm_message_appendf(message, "input '%s' holds %lld at [",
                              model->inputs[check->input].name,
                              (long long)value);
      /* The multi-index of element i. */
      int64_t stride = count;
      for (int32_t d = 0; d < t->rank; ++d) {
        stride = t->shape[d] ? stride / t->shape[d] : 1;
        autoglm_message_appendf(message, "%s%lld", d ? "," : "",
                                (long long)(i / stride % t->shape[d]));
      }
      autoglm_message_appendf(
          message,
          "], outside [%lld, %lld): node '%s' indexes a table of "
          "%lld rows with it",
          (long long)-check->limit, (long long)check->limit, check->node,
          (long long)check->limit);
      return AUTOGLM_ERROR_INVALID_ARGUMENT;
    }
  }
  return AUTOGLM_OK;
}
