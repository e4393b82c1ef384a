/* SPDX-License-Identifier: Apache-2.0 */
/* docrel-graph.h: writing and removing whole object graphs, and linking.
 *
 * A document's relation slots (docrel-relation.h) are filled by loading and
 * edited with docrel_doc_set_related / _add_related / _remove_related. The
 * graph calls then write what the slots say, in dependency order, with the
 * keys copied in before each write:
 *
 *   belongsTo targets before their owners; owners before their hasOne /
 *   hasMany children; both ends before their link documents.
 *
 * Every graph call is all or nothing where the store has transactions (the
 * embedded store always; MongoDB on a replica set or mongos): on any failure
 * the store is unchanged and so is every document in the caller's memory
 * (saved flags, keys, dirty fields, slots). Without transactions the writes
 * run in the same order and stop at the first failure; saved flags then tell
 * exactly what was written, and running the same call again finishes the
 * work without writing anything twice.
 *
 * Which writes each call makes, per relation kind, is tabled in
 * docs/graph.md.
 *
 * Plans and dry runs. Every graph write has a variant taking opts and a
 * plan out-parameter (save_all itself; docrel_delete_with_opts,
 * docrel_delete_all_with_opts, docrel_link_with_opts ... for the others).
 * opts (may be NULL) accepts {"dryRun": bool}, and the link calls
 * {"defer": bool} too; any other key, a value that is not a bool, or
 * "dryRun" with "defer" is DOCREL_ERROR_BAD_OPTION naming the key.
 *
 * {"dryRun": true} writes nothing and changes nothing in memory (saved
 * flags, keys, dirty fields, slots, deferred changes); plan then shows what
 * the call would write. A dry run still reads what decides the plan: the
 * delete calls their cascade finds and restrict counts, save_all and the
 * link calls the lookup of links that may already be stored. So it fails as
 * the real call would (a restrict refusal is the same error), and first use
 * of a model may create its collection and indexes, as any read does.
 *
 * plan (may be NULL) is always initialised (the caller destroys it) with
 * one entry per command, in the order they are (or would be) sent:
 *   {"writes": [{"op": "insert" | "update" | "delete" | "link" | "unlink"
 *                      | "updateWhere" | "updateLinks",
 *                "model": name, "collection": name, "level": n,
 *                "count": n, "ids": [...],      (documents by key)
 *                "count": n, "links": [...],    ("link": the links' key pairs
 *                                                and payloads; "updateLinks":
 *                                                each stored link's key pair
 *                                                and the payload fields set)
 *                "filter": {...},               (range steps)
 *                "update": {"$unset": ...}}, ...]}   ("updateWhere")
 * "count" (an int64) is the number of documents a step names ("ids") or
 * inserts or updates ("links"); a range step ("unlink", "updateWhere") names a filter
 * instead, and how many documents match it is the store's business.
 * Without "dryRun", plan lists the writes the store holds when the call
 * returns: all of them on success, none after a failure the store rolled
 * back, and on a standalone MongoDB that failed part way the steps written
 * in full.
 *
 * Relation options that the graph calls read (docrel-relation.h):
 *   "onDelete": what every delete call (docrel_delete, docrel_delete_all,
 *               docrel_delete_all_many, docrel_purge) does to the stored
 *               documents, loaded or not, that reference a document it
 *               deletes: "setNull" (default: their key is removed, in the
 *               store and in loaded documents), "cascade" (they are deleted
 *               too, and their own onDelete applies), "restrict" (the call
 *               fails and deletes nothing, unless it deletes them itself),
 *               "noAction" (left as they are). A setNull of a key that a
 *               "required" belongsTo of theirs holds refuses the call
 *               instead (DOCREL_ERROR_REQUIRED), as restrict does, while
 *               such a document the call does not delete exists (one more
 *               count). Links of hasAndBelongsToMany
 *               are always removed with their end ("restrict": refused while
 *               a link ties it to a document the call does not delete).
 *   "onRemove": what save_all does to a hasOne / hasMany child that was
 *               removed from a loaded slot: "setNull" (default: its key is
 *               removed), "delete" (it is deleted), "keep" (untouched).
 *   "required": a belongsTo that must hold a key: saving an owner without
 *               one, or clearing its slot, fails and writes nothing. */
#ifndef DOCREL_GRAPH_H
#define DOCREL_GRAPH_H

#include <bson/bson.h>

#include "docrel-doc.h"
#include "docrel-macros.h"

DOCREL_BEGIN_DECLS

/* Editing slots (memory only; docrel_save_all writes the change) ---------- */

/* Replaces the related documents under field with docs (n may be 0, which
 * clears the slot; at most 1 for hasOne and belongsTo). The slot becomes
 * loaded; what it held when it was last loaded or saved is what save_all
 * compares against, so a slot that was never loaded removes nothing. Every
 * document must belong to the same session and to the relation's target
 * model, and appear once. */
DOCREL_EXPORT bool
docrel_doc_set_related (docrel_doc_t *doc, const char *field, docrel_doc_t *const *docs, size_t n, bson_error_t *error);

/* Appends other to the slot (for hasOne / belongsTo: replaces its content).
 * Adding a document already there does nothing. */
DOCREL_EXPORT bool
docrel_doc_add_related (docrel_doc_t *doc, const char *field, docrel_doc_t *other, bson_error_t *error);

/* Removes other from the slot; removing a document not there does nothing. */
DOCREL_EXPORT bool
docrel_doc_remove_related (docrel_doc_t *doc, const char *field, docrel_doc_t *other, bson_error_t *error);

/* hasAndBelongsToMany only: docrel_doc_add_related, and the fields of
 * payload (a document) set on the link document between doc and other,
 * each replacing the field of its name, as MongoDB's $set does (fields not
 * named are kept). Calling it for a document already in the slot changes
 * its link's payload. save_all writes it: a new link is inserted with the
 * payload; a link the store holds already (in the slot's base, or found by
 * the lookup of links to insert) gets the fields in one update command per
 * link collection ("updateLinks" in the plan). docrel_doc_link_payload
 * (docrel-doc.h) shows the payload at once. payload may not name _id
 * or the link's key fields (e.g. "Post__id", "Tag__id"), nor a field
 * starting with '$' or holding a '.': DOCREL_ERROR_BAD_OPTION naming the
 * field, and the slot is unchanged. Another relation kind is refused the
 * same way. */
DOCREL_EXPORT bool
docrel_doc_add_related_with_payload (docrel_doc_t *doc,
                                     const char *field,
                                     docrel_doc_t *other,
                                     const bson_t *payload,
                                     bson_error_t *error);

/* Writing graphs ---------------------------------------------------------- */

/* Saves doc and the documents its loaded slots reach, following tree (a join
 * tree as for get_join: {"posts": {"comments": true}}; keys starting with
 * '$' are ignored) or, if tree is NULL, every loaded slot, recursively. Each
 * document is visited once, by identity, however many paths reach it.
 *
 * New documents are inserted, saved ones write their dirty fields. Writes
 * are batched: one insert and one update per model and dependency level,
 * then one insert and one delete per link collection. Links are diffed
 * against what the slot held when loaded: new ones inserted, removed ones
 * deleted. Removed hasOne / hasMany children follow "onRemove". A
 * belongsTo cycle (A -> B -> A, a self-relation) is inserted once with its
 * keys in place.
 *
 * opts and plan: see "Plans and dry runs" above. Levels follow the
 * dependency order; "insert" / "update" / "delete" list ids (in a dry run,
 * ids that would be generated are shown but not kept), "link" the key
 * pairs of the links, "unlink" a filter of key pairs; deferred hasOne / hasMany
 * changes are "updateWhere" steps.
 *
 * Errors: validation of any document (naming model and field), a required
 * belongsTo without a key (DOCREL_ERROR_REQUIRED), duplicate keys, backend
 * errors; nothing written (see above). */
DOCREL_EXPORT bool
docrel_save_all (docrel_doc_t *doc, const bson_t *tree, const bson_t *opts, bson_t *plan, bson_error_t *error);

/* As docrel_save_all, for n roots at once (of any models, one session). */
DOCREL_EXPORT bool
docrel_save_all_many (docrel_doc_t *const *docs,
                      size_t n,
                      const bson_t *tree,
                      const bson_t *opts,
                      bson_t *plan,
                      bson_error_t *error);

/* Removing graphs --------------------------------------------------------- */

/* Every delete call applies each relation's "onDelete" in the store to the
 * documents, loaded or not, that reference a document it deletes (see
 * "onDelete" above; docs/graph.md tables it): no call leaves a dangling key
 * behind a declared relation unless the relation says "noAction". A stored
 * document that a "restrict" relation protects and that the call does not
 * delete itself fails the whole call with DOCREL_ERROR_RESTRICTED, naming
 * the relation, both models and how many; nothing is deleted. Links of the
 * deleted documents are removed. The cost is bounded by relations and
 * levels, never by documents: one find per cascade relation and level, one
 * count per restrict relation and model, one range update per setNull
 * relation and model, one range delete per link side, one delete per model
 * and level (dependents first). Those reads run inside the call's
 * transaction, before its writes.
 *
 * Afterwards the session is in line with the store: deleted documents stay
 * in it as new, unsaved documents and leave every slot that held them, and
 * loaded documents that referenced them through a setNull relation lose the
 * key (they stay saved and clean). docrel_delete (docrel-write.h) is
 * docrel_delete_all with an empty tree. */

/* The plan of a delete call (see "Plans and dry runs" above) lists, in
 * order: level 0, one "unlink" per link collection side and model (the
 * filter of the deleted keys); then the "delete"s, one per model and
 * level, dependents first (lower levels), each with its count and ids, the
 * cascaded documents included; then, one level above the last delete, one
 * "updateWhere" per setNull relation and model (the filter of the deleted
 * keys, {"$unset": {key: ""}}), which so reaches only the documents the
 * call keeps. Where the store has no transaction (a standalone MongoDB)
 * the "updateWhere"s come first instead, at level 0, so that a call cut
 * short never leaves a key to a deleted document. A dry run runs the
 * cascade finds and restrict counts (they decide the plan), shows the
 * order of a store with transactions, and sends no write. */

/* Deletes doc and every saved document that tree reaches through loaded
 * slots (NULL: every loaded slot, recursively), each once, whatever the
 * relations' onDelete, dependents first; then applies onDelete as above.
 * Documents the tree reaches count as deleted for "restrict". Errors: doc
 * not saved (DOCREL_ERROR_NOT_SAVED), a malformed tree, restrict, the
 * store's. */
DOCREL_EXPORT bool
docrel_delete_all (docrel_doc_t *doc, const bson_t *tree, bson_error_t *error);

/* docrel_delete_all with opts ({"dryRun": bool}; may be NULL) and its plan
 * (may be NULL; always initialised, the caller destroys it). */
DOCREL_EXPORT bool
docrel_delete_all_with_opts (docrel_doc_t *doc,
                             const bson_t *tree,
                             const bson_t *opts,
                             bson_t *plan,
                             bson_error_t *error);

/* As docrel_delete_all, for n roots of one session at once: the same
 * commands for all of them as for one. */
DOCREL_EXPORT bool
docrel_delete_all_many (docrel_doc_t *const *docs, size_t n, const bson_t *tree, bson_error_t *error);

/* docrel_delete_all_many with opts and plan, as docrel_delete_all_with_opts. */
DOCREL_EXPORT bool
docrel_delete_all_many_with_opts (docrel_doc_t *const *docs,
                                  size_t n,
                                  const bson_t *tree,
                                  const bson_t *opts,
                                  bson_t *plan,
                                  bson_error_t *error);

/* docrel_delete (docrel-write.h: doc alone, with every relation's onDelete)
 * with opts and plan, as docrel_delete_all_with_opts. */
DOCREL_EXPORT bool
docrel_delete_with_opts (docrel_doc_t *doc, const bson_t *opts, bson_t *plan, bson_error_t *error);

/* Thinky's name for docrel_delete: deletes doc and applies every relation's
 * onDelete as above (the same rules and costs; errors name "purge"). */
DOCREL_EXPORT bool
docrel_purge (docrel_doc_t *doc, bson_error_t *error);

/* docrel_purge with opts and plan, as docrel_delete_all_with_opts. */
DOCREL_EXPORT bool
docrel_purge_with_opts (docrel_doc_t *doc, const bson_t *opts, bson_t *plan, bson_error_t *error);

/* Associating and dissociating -------------------------------------------- */

/* Each works for every relation kind; opts (may be NULL): {"defer": true}
 * records the change in memory (slots and keys) for the next save_all of doc
 * instead of writing it now (a bare key cannot be deferred for hasOne /
 * hasMany). Written at once, the change is one transaction: docrel_save_all
 * (doc, {field: true}), so doc's other unsaved changes are written too.
 * {"dryRun": true} plans that save_all as a dry run and leaves memory as it
 * was. The _with_opts variants also return its plan (see "Plans and dry
 * runs" above; with "defer", no writes).
 *
 *   belongsTo: sets (or removes) doc's key.
 *   hasOne / hasMany: sets (or removes) the key in the other document;
 *     linking a hasOne removes the key from the one it replaces.
 *   hasAndBelongsToMany: inserts (or deletes) a link document; linking
 *     twice is harmless, and nothing checks that the other end exists.
 *     docrel_link and docrel_link_key also take {"payload": {...}}: fields
 *     written on the link document beside its _id and keys (a quantity, a
 *     role). Linking a pair already linked sets those fields on the stored
 *     link, as MongoDB's upsert with $set does (other fields it holds
 *     stay; the lookup of stored links that every link call makes finds
 *     it, and one update command per link collection writes them, shown
 *     as "updateLinks" in the plan); without "payload" a stored link's
 *     payload is kept. A payload naming _id or a key field of the link
 *     (e.g. "Post__id"), or a field starting with '$' or holding a '.', or
 *     given for another relation kind, fails with DOCREL_ERROR_BAD_OPTION
 *     naming the field, and nothing is recorded or written. With "defer"
 *     the payload is kept with the change for the next save_all; with
 *     "dryRun" the plan's "link" step shows it in the link document.
 *     Unlinking deletes the link document, payload and all.
 *
 * A bare key is the other document's key as the relation matches it: its
 * right key for belongsTo and hasAndBelongsToMany, its _id for hasOne and
 * hasMany. With composite keys it is a document of the key paths, checked
 * when called (also with "defer"). doc must be saved (else
 * DOCREL_ERROR_NOT_SAVED), except with "defer". Unlinking a hasOne / hasMany
 * outside a loaded slot (by key, unlink_all, set_links) unsets a key in the
 * store; where a "required" belongsTo of the other model holds it, the call
 * fails with DOCREL_ERROR_REQUIRED and records nothing. */
DOCREL_EXPORT bool
docrel_link (docrel_doc_t *doc, const char *field, docrel_doc_t *other, const bson_t *opts, bson_error_t *error);
DOCREL_EXPORT bool
docrel_link_key (docrel_doc_t *doc,
                 const char *field,
                 const bson_value_t *key,
                 const bson_t *opts,
                 bson_error_t *error);
DOCREL_EXPORT bool
docrel_unlink (docrel_doc_t *doc, const char *field, docrel_doc_t *other, const bson_t *opts, bson_error_t *error);
DOCREL_EXPORT bool
docrel_unlink_key (docrel_doc_t *doc,
                   const char *field,
                   const bson_value_t *key,
                   const bson_t *opts,
                   bson_error_t *error);

/* docrel_link ... docrel_unlink_key with their plan (may be NULL; always
 * initialised, the caller destroys it). */
DOCREL_EXPORT bool
docrel_link_with_opts (docrel_doc_t *doc,
                       const char *field,
                       docrel_doc_t *other,
                       const bson_t *opts,
                       bson_t *plan,
                       bson_error_t *error);
DOCREL_EXPORT bool
docrel_link_key_with_opts (docrel_doc_t *doc,
                           const char *field,
                           const bson_value_t *key,
                           const bson_t *opts,
                           bson_t *plan,
                           bson_error_t *error);
DOCREL_EXPORT bool
docrel_unlink_with_opts (docrel_doc_t *doc,
                         const char *field,
                         docrel_doc_t *other,
                         const bson_t *opts,
                         bson_t *plan,
                         bson_error_t *error);
DOCREL_EXPORT bool
docrel_unlink_key_with_opts (docrel_doc_t *doc,
                             const char *field,
                             const bson_value_t *key,
                             const bson_t *opts,
                             bson_t *plan,
                             bson_error_t *error);

/* Removes every relation of doc under field, loaded or not (one range
 * update or delete in the store). */
DOCREL_EXPORT bool
docrel_unlink_all (docrel_doc_t *doc, const char *field, const bson_t *opts, bson_error_t *error);
DOCREL_EXPORT bool
docrel_unlink_all_with_opts (docrel_doc_t *doc,
                             const char *field,
                             const bson_t *opts,
                             bson_t *plan,
                             bson_error_t *error);

/* Makes the related set exactly keys (bare keys as above): links not in it
 * are removed and missing ones added, as Medusa's many-to-many update does.
 * hasAndBelongsToMany: the links that stay are not touched, so they keep
 * their payloads (one range delete of the others, {"$nin": keys}, one
 * lookup, one insert of the missing ones, without payload). */
DOCREL_EXPORT bool
docrel_set_links (docrel_doc_t *doc,
                  const char *field,
                  const bson_value_t *keys,
                  size_t n,
                  const bson_t *opts,
                  bson_error_t *error);
DOCREL_EXPORT bool
docrel_set_links_with_opts (docrel_doc_t *doc,
                            const char *field,
                            const bson_value_t *keys,
                            size_t n,
                            const bson_t *opts,
                            bson_t *plan,
                            bson_error_t *error);

DOCREL_END_DECLS

#endif /* DOCREL_GRAPH_H */
