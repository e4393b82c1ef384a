/* SPDX-License-Identifier: Apache-2.0 */
/* docrel-integrity.h: checking (and repairing) the references the declared
 * relations promise.
 *
 * Dangling keys left by a crash of the application, by writes from another
 * program, or by a standalone MongoDB that failed part way are invisible
 * until a join silently returns nothing. docrel_check_integrity finds them
 * (docs/integrity.md). */
#ifndef DOCREL_INTEGRITY_H
#define DOCREL_INTEGRITY_H

#include <bson/bson.h>

#include "docrel-macros.h"
#include "docrel-store.h"

DOCREL_BEGIN_DECLS

/* Checks every relation declared on the store's models (or on one model)
 * and every stored document of those models against its model:
 *
 *   belongsTo, hasOne, hasMany: "danglingKeys", documents holding a key
 *     (every key path present and not null) that no document of the other
 *     model holds (the owner's key for belongsTo, the child's for hasOne /
 *     hasMany);
 *   hasAndBelongsToMany: "orphanLinks", link documents whose left or right
 *     end is missing (or that lack a key);
 *   hasOne: also "duplicateChildren", parents (key values) held by more
 *     than one child;
 *   every model: "invalidDocuments", documents docrel_model_validate
 *     refuses.
 *
 * A relation declared from both ends (Author.posts and Post.author) is
 * reported under each.
 *
 * opts (may be NULL): {"model": name} checks that model's relations and
 * documents only (default: every model); {"sample": n} keeps the first n
 * (0 to 1000, default 5) offenders of each kind in the report;
 * {"repair": true} then repairs what the check found, in one transaction
 * where the store has them:
 *   a dangling key, by its relation's onDelete: "setNull" removes the key,
 *     "cascade" deletes the document holding it, "restrict" and
 *     "noAction" report only;
 *   an orphan link is deleted;
 *   the extra children of a hasOne (all but the one with the smallest _id),
 *     by its onRemove: "setNull" removes their key, "delete" deletes them,
 *     "keep" reports only;
 *   invalid documents are reported only.
 * A document a repair deletes may leave keys dangling one level down; the
 * relations referencing its model are then checked again and repaired by
 * their own rule, round after round, in the same transaction. Any other
 * key or a value of the wrong type is DOCREL_ERROR_QUERY /
 * DOCREL_ERROR_BAD_OPTION naming it; an unknown model
 * DOCREL_ERROR_UNKNOWN_MODEL.
 *
 * report (may be NULL) is always initialised; the caller destroys it. On
 * success it reads, as JSON:
 *   {"ok": bool (nothing found),
 *    "relations": [{"model", "relation", "kind", "target", "onDelete",
 *                   ("link": hasAndBelongsToMany's link model),
 *                   "danglingKeys" | "orphanLinks":
 *                       {"count": n, "sample": [{"_id", "key"} |
 *                                   {"_id", "missing": "left" | "right" |
 *                                    "both", "left", "right"}]},
 *                   ("duplicateChildren": {"count": n, "sample":
 *                       [{"key", "children": n, "ids": [...]}]}),
 *                   ("repaired": {"unset", "deleted", "unlinked"})}, ...],
 *    "invalidDocuments": [{"model", "count", "sample": [{"_id", "error"}]}],
 *    ("repaired": {"unset", "deleted", "unlinked", "rounds"})}
 * Counts are what the check found before any repair; "repaired" counts the
 * documents the repair changed (a relation out of "model"'s scope appears
 * when a later round changed documents through it). A key is the value,
 * or for composite keys a document of the key paths.
 *
 * Memory and cost stay bounded: documents are streamed through the store's
 * cursor and held 500 at a time (their _id and keys only); each chunk sends
 * one find per referenced model. So the check sends, per relation, one
 * find for the scan plus one per chunk of 500 key holders (one more,
 * sorted, for a hasOne's duplicates), and per model one find; never one
 * per document. A repair
 * sends one update or delete per 500 documents changed and scans again
 * what it repairs.
 *
 * Returns false with error set on a bad option or a store error; a failed
 * repair is rolled back where the store has transactions (on a standalone
 * MongoDB the commands sent before the failure stay written; running the
 * repair again finishes it). */
DOCREL_EXPORT bool
docrel_check_integrity (docrel_store_t *store, const bson_t *opts, bson_t *report, bson_error_t *error);

DOCREL_END_DECLS

#endif /* DOCREL_INTEGRITY_H */
