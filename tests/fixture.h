/* fixture.h: opening the store a behaviour suite runs against.
 *
 * DOCREL_TEST_STORE picks it: "memory" (default) for sqlite::memory:, "file"
 * for a fresh SQLite file per test, or a mongodb:// URI. */
#ifndef DOCREL_TEST_FIXTURE_H
#define DOCREL_TEST_FIXTURE_H

#include <check.h>
#include <docrel/docrel.h>

/* The store kind: "memory", "file" or "mongodb". */
const char *fixture_kind (void);

/* Opens a fresh, empty store for one test; fails the test on error. */
docrel_store_t *fixture_store_open (void);

/* Closes the store and reopens the same data (file stores only; other kinds
 * return NULL, after closing). */
docrel_store_t *fixture_store_reopen (docrel_store_t *store);

/* Closes the store and removes its files. */
void fixture_store_close (docrel_store_t *store);

/* Runs the suite with Check and returns the process exit status. */
int fixture_run (Suite *suite);

/* Fails the test with the error's message if ok is false. */
#define ASSERT_OK(ok, error) \
   ck_assert_msg ((ok), "%s (domain %u code %u)", (error).message, (error).domain, (error).code)

/* Builds a bson_t * from relaxed JSON, fails the test if the JSON is bad.
 * The caller destroys it. */
bson_t *fixture_json (const char *json);

#endif
