/* SPDX-License-Identifier: Apache-2.0 */
/* link.c: docrel_link, _unlink, _unlink_all and docrel_set_links.
 *
 * Each changes memory the way an edit would: a loaded slot gains or loses
 * the document (save_all then writes the difference), a belongsTo key is
 * set or removed, and anything the slots cannot say (a bare key, a slot
 * never loaded, "every link") becomes a deferred change on the document.
 * Written at once, the change is then docrel_save_all (doc, {field: true}),
 * one transaction; with {"defer": true} the next save_all of doc writes it;
 * with {"dryRun": true} that save_all is a dry run, and the edit is undone
 * whatever it returns. */
#include <string.h>

#include "bsonx/bsonx-private.h"
#include "docrel/docrel-graph.h"
#include "util/util-private.h"
#include "graph/graph-private.h"
#include "model/model-private.h"

typedef enum { LINK, UNLINK } link_op_t;

static void
push_pending (docrel_doc_t *doc,
              const docrel_relation_t *r,
              docrel_pending_op_t op,
              const bson_value_t *key,
              const bson_t *payload)
{
   docrel_pending_t *p;

   doc->pending = bson_realloc (doc->pending, (doc->n_pending + 1) * sizeof *doc->pending);
   p = &doc->pending[doc->n_pending++];
   p->op = op;
   p->relation = r->index;
   p->payload = payload && !bson_empty (payload) ? bson_copy (payload) : NULL;
   if (key) {
      bson_value_copy (key, &p->key);
   } else {
      memset (&p->key, 0, sizeof p->key);
      p->key.value_type = BSON_TYPE_EOD;
   }
}

/* The key other is linked by: its right key (belongsTo, links), or its _id
 * (hasOne / hasMany), as a bare key value. Initialises *out. */
static bool
key_of (const docrel_relation_t *r, const docrel_doc_t *other, bson_value_t *out, bson_error_t *error)
{
   bson_value_t values[DOCREL_MAX_KEYS];
   bool by_id = r->kind == DOCREL_HAS_ONE || r->kind == DOCREL_HAS_MANY;
   size_t i;

   if (by_id ? !(other->saved && other->has_id) : !docrel_graph__key (other, r->right_keys, r->n_keys, values)) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_NOT_SAVED,
                                "model '%s': relation '%s': the '%s' document must be saved first (or the slot "
                                "loaded)",
                                r->model->name, r->field, other->model->name);
   }
   if (by_id) {
      bson_value_copy (&other->id, out);
   } else if (r->n_keys == 1) {
      bson_value_copy (&values[0], out);
   } else {
      bson_t doc = BSON_INITIALIZER;
      bson_value_t v;
      for (i = 0; i < r->n_keys; i++) {
         bson_append_value (&doc, r->right_keys[i], -1, &values[i]);
      }
      v.value_type = BSON_TYPE_DOCUMENT;
      v.value.v_doc.data = (uint8_t *) bson_get_data (&doc);
      v.value.v_doc.data_len = doc.len;
      bson_value_copy (&v, out);
      bson_destroy (&doc);
   }
   return true;
}

/* A loaded slot that no longer says what the store holds is unloaded. */
static void
unload (docrel_doc_t *doc, const docrel_relation_t *r)
{
   if (doc->slots) {
      docrel_slot_t *slot = docrel_doc__slot (doc, r->index);
      slot->loaded = false;
      slot->n = slot->n_base = 0;
      docrel_payloads__clear (slot);
   }
}

static bool
slot_loaded (docrel_doc_t *doc, const docrel_relation_t *r)
{
   return doc->slots && docrel_doc__slot (doc, r->index)->loaded;
}

/* belongsTo: the key lives in doc. */
static bool
edit_belongs_to (docrel_undo_t *undo,
                 docrel_doc_t *doc,
                 const docrel_relation_t *r,
                 link_op_t op,
                 docrel_doc_t *other,
                 const bson_value_t *key,
                 bson_error_t *error)
{
   bson_value_t values[DOCREL_MAX_KEYS], held[DOCREL_MAX_KEYS];
   size_t i;

   if (other) {
      if (op == LINK) {
         docrel_slot_t *slot = docrel_doc__slot (doc, r->index);
         if (!slot->loaded) {
            slot->n_base = 0;
         }
         slot->loaded = true;
         slot->n = 0;
         docrel_slot__push (slot, other);
         return !docrel_graph__key (other, r->right_keys, r->n_keys, values) ||
                docrel_graph__set_key (undo, doc, r->left_keys, values, r->n_keys, error);
      }
      if (slot_loaded (doc, r)) {
         docrel_slot__remove (docrel_doc__slot (doc, r->index), other, false);
      }
      if (!docrel_graph__key (other, r->right_keys, r->n_keys, values)) {
         return true;
      }
   } else if (!docrel_graph__bare_key (r, key, values, error)) {
      return false;
   } else if (op == LINK) {
      unload (doc, r);
      return docrel_graph__set_key (undo, doc, r->left_keys, values, r->n_keys, error);
   }
   /* unlink: only if doc holds that key */
   if (docrel_graph__key (doc, r->left_keys, r->n_keys, held)) {
      for (i = 0; i < r->n_keys; i++) {
         if (docrel_compare__values (&held[i], &values[i]) != 0) {
            return true;
         }
      }
      if (!other) {
         unload (doc, r);
      }
      return docrel_graph__unset_key (undo, doc, r->left_keys, r->n_keys, error);
   }
   return true;
}

/* hasOne / hasMany: unlinking outside a loaded slot unsets the key in the
 * other documents in the store, which a required belongsTo of theirs
 * forbids (inside a slot, onRemove and validation decide at save). */
static bool
check_unsettable (const docrel_doc_t *doc, const docrel_relation_t *r, bson_error_t *error)
{
   const docrel_relation_t *required = docrel_graph__required_key (r->target, r->right_keys, r->n_keys);

   if (!required) {
      return true;
   }
   return docrel_error__set (error, DOCREL_ERROR_VALIDATION, DOCREL_ERROR_REQUIRED,
                             "model '%s': relation '%s': cannot unset the key of '%s' documents: belongsTo '%s.%s' "
                             "is required (delete them, or link them to another '%s')",
                             doc->model->name, r->field, r->target->name, required->model->name, required->field,
                             doc->model->name);
}

static bool
edit (docrel_undo_t *undo,
      docrel_doc_t *doc,
      const docrel_relation_t *r,
      link_op_t op,
      docrel_doc_t *other,
      const bson_value_t *key,
      const bson_t *payload,
      bson_error_t *error)
{
   bson_value_t own, values[DOCREL_MAX_KEYS];

   docrel_undo__touch (undo, doc);
   if (r->kind == DOCREL_BELONGS_TO) {
      return edit_belongs_to (undo, doc, r, op, other, key, error);
   }
   if (other && slot_loaded (doc, r)) {
      docrel_slot_t *slot = docrel_doc__slot (doc, r->index);
      if (op == UNLINK) {
         docrel_slot__remove (slot, other, false);
      } else if (r->kind == DOCREL_HAS_ONE) {
         slot->n = 0;
         docrel_slot__push (slot, other);
      } else if (!docrel_slot__holds (slot, other)) {
         docrel_slot__push (slot, other);
      }
      if (op == LINK && payload && !bson_empty (payload)) {
         docrel_payloads__set (slot, other, payload);
      }
      return true;
   }
   if (op == UNLINK && r->kind != DOCREL_HAS_AND_BELONGS_TO_MANY && !check_unsettable (doc, r, error)) {
      return false;
   }
   if (other) {
      if (!key_of (r, other, &own, error)) {
         return false;
      }
      push_pending (doc, r, op == LINK ? DOCREL_PENDING_LINK : DOCREL_PENDING_UNLINK, &own, payload);
      bson_value_destroy (&own);
      return true;
   }
   /* refused now: recorded, a bad key document would fail every later save */
   if (r->kind == DOCREL_HAS_AND_BELONGS_TO_MANY && !docrel_graph__bare_key (r, key, values, error)) {
      return false;
   }
   push_pending (doc, r, op == LINK ? DOCREL_PENDING_LINK : DOCREL_PENDING_UNLINK, key, payload);
   unload (doc, r); /* the slot may no longer say what the store holds */
   return true;
}

/* Writes doc's change of field now (or plans it, for a dry run), or undoes
 * the edit if that fails; a dry run undoes it in any case. */
static bool
finish (docrel_undo_t *undo,
        docrel_doc_t *doc,
        const docrel_relation_t *r,
        const docrel_graph_opts_t *o,
        bool ok,
        bson_t *plan,
        bson_error_t *error)
{
   bson_t tree = BSON_INITIALIZER;
   bson_t dry = BSON_INITIALIZER;

   if (ok && !o->defer) {
      BSON_APPEND_BOOL (&tree, r->field, true);
      BSON_APPEND_BOOL (&dry, "dryRun", true);
      if (plan) {
         bson_destroy (plan); /* docrel_save_all initialises it again */
      }
      ok = docrel_save_all (doc, &tree, o->dry_run ? &dry : NULL, plan, error);
   }
   bson_destroy (&tree);
   bson_destroy (&dry);
   if (ok && !o->dry_run) {
      docrel_undo__forget (undo);
   } else {
      docrel_undo__restore (undo);
   }
   return ok;
}

/* Reads opts of call (with_payload: a link call, whose "payload" is read
 * already), and checks that doc is saved unless the change is deferred. */
static bool
start (const char *call,
       docrel_doc_t *doc,
       const char *field,
       const bson_t *opts,
       bool with_payload,
       docrel_graph_opts_t *o,
       bson_error_t *error)
{
   unsigned accepted = DOCREL_GRAPH_OPT_DRY_RUN | DOCREL_GRAPH_OPT_DEFER;

   if (!docrel_graph__read_opts (call, opts, accepted | (with_payload ? DOCREL_GRAPH_OPT_PAYLOAD : 0u), o, error)) {
      return false;
   }
   if (!o->defer && !doc->saved) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_NOT_SAVED,
                                "model '%s': %s '%s': the document is not saved (save it, or pass "
                                "{\"defer\": true})",
                                doc->model->name, call, field);
   }
   return true;
}

/* The calls that link or unlink one document or bare key; call names the
 * public call in errors. */
static bool
link_op (const char *call,
         docrel_doc_t *doc,
         const char *field,
         link_op_t op,
         docrel_doc_t *other,
         const bson_value_t *key,
         const bson_t *opts,
         bson_t *plan,
         bson_error_t *error)
{
   docrel_relation_t *r;
   docrel_graph_opts_t o;
   docrel_undo_t undo;
   bson_t rest;
   bson_t *payload = NULL;
   bool ok;

   docrel_plan__describe_none (plan);
   if (!doc || (!other && !key)) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT,
                                "%s: doc and the other document or key must not be NULL", call);
   }
   if (!(r = docrel_graph__relation (doc, field, error))) {
      return false;
   }
   if (other && (other->session != doc->session || other->model != r->target)) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_WRONG_TYPE,
                                "model '%s': relation '%s': expected a '%s' document of the same session",
                                doc->model->name, field, r->target->name);
   }
   if (op == LINK && !docrel_graph__split_payload (call, r, opts, &rest, &payload, error)) {
      bson_destroy (&rest);
      return false;
   }
   ok = start (call, doc, field, op == LINK ? &rest : opts, op == LINK, &o, error);
   if (ok) {
      docrel_undo__init (&undo, doc->session);
      ok = finish (&undo, doc, r, &o, edit (&undo, doc, r, op, other, key, payload, error), plan, error);
   }
   if (op == LINK) {
      bson_destroy (&rest);
   }
   if (payload) {
      bson_destroy (payload);
   }
   return ok;
}

bool
docrel_link_with_opts (docrel_doc_t *doc,
                       const char *field,
                       docrel_doc_t *other,
                       const bson_t *opts,
                       bson_t *plan,
                       bson_error_t *error)
{
   return link_op ("link", doc, field, LINK, other, NULL, opts, plan, error);
}

bool
docrel_link_key_with_opts (docrel_doc_t *doc,
                           const char *field,
                           const bson_value_t *key,
                           const bson_t *opts,
                           bson_t *plan,
                           bson_error_t *error)
{
   return link_op ("link_key", doc, field, LINK, NULL, key, opts, plan, error);
}

bool
docrel_unlink_with_opts (docrel_doc_t *doc,
                         const char *field,
                         docrel_doc_t *other,
                         const bson_t *opts,
                         bson_t *plan,
                         bson_error_t *error)
{
   return link_op ("unlink", doc, field, UNLINK, other, NULL, opts, plan, error);
}

bool
docrel_unlink_key_with_opts (docrel_doc_t *doc,
                             const char *field,
                             const bson_value_t *key,
                             const bson_t *opts,
                             bson_t *plan,
                             bson_error_t *error)
{
   return link_op ("unlink_key", doc, field, UNLINK, NULL, key, opts, plan, error);
}

bool
docrel_link (docrel_doc_t *doc, const char *field, docrel_doc_t *other, const bson_t *opts, bson_error_t *error)
{
   return docrel_link_with_opts (doc, field, other, opts, NULL, error);
}

bool
docrel_link_key (docrel_doc_t *doc, const char *field, const bson_value_t *key, const bson_t *opts, bson_error_t *error)
{
   return docrel_link_key_with_opts (doc, field, key, opts, NULL, error);
}

bool
docrel_unlink (docrel_doc_t *doc, const char *field, docrel_doc_t *other, const bson_t *opts, bson_error_t *error)
{
   return docrel_unlink_with_opts (doc, field, other, opts, NULL, error);
}

bool
docrel_unlink_key (docrel_doc_t *doc,
                   const char *field,
                   const bson_value_t *key,
                   const bson_t *opts,
                   bson_error_t *error)
{
   return docrel_unlink_key_with_opts (doc, field, key, opts, NULL, error);
}

/* Clears every relation of doc under r: the loaded slot empties (its
 * removals follow onRemove), and one deferred change covers the rest. */
static bool
clear_all (docrel_undo_t *undo,
           docrel_doc_t *doc,
           const docrel_relation_t *r,
           const bson_value_t *keep,
           bson_error_t *error)
{
   docrel_undo__touch (undo, doc);
   if (slot_loaded (doc, r)) {
      docrel_doc__slot (doc, r->index)->n = 0;
   }
   if (r->kind == DOCREL_BELONGS_TO) {
      return docrel_graph__unset_key (undo, doc, r->left_keys, r->n_keys, error);
   }
   if (r->kind != DOCREL_HAS_AND_BELONGS_TO_MANY && !check_unsettable (doc, r, error)) {
      return false;
   }
   push_pending (doc, r, DOCREL_PENDING_UNLINK_ALL, keep && keep->value_type == BSON_TYPE_ARRAY ? keep : NULL, NULL);
   return true;
}

bool
docrel_unlink_all_with_opts (docrel_doc_t *doc,
                             const char *field,
                             const bson_t *opts,
                             bson_t *plan,
                             bson_error_t *error)
{
   docrel_relation_t *r;
   docrel_graph_opts_t o;
   docrel_undo_t undo;

   docrel_plan__describe_none (plan);
   if (!doc) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT, "doc must not be NULL");
   }
   r = docrel_graph__relation (doc, field, error);
   if (!r || !start ("unlink_all", doc, field, opts, false, &o, error)) {
      return false;
   }
   docrel_undo__init (&undo, doc->session);
   return finish (&undo, doc, r, &o, clear_all (&undo, doc, r, NULL, error), plan, error);
}

bool
docrel_unlink_all (docrel_doc_t *doc, const char *field, const bson_t *opts, bson_error_t *error)
{
   return docrel_unlink_all_with_opts (doc, field, opts, NULL, error);
}

/* set_links: the new set, after clearing the old one. */
static bool
set_keys (docrel_undo_t *undo,
          docrel_doc_t *doc,
          const docrel_relation_t *r,
          const bson_value_t *keys,
          size_t n,
          bson_error_t *error)
{
   bson_value_t keep = {.value_type = BSON_TYPE_EOD};
   bson_t list = BSON_INITIALIZER;
   size_t i;
   bool ok = true;

   if (r->kind == DOCREL_HAS_AND_BELONGS_TO_MANY && n > 0) {
      /* the links that stay are not deleted, so they keep their payloads */
      for (i = 0; i < n; i++) {
         char buf[16];
         const char *idx;
         bson_uint32_to_string ((uint32_t) i, &idx, buf, sizeof buf);
         bson_append_value (&list, idx, -1, &keys[i]);
      }
      keep.value_type = BSON_TYPE_ARRAY;
      keep.value.v_doc.data = (uint8_t *) bson_get_data (&list);
      keep.value.v_doc.data_len = list.len;
   }
   ok = clear_all (undo, doc, r, &keep, error);
   bson_destroy (&list);
   if (!ok) {
      return false;
   }
   if (r->kind != DOCREL_BELONGS_TO) {
      unload (doc, r); /* it would show only what was loaded of the old set */
   }
   for (i = 0; i < n; i++) {
      if (!edit (undo, doc, r, LINK, NULL, &keys[i], NULL, error)) {
         return false;
      }
   }
   return true;
}

bool
docrel_set_links_with_opts (docrel_doc_t *doc,
                            const char *field,
                            const bson_value_t *keys,
                            size_t n,
                            const bson_t *opts,
                            bson_t *plan,
                            bson_error_t *error)
{
   docrel_relation_t *r;
   docrel_graph_opts_t o;
   docrel_undo_t undo;

   docrel_plan__describe_none (plan);
   if (!doc || (n > 0 && !keys)) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT,
                                "doc and keys must not be NULL");
   }
   r = docrel_graph__relation (doc, field, error);
   if (!r) {
      return false;
   }
   if (n > 1 && !docrel_relation__is_many (r)) {
      return docrel_error__set (error, DOCREL_ERROR_DOCUMENT, DOCREL_ERROR_INVALID_ARGUMENT,
                                "model '%s': relation '%s' holds one document, got %zu keys", doc->model->name, field,
                                n);
   }
   if (!start ("set_links", doc, field, opts, false, &o, error)) {
      return false;
   }
   docrel_undo__init (&undo, doc->session);
   return finish (&undo, doc, r, &o, set_keys (&undo, doc, r, keys, n, error), plan, error);
}

bool
docrel_set_links (docrel_doc_t *doc,
                  const char *field,
                  const bson_value_t *keys,
                  size_t n,
                  const bson_t *opts,
                  bson_error_t *error)
{
   return docrel_set_links_with_opts (doc, field, keys, n, opts, NULL, error);
}
