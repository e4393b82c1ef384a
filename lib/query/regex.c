/* SPDX-License-Identifier: Apache-2.0 */
/* regex.c: MongoDB's regular expressions ($regex, regex values) over PCRE2.
 *
 * MongoDB compiles a pattern with PCRE2 in UTF mode plus one option per
 * flag (i: CASELESS, m: MULTILINE, s: DOTALL, x: EXTENDED, u: nothing more)
 * and refuses any other flag; so do we, with the same library, so a pattern
 * means here what it means on a server. A regex matches a string or symbol
 * in which it finds a match (unanchored), and a regex value with the very
 * same pattern and flags; nothing else.
 *
 * The prefix (docrel_regex__prefix) is MongoDB's "simple regex" rule for
 * index bounds (index_bounds_builder.cpp), made safe where that rule is
 * loose: a quantifier drops the whole last character (not its last byte),
 * '{' drops it too ({0} makes it optional), and x mode stops at the first
 * non-ASCII byte (PCRE2 skips Unicode pattern white space there). */
#include "query/query-private.h"

#include <ctype.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* MongoDB's limit on a pattern's length. */
#define MAX_PATTERN 32761

struct _docrel_regex_t {
   pcre2_code *code;
   char *pattern;
   char *options;
   docrel_buf_t prefix; /* the literal every match starts with (may be empty) */
};

static bool
regex_error (bson_error_t *error, const char *field, const char *what)
{
   return docrel_error__set (error, DOCREL_ERROR_QUERY, DOCREL_ERROR_BAD_OPTION, "query operator '$regex'%s%s%s: %s",
                             field ? " on field '" : "", field ? field : "", field ? "'" : "", what);
}

/* The PCRE2 options of MongoDB's flags, or false for a flag it refuses. */
static bool
options_of (const char *flags, uint32_t *out, char *bad)
{
   *out = PCRE2_UTF;
   for (const char *c = flags; *c; c++) {
      switch (*c) {
      case 'i':
         *out |= PCRE2_CASELESS;
         break;
      case 'm':
         *out |= PCRE2_MULTILINE;
         break;
      case 's':
         *out |= PCRE2_DOTALL;
         break;
      case 'x':
         *out |= PCRE2_EXTENDED;
         break;
      case 'u':
         break;
      default:
         *bad = *c;
         return false;
      }
   }
   return true;
}

/* Drops the last (UTF-8) character of buf. */
static void
drop_last_char (docrel_buf_t *buf)
{
   while (buf->len > 0 && (buf->data[buf->len - 1] & 0xc0) == 0x80) {
      buf->len--;
   }
   if (buf->len > 0) {
      buf->len--;
   }
}

/* The literal after the anchor (see the file comment); s is past ^ or \A. */
static void
literal_prefix (const char *s, bool extended, docrel_buf_t *out)
{
   while (*s) {
      unsigned char c = (unsigned char) *s++;

      if (c == '*' || c == '?' || c == '{') {
         drop_last_char (out); /* the last character was optional */
         return;
      }
      if (c == '\\') {
         c = (unsigned char) *s++;
         if (c == 'Q') {
            for (; *s && !(s[0] == '\\' && s[1] == 'E'); s++) {
               docrel_buf__append_byte (out, (uint8_t) *s);
            }
            s += *s ? 2 : 0;
         } else if (c == '\0' || isalnum (c) || c >= 0x80) {
            return; /* an escape with a meaning, or the end */
         } else {
            docrel_buf__append_byte (out, c);
         }
      } else if (strchr ("^$.[()+", c) || (extended && (c == '#' || c >= 0x80))) {
         return;
      } else if (!(extended && isspace (c))) {
         docrel_buf__append_byte (out, c);
      }
   }
}

static void
compute_prefix (docrel_regex_t *re)
{
   const char *s = re->pattern;
   bool multiline_ok;
   bool extended = false;

   if (s[0] == '\\' && s[1] == 'A') {
      multiline_ok = true;
      s += 2;
   } else if (s[0] == '^') {
      multiline_ok = false;
      s += 1;
   } else {
      return;
   }
   if (strchr (s, '|')) {
      return;
   }
   for (const char *f = re->options; *f; f++) {
      if (*f == 'x') {
         extended = true;
      } else if ((*f == 'm' && !multiline_ok) || (*f != 'm' && *f != 's' && *f != 'u')) {
         return; /* i, or ^ that m lets match after a newline */
      }
   }
   literal_prefix (s, extended, &re->prefix);
}

docrel_regex_t *
docrel_regex__new (const char *field, const char *pattern, size_t len, const char *flags, bson_error_t *error)
{
   PCRE2_UCHAR message[256];
   char what[400];
   docrel_regex_t *re;
   uint32_t options;
   int code;
   PCRE2_SIZE offset;
   char bad = 0;

   if (len != strlen (pattern)) {
      regex_error (error, field, "a regular expression cannot contain an embedded null byte");
      return NULL;
   }
   if (len > MAX_PATTERN) {
      regex_error (error, field, "the regular expression is too long");
      return NULL;
   }
   if (!options_of (flags, &options, &bad)) {
      bson_snprintf (what, sizeof what, "invalid flag in regex options: %c", bad);
      regex_error (error, field, what);
      return NULL;
   }
   re = bson_malloc0 (sizeof *re);
   re->code = pcre2_compile ((PCRE2_SPTR) pattern, len, options, &code, &offset, NULL);
   if (!re->code) {
      pcre2_get_error_message (code, message, sizeof message);
      bson_snprintf (what, sizeof what, "invalid regular expression /%.200s/: %s (at offset %zu)", pattern,
                     (const char *) message, (size_t) offset);
      regex_error (error, field, what);
      bson_free (re);
      return NULL;
   }
   re->pattern = bson_strdup (pattern);
   re->options = bson_strdup (flags);
   compute_prefix (re);
   return re;
}

docrel_regex_t *
docrel_regex__from_operators (const char *field, const bson_t *ops, bson_error_t *error)
{
   bson_iter_t rx, opt;
   const char *flags = "";
   const char *pattern;
   uint32_t len = 0;
   bool has_options = bson_iter_init_find (&opt, ops, "$options");

   if (has_options && !BSON_ITER_HOLDS_UTF8 (&opt)) {
      regex_error (error, field, "$options needs a string");
      return NULL;
   }
   if (has_options && strlen (flags = bson_iter_utf8 (&opt, &len)) != len) {
      regex_error (error, field, "$options cannot contain an embedded null byte");
      return NULL;
   }
   if (!bson_iter_init_find (&rx, ops, "$regex")) {
      regex_error (error, field, "$options needs a $regex");
      return NULL;
   }
   if (BSON_ITER_HOLDS_REGEX (&rx)) {
      const char *rx_flags;
      pattern = bson_iter_regex (&rx, &rx_flags);
      if (has_options && rx_flags[0]) {
         regex_error (error, field, "options set in both $regex and $options");
         return NULL;
      }
      return docrel_regex__new (field, pattern, strlen (pattern), has_options ? flags : rx_flags, error);
   }
   if (!BSON_ITER_HOLDS_UTF8 (&rx)) {
      regex_error (error, field, "$regex needs a string or a regular expression");
      return NULL;
   }
   pattern = bson_iter_utf8 (&rx, &len);
   return docrel_regex__new (field, pattern, len, flags, error);
}

void
docrel_regex__destroy (docrel_regex_t *re)
{
   if (!re) {
      return;
   }
   pcre2_code_free (re->code);
   bson_free (re->pattern);
   bson_free (re->options);
   docrel_buf__destroy (&re->prefix);
   bson_free (re);
}

bool
docrel_regex__test (const docrel_regex_t *re, const bson_value_t *v)
{
   pcre2_match_data *md;
   const char *s;
   size_t len;
   int rc;

   if (!v) {
      return false;
   }
   if (v->value_type == BSON_TYPE_REGEX) {
      return strcmp (v->value.v_regex.regex, re->pattern) == 0 && strcmp (v->value.v_regex.options, re->options) == 0;
   }
   if (v->value_type == BSON_TYPE_UTF8) {
      s = v->value.v_utf8.str;
      len = v->value.v_utf8.len;
   } else if (v->value_type == BSON_TYPE_SYMBOL) {
      s = v->value.v_symbol.symbol;
      len = v->value.v_symbol.len;
   } else {
      return false;
   }
   /* Per call, so that one compiled filter serves several threads. */
   md = pcre2_match_data_create (1, NULL);
   if (!md) {
      return false;
   }
   rc = pcre2_match (re->code, (PCRE2_SPTR) s, len, 0, 0, md, NULL);
   pcre2_match_data_free (md);
   return rc >= 0; /* invalid UTF-8 in the subject does not match */
}

const uint8_t *
docrel_regex__prefix (const docrel_regex_t *re, size_t *len)
{
   *len = re->prefix.len;
   return re->prefix.data;
}

void
docrel_regex__value (const docrel_regex_t *re, bson_value_t *out)
{
   memset (out, 0, sizeof *out);
   out->value_type = BSON_TYPE_REGEX;
   out->value.v_regex.regex = re->pattern;
   out->value.v_regex.options = re->options;
}
