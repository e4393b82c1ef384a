/* SPDX-License-Identifier: Apache-2.0 */
/* filter.c: compiling MongoDB query filters into node trees.
 *
 * A spec is read once, here, into the tree described in filter-private.h;
 * match.c evaluates that tree against documents without looking at the
 * spec again. Everything docrel does not implement is rejected by name
 * (DOCREL_ERROR_UNSUPPORTED_OPERATOR), and every malformed argument too
 * (DOCREL_ERROR_BAD_OPTION), so a filter never silently matches less than
 * MongoDB would. A half-built tree hangs from the root from the start, so an
 * error anywhere frees everything with one destroy.
 *
 * Shapes, as MongoDB reads them: a field's value that is a document whose
 * first key starts with '$' is an operator document (every key must then be
 * an operator); any other value, documents included, is an equality. $ne,
 * $nin, $exists:false and $not compile to NOT over the positive form, so they
 * are exact negations over the whole array traversal. $all compiles to an AND
 * of equalities (or of $elemMatch nodes). */
#include "query/query-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bsonx/bsonx-private.h"
#include "util/util-private.h"

/* MongoDB's own limit on nesting in a filter; it also bounds our recursion
 * (and the components of a path, so walking one cannot go deeper). */
#define MAX_DEPTH 100

typedef struct {
   bson_error_t *error;
   int depth;
   const char *within; /* the field of the $elemMatch being compiled, or NULL */
} ctx_t;

/* ---- nodes --------------------------------------------------------------- */

static void
node_destroy (docrel_fnode_t *node)
{
   size_t i;

   if (!node) {
      return;
   }
   for (i = 0; i < node->n_children; i++) {
      node_destroy (node->children[i]);
   }
   bson_free (node->children);
   bson_free (node->path);
   bson_free (node->split);
   bson_free (node->parts);
   bson_free (node->values);
   docrel_regex__destroy (node->regex);
   bson_free (node);
}

/* A new node of kind, already hanging from parent (so that destroying the
 * root frees it whatever happens next). */
static docrel_fnode_t *
add_node (docrel_fnode_t *parent, docrel_fnode_kind_t kind)
{
   docrel_fnode_t *node = bson_malloc0 (sizeof *node);

   node->kind = kind;
   if (parent->n_children == parent->cap_children) {
      parent->cap_children = parent->cap_children ? 2 * parent->cap_children : 4;
      parent->children = bson_realloc (parent->children, parent->cap_children * sizeof *parent->children);
   }
   parent->children[parent->n_children++] = node;
   return node;
}

static void
set_path (docrel_fnode_t *node, const char *path)
{
   size_t len = strlen (path);
   size_t i;
   size_t n = 1;
   char *start;

   node->path = bson_strdup (path);
   node->split = bson_strdup (path);
   for (i = 0; i < len; i++) {
      n += path[i] == '.';
   }
   node->parts = bson_malloc0 (n * sizeof *node->parts);
   node->n_parts = n;
   start = node->split;
   for (i = 0; i < n; i++) {
      char *dot = strchr (start, '.');
      const char *c;
      docrel_fpart_t *part = &node->parts[i];

      if (dot) {
         *dot = '\0';
      }
      part->name = start;
      part->len = (uint32_t) strlen (start);
      part->is_index = part->len > 0;
      for (c = start; *c; c++) {
         if (*c < '0' || *c > '9') {
            part->is_index = false;
         }
      }
      start = dot ? dot + 1 : start + part->len;
   }
}

/* A predicate node for field, or a path-less one when field is not a path
 * (inside an $elemMatch on values). */
static docrel_fnode_t *
add_leaf (docrel_fnode_t *parent, docrel_fnode_kind_t kind, const char *field, bool pathless)
{
   docrel_fnode_t *node = add_node (parent, kind);

   if (!pathless) {
      set_path (node, field);
   }
   return node;
}

/* ---- errors -------------------------------------------------------------- */

static bool
unsupported (ctx_t *ctx, const char *op, const char *field)
{
   if (!field) {
      return docrel_error__set (ctx->error, DOCREL_ERROR_QUERY, DOCREL_ERROR_UNSUPPORTED_OPERATOR,
                                "unsupported query operator '%s' %s%s%s", op,
                                ctx->within ? "in $elemMatch on field '" : "at the top level of the filter",
                                ctx->within ? ctx->within : "", ctx->within ? "'" : "");
   }
   return docrel_error__set (ctx->error, DOCREL_ERROR_QUERY, DOCREL_ERROR_UNSUPPORTED_OPERATOR,
                             "unsupported query operator '%s' on field '%s'", op, field);
}

/* The value iter is on, by value: its pointers lead into the spec, not
 * into the iterator. */
static bson_value_t
iter_value (const bson_iter_t *iter)
{
   bson_iter_t copy = *iter;

   return *bson_iter_value (&copy);
}

/* A malformed argument: "query operator '$in' on field 'tags': needs an
 * array, got 5". iter (the argument) may be NULL. */
static bool
bad (ctx_t *ctx, const char *op, const char *field, const char *what, const bson_iter_t *iter)
{
   bson_value_t value;
   char *json = NULL;

   if (iter) {
      value = iter_value (iter);
      json = docrel_error__value_json (&value);
   }
   docrel_error__set (ctx->error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION, "query operator '%s'%s%s%s: %s%s%s", op,
                      field ? " on field '" : "", field ? field : "", field ? "'" : "", what, json ? ", got " : "",
                      json ? json : "");
   bson_free (json);
   return false;
}

/* ---- small readers ------------------------------------------------------- */

/* The document or array iter holds, as a static bson_t over the spec copy. */
static void
iter_sub (const bson_iter_t *iter, bson_t *out)
{
   const uint8_t *data = NULL;
   uint32_t len = 0;

   if (BSON_ITER_HOLDS_ARRAY (iter)) {
      bson_iter_array (iter, &len, &data);
   } else {
      bson_iter_document (iter, &len, &data);
   }
   if (!data || !bson_init_static (out, data, len)) {
      bson_init (out); /* unreachable for a valid spec; empty and harmless */
   }
}

static const char *
first_key (const bson_t *doc)
{
   bson_iter_t iter;

   if (bson_iter_init (&iter, doc) && bson_iter_next (&iter)) {
      return bson_iter_key (&iter);
   }
   return NULL;
}

/* True if a document value is an operator document ({$gt: 1}) rather than a
 * literal. A DBRef ({$ref, $id}) is a literal, as in MongoDB. */
static bool
is_operator_doc (const bson_t *doc)
{
   const char *key = first_key (doc);

   return key && key[0] == '$' && strcmp (key, "$ref") != 0 && strcmp (key, "$id") != 0 && strcmp (key, "$db") != 0;
}

/* Keys that make an $elemMatch spec a filter on element documents even
 * though they start with '$'. */
static bool
is_filter_level_op (const char *key)
{
   static const char *const ops[] = {"$and", "$or", "$nor", "$comment", "$where", "$expr", "$text", "$jsonSchema"};
   size_t i;

   for (i = 0; i < sizeof ops / sizeof ops[0]; i++) {
      if (strcmp (key, ops[i]) == 0) {
         return true;
      }
   }
   return false;
}

/* $ne, $gt and the like cannot take a regular expression, as in MongoDB. */
static bool
check_value (ctx_t *ctx, const char *op, const bson_iter_t *iter, const char *field)
{
   if (BSON_ITER_HOLDS_REGEX (iter)) {
      return bad (ctx, op, field, "cannot take a regular expression", iter);
   }
   return true;
}

/* A REGEX node: for the regex value iter holds, or (iter NULL) for the
 * $regex and $options of the operator document ops. */
static bool
add_regex (ctx_t *ctx,
           docrel_fnode_t *parent,
           const char *field,
           bool pathless,
           const bson_iter_t *iter,
           const bson_t *ops)
{
   docrel_fnode_t *node = add_leaf (parent, DOCREL_FNODE_REGEX, field, pathless);
   const char *name = field ? field : ctx->within;
   const char *flags;
   const char *pattern;

   if (iter) {
      pattern = bson_iter_regex (iter, &flags);
      node->regex = docrel_regex__new (name, pattern, strlen (pattern), flags, ctx->error);
   } else {
      node->regex = docrel_regex__from_operators (name, ops, ctx->error);
   }
   return node->regex != NULL;
}

bool
docrel_query__integer (const bson_iter_t *iter, int64_t *out)
{
   double d;

   if (BSON_ITER_HOLDS_INT32 (iter) || BSON_ITER_HOLDS_INT64 (iter)) {
      *out = bson_iter_as_int64 (iter);
      return true;
   }
   if (BSON_ITER_HOLDS_DOUBLE (iter)) {
      d = bson_iter_double (iter);
      if (isfinite (d) && d == floor (d) && fabs (d) < 9007199254740992.0) {
         *out = (int64_t) d;
         return true;
      }
   }
   return false;
}

/* ---- $type ---------------------------------------------------------------- */

static const struct {
   const char *alias;
   int code;
} type_aliases[] = {
   {"double", 1},    {"string", 2},     {"object", 3},      {"array", 4},    {"binData", 5},
   {"undefined", 6}, {"objectId", 7},   {"bool", 8},        {"date", 9},     {"null", 10},
   {"regex", 11},    {"dbPointer", 12}, {"javascript", 13}, {"symbol", 14},  {"javascriptWithScope", 15},
   {"int", 16},      {"timestamp", 17}, {"long", 18},       {"decimal", 19}, {"minKey", -1},
   {"maxKey", 127},
};

static uint32_t
code_bit (int64_t code)
{
   if (code == -1) {
      return docrel_filter__type_bit (BSON_TYPE_MINKEY);
   }
   if (code == 127) {
      return docrel_filter__type_bit (BSON_TYPE_MAXKEY);
   }
   if (code >= 1 && code <= 19) {
      return docrel_filter__type_bit ((bson_type_t) code);
   }
   return 0;
}

/* One $type operand (an alias or a code) into *mask. */
static bool
type_one (ctx_t *ctx, const bson_iter_t *iter, const char *field, uint32_t *mask)
{
   int64_t code;
   size_t i;
   uint32_t bit;

   if (BSON_ITER_HOLDS_UTF8 (iter)) {
      const char *s = bson_iter_utf8 (iter, NULL);
      if (strcmp (s, "number") == 0) {
         *mask |= code_bit (1) | code_bit (16) | code_bit (18) | code_bit (19);
         return true;
      }
      for (i = 0; i < sizeof type_aliases / sizeof type_aliases[0]; i++) {
         if (strcmp (s, type_aliases[i].alias) == 0) {
            *mask |= code_bit (type_aliases[i].code);
            return true;
         }
      }
      return bad (ctx, "$type", field, "unknown type name", iter);
   }
   if (docrel_query__integer (iter, &code) && (bit = code_bit (code)) != 0) {
      *mask |= bit;
      return true;
   }
   return bad (ctx, "$type", field, "needs a BSON type code or name, or an array of them", iter);
}

static bool
compile_type (ctx_t *ctx, docrel_fnode_t *parent, const char *field, bool pathless, const bson_iter_t *iter)
{
   docrel_fnode_t *node = add_leaf (parent, DOCREL_FNODE_TYPE, field, pathless);
   bson_iter_t child;

   if (!BSON_ITER_HOLDS_ARRAY (iter)) {
      return type_one (ctx, iter, field, &node->type_mask);
   }
   if (!bson_iter_recurse (iter, &child)) {
      return bad (ctx, "$type", field, "needs at least one type", NULL);
   }
   while (bson_iter_next (&child)) {
      if (!type_one (ctx, &child, field, &node->type_mask)) {
         return false;
      }
   }
   if (!node->type_mask) {
      return bad (ctx, "$type", field, "needs at least one type", NULL);
   }
   return true;
}

/* ---- operators ------------------------------------------------------------ */

static bool compile_filter (ctx_t *ctx, docrel_fnode_t *and_node, const bson_t *spec);
static bool compile_operators (ctx_t *ctx, docrel_fnode_t *parent, const char *field, bool pathless, const bson_t *ops);
static bool
compile_elem_match (ctx_t *ctx, docrel_fnode_t *parent, const char *field, bool pathless, const bson_iter_t *iter);

static int
value_cmp (const void *a, const void *b)
{
   return docrel_compare__values (a, b);
}

/* $in (or, under a NOT, $nin): an IN node with the values sorted for
 * binary search. */
static bool
compile_in (ctx_t *ctx,
            docrel_fnode_t *parent,
            const char *op,
            const char *field,
            bool pathless,
            const bson_iter_t *iter)
{
   docrel_fnode_t *node;
   bson_iter_t child;
   size_t n = 0;

   if (!BSON_ITER_HOLDS_ARRAY (iter)) {
      return bad (ctx, op, field, "needs an array", iter);
   }
   node = add_leaf (parent, DOCREL_FNODE_IN, field, pathless);
   if (!bson_iter_recurse (iter, &child)) {
      return true;
   }
   while (bson_iter_next (&child)) {
      n++;
   }
   if (n == 0) {
      return true;
   }
   node->values = bson_malloc0 (n * sizeof *node->values);
   bson_iter_recurse (iter, &child);
   while (bson_iter_next (&child)) {
      if (BSON_ITER_HOLDS_REGEX (&child)) {
         /* a regex in the list: tested on each value, as in_match says */
         if (!add_regex (ctx, node, field, true, &child, NULL)) {
            return false;
         }
         continue;
      }
      if (BSON_ITER_HOLDS_DOCUMENT (&child)) {
         bson_t sub;
         iter_sub (&child, &sub);
         if (is_operator_doc (&sub)) {
            return bad (ctx, op, field, "cannot hold an operator document", &child);
         }
      }
      if (BSON_ITER_HOLDS_NULL (&child)) {
         node->in_null = true;
      }
      node->values[node->n_values++] = iter_value (&child);
   }
   qsort (node->values, node->n_values, sizeof *node->values, value_cmp);
   return true;
}

/* $all: an equality per value, or an $elemMatch per {$elemMatch: ...}. */
static bool
compile_all (ctx_t *ctx, docrel_fnode_t *parent, const char *field, bool pathless, const bson_iter_t *iter)
{
   bson_iter_t child;
   bool any = false;
   bool elem_matches = false;

   if (!BSON_ITER_HOLDS_ARRAY (iter)) {
      return bad (ctx, "$all", field, "needs an array", iter);
   }
   if (bson_iter_recurse (iter, &child)) {
      while (bson_iter_next (&child)) {
         bool is_elem_match = false;
         bson_t sub;

         if (BSON_ITER_HOLDS_DOCUMENT (&child)) {
            iter_sub (&child, &sub);
            if (is_operator_doc (&sub)) {
               bson_iter_t op;
               if (strcmp (first_key (&sub), "$elemMatch") != 0 || bson_count_keys (&sub) != 1) {
                  return bad (ctx, "$all", field, "elements must be values or {$elemMatch: ...}", &child);
               }
               is_elem_match = true;
               bson_iter_init (&op, &sub);
               bson_iter_next (&op);
               if (!compile_elem_match (ctx, parent, field, pathless, &op)) {
                  return false;
               }
            }
         }
         if (any && is_elem_match != elem_matches) {
            return bad (ctx, "$all", field, "cannot mix values and $elemMatch", NULL);
         }
         elem_matches = is_elem_match;
         any = true;
         if (BSON_ITER_HOLDS_REGEX (&child)) {
            if (!add_regex (ctx, parent, field, pathless, &child, NULL)) {
               return false;
            }
         } else if (!is_elem_match) {
            add_leaf (parent, DOCREL_FNODE_EQ, field, pathless)->value = iter_value (&child);
         }
      }
   }
   if (!any) {
      add_node (parent, DOCREL_FNODE_FALSE); /* MongoDB: $all: [] matches nothing */
   }
   return true;
}

static bool
compile_elem_match (ctx_t *ctx, docrel_fnode_t *parent, const char *field, bool pathless, const bson_iter_t *iter)
{
   docrel_fnode_t *node;
   bson_t spec;
   const char *key;
   const char *within;
   bool ok;

   if (!BSON_ITER_HOLDS_DOCUMENT (iter)) {
      return bad (ctx, "$elemMatch", field, "needs a document", iter);
   }
   iter_sub (iter, &spec);
   key = first_key (&spec);
   if (key && key[0] == '$' && !is_filter_level_op (key)) {
      /* {$elemMatch: {$gte: 80, $lt: 85}}: operators on each element value */
      node = add_leaf (parent, DOCREL_FNODE_ELEM_VALUE, field, pathless);
      return compile_operators (ctx, node, field, true, &spec);
   }
   /* {$elemMatch: {b: 1, c: {$gt: 2}}}: a filter on each element document */
   node = add_leaf (parent, DOCREL_FNODE_ELEM_OBJECT, field, pathless);
   within = ctx->within;
   ctx->within = field;
   ok = compile_filter (ctx, add_node (node, DOCREL_FNODE_AND), &spec);
   ctx->within = within;
   return ok;
}

static bool
compile_not (ctx_t *ctx, docrel_fnode_t *parent, const char *field, bool pathless, const bson_iter_t *iter)
{
   bson_t ops;

   if (BSON_ITER_HOLDS_REGEX (iter)) {
      return add_regex (ctx, add_node (add_node (parent, DOCREL_FNODE_NOT), DOCREL_FNODE_AND), field, pathless, iter,
                        NULL);
   }
   if (!BSON_ITER_HOLDS_DOCUMENT (iter)) {
      return bad (ctx, "$not", field, "needs a document of operators", iter);
   }
   iter_sub (iter, &ops);
   if (bson_empty (&ops)) {
      return bad (ctx, "$not", field, "needs at least one operator", NULL);
   }
   if (!is_operator_doc (&ops)) {
      return bad (ctx, "$not", field, "needs a document of operators", iter);
   }
   return compile_operators (ctx, add_node (add_node (parent, DOCREL_FNODE_NOT), DOCREL_FNODE_AND), field, pathless,
                             &ops);
}

/* One operator of an operator document, added under parent (an AND, or an
 * ELEM_VALUE whose children are ANDed). */
static bool
compile_op (ctx_t *ctx,
            docrel_fnode_t *parent,
            const char *field,
            bool pathless,
            const char *op,
            const bson_iter_t *iter)
{
   static const struct {
      const char *name;
      docrel_fnode_kind_t kind;
   } comparisons[] = {
      {"$eq", DOCREL_FNODE_EQ}, {"$gt", DOCREL_FNODE_GT},   {"$gte", DOCREL_FNODE_GTE},
      {"$lt", DOCREL_FNODE_LT}, {"$lte", DOCREL_FNODE_LTE},
   };
   size_t i;
   int64_t n;

   for (i = 0; i < sizeof comparisons / sizeof comparisons[0]; i++) {
      if (strcmp (op, comparisons[i].name) == 0) {
         /* {$eq: /x/} is equality with the regex value itself */
         if (comparisons[i].kind != DOCREL_FNODE_EQ && !check_value (ctx, op, iter, field)) {
            return false;
         }
         add_leaf (parent, comparisons[i].kind, field, pathless)->value = iter_value (iter);
         return true;
      }
   }
   if (strcmp (op, "$ne") == 0) {
      if (!check_value (ctx, op, iter, field)) {
         return false;
      }
      add_leaf (add_node (parent, DOCREL_FNODE_NOT), DOCREL_FNODE_EQ, field, pathless)->value = iter_value (iter);
      return true;
   }
   if (strcmp (op, "$in") == 0) {
      return compile_in (ctx, parent, op, field, pathless, iter);
   }
   if (strcmp (op, "$nin") == 0) {
      return compile_in (ctx, add_node (parent, DOCREL_FNODE_NOT), op, field, pathless, iter);
   }
   if (strcmp (op, "$exists") == 0) {
      if (!BSON_ITER_HOLDS_BOOL (iter) && !BSON_ITER_HOLDS_NUMBER (iter)) {
         return bad (ctx, op, field, "needs a bool or a number", iter);
      }
      add_leaf (bson_iter_as_bool (iter) ? parent : add_node (parent, DOCREL_FNODE_NOT), DOCREL_FNODE_EXISTS, field,
                pathless);
      return true;
   }
   if (strcmp (op, "$type") == 0) {
      return compile_type (ctx, parent, field, pathless, iter);
   }
   if (strcmp (op, "$size") == 0) {
      if (!docrel_query__integer (iter, &n) || n < 0) {
         return bad (ctx, op, field, "needs a non-negative integer", iter);
      }
      add_leaf (parent, DOCREL_FNODE_SIZE, field, pathless)->size = n;
      return true;
   }
   if (strcmp (op, "$all") == 0) {
      return compile_all (ctx, parent, field, pathless, iter);
   }
   if (strcmp (op, "$elemMatch") == 0) {
      return compile_elem_match (ctx, parent, field, pathless, iter);
   }
   if (strcmp (op, "$not") == 0) {
      return compile_not (ctx, parent, field, pathless, iter);
   }
   return unsupported (ctx, op, field);
}

/* Every key of ops ({$gt: 1, $lt: 5}) is an operator on field. */
static bool
compile_operators (ctx_t *ctx, docrel_fnode_t *parent, const char *field, bool pathless, const bson_t *ops)
{
   bson_iter_t iter;
   bool ok = true;

   if (++ctx->depth > MAX_DEPTH) {
      return docrel_error__set (ctx->error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                "filter nested more than %d levels deep", MAX_DEPTH);
   }
   if (bson_iter_init (&iter, ops)) {
      while (ok && bson_iter_next (&iter)) {
         const char *key = bson_iter_key (&iter);
         if (key[0] != '$') {
            char what[160];
            bson_snprintf (what, sizeof what, "'%s' is not an operator, and operators cannot be mixed with fields",
                           key);
            return bad (ctx, first_key (ops), field, what, NULL);
         }
         if (strcmp (key, "$regex") == 0) {
            ok = add_regex (ctx, parent, field, pathless, NULL, ops);
         } else if (strcmp (key, "$options") == 0) {
            ok = bson_has_field (ops, "$regex") || bad (ctx, key, field, "needs a $regex", NULL);
         } else {
            ok = compile_op (ctx, parent, field, pathless, key, &iter);
         }
      }
   }
   ctx->depth--;
   return ok;
}

/* ---- filters -------------------------------------------------------------- */

/* $and / $or / $nor: a non-empty array of filter documents. */
static bool
compile_logical (ctx_t *ctx, docrel_fnode_t *parent, const char *op, docrel_fnode_kind_t kind, const bson_iter_t *iter)
{
   docrel_fnode_t *node;
   bson_iter_t child;
   bson_t sub;

   if (!BSON_ITER_HOLDS_ARRAY (iter) || !bson_iter_recurse (iter, &child)) {
      return bad (ctx, op, NULL, "needs a non-empty array of documents", iter);
   }
   node = add_node (parent, kind);
   while (bson_iter_next (&child)) {
      if (!BSON_ITER_HOLDS_DOCUMENT (&child)) {
         return bad (ctx, op, NULL, "needs a non-empty array of documents", &child);
      }
      iter_sub (&child, &sub);
      if (!compile_filter (ctx, add_node (node, DOCREL_FNODE_AND), &sub)) {
         return false;
      }
   }
   if (node->n_children == 0) {
      return bad (ctx, op, NULL, "needs a non-empty array of documents", NULL);
   }
   return true;
}

/* {field: value}: an equality, or an operator document. */
static bool
compile_field (ctx_t *ctx, docrel_fnode_t *parent, const char *field, const bson_iter_t *iter)
{
   const char *c;
   int n = 1;

   for (c = field; *c; c++) {
      n += *c == '.';
   }
   if (n > MAX_DEPTH) {
      return docrel_error__set (ctx->error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                "field path '%.40s...' has more than %d components", field, MAX_DEPTH);
   }
   if (BSON_ITER_HOLDS_REGEX (iter)) {
      return add_regex (ctx, parent, field, false, iter, NULL);
   }
   if (BSON_ITER_HOLDS_DOCUMENT (iter)) {
      bson_t sub;
      iter_sub (iter, &sub);
      if (is_operator_doc (&sub)) {
         return compile_operators (ctx, parent, field, false, &sub);
      }
   }
   add_leaf (parent, DOCREL_FNODE_EQ, field, false)->value = iter_value (iter);
   return true;
}

/* Every key of spec, ANDed under and_node. */
static bool
compile_filter (ctx_t *ctx, docrel_fnode_t *and_node, const bson_t *spec)
{
   bson_iter_t iter;
   bool ok = true;

   if (++ctx->depth > MAX_DEPTH) {
      return docrel_error__set (ctx->error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                "filter nested more than %d levels deep", MAX_DEPTH);
   }
   if (!bson_iter_init (&iter, spec)) {
      return docrel_error__set (ctx->error, DOCREL_ERROR_QUERY, DOCREL_ERROR_INVALID_ARGUMENT,
                                "filter is not valid BSON");
   }
   while (ok && bson_iter_next (&iter)) {
      const char *key = bson_iter_key (&iter);

      if (strcmp (key, "$and") == 0) {
         ok = compile_logical (ctx, and_node, key, DOCREL_FNODE_AND, &iter);
      } else if (strcmp (key, "$or") == 0) {
         ok = compile_logical (ctx, and_node, key, DOCREL_FNODE_OR, &iter);
      } else if (strcmp (key, "$nor") == 0) {
         ok = compile_logical (ctx, and_node, key, DOCREL_FNODE_NOR, &iter);
      } else if (strcmp (key, "$comment") == 0) {
         /* accepted and ignored, as MongoDB does */
      } else if (key[0] == '$') {
         ok = unsupported (ctx, key, NULL);
      } else {
         ok = compile_field (ctx, and_node, key, &iter);
      }
   }
   ctx->depth--;
   return ok;
}

/* ---- the public part ------------------------------------------------------ */

docrel_filter_t *
docrel_filter__new (const bson_t *spec, bson_error_t *error)
{
   docrel_filter_t *filter;
   ctx_t ctx = {error, 0, NULL};
   size_t offset;

   if (spec && !bson_validate (spec, BSON_VALIDATE_NONE, &offset)) {
      docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_INVALID_ARGUMENT,
                         "filter is not valid BSON (at byte %zu)", offset);
      return NULL;
   }
   filter = bson_malloc0 (sizeof *filter);
   if (spec && !docrel_arrays__numbered (bson_get_data (spec), spec->len, false)) {
      bson_t renumbered; /* arrays are read by position (arrays.c) */
      docrel_arrays__renumber (bson_get_data (spec), spec->len, false, &renumbered);
      filter->spec = bson_copy (&renumbered);
      bson_destroy (&renumbered);
   } else {
      filter->spec = spec ? bson_copy (spec) : bson_new ();
   }
   filter->root = bson_malloc0 (sizeof *filter->root);
   filter->root->kind = DOCREL_FNODE_AND;
   if (!compile_filter (&ctx, filter->root, filter->spec)) {
      docrel_filter__destroy (filter);
      return NULL;
   }
   return filter;
}

void
docrel_filter__destroy (docrel_filter_t *filter)
{
   if (!filter) {
      return;
   }
   node_destroy (filter->root);
   if (filter->spec) {
      bson_destroy (filter->spec);
   }
   bson_free (filter);
}

const bson_t *
docrel_filter__spec (const docrel_filter_t *filter)
{
   return filter->spec;
}

void
docrel_filter__append_in (bson_t *out, const char *path, const bson_value_t *values, size_t n)
{
   bson_t spec, list;
   char key[16];
   const char *k;

   bson_append_document_begin (out, path, -1, &spec);
   bson_append_array_begin (&spec, "$in", 3, &list);
   for (size_t i = 0; i < n; i++) {
      bson_uint32_to_string ((uint32_t) i, &k, key, sizeof key);
      bson_append_value (&list, k, -1, &values[i]);
   }
   bson_append_array_end (&spec, &list);
   bson_append_document_end (out, &spec);
}
