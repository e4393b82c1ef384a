/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-common.h: what the libFuzzer harnesses share: reading an input as a
 * BSON (or JSON) document, and the blog store each harness opens once per
 * process (sqlite::memory:, seeded with authors, posts, comments, tags).
 *
 * A harness defines LLVMFuzzerTestOneInput only; under libFuzzer
 * (DOCREL_FUZZ) libFuzzer's main drives it, otherwise fuzz/replay.c runs
 * every file of the corpus through it. A harness aborts (so the fuzzer
 * reports a crash) only where the library broke a promise it makes. */
#ifndef DOCREL_FUZZ_COMMON_H
#define DOCREL_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <docrel/docrel.h>

typedef struct {
   docrel_store_t *store;
   docrel_model_t *author, *post, *comment, *tag, *profile;
} fuzz_blog_t;

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* The blog store, opened and seeded at the first call (aborts if that
 * fails: the harness, not the input, is broken). Its keys are caller ints:
 * authors 1-4, posts 20-44, comments 100-103, tags 1-4. */
const fuzz_blog_t *fuzz_blog (void);

/* Reads the input as one document into *out: raw BSON whose length prefix
 * is the input's size, valid through every sub-document, or, if the input
 * starts with '{', relaxed or canonical extended JSON. Returns false for
 * anything else (*out is then not initialised); on true the caller
 * destroys *out. */
bool fuzz_input_bson (const uint8_t *data, size_t size, bson_t *out);

/* The input as a NUL-terminated string (bson_free it), or NULL if it holds
 * a NUL byte. */
char *fuzz_input_string (const uint8_t *data, size_t size);

/* Reports a broken promise and aborts, so the fuzzer saves the input. */
void fuzz_fail (const char *what, const bson_error_t *error);

/* True if a and b hold the same fields with the same values, in any field
 * order inside documents (arrays in order); doubles compare by bits. */
bool fuzz_same_fields (const bson_t *a, const bson_t *b);

#endif
