/* SPDX-License-Identifier: Apache-2.0 */
/* sort.c: compiling sort specifications and computing MongoDB sort keys.
 *
 * A query's sort is checked once here, then used two ways: the SQLite backend
 * stores each document's sort key as a keycode and lets SQL order the rows,
 * and in-memory code compares documents directly. Both go through the same
 * choice of value per field (pick_value below), so they always agree.
 *
 * The value a document sorts by follows the index keys a MongoDB server
 * generates for the path (its BtreeKeyGenerator), of which an ascending sort
 * takes the smallest and a descending sort the largest:
 *   - the path walks sub-documents; at an array, a component naming an
 *     existing position ("a.0") descends into that element alone, any other
 *     component descends into every element, and an element that is not a
 *     document counts as missing;
 *   - a missing field, or a scalar where the path goes on, gives null;
 *   - where the path ends on an array, each element is a candidate (nested
 *     arrays stay whole), and an empty array gives undefined, which is why
 *     it sorts below null (and equal to undefined);
 *   - an array reached through a position ("a.0" on [[1, 2]]) stays whole. */
#include "query/query-private.h"

#include <string.h>

#include "bsonx/bsonx-private.h"
#include "util/util-private.h"

struct _docrel_sort_t {
   size_t n;
   char **paths;
   int *directions;
};

static const bson_value_t null_value = {.value_type = BSON_TYPE_NULL};
static const bson_value_t undefined_value = {.value_type = BSON_TYPE_UNDEFINED};

/* ---- compiling --------------------------------------------------------- */

static bool
check_path (const char *path, bson_error_t *error)
{
   const char *p = path;

   if (!*path) {
      return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                "sort: a field path must not be empty");
   }
   for (;;) {
      if (*p == '.' || *p == '\0') {
         return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                   "sort: field path '%s' has an empty component", path);
      }
      if (*p == '$') {
         return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                                   "sort: field path '%s' has a component starting with '$' (sort operators "
                                   "such as $natural and $meta are not supported)",
                                   path);
      }
      p += strcspn (p, ".");
      if (*p == '\0') {
         return true;
      }
      p++;
   }
}

/* Reads a direction: 1 or -1 as int32, int64 or double. */
static bool
read_direction (const bson_iter_t *iter, int *direction)
{
   switch (bson_iter_type (iter)) {
   case BSON_TYPE_INT32:
   case BSON_TYPE_INT64: {
      int64_t v = bson_iter_as_int64 (iter);
      *direction = v < 0 ? -1 : 1;
      return v == 1 || v == -1;
   }
   case BSON_TYPE_DOUBLE: {
      double v = bson_iter_double (iter);
      *direction = v < 0 ? -1 : 1;
      return v == 1.0 || v == -1.0;
   }
   default:
      return false;
   }
}

docrel_sort_t *
docrel_sort__new (const bson_t *spec, bson_error_t *error)
{
   docrel_sort_t *sort;
   bson_iter_t iter;
   size_t i;
   size_t n_keys;
   char *json;

   sort = bson_malloc0 (sizeof *sort);
   if (!spec) {
      return sort;
   }
   if (!bson_iter_init (&iter, spec)) {
      docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                         "sort: the specification is not valid BSON");
      goto fail;
   }
   n_keys = bson_count_keys (spec) + 1u; /* + 1: never a zero-size allocation */
   sort->paths = bson_malloc0 (sizeof (char *) * n_keys);
   sort->directions = bson_malloc0 (sizeof (int) * n_keys);
   while (bson_iter_next (&iter)) {
      const char *path = bson_iter_key (&iter);

      if (!check_path (path, error)) {
         goto fail;
      }
      for (i = 0; i < sort->n; i++) {
         if (strcmp (sort->paths[i], path) == 0) {
            docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                               "sort: field '%s' appears more than once", path);
            goto fail;
         }
      }
      if (!read_direction (&iter, &sort->directions[sort->n])) {
         json = docrel_error__value_json (bson_iter_value (&iter));
         docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                            "sort: the direction for field '%s' must be 1 or -1 (a number), not %s", path, json);
         bson_free (json);
         goto fail;
      }
      sort->paths[sort->n++] = bson_strdup (path);
   }
   if (iter.err_off) {
      docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION,
                         "sort: the specification is not valid BSON");
      goto fail;
   }
   return sort;

fail:
   docrel_sort__destroy (sort);
   return NULL;
}

void
docrel_sort__destroy (docrel_sort_t *sort)
{
   size_t i;

   if (!sort) {
      return;
   }
   for (i = 0; i < sort->n; i++) {
      bson_free (sort->paths[i]);
   }
   bson_free (sort->paths);
   bson_free (sort->directions);
   bson_free (sort);
}

size_t
docrel_sort__n_fields (const docrel_sort_t *sort)
{
   return sort ? sort->n : 0;
}

const char *
docrel_sort__path (const docrel_sort_t *sort, size_t i)
{
   return sort && i < sort->n ? sort->paths[i] : NULL;
}

int
docrel_sort__direction (const docrel_sort_t *sort, size_t i)
{
   return sort && i < sort->n ? sort->directions[i] : 1;
}

/* ---- choosing the value ------------------------------------------------ */

typedef struct {
   int direction;
   bool have;
   bson_value_t best; /* borrowed from the document, or a static value */
} pick_t;

static void
offer (pick_t *pick, const bson_value_t *value)
{
   int r;

   if (!pick->have) {
      pick->best = *value;
      pick->have = true;
      return;
   }
   r = docrel_compare__values (value, &pick->best);
   if (pick->direction < 0 ? r > 0 : r < 0) {
      pick->best = *value;
   }
}

/* Starts iter on the elements of container (a document or an array value).
 * doc must outlive iter. */
static bool
open_container (const bson_value_t *container, bson_t *doc, bson_iter_t *iter)
{
   return bson_init_static (doc, container->value.v_doc.data, container->value.v_doc.data_len) &&
          bson_iter_init (iter, doc);
}

/* Offers every value the path rest reaches from value. by_position: value is
 * an array element reached through a numeric component ("a.0"). */
static void
walk (pick_t *pick, const bson_value_t *value, const char *rest, bool by_position)
{
   bson_t doc;
   bson_iter_t iter;
   size_t len;
   const char *next;
   bool any = false;

   if (*rest == '\0') {
      if (value->value_type != BSON_TYPE_ARRAY) {
         offer (pick, value);
         return;
      }
      if (open_container (value, &doc, &iter)) {
         while (bson_iter_next (&iter)) {
            any = true;
            if (by_position) {
               break; /* a non-empty array reached by position stays whole */
            }
            offer (pick, bson_iter_value (&iter));
         }
      }
      if (any && by_position) {
         offer (pick, value);
      } else if (!any) {
         offer (pick, &undefined_value); /* empty array */
      }
      return;
   }

   len = strcspn (rest, ".");
   next = rest[len] == '.' ? rest + len + 1 : rest + len;

   if (value->value_type == BSON_TYPE_DOCUMENT) {
      if (open_container (value, &doc, &iter) && bson_iter_find_w_len (&iter, rest, (int) len)) {
         walk (pick, bson_iter_value (&iter), next, false);
      } else {
         offer (pick, &null_value);
      }
   } else if (value->value_type == BSON_TYPE_ARRAY) {
      if (open_container (value, &doc, &iter) && bson_iter_find_w_len (&iter, rest, (int) len)) {
         walk (pick, bson_iter_value (&iter), next, true); /* the component is a position */
         return;
      }
      if (open_container (value, &doc, &iter)) {
         while (bson_iter_next (&iter)) {
            any = true;
            if (bson_iter_type (&iter) == BSON_TYPE_DOCUMENT) {
               walk (pick, bson_iter_value (&iter), rest, false);
            } else {
               offer (pick, &null_value); /* not a document: the field is missing */
            }
         }
      }
      if (!any) {
         offer (pick, &null_value);
      }
   } else {
      offer (pick, &null_value); /* a scalar where the path goes on */
   }
}

/* The value doc sorts by on path in direction: borrowed from doc or static. */
static bson_value_t
pick_value (const bson_t *doc, const char *path, int direction)
{
   pick_t pick = {direction < 0 ? -1 : 1, false, {.value_type = BSON_TYPE_NULL}};
   bson_value_t root;

   if (!doc || !path || !*path) {
      return null_value;
   }
   root.value_type = BSON_TYPE_DOCUMENT;
   root.value.v_doc.data = (uint8_t *) bson_get_data (doc);
   root.value.v_doc.data_len = doc->len;
   walk (&pick, &root, path, false);
   return pick.have ? pick.best : null_value;
}

void
docrel_sort__key (const bson_t *doc, const char *path, int direction, docrel_buf_t *out)
{
   bson_value_t value = pick_value (doc, path, direction);

   docrel_keycode__append (out, &value);
}

int
docrel_sort__compare (const docrel_sort_t *sort, const bson_t *a, const bson_t *b)
{
   size_t i;
   int r;

   for (i = 0; sort && i < sort->n; i++) {
      bson_value_t va = pick_value (a, sort->paths[i], sort->directions[i]);
      bson_value_t vb = pick_value (b, sort->paths[i], sort->directions[i]);

      r = docrel_compare__values (&va, &vb);
      if (r) {
         return sort->directions[i] < 0 ? (r < 0 ? 1 : -1) : (r < 0 ? -1 : 1);
      }
   }
   return 0;
}
