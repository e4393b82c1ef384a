/* SPDX-License-Identifier: Apache-2.0 */
/* plain_write.c: the plain floor's writes: save_all builds the blog as
 * structs and inserts them with prepared statements in one transaction;
 * delete_all removes every 10th author with its posts, comments and tag
 * links by four statements over a JSON list of the authors' keys. */
#include <bson/bson.h>
#include <string.h>

#include "plain.h"

typedef struct {
   p_author_t *authors;
   p_post_t *posts;
   p_comment_t *comments;
   p_tag_t *tags;
} p_blog_t;

static char *
text (p_arena_t *a, const char *s)
{
   return p_strdup (a, (const unsigned char *) s, (int) strlen (s));
}

/* The objects of the workload, parents holding their children. */
static void
build (const bench_workload_t *w, p_arena_t *a, p_blog_t *b)
{
   char buf[128];

   b->tags = p_alloc (a, w->tags * sizeof *b->tags);
   b->authors = p_alloc (a, w->authors * sizeof *b->authors);
   b->posts = p_alloc (a, w->posts * sizeof *b->posts);
   b->comments = p_alloc (a, w->comments * sizeof *b->comments);
   for (size_t t = 0; t < w->tags; t++) {
      b->tags[t] = (p_tag_t){(int64_t) t + 1, text (a, bench_tag_name ((int64_t) t + 1, buf, sizeof buf))};
   }
   for (size_t i = 0; i < w->authors; i++) {
      b->authors[i] = (p_author_t){.id = (int64_t) i + 1};
      b->authors[i].name = text (a, bench_author_name ((int64_t) i + 1, buf, sizeof buf));
   }
   for (size_t i = 0; i < w->posts; i++) {
      p_post_t *p = &b->posts[i];
      int64_t k = (int64_t) i + 1;

      *p = (p_post_t){.id = k, .author_id = bench_post_author (k)};
      p->title = text (a, bench_post_title (k, buf, sizeof buf));
      p->body = text (a, bench_post_body (k, buf, sizeof buf));
      p_list_push (a, &b->authors[p->author_id - 1].posts, p);
      for (int j = 0; j < BENCH_TAGS_PER_POST; j++) {
         p_list_push (a, &p->tags, &b->tags[bench_post_tag (k, j) - 1]);
      }
   }
   for (size_t i = 0; i < w->comments; i++) {
      p_comment_t *c = &b->comments[i];

      c->id = (int64_t) i + 1;
      c->post_id = bench_comment_post (c->id);
      c->body = text (a, bench_comment_body ((int) (i % BENCH_COMMENTS_PER_POST) + 1, c->post_id, buf, sizeof buf));
      p_list_push (a, &b->posts[c->post_id - 1].comments, c);
   }
}

static void
step_done (sqlite3_stmt *stmt)
{
   if (sqlite3_step (stmt) != SQLITE_DONE) {
      bench_die ("plain insert", sqlite3_errmsg (sqlite3_db_handle (stmt)));
   }
   sqlite3_reset (stmt);
}

static void
insert_text (sqlite3_stmt *stmt, int64_t id, int64_t parent, const char *a, const char *b)
{
   int i = 1;

   sqlite3_bind_int64 (stmt, i++, id);
   if (parent) {
      sqlite3_bind_int64 (stmt, i++, parent);
   }
   sqlite3_bind_text (stmt, i++, a, -1, SQLITE_STATIC);
   if (b) {
      sqlite3_bind_text (stmt, i, b, -1, SQLITE_STATIC);
   }
   step_done (stmt);
}

/* Tags, then each author, its posts, their comments and tag links. */
static void
insert_blog (sqlite3 *db, const bench_workload_t *w, const p_blog_t *b)
{
   sqlite3_stmt *tag = plain_prepare (db, "INSERT INTO tag (id, name) VALUES (?, ?)");
   sqlite3_stmt *author = plain_prepare (db, "INSERT INTO author (id, name) VALUES (?, ?)");
   sqlite3_stmt *post = plain_prepare (db, "INSERT INTO post (id, author_id, title, body) VALUES (?, ?, ?, ?)");
   sqlite3_stmt *comment = plain_prepare (db, "INSERT INTO comment (id, post_id, body) VALUES (?, ?, ?)");
   sqlite3_stmt *link = plain_prepare (db, "INSERT INTO post_tag (post_id, tag_id) VALUES (?, ?)");

   plain_exec (db, "BEGIN IMMEDIATE");
   for (size_t t = 0; t < w->tags; t++) {
      insert_text (tag, b->tags[t].id, 0, b->tags[t].name, NULL);
   }
   for (size_t i = 0; i < w->authors; i++) {
      const p_author_t *a = &b->authors[i];

      insert_text (author, a->id, 0, a->name, NULL);
      for (size_t j = 0; j < a->posts.n; j++) {
         const p_post_t *p = a->posts.items[j];

         insert_text (post, p->id, a->id, p->title, p->body);
         for (size_t c = 0; c < p->comments.n; c++) {
            const p_comment_t *cm = p->comments.items[c];

            insert_text (comment, cm->id, p->id, cm->body, NULL);
         }
         for (size_t t = 0; t < p->tags.n; t++) {
            sqlite3_bind_int64 (link, 1, p->id);
            sqlite3_bind_int64 (link, 2, ((const p_tag_t *) p->tags.items[t])->id);
            step_done (link);
         }
      }
   }
   plain_exec (db, "COMMIT");
   sqlite3_finalize (tag);
   sqlite3_finalize (author);
   sqlite3_finalize (post);
   sqlite3_finalize (comment);
   sqlite3_finalize (link);
}

void
plain_save_all (plain_t *p, bench_result_t *r)
{
   p_arena_t a = {0};
   p_blog_t b;
   bench_section_t section;
   double t1;

   bench_section_begin (r, &section);
   build (&p->w, &a, &b);
   t1 = bench_now ();
   insert_blog (p->db, &p->w, &b);
   p_arena_free (&a);
   bench_section_end (r, &section, 1);
   r->build_seconds = t1 - section.t0;
   r->docs = p->w.authors + p->w.posts + p->w.comments + p->w.tags + p->w.links;
}

/* ---- delete_all ---------------------------------------------------------- */

#define AUTHORS_IN "(SELECT value FROM json_each (?1))"
#define POSTS_IN "(SELECT id FROM post WHERE author_id IN " AUTHORS_IN ")"

void
plain_delete_all (plain_t *p, bench_result_t *r)
{
   static const char *const sql[] = {
      "DELETE FROM comment WHERE post_id IN " POSTS_IN,
      "DELETE FROM post_tag WHERE post_id IN " POSTS_IN,
      "DELETE FROM post WHERE author_id IN " AUTHORS_IN,
      "DELETE FROM author WHERE id IN " AUTHORS_IN,
   };
   bson_string_t *keys = bson_string_new ("[");
   bench_section_t section;

   for (size_t i = 0; i < p->w.deleted; i++) {
      bson_string_append_printf (keys, i ? ",%lld" : "%lld", (long long) bench_deleted_author (i));
   }
   bson_string_append (keys, "]");
   bench_section_begin (r, &section);
   plain_exec (p->db, "BEGIN IMMEDIATE");
   for (int i = 0; i < 4; i++) {
      sqlite3_stmt *stmt = plain_prepare (p->db, sql[i]);

      sqlite3_bind_text (stmt, 1, keys->str, (int) keys->len, SQLITE_STATIC);
      if (sqlite3_step (stmt) != SQLITE_DONE) {
         bench_die (sql[i], sqlite3_errmsg (p->db));
      }
      if (i != 1) { /* links are not documents in docrel's count */
         r->docs += (uint64_t) sqlite3_changes (p->db);
      }
      sqlite3_finalize (stmt);
   }
   plain_exec (p->db, "COMMIT");
   bench_section_end (r, &section, 1);
   bson_string_free (keys, true);
}
