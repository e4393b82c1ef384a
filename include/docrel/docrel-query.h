/* SPDX-License-Identifier: Apache-2.0 */
/* docrel-query.h: reading documents: by primary key, by filter, streaming.
 *
 * Filters use MongoDB's query syntax and semantics: $eq $ne $gt $gte $lt
 * $lte $in $nin $exists $type $and $or $nor $not $all $size $elemMatch
 * $regex (with $options i, m, s, x; also BSON regex values, in $in, $nin,
 * $all and under $not), dotted paths, array element matching and MongoDB's
 * comparison order across BSON types. An operator docrel does not support is an error naming it
 * (DOCREL_ERROR_QUERY, DOCREL_ERROR_UNSUPPORTED_OPERATOR), never a silent
 * mismatch. Regular expressions are compiled with PCRE2 in UTF-8 mode, as
 * MongoDB does; an invalid one fails the call (DOCREL_ERROR_QUERY,
 * DOCREL_ERROR_BAD_OPTION) naming the field and PCRE2's message. On the
 * embedded store a case-sensitive pattern anchored at the start with a
 * literal prefix (^abc) narrows through an index on the field.
 *
 * Find options (opts, may be NULL); an unknown key is an error naming it:
 *   "sort":       {"field": 1 | -1, ...}   MongoDB's order across types;
 *                 without a sort, documents come in insertion order
 *   "skip":       int >= 0
 *   "limit":      int >= 0 (0: no limit)
 *   "projection": {"a": 1, "b.c": 1} or {"a": 0}; _id is included unless
 *                 excluded. A projected document is partial: saving it
 *                 writes only what was changed.
 *   "batchSize":  int > 0, documents fetched per backend round trip where
 *                 the backend batches (MongoDB)
 *   "join":       a join tree (see docrel-relation.h). docrel_find_all joins
 *                 all roots at once; a cursor reads batchSize roots (default
 *                 100), joins them in one go and yields them, so memory is
 *                 bounded by the batch, not the result (one joining cursor
 *                 per session at a time)
 *   "related":    {relation field: predicates, ...}: keeps the documents
 *                 whose related documents satisfy every predicate (Prisma's
 *                 some / every / none, Amplify's nested predicates); all
 *                 fields and predicates hold together (AND), beside the
 *                 filter. Per field, any of
 *                   {"$some": filter}   at least one related document matches
 *                   {"$every": filter}  none fails (true with none related)
 *                   {"$none": filter}   none matches (true with none related)
 *                 or a bare filter, meaning $some: {"posts": {"draft": true}}.
 *                 The same for every kind; a to-one relation is a relation
 *                 of at most one (every: it matches or is absent). Nested:
 *                 a filter may hold "$related": {field: predicates, ...} on
 *                 the related model's relations, e.g. the articles whose
 *                 publication's owner is X:
 *                   {"publication": {"$some": {"$related":
 *                       {"owner": {"$some": {"name": "X"}}}}}}
 *                 or, the same, a dotted path of relations (each but the
 *                 last is $some): {"publication.owner": {"name": "X"}}.
 *                 Cost: each predicate sends one query reading only key
 *                 fields of the related model (two through a
 *                 hasAndBelongsToMany link, the links one query per 10,000
 *                 keys), plus those of the predicates nested in its filter,
 *                 never one per document; then the main query runs with the
 *                 keys found as a key $in ($some) or its negation ($every:
 *                 the keys of the related documents matching {$nor: [filter]};
 *                 $none: of those matching filter). Those keys go into the
 *                 query itself: past 12 MB of them the call fails
 *                 (DOCREL_ERROR_BAD_OPTION, "narrow the filter"). At most
 *                 16 levels of nesting. Bad input fails with
 *                 DOCREL_ERROR_QUERY naming the path ("option 'related' at
 *                 'publication.$some.$related.ownr': model 'Publication'
 *                 has no relation 'ownr'"): an unknown relation
 *                 (DOCREL_ERROR_UNKNOWN_FIELD), a value that is not a
 *                 document, a key beside $some / $every / $none
 *                 (DOCREL_ERROR_BAD_OPTION). docrel_find, docrel_find_all and
 *                 docrel_count take it; the keys are read when the call (or
 *                 docrel_find) starts, into no session
 *
 * Documents loaded by any of these functions join the session's identity
 * map: if the session already holds a document with that _id, that same
 * pointer is returned and its fields (and unsaved changes) are kept. */
#ifndef DOCREL_QUERY_H
#define DOCREL_QUERY_H

#include <bson/bson.h>

#include "docrel-doc.h"
#include "docrel-macros.h"

DOCREL_BEGIN_DECLS

typedef struct _docrel_cursor_t docrel_cursor_t;

/* Loads the document of model whose primary key equals key. tree is a join
 * tree (NULL: no relations). On success *out is the document (owned by the
 * session). If no document has that key, returns false with
 * DOCREL_ERROR_DOCUMENT / DOCREL_ERROR_NOT_FOUND and *out = NULL. */
DOCREL_EXPORT bool
docrel_get (docrel_session_t *session,
            docrel_model_t *model,
            const bson_value_t *key,
            const bson_t *tree,
            docrel_doc_t **out,
            bson_error_t *error);

/* Runs a query and returns every matching document. *out is an array of *n
 * borrowed documents (owned by the session); the caller frees the array
 * itself with bson_free. On failure *out is NULL, *n is 0 and the session
 * is unchanged. filter may be NULL (every document). */
DOCREL_EXPORT bool
docrel_find_all (docrel_session_t *session,
                 docrel_model_t *model,
                 const bson_t *filter,
                 const bson_t *opts,
                 docrel_doc_t ***out,
                 size_t *n,
                 bson_error_t *error);

/* Opens a streaming cursor. The filter and options are checked here: a bad
 * one returns NULL with error set. The caller frees the cursor with
 * docrel_cursor_destroy before destroying the session. */
DOCREL_EXPORT docrel_cursor_t *
docrel_find (docrel_session_t *session,
             docrel_model_t *model,
             const bson_t *filter,
             const bson_t *opts,
             bson_error_t *error);

/* Opens a cursor over the documents related to doc through its relation
 * field (Amplify's `for await (const a of publication.articles)`,
 * neko-orm's `post.comments()`), matching filter too (NULL: all), with
 * docrel_find's options (sort, skip, limit, projection, batchSize, join,
 * related). It is a docrel_find cursor in every other way: the same
 * docrel_cursor_next / _keep / _destroy, the documents join the session's
 * identity map, a joining cursor joins each batch (one joining cursor per
 * session at a time). doc's relation slot is not filled (docrel_load loads
 * a whole slot), and the cursor keeps no reference to doc, which may change
 * or leave the session while it streams.
 *
 * doc must be saved: its related documents are found by the key fields it
 * holds when the cursor opens (in memory: an unsaved change of a key field
 * counts); a new document fails with
 * DOCREL_ERROR_DOCUMENT / DOCREL_ERROR_NOT_SAVED. A field that is not a
 * relation of doc's model fails with DOCREL_ERROR_QUERY /
 * DOCREL_ERROR_UNKNOWN_FIELD. A document without a (complete) key has no
 * related documents.
 *
 * hasOne, hasMany, belongsTo: docrel_find on the far model with the key
 * condition added to filter: one query, plus on MongoDB a getMore per
 * batchSize documents; hasOne and belongsTo give 0 or 1 document (more if
 * the stored data holds several; docrel_check_integrity reports that).
 *
 * hasAndBelongsToMany, through the link collection:
 *  - without "sort": batch by batch, batchSize links (default 100, at most
 *    10,000) are read, then the far documents they hold, in one query:
 *    two commands per batch (one link getMore on MongoDB, where the first
 *    batch rides on the link find; one link query for the whole iteration
 *    on the embedded store), plus the join tree's per batch; memory is
 *    bounded by the batch whatever the number of links. Documents come in
 *    the links' order batch by batch, in the far model's store order within
 *    a batch. skip and limit count across batches (skipped documents are
 *    read, then dropped).
 *  - with "sort": every link's far key is read in one query, then one
 *    find sorts, skips and limits the far documents. This holds at most
 *    10,000 keys: a document with more links (or keys too long for one
 *    query) fails with DOCREL_ERROR_QUERY / DOCREL_ERROR_BAD_OPTION; iterate
 *    without a sort then.
 *
 * Returns NULL with error set for bad arguments, options or filters, as
 * docrel_find does. */
DOCREL_EXPORT docrel_cursor_t *
docrel_find_related (docrel_doc_t *doc,
                     const char *field,
                     const bson_t *filter,
                     const bson_t *opts,
                     bson_error_t *error);

/* Advances the cursor. Returns true with *out set to the next document, or
 * false at the end or on error (docrel_cursor_error tells which).
 *
 * Memory stays bounded: the document is borrowed until the next call. If the
 * session held it already, it stays in the session; otherwise it leaves the
 * session at the next call unless docrel_cursor_keep is called for it (or a
 * relation slot of another document came to hold it meanwhile).
 *
 * A joining cursor lends a whole batch: its roots and the documents joined to
 * them stay until the next batch is read, then leave the session (unless
 * docrel_cursor_keep was called during the batch, which keeps the batch).
 * Documents the session held before stay, but relation slots the batch
 * filled in them are reset to not loaded. */
DOCREL_EXPORT bool
docrel_cursor_next (docrel_cursor_t *cursor, docrel_doc_t **out);

/* Keeps the document last returned by the cursor in the session, beyond the
 * next call. */
DOCREL_EXPORT void
docrel_cursor_keep (docrel_cursor_t *cursor);

/* Returns true and fills error if the cursor stopped on an error. */
DOCREL_EXPORT bool
docrel_cursor_error (const docrel_cursor_t *cursor, bson_error_t *error);

/* Frees the cursor (documents it kept stay in the session). Accepts NULL. */
DOCREL_EXPORT void
docrel_cursor_destroy (docrel_cursor_t *cursor);

/* Counts the documents matching filter (NULL: all). opts may hold "skip" and
 * "limit". */
DOCREL_EXPORT bool
docrel_count (docrel_session_t *session,
              docrel_model_t *model,
              const bson_t *filter,
              const bson_t *opts,
              int64_t *out,
              bson_error_t *error);

/* Describes, without running it, how the store would run this query, as a
 * database's explain does. *out is always initialised (the caller destroys
 * it); on the embedded store it holds {"backend": "sqlite", "sql": ...,
 * "plan": [the lines of SQLite's EXPLAIN QUERY PLAN]}, which shows whether
 * an index is used. */
DOCREL_EXPORT bool
docrel_explain (docrel_session_t *session,
                docrel_model_t *model,
                const bson_t *filter,
                const bson_t *opts,
                bson_t *out,
                bson_error_t *error);

DOCREL_END_DECLS

#endif /* DOCREL_QUERY_H */
