/* SPDX-License-Identifier: Apache-2.0 */
/* join-private.h: what the files of lib/join/ share. */
#ifndef DOCREL_JOIN_PRIVATE_H
#define DOCREL_JOIN_PRIVATE_H

#include <bson/bson.h>

#include "docrel/docrel-doc.h"
#include "util/util-private.h"
#include "docrel/docrel-query.h"
#include "store/store-private.h"

/* ---- join --------------------------------------------------------------- */

/* Loading relations along a join tree (application-side joins). */
/* Checks a join tree against model without sending anything: every field
 * must be a relation, every value true, false or a document, every $-option
 * known and well typed. Returns false with DOCREL_ERROR_QUERY set naming the
 * path in the tree. */
bool docrel_join__check (const docrel_model_t *model, const bson_t *tree, bson_error_t *error);

/* Loads the relations tree names for the n documents of model, level by
 * level: one query per edge and key chunk (two for hasAndBelongsToMany),
 * never one per document. Related documents join the session through its
 * identity map. The tree must have passed docrel_join__check. On failure
 * (a backend error; a hasOne or belongsTo matching several documents) the
 * slots filled so far stay filled. */
bool docrel_join__load (docrel_session_t *session,
                        docrel_model_t *model,
                        docrel_doc_t *const *docs,
                        size_t n,
                        const bson_t *tree,
                        bson_error_t *error);

/* ---- count (count.c): {"$count": true} edges --------------------------- */

/* True if edge (a join tree's field) is a document holding "$count": true. */
bool docrel_join__is_count (const bson_iter_t *edge);

/* Checks a $count edge at where (a path in the tree): only $filter may be
 * beside $count. True for any other edge. */
bool docrel_join__check_count (const bson_iter_t *edge, const char *where, bson_error_t *error);

/* Counts, for each of the n parents of model, the documents related under
 * edge (a checked $count edge) that match its $filter, and sets their
 * counts (docrel_doc_related_count); loads nothing. Costs are in count.c. */
bool docrel_join__count (docrel_session_t *session,
                         const docrel_model_t *model,
                         docrel_doc_t *const *parents,
                         size_t n,
                         const bson_iter_t *edge,
                         bson_error_t *error);

/* ---- payload (payload.c): {"$payload": name} edges -------------------- */

struct _docrel_relation_t;

/* Checks the $payload option of edge (a join tree's field of relation r)
 * at where: only on a hasAndBelongsToMany, a plain field name. True if
 * the edge has none. */
bool docrel_join__check_payload (const struct _docrel_relation_t *r,
                                 const bson_iter_t *edge,
                                 const char *where,
                                 bson_error_t *error);

/* After a hasAndBelongsToMany edge filled the slots of the n parents with
 * targets: gives each (parent, target) pair in a slot the payload of the
 * link joining them (links[side], n_links[side]: the link documents read
 * per side, side 1 for a symmetric link only), to be rendered under name. */
void docrel_join__attach_payloads (const struct _docrel_relation_t *r,
                                   docrel_doc_t *const *parents,
                                   size_t n,
                                   docrel_doc_t *const *targets,
                                   size_t n_targets,
                                   docrel_doc_t **const links[2],
                                   const size_t n_links[2],
                                   const char *name);

/* Initialises *out with projection, widened when it is an inclusion by the
 * key fields that the relations named at the top of tree read in model's
 * documents, so a projected document can still be joined. */
void
docrel_join__widen_projection (const docrel_model_t *model, const bson_t *tree, const bson_t *projection, bson_t *out);

/* Resolves a "related" query option (related-predicates.c: {"publication":
 * {"$some": {"name": "X"}}, ...}, see docrel-query.h) into conditions on
 * model's own keys, appended to *conjuncts (an array being built; *n_conjuncts
 * counts its entries), at most one per predicate. Costs one query per
 * predicate, two through a hasAndBelongsToMany link, reading only key fields
 * and loading nothing into any session. Returns false with
 * DOCREL_ERROR_QUERY naming the path for bad input. */
bool docrel_join__resolve_related (struct _docrel_store_t *store,
                                   const docrel_model_t *model,
                                   const bson_t *related,
                                   bson_t *conjuncts,
                                   uint32_t *n_conjuncts,
                                   bson_error_t *error);

/* ---- join --------------------------------------------------------------- */

/* What the join files share (join.c loads along a tree,
 * related.c resolves the "related" query option): key tuples read
 * from documents, sets of distinct tuples, and the chunked $in filters
 * built from them. */
/* Keys per $in query: under SQLite's bound-parameter limit (32766) so the
 * key index narrows; and key bytes per query, so that long keys (strings,
 * documents) keep a MongoDB command far under its 16 MB. */
#define JOIN_CHUNK 10000
#define JOIN_CHUNK_BYTES (4 * 1024 * 1024)

/* The distinct key tuples of a set of documents, ready to become $in
 * queries or key lookups. */
typedef struct {
   docrel_idmap_t seen;
   bson_value_t *values; /* n tuples of width values each, in the order
                          * added: owned copies */
   size_t width;         /* values per tuple: every tuple has as many */
   uint32_t n, cap;
} docrel_keyset_t;

/* *out as a read-only view of the document iter holds. */
bool docrel_join__doc_view (const bson_iter_t *iter, bson_t *out);

/* Appends the keycode of the tuple at paths in fields. Returns false if a
 * component is missing or null: such a document references nothing. */
bool
docrel_join__tuple_key (const bson_t *fields, char *const *paths, size_t n, docrel_buf_t *out, bson_value_t *values);

/* docrel_join__tuple_key of doc's fields. A key of _id alone is the
 * keycode the identity map holds for doc, when it holds doc: found and
 * encoded once per document and session, not once per edge. */
bool
docrel_join__doc_key (const docrel_doc_t *doc, char *const *paths, size_t n, docrel_buf_t *out, bson_value_t *values);

void docrel_keyset__init (docrel_keyset_t *set);
void docrel_keyset__destroy (docrel_keyset_t *set);
/* Adds the tuple values[0..n) unless its keycode key is in the set. */
void docrel_keyset__add (docrel_keyset_t *set, const docrel_buf_t *key, const bson_value_t *values, size_t n);

/* Builds the filter for count tuples of width values each at tuples:
 * {p: {$in: [...]}} for one key, an $or of tuples for composite keys, and
 * the edge's own filter beside it under $and. */
void docrel_join__chunk_filter (const bson_value_t *tuples,
                                size_t width,
                                uint32_t count,
                                char *const *paths,
                                size_t n_paths,
                                const bson_t *edge_filter,
                                bson_t *out);

/* A key set walked chunk by chunk: each chunk holds at most JOIN_CHUNK
 * tuples and, past its first, stays under JOIN_CHUNK_BYTES of filter. */
typedef struct {
   const docrel_keyset_t *set;
   uint32_t at; /* the next tuple */
   uint32_t left;
   char *const *paths;
   size_t n_paths;
   const bson_t *edge_filter; /* may be NULL */
} docrel_chunks_t;

void docrel_chunks__init (docrel_chunks_t *chunks,
                          const docrel_keyset_t *set,
                          char *const *paths,
                          size_t n_paths,
                          const bson_t *edge_filter);

/* Initialises *filter with the next chunk's filter (docrel_join__chunk_filter);
 * false when none is left. */
bool docrel_chunks__next (docrel_chunks_t *chunks, bson_t *filter);

/* The next chunk of a one-key set without an edge filter, as the values of
 * a key lookup: *values (bson_malloc'd, *n of them) borrow from the set.
 * False when none is left. */
bool docrel_chunks__next_values (docrel_chunks_t *chunks, bson_value_t **values, size_t *n);

struct _docrel_relation_t;

/* related.c: *set (initialised here, the caller destroys it) gets the keys
 * of model's side of r held by the related documents matching filter: one
 * query on the far model, then for hasAndBelongsToMany one per chunk of
 * those keys on the link. */
bool docrel_join__related_keys (struct _docrel_store_t *store,
                                const struct _docrel_relation_t *r,
                                const bson_t *filter,
                                docrel_keyset_t *set,
                                bson_error_t *error);

/* related.c: appends to conjuncts (numbered by *n_conjuncts) the condition
 * "the model's keys of r are among set", or (negated) "are not", which for
 * an empty set holds everywhere and adds nothing. where names the option's
 * path in errors (a condition too large for a query). */
bool docrel_join__related_condition (bson_t *conjuncts,
                                     uint32_t *n_conjuncts,
                                     const struct _docrel_relation_t *r,
                                     const docrel_keyset_t *set,
                                     bool negated,
                                     const char *where,
                                     bson_error_t *error);

/* A projection that drops _id would give documents with no identity, which
 * could be neither saved nor entered in the identity map: false with
 * DOCREL_ERROR_BAD_OPTION for {"_id": 0} (a find's projection, an edge's
 * $fields). */
bool docrel_join__projection_keeps_id (const bson_t *spec, bson_error_t *error);

/* ---- key index (keys.c): attaching documents by key tuple ------------- */

/* A document of an indexed array, and its position there (its rank in the
 * query's order). */
typedef struct {
   docrel_doc_t *doc;
   size_t pos;
} docrel_keyentry_t;

/* The documents carrying one key tuple, in insertion order. */
typedef struct {
   docrel_keyentry_t *entries; /* within the index's entries */
   size_t n;
} docrel_keybucket_t;

/* A hash from key tuple to its bucket, built once by docrel_keyindex__docs:
 * the buckets and their entries are two arrays, not an allocation per key. */
typedef struct {
   docrel_idmap_t map;          /* keycode -> bucket number + 1 */
   docrel_keybucket_t *buckets; /* n_buckets of them */
   size_t n_buckets;
   docrel_keyentry_t *entries; /* every bucket's, bucket after bucket */
} docrel_keyindex_t;

void docrel_keyindex__init (docrel_keyindex_t *index);
/* Frees the buckets, not the documents. */
void docrel_keyindex__destroy (docrel_keyindex_t *index);
/* The bucket of key, or NULL. */
const docrel_keybucket_t *docrel_keyindex__get (const docrel_keyindex_t *index, const docrel_buf_t *key);
/* Indexes docs by the key tuple at paths, each with its position in docs;
 * once per index (init, docs, get..., destroy).
 * A single key holding an array (a document listing the keys it belongs
 * to) is indexed under each element, as MongoDB's $in matches elements. */
void docrel_keyindex__docs (docrel_keyindex_t *index,
                            docrel_doc_t *const *docs,
                            size_t n,
                            char *const *paths,
                            size_t n_paths);

/* ---- find ------------------------------------------------------------- */

/* A find's filter and options, compiled (options.c). */
typedef struct {
   docrel_filter_t *filter;
   docrel_sort_t *sort;
   docrel_projection_t *projection;
   docrel_find_spec_t spec;
   /* The join tree, as a view into the caller's opts (valid during the
    * call). Raw bytes, not a bson_t: a static bson_t must not be copied. */
   const uint8_t *join_data;
   uint32_t join_len;
} docrel_find_t;

/* Compiles filter and opts (the options of a count when counting). Returns
 * false with DOCREL_ERROR_QUERY naming the option; *find is then empty. */
bool docrel_find__parse (docrel_model_t *model,
                         const bson_t *filter,
                         const bson_t *opts,
                         bool counting,
                         docrel_find_t *find,
                         bson_error_t *error);

/* Frees what find compiled; find is empty afterwards. */
void docrel_find__destroy (docrel_find_t *find);

/* A read needs a session and a model, which it puts to use (its collection
 * and indexes exist afterwards). */
bool docrel_find__check_args (docrel_session_t *session, docrel_model_t *model, bson_error_t *error);

/* Opens a cursor (cursor.c). With joined, a join tree in opts is not joined
 * batch by batch but handed to the caller in *joined, which joins every root
 * at once (docrel_find_all). */
docrel_cursor_t *docrel_cursor__open (docrel_session_t *session,
                                      docrel_model_t *model,
                                      const bson_t *filter,
                                      const bson_t *opts,
                                      docrel_find_t *joined,
                                      bson_error_t *error);

/* Where a cursor reads its raw documents when not from one backend find
 * (related-cursor.c: a hasAndBelongsToMany relation, link batch by link
 * batch). next returns false at the end (error->code 0) or on error; the
 * document is borrowed until the next call. destroy frees ctx. */
typedef struct {
   bool (*next) (void *ctx, const bson_t **raw, bson_error_t *error);
   void (*destroy) (void *ctx);
   void *ctx;
} docrel_cursor_source_t;

/* Fills *out from the cursor's compiled options (find stays at its address
 * while the cursor lives); false with error set, *out untouched. */
typedef bool (*docrel_cursor_source_open_t) (void *arg,
                                             docrel_session_t *session,
                                             const docrel_find_t *find,
                                             docrel_cursor_source_t *out,
                                             bson_error_t *error);

/* docrel_find's cursor over model, reading from the source source_open
 * makes instead of one backend find. */
docrel_cursor_t *docrel_cursor__open_source (docrel_session_t *session,
                                             docrel_model_t *model,
                                             const bson_t *filter,
                                             const bson_t *opts,
                                             docrel_cursor_source_open_t source_open,
                                             void *arg,
                                             bson_error_t *error);

#endif
