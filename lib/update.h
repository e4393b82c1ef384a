/* update.h: the MongoDB update documents docrel sends to a backend: either
 * "$set" / "$unset" of dotted paths, or a replacement document. Both
 * backends accept exactly what docrel_update__check accepts, with the same
 * errors. */
#ifndef DOCREL_UPDATE_H
#define DOCREL_UPDATE_H

#include <bson/bson.h>

/* Checks update for the document whose _id is id (NULL: a range update,
 * which takes no replacement and no _id path). Only $set and $unset, each
 * of a document of valid paths, or plain fields, never both; _id never
 * changes (setting it to id itself is allowed). *replace tells that update
 * is a replacement. */
bool docrel_update__check (const bson_value_t *id, const bson_t *update, bool *replace, bson_error_t *error);

/* True for "_id" and the paths below it. */
bool docrel_update__is_id_path (const char *path);

#endif
