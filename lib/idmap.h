/* idmap.h: the identity map, a hash from (owner, key bytes) to a value.
 *
 * The session keys it by (model, keycode of _id) (keycode.h), so ids that
 * MongoDB treats as equal (1, 1L, 1.0) are one key; other callers use it as
 * a set or map of pointers or keycodes with a NULL owner. Open addressing:
 * a probe table of 8-byte slots (a hash and an entry number) over a dense
 * array of entries. Keys of up to DOCREL_IDMAP_INLINE bytes (every scalar
 * keycode, pointers, pointer pairs) are stored in their entry, longer ones
 * in an allocation of their own. */
#ifndef DOCREL_IDMAP_H
#define DOCREL_IDMAP_H

#include <bson/bson.h>

#define DOCREL_IDMAP_INLINE 16

typedef struct _docrel_idmap_slot_t docrel_idmap_slot_t;
typedef struct _docrel_idmap_entry_t docrel_idmap_entry_t;

typedef struct {
   docrel_idmap_slot_t *slots;     /* cap of them; NULL until the first put */
   docrel_idmap_entry_t *entries;  /* n_entries used, in no useful order */
   size_t cap;                     /* 0 or a power of two */
   size_t n_entries;               /* entries stored; callers may read it */
} docrel_idmap_t;

/* An empty map. Allocates nothing, so a map that stays empty costs nothing.
 * This function can't fail. */
void docrel_idmap__init (docrel_idmap_t *map);

/* Frees the map's memory (not the values); the map is empty afterwards. */
void docrel_idmap__destroy (docrel_idmap_t *map);

/* The value stored for (owner, key), or NULL. */
void *docrel_idmap__get (const docrel_idmap_t *map, const void *owner, const uint8_t *key, size_t len);

/* Stores value for (owner, key), replacing any previous value. The key bytes
 * are copied; len must be below 4 GiB, and a map holds fewer than 2^32
 * entries. This function can't fail. */
void docrel_idmap__put (docrel_idmap_t *map, const void *owner, const uint8_t *key, size_t len, void *value);

/* Removes (owner, key) if present. */
void docrel_idmap__remove (docrel_idmap_t *map, const void *owner, const uint8_t *key, size_t len);

#endif
