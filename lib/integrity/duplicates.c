/* SPDX-License-Identifier: Apache-2.0 */
/* duplicates.c: a hasOne whose parent has more than one child. The
 * children are read in one find sorted by their key (then _id), so the
 * children of one parent come together and only the current group is held.
 * A repair keeps the first child (the smallest _id) and treats the others
 * as removed from the parent's slot: the relation's onRemove applies
 * ("setNull": their key is removed, "delete": they are deleted, "keep":
 * reported only). */
#include <string.h>

#include "integrity/integrity-private.h"
#include "bsonx/bsonx-private.h"
#include "join/join-private.h"
#include "query/query-private.h"
#include "store/store-private.h"

/* The group being read: the children sharing one key. */
typedef struct {
   docrel_integrity_t *it;
   docrel_rel_check_t *rc;
   docrel_fixes_t *fixes;
   docrel_buf_t code; /* the group's key */
   bson_t *first;     /* its first child, for the sample */
   bson_t ids;        /* sample: the group's _ids */
   uint32_t n, n_ids; /* children in the group, _ids kept */
} group_t;

static void
close_group (group_t *g)
{
   const docrel_relation_t *r = g->rc->r;
   bson_t *entry;

   if (g->n > 1 && !g->it->repairing) {
      entry = bson_new ();
      docrel_integrity__append_key (entry, "key", g->first, r->right_keys, r->n_keys);
      BSON_APPEND_INT64 (entry, "children", g->n);
      BSON_APPEND_ARRAY (entry, "ids", &g->ids);
      docrel_finding__add (&g->rc->duplicates, entry, g->it->opts->sample);
   }
   if (g->first) {
      bson_destroy (g->first);
      g->first = NULL;
   }
   bson_reinit (&g->ids);
   g->n = g->n_ids = 0;
}

/* Adds a child to its group (closing the last one if the key changed).
 * False once the fix list is full. */
static bool
add_child (group_t *g, const bson_t *doc, docrel_buf_t *code)
{
   const docrel_relation_t *r = g->rc->r;
   bson_value_t values[DOCREL_MAX_KEYS];
   bson_iter_t id;
   char buf[16];
   const char *key;

   if (!docrel_join__tuple_key (doc, r->right_keys, r->n_keys, code, values) ||
       !bson_iter_init_find (&id, doc, "_id")) {
      return true;
   }
   if (g->n == 0 || code->len != g->code.len || memcmp (code->data, g->code.data, code->len) != 0) {
      close_group (g);
      docrel_buf__reset (&g->code);
      docrel_buf__append (&g->code, code->data, code->len);
      g->first = bson_copy (doc);
   } else if (g->it->repairing && g->fixes->kind != DOCREL_FIX_NONE) {
      docrel_fixes__add (g->fixes, bson_iter_value (&id));
   }
   g->n++;
   if (g->n_ids < (uint32_t) g->it->opts->sample) {
      bson_uint32_to_string (g->n_ids++, &key, buf, sizeof buf);
      bson_append_value (&g->ids, key, -1, bson_iter_value (&id));
   }
   return g->fixes->n < DOCREL_INTEGRITY_CHUNK;
}

/* One sorted read of the children; *full tells that it stopped early. */
static bool
read_groups (group_t *g, const docrel_find_spec_t *find, bool *full, bson_error_t *error)
{
   docrel_model_t *m = g->rc->r->target;
   docrel_backend_cursor_t *cursor = docrel_store__find (m->store, m->collection, find, error);
   docrel_buf_t code = DOCREL_BUF_INIT;
   bson_error_t cursor_error = {0};
   const bson_t *doc;

   *full = false;
   if (!cursor) {
      return false;
   }
   while (!*full && docrel_store__cursor_next (m->store, cursor, &doc, &cursor_error)) {
      *full = !add_child (g, doc, &code);
   }
   docrel_store__cursor_destroy (m->store, cursor);
   close_group (g);
   docrel_buf__destroy (&code);
   if (cursor_error.code != 0) {
      if (error) {
         *error = cursor_error;
      }
      return false;
   }
   return true;
}

/* The find: children holding a key, sorted by it and _id, only _id and the
 * key read. */
typedef struct {
   docrel_filter_t *filter;
   docrel_sort_t *sort;
   docrel_projection_t *projection;
   docrel_find_spec_t spec;
} owned_find_t;

static bool
make_find (const docrel_relation_t *r, owned_find_t *find, bson_error_t *error)
{
   bson_t *filter = docrel_scan__has_keys_filter (r->right_keys, r->n_keys);
   bson_t sort = BSON_INITIALIZER, projection = BSON_INITIALIZER;
   size_t i;

   BSON_APPEND_INT32 (&projection, "_id", 1);
   for (i = 0; i < r->n_keys; i++) {
      BSON_APPEND_INT32 (&sort, r->right_keys[i], 1);
      BSON_APPEND_INT32 (&projection, r->right_keys[i], 1);
   }
   BSON_APPEND_INT32 (&sort, "_id", 1);
   memset (find, 0, sizeof *find);
   find->filter = docrel_filter__new (filter, error);
   find->sort = find->filter ? docrel_sort__new (&sort, error) : NULL;
   find->projection = find->sort ? docrel_projection__new (&projection, error) : NULL;
   find->spec.filter = find->filter;
   find->spec.sort = find->sort;
   find->spec.projection = find->projection;
   bson_destroy (filter);
   bson_destroy (&sort);
   bson_destroy (&projection);
   return find->projection != NULL;
}

static bool
keyed_by_id (const docrel_relation_t *r)
{
   size_t i;

   for (i = 0; i < r->n_keys; i++) {
      if (strcmp (r->right_keys[i], "_id") == 0) {
         return true; /* one child per key by construction */
      }
   }
   return false;
}

static docrel_fix_kind_t
fix_of (docrel_on_remove_t on_remove)
{
   return on_remove == DOCREL_ON_REMOVE_SET_NULL ? DOCREL_FIX_UNSET
          : on_remove == DOCREL_ON_REMOVE_DELETE ? DOCREL_FIX_DELETE
                                                 : DOCREL_FIX_NONE;
}

bool
docrel_integrity__duplicates (docrel_integrity_t *it, docrel_rel_check_t *rc, bson_error_t *error)
{
   const docrel_relation_t *r = rc->r;
   docrel_fixes_t fixes;
   group_t g;
   owned_find_t find;
   bool ok, full = true;
   int64_t n = 1;

   if (keyed_by_id (r)) {
      return true;
   }
   memset (&g, 0, sizeof g);
   g.it = it;
   g.rc = rc;
   g.fixes = &fixes;
   bson_init (&g.ids);
   docrel_fixes__init (&fixes, r->target, fix_of (r->on_remove), r->right_keys, r->n_keys);
   ok = make_find (r, &find, error) && docrel_model__use (r->target, error);
   while (ok && full && n > 0) {
      ok = read_groups (&g, &find.spec, &full, error) && docrel_fixes__send (&fixes, &n, error);
      *(fixes.kind == DOCREL_FIX_DELETE ? &rc->deleted : &rc->unset) += ok ? n : 0;
      if (ok && n > 0 && fixes.kind == DOCREL_FIX_DELETE) {
         docrel_integrity__shrank (it, r->target);
      }
   }
   docrel_filter__destroy (find.filter);
   docrel_sort__destroy (find.sort);
   docrel_projection__destroy (find.projection);
   docrel_fixes__destroy (&fixes);
   docrel_buf__destroy (&g.code);
   bson_destroy (&g.ids);
   return ok;
}
