/* SPDX-License-Identifier: Apache-2.0 */
/* payload.c: the "$payload" edge option of a hasAndBelongsToMany join
 * ({"tags": {"$payload": "link"}}): the link documents the join reads
 * anyway hand their extra fields to the parents' slots, one payload per
 * (parent, related document) pair. No query of its own. */
#include <string.h>

#include "doc/doc-private.h"
#include "util/util-private.h"
#include "join/join-private.h"
#include "model/model-private.h"

bool
docrel_join__check_payload (const docrel_relation_t *r, const bson_iter_t *edge, const char *where, bson_error_t *error)
{
   bson_iter_t iter;
   const char *name;

   if (!BSON_ITER_HOLDS_DOCUMENT (edge) || !bson_iter_recurse (edge, &iter) || !bson_iter_find (&iter, "$payload")) {
      return true;
   }
   if (r->kind != DOCREL_HAS_AND_BELONGS_TO_MANY) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                "join tree at '%s': option '$payload' is only for hasAndBelongsToMany relations "
                                "(their link documents hold the payloads)",
                                where);
   }
   name = BSON_ITER_HOLDS_UTF8 (&iter) ? bson_iter_utf8 (&iter, NULL) : NULL;
   if (!name || !name[0] || name[0] == '$' || strchr (name, '.')) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                "join tree at '%s': option '$payload' expects a plain field name (a string, not "
                                "empty, no leading '$', no '.')",
                                where);
   }
   return true;
}

/* Initialises *out with link's fields beyond _id and r's key fields. */
static void
payload_of (const docrel_relation_t *r, const bson_t *link, bson_t *out)
{
   bson_iter_t iter;
   size_t i;

   bson_init (out);
   if (!bson_iter_init (&iter, link)) {
      return;
   }
   while (bson_iter_next (&iter)) {
      const char *key = bson_iter_key (&iter);
      bool keep = strcmp (key, "_id") != 0;
      for (i = 0; keep && i < r->n_keys; i++) {
         keep = strcmp (key, r->link_left[i]) != 0 && strcmp (key, r->link_right[i]) != 0;
      }
      if (keep) {
         bson_append_iter (out, NULL, 0, &iter);
      }
   }
}

/* The documents of index under the tuple at paths of fields, or NULL. */
static const docrel_keybucket_t *
bucket (const docrel_keyindex_t *index, const bson_t *fields, char *const *paths, size_t n, docrel_buf_t *key)
{
   bson_value_t values[DOCREL_MAX_KEYS];

   docrel_buf__reset (key);
   return docrel_join__tuple_key (fields, paths, n, key, values) ? docrel_keyindex__get (index, key) : NULL;
}

/* One side's links: each gives its payload to every (parent, target) pair
 * it joins (a target the edge's $skip / $limit left out of the slot gets
 * one too: what its link holds, unseen until it joins the slot). */
static void
attach_side (const docrel_relation_t *r,
             const docrel_keyindex_t *parents,
             const docrel_keyindex_t *targets,
             docrel_doc_t *const *links,
             size_t n_links,
             char *const *near,
             char *const *far)
{
   docrel_buf_t key = DOCREL_BUF_INIT;
   size_t i, p, t;

   for (i = 0; i < n_links; i++) {
      const docrel_keybucket_t *ps = bucket (parents, links[i]->fields, near, r->n_keys, &key);
      const docrel_keybucket_t *ts = ps ? bucket (targets, links[i]->fields, far, r->n_keys, &key) : NULL;
      bson_t payload;

      if (!ts) {
         continue;
      }
      payload_of (r, links[i]->fields, &payload);
      for (p = 0; p < ps->n; p++) {
         docrel_slot_t *slot = docrel_doc__slot (ps->entries[p].doc, r->index);
         for (t = 0; t < ts->n; t++) {
            docrel_payloads__load (slot, ts->entries[t].doc, &payload);
         }
      }
      bson_destroy (&payload);
   }
   docrel_buf__destroy (&key);
}

void
docrel_join__attach_payloads (const docrel_relation_t *r,
                              docrel_doc_t *const *parents,
                              size_t n,
                              docrel_doc_t *const *targets,
                              size_t n_targets,
                              docrel_doc_t **const links[2],
                              const size_t n_links[2],
                              const char *name)
{
   docrel_keyindex_t by_parent, by_target;
   size_t i;

   docrel_keyindex__init (&by_parent);
   docrel_keyindex__init (&by_target);
   docrel_keyindex__docs (&by_parent, parents, n, r->left_keys, r->n_keys);
   docrel_keyindex__docs (&by_target, targets, n_targets, r->right_keys, r->n_keys);
   for (i = 0; i < n; i++) { /* every parent joined shows the name, links or not */
      docrel_payloads__name (docrel_doc__slot (parents[i], r->index), name);
   }
   attach_side (r, &by_parent, &by_target, links[0], n_links[0], r->link_left, r->link_right);
   if (r->symmetric) {
      attach_side (r, &by_parent, &by_target, links[1], n_links[1], r->link_right, r->link_left);
   }
   docrel_keyindex__destroy (&by_parent);
   docrel_keyindex__destroy (&by_target);
}
