/* SPDX-License-Identifier: Apache-2.0 */
/* docrel-schema.h: declaring models, fields, indexes and relations at once
 * from one JSON schema document, in the shape of AWS Amplify's model
 * introspection schema (what `amplify codegen model-introspection` emits).
 *
 * The schema is a shortcut for the builder calls of docrel-model.h and
 * docrel-relation.h, and is implemented with them only: every rule and every
 * error of those calls applies, with the schema's JSON path put in front.
 *
 * A schema looks like this (docrel-only settings go under "docrel" keys):
 *
 *   {"version": 1,
 *    "enums": {"Status": {"name": "Status", "values": ["DRAFT", "LIVE"]}},
 *    "models": {
 *      "Post": {"name": "Post",
 *        "fields": {
 *          "id":       {"name": "id", "type": "ID", "isRequired": true},
 *          "title":    {"name": "title", "type": "String", "isRequired": true},
 *          "status":   {"name": "status", "type": {"enum": "Status"}},
 *          "comments": {"name": "comments", "isArray": true,
 *                       "type": {"model": "Comment"},
 *                       "association": {"connectionType": "HAS_MANY",
 *                                       "associatedWith": ["postID"]},
 *                       "docrel": {"onDelete": "cascade"}}},
 *        "primaryKeyInfo": {"isCustomPrimaryKey": false,
 *                           "primaryKeyFieldName": "id",
 *                           "sortKeyFieldNames": []},
 *        "docrel": {"collection": "posts", "extra": "reject",
 *                   "indexes": [{"keys": {"title": 1}, "unique": true}]}},
 *      "Comment": {"name": "Comment", "fields": {
 *          "id":     {"name": "id", "type": "ID", "isRequired": true},
 *          "postID": {"name": "postID", "type": "ID"},
 *          "post":   {"name": "post", "type": {"model": "Post"},
 *                     "association": {"connectionType": "BELONGS_TO",
 *                                     "targetNames": ["postID"]}}}}}}
 *
 * THE MAPPING
 *
 * Top level. "models" (required): one entry per model, keyed by its name.
 * "version" (optional): 1. "enums": {"X": {"name": "X", "values": [strings]}}.
 * "nonModels": {"X": {"name": "X", "fields": {...}}}, referenced by
 * {"nonModel": "X"} types; their fields are not declared (see below).
 *
 * Models. Keys: "name" (if given, equal to the key), "fields", "primaryKeyInfo",
 * "docrel"; "syncable", "pluralName" and "attributes" are accepted and
 * ignored (so indexes from Amplify's "key" attributes are not declared;
 * declare them under "docrel" "indexes"). Each model is declared with
 * docrel_model_new; its "docrel" object may hold
 *   "collection", "extra"                 passed to docrel_model_new
 *   "primaryKey": "objectId" | "uuid" | "caller"
 *   "indexes": [{"keys": {...}, "unique": bool, "name": string}]
 *                                          each passed to docrel_model_add_index
 *                                          (keys are docrel paths: "_id", not "id")
 *
 * Primary key. The field named by primaryKeyInfo.primaryKeyFieldName
 * (default "id") is docrel's _id: it is not declared as a field, and in
 * associations its name stands for "_id". The key kind is "docrel"
 * "primaryKey" if given, else "uuid" when that field is of type ID (or
 * absent), else "caller". For "caller" the field is declared as "_id" with
 * its mapped type; "objectId" and "uuid" need a field of type ID or String
 * (or none). primaryKeyInfo.sortKeyFieldNames stay ordinary fields, and make
 * the model's key composite for associations: [_id, sort keys...]. The
 * composite key is not unique by itself (_id is).
 *
 * Fields. Keys: "name", "type" (required), "isRequired", "isArray", "docrel";
 * "isArrayNullable", "isReadOnly" and "attributes" are accepted and ignored.
 * Each scalar field is declared with docrel_model_add_field:
 *   ID String AWSEmail AWSURL AWSPhone AWSIPAddress AWSDate AWSTime -> STRING
 *   Int -> INT64    Float -> DOUBLE    Boolean -> BOOL
 *   AWSDateTime AWSTimestamp -> DATETIME (values are BSON datetimes)
 *   AWSJSON -> ANY
 *   {"nonModel": "X"} -> DOCUMENT (X must be in "nonModels"; its own fields
 *                        are not checked)
 *   {"enum": "X"} -> STRING with the option "enum": X's values
 *   "isArray": true on any of these -> ARRAY (elements are not checked)
 *   "isRequired": true -> the option "required": true
 * The field's "docrel" object is passed on as more field options ("default",
 * "min", "max", "minLength", "maxLength").
 *
 * Associations. A field of type {"model": "B"} needs an "association"
 * {"connectionType": ..., "associatedWith": [names], "targetNames": [names]}
 * (a single string is taken for a one-name list). It is declared as a
 * relation of the model A that holds the field, under the field's name,
 * after every model and field of the schema, so it may point forward. B
 * must be in the schema or already on the store. The keys of a model are its
 * primary key as above; names in associatedWith are B's fields, names in
 * targetNames A's fields:
 *   HAS_MANY   associatedWith -> docrel_model_has_many (A, B, field,
 *                 left = A's key, right = associatedWith)
 *   HAS_ONE    associatedWith -> docrel_model_has_one (same key direction);
 *              with targetNames (Amplify's older shape, the key held by A)
 *                 -> docrel_model_belongs_to (left = targetNames, right = B's key)
 *   BELONGS_TO targetNames -> docrel_model_belongs_to (A, B, field,
 *                 left = targetNames, right = B's key); "isRequired": true
 *                 on the field -> the option "required": true
 *   MANY_TO_MANY (docrel's own) -> docrel_model_has_and_belongs_to_many
 *                 (left = A's key, right = B's key)
 * Amplify's many-to-many goes through an explicit join model with two
 * BELONGS_TO fields, which needs nothing more. One key name gives the
 * single-key form; several give the composite form ("leftKeys" /
 * "rightKeys"), and the two sides must have as many names. The field's
 * "docrel" object is passed on as more relation options ("onDelete",
 * "required", "link"). "isArray" and "isRequired" on other association
 * fields are ignored.
 *
 * ERRORS
 *
 * Unknown keys, values of the wrong JSON type, unknown types, enums,
 * non-models and models are errors in DOCREL_ERROR_MODEL
 * (DOCREL_ERROR_BAD_OPTION, or DOCREL_ERROR_UNKNOWN_MODEL for a missing
 * model, DOCREL_ERROR_DUPLICATE_NAME for a model already on the store)
 * whose message names the JSON path: "schema at
 * 'models.Post.fields.title.type': unknown type \"strng\"". A builder call's
 * error keeps its domain and code, with "schema at '<path>': " put in front
 * of its message. */
#ifndef DOCREL_SCHEMA_H
#define DOCREL_SCHEMA_H

#include <bson/bson.h>

#include "docrel-macros.h"
#include "docrel-store.h"

DOCREL_BEGIN_DECLS

/* Declares every model, field, index and relation of schema on store.
 *
 * The whole schema is checked first, by declaring it on a private scratch
 * store (with stand-ins for the models it references on store): a schema
 * that fails there declares nothing on store. What the scratch store cannot
 * know is checked only while declaring on store, after some models may be
 * declared: a collection name already used by a model outside the schema, a
 * referenced model outside the schema that is in use or lacks a key field.
 * Returns true, or false with error set. */
DOCREL_EXPORT bool
docrel_store_define (docrel_store_t *store, const bson_t *schema, bson_error_t *error);

/* As docrel_store_define, for a schema given as (relaxed or canonical
 * extended) JSON text. Malformed JSON fails with DOCREL_ERROR_MODEL /
 * DOCREL_ERROR_BAD_OPTION and libbson's message, declaring nothing. */
DOCREL_EXPORT bool
docrel_store_define_json (docrel_store_t *store, const char *json, bson_error_t *error);

DOCREL_END_DECLS

#endif /* DOCREL_SCHEMA_H */
