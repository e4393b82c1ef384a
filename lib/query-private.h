/* query-private.h: the query entry point the join layer shares. */
#ifndef DOCREL_QUERY_PRIVATE_H
#define DOCREL_QUERY_PRIVATE_H

#include <bson/bson.h>

#include "docrel/docrel-query.h"

/* As docrel_find_all without joins, with skip and limit applied per group of
 * documents sharing the values at group_paths when n_group > 0 (a join's
 * per-parent window), in one query. Every document is kept in the session.
 * *out is bson_malloc'd (the caller frees it); on failure it is NULL. */
bool docrel_query__load (docrel_session_t *session,
                         docrel_model_t *model,
                         const bson_t *filter,
                         const bson_t *opts,
                         const char *const *group_paths,
                         size_t n_group,
                         docrel_doc_t ***out,
                         size_t *n,
                         bson_error_t *error);

#endif
