# SPDX-License-Identifier: Apache-2.0
"""Data commands: insert, update, delete, find, getMore, killCursors, count,
distinct, findAndModify, aggregate. Each handler takes (ctx, cmd) and
returns the reply document, or raises errors.CommandError.

Write commands answer like MongoDB 5.0: {n, nModified?, upserted?,
writeErrors?: [{index, code, errmsg, keyPattern?, keyValue?}], ok: 1};
ordered batches stop at the first failed statement."""

from bson.objectid import ObjectId

from bsonvalues import MISSING, eq_key, leaf_values
from errors import CommandError, WriteError
from fields import (DELETE_STATEMENT, UPDATE_STATEMENT, check_collation,
                    check_statement)
from matcher import compile_filter, id_lookup_keys
from pipeline import Context, run_stages, stage_name
from projection import make_projection
from sorting import sort_docs
from updates import apply_update, changed, upsert_document, validate_update


def _coll_name(cmd, name):
    v = cmd[name]
    if not isinstance(v, str):
        raise CommandError(73, 'collection name has invalid type %s' % type(v).__name__)
    if not v:
        raise CommandError(73, "Invalid namespace specified '%s.'" % name)
    return v


def _statements(cmd, field, name):
    stmts = cmd.get(field)
    if stmts is None:
        raise CommandError(40414, "BSON field '%s.%s' is missing but a required field"
                           % (name, field))
    if not isinstance(stmts, list):
        raise CommandError(14, "BSON field '%s.%s' is the wrong type" % (name, field))
    if not stmts or len(stmts) > 100000:
        raise CommandError(16, 'Write batch sizes must be between 1 and 100000. Got %d operations.'
                           % len(stmts))
    return stmts


def _non_negative(cmd, field, name):
    v = cmd.get(field)
    if v is None:
        return 0
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise CommandError(14, "BSON field '%s.%s' is the wrong type '%s', expected types "
                               "'[long, int, decimal, double']" % (name, field, type(v).__name__))
    if v < 0:
        raise CommandError(51024, "BSON field '%s' value must be >= 0, actual value '%d'"
                           % (field, v))
    return int(v)


def _write_reply(n, errors, **extra):
    reply = {'n': n}
    reply.update(extra)
    if errors:
        reply['writeErrors'] = errors
    reply['ok'] = 1.0
    return reply


def _statement_error(e, index):
    if isinstance(e, WriteError):
        return e.entry(index)
    return {'index': index, 'code': e.code, 'errmsg': e.errmsg}


def cmd_insert(ctx, cmd):
    name = _coll_name(cmd, 'insert')
    docs = _statements(cmd, 'documents', 'insert')
    ordered = cmd.get('ordered', True)
    coll = ctx.ensure(name)
    n = 0
    errors = []
    for i, doc in enumerate(docs):
        try:
            if not isinstance(doc, dict):
                raise WriteError(14, 'document must be an object')
            if '_id' not in doc:
                doc = dict([('_id', ObjectId())] + list(doc.items()))
            elif isinstance(doc['_id'], list):
                raise WriteError(2, "can't use an array for _id")
            elif hasattr(doc['_id'], 'pattern'):
                raise WriteError(2, "can't use a regex for _id")
            elif next(iter(doc)) != '_id':  # MongoDB stores _id first
                doc = dict([('_id', doc.pop('_id'))] + list(doc.items()))
            ctx.wait_free(coll, [doc])
            ctx.record(coll, eq_key(doc['_id']))
            coll.insert(doc)
            n += 1
        except (WriteError, CommandError) as e:
            if isinstance(e, CommandError) and e.code == 112:
                raise  # a write conflict fails the whole command
            errors.append(_statement_error(e, i))
            if ordered:
                break
    return _write_reply(n, errors)


def _select(ctx, name, flt, limit=None, write=False):
    """The collection and its documents matching flt. For a write outside a
    transaction, after waiting for any transaction holding one of them."""
    pred = compile_filter(flt)
    while True:
        coll = ctx.collection(name, write)
        if coll is None:
            return None, []
        docs = coll.select(pred, id_lookup_keys(flt))
        if limit:
            docs = docs[:limit]
        if not write or not ctx.wait_free(coll, docs):
            return coll, docs


def cmd_update(ctx, cmd):
    name = _coll_name(cmd, 'update')
    stmts = _statements(cmd, 'updates', 'update')
    for st in stmts:
        if isinstance(st, dict):
            check_statement('update.updates', st, UPDATE_STATEMENT)
            check_collation(st)
    ordered = cmd.get('ordered', True)
    n = n_modified = 0
    upserted = []
    errors = []
    for i, st in enumerate(stmts):
        try:
            if not isinstance(st, dict) or 'q' not in st or 'u' not in st:
                raise WriteError(40414, "BSON field 'update.updates.%s' is missing but a "
                                        "required field" % ('q' if 'q' not in st else 'u'))
            if st.get('arrayFilters'):
                raise WriteError(115, 'arrayFilters are not supported by the docrel test server')
            q, u, multi = st['q'], st['u'], bool(st.get('multi', False))
            validate_update(u, multi)
            coll, docs = _select(ctx, name, q, None if multi else 1, True)
            for doc in docs:
                new = apply_update(doc, u, q)
                if changed(doc, new):
                    key = eq_key(doc['_id'])
                    ctx.record(coll, key)
                    coll.replace(key, new)
                    n_modified += 1
                n += 1
            if not docs and st.get('upsert'):
                new = upsert_document(q, u)
                coll = ctx.ensure(name)
                ctx.wait_free(coll, [new])
                ctx.record(coll, eq_key(new['_id']))
                coll.insert(new)
                upserted.append({'index': i, '_id': new['_id']})
                n += 1
        except (WriteError, CommandError) as e:
            if isinstance(e, CommandError) and e.code == 112:
                raise
            errors.append(_statement_error(e, i))
            if ordered:
                break
    extra = {'nModified': n_modified}
    if upserted:
        extra['upserted'] = upserted
    return _write_reply(n, errors, **extra)


def cmd_delete(ctx, cmd):
    name = _coll_name(cmd, 'delete')
    stmts = _statements(cmd, 'deletes', 'delete')
    for st in stmts:
        if isinstance(st, dict):
            check_statement('delete.deletes', st, DELETE_STATEMENT)
            check_collation(st)
    ordered = cmd.get('ordered', True)
    n = 0
    errors = []
    for i, st in enumerate(stmts):
        try:
            if not isinstance(st, dict) or 'q' not in st or 'limit' not in st:
                raise WriteError(40414, "BSON field 'delete.deletes.%s' is missing but a "
                                        "required field" % ('q' if 'q' not in st else 'limit'))
            limit = st['limit']
            if limit not in (0, 1) or isinstance(limit, bool):
                raise WriteError(9, 'The limit field in delete objects must be 0 or 1. Got %s'
                                 % limit)
            coll, docs = _select(ctx, name, st['q'], int(limit), True)
            for doc in docs:
                key = eq_key(doc['_id'])
                ctx.record(coll, key)
                coll.remove(key)
                n += 1
        except (WriteError, CommandError) as e:
            if isinstance(e, CommandError) and e.code == 112:
                raise
            errors.append(_statement_error(e, i))
            if ordered:
                break
    return _write_reply(n, errors)


def cmd_find(ctx, cmd):
    name = _coll_name(cmd, 'find')
    flt = cmd.get('filter', {})
    skip = _non_negative(cmd, 'skip', 'find')
    limit = _non_negative(cmd, 'limit', 'find')
    batch_size = cmd.get('batchSize')
    if batch_size is not None:
        batch_size = _non_negative(cmd, 'batchSize', 'find')
    transform = make_projection(cmd.get('projection'))
    sort = cmd.get('sort')
    pred = compile_filter(flt)
    coll = ctx.collection(name)
    docs = []
    if coll is not None:
        docs = coll.select(pred, id_lookup_keys(flt))
    if sort:
        docs = sort_docs(docs, sort)
    elif sort is not None:
        sort_docs([], sort)  # still validate
    if skip or limit:
        docs = docs[skip:skip + limit if limit else None]
    ns = '%s.%s' % (ctx.db.name, name)
    cursor = ctx.cursors.first_batch(ns, docs, batch_size, bool(cmd.get('singleBatch')),
                                     transform)
    return {'cursor': cursor, 'ok': 1.0}


def cmd_get_more(ctx, cmd):
    cid = cmd['getMore']
    if isinstance(cid, bool) or not isinstance(cid, int):
        raise CommandError(14, "BSON field 'getMore.getMore' is the wrong type, expected type 'long'")
    coll = cmd.get('collection')
    if not isinstance(coll, str):
        raise CommandError(40414, "BSON field 'getMore.collection' is missing but a required field")
    batch_size = cmd.get('batchSize')
    if batch_size is not None:
        batch_size = _non_negative(cmd, 'batchSize', 'getMore')
    cursor = ctx.cursors.get_more(int(cid), '%s.%s' % (ctx.db.name, coll), batch_size)
    return {'cursor': cursor, 'ok': 1.0}


def cmd_kill_cursors(ctx, cmd):
    ids = cmd.get('cursors')
    if not isinstance(ids, list):
        raise CommandError(40414, "BSON field 'killCursors.cursors' is missing but a required field")
    killed, not_found = ctx.cursors.kill(ids)
    return {'cursorsKilled': killed, 'cursorsNotFound': not_found, 'cursorsAlive': [],
            'cursorsUnknown': [], 'ok': 1.0}


def cmd_count(ctx, cmd):
    name = _coll_name(cmd, 'count')
    skip = cmd.get('skip', 0) or 0
    if skip < 0:
        raise CommandError(51024, "BSON field 'skip' value must be >= 0, actual value '%d'" % skip)
    limit = abs(int(cmd.get('limit', 0) or 0))
    _, docs = _select(ctx, name, cmd.get('query') or {})
    n = max(0, len(docs) - int(skip))
    if limit:
        n = min(n, limit)
    return {'n': n, 'ok': 1.0}


def cmd_distinct(ctx, cmd):
    name = _coll_name(cmd, 'distinct')
    key = cmd.get('key')
    if not isinstance(key, str):
        raise CommandError(40414, "BSON field 'distinct.key' is missing but a required field")
    _, docs = _select(ctx, name, cmd.get('query') or {})
    seen = set()
    values = []
    for d in docs:
        for v in leaf_values(d, key):
            if v is MISSING:
                continue
            k = eq_key(v)
            if k not in seen:
                seen.add(k)
                values.append(v)
    return {'values': values, 'ok': 1.0}


def cmd_find_and_modify(ctx, cmd):
    name = _coll_name(cmd, next(iter(cmd)))
    query = cmd.get('query') or {}
    remove, update = bool(cmd.get('remove')), cmd.get('update')
    if remove == (update is not None):
        raise CommandError(9, 'Either an update or remove=true must be specified')
    transform = make_projection(cmd.get('fields'))
    coll, docs = _select(ctx, name, query, None, True)
    if cmd.get('sort'):
        docs = sort_docs(docs, cmd['sort'])
    doc = docs[0] if docs else None
    last = {'n': 0}
    value = None
    try:
        if remove:
            if doc is not None:
                key = eq_key(doc['_id'])
                ctx.record(coll, key)
                coll.remove(key)
                last['n'] = 1
                value = doc
        else:
            validate_update(update, False)
            if doc is not None:
                new = apply_update(doc, update, query)
                if changed(doc, new):
                    key = eq_key(doc['_id'])
                    ctx.record(coll, key)
                    coll.replace(key, new)
                last.update(n=1, updatedExisting=True)
                value = new if cmd.get('new') else doc
            elif cmd.get('upsert'):
                new = upsert_document(query, update)
                coll = ctx.ensure(name)
                ctx.wait_free(coll, [new])
                ctx.record(coll, eq_key(new['_id']))
                coll.insert(new)
                last.update(n=1, updatedExisting=False, upserted=new['_id'])
                value = new if cmd.get('new') else None
            else:
                last['updatedExisting'] = False
    except WriteError as e:
        raise CommandError(e.code, e.errmsg, **e.extra)
    if value is not None and transform:
        value = transform(value)
    return {'lastErrorObject': last, 'value': value, 'ok': 1.0}


def cmd_aggregate(ctx, cmd):
    target = cmd['aggregate']
    pipeline = cmd.get('pipeline')
    if not isinstance(pipeline, list):
        raise CommandError(14, "BSON field 'aggregate.pipeline' is the wrong type, expected "
                               "type 'array'")
    if cmd.get('explain'):
        return {'stages': [], 'ok': 1.0}
    cursor_opts = cmd.get('cursor')
    if not isinstance(cursor_opts, dict):
        raise CommandError(9, "The 'cursor' option is required, except for aggregate with the "
                              "explain argument")
    if not isinstance(target, str):
        raise CommandError(115, 'collection-less aggregate is not supported by the docrel '
                                'test server')
    for stage in pipeline:
        stage_name(stage)
    stages = list(pipeline)
    flt = {}
    if stages and '$match' in stages[0]:
        flt = stages.pop(0)['$match']  # run on the collection, with the _id lookup
    _, docs = _select(ctx, target, flt)
    docs = run_stages(docs, stages, Context(ctx.collection))
    batch_size = cursor_opts.get('batchSize')
    ns = '%s.%s' % (ctx.db.name, target)
    return {'cursor': ctx.cursors.first_batch(ns, docs, batch_size), 'ok': 1.0}
