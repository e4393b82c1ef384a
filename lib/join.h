/* join.h: loading relations along a join tree (application-side joins). */
#ifndef DOCREL_JOIN_H
#define DOCREL_JOIN_H

#include <bson/bson.h>

#include "docrel/docrel-doc.h"

/* Checks a join tree against model without sending anything: every field
 * must be a relation, every value true, false or a document, every $-option
 * known and well typed. Returns false with DOCREL_ERROR_QUERY set naming the
 * path in the tree. */
bool docrel_join__check (const docrel_model_t *model, const bson_t *tree, bson_error_t *error);

/* Loads the relations tree names for the n documents of model, level by
 * level: one query per edge and key chunk (two for hasAndBelongsToMany),
 * never one per document. Related documents join the session through its
 * identity map. The tree must have passed docrel_join__check. On failure
 * (a backend error; a hasOne or belongsTo matching several documents) the
 * slots filled so far stay filled. */
bool docrel_join__load (docrel_session_t *session,
                        docrel_model_t *model,
                        docrel_doc_t *const *docs,
                        size_t n,
                        const bson_t *tree,
                        bson_error_t *error);

/* Initialises *out with projection, widened when it is an inclusion by the
 * key fields that the relations named at the top of tree read in model's
 * documents, so a projected document can still be joined. */
void docrel_join__widen_projection (const docrel_model_t *model,
                                    const bson_t *tree,
                                    const bson_t *projection,
                                    bson_t *out);

/* Resolves a "related" query option ({"publication": {"name": "X"}, ...}:
 * relation field -> filter on the related documents) into conditions on
 * model's own keys, appended to *conjuncts (an array being built) one per
 * field. Costs one query per field, two for hasAndBelongsToMany, reading
 * only key fields and loading nothing into any session. Returns false with
 * DOCREL_ERROR_QUERY naming the field for an unknown relation or a bad
 * filter. */
bool docrel_join__resolve_related (struct _docrel_store_t *store,
                                   const docrel_model_t *model,
                                   const bson_t *related,
                                   bson_t *conjuncts,
                                   uint32_t *n_conjuncts,
                                   bson_error_t *error);

#endif
