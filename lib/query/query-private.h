/* SPDX-License-Identifier: Apache-2.0 */
/* query-private.h: what the files of lib/query/ share. */
#ifndef DOCREL_QUERY_PRIVATE_H
#define DOCREL_QUERY_PRIVATE_H

#include <bson/bson.h>

#include "util/util-private.h"

/* ---- regex (regex.c) ---------------------------------------------------- */

/* A MongoDB regular expression ($regex or a regex value) compiled with PCRE2
 * in UTF mode, flags i, m, s, x (and u, which changes nothing), as MongoDB
 * compiles it. */
typedef struct _docrel_regex_t docrel_regex_t;

/* Compiles pattern (len bytes: an embedded NUL is refused) with flags.
 * NULL with error set (DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION, naming
 * field and, for a bad pattern, PCRE2's message and offset) on failure. */
docrel_regex_t *
docrel_regex__new (const char *field, const char *pattern, size_t len, const char *flags, bson_error_t *error);

/* The regex of the operator document ops ({$regex: "^a", $options: "i"},
 * $regex a string or a regex value without flags when $options is given),
 * as docrel_regex__new. */
docrel_regex_t *docrel_regex__from_operators (const char *field, const bson_t *ops, bson_error_t *error);
void docrel_regex__destroy (docrel_regex_t *re); /* accepts NULL */

/* True if v (NULL: missing) is a string or symbol re finds a match in, or a
 * regex value of the same pattern and flags, as MongoDB matches it.
 * Allocates PCRE2's match data per call (so threads may share re). */
bool docrel_regex__test (const docrel_regex_t *re, const bson_value_t *v);

/* The literal every string re matches starts with (MongoDB's rule for
 * index bounds, see regex.c); *len 0 if there is none. Borrowed. */
const uint8_t *docrel_regex__prefix (const docrel_regex_t *re, size_t *len);

/* re as a regex value (borrowed strings). */
void docrel_regex__value (const docrel_regex_t *re, bson_value_t *out);

/* ---- filter ------------------------------------------------------------- */

/* MongoDB query filters, compiled once, matched against BSON.
 *
 * One matcher serves every place docrel evaluates a filter in memory (the
 * embedded store's queries, later per-edge join filters). Semantics follow
 * MongoDB: implicit $eq and $and, dotted paths with implicit traversal of
 * arrays (a path component descends into every element of an array; a numeric
 * component also addresses an element by index), a condition on an array
 * field matches if the array as a whole or any element matches, null matches
 * missing, comparisons only within a type bracket (bsonx/bsonx-private.h). */
typedef struct _docrel_filter_t docrel_filter_t;

/* Compiles spec (NULL or empty: matches everything). Returns NULL with error
 * set (DOCREL_ERROR_QUERY; DOCREL_ERROR_UNSUPPORTED_OPERATOR naming the
 * operator and field, e.g. $mod, $where or $expr; or DOCREL_ERROR_BAD_OPTION
 * for a malformed argument such as a non-array $in, an invalid regular
 * expression, or nesting deeper than 100 levels) if spec is not a valid
 * filter; nothing is left allocated then. The filter keeps a copy of
 * spec; free it with docrel_filter__destroy (which accepts NULL). */
docrel_filter_t *docrel_filter__new (const bson_t *spec, bson_error_t *error);

/* Appends {path: {"$in": [values[0..n)]}} to out: the filter of a key
 * lookup (store-private.h), for a backend that needs one. */
void docrel_filter__append_in (bson_t *out, const char *path, const bson_value_t *values, size_t n);

void docrel_filter__destroy (docrel_filter_t *filter);

/* The spec it was compiled from. Borrowed. */
const bson_t *docrel_filter__spec (const docrel_filter_t *filter);

/* True if doc matches (a NULL filter matches every document; a NULL doc
 * none). Allocates only PCRE2's match data for a regular expression; safe
 * to call from several threads on one filter.
 * This function can't fail. */
bool docrel_filter__match (const docrel_filter_t *filter, const bson_t *doc);

/* Reads an integral number into *out: an int32, an int64, or a finite
 * double without fraction below 2^53 in magnitude (any other double is
 * refused, never cast). */
bool docrel_query__integer (const bson_iter_t *iter, int64_t *out);

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

/* If every match must satisfy a regular expression on path with a literal
 * prefix (a top-level conjunct {path: /^abc/} or {path: {$regex: "^abc"}},
 * see docrel_regex__prefix), returns that regex (borrowed), else NULL. A
 * match then holds on path a string starting with the prefix, a regex value
 * equal to the regex, or an array; backends narrow candidates to those. */
const docrel_regex_t *docrel_filter__key_regex (const docrel_filter_t *filter, const char *path);

/* ---- filter ------------------------------------------------------------- */

/* The compiled form of a filter, shared by filter.c (which
 * builds it from a spec) and match.c (which evaluates it).
 *
 * A filter compiles to a tree of nodes. Logical nodes (AND, OR, NOR, NOT)
 * combine children. Every other node is a predicate; a predicate compiled for
 * a field carries that field's path and is evaluated over every value the path
 * reaches (MongoDB's implicit array traversal); a predicate compiled inside an
 * $elemMatch on values ({$elemMatch: {$gt: 1}}) has no path and is tested on
 * one array element at a time. Values in nodes are borrowed from the filter's
 * own copy of its spec. */
typedef enum {
   DOCREL_FNODE_AND, /* every child; no children: true */
   DOCREL_FNODE_OR,  /* some child */
   DOCREL_FNODE_NOR, /* no child */
   DOCREL_FNODE_NOT, /* not its one child (an AND) */
   DOCREL_FNODE_FALSE,
   DOCREL_FNODE_EQ, /* value; null also matches missing */
   DOCREL_FNODE_LT, /* value; within its type bracket */
   DOCREL_FNODE_LTE,
   DOCREL_FNODE_GT,
   DOCREL_FNODE_GTE,
   DOCREL_FNODE_IN, /* values (sorted), in_null; regexes as path-less REGEX children */
   DOCREL_FNODE_EXISTS,
   DOCREL_FNODE_TYPE,        /* type_mask */
   DOCREL_FNODE_SIZE,        /* size; the array itself, no traversal */
   DOCREL_FNODE_ELEM_OBJECT, /* one child (an AND filter) on element documents */
   DOCREL_FNODE_ELEM_VALUE,  /* children (path-less predicates), all on one element */
   DOCREL_FNODE_REGEX        /* regex */
} docrel_fnode_kind_t;

/* One component of a dotted path. name points into the node's split copy of
 * the path and is NUL-terminated. */
typedef struct {
   const char *name;
   uint32_t len;
   bool is_index; /* all digits: may also address an array element */
} docrel_fpart_t;

typedef struct _docrel_fnode_t docrel_fnode_t;

struct _docrel_fnode_t {
   docrel_fnode_kind_t kind;
   char *path;  /* the dotted path as written, or NULL (logical / path-less) */
   char *split; /* path with '.' replaced by NUL; parts point into it */
   docrel_fpart_t *parts;
   size_t n_parts;
   bson_value_t value;   /* EQ, LT, LTE, GT, GTE */
   bson_value_t *values; /* IN: sorted by docrel_compare__values */
   size_t n_values;
   bool in_null;          /* IN: null is among the values (matches missing) */
   uint32_t type_mask;    /* TYPE: bits from docrel_filter__type_bit */
   int64_t size;          /* SIZE */
   docrel_regex_t *regex; /* REGEX (owned) */
   docrel_fnode_t **children;
   size_t n_children;
   size_t cap_children;
};

struct _docrel_filter_t {
   bson_t *spec;         /* owned copy; every node's values point into it */
   docrel_fnode_t *root; /* an AND */
};

/* The bit standing for BSON type t in a TYPE node's mask (0 for a type $type
 * cannot name). */
static inline uint32_t
docrel_filter__type_bit (bson_type_t t)
{
   if (t == BSON_TYPE_MINKEY) {
      return 1u << 20;
   }
   if (t == BSON_TYPE_MAXKEY) {
      return 1u << 21;
   }
   if ((int) t >= 1 && (int) t <= 19) {
      return 1u << (int) t;
   }
   return 0;
}

/* True if the document or array in data (a whole BSON document, len bytes)
 * matches the filter tree under node. Arrays are read as documents whose keys
 * are "0", "1", ... This function can't fail. */
bool docrel_filter__eval (const docrel_fnode_t *node, const uint8_t *data, uint32_t len);

/* ---- sort --------------------------------------------------------------- */

/* MongoDB sort specifications and sort keys.
 *
 * A document's sort key for one field follows MongoDB: the value at the
 * path, with arrays traversed; for an ascending sort an array's key is its
 * smallest element, for a descending sort its largest; a missing field sorts
 * as null; an empty array sorts below null. In detail (as a MongoDB server's
 * index keys for the path, see sort.c): the candidates are every value the
 * path reaches, walking into each element of an array it crosses (an element
 * that is not a document, or lacks the field, gives null) or into one element
 * when the component is its position ("a.0"); where the path ends on an array
 * its elements are the candidates (an array nested in it stays whole) and an
 * empty array gives undefined, which sorts below null. */
typedef struct _docrel_sort_t docrel_sort_t;

/* Compiles {"a": 1, "b.c": -1}. Directions are 1 or -1 as int32, int64 or
 * double. Returns NULL with error set (DOCREL_ERROR_QUERY,
 * DOCREL_ERROR_BAD_OPTION naming the field) for anything else: another
 * direction ("asc", 0, 2, {"$meta": ...}), an empty path or path component, a
 * component starting with '$', a field given twice. An empty or NULL spec
 * compiles to a sort with no fields. The caller frees the result with
 * docrel_sort__destroy. The sort keeps no reference to spec. */
docrel_sort_t *docrel_sort__new (const bson_t *spec, bson_error_t *error);
void docrel_sort__destroy (docrel_sort_t *sort); /* accepts NULL */

/* The fields in spec order. A NULL sort has none. path is borrowed from sort. */
size_t docrel_sort__n_fields (const docrel_sort_t *sort);
const char *docrel_sort__path (const docrel_sort_t *sort, size_t i);
int docrel_sort__direction (const docrel_sort_t *sort, size_t i); /* 1 or -1 */

/* Appends the keycode (bsonx-private.h) of doc's sort key for one field: the
 * smallest candidate when direction is 1, the largest when -1 (so the key
 * depends on the direction). memcmp order of these keys is the ascending
 * order of that field; a descending sort compares them reversed. A NULL doc
 * gives null's keycode. This function can't fail. */
void docrel_sort__key (const bson_t *doc, const char *path, int direction, docrel_buf_t *out);

/* Compares two documents by the whole sort: <0 if a sorts first, 0 if they
 * tie on every field (the caller breaks ties, e.g. by insertion order). A
 * NULL sort ties everything. This function can't fail. */
int docrel_sort__compare (const docrel_sort_t *sort, const bson_t *a, const bson_t *b);

/* ---- projection --------------------------------------------------------- */

/* MongoDB find projections ({"a": 1, "b.c": 1} or {"a": 0}).
 *
 * Values are bools or numbers (non-zero includes); {"b": {"c": 1}} means
 * {"b.c": 1}. Inclusion and exclusion may not be mixed, except that _id may
 * be excluded from an inclusion (or named with 1 in an exclusion). _id is
 * included unless excluded; {"_id": 0} alone excludes only _id. Dotted paths
 * reach into sub-documents and into the documents inside arrays: an
 * inclusion keeps the array with each document element projected and drops
 * its other elements; an exclusion keeps the other elements as they are. A
 * path given together with one of its prefixes ("a" and "a.b") is an error,
 * as in MongoDB. Fields keep their order in the document. */
typedef struct _docrel_projection_t docrel_projection_t;

/* Compiles spec (NULL or empty: whole documents). Returns NULL with error
 * set (DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION) for a malformed spec, or
 * DOCREL_ERROR_UNSUPPORTED_OPERATOR for operators such as $slice, $elemMatch,
 * $meta and the positional "a.$", naming the field. Free the result with
 * docrel_projection__destroy (which accepts NULL). */
docrel_projection_t *docrel_projection__new (const bson_t *spec, bson_error_t *error);
void docrel_projection__destroy (docrel_projection_t *projection);

/* The spec it was compiled from (empty for NULL), for backends that send
 * projections to a server. Borrowed; NULL for a NULL projection. */
const bson_t *docrel_projection__spec (const docrel_projection_t *projection);

/* True if projection is NULL or keeps whole documents. */
bool docrel_projection__is_identity (const docrel_projection_t *projection);

/* Initialises *out with the projected copy of in (a NULL projection copies
 * in whole); the caller destroys out. This function can't fail. */
void docrel_projection__apply (const docrel_projection_t *projection, const bson_t *in, bson_t *out);

/* ---- update ------------------------------------------------------------- */

/* The MongoDB update documents docrel sends to a backend: either
 * "$set" / "$unset" of dotted paths, or a replacement document. Both
 * backends accept exactly what docrel_update__check accepts, with the same
 * errors. */
/* Checks update for the document whose _id is id (NULL: a range update,
 * which takes no replacement and no _id path). Only $set and $unset, each
 * of a document of valid paths, or plain fields, never both; _id never
 * changes (setting it to id itself is allowed). *replace tells that update
 * is a replacement. */
bool docrel_update__check (const bson_value_t *id, const bson_t *update, bool *replace, bson_error_t *error);

/* True for "_id" and the paths below it. */
bool docrel_update__is_id_path (const char *path);

#endif
