/* SPDX-License-Identifier: Apache-2.0 */
/* session.c: sessions own documents and keep the identity map. Freeing a
 * session frees every document it owns, so object graphs with
 * back-references need no reference counting. */
#include "doc/doc-private.h"
#include "bsonx/bsonx-private.h"
#include "store/store-private.h"
#include "model/model-private.h"

docrel_session_t *
docrel_session_new (docrel_store_t *store)
{
   docrel_session_t *session;

   if (!store) {
      return NULL;
   }
   session = bson_malloc0 (sizeof *session);
   session->store = store;
   docrel_idmap__init_pooled (&session->map, &session->cache);
   return session;
}

void
docrel_session_destroy (docrel_session_t *session)
{
   if (!session) {
      return;
   }
   /* The map goes first and whole: no document leaves it one by one. */
   docrel_idmap__destroy (&session->map);
   while (session->head) {
      docrel_doc__free (session->head);
   }
   docrel_pool__free (&session->cache, session->journal, session->cap_journal * sizeof *session->journal);
   docrel_buf__destroy (&session->lookup_key);
   docrel_recycle__release (session);
   docrel_pool__release (&session->cache);
   bson_free (session);
}

docrel_store_t *
docrel_session_store (const docrel_session_t *session)
{
   return session ? session->store : NULL;
}

size_t
docrel_session_size (const docrel_session_t *session)
{
   return session ? session->n_docs : 0;
}

docrel_doc_t *
docrel_session__lookup (docrel_session_t *session, docrel_model_t *model, const bson_value_t *id)
{
   docrel_buf__reset (&session->lookup_key);
   docrel_keycode__append (&session->lookup_key, id);
   return docrel_idmap__get (&session->map, model, session->lookup_key.data, session->lookup_key.len);
}

void **
docrel_session__claim (docrel_session_t *session, docrel_model_t *model, const bson_value_t *id)
{
   docrel_buf__reset (&session->lookup_key);
   docrel_keycode__append (&session->lookup_key, id);
   return docrel_idmap__claim (&session->map, model, session->lookup_key.data, session->lookup_key.len);
}

void
docrel_session__journal (docrel_session_t *session, docrel_doc_t *doc)
{
   if (!session->journaling) {
      return;
   }
   if (session->n_journal == session->cap_journal) {
      size_t cap = session->cap_journal ? session->cap_journal * 2 : 64;
      session->journal = docrel_pool__realloc (&session->cache, session->journal,
                                               session->cap_journal * sizeof *session->journal,
                                               cap * sizeof *session->journal);
      session->cap_journal = cap;
   }
   session->journal[session->n_journal++] = doc;
}

docrel_doc_t **
docrel_session__created_since (docrel_session_t *session, docrel_doc_t *marker, size_t *n)
{
   docrel_doc_t **docs;
   docrel_doc_t *d;
   size_t count = 0;

   for (d = session->head; d && d != marker; d = d->next) {
      count++;
   }
   docs = bson_malloc ((count + 1) * sizeof *docs);
   count = 0;
   for (d = session->head; d && d != marker; d = d->next) {
      docs[count++] = d;
   }
   *n = count;
   return docs;
}

void
docrel_session__discard (docrel_session_t *session, docrel_doc_t **docs, size_t n, size_t journal_from)
{
   size_t i, k;

   for (i = 0; i < n; i++) {
      docs[i]->releasing = true;
   }
   for (i = journal_from; i < session->n_journal; i++) {
      docrel_doc_t *doc = session->journal[i];
      if (!doc->releasing && doc->slots) {
         for (k = 0; k < doc->model->n_relations; k++) {
            doc->slots[k].loaded = false;
            doc->slots[k].counted = false;
            doc->slots[k].n = 0;
            doc->slots[k].n_base = 0;
            docrel_payloads__clear (&doc->slots[k]);
         }
      }
   }
   for (i = 0; i < n; i++) {
      docrel_doc__free (docs[i]);
   }
   session->n_journal = session->journaling > 0 ? journal_from : 0;
}

void
docrel_session__read_begin (docrel_session_t *session, docrel_read_mark_t *mark)
{
   mark->marker = session->head;
   mark->journal_from = session->n_journal;
   session->journaling++;
}

void
docrel_session__read_end (docrel_session_t *session, const docrel_read_mark_t *mark, bool failed)
{
   session->journaling--;
   if (failed) {
      size_t n;
      docrel_doc_t **created = docrel_session__created_since (session, mark->marker, &n);
      docrel_session__discard (session, created, n, mark->journal_from);
      bson_free (created);
   } else if (session->journaling == 0) {
      session->n_journal = 0;
   }
}
