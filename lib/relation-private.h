/* relation-private.h: the relation struct, shared by relation.c
 * (declaring), join.c (loading) and the document layer (slots). */
#ifndef DOCREL_RELATION_PRIVATE_H
#define DOCREL_RELATION_PRIVATE_H

#include <bson/bson.h>

#include "docrel/docrel-relation.h"
#include "model-private.h"

#define DOCREL_MAX_KEYS 8

/* What save_all does to a hasOne / hasMany child removed from a loaded slot. */
typedef enum { DOCREL_ON_REMOVE_SET_NULL = 0, DOCREL_ON_REMOVE_DELETE, DOCREL_ON_REMOVE_KEEP } docrel_on_remove_t;

struct _docrel_relation_t {
   docrel_relation_kind_t kind;
   docrel_model_t *model;  /* a: the relation is its field */
   docrel_model_t *target; /* b */
   char *field;
   size_t index;           /* position in model->relations (= slot index) */
   size_t n_keys;
   char *left_keys[DOCREL_MAX_KEYS];  /* paths in a */
   char *right_keys[DOCREL_MAX_KEYS]; /* paths in b */
   docrel_on_delete_t on_delete;
   docrel_on_remove_t on_remove;
   bool required;
   bool symmetric; /* hasAndBelongsToMany of a model with itself, both ways */
   /* hasAndBelongsToMany: the link model and, per key, the link fields
    * holding a's and b's keys. */
   docrel_model_t *link;
   char *link_left[DOCREL_MAX_KEYS];
   char *link_right[DOCREL_MAX_KEYS];
};

void docrel_relation__destroy (docrel_relation_t *relation);

/* True for hasMany and hasAndBelongsToMany, whose slots hold lists. */
bool docrel_relation__is_many (const docrel_relation_t *relation);

#endif
