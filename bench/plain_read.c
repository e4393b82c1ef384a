/* SPDX-License-Identifier: Apache-2.0 */
/* plain_read.c: the plain floor's reads, materialised into the structs of
 * plain.h: get_join of everything (one statement per table), get of one
 * author with its tree (one statement per edge and one for the author),
 * and a streaming cursor over the posts joined to their authors. */
#include <string.h>

#include "plain.h"

static char *
col_text (p_arena_t *a, sqlite3_stmt *stmt, int col)
{
   return p_strdup (a, sqlite3_column_text (stmt, col), sqlite3_column_bytes (stmt, col));
}

static void
done (sqlite3_stmt *stmt, int rc)
{
   if (rc != SQLITE_DONE) {
      bench_die ("plain query", sqlite3_errmsg (sqlite3_db_handle (stmt)));
   }
   sqlite3_reset (stmt);
}

/* Rows (id, author_id, title, body) as posts of the authors in authors. */
static void
read_posts (sqlite3_stmt *stmt, p_arena_t *a, const p_map_t *authors, p_map_t *posts)
{
   int rc;

   while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
      p_post_t *p = p_alloc (a, sizeof *p);
      p_author_t *author;

      *p = (p_post_t){.id = sqlite3_column_int64 (stmt, 0), .author_id = sqlite3_column_int64 (stmt, 1)};
      p->title = col_text (a, stmt, 2);
      p->body = col_text (a, stmt, 3);
      author = p_map_get (authors, p->author_id);
      if (author) {
         p_list_push (a, &author->posts, p);
      }
      p_map_put (posts, p->id, p);
   }
   done (stmt, rc);
}

/* Rows (id, post_id, body) as comments of the posts in posts. */
static void
read_comments (sqlite3_stmt *stmt, p_arena_t *a, const p_map_t *posts)
{
   int rc;

   while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
      p_comment_t *c = p_alloc (a, sizeof *c);
      p_post_t *post;

      *c = (p_comment_t){sqlite3_column_int64 (stmt, 0), sqlite3_column_int64 (stmt, 1), col_text (a, stmt, 2)};
      post = p_map_get (posts, c->post_id);
      if (post) {
         p_list_push (a, &post->comments, c);
      }
   }
   done (stmt, rc);
}

/* Counted as docrel_read.c counts: the author, posts, comments, tag links. */
static uint64_t
count_tree (const p_author_t *author)
{
   uint64_t n = 1;

   for (size_t i = 0; i < author->posts.n; i++) {
      const p_post_t *p = author->posts.items[i];

      n += 1 + p->comments.n + p->tags.n;
   }
   return n;
}

/* ---- get_join ------------------------------------------------------------ */

static p_author_t **
read_authors (sqlite3 *db, p_arena_t *a, p_map_t *map, size_t expected, size_t *n)
{
   sqlite3_stmt *stmt = plain_prepare (db, "SELECT id, name FROM author");
   p_author_t **all = p_alloc (a, expected * sizeof *all);
   int rc;

   *n = 0;
   while ((rc = sqlite3_step (stmt)) == SQLITE_ROW && *n < expected) {
      p_author_t *au = p_alloc (a, sizeof *au);

      *au = (p_author_t){.id = sqlite3_column_int64 (stmt, 0), .name = col_text (a, stmt, 1)};
      p_map_put (map, au->id, au);
      all[(*n)++] = au;
   }
   sqlite3_finalize (stmt);
   return all;
}

/* Tags by id, then each link (post_id, tag_id) onto its post. */
static void
read_tags (sqlite3 *db, p_arena_t *a, const p_map_t *posts)
{
   sqlite3_stmt *tags = plain_prepare (db, "SELECT id, name FROM tag");
   sqlite3_stmt *links = plain_prepare (db, "SELECT post_id, tag_id FROM post_tag");
   p_map_t map;

   p_map_init (a, &map, BENCH_TAGS);
   while (sqlite3_step (tags) == SQLITE_ROW) {
      p_tag_t *t = p_alloc (a, sizeof *t);

      *t = (p_tag_t){sqlite3_column_int64 (tags, 0), col_text (a, tags, 1)};
      p_map_put (&map, t->id, t);
   }
   while (sqlite3_step (links) == SQLITE_ROW) {
      p_post_t *post = p_map_get (posts, sqlite3_column_int64 (links, 0));
      p_tag_t *tag = p_map_get (&map, sqlite3_column_int64 (links, 1));

      if (post && tag) {
         p_list_push (a, &post->tags, tag);
      }
   }
   sqlite3_finalize (tags);
   sqlite3_finalize (links);
}

void
plain_get_join (plain_t *p, bench_result_t *r)
{
   p_arena_t a = {0};
   p_map_t authors, posts;
   p_author_t **all;
   sqlite3_stmt *stmt;
   size_t n;
   bench_section_t section;

   bench_section_begin (r, &section);
   plain_exec (p->db, "BEGIN");
   p_map_init (&a, &authors, p->w.authors);
   p_map_init (&a, &posts, p->w.posts);
   all = read_authors (p->db, &a, &authors, p->w.authors, &n);
   stmt = plain_prepare (p->db, "SELECT id, author_id, title, body FROM post");
   read_posts (stmt, &a, &authors, &posts);
   sqlite3_finalize (stmt);
   stmt = plain_prepare (p->db, "SELECT id, post_id, body FROM comment");
   read_comments (stmt, &a, &posts);
   sqlite3_finalize (stmt);
   read_tags (p->db, &a, &posts);
   plain_exec (p->db, "COMMIT");
   for (size_t i = 0; i < n; i++) {
      r->docs += count_tree (all[i]);
   }
   p_arena_free (&a);
   bench_section_end (r, &section, 1);
}

/* ---- get ----------------------------------------------------------------- */

void
plain_get_prepare (sqlite3 *db, p_get_stmts_t *s)
{
   s->author = plain_prepare (db, "SELECT id, name FROM author WHERE id = ?");
   s->posts = plain_prepare (db, "SELECT id, author_id, title, body FROM post WHERE author_id = ?");
   s->comments = plain_prepare (db, "SELECT c.id, c.post_id, c.body FROM post p JOIN comment c ON c.post_id = p.id "
                                    "WHERE p.author_id = ?");
   s->tags = plain_prepare (db, "SELECT pt.post_id, t.id, t.name FROM post p JOIN post_tag pt ON pt.post_id = p.id "
                                "JOIN tag t ON t.id = pt.tag_id WHERE p.author_id = ?");
}

void
plain_get_finalize (p_get_stmts_t *s)
{
   sqlite3_finalize (s->author);
   sqlite3_finalize (s->posts);
   sqlite3_finalize (s->comments);
   sqlite3_finalize (s->tags);
}

/* Rows (post_id, tag id, name) as tags of the posts (one Tag object per
 * row: a request does not share tags across posts). */
static void
read_post_tags (sqlite3_stmt *stmt, p_arena_t *a, const p_map_t *posts)
{
   int rc;

   while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
      p_post_t *post = p_map_get (posts, sqlite3_column_int64 (stmt, 0));
      p_tag_t *t = p_alloc (a, sizeof *t);

      *t = (p_tag_t){sqlite3_column_int64 (stmt, 1), col_text (a, stmt, 2)};
      if (post) {
         p_list_push (a, &post->tags, t);
      }
   }
   done (stmt, rc);
}

uint64_t
plain_get_one (p_get_stmts_t *s, p_arena_t *a, int64_t id)
{
   p_map_t authors, posts;
   p_author_t *au = p_alloc (a, sizeof *au);

   sqlite3_bind_int64 (s->author, 1, id);
   if (sqlite3_step (s->author) != SQLITE_ROW) {
      bench_die ("plain get", "author not found");
   }
   *au = (p_author_t){.id = sqlite3_column_int64 (s->author, 0), .name = col_text (a, s->author, 1)};
   sqlite3_reset (s->author);
   p_map_init (a, &authors, 1);
   p_map_init (a, &posts, BENCH_POSTS_PER_AUTHOR);
   p_map_put (&authors, id, au);
   sqlite3_bind_int64 (s->posts, 1, id);
   read_posts (s->posts, a, &authors, &posts);
   sqlite3_bind_int64 (s->comments, 1, id);
   read_comments (s->comments, a, &posts);
   sqlite3_bind_int64 (s->tags, 1, id);
   read_post_tags (s->tags, a, &posts);
   return count_tree (au);
}

void
plain_get (plain_t *p, bench_result_t *r)
{
   p_get_stmts_t s;
   p_arena_t a = {0};
   bench_section_t section;

   plain_get_prepare (p->db, &s);
   bench_section_begin (r, &section);
   for (int i = 0; i < p->gets; i++) {
      r->docs += plain_get_one (&s, &a, bench_get_author (&p->w, i));
      p_arena_reset (&a);
   }
   bench_section_end (r, &section, (uint64_t) p->gets);
   p_arena_free (&a);
   plain_get_finalize (&s);
}

/* ---- cursor -------------------------------------------------------------- */

/* Posts stream from one statement joined to their authors; every
 * BENCH_CURSOR_BATCH posts the batch's objects are released. */
void
plain_cursor (plain_t *p, bench_result_t *r)
{
   sqlite3_stmt *stmt = plain_prepare (p->db, "SELECT p.id, p.author_id, p.title, p.body, a.name FROM post p "
                                              "JOIN author a ON a.id = p.author_id");
   p_arena_t a = {0};
   p_map_t authors;
   size_t in_batch = 0;
   bench_section_t section;

   bench_section_begin (r, &section);
   p_map_init (&a, &authors, BENCH_CURSOR_BATCH);
   while (sqlite3_step (stmt) == SQLITE_ROW) {
      p_post_t *post = p_alloc (&a, sizeof *post);
      p_author_t *au;

      *post = (p_post_t){.id = sqlite3_column_int64 (stmt, 0), .author_id = sqlite3_column_int64 (stmt, 1)};
      post->title = col_text (&a, stmt, 2);
      post->body = col_text (&a, stmt, 3);
      au = p_map_get (&authors, post->author_id);
      if (!au) {
         au = p_alloc (&a, sizeof *au);
         *au = (p_author_t){.id = post->author_id, .name = col_text (&a, stmt, 4)};
         p_map_put (&authors, au->id, au);
      }
      p_list_push (&a, &au->posts, post);
      r->docs += 2;
      if (++in_batch == BENCH_CURSOR_BATCH) {
         p_arena_reset (&a);
         p_map_init (&a, &authors, BENCH_CURSOR_BATCH);
         in_batch = 0;
      }
   }
   p_arena_free (&a);
   bench_section_end (r, &section, 1);
   sqlite3_finalize (stmt);
}
