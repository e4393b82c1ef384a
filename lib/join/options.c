/* SPDX-License-Identifier: Apache-2.0 */
/* options.c: a find's options, parsed in one place into the compiled
 * pieces the backend receives (docrel_find_spec_t): skip, limit, batchSize,
 * sort, projection (widened by the keys a join tree reads), join (kept as a
 * view for the caller) and related (resolved into conditions on the
 * filter, related.c). */
#include <string.h>

#include "docrel/docrel-query.h"
#include "util/util-private.h"
#include "store/store-private.h"
#include "model/model-private.h"
#include "doc/doc-private.h"
#include "join/join-private.h"

void
docrel_find__destroy (docrel_find_t *find)
{
   if (find->filter) {
      docrel_filter__destroy (find->filter);
   }
   if (find->sort) {
      docrel_sort__destroy (find->sort);
   }
   if (find->projection) {
      docrel_projection__destroy (find->projection);
   }
   memset (find, 0, sizeof *find);
}

static bool
get_count (const bson_iter_t *iter, const char *name, bool positive, int64_t *out, bson_error_t *error)
{
   int64_t v;

   if (!docrel_query__integer (iter, &v)) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION, "option '%s': expected an integer",
                                name);
   }
   if (v < 0 || (positive && v == 0)) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                "option '%s': expected an integer %s 0, got %" PRId64, name, positive ? ">" : ">=", v);
   }
   *out = v;
   return true;
}

static bool
get_document (const bson_iter_t *iter, const char *name, bson_t *out, bson_error_t *error)
{
   const uint8_t *data;
   uint32_t len;

   if (!BSON_ITER_HOLDS_DOCUMENT (iter)) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION, "option '%s': expected a document",
                                name);
   }
   bson_iter_document (iter, &len, &data);
   return bson_init_static (out, data, len);
}

/* Replaces the compiled filter by {$and: [filter, <related conditions>]}:
 * filtering by related documents becomes a key $in on this model. */
static bool
add_related (docrel_model_t *model,
             const bson_t *filter,
             const bson_t *related,
             docrel_find_t *find,
             bson_error_t *error)
{
   bson_t combined = BSON_INITIALIZER;
   bson_t conjuncts;
   uint32_t n = 0;
   bool ok;

   if (!docrel_arrays__numbered (bson_get_data (related), related->len, false)) {
      bson_t renumbered; /* arrays are read by position (util/arrays.c) */
      docrel_arrays__renumber (bson_get_data (related), related->len, false, &renumbered);
      ok = add_related (model, filter, &renumbered, find, error);
      bson_destroy (&renumbered);
      return ok;
   }
   bson_append_array_begin (&combined, "$and", 4, &conjuncts);
   if (filter && !bson_empty (filter)) {
      bson_append_document (&conjuncts, "0", 1, filter);
      n = 1;
   }
   ok = docrel_join__resolve_related (model->store, model, related, &conjuncts, &n, error);
   bson_append_array_end (&combined, &conjuncts);
   /* n == 0: no filter, and $every / $none over no key added no condition */
   if (ok && n > 0) {
      docrel_filter_t *compiled = docrel_filter__new (&combined, error);
      ok = compiled != NULL;
      if (ok) {
         if (find->filter) {
            docrel_filter__destroy (find->filter);
         }
         find->filter = compiled;
         find->spec.filter = compiled;
      }
   }
   bson_destroy (&combined);
   return ok;
}

/* The options parse_option has seen that need the others first. */
typedef struct {
   bson_t related, projection; /* views into opts */
   bool has_related, has_projection;
} pending_t;

/* Reads one option into find (or pending). */
static bool
parse_option (const bson_iter_t *iter, bool counting, docrel_find_t *find, pending_t *pending, bson_error_t *error)
{
   const char *key = bson_iter_key (iter);
   bson_t sub;
   int64_t n;

   if (strcmp (key, "skip") == 0) {
      return get_count (iter, key, false, &find->spec.skip, error);
   } else if (strcmp (key, "limit") == 0) {
      return get_count (iter, key, false, &find->spec.limit, error);
   } else if (strcmp (key, "related") == 0) {
      return (pending->has_related = get_document (iter, key, &pending->related, error));
   } else if (counting) {
      /* a count takes no other option */
   } else if (strcmp (key, "batchSize") == 0) {
      if (!get_count (iter, key, true, &n, error)) {
         return false;
      }
      find->spec.batch_size = n > INT32_MAX ? INT32_MAX : (int32_t) n;
      return true;
   } else if (strcmp (key, "sort") == 0) {
      /* a repeated option takes the last value, as skip and limit do */
      docrel_sort__destroy (find->sort);
      find->sort = NULL;
      find->spec.sort = NULL;
      if (!get_document (iter, key, &sub, error) || !(find->sort = docrel_sort__new (&sub, error))) {
         return false;
      }
      find->spec.sort = find->sort;
      return true;
   } else if (strcmp (key, "join") == 0) {
      if (!BSON_ITER_HOLDS_DOCUMENT (iter)) {
         return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                   "option 'join': expected a document");
      }
      bson_iter_document (iter, &find->join_len, &find->join_data);
      return true;
   } else if (strcmp (key, "projection") == 0) {
      return (pending->has_projection = get_document (iter, key, &pending->projection, error) &&
                                        docrel_join__projection_keeps_id (&pending->projection, error));
   }
   return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION, "unknown %s option '%s'",
                             counting ? "count" : "find", key);
}

/* Compiled after every option is read: a join tree may come after the
 * projection in opts and widens it with the keys its relations read. */
static bool
compile_projection (docrel_model_t *model, const bson_t *projection, docrel_find_t *find, bson_error_t *error)
{
   bson_t tree, widened;
   bool have_tree = find->join_data && bson_init_static (&tree, find->join_data, find->join_len);

   docrel_join__widen_projection (model, have_tree ? &tree : NULL, projection, &widened);
   find->projection = docrel_projection__new (&widened, error);
   bson_destroy (&widened);
   find->spec.projection = find->projection;
   return find->projection != NULL;
}

bool
docrel_find__parse (docrel_model_t *model,
                    const bson_t *filter,
                    const bson_t *opts,
                    bool counting,
                    docrel_find_t *find,
                    bson_error_t *error)
{
   pending_t pending = {0};
   bson_iter_t iter;
   bool ok = true;

   memset (find, 0, sizeof *find);
   if (filter && !bson_empty (filter)) {
      find->filter = docrel_filter__new (filter, error);
      if (!find->filter) {
         return false;
      }
      find->spec.filter = find->filter;
   }
   if (opts && bson_iter_init (&iter, opts)) {
      while (ok && bson_iter_next (&iter)) {
         ok = parse_option (&iter, counting, find, &pending, error);
      }
   }
   ok = ok && (!pending.has_projection || compile_projection (model, &pending.projection, find, error)) &&
        (!pending.has_related || add_related (model, filter, &pending.related, find, error));
   if (!ok) {
      docrel_find__destroy (find);
   }
   return ok;
}

bool
docrel_find__check_args (docrel_session_t *session, docrel_model_t *model, bson_error_t *error)
{
   if (!session || !model) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_INVALID_ARGUMENT,
                                "a query needs a session and a model");
   }
   return docrel_model__use (model, error);
}
