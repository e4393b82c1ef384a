/* fixture.c: the store each behaviour test runs against (see fixture.h). */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fixture_path[512];
static int fixture_counter;

const char *
fixture_kind (void)
{
   const char *kind = getenv ("DOCREL_TEST_STORE");
   if (!kind || !*kind) {
      return "memory";
   }
   if (strncmp (kind, "mongodb://", 10) == 0) {
      return "mongodb";
   }
   return kind;
}

static docrel_store_t *
open_uri (const char *uri)
{
   bson_error_t error;
   docrel_store_t *store = docrel_store_open (uri, &error);
   ck_assert_msg (store != NULL, "cannot open %s: %s", uri, error.message);
   return store;
}

static void
remove_files (void)
{
   char side[600];
   if (!fixture_path[0]) {
      return;
   }
   unlink (fixture_path);
   snprintf (side, sizeof side, "%s-wal", fixture_path);
   unlink (side);
   snprintf (side, sizeof side, "%s-shm", fixture_path);
   unlink (side);
}

docrel_store_t *
fixture_store_open (void)
{
   const char *kind = fixture_kind ();
   char uri[600];

   if (strcmp (kind, "memory") == 0) {
      return open_uri ("sqlite::memory:");
   }
   if (strcmp (kind, "file") == 0) {
      const char *tmp = getenv ("TMPDIR");
      snprintf (fixture_path,
                sizeof fixture_path,
                "%s/docrel-test-%ld-%d.db",
                tmp && *tmp ? tmp : "/tmp",
                (long) getpid (),
                fixture_counter++);
      remove_files ();
      snprintf (uri, sizeof uri, "sqlite://%s", fixture_path);
      return open_uri (uri);
   }
   ck_abort_msg ("unknown DOCREL_TEST_STORE '%s'", kind);
   return NULL;
}

docrel_store_t *
fixture_store_reopen (docrel_store_t *store)
{
   char uri[600];
   docrel_store_destroy (store);
   if (strcmp (fixture_kind (), "file") != 0) {
      return NULL;
   }
   snprintf (uri, sizeof uri, "sqlite://%s", fixture_path);
   return open_uri (uri);
}

void
fixture_store_close (docrel_store_t *store)
{
   docrel_store_destroy (store);
   remove_files ();
   fixture_path[0] = '\0';
}

bson_t *
fixture_json (const char *json)
{
   bson_error_t error;
   bson_t *b = bson_new_from_json ((const uint8_t *) json, -1, &error);
   ck_assert_msg (b != NULL, "bad JSON in test: %s: %s", json, error.message);
   return b;
}

int
fixture_run (Suite *suite)
{
   SRunner *runner = srunner_create (suite);
   int failed;
   srunner_run_all (runner, CK_NORMAL);
   failed = srunner_ntests_failed (runner);
   srunner_free (runner);
   return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
