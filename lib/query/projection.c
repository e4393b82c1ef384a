/* SPDX-License-Identifier: Apache-2.0 */
/* projection.c: MongoDB find projections, compiled once into a tree of field
 * names and applied to documents.
 *
 * A spec ({"a": 1, "b.c": 1}, or {"b": {"c": 1}} which means the same) becomes
 * a trie of path components whose leaves are the named paths. An inclusion
 * keeps only what the trie reaches; an exclusion keeps everything but its
 * leaves. Where a path meets an array, each element is projected the way
 * MongoDB does it: document (and nested array) elements are projected with
 * the rest of the path; other elements are dropped by an inclusion and kept
 * by an exclusion. The top-level _id is handled apart: kept unless the spec
 * says {"_id": 0}, whatever the mode. Operators ($slice, $elemMatch, $meta)
 * and the positional "a.$" are rejected by name. */
#include "query/query-private.h"

#include <stdlib.h>
#include <string.h>

#include "util/util-private.h"

/* Arrays nested deeper than this inside one projected path are kept whole by
 * an exclusion and dropped by an inclusion, so that hostile documents cannot
 * exhaust the stack. */
#define MAX_ARRAY_DEPTH 100

/* At most this many components in a path (nested sub-projections count), so
 * that the trie, and the recursion over it, stay shallow. */
#define MAX_PATH_DEPTH 100

typedef struct _pnode_t pnode_t;

struct _pnode_t {
   char *name;
   uint32_t len;
   bool leaf; /* the spec named this path; no children */
   pnode_t **children;
   size_t n_children;
   size_t cap_children;
};

struct _docrel_projection_t {
   bool identity;  /* empty spec: whole documents */
   bool inclusion; /* else exclusion */
   int id_spec;    /* top-level "_id": -1 not given, 0 excluded, 1 included */
   pnode_t root;
   bson_t *spec; /* a copy, for backends that send it to a server */
};

/* ---- the trie ------------------------------------------------------------- */

static void
pnode_clear (pnode_t *node)
{
   size_t i;

   for (i = 0; i < node->n_children; i++) {
      pnode_clear (node->children[i]);
      bson_free (node->children[i]);
   }
   bson_free (node->children);
   bson_free (node->name);
}

static pnode_t *
pnode_find (const pnode_t *node, const char *name, uint32_t len)
{
   size_t i;

   for (i = 0; i < node->n_children; i++) {
      if (node->children[i]->len == len && memcmp (node->children[i]->name, name, len) == 0) {
         return node->children[i];
      }
   }
   return NULL;
}

static pnode_t *
pnode_add (pnode_t *parent, const char *name, uint32_t len)
{
   pnode_t *node = bson_malloc0 (sizeof *node);

   node->name = bson_strndup (name, len);
   node->len = len;
   if (parent->n_children == parent->cap_children) {
      parent->cap_children = parent->cap_children ? 2 * parent->cap_children : 4;
      parent->children = bson_realloc (parent->children, parent->cap_children * sizeof *parent->children);
   }
   parent->children[parent->n_children++] = node;
   return node;
}

/* Adds path as a leaf; a path and one of its prefixes (or the same path
 * twice) collide, as in MongoDB. */
static bool
add_path (docrel_projection_t *proj, const char *path, bson_error_t *error)
{
   pnode_t *node = &proj->root;
   const char *start = path;

   for (;;) {
      const char *dot = strchr (start, '.');
      uint32_t len = (uint32_t) (dot ? (size_t) (dot - start) : strlen (start));
      pnode_t *child = pnode_find (node, start, len);

      if (child && (child->leaf || !dot)) {
         return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                   "projection: path collision at '%s'", path);
      }
      if (!child) {
         child = pnode_add (node, start, len);
      }
      if (!dot) {
         child->leaf = true;
         return true;
      }
      node = child;
      start = dot + 1;
   }
}

/* ---- parsing -------------------------------------------------------------- */

/* Every component is non-empty and none starts with '$'; not too many. */
static bool
check_path (const char *path, bson_error_t *error)
{
   const char *start = path;
   int n = 0;

   for (;;) {
      const char *dot = strchr (start, '.');
      size_t len = dot ? (size_t) (dot - start) : strlen (start);

      if (len == 0) {
         return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                   "projection field '%s' has an empty component", path);
      }
      if (start[0] == '$') {
         if (len == 1) {
            return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_UNSUPPORTED_OPERATOR,
                                      "unsupported positional projection '%s'", path);
         }
         if (start == path && !dot) {
            return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_UNSUPPORTED_OPERATOR,
                                      "unsupported projection operator '%s'", path);
         }
         return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_UNSUPPORTED_OPERATOR,
                                   "unsupported projection operator '%.*s' in field '%s'", (int) len, start, path);
      }
      if (++n > MAX_PATH_DEPTH) {
         return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                   "projection field '%.40s...' has more than %d components", path, MAX_PATH_DEPTH);
      }
      if (!dot) {
         return true;
      }
      start = dot + 1;
   }
}

/* The truth of a projection value (a bool or a number). */
static bool
get_flag (const bson_iter_t *iter, bool *flag)
{
   char str[BSON_DECIMAL128_STRING];
   bson_decimal128_t dec;

   if (BSON_ITER_HOLDS_BOOL (iter) || BSON_ITER_HOLDS_NUMBER (iter)) {
      *flag = bson_iter_as_bool (iter);
      return true;
   }
   if (BSON_ITER_HOLDS_DECIMAL128 (iter)) {
      bson_iter_decimal128 (iter, &dec);
      bson_decimal128_to_string (&dec, str);
      *flag = strtod (str, NULL) != 0.0 || strstr (str, "NaN") != NULL;
      return true;
   }
   return false;
}

static bool
parse_spec (docrel_projection_t *proj, const bson_t *spec, const char *prefix, bool *mode_set, bson_error_t *error)
{
   bson_iter_t iter;

   if (!bson_iter_init (&iter, spec)) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_INVALID_ARGUMENT,
                                "projection is not valid BSON");
   }
   while (bson_iter_next (&iter)) {
      const char *key = bson_iter_key (&iter);
      char *path = prefix ? bson_strdup_printf ("%s.%s", prefix, key) : bson_strdup (key);
      bool flag;
      bool ok = true;

      if (!check_path (path, error)) {
         ok = false;
      } else if (BSON_ITER_HOLDS_DOCUMENT (&iter)) {
         const uint8_t *data;
         uint32_t len;
         bson_t sub;
         bson_iter_t first;

         bson_iter_document (&iter, &len, &data);
         if (!bson_init_static (&sub, data, len) || bson_empty (&sub)) {
            ok = docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                    "projection field '%s': an empty sub-projection is not valid", path);
         } else if (bson_iter_init (&first, &sub) && bson_iter_next (&first) && bson_iter_key (&first)[0] == '$') {
            ok = docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_UNSUPPORTED_OPERATOR,
                                    "unsupported projection operator '%s' on field '%s'", bson_iter_key (&first), path);
         } else {
            ok = parse_spec (proj, &sub, path, mode_set, error);
         }
      } else if (!get_flag (&iter, &flag)) {
         char *json = docrel_error__value_json (bson_iter_value (&iter));
         ok = docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                 "projection field '%s': expected 1, 0, true, false or a sub-projection, got %s", path,
                                 json);
         bson_free (json);
      } else if (!prefix && strcmp (key, "_id") == 0) {
         proj->id_spec = flag ? 1 : 0; /* _id never sets or breaks the mode */
      } else if (*mode_set && flag != proj->inclusion) {
         ok = docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                 "projection: cannot do %s on field '%s' in an %s projection",
                                 flag ? "inclusion" : "exclusion", path, proj->inclusion ? "inclusion" : "exclusion");
      } else {
         *mode_set = true;
         proj->inclusion = flag;
         ok = add_path (proj, path, error);
      }
      bson_free (path);
      if (!ok) {
         return false;
      }
   }
   return true;
}

docrel_projection_t *
docrel_projection__new (const bson_t *spec, bson_error_t *error)
{
   docrel_projection_t *proj = bson_malloc0 (sizeof *proj);
   bool mode_set = false;
   size_t offset;

   proj->id_spec = -1;
   if (spec && !bson_validate (spec, BSON_VALIDATE_NONE, &offset)) {
      docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_INVALID_ARGUMENT,
                         "projection is not valid BSON (at byte %zu)", offset);
      goto fail;
   }
   if (spec && !parse_spec (proj, spec, NULL, &mode_set, error)) {
      goto fail;
   }
   if (proj->id_spec != -1 && pnode_find (&proj->root, "_id", 3)) {
      docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION, "projection: path collision at '_id'");
      goto fail;
   }
   if (!mode_set) {
      /* {}: everything; {_id: 0}: an exclusion; {_id: 1}: an inclusion */
      proj->identity = proj->id_spec == -1;
      proj->inclusion = proj->id_spec == 1;
   }
   proj->spec = spec ? bson_copy (spec) : bson_new ();
   return proj;
fail:
   docrel_projection__destroy (proj);
   return NULL;
}

void
docrel_projection__destroy (docrel_projection_t *projection)
{
   if (!projection) {
      return;
   }
   pnode_clear (&projection->root);
   bson_destroy (projection->spec);
   bson_free (projection);
}

const bson_t *
docrel_projection__spec (const docrel_projection_t *projection)
{
   return projection ? projection->spec : NULL;
}

bool
docrel_projection__is_identity (const docrel_projection_t *projection)
{
   return !projection || projection->identity;
}

/* ---- applying ------------------------------------------------------------- */

static void project_doc (const docrel_projection_t *proj,
                         const pnode_t *node,
                         const uint8_t *data,
                         uint32_t len,
                         bool top,
                         bson_t *out);

/* The elements of the array at data, projected with node (the trie node of
 * the array's own field), appended to out and renumbered. */
static void
project_array (const docrel_projection_t *proj,
               const pnode_t *node,
               const uint8_t *data,
               uint32_t len,
               int depth,
               bson_t *out)
{
   bson_iter_t iter;
   uint32_t i = 0;
   char buf[16];
   const char *key;
   bson_t sub;
   const uint8_t *sub_data;
   uint32_t sub_len;

   if (!bson_iter_init_from_data (&iter, data, len)) {
      return;
   }
   while (bson_iter_next (&iter)) {
      bson_uint32_to_string (i, &key, buf, sizeof buf);
      if (BSON_ITER_HOLDS_DOCUMENT (&iter)) {
         bson_iter_document (&iter, &sub_len, &sub_data);
         bson_append_document_begin (out, key, -1, &sub);
         project_doc (proj, node, sub_data, sub_len, false, &sub);
         bson_append_document_end (out, &sub);
      } else if (BSON_ITER_HOLDS_ARRAY (&iter) && depth < MAX_ARRAY_DEPTH) {
         bson_iter_array (&iter, &sub_len, &sub_data);
         bson_append_array_begin (out, key, -1, &sub);
         project_array (proj, node, sub_data, sub_len, depth + 1, &sub);
         bson_append_array_end (out, &sub);
      } else if (!proj->inclusion) {
         bson_append_iter (out, key, -1, &iter);
      } else {
         continue; /* an inclusion drops what the path cannot reach into */
      }
      i++;
   }
}

/* The fields of the document at data, projected with node, appended to out. */
static void
project_doc (const docrel_projection_t *proj,
             const pnode_t *node,
             const uint8_t *data,
             uint32_t len,
             bool top,
             bson_t *out)
{
   bson_iter_t iter;
   bson_t sub;
   const uint8_t *sub_data;
   uint32_t sub_len;

   if (!bson_iter_init_from_data (&iter, data, len)) {
      return;
   }
   while (bson_iter_next (&iter)) {
      const char *key = bson_iter_key (&iter);
      uint32_t key_len = bson_iter_key_len (&iter);
      const pnode_t *child = pnode_find (node, key, key_len);

      if (top && !child && key_len == 3 && strcmp (key, "_id") == 0) {
         if (proj->id_spec != 0) {
            bson_append_iter (out, key, (int) key_len, &iter);
         }
         continue;
      }
      if (!child) {
         if (!proj->inclusion) {
            bson_append_iter (out, key, (int) key_len, &iter);
         }
      } else if (child->leaf) {
         if (proj->inclusion) {
            bson_append_iter (out, key, (int) key_len, &iter);
         }
      } else if (BSON_ITER_HOLDS_DOCUMENT (&iter)) {
         bson_iter_document (&iter, &sub_len, &sub_data);
         bson_append_document_begin (out, key, (int) key_len, &sub);
         project_doc (proj, child, sub_data, sub_len, false, &sub);
         bson_append_document_end (out, &sub);
      } else if (BSON_ITER_HOLDS_ARRAY (&iter)) {
         bson_iter_array (&iter, &sub_len, &sub_data);
         bson_append_array_begin (out, key, (int) key_len, &sub);
         project_array (proj, child, sub_data, sub_len, 0, &sub);
         bson_append_array_end (out, &sub);
      } else if (!proj->inclusion) {
         bson_append_iter (out, key, (int) key_len, &iter); /* "a.b" cannot reach into a scalar a */
      }
   }
}

void
docrel_projection__apply (const docrel_projection_t *projection, const bson_t *in, bson_t *out)
{
   bson_init (out);
   if (!in) {
      return;
   }
   if (!projection || projection->identity) {
      bson_concat (out, in);
      return;
   }
   project_doc (projection, &projection->root, bson_get_data (in), in->len, true, out);
}
