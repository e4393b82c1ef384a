/* SPDX-License-Identifier: Apache-2.0 */
/* thread.c: values kept per thread and handed to a release function when
 * the thread exits (util-private.h), for the memory a thread keeps from
 * one session to the next (pool.c, doc/recycle.c). */
#include "util/util-private.h"

/* Makes tv's key once (under its lock: pthread_once takes no argument). */
static bool
make_key (docrel_thread_value_t *tv)
{
   int state = atomic_load (&tv->state);

   if (state == 0) {
      pthread_mutex_lock (&tv->lock);
      state = atomic_load (&tv->state);
      if (state == 0) {
         state = pthread_key_create (&tv->key, tv->release) == 0 ? 1 : -1;
         atomic_store (&tv->state, state);
      }
      pthread_mutex_unlock (&tv->lock);
   }
   return state > 0;
}

void *
docrel_thread_value__peek (docrel_thread_value_t *tv)
{
   return atomic_load (&tv->state) > 0 ? pthread_getspecific (tv->key) : NULL;
}

void *
docrel_thread_value__get (docrel_thread_value_t *tv, size_t size)
{
   void *value;

   if (!make_key (tv)) {
      return NULL;
   }
   value = pthread_getspecific (tv->key);
   if (!value) {
      value = bson_malloc0 (size);
      if (pthread_setspecific (tv->key, value) != 0) {
         bson_free (value);
         value = NULL;
      }
   }
   return value;
}
