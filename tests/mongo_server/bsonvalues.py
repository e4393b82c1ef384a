# SPDX-License-Identifier: Apache-2.0
"""BSON value helpers with MongoDB's rules, where Python's own differ.

Python says True == 1 and {a, b} == {b, a}; MongoDB says neither. So
equality goes through eq_key() (a hashable key: numbers of any width equal,
bool apart, documents ordered, Binary by subtype), and ordering through
sort_key() (BSON type order first, then the value)."""

import datetime
import uuid

from bson.binary import Binary
from bson.code import Code
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.regex import Regex
from bson.timestamp import Timestamp

# A field that is not there (distinct from null, which is None).
MISSING = type('Missing', (), {'__repr__': lambda self: 'MISSING'})()

_DOC, _ARR, _BOOL, _BIN, _RE, _TS, _MIN, _MAX, _CODE, _OTHER = range(10)
_NUMBERS = (int, float, Int64)


def eq_key(v):
    """A hashable key: eq_key(a) == eq_key(b) iff MongoDB says a equals b."""
    t = type(v)
    if t is str or t is ObjectId or v is None or t is datetime.datetime:
        return v
    if t is bool:
        return (_BOOL, v)
    if t in _NUMBERS:
        return v  # 1, 1.0 and Int64(1) are equal and hash alike
    if isinstance(v, dict):
        return (_DOC, tuple((k, eq_key(x)) for k, x in v.items()))
    if isinstance(v, list):
        return (_ARR, tuple(eq_key(x) for x in v))
    if isinstance(v, Binary):
        return (_BIN, v.subtype, bytes(v))
    if isinstance(v, bytes):
        return (_BIN, 0, v)
    if isinstance(v, uuid.UUID):
        return (_BIN, 4, v.bytes)
    if isinstance(v, Decimal128):
        return v.to_decimal()  # Decimal(1) == 1 and hashes alike
    if isinstance(v, Regex):
        return (_RE, v.pattern, v.flags)
    if isinstance(v, Timestamp):
        return (_TS, v.time, v.inc)
    if isinstance(v, MinKey):
        return (_MIN,)
    if isinstance(v, MaxKey):
        return (_MAX,)
    if isinstance(v, Code):
        return (_CODE, str(v))
    return (_OTHER, repr(v))


def bson_equal(a, b):
    return eq_key(a) == eq_key(b)


def type_rank(v):
    """MongoDB's canonical type order (bsontypes.h canonicalizeBSONType)."""
    if v is None or v is MISSING:
        return 5
    t = type(v)
    if t is bool:
        return 40
    if t in _NUMBERS or isinstance(v, (int, float, Decimal128)):
        return 10
    if t is str:
        return 15
    if isinstance(v, dict):
        return 20
    if isinstance(v, list):
        return 25
    if isinstance(v, (bytes, uuid.UUID)):
        return 30
    if t is ObjectId:
        return 35
    if isinstance(v, datetime.datetime):
        return 45
    if isinstance(v, Timestamp):
        return 47
    if isinstance(v, Regex) or hasattr(v, 'pattern'):
        return 50
    if isinstance(v, Code):
        return 60
    if isinstance(v, MinKey):
        return 1
    if isinstance(v, MaxKey):
        return 127
    return 100


def sort_key(v):
    """A tuple that orders values as MongoDB compares them."""
    r = type_rank(v)
    if r == 10:
        if isinstance(v, Decimal128):
            v = v.to_decimal()
        if v != v:  # NaN sorts below every other number
            return (10, float('-inf'), 0)
        return (10, v, 1)
    if r == 15 or r == 40:
        return (r, v)
    if r == 45:
        if v.tzinfo is not None:
            v = v.replace(tzinfo=None) - (v.utcoffset() or datetime.timedelta())
        return (45, v)
    if r == 35:
        return (35, v.binary)
    if r == 20:
        return (20, tuple((type_rank(x), k, sort_key(x)) for k, x in v.items()))
    if r == 25:
        return (25, tuple(sort_key(x) for x in v))
    if r == 30:
        if isinstance(v, uuid.UUID):
            return (30, 16, 4, v.bytes)
        return (30, len(v), getattr(v, 'subtype', 0), bytes(v))
    if r == 47:
        return (47, v.time, v.inc)
    if r == 50:
        return (50, str(getattr(v, 'pattern', '')), str(getattr(v, 'flags', '')))
    if r == 60:
        return (60, str(v))
    return (r,)


def compare(a, b):
    """-1, 0 or 1, MongoDB's order."""
    ka, kb = sort_key(a), sort_key(b)
    return (ka > kb) - (ka < kb)


def path_values(v, parts, i=0):
    """The values at the dotted path parts[i:] under v, as a query sees them:
    a name applied to an array reaches into each document in it (MISSING
    for those without the field), a number picks an element. The values
    found at the end are returned as they are (arrays included)."""
    n = len(parts)
    while i < n:
        p = parts[i]
        if isinstance(v, dict):
            if p not in v:
                return [MISSING]
            v = v[p]
            i += 1
        elif isinstance(v, list):
            if p.isdigit():
                idx = int(p)
                return path_values(v[idx], parts, i + 1) if idx < len(v) else [MISSING]
            out = []
            for e in v:
                if isinstance(e, dict):
                    out.extend(path_values(e, parts, i))
            return out
        else:
            return [MISSING]
    return [v]


def leaf_values(doc, path):
    """path_values with arrays at the end expanded to their elements, as an
    index or a sort sees them; an empty array stays as []."""
    out = []
    for v in path_values(doc, path.split('.')):
        if isinstance(v, list) and v:
            out.extend(v)
        else:
            out.append(v)
    return out


def get_path(doc, path, default=MISSING):
    """The single value at a dotted path of documents (no array fan-out)."""
    v = doc
    for p in path.split('.'):
        if isinstance(v, dict) and p in v:
            v = v[p]
        elif isinstance(v, list) and p.isdigit() and int(p) < len(v):
            v = v[int(p)]
        else:
            return default
    return v


def clone(v):
    """Deep copy of the containers only: every other BSON value is immutable,
    and this is much faster than copy.deepcopy."""
    if isinstance(v, dict):
        return {k: clone(x) for k, x in v.items()}
    if isinstance(v, list):
        return [clone(x) for x in v]
    return v


def shell_repr(v):
    """A value as mongod writes it in messages such as E11000 ... dup key: { a: 1 }."""
    if v is None or v is MISSING:
        return 'null'
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, str):
        return '"%s"' % v.replace('\\', '\\\\').replace('"', '\\"')
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, int):
        return str(int(v))
    if isinstance(v, ObjectId):
        return "ObjectId('%s')" % v
    if isinstance(v, dict):
        if not v:
            return '{}'
        return '{ %s }' % ', '.join('%s: %s' % (k, shell_repr(x)) for k, x in v.items())
    if isinstance(v, list):
        if not v:
            return '[]'
        return '[ %s ]' % ', '.join(shell_repr(x) for x in v)
    if isinstance(v, Binary) and v.subtype == 4 and len(v) == 16:
        return 'UUID("%s")' % uuid.UUID(bytes=bytes(v))
    if isinstance(v, bytes):
        return 'BinData(%d, %s)' % (getattr(v, 'subtype', 0), bytes(v).hex().upper())
    if isinstance(v, datetime.datetime):
        return 'new Date(%d)' % _millis(v)
    if isinstance(v, Decimal128):
        return 'NumberDecimal("%s")' % v
    return str(v)


def _millis(dt):
    if dt.tzinfo is not None:
        dt = dt.replace(tzinfo=None) - (dt.utcoffset() or datetime.timedelta())
    delta = dt - datetime.datetime(1970, 1, 1)
    return delta.days * 86400000 + delta.seconds * 1000 + delta.microseconds // 1000
