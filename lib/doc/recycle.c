/* SPDX-License-Identifier: Apache-2.0 */
/* recycle.c: freed documents kept, with their bson_t, its bytes and their
 * key buffer, for the next document of this or a later session.
 *
 * A request reads a few dozen documents into a fresh session and frees them
 * all with it. Freeing four allocations per document back to malloc (the
 * struct, libbson's bson_t, its bytes, the key) let glibc trim the heap top
 * after every request and fault it in again on the next. A freed document
 * goes to its session's spare list instead (no lock); the session's destroy
 * hands the list to its thread's (no lock either) if that stays under
 * THREAD_MAX bytes, where the thread's next session takes it back, so
 * threads serving requests neither queue on a lock nor take each other's
 * documents; else to a shared one in one locked splice (the list's tail and
 * size are kept as it grows) if the shared one stays under SHARED_MAX bytes,
 * and frees it otherwise, so a burst does not pin its memory for good. A
 * thread's list goes to the shared one (or is freed) when the thread exits. A document whose bytes grew past KEEP_MAX is
 * freed, not kept. Spare documents are poisoned under AddressSanitizer. */
#include <pthread.h>
#include <string.h>

#include "doc/doc-private.h"

#define KEEP_MAX 4096
#define SHARED_MAX ((size_t) 2 << 20)

#define THREAD_MAX ((size_t) 1 << 20)

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static docrel_doc_t *shared, *shared_tail;
static size_t shared_bytes;

/* The calling thread's spare documents. */
typedef struct {
   docrel_doc_t *head, *tail;
   size_t bytes;
} spare_list_t;

static void give_back (void *list);

/* Gives a thread's list back when it exits. */
static docrel_thread_value_t spare_tv = DOCREL_THREAD_VALUE_INIT (give_back);

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

/* The thread's list if it has one, else the shared list, taken whole (one
 * splice under the lock). */
static void
take_shared (docrel_session_t *session)
{
   spare_list_t *mine = docrel_thread_value__peek (&spare_tv);

   if (mine && mine->head) {
      session->spare = mine->head;
      session->spare_tail = mine->tail;
      session->spare_bytes = mine->bytes;
      memset (mine, 0, sizeof *mine);
      return;
   }
   pthread_mutex_lock (&shared_lock);
   session->spare = shared;
   session->spare_tail = shared_tail;
   session->spare_bytes = shared_bytes;
   shared = shared_tail = NULL;
   shared_bytes = 0;
   pthread_mutex_unlock (&shared_lock);
}

docrel_doc_t *
docrel_recycle__take (docrel_session_t *session)
{
   docrel_doc_t *doc;

   if (!session->spare) {
      take_shared (session);
   }
   doc = session->spare;
   if (!doc) {
      return make ();
   }
   unpoison (doc);
   session->spare = doc->next;
   session->spare_bytes -= footprint (doc);
   if (!session->spare) {
      session->spare_tail = NULL;
   }
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
   if (!session->spare) {
      session->spare_tail = doc;
   }
   session->spare_bytes += footprint (doc);
   poison (doc);
   session->spare = doc;
}

/* Frees a list of spare documents for good. */
static void
destroy_list (docrel_doc_t *doc)
{
   docrel_doc_t *rest;

   while (doc) {
      rest = doc->next;
      unpoison (doc);
      destroy (doc);
      doc = rest;
   }
}

/* Splices the session's list onto the shared one if it fits: constant
 * time under the lock, so threads ending sessions do not queue there. */
static bool
splice_shared (docrel_session_t *session)
{
   bool fits;

   pthread_mutex_lock (&shared_lock);
   fits = shared_bytes + session->spare_bytes <= SHARED_MAX;
   if (fits) {
      session->spare_tail->next = shared;
      if (!shared) {
         shared_tail = session->spare_tail;
      }
      shared = session->spare;
      shared_bytes += session->spare_bytes;
   }
   pthread_mutex_unlock (&shared_lock);
   return fits;
}

/* Splices the session's list onto the thread's if it fits there. */
static bool
keep_in_thread (docrel_session_t *session)
{
   spare_list_t *t = docrel_thread_value__get (&spare_tv, sizeof *t);

   if (!t || t->bytes + session->spare_bytes > THREAD_MAX) {
      return false;
   }
   session->spare_tail->next = t->head;
   if (!t->head) {
      t->tail = session->spare_tail;
   }
   t->head = session->spare;
   t->bytes += session->spare_bytes;
   return true;
}

void
docrel_recycle__release (docrel_session_t *session)
{
   /* A list too big for the bounds goes back to malloc whole: a burst does
    * not pin its memory, and a later session refills it. */
   if (session->spare && !keep_in_thread (session) && !splice_shared (session)) {
      destroy_list (session->spare);
   }
   session->spare = session->spare_tail = NULL;
   session->spare_bytes = 0;
}

/* A thread's destructor: its list to the shared one, or freed. */
static void
give_back (void *list)
{
   spare_list_t *t = list;
   docrel_session_t carrier = {0};

   carrier.spare = t->head;
   carrier.spare_tail = t->tail;
   carrier.spare_bytes = t->bytes;
   if (carrier.spare && !splice_shared (&carrier)) {
      destroy_list (carrier.spare);
   }
   bson_free (t);
}

void
docrel_recycle__drain (void)
{
   docrel_doc_t *doc;
   spare_list_t *mine = docrel_thread_value__peek (&spare_tv);

   if (mine) { /* the calling thread's list, then the shared one */
      destroy_list (mine->head);
      memset (mine, 0, sizeof *mine);
   }
   pthread_mutex_lock (&shared_lock);
   doc = shared;
   shared = shared_tail = NULL;
   shared_bytes = 0;
   pthread_mutex_unlock (&shared_lock);
   destroy_list (doc);
}
