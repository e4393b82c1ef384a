/* filter.h: MongoDB query filters, compiled once, matched against BSON.
 *
 * One matcher serves every place docrel evaluates a filter in memory (the
 * embedded store's queries, later per-edge join filters). Semantics follow
 * MongoDB: implicit $eq and $and, dotted paths with implicit traversal of
 * arrays (a path component descends into every element of an array; a numeric
 * component also addresses an element by index), a condition on an array
 * field matches if the array as a whole or any element matches, null matches
 * missing, comparisons only within a type bracket (compare.h). */
#ifndef DOCREL_FILTER_H
#define DOCREL_FILTER_H

#include <bson/bson.h>

typedef struct _docrel_filter_t docrel_filter_t;

/* Compiles spec (NULL or empty: matches everything). Returns NULL with error
 * set (DOCREL_ERROR_QUERY; DOCREL_ERROR_UNSUPPORTED_OPERATOR naming the
 * operator and field, e.g. $regex, $mod, $where, $expr or a regular
 * expression value; or DOCREL_ERROR_BAD_OPTION for a malformed argument such
 * as a non-array $in, or nesting deeper than 100 levels) if spec is not a
 * valid filter; nothing is left allocated then. The filter keeps a copy of
 * spec; free it with docrel_filter__destroy (which accepts NULL). */
docrel_filter_t *docrel_filter__new (const bson_t *spec, bson_error_t *error);

void docrel_filter__destroy (docrel_filter_t *filter);

/* The spec it was compiled from. Borrowed. */
const bson_t *docrel_filter__spec (const docrel_filter_t *filter);

/* True if doc matches (a NULL filter matches every document; a NULL doc
 * none). Never allocates; safe to call from several threads on one filter.
 * This function can't fail. */
bool docrel_filter__match (const docrel_filter_t *filter, const bson_t *doc);

/* If every match must have path equal to one of a known set of values (the
 * filter's top level, or a top-level $and, holds {path: v}, {path: {$eq: v}}
 * or {path: {$in: [...]}} with no regex), appends those values to *values
 * (an array being built with bson_append_array_begin; keys continue from its
 * current count) and returns true. The first such condition found is used;
 * $in values come in docrel_compare__values order; an empty $in appends
 * nothing and still returns true (nothing matches). "Equal" is the filter's:
 * an array field matches if an element equals v, and v null also matches a
 * missing field, so the caller must keep such documents as candidates.
 * Returns false, appending nothing, if there is no such condition.
 * Backends use it to narrow candidates through an index on path. */
bool docrel_filter__key_values (const docrel_filter_t *filter, const char *path, bson_t *values);

#endif
