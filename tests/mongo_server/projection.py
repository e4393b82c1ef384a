# SPDX-License-Identifier: Apache-2.0
"""find's projection: make_projection(spec) -> function(doc) -> new doc.

Top-level inclusions and exclusions (what docrel sends) are done here;
anything else (dotted paths, expressions) goes to mongomock's $project."""

from mongomock import OperationFailure as MMOperationFailure
from mongomock import aggregate as mm_aggregate

from errors import CommandError


def _flag(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v != 0
    return None


def make_projection(spec):
    if spec is None or spec == {}:
        return None
    if not isinstance(spec, dict):
        raise CommandError(14, "Expected field projectionto be of type object")
    flags = {k: _flag(v) for k, v in spec.items()}
    simple = all(f is not None and '.' not in k and not k.startswith('$')
                 for k, f in flags.items())
    if simple:
        return _simple(flags)
    return _mongomock(spec)


def _simple(flags):
    include_id = flags.pop('_id', True)
    values = set(flags.values())
    if len(values) > 1:
        included = next(k for k, f in flags.items() if f)
        excluded = next(k for k, f in flags.items() if not f)
        raise CommandError(31254, 'Cannot do exclusion on field %s in inclusion projection'
                           % excluded if list(flags).index(included) < list(flags).index(excluded)
                           else 'Cannot do inclusion on field %s in exclusion projection' % included)
    inclusion = values == {True} or (not values and include_id)
    keep = set(flags)

    if inclusion:
        def project(doc):
            return {k: v for k, v in doc.items()
                    if k in keep or (k == '_id' and include_id)}
    else:
        def project(doc):
            return {k: v for k, v in doc.items()
                    if k not in keep and (k != '_id' or include_id)}
    return project


def _mongomock(spec):
    stage = [{'$project': spec}]

    def project(doc):
        try:
            return list(mm_aggregate.process_pipeline([doc], None, stage, None))[0]
        except MMOperationFailure as e:
            raise CommandError(getattr(e, 'code', None) or 2, str(e))
        except NotImplementedError as e:
            raise CommandError(115, 'not supported by the docrel test server: %s' % e)
    project({'_id': 0})  # surface a bad specification now, not at the first batch
    return project
