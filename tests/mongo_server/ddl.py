# SPDX-License-Identifier: Apache-2.0
"""Namespace and index commands: create, drop, dropDatabase,
listCollections, listDatabases, createIndexes, listIndexes, dropIndexes,
collStats, dbStats. Handlers take (ctx, cmd) and return the reply."""

import uuid

import bson

from bsonvalues import shell_repr
from errors import CommandError, NAMESPACE_NOT_FOUND, WriteError
from fields import GENERIC, check_collation, check_index_spec
from matcher import compile_filter
from store import Index, default_index_name


def _name(cmd, field):
    v = cmd.get(field)
    if not isinstance(v, str) or not v:
        raise CommandError(73, "Invalid namespace specified '%s'" % v)
    if v.startswith('system.') or '$' in v:
        raise CommandError(73, "Invalid collection name: %s" % v)
    return v


# create's options on MongoDB 5.0; the server makes plain collections only,
# so any of these fails with 115 rather than be ignored.
CREATE_OPTIONS = {'capped', 'autoIndexId', 'idIndex', 'size', 'max', 'storageEngine',
                  'validator', 'validationLevel', 'validationAction', 'indexOptionDefaults',
                  'viewOn', 'pipeline', 'collation', 'timeseries', 'clusteredIndex',
                  'expireAfterSeconds', 'encryptedFields', 'changeStreamPreAndPostImages',
                  'recordPreImages', 'temp', 'flags'}


def _check_create_options(cmd):
    for k in cmd:
        if k == 'create' or k in GENERIC:
            continue
        if k not in CREATE_OPTIONS:
            raise CommandError(40415, "BSON field 'create.%s' is an unknown field." % k)
        if k == 'collation':
            check_collation(cmd)
        elif k == 'autoIndexId' and cmd[k] is True:
            pass  # what every collection has
        else:
            raise CommandError(115, "create option '%s' is not supported by the docrel test "
                                    "server (views, capped, validated, clustered and time "
                                    "series collections are not implemented)" % k)


def cmd_create(ctx, cmd):
    name = _name(cmd, 'create')
    _check_create_options(cmd)
    if ctx.collection(name) is not None:
        raise CommandError(48, 'Collection %s.%s already exists.' % (ctx.db.name, name))
    ctx.ensure(name)
    return {'ok': 1.0}


def cmd_drop(ctx, cmd):
    name = _name(cmd, 'drop')
    ctx.freeze(name)
    coll = ctx.db.drop(name)
    if coll is None:
        raise CommandError(NAMESPACE_NOT_FOUND, 'ns not found')
    ctx.cursors.drop_namespace(coll.ns)
    return {'nIndexesWas': 1 + len(coll.indexes), 'ns': coll.ns, 'ok': 1.0}


def cmd_drop_database(ctx, cmd):
    for name in list(ctx.db.collections):
        ctx.freeze(name)
    ctx.store.drop_database(ctx.db.name)
    ctx.cursors.drop_namespace(ctx.db.name)
    return {'dropped': ctx.db.name, 'ok': 1.0}


def cmd_list_collections(ctx, cmd):
    pred = compile_filter(cmd.get('filter') or {})
    name_only = bool(cmd.get('nameOnly'))
    docs = []
    db = ctx.store.databases.get(ctx.db.name)
    for coll in (db.collections.values() if db else ()):
        d = {'name': coll.name, 'type': 'collection'}
        if not name_only:
            d['options'] = {}
            d['info'] = {'readOnly': False, 'uuid': coll.uuid}
            d['idIndex'] = coll.id_index_spec()
        if pred(d):
            docs.append(d)
    batch = (cmd.get('cursor') or {}).get('batchSize')
    ns = '%s.$cmd.listCollections' % ctx.db.name
    return {'cursor': ctx.cursors.first_batch(ns, docs, batch), 'ok': 1.0}


def _size(db):
    return sum(len(bson.encode(d)) for c in db.collections.values() for d in c.docs.values())


def cmd_list_databases(ctx, cmd):
    pred = compile_filter(cmd.get('filter') or {})
    name_only = bool(cmd.get('nameOnly'))
    out = []
    total = 0
    for db in ctx.store.databases.values():
        if not db.collections:
            continue
        d = {'name': db.name}
        if not name_only:
            size = _size(db)
            total += size
            d.update(sizeOnDisk=size, empty=all(not c.docs for c in db.collections.values()))
        if pred(d):
            out.append(d)
    reply = {'databases': out}
    if not name_only:
        reply['totalSize'] = total
    reply['ok'] = 1.0
    return reply


# ---- indexes ----

_OPTION_KEYS = ('unique', 'sparse', 'partialFilterExpression', 'expireAfterSeconds',
                'collation', 'hidden')


def _index_spec(raw):
    """The stored form of one createIndexes entry, checked as MongoDB does."""
    if not isinstance(raw, dict):
        raise CommandError(14, "BSON field 'createIndexes.indexes.0' is the wrong type")
    check_index_spec(raw)
    check_collation(raw)
    key = raw.get('key')
    if not isinstance(key, dict) or not key:
        raise CommandError(67, 'Index keys cannot be empty.' if isinstance(key, dict)
                           else "The 'key' field is a required property of an index "
                                "specification")
    for path, d in key.items():
        if isinstance(d, str):
            continue
        if isinstance(d, bool) or not isinstance(d, (int, float)) or d == 0:
            raise CommandError(67, "Values in the index key pattern can only be numbers or "
                                   "strings, got %s: %r" % (path, d))
    name = raw.get('name') or default_index_name(list(key.items()))
    if not isinstance(name, str):
        raise CommandError(14, "The field 'name' must be a string")
    if name == '_id_' and list(key) != ['_id']:
        raise CommandError(67, 'The index name \'_id_\' is reserved for the _id index')
    spec = {'v': 2, 'key': dict(key), 'name': name}
    for k in _OPTION_KEYS:
        if k in raw and raw[k] is not None and raw[k] is not False:
            spec[k] = raw[k]
    if spec.get('partialFilterExpression') is not None:
        compile_filter(spec['partialFilterExpression'])
    return spec


def _same_options(a, b):
    return all(a.get(k) == b.get(k) for k in _OPTION_KEYS)


def _shown(spec):
    return shell_repr(spec)


def cmd_create_indexes(ctx, cmd):
    name = _name(cmd, 'createIndexes')
    raws = cmd.get('indexes')
    if not isinstance(raws, list) or not raws:
        raise CommandError(2, 'Must specify at least one index to create')
    specs = [_index_spec(r) for r in raws]
    created = ctx.collection(name) is None
    coll = ctx.ensure(name)
    before = 1 + len(coll.indexes)
    todo = []
    for spec in specs:
        if spec['name'] == '_id_':
            continue
        existing = coll.indexes.get(spec['name'])
        if existing is not None:
            if list(existing.spec['key'].items()) != list(spec['key'].items()):
                raise CommandError(86, 'An existing index has the same name as the requested '
                                       'index. When index names are not specified, they are auto '
                                       'generated and can cause conflicts. Please refer to our '
                                       'documentation. Requested index: %s, existing index: %s'
                                   % (_shown(spec), _shown(existing.spec)))
            if not _same_options(existing.spec, spec):
                raise CommandError(85, 'An equivalent index already exists with the same name '
                                       'but different options. Requested index: %s, existing '
                                       'index: %s' % (_shown(spec), _shown(existing.spec)))
            continue
        for other in coll.indexes.values():
            if list(other.spec['key'].items()) == list(spec['key'].items()) and \
                    _same_options(other.spec, spec):
                raise CommandError(85, 'Index already exists with a different name: %s'
                                   % other.name)
        todo.append(spec)
    if todo and ctx.txn is not None and (ctx.db.name, name) not in ctx.txn.created:
        raise CommandError(263, 'Cannot create new indexes on existing collection %s in a '
                                'multi-document transaction.' % coll.ns)
    if todo and ctx.txn is None:
        ctx.freeze(name)
    for spec in todo:
        try:
            coll.add_index(Index(spec))
        except WriteError as e:
            raise CommandError(e.code, 'Index build failed: %s: Collection %s :: caused by :: %s'
                               % (uuid.UUID(bytes=bytes(coll.uuid)), coll.ns, e.errmsg),
                               **e.extra)
    reply = {'numIndexesBefore': before, 'numIndexesAfter': 1 + len(coll.indexes),
             'createdCollectionAutomatically': created}
    if not todo:
        reply['note'] = 'all indexes already exist'
    reply['ok'] = 1.0
    return reply


def cmd_list_indexes(ctx, cmd):
    name = _name(cmd, 'listIndexes')
    coll = ctx.db.get(name)
    if coll is None:
        raise CommandError(NAMESPACE_NOT_FOUND, 'ns does not exist: %s.%s' % (ctx.db.name, name))
    batch = (cmd.get('cursor') or {}).get('batchSize')
    ns = '%s.$cmd.listIndexes' % ctx.db.name
    return {'cursor': ctx.cursors.first_batch(ns, coll.index_specs(), batch), 'ok': 1.0}


def cmd_drop_indexes(ctx, cmd):
    name = _name(cmd, next(iter(cmd)))
    coll = ctx.db.get(name)
    if coll is None:
        raise CommandError(NAMESPACE_NOT_FOUND, 'ns not found %s.%s' % (ctx.db.name, name))
    which = cmd.get('index')
    was = 1 + len(coll.indexes)
    ctx.freeze(name)
    if which == '*':
        coll.indexes.clear()
    else:
        names = which if isinstance(which, list) else [which]
        drop = []
        for w in names:
            if isinstance(w, dict):
                found = [ix.name for ix in coll.indexes.values()
                         if list(ix.spec['key'].items()) == list(w.items())]
                if not found:
                    if list(w) == ['_id']:
                        raise CommandError(72, 'cannot drop _id index')
                    raise CommandError(27, "can't find index with key: %s" % _shown(w))
                drop.extend(found)
            elif w == '_id_':
                raise CommandError(72, 'cannot drop _id index')
            elif isinstance(w, str) and w in coll.indexes:
                drop.append(w)
            else:
                raise CommandError(27, 'index not found with name [%s]' % w)
        for n in drop:
            coll.indexes.pop(n, None)
    return {'nIndexesWas': was, 'ok': 1.0}


def cmd_coll_stats(ctx, cmd):
    name = _name(cmd, 'collStats')
    coll = ctx.db.get(name)
    if coll is None:
        raise CommandError(NAMESPACE_NOT_FOUND, 'ns not found')
    size = sum(len(bson.encode(d)) for d in coll.docs.values())
    return {'ns': coll.ns, 'count': len(coll.docs), 'size': size,
            'nindexes': 1 + len(coll.indexes), 'ok': 1.0}


def cmd_db_stats(ctx, cmd):
    db = ctx.store.databases.get(ctx.db.name)
    colls = list(db.collections.values()) if db else []
    return {'db': ctx.db.name, 'collections': len(colls),
            'objects': sum(len(c.docs) for c in colls),
            'dataSize': _size(db) if db else 0, 'ok': 1.0}
