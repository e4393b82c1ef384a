/* write-private.h: one document's write, in two halves, so that the graph
 * calls (graph*.c) can prepare and validate every write before sending any,
 * then batch them, and apply each to its document once confirmed. */
#ifndef DOCREL_WRITE_PRIVATE_H
#define DOCREL_WRITE_PRIVATE_H

#include <bson/bson.h>

#include "doc-private.h"

/* Initialises *out with the fields to insert (a generated key if the
 * document has none, extras stripped) and validates them, with the required
 * belongsTo keys. On failure *out is empty (still to be destroyed). */
bool docrel_write__prepare_insert (const docrel_doc_t *doc, bson_t *out, bson_error_t *error);

/* After the insert of fields is confirmed: the document holds them and is
 * saved and clean. */
void docrel_write__finish_insert (docrel_doc_t *doc, const bson_t *fields);

/* Initialises *update with the $set / $unset of a saved document's dirty
 * paths, after validating them; empty if nothing is to be sent. On failure
 * *update is empty (still to be destroyed). */
bool docrel_write__prepare_update (const docrel_doc_t *doc, bson_t *update, bson_error_t *error);

/* After the update is confirmed (or when there was nothing to send). */
void docrel_write__finish_update (docrel_doc_t *doc);

/* Gives an unsaved document without _id the key its model generates
 * (objectId or uuid), so that related documents can copy it before any
 * write. Does nothing for caller-set keys. */
void docrel_write__assign_id (docrel_doc_t *doc);

#endif
