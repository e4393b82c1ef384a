/* join-private.h: what the join files share (join.c loads along a tree,
 * join-related.c resolves the "related" query option): key tuples read
 * from documents, sets of distinct tuples, and the chunked $in filters
 * built from them. */
#ifndef DOCREL_JOIN_PRIVATE_H
#define DOCREL_JOIN_PRIVATE_H

#include <bson/bson.h>

#include "buffer.h"
#include "idmap.h"

/* Keys per $in query: under SQLite's bound-parameter limit (32766) so the
 * key index narrows; and key bytes per query, so that long keys (strings,
 * documents) keep a MongoDB command far under its 16 MB. */
#define JOIN_CHUNK 10000
#define JOIN_CHUNK_BYTES (4 * 1024 * 1024)

/* The distinct key tuples of a set of documents, ready to become $in
 * queries. */
typedef struct {
   docrel_idmap_t seen;
   bson_t *tuples; /* an array of arrays, one per distinct tuple */
   uint32_t n;
} docrel_keyset_t;

/* *out as a read-only view of the document iter holds. */
bool docrel_join__doc_view (const bson_iter_t *iter, bson_t *out);

/* Appends the keycode of the tuple at paths in fields. Returns false if a
 * component is missing or null: such a document references nothing. */
bool docrel_join__tuple_key (
   const bson_t *fields, char *const *paths, size_t n, docrel_buf_t *out, bson_value_t *values);

void docrel_keyset__init (docrel_keyset_t *set);
void docrel_keyset__destroy (docrel_keyset_t *set);
/* Adds the tuple values[0..n) unless its keycode key is in the set. */
void docrel_keyset__add (docrel_keyset_t *set, const docrel_buf_t *key, const bson_value_t *values, size_t n);

/* Builds the filter for tuples [from, from + count): {p: {$in: [...]}} for
 * one key, an $or of tuples for composite keys, and the edge's own filter
 * beside it under $and. */
void docrel_join__chunk_filter (bson_iter_t *cursor,
                                uint32_t count,
                                char *const *paths,
                                size_t n_paths,
                                const bson_t *edge_filter,
                                bson_t *out);

/* A key set walked chunk by chunk: each chunk holds at most JOIN_CHUNK
 * tuples and, past its first, stays under JOIN_CHUNK_BYTES of filter. */
typedef struct {
   bson_iter_t cursor;
   uint32_t left;
   char *const *paths;
   size_t n_paths;
   const bson_t *edge_filter; /* may be NULL */
} docrel_chunks_t;

void docrel_chunks__init (
   docrel_chunks_t *chunks, const docrel_keyset_t *set, char *const *paths, size_t n_paths, const bson_t *edge_filter);

/* Initialises *filter with the next chunk's filter (docrel_join__chunk_filter);
 * false when none is left. */
bool docrel_chunks__next (docrel_chunks_t *chunks, bson_t *filter);

#endif
