# SPDX-License-Identifier: Apache-2.0
"""Sorting as MongoDB does it: BSON type order, missing and null equal,
an array field sorts by its smallest element ascending and its largest
descending. Python's sort is stable, so ties keep natural order."""

from bsonvalues import MISSING, leaf_values, sort_key
from errors import CommandError

_EMPTY_ARRAY = (3,)  # an empty array sorts before null


class _Desc:
    """Reverses the order of one key inside a key tuple."""
    __slots__ = ('k',)

    def __init__(self, k):
        self.k = k

    def __lt__(self, other):
        return other.k < self.k

    def __eq__(self, other):
        return self.k == other.k


def parse_sort(spec):
    """[(path, 1 | -1)] from a sort document; MongoDB's errors otherwise."""
    if not isinstance(spec, dict):
        raise CommandError(14, "Expected field sortto be of type object")
    pairs = []
    for path, d in spec.items():
        if isinstance(d, dict):
            if '$meta' in d:
                raise CommandError(115, '$meta sort is not supported by the docrel test server')
            raise CommandError(15974, 'Illegal key in $sort specification: %s: %s' % (path, d))
        if isinstance(d, bool) or not isinstance(d, (int, float)) or d not in (1, -1):
            raise CommandError(15975, '$sort key ordering must be 1 (for ascending) '
                                      'or -1 (for descending)')
        pairs.append((path, int(d)))
    return pairs


def field_key(doc, path, direction):
    vals = leaf_values(doc, path)
    keys = []
    for v in vals:
        if v is MISSING:
            keys.append(sort_key(None))
        elif isinstance(v, list) and not v:
            keys.append(_EMPTY_ARRAY)  # an empty array; a nested array sorts as an array
        else:
            keys.append(sort_key(v))
    if len(keys) == 1:
        return keys[0]
    if not keys:
        return sort_key(None)
    return min(keys) if direction > 0 else max(keys)


def key_function(pairs):
    """A key function for sorted() from parse_sort's pairs."""
    if len(pairs) == 1:
        path, d = pairs[0]
        if d > 0:
            return lambda doc: field_key(doc, path, 1)
        return lambda doc: _Desc(field_key(doc, path, -1))

    def key(doc):
        return tuple(field_key(doc, p, d) if d > 0 else _Desc(field_key(doc, p, d))
                     for p, d in pairs)
    return key


def sort_docs(docs, spec):
    pairs = parse_sort(spec)
    if not pairs:
        return list(docs)
    if pairs[0][0] == '$natural':  # natural (insertion) order, or its reverse
        return list(docs) if pairs[0][1] > 0 else list(reversed(docs))
    return sorted(docs, key=key_function(pairs))
