/* SPDX-License-Identifier: Apache-2.0 */
/* lookup.c: key lookups on the embedded backend (docrel_key_lookup_t, what
 * a join sends), bound to one statement whatever the number of keys, so
 * that the statement cache always holds it and a join compiles no filter
 * and formats no SQL per call. Two things are registered on every
 * connection:
 *
 *   docrel_keys(?)               an eponymous table-valued function: one row
 *       per keycode of the lookup bound to ? (sqlite3_bind_pointer, type
 *       DOCREL_SQLITE_LOOKUP_PTR), column "value". Joined first (CROSS
 *       JOIN), it drives one index search per key.
 *
 * and functions.c's docrel_lookup_match(doc, ?), 1 if doc matches {path:
 * {$in: values}}: for the rows whose index key is the array marker, and
 * for lookups no index answers. Its filter is compiled the first time a row
 * needs it (docrel_sqlite__lookup_filter), which a join on scalar keys
 * never does. */
#include <string.h>

#include "util/util-private.h"
#include "bsonx/bsonx-private.h"
#include "query/query-private.h"
#include "store/sqlite/sqlite-private.h"

struct _docrel_sqlite_lookup_t {
   const docrel_key_lookup_t *spec;
   docrel_buf_t codes; /* the values' keycodes, back to back */
   size_t *ends;       /* end offset of each in codes */
   size_t n;
   bool exact;              /* every value a docrel_sqlite__lookup_value */
   docrel_filter_t *filter; /* compiled on first use */
   bool failed;             /* compiling it failed (out of memory) */
};

docrel_sqlite_lookup_t *
docrel_sqlite__lookup_new (const docrel_key_lookup_t *spec)
{
   docrel_sqlite_lookup_t *l = bson_malloc0 (sizeof *l);

   l->spec = spec;
   l->exact = true;
   l->ends = bson_malloc ((spec->n + 1) * sizeof *l->ends);
   for (size_t i = 0; i < spec->n; i++) {
      docrel_keycode__append (&l->codes, &spec->values[i]);
      l->ends[l->n++] = l->codes.len;
      l->exact = l->exact && docrel_sqlite__lookup_value (&spec->values[i]);
   }
   return l;
}

void
docrel_sqlite__lookup_destroy (docrel_sqlite_lookup_t *lookup)
{
   if (lookup) {
      docrel_filter__destroy (lookup->filter);
      docrel_buf__destroy (&lookup->codes);
      bson_free (lookup->ends);
      bson_free (lookup);
   }
}

const char *
docrel_sqlite__lookup_path (const docrel_sqlite_lookup_t *lookup)
{
   return lookup->spec->path;
}

bool
docrel_sqlite__lookup_exact (const docrel_sqlite_lookup_t *lookup)
{
   return lookup->exact;
}

const docrel_filter_t *
docrel_sqlite__lookup_filter (docrel_sqlite_lookup_t *l)
{
   if (!l->filter && !l->failed) {
      bson_t spec = BSON_INITIALIZER;

      docrel_filter__append_in (&spec, l->spec->path, l->spec->values, l->spec->n);
      l->filter = docrel_filter__new (&spec, NULL);
      l->failed = !l->filter;
      bson_destroy (&spec);
   }
   return l->filter;
}

/* The docrel_keys table-valued function --------------------------------------- */

enum { KEYS_VALUE, KEYS_LOOKUP };

typedef struct {
   sqlite3_vtab_cursor base; /* first, as SQLite expects */
   const docrel_sqlite_lookup_t *lookup;
   size_t i;
} keys_cursor_t;

static int
keys_connect (sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out, char **err)
{
   int rc = sqlite3_declare_vtab (db, "CREATE TABLE x(value BLOB, lookup HIDDEN)");

   if (rc == SQLITE_OK) {
      rc = sqlite3_vtab_config (db, SQLITE_VTAB_DIRECTONLY); /* our statements only */
   }
   BSON_UNUSED (aux);
   BSON_UNUSED (argc);
   BSON_UNUSED (argv);
   BSON_UNUSED (err);
   *out = NULL;
   if (rc == SQLITE_OK) {
      *out = sqlite3_malloc (sizeof **out);
      if (!*out) {
         return SQLITE_NOMEM;
      }
      memset (*out, 0, sizeof **out);
   }
   return rc;
}

static int
keys_disconnect (sqlite3_vtab *vtab)
{
   sqlite3_free (vtab);
   return SQLITE_OK;
}

/* Only a plan with lookup = ? is usable: the rows come from the lookup. */
static int
keys_best_index (sqlite3_vtab *vtab, sqlite3_index_info *info)
{
   BSON_UNUSED (vtab);
   for (int i = 0; i < info->nConstraint; i++) {
      const struct sqlite3_index_constraint *c = &info->aConstraint[i];

      if (c->iColumn == KEYS_LOOKUP && c->op == SQLITE_INDEX_CONSTRAINT_EQ && c->usable) {
         info->aConstraintUsage[i].argvIndex = 1;
         info->aConstraintUsage[i].omit = 1;
         info->estimatedCost = 10.0;
         info->estimatedRows = 10;
         return SQLITE_OK;
      }
   }
   return SQLITE_CONSTRAINT;
}

static int
keys_open (sqlite3_vtab *vtab, sqlite3_vtab_cursor **out)
{
   keys_cursor_t *c = sqlite3_malloc (sizeof *c);

   BSON_UNUSED (vtab);
   if (!c) {
      return SQLITE_NOMEM;
   }
   memset (c, 0, sizeof *c);
   *out = &c->base;
   return SQLITE_OK;
}

static int
keys_close (sqlite3_vtab_cursor *cursor)
{
   sqlite3_free (cursor);
   return SQLITE_OK;
}

static int
keys_filter (sqlite3_vtab_cursor *cursor, int idx, const char *idx_str, int argc, sqlite3_value **argv)
{
   keys_cursor_t *c = (keys_cursor_t *) cursor;

   BSON_UNUSED (idx);
   BSON_UNUSED (idx_str);
   c->lookup = argc > 0 ? sqlite3_value_pointer (argv[0], DOCREL_SQLITE_LOOKUP_PTR) : NULL;
   c->i = 0;
   return SQLITE_OK;
}

static int
keys_next (sqlite3_vtab_cursor *cursor)
{
   ((keys_cursor_t *) cursor)->i++;
   return SQLITE_OK;
}

static int
keys_eof (sqlite3_vtab_cursor *cursor)
{
   const keys_cursor_t *c = (const keys_cursor_t *) cursor;

   return !c->lookup || c->i >= c->lookup->n;
}

static int
keys_column (sqlite3_vtab_cursor *cursor, sqlite3_context *ctx, int column)
{
   const keys_cursor_t *c = (const keys_cursor_t *) cursor;
   size_t start = c->i ? c->lookup->ends[c->i - 1] : 0;

   if (column == KEYS_VALUE) {
      /* the lookup outlives the statement's run (its owner says so) */
      sqlite3_result_blob (ctx, c->lookup->codes.data + start, (int) (c->lookup->ends[c->i] - start), SQLITE_STATIC);
   } else {
      sqlite3_result_null (ctx);
   }
   return SQLITE_OK;
}

static int
keys_rowid (sqlite3_vtab_cursor *cursor, sqlite3_int64 *rowid)
{
   *rowid = (sqlite3_int64) ((const keys_cursor_t *) cursor)->i;
   return SQLITE_OK;
}

/* xCreate NULL: eponymous only, never a table in a schema. */
static const sqlite3_module keys_module = {
   .iVersion = 0,
   .xConnect = keys_connect,
   .xBestIndex = keys_best_index,
   .xDisconnect = keys_disconnect,
   .xOpen = keys_open,
   .xClose = keys_close,
   .xFilter = keys_filter,
   .xNext = keys_next,
   .xEof = keys_eof,
   .xColumn = keys_column,
   .xRowid = keys_rowid,
};

int
docrel_sqlite__register_lookups (sqlite3 *db)
{
   return sqlite3_create_module (db, "docrel_keys", &keys_module, NULL);
}
