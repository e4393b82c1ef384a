/* SPDX-License-Identifier: Apache-2.0 */
/* match.c: reading a compiled filter (query-private.h): matching
 * documents, and the key values an index can narrow candidates by.
 *
 * A predicate on a path is true if any value the path reaches satisfies it,
 * following MongoDB's element iterator (src/mongo/db/matcher/path.cpp):
 *   - Through documents a component is a field lookup; through a scalar, or
 *     past a missing field, the path reaches "missing" (NULL here), which
 *     null equality matches.
 *   - Where a non-final component meets an array, each document element is
 *     searched for the rest of the path (an element without it reaches
 *     missing); non-document elements reach nothing. If the component is a
 *     number, the element at that index is also followed: past the end of
 *     the path it is reached as it is, a document is searched for the rest,
 *     an array is traversed again.
 *   - An array at the end of the path is reached element by element and then
 *     as a whole, except for $size and $elemMatch, which see only the whole.
 * Negations ($ne, $nin, $not, $exists: false) are NOT nodes over the whole
 * traversal. Path-less predicates (inside {$elemMatch: {$gt: ...}}) are
 * tested on one array element as it is. */
#include "query/query-private.h"

#include <math.h>
#include <string.h>

#include "bsonx/bsonx-private.h"

static bool test (const docrel_fnode_t *node, const bson_value_t *v);

/* ---- values --------------------------------------------------------------- */

static bool
is_nan (const bson_value_t *v)
{
   char str[BSON_DECIMAL128_STRING];

   if (v->value_type == BSON_TYPE_DOUBLE) {
      return isnan (v->value.v_double);
   }
   if (v->value_type == BSON_TYPE_DECIMAL128) {
      bson_decimal128_to_string (&v->value.v_decimal128, str);
      return strstr (str, "NaN") != NULL;
   }
   return false;
}

/* v compared with rhs by a comparison node: equal type brackets only, except
 * that everything is above MinKey and below MaxKey. Missing compares as null.
 * NaN equals only NaN and is neither above nor below anything. */
static bool
compare_match (docrel_fnode_kind_t kind, const bson_value_t *v, const bson_value_t *rhs)
{
   bson_value_t null_value;
   int c;

   if (!v) {
      memset (&null_value, 0, sizeof null_value);
      null_value.value_type = BSON_TYPE_NULL;
      v = &null_value;
   }
   if (docrel_compare__bracket (v->value_type) != docrel_compare__bracket (rhs->value_type)) {
      if (rhs->value_type == BSON_TYPE_MINKEY) {
         return kind == DOCREL_FNODE_GT || kind == DOCREL_FNODE_GTE;
      }
      if (rhs->value_type == BSON_TYPE_MAXKEY) {
         return kind == DOCREL_FNODE_LT || kind == DOCREL_FNODE_LTE;
      }
      return false;
   }
   if (is_nan (v) || is_nan (rhs)) {
      bool both = is_nan (v) && is_nan (rhs);
      return both && kind != DOCREL_FNODE_LT && kind != DOCREL_FNODE_GT;
   }
   c = docrel_compare__values (v, rhs);
   switch (kind) {
   case DOCREL_FNODE_EQ:
      return c == 0;
   case DOCREL_FNODE_LT:
      return c < 0;
   case DOCREL_FNODE_LTE:
      return c <= 0;
   case DOCREL_FNODE_GT:
      return c > 0;
   case DOCREL_FNODE_GTE:
      return c >= 0;
   default:
      return false;
   }
}

/* v is one of node's values, or matches one of its regexes (children). */
static bool
in_match (const docrel_fnode_t *node, const bson_value_t *v)
{
   size_t lo = 0;
   size_t hi = node->n_values;

   if (!v || v->value_type == BSON_TYPE_NULL) {
      return node->in_null;
   }
   for (size_t i = 0; i < node->n_children; i++) {
      if (docrel_regex__test (node->children[i]->regex, v)) {
         return true;
      }
   }
   while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      int c = docrel_compare__values (v, &node->values[mid]);
      if (c == 0) {
         return true;
      }
      if (c < 0) {
         hi = mid;
      } else {
         lo = mid + 1;
      }
   }
   return false;
}

/* The field named part in the document (or array) at data, into *out. */
static bool
lookup (const uint8_t *data, uint32_t len, const docrel_fpart_t *part, bson_value_t *out)
{
   bson_iter_t iter;

   if (!bson_iter_init_from_data (&iter, data, len)) {
      return false;
   }
   while (bson_iter_next (&iter)) {
      if (bson_iter_key_len (&iter) == part->len && memcmp (bson_iter_key (&iter), part->name, part->len) == 0) {
         *out = *bson_iter_value (&iter);
         return true;
      }
   }
   return false;
}

static bool
is_container (const bson_value_t *v)
{
   return v && (v->value_type == BSON_TYPE_DOCUMENT || v->value_type == BSON_TYPE_ARRAY);
}

/* ---- single values -------------------------------------------------------- */

/* Some element of the array v satisfies node's predicates (ELEM_VALUE: all
 * children on the element; ELEM_OBJECT: the filter on an element document). */
static bool
elem_match (const docrel_fnode_t *node, const bson_value_t *v)
{
   bson_iter_t iter;
   size_t i;

   if (!v || v->value_type != BSON_TYPE_ARRAY ||
       !bson_iter_init_from_data (&iter, v->value.v_doc.data, v->value.v_doc.data_len)) {
      return false;
   }
   while (bson_iter_next (&iter)) {
      const bson_value_t *e = bson_iter_value (&iter);
      if (node->kind == DOCREL_FNODE_ELEM_OBJECT) {
         if (is_container (e) &&
             docrel_filter__eval (node->children[0], e->value.v_doc.data, e->value.v_doc.data_len)) {
            return true;
         }
         continue;
      }
      for (i = 0; i < node->n_children && test (node->children[i], e); i++) {
      }
      if (i == node->n_children) {
         return true;
      }
   }
   return false;
}

static bool
size_match (const docrel_fnode_t *node, const bson_value_t *v)
{
   bson_iter_t iter;
   int64_t n = 0;

   if (!v || v->value_type != BSON_TYPE_ARRAY ||
       !bson_iter_init_from_data (&iter, v->value.v_doc.data, v->value.v_doc.data_len)) {
      return false;
   }
   while (bson_iter_next (&iter)) {
      n++;
   }
   return n == node->size;
}

/* node's predicate on the one value v (NULL: missing), without traversal. */
static bool
test (const docrel_fnode_t *node, const bson_value_t *v)
{
   size_t i;

   switch (node->kind) {
   case DOCREL_FNODE_AND:
      for (i = 0; i < node->n_children; i++) {
         if (!test (node->children[i], v)) {
            return false;
         }
      }
      return true;
   case DOCREL_FNODE_NOT:
      return !test (node->children[0], v);
   case DOCREL_FNODE_OR:
   case DOCREL_FNODE_NOR: /* only ever over documents */
   case DOCREL_FNODE_FALSE:
      return false;
   case DOCREL_FNODE_EQ:
   case DOCREL_FNODE_LT:
   case DOCREL_FNODE_LTE:
   case DOCREL_FNODE_GT:
   case DOCREL_FNODE_GTE:
      return compare_match (node->kind, v, &node->value);
   case DOCREL_FNODE_IN:
      return in_match (node, v);
   case DOCREL_FNODE_EXISTS:
      return v != NULL;
   case DOCREL_FNODE_TYPE:
      return v && (node->type_mask & docrel_filter__type_bit (v->value_type)) != 0;
   case DOCREL_FNODE_SIZE:
      return size_match (node, v);
   case DOCREL_FNODE_ELEM_OBJECT:
   case DOCREL_FNODE_ELEM_VALUE:
      return elem_match (node, v);
   case DOCREL_FNODE_REGEX:
      return docrel_regex__test (node->regex, v);
   default:
      return false;
   }
}

/* ---- paths ---------------------------------------------------------------- */

static bool walk (const docrel_fnode_t *node, const bson_value_t *v, size_t i);

/* $size and $elemMatch see an array at the end of the path only as a whole. */
static bool
traverses_leaf_arrays (const docrel_fnode_t *node)
{
   return node->kind != DOCREL_FNODE_SIZE && node->kind != DOCREL_FNODE_ELEM_OBJECT &&
          node->kind != DOCREL_FNODE_ELEM_VALUE;
}

/* The path continues with component i past the array arr. */
static bool
walk_array (const docrel_fnode_t *node, const bson_value_t *arr, size_t i)
{
   const docrel_fpart_t *part = &node->parts[i];
   bson_iter_t iter;
   bson_value_t child;

   if (!bson_iter_init_from_data (&iter, arr->value.v_doc.data, arr->value.v_doc.data_len)) {
      return false;
   }
   while (bson_iter_next (&iter)) {
      bson_value_t e = *bson_iter_value (&iter);

      if (e.value_type == BSON_TYPE_DOCUMENT) {
         bool found = lookup (e.value.v_doc.data, e.value.v_doc.data_len, part, &child);
         if (walk (node, found ? &child : NULL, i + 1)) {
            return true;
         }
      }
      if (part->is_index && bson_iter_key_len (&iter) == part->len &&
          memcmp (bson_iter_key (&iter), part->name, part->len) == 0) {
         if (i + 1 == node->n_parts) {
            if (test (node, &e)) { /* the element as it is, not traversed */
               return true;
            }
         } else if (e.value_type == BSON_TYPE_DOCUMENT) {
            if (walk (node, &e, i + 1)) {
               return true;
            }
         } else if (e.value_type == BSON_TYPE_ARRAY) {
            if (walk_array (node, &e, i + 1)) {
               return true;
            }
         }
      }
   }
   return false;
}

/* v (NULL: missing) is where components 0 .. i-1 led. */
static bool
walk (const docrel_fnode_t *node, const bson_value_t *v, size_t i)
{
   bson_value_t child;
   bson_iter_t iter;

   if (i == node->n_parts) {
      if (v && v->value_type == BSON_TYPE_ARRAY && traverses_leaf_arrays (node) &&
          bson_iter_init_from_data (&iter, v->value.v_doc.data, v->value.v_doc.data_len)) {
         while (bson_iter_next (&iter)) {
            if (test (node, bson_iter_value (&iter))) {
               return true;
            }
         }
      }
      return test (node, v);
   }
   if (v && v->value_type == BSON_TYPE_DOCUMENT) {
      bool found = lookup (v->value.v_doc.data, v->value.v_doc.data_len, &node->parts[i], &child);
      return walk (node, found ? &child : NULL, i + 1);
   }
   if (v && v->value_type == BSON_TYPE_ARRAY) {
      return walk_array (node, v, i);
   }
   return test (node, NULL); /* past a scalar or a missing field */
}

bool
docrel_filter__eval (const docrel_fnode_t *node, const uint8_t *data, uint32_t len)
{
   bson_value_t root;
   size_t i;

   switch (node->kind) {
   case DOCREL_FNODE_AND:
      for (i = 0; i < node->n_children; i++) {
         if (!docrel_filter__eval (node->children[i], data, len)) {
            return false;
         }
      }
      return true;
   case DOCREL_FNODE_OR:
      for (i = 0; i < node->n_children; i++) {
         if (docrel_filter__eval (node->children[i], data, len)) {
            return true;
         }
      }
      return false;
   case DOCREL_FNODE_NOR:
      for (i = 0; i < node->n_children; i++) {
         if (docrel_filter__eval (node->children[i], data, len)) {
            return false;
         }
      }
      return true;
   case DOCREL_FNODE_NOT:
      return !docrel_filter__eval (node->children[0], data, len);
   case DOCREL_FNODE_FALSE:
      return false;
   default:
      /* A predicate on a path: the root is searched by key even when it is an
       * array (an element of an $elemMatch), as MongoDB reads it as an object. */
      memset (&root, 0, sizeof root);
      root.value_type = BSON_TYPE_DOCUMENT;
      root.value.v_doc.data = (uint8_t *) data;
      root.value.v_doc.data_len = len;
      return walk (node, &root, 0);
   }
}

bool
docrel_filter__match (const docrel_filter_t *filter, const bson_t *doc)
{
   if (!doc) {
      return false;
   }
   if (!filter) {
      return true;
   }
   return docrel_filter__eval (filter->root, bson_get_data (doc), doc->len);
}

/* ---- key values ----------------------------------------------------------- */

/* True if value holds a regular expression anywhere inside (or nests too
 * deep to tell). */
static bool
has_regex (const bson_value_t *value, int depth)
{
   bson_iter_t iter;

   if (value->value_type == BSON_TYPE_REGEX) {
      return true;
   }
   if (value->value_type != BSON_TYPE_DOCUMENT && value->value_type != BSON_TYPE_ARRAY) {
      return false;
   }
   if (depth > 100 || !bson_iter_init_from_data (&iter, value->value.v_doc.data, value->value.v_doc.data_len)) {
      return true; /* do not narrow by it */
   }
   while (bson_iter_next (&iter)) {
      if (has_regex (bson_iter_value (&iter), depth + 1)) {
         return true;
      }
   }
   return false;
}

/* The first EQ or IN node on path among the conjuncts under node. */
static const docrel_fnode_t *
find_key_node (const docrel_fnode_t *node, const char *path)
{
   const docrel_fnode_t *found;
   size_t i;

   if (node->kind == DOCREL_FNODE_AND) {
      for (i = 0; i < node->n_children; i++) {
         if ((found = find_key_node (node->children[i], path))) {
            return found;
         }
      }
      return NULL;
   }
   if ((node->kind == DOCREL_FNODE_EQ || node->kind == DOCREL_FNODE_IN) && node->path &&
       strcmp (node->path, path) == 0) {
      return node;
   }
   return NULL;
}

bool
docrel_filter__key_values (const docrel_filter_t *filter, const char *path, bson_t *values)
{
   const docrel_fnode_t *node;
   char key[16];
   const char *key_str;
   uint32_t next;
   size_t i;

   if (!filter || !path || !values || !(node = find_key_node (filter->root, path))) {
      return false;
   }
   if (node->kind == DOCREL_FNODE_EQ) {
      if (has_regex (&node->value, 0)) {
         return false;
      }
   } else {
      if (node->n_children > 0) {
         return false; /* regexes in the $in list */
      }
      for (i = 0; i < node->n_values; i++) {
         if (has_regex (&node->values[i], 0)) {
            return false;
         }
      }
   }
   next = bson_count_keys (values);
   if (node->kind == DOCREL_FNODE_EQ) {
      bson_uint32_to_string (next, &key_str, key, sizeof key);
      bson_append_value (values, key_str, -1, &node->value);
      return true;
   }
   for (i = 0; i < node->n_values; i++) {
      bson_uint32_to_string (next++, &key_str, key, sizeof key);
      bson_append_value (values, key_str, -1, &node->values[i]);
   }
   return true;
}

const docrel_regex_t *
docrel_filter__key_regex (const docrel_filter_t *filter, const char *path)
{
   const docrel_fnode_t *root = filter ? filter->root : NULL;
   size_t len;

   for (size_t i = 0; root && path && i < root->n_children; i++) {
      const docrel_fnode_t *node = root->children[i];

      if (node->kind == DOCREL_FNODE_REGEX && node->path && strcmp (node->path, path) == 0 &&
          (docrel_regex__prefix (node->regex, &len), len > 0)) {
         return node->regex;
      }
   }
   return NULL;
}
