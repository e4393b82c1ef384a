/* SPDX-License-Identifier: Apache-2.0 */
/* walk.c: walking a graph from its roots through loaded slots, and
 * ordering what was reached (see graph-private.h). */
#include <stdlib.h>
#include <string.h>

#include "util/util-private.h"
#include "graph/graph-private.h"
#include "model/model-private.h"

void
docrel_walk__init (docrel_walk_t *s)
{
   memset (s, 0, sizeof *s);
   docrel_idmap__init (&s->ids);
   docrel_idmap__init (&s->seen_edges);
}

void
docrel_walk__destroy (docrel_walk_t *s)
{
   bson_free (s->nodes);
   bson_free (s->fresh);
   bson_free (s->reached);
   bson_free (s->walked_all);
   docrel_idmap__destroy (&s->ids);
   bson_free (s->edges);
   docrel_idmap__destroy (&s->seen_edges);
   bson_free (s->queue);
   bson_free (s->order);
   bson_free (s->level);
   memset (s, 0, sizeof *s);
}

void
docrel_walk__root (docrel_walk_t *s, docrel_doc_t *doc, const bson_t *tree)
{
   docrel_subtree_t root;

   memset (&root, 0, sizeof root);
   root.all = tree == NULL;
   if (tree) {
      root.data = bson_get_data (tree);
      root.len = tree->len;
   }
   docrel_walk__enqueue (s, doc, root);
}

size_t
docrel_walk__node (docrel_walk_t *s, docrel_doc_t *doc, bool reached)
{
   size_t idx = (size_t) docrel_idmap__get (&s->ids, NULL, (const uint8_t *) &doc, sizeof doc);

   if (idx) {
      s->reached[idx - 1] = s->reached[idx - 1] || reached;
      return idx - 1;
   }
   if (s->n_nodes == s->cap_nodes) {
      s->cap_nodes = s->cap_nodes ? s->cap_nodes * 2 : 64;
      s->nodes = bson_realloc (s->nodes, s->cap_nodes * sizeof *s->nodes);
      s->fresh = bson_realloc (s->fresh, s->cap_nodes * sizeof *s->fresh);
      s->reached = bson_realloc (s->reached, s->cap_nodes * sizeof *s->reached);
      s->walked_all = bson_realloc (s->walked_all, s->cap_nodes * sizeof *s->walked_all);
   }
   s->nodes[s->n_nodes] = doc;
   s->fresh[s->n_nodes] = false;
   s->reached[s->n_nodes] = reached;
   s->walked_all[s->n_nodes] = false;
   docrel_idmap__put (&s->ids, NULL, (const uint8_t *) &doc, sizeof doc, (void *) (s->n_nodes + 1));
   return s->n_nodes++;
}

void
docrel_walk__enqueue (docrel_walk_t *s, docrel_doc_t *doc, docrel_subtree_t tree)
{
   if (s->n_queue == s->cap_queue) {
      s->cap_queue = s->cap_queue ? s->cap_queue * 2 : 64;
      s->queue = bson_realloc (s->queue, s->cap_queue * sizeof *s->queue);
   }
   s->queue[s->n_queue].doc = doc;
   s->queue[s->n_queue].tree = tree;
   s->n_queue++;
}

static void
add_edge (docrel_walk_t *s, docrel_doc_t *parent, docrel_relation_t *r)
{
   uint8_t key[sizeof parent + sizeof r];

   memcpy (key, &parent, sizeof parent);
   memcpy (key + sizeof parent, &r, sizeof r);
   if (docrel_idmap__get (&s->seen_edges, NULL, key, sizeof key)) {
      return;
   }
   docrel_idmap__put (&s->seen_edges, NULL, key, sizeof key, (void *) 1);
   if (s->n_edges == s->cap_edges) {
      s->cap_edges = s->cap_edges ? s->cap_edges * 2 : 64;
      s->edges = bson_realloc (s->edges, s->cap_edges * sizeof *s->edges);
   }
   s->edges[s->n_edges].parent = parent;
   s->edges[s->n_edges].r = r;
   s->n_edges++;
}

/* The subtree under r in tree: 1 (in *out), 0 if the tree does not follow
 * r, -1 with error set if the tree is malformed there. */
static int
child_tree (const docrel_doc_t *doc,
            docrel_subtree_t tree,
            const docrel_relation_t *r,
            docrel_subtree_t *out,
            bson_error_t *error)
{
   bson_t t;
   bson_iter_t iter;

   memset (out, 0, sizeof *out);
   if (tree.all) {
      out->all = true;
      return 1;
   }
   if (!tree.data || !bson_init_static (&t, tree.data, tree.len) || !bson_iter_init_find (&iter, &t, r->field)) {
      return 0;
   }
   if (BSON_ITER_HOLDS_DOCUMENT (&iter)) {
      bson_iter_document (&iter, &out->len, &out->data);
      return 1;
   }
   if (BSON_ITER_HOLDS_BOOL (&iter)) {
      return bson_iter_bool (&iter) ? 1 : 0;
   }
   docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                      "model '%s': save_all tree: '%s' must be true or a tree document", doc->model->name, r->field);
   return -1;
}

/* Every key of a tree names a relation (or starts with '$'). */
static bool
check_tree (const docrel_doc_t *doc, docrel_subtree_t tree, bson_error_t *error)
{
   bson_t t;
   bson_iter_t iter;

   if (tree.all || !tree.data || !bson_init_static (&t, tree.data, tree.len) || !bson_iter_init (&iter, &t)) {
      return true;
   }
   while (bson_iter_next (&iter)) {
      const char *key = bson_iter_key (&iter);
      if (key[0] != '$' && !docrel_model_relation (doc->model, key)) {
         return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_UNKNOWN_FIELD,
                                   "save_all tree: model '%s' has no relation '%s'", doc->model->name, key);
      }
   }
   return true;
}

bool
docrel_walk__run (docrel_walk_t *s, bson_error_t *error)
{
   size_t q = 0;

   while (q < s->n_queue) {
      docrel_visit_t v = s->queue[q++];
      size_t idx = docrel_walk__node (s, v.doc, true);
      size_t i, k;

      if (v.tree.all) {
         if (s->walked_all[idx]) {
            continue;
         }
         s->walked_all[idx] = true;
      }
      if (!check_tree (v.doc, v.tree, error)) {
         return false;
      }
      for (i = 0; v.doc->slots && i < v.doc->model->n_relations; i++) {
         docrel_relation_t *r = v.doc->model->relations[i];
         docrel_slot_t *slot = docrel_doc__slot (v.doc, i);
         docrel_subtree_t sub;
         int follow;

         if (!slot->loaded) {
            continue;
         }
         follow = child_tree (v.doc, v.tree, r, &sub, error);
         if (follow < 0) {
            return false;
         }
         if (follow == 0) {
            continue;
         }
         add_edge (s, v.doc, r);
         for (k = 0; k < slot->n; k++) {
            docrel_walk__node (s, slot->docs[k], true);
            docrel_walk__enqueue (s, slot->docs[k], sub);
         }
         for (k = 0; k < slot->n_base; k++) {
            if (s->with_removed && !docrel_slot__holds (slot, slot->base[k]) &&
                r->on_remove == DOCREL_ON_REMOVE_SET_NULL &&
                (r->kind == DOCREL_HAS_ONE || r->kind == DOCREL_HAS_MANY)) {
               docrel_walk__node (s, slot->base[k], false); /* removed: its key goes */
            }
         }
      }
   }
   return true;
}

/* Dependency order ---------------------------------------------------------- */

typedef struct {
   size_t from, to;
} dep_t;

static int
cmp_dep (const void *a, const void *b)
{
   const dep_t *x = a, *y = b;
   return x->from < y->from ? -1 : x->from > y->from ? 1 : 0;
}

size_t
docrel_walk__index (docrel_walk_t *s, docrel_doc_t *doc)
{
   return (size_t) docrel_idmap__get (&s->ids, NULL, (const uint8_t *) &doc, sizeof doc) - 1;
}

bool
docrel_walk__reached (const docrel_walk_t *s, const docrel_doc_t *doc)
{
   size_t idx = (size_t) docrel_idmap__get (&s->ids, NULL, (const uint8_t *) &doc, sizeof doc);

   return idx > 0 && s->reached[idx - 1];
}

int
docrel_walk__top_level (const docrel_walk_t *s)
{
   int top = 0;
   size_t i;

   for (i = 0; i < s->n_nodes; i++) {
      top = s->level[i] > top ? s->level[i] : top;
   }
   return top;
}

/* The dependencies of the walked slots, sorted by prerequisite: each as
 * (prerequisite, dependent) node indexes. *out is bson_malloc'd (or NULL). */
static size_t
collect_deps (docrel_walk_t *s, dep_t **out)
{
   dep_t *deps = NULL;
   size_t n_deps = 0, cap = 0, i, k;

   for (i = 0; i < s->n_edges; i++) {
      const docrel_edge_t *e = &s->edges[i];
      docrel_slot_t *slot = docrel_walk__edge_slot (s, i);
      if (e->r->kind == DOCREL_HAS_AND_BELONGS_TO_MANY) {
         continue;
      }
      for (k = 0; k < slot->n; k++) {
         size_t p = docrel_walk__index (s, e->parent), c = docrel_walk__index (s, slot->docs[k]);
         if (n_deps == cap) {
            cap = cap ? cap * 2 : 64;
            deps = bson_realloc (deps, cap * sizeof *deps);
         }
         deps[n_deps].from = e->r->kind == DOCREL_BELONGS_TO ? c : p;
         deps[n_deps].to = e->r->kind == DOCREL_BELONGS_TO ? p : c;
         n_deps++;
      }
   }
   if (n_deps) {
      qsort (deps, n_deps, sizeof *deps, cmp_dep);
   }
   *out = deps;
   return n_deps;
}

/* Kahn's algorithm with levels. When only cycles remain, the remaining
 * document seen first goes next, at the level its written prerequisites
 * give it. */
void
docrel_walk__order (docrel_walk_t *s)
{
   dep_t *deps = NULL;
   size_t n_deps = collect_deps (s, &deps), i, k;
   size_t *start, *indegree, *ready;
   size_t n_ready = 0, head = 0, n_done = 0, next_forced = 0;
   bool *done;

   start = bson_malloc0 ((s->n_nodes + 1) * sizeof *start);
   indegree = bson_malloc0 ((s->n_nodes + 1) * sizeof *indegree);
   ready = bson_malloc ((s->n_nodes + 1) * sizeof *ready);
   done = bson_malloc0 ((s->n_nodes + 1) * sizeof *done);
   s->order = bson_malloc ((s->n_nodes + 1) * sizeof *s->order);
   s->level = bson_malloc0 ((s->n_nodes + 1) * sizeof *s->level);
   for (i = 0; i < n_deps; i++) {
      start[deps[i].from + 1]++;
      if (deps[i].from != deps[i].to) {
         indegree[deps[i].to]++;
      }
   }
   for (i = 0; i < s->n_nodes; i++) {
      start[i + 1] += start[i];
      if (indegree[i] == 0) {
         ready[n_ready++] = i;
      }
   }
   while (n_done < s->n_nodes) {
      size_t v;
      if (head == n_ready) {
         while (done[next_forced] || indegree[next_forced] == 0) {
            next_forced++; /* a node in a cycle: its indegree stays > 0 */
         }
         indegree[next_forced] = 0;
         ready[n_ready++] = next_forced;
      }
      v = ready[head++];
      if (done[v]) {
         continue;
      }
      done[v] = true;
      s->order[n_done++] = v;
      for (k = start[v]; k < start[v + 1]; k++) {
         size_t t = deps[k].to;
         if (t == v || done[t]) {
            continue;
         }
         if (s->level[t] < s->level[v] + 1) {
            s->level[t] = s->level[v] + 1;
         }
         if (--indegree[t] == 0) {
            ready[n_ready++] = t;
         }
      }
   }
   bson_free (deps);
   bson_free (start);
   bson_free (indegree);
   bson_free (ready);
   bson_free (done);
}

static int
cmp_batch (const void *a, const void *b)
{
   const docrel_batch_t *x = a, *y = b;

   if (x->level != y->level) {
      return x->level < y->level ? -1 : 1;
   }
   if (x->kind != y->kind) {
      return x->kind < y->kind ? -1 : 1;
   }
   if (x->model_rank != y->model_rank) {
      return x->model_rank < y->model_rank ? -1 : 1;
   }
   return x->node < y->node ? -1 : x->node > y->node ? 1 : 0;
}

void
docrel_walk__sort_batches (docrel_walk_t *s, docrel_batch_t *batches, size_t n)
{
   docrel_idmap_t ranks;
   size_t i;

   docrel_idmap__init (&ranks);
   for (i = 0; i < s->n_nodes; i++) { /* a model ranks by its first node */
      docrel_model_t *m = s->nodes[i]->model;
      if (!docrel_idmap__get (&ranks, NULL, (const uint8_t *) &m, sizeof m)) {
         docrel_idmap__put (&ranks, NULL, (const uint8_t *) &m, sizeof m, (void *) (ranks.n_entries + 1));
      }
   }
   for (i = 0; i < n; i++) {
      docrel_model_t *m = s->nodes[batches[i].node]->model;
      batches[i].model_rank = (size_t) docrel_idmap__get (&ranks, NULL, (const uint8_t *) &m, sizeof m);
   }
   if (n) {
      qsort (batches, n, sizeof *batches, cmp_batch);
   }
   docrel_idmap__destroy (&ranks);
}
