/* SPDX-License-Identifier: Apache-2.0 */
/* arrays.c: arrays whose keys are not "0", "1", ... in order.
 *
 * MongoDB reads an array by position, never by its keys, but libbson prints
 * a warning to stderr whenever such an array is appended as a value, and
 * docrel never prints. What a caller hands in (a document's fields, a
 * filter) is renumbered once on the way in, so every array docrel holds is
 * well numbered, and an error message renders one without a warning.
 * Containers deeper than DOCREL_ARRAYS_MAX_DEPTH are left as they are, which
 * bounds recursion. */
#include "util/util-private.h"

#include <string.h>

static bool
numbered (const uint8_t *data, uint32_t len, bool is_array, int depth)
{
   bson_t doc;
   bson_iter_t iter;
   char buf[16];
   const char *want;
   uint32_t i = 0;

   if (depth > DOCREL_ARRAYS_MAX_DEPTH || !bson_init_static (&doc, data, len) || !bson_iter_init (&iter, &doc)) {
      return true; /* not ours to judge: too deep, or not BSON at all */
   }
   while (bson_iter_next (&iter)) {
      const uint8_t *sub;
      uint32_t sub_len;

      if (is_array &&
          (bson_uint32_to_string (i++, &want, buf, sizeof buf), strcmp (bson_iter_key (&iter), want) != 0)) {
         return false;
      }
      if (BSON_ITER_HOLDS_ARRAY (&iter) || BSON_ITER_HOLDS_DOCUMENT (&iter)) {
         bool array = BSON_ITER_HOLDS_ARRAY (&iter);
         if (array) {
            bson_iter_array (&iter, &sub_len, &sub);
         } else {
            bson_iter_document (&iter, &sub_len, &sub);
         }
         if (!numbered (sub, sub_len, array, depth + 1)) {
            return false;
         }
      }
   }
   return true;
}

bool
docrel_arrays__numbered (const uint8_t *data, uint32_t len, bool is_array)
{
   return numbered (data, len, is_array, 0);
}

static void
copy (bson_iter_t *iter, bson_t *out, bool is_array, int depth)
{
   char buf[16];
   uint32_t i = 0;

   while (bson_iter_next (iter)) {
      const char *key = bson_iter_key (iter);
      int key_len = (int) bson_iter_key_len (iter);
      bson_iter_t child;
      bson_t sub;

      if (is_array) {
         key_len = (int) bson_uint32_to_string (i++, &key, buf, sizeof buf);
      }
      if (depth < DOCREL_ARRAYS_MAX_DEPTH && BSON_ITER_HOLDS_ARRAY (iter) && bson_iter_recurse (iter, &child)) {
         bson_append_array_begin (out, key, key_len, &sub);
         copy (&child, &sub, true, depth + 1);
         bson_append_array_end (out, &sub);
      } else if (depth < DOCREL_ARRAYS_MAX_DEPTH && BSON_ITER_HOLDS_DOCUMENT (iter) &&
                 bson_iter_recurse (iter, &child)) {
         bson_append_document_begin (out, key, key_len, &sub);
         copy (&child, &sub, false, depth + 1);
         bson_append_document_end (out, &sub);
      } else {
         bson_append_iter (out, key, key_len, iter);
      }
   }
}

void
docrel_arrays__renumber (const uint8_t *data, uint32_t len, bool is_array, bson_t *out)
{
   bson_t doc;
   bson_iter_t iter;

   bson_init (out);
   if (bson_init_static (&doc, data, len) && bson_iter_init (&iter, &doc)) {
      copy (&iter, out, is_array, 0);
   }
}
