# SPDX-License-Identifier: Apache-2.0
"""Aggregation expressions: evaluate(expr, doc) -> value or MISSING.

Field paths through documents ("$a.b") and constants are read here (the
hot path of $group and $setWindowFields); everything else ($add, $cond,
paths through arrays...) goes to mongomock's expression parser."""

from mongomock import OperationFailure as MMOperationFailure
from mongomock.aggregate import _parse_expression as mm_parse_expression

from bsonvalues import MISSING
from errors import CommandError


def evaluate(expr, doc):
    if isinstance(expr, str):
        if expr.startswith('$') and not expr.startswith('$$'):
            v = doc
            for p in expr[1:].split('.'):
                if isinstance(v, dict):
                    v = v.get(p, MISSING)
                    if v is MISSING:
                        return MISSING
                else:
                    return _mongomock(expr, doc)  # through an array
            return v
        if expr in ('$$ROOT', '$$CURRENT'):
            return doc
        if not expr.startswith('$'):
            return expr
    elif not isinstance(expr, (dict, list)):
        return expr
    return _mongomock(expr, doc)


def _mongomock(expr, doc):
    try:
        return mm_parse_expression(expr, doc, ignore_missing_keys=True)
    except KeyError:
        return MISSING
    except MMOperationFailure as e:
        raise CommandError(getattr(e, 'code', None) or 2, str(e))
    except NotImplementedError as e:
        raise CommandError(115, 'not supported by the docrel test server: %s' % e)


def evaluate_or_null(expr, doc):
    v = evaluate(expr, doc)
    return None if v is MISSING else v
