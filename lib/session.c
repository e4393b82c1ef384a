/* session.c: sessions own documents and keep the identity map. Freeing a
 * session frees every document it owns, so object graphs with
 * back-references need no reference counting. */
#include "doc-private.h"
#include "keycode.h"
#include "store-private.h"

docrel_session_t *
docrel_session_new (docrel_store_t *store)
{
   docrel_session_t *session;

   if (!store) {
      return NULL;
   }
   session = bson_malloc0 (sizeof *session);
   session->store = store;
   docrel_idmap__init (&session->map);
   return session;
}

void
docrel_session_destroy (docrel_session_t *session)
{
   if (!session) {
      return;
   }
   while (session->head) {
      docrel_doc__free (session->head);
   }
   docrel_idmap__destroy (&session->map);
   bson_free (session->journal);
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
   docrel_buf_t key = DOCREL_BUF_INIT;
   docrel_doc_t *doc;

   docrel_keycode__append (&key, id);
   doc = docrel_idmap__get (&session->map, model, key.data, key.len);
   docrel_buf_destroy (&key);
   return doc;
}

void
docrel_session__journal (docrel_session_t *session, docrel_doc_t *doc)
{
   if (!session->journaling) {
      return;
   }
   if (session->n_journal == session->cap_journal) {
      session->cap_journal = session->cap_journal ? session->cap_journal * 2 : 64;
      session->journal = bson_realloc (session->journal, session->cap_journal * sizeof *session->journal);
   }
   session->journal[session->n_journal++] = doc;
}
