/* projection.h: MongoDB find projections ({"a": 1, "b.c": 1} or {"a": 0}).
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
#ifndef DOCREL_PROJECTION_H
#define DOCREL_PROJECTION_H

#include <bson/bson.h>

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

#endif
