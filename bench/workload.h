/* SPDX-License-Identifier: Apache-2.0 */
/* workload.h: the standard blog workload every benchmark program runs,
 * defined by formulas so that the C programs and the Python peer build the
 * same data and pick the same rows (issue 15's definition, so that figures
 * compare with other ORMs' published ones).
 *
 * At scale s, N = 1,000·s authors. Keys are integers from 1 in each
 * collection. Author a is "author-a". Posts are numbered k = 1, 2, ... over
 * the whole run, 10 per author (author a has posts 10(a-1)+1 .. 10a), title
 * "post-k", body "Body of post k. Lorem ipsum dolor sit amet, consectetur
 * adipiscing elit.". Post k has 3 comments, c = 1..3, keys 3(k-1)+c, body
 * "comment c on post k". 50 tags at every scale: tag t (t = 0..49) has key
 * t+1 and name "tag-t". Post k is linked to tags (k*7 + j*13) % 50 for
 * j = 0..2 (three distinct tags). Operation 3 reads author i*7919 % N + 1 for
 * i = 0..9,999; operation 4 deletes every 10th author (keys 10, 20, .., N)
 * with its posts, comments and tag links. bench/peer_sqlalchemy.py mirrors
 * every function here; change both together. */
#ifndef BENCH_WORKLOAD_H
#define BENCH_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_POSTS_PER_AUTHOR 10
#define BENCH_COMMENTS_PER_POST 3
#define BENCH_TAGS_PER_POST 3
#define BENCH_TAGS 50
#define BENCH_GETS 10000       /* operation 3: single-author reads */
#define BENCH_DELETE_EVERY 10  /* operation 4: every 10th author */
#define BENCH_CURSOR_BATCH 100 /* operation 5: posts per batch */

typedef struct {
   int scale;
   size_t authors, posts, comments, tags, links;
   size_t deleted; /* authors operation 4 deletes */
} bench_workload_t;

/* The sizes at scale (>= 1). */
bench_workload_t bench_workload (int scale);

/* Names and texts, written into buf (128 bytes is enough). */
const char *bench_author_name (int64_t author, char *buf, size_t len);
const char *bench_post_title (int64_t post, char *buf, size_t len);
const char *bench_post_body (int64_t post, char *buf, size_t len);
const char *bench_comment_body (int c, int64_t post, char *buf, size_t len);
const char *bench_tag_name (int64_t tag_key, char *buf, size_t len); /* "tag-(key-1)" */

/* The author of post k, the post of comment key c. */
int64_t bench_post_author (int64_t post);
int64_t bench_comment_post (int64_t comment);

/* The key of post k's j-th tag (j < 3): (k*7 + j*13) % 50 + 1. */
int64_t bench_post_tag (int64_t post, int j);

/* The author operation 3's i-th read looks up: i*7919 % N + 1. */
int64_t bench_get_author (const bench_workload_t *w, int i);

/* The i-th author (i < w->deleted) operation 4 deletes: 10(i+1). */
int64_t bench_deleted_author (size_t i);

#endif
