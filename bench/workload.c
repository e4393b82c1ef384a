/* SPDX-License-Identifier: Apache-2.0 */
/* workload.c: the formulas of workload.h. */
#include "workload.h"

#include <stdio.h>

bench_workload_t
bench_workload (int scale)
{
   bench_workload_t w;

   w.scale = scale;
   w.authors = 1000u * (size_t) scale;
   w.posts = w.authors * BENCH_POSTS_PER_AUTHOR;
   w.comments = w.posts * BENCH_COMMENTS_PER_POST;
   w.tags = BENCH_TAGS;
   w.links = w.posts * BENCH_TAGS_PER_POST;
   w.deleted = w.authors / BENCH_DELETE_EVERY;
   return w;
}

const char *
bench_author_name (int64_t author, char *buf, size_t len)
{
   snprintf (buf, len, "author-%lld", (long long) author);
   return buf;
}

const char *
bench_post_title (int64_t post, char *buf, size_t len)
{
   snprintf (buf, len, "post-%lld", (long long) post);
   return buf;
}

const char *
bench_post_body (int64_t post, char *buf, size_t len)
{
   snprintf (buf, len, "Body of post %lld. Lorem ipsum dolor sit amet, consectetur adipiscing elit.", (long long) post);
   return buf;
}

const char *
bench_comment_body (int c, int64_t post, char *buf, size_t len)
{
   snprintf (buf, len, "comment %d on post %lld", c, (long long) post);
   return buf;
}

const char *
bench_tag_name (int64_t tag_key, char *buf, size_t len)
{
   snprintf (buf, len, "tag-%lld", (long long) (tag_key - 1));
   return buf;
}

int64_t
bench_post_author (int64_t post)
{
   return (post - 1) / BENCH_POSTS_PER_AUTHOR + 1;
}

int64_t
bench_comment_post (int64_t comment)
{
   return (comment - 1) / BENCH_COMMENTS_PER_POST + 1;
}

int64_t
bench_post_tag (int64_t post, int j)
{
   return (post * 7 + j * 13) % BENCH_TAGS + 1;
}

int64_t
bench_get_author (const bench_workload_t *w, int i)
{
   return (int64_t) ((uint64_t) i * 7919u % w->authors) + 1;
}

int64_t
bench_deleted_author (size_t i)
{
   return (int64_t) ((i + 1) * BENCH_DELETE_EVERY);
}
