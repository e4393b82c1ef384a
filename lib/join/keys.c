/* SPDX-License-Identifier: Apache-2.0 */
/* keys.c: key tuples, sets of distinct tuples, the $in filters of one
 * chunk of them, and the index that attaches documents by key tuple
 * (join-private.h). */
#include <string.h>

#include "join/join-private.h"
#include "bsonx/bsonx-private.h"
#include "model/model-private.h"
#include "doc/doc-private.h"

bool
docrel_join__doc_view (const bson_iter_t *iter, bson_t *out)
{
   const uint8_t *data;
   uint32_t len;
   bson_iter_document (iter, &len, &data);
   return bson_init_static (out, data, len);
}

/* Appends the keycode of the tuple at paths in fields. Returns false if a
 * component is missing or null: such a document references nothing. */
bool
docrel_join__tuple_key (const bson_t *fields, char *const *paths, size_t n, docrel_buf_t *out, bson_value_t *values)
{
   size_t i;

   docrel_buf__reset (out);
   for (i = 0; i < n; i++) {
      bson_iter_t iter;
      if (!docrel_path__find (fields, paths[i], &iter) || BSON_ITER_HOLDS_NULL (&iter)) {
         return false;
      }
      values[i] = *bson_iter_value (&iter);
      docrel_keycode__append (out, &values[i]);
   }
   return true;
}

/* The identity map's keycode of doc's _id, if paths is "_id" alone and
 * tuple_key would give that keycode: not for a null _id (no key) nor an
 * array (indexed per element), which take the path. */
static const docrel_buf_t *
id_keycode (const docrel_doc_t *doc, char *const *paths, size_t n)
{
   const docrel_buf_t *code;

   if (n != 1 || strcmp (paths[0], "_id") != 0 || !(code = docrel_doc__id_keycode (doc))) {
      return NULL;
   }
   return doc->id.value_type == BSON_TYPE_NULL || doc->id.value_type == BSON_TYPE_ARRAY ? NULL : code;
}

bool
docrel_join__doc_key (const docrel_doc_t *doc, char *const *paths, size_t n, docrel_buf_t *out, bson_value_t *values)
{
   const docrel_buf_t *code = id_keycode (doc, paths, n);

   if (!code) {
      return docrel_join__tuple_key (doc->fields, paths, n, out, values);
   }
   docrel_buf__reset (out);
   docrel_buf__append (out, code->data, code->len);
   values[0] = doc->id;
   return true;
}

void
docrel_keyset__init (docrel_keyset_t *set)
{
   docrel_idmap__init (&set->seen);
   set->values = NULL;
   set->width = 0;
   set->n = set->cap = 0;
}

void
docrel_keyset__destroy (docrel_keyset_t *set)
{
   size_t i;

   for (i = 0; i < set->n * set->width; i++) {
      bson_value_destroy (&set->values[i]);
   }
   bson_free (set->values);
   docrel_idmap__destroy (&set->seen);
}

void
docrel_keyset__add (docrel_keyset_t *set, const docrel_buf_t *key, const bson_value_t *values, size_t n)
{
   size_t i;

   if (docrel_idmap__add (&set->seen, NULL, key->data, key->len, set)) {
      return; /* in the set already */
   }
   if (set->n == set->cap) {
      set->cap = set->cap ? set->cap * 2 : 16;
      set->values = bson_realloc (set->values, (size_t) set->cap * n * sizeof *set->values);
   }
   set->width = n;
   for (i = 0; i < n; i++) {
      bson_value_copy (&values[i], &set->values[set->n * n + i]);
   }
   set->n++;
}

void
docrel_join__chunk_filter (const bson_value_t *tuples,
                           size_t width,
                           uint32_t count,
                           char *const *paths,
                           size_t n_paths,
                           const bson_t *edge_filter,
                           bson_t *out)
{
   bson_t and, key_doc, list, cond, item;
   bson_t *target = out;
   uint32_t i;
   char numkey[16];
   const char *k;

   bson_init (out);
   if (edge_filter) {
      bson_append_array_begin (out, "$and", 4, &and);
      bson_append_document_begin (&and, "0", 1, &key_doc);
      target = &key_doc;
   }
   if (n_paths == 1) {
      bson_append_document_begin (target, paths[0], -1, &cond);
      bson_append_array_begin (&cond, "$in", 3, &list);
      for (i = 0; i < count; i++) {
         bson_uint32_to_string (i, &k, numkey, sizeof numkey);
         bson_append_value (&list, k, -1, &tuples[i * width]);
      }
      bson_append_array_end (&cond, &list);
      bson_append_document_end (target, &cond);
   } else {
      bson_append_array_begin (target, "$or", 3, &list);
      for (i = 0; i < count; i++) {
         size_t p;
         bson_uint32_to_string (i, &k, numkey, sizeof numkey);
         bson_append_document_begin (&list, k, -1, &item);
         for (p = 0; p < n_paths && p < width; p++) {
            bson_append_document_begin (&item, paths[p], -1, &cond);
            bson_append_value (&cond, "$eq", 3, &tuples[i * width + p]);
            bson_append_document_end (&item, &cond);
         }
         bson_append_document_end (&list, &item);
      }
      bson_append_array_end (target, &list);
   }
   if (edge_filter) {
      bson_append_document_end (&and, &key_doc);
      bson_append_document (&and, "1", 1, edge_filter);
      bson_append_array_end (out, &and);
   }
}

/* The bytes value takes in BSON after its key, as bson_append_value
 * writes it. */
static size_t
value_bytes (const bson_value_t *v)
{
   switch (v->value_type) {
   case BSON_TYPE_UTF8:
      return 5 + (size_t) v->value.v_utf8.len;
   case BSON_TYPE_SYMBOL:
      return 5 + (size_t) v->value.v_symbol.len;
   case BSON_TYPE_CODE:
      return 5 + (size_t) v->value.v_code.code_len;
   case BSON_TYPE_DOCUMENT:
   case BSON_TYPE_ARRAY:
      return v->value.v_doc.data_len;
   case BSON_TYPE_BINARY: /* the old binary subtype repeats the length */
      return (v->value.v_binary.subtype == BSON_SUBTYPE_BINARY_DEPRECATED ? 9 : 5) +
             (size_t) v->value.v_binary.data_len;
   case BSON_TYPE_REGEX:
      return strlen (v->value.v_regex.regex) + strlen (v->value.v_regex.options) + 2;
   case BSON_TYPE_DBPOINTER:
      return 17 + (size_t) v->value.v_dbpointer.collection_len;
   case BSON_TYPE_CODEWSCOPE:
      return 9 + (size_t) v->value.v_codewscope.code_len + v->value.v_codewscope.scope_len;
   case BSON_TYPE_OID:
      return 12;
   case BSON_TYPE_BOOL:
      return 1;
   case BSON_TYPE_INT32:
      return 4;
   case BSON_TYPE_DECIMAL128:
      return 16;
   case BSON_TYPE_DOUBLE:
   case BSON_TYPE_DATE_TIME:
   case BSON_TYPE_TIMESTAMP:
   case BSON_TYPE_INT64:
      return 8;
   default:
      return 0; /* null, undefined, MinKey, MaxKey */
   }
}

/* The size of tuple t of set as a BSON array ("0", "1", ... keys). */
static size_t
tuple_bytes (const docrel_keyset_t *set, uint32_t t)
{
   size_t bytes = 5, i;

   for (i = 0; i < set->width; i++) {
      bytes += 2 + (i < 10 ? 1 : i < 100 ? 2 : 3) + value_bytes (&set->values[t * set->width + i]);
   }
   return bytes;
}

/* How many of the next (at most max) tuples fit one chunk: at least one,
 * then while their filter stays under JOIN_CHUNK_BYTES (a tuple's BSON
 * plus, per key, its path and operators). */
static uint32_t
chunk_count (const docrel_chunks_t *chunks, uint32_t max)
{
   size_t per_tuple = 16, bytes = 0;
   uint32_t n = 0;

   for (size_t p = 0; p < chunks->n_paths; p++) {
      per_tuple += strlen (chunks->paths[p]) + 16;
   }
   while (n < max && chunks->at + n < chunks->set->n) {
      bytes += tuple_bytes (chunks->set, chunks->at + n) + per_tuple;
      if (n > 0 && bytes > JOIN_CHUNK_BYTES) {
         break;
      }
      n++;
   }
   return n > 0 ? n : 1;
}

void
docrel_chunks__init (docrel_chunks_t *chunks,
                     const docrel_keyset_t *set,
                     char *const *paths,
                     size_t n_paths,
                     const bson_t *edge_filter)
{
   chunks->set = set;
   chunks->at = 0;
   chunks->left = set->n;
   chunks->paths = paths;
   chunks->n_paths = n_paths;
   chunks->edge_filter = edge_filter;
}

/* The number of tuples in the next chunk, which the caller takes. */
static uint32_t
take_chunk (docrel_chunks_t *chunks)
{
   uint32_t count = chunk_count (chunks, chunks->left < JOIN_CHUNK ? chunks->left : JOIN_CHUNK);

   chunks->at += count;
   chunks->left -= count;
   return count;
}

bool
docrel_chunks__next (docrel_chunks_t *chunks, bson_t *filter)
{
   const docrel_keyset_t *set = chunks->set;
   uint32_t from = chunks->at, count;

   if (chunks->left == 0) {
      return false;
   }
   count = take_chunk (chunks);
   docrel_join__chunk_filter (set->values + from * set->width, set->width, count, chunks->paths, chunks->n_paths,
                              chunks->edge_filter, filter);
   return true;
}

bool
docrel_chunks__next_values (docrel_chunks_t *chunks, bson_value_t **values, size_t *n)
{
   const docrel_keyset_t *set = chunks->set;
   uint32_t from = chunks->at, count, i;

   *values = NULL;
   *n = 0;
   if (chunks->left == 0) {
      return false;
   }
   count = take_chunk (chunks);
   *values = bson_malloc (count * sizeof **values);
   for (i = 0; i < count; i++) {
      (*values)[i] = set->values[(from + i) * set->width]; /* borrowed from the set */
   }
   *n = count;
   return true;
}

/* ---- indexing documents by key tuple ---------------------------------- */

void
docrel_keyindex__init (docrel_keyindex_t *index)
{
   docrel_idmap__init (&index->map);
   index->buckets = NULL;
   index->n_buckets = 0;
   index->entries = NULL;
}

void
docrel_keyindex__destroy (docrel_keyindex_t *index)
{
   bson_free (index->buckets);
   bson_free (index->entries);
   docrel_idmap__destroy (&index->map);
}

const docrel_keybucket_t *
docrel_keyindex__get (const docrel_keyindex_t *index, const docrel_buf_t *key)
{
   uintptr_t b = (uintptr_t) docrel_idmap__get (&index->map, NULL, key->data, key->len);
   return b ? &index->buckets[b - 1] : NULL;
}

/* The documents met so far, each with its bucket: placed in one array,
 * bucket after bucket, once all are known. */
typedef struct {
   docrel_keyindex_t *index;
   size_t cap_buckets;
   struct keyed {
      size_t bucket;
      docrel_keyentry_t entry;
   } * keyed;
   size_t n_keyed, cap_keyed;
} building_t;

static void
note (building_t *b, const docrel_buf_t *key, docrel_doc_t *doc, size_t pos)
{
   docrel_keyindex_t *index = b->index;
   uintptr_t next = index->n_buckets + 1;
   uintptr_t found = (uintptr_t) docrel_idmap__add (&index->map, NULL, key->data, key->len, (void *) next);

   if (!found) {
      if (index->n_buckets == b->cap_buckets) {
         b->cap_buckets = b->cap_buckets ? b->cap_buckets * 2 : 8;
         index->buckets = bson_realloc (index->buckets, b->cap_buckets * sizeof *index->buckets);
      }
      index->buckets[index->n_buckets].entries = NULL;
      index->buckets[index->n_buckets++].n = 0;
      found = next;
   }
   if (b->n_keyed == b->cap_keyed) {
      b->cap_keyed = b->cap_keyed ? b->cap_keyed * 2 : 8;
      b->keyed = bson_realloc (b->keyed, b->cap_keyed * sizeof *b->keyed);
   }
   index->buckets[found - 1].n++;
   b->keyed[b->n_keyed].bucket = found - 1;
   b->keyed[b->n_keyed].entry.doc = doc;
   b->keyed[b->n_keyed++].entry.pos = pos;
}

/* Gives each bucket its stretch of the entries, in the order noted. */
static void
place (building_t *b)
{
   docrel_keyindex_t *index = b->index;
   size_t i, at = 0;

   if (b->n_keyed == 0) {
      return;
   }
   index->entries = bson_malloc (b->n_keyed * sizeof *index->entries);
   for (i = 0; i < index->n_buckets; i++) {
      index->buckets[i].entries = index->entries + at;
      at += index->buckets[i].n;
      index->buckets[i].n = 0;
   }
   for (i = 0; i < b->n_keyed; i++) {
      docrel_keybucket_t *bucket = &index->buckets[b->keyed[i].bucket];
      bucket->entries[bucket->n++] = b->keyed[i].entry;
   }
}

void
docrel_keyindex__docs (docrel_keyindex_t *index,
                       docrel_doc_t *const *docs,
                       size_t n,
                       char *const *paths,
                       size_t n_paths)
{
   docrel_buf_t key = DOCREL_BUF_INIT;
   bson_value_t values[DOCREL_MAX_KEYS];
   building_t b = {index, n, NULL, 0, n};
   size_t i;

   if (n > 0) { /* one key per document, unless some hold arrays */
      docrel_idmap__reserve (&index->map, n);
      index->buckets = bson_malloc (n * sizeof *index->buckets);
      b.keyed = bson_malloc (n * sizeof *b.keyed);
   }
   for (i = 0; i < n; i++) {
      bson_iter_t iter, elem;
      const docrel_buf_t *code = id_keycode (docs[i], paths, n_paths);
      if (code) {
         note (&b, code, docs[i], i);
      } else if (n_paths > 1) {
         if (docrel_join__tuple_key (docs[i]->fields, paths, n_paths, &key, values)) {
            note (&b, &key, docs[i], i);
         }
      } else if (!docrel_path__find (docs[i]->fields, paths[0], &iter) || BSON_ITER_HOLDS_NULL (&iter)) {
         continue; /* references nothing, as docrel_join__tuple_key says */
      } else if (BSON_ITER_HOLDS_ARRAY (&iter) && bson_iter_recurse (&iter, &elem)) {
         while (bson_iter_next (&elem)) {
            docrel_buf__reset (&key);
            docrel_keycode__append (&key, bson_iter_value (&elem));
            note (&b, &key, docs[i], i);
         }
      } else {
         docrel_buf__reset (&key); /* one key: found once, not again by tuple_key */
         docrel_keycode__append (&key, bson_iter_value (&iter));
         note (&b, &key, docs[i], i);
      }
   }
   place (&b);
   bson_free (b.keyed);
   docrel_buf__destroy (&key);
}
