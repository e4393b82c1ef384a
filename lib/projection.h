/* projection.h: MongoDB find projections ({"a": 1, "b.c": 1} or {"a": 0}).
 *
 * Inclusion and exclusion may not be mixed, except that _id may be excluded
 * from an inclusion. _id is included unless excluded. Dotted paths reach into
 * sub-documents and into the documents inside arrays. */
#ifndef DOCREL_PROJECTION_H
#define DOCREL_PROJECTION_H

#include <bson/bson.h>

typedef struct _docrel_projection_t docrel_projection_t;

/* Returns NULL with error set (DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION)
 * for a malformed spec, or DOCREL_ERROR_UNSUPPORTED_OPERATOR for operators
 * such as $slice or $elemMatch. */
docrel_projection_t *docrel_projection__new (const bson_t *spec, bson_error_t *error);
void docrel_projection__destroy (docrel_projection_t *projection);

/* Initialises *out with the projected copy of in. This function can't fail. */
void docrel_projection__apply (const docrel_projection_t *projection, const bson_t *in, bson_t *out);

#endif
