/*===- model_check.c - validate a model descriptor at session creation ----===*\
 *
 * A descriptor normally comes from the compiler, but a shared library can be
 * stale or foreign; checking it once here lets run trust it afterwards.
 *
\*===----------------------------------------------------------------------===*/

#include "cuda/cuda_session.h"
#include "session_impl.h"

#include <stdbool.h>
#include <stddef.h>

static autoglm_status checkTensorDescs(const autoglm_model_desc *model,
                                       const char *kind, int32_t count,
                                       const autoglm_tensor_desc *descs,
                                       autoglm_message *message) {
  if (count > 0 && !descs) {
    autoglm_message_appendf(message, "model '%s' has %d %ss but no %s table",
                            autoglm_model_name(model), count, kind, kind);
    return AUTOGLM_ERROR_INVALID_MODEL;
  }
  for (int32_t i = 0; i < count; ++i) {
    const autoglm_tensor_desc *desc = &descs[i];
    const char *problem = NULL;
    if (!desc->name)
      problem = "has no name";
    else if (autoglm_dtype_size(desc->dtype) == 0)
      problem = "has an unknown dtype";
    else if (desc->rank < 0 || (desc->rank > 0 && !desc->shape))
      problem = "has an invalid rank or no shape";
    else if (autoglm_num_elements(desc->rank, desc->shape) < 0)
      problem = "has a negative or overflowing shape";
    if (problem) {
      autoglm_message_appendf(message, "model '%s': %s %d %s",
                              autoglm_model_name(model), kind, i, problem);
      return AUTOGLM_ERROR_INVALID_MODEL;
    }
  }
  return AUTOGLM_OK;
}

/* The input and output tables of the model or of one of its batch
 * entries, which all have the model's counts. */
static autoglm_status checkSignature(const autoglm_model_desc *model,
                                     const autoglm_tensor_desc *inputs,
                                     const autoglm_tensor_desc *outputs,
                                     autoglm_message *message) {
  autoglm_status status =
      checkTensorDescs(model, "input", model->num_inputs, inputs, message);
  if (status != AUTOGLM_OK)
    return status;
  return checkTensorDescs(model, "output", model->num_outputs, outputs,
                          message);
}

void autoglm_model_batch_view(const autoglm_model_desc *model, int32_t index,
                              autoglm_model_desc *view) {
  const autoglm_batch_entry *entry = &model->batch_entries[index];
  *view = *model;
  view->inputs = entry->inputs;
  view->outputs = entry->outputs;
  view->entry = entry->entry;
  view->workspace_bytes = entry->workspace_bytes;
  view->num_batch_entries = 0;
  view->batch_entries = NULL;
  if (model->device == AUTOGLM_DEVICE_CUDA)
    view->device_image =
        &((const autoglm_cuda_image *)model->device_image)->batch_images[index];
}

/* One entry's tensors: every sequence dimension within the rank and of
 * the entry's length. */
static autoglm_status checkEntryLengths(const autoglm_model_desc *model,
                                        const autoglm_batch_entry *entry,
                                        int64_t length,
                                        autoglm_message *message) {
  for (int32_t k = 0; k < model->num_inputs + model->num_outputs; ++k) {
    bool isInput = k < model->num_inputs;
    const autoglm_tensor_desc *desc =
        isInput ? &entry->inputs[k] : &entry->outputs[k - model->num_inputs];
    uint32_t mask = isInput ? model->input_seq_dims[k]
                            : model->output_seq_dims[k - model->num_inputs];
    for (int32_t d = 0; d < 32; ++d)
      if (((mask >> d) & 1u) && (d >= desc->rank || desc->shape[d] != length)) {
        autoglm_message_appendf(message,
                                "model '%s': %s '%s' of the entry at length "
                                "%lld has no dimension %d of that length",
                                autoglm_model_name(model),
                                isInput ? "input" : "output", desc->name,
                                (long long)length, d);
        return AUTOGLM_ERROR_INVALID_MODEL;
      }
  }
  return AUTOGLM_OK;
}

/* A batch-polymorphic model's entries: ascending batch sizes, CPU code
 * (a CUDA model's sizes are its image's, checked with it), valid tensor
 * tables, workspaces within the descriptor's. */
static autoglm_status checkBatchEntries(const autoglm_model_desc *model,
                                        autoglm_message *message) {
  int32_t count = autoglm_model_num_batch_entries(model);
  if (count == 0)
    return AUTOGLM_OK;
  bool onCpu = model->device == AUTOGLM_DEVICE_CPU;
  if (count < 0 || !model->batch_entries) {
    autoglm_message_appendf(message,
                            "model '%s' has an invalid table of batch sizes "
                            "(%d entries)",
                            autoglm_model_name(model), count);
    return AUTOGLM_ERROR_INVALID_MODEL;
  }
  /* With sequence lengths, each batch size repeats once per length. */
  int32_t lengths = autoglm_model_num_seq_lengths(model);
  int32_t per = lengths > 0 ? lengths : 1;
  if (count % per != 0) {
    autoglm_message_appendf(message,
                            "model '%s' has %d batch entries, not a multiple "
                            "of its %d sequence lengths",
                            autoglm_model_name(model), count, per);
    return AUTOGLM_ERROR_INVALID_MODEL;
  }
  for (int32_t i = 0; i < count; ++i) {
    const autoglm_batch_entry *entry = &model->batch_entries[i];
    int64_t previous = i > 0 ? model->batch_entries[i - 1].batch : 0;
    bool inOrder =
        i % per == 0 ? entry->batch > previous : entry->batch == previous;
    if ((onCpu && !entry->entry) || entry->batch < 1 || !inOrder ||
        entry->workspace_bytes > model->workspace_bytes) {
      autoglm_message_appendf(message,
                              "model '%s': batch entry %d (batch %lld) has no "
                              "entry function, is out of order or needs more "
                              "workspace than the model",
                              autoglm_model_name(model), i,
                              (long long)entry->batch);
      return AUTOGLM_ERROR_INVALID_MODEL;
    }
    autoglm_status status =
        checkSignature(model, entry->inputs, entry->outputs, message);
    if (status != AUTOGLM_OK)
      return status;
    if (lengths > 0 &&
        (status = checkEntryLengths(model, entry, model->seq_lengths[i % per],
                                    message)) != AUTOGLM_OK)
      return status;
  }
  return AUTOGLM_OK;
}

/* The sequence lengths of a model with buckets: ascending, each entry's
 * sequence dimensions at its length, a pad mask input with one. */
static autoglm_status checkSeqLengths(const autoglm_model_desc *model,
                                      autoglm_message *message) {
  int32_t lengths = autoglm_model_num_seq_lengths(model);
  if (lengths == 0)
    return AUTOGLM_OK;
  bool valid = lengths > 0 && model->seq_lengths &&
               autoglm_model_num_batch_entries(model) > 0 &&
               (model->num_inputs == 0 || model->input_seq_dims) &&
               (model->num_outputs == 0 || model->output_seq_dims) &&
               model->pad_mask_input >= -1 &&
               model->pad_mask_input < model->num_inputs &&
               (model->pad_mask_input < 0 ||
                model->input_seq_dims[model->pad_mask_input] != 0);
  for (int32_t l = 0; valid && l < lengths; ++l)
    valid = model->seq_lengths[l] > (l ? model->seq_lengths[l - 1] : 0);
  if (!valid) {
    autoglm_message_appendf(message,
                            "model '%s' has an invalid table of sequence "
                            "lengths (%d lengths, pad mask input %d)",
                            autoglm_model_name(model), lengths,
                            model->pad_mask_input);
    return AUTOGLM_ERROR_INVALID_MODEL;
  }
  return AUTOGLM_OK;
}

/* ABI 6: each index check names an integer input and a node. */
static autoglm_status checkIndexChecks(const autoglm_model_desc *model,
                                       autoglm_message *message) {
  int32_t count = autoglm_model_num_index_checks(model);
  for (int32_t c = 0; c < count; ++c) {
    const autoglm_index_check *check =
        model->index_checks ? &model->index_checks[c] : NULL;
    if (!check || check->input < 0 || check->input >= model->num_inputs ||
        (model->inputs[check->input].dtype != AUTOGLM_INT32 &&
         model->inputs[check->input].dtype != AUTOGLM_INT64) ||
        check->limit < 0 || !check->node) {
      autoglm_message_appendf(message,
                              "model '%s' has an invalid index check %d "
                              "(not an int32 or int64 input, a negative "
                              "limit or no node)",
                              autoglm_model_name(model), c);
      return AUTOGLM_ERROR_INVALID_MODEL;
    }
  }
  if (count < 0) {
    autoglm_message_appendf(message, "model '%s' has %d index checks",
                            autoglm_model_name(model), count);
    return AUTOGLM_ERROR_INVALID_MODEL;
  }
  return AUTOGLM_OK;
}

autoglm_status autoglm_check_model(const autoglm_model_desc *model,
                                   autoglm_message *message) {
  if (!model) {
    autoglm_message_appendf(message, "the model descriptor is NULL");
    return AUTOGLM_ERROR_INVALID_ARGUMENT;
  }
  if (model->abi_version < AUTOGLM_ABI_OLDEST_VERSION ||
      model->abi_version > AUTOGLM_ABI_VERSION) {
    autoglm_message_appendf(
        message,
        "model '%s' was compiled for ABI version %u, this runtime implements "
        "versions %u to %u; recompile the model or use a matching runtime",
        autoglm_model_name(model), (unsigned)model->abi_version,
        (unsigned)AUTOGLM_ABI_OLDEST_VERSION, (unsigned)AUTOGLM_ABI_VERSION);
    return AUTOGLM_ERROR_ABI_MISMATCH;
  }
  if (model->device != AUTOGLM_DEVICE_CPU &&
      model->device != AUTOGLM_DEVICE_CUDA) {
    autoglm_message_appendf(message,
                            "model '%s' was compiled for the %s device "
                            "(code %d); this runtime runs models compiled for "
                            "the cpu or cuda",
                            autoglm_model_name(model),
                            autoglm_device_name(model->device), model->device);
    return AUTOGLM_ERROR_UNSUPPORTED_DEVICE;
  }
  /* A CUDA model's code is its device image; it has no entry function. */
  bool needsEntry = model->device == AUTOGLM_DEVICE_CPU;
  if ((needsEntry && !model->entry) || model->num_inputs < 0 ||
      model->num_outputs < 0) {
    autoglm_message_appendf(message,
                            "model '%s' has no entry function or a negative "
                            "input/output count",
                            autoglm_model_name(model));
    return AUTOGLM_ERROR_INVALID_MODEL;
  }
  if (model->weights_bytes && !model->weights_file) {
    autoglm_message_appendf(message,
                            "model '%s' has %llu bytes of external weights "
                            "but names no weights file",
                            autoglm_model_name(model),
                            (unsigned long long)model->weights_bytes);
    return AUTOGLM_ERROR_INVALID_MODEL;
  }
  autoglm_status status =
      checkSignature(model, model->inputs, model->outputs, message);
  if (status == AUTOGLM_OK)
    status = checkSeqLengths(model, message);
  if (status == AUTOGLM_OK)
    status = checkBatchEntries(model, message);
  if (status == AUTOGLM_OK)
    status = checkIndexChecks(model, message);
  if (status == AUTOGLM_OK && model->device == AUTOGLM_DEVICE_CUDA)
    status = autoglm_cuda_check_image(model, message);
  return status;
}
