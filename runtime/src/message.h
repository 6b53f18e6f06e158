/*===- message.h - bounded error-message building -----------------*- C -*-===*\
 *
 * Error messages are built into fixed buffers owned by the session (or a
 * thread-local one for session creation), so reporting an error never
 * allocates and a long name or shape is truncated rather than overflowing.
 *
\*===----------------------------------------------------------------------===*/

#ifndef AUTOGLM_RUNTIME_MESSAGE_H
#define AUTOGLM_RUNTIME_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

/* Capacity of every message buffer, terminating NUL included. */
#define AUTOGLM_MESSAGE_CAPACITY 512

typedef struct autoglm_message {
  char *buffer;
  size_t capacity;
  size_t length;
} autoglm_message;

/* Starts an empty message in `buffer` of `capacity` (> 0) bytes. */
void autoglm_message_init(autoglm_message *message, char *buffer,
                          size_t capacity);

/* Appends printf-formatted text, truncating at the capacity. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 2, 3)))
#endif
void autoglm_message_appendf(autoglm_message *message, const char *format, ...);

/* Appends a shape the way numpy users read it: "[1,3,32,32]", "[]". */
void autoglm_message_append_shape(autoglm_message *message, int32_t rank,
                                  const int64_t *shape);

#endif /* AUTOGLM_RUNTIME_MESSAGE_H */
