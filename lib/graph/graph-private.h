/* SPDX-License-Identifier: Apache-2.0 */
/* graph-private.h: what the graph calls share. A graph call (save_all,
 * delete_all, purge, link...) first changes documents in memory and builds
 * a plan: batched steps, each one command, with every payload prepared and
 * validated. Then docrel_plan__run sends the steps in order inside one
 * transaction (where the store has them) and applies each to its documents
 * once confirmed; on failure the undo puts memory back as it was. */
#ifndef DOCREL_GRAPH_PRIVATE_H
#define DOCREL_GRAPH_PRIVATE_H

#include <bson/bson.h>

#include "doc/doc-private.h"
#include "util/util-private.h"
#include "model/model-private.h"

typedef enum {
   DOCREL_STEP_INSERT,       /* docs with their prepared fields */
   DOCREL_STEP_UPDATE,       /* docs with their prepared $set / $unset */
   DOCREL_STEP_DELETE,       /* docs, by _id */
   DOCREL_STEP_LINK,         /* link documents to insert (payloads only) */
   DOCREL_STEP_UNLINK,       /* link documents matching filter */
   DOCREL_STEP_UPDATE_WHERE, /* update applied to every match of filter */
   DOCREL_STEP_DELETE_WHERE, /* every match of filter */
   DOCREL_STEP_DELETE_IDS,   /* docs, by _id, memory left to the caller (the
                              * removal engine's: some were only found in
                              * the store); shown as "delete" */
   DOCREL_STEP_LINK_UPDATE   /* stored links' payloads: payloads are
                              * {"_id": the link's, "keys": {...}, "$set":
                              * {...}}; shown as "updateLinks" */
} docrel_step_kind_t;

typedef struct {
   docrel_step_kind_t kind;
   docrel_model_t *model;
   int level;
   docrel_doc_t **docs; /* INSERT, UPDATE, DELETE */
   bson_t **payloads;   /* INSERT, UPDATE: one per doc; LINK: the links */
   size_t n;
   size_t cap;
   bson_t *filter; /* UNLINK, *_WHERE: a MongoDB filter */
   bson_t *update; /* UPDATE_WHERE */
} docrel_step_t;

/* How many times a transaction failing with TransientTransactionError is
 * run (MongoDB; the embedded store never reports it). */
#define DOCREL_TRANSACTION_TRIES 3

typedef struct {
   docrel_session_t *session;
   docrel_step_t *steps;
   size_t n_steps;
   size_t cap_steps;
   docrel_undo_t undo;  /* the call's changes to memory, before sending */
   docrel_undo_t *sent; /* while running: the effects of confirmed steps */
   size_t done;         /* after running: the steps the store holds (all on
                         * success, none after a rollback, else a prefix) */
   /* If set, called once inside the transaction before the steps are sent:
    * it reads what decides the plan and adds the steps, so that the reads
    * and the writes see one state of the store (removal.c). transaction
    * tells whether the store runs one (false: a standalone MongoDB, where
    * what is sent stays sent in the order sent). */
   bool (*prepare) (void *ctx, bool transaction, bson_error_t *error);
   void *prepare_ctx;
} docrel_plan_t;

void docrel_plan__init (docrel_plan_t *plan, docrel_session_t *session);
void docrel_plan__destroy (docrel_plan_t *plan);

/* The last step if it has this kind, model and level (so that writes
 * batch), else a new one. */
docrel_step_t *docrel_plan__step (docrel_plan_t *plan, docrel_step_kind_t kind, docrel_model_t *model, int level);

/* Adds a document and / or a payload (taken over; may be NULL) to step. */
void docrel_step__add (docrel_step_t *step, docrel_doc_t *doc, bson_t *payload);

/* Initialises out (if not NULL) as a plan without writes:
 * {"writes": []}. A graph call does this first, so that its plan
 * out-parameter is initialised on every path. */
void docrel_plan__describe_none (bson_t *out);

/* Replaces the initialised out (if not NULL) with {"writes": [...]}
 * describing the first n steps of plan: all of them for a dry run, the
 * ones the store holds after docrel_plan__run (plan->done). */
void docrel_plan__describe (const docrel_plan_t *plan, size_t n, bson_t *out);

/* Sends the steps in one transaction where the store has them (run again,
 * up to DOCREL_TRANSACTION_TRIES times, on TransientTransactionError). On
 * success the documents are saved / deleted as the steps say and the undo
 * is forgotten. On failure: with a transaction, memory is put back (undo);
 * without one, documents whose step was confirmed keep their new state and
 * the rest stay as prepared. Models must be in use (docrel_plan__use). */
bool docrel_plan__run (docrel_plan_t *plan, bson_error_t *error);

/* Puts every model of the steps in use (before any transaction, since
 * first use may create collections and indexes). */
bool docrel_plan__use (docrel_plan_t *plan, bson_error_t *error);

/* The position of step in plan: what a caller keeps to ask about the step
 * later (the steps move as the plan grows). */
static inline size_t
docrel_plan__index (const docrel_plan_t *plan, const docrel_step_t *step)
{
   return (size_t) (step - plan->steps);
}

/* After docrel_plan__run: true if the store holds the writes of the step at
 * index (see done). */
static inline bool
docrel_plan__stored (const docrel_plan_t *plan, size_t index)
{
   return index < plan->done;
}

/* A relation slot walked by a graph call. */
typedef struct {
   docrel_doc_t *parent;
   docrel_relation_t *r;
} docrel_edge_t;

/* A tree position: every loaded slot (all), nothing below (none), or the
 * edges a tree document names. */
typedef struct {
   bool all;
   const uint8_t *data; /* a tree document inside the caller's tree, or NULL */
   uint32_t len;
} docrel_subtree_t;

typedef struct {
   docrel_doc_t *doc;
   docrel_subtree_t tree;
} docrel_visit_t;

/* A walk: documents reached from roots through loaded slots, each once by
 * identity (nodes), and each (document, relation) slot followed once
 * (edges). Only walk.c touches the fields; the graph calls read a walk
 * through the accessors below. */
typedef struct {
   docrel_doc_t **nodes;
   size_t n_nodes, cap_nodes;
   bool *fresh;   /* per node: free for the caller (save: key made now) */
   bool *reached; /* per node: reached through a current slot or a root */
   bool *walked_all;
   docrel_idmap_t ids; /* doc pointer -> node index + 1 */
   docrel_edge_t *edges;
   size_t n_edges, cap_edges;
   docrel_idmap_t seen_edges;
   docrel_visit_t *queue;
   size_t n_queue, cap_queue;
   bool with_removed; /* also add children removed from hasOne / hasMany
                       * slots under onRemove "setNull" (not reached) */
   size_t *order;     /* after docrel_walk__order: node indexes, prerequisites first */
   int *level;        /* per node: its longest chain of prerequisites */
} docrel_walk_t;

void docrel_walk__init (docrel_walk_t *walk);
void docrel_walk__destroy (docrel_walk_t *walk);

/* Adds a root, walked through tree (a join tree; NULL: every loaded slot). */
void docrel_walk__root (docrel_walk_t *walk, docrel_doc_t *doc, const bson_t *tree);
void docrel_walk__enqueue (docrel_walk_t *walk, docrel_doc_t *doc, docrel_subtree_t tree);

/* The node of doc (added if new, as reached or not). */
size_t docrel_walk__node (docrel_walk_t *walk, docrel_doc_t *doc, bool reached);

/* The node index of doc, which must be a node. */
size_t docrel_walk__index (docrel_walk_t *walk, docrel_doc_t *doc);

/* Walks from the roots. Fails on a malformed tree (naming the field). */
bool docrel_walk__run (docrel_walk_t *walk, bson_error_t *error);

/* Orders the nodes: belongsTo targets before their owners, owners before
 * their hasOne / hasMany children; a cycle is broken at its first node.
 * Fills order and level. */
void docrel_walk__order (docrel_walk_t *walk);

/* Reading a walk. The graph calls ask through these instead of indexing
 * the walk's arrays. Nodes are numbered 0 .. n_nodes - 1 in the order the
 * walk met them, edges likewise; documents are borrowed (the session owns
 * them). */

/* Before docrel_walk__run: also add the children removed from hasOne /
 * hasMany slots under onRemove "setNull" (their key goes), as not reached. */
static inline void
docrel_walk__include_removed (docrel_walk_t *walk)
{
   walk->with_removed = true;
}

static inline size_t
docrel_walk__n_nodes (const docrel_walk_t *walk)
{
   return walk->n_nodes;
}

/* The document of node i. */
static inline docrel_doc_t *
docrel_walk__doc (const docrel_walk_t *walk, size_t i)
{
   return walk->nodes[i];
}

/* After docrel_walk__order: the node written k-th, prerequisites first. */
static inline size_t
docrel_walk__ordered (const docrel_walk_t *walk, size_t k)
{
   return walk->order[k];
}

/* After docrel_walk__order: node i's longest chain of prerequisites. */
static inline int
docrel_walk__level (const docrel_walk_t *walk, size_t i)
{
   return walk->level[i];
}

/* After docrel_walk__order: the highest level of a node (0 if none). */
int docrel_walk__top_level (const docrel_walk_t *walk);

/* Whether node i is free for the caller (save: its key is made in this
 * call, so no link to it can be stored yet). False until set. */
static inline bool
docrel_walk__fresh (const docrel_walk_t *walk, size_t i)
{
   return walk->fresh[i];
}

static inline void
docrel_walk__set_fresh (docrel_walk_t *walk, size_t i, bool fresh)
{
   walk->fresh[i] = fresh;
}

/* True if doc is a node reached through a current slot or as a root (not
 * only as a removed child). */
bool docrel_walk__reached (const docrel_walk_t *walk, const docrel_doc_t *doc);

static inline size_t
docrel_walk__n_edges (const docrel_walk_t *walk)
{
   return walk->n_edges;
}

/* Edge i: a parent document and the relation of its slot followed. */
static inline const docrel_edge_t *
docrel_walk__edge (const docrel_walk_t *walk, size_t i)
{
   return &walk->edges[i];
}

/* The slot edge i followed (its parent's, for its relation). */
static inline docrel_slot_t *
docrel_walk__edge_slot (const docrel_walk_t *walk, size_t i)
{
   return docrel_doc__slot (walk->edges[i].parent, walk->edges[i].r->index);
}

/* One document's write, to be batched into plan steps. */
typedef struct {
   int level;         /* steps come in level order */
   int kind;          /* then in kind order (the caller's numbering) */
   size_t model_rank; /* then by model, in order of first node (filled in) */
   size_t node;       /* then in walk order */
} docrel_batch_t;

/* Sorts batches so that consecutive ones of a level, kind and model make
 * one plan step. */
void docrel_walk__sort_batches (docrel_walk_t *walk, docrel_batch_t *batches, size_t n);

/* Plans the link writes of a save (save-links.c): for each hasAndBelongsToMany
 * edge of walk, the links added to or removed from its slot since its base,
 * and every node's deferred link changes (docrel_link ... {"defer": true}).
 * Per link collection: one unlink step, then one link step of the links not
 * already stored (looked up with one find, unless both ends got their keys
 * in this call: docrel_walk__fresh). Deferred changes of hasOne / hasMany
 * become range updates of the far model. */
bool docrel_graph__plan_links (docrel_plan_t *plan, const docrel_walk_t *walk, int level, bson_error_t *error);

/* Removal --------------------------------------------------------------- */

/* The engine behind docrel_delete, docrel_delete_all(_many) and docrel_purge
 * (removal.c): the documents a call deletes, each with a depth (deeper ones
 * are deleted first), and what every relation's onDelete adds in the store,
 * loaded or not. The caller seeds it, then expands (cascades level by
 * level, then one restrict check per relation and model, counting only the
 * referencing documents the call does not delete), plans (setNull range
 * updates, link range deletes, deletes deepest first) and runs it. Nothing
 * in memory changes before the store confirmed; then the session is brought
 * in line with what the store holds. Only removal.c touches the fields. */

/* Documents of one model and depth to delete: the caller's seeds, or
 * documents a cascade found (scratch documents: only their fields count). */
typedef struct {
   docrel_model_t *model;
   int depth;
   docrel_doc_t **docs;
   size_t n, cap;
   size_t step; /* the plan step deleting them */
} docrel_front_t;

/* A setNull range update, to bring loaded documents in line: the keys at
 * paths of model from whose codes are listed, cleared by plan step. */
typedef struct {
   docrel_model_t *from;
   char *const *paths;
   size_t n_keys;
   docrel_idmap_t codes;
   size_t step;
} docrel_nulled_t;

typedef struct {
   docrel_plan_t plan;
   const char *call;          /* the verb errors name: "delete", "purge" */
   docrel_session_t *scratch; /* holds what cascades found (made on demand) */
   docrel_front_t *fronts;
   size_t n_fronts;
   docrel_idmap_t ids; /* (model, keycode(_id)) of every document to delete */
   docrel_nulled_t *nulls;
   size_t n_nulls;
   docrel_relation_t **relations; /* the store's, when the call began */
   size_t n_relations;
} docrel_removal_t;

void docrel_removal__init (docrel_removal_t *rm, docrel_session_t *session, const char *call);
void docrel_removal__destroy (docrel_removal_t *rm);

/* Adds doc (saved, with an id; borrowed) at depth; a document already
 * there is not added again. */
void docrel_removal__seed (docrel_removal_t *rm, docrel_doc_t *doc, int depth);

/* Finds what "cascade" relations add, depth by depth (one find per cascade
 * relation, model and depth), then runs the "restrict" checks (one count
 * per restrict relation or link side and model); a document still
 * referenced fails with DOCREL_ERROR_RESTRICTED naming the relation, both
 * models and how many. Reads only. */
bool docrel_removal__expand (docrel_removal_t *rm, bson_error_t *error);

/* Plans one range delete per link collection side and model ("unlink"
 * with the filter), the deletes, deepest first, one per model and depth
 * ("delete" with the ids), and one range update per "setNull" relation and
 * model ("updateWhere" with the filter and the $unset): after the deletes
 * if nulls_last, so that it touches only the documents the call keeps
 * (inside a transaction, where the order is not seen), else before them,
 * so that a call cut short never leaves a key to a deleted document. */
void docrel_removal__plan (docrel_removal_t *rm, bool nulls_last);

/* Describes the plan (docrel_plan__describe) into out: every step if
 * dry_run (nothing is sent), else the steps the store holds after
 * docrel_removal__run. */
void docrel_removal__describe (const docrel_removal_t *rm, bool dry_run, bson_t *out);

/* Expands, plans and sends a seeded removal in one transaction where the
 * store has them: the cascade finds and restrict counts run inside it, so
 * no dependent can be added between the check and the delete. Every model
 * the removal can reach is put in use first (first use may create
 * collections and indexes, which cannot be done inside a transaction).
 * Then brings the session in line with what the store holds (all of it,
 * or on a standalone MongoDB the steps written before a failure): deleted
 * documents unsaved and out of every slot, setNull keys gone. */
bool docrel_removal__run (docrel_removal_t *rm, bson_error_t *error);

/* Options --------------------------------------------------------------- */

/* The options a graph call accepts (options.c parses them all). */
#define DOCREL_GRAPH_OPT_DRY_RUN (1u << 0) /* "dryRun": bool */
#define DOCREL_GRAPH_OPT_DEFER (1u << 1)   /* "defer": bool */
/* "payload": a document, read by docrel_graph__split_payload before
 * docrel_graph__read_opts, which only names it among what it expects */
#define DOCREL_GRAPH_OPT_PAYLOAD (1u << 2)

typedef struct {
   bool dry_run; /* plan, write nothing, change nothing in memory */
   bool defer;   /* link calls: record the change for the next save_all */
} docrel_graph_opts_t;

/* Reads opts (may be NULL) of call (the verb errors name: "save_all",
 * "delete_all", "link"...), accepting the keys in accepted. An unknown key,
 * or a known one that call does not take, is DOCREL_ERROR_BAD_OPTION naming
 * it and what call expects; so is a value that is not a bool, and "defer"
 * with "dryRun" (a deferred change writes nothing now). */
bool docrel_graph__read_opts (const char *call,
                              const bson_t *opts,
                              unsigned accepted,
                              docrel_graph_opts_t *out,
                              bson_error_t *error);

/* Keys ------------------------------------------------------------------ */

/* Copies the values of doc at paths into values (borrowed from doc's
 * fields until they change). False if one is missing or null. */
bool docrel_graph__key (const docrel_doc_t *doc, char *const *paths, size_t n, bson_value_t *values);

/* The first of paths that doc lacks or holds as null (paths[0] if none):
 * what an error about a missing key names, composite keys included. */
const char *docrel_graph__missing (const docrel_doc_t *doc, char *const *paths, size_t n);

/* The required belongsTo of model whose key shares one of paths (which
 * unsetting them would break), or NULL. */
const docrel_relation_t *docrel_graph__required_key (const docrel_model_t *model, char *const *paths, size_t n);

/* Sets doc's paths to values where they differ (marking them dirty),
 * snapshotting doc first. */
bool docrel_graph__set_key (docrel_undo_t *undo,
                            docrel_doc_t *doc,
                            char *const *paths,
                            const bson_value_t *values,
                            size_t n,
                            bson_error_t *error);

/* Removes doc's paths (where present), snapshotting doc first. */
bool
docrel_graph__unset_key (docrel_undo_t *undo, docrel_doc_t *doc, char *const *paths, size_t n, bson_error_t *error);

/* Appends {path: {"$eq": value}} to doc: a document value is then never
 * read as operators. */
void docrel_graph__append_eq (bson_t *doc, const char *path, const bson_value_t *value);

/* A new {"$unset": {paths...: ""}} (the caller destroys it). */
bson_t *docrel_graph__unset_update (char *const *paths, size_t n);

/* The far key tuple of a bare key of r (docrel-graph.h): the value itself,
 * or with composite keys the values at r's right key paths of a document
 * (borrowed from key). Fails naming r's field. */
bool
docrel_graph__bare_key (const docrel_relation_t *r, const bson_value_t *key, bson_value_t *values, bson_error_t *error);

/* Appends {paths[i]: {"$in": [values of each doc]}} (one path) or
 * {"$or": [{paths...: values...}, ...]} (composite) to out. */
void docrel_graph__keys_filter (docrel_doc_t *const *docs,
                                size_t n,
                                char *const *doc_paths,
                                char *const *filter_paths,
                                size_t n_keys,
                                bson_t *out);

/* Takes every document in gone (deleted) out of every slot of the session,
 * and their ids out of each other. */
void docrel_graph__forget (docrel_undo_t *undo, docrel_session_t *session, docrel_doc_t *const *gone, size_t n);

/* Every relation declared in the store, in declaration order, read under
 * the store's lock: a graph call takes it before its transaction, since
 * the lock order is the store's before the backend's. *out is
 * bson_malloc'd. */
size_t docrel_graph__all_relations (docrel_store_t *store, docrel_relation_t ***out);

/* Of the relations all: every hasAndBelongsToMany relation whose link
 * holds model's keys on either side (declared on it or towards it), and
 * each relation declared elsewhere that references model (belongsTo
 * towards it) or that model declares (hasOne / hasMany from it). *out is
 * bson_malloc'd. */
size_t docrel_graph__references (docrel_relation_t *const *all,
                                 size_t n_all,
                                 const docrel_model_t *model,
                                 docrel_relation_t ***out);

/* The encoded key tuple of doc at paths (keycode.h), or false if doc has
 * none. */
bool docrel_graph__code (const docrel_doc_t *doc, char *const *paths, size_t n, docrel_buf_t *out);

/* How relation r references documents of model m, if it does: documents of
 * *from hold, at *from_paths, the key m's documents hold at *m_paths
 * (hasOne / hasMany declared on m, belongsTo declared towards m). */
bool docrel_graph__reference (const docrel_relation_t *r,
                              const docrel_model_t *m,
                              docrel_model_t **from,
                              char *const **from_paths,
                              char *const **m_paths);

/* The link fields of a hasAndBelongsToMany r that hold keys of model m (one
 * side; both for a symmetric link), each with m's key paths. */
size_t docrel_graph__link_sides (const docrel_relation_t *r,
                                 const docrel_model_t *m,
                                 char *const *fields[2],
                                 char *const *m_paths[2]);

/* True if (model, paths) was seen already in done; records it if not. */
bool docrel_graph__once (docrel_idmap_t *done, const docrel_model_t *model, char *const *paths, size_t n);

/* The relation under field of doc's model, or NULL with error set
 * (DOCREL_ERROR_UNKNOWN_FIELD naming model and field). The link and
 * slot-editing calls start here, so it also refuses while a write call
 * runs on doc's session (DOCREL_ERROR_SESSION_BUSY: a hook's). */
docrel_relation_t *docrel_graph__relation (const docrel_doc_t *doc, const char *field, bson_error_t *error);

/* Link payloads (link-payload.c) -------------------------------------- */

/* Splits a link call's opts: *rest (initialised; the caller destroys it)
 * gets every option but "payload", for docrel_graph__read_opts; *payload
 * a copy of the "payload" document (the caller destroys it) or NULL. A
 * payload that is not a document, or that docrel_payload__check refuses
 * for r, fails naming the field. */
bool docrel_graph__split_payload (const char *call,
                                  const docrel_relation_t *r,
                                  const bson_t *opts,
                                  bson_t *rest,
                                  bson_t **payload,
                                  bson_error_t *error);

/* A DOCREL_STEP_LINK_UPDATE step's payload as its plan shows it: the link's
 * key pair and the fields set, appended to out. */
void docrel_graph__describe_link_update (const bson_t *payload, bson_t *out);

/* Sends a DOCREL_STEP_LINK_UPDATE step: one update command, each link by
 * its _id with its own $set. */
bool docrel_graph__send_link_updates (docrel_store_t *store, const docrel_step_t *s, bson_error_t *error);

#endif
