/* SPDX-License-Identifier: Apache-2.0 */
/* integrity-private.h: what the files of lib/integrity/ share. The checker
 * (check.c) runs passes: each streams one collection through the store's
 * cursor, looks referenced keys up in chunks (scan.c), and either reports
 * what it finds (report.c) or collects fixes (repair.c), which are sent
 * after the cursor is closed. */
#ifndef DOCREL_INTEGRITY_PRIVATE_H
#define DOCREL_INTEGRITY_PRIVATE_H

#include <bson/bson.h>

#include "docrel/docrel-integrity.h"
#include "model/model-private.h"
#include "util/util-private.h"

/* Documents per key lookup: each chunk of scanned documents sends one $in
 * (or $or of tuples) per referenced side, so memory holds at most this many
 * scanned documents (their _id and keys) and their distinct keys. */
#define DOCREL_INTEGRITY_CHUNK 500

/* The largest "sample" option. */
#define DOCREL_INTEGRITY_MAX_SAMPLE 1000

/* How many repair rounds may follow each other (a cascade deletes, which
 * may leave new dangling keys one level down): more than any chain of
 * cascade relations can need, since cascades may not form a cycle. */
#define DOCREL_INTEGRITY_MAX_ROUNDS 64

/* ---- options and report ------------------------------------------------- */

typedef struct {
   docrel_model_t *model; /* "model": only this one; NULL: every model */
   int32_t sample;        /* "sample": entries kept per sample */
   bool repair;           /* "repair" */
} docrel_integrity_opts_t;

/* Reads opts (may be NULL); an unknown key or a bad value is
 * DOCREL_ERROR_QUERY / DOCREL_ERROR_BAD_OPTION naming it. */
bool docrel_integrity__read_opts (docrel_store_t *store,
                                  const bson_t *opts,
                                  docrel_integrity_opts_t *out,
                                  bson_error_t *error);

/* One problem kind of one relation (or one model's invalid documents): a
 * count and the first entries of its sample. */
typedef struct {
   int64_t count;
   bson_t *sample; /* an array being built (a pointer: findings live in
                    * reallocated arrays, where a bson_t cannot) */
   uint32_t n_sample;
} docrel_finding_t;

void docrel_finding__init (docrel_finding_t *f);
void docrel_finding__destroy (docrel_finding_t *f);

/* Counts one problem; entry (taken over, may be NULL) joins the sample
 * while it has room for max entries, else is destroyed. */
void docrel_finding__add (docrel_finding_t *f, bson_t *entry, int32_t max);

/* Appends {"count": n, "sample": [...]} under key to out. */
void docrel_finding__append (const docrel_finding_t *f, const char *key, bson_t *out);

/* The names the report uses for relation kinds and onDelete values. */
const char *docrel_integrity__kind_name (docrel_relation_kind_t kind);
const char *docrel_integrity__on_delete_name (docrel_on_delete_t on_delete);

/* Appends the key tuple of doc at paths under key: the value itself for
 * one path, else a document {path: value...}; null where one is missing. */
void docrel_integrity__append_key (bson_t *out, const char *key, const bson_t *doc, char *const *paths, size_t n);

/* ---- repair ------------------------------------------------------------- */

/* What a repair does to a scanned document with a problem. */
typedef enum {
   DOCREL_FIX_NONE = 0, /* report only */
   DOCREL_FIX_UNSET,    /* remove its key (paths) */
   DOCREL_FIX_DELETE    /* delete it */
} docrel_fix_kind_t;

/* The _ids of the documents of one collection to fix, sent as one command
 * (an update or delete of {_id: {$in: ids}}) once the cursor is closed. */
typedef struct {
   docrel_model_t *model;
   docrel_fix_kind_t kind;
   char *const *paths; /* DOCREL_FIX_UNSET: the key to remove */
   size_t n_keys;
   bson_t ids; /* an array being built */
   uint32_t n;
} docrel_fixes_t;

void docrel_fixes__init (docrel_fixes_t *fixes,
                         docrel_model_t *model,
                         docrel_fix_kind_t kind,
                         char *const *paths,
                         size_t n_keys);
void docrel_fixes__destroy (docrel_fixes_t *fixes);
void docrel_fixes__add (docrel_fixes_t *fixes, const bson_value_t *id);

/* Sends the fixes (nothing if none) and empties the list; *changed is how
 * many documents the store changed. */
bool docrel_fixes__send (docrel_fixes_t *fixes, int64_t *changed, bson_error_t *error);

/* ---- scan --------------------------------------------------------------- */

/* One referenced side of the scanned documents: they hold at scan_paths
 * the key that documents of target hold at target_paths. */
typedef struct {
   docrel_model_t *target;
   char *const *scan_paths;
   char *const *target_paths;
   size_t n_keys;
} docrel_side_t;

/* A pass over one collection: every document of model matching filter
 * (NULL: all), in chunks; each side is looked up per chunk. A document is
 * bad when, on some side, it has no key (only if keyless_bad) or its key
 * matches no target document; bad(i) bit i says which side. */
typedef struct {
   docrel_model_t *model;
   const bson_t *filter;
   docrel_side_t sides[2];
   size_t n_sides;
   bool keyless_bad;
   /* Called for each bad document (its _id and keys, borrowed for the
    * call) with the sides that failed; returns false to stop the scan
    * after this chunk (the fix list is full). */
   bool (*bad) (const bson_t *doc, unsigned failed, void *ctx);
   void *ctx;
} docrel_scan_t;

/* Runs the scan. *stopped (may be NULL) tells whether bad asked to stop
 * early. Sends one find on model, plus one find per side and chunk. */
bool docrel_scan__run (const docrel_scan_t *scan, bool *stopped, bson_error_t *error);

/* A filter requiring every path to hold a value ({p: {"$ne": null}}...);
 * the caller destroys it. */
bson_t *docrel_scan__has_keys_filter (char *const *paths, size_t n);

/* ---- checks ------------------------------------------------------------- */

/* What a check of one relation finds and, when repairing, changes. */
typedef struct {
   const docrel_relation_t *r;
   docrel_finding_t dangling;        /* belongsTo, hasOne, hasMany */
   docrel_finding_t orphans;         /* hasAndBelongsToMany */
   docrel_finding_t duplicates;      /* hasOne */
   int64_t unset, deleted, unlinked; /* repairs */
} docrel_rel_check_t;

typedef struct {
   docrel_store_t *store;
   const docrel_integrity_opts_t *opts;
   bool repairing;        /* passes collect fixes instead of samples */
   docrel_idmap_t shrunk; /* models a repair round deleted documents of */
   docrel_idmap_t *next;  /* the same, filled for the next round */
} docrel_integrity_t;

/* The scan of the documents that hold r's key (hasOne, hasMany,
 * belongsTo): dangling ones counted, or fixed by r's onDelete. */
bool docrel_integrity__dangling (docrel_integrity_t *it, docrel_rel_check_t *rc, bson_error_t *error);

/* The scan of r's links (hasAndBelongsToMany): orphans counted, or deleted. */
bool docrel_integrity__links (docrel_integrity_t *it, docrel_rel_check_t *rc, bson_error_t *error);

/* The children of a hasOne holding one parent's key, sorted by key: more
 * than one counted, or the extras fixed by r's onRemove. */
bool docrel_integrity__duplicates (docrel_integrity_t *it, docrel_rel_check_t *rc, bson_error_t *error);

/* Validates every document of model against it. */
bool
docrel_integrity__invalid (docrel_integrity_t *it, docrel_model_t *model, docrel_finding_t *found, bson_error_t *error);

/* Records in it->next that documents of model were deleted. */
void docrel_integrity__shrank (docrel_integrity_t *it, const docrel_model_t *model);

/* True if a round after the first must look at r again: r references a
 * model the last round deleted documents of. */
bool docrel_integrity__touched (const docrel_integrity_t *it, const docrel_relation_t *r);

#endif
