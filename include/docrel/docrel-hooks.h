/* SPDX-License-Identifier: Apache-2.0 */
/* docrel-hooks.h: hooks per model, Thinky's pre / post hooks, Mongoose's
 * document middleware, Mongoid's callbacks: C functions docrel calls
 * around the validation, insert, update and delete of a model's
 * documents and when a read brings one into a session.
 *
 * When they run. For each document a write call writes (docrel_save;
 * docrel_save_all(_many): each document it inserts or updates, that is new
 * or has changed fields, in write order):
 *
 *   BEFORE_VALIDATE, (validation), AFTER_VALIDATE,
 *   BEFORE_INSERT or BEFORE_UPDATE, (the write, the commit),
 *   AFTER_INSERT or AFTER_UPDATE.
 *
 * Insert and update are told apart by whether the store held the document
 * when the call began (docrel_doc_is_saved). If a BEFORE_INSERT or
 * BEFORE_UPDATE hook changes the document, the document is validated again
 * as it is then, so a hook cannot store an invalid document. For each
 * document a delete call deletes: docrel_delete and docrel_purge the
 * document given, docrel_delete_all(_many) every saved document its tree
 * reaches, docrel_save_all the children it deletes under onRemove
 * "delete": BEFORE_DELETE, (the delete, the commit), AFTER_DELETE.
 * Documents the store deletes through an onDelete "cascade" get no hooks,
 * loaded in the session or not: hooks run for the documents a call was
 * handed or walked, as Mongoose's document middleware does not run for a
 * deleteMany. A dry run ({"dryRun": true}) runs no hooks, nor does
 * docrel_check_integrity, which reads and repairs the store directly.
 *
 * AFTER_LOAD runs for each document a read brings into a session for the
 * first time (docrel_find, docrel_find_all, docrel_get, joins,
 * docrel_load, docrel_find_related), before the read joins its relations
 * (a joining cursor: before it joins the batch); a document the
 * session holds already is not loaded again and gets no second call.
 *
 * The hooks of one event run in the order they were added. The first one
 * that fails ends the list.
 *
 * A before-hook (BEFORE_VALIDATE, AFTER_VALIDATE, BEFORE_INSERT,
 * BEFORE_UPDATE, BEFORE_DELETE) may change the document it is given
 * through the docrel_doc_set* calls (stamp an updatedAt, fill a slug), or
 * refuse by returning false with error set. Refusing fails the whole call:
 * before-hooks run while the call is planned, before it sends anything, so
 * nothing of the call is written (a docrel_save_all refused at its third
 * document writes none), and every document the call changed in memory,
 * the hooks' changes included, is put back as it was, as for any failed
 * call. A hook returning false without setting error fails the call with
 * DOCREL_ERROR_DOCUMENT / DOCREL_ERROR_HOOK_FAILED naming the model and
 * the event. Only changes to the document a hook is given are undone and
 * written by the call; a hook should change no other document.
 *
 * An after-hook (AFTER_INSERT, AFTER_UPDATE, AFTER_DELETE) runs once the
 * store has the write: after the commit of the call's transaction, so a
 * side effect (a message sent, a cache cleared) never announces a write
 * that is then rolled back. If one fails, the call returns false with its
 * error, but the data stays written and the documents stay saved (or
 * deleted) as the store holds them; the after-hooks after it do not run.
 * If an AFTER_LOAD hook fails, the read fails with its error and the
 * session is left as before the read (a cursor stops: docrel_cursor_next
 * returns false, docrel_cursor_error gives the error).
 *
 * What a hook may not do. While a write call runs its hooks (before and
 * after ones), its session is busy: on that session, docrel_save,
 * docrel_save_all(_many), docrel_delete, docrel_delete_all(_many),
 * docrel_purge, the link calls (docrel_link, _unlink, _unlink_all,
 * docrel_set_links) and the slot edits (docrel_doc_set_related,
 * _add_related, _remove_related, which the running call would take as
 * written) fail at once with DOCREL_ERROR_DOCUMENT /
 * DOCREL_ERROR_SESSION_BUSY naming the call running, and change nothing.
 * The hook may return that error, which then fails the outer call as any
 * failing hook does. A hook may read through the session (finds, get) and write
 * through another session. It must not call docrel_load on a document of
 * the call, nor free the session. */
#ifndef DOCREL_HOOKS_H
#define DOCREL_HOOKS_H

#include <bson/bson.h>

#include "docrel-doc.h"
#include "docrel-macros.h"
#include "docrel-model.h"

DOCREL_BEGIN_DECLS

typedef enum {
   DOCREL_HOOK_BEFORE_VALIDATE,
   DOCREL_HOOK_AFTER_VALIDATE,
   DOCREL_HOOK_BEFORE_INSERT,
   DOCREL_HOOK_AFTER_INSERT,
   DOCREL_HOOK_BEFORE_UPDATE,
   DOCREL_HOOK_AFTER_UPDATE,
   DOCREL_HOOK_BEFORE_DELETE,
   DOCREL_HOOK_AFTER_DELETE,
   DOCREL_HOOK_AFTER_LOAD
} docrel_hook_event_t;

/* A hook: doc is the document (borrowed for the call), event the event it
 * runs for, user_data what was given to docrel_model_add_hook. Returns
 * false, with error set, to refuse (before-hooks) or to report a failure;
 * error is never NULL and is cleared before the call. */
typedef bool (*docrel_hook_fn) (docrel_doc_t *doc, docrel_hook_event_t event, void *user_data, bson_error_t *error);

/* Adds fn, with user_data (borrowed: it must outlive the store), to the
 * hooks of event on model, after the ones there. Like every declaration,
 * hooks are added before the model's first use: once a document of it is
 * created or loaded, this fails with DOCREL_ERROR_MODEL_IN_USE. Fails with
 * DOCREL_ERROR_INVALID_ARGUMENT for a NULL model or fn, or an unknown
 * event. Thread-safe, like the other declarations. */
DOCREL_EXPORT bool
docrel_model_add_hook (docrel_model_t *model,
                       docrel_hook_event_t event,
                       docrel_hook_fn fn,
                       void *user_data,
                       bson_error_t *error);

/* The event's name as errors show it ("beforeInsert"...), or "unknown".
 * Static storage. */
DOCREL_EXPORT const char *
docrel_hook_event_name (docrel_hook_event_t event);

DOCREL_END_DECLS

#endif /* DOCREL_HOOKS_H */
