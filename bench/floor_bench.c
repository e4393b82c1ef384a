/* SPDX-License-Identifier: Apache-2.0 */
/* floor_bench.c: the floor's process (see floor.h): opening the file,
 * statements, and the two writing operations.
 *
 *   floor-bench OP --db PATH --scale N
 *
 * OP as for docrel-bench: save_all seeds an empty file; delete_all last. */
#include <stdlib.h>
#include <string.h>

#include "floor.h"

static const char SCHEMA[] =
   "CREATE TABLE IF NOT EXISTS Author (id BLOB PRIMARY KEY NOT NULL, doc BLOB NOT NULL);"
   "CREATE TABLE IF NOT EXISTS Tag (id BLOB PRIMARY KEY NOT NULL, doc BLOB NOT NULL);"
   "CREATE TABLE IF NOT EXISTS Post (id BLOB PRIMARY KEY NOT NULL, author_id BLOB, doc BLOB NOT NULL);"
   "CREATE INDEX IF NOT EXISTS Post__authorId ON Post (author_id);"
   "CREATE TABLE IF NOT EXISTS Comment (id BLOB PRIMARY KEY NOT NULL, post_id BLOB, doc BLOB NOT NULL);"
   "CREATE INDEX IF NOT EXISTS Comment__postId ON Comment (post_id);"
   "CREATE TABLE IF NOT EXISTS Post_Tag (id BLOB PRIMARY KEY NOT NULL, post_id BLOB, tag_id BLOB, doc BLOB NOT NULL);"
   "CREATE UNIQUE INDEX IF NOT EXISTS Post_Tag__pair ON Post_Tag (post_id, tag_id);"
   "CREATE INDEX IF NOT EXISTS Post_Tag__tag ON Post_Tag (tag_id);";

static const char *const IN_SQL[FQ_N] = {
   [FQ_POSTS_BY_AUTHOR] = "SELECT id, author_id, doc FROM Post WHERE author_id IN (",
   [FQ_COMMENTS_BY_POST] = "SELECT id, post_id, doc FROM Comment WHERE post_id IN (",
   [FQ_LINKS_BY_POST] = "SELECT post_id, tag_id FROM Post_Tag WHERE post_id IN (",
   [FQ_TAGS_BY_ID] = "SELECT id, doc FROM Tag WHERE id IN (",
   [FQ_AUTHORS_BY_ID] = "SELECT id, doc FROM Author WHERE id IN (",
};

sqlite3_stmt *
floor_prepare (floor_t *f, const char *sql)
{
   sqlite3_stmt *stmt;

   if (sqlite3_prepare_v3 (f->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK) {
      bench_die (sql, sqlite3_errmsg (f->db));
   }
   return stmt;
}

void
floor_exec (floor_t *f, const char *sql)
{
   if (sqlite3_exec (f->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
      bench_die (sql, sqlite3_errmsg (f->db));
   }
}

sqlite3_stmt *
floor_in_stmt (floor_t *f, int query, size_t n)
{
   if (!f->in_stmts[query]) {
      f->in_stmts[query] = bson_malloc0 ((FLOOR_CHUNK + 1) * sizeof (sqlite3_stmt *));
   }
   if (!f->in_stmts[query][n]) {
      bson_string_t *sql = bson_string_new (IN_SQL[query]);

      for (size_t i = 0; i < n; i++) {
         bson_string_append (sql, i ? ",?" : "?");
      }
      bson_string_append (sql, ")");
      f->in_stmts[query][n] = floor_prepare (f, sql->str);
      bson_string_free (sql, true);
   }
   return f->in_stmts[query][n];
}

void
floor_bind_keys (sqlite3_stmt *stmt, const uint8_t *keys, size_t n)
{
   for (size_t i = 0; i < n; i++) {
      sqlite3_bind_blob (stmt, (int) i + 1, keys + i * FLOOR_KEY, FLOOR_KEY, SQLITE_STATIC);
   }
}

uint8_t *
floor_author_keys (floor_t *f)
{
   sqlite3_stmt *stmt = floor_prepare (f, "SELECT id FROM Author ORDER BY rowid");
   uint8_t *keys = bson_malloc (f->w.authors * FLOOR_KEY);
   size_t n = 0;

   while (sqlite3_step (stmt) == SQLITE_ROW && n < f->w.authors) {
      memcpy (keys + n++ * FLOOR_KEY, sqlite3_column_blob (stmt, 0), FLOOR_KEY);
   }
   sqlite3_finalize (stmt);
   if (n != f->w.authors) {
      bench_die ("floor", "the file does not hold the workload: run save_all first");
   }
   return keys;
}

/* ---- save_all ----------------------------------------------------------- */

/* A document with a new ObjectId; its key encoding goes to key. */
static bson_t *
new_doc (uint8_t *key)
{
   bson_t *doc = bson_new ();
   bson_oid_t oid;

   bson_oid_init (&oid, NULL);
   BSON_APPEND_OID (doc, "_id", &oid);
   key[0] = 0x48;
   memcpy (key + 1, oid.bytes, 12);
   return doc;
}

static void
append_key (bson_t *doc, const char *field, const uint8_t *key)
{
   bson_oid_t oid;

   bson_oid_init_from_data (&oid, key + 1);
   BSON_APPEND_OID (doc, field, &oid);
}

/* Binds id, the key columns and the document, runs and frees it. */
static void
insert (sqlite3_stmt *stmt, const uint8_t *key, const uint8_t *k1, const uint8_t *k2, bson_t *doc)
{
   int i = 1;

   sqlite3_bind_blob (stmt, i++, key, FLOOR_KEY, SQLITE_STATIC);
   if (k1) {
      sqlite3_bind_blob (stmt, i++, k1, FLOOR_KEY, SQLITE_STATIC);
   }
   if (k2) {
      sqlite3_bind_blob (stmt, i++, k2, FLOOR_KEY, SQLITE_STATIC);
   }
   sqlite3_bind_blob (stmt, i, bson_get_data (doc), (int) doc->len, SQLITE_STATIC);
   if (sqlite3_step (stmt) != SQLITE_DONE) {
      bench_die ("floor insert", sqlite3_errmsg (sqlite3_db_handle (stmt)));
   }
   sqlite3_reset (stmt);
   bson_destroy (doc);
}

typedef struct {
   bson_t **docs;
   uint8_t *keys;
} fset_t;

static void
fset_init (fset_t *s, size_t n)
{
   s->docs = bson_malloc (n * sizeof (bson_t *));
   s->keys = bson_malloc (n * FLOOR_KEY);
}

static void
fset_free (fset_t *s)
{
   bson_free (s->docs);
   bson_free (s->keys);
}

#define KEY(set, i) ((set).keys + FLOOR_KEY * (size_t) (i))

void
floor_save_all (floor_t *f, bench_result_t *r)
{
   const bench_workload_t *w = &f->w;
   fset_t authors, posts, comments, tags, links;
   sqlite3_stmt *ins[5];
   char buf[64];
   double t0, t1;

   r->base_rss_kb = bench_peak_rss_kb ();
   t0 = bench_now ();
   fset_init (&authors, w->authors);
   fset_init (&posts, w->posts);
   fset_init (&comments, w->comments);
   fset_init (&tags, w->tags);
   fset_init (&links, w->links);
   for (size_t t = 0; t < w->tags; t++) {
      tags.docs[t] = new_doc (KEY (tags, t));
      BSON_APPEND_UTF8 (tags.docs[t], "name", bench_tag_name (t, buf, sizeof buf));
   }
   for (size_t a = 0; a < w->authors; a++) {
      authors.docs[a] = new_doc (KEY (authors, a));
      BSON_APPEND_UTF8 (authors.docs[a], "name", bench_author_name (a, buf, sizeof buf));
      BSON_APPEND_UTF8 (authors.docs[a], "email", bench_author_email (a, buf, sizeof buf));
   }
   for (size_t p = 0; p < w->posts; p++) {
      posts.docs[p] = new_doc (KEY (posts, p));
      BSON_APPEND_UTF8 (posts.docs[p], "title", bench_post_title (p, buf, sizeof buf));
      BSON_APPEND_UTF8 (posts.docs[p], "body", bench_post_body ());
      append_key (posts.docs[p], "authorId", KEY (authors, p / BENCH_POSTS_PER_AUTHOR));
      for (int k = 0; k < BENCH_TAGS_PER_POST; k++) {
         size_t l = p * BENCH_TAGS_PER_POST + (size_t) k;

         links.docs[l] = new_doc (KEY (links, l));
         append_key (links.docs[l], "Post__id", KEY (posts, p));
         append_key (links.docs[l], "Tag__id", KEY (tags, bench_post_tag (w, p, k)));
      }
   }
   for (size_t c = 0; c < w->comments; c++) {
      comments.docs[c] = new_doc (KEY (comments, c));
      BSON_APPEND_UTF8 (comments.docs[c], "body", bench_comment_body ());
      append_key (comments.docs[c], "postId", KEY (posts, c / BENCH_COMMENTS_PER_POST));
   }
   t1 = bench_now ();

   ins[0] = floor_prepare (f, "INSERT INTO Tag (id, doc) VALUES (?, ?)");
   ins[1] = floor_prepare (f, "INSERT INTO Author (id, doc) VALUES (?, ?)");
   ins[2] = floor_prepare (f, "INSERT INTO Post (id, author_id, doc) VALUES (?, ?, ?)");
   ins[3] = floor_prepare (f, "INSERT INTO Comment (id, post_id, doc) VALUES (?, ?, ?)");
   ins[4] = floor_prepare (f, "INSERT INTO Post_Tag (id, post_id, tag_id, doc) VALUES (?, ?, ?, ?)");
   floor_exec (f, "BEGIN IMMEDIATE");
   for (size_t t = 0; t < w->tags; t++) {
      insert (ins[0], KEY (tags, t), NULL, NULL, tags.docs[t]);
   }
   for (size_t a = 0; a < w->authors; a++) {
      insert (ins[1], KEY (authors, a), NULL, NULL, authors.docs[a]);
   }
   for (size_t p = 0; p < w->posts; p++) {
      insert (ins[2], KEY (posts, p), KEY (authors, p / BENCH_POSTS_PER_AUTHOR), NULL, posts.docs[p]);
   }
   for (size_t c = 0; c < w->comments; c++) {
      insert (ins[3], KEY (comments, c), KEY (posts, c / BENCH_COMMENTS_PER_POST), NULL, comments.docs[c]);
   }
   for (size_t l = 0; l < w->links; l++) {
      size_t p = l / BENCH_TAGS_PER_POST;

      insert (ins[4], KEY (links, l), KEY (posts, p),
              KEY (tags, bench_post_tag (w, p, (int) (l % BENCH_TAGS_PER_POST))), links.docs[l]);
   }
   floor_exec (f, "COMMIT");
   for (int i = 0; i < 5; i++) {
      sqlite3_finalize (ins[i]);
   }
   fset_free (&authors);
   fset_free (&posts);
   fset_free (&comments);
   fset_free (&tags);
   fset_free (&links);
   r->seconds = bench_now () - t0;
   r->build_seconds = t1 - t0;
   r->peak_rss_kb = bench_peak_rss_kb ();
   r->docs = w->authors + w->posts + w->comments + w->tags + w->links;
}

/* ---- delete_all ---------------------------------------------------------- */

/* Runs the DELETE prefix with IN over keys, chunk by chunk; returns the rows deleted. */
static uint64_t
delete_in (floor_t *f, const char *prefix, const uint8_t *keys, size_t n)
{
   uint64_t deleted = 0;

   for (size_t done = 0; done < n; done += FLOOR_CHUNK) {
      size_t count = n - done < FLOOR_CHUNK ? n - done : FLOOR_CHUNK;
      bson_string_t *sql = bson_string_new (prefix);
      sqlite3_stmt *stmt;

      for (size_t i = 0; i < count; i++) {
         bson_string_append (sql, i ? ",?" : "?");
      }
      bson_string_append (sql, ")");
      stmt = floor_prepare (f, sql->str);
      floor_bind_keys (stmt, keys + done * FLOOR_KEY, count);
      if (sqlite3_step (stmt) != SQLITE_DONE) {
         bench_die (prefix, sqlite3_errmsg (f->db));
      }
      deleted += (uint64_t) sqlite3_changes (f->db);
      sqlite3_finalize (stmt);
      bson_string_free (sql, true);
   }
   return deleted;
}

/* The hand-written cascade: the posts' keys, then comments, links, posts
 * and authors by IN lists, in one transaction. */
void
floor_delete_all (floor_t *f, bench_result_t *r)
{
   uint8_t *all = floor_author_keys (f);
   uint8_t authors[BENCH_DELETED_AUTHORS * FLOOR_KEY];
   size_t n_posts = 0, cap = BENCH_DELETED_AUTHORS * BENCH_POSTS_PER_AUTHOR;
   uint8_t *posts = bson_malloc (cap * FLOOR_KEY);
   sqlite3_stmt *stmt;
   double t0;

   for (size_t i = 0; i < BENCH_DELETED_AUTHORS; i++) {
      memcpy (authors + i * FLOOR_KEY, all + bench_deleted_author (&f->w, i) * FLOOR_KEY, FLOOR_KEY);
   }
   r->base_rss_kb = bench_peak_rss_kb ();
   t0 = bench_now ();
   floor_exec (f, "BEGIN IMMEDIATE");
   stmt = floor_in_stmt (f, FQ_POSTS_BY_AUTHOR, BENCH_DELETED_AUTHORS);
   floor_bind_keys (stmt, authors, BENCH_DELETED_AUTHORS);
   while (sqlite3_step (stmt) == SQLITE_ROW) {
      if (n_posts == cap) {
         cap *= 2;
         posts = bson_realloc (posts, cap * FLOOR_KEY);
      }
      memcpy (posts + n_posts++ * FLOOR_KEY, sqlite3_column_blob (stmt, 0), FLOOR_KEY);
   }
   sqlite3_reset (stmt);
   r->docs += delete_in (f, "DELETE FROM Comment WHERE post_id IN (", posts, n_posts);
   delete_in (f, "DELETE FROM Post_Tag WHERE post_id IN (", posts, n_posts);
   r->docs += delete_in (f, "DELETE FROM Post WHERE id IN (", posts, n_posts);
   r->docs += delete_in (f, "DELETE FROM Author WHERE id IN (", authors, BENCH_DELETED_AUTHORS);
   floor_exec (f, "COMMIT");
   r->seconds = bench_now () - t0;
   r->peak_rss_kb = bench_peak_rss_kb ();
   bson_free (posts);
   bson_free (all);
}

int
main (int argc, char **argv)
{
   static const struct {
      const char *name;
      void (*run) (floor_t *, bench_result_t *);
   } ops[] = {{"save_all", floor_save_all},
              {"get_join", floor_get_join},
              {"get", floor_get},
              {"cursor", floor_cursor},
              {"delete_all", floor_delete_all}};
   const char *path = NULL;
   int scale = 1;
   floor_t f = {0};
   bench_result_t r = {0};

   for (int i = 2; i + 1 < argc; i += 2) {
      if (strcmp (argv[i], "--db") == 0) {
         path = argv[i + 1];
      } else if (strcmp (argv[i], "--scale") == 0) {
         scale = atoi (argv[i + 1]);
      }
   }
   if (argc < 2 || !path || scale < 1) {
      fprintf (stderr, "usage: floor-bench save_all|get_join|get|cursor|delete_all --db PATH [--scale N]\n");
      return 2;
   }
   f.w = bench_workload (scale);
   if (sqlite3_open (path, &f.db) != SQLITE_OK) {
      bench_die (path, sqlite3_errmsg (f.db));
   }
   /* docrel's settings for a file store */
   floor_exec (&f, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL");
   floor_exec (&f, SCHEMA);
   r.impl = "floor";
   r.store = "sqlite";
   r.scale = scale;
   r.commands = r.commands_expected = -1;
   for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
      if (strcmp (argv[1], ops[i].name) == 0) {
         r.op = ops[i].name;
         ops[i].run (&f, &r);
      }
   }
   if (!r.op) {
      bench_die ("unknown operation", argv[1]);
   }
   bench_result_print (stdout, &r);
   for (int q = 0; q < FQ_N; q++) {
      for (size_t n = 0; f.in_stmts[q] && n <= FLOOR_CHUNK; n++) {
         sqlite3_finalize (f.in_stmts[q][n]);
      }
      bson_free (f.in_stmts[q]);
   }
   sqlite3_close (f.db);
   return 0;
}
