/* write-private.h: one document's write, in two halves, so that the graph
 * calls (graph*.c) can prepare and validate every write before sending any,
 * then batch them, and apply each to its document once confirmed. */
#ifndef DOCREL_WRITE_PRIVATE_H
#define DOCREL_WRITE_PRIVATE_H

#include <bson/bson.h>

#include "doc-private.h"
#include "undo.h"

struct _docrel_store_t;

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

/* write-batch.c: sends the prepared inserts (payloads from prepare_insert)
 * of docs as one batch and finishes each document the store confirms,
 * snapshotting it in sent first (sent may be NULL). Without a transaction
 * a failed batch leaves its written prefix saved, and the documents after
 * it in doubt when the reply was lost; documents in doubt are looked up
 * first (one query) and the ones the store holds are rewritten, not
 * inserted again. */
bool docrel_write__send_inserts (struct _docrel_store_t *store,
                                 const char *collection,
                                 docrel_doc_t *const *docs,
                                 const bson_t *const *payloads,
                                 size_t n,
                                 docrel_undo_t *sent,
                                 bson_error_t *error);

/* Marks doc, whose insert of payload may or may not have been written, in
 * doubt. It keeps the key it was sent with (docrel_save generates one per
 * attempt otherwise), so that the next insert finds it. */
void docrel_write__mark_in_doubt (docrel_doc_t *doc, const bson_t *payload);

/* Sends the prepared updates (non-empty, from prepare_update) of saved docs
 * as one batch, finishing each one the store confirms, as above. */
bool docrel_write__send_updates (struct _docrel_store_t *store,
                                 const char *collection,
                                 docrel_doc_t *const *docs,
                                 const bson_t *const *payloads,
                                 size_t n,
                                 docrel_undo_t *sent,
                                 bson_error_t *error);

#endif
