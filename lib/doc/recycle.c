/* SPDX-License-Identifier: Apache-2.0 */
/* recycle.c: freed documents kept, with their bson_t, its bytes and their
 * key buffer, for the next document of this or a later session.
 *
 * A request reads a few dozen documents into a fresh session and frees them
 * all with it. Freeing four allocations per document back to malloc (the
 * struct, libbson's bson_t, its bytes, the key) let glibc trim the heap top
 * after every request and fault it in again on the next. A freed document
 * goes to its session's spare list instead (no lock); the session's destroy
 * hands the list to a shared one in one locked splice, keeping at most
 * SHARED_MAX bytes of documents there and freeing the rest, so a burst does
 * not pin its memory for good. A document whose bytes grew past KEEP_MAX is
 * freed, not kept. Spare documents are poisoned under AddressSanitizer. */
#include <pthread.h>
#include <string.h>

#include "doc/doc-private.h"

#define KEEP_MAX 4096
#define SHARED_MAX ((size_t) 2 << 20)

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static docrel_doc_t *shared;
static size_t shared_bytes;

/* What a spare document holds on to, in bytes. */
static size_t
footprint (const docrel_doc_t *doc)
{
   return sizeof *doc + sizeof (bson_t) + doc->fields_cap + doc->key.cap;
}

/* A spare document's buffers are poisoned whole; of its struct only what
 * it does not keep, so that LeakSanitizer, which ignores pointers in
 * poisoned memory, still finds the buffers and the rest of the list. */
static void
poison (docrel_doc_t *doc)
{
   DOCREL_POISON (doc->fields_buf, doc->fields_cap);
   DOCREL_POISON (doc->key.data, doc->key.cap);
   DOCREL_POISON (doc->fields, sizeof (bson_t));
   DOCREL_POISON ((char *) doc + DOCREL_DOC_KEPT, sizeof *doc - DOCREL_DOC_KEPT);
}

static void
unpoison (docrel_doc_t *doc)
{
   DOCREL_UNPOISON ((char *) doc + DOCREL_DOC_KEPT, sizeof *doc - DOCREL_DOC_KEPT);
   DOCREL_UNPOISON (doc->fields, sizeof (bson_t));
   DOCREL_UNPOISON (doc->key.data, doc->key.cap);
   DOCREL_UNPOISON (doc->fields_buf, doc->fields_cap);
}

/* Frees a document for good: its fields' bytes are the document's own
 * (bson_new_from_buffer), libbson frees only the bson_t. */
static void
destroy (docrel_doc_t *doc)
{
   bson_destroy (doc->fields);
   bson_free (doc->fields_buf);
   docrel_buf__destroy (&doc->key);
   bson_free (doc);
}

/* A document with empty fields and every other member zero. */
static docrel_doc_t *
make (void)
{
   docrel_doc_t *doc = bson_malloc0 (sizeof *doc);

   doc->fields = bson_new_from_buffer (&doc->fields_buf, &doc->fields_cap, bson_realloc_ctx, NULL);
   return doc;
}

/* Zeroes what a recycled document carried over, keeping its buffers. */
static void
reset (docrel_doc_t *doc)
{
   memset ((char *) doc + DOCREL_DOC_KEPT, 0, sizeof *doc - DOCREL_DOC_KEPT);
   doc->next = NULL;
   docrel_buf__reset (&doc->key);
}

docrel_doc_t *
docrel_recycle__take (docrel_session_t *session)
{
   docrel_doc_t *doc;

   if (!session->spare) {
      pthread_mutex_lock (&shared_lock);
      session->spare = shared;
      shared = NULL;
      shared_bytes = 0;
      pthread_mutex_unlock (&shared_lock);
   }
   doc = session->spare;
   if (!doc) {
      return make ();
   }
   session->spare = doc->next;
   unpoison (doc);
   reset (doc);
   return doc;
}

void
docrel_recycle__put (docrel_session_t *session, docrel_doc_t *doc)
{
   if (doc->fields_cap > KEEP_MAX || doc->key.cap > KEEP_MAX) {
      destroy (doc);
      return;
   }
   bson_reinit (doc->fields);
   doc->next = session->spare;
   poison (doc);
   session->spare = doc;
}

void
docrel_recycle__release (docrel_session_t *session)
{
   docrel_doc_t *doc = session->spare, *rest;
   docrel_doc_t *kept = NULL, *tail = NULL;
   size_t bytes = 0;

   pthread_mutex_lock (&shared_lock);
   while (doc) {
      size_t n = footprint (doc);

      rest = doc->next;
      if (shared_bytes + bytes + n > SHARED_MAX) {
         break;
      }
      bytes += n;
      tail = doc;
      kept = kept ? kept : doc;
      doc = rest;
   }
   if (tail) {
      tail->next = shared;
      shared = kept;
      shared_bytes += bytes;
   }
   pthread_mutex_unlock (&shared_lock);
   session->spare = NULL;
   /* what did not fit goes back to malloc, outside the lock */
   while (doc) {
      rest = doc->next;
      unpoison (doc);
      destroy (doc);
      doc = rest;
   }
}

void
docrel_recycle__drain (void)
{
   docrel_doc_t *doc, *rest;

   pthread_mutex_lock (&shared_lock);
   doc = shared;
   shared = NULL;
   shared_bytes = 0;
   pthread_mutex_unlock (&shared_lock);
   while (doc) {
      rest = doc->next;
      unpoison (doc);
      destroy (doc);
      doc = rest;
   }
}
