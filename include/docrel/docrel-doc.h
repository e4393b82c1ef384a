/* SPDX-License-Identifier: Apache-2.0 */
/* docrel-doc.h: documents, the instances of a model.
 *
 * A document holds its own fields as BSON, its state (saved or new; which
 * fields changed since the last save) and, once relations land, its joined
 * documents. Documents belong to their session: never free one yourself.
 *
 * Paths: every accessor takes a field name or a dotted path into
 * sub-documents ("address.city"); an array element is addressed by its
 * index ("tags.0", no leading zero). Setting a path creates the
 * sub-documents it needs, and an index past an array's end pads it with
 * nulls, at most 1,500,000 of them as MongoDB does.
 *
 * Setters validate nothing beyond the path; docrel_save validates the whole
 * document against its model. A setter fails with DOCREL_ERROR_DOCUMENT if
 * the path is empty or runs through a value that is not a document or array,
 * and with DOCREL_ERROR_IMMUTABLE when it would change the _id of a saved
 * document; on failure the document is unchanged. */
#ifndef DOCREL_DOC_H
#define DOCREL_DOC_H

#include <bson/bson.h>

#include "docrel-macros.h"
#include "docrel-model.h"
#include "docrel-session.h"

DOCREL_BEGIN_DECLS

typedef struct _docrel_doc_t docrel_doc_t;

/* Creates a new, unsaved document of model in session, with the model's
 * defaults applied. Returns the document (owned by the session) or NULL with
 * error set. Creating the first document of a model freezes its definition. */
DOCREL_EXPORT docrel_doc_t *
docrel_doc_new (docrel_session_t *session, docrel_model_t *model, bson_error_t *error);

/* As docrel_doc_new, with the fields of `fields` copied in (defaults fill
 * only what `fields` lacks). Every field given counts as changed. Arrays
 * are read by position, as MongoDB reads them: an array whose keys are not
 * "0", "1", ... (at any depth) is copied renumbered. */
DOCREL_EXPORT docrel_doc_t *
docrel_doc_new_from_bson (docrel_session_t *session, docrel_model_t *model, const bson_t *fields, bson_error_t *error);

/* As docrel_doc_new_from_bson, from canonical or relaxed extended JSON. */
DOCREL_EXPORT docrel_doc_t *
docrel_doc_new_from_json (docrel_session_t *session, docrel_model_t *model, const char *json, bson_error_t *error);

DOCREL_EXPORT docrel_model_t *
docrel_doc_model (const docrel_doc_t *doc);

DOCREL_EXPORT docrel_session_t *
docrel_doc_session (const docrel_doc_t *doc);

/* Setters. Each returns false with error set, leaving doc unchanged. An
 * array within a value is renumbered as by docrel_doc_new_from_bson. */
DOCREL_EXPORT bool
docrel_doc_set_value (docrel_doc_t *doc, const char *path, const bson_value_t *value, bson_error_t *error);
DOCREL_EXPORT bool
docrel_doc_set_utf8 (docrel_doc_t *doc, const char *path, const char *value, bson_error_t *error);
DOCREL_EXPORT bool
docrel_doc_set_int32 (docrel_doc_t *doc, const char *path, int32_t value, bson_error_t *error);
DOCREL_EXPORT bool
docrel_doc_set_int64 (docrel_doc_t *doc, const char *path, int64_t value, bson_error_t *error);
DOCREL_EXPORT bool
docrel_doc_set_double (docrel_doc_t *doc, const char *path, double value, bson_error_t *error);
DOCREL_EXPORT bool
docrel_doc_set_bool (docrel_doc_t *doc, const char *path, bool value, bson_error_t *error);
/* value: milliseconds since the Unix epoch (a BSON datetime). */
DOCREL_EXPORT bool
docrel_doc_set_datetime (docrel_doc_t *doc, const char *path, int64_t value, bson_error_t *error);
DOCREL_EXPORT bool
docrel_doc_set_oid (docrel_doc_t *doc, const char *path, const bson_oid_t *value, bson_error_t *error);
DOCREL_EXPORT bool
docrel_doc_set_binary (docrel_doc_t *doc,
                       const char *path,
                       bson_subtype_t subtype,
                       const uint8_t *data,
                       uint32_t len,
                       bson_error_t *error);
DOCREL_EXPORT bool
docrel_doc_set_null (docrel_doc_t *doc, const char *path, bson_error_t *error);
/* Sets a sub-document (value must not be NULL). */
DOCREL_EXPORT bool
docrel_doc_set_document (docrel_doc_t *doc, const char *path, const bson_t *value, bson_error_t *error);
/* Sets an array; value's keys are ignored and renumbered "0", "1", ... */
DOCREL_EXPORT bool
docrel_doc_set_array (docrel_doc_t *doc, const char *path, const bson_t *value, bson_error_t *error);

/* Removes the field at path. Removing a missing field succeeds and changes
 * nothing. */
DOCREL_EXPORT bool
docrel_doc_unset (docrel_doc_t *doc, const char *path, bson_error_t *error);

/* Getters. docrel_doc_get fills *out with a view of the value at path and
 * returns true, or returns false if the path is missing. The view points
 * into the document: it stays valid until the document next changes and is
 * never destroyed by the caller (copy it with bson_value_copy to keep it).
 * The typed getters return false if the path is missing or holds another
 * type; they never fail otherwise. docrel_doc_get_utf8 returns a borrowed
 * string or NULL. */
DOCREL_EXPORT bool
docrel_doc_get (const docrel_doc_t *doc, const char *path, bson_value_t *out);
DOCREL_EXPORT bool
docrel_doc_has (const docrel_doc_t *doc, const char *path);
DOCREL_EXPORT const char *
docrel_doc_get_utf8 (const docrel_doc_t *doc, const char *path);
DOCREL_EXPORT bool
docrel_doc_get_int32 (const docrel_doc_t *doc, const char *path, int32_t *out);
/* Accepts an int32 or int64 field. */
DOCREL_EXPORT bool
docrel_doc_get_int64 (const docrel_doc_t *doc, const char *path, int64_t *out);
/* Accepts any numeric field. */
DOCREL_EXPORT bool
docrel_doc_get_double (const docrel_doc_t *doc, const char *path, double *out);
DOCREL_EXPORT bool
docrel_doc_get_bool (const docrel_doc_t *doc, const char *path, bool *out);
DOCREL_EXPORT bool
docrel_doc_get_datetime (const docrel_doc_t *doc, const char *path, int64_t *out);
DOCREL_EXPORT bool
docrel_doc_get_oid (const docrel_doc_t *doc, const char *path, bson_oid_t *out);

/* The document's primary key, or NULL while a generated key is not made yet
 * (before the first save). Borrowed. */
DOCREL_EXPORT const bson_value_t *
docrel_doc_id (const docrel_doc_t *doc);

/* The document's own fields. Borrowed until the document next changes. */
DOCREL_EXPORT const bson_t *
docrel_doc_bson (const docrel_doc_t *doc);

/* Copies the document into *out, which is always initialised (the caller
 * destroys it). with_joins adds the loaded relation slots in Thinky's shape
 * (a document for hasOne / belongsTo, an array for hasMany /
 * hasAndBelongsToMany), then the relations a join tree counted as
 * "_count": {"<field>": n} (docrel-relation.h, "Counts per relation");
 * without relations it equals the own fields. */
DOCREL_EXPORT bool
docrel_doc_to_bson (const docrel_doc_t *doc, bool with_joins, bson_t *out, bson_error_t *error);

/* The document as relaxed extended JSON. The caller frees it with bson_free.
 * Returns NULL only if doc is NULL. */
DOCREL_EXPORT char *
docrel_doc_to_json (const docrel_doc_t *doc, bool with_joins);

/* True once the document is in the store (written by this session, or loaded). */
DOCREL_EXPORT bool
docrel_doc_is_saved (const docrel_doc_t *doc);

/* True if the document is not saved but its last insert may have been
 * written: the connection failed after the insert was sent, on a MongoDB
 * deployment without transactions (or a commit's outcome stayed unknown).
 * Saving it again looks it up first and writes it once. */
DOCREL_EXPORT bool
docrel_doc_is_in_doubt (const docrel_doc_t *doc);

/* True if a field changed since the document was loaded or last saved. A new
 * document is always dirty. */
DOCREL_EXPORT bool
docrel_doc_is_dirty (const docrel_doc_t *doc);

/* True if the field at path (or a path under it) changed since the last save. */
DOCREL_EXPORT bool
docrel_doc_is_field_dirty (const docrel_doc_t *doc, const char *path);

/* Link payloads (hasAndBelongsToMany). A link document may hold fields
 * beside its _id and two keys (docrel_link's "payload" option,
 * docrel_doc_add_related_with_payload: docrel-graph.h). A join-tree edge
 * {"tags": {"$payload": "link"}} reads them with the links it reads
 * anyway (no extra query): each related document's payload is kept in the
 * parent's slot, since it belongs to the (parent, related document) pair
 * (the same tag linked to two posts may carry two payloads), and
 * docrel_doc_to_bson with joins renders it under the edge's name inside
 * each related document: "tags": [{"_id": 1, "name": "c", "link":
 * {"quantity": 2}}], {} for a link without payload. The name must be a
 * plain field name (not empty, no '$', no '.'), on a hasAndBelongsToMany
 * edge only (else DOCREL_ERROR_QUERY naming the path); a related document
 * holding a field of that name shows its own field, not the payload.
 *
 * docrel_doc_link_payload returns the payload of the link between doc and
 * other (a document in doc's loaded slot field): the fields read by a
 * $payload edge and those set in memory since, or {} if the slot was
 * joined with $payload and the link holds none. NULL if field is not a
 * hasAndBelongsToMany relation, the slot is not loaded or does not hold
 * other, or nothing is known of the payload (the slot was loaded without
 * $payload and none was set). Borrowed until the slot next changes (a
 * reload, a save_all, a payload set). */
DOCREL_EXPORT const bson_t *
docrel_doc_link_payload (const docrel_doc_t *doc, const char *field, const docrel_doc_t *other);

DOCREL_END_DECLS

#endif /* DOCREL_DOC_H */
