/* SPDX-License-Identifier: Apache-2.0 */
/* docrel-write.h: saving and deleting single documents. */
#ifndef DOCREL_WRITE_H
#define DOCREL_WRITE_H

#include <bson/bson.h>

#include "docrel-doc.h"
#include "docrel-macros.h"

DOCREL_BEGIN_DECLS

/* Writes the document's own fields. A new document is validated whole, given
 * a primary key if its model generates one, and inserted. A saved document is
 * validated and then only its changed fields are written, as a MongoDB update
 * with $set for changed or added fields and $unset for removed ones; a saved
 * document with no changes sends nothing.
 *
 * On success the document is saved and clean. On failure (validation,
 * DOCREL_ERROR_DUPLICATE_KEY naming the key, a backend error) neither the
 * document nor the store has changed. */
DOCREL_EXPORT bool
docrel_save (docrel_doc_t *doc, bson_error_t *error);

/* Deletes the saved document from the store, applying every declared
 * relation's onDelete to the documents that reference it, stored or loaded
 * (restrict refuses, cascade deletes them too, setNull removes their key,
 * noAction leaves them; docs/graph.md and docrel_delete_all in
 * docrel-graph.h), in one transaction where the store has them. On success
 * the document stays in its session as a new, unsaved, dirty document with
 * the same fields (saving it again inserts it again). Deleting an unsaved
 * document fails with DOCREL_ERROR_NOT_SAVED. A document already removed
 * from the store by someone else is not an error. */
DOCREL_EXPORT bool
docrel_delete (docrel_doc_t *doc, bson_error_t *error);

DOCREL_END_DECLS

#endif /* DOCREL_WRITE_H */
