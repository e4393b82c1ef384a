/* buffer.h: a growable byte buffer (allocated with bson_malloc).
 *
 * A docrel_buf_t starts as DOCREL_BUF_INIT (or all zero) and owns data once
 * something is appended; docrel_buf_destroy frees it. data holds len valid
 * bytes (it is not NUL-terminated) and is NULL until the first append. The
 * functions below can't fail: memory comes from bson_realloc, which never
 * returns NULL. */
#ifndef DOCREL_BUFFER_H
#define DOCREL_BUFFER_H

#include <bson/bson.h>

typedef struct {
   uint8_t *data;
   size_t len;
   size_t cap;
} docrel_buf_t;

#define DOCREL_BUF_INIT {NULL, 0, 0}

/* Appends len bytes (bytes may be NULL when len is 0). */
void docrel_buf_append (docrel_buf_t *buf, const void *bytes, size_t len);
void docrel_buf_append_byte (docrel_buf_t *buf, uint8_t byte);
void docrel_buf_reset (docrel_buf_t *buf); /* len = 0, keeps memory */
void docrel_buf_destroy (docrel_buf_t *buf); /* frees memory; buf reusable */

#endif
