/* SPDX-License-Identifier: Apache-2.0 */
/* pool.c: a bounded cache of freed blocks, so that short-lived sessions
 * reuse memory instead of returning it to malloc (util-private.h).
 *
 * A request handler makes a session, reads a few dozen documents and frees
 * the session. Freed at once, its blocks coalesce at the top of the heap and
 * glibc gives the top back to the kernel (brk), to fault it in again on the
 * next request: most of a warm request's time went to the kernel. Here a
 * session frees into its own lists (no lock), and its destroy hands them to
 * its thread's lists (no lock either, up to THREAD_MAX bytes), where the
 * thread's next session takes them back whole: threads serving requests
 * neither queue on a lock nor pass each other's memory around. What a thread
 * does not keep goes to one shared pool in a locked splice, and a thread's
 * lists go there when it exits; a session finding neither takes a batch of
 * a class at a time from the shared pool. The shared pool keeps at most
 * SHARED_MAX bytes, so a burst (one session of 70,000 documents) does not
 * pin its memory for good.
 *
 * A free block holds the next pointer in its first word. Under
 * AddressSanitizer the rest of a free block is poisoned, so a stale pointer
 * into memory of an earlier session is reported as a use after free would
 * be. */
#include "util/util-private.h"

#include <pthread.h>
#include <string.h>

#define POISON DOCREL_POISON
#define UNPOISON DOCREL_UNPOISON

#define MIN_SHIFT 5                                                     /* 32 B */
#define MAX_BLOCK ((size_t) 1 << (MIN_SHIFT + DOCREL_POOL_CLASSES - 1)) /* 64 KiB */
#define SHARED_MAX ((size_t) 4 << 20)
#define THREAD_MAX ((size_t) 2 << 20)
#define BATCH 4096

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static docrel_pool_list_t shared[DOCREL_POOL_CLASSES];
static size_t shared_bytes;

/* The calling thread's blocks (NULL until its first session ends). */
typedef struct {
   docrel_pool_cache_t cache;
   size_t bytes;
} thread_lists_t;

static void give_back (void *lists);

/* Gives a thread's lists back when it exits. */
static docrel_thread_value_t thread_lists_tv = DOCREL_THREAD_VALUE_INIT (give_back);

/* The class of a block of size bytes (size <= MAX_BLOCK). */
static int
class_of (size_t size)
{
   int c = 0;

   while (((size_t) 1 << (MIN_SHIFT + c)) < size) {
      c++;
   }
   return c;
}

static size_t
class_size (int c)
{
   return (size_t) 1 << (MIN_SHIFT + c);
}

/* A free block is poisoned but for its first word, the next pointer:
 * LeakSanitizer ignores pointers in poisoned memory and would report the
 * rest of the list. */
static void
set_next (void *block, void *next)
{
   memcpy (block, &next, sizeof next);
}

static void
push (docrel_pool_list_t *list, void *block, int c)
{
   set_next (block, list->head);
   POISON ((char *) block + sizeof (void *), class_size (c) - sizeof (void *));
   if (!list->head) {
      list->tail = block;
   }
   list->head = block;
   list->n++;
}

/* Pops the first block, unpoisoned (the list is not empty). */
static void *
pop (docrel_pool_list_t *list, int c)
{
   void *block = list->head;

   UNPOISON ((char *) block + sizeof (void *), class_size (c) - sizeof (void *));
   memcpy (&list->head, block, sizeof list->head);
   if (!list->head) {
      list->tail = NULL;
   }
   list->n--;
   return block;
}

/* Moves every block of from to the front of to. */
static void
splice (docrel_pool_list_t *to, docrel_pool_list_t *from)
{
   if (!from->head) {
      return;
   }
   set_next (from->tail, to->head);
   if (!to->head) {
      to->tail = from->tail;
   }
   to->head = from->head;
   to->n += from->n;
   memset (from, 0, sizeof *from);
}

static void
free_list (docrel_pool_list_t *list, int c)
{
   while (list->head) {
      bson_free (pop (list, c));
   }
}

/* The session's list of class c is empty: takes a batch of about BATCH
 * bytes from the shared one, leaving the rest to other sessions and to
 * callers without a cache. (Taking the list whole made those miss and
 * malloc a block each time, to be kept again: the pool crept up to its
 * bound.) */
static void
refill (docrel_pool_cache_t *cache, int c)
{
   size_t n = BATCH / class_size (c) ? BATCH / class_size (c) : 1;

   thread_lists_t *mine = docrel_thread_value__peek (&thread_lists_tv);

   if (mine && mine->cache.lists[c].head) {
      mine->bytes -= mine->cache.lists[c].n * class_size (c);
      splice (&cache->lists[c], &mine->cache.lists[c]);
      return;
   }
   pthread_mutex_lock (&shared_lock);
   while (n-- > 0 && shared[c].head) {
      push (&cache->lists[c], pop (&shared[c], c), c);
      shared_bytes -= class_size (c);
   }
   pthread_mutex_unlock (&shared_lock);
}

/* Without a cache: a block of class c from the shared pool, or NULL. */
static void *
take_shared (int c)
{
   void *block = NULL;

   pthread_mutex_lock (&shared_lock);
   if (shared[c].head) {
      block = pop (&shared[c], c);
      shared_bytes -= class_size (c);
   }
   pthread_mutex_unlock (&shared_lock);
   return block;
}

/* Without a cache: block goes to the shared pool if it has room. */
static void
give_shared (void *block, int c)
{
   bool kept = false;

   pthread_mutex_lock (&shared_lock);
   if (shared_bytes + class_size (c) <= SHARED_MAX) {
      push (&shared[c], block, c);
      shared_bytes += class_size (c);
      kept = true;
   }
   pthread_mutex_unlock (&shared_lock);
   if (!kept) {
      bson_free (block);
   }
}

void *
docrel_pool__alloc (docrel_pool_cache_t *cache, size_t size)
{
   void *block;
   int c;

   if (size > MAX_BLOCK) {
      return bson_malloc (size);
   }
   c = class_of (size);
   if (!cache) {
      block = take_shared (c);
      return block ? block : bson_malloc (class_size (c));
   }
   if (!cache->lists[c].head) {
      refill (cache, c);
   }
   return cache->lists[c].head ? pop (&cache->lists[c], c) : bson_malloc (class_size (c));
}

void *
docrel_pool__alloc0 (docrel_pool_cache_t *cache, size_t size)
{
   void *mem = docrel_pool__alloc (cache, size);

   memset (mem, 0, size);
   return mem;
}

void
docrel_pool__free (docrel_pool_cache_t *cache, void *mem, size_t size)
{
   int c;

   if (!mem) {
      return;
   }
   if (size > MAX_BLOCK) {
      bson_free (mem);
      return;
   }
   c = class_of (size);
   if (cache) {
      push (&cache->lists[c], mem, c);
   } else {
      give_shared (mem, c);
   }
}

void *
docrel_pool__realloc (docrel_pool_cache_t *cache, void *mem, size_t old_size, size_t new_size)
{
   void *out;

   if (!mem) {
      return docrel_pool__alloc (cache, new_size);
   }
   if (old_size > MAX_BLOCK && new_size > MAX_BLOCK) {
      return bson_realloc (mem, new_size);
   }
   if (old_size <= MAX_BLOCK && new_size <= MAX_BLOCK && class_of (old_size) == class_of (new_size)) {
      return mem;
   }
   out = docrel_pool__alloc (cache, new_size);
   memcpy (out, mem, old_size < new_size ? old_size : new_size);
   docrel_pool__free (cache, mem, old_size);
   return out;
}

/* Splits off the first blocks of list that fit in room bytes into kept. */
static void
take_fitting (docrel_pool_list_t *list, int c, size_t room, docrel_pool_list_t *kept)
{
   size_t n = room / class_size (c);

   if (n >= list->n) {
      splice (kept, list);
      return;
   }
   while (n-- > 0) {
      push (kept, pop (list, c), c);
   }
}

/* Moves cache's lists to the calling thread's, while they stay under
 * THREAD_MAX bytes. */
static void
keep_in_thread (docrel_pool_cache_t *cache)
{
   /* NULL without a key: the blocks go to the shared pool */
   thread_lists_t *t = docrel_thread_value__get (&thread_lists_tv, sizeof *t);

   for (int c = 0; t && c < DOCREL_POOL_CLASSES; c++) {
      size_t bytes = cache->lists[c].n * class_size (c);
      if (bytes > 0 && t->bytes + bytes <= THREAD_MAX) {
         splice (&t->cache.lists[c], &cache->lists[c]);
         t->bytes += bytes;
      }
   }
}

static bool
is_empty (const docrel_pool_cache_t *cache)
{
   for (int c = 0; c < DOCREL_POOL_CLASSES; c++) {
      if (cache->lists[c].head) {
         return false;
      }
   }
   return true;
}

/* Gives cache's blocks to the shared pool, up to its bound, and frees the
 * rest. */
static void
release_shared (docrel_pool_cache_t *cache)
{
   int c;

   pthread_mutex_lock (&shared_lock);
   for (c = 0; c < DOCREL_POOL_CLASSES; c++) {
      docrel_pool_list_t kept = {0};

      take_fitting (&cache->lists[c], c, SHARED_MAX - shared_bytes, &kept);
      shared_bytes += kept.n * class_size (c);
      splice (&shared[c], &kept);
   }
   pthread_mutex_unlock (&shared_lock);
   /* what did not fit goes back to malloc, outside the lock */
   for (c = 0; c < DOCREL_POOL_CLASSES; c++) {
      free_list (&cache->lists[c], c);
   }
}

/* A thread's destructor: its lists to the shared pool. */
static void
give_back (void *lists)
{
   thread_lists_t *t = lists;

   release_shared (&t->cache);
   bson_free (t);
}

void
docrel_pool__release (docrel_pool_cache_t *cache)
{
   keep_in_thread (cache);
   if (!is_empty (cache)) {
      release_shared (cache);
   }
}

void
docrel_pool__drain (void)
{
   docrel_pool_list_t all[DOCREL_POOL_CLASSES];
   thread_lists_t *mine = docrel_thread_value__peek (&thread_lists_tv);
   int c;

   if (mine) { /* the calling thread's lists, then the shared pool */
      for (c = 0; c < DOCREL_POOL_CLASSES; c++) {
         free_list (&mine->cache.lists[c], c);
      }
      mine->bytes = 0;
   }
   pthread_mutex_lock (&shared_lock);
   memcpy (all, shared, sizeof all);
   memset (shared, 0, sizeof shared);
   shared_bytes = 0;
   pthread_mutex_unlock (&shared_lock);
   for (c = 0; c < DOCREL_POOL_CLASSES; c++) {
      free_list (&all[c], c);
   }
}
