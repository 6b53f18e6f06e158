/*===- weights.c - the model's weights file
--------------------------------===*\
 *
 * A model compiled with --weights=external keeps its weights in a file next
 * to the binary. The session maps that file read-only (pages come in on
 * first touch and are shared between processes running the same model), or
 * takes an image of it from the caller, and checks its header against the
 * descriptor before any run can read it.
 *
\*===----------------------------------------------------------------------===*/

#define _GNU_SOURCE /* dladdr */

#include "session_impl.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum { DataAlignment = 64 };

/* The weights file next to the shared object or executable that defines
 * the descriptor; just the file name (the working directory) when the
 * loader cannot say where that is. */
static void defaultPath(const autoglm_model_desc *model, char *path,
                        size_t capacity) {
  const char *directoryEnd = NULL;
  Dl_info info;
  if (dladdr((const void *)model, &info) && info.dli_fname)
    directoryEnd = strrchr(info.dli_fname, '/');
  if (directoryEnd)
    snprintf(path, capacity, "%.*s/%s", (int)(directoryEnd - info.dli_fname),
             info.dli_fname, model->weights_file);
  else
    snprintf(path, capacity, "%s", model->weights_file);
}

/* Checks an image of the whole weights file (`what` names it in messages). */
static autoglm_status checkImage(const autoglm_model_desc *model,
                                 const void *image, uint64_t bytes,
                                 const char *what, autoglm_message *message) {
  autoglm_weights_header header;
  if (bytes < sizeof(header)) {
    autoglm_message_appendf(message,
                            "%s has %llu bytes, too few for a weights file",
                            what, (unsigned long long)bytes);
    return AUTOGLM_ERROR_WEIGHTS;
  }
  memcpy(&header, image, sizeof(header));
  if (memcmp(header.magic, AUTOGLM_WEIGHTS_MAGIC, sizeof(header.magic)) != 0) {
    autoglm_message_appendf(message, "%s is not an AutoGLM weights file", what);
    return AUTOGLM_ERROR_WEIGHTS;
  }
  if (header.data_bytes != model->weights_bytes ||
      bytes - sizeof(header) < header.data_bytes) {
    autoglm_message_appendf(
        message, "%s holds %llu bytes of weights, model '%s' needs %llu", what,
        (unsigned long long)(bytes - sizeof(header)), autoglm_model_name(model),
        (unsigned long long)model->weights_bytes);
    return AUTOGLM_ERROR_WEIGHTS;
  }
  if (header.fingerprint != model->weights_fingerprint) {
    autoglm_message_appendf(
        message,
        "%s was written by another compilation than model '%s' (fingerprint "
        "%016llx, expected %016llx); use the weights file compiled with it",
        what, autoglm_model_name(model), (unsigned long long)header.fingerprint,
        (unsigned long long)model->weights_fingerprint);
    return AUTOGLM_ERROR_WEIGHTS;
  }
  return AUTOGLM_OK;
}

static autoglm_status mapFile(autoglm_session *session, const char *path,
                              autoglm_message *message) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    autoglm_message_appendf(message,
                            "cannot open the weights file '%s' of "
                            "model '%s': %s",
                            path, autoglm_model_name(session->model),
                            strerror(errno));
    return AUTOGLM_ERROR_WEIGHTS;
  }
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) ||
      (uint64_t)info.st_size > SIZE_MAX) {
    close(fd);
    autoglm_message_appendf(message,
                            "the weights file '%s' is not a regular "
                            "file",
                            path);
    return AUTOGLM_ERROR_WEIGHTS;
  }
  size_t bytes = (size_t)info.st_size;
  void *mapping =
      bytes ? mmap(NULL, bytes, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
  int mapError = errno;
  close(fd);
  if (mapping == MAP_FAILED) {
    autoglm_message_appendf(message, "cannot map the weights file '%s': %s",
                            path, bytes ? strerror(mapError) : "it is empty");
    return AUTOGLM_ERROR_WEIGHTS;
  }
  char what[PATH_MAX + 32];
  snprintf(what, sizeof(what), "the weights file '%s'", path);
  autoglm_status status =
      checkImage(session->model, mapping, bytes, what, message);
  if (status != AUTOGLM_OK) {
    munmap(mapping, bytes);
    return status;
  }
  session->weights_mapping = mapping;
  session->weights_mapping_bytes = bytes;
  session->weights = (const char *)mapping + AUTOGLM_WEIGHTS_HEADER_BYTES;
  return AUTOGLM_OK;
}

autoglm_status autoglm_load_weights(autoglm_session *session,
                                    const autoglm_session_options *options,
                                    autoglm_message *message) {
  const autoglm_model_desc *model = session->model;
  if (model->weights_bytes == 0)
    return AUTOGLM_OK;
  if (options->weights) {
    if ((uintptr_t)options->weights % DataAlignment != 0) {
      autoglm_message_appendf(message,
                              "the weights image at %p is not %d-byte aligned",
                              options->weights, DataAlignment);
      return AUTOGLM_ERROR_WEIGHTS;
    }
    autoglm_status status =
        checkImage(model, options->weights, options->weights_image_bytes,
                   "the weights image", message);
    if (status == AUTOGLM_OK)
      session->weights =
          (const char *)options->weights + AUTOGLM_WEIGHTS_HEADER_BYTES;
    return status;
  }
  if (options->weights_path)
    return mapFile(session, options->weights_path, message);
  char path[PATH_MAX];
  defaultPath(model, path, sizeof(path));
  return mapFile(session, path, message);
}

void autoglm_release_weights(autoglm_session *session) {
  if (session->weights_mapping)
    munmap(session->weights_mapping, session->weights_mapping_bytes);
  session->weights_mapping = NULL;
  session->weights = NULL;
}
