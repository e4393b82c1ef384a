/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_store_uri.c: a fuzzed store URI given to docrel_store_open, which
 * must open it or refuse it with an error, never crash.
 *
 * The harness keeps the fuzzer on the local machine: MongoDB URIs are
 * skipped (opening one connects, or resolves a host name), and so is any
 * URI holding '/' or '\\', so that a file store can only be a relative name
 * with no directory. Each input runs in a temporary directory of the
 * harness's own, emptied afterwards, so a file store never lands elsewhere
 * (and the fuzzer's own relative paths still work between inputs).
 * What opens is used (a model declared, a document saved and read). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fuzz-common.h"

static char dir[64];
static int home = -1; /* the working directory the fuzzer started in */

static void
remove_temp_dir (void)
{
   rmdir (dir);
}

static void
enter_temp_dir (void)
{
   const char *tmp = getenv ("TMPDIR");

   snprintf (dir, sizeof dir, "%s/docrel-fuzz-XXXXXX", tmp && *tmp && strlen (tmp) < 40 ? tmp : "/tmp");
   home = open (".", O_RDONLY | O_DIRECTORY);
   if (home < 0 || !mkdtemp (dir)) {
      fuzz_fail ("making a temporary directory", NULL);
   }
   atexit (remove_temp_dir);
}

/* Removes what the input's store left (its file, -wal, -shm). */
static void
empty_temp_dir (void)
{
   DIR *d = opendir (".");
   struct dirent *e;

   while (d && (e = readdir (d))) {
      if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0) {
         unlink (e->d_name);
      }
   }
   if (d) {
      closedir (d);
   }
}

static void
use_store (docrel_store_t *store)
{
   docrel_session_t *session = docrel_session_new (store);
   bson_error_t error;
   docrel_model_t *model = docrel_model_new (store, "M", NULL, &error);
   docrel_doc_t *doc = model ? docrel_doc_new (session, model, &error) : NULL;
   docrel_doc_t **docs = NULL;
   size_t n;

   if (doc && docrel_save (doc, &error)) {
      docrel_find_all (session, model, NULL, NULL, &docs, &n, &error);
      bson_free (docs);
   }
   docrel_session_destroy (session);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
   docrel_store_t *store;
   bson_error_t error;
   char *uri;

   if (!dir[0]) {
      enter_temp_dir ();
   }
   uri = fuzz_input_string (data, size);
   if (!uri || strncasecmp (uri, "mongodb", 7) == 0 || strpbrk (uri, "/\\")) {
      bson_free (uri);
      return 0;
   }
   if (chdir (dir) != 0) {
      fuzz_fail ("entering the temporary directory", NULL);
   }
   store = docrel_store_open (uri, &error);
   if (store) {
      use_store (store);
      docrel_store_destroy (store);
   } else if (!error.message[0]) {
      fuzz_fail ("a refused URI without a message", &error);
   }
   empty_temp_dir ();
   if (fchdir (home) != 0) {
      fuzz_fail ("leaving the temporary directory", NULL);
   }
   bson_free (uri);
   return 0;
}
