/* SPDX-License-Identifier: Apache-2.0 */
/* docrel.h: the whole public API of docrel.
 *
 * docrel brings Thinky-style relations to document stores: models, sessions,
 * documents, queries and, on top, relations loaded with application-side
 * joins. Include this header; the others are included by it. */
#ifndef DOCREL_H
#define DOCREL_H

#include "docrel-macros.h"
#include "docrel-error.h"
#include "docrel-store.h"
#include "docrel-model.h"
#include "docrel-session.h"
#include "docrel-doc.h"
#include "docrel-write.h"
#include "docrel-query.h"
#include "docrel-relation.h"
#include "docrel-graph.h"
#include "docrel-schema.h"

#define DOCREL_VERSION_STRING "0.1.0"

#endif /* DOCREL_H */
