/* SPDX-License-Identifier: Apache-2.0 */
/* idmap.c: the session's identity map (util-private.h).
 *
 * Linear probing over a power-of-two table of slots kept at most 70 % full.
 * A slot holds only the hash and the number of an entry in a dense array, so
 * the table stays small enough to sit in cache when the entries do not (a
 * session of 700,000 documents: 8 MiB of slots): a miss, or a probe past a
 * colliding slot, reads no entry, and a hit reads one. Removal shifts the
 * rest of the probe run back over the hole instead of leaving a tombstone,
 * so lookups stop at the first empty slot however much the map churns (the
 * session's map loses and regains an entry on every save), and moves the
 * last entry into the freed one to keep the array dense. */
#include "util/util-private.h"

#include <string.h>

struct _docrel_idmap_slot_t {
   uint32_t hash;
   uint32_t entry; /* index in entries + 1; 0: empty */
};

struct _docrel_idmap_entry_t {
   const void *owner;
   void *value;
   uint32_t hash;
   uint32_t len;
   union {
      uint8_t bytes[DOCREL_IDMAP_INLINE]; /* len <= DOCREL_IDMAP_INLINE */
      uint8_t *heap;                      /* longer keys, owned */
   } key;
};

#define MIN_CAP 16

/* How many entries a table of cap slots takes (70 %). */
static size_t
limit (size_t cap)
{
   return cap / 10 * 7;
}

/* A word at a time over the owner pointer and the key bytes, then murmur3's
 * finaliser, so that every input bit reaches the low bits the index uses. */
static uint32_t
hash_key (const void *owner, const uint8_t *key, size_t len)
{
   const uint64_t k = 0x9e3779b97f4a7c15ULL;
   uint64_t h = ((uint64_t) (uintptr_t) owner ^ len) * k;
   uint64_t w;

   for (; len >= 8; key += 8, len -= 8) {
      memcpy (&w, key, 8);
      h = (h ^ w) * k;
      h ^= h >> 32;
   }
   if (len > 0) {
      w = 0;
      memcpy (&w, key, len);
      h = (h ^ w) * k;
   }
   h ^= h >> 33;
   h *= 0xff51afd7ed558ccdULL;
   h ^= h >> 33;
   h *= 0xc4ceb9fe1a85ec53ULL;
   h ^= h >> 33;
   return (uint32_t) h;
}

static const uint8_t *
entry_key (const docrel_idmap_entry_t *e)
{
   return e->len <= DOCREL_IDMAP_INLINE ? e->key.bytes : e->key.heap;
}

void
docrel_idmap__init (docrel_idmap_t *map)
{
   docrel_idmap__init_pooled (map, NULL);
}

void
docrel_idmap__init_pooled (docrel_idmap_t *map, docrel_pool_cache_t *cache)
{
   map->slots = NULL;
   map->entries = NULL;
   map->cap = 0;
   map->n_entries = 0;
   map->cache = cache;
}

void
docrel_idmap__destroy (docrel_idmap_t *map)
{
   for (size_t i = 0; i < map->n_entries; i++) {
      if (map->entries[i].len > DOCREL_IDMAP_INLINE) {
         bson_free (map->entries[i].key.heap);
      }
   }
   docrel_pool__free (map->cache, map->slots, map->cap * sizeof *map->slots);
   docrel_pool__free (map->cache, map->entries, limit (map->cap) * sizeof *map->entries);
   docrel_idmap__init_pooled (map, map->cache);
}

/* The index of the slot holding (owner, key), or of the empty slot that
 * ends its probe run. map->cap must not be 0. */
static size_t
find (const docrel_idmap_t *map, const void *owner, const uint8_t *key, size_t len, uint32_t hash)
{
   size_t mask = map->cap - 1;

   for (size_t i = hash & mask;; i = (i + 1) & mask) {
      const docrel_idmap_slot_t *s = &map->slots[i];
      const docrel_idmap_entry_t *e;

      if (!s->entry) {
         return i;
      }
      if (s->hash != hash) {
         continue;
      }
      e = &map->entries[s->entry - 1];
      if (e->owner == owner && e->len == len && memcmp (entry_key (e), key, len) == 0) {
         return i;
      }
   }
}

void *
docrel_idmap__get (const docrel_idmap_t *map, const void *owner, const uint8_t *key, size_t len)
{
   const docrel_idmap_slot_t *s;

   if (map->cap == 0) {
      return NULL;
   }
   s = &map->slots[find (map, owner, key, len, hash_key (owner, key, len))];
   return s->entry ? map->entries[s->entry - 1].value : NULL;
}

/* Makes the table cap slots (a power of two above the current one) and
 * places every slot again; the entries stay where they are, their array
 * only grows. */
static void
grow_to (docrel_idmap_t *map, size_t cap)
{
   docrel_idmap_slot_t *old = map->slots;
   size_t old_cap = map->cap;
   size_t mask;

   map->cap = cap;
   map->slots = docrel_pool__alloc0 (map->cache, map->cap * sizeof *map->slots);
   map->entries = docrel_pool__realloc (map->cache, map->entries, limit (old_cap) * sizeof *map->entries,
                                        limit (map->cap) * sizeof *map->entries);
   mask = map->cap - 1;
   for (size_t i = 0; i < old_cap; i++) {
      if (old[i].entry) {
         size_t j = old[i].hash & mask;

         while (map->slots[j].entry) {
            j = (j + 1) & mask;
         }
         map->slots[j] = old[i];
      }
   }
   docrel_pool__free (map->cache, old, old_cap * sizeof *old);
}

/* Doubles the table, or makes the first one. */
static void
grow (docrel_idmap_t *map)
{
   grow_to (map, map->cap ? map->cap * 2 : MIN_CAP);
}

/* What a reserve makes room for at most: past it the tables double as
 * puts come, so a caller's guess (one key per document, when most share
 * one) never holds much memory it does not use. */
#define RESERVE_MAX 1024

void
docrel_idmap__reserve (docrel_idmap_t *map, size_t n)
{
   size_t cap = map->cap ? map->cap : MIN_CAP;

   if (n > RESERVE_MAX) {
      n = RESERVE_MAX;
   }
   while (limit (cap) < n) {
      cap *= 2;
   }
   if (cap > map->cap) {
      grow_to (map, cap);
   }
}

/* Stores a new entry for (owner, key) at slot i, the empty slot that ends
 * its probe run (hash is its hash). */
static void
insert (docrel_idmap_t *map, size_t i, const void *owner, const uint8_t *key, size_t len, uint32_t hash, void *value)
{
   docrel_idmap_entry_t *e;

   if (map->n_entries == limit (map->cap)) {
      grow (map);
      i = find (map, owner, key, len, hash);
   }
   e = &map->entries[map->n_entries];
   e->owner = owner;
   e->value = value;
   e->hash = hash;
   e->len = (uint32_t) len;
   if (len <= DOCREL_IDMAP_INLINE) {
      memcpy (e->key.bytes, key, len);
   } else {
      e->key.heap = bson_malloc (len);
      memcpy (e->key.heap, key, len);
   }
   map->slots[i].hash = hash;
   map->slots[i].entry = (uint32_t) ++map->n_entries;
}

/* The entry of (owner, key), found or made with value; *found tells which.
 * One hash and one probe serve put, claim and add alike. */
static docrel_idmap_entry_t *
entry_for (docrel_idmap_t *map, const void *owner, const uint8_t *key, size_t len, void *value, bool *found)
{
   uint32_t hash = hash_key (owner, key, len);
   size_t i = 0;

   if (map->cap) {
      i = find (map, owner, key, len, hash);
   }
   *found = map->cap && map->slots[i].entry;
   if (*found) {
      return &map->entries[map->slots[i].entry - 1];
   }
   insert (map, i, owner, key, len, hash, value);
   return &map->entries[map->n_entries - 1]; /* insert adds the last entry */
}

void
docrel_idmap__put (docrel_idmap_t *map, const void *owner, const uint8_t *key, size_t len, void *value)
{
   bool found;

   entry_for (map, owner, key, len, value, &found)->value = value;
}

void **
docrel_idmap__claim (docrel_idmap_t *map, const void *owner, const uint8_t *key, size_t len)
{
   bool found;

   return &entry_for (map, owner, key, len, NULL, &found)->value;
}

void *
docrel_idmap__add (docrel_idmap_t *map, const void *owner, const uint8_t *key, size_t len, void *value)
{
   bool found;
   docrel_idmap_entry_t *e = entry_for (map, owner, key, len, value, &found);

   return found ? e->value : NULL;
}

void
docrel_idmap__remove (docrel_idmap_t *map, const void *owner, const uint8_t *key, size_t len)
{
   size_t mask, i, j;
   uint32_t gone, last;

   if (map->cap == 0) {
      return;
   }
   mask = map->cap - 1;
   i = find (map, owner, key, len, hash_key (owner, key, len));
   gone = map->slots[i].entry;
   if (!gone) {
      return;
   }
   if (map->entries[gone - 1].len > DOCREL_IDMAP_INLINE) {
      bson_free (map->entries[gone - 1].key.heap);
   }
   /* A slot later in the run moves into the hole if the hole lies on its
    * probe path (between its home and where it sits); the hole then moves
    * to where it was. */
   for (j = (i + 1) & mask; map->slots[j].entry; j = (j + 1) & mask) {
      size_t home = map->slots[j].hash & mask;

      if (((j - home) & mask) >= ((j - i) & mask)) {
         map->slots[i] = map->slots[j];
         i = j;
      }
   }
   map->slots[i].entry = 0;
   /* The last entry fills the gap; its slot is found by its hash. */
   last = (uint32_t) map->n_entries--;
   if (gone != last) {
      map->entries[gone - 1] = map->entries[last - 1];
      for (j = map->entries[gone - 1].hash & mask; map->slots[j].entry != last; j = (j + 1) & mask) {
      }
      map->slots[j].entry = gone;
   }
}
