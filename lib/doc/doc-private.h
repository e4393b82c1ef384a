/* SPDX-License-Identifier: Apache-2.0 */
/* doc-private.h: what the files of lib/doc/ share. */
#ifndef DOCREL_DOC_PRIVATE_H
#define DOCREL_DOC_PRIVATE_H

#include <stddef.h>

#include <bson/bson.h>

#include "docrel/docrel-doc.h"
#include "util/util-private.h"
#include "store/store-private.h"

/* ---- doc ---------------------------------------------------------------- */

/* The document and session structs, shared by session.c,
 * doc.c (fields and state), write.c (save, delete) and fetch.c (loading). */
/* One relation slot of a document: not loaded, or loaded with its related
 * documents (possibly none), in order. base is what the store held as of
 * the last load or graph write: save_all writes the difference. counted:
 * a join tree's {"$count": true} edge counted the relation (count), which
 * neither loads the slot nor says anything to save_all. */
typedef struct _docrel_payloads_t docrel_payloads_t; /* payload.c */
struct _docrel_relation_t;

typedef struct {
   bool loaded;
   bool counted;
   int64_t count;
   docrel_doc_t **docs;
   size_t n;
   size_t cap;
   docrel_doc_t **base;
   size_t n_base;
   size_t cap_base;
   docrel_payloads_t *payloads; /* hasAndBelongsToMany: link payloads, or NULL */
} docrel_slot_t;

/* A link change recorded with {"defer": true} for the next save_all. */
typedef enum { DOCREL_PENDING_LINK, DOCREL_PENDING_UNLINK, DOCREL_PENDING_UNLINK_ALL } docrel_pending_op_t;

typedef struct {
   docrel_pending_op_t op;
   size_t relation;  /* index in the model's relations */
   bson_value_t key; /* owned; the far key (UNLINK_ALL: BSON_TYPE_EOD, or
                      * an array of the far keys whose links stay) */
   bson_t *payload;  /* owned; LINK: fields to set on the link, or NULL */
} docrel_pending_t;

struct _docrel_doc_t {
   /* First what a freed document keeps while it waits for reuse
    * (recycle.c): the rest is zeroed for the next use and, under
    * AddressSanitizer, poisoned meanwhile; LeakSanitizer follows these. */
   docrel_doc_t *next;  /* the session's list of documents it owns (or of
                         * spare documents) */
   bson_t *fields;      /* the document's own fields (a pointer: bson_t is
                         * over-aligned and must never move once in use) */
   uint8_t *fields_buf; /* fields' bytes, the document's own (bson_new_from_
                         * buffer) */
   size_t fields_cap;
   docrel_buf_t key;   /* keycode of id while in the identity map */
   docrel_doc_t *prev; /* the first member a recycled document starts
                        * without (see DOCREL_DOC_KEPT) */
   docrel_session_t *session;
   docrel_model_t *model;
   bool has_id;
   bson_value_t id; /* owned copy of fields._id, if has_id */
   bool saved;      /* the store holds it (as of the last write or load) */
   bool partial;    /* loaded through a projection: fields are a subset */
   bool in_doubt;   /* unsaved, but its last insert may have been written
                        * (the connection failed after sending it): the next
                        * insert looks it up first (write-batch.c) */
   char **dirty;    /* changed paths since the last save (saved docs) */
   /* A field removed since the last save was set again: it is now last in
    * its document, where the stored one keeps its place under a $set, so
    * the next save replaces the document (as MongoDB orders the changes). */
   bool moved;
   size_t n_dirty;
   size_t cap_dirty;
   docrel_slot_t *slots; /* one per relation of the model, or NULL */
   bool in_map;
   bool releasing;            /* being freed with its cursor batch */
   bool in_slot;              /* some slot holds it: a cursor must not free it alone */
   docrel_pending_t *pending; /* deferred link changes, in order */
   size_t n_pending;
   uint64_t undo_mark;  /* the session's undo epoch when last snapshotted */
   uint64_t visit_mark; /* graph walks: the walk that last visited it */
};

/* The bytes of a docrel_doc_t that survive recycling (next to key). */
#define DOCREL_DOC_KEPT offsetof (docrel_doc_t, prev)

struct _docrel_session_t {
   struct _docrel_store_t *store;
   docrel_doc_t *head;
   size_t n_docs;
   /* Where the session's documents, slots, identity map and journal come
    * from and go back to; released to the shared pool when the session is
    * freed (util-private.h). */
   docrel_pool_cache_t cache;
   docrel_doc_t *spare;      /* freed documents to reuse (recycle.c) */
   docrel_doc_t *spare_tail; /* its last, so release splices in one step */
   size_t spare_bytes;       /* what the spare documents hold on to */
   docrel_idmap_t map;       /* (model, keycode(_id)) -> docrel_doc_t * */
   docrel_buf_t lookup_key;  /* docrel_session__lookup's keycode, reused */
   /* While a joining cursor loads a batch: the documents whose slots it
    * filled, so that releasing the batch leaves no slot pointing at a freed
    * document. */
   int journaling; /* open joining cursors */
   docrel_doc_t **journal;
   size_t n_journal;
   size_t cap_journal;
   uint64_t epoch;   /* bumped per graph call (undo and visit marks) */
   const char *busy; /* the write call running (its hooks may not start
                      * another), or NULL */
};

/* Frees the n documents docs (all created by one piece of work) and resets
 * the slots of the documents journaled since journal_from that survive,
 * since those slots may point at the freed ones. Truncates the journal to
 * journal_from (to 0 when nothing journals any more). */
void docrel_session__discard (docrel_session_t *session, docrel_doc_t **docs, size_t n, size_t journal_from);

/* The documents created since marker (the session's head when the work
 * began), newest first, as a bson_malloc'd array of *n. */
docrel_doc_t **docrel_session__created_since (docrel_session_t *session, docrel_doc_t *marker, size_t *n);

/* Notes that doc's slots were filled (a no-op unless journaling). */
void docrel_session__journal (docrel_session_t *session, docrel_doc_t *doc);

/* A read that may fail part way (docrel_get, docrel_find_all, a join):
 * between begin and end the session journals the slots the read fills;
 * when the read failed, end frees every document created since begin and
 * resets the slots it filled in older ones, so the session is as before. */
typedef struct {
   docrel_doc_t *marker;
   size_t journal_from;
} docrel_read_mark_t;

void docrel_session__read_begin (docrel_session_t *session, docrel_read_mark_t *mark);
void docrel_session__read_end (docrel_session_t *session, const docrel_read_mark_t *mark, bool failed);

/* Allocates an empty document owned by session (no defaults, not saved). */
docrel_doc_t *docrel_doc__alloc (docrel_session_t *session, docrel_model_t *model);

/* Frees doc and removes it from its session and the identity map. */
void docrel_doc__free (docrel_doc_t *doc);

/* ---- recycle ------------------------------------------------------------ */

/* Freed documents kept with their buffers for the next document, in the
 * session until it is freed, then in a bounded list the process shares. */

/* A document with empty fields, every other member zero. */
docrel_doc_t *docrel_recycle__take (docrel_session_t *session);

/* Keeps doc, whose own members are freed already (fields stay), in the
 * session's spare list, or frees it if its buffers grew large. */
void docrel_recycle__put (docrel_session_t *session, docrel_doc_t *doc);

/* Gives the session's spare documents to the shared list, up to its bound,
 * and frees the rest (the session is being freed). */
void docrel_recycle__release (docrel_session_t *session);

/* Frees every document of the shared list (it stays usable). Not called
 * yet: the store's destroy should, through a function pointer the session
 * sets, as it frees models through free_model. */
void docrel_recycle__drain (void);

/* Replaces the fields (taking a copy of fields) and refreshes the cached id. */
void docrel_doc__replace_fields (docrel_doc_t *doc, const bson_t *fields);

/* Gives doc, new from docrel_doc__alloc (not in the identity map), the
 * fields raw as the store holds them and marks it saved, clean and in the
 * identity map, as docrel_doc__replace_fields then docrel_doc__mark_saved
 * would, without finding, encoding and hashing _id again: id is raw's _id
 * (borrowed), key its keycode and slot the map's place for it
 * (docrel_session__claim, empty), all NULL if raw has no _id. */
void docrel_doc__load_stored (docrel_doc_t *doc,
                              const bson_t *raw,
                              const bson_value_t *id,
                              const docrel_buf_t *key,
                              void **slot);

/* doc, a partial document of the session, was loaded again as raw (itself
 * partial or whole): it takes the top-level fields it lacks, keeping the
 * caller's changes, and loaded whole it is partial no more. One document
 * per id means the second of two projections must not be lost. */
void docrel_doc__widen (docrel_doc_t *doc, const bson_t *raw, bool raw_partial);

/* Marks doc saved and clean and (re)enters it in the identity map. */
void docrel_doc__mark_saved (docrel_doc_t *doc);

/* Appends {"_id": {"$in": [the ids of docs]}} to out (docs have ids). */
void docrel_doc__ids_filter (docrel_doc_t *const *docs, size_t n, bson_t *out);

/* Marks doc unsaved and removes it from the identity map. */
void docrel_doc__mark_unsaved (docrel_doc_t *doc);

/* The slot of doc for relation number index of its model (allocating the
 * slots on first use). This function can't fail. */
docrel_slot_t *docrel_doc__slot (docrel_doc_t *doc, size_t index);

/* Frees doc's slots (not the documents in them). */
void docrel_doc__free_slots (docrel_doc_t *doc);

/* Empties doc's slot for relation number index, marks it loaded and notes
 * doc in the session's journal (see docrel_session__journal). */
docrel_slot_t *docrel_doc__reset_slot (docrel_doc_t *doc, size_t index);

/* count.c: sets the count of doc's relation number index (a $count edge)
 * and notes doc in the session's journal, as docrel_doc__reset_slot does. */
void docrel_doc__set_count (docrel_doc_t *doc, size_t index, int64_t count);

/* count.c: appends "_count": {"<field>": n, ...} for the counted relations
 * of doc, if any (docrel_doc_to_bson with joins). */
void docrel_doc__render_counts (const docrel_doc_t *doc, bson_t *out);

/* Appends a loaded document to the slot (and to its base). */
void docrel_slot__append (docrel_slot_t *slot, docrel_doc_t *doc);

/* Appends doc to the slot's current documents only (an edit). */
void docrel_slot__push (docrel_slot_t *slot, docrel_doc_t *doc);

/* Removes doc from the slot's current documents and, if base, from its base
 * too. Returns whether it was there. */
bool docrel_slot__remove (docrel_slot_t *slot, docrel_doc_t *doc, bool base);

/* True if the slot's current documents hold doc. */
bool docrel_slot__holds (const docrel_slot_t *slot, const docrel_doc_t *doc);

/* True if the slot's base holds doc. */
bool docrel_slot__base_holds (const docrel_slot_t *slot, const docrel_doc_t *doc);

/* Makes the base equal to the current documents (after a write). */
void docrel_slot__settle (docrel_slot_t *slot);

/* Re-enters doc in the identity map if it is saved and has an id, or takes
 * it out otherwise (after its state was restored). */
void docrel_doc__remap (docrel_doc_t *doc);

/* The keycode of doc's _id as the identity map holds it (borrowed, valid
 * while doc stays saved: a saved document's _id cannot change), or NULL if
 * doc is not in the map. */
const docrel_buf_t *docrel_doc__id_keycode (const docrel_doc_t *doc);

/* Frees doc's deferred link changes. */
void docrel_doc__clear_pending (docrel_doc_t *doc);

/* The session's document for (model, id), or NULL. Leaves id's keycode in
 * session->lookup_key, until the next lookup. */
docrel_doc_t *docrel_session__lookup (docrel_session_t *session, docrel_model_t *model, const bson_value_t *id);

/* The identity map's place for (model, id), as docrel_idmap__claim: it
 * holds the session's document, or NULL for the caller to fill at once
 * (before anything else enters or leaves the map). Leaves id's keycode in
 * session->lookup_key, as docrel_session__lookup does. */
void **docrel_session__claim (docrel_session_t *session, docrel_model_t *model, const bson_value_t *id);

/* ---- payload (payload.c) ----------------------------------------------- */

/* The link payloads of a hasAndBelongsToMany slot, per related document:
 * the fields its link document holds beyond _id and the two keys, as read
 * through a {"$payload": name} join edge or set in memory, and the fields
 * the next save_all sets on the stored link. A payload belongs to the
 * (parent, related document) pair, so it lives in the parent's slot. */
typedef struct {
   docrel_doc_t *doc; /* the related document */
   bson_t *payload;   /* what the link holds, as far as known (never NULL) */
   bson_t *set;       /* fields to $set at the next save_all, or NULL */
} docrel_payload_t;

struct _docrel_payloads_t {
   char *render_as; /* the $payload edge's name, or NULL */
   docrel_payload_t *entries;
   size_t n;
   docrel_idmap_t by_doc; /* the related document's address -> 1 + its entry */
};

/* The entry of doc in slot, or NULL. */
docrel_payload_t *docrel_payloads__get (const docrel_slot_t *slot, const docrel_doc_t *doc);

/* A join read doc's link (payload: its fields beyond _id and the keys):
 * the entry holds that, nothing to set. */
void docrel_payloads__load (docrel_slot_t *slot, docrel_doc_t *doc, const bson_t *payload);

/* A $payload edge filled the slot: its rendering shows each payload under
 * render_as. */
void docrel_payloads__name (docrel_slot_t *slot, const char *render_as);

/* Sets fields (checked) on doc's link in memory, and for the next save_all:
 * each replaces the field of that name, as a $set does. */
void docrel_payloads__set (docrel_slot_t *slot, docrel_doc_t *doc, const bson_t *fields);

/* Frees every entry (the slot was emptied or reloaded). */
void docrel_payloads__clear (docrel_slot_t *slot);

/* After a write: entries of documents no longer in the slot go, and
 * nothing is left to set. */
void docrel_payloads__settle (docrel_slot_t *slot);

/* A deep copy (NULL for NULL), and its free (accepts NULL): the undo's. */
docrel_payloads_t *docrel_payloads__copy (const docrel_payloads_t *p);
void docrel_payloads__free (docrel_payloads_t *p);

/* Appends doc's payload under the slot's render_as name to item (a
 * rendering of doc), {} if the link holds none; nothing when the slot was
 * not joined with $payload or item holds a field of that name. */
void docrel_payloads__render (const docrel_slot_t *slot, const docrel_doc_t *doc, bson_t *item);

/* Checks a payload given for relation r (a hasAndBelongsToMany) in call:
 * a document whose fields are not _id nor the link's key fields, nor
 * start with '$' or hold a '.'. Fails with DOCREL_ERROR_BAD_OPTION naming
 * the model, relation and field. */
bool docrel_payload__check (const char *call,
                            const struct _docrel_relation_t *r,
                            const bson_t *payload,
                            bson_error_t *error);

/* ---- undo --------------------------------------------------------------- */

/* Putting documents back as they were when a graph call fails.
 *
 * A graph call snapshots every document before it first changes it in
 * memory (fields, key, saved and partial flags, dirty paths, slots with
 * their bases, deferred links). If the call fails where the store rolled
 * back, docrel_undo__restore puts every snapshot back; otherwise
 * docrel_undo__forget drops them. */
typedef struct _docrel_undo_entry_t docrel_undo_entry_t;

typedef struct {
   docrel_session_t *session;
   uint64_t epoch; /* marks the documents snapshotted by this undo */
   docrel_undo_entry_t *entries;
   size_t n;
   size_t cap;
} docrel_undo_t;

/* Starts an undo for one call on session. */
void docrel_undo__init (docrel_undo_t *undo, docrel_session_t *session);

/* Snapshots doc unless it already is (cheap when it is). */
void docrel_undo__touch (docrel_undo_t *undo, docrel_doc_t *doc);

/* Puts every snapshotted document back, newest change first, and frees
 * the snapshots. */
void docrel_undo__restore (docrel_undo_t *undo);

/* Frees the snapshots, keeping the documents as they are. */
void docrel_undo__forget (docrel_undo_t *undo);

/* ---- write -------------------------------------------------------------- */

/* One document's write, in two halves, so that the graph
 * calls (graph*.c) can prepare and validate every write before sending any,
 * then batch them, and apply each to its document once confirmed. */
struct _docrel_store_t;

/* Initialises *out with the fields to insert (a generated key if the
 * document has none, extras stripped) and validates them, with the required
 * belongsTo keys. On failure *out is empty (still to be destroyed). */
bool docrel_write__prepare_insert (const docrel_doc_t *doc, bson_t *out, bson_error_t *error);

/* After the insert of fields is confirmed: the document holds them and is
 * saved and clean. */
void docrel_write__finish_insert (docrel_doc_t *doc, const bson_t *fields);

/* Initialises *update with the $set / $unset of a saved document's dirty
 * paths, after validating them; empty if nothing is to be sent. On failure
 * *update is empty (still to be destroyed). */
bool docrel_write__prepare_update (const docrel_doc_t *doc, bson_t *update, bson_error_t *error);

/* After the update is confirmed (or when there was nothing to send). */
void docrel_write__finish_update (docrel_doc_t *doc);

/* Gives an unsaved document without _id the key its model generates
 * (objectId or uuid), so that related documents can copy it before any
 * write. Does nothing for caller-set keys. */
void docrel_write__assign_id (docrel_doc_t *doc);

/* write-batch.c: sends the prepared inserts (payloads from prepare_insert)
 * of docs as one batch and finishes each document the store confirms,
 * snapshotting it in sent first (sent may be NULL). Without a transaction
 * a failed batch leaves its written prefix saved, and the documents after
 * it in doubt when the reply was lost; documents in doubt are looked up
 * first (one query) and the ones the store holds are rewritten, not
 * inserted again. */
bool docrel_write__send_inserts (struct _docrel_store_t *store,
                                 const char *collection,
                                 docrel_doc_t *const *docs,
                                 const bson_t *const *payloads,
                                 size_t n,
                                 docrel_undo_t *sent,
                                 bson_error_t *error);

/* Marks doc, whose insert of payload may or may not have been written, in
 * doubt. It keeps the key it was sent with (docrel_save generates one per
 * attempt otherwise), so that the next insert finds it. */
void docrel_write__mark_in_doubt (docrel_doc_t *doc, const bson_t *payload);

/* Sends the prepared updates (non-empty, from prepare_update) of saved docs
 * as one batch, finishing each one the store confirms, as above. */
bool docrel_write__send_updates (struct _docrel_store_t *store,
                                 const char *collection,
                                 docrel_doc_t *const *docs,
                                 const bson_t *const *payloads,
                                 size_t n,
                                 docrel_undo_t *sent,
                                 bson_error_t *error);

/* ---- hooks and the busy session (write.c) ------------------------------ */

/* A write call (call: its public name, static storage) starts on session:
 * fails with DOCREL_ERROR_SESSION_BUSY naming the call running if one is,
 * as when a hook starts one; else marks the session busy with call. */
bool docrel_session__enter (docrel_session_t *session, const char *call, bson_error_t *error);

/* The write call is over. */
void docrel_session__leave (docrel_session_t *session);

/* Fails with DOCREL_ERROR_SESSION_BUSY if a write call runs on session
 * (the link and slot-editing calls check this). */
bool docrel_session__check_idle (const docrel_session_t *session, bson_error_t *error);

/* The before-hooks of doc's write and its payload: beforeValidate, the
 * payload prepared (validated), afterValidate, beforeInsert or
 * beforeUpdate (doc->saved tells), and, if that event has hooks, the
 * payload prepared again from what they left. undo snapshots doc before
 * the first hook. As docrel_write__prepare_insert / _prepare_update
 * otherwise (which it is when the model has no such hooks). */
bool docrel_write__prepare_hooked (docrel_doc_t *doc, docrel_undo_t *undo, bson_t *out, bson_error_t *error);

/* ---- fetch ------------------------------------------------------------- */

/* The session's document for raw, a document read from model's collection
 * (partial: read through a projection): the one the session holds, widened
 * by the fields it lacked, or a new saved one. *created tells which. This
 * function can't fail. */
docrel_doc_t *
docrel_fetch__adopt (docrel_session_t *session, docrel_model_t *model, const bson_t *raw, bool partial, bool *created);

/* docrel_fetch__adopt, then, for a document new to the session, its
 * model's afterLoad hooks; if one fails, the new document leaves the
 * session and this returns NULL with error set. */
docrel_doc_t *docrel_fetch__adopt_loaded (docrel_session_t *session,
                                          docrel_model_t *model,
                                          const bson_t *raw,
                                          bool partial,
                                          bool *created,
                                          bson_error_t *error);

/* Runs spec (compiled and checked, store/store-private.h) on model's
 * collection and adopts every document, then runs the afterLoad hooks of
 * the ones new to the session; the session keeps them all. *out
 * is bson_malloc'd (the caller frees it, also when empty). On failure *out
 * is NULL and the documents this call created have left the session. */
bool docrel_fetch__all (docrel_session_t *session,
                        docrel_model_t *model,
                        const docrel_find_spec_t *spec,
                        docrel_doc_t ***out,
                        size_t *n,
                        bson_error_t *error);

#endif
