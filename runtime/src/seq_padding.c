/*===- seq_padding.c - requests between a model's sequence lengths --------===*\
 *
 * A model compiled with sets of sequence lengths (`autoglm-opt
 * --input-shape=input_ids:?x{64,128,256}`) has an entry per length. A
 * request whose length is none of them runs on the smallest length that
 * holds it, when the model names a pad mask input (`--pad-mask`): its
 * inputs are copied into staging tensors of that length, zero at the
 * padding positions (mask 0, token id 0), and the outputs' sequence
 * dimensions are cut back to the request's length. The staging tensors are
 * allocated with the session, so a padded run allocates nothing either.
 *
\*===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L /* posix_memalign */

#include "session_impl.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum { StagingAlignment = 64 };

struct autoglm_seq_padding {
  /* Staging tensors, inputs then outputs, each with room for the largest
   * entry's tensor; their shapes point into the entry being run. */
  autoglm_tensor *staging;
  /* The request's view of the entry: its tensors at the request's length,
   * shapes in `request_shapes`. */
  autoglm_tensor_desc *request;
  int64_t *request_shapes;
  void *data;
};

static size_t alignUp(size_t bytes) {
  return (bytes + StagingAlignment - 1) / StagingAlignment * StagingAlignment;
}

static size_t tensorBytes(const autoglm_tensor_desc *desc) {
  return (size_t)autoglm_num_elements(desc->rank, desc->shape) *
         autoglm_dtype_size(desc->dtype);
}

autoglm_status autoglm_seq_padding_create(autoglm_session *session,
                                          autoglm_message *message) {
  const autoglm_model_desc *model = session->model;
  if (!autoglm_model_pads_lengths(model))
    return AUTOGLM_OK;
  int32_t count = model->num_inputs + model->num_outputs;
  size_t dataBytes = 0, ranks = 0;
  for (int32_t i = 0; i < count; ++i) {
    const autoglm_tensor_desc *desc =
        i < model->num_inputs ? &model->inputs[i]
                              : &model->outputs[i - model->num_inputs];
    dataBytes += alignUp(tensorBytes(desc));
    ranks += (size_t)desc->rank;
  }
  struct autoglm_seq_padding *padding = calloc(1, sizeof(*padding));
  if (padding) {
    session->padding = padding;
    padding->staging = calloc((size_t)count + 1, sizeof(autoglm_tensor));
    padding->request = calloc((size_t)count + 1, sizeof(autoglm_tensor_desc));
    padding->request_shapes = calloc(ranks + 1, sizeof(int64_t));
    if (posix_memalign(&padding->data, StagingAlignment, dataBytes + 1) != 0)
      padding->data = NULL;
  }
  if (!padding || !padding->staging || !padding->request ||
      !padding->request_shapes || !padding->data) {
    autoglm_message_appendf(message,
                            "cannot allocate the %llu bytes of staging tensors "
                            "that pad model '%s''s sequence lengths",
                            (unsigned long long)dataBytes,
                            autoglm_model_name(model));
    return AUTOGLM_ERROR_OUT_OF_MEMORY;
  }
  char *data = padding->data;
  int64_t *shapes = padding->request_shapes;
  for (int32_t i = 0; i < count; ++i) {
    const autoglm_tensor_desc *desc =
        i < model->num_inputs ? &model->inputs[i]
                              : &model->outputs[i - model->num_inputs];
    padding->staging[i].data = data;
    padding->staging[i].dtype = desc->dtype;
    padding->staging[i].rank = desc->rank;
    data += alignUp(tensorBytes(desc));
    padding->request[i] = *desc;
    padding->request[i].shape = shapes;
    shapes += desc->rank;
  }
  return AUTOGLM_OK;
}

void autoglm_seq_padding_destroy(autoglm_session *session) {
  struct autoglm_seq_padding *padding = session->padding;
  if (!padding)
    return;
  free(padding->staging);
  free(padding->request);
  free(padding->request_shapes);
  free(padding->data);
  free(padding);
  session->padding = NULL;
}

void autoglm_copy_box(const char *src, const int64_t *srcShape, char *dst,
                      const int64_t *dstShape, const int64_t *box, int32_t rank,
                      size_t elementBytes) {
  if (rank == 0) {
    memcpy(dst, src, elementBytes);
    return;
  }
  if (rank == 1) {
    memcpy(dst, src, (size_t)box[0] * elementBytes);
    return;
  }
  size_t srcStride = elementBytes, dstStride = elementBytes;
  for (int32_t d = 1; d < rank; ++d) {
    srcStride *= (size_t)srcShape[d];
    dstStride *= (size_t)dstShape[d];
  }
  for (int64_t i = 0; i < box[0]; ++i)
    autoglm_copy_box(src + (size_t)i * srcStride, srcShape + 1,
                     dst + (size_t)i * dstStride, dstShape + 1, box + 1,
                     rank - 1, elementBytes);
}

static bool isSeqDim(uint32_t mask, int32_t d) {
  return d < 32 && ((mask >> d) & 1u);
}

/* The request's sequence length: the size of every input's sequence
 * dimensions, which must agree; 0 when no input has one that the
 * caller's tensor has (a rank mismatch is the usual check's to report),
 * -1 after a message. */
static int64_t requestLength(const autoglm_model_desc *model,
                             const autoglm_tensor *inputs, int32_t *named,
                             autoglm_message *message) {
  int64_t length = 0;
  for (int32_t i = 0; i < model->num_inputs; ++i) {
    uint32_t mask = model->input_seq_dims[i];
    if (!mask || inputs[i].rank != model->inputs[i].rank || !inputs[i].shape)
      continue;
    for (int32_t d = 0; d < inputs[i].rank; ++d) {
      if (!isSeqDim(mask, d))
        continue;
      int64_t size = inputs[i].shape[d];
      if (length == 0) {
        length = size;
        *named = i;
      } else if (size != length) {
        autoglm_message_appendf(
            message,
            "input '%s' has sequence length %lld and input '%s' %lld "
            "(dimension %d); a request's inputs have one length",
            model->inputs[*named].name, (long long)length,
            model->inputs[i].name, (long long)size, d);
        return -1;
      }
    }
  }
  return length;
}

static void appendLengths(const autoglm_model_desc *model,
                          autoglm_message *message) {
  for (int32_t l = 0; l < model->num_seq_lengths; ++l)
    autoglm_message_appendf(message, "%s%lld", l ? ", " : "",
                            (long long)model->seq_lengths[l]);
}

/* Whether `entry`'s inputs have the caller's dimensions in every dimension
 * but the sequence dimensions. */
static bool matchesButLength(const autoglm_model_desc *model,
                             const autoglm_model_desc *entry,
                             const autoglm_tensor *inputs) {
  for (int32_t i = 0; i < entry->num_inputs; ++i) {
    if (inputs[i].rank != entry->inputs[i].rank || !inputs[i].shape)
      return false;
    for (int32_t d = 0; d < inputs[i].rank; ++d)
      if (!isSeqDim(model->input_seq_dims[i], d) &&
          inputs[i].shape[d] != entry->inputs[i].shape[d])
        return false;
  }
  return true;
}

autoglm_status
autoglm_seq_padded_run(autoglm_session *session, const autoglm_tensor *inputs,
                       int32_t num_inputs, const autoglm_tensor *outputs,
                       int32_t num_outputs, autoglm_message *message) {
  const autoglm_model_desc *model = session->model;
  if (!inputs || num_inputs != model->num_inputs)
    return AUTOGLM_ERROR_SHAPE_MISMATCH;
  int32_t named = 0;
  int64_t length = requestLength(model, inputs, &named, message);
  if (length <= 0) /* no length (no message), or lengths that disagree */
    return AUTOGLM_ERROR_SHAPE_MISMATCH;
  int32_t numLengths = model->num_seq_lengths;
  int32_t bucket = 0;
  while (bucket < numLengths && model->seq_lengths[bucket] < length)
    ++bucket;
  const char *name = model->inputs[named].name;
  if (bucket == numLengths) {
    autoglm_message_appendf(message,
                            "input '%s' has sequence length %lld, more than "
                            "the model's largest (the model's sequence "
                            "lengths: ",
                            name, (long long)length);
    appendLengths(model, message);
    autoglm_message_appendf(message, ")");
    return AUTOGLM_ERROR_SHAPE_MISMATCH;
  }
  /* A length of the model's whose other dimensions match no entry: the
   * usual check says which. */
  if (model->seq_lengths[bucket] == length)
    return AUTOGLM_ERROR_SHAPE_MISMATCH;
  if (!session->padding) {
    autoglm_message_appendf(message,
                            "input '%s' has sequence length %lld, which is not "
                            "one of the model's (",
                            name, (long long)length);
    appendLengths(model, message);
    autoglm_message_appendf(message,
                            "), and the model names no pad mask input to pad "
                            "it with (autoglm-opt --pad-mask)");
    return AUTOGLM_ERROR_SHAPE_MISMATCH;
  }
  const autoglm_model_desc *entry = NULL;
  for (int32_t s = bucket; s < session->num_sized && !entry; s += numLengths)
    if (matchesButLength(model, &session->sized[s], inputs))
      entry = &session->sized[s];
  if (!entry)
    return AUTOGLM_ERROR_SHAPE_MISMATCH;

  /* The caller's tensors against the entry at the request's length. */
  struct autoglm_seq_padding *padding = session->padding;
  autoglm_tensor_desc *request = padding->request;
  for (int32_t k = 0; k < num_inputs + model->num_outputs; ++k) {
    bool isInput = k < num_inputs;
    const autoglm_tensor_desc *desc =
        isInput ? &entry->inputs[k] : &entry->outputs[k - num_inputs];
    uint32_t mask = isInput ? model->input_seq_dims[k]
                            : model->output_seq_dims[k - num_inputs];
    int64_t *shape = (int64_t *)request[k].shape;
    for (int32_t d = 0; d < desc->rank; ++d)
      shape[d] = isSeqDim(mask, d) ? length : desc->shape[d];
  }
  autoglm_model_desc view = *entry;
  view.inputs = request;
  view.outputs = request + num_inputs;
  autoglm_status status = autoglm_check_run_tensors(
      &view, inputs, num_inputs, outputs, num_outputs, message);
  if (status != AUTOGLM_OK)
    return status;

  autoglm_tensor *staging = padding->staging;
  for (int32_t i = 0; i < num_inputs; ++i) {
    const autoglm_tensor_desc *desc = &entry->inputs[i];
    size_t elementBytes = autoglm_dtype_size(desc->dtype);
    staging[i].shape = desc->shape;
    memset(staging[i].data, 0, tensorBytes(desc));
    autoglm_copy_box(inputs[i].data, request[i].shape, staging[i].data,
                     desc->shape, request[i].shape, desc->rank, elementBytes);
  }
  for (int32_t j = 0; j < num_outputs; ++j)
    staging[num_inputs + j].shape = entry->outputs[j].shape;
  status = autoglm_run_checked(session, entry, staging, num_inputs,
                               staging + num_inputs, num_outputs, message);
  if (status != AUTOGLM_OK)
    return status;
  for (int32_t j = 0; j < num_outputs; ++j) {
    const autoglm_tensor_desc *desc = &entry->outputs[j];
    autoglm_copy_box(staging[num_inputs + j].data, desc->shape, outputs[j].data,
                     request[num_inputs + j].shape,
                     request[num_inputs + j].shape, desc->rank,
                     autoglm_dtype_size(desc->dtype));
  }
  return AUTOGLM_OK;
}
