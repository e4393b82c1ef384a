/* SPDX-License-Identifier: Apache-2.0 */
/* cursor.c: docrel_find's cursors. A plain cursor lends one document at a
 * time and lets it go at the next call unless the caller keeps it; a
 * joining cursor reads a batch of roots, joins them in one go (join.c) and
 * frees what the batch created when it reads the next. */
#include <string.h>

#include "docrel/docrel-query.h"
#include "util/util-private.h"
#include "store/store-private.h"
#include "model/model-private.h"
#include "doc/doc-private.h"
#include "join/join-private.h"

struct _docrel_cursor_t {
   docrel_session_t *session;
   docrel_model_t *model;
   docrel_find_t find;
   docrel_backend_cursor_t *backend;
   docrel_cursor_source_t source; /* read instead of backend when source.next is set */
   docrel_doc_t *transient;       /* returned, created by this cursor, not kept */
   docrel_doc_t *current;
   /* Joining cursors read and join a batch of roots at a time; the documents
    * a batch created leave the session when the next batch is read. */
   const uint8_t *join_data; /* the tree, copied: the caller's opts may go */
   uint32_t join_len;
   int32_t batch_size;
   docrel_doc_t **batch; /* the roots of the current batch */
   size_t n_batch, pos;
   docrel_doc_t **created; /* every document the batch created */
   size_t n_created;
   bool batch_kept;
   bool done;
   bool failed;
   bson_error_t error;
};

/* Reads the next raw document from the cursor's source or backend. */
static bool
read_raw (docrel_cursor_t *cursor, const bson_t **raw)
{
   if (cursor->source.next) {
      return cursor->source.next (cursor->source.ctx, raw, &cursor->error);
   }
   return docrel_store__cursor_next (cursor->session->store, cursor->backend, raw, &cursor->error);
}

static docrel_cursor_t *
open_cursor (docrel_session_t *session,
             docrel_model_t *model,
             const bson_t *filter,
             const bson_t *opts,
             docrel_find_t *joined,
             docrel_cursor_source_open_t source_open,
             void *arg,
             bson_error_t *error)
{
   docrel_cursor_t *cursor;
   docrel_find_t find;
   bool ok;

   if (!docrel_find__check_args (session, model, error) ||
       !docrel_find__parse (model, filter, opts, false, &find, error)) {
      return NULL;
   }
   if (find.join_data) {
      bson_t tree;
      if (!joined && session->journaling > 0) {
         /* Releasing one cursor's batch resets the slots the other filled. */
         docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                            "option 'join': this session already streams a joining cursor; destroy it first");
         docrel_find__destroy (&find);
         return NULL;
      }
      if (!bson_init_static (&tree, find.join_data, find.join_len) || !docrel_join__check (model, &tree, error)) {
         docrel_find__destroy (&find);
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
   /* a source (find_related through links) reads instead of one backend find */
   if (source_open) {
      ok = source_open (arg, session, &cursor->find, &cursor->source, error);
   } else {
      cursor->backend = docrel_store__find (session->store, model->collection, &cursor->find.spec, error);
      ok = cursor->backend != NULL;
   }
   if (!ok) {
      docrel_find__destroy (&cursor->find);
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
docrel_cursor__open (docrel_session_t *session,
                     docrel_model_t *model,
                     const bson_t *filter,
                     const bson_t *opts,
                     docrel_find_t *joined,
                     bson_error_t *error)
{
   return open_cursor (session, model, filter, opts, joined, NULL, NULL, error);
}

docrel_cursor_t *
docrel_cursor__open_source (docrel_session_t *session,
                            docrel_model_t *model,
                            const bson_t *filter,
                            const bson_t *opts,
                            docrel_cursor_source_open_t source_open,
                            void *arg,
                            bson_error_t *error)
{
   return open_cursor (session, model, filter, opts, NULL, source_open, arg, error);
}

docrel_cursor_t *
docrel_find (docrel_session_t *session,
             docrel_model_t *model,
             const bson_t *filter,
             const bson_t *opts,
             bson_error_t *error)
{
   return docrel_cursor__open (session, model, filter, opts, NULL, error);
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
   docrel_read_scope_t scope;
   const bson_t *raw;
   bson_t tree;
   bool created;
   size_t capacity = 0;

   docrel_store__read_begin (session->store, &scope); /* the batch and its joins: one snapshot */
   /* Grown as roots arrive: a batchSize of a billion must not allocate a
    * billion slots up front (bson_malloc aborts when it cannot). */
   while (cursor->n_batch < (size_t) cursor->batch_size) {
      if (!read_raw (cursor, &raw)) {
         cursor->done = true;
         cursor->failed = cursor->error.code != 0;
         break;
      }
      if (cursor->n_batch == capacity) {
         capacity = capacity ? capacity * 2 : 16;
         cursor->batch = bson_realloc (cursor->batch, capacity * sizeof *cursor->batch);
      }
      if (!(cursor->batch[cursor->n_batch] = docrel_fetch__adopt_loaded (
               session, cursor->model, raw, cursor->find.projection != NULL, &created, &cursor->error))) {
         cursor->done = cursor->failed = true; /* an afterLoad hook failed */
         break;
      }
      cursor->n_batch++;
   }
   if (!cursor->failed && cursor->n_batch > 0 && bson_init_static (&tree, cursor->join_data, cursor->join_len) &&
       !docrel_join__load (session, cursor->model, cursor->batch, cursor->n_batch, &tree, &cursor->error)) {
      cursor->done = true;
      cursor->failed = true;
   }
   docrel_store__read_end (session->store, &scope);
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
   if (!read_raw (cursor, &raw)) {
      cursor->done = true;
      cursor->failed = cursor->error.code != 0;
      return false;
   }
   cursor->current = docrel_fetch__adopt_loaded (cursor->session, cursor->model, raw, cursor->find.projection != NULL,
                                                 &created, &cursor->error);
   if (!cursor->current) {
      cursor->done = cursor->failed = true; /* an afterLoad hook failed */
      return false;
   }
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
   if (cursor->source.destroy) {
      cursor->source.destroy (cursor->source.ctx);
   }
   docrel_store__cursor_destroy (cursor->session->store, cursor->backend);
   docrel_find__destroy (&cursor->find);
   bson_free (cursor);
}
