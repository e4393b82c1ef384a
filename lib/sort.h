/* sort.h: MongoDB sort specifications and sort keys.
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
#ifndef DOCREL_SORT_H
#define DOCREL_SORT_H

#include <bson/bson.h>

#include "buffer.h"

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

/* Appends the keycode (keycode.h) of doc's sort key for one field: the
 * smallest candidate when direction is 1, the largest when -1 (so the key
 * depends on the direction). memcmp order of these keys is the ascending
 * order of that field; a descending sort compares them reversed. A NULL doc
 * gives null's keycode. This function can't fail. */
void docrel_sort__key (const bson_t *doc, const char *path, int direction, docrel_buf_t *out);

/* Compares two documents by the whole sort: <0 if a sorts first, 0 if they
 * tie on every field (the caller breaks ties, e.g. by insertion order). A
 * NULL sort ties everything. This function can't fail. */
int docrel_sort__compare (const docrel_sort_t *sort, const bson_t *a, const bson_t *b);

#endif
