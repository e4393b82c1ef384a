/* SPDX-License-Identifier: Apache-2.0 */
/* error.c: filling bson_error_t. One place formats every docrel error, so
 * messages stay bounded and the domain / code pairs stay consistent. */
#include "util/util-private.h"

#include <stdarg.h>
#include <string.h>

bool
docrel_error__set (bson_error_t *error, uint32_t domain, uint32_t code, const char *fmt, ...)
{
   va_list args;

   if (!error) {
      return false;
   }
   error->domain = domain;
   error->code = code;
   va_start (args, fmt);
   bson_vsnprintf (error->message, sizeof error->message, fmt, args);
   va_end (args);
   return false;
}

/* A value holding an array whose keys are not "0", "1", ... (arrays.c),
 * rendered renumbered: libbson would print a warning appending it. */
static char *
misnumbered_json (const bson_value_t *value)
{
   bson_value_t v = *value;
   bson_t renumbered;
   char *out;

   docrel_arrays__renumber (value->value.v_doc.data, value->value.v_doc.data_len, value->value_type == BSON_TYPE_ARRAY,
                            &renumbered);
   v.value.v_doc.data = (uint8_t *) bson_get_data (&renumbered);
   v.value.v_doc.data_len = renumbered.len;
   out = docrel_error__value_json (&v);
   bson_destroy (&renumbered);
   return out;
}

char *
docrel_error__value_json (const bson_value_t *value)
{
   bson_t wrapper = BSON_INITIALIZER;
   char *json;
   char *start;
   char *out;
   size_t len;

   if (!value) {
      return bson_strdup ("(missing)");
   }
   if ((value->value_type == BSON_TYPE_ARRAY || value->value_type == BSON_TYPE_DOCUMENT) &&
       !docrel_arrays__numbered (value->value.v_doc.data, value->value.v_doc.data_len,
                                 value->value_type == BSON_TYPE_ARRAY)) {
      return misnumbered_json (value);
   }
   /* libbson renders values only inside a document: wrap, render, unwrap. */
   bson_append_value (&wrapper, "v", 1, value);
   json = bson_as_relaxed_extended_json (&wrapper, NULL);
   bson_destroy (&wrapper);
   if (!json) {
      return bson_strdup ("(unprintable)");
   }
   start = strchr (json, ':');
   start = start ? start + 2 : json;
   len = strlen (start);
   if (len >= 2 && strcmp (start + len - 2, " }") == 0) {
      len -= 2;
   }
   if (len > 120) {
      out = bson_strdup_printf ("%.117s...", start);
   } else {
      out = bson_strndup (start, len);
   }
   bson_free (json);
   return out;
}

bool
docrel_error__prefix (bson_error_t *error, const char *fmt, ...)
{
   char inner[sizeof error->message];
   char prefix[sizeof error->message];
   va_list args;

   if (!error) {
      return false;
   }
   bson_strncpy (inner, error->message, sizeof inner);
   va_start (args, fmt);
   bson_vsnprintf (prefix, sizeof prefix, fmt, args);
   va_end (args);
   bson_snprintf (error->message, sizeof error->message, "%s%s", prefix, inner);
   return false;
}

bool
docrel_error__is_transient (const bson_error_t *error)
{
   return error && strstr (error->message, "[TransientTransactionError]") != NULL;
}

bool
docrel_error__is_commit_unknown (const bson_error_t *error)
{
   return error && strstr (error->message, "[UnknownTransactionCommitResult]") != NULL;
}
