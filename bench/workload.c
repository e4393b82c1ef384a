/* SPDX-License-Identifier: Apache-2.0 */
/* workload.c: the formulas of workload.h. */
#include "workload.h"

#include <stdio.h>
#include <string.h>

static const char LOREM[] =
   "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore "
   "magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo "
   "consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla.";

static char post_body[281];
static char comment_body[121];

bench_workload_t
bench_workload (int scale)
{
   bench_workload_t w;

   w.scale = scale;
   w.authors = 1000u * (size_t) scale;
   w.posts = w.authors * BENCH_POSTS_PER_AUTHOR;
   w.comments = w.posts * BENCH_COMMENTS_PER_POST;
   w.tags = 50u * (size_t) scale;
   w.links = w.posts * BENCH_TAGS_PER_POST;
   return w;
}

const char *
bench_author_name (size_t i, char *buf, size_t len)
{
   snprintf (buf, len, "Author %zu", i);
   return buf;
}

const char *
bench_author_email (size_t i, char *buf, size_t len)
{
   snprintf (buf, len, "author%zu@example.org", i);
   return buf;
}

const char *
bench_post_title (size_t p, char *buf, size_t len)
{
   snprintf (buf, len, "Post %zu", p);
   return buf;
}

const char *
bench_tag_name (size_t t, char *buf, size_t len)
{
   snprintf (buf, len, "tag-%zu", t);
   return buf;
}

/* Prefixes of LOREM, cut once (the text is longer than both). */
const char *
bench_post_body (void)
{
   if (!post_body[0]) {
      memcpy (post_body, LOREM, sizeof post_body - 1);
   }
   return post_body;
}

const char *
bench_comment_body (void)
{
   if (!comment_body[0]) {
      memcpy (comment_body, LOREM, sizeof comment_body - 1);
   }
   return comment_body;
}

/* Offsets 0, 1..7 and 9..21 from p mod T never meet while T >= 22. */
size_t
bench_post_tag (const bench_workload_t *w, size_t p, int k)
{
   size_t t0 = p % w->tags;

   switch (k) {
   case 0:
      return t0;
   case 1:
      return (t0 + 1 + p % 7) % w->tags;
   default:
      return (t0 + 9 + p % 13) % w->tags;
   }
}

size_t
bench_next_author (const bench_workload_t *w, uint32_t *state)
{
   *state = (uint32_t) (((uint64_t) *state * 1103515245u + 12345u) & 0x7fffffffu);
   return *state % w->authors;
}

size_t
bench_deleted_author (const bench_workload_t *w, size_t i)
{
   return i * (w->authors / BENCH_DELETED_AUTHORS);
}
