/* path.h: dotted paths into BSON documents ("a.b.0.c").
 *
 * These helpers address exactly one value: a numeric component indexes an
 * array. (Filters walk arrays with MongoDB's implicit traversal instead; see
 * filter.c.) Writers rebuild the document, since bson_t is append-only. */
#ifndef DOCREL_PATH_H
#define DOCREL_PATH_H

#include <bson/bson.h>

/* Returns false and sets error (DOCREL_ERROR_DOCUMENT) if path is NULL,
 * empty, has an empty component, or a component starting with '$'. */
bool docrel_path__check (const char *path, bson_error_t *error);

/* Finds the value at path. Returns true with *out positioned on it. */
bool docrel_path__find (const bson_t *doc, const char *path, bson_iter_t *out);

/* Writes value at path into *doc, creating sub-documents as needed and
 * replacing what was there. Fails (doc unchanged) if a component runs into
 * a non-container value or a non-numeric key of an array. */
bool docrel_path__set (bson_t *doc, const char *path, const bson_value_t *value, bson_error_t *error);

/* Removes the value at path; *removed tells whether there was one (may be NULL). */
bool docrel_path__unset (bson_t *doc, const char *path, bool *removed, bson_error_t *error);

#endif
