/* SPDX-License-Identifier: Apache-2.0 */
/* check_layout.c: names that SQLite would confuse and MongoDB keeps apart
 * (collections differing only in case, index names that join alike), on
 * every store; and, on the embedded store's files, the layout a file says
 * it has (a file of layout 1 or 2, as docrel 0.1 wrote it in tests/data,
 * is upgraded when opened, one of a newer layout refused) and its key
 * columns (read and checked without docrel's functions, added to a
 * collection that has documents, met by a store whose idea of them is
 * stale).
 *
 * The file tests read and write files with raw SQL through the SQLite
 * library docrel is linked with, found by dlsym on the process's global
 * symbols (the suite has no link of its own to sqlite3). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

/* ---- helpers ---------------------------------------------------------- */

static void
add_index (docrel_model_t *model, const char *keys_json, const char *opts_json)
{
   bson_t *keys = fixture_json (keys_json);
   bson_t *opts = opts_json ? fixture_json (opts_json) : NULL;
   bson_error_t error;

   ASSERT_OK (docrel_model_add_index (model, keys, opts, &error), error);
   bson_destroy (keys);
   if (opts) {
      bson_destroy (opts);
   }
}

/* Saves json as a new document of model; returns whether that worked, with
 * error set if not. */
static bool
try_save (docrel_store_t *store, docrel_model_t *model, const char *json, bson_error_t *error)
{
   docrel_session_t *session = docrel_session_new (store);
   docrel_doc_t *doc = fixture_new_doc (session, model, json);
   bool ok = docrel_save (doc, error);

   docrel_session_destroy (session);
   return ok;
}

/* The value of string field path of every document of model matching
 * filter_json, in _id order, joined by ','. */
static void
values_of (docrel_store_t *store,
           docrel_model_t *model,
           const char *filter_json,
           const char *path,
           char *out,
           size_t size)
{
   docrel_session_t *session = docrel_session_new (store);
   bson_t *filter = fixture_json (filter_json);
   bson_t *opts = fixture_json ("{\"sort\": {\"_id\": 1}}");
   docrel_doc_t **docs = NULL;
   bson_error_t error;
   size_t n = 0;

   ASSERT_OK (docrel_find_all (session, model, filter, opts, &docs, &n, &error), error);
   out[0] = '\0';
   for (size_t i = 0; i < n; i++) {
      const char *v = docrel_doc_get_utf8 (docs[i], path);

      snprintf (out + strlen (out), size - strlen (out), "%s%s", i ? "," : "", v ? v : "?");
   }
   bson_free (docs);
   bson_destroy (filter);
   bson_destroy (opts);
   docrel_session_destroy (session);
}

/* ---- names SQLite would confuse ------------------------------------------ */

START_TEST (models_whose_names_differ_only_in_case_keep_their_documents_apart)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *upper = fixture_keyed_model (store, "Post");
   docrel_model_t *lower = fixture_keyed_model (store, "post");
   bson_error_t error;
   char got[256];

   ASSERT_OK (try_save (store, upper, "{\"_id\": 1, \"t\": \"Post one\"}", &error), error);
   ASSERT_OK (try_save (store, lower, "{\"_id\": 2, \"t\": \"post two\"}", &error), error);
   /* The same _id in both is no duplicate: they are two collections. */
   ASSERT_OK (try_save (store, lower, "{\"_id\": 1, \"t\": \"post one\"}", &error), error);

   values_of (store, lower, "{}", "t", got, sizeof got);
   ck_assert_str_eq (got, "post one,post two");
   values_of (store, upper, "{}", "t", got, sizeof got);
   ck_assert_str_eq (got, "Post one");
   ck_assert_int_eq (fixture_count_all (store, upper), 1);

   store = fixture_store_reopen (store);
   if (store) {
      lower = fixture_keyed_model (store, "post");
      upper = fixture_keyed_model (store, "Post");
      values_of (store, lower, "{}", "t", got, sizeof got);
      ck_assert_str_eq (got, "post one,post two");
      ck_assert_int_eq (fixture_count_all (store, upper), 1);
   }
   fixture_store_close (store);
}
END_TEST

/* Collection "K" with index "x__y" and collection "K__x" with index "y"
 * were one SQLite index name, "K__x__y". */
static void
declare_joining_indexes (docrel_store_t *store, docrel_model_t **k, docrel_model_t **kx)
{
   *k = fixture_keyed_model (store, "K");
   *kx = fixture_keyed_model (store, "K__x");
   add_index (*k, "{\"a\": 1}", "{\"name\": \"x__y\", \"unique\": true}");
   add_index (*kx, "{\"b\": 1}", "{\"name\": \"y\", \"unique\": true}");
   /* Capitals and '$' in an index name come back as they were. */
   add_index (*kx, "{\"c\": 1}", "{\"name\": \"By$C\", \"unique\": true}");
}

static void
check_joining_indexes (docrel_store_t *store, docrel_model_t *k, docrel_model_t *kx)
{
   bson_error_t error;

   ASSERT_OK (try_save (store, k, "{\"_id\": 1, \"a\": 1, \"b\": 1, \"c\": 1}", &error), error);
   ASSERT_OK (try_save (store, kx, "{\"_id\": 1, \"a\": 1, \"b\": 1, \"c\": 1}", &error), error);
   ASSERT_OK (try_save (store, k, "{\"_id\": 2, \"a\": 2, \"b\": 1, \"c\": 1}", &error), error);

   ck_assert (!try_save (store, k, "{\"_id\": 3, \"a\": 1}", &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_DUPLICATE_KEY);
   ASSERT_MENTIONS (error, "collection 'K' index 'x__y'");
   ck_assert (!try_save (store, kx, "{\"_id\": 3, \"b\": 1, \"c\": 3}", &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_DUPLICATE_KEY);
   ASSERT_MENTIONS (error, "collection 'K__x' index 'y'");
   ck_assert (!try_save (store, kx, "{\"_id\": 4, \"b\": 4, \"c\": 1}", &error));
   ASSERT_MENTIONS (error, "collection 'K__x' index 'By$C'");
}

START_TEST (index_names_that_join_alike_stay_two_indexes)
{
   docrel_store_t *store = fixture_store_open ();
   docrel_model_t *k, *kx;
   bson_error_t error;

   declare_joining_indexes (store, &k, &kx);
   check_joining_indexes (store, k, kx);
   store = fixture_store_reopen (store);
   if (store) {
      declare_joining_indexes (store, &k, &kx);
      ck_assert (!try_save (store, kx, "{\"_id\": 5, \"b\": 5, \"c\": 1}", &error));
      ASSERT_MENTIONS (error, "collection 'K__x' index 'By$C'");
   }
   fixture_store_close (store);
}
END_TEST

/* ---- layouts of a file -------------------------------------------------- */

typedef struct sqlite3 sqlite3;
typedef int (*row_fn) (void *, int, char **, char **);

static struct {
   int (*open) (const char *, sqlite3 **);
   int (*exec) (sqlite3 *, const char *, row_fn, void *, char **);
   int (*close) (sqlite3 *);
   void (*free) (void *);
} raw;

static void
find_sqlite (void)
{
   void *self = dlopen (NULL, RTLD_NOW);

   ck_assert_msg (self != NULL, "dlopen: %s", dlerror ());
   *(void **) &raw.open = dlsym (self, "sqlite3_open");
   *(void **) &raw.exec = dlsym (self, "sqlite3_exec");
   *(void **) &raw.close = dlsym (self, "sqlite3_close");
   *(void **) &raw.free = dlsym (self, "sqlite3_free");
   ck_assert_msg (raw.open && raw.exec && raw.close && raw.free, "SQLite is not among the process's symbols");
}

/* Appends each row's first column to the buffer ctx, each followed by ' '. */
static int
append_row (void *ctx, int n, char **values, char **names)
{
   char *out = ctx;

   (void) names;
   if (n > 0 && values[0]) {
      strncat (out, values[0], 1023 - strlen (out));
      strncat (out, " ", 1023 - strlen (out));
   }
   return 0;
}

/* Runs sql on the file at path; out (1024 bytes, may be NULL) gets the
 * first column of its rows. */
static void
raw_sql (const char *path, const char *sql, char *out)
{
   sqlite3 *db = NULL;
   char *msg = NULL;
   int rc;

   find_sqlite ();
   if (out) {
      out[0] = '\0';
   }
   ck_assert_int_eq (raw.open (path, &db), 0);
   rc = raw.exec (db, sql, out ? append_row : NULL, out, &msg);
   ck_assert_msg (rc == 0, "%s: %s", sql, msg ? msg : "?");
   raw.free (msg);
   raw.close (db);
}

/* A fresh file and its URI (path 1024 bytes, uri 1200). */
static void
temp_db (char *path, char *uri)
{
   fixture_temp_sqlite ("layout", path, 1024, uri, 1200);
}

/* Author (a unique index on email), tag (an index on name) and post (an
 * index on authorId and at, descending): tests/data/layout-2.db holds them,
 * as docrel wrote them with layout 2 (two authors, two tags, three posts). */
static void
declare_shop (docrel_store_t *store, docrel_model_t **author, docrel_model_t **tag, docrel_model_t **post)
{
   *author = fixture_keyed_model (store, "Author");
   *tag = fixture_keyed_model (store, "tag");
   *post = fixture_keyed_model (store, "post");
   add_index (*author, "{\"email\": 1}", "{\"unique\": true}");
   add_index (*tag, "{\"name\": 1}", NULL);
   add_index (*post, "{\"authorId\": 1, \"at\": -1}", NULL);
}

/* Copies the file of layout 2 that docrel 0.1 wrote to path. */
static void
copy_layout_2 (const char *path)
{
   FILE *in = fopen (DOCREL_TEST_DATA_DIR "/layout-2.db", "rb");
   FILE *out = fopen (path, "wb");
   char buf[4096];
   size_t n;

   ck_assert_msg (in && out, "copying %s/layout-2.db to %s", DOCREL_TEST_DATA_DIR, path);
   while ((n = fread (buf, 1, sizeof buf, in)) > 0) {
      ck_assert_uint_eq (fwrite (buf, 1, n, out), n);
   }
   fclose (in);
   ck_assert_int_eq (fclose (out), 0);
}

/* The same file as docrel 0.1 left it with layout 1: the old names. */
static void
copy_layout_1 (const char *path)
{
   copy_layout_2 (path);
   raw_sql (path,
            "PRAGMA writable_schema = ON;"
            "UPDATE sqlite_master SET name = 'Author__email_1',"
            "  sql = replace (sql, '\"$author$_email_1\"', '\"Author__email_1\"') WHERE name = '$author$_email_1';"
            "UPDATE sqlite_master SET name = 'tag__name_1',"
            "  sql = replace (sql, '\"tag$_name_1\"', '\"tag__name_1\"') WHERE name = 'tag$_name_1';"
            "UPDATE sqlite_master SET name = 'post__authorId_1_at_-1',"
            "  sql = replace (sql, '\"post$_author$id_1_at_-1\"', '\"post__authorId_1_at_-1\"')"
            "  WHERE name = 'post$_author$id_1_at_-1';"
            "UPDATE sqlite_master SET tbl_name = 'Author', sql = replace (sql, '\"$author\"', '\"Author\"')"
            "  WHERE tbl_name = '$author';"
            "UPDATE sqlite_master SET name = 'Author' WHERE name = '$author';"
            "UPDATE sqlite_master SET name = 'sqlite_autoindex_Author_1' WHERE name = 'sqlite_autoindex_$author_1';"
            "PRAGMA writable_schema = OFF;"
            "PRAGMA user_version = 0;",
            NULL);
}

static const char shop_names[] = "$author $author$_email_1 post post$_author$id_1_at_-1 tag tag$_name_1 ";

/* What an upgraded shop file holds, read without docrel: layout 3, plain
 * indexes over key columns, nothing the sqlite3 shell could not check. */
static void
check_upgraded_file (const char *path)
{
   char out[1024];

   raw_sql (path, "SELECT name FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name", out);
   ck_assert_str_eq (out, shop_names);
   raw_sql (path, "PRAGMA user_version", out);
   ck_assert_str_eq (out, "3 ");
   raw_sql (path, "SELECT count(*) FROM sqlite_master WHERE sql LIKE '%docrel%'", out);
   ck_assert_str_eq (out, "0 ");
   raw_sql (path, "SELECT sql FROM sqlite_master WHERE name = 'post$_author$id_1_at_-1'", out);
   ck_assert_str_eq (out, "CREATE INDEX \"post$_author$id_1_at_-1\" ON \"post\" (\"key:author$id\", \"key:at\" DESC) ");
   raw_sql (path, "SELECT name FROM pragma_table_info('post')", out);
   ck_assert_str_eq (out, "id doc key:author$id key:at ");
   raw_sql (path, "PRAGMA integrity_check", out);
   ck_assert_str_eq (out, "ok ");
}

/* The shop's documents read back through docrel, its indexes at work. */
static void
check_shop (const char *uri)
{
   docrel_store_t *store = fixture_store_open_uri (uri);
   docrel_model_t *author, *tag, *post;
   bson_error_t error;
   char got[256];

   declare_shop (store, &author, &tag, &post);
   values_of (store, author, "{}", "email", got, sizeof got);
   ck_assert_str_eq (got, "ann@example.org,bob@example.org");
   values_of (store, tag, "{\"name\": \"db\"}", "name", got, sizeof got);
   ck_assert_str_eq (got, "db");
   values_of (store, post, "{\"authorId\": 2}", "title", got, sizeof got);
   ck_assert_str_eq (got, "first,third");
   ck_assert (!try_save (store, author, "{\"_id\": 3, \"email\": \"ann@example.org\"}", &error));
   ck_assert_uint_eq (error.code, DOCREL_ERROR_DUPLICATE_KEY);
   ASSERT_MENTIONS (error, "collection 'Author' index 'email_1'");
   ASSERT_OK (try_save (store, post, "{\"_id\": 4, \"authorId\": 2, \"at\": 40, \"title\": \"fourth\"}", &error),
              error);
   values_of (store, post, "{\"authorId\": 2}", "title", got, sizeof got);
   ck_assert_str_eq (got, "first,third,fourth");
   docrel_store_destroy (store);
}

START_TEST (a_file_of_layout_2_is_upgraded_when_opened)
{
   char path[1024], uri[1200];

   temp_db (path, uri);
   copy_layout_2 (path);
   docrel_store_destroy (fixture_store_open_uri (uri));
   check_upgraded_file (path);
   check_shop (uri);
   check_upgraded_file (path); /* opening it again changes nothing */
   fixture_remove_sqlite_files (path);
}
END_TEST

START_TEST (a_file_of_layout_1_is_upgraded_when_opened)
{
   char path[1024], uri[1200], names[1024];

   temp_db (path, uri);
   copy_layout_1 (path);
   raw_sql (path, "SELECT name FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name", names);
   ck_assert_str_eq (names, "Author Author__email_1 post post__authorId_1_at_-1 tag tag__name_1 ");
   docrel_store_destroy (fixture_store_open_uri (uri));
   check_upgraded_file (path);
   check_shop (uri);
   fixture_remove_sqlite_files (path);
}
END_TEST

START_TEST (a_file_of_a_newer_layout_is_refused)
{
   char path[1024], uri[1200], names[1024];
   bson_error_t error;

   temp_db (path, uri);
   copy_layout_2 (path);
   raw_sql (path, "PRAGMA user_version = 4", NULL);
   ck_assert_ptr_null (docrel_store_open (uri, &error));
   ck_assert_uint_eq (error.domain, DOCREL_ERROR_STORE);
   ck_assert_uint_eq (error.code, DOCREL_ERROR_BACKEND);
   ASSERT_MENTIONS (error, "has layout 4");
   ASSERT_MENTIONS (error, "a newer docrel wrote this file");
   raw_sql (path, "SELECT count(*) FROM sqlite_master WHERE sql LIKE '%docrel_index_key%'", names);
   ck_assert_str_eq (names, "3 "); /* untouched */
   fixture_remove_sqlite_files (path);
}
END_TEST

START_TEST (a_new_file_says_its_layout)
{
   char path[1024], uri[1200], out[1024];

   temp_db (path, uri);
   docrel_store_destroy (fixture_store_open_uri (uri));
   raw_sql (path, "PRAGMA user_version", out);
   ck_assert_str_eq (out, "3 ");
   fixture_remove_sqlite_files (path);
}
END_TEST

/* ---- key columns ----------------------------------------------------------- */

START_TEST (the_sqlite3_shell_can_check_a_file_docrel_wrote)
{
   char path[1024], uri[1200], out[1024];
   docrel_store_t *store;
   docrel_model_t *author, *tag, *post;
   bson_error_t error;

   temp_db (path, uri);
   store = fixture_store_open_uri (uri);
   declare_shop (store, &author, &tag, &post);
   ASSERT_OK (try_save (store, author, "{\"_id\": 1, \"email\": \"ann@example.org\"}", &error), error);
   ASSERT_OK (try_save (store, post, "{\"_id\": 1, \"authorId\": 1, \"at\": {\"d\": [1, 2]}}", &error), error);
   ASSERT_OK (try_save (store, post, "{\"_id\": 2, \"authorId\": [1, 2]}", &error), error);
   docrel_store_destroy (store);

   /* A connection without docrel's functions, as the shell's. */
   raw_sql (path, "PRAGMA integrity_check", out);
   ck_assert_str_eq (out, "ok ");
   raw_sql (path, "SELECT name FROM pragma_table_info('$author')", out);
   ck_assert_str_eq (out, "id doc key:email ");
   raw_sql (path, "SELECT count(*) FROM post WHERE \"key:author$id\" IS NOT NULL", out);
   ck_assert_str_eq (out, "2 ");
   fixture_remove_sqlite_files (path);
}
END_TEST

START_TEST (an_index_declared_on_a_collection_with_documents_gets_its_column)
{
   char path[1024], uri[1200], out[1024], got[256];
   docrel_store_t *store;
   docrel_model_t *note;
   bson_error_t error;

   temp_db (path, uri);
   store = fixture_store_open_uri (uri);
   note = fixture_keyed_model (store, "note");
   ASSERT_OK (try_save (store, note, "{\"_id\": 3, \"k\": \"a\", \"t\": \"x\"}", &error), error);
   ASSERT_OK (try_save (store, note, "{\"_id\": 1, \"k\": \"b\", \"t\": \"y\"}", &error), error);
   ASSERT_OK (try_save (store, note, "{\"_id\": 2, \"k\": \"a\", \"t\": \"z\"}", &error), error);
   docrel_store_destroy (store);

   store = fixture_store_open_uri (uri);
   note = fixture_keyed_model (store, "note");
   add_index (note, "{\"k\": 1}", NULL);
   ASSERT_OK (try_save (store, note, "{\"_id\": 4, \"k\": \"a\", \"t\": \"w\"}", &error), error);
   values_of (store, note, "{\"k\": \"a\"}", "t", got, sizeof got);
   ck_assert_str_eq (got, "z,x,w");
   docrel_store_destroy (store);
   raw_sql (path, "SELECT name FROM pragma_table_info('note')", out);
   ck_assert_str_eq (out, "id doc key:k ");
   raw_sql (path, "SELECT count(*) FROM note WHERE \"key:k\" IS NOT NULL", out);
   ck_assert_str_eq (out, "4 ");
   raw_sql (path, "PRAGMA integrity_check", out);
   ck_assert_str_eq (out, "ok ");
   fixture_remove_sqlite_files (path);
}
END_TEST

/* Another store gives a collection a key column while this one holds its
 * statements: this one's next write reads the columns again. */
START_TEST (a_store_whose_columns_are_stale_reads_them_again)
{
   char path[1024], uri[1200], out[1024], got[256];
   docrel_store_t *plain, *indexed;
   docrel_model_t *note_plain, *note_indexed;
   bson_error_t error;

   temp_db (path, uri);
   plain = fixture_store_open_uri (uri);
   note_plain = fixture_keyed_model (plain, "note");
   ASSERT_OK (try_save (plain, note_plain, "{\"_id\": 1, \"k\": \"a\"}", &error), error);

   indexed = fixture_store_open_uri (uri);
   note_indexed = fixture_keyed_model (indexed, "note");
   add_index (note_indexed, "{\"k\": 1}", NULL);

   ASSERT_OK (try_save (plain, note_plain, "{\"_id\": 2, \"k\": \"z\"}", &error), error);
   values_of (indexed, note_indexed, "{\"k\": \"z\"}", "k", got, sizeof got);
   ck_assert_str_eq (got, "z");
   docrel_store_destroy (plain);
   docrel_store_destroy (indexed);
   raw_sql (path, "SELECT count(*) FROM note WHERE \"key:k\" IS NOT NULL", out);
   ck_assert_str_eq (out, "2 ");
   fixture_remove_sqlite_files (path);
}
END_TEST

/* A writer that leaves a key column out (an older docrel, the shell) is
 * refused rather than storing a row its index would miss. */
START_TEST (a_row_without_its_keys_is_refused)
{
   char path[1024], uri[1200];
   docrel_store_t *store;
   docrel_model_t *author, *tag, *post;
   bson_error_t error;
   sqlite3 *db = NULL;
   char *msg = NULL;

   temp_db (path, uri);
   store = fixture_store_open_uri (uri);
   declare_shop (store, &author, &tag, &post);
   ASSERT_OK (try_save (store, tag, "{\"_id\": 1, \"name\": \"c\"}", &error), error);
   docrel_store_destroy (store);
   find_sqlite ();
   ck_assert_int_eq (raw.open (path, &db), 0);
   ck_assert_int_ne (raw.exec (db, "INSERT INTO tag (id, doc) VALUES (x'01', x'0500000000')", NULL, NULL, &msg), 0);
   ck_assert_msg (msg && strstr (msg, "CHECK constraint failed"), "%s", msg ? msg : "?");
   raw.free (msg);
   raw.close (db);
   fixture_remove_sqlite_files (path);
}
END_TEST

static Suite *
layout_suite (void)
{
   Suite *s = suite_create ("layout");
   TCase *tc;

   tc = tcase_create ("names");
   tcase_add_test (tc, models_whose_names_differ_only_in_case_keep_their_documents_apart);
   tcase_add_test (tc, index_names_that_join_alike_stay_two_indexes);
   suite_add_tcase (s, tc);

   if (strcmp (fixture_kind (), "file") == 0) {
      tc = tcase_create ("file_layouts");
      tcase_add_test (tc, a_file_of_layout_2_is_upgraded_when_opened);
      tcase_add_test (tc, a_file_of_layout_1_is_upgraded_when_opened);
      tcase_add_test (tc, a_file_of_a_newer_layout_is_refused);
      tcase_add_test (tc, a_new_file_says_its_layout);
      tcase_add_test (tc, the_sqlite3_shell_can_check_a_file_docrel_wrote);
      tcase_add_test (tc, an_index_declared_on_a_collection_with_documents_gets_its_column);
      tcase_add_test (tc, a_store_whose_columns_are_stale_reads_them_again);
      tcase_add_test (tc, a_row_without_its_keys_is_refused);
      suite_add_tcase (s, tc);
   }
   return s;
}

int
main (void)
{
   return fixture_run (layout_suite ());
}
