/* SPDX-License-Identifier: Apache-2.0 */
/* version.c: the version of the library itself (docrel-version.h).
 *
 * Compiled from the same generated header as the callers' macros, so these
 * answer with the version the loaded library was built as: a program built
 * against older headers and run on a newer libdocrel.so.<major> sees the
 * newer one here. */
#include "docrel/docrel-version.h"

const char *
docrel_get_version (void)
{
   return DOCREL_VERSION_S;
}

int
docrel_get_major_version (void)
{
   return DOCREL_MAJOR_VERSION;
}

int
docrel_get_minor_version (void)
{
   return DOCREL_MINOR_VERSION;
}

int
docrel_get_micro_version (void)
{
   return DOCREL_MICRO_VERSION;
}
