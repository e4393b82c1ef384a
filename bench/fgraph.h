/* SPDX-License-Identifier: Apache-2.0 */
/* fgraph.h: the baselines' result graph: nodes owning a copy of each
 * document, parents linked to children, found by key through a hash. The
 * floor (SQLite) and the libmongoc baseline both materialise into it, so
 * they pay for what a program needs in memory, no more. */
#ifndef BENCH_FGRAPH_H
#define BENCH_FGRAPH_H

#include <bson/bson.h>

/* docrel's key encoding of an integer key: class byte 0x20, the double's
 * bits made order-preserving (8 bytes), the remainder + 0x8000 (2 bytes). */
#define FLOOR_KEY 11
/* ... and of an ObjectId (a link document's _id): 0x48, the 12 bytes. */
#define FLOOR_OID_KEY 13

/* What a node is: keys are unique only within a collection. */
enum { FK_AUTHOR, FK_POST, FK_COMMENT, FK_TAG };

typedef struct _fnode_t {
   uint8_t key[FLOOR_KEY];
   int kind;
   bson_t *doc;
   struct _fnode_t **kids[2]; /* author: posts; post: comments, tags */
   size_t n_kids[2], cap_kids[2];
} fnode_t;

/* Every node of one result, and a hash of them by key. */
typedef struct {
   fnode_t **nodes;
   size_t n, cap;
   fnode_t **slots; /* open addressing */
   size_t n_slots;
   int adding; /* the kind fgraph_add gives new nodes (FK_*); init: FK_AUTHOR */
} fgraph_t;

void fgraph_init (fgraph_t *g);
void fgraph_destroy (fgraph_t *g);
/* A new node of kind g->adding holding a copy of the document (data, len),
 * indexed by kind and key. */
fnode_t *fgraph_add (fgraph_t *g, const uint8_t *key, const uint8_t *data, size_t len);
fnode_t *fgraph_find (const fgraph_t *g, int kind, const uint8_t *key);
void fnode_link (fnode_t *parent, int list, fnode_t *kid);

/* A growing list of keys, FLOOR_KEY bytes each, back to back. */
typedef struct {
   uint8_t *keys;
   size_t n, cap;
} fkeys_t;

void fkeys_push (fkeys_t *k, const void *key);
/* Writes docrel's key encoding of v (FLOOR_KEY bytes) to key. */
void fkey_int (int64_t v, uint8_t *key);
/* The integer whose encoding fkey_int wrote. */
int64_t fkey_to_int (const uint8_t *key);
/* Sorts the keys and drops repeats. */
void fkeys_unique (fkeys_t *k);

#endif
