/* SPDX-License-Identifier: Apache-2.0 */
/* related-cursor.c: docrel_find_related, a cursor over one relation of one
 * saved document. hasOne, hasMany and belongsTo are one docrel_find on the
 * far model with the key condition beside the caller's filter. A
 * hasAndBelongsToMany relation is read through its link collection: without
 * a sort, a cursor source (cursor.c) reads batchSize links, then the far
 * documents they hold, and again, so memory stays bounded by the batch
 * whatever the number of links; with a sort, the far keys of at most
 * JOIN_CHUNK links become one $in and the find sorts them. */
#include <string.h>

#include "docrel/docrel-query.h"
#include "util/util-private.h"
#include "bsonx/bsonx-private.h"
#include "query/query-private.h"
#include "store/store-private.h"
#include "model/model-private.h"
#include "doc/doc-private.h"
#include "join/join-private.h"

/* Links read per batch without batchSize (the joining cursor's default). */
#define LINKS_PER_BATCH 100

/* Appends {path: {$eq: value}, ...} for a key tuple. */
static void
key_condition (bson_t *out, char *const *paths, size_t n, const bson_value_t *values)
{
   bson_t eq;
   size_t i;

   for (i = 0; i < n; i++) {
      bson_append_document_begin (out, paths[i], -1, &eq);
      bson_append_value (&eq, "$eq", 3, &values[i]);
      bson_append_document_end (out, &eq);
   }
}

/* {$and: [{keys} or, without a key, a condition nothing meets, filter]}. */
static void
keyed_filter (char *const *paths, size_t n, const bson_value_t *values, const bson_t *filter, bson_t *out)
{
   bson_t and, cond, in, empty;

   bson_init (out);
   bson_append_array_begin (out, "$and", 4, &and);
   bson_append_document_begin (&and, "0", 1, &cond);
   if (values) {
      key_condition (&cond, paths, n, values);
   } else {
      bson_append_document_begin (&cond, "_id", 3, &in);
      bson_append_array_begin (&in, "$in", 3, &empty);
      bson_append_array_end (&in, &empty);
      bson_append_document_end (&cond, &in);
   }
   bson_append_document_end (&and, &cond);
   if (filter && !bson_empty (filter)) {
      bson_append_document (&and, "1", 1, filter);
   }
   bson_append_array_end (out, &and);
}

/* ---- the links, batch by batch ------------------------------------------ */

typedef struct {
   docrel_store_t *store;
   const docrel_relation_t *r;
   const docrel_find_spec_t *spec; /* the cursor's: projection, skip, limit */
   bson_t *filter;                 /* on the far documents, or NULL */
   uint32_t batch;                 /* links per batch */
   docrel_buf_t parent;            /* the parent's keycode (symmetric links) */
   docrel_filter_t *link_filter;
   docrel_projection_t *link_projection;
   docrel_find_spec_t link_spec;
   docrel_backend_cursor_t *links;
   bool links_done;
   size_t n_links;      /* links read in the last batch */
   docrel_keyset_t set; /* the far keys of the last batch */
   bool has_set;
   docrel_chunks_t chunks;
   docrel_filter_t *far_filter;
   docrel_find_spec_t far_spec;
   docrel_backend_cursor_t *far;
   int64_t skipped, returned;
} linked_t;

static void
close_far (linked_t *l)
{
   docrel_store__cursor_destroy (l->store, l->far);
   l->far = NULL;
   if (l->far_filter) {
      docrel_filter__destroy (l->far_filter);
      l->far_filter = NULL;
   }
}

static void
linked_destroy (void *ctx)
{
   linked_t *l = ctx;

   close_far (l);
   docrel_store__cursor_destroy (l->store, l->links);
   if (l->link_filter) {
      docrel_filter__destroy (l->link_filter);
   }
   if (l->link_projection) {
      docrel_projection__destroy (l->link_projection);
   }
   if (l->has_set) {
      docrel_keyset__destroy (&l->set);
   }
   if (l->filter) {
      bson_destroy (l->filter);
   }
   docrel_buf__destroy (&l->parent);
   bson_free (l);
}

/* Opens the query of the parent's links (either field for a symmetric
 * relation), reading only their key fields. */
static bool
open_links (linked_t *l, const bson_value_t *values, bson_error_t *error)
{
   const docrel_relation_t *r = l->r;
   bson_t filter = BSON_INITIALIZER, fields = BSON_INITIALIZER, either, side;
   size_t i;
   bool ok;

   if (r->symmetric) {
      bson_append_array_begin (&filter, "$or", 3, &either);
      bson_append_document_begin (&either, "0", 1, &side);
      key_condition (&side, r->link_left, r->n_keys, values);
      bson_append_document_end (&either, &side);
      bson_append_document_begin (&either, "1", 1, &side);
      key_condition (&side, r->link_right, r->n_keys, values);
      bson_append_document_end (&either, &side);
      bson_append_array_end (&filter, &either);
   } else {
      key_condition (&filter, r->link_left, r->n_keys, values);
   }
   for (i = 0; i < r->n_keys; i++) {
      BSON_APPEND_INT32 (&fields, r->link_right[i], 1);
      if (r->symmetric) {
         BSON_APPEND_INT32 (&fields, r->link_left[i], 1);
      }
   }
   ok = (l->link_filter = docrel_filter__new (&filter, error)) &&
        (l->link_projection = docrel_projection__new (&fields, error));
   bson_destroy (&filter);
   bson_destroy (&fields);
   if (!ok) {
      return false;
   }
   l->link_spec.filter = l->link_filter;
   l->link_spec.projection = l->link_projection;
   l->link_spec.batch_size = (int32_t) l->batch;
   l->links = docrel_store__find (l->store, r->link->collection, &l->link_spec, error);
   return l->links != NULL;
}

/* A linked source of relation r for the parent's key tuple values (NULL:
 * the parent holds no key, nothing is linked). */
static linked_t *
linked_new (docrel_session_t *session,
            const docrel_relation_t *r,
            const bson_value_t *values,
            const bson_t *filter,
            uint32_t batch,
            bson_error_t *error)
{
   linked_t *l = bson_malloc0 (sizeof *l);
   size_t i;

   l->store = session->store;
   l->r = r;
   l->batch = batch;
   l->filter = filter && !bson_empty (filter) ? bson_copy (filter) : NULL;
   l->links_done = values == NULL;
   for (i = 0; values && i < r->n_keys; i++) {
      docrel_keycode__append (&l->parent, &values[i]);
   }
   if (values && !open_links (l, values, error)) {
      linked_destroy (l);
      return NULL;
   }
   return l;
}

/* The link fields holding the far key of link: for a symmetric relation,
 * the field that does not hold the parent's key. */
static char *const *
far_paths (const linked_t *l, const bson_t *link, docrel_buf_t *key, bson_value_t *values)
{
   const docrel_relation_t *r = l->r;

   if (r->symmetric && docrel_join__tuple_key (link, r->link_right, r->n_keys, key, values) &&
       key->len == l->parent.len && memcmp (key->data, l->parent.data, key->len) == 0) {
      return r->link_left;
   }
   return r->link_right;
}

/* Reads the next batch of links into l->set. False at their end (error
 * code 0) or on error. */
static bool
read_links (linked_t *l, bson_error_t *error)
{
   docrel_buf_t key = DOCREL_BUF_INIT;
   bson_value_t values[DOCREL_MAX_KEYS];
   const bson_t *raw;

   if (l->has_set) {
      docrel_keyset__destroy (&l->set);
      l->has_set = false;
   }
   if (l->links_done) {
      return false;
   }
   docrel_keyset__init (&l->set);
   l->has_set = true;
   for (l->n_links = 0; l->n_links < l->batch; l->n_links++) {
      char *const *paths;
      if (!docrel_store__cursor_next (l->store, l->links, &raw, error)) {
         l->links_done = true;
         break;
      }
      paths = far_paths (l, raw, &key, values);
      if (docrel_join__tuple_key (raw, paths, l->r->n_keys, &key, values)) {
         docrel_keyset__add (&l->set, &key, values, l->r->n_keys);
      }
   }
   docrel_buf__destroy (&key);
   if (error->code != 0 || (l->n_links == 0 && l->links_done)) {
      return false;
   }
   docrel_chunks__init (&l->chunks, &l->set, l->r->right_keys, l->r->n_keys, l->filter);
   return true;
}

/* Opens the query of the far documents of the next chunk of keys, reading
 * more links when the batch's keys are spent. */
static bool
open_far (linked_t *l, bson_error_t *error)
{
   bson_t filter;

   while (!l->has_set || !docrel_chunks__next (&l->chunks, &filter)) {
      if (!read_links (l, error)) {
         return false;
      }
   }
   l->far_filter = docrel_filter__new (&filter, error);
   bson_destroy (&filter);
   if (!l->far_filter) {
      return false;
   }
   memset (&l->far_spec, 0, sizeof l->far_spec);
   l->far_spec.filter = l->far_filter;
   l->far_spec.projection = l->spec->projection;
   /* one more than a batch can hold, so MongoDB ends the cursor at once */
   l->far_spec.batch_size = (int32_t) l->batch + 1;
   l->far = docrel_store__find (l->store, l->r->target->collection, &l->far_spec, error);
   return l->far != NULL;
}

/* The source's next: the far documents, batch after batch, with the
 * cursor's skip and limit applied across batches. */
static bool
linked_next (void *ctx, const bson_t **raw, bson_error_t *error)
{
   linked_t *l = ctx;

   for (;;) {
      if (l->spec->limit > 0 && l->returned >= l->spec->limit) {
         return false;
      }
      if (l->far) {
         if (docrel_store__cursor_next (l->store, l->far, raw, error)) {
            if (l->skipped < l->spec->skip) {
               l->skipped++;
               continue;
            }
            l->returned++;
            return true;
         }
         if (error->code != 0) {
            return false;
         }
         close_far (l);
      }
      if (!open_far (l, error)) {
         return false;
      }
   }
}

/* ---- docrel_find_related ------------------------------------------------- */

/* What docrel_find_related hands the cursor's source_open. */
typedef struct {
   const docrel_relation_t *r;
   const bson_value_t *values; /* the parent's key, or NULL */
   const bson_t *filter;       /* on the far documents, or NULL */
} linked_args_t;

static bool
open_linked_source (void *arg,
                    docrel_session_t *session,
                    const docrel_find_t *find,
                    docrel_cursor_source_t *out,
                    bson_error_t *error)
{
   const linked_args_t *args = arg;
   uint32_t batch = find->spec.batch_size > 0 ? (uint32_t) find->spec.batch_size : LINKS_PER_BATCH;
   linked_t *l;

   l = linked_new (session, args->r, args->values, args->filter, batch > JOIN_CHUNK ? JOIN_CHUNK : batch, error);
   if (!l) {
      return false;
   }
   l->spec = &find->spec;
   out->next = linked_next;
   out->destroy = linked_destroy;
   out->ctx = l;
   return true;
}

/* Streams the far documents without a sort: the caller's "related" option
 * is resolved here into the filter each batch's query carries. */
static docrel_cursor_t *
find_linked (docrel_doc_t *doc,
             const docrel_relation_t *r,
             const bson_value_t *values,
             const bson_t *filter,
             const bson_t *opts,
             bson_error_t *error)
{
   linked_args_t args = {r, values, filter};
   bson_t combined = BSON_INITIALIZER, rest = BSON_INITIALIZER, conjuncts;
   bson_iter_t iter;
   docrel_cursor_t *cursor = NULL;
   uint32_t n = 0;

   if (opts && bson_iter_init_find (&iter, opts, "related")) {
      bson_t related;
      if (!BSON_ITER_HOLDS_DOCUMENT (&iter) || !docrel_join__doc_view (&iter, &related)) {
         docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                            "option 'related': expected a document");
         goto done;
      }
      bson_append_array_begin (&combined, "$and", 4, &conjuncts);
      if (filter && !bson_empty (filter)) {
         bson_append_document (&conjuncts, "0", 1, filter);
         n = 1;
      }
      if (!docrel_join__resolve_related (doc->session->store, r->target, &related, &conjuncts, &n, error)) {
         bson_append_array_end (&combined, &conjuncts);
         goto done;
      }
      bson_append_array_end (&combined, &conjuncts);
      bson_copy_to_excluding_noinit (opts, &rest, "related", NULL);
      /* n == 0: no filter, and no condition came of the option ($every over nothing) */
      args.filter = n > 0 ? &combined : NULL;
      opts = &rest;
   }
   cursor = docrel_cursor__open_source (doc->session, r->target, args.filter, opts, open_linked_source, &args, error);
done:
   bson_destroy (&combined);
   bson_destroy (&rest);
   return cursor;
}

/* With a sort: the far keys of every link (at most JOIN_CHUNK links, read
 * in one query) become one $in, and an ordinary find sorts, skips and
 * limits the far documents. */
static docrel_cursor_t *
find_linked_sorted (docrel_doc_t *doc,
                    const docrel_relation_t *r,
                    const bson_value_t *values,
                    const bson_t *filter,
                    const bson_t *opts,
                    bson_error_t *error)
{
   linked_t *l = linked_new (doc->session, r, values, NULL, JOIN_CHUNK + 1, error);
   docrel_cursor_t *cursor = NULL;
   bson_error_t read_error = {0};
   bson_t chunk, more;
   bool read;

   if (!l) {
      return NULL;
   }
   read = read_links (l, &read_error);
   if (read_error.code != 0) {
      if (error) {
         *error = read_error;
      }
   } else if (read && l->n_links > JOIN_CHUNK) {
      docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                         "find_related: model '%s' hasAndBelongsToMany '%s': a sort reads at most %d links, this "
                         "document has more; iterate without 'sort'",
                         r->model->name, r->field, JOIN_CHUNK);
   } else if (!read || l->set.n == 0) {
      keyed_filter (r->right_keys, r->n_keys, NULL, filter, &chunk);
      cursor = docrel_find (doc->session, r->target, &chunk, opts, error);
      bson_destroy (&chunk);
   } else {
      docrel_chunks__init (&l->chunks, &l->set, r->right_keys, r->n_keys,
                           filter && !bson_empty (filter) ? filter : NULL);
      docrel_chunks__next (&l->chunks, &chunk);
      if (docrel_chunks__next (&l->chunks, &more)) {
         bson_destroy (&more);
         docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                            "find_related: model '%s' hasAndBelongsToMany '%s': the linked keys make a query over "
                            "%d bytes, too long to sort in one; iterate without 'sort'",
                            r->model->name, r->field, JOIN_CHUNK_BYTES);
      } else {
         cursor = docrel_find (doc->session, r->target, &chunk, opts, error);
      }
      bson_destroy (&chunk);
   }
   linked_destroy (l);
   return cursor;
}

/* Checks the arguments; *r is the relation of doc's model named field. */
static bool
check_related_args (docrel_doc_t *doc, const char *field, const docrel_relation_t **r, bson_error_t *error)
{
   if (!doc || !field) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_INVALID_ARGUMENT,
                                "find_related needs a document and a relation field");
   }
   *r = docrel_model_relation (doc->model, field);
   if (!*r) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_UNKNOWN_FIELD,
                                "find_related: model '%s' has no relation '%s'", doc->model->name, field);
   }
   if (!doc->saved) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_NOT_SAVED,
                                "find_related: model '%s' relation '%s': the document is not saved (save it first: "
                                "its related documents are found by its stored keys)",
                                doc->model->name, field);
   }
   return docrel_model__use ((*r)->target, error) &&
          ((*r)->kind != DOCREL_HAS_AND_BELONGS_TO_MANY || docrel_model__use ((*r)->link, error));
}

docrel_cursor_t *
docrel_find_related (docrel_doc_t *doc,
                     const char *field,
                     const bson_t *filter,
                     const bson_t *opts,
                     bson_error_t *error)
{
   const docrel_relation_t *r = NULL;
   docrel_buf_t key = DOCREL_BUF_INIT;
   bson_value_t values[DOCREL_MAX_KEYS];
   const bson_value_t *parent;
   docrel_cursor_t *cursor;
   bson_t keyed;

   if (!check_related_args (doc, field, &r, error)) {
      return NULL;
   }
   /* values borrow doc's fields, which stay put during the call */
   parent = docrel_join__tuple_key (doc->fields, r->left_keys, r->n_keys, &key, values) ? values : NULL;
   if (r->kind != DOCREL_HAS_AND_BELONGS_TO_MANY) {
      keyed_filter (r->right_keys, r->n_keys, parent, filter, &keyed);
      cursor = docrel_find (doc->session, r->target, &keyed, opts, error);
      bson_destroy (&keyed);
   } else if (opts && bson_has_field (opts, "sort")) {
      cursor = find_linked_sorted (doc, r, parent, filter, opts, error);
   } else {
      cursor = find_linked (doc, r, parent, filter, opts, error);
   }
   docrel_buf__destroy (&key);
   return cursor;
}
