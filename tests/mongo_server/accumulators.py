# SPDX-License-Identifier: Apache-2.0
"""Group accumulators, shared by $group and $setWindowFields.

mongomock's $group lacks $count, $top/$bottom(N), $first/$last/$min/$maxN
and keeps no group order, so $group is done here: factory(op, arg)
returns a function that makes a fresh accumulator (add(doc), result())."""

import math

from bson.int64 import Int64

from bsonvalues import MISSING, eq_key, sort_key
from errors import CommandError
from exprs import evaluate
from sorting import key_function, parse_sort


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class _Sum:
    def __init__(self, arg):
        self.arg, self.total, self.long, self.float = arg, 0, False, False

    def add(self, doc):
        v = evaluate(self.arg, doc)
        if _is_number(v):
            self.total += v
            self.long |= isinstance(v, Int64)
            self.float |= isinstance(v, float)

    def result(self):
        if self.float:
            return float(self.total)
        if self.long or not -2**31 <= self.total < 2**31:
            return Int64(self.total)
        return self.total


class _Avg:
    def __init__(self, arg):
        self.arg, self.total, self.n = arg, 0, 0

    def add(self, doc):
        v = evaluate(self.arg, doc)
        if _is_number(v):
            self.total += v
            self.n += 1

    def result(self):
        return self.total / self.n if self.n else None


class _MinMax:
    def __init__(self, arg, want_max):
        self.arg, self.want_max, self.best, self.key = arg, want_max, MISSING, None

    def add(self, doc):
        v = evaluate(self.arg, doc)
        if v is MISSING or v is None:
            return
        k = sort_key(v)
        if self.best is MISSING or (k > self.key if self.want_max else k < self.key):
            self.best, self.key = v, k

    def result(self):
        return None if self.best is MISSING else self.best


class _FirstLast:
    def __init__(self, arg, last):
        self.arg, self.last, self.value, self.seen = arg, last, None, False

    def add(self, doc):
        if self.seen and not self.last:
            return
        v = evaluate(self.arg, doc)
        self.value = None if v is MISSING else v
        self.seen = True

    def result(self):
        return self.value


class _Push:
    def __init__(self, arg, unique):
        self.arg, self.unique, self.values, self.keys = arg, unique, [], set()

    def add(self, doc):
        v = evaluate(self.arg, doc)
        if v is MISSING:
            return
        if self.unique:
            k = eq_key(v)
            if k in self.keys:
                return
            self.keys.add(k)
        self.values.append(v)

    def result(self):
        return self.values


class _Merge:
    def __init__(self, arg):
        self.arg, self.doc = arg, {}

    def add(self, doc):
        v = evaluate(self.arg, doc)
        if isinstance(v, dict):
            self.doc.update(v)
        elif v is not MISSING and v is not None:
            raise CommandError(40400, '$mergeObjects requires object inputs, but input %r is '
                                      'of type %s' % (v, type(v).__name__))

    def result(self):
        return self.doc


class _Count:
    def __init__(self, arg):
        self.n = 0

    def add(self, doc):
        self.n += 1

    def result(self):
        return self.n


class _StdDev:
    def __init__(self, arg, sample):
        self.arg, self.sample, self.values = arg, sample, []

    def add(self, doc):
        v = evaluate(self.arg, doc)
        if _is_number(v):
            self.values.append(float(v))

    def result(self):
        n = len(self.values)
        if n == 0 or (self.sample and n == 1):
            return None
        mean = sum(self.values) / n
        var = sum((x - mean) ** 2 for x in self.values) / (n - 1 if self.sample else n)
        return math.sqrt(var)


def _n_of(spec, op):
    n = spec.get('n')
    if isinstance(n, bool) or not isinstance(n, (int, float)) or n != int(n) or n < 1:
        raise CommandError(5787908, "Value for 'n' must be a positive integral value: %s" % op)
    return int(n)


class _FirstLastN:
    """$firstN / $lastN: {input, n}."""

    def __init__(self, spec, last, op):
        self.input, self.n, self.last, self.values = spec.get('input'), _n_of(spec, op), last, []

    def add(self, doc):
        if not self.last and len(self.values) >= self.n:
            return
        v = evaluate(self.input, doc)
        self.values.append(None if v is MISSING else v)
        if self.last and len(self.values) > self.n:
            self.values.pop(0)

    def result(self):
        return self.values


class _MinMaxN:
    """$minN / $maxN: {input, n}; null and missing are ignored."""

    def __init__(self, spec, want_max, op):
        self.input, self.n, self.want_max, self.items = (
            spec.get('input'), _n_of(spec, op), want_max, [])

    def add(self, doc):
        v = evaluate(self.input, doc)
        if v is not MISSING and v is not None:
            self.items.append((sort_key(v), len(self.items), v))

    def result(self):
        if self.want_max:
            ordered = sorted(self.items, key=lambda t: (t[0], -t[1]), reverse=True)
        else:
            ordered = sorted(self.items, key=lambda t: (t[0], t[1]))
        return [v for _, _, v in ordered[:self.n]]


class _TopBottom:
    """$top / $bottom / $topN / $bottomN: {sortBy, output, n?}."""

    def __init__(self, spec, bottom, many, op):
        if 'sortBy' not in spec or 'output' not in spec:
            raise CommandError(5788005, "Missing value for 'sortBy' or 'output' in %s" % op)
        self.key = key_function(parse_sort(spec['sortBy']))
        self.output, self.bottom, self.many = spec['output'], bottom, many
        self.n = _n_of(spec, op) if many else 1
        self.items = []

    def add(self, doc):
        v = evaluate(self.output, doc)
        self.items.append((self.key(doc), len(self.items), None if v is MISSING else v))

    def result(self):
        ordered = sorted(self.items, key=lambda t: (t[0], t[1]))
        picked = ordered[-self.n:] if self.bottom else ordered[:self.n]
        values = [v for _, _, v in picked]
        if self.many:
            return values
        return values[0] if values else None


def factory(op, arg):
    """A function making a fresh accumulator for {op: arg}; CommandError
    15952 for an unknown operator."""
    simple = {
        '$sum': lambda: _Sum(arg),
        '$avg': lambda: _Avg(arg),
        '$min': lambda: _MinMax(arg, False),
        '$max': lambda: _MinMax(arg, True),
        '$first': lambda: _FirstLast(arg, False),
        '$last': lambda: _FirstLast(arg, True),
        '$push': lambda: _Push(arg, False),
        '$addToSet': lambda: _Push(arg, True),
        '$mergeObjects': lambda: _Merge(arg),
        '$count': lambda: _Count(arg),
        '$stdDevPop': lambda: _StdDev(arg, False),
        '$stdDevSamp': lambda: _StdDev(arg, True),
    }
    if op in simple:
        return simple[op]
    spec_ops = {
        '$firstN': lambda: _FirstLastN(arg, False, op),
        '$lastN': lambda: _FirstLastN(arg, True, op),
        '$minN': lambda: _MinMaxN(arg, False, op),
        '$maxN': lambda: _MinMaxN(arg, True, op),
        '$top': lambda: _TopBottom(arg, False, False, op),
        '$bottom': lambda: _TopBottom(arg, True, False, op),
        '$topN': lambda: _TopBottom(arg, False, True, op),
        '$bottomN': lambda: _TopBottom(arg, True, True, op),
    }
    if op in spec_ops:
        if not isinstance(arg, dict):
            raise CommandError(5787801, '%s must be specified as an object' % op)
        spec_ops[op]()  # validate n and sortBy now, not at the first document
        return spec_ops[op]
    raise CommandError(15952, "unknown group operator '%s'" % op)


def group_stage(docs, spec):
    """$group, groups in order of first appearance."""
    if not isinstance(spec, dict) or '_id' not in spec:
        raise CommandError(15955, 'a group specification must include an _id')
    id_expr = spec['_id']
    fields = []
    for name, acc in spec.items():
        if name == '_id':
            continue
        if '.' in name:
            raise CommandError(40235, "The field name '%s' cannot contain '.'" % name)
        if not isinstance(acc, dict) or len(acc) != 1:
            raise CommandError(40234, "The field '%s' must be an accumulator object" % name)
        (op, arg), = acc.items()
        fields.append((name, factory(op, arg)))
    groups = {}
    for doc in docs:
        gid = evaluate(id_expr, doc)
        if gid is MISSING:
            gid = None
        k = eq_key(gid)
        g = groups.get(k)
        if g is None:
            g = groups[k] = (gid, [(name, make()) for name, make in fields])
        for _, acc in g[1]:
            acc.add(doc)
    out = []
    for gid, accs in groups.values():
        d = {'_id': gid}
        for name, acc in accs:
            d[name] = acc.result()
        out.append(d)
    return out
