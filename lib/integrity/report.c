/* SPDX-License-Identifier: Apache-2.0 */
/* report.c: the pieces of the checker's report: counts with a bounded
 * sample, the names of kinds and actions, key tuples as a person reads
 * them. */
#include "integrity/integrity-private.h"
#include "bsonx/bsonx-private.h"

void
docrel_finding__init (docrel_finding_t *f)
{
   f->count = 0;
   f->sample = bson_new ();
   f->n_sample = 0;
}

void
docrel_finding__destroy (docrel_finding_t *f)
{
   bson_destroy (f->sample);
}

void
docrel_finding__add (docrel_finding_t *f, bson_t *entry, int32_t max)
{
   char buf[16];
   const char *key;

   f->count++;
   if (entry && f->n_sample < (uint32_t) max) {
      bson_uint32_to_string (f->n_sample++, &key, buf, sizeof buf);
      bson_append_document (f->sample, key, -1, entry);
   }
   if (entry) {
      bson_destroy (entry);
   }
}

void
docrel_finding__append (const docrel_finding_t *f, const char *key, bson_t *out)
{
   bson_t child;

   bson_append_document_begin (out, key, -1, &child);
   BSON_APPEND_INT64 (&child, "count", f->count);
   BSON_APPEND_ARRAY (&child, "sample", f->sample);
   bson_append_document_end (out, &child);
}

const char *
docrel_integrity__kind_name (docrel_relation_kind_t kind)
{
   switch (kind) {
   case DOCREL_HAS_ONE:
      return "hasOne";
   case DOCREL_BELONGS_TO:
      return "belongsTo";
   case DOCREL_HAS_MANY:
      return "hasMany";
   case DOCREL_HAS_AND_BELONGS_TO_MANY:
   default:
      return "hasAndBelongsToMany";
   }
}

const char *
docrel_integrity__on_delete_name (docrel_on_delete_t on_delete)
{
   switch (on_delete) {
   case DOCREL_ON_DELETE_CASCADE:
      return "cascade";
   case DOCREL_ON_DELETE_SET_NULL:
      return "setNull";
   case DOCREL_ON_DELETE_RESTRICT:
      return "restrict";
   case DOCREL_ON_DELETE_NO_ACTION:
   default:
      return "noAction";
   }
}

void
docrel_integrity__append_key (bson_t *out, const char *key, const bson_t *doc, char *const *paths, size_t n)
{
   bson_t tuple;
   bson_iter_t iter;
   size_t i;

   if (n == 1) {
      if (docrel_path__find (doc, paths[0], &iter)) {
         bson_append_value (out, key, -1, bson_iter_value (&iter));
      } else {
         bson_append_null (out, key, -1);
      }
      return;
   }
   bson_append_document_begin (out, key, -1, &tuple);
   for (i = 0; i < n; i++) {
      if (docrel_path__find (doc, paths[i], &iter)) {
         bson_append_value (&tuple, paths[i], -1, bson_iter_value (&iter));
      } else {
         bson_append_null (&tuple, paths[i], -1);
      }
   }
   bson_append_document_end (out, &tuple);
}
