/* SPDX-License-Identifier: Apache-2.0 */
/* heap.c: the allocator hook that counts what libbson's allocator holds
 * (see heap.h). */
#include "heap.h"

#include <malloc.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <bson/bson.h>

static atomic_llong held_blocks, held_bytes, peak_bytes;

static void
held_add (void *mem, long long sign)
{
   long long bytes;

   if (!mem) {
      return;
   }
   bytes = atomic_fetch_add (&held_bytes, sign * (long long) malloc_usable_size (mem)) +
           sign * (long long) malloc_usable_size (mem);
   atomic_fetch_add (&held_blocks, sign);
   if (bytes > atomic_load (&peak_bytes)) {
      atomic_store (&peak_bytes, bytes);
   }
}

static void *
hook_malloc (size_t n)
{
   void *mem = malloc (n);
   held_add (mem, 1);
   return mem;
}

static void *
hook_calloc (size_t n, size_t size)
{
   void *mem = calloc (n, size);
   held_add (mem, 1);
   return mem;
}

static void *
hook_realloc (void *mem, size_t n)
{
   void *out;

   held_add (mem, -1);
   out = realloc (mem, n);
   held_add (out, 1);
   return out;
}

static void
hook_free (void *mem)
{
   held_add (mem, -1);
   free (mem);
}

static void *
hook_aligned_alloc (size_t alignment, size_t n)
{
   void *mem = NULL;

   if (posix_memalign (&mem, alignment, n) != 0) {
      return NULL;
   }
   held_add (mem, 1);
   return mem;
}

void
heap_hook_set (void)
{
   static const bson_mem_vtable_t vtable = {hook_malloc, hook_calloc, hook_realloc, hook_free, hook_aligned_alloc, {0}};

   bson_mem_set_vtable (&vtable);
}

void
heap_hook_restore (void)
{
   bson_mem_restore_vtable ();
}

long long
heap_held_blocks (void)
{
   return atomic_load (&held_blocks);
}

long long
heap_held_bytes (void)
{
   return atomic_load (&held_bytes);
}

long long
heap_peak_bytes (void)
{
   return atomic_load (&peak_bytes);
}

long long
heap_peak_restart (void)
{
   long long bytes = atomic_load (&held_bytes);

   atomic_store (&peak_bytes, bytes);
   return bytes;
}
