/* SPDX-License-Identifier: Apache-2.0 */
/* docrel-relation.h: the four relation kinds, and the related documents a
 * loaded document holds.
 *
 * Relations follow Thinky's meaning and argument order. For a relation
 * declared on model a towards model b under `field`:
 *
 *   hasOne     a.field is one b;   the key lives in b: b.right_key = a.left_key
 *   hasMany    a.field is many b;  the key lives in b: b.right_key = a.left_key
 *   belongsTo  a.field is one b;   the key lives in a: a.left_key = b.right_key
 *   hasAndBelongsToMany  a.field is many b, through link documents holding
 *              both keys, in a link collection named after both models in
 *              sorted order ("Post_Tag"); a link holds the fields
 *              "<A>_<left_key>" and "<B>_<right_key>" under a unique
 *              compound index, so linking twice is harmless and no
 *              concatenation of keys can collide. A link may hold more
 *              fields, its payload (docrel_link's "payload" option in
 *              docrel-graph.h; the join edge option "$payload" and
 *              docrel_doc_link_payload in docrel-doc.h).
 *
 * Declaring a relation creates the index its joins need (on b.right_key for
 * hasOne / hasMany / belongsTo when it is not _id; the link collection's
 * indexes for hasAndBelongsToMany). A relation must be declared before
 * either model is in use.
 *
 * opts (may be NULL); an unknown key is an error naming it:
 *   "leftKeys", "rightKeys": arrays of paths, for composite keys (then
 *                 left_key and right_key are NULL); the two have one
 *                 length, matched in order
 *   "onDelete":   "setNull" (default) | "cascade" | "restrict" | "noAction":
 *                 what every delete call (docrel_delete, docrel_delete_all,
 *                 docrel_delete_all_many, docrel_purge) does to stored
 *                 documents, loaded or not, referencing a deleted one: key
 *                 removed, deleted too, call refused unless it deletes them
 *                 itself, or left (docrel-graph.h); hasAndBelongsToMany
 *                 links always go with their end. Cascade relations may not
 *                 form a cycle (DOCREL_ERROR_CASCADE_CYCLE)
 *   "onRemove":   hasOne / hasMany: "setNull" (default) | "delete" | "keep":
 *                 what docrel_save_all does to a child removed from a
 *                 loaded slot
 *   "required":   bool, belongsTo only: the owner must reference one
 *   "link":       string, hasAndBelongsToMany only: the link collection
 *                 name (default: the two model names, sorted, joined by '_')
 *   "symmetric":  bool, hasAndBelongsToMany of a model with itself only
 *                 (friends): a link relates its two documents both ways, so
 *                 each pair is stored once; loading reads the links by
 *                 either field (three queries per edge instead of two).
 *                 On a self-relation the link fields are "<A>_<key>" and
 *                 "<A>_<key>_2".
 *
 * Every definition error is in DOCREL_ERROR_MODEL and names the models and
 * the field: an unknown key field (only when the model declares fields), key
 * fields of different declared types on the two sides, a relation field
 * that is already a field or relation of a, a model already in use. */
#ifndef DOCREL_RELATION_H
#define DOCREL_RELATION_H

#include <bson/bson.h>

#include "docrel-doc.h"
#include "docrel-macros.h"
#include "docrel-model.h"

DOCREL_BEGIN_DECLS

typedef struct _docrel_relation_t docrel_relation_t;

typedef enum {
   DOCREL_HAS_ONE = 0,
   DOCREL_BELONGS_TO,
   DOCREL_HAS_MANY,
   DOCREL_HAS_AND_BELONGS_TO_MANY
} docrel_relation_kind_t;

typedef enum {
   DOCREL_ON_DELETE_NO_ACTION = 0,
   DOCREL_ON_DELETE_CASCADE,
   DOCREL_ON_DELETE_SET_NULL,
   DOCREL_ON_DELETE_RESTRICT
} docrel_on_delete_t;

/* Each returns the relation (owned by model a) or NULL with error set,
 * leaving both models unchanged. */
DOCREL_EXPORT docrel_relation_t *
docrel_model_has_one (docrel_model_t *a,
                      docrel_model_t *b,
                      const char *field,
                      const char *left_key,
                      const char *right_key,
                      const bson_t *opts,
                      bson_error_t *error);
DOCREL_EXPORT docrel_relation_t *
docrel_model_belongs_to (docrel_model_t *a,
                         docrel_model_t *b,
                         const char *field,
                         const char *left_key,
                         const char *right_key,
                         const bson_t *opts,
                         bson_error_t *error);
DOCREL_EXPORT docrel_relation_t *
docrel_model_has_many (docrel_model_t *a,
                       docrel_model_t *b,
                       const char *field,
                       const char *left_key,
                       const char *right_key,
                       const bson_t *opts,
                       bson_error_t *error);
DOCREL_EXPORT docrel_relation_t *
docrel_model_has_and_belongs_to_many (docrel_model_t *a,
                                      docrel_model_t *b,
                                      const char *field,
                                      const char *left_key,
                                      const char *right_key,
                                      const bson_t *opts,
                                      bson_error_t *error);

/* The relation of model under field, or NULL. Borrowed. */
DOCREL_EXPORT docrel_relation_t *
docrel_model_relation (const docrel_model_t *model, const char *field);

DOCREL_EXPORT docrel_relation_kind_t
docrel_relation_kind (const docrel_relation_t *relation);
DOCREL_EXPORT const char *
docrel_relation_field (const docrel_relation_t *relation);
DOCREL_EXPORT docrel_model_t *
docrel_relation_model (const docrel_relation_t *relation); /* a */
DOCREL_EXPORT docrel_model_t *
docrel_relation_target (const docrel_relation_t *relation); /* b */
/* The link model of a hasAndBelongsToMany (its documents are the links),
 * else NULL. */
DOCREL_EXPORT docrel_model_t *
docrel_relation_link_model (const docrel_relation_t *relation);

/* True if the relation slot `field` of doc was loaded (possibly empty). */
DOCREL_EXPORT bool
docrel_doc_is_loaded (const docrel_doc_t *doc, const char *field);

/* The loaded related documents under field: *out is an array of *n
 * documents, borrowed until the slot next changes. Returns false (with *out
 * NULL, *n 0) if field is not a relation of the document's model or is not
 * loaded. */
DOCREL_EXPORT bool
docrel_doc_related (const docrel_doc_t *doc, const char *field, docrel_doc_t *const **out, size_t *n);

/* The first loaded related document under field, or NULL (not loaded,
 * empty, or not a relation). For hasOne and belongsTo. */
DOCREL_EXPORT docrel_doc_t *
docrel_doc_related_one (const docrel_doc_t *doc, const char *field);

/* Counts per relation. A join tree's edge {"$count": true} (Prisma's
 * _count) gives each parent the number of its related documents matching
 * the edge's "$filter" (all of them without one) without loading them:
 * the slot stays as it was (a slot never loaded stays so, and save_all
 * removes nothing because of a count) and no related document enters the
 * session. Beside "$count" an edge takes only "$filter": "$sort", "$skip",
 * "$limit", "$fields" and relations below it are refused with
 * DOCREL_ERROR_QUERY naming the path, as a count has nothing to order,
 * page, project or join ({"$count": false} is an ordinary edge). A count
 * edge may sit at any level of a tree, beside loaded edges, and be
 * docrel_load's edge.
 *
 * Cost per edge, whatever the number of parents (each once per chunk of
 * 10,000 parent keys, as a join's; a joining cursor per batch): one grouped
 * count (docrel_store_stats: counts) on the related model by key, with the
 * filter, for hasOne, belongsTo and hasMany, and on the link collection for
 * a hasAndBelongsToMany without $filter (every link counts, also one whose
 * far document is missing: docrel_check_integrity finds those). A
 * hasAndBelongsToMany with $filter, or symmetric, reads the parents' links
 * (key fields only, one find; two when symmetric), then, with $filter, one
 * grouped count on the far side by the far keys they hold (per chunk of
 * 10,000); memory grows with the number of those links, not of the
 * documents behind them. A count is what loading the edge would put in the
 * slot: a far document linked both ways to one parent counts once, a
 * document holding an array of keys counts under each of them, but a hasOne
 * or belongsTo matching several documents counts them instead of failing.
 * A count is the store's as the tree was joined: nothing updates it later
 * (docrel_save_all, the link calls and slot edits leave it as read; join
 * again for a fresh one).
 *
 * docrel_doc_related_count sets *n (may be NULL) to the count of relation
 * field of doc and returns true, or sets *n to 0 and returns false if field
 * is not a relation of the document's model or no $count edge counted it (a
 * loaded slot is not a count: docrel_doc_related gives its size).
 * docrel_doc_to_bson with joins renders a document's counts after its
 * relations as "_count": {"<field>": n, ...} (DOCREL_COUNT_FIELD, int64
 * values; no "_count" when nothing was counted). */
DOCREL_EXPORT bool
docrel_doc_related_count (const docrel_doc_t *doc, const char *field, int64_t *n);

/* The field under which docrel_doc_to_bson renders the counts. */
#define DOCREL_COUNT_FIELD "_count"

/* Lazy loading: loads the relation `field` of doc now (reloading it if it
 * was loaded). edge may be NULL or the edge's document in a join tree
 * ({"$sort": ..., "$limit": 3, "comments": true} loads the relation and,
 * below it, comments). Costs what the same edge costs in a join tree.
 * Returns false with DOCREL_ERROR_QUERY if field is not a relation of the
 * document's model or edge is not a valid edge. */
DOCREL_EXPORT bool
docrel_load (docrel_doc_t *doc, const char *field, const bson_t *edge, bson_error_t *error);

/* As docrel_load, for n documents of one model at once: one query for all of
 * them, not one per document. */
DOCREL_EXPORT bool
docrel_load_many (docrel_doc_t *const *docs, size_t n, const char *field, const bson_t *edge, bson_error_t *error);

DOCREL_END_DECLS

#endif /* DOCREL_RELATION_H */
