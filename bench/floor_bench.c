/* SPDX-License-Identifier: Apache-2.0 */
/* floor_bench.c: the floor on docrel's storage (see floor.h): opening the
 * file, statements, and the two writing operations.
 *
 *   floor-bench OP --db PATH --scale N
 *
 * OP as for docrel-bench: save_all seeds an empty file; delete_all last. */
#include <stdlib.h>
#include <string.h>

#include "floor.h"
#include "stmtcount.h"

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

/* ---- save_all ----------------------------------------------------------- */

/* A document with integer key k; its key encoding goes to key. */
static bson_t *
new_doc (int64_t k, uint8_t *key)
{
   bson_t *doc = bson_new ();

   BSON_APPEND_INT64 (doc, "_id", k);
   fkey_int (k, key);
   return doc;
}

/* A link document with a new ObjectId, as docrel makes them. */
static bson_t *
new_link (uint8_t *key, int64_t post, int64_t tag)
{
   bson_t *doc = bson_new ();
   bson_oid_t oid;

   bson_oid_init (&oid, NULL);
   BSON_APPEND_OID (doc, "_id", &oid);
   BSON_APPEND_INT64 (doc, "Post__id", post);
   BSON_APPEND_INT64 (doc, "Tag__id", tag);
   key[0] = 0x48;
   memcpy (key + 1, oid.bytes, 12);
   return doc;
}

/* Binds id (id_len bytes), the key columns and the document, runs and frees it. */
static void
insert (sqlite3_stmt *stmt, const uint8_t *key, int id_len, const uint8_t *k1, const uint8_t *k2, bson_t *doc)
{
   int i = 1;

   sqlite3_bind_blob (stmt, i++, key, id_len, SQLITE_STATIC);
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
   s->keys = bson_malloc (n * FLOOR_OID_KEY);
}

static void
fset_free (fset_t *s)
{
   bson_free (s->docs);
   bson_free (s->keys);
}

#define KEY(set, i) ((set).keys + FLOOR_KEY * (size_t) (i))

#define LKEY(set, i) ((set).keys + FLOOR_OID_KEY * (size_t) (i))

/* The documents of the workload in memory, keys encoded. */
static void
build (const bench_workload_t *w, fset_t *authors, fset_t *posts, fset_t *comments, fset_t *tags, fset_t *links)
{
   char buf[128];

   for (size_t t = 0; t < w->tags; t++) {
      tags->docs[t] = new_doc ((int64_t) t + 1, KEY (*tags, t));
      BSON_APPEND_UTF8 (tags->docs[t], "name", bench_tag_name ((int64_t) t + 1, buf, sizeof buf));
   }
   for (size_t a = 0; a < w->authors; a++) {
      authors->docs[a] = new_doc ((int64_t) a + 1, KEY (*authors, a));
      BSON_APPEND_UTF8 (authors->docs[a], "name", bench_author_name ((int64_t) a + 1, buf, sizeof buf));
   }
   for (size_t p = 0; p < w->posts; p++) {
      int64_t k = (int64_t) p + 1;

      posts->docs[p] = new_doc (k, KEY (*posts, p));
      BSON_APPEND_UTF8 (posts->docs[p], "title", bench_post_title (k, buf, sizeof buf));
      BSON_APPEND_UTF8 (posts->docs[p], "body", bench_post_body (k, buf, sizeof buf));
      BSON_APPEND_INT64 (posts->docs[p], "authorId", bench_post_author (k));
      for (int j = 0; j < BENCH_TAGS_PER_POST; j++) {
         size_t l = p * BENCH_TAGS_PER_POST + (size_t) j;

         links->docs[l] = new_link (LKEY (*links, l), k, bench_post_tag (k, j));
      }
   }
   for (size_t c = 0; c < w->comments; c++) {
      int64_t post = bench_comment_post ((int64_t) c + 1);

      comments->docs[c] = new_doc ((int64_t) c + 1, KEY (*comments, c));
      BSON_APPEND_UTF8 (comments->docs[c], "body",
                        bench_comment_body ((int) (c % BENCH_COMMENTS_PER_POST) + 1, post, buf, sizeof buf));
      BSON_APPEND_INT64 (comments->docs[c], "postId", post);
   }
}

void
floor_save_all (floor_t *f, bench_result_t *r)
{
   const bench_workload_t *w = &f->w;
   fset_t authors, posts, comments, tags, links;
   sqlite3_stmt *ins[5];
   bench_section_t section;
   double t1;

   bench_section_begin (r, &section);
   fset_init (&authors, w->authors);
   fset_init (&posts, w->posts);
   fset_init (&comments, w->comments);
   fset_init (&tags, w->tags);
   fset_init (&links, w->links);
   build (w, &authors, &posts, &comments, &tags, &links);
   t1 = bench_now ();
   ins[0] = floor_prepare (f, "INSERT INTO Tag (id, doc) VALUES (?, ?)");
   ins[1] = floor_prepare (f, "INSERT INTO Author (id, doc) VALUES (?, ?)");
   ins[2] = floor_prepare (f, "INSERT INTO Post (id, author_id, doc) VALUES (?, ?, ?)");
   ins[3] = floor_prepare (f, "INSERT INTO Comment (id, post_id, doc) VALUES (?, ?, ?)");
   ins[4] = floor_prepare (f, "INSERT INTO Post_Tag (id, post_id, tag_id, doc) VALUES (?, ?, ?, ?)");
   floor_exec (f, "BEGIN IMMEDIATE");
   for (size_t t = 0; t < w->tags; t++) {
      insert (ins[0], KEY (tags, t), FLOOR_KEY, NULL, NULL, tags.docs[t]);
   }
   for (size_t a = 0; a < w->authors; a++) {
      insert (ins[1], KEY (authors, a), FLOOR_KEY, NULL, NULL, authors.docs[a]);
   }
   for (size_t p = 0; p < w->posts; p++) {
      insert (ins[2], KEY (posts, p), FLOOR_KEY, KEY (authors, p / BENCH_POSTS_PER_AUTHOR), NULL, posts.docs[p]);
   }
   for (size_t c = 0; c < w->comments; c++) {
      insert (ins[3], KEY (comments, c), FLOOR_KEY, KEY (posts, c / BENCH_COMMENTS_PER_POST), NULL, comments.docs[c]);
   }
   for (size_t l = 0; l < w->links; l++) {
      int64_t k = (int64_t) (l / BENCH_TAGS_PER_POST) + 1;

      insert (ins[4], LKEY (links, l), FLOOR_OID_KEY, KEY (posts, k - 1),
              KEY (tags, bench_post_tag (k, (int) (l % BENCH_TAGS_PER_POST)) - 1), links.docs[l]);
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
   bench_section_end (r, &section, 1);
   r->build_seconds = t1 - section.t0;
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

/* The posts of the authors (keys), chunk by chunk. */
static void
posts_of (floor_t *f, const uint8_t *authors, size_t n, fkeys_t *posts)
{
   for (size_t done = 0; done < n; done += FLOOR_CHUNK) {
      size_t count = n - done < FLOOR_CHUNK ? n - done : FLOOR_CHUNK;
      sqlite3_stmt *stmt = floor_in_stmt (f, FQ_POSTS_BY_AUTHOR, count);

      floor_bind_keys (stmt, authors + done * FLOOR_KEY, count);
      while (sqlite3_step (stmt) == SQLITE_ROW) {
         fkeys_push (posts, sqlite3_column_blob (stmt, 0));
      }
      sqlite3_reset (stmt);
   }
}

/* The hand-written cascade: the posts' keys, then comments, links, posts
 * and authors by IN lists, in one transaction. */
void
floor_delete_all (floor_t *f, bench_result_t *r)
{
   uint8_t *authors = bson_malloc (f->w.deleted * FLOOR_KEY);
   fkeys_t posts = {0};
   bench_section_t section;

   for (size_t i = 0; i < f->w.deleted; i++) {
      fkey_int (bench_deleted_author (i), authors + i * FLOOR_KEY);
   }
   bench_section_begin (r, &section);
   floor_exec (f, "BEGIN IMMEDIATE");
   posts_of (f, authors, f->w.deleted, &posts);
   r->docs += delete_in (f, "DELETE FROM Comment WHERE post_id IN (", posts.keys, posts.n);
   delete_in (f, "DELETE FROM Post_Tag WHERE post_id IN (", posts.keys, posts.n);
   r->docs += delete_in (f, "DELETE FROM Post WHERE id IN (", posts.keys, posts.n);
   r->docs += delete_in (f, "DELETE FROM Author WHERE id IN (", authors, f->w.deleted);
   floor_exec (f, "COMMIT");
   bench_section_end (r, &section, 1);
   bson_free (posts.keys);
   bson_free (authors);
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
      } else if (strcmp (argv[i], "--gets") == 0) {
         f.gets = atoi (argv[i + 1]);
      }
   }
   if (argc < 2 || !path || scale < 1) {
      fprintf (stderr, "usage: floor-bench save_all|get_join|get|cursor|delete_all --db PATH [--scale N] [--gets N]\n");
      return 2;
   }
   f.w = bench_workload (scale);
   f.gets = f.gets > 0 ? f.gets : BENCH_GETS;
   if (sqlite3_open (path, &f.db) != SQLITE_OK) {
      bench_die (path, sqlite3_errmsg (f.db));
   }
   /* docrel's settings for a file store */
   bench_count_statements (f.db);
   bench_statement_source = bench_statements;
   floor_exec (&f, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL");
   floor_exec (&f, SCHEMA);
   r.impl = "floor";
   r.store = "sqlite";
   r.scale = scale;
   r.commands = r.commands_expected = -1;
   r.statements = -1;
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
