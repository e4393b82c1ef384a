# SPDX-License-Identifier: Apache-2.0
"""Update documents: apply_update(doc, u, query) -> the new document.

The field operators docrel sends ($set, $unset of dotted paths) and the
other scalar ones are applied here with MongoDB 5.0's rules and messages
(new fields in lexicographic order, code 28 PathNotViable, 40 conflicting
paths, 66 immutable _id). Array operators ($push, $addToSet, $pull, $pop,
positional paths) go to mongomock on a one-document scratch collection.
Failures raise errors.WriteError: MongoDB reports them per statement."""

import datetime

import mongomock
from bson.int64 import Int64
from bson.objectid import ObjectId
from bson.timestamp import Timestamp

from bsonvalues import MISSING, bson_equal, clone, eq_key, shell_repr, sort_key
from errors import WriteError

OWN_OPS = {'$set', '$unset', '$setOnInsert', '$inc', '$mul', '$min', '$max',
           '$rename', '$currentDate'}
MONGOMOCK_OPS = {'$push', '$addToSet', '$pull', '$pullAll', '$pop'}
PIPELINE_STAGES = {'$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith'}


def is_operator_update(u):
    return isinstance(u, dict) and bool(u) and next(iter(u)).startswith('$')


def validate_update(u, multi):
    """Checks the shape of an update spec before any document is touched."""
    if isinstance(u, list):
        for stage in u:
            if not isinstance(stage, dict) or len(stage) != 1:
                raise WriteError(9, 'A pipeline stage specification object must contain '
                                    'exactly one field.')
            name = next(iter(stage))
            if name not in PIPELINE_STAGES:
                raise WriteError(72, '%s is not allowed to be used within an update' % name)
        return
    if not isinstance(u, dict):
        raise WriteError(9, 'Update argument must be either an object or an array')
    if is_operator_update(u):
        for op, arg in u.items():
            if op not in OWN_OPS and op not in MONGOMOCK_OPS:
                raise WriteError(9, 'Unknown modifier: %s. Expected a valid update modifier or '
                                    'pipeline-style update specified as an array' % op)
            if not isinstance(arg, dict):
                raise WriteError(9, 'Modifiers operate on fields but we found type %s instead. '
                                    'For example: {$mod: {<field>: ...}} not {%s: %s}'
                                 % (_type_name(arg), op, shell_repr(arg)))
        _check_conflicts(u)
        return
    if multi:
        raise WriteError(9, 'multi update is not supported for replacement-style update')
    for k in u:
        if k.startswith('$'):
            raise WriteError(52, "The dollar ($) prefixed field '%s' in '%s' is not allowed in "
                                 "the context of an update's replacement document. Consider "
                                 "using an aggregation pipeline with $replaceWith." % (k, k))


def _type_name(v):
    """MongoDB's name of the value's BSON type, as its messages say it."""
    if isinstance(v, bool):
        return 'bool'
    if isinstance(v, Int64):
        return 'long'
    if isinstance(v, int):
        return 'int' if -2**31 <= v < 2**31 else 'long'
    if isinstance(v, float):
        return 'double'
    if isinstance(v, str):
        return 'string'
    if isinstance(v, dict):
        return 'object'
    if isinstance(v, list):
        return 'array'
    if v is None:
        return 'null'
    if isinstance(v, ObjectId):
        return 'objectId'
    if isinstance(v, datetime.datetime):
        return 'date'
    if isinstance(v, bytes):
        return 'binData'
    return type(v).__name__


def _check_conflicts(u):
    seen = []
    for op, arg in u.items():
        paths = list(arg.keys())
        if op == '$rename':
            paths += [v for v in arg.values() if isinstance(v, str)]
        for p in paths:
            for q in seen:
                if p == q or p.startswith(q + '.') or q.startswith(p + '.'):
                    shorter = q if len(q) <= len(p) else p
                    raise WriteError(40, "Updating the path '%s' would create a conflict at '%s'"
                                     % (p, shorter))
            seen.append(p)


def apply_update(doc, u, query=None, inserting=False):
    """A new document: doc with update u applied (doc is not modified)."""
    if isinstance(u, list):
        return _apply_pipeline(doc, u)
    if not is_operator_update(u):
        return _replacement(doc, u)
    if any(op in MONGOMOCK_OPS for op in u) or any('$' in p for arg in u.values()
                                                     for p in arg):
        new = _mongomock_update(doc, u, query, inserting)
    else:
        new = clone(doc)
        for op, arg in u.items():
            if op == '$setOnInsert' and not inserting:
                continue
            _OPS[op](new, arg)
    if '_id' in doc and not bson_equal(new.get('_id', MISSING), doc['_id']):
        raise WriteError(66, "Performing an update on the path '_id' would modify the "
                             "immutable field '_id'")
    return new


def _replacement(doc, u):
    new = {'_id': doc['_id']} if '_id' in doc else {}
    for k, v in u.items():
        if k == '_id':
            if '_id' in doc and not bson_equal(v, doc['_id']):
                raise WriteError(66, "After applying the update, the (immutable) field '_id' "
                                     "was found to have been altered to _id: %s" % shell_repr(v))
            new['_id'] = v
        else:
            new[k] = clone(v)
    return new


def _apply_pipeline(doc, stages):
    import pipeline  # late: pipeline imports the query layer
    out = pipeline.run_stages([clone(doc)], stages, None)
    if len(out) != 1:
        raise WriteError(9, 'an update pipeline must produce one document')
    new = out[0]
    if '_id' in doc and not bson_equal(new.get('_id', MISSING), doc['_id']):
        raise WriteError(66, "Performing an update on the path '_id' would modify the "
                             "immutable field '_id'")
    return new


# ---- paths ----

def _path_order(path):
    # MongoDB 5.0 applies fields in lexicographic order, numeric names by number.
    return [(0, int(c), '') if c.isdigit() else (1, 0, c) for c in path.split('.')]


def _parent(doc, path, create):
    """(container, last name) for path; creates missing documents on the
    way when create. None when a part is missing and not create."""
    parts = path.split('.')
    cur = doc
    for i, p in enumerate(parts[:-1]):
        if isinstance(cur, dict):
            nxt = cur.get(p, MISSING)
            if nxt is MISSING:
                if not create:
                    return None
                nxt = cur[p] = {}
        elif isinstance(cur, list):
            if not p.isdigit():
                if not create:
                    return None
                raise WriteError(28, "Cannot create field '%s' in element {%s: %s}"
                                 % (p, parts[i - 1] if i else p, shell_repr(cur)))
            idx = int(p)
            if idx >= len(cur):
                if not create:
                    return None
                cur.extend([None] * (idx + 1 - len(cur)))
            if cur[idx] is None and create:
                cur[idx] = {}
            nxt = cur[idx]
        else:
            return None
        if not isinstance(nxt, (dict, list)):
            if not create:
                return None
            raise WriteError(28, "Cannot create field '%s' in element {%s: %s}"
                             % (parts[i + 1], p, shell_repr(nxt)))
        cur = nxt
    return cur, parts[-1]


def _get(doc, path):
    found = _parent(doc, path, False)
    if found is None:
        return MISSING
    cur, last = found
    if isinstance(cur, dict):
        return cur.get(last, MISSING)
    if isinstance(cur, list) and last.isdigit() and int(last) < len(cur):
        return cur[int(last)]
    return MISSING


def set_path(doc, path, value):
    cur, last = _parent(doc, path, True)
    if isinstance(cur, dict):
        cur[last] = value
    else:
        if not last.isdigit():
            raise WriteError(28, "Cannot create field '%s' in element {%s: %s}"
                             % (last, path.split('.')[-2] if '.' in path else last,
                                shell_repr(cur)))
        idx = int(last)
        if idx >= len(cur):
            cur.extend([None] * (idx + 1 - len(cur)))
        cur[idx] = value


def unset_path(doc, path):
    found = _parent(doc, path, False)
    if found is None:
        return
    cur, last = found
    if isinstance(cur, dict):
        cur.pop(last, None)
    elif isinstance(cur, list) and last.isdigit() and int(last) < len(cur):
        cur[int(last)] = None  # MongoDB leaves a null in the array


# ---- operators ----

def _op_set(doc, arg):
    for path in sorted(arg, key=_path_order):
        set_path(doc, path, clone(arg[path]))


def _op_unset(doc, arg):
    for path in arg:
        unset_path(doc, path)


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _arith(op_name, verb, fn, zero):
    def op(doc, arg):
        for path in sorted(arg, key=_path_order):
            by = arg[path]
            if not _is_number(by):
                raise WriteError(14, 'Cannot %s with non-numeric argument: {%s: %s}'
                                 % (verb, path, shell_repr(by)))
            cur = _get(doc, path)
            if cur is MISSING:
                set_path(doc, path, zero(by))
                continue
            if not _is_number(cur):
                raise WriteError(14, "Cannot apply %s to a value of non-numeric type. {_id: %s} "
                                     "has the field '%s' of non-numeric type %s"
                                 % (op_name, shell_repr(doc.get('_id')), path.split('.')[-1],
                                    _type_name(cur)))
            result = fn(cur, by)
            if isinstance(result, int) and (isinstance(cur, Int64) or isinstance(by, Int64)):
                result = Int64(result)
            set_path(doc, path, result)
    return op


def _minmax(pick_new):
    def op(doc, arg):
        for path in sorted(arg, key=_path_order):
            v = arg[path]
            cur = _get(doc, path)
            if cur is MISSING or pick_new(sort_key(v), sort_key(cur)):
                set_path(doc, path, clone(v))
    return op


def _op_rename(doc, arg):
    for src, dst in arg.items():
        if not isinstance(dst, str):
            raise WriteError(2, 'The \'to\' field for $rename must be a string: %s: %s'
                             % (src, shell_repr(dst)))
        if src == '_id' or dst == '_id':
            raise WriteError(66, "Performing an update on the path '_id' would modify the "
                                 "immutable field '_id'")
        v = _get(doc, src)
        if v is MISSING:
            continue
        unset_path(doc, src)
        set_path(doc, dst, v)


def _op_current_date(doc, arg):
    now = datetime.datetime.utcnow()
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    for path, spec in arg.items():
        if isinstance(spec, dict) and spec.get('$type') == 'timestamp':
            set_path(doc, path, Timestamp(now, 1))
        else:
            set_path(doc, path, now)


_OPS = {
    '$set': _op_set,
    '$setOnInsert': _op_set,
    '$unset': _op_unset,
    '$inc': _arith('$inc', 'increment', lambda a, b: a + b, lambda b: b),
    '$mul': _arith('$mul', 'multiply', lambda a, b: a * b, lambda b: 0.0 if isinstance(b, float) else 0),
    '$min': _minmax(lambda new, cur: new < cur),
    '$max': _minmax(lambda new, cur: new > cur),
    '$rename': _op_rename,
    '$currentDate': _op_current_date,
}


# ---- mongomock for the array operators ----

_scratch = mongomock.MongoClient().get_database('scratch').get_collection('doc')


def _mongomock_update(doc, u, query, inserting):
    _scratch.delete_many({})
    _scratch.insert_one(clone(doc))
    spec = {}
    if query and any('$' in p.replace('$[]', '') for arg in u.values() for p in arg):
        spec = query  # the positional $ needs the query that matched
    if not inserting:
        u = {k: v for k, v in u.items() if k != '$setOnInsert'}
    try:
        _scratch.update_one(spec, u)
    except mongomock.WriteError as e:
        raise WriteError(getattr(e, 'code', None) or 2, str(e))
    except mongomock.OperationFailure as e:
        raise WriteError(getattr(e, 'code', None) or 2, str(e))
    except (ValueError, KeyError, TypeError, IndexError) as e:
        raise WriteError(2, 'update failed: %s' % e)
    except NotImplementedError as e:
        raise WriteError(2, 'not supported by the docrel test server: %s' % e)
    new = _scratch.find_one({})
    if new is None:
        raise WriteError(2, 'update failed')
    if '_id' in doc:  # keep _id first, as the stored document had it
        new = dict([('_id', new.pop('_id'))] + list(new.items()))
    return new


# ---- upserts ----

def upsert_seed(query):
    """The document an upsert starts from: the query's equality fields."""
    doc = {}
    _collect_equalities(query or {}, doc)
    if '_id' not in doc:
        doc = dict([('_id', ObjectId())] + list(doc.items()))
    else:
        doc = dict([('_id', doc.pop('_id'))] + list(doc.items()))
    return doc


def _collect_equalities(query, doc):
    for k, v in query.items():
        if k == '$and' and isinstance(v, list):
            for sub in v:
                if isinstance(sub, dict):
                    _collect_equalities(sub, doc)
            continue
        if k.startswith('$'):
            continue
        if isinstance(v, dict) and v and next(iter(v)).startswith('$'):
            if '$eq' in v:
                set_path(doc, k, clone(v['$eq']))
            continue
        if hasattr(v, 'pattern'):
            continue
        set_path(doc, k, clone(v))


def upsert_document(query, u):
    """The document an upsert inserts, or raises WriteError."""
    seed = upsert_seed(query)
    if isinstance(u, list):
        return _apply_pipeline(seed, u)
    if is_operator_update(u):
        new = apply_update(seed, u, None, inserting=True)
        return new
    new = {'_id': u['_id'] if '_id' in u else seed['_id']}
    for k, v in u.items():
        if k != '_id':
            new[k] = clone(v)
    return new


def changed(old, new):
    return eq_key(old) != eq_key(new)
