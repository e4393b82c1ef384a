/* query.c: reading documents: docrel_get, docrel_find / cursors,
 * docrel_find_all, docrel_count and docrel_explain.
 *
 * Find options are parsed in one place (parse_find) into compiled pieces the
 * backend receives through docrel_find_spec_t. Loaded documents go through
 * the identity map: a document the session already holds comes back as the
 * same pointer, with its unsaved changes kept. */
#include <string.h>

#include "docrel/docrel-query.h"
#include "doc/doc-private.h"
#include "util/util-private.h"
#include "model/model-private.h"
#include "join/join-private.h"
#include "store/store-private.h"

typedef struct {
   docrel_filter_t *filter;
   docrel_sort_t *sort;
   docrel_projection_t *projection;
   docrel_find_spec_t spec;
   /* The join tree, as a view into the caller's opts (valid during the
    * call). Raw bytes, not a bson_t: a static bson_t must not be copied. */
   const uint8_t *join_data;
   uint32_t join_len;
} find_t;

static void
find_destroy (find_t *find)
{
   if (find->filter) {
      docrel_filter__destroy (find->filter);
   }
   if (find->sort) {
      docrel_sort__destroy (find->sort);
   }
   if (find->projection) {
      docrel_projection__destroy (find->projection);
   }
   memset (find, 0, sizeof *find);
}

static bool
get_count (const bson_iter_t *iter, const char *name, bool positive, int64_t *out, bson_error_t *error)
{
   int64_t v;

   if (!BSON_ITER_HOLDS_INT32 (iter) && !BSON_ITER_HOLDS_INT64 (iter) &&
       !(BSON_ITER_HOLDS_DOUBLE (iter) && bson_iter_double (iter) == (double) (int64_t) bson_iter_double (iter))) {
      return docrel_error__set (
         error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION, "option '%s': expected an integer", name);
   }
   v = bson_iter_as_int64 (iter);
   if (v < 0 || (positive && v == 0)) {
      return docrel_error__set (error,
                                DOCREL_ERROR_QUERY,
                                DOCREL_ERROR_BAD_OPTION,
                                "option '%s': expected an integer %s 0, got %" PRId64,
                                name,
                                positive ? ">" : ">=",
                                v);
   }
   *out = v;
   return true;
}

static bool
get_document (const bson_iter_t *iter, const char *name, bson_t *out, bson_error_t *error)
{
   const uint8_t *data;
   uint32_t len;

   if (!BSON_ITER_HOLDS_DOCUMENT (iter)) {
      return docrel_error__set (
         error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION, "option '%s': expected a document", name);
   }
   bson_iter_document (iter, &len, &data);
   return bson_init_static (out, data, len);
}

/* Replaces the compiled filter by {$and: [filter, <related conditions>]}:
 * filtering by related documents becomes a key $in on this model. */
static bool
add_related (docrel_model_t *model, const bson_t *filter, const bson_t *related, find_t *find, bson_error_t *error)
{
   bson_t combined = BSON_INITIALIZER;
   bson_t conjuncts;
   uint32_t n = 0;
   bool ok;

   bson_append_array_begin (&combined, "$and", 4, &conjuncts);
   if (filter && !bson_empty (filter)) {
      bson_append_document (&conjuncts, "0", 1, filter);
      n = 1;
   }
   ok = docrel_join__resolve_related (model->store, model, related, &conjuncts, &n, error);
   bson_append_array_end (&combined, &conjuncts);
   if (ok) {
      docrel_filter_t *compiled = docrel_filter__new (&combined, error);
      ok = compiled != NULL;
      if (ok) {
         if (find->filter) {
            docrel_filter__destroy (find->filter);
         }
         find->filter = compiled;
         find->spec.filter = compiled;
      }
   }
   bson_destroy (&combined);
   return ok;
}

/* Compiles filter and opts (for a count when counting). */
static bool
parse_find (docrel_model_t *model,
            const bson_t *filter,
            const bson_t *opts,
            bool counting,
            find_t *find,
            bson_error_t *error)
{
   bson_iter_t iter;
   bson_t sub;
   bson_t related;
   bson_t projection;
   bool has_related = false;
   bool has_projection = false;

   memset (find, 0, sizeof *find);
   if (filter && !bson_empty (filter)) {
      find->filter = docrel_filter__new (filter, error);
      if (!find->filter) {
         return false;
      }
      find->spec.filter = find->filter;
   }
   if (!opts || !bson_iter_init (&iter, opts)) {
      return true;
   }
   while (bson_iter_next (&iter)) {
      const char *key = bson_iter_key (&iter);
      if (strcmp (key, "skip") == 0) {
         if (!get_count (&iter, key, false, &find->spec.skip, error)) {
            goto fail;
         }
      } else if (strcmp (key, "limit") == 0) {
         if (!get_count (&iter, key, false, &find->spec.limit, error)) {
            goto fail;
         }
      } else if (!counting && strcmp (key, "batchSize") == 0) {
         int64_t n;
         if (!get_count (&iter, key, true, &n, error)) {
            goto fail;
         }
         find->spec.batch_size = n > INT32_MAX ? INT32_MAX : (int32_t) n;
      } else if (!counting && strcmp (key, "sort") == 0) {
         if (!get_document (&iter, key, &sub, error) || !(find->sort = docrel_sort__new (&sub, error))) {
            goto fail;
         }
         find->spec.sort = find->sort;
      } else if (!counting && strcmp (key, "join") == 0) {
         if (!BSON_ITER_HOLDS_DOCUMENT (&iter)) {
            docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION, "option 'join': expected a document");
            goto fail;
         }
         bson_iter_document (&iter, &find->join_len, &find->join_data);
      } else if (strcmp (key, "related") == 0) {
         if (!get_document (&iter, key, &related, error)) {
            goto fail;
         }
         has_related = true;
      } else if (!counting && strcmp (key, "projection") == 0) {
         if (!get_document (&iter, key, &projection, error) || !docrel_join__projection_keeps_id (&projection, error)) {
            goto fail;
         }
         has_projection = true;
      } else {
         docrel_error__set (error,
                            DOCREL_ERROR_QUERY,
                            DOCREL_ERROR_BAD_OPTION,
                            "unknown %s option '%s'",
                            counting ? "count" : "find",
                            key);
         goto fail;
      }
   }
   if (has_projection) {
      /* Compiled after the loop: a join tree may come after it in opts and
       * widens it with the keys its relations read. */
      bson_t tree, widened;
      bool have_tree = find->join_data && bson_init_static (&tree, find->join_data, find->join_len);
      docrel_join__widen_projection (model, have_tree ? &tree : NULL, &projection, &widened);
      find->projection = docrel_projection__new (&widened, error);
      bson_destroy (&widened);
      if (!find->projection) {
         goto fail;
      }
      find->spec.projection = find->projection;
   }
   if (has_related && !add_related (model, filter, &related, find, error)) {
      goto fail;
   }
   return true;
fail:
   find_destroy (find);
   return false;
}

static bool
check_args (docrel_session_t *session, docrel_model_t *model, bson_error_t *error)
{
   if (!session || !model) {
      return docrel_error__set (
         error, DOCREL_ERROR_QUERY, DOCREL_ERROR_INVALID_ARGUMENT, "a query needs a session and a model");
   }
   return docrel_model__use (model, error);
}

struct _docrel_cursor_t {
   docrel_session_t *session;
   docrel_model_t *model;
   find_t find;
   docrel_backend_cursor_t *backend;
   docrel_doc_t *transient; /* returned, created by this cursor, not kept */
   docrel_doc_t *current;
   /* Joining cursors read and join a batch of roots at a time; the documents
    * a batch created leave the session when the next batch is read. */
   const uint8_t *join_data; /* the tree, copied: the caller's opts may go */
   uint32_t join_len;
   int32_t batch_size;
   docrel_doc_t **batch;      /* the roots of the current batch */
   size_t n_batch, pos;
   docrel_doc_t **created;    /* every document the batch created */
   size_t n_created;
   bool batch_kept;
   bool done;
   bool failed;
   bson_error_t error;
};

static docrel_cursor_t *
open_cursor (docrel_session_t *session,
             docrel_model_t *model,
             const bson_t *filter,
             const bson_t *opts,
             find_t *joined,
             bson_error_t *error)
{
   docrel_cursor_t *cursor;
   find_t find;

   if (!check_args (session, model, error) || !parse_find (model, filter, opts, false, &find, error)) {
      return NULL;
   }
   if (find.join_data) {
      bson_t tree;
      if (!joined && session->journaling > 0) {
         /* Releasing one cursor's batch resets the slots the other filled. */
         docrel_error__set (error,
                            DOCREL_ERROR_QUERY,
                            DOCREL_ERROR_BAD_OPTION,
                            "option 'join': this session already streams a joining cursor; destroy it first");
         find_destroy (&find);
         return NULL;
      }
      if (!bson_init_static (&tree, find.join_data, find.join_len) || !docrel_join__check (model, &tree, error)) {
         find_destroy (&find);
         return NULL;
      }
      if (joined) {
         /* find_all joins every root at once, after reading them all */
         joined->join_data = find.join_data;
         joined->join_len = find.join_len;
         find.join_data = NULL;
      }
   }
   cursor = bson_malloc0 (sizeof *cursor);
   cursor->session = session;
   cursor->model = model;
   cursor->find = find;
   if (find.join_data) {
      uint8_t *copy = bson_malloc (find.join_len);
      memcpy (copy, find.join_data, find.join_len);
      cursor->join_data = copy;
      cursor->join_len = find.join_len;
      cursor->batch_size = find.spec.batch_size > 0 ? find.spec.batch_size : 100;
   }
   cursor->backend = docrel_store__find (session->store, model->collection, &cursor->find.spec, error);
   if (!cursor->backend) {
      find_destroy (&cursor->find);
      bson_free ((void *) cursor->join_data);
      bson_free (cursor);
      return NULL;
   }
   if (cursor->join_data) {
      session->journaling++;
   }
   return cursor;
}

docrel_cursor_t *
docrel_find (docrel_session_t *session,
             docrel_model_t *model,
             const bson_t *filter,
             const bson_t *opts,
             bson_error_t *error)
{
   return open_cursor (session, model, filter, opts, NULL, error);
}

static void
release_transient (docrel_cursor_t *cursor)
{
   if (cursor->transient && !cursor->transient->in_slot) {
      docrel_doc__free (cursor->transient);
   }
   cursor->transient = NULL;
   cursor->current = NULL;
}

/* Frees what the last batch created, unless it was kept. Documents that
 * were in the session before keep their fields; slots the batch filled in
 * them are reset to not loaded, since they point at freed documents. */
static void
release_batch (docrel_cursor_t *cursor)
{
   docrel_session_t *session = cursor->session;

   if (!cursor->batch_kept) {
      docrel_session__discard (session, cursor->created, cursor->n_created, 0);
   } else {
      session->n_journal = 0;
   }
   bson_free (cursor->created);
   bson_free (cursor->batch);
   cursor->created = NULL;
   cursor->batch = NULL;
   cursor->n_created = cursor->n_batch = cursor->pos = 0;
   cursor->batch_kept = false;
   cursor->current = NULL;
}

/* Reads up to batch_size roots and joins them in one go. */
static void
fill_batch (docrel_cursor_t *cursor)
{
   docrel_session_t *session = cursor->session;
   docrel_doc_t *marker = session->head; /* documents created from here on are the batch's */
   const bson_t *raw;
   bson_t tree;
   bool created;

   cursor->batch = bson_malloc ((size_t) cursor->batch_size * sizeof *cursor->batch);
   while (cursor->n_batch < (size_t) cursor->batch_size) {
      if (!docrel_store__cursor_next (session->store, cursor->backend, &raw, &cursor->error)) {
         cursor->done = true;
         cursor->failed = cursor->error.code != 0;
         break;
      }
      cursor->batch[cursor->n_batch++] = docrel_fetch__adopt (session, cursor->model, raw, cursor->find.projection != NULL, &created);
   }
   if (!cursor->failed && cursor->n_batch > 0 && bson_init_static (&tree, cursor->join_data, cursor->join_len) &&
       !docrel_join__load (session, cursor->model, cursor->batch, cursor->n_batch, &tree, &cursor->error)) {
      cursor->done = true;
      cursor->failed = true;
   }
   cursor->created = docrel_session__created_since (session, marker, &cursor->n_created);
   if (cursor->failed) {
      cursor->n_batch = 0; /* an error ends the iteration; nothing is returned */
   }
}

static bool
next_joined (docrel_cursor_t *cursor, docrel_doc_t **out)
{
   if (cursor->pos == cursor->n_batch) {
      release_batch (cursor);
      if (cursor->done) {
         return false;
      }
      memset (&cursor->error, 0, sizeof cursor->error);
      fill_batch (cursor);
      if (cursor->n_batch == 0) {
         return false;
      }
   }
   cursor->current = cursor->batch[cursor->pos++];
   if (out) {
      *out = cursor->current;
   }
   return true;
}

bool
docrel_cursor_next (docrel_cursor_t *cursor, docrel_doc_t **out)
{
   const bson_t *raw;
   bool created;

   if (out) {
      *out = NULL;
   }
   if (!cursor) {
      return false;
   }
   if (cursor->join_data) {
      return next_joined (cursor, out);
   }
   release_transient (cursor);
   if (cursor->done) {
      return false;
   }
   memset (&cursor->error, 0, sizeof cursor->error);
   if (!docrel_store__cursor_next (cursor->session->store, cursor->backend, &raw, &cursor->error)) {
      cursor->done = true;
      cursor->failed = cursor->error.code != 0;
      return false;
   }
   cursor->current = docrel_fetch__adopt (cursor->session, cursor->model, raw, cursor->find.projection != NULL, &created);
   if (created) {
      cursor->transient = cursor->current;
   }
   if (out) {
      *out = cursor->current;
   }
   return true;
}

void
docrel_cursor_keep (docrel_cursor_t *cursor)
{
   if (cursor) {
      cursor->transient = NULL;
      cursor->batch_kept = true;
   }
}

bool
docrel_cursor_error (const docrel_cursor_t *cursor, bson_error_t *error)
{
   if (!cursor || !cursor->failed) {
      return false;
   }
   if (error) {
      *error = cursor->error;
   }
   return true;
}

void
docrel_cursor_destroy (docrel_cursor_t *cursor)
{
   if (!cursor) {
      return;
   }
   release_transient (cursor);
   if (cursor->join_data) {
      release_batch (cursor);
      bson_free ((void *) cursor->join_data);
      cursor->session->journaling--;
   }
   docrel_store__cursor_destroy (cursor->session->store, cursor->backend);
   find_destroy (&cursor->find);
   bson_free (cursor);
}

bool
docrel_find_all (docrel_session_t *session,
                 docrel_model_t *model,
                 const bson_t *filter,
                 const bson_t *opts,
                 docrel_doc_t ***out,
                 size_t *n,
                 bson_error_t *error)
{
   find_t joined;
   docrel_cursor_t *cursor;
   docrel_doc_t **docs = NULL;
   size_t count = 0, cap = 0;
   docrel_doc_t *doc;
   docrel_read_mark_t mark;
   bool ok = true;

   if (out) {
      *out = NULL;
   }
   if (n) {
      *n = 0;
   }
   if (!out || !n) {
      return docrel_error__set (
         error, DOCREL_ERROR_QUERY, DOCREL_ERROR_INVALID_ARGUMENT, "find_all needs out and n");
   }
   memset (&joined, 0, sizeof joined);
   cursor = open_cursor (session, model, filter, opts, &joined, error);
   if (!cursor) {
      return false;
   }
   docrel_session__read_begin (session, &mark);
   while (docrel_cursor_next (cursor, &doc)) {
      if (count == cap) {
         cap = cap ? cap * 2 : 16;
         docs = bson_realloc (docs, cap * sizeof *docs);
      }
      docrel_cursor_keep (cursor);
      docs[count++] = doc;
   }
   if (docrel_cursor_error (cursor, error)) {
      ok = false;
   }
   docrel_cursor_destroy (cursor);
   if (ok && joined.join_data && count > 0) {
      bson_t tree;
      ok = bson_init_static (&tree, joined.join_data, joined.join_len) &&
           docrel_join__load (session, model, docs, count, &tree, error);
   }
   docrel_session__read_end (session, &mark, !ok);
   if (!ok) {
      bson_free (docs);
      return false;
   }
   *out = docs;
   *n = count;
   return true;
}

bool
docrel_get (docrel_session_t *session,
            docrel_model_t *model,
            const bson_value_t *key,
            const bson_t *tree,
            docrel_doc_t **out,
            bson_error_t *error)
{
   bson_t filter = BSON_INITIALIZER;
   bson_t eq;
   docrel_cursor_t *cursor = NULL;
   docrel_doc_t *doc = NULL;
   docrel_read_mark_t mark;
   bool ok = false;

   if (out) {
      *out = NULL;
   }
   if (!out || !key) {
      docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_INVALID_ARGUMENT, "get needs a key and out");
      bson_destroy (&filter);
      return false;
   }
   if (!check_args (session, model, error) || (tree && !docrel_join__check (model, tree, error))) {
      bson_destroy (&filter);
      return false;
   }
   docrel_session__read_begin (session, &mark);
   /* The identity map answers without a round trip. */
   doc = docrel_session__lookup (session, model, key);
   if (!doc) {
      bson_append_document_begin (&filter, "_id", 3, &eq);
      bson_append_value (&eq, "$eq", 3, key);
      bson_append_document_end (&filter, &eq);
      cursor = docrel_find (session, model, &filter, NULL, error);
      if (!cursor) {
         goto done;
      }
      if (!docrel_cursor_next (cursor, &doc)) {
         if (!docrel_cursor_error (cursor, error)) {
            char *json = docrel_error__value_json (key);
            docrel_error__set (error,
                               DOCREL_ERROR_DOCUMENT,
                               DOCREL_ERROR_NOT_FOUND,
                               "model '%s': no document with _id %s",
                               model->name,
                               json);
            bson_free (json);
         }
         goto done;
      }
      docrel_cursor_keep (cursor);
   }
   ok = !tree || docrel_join__load (session, model, &doc, 1, tree, error);
done:
   docrel_cursor_destroy (cursor);
   docrel_session__read_end (session, &mark, !ok);
   if (ok) {
      *out = doc;
   }
   bson_destroy (&filter);
   return ok;
}

bool
docrel_count (docrel_session_t *session,
              docrel_model_t *model,
              const bson_t *filter,
              const bson_t *opts,
              int64_t *out,
              bson_error_t *error)
{
   find_t find;
   bool ok;

   if (!out) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_INVALID_ARGUMENT, "count needs out");
   }
   *out = 0;
   if (!check_args (session, model, error) || !parse_find (model, filter, opts, true, &find, error)) {
      return false;
   }
   ok = docrel_store__count_matches (session->store, model->collection, &find.spec, out, error);
   find_destroy (&find);
   return ok;
}

bool
docrel_explain (docrel_session_t *session,
                docrel_model_t *model,
                const bson_t *filter,
                const bson_t *opts,
                bson_t *out,
                bson_error_t *error)
{
   find_t find;
   bool ok;

   if (!out) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_INVALID_ARGUMENT, "explain needs out");
   }
   bson_init (out);
   if (!check_args (session, model, error) || !parse_find (model, filter, opts, false, &find, error)) {
      return false;
   }
   bson_destroy (out);
   ok = docrel_store__explain (session->store, model->collection, &find.spec, out, error);
   find_destroy (&find);
   return ok;
}
