/* SPDX-License-Identifier: Apache-2.0 */
/* keys.c: reading, copying and clearing relation keys, and keeping
 * slots free of deleted documents. */
#include <string.h>

#include "bsonx/bsonx-private.h"
#include "util/util-private.h"
#include "graph/graph-private.h"
#include "model/model-private.h"
#include "store/store-private.h"

bool
docrel_graph__key (const docrel_doc_t *doc, char *const *paths, size_t n, bson_value_t *values)
{
   size_t i;

   for (i = 0; i < n; i++) {
      bson_iter_t iter;
      if (!docrel_path__find (doc->fields, paths[i], &iter) || BSON_ITER_HOLDS_NULL (&iter)) {
         return false;
      }
      values[i] = *bson_iter_value (&iter);
   }
   return true;
}

const char *
docrel_graph__missing (const docrel_doc_t *doc, char *const *paths, size_t n)
{
   size_t i;

   for (i = 0; i < n; i++) {
      bson_iter_t iter;
      if (!docrel_path__find (doc->fields, paths[i], &iter) || BSON_ITER_HOLDS_NULL (&iter)) {
         return paths[i];
      }
   }
   return paths[0];
}

const docrel_relation_t *
docrel_graph__required_key (const docrel_model_t *model, char *const *paths, size_t n)
{
   size_t i, k, j;

   for (i = 0; i < model->n_relations; i++) {
      const docrel_relation_t *b = model->relations[i];
      for (k = 0; b->kind == DOCREL_BELONGS_TO && b->required && k < b->n_keys; k++) {
         for (j = 0; j < n; j++) {
            if (strcmp (b->left_keys[k], paths[j]) == 0) {
               return b;
            }
         }
      }
   }
   return NULL;
}

bool
docrel_graph__set_key (docrel_undo_t *undo,
                       docrel_doc_t *doc,
                       char *const *paths,
                       const bson_value_t *values,
                       size_t n,
                       bson_error_t *error)
{
   size_t i;

   for (i = 0; i < n; i++) {
      bson_iter_t iter;
      if (docrel_path__find (doc->fields, paths[i], &iter) && bson_iter_type (&iter) == values[i].value_type &&
          docrel_compare__values (bson_iter_value (&iter), &values[i]) == 0) {
         continue; /* already holds it (same type too: 1 and 1.0 differ on disk) */
      }
      docrel_undo__touch (undo, doc);
      if (!docrel_doc_set_value (doc, paths[i], &values[i], error)) {
         return false;
      }
   }
   return true;
}

bool
docrel_graph__unset_key (docrel_undo_t *undo, docrel_doc_t *doc, char *const *paths, size_t n, bson_error_t *error)
{
   size_t i;

   for (i = 0; i < n; i++) {
      if (docrel_doc_has (doc, paths[i])) {
         docrel_undo__touch (undo, doc);
         if (!docrel_doc_unset (doc, paths[i], error)) {
            return false;
         }
      }
   }
   return true;
}

/* The encoded key tuple of doc at paths, or false if it has none. */
bool
docrel_graph__code (const docrel_doc_t *doc, char *const *paths, size_t n, docrel_buf_t *out)
{
   bson_value_t values[DOCREL_MAX_KEYS];
   size_t i;

   docrel_buf__reset (out);
   if (!docrel_graph__key (doc, paths, n, values)) {
      return false;
   }
   for (i = 0; i < n; i++) {
      docrel_keycode__append (out, &values[i]);
   }
   return true;
}

void
docrel_graph__append_eq (bson_t *doc, const char *path, const bson_value_t *value)
{
   bson_t eq;

   bson_append_document_begin (doc, path, -1, &eq);
   bson_append_value (&eq, "$eq", 3, value);
   bson_append_document_end (doc, &eq);
}

bson_t *
docrel_graph__unset_update (char *const *paths, size_t n)
{
   bson_t *update = bson_new ();
   bson_t unset;
   size_t i;

   bson_append_document_begin (update, "$unset", 6, &unset);
   for (i = 0; i < n; i++) {
      BSON_APPEND_UTF8 (&unset, paths[i], "");
   }
   bson_append_document_end (update, &unset);
   return update;
}

bool
docrel_graph__bare_key (const docrel_relation_t *r, const bson_value_t *key, bson_value_t *values, bson_error_t *error)
{
   bson_t doc;
   size_t i;

   if (r->n_keys == 1) {
      values[0] = *key;
      return true;
   }
   if (key->value_type != BSON_TYPE_DOCUMENT ||
       !bson_init_static (&doc, key->value.v_doc.data, key->value.v_doc.data_len)) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_WRONG_TYPE,
                                "relation '%s': a composite key must be a document of its key paths", r->field);
   }
   for (i = 0; i < r->n_keys; i++) {
      bson_iter_t iter;
      if (!bson_iter_init_find (&iter, &doc, r->right_keys[i])) {
         return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_REQUIRED,
                                   "relation '%s': the key document lacks '%s'", r->field, r->right_keys[i]);
      }
      values[i] = *bson_iter_value (&iter);
   }
   return true;
}

void
docrel_graph__keys_filter (docrel_doc_t *const *docs,
                           size_t n,
                           char *const *doc_paths,
                           char *const *filter_paths,
                           size_t n_keys,
                           bson_t *out)
{
   bson_value_t values[DOCREL_MAX_KEYS];
   bson_t outer, list, item;
   uint32_t count = 0;
   size_t i, k;

   if (n_keys == 1) {
      bson_append_document_begin (out, filter_paths[0], -1, &outer);
      bson_append_array_begin (&outer, "$in", 3, &list);
   } else {
      bson_append_array_begin (out, "$or", 3, &list);
   }
   for (i = 0; i < n; i++) {
      char buf[16];
      const char *key;
      if (!docrel_graph__key (docs[i], doc_paths, n_keys, values)) {
         continue;
      }
      bson_uint32_to_string (count++, &key, buf, sizeof buf);
      if (n_keys == 1) {
         bson_append_value (&list, key, -1, &values[0]);
         continue;
      }
      bson_append_document_begin (&list, key, -1, &item);
      for (k = 0; k < n_keys; k++) {
         docrel_graph__append_eq (&item, filter_paths[k], &values[k]);
      }
      bson_append_document_end (&list, &item);
   }
   if (n_keys == 1) {
      bson_append_array_end (&outer, &list);
      bson_append_document_end (out, &outer);
   } else {
      if (count == 0) {
         /* $or needs one clause: one that matches nothing */
         bson_append_document_begin (&list, "0", 1, &item);
         bson_append_document_begin (&item, "_id", 3, &outer);
         bson_append_array_begin (&outer, "$in", 3, &item);
         bson_append_array_end (&outer, &item);
         bson_append_document_end (&item, &outer);
         bson_append_document_end (&list, &item);
      }
      bson_append_array_end (out, &list);
   }
}

static bool
is_gone (const docrel_idmap_t *gone, docrel_doc_t *const *p)
{
   return docrel_idmap__get (gone, NULL, (const uint8_t *) p, sizeof *p) != NULL;
}

static bool
holds_gone (docrel_doc_t *const *list, size_t n, const docrel_idmap_t *gone)
{
   size_t i;

   for (i = 0; i < n; i++) {
      if (is_gone (gone, &list[i])) {
         return true;
      }
   }
   return false;
}

/* Removes from list (of *n) every document in gone. */
static void
drop_gone (docrel_doc_t **list, size_t *n, const docrel_idmap_t *gone)
{
   size_t i, kept = 0;

   for (i = 0; i < *n; i++) {
      if (!is_gone (gone, &list[i])) {
         list[kept++] = list[i];
      }
   }
   *n = kept;
}

void
docrel_graph__forget (docrel_undo_t *undo, docrel_session_t *session, docrel_doc_t *const *gone, size_t n)
{
   docrel_idmap_t set;
   docrel_doc_t *d;
   size_t i, k;

   if (n == 0) {
      return;
   }
   docrel_idmap__init (&set);
   for (i = 0; i < n; i++) {
      docrel_idmap__put (&set, NULL, (const uint8_t *) &gone[i], sizeof gone[i], (void *) gone[i]);
   }
   for (d = session->head; d; d = d->next) {
      for (k = 0; d->slots && k < d->model->n_relations; k++) {
         docrel_slot_t *slot = docrel_doc__slot (d, k);

         if (holds_gone (slot->docs, slot->n, &set) || holds_gone (slot->base, slot->n_base, &set)) {
            /* snapshot first, with the slot as it was */
            docrel_undo__touch (undo, d);
            drop_gone (slot->docs, &slot->n, &set);
            drop_gone (slot->base, &slot->n_base, &set);
         }
      }
   }
   docrel_idmap__destroy (&set);
}

size_t
docrel_graph__all_relations (docrel_store_t *store, docrel_relation_t ***out)
{
   docrel_relation_t **list = NULL;
   size_t n = 0, cap = 0, i, k;

   pthread_mutex_lock (&store->mutex);
   for (i = 0; i < store->n_models; i++) {
      docrel_model_t *m = store->models[i];
      for (k = 0; k < m->n_relations; k++) {
         if (n == cap) {
            cap = cap ? cap * 2 : 16;
            list = bson_realloc (list, cap * sizeof *list);
         }
         list[n++] = m->relations[k];
      }
   }
   pthread_mutex_unlock (&store->mutex);
   *out = list;
   return n;
}

size_t
docrel_graph__references (docrel_relation_t *const *all,
                          size_t n_all,
                          const docrel_model_t *model,
                          docrel_relation_t ***out)
{
   docrel_relation_t **list = NULL;
   size_t n = 0, i;

   for (i = 0; i < n_all; i++) {
      if (all[i]->model == model || all[i]->target == model) {
         list = bson_realloc (list, (n + 1) * sizeof *list);
         list[n++] = all[i];
      }
   }
   *out = list;
   return n;
}

/* How a relation references a model m: documents of `from` hold, at
 * from_paths, the key m holds at m_paths. */
bool
docrel_graph__reference (const docrel_relation_t *r,
                         const docrel_model_t *m,
                         docrel_model_t **from,
                         char *const **from_paths,
                         char *const **m_paths)
{
   if ((r->kind == DOCREL_HAS_ONE || r->kind == DOCREL_HAS_MANY) && r->model == m) {
      *from = r->target;
      *from_paths = r->right_keys;
      *m_paths = r->left_keys;
      return true;
   }
   if (r->kind == DOCREL_BELONGS_TO && r->target == m) {
      *from = r->model;
      *from_paths = r->left_keys;
      *m_paths = r->right_keys;
      return true;
   }
   return false;
}

/* The link fields of r that hold keys of model m (one side, both for a
 * symmetric link), with m's paths. */
size_t
docrel_graph__link_sides (const docrel_relation_t *r,
                          const docrel_model_t *m,
                          char *const *fields[2],
                          char *const *m_paths[2])
{
   size_t n = 0;

   if (r->kind != DOCREL_HAS_AND_BELONGS_TO_MANY) {
      return 0;
   }
   if (r->model == m) {
      fields[n] = r->link_left;
      m_paths[n++] = r->left_keys;
   }
   if (r->target == m && (r->model != m || r->symmetric || strcmp (r->link_left[0], r->link_right[0]) != 0)) {
      fields[n] = r->link_right;
      m_paths[n++] = r->right_keys;
   }
   return n;
}

/* True if the same (model, paths) was handled already; records it if not. */
bool
docrel_graph__once (docrel_idmap_t *done, const docrel_model_t *model, char *const *paths, size_t n)
{
   docrel_buf_t key = DOCREL_BUF_INIT;
   size_t i;
   bool seen;

   docrel_buf__append_byte (&key, (uint8_t) n); /* never an empty key */
   for (i = 0; i < n; i++) {
      docrel_buf__append (&key, paths[i], strlen (paths[i]) + 1);
   }
   seen = docrel_idmap__get (done, model, key.data, key.len) != NULL;
   if (!seen) {
      docrel_idmap__put (done, model, key.data, key.len, (void *) 1);
   }
   docrel_buf__destroy (&key);
   return seen;
}
