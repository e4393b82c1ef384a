/* error-private.h: filling bson_error_t the same way everywhere. */
#ifndef DOCREL_ERROR_PRIVATE_H
#define DOCREL_ERROR_PRIVATE_H

#include <bson/bson.h>

#include "docrel/docrel-error.h"

/* Sets error (if not NULL) with printf-style message. Always returns false,
 * so callers can write `return docrel_error__set (...)`. */
bool
docrel_error__set (bson_error_t *error, uint32_t domain, uint32_t code, const char *fmt, ...)
   BSON_GNUC_PRINTF (4, 5);

/* Puts a printf-style prefix before error's message, keeping its domain and
 * code (for context added on the way up). Accepts NULL. Returns false. */
bool
docrel_error__prefix (bson_error_t *error, const char *fmt, ...) BSON_GNUC_PRINTF (2, 3);

/* Relaxed extended JSON of one value, for error messages. The caller frees
 * it with bson_free. Long values are cut to about 120 characters. */
char *
docrel_error__value_json (const bson_value_t *value);

/* True if error came from a MongoDB operation labelled
 * TransientTransactionError (its message ends with that label in brackets):
 * the transaction it ran in is gone, and running the whole transaction
 * again may succeed. Accepts NULL. */
bool
docrel_error__is_transient (const bson_error_t *error);

/* True if error came from a commitTransaction labelled
 * UnknownTransactionCommitResult after its retries: the transaction may
 * have committed. Accepts NULL. */
bool
docrel_error__is_commit_unknown (const bson_error_t *error);

#endif
