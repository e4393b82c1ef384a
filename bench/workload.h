/* SPDX-License-Identifier: Apache-2.0 */
/* workload.h: the blog workload every benchmark program runs, defined by
 * formulas (no PRNG state to port) so that the C programs and the Python
 * peer build the same data and pick the same documents.
 *
 * At scale s: 1,000·s authors, 10 posts each, 3 comments per post, 50·s
 * tags, each post linked to 3 distinct tags. bench/peer_sqlalchemy.py
 * mirrors every function here; change both together. */
#ifndef BENCH_WORKLOAD_H
#define BENCH_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_POSTS_PER_AUTHOR 10
#define BENCH_COMMENTS_PER_POST 3
#define BENCH_TAGS_PER_POST 3
#define BENCH_GETS 10000          /* operation 3: random single-author reads */
#define BENCH_DELETED_AUTHORS 100 /* operation 4, at every scale */
#define BENCH_CURSOR_BATCH 100    /* operation 5: posts per batch */

typedef struct {
   int scale;
   size_t authors, posts, comments, tags, links;
} bench_workload_t;

/* The sizes at scale (>= 1). */
bench_workload_t bench_workload (int scale);

/* Author i's name and email, post p's title, tag t's name: written into buf
 * (64 bytes is enough). Bodies are prefixes of one fixed text. */
const char *bench_author_name (size_t i, char *buf, size_t len);
const char *bench_author_email (size_t i, char *buf, size_t len);
const char *bench_post_title (size_t p, char *buf, size_t len);
const char *bench_tag_name (size_t t, char *buf, size_t len);
const char *bench_post_body (void);    /* 280 characters */
const char *bench_comment_body (void); /* 120 characters */

/* The k-th tag (k < 3) of global post p: three distinct tags. */
size_t bench_post_tag (const bench_workload_t *w, size_t p, int k);

/* The authors operation 3 reads: a 31-bit LCG from seed 42, each draw
 * modulo the number of authors. *state starts at BENCH_SEED. */
#define BENCH_SEED 42u
size_t bench_next_author (const bench_workload_t *w, uint32_t *state);

/* The i-th author (i < BENCH_DELETED_AUTHORS) operation 4 deletes, spread
 * evenly over the insertion order. */
size_t bench_deleted_author (const bench_workload_t *w, size_t i);

#endif
