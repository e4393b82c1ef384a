/* SPDX-License-Identifier: Apache-2.0 */
/* buffer.c: a growable byte buffer for building keys and small blobs.
 *
 * Keycodes, sort keys and SQL text are built by appending a few bytes at a
 * time; this buffer grows geometrically so that costs amortised O(1) per byte.
 * Memory comes from bson_malloc / bson_realloc, so the allocator hook installed
 * with bson_mem_set_vtable sees every allocation. libbson's allocation
 * functions never return NULL (they abort on exhaustion), which is why the
 * appends below cannot fail. */
#include "util/util-private.h"

#include <stdint.h>
#include <string.h>

#define DOCREL_BUF_MIN_CAP 64

/* Makes room for extra more bytes past buf->len. */
static void
buf_reserve (docrel_buf_t *buf, size_t extra)
{
   size_t need;
   size_t cap;

   if (extra <= buf->cap - buf->len) {
      return;
   }
   if (extra > SIZE_MAX - buf->len) {
      /* Cannot be represented: ask for the impossible, which libbson treats
       * as memory exhaustion. Unreachable with real inputs. */
      need = SIZE_MAX;
   } else {
      need = buf->len + extra;
   }
   cap = buf->cap ? buf->cap : DOCREL_BUF_MIN_CAP;
   while (cap < need) {
      if (cap > SIZE_MAX / 2) {
         cap = need;
         break;
      }
      cap *= 2;
   }
   buf->data = bson_realloc (buf->data, cap);
   buf->cap = cap;
}

void
docrel_buf__append (docrel_buf_t *buf, const void *bytes, size_t len)
{
   if (len == 0) {
      return; /* bytes may be NULL then; memcpy must not see it */
   }
   buf_reserve (buf, len);
   memcpy (buf->data + buf->len, bytes, len);
   buf->len += len;
}

void
docrel_buf__append_byte (docrel_buf_t *buf, uint8_t byte)
{
   buf_reserve (buf, 1);
   buf->data[buf->len++] = byte;
}

uint8_t *
docrel_buf__extend (docrel_buf_t *buf, size_t len)
{
   uint8_t *at;

   buf_reserve (buf, len);
   at = buf->data + buf->len;
   buf->len += len;
   return at;
}

void
docrel_buf__reset (docrel_buf_t *buf)
{
   buf->len = 0;
}

void
docrel_buf__destroy (docrel_buf_t *buf)
{
   bson_free (buf->data);
   buf->data = NULL;
   buf->len = 0;
   buf->cap = 0;
}
