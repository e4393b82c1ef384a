# SPDX-License-Identifier: Apache-2.0
"""$setWindowFields (MongoDB 5.0), which mongomock lacks.

Documents come out grouped by partition (partitions in BSON order of their
partitionBy value, as MongoDB sorts them) and sorted by sortBy within each.
Supported outputs: $documentNumber, $rank, $denseRank (with MongoDB's
rule: a sortBy of exactly one field), $shift, and every accumulator of
accumulators.py over a 'documents' window (default: the whole partition).
'range' windows are not supported."""

from accumulators import factory
from bsonvalues import MISSING, clone, eq_key, sort_key
from errors import CommandError
from exprs import evaluate
from sorting import key_function, parse_sort
from updates import set_path

_RANKS = ('$documentNumber', '$rank', '$denseRank')


def set_window_fields_stage(docs, spec):
    if not isinstance(spec, dict) or not isinstance(spec.get('output'), dict):
        raise CommandError(40414, "BSON field '$setWindowFields.output' is missing but a "
                                  "required field")
    for k in spec:
        if k not in ('partitionBy', 'sortBy', 'output'):
            raise CommandError(40415, "BSON field '$setWindowFields.%s' is an unknown field." % k)
    pairs = parse_sort(spec['sortBy']) if 'sortBy' in spec else []
    outputs = [_parse_output(name, out, pairs) for name, out in spec['output'].items()]

    partitions = {}
    part_by = spec.get('partitionBy')
    for doc in docs:
        pv = evaluate(part_by, doc) if part_by is not None else None
        if pv is MISSING:
            pv = None
        partitions.setdefault(eq_key(pv), (pv, []))[1].append(doc)
    ordered = sorted(partitions.values(), key=lambda p: sort_key(p[0]))

    key = key_function(pairs) if pairs else None
    result = []
    for _, members in ordered:
        if key:
            members = sorted(members, key=key)
        keys = [key(d) for d in members] if key else None
        values = [compute(members, keys) for _, compute in outputs]
        for i, doc in enumerate(members):
            new = dict(doc)
            for (name, _), vals in zip(outputs, values):
                if '.' in name:
                    new = clone(new)
                    set_path(new, name, vals[i])
                else:
                    new[name] = vals[i]
            result.append(new)
    return result


def _parse_output(name, out, pairs):
    if not isinstance(out, dict):
        raise CommandError(40415, "The field '%s' must be an object" % name)
    window = out.get('window')
    ops = [k for k in out if k != 'window']
    if len(ops) != 1:
        raise CommandError(5397906, 'Expected exactly one operator in $setWindowFields output '
                                    "'%s'" % name)
    op = ops[0]
    arg = out[op]
    if op in _RANKS:
        # MongoDB: no window, {} as the value, and a sortBy of exactly one
        # field (a compound order needs {$sum: 1, window: {documents:
        # ['unbounded', 'current']}} instead, which counts the same way).
        if window is not None:
            raise CommandError(5371601, 'Rank style window functions take no other arguments')
        if arg != {}:
            raise CommandError(5371603, "%s must be specified with '{}' as the value" % op)
        if len(pairs) != 1:
            raise CommandError(5371602, '%s must be specified with a top level sortBy '
                                        'expression with exactly one element' % op)
        return name, _rank_fn(op)
    if op == '$shift':
        if window is not None:
            raise CommandError(9, "'window' field is not allowed in $shift")
        return name, _shift_fn(arg, pairs)
    make = factory(op, arg)
    lo, hi = _bounds(window)
    if window is not None and not pairs:
        raise CommandError(9, 'Document-based bounds require a sortBy')
    return name, _window_fn(make, lo, hi)


def _rank_fn(op):
    def compute(members, keys):
        out = []
        rank = dense = 0
        prev = MISSING
        for i, k in enumerate(keys):
            if i == 0 or not (k == prev):
                rank = i + 1
                dense += 1
            prev = k
            out.append(i + 1 if op == '$documentNumber' else rank if op == '$rank' else dense)
        return out
    return compute


def _shift_fn(arg, pairs):
    if not isinstance(arg, dict) or 'output' not in arg or 'by' not in arg:
        raise CommandError(5424302, "$shift requires 'output' and 'by'")
    if not pairs:
        raise CommandError(9, "'$shift' requires a sortBy")
    by = int(arg['by'])
    default = arg.get('default')

    def compute(members, keys):
        out = []
        for i in range(len(members)):
            j = i + by
            if 0 <= j < len(members):
                v = evaluate(arg['output'], members[j])
                out.append(None if v is MISSING else v)
            else:
                out.append(default)
        return out
    return compute


def _bounds(window):
    if window is None:
        return None, None
    if not isinstance(window, dict) or set(window) - {'documents'}:
        raise CommandError(115, "only 'documents' windows are supported by the docrel test server")
    docs = window.get('documents')
    if not isinstance(docs, list) or len(docs) != 2:
        raise CommandError(5371604, "Window bounds must be a 2-element array: 'documents'")

    def bound(b):
        if b == 'unbounded':
            return None
        if b == 'current':
            return 0
        if isinstance(b, bool) or not isinstance(b, (int, float)) or b != int(b):
            raise CommandError(5371605, 'Numeric document-based bounds must be an integer')
        return int(b)
    return bound(docs[0]), bound(docs[1])


def _window_fn(make, lo, hi):
    def compute(members, keys):
        n = len(members)
        if lo is None and hi is None:
            acc = make()
            for d in members:
                acc.add(d)
            v = acc.result()
            return [v] * n
        out = []
        for i in range(n):
            a = 0 if lo is None else max(0, i + lo)
            b = n - 1 if hi is None else min(n - 1, i + hi)
            acc = make()
            for d in members[a:b + 1]:
                acc.add(d)
            out.append(acc.result())
        return out
    return compute
