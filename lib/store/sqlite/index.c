/* SPDX-License-Identifier: Apache-2.0 */
/* index.c: the embedded store's indexes: creating one (ensure_index), and
 * reading back the ones a file holds.
 *
 * An index is a plain index over the key columns of its paths (columns.c;
 * id for _id), named as layout.c says; creating it first gives its paths
 * their columns. The schema keeps the CREATE INDEX text as docrel wrote it,
 * which is how an existing index is compared with a declared one and how
 * its paths are read back (from the column names; an index of layouts 1
 * and 2, over docrel_index_key(doc, '<path>'), reads back too, for the
 * upgrade).
 *
 * Several stores (connections) may declare the same index on one file at
 * the same moment. An index found in the schema is compared and that is
 * all; a missing one is looked for again and created in one write
 * transaction (BEGIN IMMEDIATE, which waits for the others' within the busy
 * timeout), so whoever comes second finds the first one's index and
 * compares it, rather than failing to create it again. */
#include <string.h>
#include <strings.h>

#include "util/util-private.h"
#include "store/sqlite/sqlite-private.h"

void
docrel_sqlite__index_clear (docrel_sqlite_index_t *index)
{
   for (size_t i = 0; i < index->n_paths; i++) {
      bson_free (index->paths[i]);
   }
   bson_free (index->paths);
   bson_free (index->directions);
   bson_free (index->name);
   bson_free (index->sql_name);
   memset (index, 0, sizeof *index);
}

/* Reads a quoted identifier at *p (past its opening quote) into out. */
static bool
read_quoted (const char **p, docrel_buf_t *out, char quote)
{
   for (const char *q = *p; *q; q++) {
      if (*q == quote && q[1] == quote) {
         docrel_buf__append_byte (out, (uint8_t) quote);
         q++;
      } else if (*q == quote) {
         docrel_buf__append_byte (out, '\0');
         *p = q + 1;
         return true;
      } else {
         docrel_buf__append_byte (out, (uint8_t) *q);
      }
   }
   return false; /* unterminated */
}

/* Reads one key term at *p: id, "key:<path>" or docrel_index_key(doc,
 * '<path>'), then an optional DESC. The path (bson_malloc'd) or NULL. */
static char *
read_term (const char **p, int *direction)
{
   static const char expr[] = "docrel_index_key(doc, '";
   docrel_buf_t name = DOCREL_BUF_INIT;
   char *path = NULL;

   if (strncmp (*p, "id", 2) == 0 && ((*p)[2] == ',' || (*p)[2] == ')' || (*p)[2] == ' ')) {
      path = bson_strdup ("_id");
      *p += 2;
   } else if (**p == '"' && (*p)++ && read_quoted (p, &name, '"')) {
      path = docrel_sqlite__column_path ((const char *) name.data);
   } else if (strncmp (*p, expr, sizeof expr - 1) == 0 && (*p += sizeof expr - 1) && read_quoted (p, &name, '\'') &&
              **p == ')') {
      path = bson_strdup ((const char *) name.data);
      (*p)++;
   }
   docrel_buf__destroy (&name);
   *direction = strncmp (*p, " DESC", 5) == 0 ? -1 : 1;
   *p += *direction < 0 ? 5 : 0;
   return path;
}

/* Reads the head of an index definition, CREATE [UNIQUE ]INDEX "<name>" ON
 * "<table>" (, into index (unique, sql_name) and leaves *p past it. */
static bool
read_head (const char **p, docrel_sqlite_index_t *index)
{
   docrel_buf_t name = DOCREL_BUF_INIT, table = DOCREL_BUF_INIT;
   bool ok;

   index->unique = strncmp (*p, "CREATE UNIQUE INDEX \"", 21) == 0;
   if (!index->unique && strncmp (*p, "CREATE INDEX \"", 14) != 0) {
      return false;
   }
   *p += index->unique ? 21 : 14;
   ok = read_quoted (p, &name, '"') && strncmp (*p, " ON \"", 5) == 0 && (*p += 5) && read_quoted (p, &table, '"') &&
        strncmp (*p, " (", 2) == 0;
   if (ok) {
      index->sql_name = (char *) name.data; /* bson_malloc'd, NUL-terminated */
      *p += 2;
   } else {
      docrel_buf__destroy (&name);
   }
   docrel_buf__destroy (&table);
   return ok;
}

bool
docrel_sqlite__index_parse (const char *sql, docrel_sqlite_index_t *index)
{
   const char *p = sql;

   memset (index, 0, sizeof *index);
   if (!read_head (&p, index)) {
      return false;
   }
   for (;;) {
      int direction;
      char *path = read_term (&p, &direction);

      if (!path) {
         break;
      }
      index->paths = bson_realloc (index->paths, (index->n_paths + 1) * sizeof *index->paths);
      index->directions = bson_realloc (index->directions, (index->n_paths + 1) * sizeof *index->directions);
      index->paths[index->n_paths] = path;
      index->directions[index->n_paths++] = direction;
      if (strcmp (p, ")") == 0) {
         return true;
      }
      if (strncmp (p, ", ", 2) != 0) {
         break;
      }
      p += 2;
   }
   docrel_sqlite__index_clear (index);
   return false; /* not one of ours */
}

void
docrel_sqlite__coll_add_index (docrel_sqlite_coll_t *coll, const char *sql_name, const char *sql)
{
   docrel_sqlite_index_t index = {0};
   char *name;

   if (docrel_sqlite__coll_index (coll, sql_name)) {
      return; /* known */
   }
   name = docrel_sqlite__index_of (coll->table, sql_name);
   if (!name) {
      return; /* not named as ours */
   }
   if (!docrel_sqlite__index_parse (sql, &index)) {
      bson_free (name);
      return; /* not one of ours: never used for narrowing */
   }
   index.name = name; /* index_parse read sql_name */
   coll->indexes = bson_realloc (coll->indexes, (coll->n_indexes + 1) * sizeof *coll->indexes);
   coll->indexes[coll->n_indexes++] = index;
}

const docrel_sqlite_index_t *
docrel_sqlite__coll_index (const docrel_sqlite_coll_t *coll, const char *sql_name)
{
   for (size_t i = 0; i < coll->n_indexes; i++) {
      if (strcasecmp (coll->indexes[i].sql_name, sql_name) == 0) {
         return &coll->indexes[i];
      }
   }
   return NULL;
}

char *
docrel_sqlite__index_sql (const docrel_sqlite_index_t *index, const char *table, const char *sql_name)
{
   sqlite3_str *s = sqlite3_str_new (NULL);

   sqlite3_str_appendf (s, "CREATE %sINDEX \"%w\" ON \"%w\" (", index->unique ? "UNIQUE " : "", sql_name, table);
   for (size_t i = 0; i < index->n_paths; i++) {
      const char *desc = index->directions && index->directions[i] < 0 ? " DESC" : "";
      char *column;

      sqlite3_str_appendall (s, i ? ", " : "");
      if (strcmp (index->paths[i], "_id") == 0) {
         sqlite3_str_appendf (s, "id%s", desc);
         continue;
      }
      column = docrel_sqlite__column_name (index->paths[i]);
      sqlite3_str_appendf (s, "\"%w\"%s", column, desc);
      bson_free (column);
   }
   sqlite3_str_appendall (s, ")");
   return docrel_sqlite__str_finish (s);
}

/* The CREATE INDEX statement of spec on table (sqlite3_malloc'd, NULL on
 * OOM). The schema keeps this exact text, which is how an existing index is
 * compared. */
static char *
index_sql (const docrel_index_spec_t *spec, const char *table, const char *sql_name)
{
   docrel_sqlite_index_t index = {
      .paths = (char **) spec->paths,
      .directions = (int *) spec->directions,
      .n_paths = spec->n_keys,
      .unique = spec->unique,
   };

   return docrel_sqlite__index_sql (&index, table, sql_name);
}

/* After CREATE UNIQUE INDEX failed on duplicates: finds a document whose key
 * occurs twice, for the error message. */
static bool
unique_build_error (docrel_backend_t *b,
                    const docrel_index_spec_t *spec,
                    docrel_sqlite_coll_t *coll,
                    bson_error_t *error)
{
   docrel_sqlite_index_t index = {0};
   sqlite3_str *s = sqlite3_str_new (NULL);
   sqlite3_stmt *stmt = NULL;
   char *sql;
   bson_t doc;

   sqlite3_str_appendf (s, "SELECT doc FROM \"%w\" GROUP BY ", coll->table);
   for (size_t i = 0; i < spec->n_keys; i++) {
      char *expr = docrel_sqlite__key_expr (coll, spec->paths[i]);
      sqlite3_str_appendf (s, "%s%s", i ? ", " : "", expr ? expr : "NULL");
      sqlite3_free (expr);
   }
   sqlite3_str_appendall (s, " HAVING count(*) > 1 LIMIT 1");
   sql = sqlite3_str_finish (s);
   stmt = docrel_sqlite__prepare (b, sql, 0, "finding duplicate keys", error);
   sqlite3_free (sql);
   if (stmt && sqlite3_step (stmt) == SQLITE_ROW &&
       bson_init_static (&doc, sqlite3_column_blob (stmt, 0), (size_t) sqlite3_column_bytes (stmt, 0))) {
      index.name = (char *) spec->name;
      index.paths = (char **) spec->paths;
      index.n_paths = spec->n_keys;
      docrel_sqlite__duplicate_error (coll, &index, &doc, " (building a unique index)", error);
   } else {
      docrel_error__set (error, DOCREL_ERROR_STORE, DOCREL_ERROR_DUPLICATE_KEY,
                         "duplicate key in collection '%s' index '%s' (building a unique index)", coll->name,
                         spec->name);
   }
   sqlite3_finalize (stmt);
   return false;
}

/* Whether the index named sql_name exists: 1 as sql defines it, 0 not at
 * all, -1 with error set (another definition, or a failure). */
static int
existing_index (docrel_backend_t *b,
                const docrel_index_spec_t *spec,
                const docrel_sqlite_coll_t *coll,
                const char *sql_name,
                const char *sql,
                bson_error_t *error)
{
   sqlite3_stmt *stmt =
      docrel_sqlite__prepare (b, "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1 COLLATE NOCASE", 0,
                              "reading the schema", error);
   int found = -1;
   int rc;

   if (!stmt) {
      return -1;
   }
   sqlite3_bind_text (stmt, 1, sql_name, -1, SQLITE_STATIC);
   rc = sqlite3_step (stmt);
   if (rc == SQLITE_ROW) {
      const char *existing = (const char *) sqlite3_column_text (stmt, 0);

      if (existing && strcmp (existing, sql) == 0) {
         found = 1;
      } else {
         docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_DUPLICATE_NAME,
                            "index '%s' of collection '%s' already exists with other keys or options", spec->name,
                            coll->name);
      }
   } else if (rc == SQLITE_DONE) {
      found = 0;
   } else {
      docrel_sqlite__fail (b, rc, error, "reading the schema");
   }
   sqlite3_finalize (stmt);
   return found;
}

/* Inside a write: looks again (another store may have made it since) and
 * creates the index if it is still missing. */
static bool
create_index (docrel_backend_t *b,
              const docrel_index_spec_t *spec,
              docrel_sqlite_coll_t *coll,
              const char *sql_name,
              const char *sql,
              bson_error_t *error)
{
   int found = existing_index (b, spec, coll, sql_name, sql, error);
   int rc;

   if (found != 0) {
      return found == 1;
   }
   if (!docrel_sqlite__add_columns (b, coll, spec->paths, spec->n_keys, error)) {
      return false;
   }
   if (sqlite3_exec (b->db, sql, NULL, NULL, NULL) == SQLITE_OK) {
      docrel_sqlite__schema_changed (b); /* readers learn of it at commit */
      return true;
   }
   rc = sqlite3_extended_errcode (b->db);
   if (spec->unique && rc == SQLITE_CONSTRAINT_UNIQUE) {
      return unique_build_error (b, spec, coll, error);
   }
   return docrel_sqlite__fail (b, rc, error, "creating index '%s' on collection '%s'", spec->name, coll->name);
}

bool
docrel_sqlite__ensure_index (docrel_backend_t *b, const docrel_index_spec_t *spec, bson_error_t *error)
{
   docrel_sqlite_coll_t *coll;
   char *sql_name = NULL;
   char *sql = NULL;
   bool own = false;
   bool ok = false;
   int found;

   if (!docrel_sqlite__enter (b, error)) {
      return false;
   }
   coll = docrel_sqlite__coll (b, spec->collection, true, error);
   if (!coll) {
      goto done;
   }
   if (spec->n_keys == 1 && strcmp (spec->paths[0], "_id") == 0) {
      ok = true; /* the primary key is this index */
      goto done;
   }
   sql_name = docrel_sqlite__index_name (spec->collection, spec->name);
   sql = index_sql (spec, coll->table, sql_name);
   if (!sql) {
      docrel_sqlite__fail (b, SQLITE_NOMEM, error, "creating index '%s'", spec->name);
      goto done;
   }
   /* Most of the time it is there: no write lock for that. */
   found = existing_index (b, spec, coll, sql_name, sql, error);
   if (found == 0 && docrel_sqlite__write_begin (b, &own, error)) {
      found = docrel_sqlite__write_end (b, own, create_index (b, spec, coll, sql_name, sql, error), error) ? 1 : -1;
   }
   ok = found == 1;
   if (ok) {
      docrel_sqlite__coll_add_index (coll, sql_name, sql);
   }
done:
   sqlite3_free (sql);
   bson_free (sql_name);
   pthread_mutex_unlock (&b->mutex);
   return ok;
}
