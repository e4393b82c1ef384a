/* SPDX-License-Identifier: Apache-2.0 */
/* util-private.h: what the files of lib/util/ share. */
#ifndef DOCREL_UTIL_PRIVATE_H
#define DOCREL_UTIL_PRIVATE_H

#include <bson/bson.h>
#include <pthread.h>
#include <stdatomic.h>

#include "docrel/docrel-error.h"

/* ---- error -------------------------------------------------------------- */

/* Filling bson_error_t the same way everywhere. */
/* Sets error (if not NULL) with printf-style message. Always returns false,
 * so callers can write `return docrel_error__set (...)`. */
bool docrel_error__set (bson_error_t *error, uint32_t domain, uint32_t code, const char *fmt, ...)
   BSON_GNUC_PRINTF (4, 5);

/* Puts a printf-style prefix before error's message, keeping its domain and
 * code (for context added on the way up). Accepts NULL. Returns false. */
bool docrel_error__prefix (bson_error_t *error, const char *fmt, ...) BSON_GNUC_PRINTF (2, 3);

/* Relaxed extended JSON of one value, for error messages. The caller frees
 * it with bson_free. Long values are cut to about 120 characters. */
char *docrel_error__value_json (const bson_value_t *value);

/* True if error came from a MongoDB operation labelled
 * TransientTransactionError (its message ends with that label in brackets):
 * the transaction it ran in is gone, and running the whole transaction
 * again may succeed. Accepts NULL. */
bool docrel_error__is_transient (const bson_error_t *error);

/* True if error came from a commitTransaction labelled
 * UnknownTransactionCommitResult after its retries: the transaction may
 * have committed. Accepts NULL. */
bool docrel_error__is_commit_unknown (const bson_error_t *error);

/* ---- buffer ------------------------------------------------------------- */

/* A growable byte buffer (allocated with bson_malloc).
 *
 * A docrel_buf_t starts as DOCREL_BUF_INIT (or all zero) and owns data once
 * something is appended; docrel_buf__destroy frees it. data holds len valid
 * bytes (it is not NUL-terminated) and is NULL until the first append. The
 * functions below can't fail: memory comes from bson_realloc, which never
 * returns NULL. */
typedef struct {
   uint8_t *data;
   size_t len;
   size_t cap;
} docrel_buf_t;

/* (clang-format 14 would spread this braced macro over four lines.) */
/* clang-format off */
#define DOCREL_BUF_INIT {NULL, 0, 0}
/* clang-format on */

/* Appends len bytes (bytes may be NULL when len is 0). */
void docrel_buf__append (docrel_buf_t *buf, const void *bytes, size_t len);
void docrel_buf__append_byte (docrel_buf_t *buf, uint8_t byte);
/* Lengthens buf by len bytes and returns them (borrowed, valid until the
 * next call on buf), for the caller to write: one call where a value of a
 * few parts would take one append per part. */
uint8_t *docrel_buf__extend (docrel_buf_t *buf, size_t len);
void docrel_buf__reset (docrel_buf_t *buf);   /* len = 0, keeps memory */
void docrel_buf__destroy (docrel_buf_t *buf); /* frees memory; buf reusable */

/* ---- pool --------------------------------------------------------------- */

/* Freed blocks kept for reuse, so that short-lived sessions do not hand
 * their memory back to malloc (and glibc its heap top to the kernel) on
 * every request.
 *
 * A docrel_pool_cache_t is one session's free blocks, by size class (32 B to
 * 64 KiB), used by one thread at a time without a lock. When it runs out of
 * a class it takes its thread's list of that class, else a batch (about 4
 * KiB) of the process's shared list; docrel_pool__release gives its blocks
 * to its thread's lists (at most 2 MiB, no lock), then to the shared pool,
 * which keeps at most a few MiB, and frees the rest. Blocks come from bson_malloc, so the
 * allocator hook sees them. Callers pass the size they allocated with to
 * free and realloc (any size of the same class does). Without a cache
 * (NULL) blocks come from and go to the shared pool directly, under its
 * lock. Blocks over 64 KiB are never kept. These functions can't fail. */
#define DOCREL_POOL_CLASSES 12

/* Memory a cache keeps is poisoned under AddressSanitizer, so that a stale
 * pointer into it is reported as a use after free would be. */
#if defined(__SANITIZE_ADDRESS__)
#define DOCREL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DOCREL_ASAN 1
#endif
#endif
#ifdef DOCREL_ASAN
#include <sanitizer/asan_interface.h>
#define DOCREL_POISON(p, n) ASAN_POISON_MEMORY_REGION ((p), (n))
#define DOCREL_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION ((p), (n))
#else
#define DOCREL_POISON(p, n) ((void) (p), (void) (n))
#define DOCREL_UNPOISON(p, n) ((void) (p), (void) (n))
#endif

typedef struct {
   void *head;
   void *tail;
   size_t n;
} docrel_pool_list_t;

typedef struct {
   docrel_pool_list_t lists[DOCREL_POOL_CLASSES];
} docrel_pool_cache_t;

/* Uninitialised, or zeroed (docrel_pool__alloc0), memory of size bytes. */
void *docrel_pool__alloc (docrel_pool_cache_t *cache, size_t size);
void *docrel_pool__alloc0 (docrel_pool_cache_t *cache, size_t size);

/* Resizes mem (NULL: allocates), keeping the first bytes. */
void *docrel_pool__realloc (docrel_pool_cache_t *cache, void *mem, size_t old_size, size_t new_size);

/* Returns mem (may be NULL), allocated with size bytes, to cache. */
void docrel_pool__free (docrel_pool_cache_t *cache, void *mem, size_t size);

/* Gives every block of cache to the calling thread's lists, then to the
 * shared pool, up to their bounds, and frees the rest; cache is empty
 * afterwards. */
void docrel_pool__release (docrel_pool_cache_t *cache);

/* Frees every block of the shared pool (the pool stays usable). For the
 * store's destroy, which does not call it yet: the pool is the process's,
 * not a store's, and holds at most its bound until then. */
void docrel_pool__drain (void);

/* ---- thread values (thread.c) ----------------------------------------- */

/* A value each thread gets of its own on first use, handed to release when
 * the thread exits (after the thread's slot is cleared). Static, set up
 * with DOCREL_THREAD_VALUE_INIT. */
typedef struct {
   pthread_mutex_t lock;
   pthread_key_t key;
   atomic_int state; /* 0: no key yet, 1: made, -1: could not be made */
   void (*release) (void *value);
} docrel_thread_value_t;

#define DOCREL_THREAD_VALUE_INIT(release)        \
   {                                             \
      PTHREAD_MUTEX_INITIALIZER, 0, 0, (release) \
   }

/* The calling thread's value, size bytes zeroed on first use; NULL if no
 * key could be made (the caller then does without). */
void *docrel_thread_value__get (docrel_thread_value_t *tv, size_t size);
/* The calling thread's value if it has one, else NULL. */
void *docrel_thread_value__peek (docrel_thread_value_t *tv);

/* ---- idmap -------------------------------------------------------------- */

/* The identity map, a hash from (owner, key bytes) to a value.
 *
 * The session keys it by (model, keycode of _id) (bsonx-private.h), so ids that
 * MongoDB treats as equal (1, 1L, 1.0) are one key; other callers use it as
 * a set or map of pointers or keycodes with a NULL owner. Open addressing:
 * a probe table of 8-byte slots (a hash and an entry number) over a dense
 * array of entries. Keys of up to DOCREL_IDMAP_INLINE bytes (every scalar
 * keycode, pointers, pointer pairs) are stored in their entry, longer ones
 * in an allocation of their own. */
#define DOCREL_IDMAP_INLINE 16

typedef struct _docrel_idmap_slot_t docrel_idmap_slot_t;
typedef struct _docrel_idmap_entry_t docrel_idmap_entry_t;

typedef struct {
   docrel_idmap_slot_t *slots;    /* cap of them; NULL until the first put */
   docrel_idmap_entry_t *entries; /* n_entries used, in no useful order */
   size_t cap;                    /* 0 or a power of two */
   size_t n_entries;              /* entries stored; callers may read it */
   docrel_pool_cache_t *cache;    /* where its tables come from, or NULL */
} docrel_idmap_t;

/* An empty map. Allocates nothing, so a map that stays empty costs nothing.
 * This function can't fail. */
void docrel_idmap__init (docrel_idmap_t *map);

/* An empty map whose tables come from cache and go back to it (a session's
 * identity map); cache outlives the map. */
void docrel_idmap__init_pooled (docrel_idmap_t *map, docrel_pool_cache_t *cache);

/* Frees the map's memory (not the values); the map is empty afterwards and
 * keeps its cache. */
void docrel_idmap__destroy (docrel_idmap_t *map);

/* Makes room for n entries in all (up to a bound), so that the puts up to
 * them make the tables once instead of doubling them on the way (a caller
 * that knows how many keys may come). */
void docrel_idmap__reserve (docrel_idmap_t *map, size_t n);

/* The value stored for (owner, key), or NULL. */
void *docrel_idmap__get (const docrel_idmap_t *map, const void *owner, const uint8_t *key, size_t len);

/* Stores value for (owner, key), replacing any previous value. The key bytes
 * are copied; len must be below 4 GiB, and a map holds fewer than 2^32
 * entries. This function can't fail. */
void docrel_idmap__put (docrel_idmap_t *map, const void *owner, const uint8_t *key, size_t len, void *value);

/* The value stored for (owner, key) if there is one; else stores value for
 * it and returns NULL. One hash and one probe where a get then a put take
 * two (sets and indexes that add each key once). */
void *docrel_idmap__add (docrel_idmap_t *map, const void *owner, const uint8_t *key, size_t len, void *value);

/* Where the value of (owner, key) is kept, after storing NULL for it if
 * it had none: the caller reads the value there or writes its own, in one
 * hash and probe. Valid until the next call that adds or removes. */
void **docrel_idmap__claim (docrel_idmap_t *map, const void *owner, const uint8_t *key, size_t len);

/* Removes (owner, key) if present. */
void docrel_idmap__remove (docrel_idmap_t *map, const void *owner, const uint8_t *key, size_t len);

/* ---- arrays ------------------------------------------------------------- */

/* Containers deeper than this are left as they are (bounds recursion). */
#define DOCREL_ARRAYS_MAX_DEPTH 100

/* True if every array in the document or array at data (itself too, if
 * is_array), down to DOCREL_ARRAYS_MAX_DEPTH, has the keys "0", "1", ...
 * in order. libbson prints a warning when docrel appends one that has not
 * (arrays.c). */
bool docrel_arrays__numbered (const uint8_t *data, uint32_t len, bool is_array);

/* Initialises out to a copy of the document or array at data with every
 * array's keys (its own too, if is_array) renumbered "0", "1", ... */
void docrel_arrays__renumber (const uint8_t *data, uint32_t len, bool is_array, bson_t *out);

#endif
