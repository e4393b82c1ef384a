/* SPDX-License-Identifier: Apache-2.0 */
/* trace.c: command tracing (docrel-trace.h): setting a store's trace, the
 * events and their getters, and the spans store.c opens and closes around
 * the commands it sends.
 *
 * Threads: a command tests trace_on and, only when it is set, takes the read
 * side of trace_lock around each callback it calls, so any number of
 * threads report at once. docrel_store_set_trace takes the write side: it
 * waits for the callbacks running, and bumps the generation, so that a span
 * started under the old trace ends silently instead of reaching the new
 * one. */
#include "store/store-private.h"

#include <string.h>

#include "util/util-private.h"

struct _docrel_trace_event_t {
   const char *command_name;
   const char *collection;
   uint64_t documents;
   int64_t duration_usec;
   const bson_error_t *error;
   uint64_t request_id;
};

/* Callbacks running on this thread: docrel_store_set_trace from one of
 * them would wait for itself on trace_lock, so it fails instead. */
static _Thread_local int in_callback;

const char *
docrel_trace_event_command_name (const docrel_trace_event_t *event)
{
   return event->command_name;
}

const char *
docrel_trace_event_collection (const docrel_trace_event_t *event)
{
   return event->collection;
}

uint64_t
docrel_trace_event_documents (const docrel_trace_event_t *event)
{
   return event->documents;
}

int64_t
docrel_trace_event_duration_usec (const docrel_trace_event_t *event)
{
   return event->duration_usec;
}

const bson_error_t *
docrel_trace_event_error (const docrel_trace_event_t *event)
{
   return event->error;
}

uint64_t
docrel_trace_event_request_id (const docrel_trace_event_t *event)
{
   return event->request_id;
}

void
docrel_trace__init (docrel_store_t *store)
{
   atomic_init (&store->trace_on, false);
   atomic_init (&store->last_request_id, 0);
   pthread_rwlock_init (&store->trace_lock, NULL);
}

void
docrel_trace__destroy (docrel_store_t *store)
{
   pthread_rwlock_destroy (&store->trace_lock);
}

bool
docrel_store_set_trace (docrel_store_t *store,
                        const docrel_trace_callbacks_t *callbacks,
                        void *user_data,
                        bson_error_t *error)
{
   bool on = callbacks && (callbacks->started || callbacks->succeeded || callbacks->failed);

   if (!store) {
      return docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_INVALID_ARGUMENT, "no store");
   }
   if (in_callback > 0) {
      return docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_INVALID_ARGUMENT,
                                "docrel_store_set_trace called from a trace callback");
   }
   pthread_rwlock_wrlock (&store->trace_lock);
   if (on) {
      store->trace = *callbacks;
      store->trace_data = user_data;
   } else {
      memset (&store->trace, 0, sizeof store->trace);
      store->trace_data = NULL;
   }
   store->trace_generation++;
   atomic_store_explicit (&store->trace_on, on, memory_order_relaxed);
   pthread_rwlock_unlock (&store->trace_lock);
   return true;
}

/* Calls fn, if any, under the read side of trace_lock (held by the caller). */
static void
call (const docrel_store_t *store, docrel_trace_fn fn, const docrel_trace_event_t *event)
{
   if (fn) {
      in_callback++;
      fn (event, store->trace_data);
      in_callback--;
   }
}

bool
docrel_trace__begin (docrel_store_t *store,
                     docrel_trace_span_t *span,
                     const char *command,
                     const char *collection,
                     uint64_t documents)
{
   docrel_trace_event_t event = {0};

   pthread_rwlock_rdlock (&store->trace_lock);
   if (!atomic_load_explicit (&store->trace_on, memory_order_relaxed)) {
      pthread_rwlock_unlock (&store->trace_lock); /* unset since the caller's test */
      span->request_id = 0;
      return false;
   }
   span->request_id = atomic_fetch_add (&store->last_request_id, 1) + 1;
   span->generation = store->trace_generation;
   span->command = command;
   span->collection = collection;
   span->owned = NULL;
   event.command_name = command;
   event.collection = collection;
   event.documents = documents;
   event.request_id = span->request_id;
   call (store, store->trace.started, &event);
   pthread_rwlock_unlock (&store->trace_lock);
   /* After the callback, so that the duration is the command's alone. */
   span->started = bson_get_monotonic_time ();
   return true;
}

void
docrel_trace__finish (docrel_store_t *store,
                      docrel_trace_span_t *span,
                      uint64_t documents,
                      int64_t duration,
                      const bson_error_t *error)
{
   docrel_trace_event_t event = {0};

   event.command_name = span->command;
   event.collection = span->collection;
   event.documents = documents;
   event.duration_usec = duration > 0 ? duration : 0;
   event.error = error;
   event.request_id = span->request_id;
   pthread_rwlock_rdlock (&store->trace_lock);
   if (store->trace_generation == span->generation) {
      call (store, error ? store->trace.failed : store->trace.succeeded, &event);
   }
   pthread_rwlock_unlock (&store->trace_lock);
   bson_free (span->owned);
   memset (span, 0, sizeof *span);
}

void
docrel_trace__keep (docrel_trace_span_t *span)
{
   if (span->request_id != 0 && span->collection && !span->owned) {
      span->owned = bson_strdup (span->collection);
      span->collection = span->owned;
   }
}
