/* SPDX-License-Identifier: Apache-2.0 */
/* docrel-macros.h: symbol export and shared macros for the public headers. */
#ifndef DOCREL_MACROS_H
#define DOCREL_MACROS_H

#if defined(DOCREL_STATIC)
#define DOCREL_EXPORT
#elif defined(__GNUC__)
#define DOCREL_EXPORT __attribute__ ((visibility ("default")))
#else
#define DOCREL_EXPORT
#endif

#ifdef __cplusplus
#define DOCREL_BEGIN_DECLS extern "C" {
#define DOCREL_END_DECLS }
#else
#define DOCREL_BEGIN_DECLS
#define DOCREL_END_DECLS
#endif

#endif /* DOCREL_MACROS_H */
