/* SPDX-License-Identifier: Apache-2.0 */
/* sql.c: the SQL of the embedded backend's queries, and binding its
 * parameters (query.c runs them).
 *
 * Every query becomes one statement that SQLite runs to the end, so the
 * sorter (which spills to temporary storage) keeps memory bounded and no
 * result set is ever held in C:
 *
 *   SELECT doc FROM "c" [WHERE <narrowing> [AND] docrel_match(doc, ?)]
 *      ORDER BY <sort keys>, rowid | rowid   LIMIT ? OFFSET ?
 *   SELECT count(*) FROM (SELECT 1 FROM "c" [WHERE ...] LIMIT ? OFFSET ?)
 *   DELETE FROM "c" [WHERE ...]
 *
 * A grouped query (docrel_find_spec_t.group_paths, for per-parent limits in
 * joins) pages each group with a window function, still in one statement:
 *
 *   SELECT doc FROM (SELECT doc, [id,] rowid AS r,
 *         row_number() OVER (PARTITION BY <group keys>
 *                            ORDER BY <sort keys>, rowid) AS rn
 *      FROM "c" [WHERE ...]) WHERE rn > ? AND rn <= ?
 *      ORDER BY <sort keys>, r
 *   SELECT count(*) FROM (SELECT row_number() OVER (PARTITION BY <group keys>)
 *      AS rn FROM "c" [WHERE ...]) WHERE rn > ? AND rn <= ?
 *
 * where the parameters are skip and skip + limit (INT64_MAX for no limit).
 * The outer ORDER BY computes the sort keys again rather than carrying them
 * out of the subquery as columns: SQLite would compute a carried column and
 * the window's ORDER BY term separately anyway (two calls per candidate),
 * while recomputing costs one call per document kept, usually far fewer.
 * A group key is the path's key column, or docrel_index_key(doc, '<path>')
 * if it has none (id for _id), so values
 * equal as keys (1 and 1.0) share a group, as do null and missing. A path
 * that holds (or crosses) an array gives docrel_index_key's one array
 * marker, so every document with an array there falls into one group and
 * is paged with the others: multikey group paths are not split per element
 * (acceptable while join keys are scalars; the relations layer must not
 * rely on per-element groups). The narrowing sits inside the window's
 * subquery, so an index still serves it.
 *
 * The filter is evaluated by docrel_match (functions.c, over
 * lib/query/match.c), so results are right whatever SQL narrows. Narrowing
 * only lets SQLite skip documents: if the filter pins _id to a set of values
 * (docrel_filter__key_values), the condition is `id IN (<keycodes>)` on the
 * primary key; otherwise, for the first index whose leading path is pinned,
 * `"key:<path>" IN (<keycodes>, <array marker>)` on the path's key column
 * (columns.c), which the index covers, so SQLite searches the index. Too many
 * values for SQLite's parameter limit means no narrowing.
 *
 * One case needs no docrel_match on most rows: a key lookup, a filter that
 * is nothing but {path: v}, {path: {$eq: v}} or {path: {$in: [v, ...]}} on
 * _id or on an indexed path, with every v a scalar whose keycode is equal
 * exactly when the filter calls it equal (see docrel_sqlite__lookup_value). A document
 * whose index key is one of those keycodes matches, one whose key is
 * anything else but the array marker does not, so only the documents with an
 * array on the path (never an _id) are matched in C:
 *
 *   ... WHERE rowid IN (SELECT rowid FROM "c" WHERE <key> IN (<keycodes>)
 *      [UNION ALL SELECT rowid FROM "c" WHERE <key> = <array marker>
 *                                      AND docrel_match(doc, ?)])
 *
 * (a lookup of one _id, which finds one row at most, is `WHERE id = ?`)
 *
 * A regular expression with a literal prefix (docrel_filter__key_regex:
 * {path: /^abc/}, case-sensitive) on an indexed path narrows to the range of
 * string keycodes with that prefix, plus the keys of the regex value itself
 * and of arrays, which may match too:
 *
 *   ... WHERE rowid IN (SELECT rowid FROM "c" WHERE <key> >= ? AND <key> < ?
 *      UNION ALL SELECT rowid FROM "c" WHERE <key> IN (?, ?))
 *      AND docrel_match(doc, ?)
 *
 * A join sends its keys as a key lookup (docrel_key_lookup_t), not a filter:
 * their keycodes are bound as one pointer to the docrel_keys table-valued
 * function (lookup.c), so the statement's text is the same whatever the
 * number of keys and the statement cache always holds it; no filter is
 * compiled (docrel_lookup_match compiles one only for a row with an array
 * on the path, or for keys no index decides):
 *
 *   ... WHERE rowid IN (SELECT "c".rowid FROM docrel_keys(?) CROSS JOIN "c"
 *      WHERE <key> = value [UNION ALL SELECT rowid FROM "c"
 *      WHERE <key> = <array marker> AND docrel_lookup_match(doc, ?)])
 *
 * The rowid subquery also keeps SQLite on the index when the key list is
 * long (with `<key> IN (...) ORDER BY rowid` it scans the whole table once
 * there are thousands of keys, as the scan is already in rowid order, which
 * made chunked joins quadratic) and hands the rows over in rowid order with
 * no sort of the documents.
 *
 *
 * Parameters, in order: the narrowing keycodes, the filter pointer, the
 * limit and the offset (grouped: skip and skip + limit). */
#include <math.h>
#include <string.h>

#include "util/util-private.h"
#include "bsonx/bsonx-private.h"
#include "query/query-private.h"
#include "store/sqlite/sqlite-private.h"

void
docrel_sqlite__params_destroy (docrel_sqlite_params_t *p)
{
   docrel_buf__destroy (&p->keys);
   bson_free (p->ends);
   p->ends = NULL;
   p->n_keys = 0;
}

bool
docrel_sqlite__filter_is_empty (const docrel_filter_t *filter)
{
   const bson_t *spec = filter ? docrel_filter__spec (filter) : NULL;

   return !spec || bson_empty (spec);
}

/* True if the filter's equality with v, on a path that holds no array, is
 * equality of keycodes: v is a scalar with one keycode per value the filter
 * calls equal (compare.c and keycode.c share that order), and neither null
 * (which also matches a missing field) nor NaN. Types join keys do not use
 * are left out rather than argued about. */
bool
docrel_sqlite__lookup_value (const bson_value_t *v)
{
   switch (v->value_type) {
   case BSON_TYPE_INT32:
   case BSON_TYPE_INT64:
   case BSON_TYPE_UTF8:
   case BSON_TYPE_OID:
   case BSON_TYPE_BOOL:
   case BSON_TYPE_DATE_TIME:
   case BSON_TYPE_BINARY:
      return true;
   case BSON_TYPE_DOUBLE:
      return !isnan (v->value.v_double);
   default:
      return false;
   }
}

/* True if filter is a key lookup on path (see the file comment): its spec
 * is {path: v}, {path: {$eq: v}} or {path: {$in: [v, ...]}}, nothing else,
 * with every v a lookup_value. */
static bool
is_key_lookup (const docrel_filter_t *filter, const char *path)
{
   const bson_t *spec = docrel_filter__spec (filter);
   bson_iter_t iter, op, values;
   bool ok;

   if (!bson_iter_init (&iter, spec) || !bson_iter_next (&iter) || strcmp (bson_iter_key (&iter), path) != 0) {
      return false;
   }
   if (!BSON_ITER_HOLDS_DOCUMENT (&iter)) {
      ok = docrel_sqlite__lookup_value (bson_iter_value (&iter));
   } else if (!bson_iter_recurse (&iter, &op) || !bson_iter_next (&op)) {
      ok = false;
   } else if (strcmp (bson_iter_key (&op), "$eq") == 0) {
      ok = docrel_sqlite__lookup_value (bson_iter_value (&op)) && !bson_iter_next (&op);
   } else if (strcmp (bson_iter_key (&op), "$in") == 0 && BSON_ITER_HOLDS_ARRAY (&op) &&
              bson_iter_recurse (&op, &values)) {
      ok = true;
      while (ok && bson_iter_next (&values)) {
         ok = docrel_sqlite__lookup_value (bson_iter_value (&values));
      }
      ok = ok && !bson_iter_next (&op);
   } else {
      ok = false;
   }
   return ok && !bson_iter_next (&iter);
}

/* If filter pins path to a set of values, and there are at most max of
 * them (counting the array marker, added if marker), puts their keycodes in
 * p and returns true. */
static bool
narrow_keys (const docrel_filter_t *filter, const char *path, bool marker, size_t max, docrel_sqlite_params_t *p)
{
   bson_t parent = BSON_INITIALIZER;
   bson_t values;
   bson_iter_t iter, child;
   size_t n = marker ? 1 : 0;
   bool ok;

   bson_append_array_begin (&parent, "v", 1, &values);
   ok = docrel_filter__key_values (filter, path, &values);
   bson_append_array_end (&parent, &values);
   ok = ok && bson_iter_init_find (&iter, &parent, "v") && bson_iter_recurse (&iter, &child);
   while (ok && bson_iter_next (&child)) {
      ok = ++n <= max;
   }
   if (ok) {
      bson_iter_recurse (&iter, &child);
      p->ends = bson_malloc ((n + 1) * sizeof *p->ends);
      while (bson_iter_next (&child)) {
         docrel_keycode__append (&p->keys, bson_iter_value (&child));
         p->ends[p->n_keys++] = p->keys.len;
      }
      if (marker) {
         docrel_buf__append_byte (&p->keys, DOCREL_KEYCODE_ARRAY_MARKER);
         p->ends[p->n_keys++] = p->keys.len;
      }
   }
   bson_destroy (&parent);
   return ok;
}

/* The WHERE clause ----------------------------------------------------------- */

/* The forms of a query's WHERE clause (see the file comment). */
typedef enum {
   WHERE_NONE,         /* an empty filter: every document */
   WHERE_MATCH,        /* WHERE docrel_match(doc, ?) */
   WHERE_IN_MATCH,     /* WHERE <key> IN (<keycodes>) AND docrel_match(doc, ?) */
   WHERE_ID_LOOKUP,    /* a key lookup on _id: no docrel_match at all */
   WHERE_INDEX_LOOKUP, /* a key lookup on an index: docrel_match for arrays */
   WHERE_RANGE_MATCH,  /* a regex's prefix range on an index, and docrel_match */
   WHERE_KEYS_ID,      /* a key lookup (lookup.c) on _id */
   WHERE_KEYS_INDEX,   /* a key lookup on an index: docrel_lookup_match for arrays */
   WHERE_KEYS_MATCH,   /* any other key lookup: docrel_lookup_match */
} where_kind_t;

typedef struct {
   where_kind_t kind;
   char *key;     /* the narrowed expression (sqlite3_malloc'd); NULL if none */
   size_t n_keys; /* the narrowing keycodes, one ? each */
} where_t;

/* Appends the keycode of a string starting with prefix, for the range's
 * lower bound; or (upper) of the first string past every such string: the
 * prefix with its last byte below 0xff raised by one and cut after it
 * (string keycodes are the class byte then the bytes, see keycode.c). */
static void
append_bound (docrel_sqlite_params_t *p, const uint8_t *prefix, size_t len, bool upper)
{
   bson_value_t v;
   docrel_buf_t key = DOCREL_BUF_INIT;

   memset (&v, 0, sizeof v);
   v.value_type = BSON_TYPE_UTF8;
   v.value.v_utf8.str = (char *) "";
   docrel_keycode__append (&key, &v);
   docrel_buf__append_byte (&p->keys, key.data[0]); /* the string class */
   docrel_buf__destroy (&key);
   while (upper && len > 0 && prefix[len - 1] == 0xff) {
      len--;
   }
   docrel_buf__append (&p->keys, prefix, len);
   if (upper) {
      p->keys.data[p->keys.len - 1]++; /* with no prefix left: the class byte, past every string */
   }
   p->ends[p->n_keys++] = p->keys.len;
}

/* If filter holds a regex with a literal prefix on path, puts in p the
 * range of string keycodes with that prefix (two keys), then the regex's
 * own keycode and the array marker (a regex value equal to it, and arrays,
 * match too) and returns true. */
static bool
narrow_prefix (const docrel_filter_t *filter, const char *path, docrel_sqlite_params_t *p)
{
   const docrel_regex_t *re = docrel_filter__key_regex (filter, path);
   const uint8_t *prefix;
   size_t len;
   bson_value_t value;

   if (!re) {
      return false;
   }
   prefix = docrel_regex__prefix (re, &len);
   p->ends = bson_malloc (4 * sizeof *p->ends);
   append_bound (p, prefix, len, false);
   append_bound (p, prefix, len, true);
   docrel_regex__value (re, &value);
   docrel_keycode__append (&p->keys, &value);
   p->ends[p->n_keys++] = p->keys.len;
   docrel_buf__append_byte (&p->keys, DOCREL_KEYCODE_ARRAY_MARKER);
   p->ends[p->n_keys++] = p->keys.len;
   return true;
}

/* Narrows through the first index of coll whose leading path filter pins
 * to at most max values: puts their keycodes in p and the index's key
 * expression in *key, and returns the clause's kind. WHERE_MATCH (and *key
 * untouched) if no index serves. */
static where_kind_t
narrow_by_index (const docrel_sqlite_coll_t *coll,
                 const docrel_filter_t *filter,
                 size_t max,
                 docrel_sqlite_params_t *p,
                 char **key)
{
   for (size_t i = 0; i < coll->n_indexes; i++) {
      const char *path = coll->indexes[i].paths[0];
      /* A lookup matches arrays in C, not through the marker in the list. */
      bool lookup = is_key_lookup (filter, path);

      if (narrow_keys (filter, path, !lookup, max, p)) {
         *key = docrel_sqlite__key_expr (coll, path);
         return lookup ? WHERE_INDEX_LOOKUP : WHERE_IN_MATCH;
      }
   }
   for (size_t i = 0; i < coll->n_indexes && max >= 4; i++) {
      if (narrow_prefix (filter, coll->indexes[i].paths[0], p)) {
         *key = docrel_sqlite__key_expr (coll, coll->indexes[i].paths[0]);
         return WHERE_RANGE_MATCH;
      }
   }
   return WHERE_MATCH;
}

/* The WHERE clause of p's key lookup on coll: through _id or an index whose
 * leading path is the lookup's when keycodes decide, else matched. */
static bool
choose_lookup_where (const docrel_sqlite_coll_t *coll, docrel_sqlite_params_t *p, where_t *w)
{
   const char *path = docrel_sqlite__lookup_path (p->lookup);
   bool exact = docrel_sqlite__lookup_exact (p->lookup);

   w->kind = WHERE_KEYS_MATCH;
   if (exact && strcmp (path, "_id") == 0) {
      w->kind = WHERE_KEYS_ID;
      w->key = sqlite3_mprintf ("id");
   }
   for (size_t i = 0; exact && w->kind == WHERE_KEYS_MATCH && i < coll->n_indexes; i++) {
      if (strcmp (coll->indexes[i].paths[0], path) == 0) {
         w->kind = WHERE_KEYS_INDEX;
         w->key = docrel_sqlite__key_expr (coll, path);
      }
   }
   w->n_keys = 0;
   p->match = false;
   p->n_lookup = w->kind == WHERE_KEYS_INDEX ? 2 : 1;
   return w->kind == WHERE_KEYS_MATCH || w->key;
}

/* Chooses the WHERE clause for filter on coll: narrowed by _id if the filter
 * pins it, else by an index, else not at all. Puts the narrowing keycodes
 * in p, sets p->match, and returns false on out-of-memory. */
static bool
choose_where (docrel_backend_t *b,
              const docrel_sqlite_coll_t *coll,
              const docrel_filter_t *filter,
              docrel_sqlite_params_t *p,
              where_t *w)
{
   int limit = sqlite3_limit (b->db, SQLITE_LIMIT_VARIABLE_NUMBER, -1);
   size_t max = limit > 3 ? (size_t) limit - 3 : 0; /* filter, limit, offset */

   w->key = NULL;
   if (p->lookup) {
      return choose_lookup_where (coll, p, w);
   }
   if (docrel_sqlite__filter_is_empty (filter)) {
      w->kind = WHERE_NONE;
   } else if (narrow_keys (filter, "_id", false, max, p)) {
      w->kind = is_key_lookup (filter, "_id") ? WHERE_ID_LOOKUP : WHERE_IN_MATCH;
      w->key = sqlite3_mprintf ("id");
   } else {
      w->kind = narrow_by_index (coll, filter, max, p, &w->key);
   }
   w->n_keys = p->n_keys;
   /* No _id is an array, so a lookup on _id leaves nothing to match. */
   p->match = w->kind != WHERE_NONE && w->kind != WHERE_ID_LOOKUP;
   return w->kind == WHERE_NONE || w->kind == WHERE_MATCH || w->key;
}

/* Appends `<key> IN (?, ...)`, one ? per narrowing keycode. */
static void
append_key_in (sqlite3_str *s, const where_t *w)
{
   sqlite3_str_appendf (s, "%s IN (", w->key);
   for (size_t i = 0; i < w->n_keys; i++) {
      sqlite3_str_appendall (s, i ? ", ?" : "?");
   }
   sqlite3_str_appendall (s, ")");
}

/* Appends w: its narrowing, and docrel_match wherever the narrowing alone
 * does not decide. Nothing for WHERE_NONE. */
static void
append_where (sqlite3_str *s, const docrel_sqlite_coll_t *coll, const where_t *w)
{
   switch (w->kind) {
   case WHERE_NONE:
      break;
   case WHERE_MATCH:
      sqlite3_str_appendall (s, " WHERE docrel_match(doc, ?)");
      break;
   case WHERE_IN_MATCH:
      sqlite3_str_appendall (s, " WHERE ");
      append_key_in (s, w);
      sqlite3_str_appendall (s, " AND docrel_match(doc, ?)");
      break;
   case WHERE_ID_LOOKUP:
      if (w->n_keys == 1) {
         /* one row at most: no rowid list to build and sort (docrel_get) */
         sqlite3_str_appendall (s, " WHERE id = ?");
         break;
      }
      sqlite3_str_appendf (s, " WHERE rowid IN (SELECT rowid FROM \"%w\" WHERE ", coll->table);
      append_key_in (s, w);
      sqlite3_str_appendall (s, ")");
      break;
   case WHERE_INDEX_LOOKUP:
      sqlite3_str_appendf (s, " WHERE rowid IN (SELECT rowid FROM \"%w\" WHERE ", coll->table);
      append_key_in (s, w);
      sqlite3_str_appendf (s, " UNION ALL SELECT rowid FROM \"%w\" WHERE %s = X'%02X' AND docrel_match(doc, ?))",
                           coll->table, w->key, (unsigned) DOCREL_KEYCODE_ARRAY_MARKER);
      break;
   case WHERE_RANGE_MATCH:
      sqlite3_str_appendf (s,
                           " WHERE rowid IN (SELECT rowid FROM \"%w\" WHERE %s >= ? AND %s < ?"
                           " UNION ALL SELECT rowid FROM \"%w\" WHERE %s IN (?, ?)) AND docrel_match(doc, ?)",
                           coll->table, w->key, w->key, coll->table, w->key);
      break;
   case WHERE_KEYS_ID:
   case WHERE_KEYS_INDEX:
      /* the keys drive the loop, each one index search; no list to sort */
      sqlite3_str_appendf (
         s, " WHERE rowid IN (SELECT \"%w\".rowid FROM docrel_keys(?) CROSS JOIN \"%w\" WHERE %s = value", coll->table,
         coll->table, w->key);
      if (w->kind == WHERE_KEYS_INDEX) {
         sqlite3_str_appendf (s,
                              " UNION ALL SELECT rowid FROM \"%w\" WHERE %s = X'%02X' AND docrel_lookup_match(doc, ?)",
                              coll->table, w->key, (unsigned) DOCREL_KEYCODE_ARRAY_MARKER);
      }
      sqlite3_str_appendall (s, ")");
      break;
   case WHERE_KEYS_MATCH:
      sqlite3_str_appendall (s, " WHERE docrel_lookup_match(doc, ?)");
      break;
   }
}

/* The statements ------------------------------------------------------------- */

/* True if sort names _id: its ORDER BY list then ends at the id column. */
static bool
sort_ends_at_id (const docrel_sort_t *sort)
{
   size_t n = sort ? docrel_sort__n_fields (sort) : 0;

   for (size_t i = 0; i < n; i++) {
      if (strcmp (docrel_sort__path (sort, i), "_id") == 0) {
         return true;
      }
   }
   return false;
}

/* Appends the ORDER BY list of sort, ending with tiebreak (the rowid's
 * name) unless it sorts on _id, which uses the id column (its keycode) and
 * ends the list: no ties are left to break. */
static void
append_sort (sqlite3_str *s, const docrel_sort_t *sort, const char *tiebreak)
{
   size_t n = sort ? docrel_sort__n_fields (sort) : 0;

   for (size_t i = 0; i < n; i++) {
      const char *path = docrel_sort__path (sort, i);
      int direction = docrel_sort__direction (sort, i);
      const char *dir = direction < 0 ? "DESC" : "ASC";

      if (strcmp (path, "_id") == 0) {
         sqlite3_str_appendf (s, "id %s", dir);
         return;
      }
      sqlite3_str_appendf (s, "docrel_sort_key(doc, %Q, %d) %s, ", path, direction, dir);
   }
   sqlite3_str_appendall (s, tiebreak);
}

/* Appends the window that numbers each group's documents: in sort order
 * for a find, in any order for a count (which only needs the sizes). See
 * the file comment for what a group key is. */
static void
append_window (sqlite3_str *s, const docrel_sqlite_coll_t *coll, const docrel_sqlite_shape_t *shape)
{
   sqlite3_str_appendall (s, "row_number() OVER (PARTITION BY ");
   for (size_t i = 0; i < shape->n_group_paths; i++) {
      sqlite3_str_appendall (s, i ? ", " : "");
      /* The key column if there is one, so an index on the path can hand
       * SQLite the rows already in partition order. */
      docrel_sqlite__append_key (s, coll, shape->group_paths[i]);
   }
   if (shape->kind == DOCREL_SQLITE_QUERY_FIND) {
      sqlite3_str_appendall (s, " ORDER BY ");
      append_sort (s, shape->sort, "rowid");
   }
   sqlite3_str_appendall (s, ") AS rn");
}

/* SELECT doc FROM "c" <where> ORDER BY <sort keys>, rowid LIMIT ? OFFSET ? */
static void
append_find (sqlite3_str *s, const docrel_sqlite_coll_t *coll, const docrel_sqlite_shape_t *shape, const where_t *w)
{
   sqlite3_str_appendf (s, "SELECT doc FROM \"%w\"", coll->table);
   append_where (s, coll, w);
   sqlite3_str_appendall (s, " ORDER BY ");
   append_sort (s, shape->sort, "rowid");
   sqlite3_str_appendall (s, " LIMIT ? OFFSET ?");
}

/* SELECT doc FROM (SELECT doc, [id,] rowid AS r, <window> FROM "c" <where>)
 *    WHERE rn > ? AND rn <= ? ORDER BY <sort keys>, r */
static void
append_grouped_find (sqlite3_str *s,
                     const docrel_sqlite_coll_t *coll,
                     const docrel_sqlite_shape_t *shape,
                     const where_t *w)
{
   /* The outer ORDER BY needs id only if the sort names _id. */
   sqlite3_str_appendall (s, sort_ends_at_id (shape->sort) ? "SELECT doc FROM (SELECT doc, id, rowid AS r, "
                                                           : "SELECT doc FROM (SELECT doc, rowid AS r, ");
   append_window (s, coll, shape);
   sqlite3_str_appendf (s, " FROM \"%w\"", coll->table);
   append_where (s, coll, w);
   sqlite3_str_appendall (s, ") WHERE rn > ? AND rn <= ? ORDER BY ");
   append_sort (s, shape->sort, "r");
}

/* SELECT count(*) FROM (SELECT 1 FROM "c" <where> LIMIT ? OFFSET ?) */
static void
append_count (sqlite3_str *s, const docrel_sqlite_coll_t *coll, const where_t *w)
{
   sqlite3_str_appendf (s, "SELECT count(*) FROM (SELECT 1 FROM \"%w\"", coll->table);
   append_where (s, coll, w);
   sqlite3_str_appendall (s, " LIMIT ? OFFSET ?)");
}

/* SELECT count(*) FROM (SELECT <window> FROM "c" <where>) WHERE rn > ? AND rn <= ? */
static void
append_grouped_count (sqlite3_str *s,
                      const docrel_sqlite_coll_t *coll,
                      const docrel_sqlite_shape_t *shape,
                      const where_t *w)
{
   sqlite3_str_appendall (s, "SELECT count(*) FROM (SELECT ");
   append_window (s, coll, shape);
   sqlite3_str_appendf (s, " FROM \"%w\"", coll->table);
   append_where (s, coll, w);
   sqlite3_str_appendall (s, ") WHERE rn > ? AND rn <= ?");
}

/* True if a grouped count's filter is nothing but a key lookup on its one
 * group path (a $count edge without $filter): the key index alone says
 * which rows count, so neither docrel_match nor a rowid subquery is
 * needed (see append_group_lookup). */
static bool
group_lookup (const docrel_sqlite_coll_t *coll, const docrel_sqlite_shape_t *shape, const where_t *w)
{
   char *key;
   bool same;

   if ((shape->kind != DOCREL_SQLITE_QUERY_GROUP_COUNT && shape->kind != DOCREL_SQLITE_QUERY_GROUP_ARRAYS) ||
       shape->n_group_paths != 1) {
      return false;
   }
   if (strcmp (shape->group_paths[0], "_id") == 0) {
      return w->kind == WHERE_ID_LOOKUP;
   }
   key = docrel_sqlite__key_expr (coll, shape->group_paths[0]);
   same = key && w->kind == WHERE_INDEX_LOOKUP && strcmp (key, w->key) == 0;
   sqlite3_free (key);
   return same;
}

/* The grouped count of a key lookup, its keys and the array marker listed
 * (the documents holding an array at the path come out as the marker's
 * group, which group.c then reads, matched, with the second form):
 *   SELECT <key>, count(*) FROM "c" WHERE <key> IN (<keycodes>, <marker>)
 *      GROUP BY <key>
 *   SELECT doc FROM "c" WHERE <key> NOT IN (<keycodes>) AND <key> = <marker>
 *      AND docrel_match(doc, ?)
 * (the NOT IN, always true there, binds the keycodes in their place). */
static void
append_group_lookup (sqlite3_str *s,
                     const docrel_sqlite_coll_t *coll,
                     const docrel_sqlite_shape_t *shape,
                     const where_t *w)
{
   if (shape->kind == DOCREL_SQLITE_QUERY_GROUP_COUNT) {
      sqlite3_str_appendf (s, "SELECT %s, count(*) FROM \"%w\" WHERE %s IN (", w->key, coll->table, w->key);
      for (size_t i = 0; i < w->n_keys; i++) {
         sqlite3_str_appendall (s, "?, ");
      }
      sqlite3_str_appendf (s, "X'%02X') GROUP BY %s", (unsigned) DOCREL_KEYCODE_ARRAY_MARKER, w->key);
   } else {
      sqlite3_str_appendf (s, "SELECT doc FROM \"%w\" WHERE NOT ", coll->table);
      append_key_in (s, w);
      sqlite3_str_appendf (s, " AND %s = X'%02X' AND docrel_match(doc, ?)", w->key,
                           (unsigned) DOCREL_KEYCODE_ARRAY_MARKER);
   }
}

/* The statement of a query of shape with WHERE clause w; p tells whether it
 * is grouped. */
static void
append_statement (sqlite3_str *s,
                  const docrel_sqlite_coll_t *coll,
                  const docrel_sqlite_shape_t *shape,
                  const where_t *w,
                  const docrel_sqlite_params_t *p)
{
   switch (shape->kind) {
   case DOCREL_SQLITE_QUERY_FIND:
      if (p->grouped) {
         append_grouped_find (s, coll, shape, w);
      } else {
         append_find (s, coll, shape, w);
      }
      break;
   case DOCREL_SQLITE_QUERY_COUNT:
      if (p->grouped) {
         append_grouped_count (s, coll, shape, w);
      } else {
         append_count (s, coll, w);
      }
      break;
   case DOCREL_SQLITE_QUERY_GROUP_COUNT:
   case DOCREL_SQLITE_QUERY_GROUP_ARRAYS:
      if (group_lookup (coll, shape, w)) {
         append_group_lookup (s, coll, shape, w);
         break;
      }
      docrel_sqlite__group_begin (s, coll, shape); /* group.c */
      append_where (s, coll, w);
      docrel_sqlite__group_end (s, coll, shape);
      break;
   case DOCREL_SQLITE_QUERY_IDS:
      sqlite3_str_appendf (s, "SELECT id FROM \"%w\"", coll->table);
      append_where (s, coll, w);
      break;
   case DOCREL_SQLITE_QUERY_DELETE:
   default:
      sqlite3_str_appendf (s, "DELETE FROM \"%w\"", coll->table);
      append_where (s, coll, w);
      break;
   }
}

/* The SQL of a query of shape (sqlite3_malloc'd), filling p; NULL on OOM. */
char *
docrel_sqlite__build (docrel_backend_t *b,
                      const docrel_sqlite_coll_t *coll,
                      const docrel_sqlite_shape_t *shape,
                      const docrel_filter_t *filter,
                      docrel_sqlite_params_t *p)
{
   bool whole = shape->kind == DOCREL_SQLITE_QUERY_DELETE || shape->kind == DOCREL_SQLITE_QUERY_IDS ||
                shape->kind == DOCREL_SQLITE_QUERY_GROUP_COUNT || shape->kind == DOCREL_SQLITE_QUERY_GROUP_ARRAYS;
   sqlite3_str *s;
   where_t w;

   p->grouped = !whole && shape->n_group_paths > 0;
   p->paged = !whole && !p->grouped;
   if (!choose_where (b, coll, filter, p, &w)) {
      return NULL;
   }
   if (shape->kind == DOCREL_SQLITE_QUERY_GROUP_COUNT && group_lookup (coll, shape, &w)) {
      p->match = false; /* the index decides */
   }
   s = sqlite3_str_new (b->db);
   append_statement (s, coll, shape, &w, p);
   sqlite3_free (w.key);
   if (sqlite3_str_errcode (s) != SQLITE_OK) {
      sqlite3_free (sqlite3_str_finish (s));
      return NULL;
   }
   return sqlite3_str_finish (s);
}

bool
docrel_sqlite__bind (docrel_backend_t *b,
                     sqlite3_stmt *stmt,
                     const docrel_sqlite_params_t *p,
                     const docrel_filter_t *filter,
                     int64_t skip,
                     int64_t limit,
                     bson_error_t *error)
{
   int rc = SQLITE_OK;
   int i = 1;
   size_t start = 0;

   for (size_t k = 0; k < p->n_keys && rc == SQLITE_OK; k++) {
      rc = sqlite3_bind_blob (stmt, i++, p->keys.data + start, (int) (p->ends[k] - start), SQLITE_TRANSIENT);
      start = p->ends[k];
   }
   for (int k = 0; k < p->n_lookup && rc == SQLITE_OK; k++) {
      rc = sqlite3_bind_pointer (stmt, i++, (void *) p->lookup, DOCREL_SQLITE_LOOKUP_PTR, NULL);
   }
   if (p->match && rc == SQLITE_OK) {
      rc = sqlite3_bind_pointer (stmt, i++, (void *) filter, DOCREL_SQLITE_FILTER_PTR, NULL);
   }
   if (p->paged && rc == SQLITE_OK) {
      rc = sqlite3_bind_int64 (stmt, i++, limit > 0 ? limit : -1);
   }
   if (p->paged && rc == SQLITE_OK) {
      rc = sqlite3_bind_int64 (stmt, i++, skip);
   }
   if (p->grouped && rc == SQLITE_OK) {
      rc = sqlite3_bind_int64 (stmt, i++, skip);
   }
   if (p->grouped && rc == SQLITE_OK) {
      int64_t last = limit > 0 && skip <= INT64_MAX - limit ? skip + limit : INT64_MAX;

      rc = sqlite3_bind_int64 (stmt, i++, last);
   }
   if (rc != SQLITE_OK) {
      return docrel_sqlite__fail (b, rc, error, "binding query parameters");
   }
   return true;
}
