# SPDX-License-Identifier: Apache-2.0
"""Query filters: compile_filter(filter) -> predicate(doc) -> bool.

The common operators are compiled here, because mongomock's interpreter
gets two things wrong for docrel (True == 1, and unordered sub-documents)
and evaluates $in by scanning the list for every document, which makes a
100,000-key join quadratic. Here $in is a set lookup, and a large $or of
equality tuples (docrel's composite-key joins) is one too. What is not
compiled here ($expr, geo, bit operators) goes to mongomock's
filter_applies. Errors are MongoDB's: code 2 BadValue."""

import ctypes
import ctypes.util
import operator
import re

from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.regex import Regex
from mongomock import filtering as mm_filtering
from mongomock import OperationFailure as MMOperationFailure

from bsonvalues import MISSING, eq_key, path_values, sort_key, type_rank
from errors import CommandError, bad_value

_RE_TYPES = (Regex, re.Pattern)


def _always(doc):
    return True


def compile_filter(flt):
    """A predicate for the filter document; raises CommandError (BadValue)
    for a filter MongoDB rejects."""
    if flt is None:
        return _always
    if not isinstance(flt, dict):
        raise CommandError(14, 'the match filter must be an expression in an object')
    preds = []
    for key, val in flt.items():
        if key.startswith('$'):
            p = _compile_top(key, val)
        else:
            p = _compile_field(key, val)
        if p is not _always:
            preds.append(p)
    return _all_of(preds)


def _all_of(preds):
    if not preds:
        return _always
    if len(preds) == 1:
        return preds[0]
    if len(preds) == 2:
        a, b = preds
        return lambda d: a(d) and b(d)
    return lambda d: all(p(d) for p in preds)


def _compile_top(key, val):
    if key in ('$and', '$or', '$nor'):
        if not isinstance(val, list):
            raise bad_value('%s must be an array' % key)
        if not val:
            raise bad_value('$and/$or/$nor must be a nonempty array')
        for sub in val:
            if not isinstance(sub, dict):
                raise bad_value('$or/$and/$nor entries need to be full objects')
        if key == '$or':
            fast = _compile_tuple_or(val)
            if fast:
                return fast
        subs = [compile_filter(sub) for sub in val]
        if key == '$and':
            return _all_of(subs)
        if key == '$or':
            if len(subs) == 1:
                return subs[0]
            return lambda d: any(p(d) for p in subs)
        return lambda d: not any(p(d) for p in subs)
    if key == '$comment':
        return _always
    if key == '$expr':
        return _mongomock_pred({key: val})
    if key in ('$where', '$text', '$jsonSchema'):
        raise CommandError(115, '%s is not supported by the docrel test server' % key)
    raise bad_value("unknown top level operator: %s. If you have a field name that "
                    "starts with a '$' symbol, consider using $getField or $setField." % key)


def _mongomock_pred(flt):
    """Falls back to mongomock's interpreter for one clause."""
    def pred(doc):
        try:
            return mm_filtering.filter_applies(flt, doc)
        except MMOperationFailure as e:
            raise bad_value(str(e))
        except NotImplementedError as e:
            raise CommandError(115, 'not supported by the docrel test server: %s' % e)
    return pred


def _is_operator_doc(val):
    # MongoDB: a sub-document whose first field starts with '$' is operators.
    return isinstance(val, dict) and bool(val) and next(iter(val)).startswith('$')


def _compile_field(path, val):
    parts = path.split('.')
    if _is_operator_doc(val):
        preds = []
        ops = dict(val)
        if '$regex' in ops or '$options' in ops:
            if '$regex' not in ops:
                raise bad_value('$options needs a $regex')
            test = _regex_test(ops.pop('$regex'), ops.pop('$options', ''))
            preds.append(lambda d, t=test: t(path_values(d, parts)))
        for op, arg in ops.items():
            test = _value_test(op, arg, path)
            preds.append(lambda d, t=test: t(path_values(d, parts)))
        return _all_of(preds)
    if isinstance(val, _RE_TYPES):
        test = _regex_test(val, '')
    else:
        test = _eq_test(val)
    return lambda d: test(path_values(d, parts))


def compile_value_ops(ops, path=''):
    """A test over a list of candidate values for an operator document
    ({$gt: 1, $lt: 5}); used by $elemMatch and $not."""
    tests = []
    ops = dict(ops)
    if '$regex' in ops:
        tests.append(_regex_test(ops.pop('$regex'), ops.pop('$options', '')))
    for op, arg in ops.items():
        tests.append(_value_test(op, arg, path))
    if len(tests) == 1:
        return tests[0]
    return lambda vals: all(t(vals) for t in tests)


def _value_test(op, arg, path):
    """A function (candidate values) -> bool for one operator."""
    if op == '$eq':
        return _eq_test(arg)
    if op == '$ne':
        t = _eq_test(arg)
        return lambda vals: not t(vals)
    if op == '$in':
        return _in_test(arg)
    if op == '$nin':
        t = _in_test(arg)
        return lambda vals: not t(vals)
    if op in _CMP:
        return _cmp_test(_CMP[op], arg)
    if op == '$exists':
        want = bool(arg)
        return lambda vals: any(v is not MISSING for v in vals) == want
    if op == '$size':
        if isinstance(arg, bool) or not isinstance(arg, (int, float)) or arg != int(arg):
            raise bad_value('$size needs a number')
        n = int(arg)
        return lambda vals: any(isinstance(v, list) and len(v) == n for v in vals)
    if op == '$all':
        if not isinstance(arg, list):
            raise bad_value('$all needs an array')
        if not arg:
            return lambda vals: False
        tests = []
        for item in arg:
            if isinstance(item, dict) and '$elemMatch' in item:
                tests.append(_elem_match_test(item['$elemMatch']))
            elif isinstance(item, _RE_TYPES):
                tests.append(_regex_test(item, ''))
            else:
                tests.append(_eq_test(item))
        return lambda vals: all(t(vals) for t in tests)
    if op == '$elemMatch':
        return _elem_match_test(arg)
    if op == '$not':
        if isinstance(arg, _RE_TYPES):
            t = _regex_test(arg, '')
        elif isinstance(arg, dict) and arg:
            if not _is_operator_doc(arg):
                raise bad_value('$not needs a regex or a document')
            t = compile_value_ops(arg, path)
        else:
            raise bad_value('$not needs a regex or a document')
        return lambda vals: not t(vals)
    if op == '$type':
        return _type_test(arg)
    if op == '$mod':
        return _mod_test(arg)
    if op in ('$options',):
        raise bad_value('$options needs a $regex')
    if op in _MONGOMOCK_ONLY:
        pred = _mongomock_pred({'x': {op: arg}})
        return lambda vals: any(pred({'x': v}) for v in vals if v is not MISSING)
    raise bad_value('unknown operator: %s' % op)


_MONGOMOCK_ONLY = {'$bitsAllClear', '$bitsAllSet', '$bitsAnyClear', '$bitsAnySet',
                   '$geoIntersects', '$geoWithin', '$near', '$nearSphere'}

_CMP = {'$gt': operator.gt, '$gte': operator.ge, '$lt': operator.lt, '$lte': operator.le}


def _eq_test(target):
    """Equality as MongoDB matches it: the value itself, or any element of an
    array value; null also matches a missing field."""
    k = eq_key(target)
    null = target is None

    def test(vals):
        for v in vals:
            if v is MISSING:
                if null:
                    return True
                continue
            if isinstance(v, list):
                if eq_key(v) == k:
                    return True
                for e in v:
                    if eq_key(e) == k:
                        return True
            elif eq_key(v) == k:
                return True
        return False
    return test


def _in_test(arg):
    if not isinstance(arg, list):
        raise bad_value('$in needs an array')
    keys = set()
    regexes = []
    for item in arg:
        if isinstance(item, _RE_TYPES):
            regexes.append(_regex_test(item, ''))
        elif _is_operator_doc(item):
            raise bad_value('cannot nest $ under $in')
        else:
            keys.add(eq_key(item))
    null = None in keys

    def test(vals):
        for v in vals:
            if v is MISSING:
                if null:
                    return True
                continue
            if isinstance(v, list):
                if eq_key(v) in keys:
                    return True
                for e in v:
                    if eq_key(e) in keys:
                        return True
            elif eq_key(v) in keys:
                return True
        if regexes:
            return any(r(vals) for r in regexes)
        return False
    return test


def _cmp_test(op, target):
    """$gt and friends with type bracketing: only values of the target's
    type class compare (numbers with numbers, strings with strings...)."""
    if isinstance(target, _RE_TYPES):
        raise bad_value("Can't have RegEx as arg to predicate over field")
    tk = sort_key(target)
    rank = tk[0]

    def ok(v):
        if v is MISSING:
            v = None
        return type_rank(v) == rank and op(sort_key(v), tk)

    def test(vals):
        for v in vals:
            if isinstance(v, list):
                if rank == 25 and ok(v):
                    return True
                if any(ok(e) for e in v):
                    return True
            elif ok(v):
                return True
        return False
    return test


# MongoDB compiles $regex with PCRE2 (UTF mode, flags i m s x; u changes
# nothing): so does this server, through the same library, since Python's re
# differs (\\d, \\w and \\b are Unicode-aware there, \\Z means \\z, ...).
_PCRE2 = ctypes.CDLL(ctypes.util.find_library('pcre2-8') or 'libpcre2-8.so.0')
_PCRE2.pcre2_compile_8.restype = ctypes.c_void_p
_PCRE2.pcre2_compile_8.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint32,
                                   ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_size_t),
                                   ctypes.c_void_p]
_PCRE2.pcre2_code_free_8.argtypes = [ctypes.c_void_p]
_PCRE2.pcre2_match_data_create_8.restype = ctypes.c_void_p
_PCRE2.pcre2_match_data_create_8.argtypes = [ctypes.c_uint32, ctypes.c_void_p]
_PCRE2.pcre2_match_data_free_8.argtypes = [ctypes.c_void_p]
_PCRE2.pcre2_match_8.restype = ctypes.c_int
_PCRE2.pcre2_match_8.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_size_t,
                                 ctypes.c_uint32, ctypes.c_void_p, ctypes.c_void_p]
_PCRE2.pcre2_get_error_message_8.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t]
_PCRE2_FLAGS = {'i': 0x8, 'm': 0x400, 's': 0x20, 'x': 0x80, 'u': 0}
_PCRE2_UTF = 0x80000
# Python's re flags of a decoded BSON regex, back to BSON's letters.
_RE_LETTERS = ((re.I, 'i'), (re.L, 'l'), (re.M, 'm'), (re.S, 's'), (re.U, 'u'), (re.X, 'x'))


class _Pcre2:
    def __init__(self, pattern, flags):
        options = _PCRE2_UTF
        for ch in flags:
            if ch not in _PCRE2_FLAGS:
                raise CommandError(51108, '$regex invalid flag in regex options: %s' % ch)
            options |= _PCRE2_FLAGS[ch]
        if '\0' in pattern:
            raise bad_value('Regular expression cannot contain an embedded null byte')
        raw = pattern.encode('utf-8', 'surrogatepass')
        code, offset = ctypes.c_int(), ctypes.c_size_t()
        self._code = _PCRE2.pcre2_compile_8(raw, len(raw), options, ctypes.byref(code),
                                            ctypes.byref(offset), None)
        if not self._code:
            buf = ctypes.create_string_buffer(256)
            _PCRE2.pcre2_get_error_message_8(code.value, buf, 256)
            raise CommandError(51091, 'Regular expression is invalid: %s' % buf.value.decode())
        self._free = _PCRE2.pcre2_code_free_8

    def __del__(self):
        if getattr(self, '_code', None):
            self._free(self._code)

    def search(self, s):
        raw = s.encode('utf-8', 'surrogatepass')
        md = _PCRE2.pcre2_match_data_create_8(1, None)
        try:
            return _PCRE2.pcre2_match_8(self._code, raw, len(raw), 0, 0, md, None) >= 0
        finally:
            _PCRE2.pcre2_match_data_free_8(md)


def _bson_flags(flags):
    if isinstance(flags, str):
        return flags
    return ''.join(ch for f, ch in _RE_LETTERS if flags & f)


def _regex_test(pattern, options):
    if isinstance(pattern, (Regex, re.Pattern)):
        own = _bson_flags(pattern.flags)
        if isinstance(pattern, re.Pattern):
            own = own.replace('u', '')  # Python adds it to every str pattern
        if own and options:
            raise bad_value('options set in both $regex and $options')
        options = options or own
        pattern = pattern.pattern
    elif not isinstance(pattern, str):
        raise bad_value('$regex has to be a string')
    if not isinstance(options, str):
        raise bad_value('$options has to be a string')
    rx = _Pcre2(pattern, options)

    def one(v):
        # a string or symbol it finds a match in, or the same regex value
        if isinstance(v, str):
            return rx.search(v)
        if isinstance(v, Regex):
            return v.pattern == pattern and _bson_flags(v.flags) == options
        return False

    def test(vals):
        for v in vals:
            if one(v):
                return True
            if isinstance(v, list) and any(one(e) for e in v):
                return True
        return False
    return test
def _elem_match_test(spec):
    if not isinstance(spec, dict):
        raise bad_value('$elemMatch needs an Object')
    if _is_operator_doc(spec) and not any(k in ('$and', '$or', '$nor', '$expr') for k in spec):
        value_test = compile_value_ops(spec)
        return lambda vals: any(isinstance(v, list) and any(value_test([e]) for e in v)
                                for v in vals)
    doc_pred = compile_filter(spec)
    return lambda vals: any(isinstance(v, list) and
                            any(isinstance(e, dict) and doc_pred(e) for e in v)
                            for v in vals)


_TYPE_ALIASES = {'double': 1, 'string': 2, 'object': 3, 'array': 4, 'binData': 5,
                 'undefined': 6, 'objectId': 7, 'bool': 8, 'date': 9, 'null': 10,
                 'regex': 11, 'javascript': 13, 'int': 16, 'timestamp': 17,
                 'long': 18, 'decimal': 19, 'minKey': -1, 'maxKey': 127}


def _bson_type_code(v):
    if v is None:
        return 10
    if isinstance(v, bool):
        return 8
    if isinstance(v, Int64):
        return 18
    if isinstance(v, int):
        return 16 if -2**31 <= v < 2**31 else 18
    if isinstance(v, float):
        return 1
    if isinstance(v, Decimal128):
        return 19
    if isinstance(v, str):
        return 2
    if isinstance(v, dict):
        return 3
    if isinstance(v, list):
        return 4
    rank = type_rank(v)
    return {30: 5, 35: 7, 45: 9, 47: 17, 50: 11, 60: 13, 1: -1, 127: 127}.get(rank, 0)


def _type_test(arg):
    wanted = arg if isinstance(arg, list) else [arg]
    codes = set()
    number = False
    for w in wanted:
        if w == 'number':
            number = True
        elif isinstance(w, str):
            if w not in _TYPE_ALIASES:
                raise bad_value('Unknown type name alias: %s' % w)
            codes.add(_TYPE_ALIASES[w])
        elif isinstance(w, (int, float)) and not isinstance(w, bool):
            codes.add(int(w))
        else:
            raise bad_value('type must be represented as a number or a string')

    def one(v):
        c = _bson_type_code(v)
        return c in codes or (number and c in (1, 16, 18, 19))

    def test(vals):
        for v in vals:
            if v is MISSING:
                continue
            if one(v):
                return True
            if isinstance(v, list) and any(one(e) for e in v):
                return True
        return False
    return test


def _mod_test(arg):
    if not isinstance(arg, list) or len(arg) != 2:
        raise bad_value('malformed mod, needs to be an array of two numbers' if isinstance(arg, list)
                        else 'malformed mod, needs to be an array')
    d, r = arg
    if not isinstance(d, (int, float)) or not isinstance(r, (int, float)):
        raise bad_value('malformed mod, divisor and remainder must be numbers')
    d, r = int(d), int(r)
    if d == 0:
        raise bad_value('divisor cannot be 0')

    def one(v):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return False
        q = int(v)
        return q - int(q / d) * d == r  # C's truncating remainder

    return lambda vals: any(one(v) or (isinstance(v, list) and any(one(e) for e in v))
                            for v in vals)


# ---- $or of equality tuples, the shape docrel sends for composite keys ----

def _simple_eq_value(v):
    if _is_operator_doc(v):
        if len(v) != 1 or '$eq' not in v:
            return MISSING
        v = v['$eq']
    if v is None or isinstance(v, (list, dict) + _RE_TYPES):
        return MISSING
    return v


def _compile_tuple_or(branches):
    """For {$or: [{a: 1, b: 2}, {a: 3, b: 4}, ...]} with plain scalar
    equalities on the same fields: a set of key tuples, one lookup per
    document. None when the branches do not all have that shape."""
    if len(branches) < 4:
        return None
    fields = list(branches[0].keys())
    if not fields or any(f.startswith('$') for f in fields):
        return None
    keys = set()
    for b in branches:
        if len(b) != len(fields) or any(f not in b for f in fields):
            return None
        row = []
        for f in fields:
            v = _simple_eq_value(b[f])
            if v is MISSING:
                return None
            row.append(eq_key(v))
        keys.add(tuple(row))
    split = [f.split('.') for f in fields]
    slow = _all_or([compile_filter(b) for b in branches])

    def pred(doc):
        row = []
        for parts in split:
            vals = path_values(doc, parts)
            if len(vals) != 1 or isinstance(vals[0], list):
                return slow(doc)  # arrays: each element may match
            v = vals[0]
            if v is MISSING:
                return False
            row.append(eq_key(v))
        return tuple(row) in keys
    return pred


def _all_or(subs):
    return lambda d: any(p(d) for p in subs)


def id_lookup_keys(flt):
    """The _id keys a filter is limited to, when its top level pins _id with
    an equality or an $in of plain values; else None (scan everything)."""
    if not isinstance(flt, dict):
        return None
    if '_id' in flt:
        v = flt['_id']
        if _is_operator_doc(v):
            if len(v) == 1 and '$eq' in v:
                v = v['$eq']
            elif len(v) == 1 and '$in' in v and isinstance(v['$in'], list):
                if any(isinstance(x, _RE_TYPES) or isinstance(x, list) or _is_operator_doc(x)
                       for x in v['$in']):
                    return None
                return [eq_key(x) for x in v['$in']]
            else:
                return None
        if isinstance(v, _RE_TYPES) or isinstance(v, list):
            return None
        return [eq_key(v)]
    if '$and' in flt and isinstance(flt['$and'], list):
        for sub in flt['$and']:
            keys = id_lookup_keys(sub)
            if keys is not None:
                return keys
    return None
