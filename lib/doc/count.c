/* SPDX-License-Identifier: Apache-2.0 */
/* count.c: the counts per relation a document holds (a join tree's
 * {"$count": true} edge, lib/join/count.c, sets them): in its slots beside
 * the loaded state, which they never change, read through
 * docrel_doc_related_count and rendered as Prisma's "_count". */
#include "doc/doc-private.h"
#include "util/util-private.h"
#include "model/model-private.h"

void
docrel_doc__set_count (docrel_doc_t *doc, size_t index, int64_t count)
{
   docrel_slot_t *slot = docrel_doc__slot (doc, index);

   slot->counted = true;
   slot->count = count;
   docrel_session__journal (doc->session, doc); /* a failed read clears it */
}

bool
docrel_doc_related_count (const docrel_doc_t *doc, const char *field, int64_t *n)
{
   const docrel_relation_t *relation = doc && field ? docrel_model_relation (doc->model, field) : NULL;
   const docrel_slot_t *slot = relation && doc->slots ? &doc->slots[relation->index] : NULL;
   bool counted = slot && slot->counted;

   if (n) {
      *n = counted ? slot->count : 0;
   }
   return counted;
}

void
docrel_doc__render_counts (const docrel_doc_t *doc, bson_t *out)
{
   bson_t counts;
   bool any = false;

   for (size_t i = 0; doc->slots && i < doc->model->n_relations; i++) {
      const docrel_slot_t *slot = &doc->slots[i];

      if (!slot->counted) {
         continue;
      }
      if (!any) {
         bson_append_document_begin (out, DOCREL_COUNT_FIELD, -1, &counts);
         any = true;
      }
      BSON_APPEND_INT64 (&counts, doc->model->relations[i]->field, slot->count);
   }
   if (any) {
      bson_append_document_end (out, &counts);
   }
}
