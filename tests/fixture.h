/* SPDX-License-Identifier: Apache-2.0 */
/* fixture.h: opening the store a behaviour suite runs against.
 *
 * DOCREL_TEST_STORE picks it: "memory" (default) for sqlite::memory:, "file"
 * for a fresh SQLite file per test, "mongodb" for a fresh database per test
 * (docrel_test_<pid>_<n>, dropped at close) on the server whose URI is in
 * DOCREL_TEST_MONGODB_URI, else in the file DOCREL_TEST_MONGODB_URI_FILE
 * (written by the test server, tests/mongo_server), or a mongodb:// URI
 * itself. */
#ifndef DOCREL_TEST_FIXTURE_H
#define DOCREL_TEST_FIXTURE_H

#include <check.h>
#include <string.h>

#include <docrel/docrel.h>

/* The store kind: "memory", "file" or "mongodb". */
const char *fixture_kind (void);

/* Opens a fresh, empty store for one test; fails the test on error. */
docrel_store_t *fixture_store_open (void);

/* Opens the store at uri; fails the test on error. */
docrel_store_t *fixture_store_open_uri (const char *uri);

/* Removes the SQLite database at path and its side files (-wal, -shm,
 * -journal), those that exist; nothing if path is empty. */
void fixture_remove_sqlite_files (const char *path);

/* A fresh SQLite file path under TMPDIR ("docrel-<tag>-<pid>-<n>.db"), no
 * file or side file there; uri (may be NULL) gets its sqlite:// URI. */
void fixture_temp_sqlite (const char *tag, char *path, size_t path_size, char *uri, size_t uri_size);

/* A loopback port that accepts connections (the kernel completes them for
 * the listen backlog) and never answers: a MongoDB server that hangs. *fd is
 * the listening socket; the caller closes it. */
int fixture_silent_port (int *fd);

/* Closes the store and reopens the same data (file and mongodb stores;
 * memory stores return NULL, after closing). */
docrel_store_t *fixture_store_reopen (docrel_store_t *store);

/* Opens another store on the data of the last fixture_store_open: another
 * connection to the same file, or another client of the same database
 * (NULL for memory stores, which cannot be shared). Destroy it with
 * docrel_store_destroy before fixture_store_close. */
docrel_store_t *fixture_store_open_second (void);

/* Closes the store and removes its files (or drops its database). */
void fixture_store_close (docrel_store_t *store);

/* kind "mongodb": the server's URI, without the test's database. */
const char *fixture_mongodb_uri (void);

/* fixture_json, with the keys of every array renamed "k0", "k1", ...
 * (libbson prints a warning when such an array is appended; MongoDB reads
 * arrays by position). The caller destroys it. */
bson_t *fixture_json_misnumbered (const char *json);

/* fixture_json, with every key that starts with '%' made to start with '$'
 * instead: libbson's JSON reader takes {"$regex": ...} and {"$type": ...}
 * for extended JSON, so tests write the query operators "%regex", "%type".
 * The caller destroys it. */
bson_t *fixture_json_dollar (const char *json);

/* Sends what the process writes to stderr to a temporary file until
 * fixture_stderr_end, which returns how many bytes were written there (the
 * library never prints). */
void fixture_stderr_begin (void);
long fixture_stderr_end (void);

/* Runs the suite with Check and returns the process exit status. */
int fixture_run (Suite *suite);

/* Fails the test with the error's message if ok is false. */
#define ASSERT_OK(ok, error) \
   ck_assert_msg ((ok), "%s (domain %u code %u)", (error).message, (error).domain, (error).code)

/* Fails the test unless the error's message contains text. */
#define ASSERT_MENTIONS(error, text)                                                                        \
   ck_assert_msg (strstr ((error).message, (text)) != NULL, "error message \"%s\" does not mention \"%s\"", \
                  (error).message, (text))

/* Builds a bson_t * from relaxed JSON, fails the test if the JSON is bad.
 * The caller destroys it. */
bson_t *fixture_json (const char *json);

/* docrel_model_new with options as relaxed JSON (NULL: none); fails the test
 * on error. */
docrel_model_t *fixture_model_new (docrel_store_t *store, const char *name, const char *opts_json);

/* A model whose caller sets the primary key ({"primaryKey": "caller"}), so
 * tests can name documents; fails the test on error. */
docrel_model_t *fixture_keyed_model (docrel_store_t *store, const char *name);

/* Declares a field with options as JSON (NULL: none); fails the test on
 * error. */
void fixture_add_field (docrel_model_t *model, const char *name, docrel_type_t type, const char *opts_json);

/* Adds a unique index on the keys given as JSON; fails the test on error. */
void fixture_unique_index (docrel_model_t *model, const char *keys_json);

/* A new, unsaved document of model from relaxed JSON (NULL: empty); fails
 * the test on error. The session owns it. */
docrel_doc_t *fixture_new_doc (docrel_session_t *session, docrel_model_t *model, const char *json);

/* fixture_new_doc, then docrel_save; fails the test on either error. */
docrel_doc_t *fixture_saved_doc (docrel_session_t *session, docrel_model_t *model, const char *json);

/* Saves one document per JSON string (NULL-terminated list) through a
 * session of its own; fails the test on error. */
void fixture_seed (docrel_store_t *store, docrel_model_t *model, const char *const *jsons);

/* The number of documents of model in the store, counted through a fresh
 * session; fails the test on error. */
int64_t fixture_count_all (docrel_store_t *store, docrel_model_t *model);

/* The number of documents of model matching filter_json (relaxed JSON;
 * NULL: all), counted through a fresh session; fails the test on error. */
int64_t fixture_count_where (docrel_store_t *store, docrel_model_t *model, const char *filter_json);

/* The document of model with the int key id, loaded into session joined
 * along tree_json (NULL: no joins); fails the test on error. */
docrel_doc_t *fixture_get (docrel_session_t *session, docrel_model_t *model, int32_t id, const char *tree_json);

/* The int32 _id of doc (non-NULL, with an int key: test models use them). */
int32_t fixture_id_of (const docrel_doc_t *doc);

/* An int32 key value. */
bson_value_t fixture_int_key (int32_t id);

/* The shape of docrel_model_has_one / has_many / belongs_to /
 * has_and_belongs_to_many. */
typedef docrel_relation_t *(*fixture_declare_fn) (docrel_model_t *,
                                                  docrel_model_t *,
                                                  const char *,
                                                  const char *,
                                                  const char *,
                                                  const bson_t *,
                                                  bson_error_t *);

/* Declares relation field of a to b with fn, options as JSON (NULL: none);
 * fails the test on error. Returns the relation. */
docrel_relation_t *fixture_declare (fixture_declare_fn fn,
                                    docrel_model_t *a,
                                    docrel_model_t *b,
                                    const char *field,
                                    const char *left,
                                    const char *right,
                                    const char *opts_json);

/* docrel_doc_add_related: other into the slot field of doc; fails the test
 * on error. */
void fixture_add_related (docrel_doc_t *doc, const char *field, docrel_doc_t *other);

/* The model named name (a hasAndBelongsToMany relation's link model, such
 * as "Post_Tag"); fails the test if the store has none. */
docrel_model_t *fixture_link_model (docrel_store_t *store, const char *name);

/* ---- what a user sees (observe.c) ---- */

/* docrel_find_related with filter and opts as JSON (NULL: none); fails the
 * test on error. The caller destroys the cursor. */
docrel_cursor_t *
fixture_find_related (docrel_doc_t *doc, const char *field, const char *filter_json, const char *opts_json);

/* The _ids the cursor yields, as "[1, 2]", in order; the cursor is read to
 * its end without error and destroyed. The caller frees the string with
 * bson_free. */
char *fixture_cursor_ids (docrel_cursor_t *cursor);

/* Fails the test unless find_related yields exactly the ids expected, in
 * order (as "[1, 2]"). */
void fixture_assert_related (docrel_doc_t *doc,
                             const char *field,
                             const char *filter,
                             const char *opts,
                             const char *expected);

/* The number of documents in the loaded slot field of doc; fails the test if
 * the slot is not loaded. */
size_t fixture_slot_size (const docrel_doc_t *doc, const char *field);

/* True on the embedded store (kinds memory and file), false on MongoDB. */
bool fixture_on_sqlite (docrel_store_t *store);

/* The commands the store counted (docrel_store_stats) since its last reset. */
uint64_t fixture_commands (docrel_store_t *store);

/* Writes the integer (int32 or int64) _ids of docs, sorted, as "1 2 3" into
 * buf; fails the test on another _id or more than 64 docs. */
void fixture_format_ids (docrel_doc_t **docs, size_t n, char *buf, size_t size);

/* Fails the test unless the store counted exactly these finds, inserts,
 * updates and deletes since its last reset. */
void
fixture_assert_commands (docrel_store_t *store, uint64_t finds, uint64_t inserts, uint64_t updates, uint64_t deletes);

#endif
