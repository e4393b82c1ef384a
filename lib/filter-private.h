/* filter-private.h: the compiled form of a filter, shared by filter.c (which
 * builds it from a spec) and filter-match.c (which evaluates it).
 *
 * A filter compiles to a tree of nodes. Logical nodes (AND, OR, NOR, NOT)
 * combine children. Every other node is a predicate; a predicate compiled for
 * a field carries that field's path and is evaluated over every value the path
 * reaches (MongoDB's implicit array traversal); a predicate compiled inside an
 * $elemMatch on values ({$elemMatch: {$gt: 1}}) has no path and is tested on
 * one array element at a time. Values in nodes are borrowed from the filter's
 * own copy of its spec. */
#ifndef DOCREL_FILTER_PRIVATE_H
#define DOCREL_FILTER_PRIVATE_H

#include <bson/bson.h>

#include "filter.h"

typedef enum {
   DOCREL_FNODE_AND, /* every child; no children: true */
   DOCREL_FNODE_OR,  /* some child */
   DOCREL_FNODE_NOR, /* no child */
   DOCREL_FNODE_NOT, /* not its one child (an AND) */
   DOCREL_FNODE_FALSE,
   DOCREL_FNODE_EQ, /* value; null also matches missing */
   DOCREL_FNODE_LT, /* value; within its type bracket */
   DOCREL_FNODE_LTE,
   DOCREL_FNODE_GT,
   DOCREL_FNODE_GTE,
   DOCREL_FNODE_IN, /* values (sorted), in_null */
   DOCREL_FNODE_EXISTS,
   DOCREL_FNODE_TYPE,        /* type_mask */
   DOCREL_FNODE_SIZE,        /* size; the array itself, no traversal */
   DOCREL_FNODE_ELEM_OBJECT, /* one child (an AND filter) on element documents */
   DOCREL_FNODE_ELEM_VALUE   /* children (path-less predicates), all on one element */
} docrel_fnode_kind_t;

/* One component of a dotted path. name points into the node's split copy of
 * the path and is NUL-terminated. */
typedef struct {
   const char *name;
   uint32_t len;
   bool is_index; /* all digits: may also address an array element */
} docrel_fpart_t;

typedef struct _docrel_fnode_t docrel_fnode_t;

struct _docrel_fnode_t {
   docrel_fnode_kind_t kind;
   char *path;  /* the dotted path as written, or NULL (logical / path-less) */
   char *split; /* path with '.' replaced by NUL; parts point into it */
   docrel_fpart_t *parts;
   size_t n_parts;
   bson_value_t value;   /* EQ, LT, LTE, GT, GTE */
   bson_value_t *values; /* IN: sorted by docrel_compare__values */
   size_t n_values;
   bool in_null;       /* IN: null is among the values (matches missing) */
   uint32_t type_mask; /* TYPE: bits from docrel_filter__type_bit */
   int64_t size;       /* SIZE */
   docrel_fnode_t **children;
   size_t n_children;
   size_t cap_children;
};

struct _docrel_filter_t {
   bson_t *spec;         /* owned copy; every node's values point into it */
   docrel_fnode_t *root; /* an AND */
};

/* The bit standing for BSON type t in a TYPE node's mask (0 for a type $type
 * cannot name). */
static inline uint32_t
docrel_filter__type_bit (bson_type_t t)
{
   if (t == BSON_TYPE_MINKEY) {
      return 1u << 20;
   }
   if (t == BSON_TYPE_MAXKEY) {
      return 1u << 21;
   }
   if ((int) t >= 1 && (int) t <= 19) {
      return 1u << (int) t;
   }
   return 0;
}

/* True if the document or array in data (a whole BSON document, len bytes)
 * matches the filter tree under node. Arrays are read as documents whose keys
 * are "0", "1", ... This function can't fail. */
bool docrel_filter__eval (const docrel_fnode_t *node, const uint8_t *data, uint32_t len);

#endif
