/* idmap.h: the identity map, a hash from (model, encoded _id) to a value.
 *
 * Keys are keycode encodings (keycode.h), so ids that MongoDB treats as
 * equal (1, 1L, 1.0) are one key. Chained buckets; the table doubles when
 * it holds more than one entry per bucket on average. */
#ifndef DOCREL_IDMAP_H
#define DOCREL_IDMAP_H

#include <bson/bson.h>

typedef struct _docrel_idmap_entry_t docrel_idmap_entry_t;

typedef struct {
   docrel_idmap_entry_t **buckets;
   size_t n_buckets;
   size_t n_entries;
} docrel_idmap_t;

void docrel_idmap__init (docrel_idmap_t *map);
void docrel_idmap__destroy (docrel_idmap_t *map);

/* The value stored for (owner, key), or NULL. */
void *docrel_idmap__get (const docrel_idmap_t *map, const void *owner, const uint8_t *key, size_t len);

/* Stores value for (owner, key), replacing any previous value. The key bytes
 * are copied. This function can't fail. */
void docrel_idmap__put (docrel_idmap_t *map, const void *owner, const uint8_t *key, size_t len, void *value);

/* Removes (owner, key) if present. */
void docrel_idmap__remove (docrel_idmap_t *map, const void *owner, const uint8_t *key, size_t len);

#endif
