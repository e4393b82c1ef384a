/* SPDX-License-Identifier: Apache-2.0 */
/* fgraph.c: the baselines' result graph (fgraph.h): nodes owning document copies,
 * found by key through an open-addressing hash (FNV-1a over the key). */
#include <stdlib.h>
#include <string.h>

#include "fgraph.h"
#include "report.h"

static size_t
hash_key (int kind, const uint8_t *key)
{
   uint64_t h = 1469598103934665603ull ^ (uint64_t) kind;

   for (int i = 0; i < FLOOR_KEY; i++) {
      h = (h ^ key[i]) * 1099511628211ull;
   }
   return (size_t) h;
}

void
fgraph_init (fgraph_t *g)
{
   memset (g, 0, sizeof *g);
}

void
fgraph_destroy (fgraph_t *g)
{
   for (size_t i = 0; i < g->n; i++) {
      bson_destroy (g->nodes[i]->doc);
      bson_free (g->nodes[i]->kids[0]);
      bson_free (g->nodes[i]->kids[1]);
      bson_free (g->nodes[i]);
   }
   bson_free (g->nodes);
   bson_free (g->slots);
   fgraph_init (g);
}

static void
slot_put (fnode_t **slots, size_t n_slots, fnode_t *node)
{
   size_t i = hash_key (node->kind, node->key) & (n_slots - 1);

   while (slots[i]) {
      i = (i + 1) & (n_slots - 1);
   }
   slots[i] = node;
}

/* Keeps the table at most half full. */
static void
grow (fgraph_t *g)
{
   size_t n_slots = g->n_slots ? g->n_slots * 2 : 1024;
   fnode_t **slots = bson_malloc0 (n_slots * sizeof *slots);

   for (size_t i = 0; i < g->n; i++) {
      slot_put (slots, n_slots, g->nodes[i]);
   }
   bson_free (g->slots);
   g->slots = slots;
   g->n_slots = n_slots;
}

fnode_t *
fgraph_add (fgraph_t *g, const uint8_t *key, const uint8_t *data, size_t len)
{
   fnode_t *node = bson_malloc0 (sizeof *node);

   memcpy (node->key, key, FLOOR_KEY);
   node->kind = g->adding;
   node->doc = bson_new_from_data (data, len);
   if (!node->doc) {
      bench_die ("floor", "a stored document is not BSON");
   }
   if (g->n == g->cap) {
      g->cap = g->cap ? g->cap * 2 : 1024;
      g->nodes = bson_realloc (g->nodes, g->cap * sizeof *g->nodes);
   }
   g->nodes[g->n++] = node;
   if (2 * g->n > g->n_slots) {
      grow (g); /* re-inserts every node, this one included */
   } else {
      slot_put (g->slots, g->n_slots, node);
   }
   return node;
}

fnode_t *
fgraph_find (const fgraph_t *g, int kind, const uint8_t *key)
{
   if (!g->n_slots) {
      return NULL;
   }
   for (size_t i = hash_key (kind, key) & (g->n_slots - 1); g->slots[i]; i = (i + 1) & (g->n_slots - 1)) {
      if (g->slots[i]->kind == kind && memcmp (g->slots[i]->key, key, FLOOR_KEY) == 0) {
         return g->slots[i];
      }
   }
   return NULL;
}

void
fnode_link (fnode_t *parent, int list, fnode_t *kid)
{
   if (parent->n_kids[list] == parent->cap_kids[list]) {
      parent->cap_kids[list] = parent->cap_kids[list] ? parent->cap_kids[list] * 2 : 4;
      parent->kids[list] = bson_realloc (parent->kids[list], parent->cap_kids[list] * sizeof (fnode_t *));
   }
   parent->kids[list][parent->n_kids[list]++] = kid;
}

/* ---- key lists ---------------------------------------------------------- */

void
fkey_int (int64_t v, uint8_t *key)
{
   double d = (double) v;
   uint64_t bits;

   memcpy (&bits, &d, sizeof bits);
   bits = (bits & 0x8000000000000000u) ? ~bits : bits ^ 0x8000000000000000u;
   key[0] = 0x20;
   for (int i = 0; i < 8; i++) {
      key[1 + i] = (uint8_t) (bits >> (56 - 8 * i));
   }
   key[9] = 0x80; /* rem 0 + 0x8000, big-endian: exact for |v| < 2^53 */
   key[10] = 0x00;
}

void
fkeys_push (fkeys_t *k, const void *key)
{
   if (k->n == k->cap) {
      k->cap = k->cap ? k->cap * 2 : 64;
      k->keys = bson_realloc (k->keys, k->cap * FLOOR_KEY);
   }
   memcpy (k->keys + k->n++ * FLOOR_KEY, key, FLOOR_KEY);
}

static int
key_cmp (const void *a, const void *b)
{
   return memcmp (a, b, FLOOR_KEY);
}

int64_t
fkey_to_int (const uint8_t *key)
{
   uint64_t bits = 0;
   double d;

   for (int i = 0; i < 8; i++) {
      bits = bits << 8 | key[1 + i];
   }
   bits = (bits & 0x8000000000000000u) ? bits ^ 0x8000000000000000u : ~bits;
   memcpy (&d, &bits, sizeof d);
   return (int64_t) d;
}

/* Sorts the keys and drops repeats. */
void
fkeys_unique (fkeys_t *k)
{
   size_t out = 0;

   qsort (k->keys, k->n, FLOOR_KEY, key_cmp);
   for (size_t i = 0; i < k->n; i++) {
      if (out == 0 || memcmp (k->keys + (out - 1) * FLOOR_KEY, k->keys + i * FLOOR_KEY, FLOOR_KEY) != 0) {
         memmove (k->keys + out++ * FLOOR_KEY, k->keys + i * FLOOR_KEY, FLOOR_KEY);
      }
   }
   k->n = out;
}
