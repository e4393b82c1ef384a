# SPDX-License-Identifier: Apache-2.0
"""Unknown command fields are errors, as on MongoDB 5.0 (code 40415
"BSON field 'find.foo' is an unknown field."), so a misspelt option fails
here as it would on a real server. The lists are MongoDB's IDL fields."""

from errors import CommandError

# Fields any command may carry (generic arguments).
GENERIC = {
    '$db', 'lsid', 'txnNumber', 'autocommit', 'startTransaction', 'stmtId', 'stmtIds',
    '$clusterTime', '$readPreference', 'readConcern', 'writeConcern', 'maxTimeMS',
    'maxTimeMSOpOnly', 'comment', 'apiVersion', 'apiStrict', 'apiDeprecationErrors',
    '$audit', '$client', '$configServerState', '$gleStats', '$oplogQueryData',
    '$replData', '$queryOptions', 'clientOperationKey', 'tracking_info',
    'mayBypassWriteBlocking', '$configTime', '$topologyTime', 'databaseVersion',
    'shardVersion', 'help', 'readOnce',
}

COMMAND_FIELDS = {
    'find': {'filter', 'sort', 'projection', 'hint', 'skip', 'limit', 'batchSize',
             'singleBatch', 'max', 'min', 'returnKey', 'showRecordId', 'tailable',
             'oplogReplay', 'noCursorTimeout', 'awaitData', 'allowPartialResults',
             'collation', 'allowDiskUse', 'let', 'allowSpeculativeMajorityRead', 'term',
             '$_requestResumeToken', '$_resumeAfter', 'ntoreturn'},
    'insert': {'documents', 'ordered', 'bypassDocumentValidation'},
    'update': {'updates', 'ordered', 'bypassDocumentValidation', 'let'},
    'delete': {'deletes', 'ordered', 'let'},
    'aggregate': {'pipeline', 'cursor', 'explain', 'allowDiskUse', 'bypassDocumentValidation',
                  'collation', 'hint', 'let', 'exchange', 'fromMongos', 'needsMerge',
                  'isMapReduceCommand', 'runtimeConstants', 'use44SortKeys'},
    'count': {'query', 'limit', 'skip', 'hint', 'collation', 'fields'},
    'distinct': {'key', 'query', 'collation', 'hint'},
    'getMore': {'collection', 'batchSize', 'term', 'lastKnownCommittedOpTime'},
    'killCursors': {'cursors'},
    'createIndexes': {'indexes', 'commitQuorum', 'ignoreUnknownIndexOptions',
                      'isTimeseriesNamespace'},
    'listIndexes': {'cursor', 'includeBuildUUIDs', 'includeIndexBuildInfo'},
    'listCollections': {'filter', 'nameOnly', 'authorizedCollections', 'cursor',
                        'includePendingDrops'},
    'findAndModify': {'query', 'fields', 'sort', 'remove', 'update', 'new', 'upsert',
                      'bypassDocumentValidation', 'collation', 'arrayFilters', 'hint', 'let'},
}

UPDATE_STATEMENT = {'q', 'u', 'multi', 'upsert', 'collation', 'arrayFilters', 'hint', 'c',
                    'upsertSupplied'}
DELETE_STATEMENT = {'q', 'limit', 'collation', 'hint'}
INDEX_SPEC = {'key', 'name', 'unique', 'sparse', 'partialFilterExpression',
              'expireAfterSeconds', 'collation', 'hidden', 'background', 'v', 'ns', 'weights',
              'default_language', 'language_override', 'textIndexVersion',
              '2dsphereIndexVersion', 'bits', 'min', 'max', 'bucketSize',
              'wildcardProjection', 'storageEngine', 'dropDups'}


def check_command(name, cmd):
    allowed = COMMAND_FIELDS.get(name)
    if allowed is None:
        return
    for k in cmd:
        if k != name and k not in allowed and k not in GENERIC:
            raise CommandError(40415, "BSON field '%s.%s' is an unknown field." % (name, k))


def check_statement(kind, st, allowed):
    for k in st:
        if k not in allowed:
            raise CommandError(40415, "BSON field '%s.%s' is an unknown field." % (kind, k))


def check_index_spec(spec):
    for k in spec:
        if k not in INDEX_SPEC:
            raise CommandError(197, "The field '%s' is not valid for an index specification. "
                                    "Specification: %r" % (k, dict(spec)))


def check_collation(doc):
    """Collations are not implemented: anything but the simple one fails
    (code 115) rather than compare strings differently from MongoDB."""
    c = doc.get('collation') if isinstance(doc, dict) else None
    if c and not (isinstance(c, dict) and c.get('locale') == 'simple'):
        raise CommandError(115, 'collations are not supported by the docrel test server')
