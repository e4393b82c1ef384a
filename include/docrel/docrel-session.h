/* SPDX-License-Identifier: Apache-2.0 */
/* docrel-session.h: sessions, the owners of documents.
 *
 * A session is a unit of work on one store. Every document created or loaded
 * through it belongs to it and is freed with it. It keeps an identity map:
 * within a session one stored document (model + _id) is one docrel_doc_t, so a
 * document reached twice is the same pointer. A session (with its documents
 * and cursors) is used by one thread at a time; it may move between threads.
 * Give each thread (each request) its own session on the shared store. */
#ifndef DOCREL_SESSION_H
#define DOCREL_SESSION_H

#include <bson/bson.h>

#include "docrel-macros.h"
#include "docrel-store.h"

DOCREL_BEGIN_DECLS

typedef struct _docrel_session_t docrel_session_t;

/* Returns a new session the caller frees with docrel_session_destroy, or NULL
 * if store is NULL. */
DOCREL_EXPORT docrel_session_t *
docrel_session_new (docrel_store_t *store);

/* Frees the session and every document it owns. Accepts NULL. */
DOCREL_EXPORT void
docrel_session_destroy (docrel_session_t *session);

DOCREL_EXPORT docrel_store_t *
docrel_session_store (const docrel_session_t *session);

/* How many documents the session owns now. */
DOCREL_EXPORT size_t
docrel_session_size (const docrel_session_t *session);

DOCREL_END_DECLS

#endif /* DOCREL_SESSION_H */
