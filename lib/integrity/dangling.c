/* SPDX-License-Identifier: Apache-2.0 */
/* dangling.c: keys that point nowhere. For hasOne and hasMany the children
 * hold the key, for belongsTo the owner does; either way the holders are
 * scanned and their keys looked up in the referenced model, chunk by chunk.
 * hasAndBelongsToMany links are checked the same way, on both ends
 * (links.c). A repairing pass collects the holders its rule fixes and sends
 * them when the cursor is closed, scanning again while a list filled up. */
#include "integrity/integrity-private.h"
#include "bsonx/bsonx-private.h"

/* What a pass reports into, or fixes. */
typedef struct {
   docrel_integrity_t *it;
   docrel_finding_t *found;
   docrel_fixes_t *fixes;
   char *const *paths[2]; /* per side: the key shown in a sample */
   size_t n_keys;
   bool link; /* samples show both ends and which is missing */
} pass_t;

static void
append_id (bson_t *entry, const bson_t *doc)
{
   bson_iter_t iter;

   if (bson_iter_init_find (&iter, doc, "_id")) {
      bson_append_value (entry, "_id", 3, bson_iter_value (&iter));
   }
}

static bool
on_bad (const bson_t *doc, unsigned failed, void *ctx)
{
   pass_t *p = ctx;
   bson_iter_t iter;
   bson_t *entry;

   if (p->it->repairing) {
      if (p->fixes->kind != DOCREL_FIX_NONE && bson_iter_init_find (&iter, doc, "_id")) {
         docrel_fixes__add (p->fixes, bson_iter_value (&iter));
      }
      return p->fixes->n < DOCREL_INTEGRITY_CHUNK;
   }
   entry = bson_new ();
   append_id (entry, doc);
   if (p->link) {
      BSON_APPEND_UTF8 (entry, "missing", failed == 3 ? "both" : failed == 1 ? "left" : "right");
      docrel_integrity__append_key (entry, "left", doc, p->paths[0], p->n_keys);
      docrel_integrity__append_key (entry, "right", doc, p->paths[1], p->n_keys);
   } else {
      docrel_integrity__append_key (entry, "key", doc, p->paths[0], p->n_keys);
   }
   docrel_finding__add (p->found, entry, p->it->opts->sample);
   return true;
}

/* Runs scan (reporting into p->found), or, repairing, again and again until
 * a run leaves nothing to fix; *changed counts the documents fixed. */
static bool
run_pass (docrel_integrity_t *it, docrel_scan_t *scan, pass_t *p, int64_t *changed, bson_error_t *error)
{
   bool stopped = true;
   int64_t n;

   scan->bad = on_bad;
   scan->ctx = p;
   while (stopped) {
      if (!docrel_scan__run (scan, &stopped, error)) {
         return false;
      }
      if (!it->repairing) {
         return true;
      }
      if (!docrel_fixes__send (p->fixes, &n, error)) {
         return false;
      }
      *changed += n;
      if (n > 0 && p->fixes->kind == DOCREL_FIX_DELETE) {
         docrel_integrity__shrank (it, scan->model);
      }
      if (n == 0) {
         break; /* nothing changed: scanning again would find the same */
      }
   }
   return true;
}

static docrel_fix_kind_t
fix_of (docrel_on_delete_t on_delete)
{
   return on_delete == DOCREL_ON_DELETE_SET_NULL  ? DOCREL_FIX_UNSET
          : on_delete == DOCREL_ON_DELETE_CASCADE ? DOCREL_FIX_DELETE
                                                  : DOCREL_FIX_NONE;
}

bool
docrel_integrity__dangling (docrel_integrity_t *it, docrel_rel_check_t *rc, bson_error_t *error)
{
   const docrel_relation_t *r = rc->r;
   bool belongs = r->kind == DOCREL_BELONGS_TO;
   docrel_scan_t scan = {0};
   docrel_fixes_t fixes;
   pass_t p = {it, &rc->dangling, &fixes, {NULL, NULL}, r->n_keys, false};
   docrel_fix_kind_t kind = fix_of (r->on_delete);
   bson_t *filter;
   bool ok;

   scan.model = belongs ? r->model : r->target;
   scan.n_sides = 1;
   scan.sides[0].target = belongs ? r->target : r->model;
   scan.sides[0].scan_paths = belongs ? r->left_keys : r->right_keys;
   scan.sides[0].target_paths = belongs ? r->right_keys : r->left_keys;
   scan.sides[0].n_keys = r->n_keys;
   p.paths[0] = scan.sides[0].scan_paths;
   filter = docrel_scan__has_keys_filter (scan.sides[0].scan_paths, r->n_keys);
   scan.filter = filter;
   docrel_fixes__init (&fixes, scan.model, kind, scan.sides[0].scan_paths, r->n_keys);
   ok = run_pass (it, &scan, &p, kind == DOCREL_FIX_DELETE ? &rc->deleted : &rc->unset, error);
   docrel_fixes__destroy (&fixes);
   bson_destroy (filter);
   return ok;
}

bool
docrel_integrity__links (docrel_integrity_t *it, docrel_rel_check_t *rc, bson_error_t *error)
{
   const docrel_relation_t *r = rc->r;
   docrel_scan_t scan = {0};
   docrel_fixes_t fixes;
   pass_t p = {it, &rc->orphans, &fixes, {r->link_left, r->link_right}, r->n_keys, true};
   bool ok;

   scan.model = r->link;
   scan.n_sides = 2;
   scan.keyless_bad = true; /* a link without an end is an orphan too */
   scan.sides[0].target = r->model;
   scan.sides[0].scan_paths = r->link_left;
   scan.sides[0].target_paths = r->left_keys;
   scan.sides[1].target = r->target;
   scan.sides[1].scan_paths = r->link_right;
   scan.sides[1].target_paths = r->right_keys;
   scan.sides[0].n_keys = scan.sides[1].n_keys = r->n_keys;
   docrel_fixes__init (&fixes, r->link, DOCREL_FIX_DELETE, NULL, 0);
   ok = run_pass (it, &scan, &p, &rc->unlinked, error);
   docrel_fixes__destroy (&fixes);
   return ok;
}
