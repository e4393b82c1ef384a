# SPDX-License-Identifier: Apache-2.0
"""Aggregation pipelines: run_stages(docs, stages, ctx) -> documents.

Stages implemented here: $match, $sort, $skip, $limit, $count, $unset,
$replaceRoot, $replaceWith, $group (accumulators.py), $setWindowFields
(windows.py), $sortByCount, $facet, and the equality form of $lookup.
$project, $addFields / $set, $unwind, $bucket and $sample go to mongomock,
one stage at a time, on copies of the documents (mongomock changes nested
documents in place and the input documents are the stored ones)."""

from mongomock import OperationFailure as MMOperationFailure
from mongomock import aggregate as mm_aggregate

from accumulators import group_stage
from bsonvalues import MISSING, clone, eq_key, leaf_values
from errors import CommandError
from exprs import evaluate
from matcher import compile_filter
from sorting import sort_docs
from windows import set_window_fields_stage

MONGOMOCK_STAGES = {'$project', '$addFields', '$set', '$unwind', '$bucket', '$sample'}
UNSUPPORTED_STAGES = {'$out', '$merge', '$geoNear', '$graphLookup', '$bucketAuto',
                      '$collStats', '$indexStats', '$redact', '$densify', '$fill',
                      '$unionWith', '$currentOp', '$listSessions', '$listLocalSessions',
                      '$planCacheStats', '$documents', '$search', '$changeStream'}


class Context:
    """What $lookup needs: collection(name), the aggregate's database's
    collection as the command sees it (a transaction: its snapshot)."""

    def __init__(self, collection):
        self.collection = collection


def stage_name(stage):
    if not isinstance(stage, dict) or len(stage) != 1:
        raise CommandError(40323, 'A pipeline stage specification object must contain '
                                  'exactly one field.')
    return next(iter(stage))


def run_stages(docs, stages, ctx):
    owned = False  # True once docs are copies this pipeline may change
    for stage in stages:
        name = stage_name(stage)
        arg = stage[name]
        if name in MONGOMOCK_STAGES:
            if not owned:
                docs = [clone(d) for d in docs]
                owned = True
            docs = _mongomock_stage(docs, name, arg)
            continue
        handler = _HANDLERS.get(name)
        if handler is None:
            if name in UNSUPPORTED_STAGES:
                raise CommandError(115, '%s is not supported by the docrel test server' % name)
            raise CommandError(40324, "Unrecognized pipeline stage name: '%s'" % name)
        docs = handler(docs, arg, ctx)
    return docs


def _mongomock_stage(docs, name, arg):
    try:
        return list(mm_aggregate.process_pipeline(docs, None, [{name: arg}], None))
    except MMOperationFailure as e:
        raise CommandError(getattr(e, 'code', None) or 2, str(e))
    except NotImplementedError as e:
        raise CommandError(115, 'not supported by the docrel test server: %s' % e)
    except (ValueError, KeyError, TypeError) as e:
        raise CommandError(2, 'Invalid %s :: caused by :: %s' % (name, e))


def _match(docs, arg, ctx):
    pred = compile_filter(arg)
    return [d for d in docs if pred(d)]


def _sort(docs, arg, ctx):
    if not isinstance(arg, dict) or not arg:
        raise CommandError(15976, '$sort stage must have at least one sort key')
    return sort_docs(docs, arg)


def _count_arg(arg, name):
    if isinstance(arg, bool) or not isinstance(arg, (int, float)) or arg != int(arg):
        raise CommandError(15957 if name == '$limit' else 15972,
                           'the %s must be specified as a number' % name[1:])
    return int(arg)


def _skip(docs, arg, ctx):
    n = _count_arg(arg, '$skip')
    if n < 0:
        raise CommandError(15956, 'Argument to $skip cannot be negative')
    return docs[n:]


def _limit(docs, arg, ctx):
    n = _count_arg(arg, '$limit')
    if n <= 0:
        raise CommandError(15958, 'the limit must be positive')
    return docs[:n]


def _count(docs, arg, ctx):
    if not isinstance(arg, str) or not arg:
        raise CommandError(40156, 'the count field must be a non-empty string')
    if arg.startswith('$'):
        raise CommandError(40158, 'the count field cannot be a $-prefixed path')
    if '.' in arg:
        raise CommandError(40160, "the count field cannot contain '.'")
    return [{arg: len(docs)}] if docs else []


def _unset_in(v, parts):
    """Removes parts from v, reaching into arrays of documents."""
    if isinstance(v, list):
        for e in v:
            _unset_in(e, parts)
    elif isinstance(v, dict):
        if len(parts) == 1:
            v.pop(parts[0], None)
        elif parts[0] in v:
            _unset_in(v[parts[0]], parts[1:])


def _unset(docs, arg, ctx):
    paths = [arg] if isinstance(arg, str) else arg
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
        raise CommandError(31002, '$unset specification must be a string or an array '
                                  'containing only string values')
    split = [p.split('.') for p in paths]
    out = []
    for d in docs:
        d = clone(d)
        for parts in split:
            _unset_in(d, parts)
        out.append(d)
    return out


def _replace_with(docs, expr, ctx):
    out = []
    for d in docs:
        v = evaluate(expr, d)
        if not isinstance(v, dict):
            raise CommandError(40228, "'replacement document' must evaluate to an object, but "
                                      "resulting value was: %s. Type of resulting value: '%s'."
                               % ('MISSING' if v is MISSING else repr(v),
                                  'missing' if v is MISSING else type(v).__name__))
        out.append(v)
    return out


def _replace_root(docs, arg, ctx):
    if not isinstance(arg, dict) or 'newRoot' not in arg:
        raise CommandError(40231, "no newRoot specified for the $replaceRoot stage")
    return _replace_with(docs, arg['newRoot'], ctx)


def _group(docs, arg, ctx):
    return group_stage(docs, arg)


def _windows(docs, arg, ctx):
    return set_window_fields_stage(docs, arg)


def _sort_by_count(docs, arg, ctx):
    grouped = group_stage(docs, {'_id': arg, 'count': {'$sum': 1}})
    return sort_docs(grouped, {'count': -1})


def _facet(docs, arg, ctx):
    if not isinstance(arg, dict) or not arg:
        raise CommandError(40169, 'the $facet specification must be a non-empty object')
    return [{name: run_stages(list(docs), sub, ctx) for name, sub in arg.items()}]


def _lookup(docs, arg, ctx):
    if not isinstance(arg, dict):
        raise CommandError(40319, 'the $lookup stage specification must be an object')
    if 'pipeline' in arg or 'let' in arg:
        raise CommandError(115, '$lookup with a pipeline is not supported by the docrel test server')
    for k in ('from', 'localField', 'foreignField', 'as'):
        if not isinstance(arg.get(k), str):
            raise CommandError(4572, "missing '%s' option to $lookup stage specification" % k)
    coll = ctx.collection(arg['from']) if ctx else None
    by_key = {}
    for f in (coll.docs.values() if coll else ()):
        for v in leaf_values(f, arg['foreignField']):
            by_key.setdefault(eq_key(None if v is MISSING else v), {})[id(f)] = f
    out = []
    for d in docs:
        found = {}
        for v in leaf_values(d, arg['localField']):
            found.update(by_key.get(eq_key(None if v is MISSING else v), {}))
        new = dict(d)
        new[arg['as']] = list(found.values())
        out.append(new)
    return out


_HANDLERS = {
    '$match': _match,
    '$sort': _sort,
    '$skip': _skip,
    '$limit': _limit,
    '$count': _count,
    '$unset': _unset,
    '$replaceWith': _replace_with,
    '$replaceRoot': _replace_root,
    '$group': _group,
    '$setWindowFields': _windows,
    '$sortByCount': _sort_by_count,
    '$facet': _facet,
    '$lookup': _lookup,
}
