/* SPDX-License-Identifier: Apache-2.0 */
/* replay.c: the main of a harness built without libFuzzer: runs every file
 * named on the command line, or found in a directory named there, through
 * LLVMFuzzerTestOneInput once, so ctest replays the corpus where clang is
 * missing. Exits non-zero if an argument cannot be read or holds no input. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz-common.h"

static int
run_file (const char *path)
{
   FILE *f = fopen (path, "rb");
   uint8_t *data;
   long size;

   if (!f || fseek (f, 0, SEEK_END) != 0 || (size = ftell (f)) < 0 || fseek (f, 0, SEEK_SET) != 0) {
      fprintf (stderr, "replay: cannot read %s\n", path);
      if (f) {
         fclose (f);
      }
      return 1;
   }
   /* A copy of exactly size bytes, so ASan sees reads past the input. */
   data = malloc (size ? (size_t) size : 1);
   if (!data || fread (data, 1, (size_t) size, f) != (size_t) size) {
      fprintf (stderr, "replay: cannot read %s\n", path);
      free (data);
      fclose (f);
      return 1;
   }
   fclose (f);
   LLVMFuzzerTestOneInput (data, (size_t) size);
   free (data);
   return 0;
}

static int
compare_names (const void *a, const void *b)
{
   return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Runs the directory's files in name order; *count counts them. */
static int
run_dir (const char *dir, int *count)
{
   DIR *d = opendir (dir);
   struct dirent *e;
   char **names = NULL;
   size_t n = 0, i;
   int failed = 0;

   if (!d) {
      fprintf (stderr, "replay: cannot open %s\n", dir);
      return 1;
   }
   while ((e = readdir (d))) {
      if (e->d_name[0] != '.') {
         names = realloc (names, (n + 1) * sizeof *names);
         names[n++] = strdup (e->d_name);
      }
   }
   closedir (d);
   qsort (names, n, sizeof *names, compare_names);
   for (i = 0; i < n; i++) {
      char path[4096];

      snprintf (path, sizeof path, "%s/%s", dir, names[i]);
      failed |= run_file (path);
      free (names[i]);
      (*count)++;
   }
   free (names);
   return failed;
}

int
main (int argc, char **argv)
{
   int failed = 0, count = 0, i;
   struct stat st;

   for (i = 1; i < argc; i++) {
      if (stat (argv[i], &st) == 0 && S_ISDIR (st.st_mode)) {
         failed |= run_dir (argv[i], &count);
      } else {
         failed |= run_file (argv[i]);
         count++;
      }
   }
   printf ("replay: %d inputs through %s\n", count, argv[0]);
   return failed || count == 0;
}
