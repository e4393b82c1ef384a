/* idmap.c: the session's identity map (see idmap.h). */
#include "idmap.h"

#include <string.h>

struct _docrel_idmap_entry_t {
   docrel_idmap_entry_t *next;
   const void *owner;
   uint64_t hash;
   size_t len;
   void *value;
   uint8_t key[]; /* len bytes */
};

/* FNV-1a over the owner pointer and the key bytes. */
static uint64_t
hash_key (const void *owner, const uint8_t *key, size_t len)
{
   uint64_t h = 14695981039346656037ULL;
   uintptr_t p = (uintptr_t) owner;
   size_t i;

   for (i = 0; i < sizeof p; i++) {
      h = (h ^ ((p >> (i * 8)) & 0xff)) * 1099511628211ULL;
   }
   for (i = 0; i < len; i++) {
      h = (h ^ key[i]) * 1099511628211ULL;
   }
   return h;
}

void
docrel_idmap__init (docrel_idmap_t *map)
{
   map->n_buckets = 64;
   map->n_entries = 0;
   map->buckets = bson_malloc0 (map->n_buckets * sizeof *map->buckets);
}

void
docrel_idmap__destroy (docrel_idmap_t *map)
{
   size_t i;

   for (i = 0; i < map->n_buckets; i++) {
      docrel_idmap_entry_t *e = map->buckets[i];
      while (e) {
         docrel_idmap_entry_t *next = e->next;
         bson_free (e);
         e = next;
      }
   }
   bson_free (map->buckets);
   map->buckets = NULL;
   map->n_buckets = 0;
   map->n_entries = 0;
}

static docrel_idmap_entry_t **
find_slot (const docrel_idmap_t *map, const void *owner, const uint8_t *key, size_t len, uint64_t hash)
{
   docrel_idmap_entry_t **slot = &map->buckets[hash & (map->n_buckets - 1)];

   while (*slot) {
      docrel_idmap_entry_t *e = *slot;
      if (e->hash == hash && e->owner == owner && e->len == len && memcmp (e->key, key, len) == 0) {
         return slot;
      }
      slot = &e->next;
   }
   return slot;
}

void *
docrel_idmap__get (const docrel_idmap_t *map, const void *owner, const uint8_t *key, size_t len)
{
   docrel_idmap_entry_t **slot = find_slot (map, owner, key, len, hash_key (owner, key, len));
   return *slot ? (*slot)->value : NULL;
}

static void
grow (docrel_idmap_t *map)
{
   size_t n = map->n_buckets * 2;
   docrel_idmap_entry_t **buckets = bson_malloc0 (n * sizeof *buckets);
   size_t i;

   for (i = 0; i < map->n_buckets; i++) {
      docrel_idmap_entry_t *e = map->buckets[i];
      while (e) {
         docrel_idmap_entry_t *next = e->next;
         e->next = buckets[e->hash & (n - 1)];
         buckets[e->hash & (n - 1)] = e;
         e = next;
      }
   }
   bson_free (map->buckets);
   map->buckets = buckets;
   map->n_buckets = n;
}

void
docrel_idmap__put (docrel_idmap_t *map, const void *owner, const uint8_t *key, size_t len, void *value)
{
   uint64_t hash = hash_key (owner, key, len);
   docrel_idmap_entry_t **slot = find_slot (map, owner, key, len, hash);
   docrel_idmap_entry_t *e;

   if (*slot) {
      (*slot)->value = value;
      return;
   }
   e = bson_malloc (sizeof *e + len);
   e->next = NULL;
   e->owner = owner;
   e->hash = hash;
   e->len = len;
   e->value = value;
   memcpy (e->key, key, len);
   *slot = e;
   if (++map->n_entries > map->n_buckets) {
      grow (map);
   }
}

void
docrel_idmap__remove (docrel_idmap_t *map, const void *owner, const uint8_t *key, size_t len)
{
   docrel_idmap_entry_t **slot = find_slot (map, owner, key, len, hash_key (owner, key, len));
   docrel_idmap_entry_t *e = *slot;

   if (e) {
      *slot = e->next;
      bson_free (e);
      map->n_entries--;
   }
}
