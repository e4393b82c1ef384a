/* undo.h: putting documents back as they were when a graph call fails.
 *
 * A graph call snapshots every document before it first changes it in
 * memory (fields, key, saved and partial flags, dirty paths, slots with
 * their bases, deferred links). If the call fails where the store rolled
 * back, docrel_undo__restore puts every snapshot back; otherwise
 * docrel_undo__forget drops them. */
#ifndef DOCREL_UNDO_H
#define DOCREL_UNDO_H

#include "doc-private.h"

typedef struct _docrel_undo_entry_t docrel_undo_entry_t;

typedef struct {
   docrel_session_t *session;
   uint64_t epoch; /* marks the documents snapshotted by this undo */
   docrel_undo_entry_t *entries;
   size_t n;
   size_t cap;
} docrel_undo_t;

/* Starts an undo for one call on session. */
void docrel_undo__init (docrel_undo_t *undo, docrel_session_t *session);

/* Snapshots doc unless it already is (cheap when it is). */
void docrel_undo__touch (docrel_undo_t *undo, docrel_doc_t *doc);

/* Puts every snapshotted document back, newest change first, and frees
 * the snapshots. */
void docrel_undo__restore (docrel_undo_t *undo);

/* Frees the snapshots, keeping the documents as they are. */
void docrel_undo__forget (docrel_undo_t *undo);

#endif
