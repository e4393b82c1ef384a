/* SPDX-License-Identifier: Apache-2.0 */
/* docrel-trace.h: command tracing, as libmongoc's command monitoring (APM).
 *
 * A store set to trace calls started before each command it sends to its
 * backend, and succeeded or failed after it, with the command's name, its
 * collection, how many documents it moved, how long it took and, on failure,
 * its error. The three events of one command carry the same request id.
 *
 * Commands, by the name an event gives (the same on every backend):
 *   "insert"            one batched insert (documents: sent; then written)
 *   "update"            one batched update by _id, or one update of every
 *                       document matching a filter (documents: updates sent;
 *                       then written, or matched for a filtered update)
 *   "delete"            one delete by filter (documents: then deleted)
 *   "find"              one query, from the call that sends it to the end
 *                       of its results (documents: then read through it)
 *   "getMore"           MongoDB only: one more batch of a find's results,
 *                       sent by libmongoc as the find is read (documents:
 *                       then the batch's)
 *   "count"             one count (documents: then the number counted),
 *                       also a join tree's grouped count of a $count edge
 *                       (docrel-relation.h: the number counted over every
 *                       key it was sent, in one command)
 *   "explain"           one query plan, nothing read
 *   "create"            making sure a collection exists (a model's first use)
 *   "createIndexes"     making sure one index exists (documents: its keys)
 *   "startTransaction", "commitTransaction", "abortTransaction"
 *                       one transaction of a graph write, reported only
 *                       where the store runs one (never on a standalone
 *                       MongoDB); on MongoDB startTransaction sends
 *                       nothing (the next command carries it), so it is
 *                       reported once open, with no duration to speak of
 * Every started event but those of "explain", "create" and the transaction
 * calls is one command of docrel_store_stats (a "getMore" counts as a find),
 * so over the same work the two agree.
 *
 * "documents" is, on a started event, what the command sends (documents,
 * updates, index keys; 0 for the others), and on a succeeded or failed event
 * what it did (on failure: the documents known written, or read, before it).
 *
 * A find's duration is the time docrel spent on it: the call that sent it
 * and every read of its results, not the caller's time between reads. Its
 * end is reported when its results are read to the end, when reading fails,
 * or when the caller closes it early. On MongoDB its getMores are part of it
 * and are reported as commands of their own as well.
 *
 * Cost: with no trace set, a command makes one test of a flag, and reads no
 * clock. */
#ifndef DOCREL_TRACE_H
#define DOCREL_TRACE_H

#include <bson/bson.h>

#include "docrel-macros.h"
#include "docrel-store.h"

DOCREL_BEGIN_DECLS

/* One event. Opaque, so that later versions can tell more without breaking
 * callers built against this one: read it with the getters below. The event
 * and everything its getters return are borrowed for the duration of the
 * callback; copy what you keep. */
typedef struct _docrel_trace_event_t docrel_trace_event_t;

/* The command's name (see the list above). Borrowed. Never NULL. */
DOCREL_EXPORT const char *
docrel_trace_event_command_name (const docrel_trace_event_t *event);

/* The collection the command works on, NULL for the transaction calls.
 * Borrowed. */
DOCREL_EXPORT const char *
docrel_trace_event_collection (const docrel_trace_event_t *event);

/* Documents sent (started) or done (succeeded, failed); see above. */
DOCREL_EXPORT uint64_t
docrel_trace_event_documents (const docrel_trace_event_t *event);

/* Microseconds from started to this event, by the monotonic clock
 * (bson_get_monotonic_time); 0 on a started event. Never negative. */
DOCREL_EXPORT int64_t
docrel_trace_event_duration_usec (const docrel_trace_event_t *event);

/* Why the command failed, as the call that ran it reports it (a duplicate
 * key: domain DOCREL_ERROR_STORE, code DOCREL_ERROR_DUPLICATE_KEY). NULL but
 * on a failed event. Borrowed. */
DOCREL_EXPORT const bson_error_t *
docrel_trace_event_error (const docrel_trace_event_t *event);

/* Pairs a command's started event with its succeeded or failed one: unique
 * among the store's commands (counting from 1), never 0. Commands of several
 * threads, and the finds a join keeps open while it runs others, interleave:
 * match events by this id, not by their order. */
DOCREL_EXPORT uint64_t
docrel_trace_event_request_id (const docrel_trace_event_t *event);

/* A callback. event is borrowed for the call; user_data is the pointer given
 * to docrel_store_set_trace. */
typedef void (*docrel_trace_fn) (const docrel_trace_event_t *event, void *user_data);

/* The callbacks of a trace; any may be NULL (that event is not reported). */
typedef struct {
   docrel_trace_fn started;
   docrel_trace_fn succeeded;
   docrel_trace_fn failed;
} docrel_trace_callbacks_t;

/* Sets the store's trace: from now on its commands are reported to
 * callbacks (copied; NULL, or all three members NULL, unsets the trace),
 * each call with user_data (not owned; it must stay valid until the trace
 * is unset or replaced, or the store destroyed).
 *
 * Threads: a callback runs on the thread that runs the command, so with a
 * store shared between threads it is called from several threads at once
 * and must be thread-safe itself. The trace may be set or unset at any time,
 * also while other threads run commands. When this call returns, no callback
 * of the previous trace is running or will run again, so its user_data may
 * be freed. A command in flight across the change reports its end to no one:
 * a trace sees every command it saw start end, unless it is unset first.
 *
 * A callback must be quick and must not call into the store: it may read
 * the event and docrel_store_stats, but must not run commands, use sessions
 * of the store, or set the trace (a call from a callback fails with
 * DOCREL_ERROR_STORE / DOCREL_ERROR_INVALID_ARGUMENT rather than deadlock).
 * It may run while the store holds its locks: a slow callback slows every
 * thread, and this function waits for the callbacks running.
 *
 * Returns false with error set (DOCREL_ERROR_STORE /
 * DOCREL_ERROR_INVALID_ARGUMENT) for a NULL store or a call from a
 * callback; the trace is then unchanged. */
DOCREL_EXPORT bool
docrel_store_set_trace (docrel_store_t *store,
                        const docrel_trace_callbacks_t *callbacks,
                        void *user_data,
                        bson_error_t *error);

DOCREL_END_DECLS

#endif /* DOCREL_TRACE_H */
