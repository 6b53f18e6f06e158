/*===- message.c - bounded error-message building -------------------------===*/

#include "message.h"

#include <stdarg.h>
#include <stdio.h>

void autoglm_message_init(autoglm_message *message, char *buffer,
                          size_t capacity) {
  message->buffer = buffer;
  message->capacity = capacity;
  message->length = 0;
  buffer[0] = '\0';
}

void autoglm_message_appendf(autoglm_message *message, const char *format,
                             ...) {
  /* Once full, the message stays truncated. */
  if (message->length + 1 >= message->capacity)
    return;
  size_t room = message->capacity - message->length;
  va_list args;
  va_start(args, format);
  int written =
      vsnprintf(message->buffer + message->length, room, format, args);
  va_end(args);
  if (written < 0)
    return;
  message->length += (size_t)written < room ? (size_t)written : room - 1;
}

void autoglm_message_append_shape(autoglm_message *message, int32_t rank,
                                  const int64_t *shape) {
  autoglm_message_appendf(message, "[");
  for (int32_t i = 0; shape && i < rank; ++i)
    autoglm_message_appendf(message, i ? ",%lld" : "%lld", (long long)shape[i]);
  autoglm_message_appendf(message, "]");
}
