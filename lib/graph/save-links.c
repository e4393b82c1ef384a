/* SPDX-License-Identifier: Apache-2.0 */
/* save-links.c: the link writes of a save (see docrel_graph__plan_links).
 *
 * A link is identified by its pair of key tuples, encoded with keycode.c in
 * the order of the link's field names (for a symmetric link, the smaller
 * tuple first), so that the same pair met through Post.tags and Tag.posts,
 * or twice in one call, is written once. */
#include <string.h>

#include "docrel/docrel-graph.h"
#include "util/util-private.h"
#include "query/query-private.h"
#include "graph/graph-private.h"
#include "bsonx/bsonx-private.h"
#include "model/model-private.h"
#include "store/store-private.h"
#include "join/join-private.h"

/* A link document to insert. */
typedef struct {
   bson_t *payload;
   bool check;        /* may already be stored */
   docrel_buf_t code; /* pair_code */
   bool has_set;      /* if stored: $set its payload fields instead */
} link_insert_t;

typedef struct {
   docrel_model_t *link;
   const docrel_relation_t *r; /* the first relation met: its field names */
   bson_t *unlinks;            /* the clauses of the unlink's $or, as an array
                                * document (on the heap: a batch moves) */
   uint32_t n_unlinks;
   link_insert_t *inserts;
   size_t n_inserts;
   docrel_idmap_t pairs; /* canonical pair -> 1 */
   bson_t **updates;     /* stored links whose payload changes (a
                          * DOCREL_STEP_LINK_UPDATE's payloads) */
   size_t n_updates;
} batch_t;

typedef struct {
   batch_t *batches;
   size_t n;
} batches_t;

static batch_t *
batch_for (batches_t *all, const docrel_relation_t *r)
{
   batch_t *b;
   size_t i;

   for (i = 0; i < all->n; i++) {
      if (all->batches[i].link == r->link) {
         return &all->batches[i];
      }
   }
   all->batches = bson_realloc (all->batches, (all->n + 1) * sizeof *all->batches);
   b = &all->batches[all->n++];
   memset (b, 0, sizeof *b);
   b->link = r->link;
   b->r = r;
   docrel_idmap__init (&b->pairs);
   return b;
}

/* The canonical encoding of a link between tuples left (in r's link_left
 * fields) and right (in link_right). */
static void
pair_code (const docrel_relation_t *r, const bson_value_t *left, const bson_value_t *right, docrel_buf_t *out)
{
   docrel_buf_t a = DOCREL_BUF_INIT, b = DOCREL_BUF_INIT;
   size_t i;

   for (i = 0; i < r->n_keys; i++) {
      docrel_keycode__append (&a, &left[i]);
      docrel_keycode__append (&b, &right[i]);
   }
   docrel_buf__reset (out);
   if (r->symmetric ? (a.len > b.len || (a.len == b.len && memcmp (a.data, b.data, a.len) > 0))
                    : strcmp (r->link_left[0], r->link_right[0]) > 0) {
      docrel_buf__append (out, b.data, b.len);
      docrel_buf__append (out, a.data, a.len);
   } else {
      docrel_buf__append (out, a.data, a.len);
      docrel_buf__append (out, b.data, b.len);
   }
   docrel_buf__destroy (&a);
   docrel_buf__destroy (&b);
}

/* Adds one clause, built by the caller between begin and end, to b's $or. */
static bson_t *
clause_begin (batch_t *b, bson_t *clause)
{
   char buf[16];
   const char *key;

   if (!b->unlinks) {
      b->unlinks = bson_new ();
   }
   bson_uint32_to_string (b->n_unlinks++, &key, buf, sizeof buf);
   bson_append_document_begin (b->unlinks, key, -1, clause);
   return clause;
}

static void
clause_end (batch_t *b, bson_t *clause)
{
   bson_append_document_end (b->unlinks, clause);
}

static void
add_unlink (batch_t *b, const docrel_relation_t *r, const bson_value_t *left, const bson_value_t *right)
{
   bson_t clause;
   size_t i;
   int side;

   for (side = 0; side < (r->symmetric ? 2 : 1); side++) {
      clause_begin (b, &clause);
      for (i = 0; i < r->n_keys; i++) {
         docrel_graph__append_eq (&clause, r->link_left[i], side ? &right[i] : &left[i]);
         docrel_graph__append_eq (&clause, r->link_right[i], side ? &left[i] : &right[i]);
      }
      clause_end (b, &clause);
   }
}

/* Appends to clause what keeps the links to the bare keys of keep (an
 * array) out of a clear: {far: {$nin: [...]}}, or with composite keys
 * {$nor: [{far...: values...}, ...]}. */
static bool
keep_out (const docrel_relation_t *r, char *const *far, const bson_value_t *keep, bson_t *clause, bson_error_t *error)
{
   bson_value_t values[DOCREL_MAX_KEYS];
   bson_t list, in, one;
   bson_t arr;
   bson_iter_t iter;
   size_t i;

   if (!bson_init_static (&arr, keep->value.v_doc.data, keep->value.v_doc.data_len) || !bson_iter_init (&iter, &arr)) {
      return true;
   }
   if (r->n_keys == 1) {
      bson_append_document_begin (clause, far[0], -1, &in);
      bson_append_array_begin (&in, "$nin", 4, &list);
   } else {
      bson_append_array_begin (clause, "$nor", 4, &list);
   }
   while (bson_iter_next (&iter)) {
      if (!docrel_graph__bare_key (r, bson_iter_value (&iter), values, error)) {
         return false;
      }
      if (r->n_keys == 1) {
         bson_append_value (&list, bson_iter_key (&iter), -1, &values[0]);
         continue;
      }
      bson_append_document_begin (&list, bson_iter_key (&iter), -1, &one);
      for (i = 0; i < r->n_keys; i++) {
         docrel_graph__append_eq (&one, far[i], &values[i]);
      }
      bson_append_document_end (&list, &one);
   }
   if (r->n_keys == 1) {
      bson_append_array_end (&in, &list);
      bson_append_document_end (clause, &in);
   } else {
      bson_append_array_end (clause, &list);
   }
   return true;
}

/* Removes every link of left, but those to the keys of keep if it is an
 * array (set_links: the links that stay keep their payloads). */
static bool
add_clear (batch_t *b,
           const docrel_relation_t *r,
           const bson_value_t *left,
           const bson_value_t *keep,
           bson_error_t *error)
{
   bson_t clause;
   size_t i;
   int side;
   bool ok = true;

   for (side = 0; side < (r->symmetric ? 2 : 1); side++) {
      clause_begin (b, &clause);
      for (i = 0; i < r->n_keys; i++) {
         docrel_graph__append_eq (&clause, side ? r->link_right[i] : r->link_left[i], &left[i]);
      }
      if (ok && keep->value_type == BSON_TYPE_ARRAY) {
         ok = keep_out (r, side ? r->link_left : r->link_right, keep, &clause, error);
      }
      clause_end (b, &clause);
   }
   return ok;
}

/* The insert of b whose pair code is code, or NULL. */
static link_insert_t *
insert_of (batch_t *b, const docrel_buf_t *code)
{
   size_t i;

   for (i = 0; i < b->n_inserts; i++) {
      if (b->inserts[i].code.len == code->len && memcmp (b->inserts[i].code.data, code->data, code->len) == 0) {
         return &b->inserts[i];
      }
   }
   return NULL;
}

/* A pair linked twice in one call: the later payload's fields win. */
static void
merge_set (link_insert_t *ins, const bson_t *set)
{
   bson_t *merged = bson_new ();
   bson_iter_t iter;

   if (bson_iter_init (&iter, ins->payload)) {
      while (bson_iter_next (&iter)) {
         if (!bson_has_field (set, bson_iter_key (&iter))) {
            bson_append_iter (merged, NULL, 0, &iter);
         }
      }
   }
   bson_concat (merged, set);
   bson_destroy (ins->payload);
   ins->payload = merged;
   ins->has_set = true;
}

/* Adds the link (left, right) to insert, with the payload fields of set
 * (may be NULL): set on the stored link instead if it exists. */
static void
add_link (batch_t *b,
          const docrel_relation_t *r,
          const bson_value_t *left,
          const bson_value_t *right,
          bool check,
          const bson_t *set)
{
   docrel_buf_t code = DOCREL_BUF_INIT;
   bson_t *payload;
   bson_oid_t oid;
   size_t i;

   pair_code (r, left, right, &code);
   if (docrel_idmap__get (&b->pairs, NULL, code.data, code.len)) {
      link_insert_t *ins = set && !bson_empty (set) ? insert_of (b, &code) : NULL;
      if (ins) {
         merge_set (ins, set);
      }
      docrel_buf__destroy (&code);
      return; /* already linked in this call */
   }
   docrel_idmap__put (&b->pairs, NULL, code.data, code.len, (void *) 1);
   payload = bson_new ();
   bson_oid_init (&oid, NULL);
   BSON_APPEND_OID (payload, "_id", &oid);
   for (i = 0; i < r->n_keys; i++) {
      bson_append_value (payload, r->link_left[i], -1, &left[i]);
      bson_append_value (payload, r->link_right[i], -1, &right[i]);
   }
   if (set) {
      bson_concat (payload, set);
   }
   b->inserts = bson_realloc (b->inserts, (b->n_inserts + 1) * sizeof *b->inserts);
   b->inserts[b->n_inserts].payload = payload;
   b->inserts[b->n_inserts].check = check;
   b->inserts[b->n_inserts].code = code; /* taken over */
   b->inserts[b->n_inserts].has_set = set && !bson_empty (set);
   b->n_inserts++;
}

static bool
no_key (const docrel_doc_t *doc, const docrel_relation_t *r, bson_error_t *error)
{
   return docrel_error__set (error, DOCREL_ERROR_VALIDATION, DOCREL_ERROR_REQUIRED,
                             "model '%s': relation '%s': the '%s' document has no key '%s' to link by", r->model->name,
                             r->field, doc->model->name,
                             docrel_graph__missing (doc, doc->model == r->model ? r->left_keys : r->right_keys,
                                                    r->n_keys));
}

/* Links added to or removed from slot, the slot of walked edge e. */
static bool
diff_slot (batches_t *all,
           const docrel_edge_t *e,
           const docrel_slot_t *slot,
           const docrel_idmap_t *fresh,
           bson_error_t *error)
{
   const docrel_relation_t *r = e->r;
   bson_value_t left[DOCREL_MAX_KEYS], right[DOCREL_MAX_KEYS];
   batch_t *b;
   bool parent_fresh;
   size_t k;

   b = batch_for (all, r);
   parent_fresh = docrel_idmap__get (fresh, NULL, (const uint8_t *) &e->parent, sizeof e->parent) != NULL;
   for (k = 0; k < slot->n_base; k++) {
      docrel_doc_t *c = slot->base[k];
      if (docrel_slot__holds (slot, c)) {
         continue;
      }
      if (!docrel_graph__key (e->parent, r->left_keys, r->n_keys, left)) {
         return no_key (e->parent, r, error);
      }
      if (!docrel_graph__key (c, r->right_keys, r->n_keys, right)) {
         return no_key (c, r, error);
      }
      add_unlink (b, r, left, right);
   }
   for (k = 0; k < slot->n; k++) {
      docrel_doc_t *c = slot->docs[k];
      const docrel_payload_t *pl = docrel_payloads__get (slot, c);
      const bson_t *set = pl ? pl->set : NULL; /* a payload to write */
      bool in_base = docrel_slot__base_holds (slot, c);
      bool fresh_pair;
      if (in_base && !set) {
         continue;
      }
      if (!docrel_graph__key (e->parent, r->left_keys, r->n_keys, left)) {
         return no_key (e->parent, r, error);
      }
      if (!docrel_graph__key (c, r->right_keys, r->n_keys, right)) {
         return no_key (c, r, error);
      }
      fresh_pair = !in_base && parent_fresh && docrel_idmap__get (fresh, NULL, (const uint8_t *) &c, sizeof c);
      add_link (b, r, left, right, !fresh_pair, set);
   }
   return true;
}

/* A range update of the far model of a hasOne / hasMany: filter by the
 * parent's key (and an _id), $set or $unset of the child's key. */
static void
far_update (docrel_plan_t *plan,
            const docrel_relation_t *r,
            const bson_value_t *pkey,
            const bson_value_t *id,
            bool id_differs,
            bool set,
            int level)
{
   docrel_step_t *step = docrel_plan__step (plan, DOCREL_STEP_UPDATE_WHERE, r->target, level);
   bson_t op, ne;
   size_t i;

   step->filter = bson_new ();
   step->update = bson_new ();
   if (id && !id_differs) {
      docrel_graph__append_eq (step->filter, "_id", id);
   } else if (id) {
      bson_append_document_begin (step->filter, "_id", 3, &ne);
      bson_append_value (&ne, "$ne", 3, id);
      bson_append_document_end (step->filter, &ne);
   }
   for (i = 0; i < r->n_keys && (!set || !id || id_differs); i++) {
      docrel_graph__append_eq (step->filter, r->right_keys[i], &pkey[i]);
   }
   bson_append_document_begin (step->update, set ? "$set" : "$unset", -1, &op);
   for (i = 0; i < r->n_keys; i++) {
      if (set) {
         bson_append_value (&op, r->right_keys[i], -1, &pkey[i]);
      } else {
         BSON_APPEND_UTF8 (&op, r->right_keys[i], "");
      }
   }
   bson_append_document_end (step->update, &op);
}

/* A node's deferred link changes. */
static bool
plan_pending (docrel_plan_t *plan, batches_t *all, docrel_doc_t *p, int level, bson_error_t *error)
{
   bson_value_t left[DOCREL_MAX_KEYS], right[DOCREL_MAX_KEYS];
   bool *cleared = bson_malloc0 ((p->model->n_relations + 1) * sizeof *cleared);
   bool ok = true;
   size_t i;

   for (i = 0; ok && i < p->n_pending; i++) {
      const docrel_pending_t *op = &p->pending[i];
      const docrel_relation_t *r = p->model->relations[op->relation];

      if (!docrel_graph__key (p, r->left_keys, r->n_keys, left)) {
         ok = no_key (p, r, error);
         break;
      }
      if (r->kind == DOCREL_HAS_AND_BELONGS_TO_MANY) {
         batch_t *b = batch_for (all, r);
         if (op->op == DOCREL_PENDING_UNLINK_ALL) {
            ok = add_clear (b, r, left, &op->key, error);
            /* links after it are new (no lookup), unless some stayed */
            cleared[op->relation] = op->key.value_type != BSON_TYPE_ARRAY;
         } else if (!docrel_graph__bare_key (r, &op->key, right, error)) {
            ok = false;
         } else if (op->op == DOCREL_PENDING_LINK) {
            add_link (b, r, left, right, !cleared[op->relation], op->payload);
         } else {
            add_unlink (b, r, left, right);
         }
      } else if (op->op == DOCREL_PENDING_UNLINK_ALL) {
         far_update (plan, r, left, NULL, false, false, level);
      } else if (op->op == DOCREL_PENDING_LINK) {
         if (r->kind == DOCREL_HAS_ONE) {
            far_update (plan, r, left, &op->key, true, false, level); /* the one it replaces */
         }
         far_update (plan, r, left, &op->key, false, true, level);
      } else {
         far_update (plan, r, left, &op->key, false, false, level);
      }
   }
   bson_free (cleared);
   return ok;
}

/* True if some insert of b may be stored already. */
static bool
any_to_check (const batch_t *b)
{
   size_t i;

   for (i = 0; i < b->n_inserts; i++) {
      if (b->inserts[i].check) {
         return true;
      }
   }
   return false;
}

/* Appends {$or: [{left: {$in: [...]}}, (symmetric) {right: {$in: [...]}}]}
 * of the first key field of the inserts to check to spec; the pairs are
 * then matched here. */
static void
candidates_spec (const batch_t *b, bson_t *spec)
{
   const docrel_relation_t *r = b->r;
   bson_t in, list, either;
   size_t i;
   int side;

   bson_append_array_begin (spec, "$or", 3, &either);
   for (side = 0; side < (r->symmetric ? 2 : 1); side++) {
      bson_t clause;
      uint32_t n = 0; /* each $in array counts its keys from "0" */
      bson_append_document_begin (&either, side ? "1" : "0", 1, &clause);
      bson_append_document_begin (&clause, side ? r->link_right[0] : r->link_left[0], -1, &in);
      bson_append_array_begin (&in, "$in", 3, &list);
      for (i = 0; i < b->n_inserts; i++) {
         bson_iter_t iter;
         char buf[16];
         const char *key;
         if (b->inserts[i].check && bson_iter_init_find (&iter, b->inserts[i].payload, r->link_left[0])) {
            bson_uint32_to_string (n++, &key, buf, sizeof buf);
            bson_append_value (&list, key, -1, bson_iter_value (&iter));
         }
      }
      bson_append_array_end (&in, &list);
      bson_append_document_end (&clause, &in);
      bson_append_document_end (&either, &clause);
   }
   bson_append_array_end (spec, &either);
}

/* The pair code of a stored link document (false if it lacks a key field). */
static bool
stored_pair (const docrel_relation_t *r, const bson_t *found, docrel_buf_t *code)
{
   bson_value_t left[DOCREL_MAX_KEYS], right[DOCREL_MAX_KEYS];
   bson_iter_t li, ri;
   size_t i;

   for (i = 0; i < r->n_keys; i++) {
      if (!bson_iter_init_find (&li, found, r->link_left[i]) || !bson_iter_init_find (&ri, found, r->link_right[i])) {
         return false;
      }
      left[i] = *bson_iter_value (&li);
      right[i] = *bson_iter_value (&ri);
   }
   pair_code (r, left, right, code);
   return true;
}

/* Where find_stored puts what it finds. */
typedef struct {
   const docrel_relation_t *r;
   docrel_idmap_t *stored; /* pair code -> 1 + its index in ids */
   docrel_buf_t code;
   bson_value_t *ids; /* the stored links' _ids (copies) */
   size_t n_ids;
} stored_pairs_t;

static void
put_stored_pair (const bson_t *found, void *ctx)
{
   stored_pairs_t *s = ctx;
   bson_iter_t iter;

   if (stored_pair (s->r, found, &s->code) && bson_iter_init_find (&iter, found, "_id")) {
      s->ids = bson_realloc (s->ids, (s->n_ids + 1) * sizeof *s->ids);
      bson_value_copy (bson_iter_value (&iter), &s->ids[s->n_ids++]);
      docrel_idmap__put (s->stored, NULL, s->code.data, s->code.len, (void *) (uintptr_t) s->n_ids);
   }
}

static void
stored_pairs_destroy (stored_pairs_t *s)
{
   size_t i;

   for (i = 0; i < s->n_ids; i++) {
      bson_value_destroy (&s->ids[i]);
   }
   bson_free (s->ids);
   docrel_buf__destroy (&s->code);
}

/* True if field is one of r's link key fields. */
static bool
is_link_key (const docrel_relation_t *r, const char *field)
{
   size_t i;

   for (i = 0; i < r->n_keys; i++) {
      if (strcmp (field, r->link_left[i]) == 0 || strcmp (field, r->link_right[i]) == 0) {
         return true;
      }
   }
   return false;
}

/* The stored link id gets the payload fields of ins: an entry of b's
 * DOCREL_STEP_LINK_UPDATE, {"_id": id, "keys": {...}, "$set": {...}}. */
static void
add_update (batch_t *b, const link_insert_t *ins, const bson_value_t *id)
{
   bson_t *u = bson_new ();
   bson_t keys, set;
   bson_iter_t iter;

   bson_append_value (u, "_id", 3, id);
   bson_append_document_begin (u, "keys", 4, &keys);
   if (bson_iter_init (&iter, ins->payload)) {
      while (bson_iter_next (&iter)) {
         if (is_link_key (b->r, bson_iter_key (&iter))) {
            bson_append_iter (&keys, NULL, 0, &iter);
         }
      }
   }
   bson_append_document_end (u, &keys);
   bson_append_document_begin (u, "$set", 4, &set);
   if (bson_iter_init (&iter, ins->payload)) {
      while (bson_iter_next (&iter)) {
         if (strcmp (bson_iter_key (&iter), "_id") != 0 && !is_link_key (b->r, bson_iter_key (&iter))) {
            bson_append_iter (&set, NULL, 0, &iter);
         }
      }
   }
   bson_append_document_end (u, &set);
   b->updates = bson_realloc (b->updates, (b->n_updates + 1) * sizeof *b->updates);
   b->updates[b->n_updates++] = u;
}

/* Puts into stored the pair code of every link of b's matching spec. */
static bool
find_stored (docrel_session_t *session,
             const batch_t *b,
             const bson_t *spec,
             stored_pairs_t *found,
             bson_error_t *error)
{
   docrel_filter_t *filter = docrel_filter__new (spec, error);
   docrel_find_spec_t find = {0};
   bool ok;

   find.filter = filter;
   ok = filter && docrel_model__use (b->link, error) &&
        docrel_store__for_each (session->store, b->link->collection, &find, put_stored_pair, found, error);
   if (filter) {
      docrel_filter__destroy (filter);
   }
   return ok;
}

/* find_stored for a link that is not symmetric: the distinct left keys of
 * the candidates as key lookups (no filter to build or compile), one find
 * per chunk of 10,000 keys. */
static bool
find_stored_by_keys (docrel_session_t *session, const batch_t *b, stored_pairs_t *found, bson_error_t *error)
{
   char *const *path = b->r->link_left;
   docrel_buf_t code = DOCREL_BUF_INIT;
   docrel_find_spec_t find = {0};
   docrel_key_lookup_t lookup = {path[0], NULL, 0};
   docrel_keyset_t set;
   docrel_chunks_t chunks;
   bson_value_t *values;
   bool ok = docrel_model__use (b->link, error);

   docrel_keyset__init (&set);
   for (size_t i = 0; i < b->n_inserts; i++) {
      bson_iter_t iter;
      if (b->inserts[i].check && bson_iter_init_find (&iter, b->inserts[i].payload, path[0])) {
         docrel_buf__reset (&code);
         docrel_keycode__append (&code, bson_iter_value (&iter));
         docrel_keyset__add (&set, &code, bson_iter_value (&iter), 1);
      }
   }
   find.lookup = &lookup;
   docrel_chunks__init (&chunks, &set, path, 1, NULL);
   while (ok && docrel_chunks__next_values (&chunks, &values, &lookup.n)) {
      lookup.values = values;
      ok = docrel_store__for_each (session->store, b->link->collection, &find, put_stored_pair, found, error);
      bson_free (values);
   }
   docrel_keyset__destroy (&set);
   docrel_buf__destroy (&code);
   return ok;
}

/* Removes from b's inserts those to check whose pair is stored, keeping
 * the others in order; those with a payload to set become updates. */
static void
drop_found (batch_t *b, const stored_pairs_t *stored)
{
   size_t i, kept = 0;

   for (i = 0; i < b->n_inserts; i++) {
      void *at = b->inserts[i].check
                    ? docrel_idmap__get (stored->stored, NULL, b->inserts[i].code.data, b->inserts[i].code.len)
                    : NULL;
      if (at) {
         if (b->inserts[i].has_set) { /* MongoDB's upsert: $set on the one stored */
            add_update (b, &b->inserts[i], &stored->ids[(uintptr_t) at - 1]);
         }
         bson_destroy (b->inserts[i].payload); /* linking twice is harmless */
         docrel_buf__destroy (&b->inserts[i].code);
         continue;
      }
      b->inserts[kept++] = b->inserts[i];
   }
   b->n_inserts = kept;
}

/* Drops the inserts of b that the store already holds: one find by the
 * left keys of the candidates (a key lookup on the indexed link field per
 * 10,000 keys; for a symmetric link an $in on either field). On failure b
 * is left as it was. */
static bool
drop_stored (docrel_session_t *session, batch_t *b, bson_error_t *error)
{
   bson_t spec;
   docrel_idmap_t stored;
   stored_pairs_t found = {b->r, &stored, DOCREL_BUF_INIT, NULL, 0};
   bool ok;

   if (!any_to_check (b)) {
      return true;
   }
   bson_init (&spec);
   docrel_idmap__init (&stored);
   if (b->r->symmetric) {
      candidates_spec (b, &spec);
      ok = find_stored (session, b, &spec, &found, error);
   } else {
      ok = find_stored_by_keys (session, b, &found, error);
   }
   if (ok) {
      drop_found (b, &found);
   }
   stored_pairs_destroy (&found);
   docrel_idmap__destroy (&stored);
   bson_destroy (&spec);
   return ok;
}

/* b's steps (if ok): one unlink, one link of the inserts, one updateLinks
 * of the stored links' payloads; then frees b. */
static void
emit_batch (docrel_plan_t *plan, batch_t *b, bool ok, int level)
{
   size_t k;

   if (ok && b->unlinks) {
      docrel_step_t *step = docrel_plan__step (plan, DOCREL_STEP_UNLINK, b->link, level);
      step->filter = bson_new ();
      BSON_APPEND_ARRAY (step->filter, "$or", b->unlinks);
   }
   for (k = 0; k < b->n_inserts; k++) {
      if (ok) {
         docrel_step__add (docrel_plan__step (plan, DOCREL_STEP_LINK, b->link, level + 1), NULL, b->inserts[k].payload);
      } else {
         bson_destroy (b->inserts[k].payload);
      }
      docrel_buf__destroy (&b->inserts[k].code);
   }
   for (k = 0; k < b->n_updates; k++) {
      if (ok) {
         docrel_step__add (docrel_plan__step (plan, DOCREL_STEP_LINK_UPDATE, b->link, level + 1), NULL, b->updates[k]);
      } else {
         bson_destroy (b->updates[k]);
      }
   }
   if (b->unlinks) {
      bson_destroy (b->unlinks);
   }
   bson_free (b->inserts);
   bson_free (b->updates);
   docrel_idmap__destroy (&b->pairs);
}

bool
docrel_graph__plan_links (docrel_plan_t *plan, const docrel_walk_t *walk, int level, bson_error_t *error)
{
   batches_t all = {NULL, 0};
   docrel_idmap_t fresh_set;
   size_t i;
   bool ok = true;

   docrel_idmap__init (&fresh_set);
   for (i = 0; i < docrel_walk__n_nodes (walk); i++) {
      if (docrel_walk__fresh (walk, i)) {
         docrel_doc_t *d = docrel_walk__doc (walk, i);
         docrel_idmap__put (&fresh_set, NULL, (const uint8_t *) &d, sizeof d, (void *) 1);
      }
   }
   for (i = 0; ok && i < docrel_walk__n_edges (walk); i++) {
      if (docrel_walk__edge (walk, i)->r->kind == DOCREL_HAS_AND_BELONGS_TO_MANY) {
         ok = diff_slot (&all, docrel_walk__edge (walk, i), docrel_walk__edge_slot (walk, i), &fresh_set, error);
      }
   }
   for (i = 0; ok && i < docrel_walk__n_nodes (walk); i++) {
      ok = plan_pending (plan, &all, docrel_walk__doc (walk, i), level, error);
   }
   for (i = 0; ok && i < all.n; i++) {
      ok = drop_stored (plan->session, &all.batches[i], error);
   }
   for (i = 0; i < all.n; i++) {
      emit_batch (plan, &all.batches[i], ok, level);
   }
   bson_free (all.batches);
   docrel_idmap__destroy (&fresh_set);
   return ok;
}
