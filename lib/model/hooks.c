/* SPDX-License-Identifier: Apache-2.0 */
/* hooks.c: hooks per model (docrel-hooks.h): adding them before the
 * model's first use, and running the list of one event. The layers above
 * decide when each event happens (doc/write.c, doc/fetch.c, graph/save.c,
 * graph/delete.c); a document is only passed through here, never read. */
#include "model/model-private.h"

#include <string.h>

#include "util/util-private.h"
#include "store/store-private.h"

static const char *const event_names[] = {"beforeValidate", "afterValidate", "beforeInsert",
                                          "afterInsert",    "beforeUpdate",  "afterUpdate",
                                          "beforeDelete",   "afterDelete",   "afterLoad"};

#define N_EVENTS (sizeof event_names / sizeof event_names[0])

const char *
docrel_hook_event_name (docrel_hook_event_t event)
{
   return (unsigned) event < N_EVENTS ? event_names[event] : "unknown";
}

bool
docrel_model_add_hook (docrel_model_t *model,
                       docrel_hook_event_t event,
                       docrel_hook_fn fn,
                       void *user_data,
                       bson_error_t *error)
{
   bool ok = true;

   if (!model || !fn) {
      return docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_INVALID_ARGUMENT,
                                "add_hook: model and fn must not be NULL");
   }
   if ((unsigned) event >= N_EVENTS) {
      return docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_INVALID_ARGUMENT,
                                "model '%s': add_hook: unknown event %d", model->name, (int) event);
   }
   /* the lock docrel_model__use freezes the model under */
   pthread_mutex_lock (&model->store->mutex);
   if (model->frozen) {
      ok = docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_MODEL_IN_USE,
                              "model '%s': cannot add a %s hook: the model is in use (a document was created or "
                              "loaded)",
                              model->name, event_names[event]);
   } else {
      model->hooks = bson_realloc (model->hooks, (model->n_hooks + 1) * sizeof *model->hooks);
      model->hooks[model->n_hooks].event = event;
      model->hooks[model->n_hooks].fn = fn;
      model->hooks[model->n_hooks].user_data = user_data;
      model->n_hooks++;
      model->hook_events |= 1u << (unsigned) event;
   }
   pthread_mutex_unlock (&model->store->mutex);
   return ok;
}

void
docrel_hooks__destroy (docrel_model_t *model)
{
   bson_free (model->hooks);
   model->hooks = NULL;
   model->n_hooks = 0;
   model->hook_events = 0;
}

bool
docrel_hooks__run (const docrel_model_t *model, docrel_hook_event_t event, docrel_doc_t *doc, bson_error_t *error)
{
   bson_error_t inner;
   size_t i;

   if (!docrel_hooks__has (model, event)) {
      return true;
   }
   for (i = 0; i < model->n_hooks; i++) {
      const struct _docrel_hook_t *h = &model->hooks[i];
      if (h->event != event) {
         continue;
      }
      memset (&inner, 0, sizeof inner); /* to tell a hook that set no error */
      if (!h->fn (doc, event, h->user_data, &inner)) {
         if (inner.domain == 0 && inner.code == 0) {
            return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_HOOK_FAILED,
                                      "model '%s': a %s hook returned false without an error", model->name,
                                      event_names[event]);
         }
         if (error) {
            *error = inner;
         }
         return false;
      }
   }
   return true;
}
