/* SPDX-License-Identifier: Apache-2.0 */
/* faults.c: SQLite's allocator and VFS wrapped to fail on demand (faults.h).
 * The counters are atomic: SQLite may allocate on any thread. */
#include "faults.h"

#include <string.h>

#include <sqlite3.h>

static sqlite3_mem_methods real_mem;
static sqlite3_vfs *real_vfs;
static sqlite3_vfs fault_vfs;

static int armed_kind = FAULT_N_KINDS; /* none */
static long armed_nth;
static bool armed_lasting;
static long calls;
static bool fired;

void
faults_arm (fault_kind_t kind, long nth, bool lasting)
{
   __atomic_store_n (&armed_kind, FAULT_N_KINDS, __ATOMIC_SEQ_CST);
   armed_nth = nth;
   armed_lasting = lasting;
   __atomic_store_n (&calls, 0, __ATOMIC_SEQ_CST);
   __atomic_store_n (&fired, false, __ATOMIC_SEQ_CST);
   __atomic_store_n (&armed_kind, (int) kind, __ATOMIC_SEQ_CST);
}

long
faults_disarm (void)
{
   __atomic_store_n (&armed_kind, FAULT_N_KINDS, __ATOMIC_SEQ_CST);
   return __atomic_load_n (&calls, __ATOMIC_SEQ_CST);
}

bool
faults_fired (void)
{
   return __atomic_load_n (&fired, __ATOMIC_SEQ_CST);
}

const char *
faults_kind_name (fault_kind_t kind)
{
   static const char *const names[] = {"allocation", "write", "sync", "short read"};

   return kind < FAULT_N_KINDS ? names[kind] : "none";
}

/* Counts a call of kind; true if it must fail. */
static bool
should_fail (fault_kind_t kind)
{
   long n;

   if (__atomic_load_n (&armed_kind, __ATOMIC_SEQ_CST) != (int) kind) {
      return false;
   }
   n = __atomic_add_fetch (&calls, 1, __ATOMIC_SEQ_CST);
   if (armed_nth > 0 && (n == armed_nth || (armed_lasting && n > armed_nth))) {
      __atomic_store_n (&fired, true, __ATOMIC_SEQ_CST);
      return true;
   }
   return false;
}

/* ---- the allocator ------------------------------------------------------ */

static void *
fault_malloc (int size)
{
   return should_fail (FAULT_ALLOC) ? NULL : real_mem.xMalloc (size);
}

static void *
fault_realloc (void *p, int size)
{
   return should_fail (FAULT_ALLOC) ? NULL : real_mem.xRealloc (p, size);
}

/* ---- the VFS: a file is ours followed by the real one ------------------- */

typedef struct {
   sqlite3_file base;
   sqlite3_file *real;
} fault_file_t;

#define REAL(f) (((fault_file_t *) (f))->real)

static int
f_close (sqlite3_file *f)
{
   return REAL (f)->pMethods->xClose (REAL (f));
}

static int
f_read (sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
   int half = amt / 2;
   int rc;

   if (!should_fail (FAULT_SHORT_READ)) {
      return REAL (f)->pMethods->xRead (REAL (f), buf, amt, off);
   }
   rc = half ? REAL (f)->pMethods->xRead (REAL (f), buf, half, off) : SQLITE_OK;
   if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ) {
      return rc;
   }
   memset ((char *) buf + half, 0, (size_t) (amt - half));
   return SQLITE_IOERR_SHORT_READ;
}

static int
f_write (sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
   if (should_fail (FAULT_WRITE)) {
      return SQLITE_IOERR_WRITE;
   }
   return REAL (f)->pMethods->xWrite (REAL (f), buf, amt, off);
}

static int
f_truncate (sqlite3_file *f, sqlite3_int64 size)
{
   return REAL (f)->pMethods->xTruncate (REAL (f), size);
}

static int
f_sync (sqlite3_file *f, int flags)
{
   if (should_fail (FAULT_SYNC)) {
      return SQLITE_IOERR_FSYNC;
   }
   return REAL (f)->pMethods->xSync (REAL (f), flags);
}

static int
f_file_size (sqlite3_file *f, sqlite3_int64 *size)
{
   return REAL (f)->pMethods->xFileSize (REAL (f), size);
}

static int
f_lock (sqlite3_file *f, int level)
{
   return REAL (f)->pMethods->xLock (REAL (f), level);
}

static int
f_unlock (sqlite3_file *f, int level)
{
   return REAL (f)->pMethods->xUnlock (REAL (f), level);
}

static int
f_check_reserved (sqlite3_file *f, int *out)
{
   return REAL (f)->pMethods->xCheckReservedLock (REAL (f), out);
}

static int
f_control (sqlite3_file *f, int op, void *arg)
{
   return REAL (f)->pMethods->xFileControl (REAL (f), op, arg);
}

static int
f_sector_size (sqlite3_file *f)
{
   return REAL (f)->pMethods->xSectorSize (REAL (f));
}

static int
f_device_chars (sqlite3_file *f)
{
   return REAL (f)->pMethods->xDeviceCharacteristics (REAL (f));
}

static int
f_shm_map (sqlite3_file *f, int page, int size, int extend, void volatile **out)
{
   return REAL (f)->pMethods->xShmMap (REAL (f), page, size, extend, out);
}

static int
f_shm_lock (sqlite3_file *f, int offset, int n, int flags)
{
   return REAL (f)->pMethods->xShmLock (REAL (f), offset, n, flags);
}

static void
f_shm_barrier (sqlite3_file *f)
{
   REAL (f)->pMethods->xShmBarrier (REAL (f));
}

static int
f_shm_unmap (sqlite3_file *f, int delete_flag)
{
   return REAL (f)->pMethods->xShmUnmap (REAL (f), delete_flag);
}

static int
f_fetch (sqlite3_file *f, sqlite3_int64 off, int amt, void **out)
{
   return REAL (f)->pMethods->xFetch (REAL (f), off, amt, out);
}

static int
f_unfetch (sqlite3_file *f, sqlite3_int64 off, void *p)
{
   return REAL (f)->pMethods->xUnfetch (REAL (f), off, p);
}

/* Version 3, as the unix VFS's files are (checked at open). */
static const sqlite3_io_methods fault_io = {
   3,          f_close,       f_read,           f_write,   f_truncate,    f_sync,         f_file_size,
   f_lock,     f_unlock,      f_check_reserved, f_control, f_sector_size, f_device_chars, f_shm_map,
   f_shm_lock, f_shm_barrier, f_shm_unmap,      f_fetch,   f_unfetch,
};

static int
f_open (sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
   fault_file_t *ff = (fault_file_t *) f;
   int rc;

   (void) vfs;
   ff->real = (sqlite3_file *) (ff + 1);
   rc = real_vfs->xOpen (real_vfs, name, ff->real, flags, out_flags);
   if (ff->real->pMethods && ff->real->pMethods->iVersion < 3) {
      ff->real->pMethods->xClose (ff->real);
      ff->real->pMethods = NULL;
      rc = SQLITE_CANTOPEN;
   }
   ff->base.pMethods = ff->real->pMethods ? &fault_io : NULL;
   return rc;
}

bool
faults_install (void)
{
   if (sqlite3_config (SQLITE_CONFIG_GETMALLOC, &real_mem) != SQLITE_OK) {
      return false;
   }
   {
      sqlite3_mem_methods mine = real_mem;

      mine.xMalloc = fault_malloc;
      mine.xRealloc = fault_realloc;
      if (sqlite3_config (SQLITE_CONFIG_MALLOC, &mine) != SQLITE_OK) {
         return false;
      }
   }
   real_vfs = sqlite3_vfs_find (NULL); /* initializes SQLite */
   if (!real_vfs) {
      return false;
   }
   fault_vfs = *real_vfs; /* keeps pAppData for the methods we do not wrap */
   fault_vfs.zName = "docrel-faults";
   fault_vfs.pNext = NULL;
   fault_vfs.szOsFile = (int) sizeof (fault_file_t) + real_vfs->szOsFile;
   fault_vfs.xOpen = f_open;
   return sqlite3_vfs_register (&fault_vfs, 1) == SQLITE_OK;
}
