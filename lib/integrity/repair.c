/* SPDX-License-Identifier: Apache-2.0 */
/* repair.c: the fixes a repairing pass collects, sent as one range command
 * per list once the pass's cursor is closed (so no write lands in a
 * collection while it is being read). */
#include "integrity/integrity-private.h"
#include "graph/graph-private.h"
#include "query/query-private.h"
#include "store/store-private.h"

void
docrel_fixes__init (docrel_fixes_t *fixes,
                    docrel_model_t *model,
                    docrel_fix_kind_t kind,
                    char *const *paths,
                    size_t n_keys)
{
   fixes->model = model;
   fixes->kind = kind;
   fixes->paths = paths;
   fixes->n_keys = n_keys;
   bson_init (&fixes->ids);
   fixes->n = 0;
}

void
docrel_fixes__destroy (docrel_fixes_t *fixes)
{
   bson_destroy (&fixes->ids);
}

void
docrel_fixes__add (docrel_fixes_t *fixes, const bson_value_t *id)
{
   char buf[16];
   const char *key;

   bson_uint32_to_string (fixes->n++, &key, buf, sizeof buf);
   bson_append_value (&fixes->ids, key, -1, id);
}

bool
docrel_fixes__send (docrel_fixes_t *fixes, int64_t *changed, bson_error_t *error)
{
   docrel_store_t *store = fixes->model->store;
   docrel_filter_t *filter;
   bson_t spec = BSON_INITIALIZER, in;
   bson_t *update = NULL;
   bool ok;

   *changed = 0;
   if (fixes->n == 0 || fixes->kind == DOCREL_FIX_NONE) {
      return true;
   }
   bson_append_document_begin (&spec, "_id", 3, &in);
   BSON_APPEND_ARRAY (&in, "$in", &fixes->ids);
   bson_append_document_end (&spec, &in);
   filter = docrel_filter__new (&spec, error);
   if (fixes->kind == DOCREL_FIX_UNSET) {
      update = docrel_graph__unset_update (fixes->paths, fixes->n_keys);
      ok = filter && docrel_store__update_where (store, fixes->model->collection, filter, update, changed, error);
   } else {
      ok = filter && docrel_store__delete_many (store, fixes->model->collection, filter, changed, error);
   }
   if (update) {
      bson_destroy (update);
   }
   docrel_filter__destroy (filter);
   bson_destroy (&spec);
   bson_reinit (&fixes->ids);
   fixes->n = 0;
   return ok;
}
