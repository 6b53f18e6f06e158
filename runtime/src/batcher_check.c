/*===- batcher_check.c - a model's batch dimension, a request's rows ------===*\
 *
 * A batcher treats dimension 0 of every input and output as the batch. The
 * messages name the tensor and show the shape the batcher expects with the
 * batch as `n`, e.g.
 *   request input 'x' has shape [3,4], the batcher expects [n,3] with
 *   1 <= n <= 8
 *
\*===----------------------------------------------------------------------===*/

#include "batcher_impl.h"
#include "session_impl.h"

#include <string.h>

int64_t autoglm_batcher_model_batch(const autoglm_model_desc *model,
                                    autoglm_message *message) {
  int64_t batch = 0;
  const char *first = NULL;
  for (int32_t k = 0; k < model->num_inputs + model->num_outputs; ++k) {
    bool isInput = k < model->num_inputs;
    const autoglm_tensor_desc *desc =
        isInput ? &model->inputs[k] : &model->outputs[k - model->num_inputs];
    const char *kind = isInput ? "input" : "output";
    if (desc->rank < 1) {
      autoglm_message_appendf(
          message,
          "model '%s' has no batch dimension: %s '%s' is a scalar (rank 0)",
          autoglm_model_name(model), kind, desc->name);
      return 0;
    }
    if (batch == 0) {
      batch = desc->shape[0];
      first = desc->name;
    } else if (desc->shape[0] != batch) {
      autoglm_message_appendf(message,
                              "model '%s' has no common batch dimension: %s "
                              "'%s' has %lld rows, '%s' has %lld",
                              autoglm_model_name(model), kind, desc->name,
                              (long long)desc->shape[0], first,
                              (long long)batch);
      return 0;
    }
  }
  if (batch < 1)
    autoglm_message_appendf(message, "model '%s' has no inputs or outputs",
                            autoglm_model_name(model));
  return batch < 1 ? 0 : batch;
}

/* "[n,3,224,224]" */
static void appendBatchShape(autoglm_message *message,
                             const autoglm_tensor_desc *desc) {
  autoglm_message_appendf(message, "[n");
  for (int32_t i = 1; i < desc->rank; ++i)
    autoglm_message_appendf(message, ",%lld", (long long)desc->shape[i]);
  autoglm_message_appendf(message, "]");
}

static autoglm_status checkTensor(const autoglm_batcher *batcher,
                                  const char *kind, const autoglm_tensor *t,
                                  const autoglm_tensor_desc *expected,
                                  int64_t *rows, autoglm_message *message) {
  if (t->dtype != expected->dtype) {
    autoglm_message_appendf(message, "request %s '%s' has ", kind,
                            expected->name);
    if (autoglm_dtype_size(t->dtype) == 0)
      autoglm_message_appendf(message, "unknown dtype code %d", t->dtype);
    else
      autoglm_message_appendf(message, "dtype %s",
                              autoglm_dtype_name(t->dtype));
    autoglm_message_appendf(message, ", the model expects %s",
                            autoglm_dtype_name(expected->dtype));
    return AUTOGLM_ERROR_DTYPE_MISMATCH;
  }
  bool shapeOk = t->rank == expected->rank && t->shape;
  for (int32_t i = 1; shapeOk && i < t->rank; ++i)
    shapeOk = t->shape[i] == expected->shape[i];
  int64_t n = shapeOk ? t->shape[0] : 0;
  int64_t maxBatch = batcher->options.max_batch;
  if (!shapeOk || n < 1 || n > maxBatch || (*rows && n != *rows)) {
    autoglm_message_appendf(message, "request %s '%s' has ", kind,
                            expected->name);
    if (t->rank > 0 && !t->shape) {
      autoglm_message_appendf(message, "rank %d but a NULL shape", t->rank);
    } else {
      autoglm_message_appendf(message, "shape ");
      autoglm_message_append_shape(message, t->rank, t->shape);
    }
    autoglm_message_appendf(message, ", the batcher expects ");
    appendBatchShape(message, expected);
    if (*rows && shapeOk && n != *rows)
      autoglm_message_appendf(message,
                              " with n = %lld, the rows of the first tensor",
                              (long long)*rows);
    else
      autoglm_message_appendf(message, " with 1 <= n <= %lld",
                              (long long)maxBatch);
    return AUTOGLM_ERROR_SHAPE_MISMATCH;
  }
  if (!t->data) {
    autoglm_message_appendf(message, "request %s '%s' has NULL data", kind,
                            expected->name);
    return AUTOGLM_ERROR_NULL_DATA;
  }
  *rows = n;
  return AUTOGLM_OK;
}

autoglm_status autoglm_batcher_check_request(
    const autoglm_batcher *batcher, const autoglm_tensor *inputs,
    int32_t num_inputs, const autoglm_tensor *outputs, int32_t num_outputs,
    int64_t *rows, int64_t *length, autoglm_message *message) {
  const autoglm_model_desc *model = batcher->model;
  *length = 0;
  if (num_inputs != model->num_inputs || num_outputs != model->num_outputs) {
    autoglm_message_appendf(
        message, "model '%s' takes %d inputs and %d outputs, got %d and %d",
        autoglm_model_name(model), model->num_inputs, model->num_outputs,
        num_inputs, num_outputs);
    return AUTOGLM_ERROR_COUNT_MISMATCH;
  }
  if (!inputs || !outputs) {
    autoglm_message_appendf(message, "the %s array is NULL",
                            inputs ? "outputs" : "inputs");
    return AUTOGLM_ERROR_INVALID_ARGUMENT;
  }
  *rows = 0;
  const autoglm_model_desc *lengths = batcher->lengths;
  if (lengths) {
    /* The request's length: the first input's sequence dimension. */
    int32_t named = 0;
    for (int32_t i = 0; i < num_inputs && !*length; ++i)
      for (int32_t d = 1; d < inputs[i].rank && d < 32 && !*length; ++d)
        if (((lengths->input_seq_dims[i] >> d) & 1u) && inputs[i].shape &&
            inputs[i].rank == model->inputs[i].rank) {
          *length = inputs[i].shape[d];
          named = i;
        }
    int64_t longest = lengths->seq_lengths[lengths->num_seq_lengths - 1];
    if (*length > longest) {
      autoglm_message_appendf(message,
                              "request input '%s' has sequence length %lld, "
                              "more than the model's largest, %lld",
                              model->inputs[named].name, (long long)*length,
                              (long long)longest);
      return AUTOGLM_ERROR_SHAPE_MISMATCH;
    }
  }
  autoglm_status status;
  for (int32_t k = 0; k < num_inputs + num_outputs; ++k) {
    bool isInput = k < num_inputs;
    const autoglm_tensor_desc *desc =
        isInput ? &model->inputs[k] : &model->outputs[k - num_inputs];
    /* With lengths, the tensor expected at the request's length. */
    autoglm_tensor_desc atLength;
    int64_t shape[32];
    uint32_t mask = !lengths  ? 0
                    : isInput ? lengths->input_seq_dims[k]
                              : lengths->output_seq_dims[k - num_inputs];
    if (mask && *length > 0 && desc->rank <= 32) {
      atLength = *desc;
      for (int32_t d = 0; d < desc->rank; ++d)
        shape[d] = (mask >> d) & 1u ? *length : desc->shape[d];
      atLength.shape = shape;
      desc = &atLength;
    }
    if ((status = checkTensor(batcher, isInput ? "input" : "output",
                              isInput ? &inputs[k] : &outputs[k - num_inputs],
                              desc, rows, message)) != AUTOGLM_OK)
      return status;
  }
  return AUTOGLM_OK;
}

static bool sameTensor(const autoglm_model_desc *a, const autoglm_model_desc *b,
                       const char *kind, const autoglm_tensor_desc *x,
                       const autoglm_tensor_desc *y, autoglm_message *message) {
  bool same = x->dtype == y->dtype && x->rank == y->rank &&
              ((!x->name && !y->name) ||
               (x->name && y->name && !strcmp(x->name, y->name)));
  for (int32_t i = 1; same && i < x->rank; ++i)
    same = x->shape[i] == y->shape[i];
  if (!same) {
    autoglm_message_appendf(message,
                            "models '%s' and '%s' differ in more than the "
                            "batch: %s '%s' is %s ",
                            autoglm_model_name(a), autoglm_model_name(b), kind,
                            x->name ? x->name : "",
                            autoglm_dtype_name(x->dtype));
    autoglm_message_append_shape(message, x->rank, x->shape);
    autoglm_message_appendf(message, " and '%s' %s ", y->name ? y->name : "",
                            autoglm_dtype_name(y->dtype));
    autoglm_message_append_shape(message, y->rank, y->shape);
  }
  return same;
}

bool autoglm_batcher_same_signature(const autoglm_model_desc *a,
                                    const autoglm_model_desc *b,
                                    autoglm_message *message) {
  if (a->num_inputs != b->num_inputs || a->num_outputs != b->num_outputs) {
    autoglm_message_appendf(message,
                            "models '%s' and '%s' differ in more than the "
                            "batch: %d inputs and %d outputs, %d and %d",
                            autoglm_model_name(a), autoglm_model_name(b),
                            a->num_inputs, a->num_outputs, b->num_inputs,
                            b->num_outputs);
    return false;
  }
  for (int32_t i = 0; i < a->num_inputs; ++i)
    if (!sameTensor(a, b, "input", &a->inputs[i], &b->inputs[i], message))
      return false;
  for (int32_t i = 0; i < a->num_outputs; ++i)
    if (!sameTensor(a, b, "output", &a->outputs[i], &b->outputs[i], message))
      return false;
  return true;
}
