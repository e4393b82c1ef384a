/* SPDX-License-Identifier: Apache-2.0 */
/* check_version.c: the version — the headers' macros (docrel-version.h,
 * generated from CMakeLists.txt) agree with the library's docrel_get_version
 * and its siblings, DOCREL_CHECK_VERSION compares as libbson's does, and the
 * deprecated DOCREL_VERSION_STRING still names the same version. No store is
 * involved; the suite runs, and passes alike, for every store kind. */
#include <stdio.h>

#include "fixture.h"

/* ---- macros and calls -------------------------------------------------- */

START_TEST (runtime_components_match_the_header_macros)
{
   ck_assert_int_eq (docrel_get_major_version (), DOCREL_MAJOR_VERSION);
   ck_assert_int_eq (docrel_get_minor_version (), DOCREL_MINOR_VERSION);
   ck_assert_int_eq (docrel_get_micro_version (), DOCREL_MICRO_VERSION);
}
END_TEST

START_TEST (runtime_string_matches_the_header_string)
{
   ck_assert_ptr_nonnull (docrel_get_version ());
   ck_assert_str_eq (docrel_get_version (), DOCREL_VERSION_S);
}
END_TEST

START_TEST (version_string_is_major_dot_minor_dot_micro)
{
   char expected[64];

   snprintf (expected, sizeof expected, "%d.%d.%d", docrel_get_major_version (), docrel_get_minor_version (),
             docrel_get_micro_version ());
   ck_assert_str_eq (docrel_get_version (), expected);
}
END_TEST

START_TEST (deprecated_version_string_is_the_same_version)
{
   ck_assert_str_eq (DOCREL_VERSION_STRING, DOCREL_VERSION_S);
}
END_TEST

/* ---- DOCREL_CHECK_VERSION ------------------------------------------------ */

START_TEST (check_version_is_true_for_the_first_release)
{
   ck_assert (DOCREL_CHECK_VERSION (0, 1, 0));
#if !DOCREL_CHECK_VERSION(0, 1, 0)
   ck_abort_msg ("DOCREL_CHECK_VERSION (0, 1, 0) is false in #if");
#endif
}
END_TEST

START_TEST (check_version_is_true_for_the_headers_own_version)
{
   ck_assert (DOCREL_CHECK_VERSION (DOCREL_MAJOR_VERSION, DOCREL_MINOR_VERSION, DOCREL_MICRO_VERSION));
}
END_TEST

START_TEST (check_version_is_false_for_a_newer_version)
{
   ck_assert (!DOCREL_CHECK_VERSION (DOCREL_MAJOR_VERSION + 1, 0, 0));
   ck_assert (!DOCREL_CHECK_VERSION (DOCREL_MAJOR_VERSION, DOCREL_MINOR_VERSION + 1, 0));
   ck_assert (!DOCREL_CHECK_VERSION (DOCREL_MAJOR_VERSION, DOCREL_MINOR_VERSION, DOCREL_MICRO_VERSION + 1));
#if DOCREL_CHECK_VERSION(DOCREL_MAJOR_VERSION + 1, 0, 0)
   ck_abort_msg ("DOCREL_CHECK_VERSION of the next major version is true in #if");
#endif
}
END_TEST

static Suite *
version_suite (void)
{
   Suite *s = suite_create ("version");
   TCase *tc;

   tc = tcase_create ("macros and calls");
   tcase_add_test (tc, runtime_components_match_the_header_macros);
   tcase_add_test (tc, runtime_string_matches_the_header_string);
   tcase_add_test (tc, version_string_is_major_dot_minor_dot_micro);
   tcase_add_test (tc, deprecated_version_string_is_the_same_version);
   suite_add_tcase (s, tc);

   tc = tcase_create ("check_version");
   tcase_add_test (tc, check_version_is_true_for_the_first_release);
   tcase_add_test (tc, check_version_is_true_for_the_headers_own_version);
   tcase_add_test (tc, check_version_is_false_for_a_newer_version);
   suite_add_tcase (s, tc);
   return s;
}

int
main (void)
{
   return fixture_run (version_suite ());
}
