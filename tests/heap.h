/* SPDX-License-Identifier: Apache-2.0 */
/* heap.h: counting the memory held through libbson's allocator, for the
 * suites that assert how much a call holds (check_session_memory.c,
 * check_find_related_links.c). docrel allocates through bson_malloc, so a
 * hook on libbson's allocator sees all of it.
 *
 * The counts are of blocks and bytes allocated and not freed since the hook
 * was set: frees of older blocks count too, so only differences taken while
 * it is set mean anything. The MongoDB driver's monitoring threads allocate
 * too, hence the counts are atomic. */
#ifndef DOCREL_TEST_HEAP_H
#define DOCREL_TEST_HEAP_H

/* Sets the hook (libbson's allocator vtable); counting starts. */
void heap_hook_set (void);

/* Restores libbson's own allocator; the counts stay as they were. */
void heap_hook_restore (void);

/* Blocks and bytes held now. */
long long heap_held_blocks (void);
long long heap_held_bytes (void);

/* The most bytes held at once since the last heap_peak_restart. */
long long heap_peak_bytes (void);

/* Takes the peak down to the bytes held now and returns them, the base a
 * later heap_peak_bytes is measured from. */
long long heap_peak_restart (void);

#endif
