/* SPDX-License-Identifier: Apache-2.0 */
/* fgraph.h: the baselines' result graph: nodes owning a copy of each
 * document, parents linked to children, found by key through a hash. The
 * floor (SQLite) and the libmongoc baseline both materialise into it, so
 * they pay for what a program needs in memory, no more. */
#ifndef BENCH_FGRAPH_H
#define BENCH_FGRAPH_H

#include <bson/bson.h>

#define FLOOR_KEY 13 /* 0x48 then the 12 ObjectId bytes: docrel's key encoding */

typedef struct _fnode_t {
   uint8_t key[FLOOR_KEY];
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
} fgraph_t;

void fgraph_init (fgraph_t *g);
void fgraph_destroy (fgraph_t *g);
/* A new node holding a copy of the document (data, len), indexed by key. */
fnode_t *fgraph_add (fgraph_t *g, const uint8_t *key, const uint8_t *data, size_t len);
fnode_t *fgraph_find (const fgraph_t *g, const uint8_t *key);
void fnode_link (fnode_t *parent, int list, fnode_t *kid);

/* A growing list of keys, FLOOR_KEY bytes each, back to back. */
typedef struct {
   uint8_t *keys;
   size_t n, cap;
} fkeys_t;

void fkeys_push (fkeys_t *k, const void *key);
/* Sorts the keys and drops repeats. */
void fkeys_unique (fkeys_t *k);

#endif
