/* SPDX-License-Identifier: Apache-2.0 */
/* faults.h: failures injected beneath the embedded store, for the suites that
 * test what a failure leaves behind (check_faults).
 *
 * faults_install wraps SQLite's allocator (SQLITE_CONFIG_MALLOC) and
 * registers a VFS wrapping the default one ("unix") as the new default, so
 * every store the process opens afterwards goes through both. It must run
 * before anything initializes SQLite (first thing in main). Until a fault
 * is armed both pass every call through.
 *
 * A fault is armed for the nth call of its kind counted from the arming
 * (n >= 1): one-shot fails that call only, lasting fails it and every later
 * one until disarmed. n = 0 only counts. */
#ifndef DOCREL_TEST_FAULTS_H
#define DOCREL_TEST_FAULTS_H

#include <stdbool.h>

typedef enum {
   FAULT_ALLOC,      /* sqlite3's xMalloc / xRealloc returns NULL */
   FAULT_WRITE,      /* xWrite returns SQLITE_IOERR_WRITE, writing nothing */
   FAULT_SYNC,       /* xSync returns SQLITE_IOERR_FSYNC */
   FAULT_SHORT_READ, /* xRead reads half, zero-fills the rest:
                        SQLITE_IOERR_SHORT_READ */
   FAULT_N_KINDS
} fault_kind_t;

/* False if SQLite refused the allocator or the VFS (it was initialized). */
bool faults_install (void);

void faults_arm (fault_kind_t kind, long nth, bool lasting);

/* Disarms; returns how many calls of the armed kind were made meanwhile. */
long faults_disarm (void);

/* Whether a call failed since the last faults_arm. */
bool faults_fired (void);

/* The name of a kind, for messages. */
const char *faults_kind_name (fault_kind_t kind);

#endif
