/* SPDX-License-Identifier: Apache-2.0 */
/* relation.c: declaring the four relation kinds (see docrel-relation.h).
 *
 * A declaration checks both models, the keys and the options on
 * temporaries, creates what the joins need (an index on the far key, or the
 * link model of a hasAndBelongsToMany with its unique pair), and only then
 * appends the relation to model a. Relations are declared at start-up, so a
 * failure part way (an index added, then a later check failing) is rare; the
 * checks that can fail all come before anything is added. */
#include <pthread.h>
#include <string.h>

#include "util/util-private.h"
#include "bsonx/bsonx-private.h"
#include "model/model-private.h"
#include "store/store-private.h"

static const char *const kind_names[] = {"hasOne", "belongsTo", "hasMany", "hasAndBelongsToMany"};

void
docrel_relation__destroy (docrel_relation_t *relation)
{
   size_t i;

   if (!relation) {
      return;
   }
   for (i = 0; i < relation->n_keys; i++) {
      bson_free (relation->left_keys[i]);
      bson_free (relation->right_keys[i]);
      bson_free (relation->link_left[i]);
      bson_free (relation->link_right[i]);
   }
   bson_free (relation->field);
   bson_free (relation);
}

bool
docrel_relation__is_many (const docrel_relation_t *relation)
{
   return relation->kind == DOCREL_HAS_MANY || relation->kind == DOCREL_HAS_AND_BELONGS_TO_MANY;
}

docrel_relation_t *
docrel_model_relation (const docrel_model_t *model, const char *field)
{
   size_t i;

   if (!model || !field) {
      return NULL;
   }
   for (i = 0; i < model->n_relations; i++) {
      if (strcmp (model->relations[i]->field, field) == 0) {
         return model->relations[i];
      }
   }
   return NULL;
}

docrel_relation_kind_t
docrel_relation_kind (const docrel_relation_t *relation)
{
   return relation->kind;
}

const char *
docrel_relation_field (const docrel_relation_t *relation)
{
   return relation ? relation->field : NULL;
}

docrel_model_t *
docrel_relation_model (const docrel_relation_t *relation)
{
   return relation ? relation->model : NULL;
}

docrel_model_t *
docrel_relation_target (const docrel_relation_t *relation)
{
   return relation ? relation->target : NULL;
}

docrel_model_t *
docrel_relation_link_model (const docrel_relation_t *relation)
{
   return relation ? relation->link : NULL;
}

/* The declared type of path in model: the primary key's kind for _id, the
 * declared field's type, or ANY when undeclared. */
static docrel_type_t
key_type (const docrel_model_t *model, const char *path)
{
   const docrel_field_t *field = docrel_model__field (model, path);

   if (field) {
      return field->type;
   }
   if (strcmp (path, "_id") == 0) {
      return model->pk_kind == DOCREL_PK_OBJECT_ID ? DOCREL_TYPE_OBJECT_ID
             : model->pk_kind == DOCREL_PK_UUID    ? DOCREL_TYPE_STRING
                                                   : DOCREL_TYPE_ANY;
   }
   return DOCREL_TYPE_ANY;
}

static bool
check_key (const docrel_model_t *owner,
           const char *kind,
           const char *field,
           const docrel_model_t *model,
           const char *path,
           bson_error_t *error)
{
   if (!docrel_path__check (path, NULL)) {
      return docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_INVALID_ARGUMENT,
                                "model '%s': %s '%s': key '%s' of model '%s' is not a valid field path", owner->name,
                                kind, field, path ? path : "(null)", model->name);
   }
   /* A model that declares fields must declare its key fields too: a typo in
    * a key name would otherwise join nothing, silently. */
   if (strcmp (path, "_id") != 0 && model->n_fields > 0 && !docrel_model__field (model, path)) {
      return docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_UNKNOWN_FIELD,
                                "model '%s': %s '%s': model '%s' has no field '%s'", owner->name, kind, field,
                                model->name, path);
   }
   return true;
}

/* Reads a string or an array of strings into keys; returns the count. */
static bool
read_keys (const bson_iter_t *iter, const char *name, char **keys, size_t *n, bson_error_t *error)
{
   bson_iter_t child;

   *n = 0;
   if (!BSON_ITER_HOLDS_ARRAY (iter) || !bson_iter_recurse (iter, &child)) {
      return docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_BAD_OPTION,
                                "option '%s': expected an array of field paths", name);
   }
   while (bson_iter_next (&child)) {
      if (!BSON_ITER_HOLDS_UTF8 (&child) || *n == DOCREL_MAX_KEYS) {
         return docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_BAD_OPTION,
                                   "option '%s': expected at most %d field paths (strings)", name, DOCREL_MAX_KEYS);
      }
      keys[(*n)++] = (char *) bson_iter_utf8 (&child, NULL);
   }
   if (*n == 0) {
      return docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_BAD_OPTION,
                                "option '%s': expected at least one field path", name);
   }
   return true;
}

typedef struct {
   const char *left[DOCREL_MAX_KEYS];
   const char *right[DOCREL_MAX_KEYS];
   size_t n_keys;
   docrel_on_delete_t on_delete;
   docrel_on_remove_t on_remove;
   bool required;
   bool symmetric;
   const char *link;
} rel_opts_t;

/* Picks the position of the string at iter in names (NULL-terminated). */
static bool
pick (const bson_iter_t *iter, const char *const *names, int *out)
{
   int i;

   for (i = 0; BSON_ITER_HOLDS_UTF8 (iter) && names[i]; i++) {
      if (strcmp (bson_iter_utf8 (iter, NULL), names[i]) == 0) {
         *out = i;
         return true;
      }
   }
   return false;
}

static bool
parse_opts (docrel_relation_kind_t kind,
            const char *left_key,
            const char *right_key,
            const bson_t *opts,
            rel_opts_t *out,
            bson_error_t *error)
{
   static const char *const actions[] = {"noAction", "cascade", "setNull", "restrict", NULL};
   static const char *const removals[] = {"setNull", "delete", "keep", NULL};
   bson_iter_t iter;
   size_t n_left = 0, n_right = 0;

   memset (out, 0, sizeof *out);
   out->on_delete = DOCREL_ON_DELETE_SET_NULL; /* Thinky's purge clears keys */
   if (opts && bson_iter_init (&iter, opts)) {
      while (bson_iter_next (&iter)) {
         const char *key = bson_iter_key (&iter);
         if (strcmp (key, "leftKeys") == 0) {
            if (!read_keys (&iter, key, (char **) out->left, &n_left, error)) {
               return false;
            }
         } else if (strcmp (key, "rightKeys") == 0) {
            if (!read_keys (&iter, key, (char **) out->right, &n_right, error)) {
               return false;
            }
         } else if (strcmp (key, "onDelete") == 0) {
            int i;
            if (!pick (&iter, actions, &i)) {
               return docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_BAD_OPTION,
                                         "option 'onDelete': expected \"noAction\", \"cascade\", \"setNull\" or "
                                         "\"restrict\"");
            }
            out->on_delete = (docrel_on_delete_t) i;
         } else if (strcmp (key, "onRemove") == 0 && (kind == DOCREL_HAS_ONE || kind == DOCREL_HAS_MANY)) {
            int i;
            if (!pick (&iter, removals, &i)) {
               return docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_BAD_OPTION,
                                         "option 'onRemove': expected \"setNull\", \"delete\" or \"keep\"");
            }
            out->on_remove = (docrel_on_remove_t) i;
         } else if (strcmp (key, "required") == 0 && kind == DOCREL_BELONGS_TO) {
            if (!BSON_ITER_HOLDS_BOOL (&iter)) {
               return docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_BAD_OPTION,
                                         "option 'required': expected a bool");
            }
            out->required = bson_iter_bool (&iter);
         } else if (strcmp (key, "symmetric") == 0 && kind == DOCREL_HAS_AND_BELONGS_TO_MANY) {
            if (!BSON_ITER_HOLDS_BOOL (&iter)) {
               return docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_BAD_OPTION,
                                         "option 'symmetric': expected a bool");
            }
            out->symmetric = bson_iter_bool (&iter);
         } else if (strcmp (key, "link") == 0 && kind == DOCREL_HAS_AND_BELONGS_TO_MANY) {
            if (!BSON_ITER_HOLDS_UTF8 (&iter) || !*bson_iter_utf8 (&iter, NULL)) {
               return docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_BAD_OPTION,
                                         "option 'link': expected a collection name");
            }
            out->link = bson_iter_utf8 (&iter, NULL);
         } else {
            return docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_BAD_OPTION, "unknown %s option '%s'",
                                      kind_names[kind], key);
         }
      }
   }
   if (n_left || n_right) {
      if (left_key || right_key || n_left != n_right) {
         return docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_BAD_OPTION,
                                   "composite keys: give 'leftKeys' and 'rightKeys' of one length, and NULL "
                                   "left_key and right_key");
      }
      out->n_keys = n_left;
   } else {
      out->left[0] = left_key;
      out->right[0] = right_key;
      out->n_keys = 1;
   }
   return true;
}

/* The cascade edge of a relation: deleting *from cascades to *to. */
static bool
cascade_edge (const docrel_relation_t *r, docrel_model_t **from, docrel_model_t **to)
{
   if (r->on_delete != DOCREL_ON_DELETE_CASCADE || r->kind == DOCREL_HAS_AND_BELONGS_TO_MANY) {
      return false;
   }
   *from = r->kind == DOCREL_BELONGS_TO ? r->target : r->model;
   *to = r->kind == DOCREL_BELONGS_TO ? r->model : r->target;
   return true;
}

/* True if deleting model `from` cascades, through declared relations, to
 * `to` (depth-first; depth bounded by the number of models). The caller
 * holds the store's mutex. */
static bool
cascades_to (docrel_store_t *store, docrel_model_t *from, docrel_model_t *to, size_t depth)
{
   size_t i, k;

   if (from == to) {
      return true;
   }
   if (depth > store->n_models) {
      return false;
   }
   for (i = 0; i < store->n_models; i++) {
      docrel_model_t *m = store->models[i];
      for (k = 0; k < m->n_relations; k++) {
         docrel_model_t *f, *t;
         if (cascade_edge (m->relations[k], &f, &t) && f == from && cascades_to (store, t, to, depth + 1)) {
            return true;
         }
      }
   }
   return false;
}

/* A new cascade edge from -> to closes a cycle if to already cascades to
 * from: purging would then go round for ever in the schema's terms. */
static bool
check_cascade_cycle (const docrel_relation_t *r, bson_error_t *error)
{
   docrel_store_t *store = r->model->store;
   docrel_model_t *from, *to;
   bool cycle;

   if (!cascade_edge (r, &from, &to)) {
      return true;
   }
   pthread_mutex_lock (&store->mutex);
   cycle = cascades_to (store, to, from, 0);
   pthread_mutex_unlock (&store->mutex);
   if (cycle) {
      return docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_CASCADE_CYCLE,
                                "model '%s': %s '%s' towards '%s': onDelete \"cascade\" closes a cycle: deleting "
                                "a '%s' cascades back to '%s'; make one relation of the cycle \"setNull\", "
                                "\"restrict\" or \"noAction\"",
                                r->model->name, kind_names[r->kind], r->field, r->target->name, to->name, from->name);
   }
   return !cycle;
}

/* True if model has an index whose leading keys are exactly paths. */
static bool
has_index_on (const docrel_model_t *model, const char *const *paths, size_t n)
{
   size_t i, k;

   for (i = 0; i < model->n_indexes; i++) {
      const docrel_index_t *index = &model->indexes[i];
      bool same = index->n_keys >= n;
      for (k = 0; same && k < n; k++) {
         same = strcmp (index->paths[k], paths[k]) == 0;
      }
      if (same) {
         return true;
      }
   }
   return false;
}

/* Adds an index on paths (unique or not) unless one already leads with them. */
static bool
ensure_index (docrel_model_t *model, const char *const *paths, size_t n, bool unique, bson_error_t *error)
{
   bson_t keys = BSON_INITIALIZER;
   bson_t opts = BSON_INITIALIZER;
   size_t i;
   bool ok;

   if ((n == 1 && strcmp (paths[0], "_id") == 0) || has_index_on (model, paths, n)) {
      bson_destroy (&keys);
      bson_destroy (&opts);
      return true; /* _id has its own key column */
   }
   for (i = 0; i < n; i++) {
      BSON_APPEND_INT32 (&keys, paths[i], 1);
   }
   if (unique) {
      BSON_APPEND_BOOL (&opts, "unique", true);
   }
   ok = docrel_model_add_index (model, &keys, &opts, error);
   bson_destroy (&keys);
   bson_destroy (&opts);
   return ok;
}

/* The link model of a hasAndBelongsToMany, created on first declaration. */
static docrel_model_t *
link_model (docrel_model_t *a, docrel_model_t *b, const char *name, bson_error_t *error)
{
   docrel_model_t *link;
   char *default_name = NULL;

   if (!name) {
      bool a_first = strcmp (a->name, b->name) <= 0;
      default_name = bson_strdup_printf ("%s_%s", a_first ? a->name : b->name, a_first ? b->name : a->name);
      name = default_name;
   }
   link = docrel_store_model (a->store, name);
   if (!link) {
      link = docrel_model_new (a->store, name, NULL, error);
   }
   bson_free (default_name);
   return link;
}

/* The arguments: two models of one store, neither in use, and a plain
 * field name that a does not use yet. */
static bool
check_arguments (docrel_relation_kind_t kind,
                 const docrel_model_t *a,
                 const docrel_model_t *b,
                 const char *field,
                 bson_error_t *error)
{
   const char *kname = kind_names[kind];

   if (!a || !b || !field) {
      return docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_INVALID_ARGUMENT,
                                "%s needs two models and a field name", kname);
   }
   if (a->store != b->store) {
      return docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_UNKNOWN_MODEL,
                                "model '%s': %s '%s': model '%s' belongs to another store", a->name, kname, field,
                                b->name);
   }
   if (!docrel_path__check (field, NULL) || strchr (field, '.')) {
      return docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_INVALID_ARGUMENT,
                                "model '%s': %s field '%s' must be a plain field name", a->name, kname, field);
   }
   if (a->frozen || b->frozen) {
      return docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_MODEL_IN_USE,
                                "model '%s': %s '%s': model '%s' is in use; declare relations before creating "
                                "documents",
                                a->name, kname, field, a->frozen ? a->name : b->name);
   }
   if (docrel_model_relation (a, field) || docrel_model__top_level_declared (a, field) || strcmp (field, "_id") == 0) {
      return docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_DUPLICATE_NAME,
                                "model '%s': %s '%s': the name is already a field or relation of '%s'", a->name, kname,
                                field, a->name);
   }
   return true;
}

/* Reads the options into *o, then checks every key pair: both paths valid
 * (and declared on a model that declares fields), and of one type unless
 * either side is untyped. */
static bool
read_keys_and_options (docrel_relation_kind_t kind,
                       const docrel_model_t *a,
                       const docrel_model_t *b,
                       const char *field,
                       const char *left_key,
                       const char *right_key,
                       const bson_t *opts,
                       rel_opts_t *o,
                       bson_error_t *error)
{
   const char *kname = kind_names[kind];
   docrel_type_t lt, rt;
   size_t i;

   if (!parse_opts (kind, left_key, right_key, opts, o, error) ||
       (o->symmetric && a != b &&
        !docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_BAD_OPTION,
                            "option 'symmetric' needs a relation of a model with itself"))) {
      return docrel_error__prefix (error, "model '%s': %s '%s' towards '%s': ", a->name, kname, field, b->name);
   }
   for (i = 0; i < o->n_keys; i++) {
      if (!check_key (a, kname, field, a, o->left[i], error) || !check_key (a, kname, field, b, o->right[i], error)) {
         return false;
      }
      lt = key_type (a, o->left[i]);
      rt = key_type (b, o->right[i]);
      if (lt != rt && lt != DOCREL_TYPE_ANY && rt != DOCREL_TYPE_ANY) {
         return docrel_error__set (error, DOCREL_ERROR_MODEL, DOCREL_ERROR_WRONG_TYPE,
                                   "model '%s': %s '%s': key '%s' is %s but '%s.%s' is %s", a->name, kname, field,
                                   o->left[i], docrel_model__type_name (lt), b->name, o->right[i],
                                   docrel_model__type_name (rt));
      }
   }
   return true;
}

/* A new relation from the checked options; not yet attached to a. */
static docrel_relation_t *
relation_new (docrel_relation_kind_t kind, docrel_model_t *a, docrel_model_t *b, const char *field, const rel_opts_t *o)
{
   docrel_relation_t *relation = bson_malloc0 (sizeof *relation);
   size_t i;

   relation->kind = kind;
   relation->model = a;
   relation->target = b;
   relation->field = bson_strdup (field);
   relation->n_keys = o->n_keys;
   relation->on_delete = o->on_delete;
   relation->on_remove = o->on_remove;
   relation->required = o->required;
   relation->symmetric = o->symmetric;
   for (i = 0; i < o->n_keys; i++) {
      relation->left_keys[i] = bson_strdup (o->left[i]);
      relation->right_keys[i] = bson_strdup (o->right[i]);
   }
   return relation;
}

/* A hasAndBelongsToMany's link model, its link field names and its indexes:
 * the unique pair and one index per side. */
static bool
create_link (docrel_relation_t *relation, const char *link, bson_error_t *error)
{
   const docrel_model_t *a = relation->model, *b = relation->target;
   const char *pair[2 * DOCREL_MAX_KEYS];
   const char *l, *r;
   size_t i, n = relation->n_keys;
   bool left_first;

   relation->link = link_model (relation->model, relation->target, link, error);
   if (!relation->link) {
      return false;
   }
   for (i = 0; i < n; i++) {
      l = relation->left_keys[i];
      r = relation->right_keys[i];
      relation->link_left[i] = bson_strdup_printf ("%s_%s", a->name, l);
      relation->link_right[i] = strcmp (a->name, b->name) == 0 && strcmp (l, r) == 0
                                   ? bson_strdup_printf ("%s_%s_2", b->name, r)
                                   : bson_strdup_printf ("%s_%s", b->name, r);
   }
   /* The unique pair lists the link fields in sorted order, so the two
    * declarations of one link (Post.tags, Tag.posts) need one index. */
   left_first = strcmp (relation->link_left[0], relation->link_right[0]) < 0;
   for (i = 0; i < n; i++) {
      pair[i] = left_first ? relation->link_left[i] : relation->link_right[i];
      pair[n + i] = left_first ? relation->link_right[i] : relation->link_left[i];
   }
   return ensure_index (relation->link, pair, 2 * n, true, error) &&
          ensure_index (relation->link, (const char *const *) relation->link_left, n, false, error) &&
          ensure_index (relation->link, (const char *const *) relation->link_right, n, false, error);
}

/* Appends relation to its model a, where its position is its slot index. */
static void
attach (docrel_relation_t *relation)
{
   docrel_model_t *a = relation->model;

   pthread_mutex_lock (&a->store->mutex);
   relation->index = a->n_relations;
   a->relations = bson_realloc (a->relations, (a->n_relations + 1) * sizeof *a->relations);
   a->relations[a->n_relations++] = relation;
   pthread_mutex_unlock (&a->store->mutex);
}

static docrel_relation_t *
declare (docrel_relation_kind_t kind,
         docrel_model_t *a,
         docrel_model_t *b,
         const char *field,
         const char *left_key,
         const char *right_key,
         const bson_t *opts,
         bson_error_t *error)
{
   docrel_relation_t *relation;
   rel_opts_t o;
   bool ok;

   if (!check_arguments (kind, a, b, field, error) ||
       !read_keys_and_options (kind, a, b, field, left_key, right_key, opts, &o, error)) {
      return NULL;
   }
   relation = relation_new (kind, a, b, field, &o);
   if (!check_cascade_cycle (relation, error)) {
      ok = false;
   } else if (kind == DOCREL_HAS_AND_BELONGS_TO_MANY) {
      ok = create_link (relation, o.link, error);
   } else {
      /* Every other kind looks b up by right_key (for belongsTo the key
       * lives in a, but the join still searches b). */
      ok = ensure_index (b, (const char *const *) relation->right_keys, o.n_keys, false, error);
   }
   if (!ok) {
      docrel_relation__destroy (relation);
      return NULL;
   }
   attach (relation);
   return relation;
}

docrel_relation_t *
docrel_model_has_one (docrel_model_t *a,
                      docrel_model_t *b,
                      const char *field,
                      const char *left_key,
                      const char *right_key,
                      const bson_t *opts,
                      bson_error_t *error)
{
   return declare (DOCREL_HAS_ONE, a, b, field, left_key, right_key, opts, error);
}

docrel_relation_t *
docrel_model_belongs_to (docrel_model_t *a,
                         docrel_model_t *b,
                         const char *field,
                         const char *left_key,
                         const char *right_key,
                         const bson_t *opts,
                         bson_error_t *error)
{
   return declare (DOCREL_BELONGS_TO, a, b, field, left_key, right_key, opts, error);
}

docrel_relation_t *
docrel_model_has_many (docrel_model_t *a,
                       docrel_model_t *b,
                       const char *field,
                       const char *left_key,
                       const char *right_key,
                       const bson_t *opts,
                       bson_error_t *error)
{
   return declare (DOCREL_HAS_MANY, a, b, field, left_key, right_key, opts, error);
}

docrel_relation_t *
docrel_model_has_and_belongs_to_many (docrel_model_t *a,
                                      docrel_model_t *b,
                                      const char *field,
                                      const char *left_key,
                                      const char *right_key,
                                      const bson_t *opts,
                                      bson_error_t *error)
{
   return declare (DOCREL_HAS_AND_BELONGS_TO_MANY, a, b, field, left_key, right_key, opts, error);
}

static bool
in_set (docrel_model_t *const *set, size_t n, const docrel_model_t *model)
{
   size_t i;

   for (i = 0; model && i < n; i++) {
      if (set[i] == model) {
         return true;
      }
   }
   return false;
}

/* Adds model to set (of *n) unless it is NULL or there already. */
static void
add_to_set (docrel_model_t **set, size_t *n, docrel_model_t *model)
{
   if (model && !in_set (set, *n, model)) {
      set[(*n)++] = model;
   }
}

/* Adds to set the models of every relation touching one of its models. */
static void
reach_step (docrel_model_t *const *models, size_t n_models, docrel_model_t **set, size_t *n)
{
   size_t i, k;

   for (i = 0; i < n_models; i++) {
      for (k = 0; k < models[i]->n_relations; k++) {
         docrel_relation_t *r = models[i]->relations[k];
         if (in_set (set, *n, r->model) || in_set (set, *n, r->target) || in_set (set, *n, r->link)) {
            add_to_set (set, n, r->model);
            add_to_set (set, n, r->target);
            add_to_set (set, n, r->link);
         }
      }
   }
}

bool
docrel_relation__use_reachable (struct _docrel_store_t *store,
                                docrel_model_t *const *seeds,
                                size_t n_seeds,
                                bson_error_t *error)
{
   docrel_model_t **models, **set;
   size_t n_models, n = 0, before, i;
   bool ok = true;

   /* the store's models, copied under its lock (declaring may grow them) */
   pthread_mutex_lock (&store->mutex);
   n_models = store->n_models;
   models = bson_malloc ((n_models + 1) * sizeof *models);
   memcpy (models, store->models, n_models * sizeof *models);
   pthread_mutex_unlock (&store->mutex);
   set = bson_malloc ((n_models + n_seeds + 1) * sizeof *set);
   for (i = 0; i < n_seeds; i++) {
      add_to_set (set, &n, seeds[i]);
   }
   do {
      before = n;
      reach_step (models, n_models, set, &n);
   } while (n > before);
   for (i = 0; ok && i < n; i++) {
      ok = docrel_model__use (set[i], error);
   }
   bson_free (set);
   bson_free (models);
   return ok;
}
