/* sort.h: MongoDB sort specifications and sort keys.
 *
 * A document's sort key for one field follows MongoDB: the value at the
 * path, with arrays traversed; for an ascending sort an array's key is its
 * smallest element, for a descending sort its largest; a missing field sorts
 * as null; an empty array sorts below null. */
#ifndef DOCREL_SORT_H
#define DOCREL_SORT_H

#include <bson/bson.h>

#include "buffer.h"

typedef struct _docrel_sort_t docrel_sort_t;

/* Compiles {"a": 1, "b.c": -1}. Directions are 1 or -1 as int32, int64 or
 * double. Returns NULL with error set (DOCREL_ERROR_QUERY,
 * DOCREL_ERROR_BAD_OPTION naming the field) for anything else. An empty spec
 * compiles to a sort with no fields. */
docrel_sort_t *docrel_sort__new (const bson_t *spec, bson_error_t *error);
void docrel_sort__destroy (docrel_sort_t *sort);

size_t docrel_sort__n_fields (const docrel_sort_t *sort);
const char *docrel_sort__path (const docrel_sort_t *sort, size_t i);
int docrel_sort__direction (const docrel_sort_t *sort, size_t i); /* 1 or -1 */

/* Appends the keycode (keycode.h) of doc's sort key for one field. memcmp
 * order of these keys is the ascending order of that field; a descending
 * sort compares them reversed. This function can't fail. */
void docrel_sort__key (const bson_t *doc, const char *path, int direction, docrel_buf_t *out);

/* Compares two documents by the whole sort: <0 if a sorts first. */
int docrel_sort__compare (const docrel_sort_t *sort, const bson_t *a, const bson_t *b);

#endif
