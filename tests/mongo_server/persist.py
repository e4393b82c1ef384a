# SPDX-License-Identifier: Apache-2.0
"""The store on disk, for server.py --data FILE: loaded at start, saved at
exit, so a stopped server restarts with its data (ctl.py start --persist).

The file is a sequence of BSON documents, so every value comes back as the
same BSON type (int32 stays int32, Int64 stays int64; ObjectId, dates,
Decimal128, binaries with their subtype) and every document keeps its
field order:

    {format: "docrel-mongo-test-server", version: 1}
    {kind: "database", name}                                  per database
    {kind: "collection", db, name, uuid, indexes: [spec...], count: N}
    N documents, in natural (insertion) order                 per collection

indexes are the specs listIndexes shows, without _id_. Only the data is
kept: no cursors, sessions, transactions or fail points. The caller saves
with open transactions aborted, so only committed writes are in the file.
save writes a temporary file next to FILE, fsyncs it and renames it over
FILE, so FILE is always a whole store."""

import os

import bson
from bson.binary import UuidRepresentation
from bson.codec_options import CodecOptions
from bson.errors import InvalidBSON

from errors import WriteError
from store import Index, Store

FORMAT = 'docrel-mongo-test-server'
VERSION = 1
# As wire.py decodes requests: plain (ordered) dicts, UUIDs as Binary.
CODEC = CodecOptions(document_class=dict, uuid_representation=UuidRepresentation.UNSPECIFIED)


class BadDataFile(Exception):
    pass


def _encode(doc):
    return bson.encode(doc, codec_options=CODEC)


def save(store, path):
    """Writes the whole store to path atomically."""
    tmp = '%s.tmp.%d' % (path, os.getpid())
    try:
        with open(tmp, 'wb') as f:
            f.write(_encode({'format': FORMAT, 'version': VERSION}))
            for db in store.databases.values():
                f.write(_encode({'kind': 'database', 'name': db.name}))
                for coll in db.collections.values():
                    f.write(_encode({'kind': 'collection', 'db': db.name, 'name': coll.name,
                                     'uuid': coll.uuid,
                                     'indexes': [ix.spec for ix in coll.indexes.values()],
                                     'count': len(coll.docs)}))
                    for doc in coll.docs.values():
                        f.write(_encode(doc))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def load(path):
    """The Store saved in path; BadDataFile if it is not one."""
    store = Store()
    with open(path, 'rb') as f:
        try:
            records = bson.decode_file_iter(f, codec_options=CODEC)
            head = next(records, None)
            if not head or head.get('format') != FORMAT or head.get('version') != VERSION:
                raise BadDataFile('%s is not a docrel test server data file (version %d)'
                                  % (path, VERSION))
            for rec in records:
                kind = rec.get('kind')
                if kind == 'database':
                    store.db(rec['name'])
                elif kind == 'collection':
                    _load_collection(store, rec, records, path)
                else:
                    raise BadDataFile('%s: unexpected record %r' % (path, rec))
        except InvalidBSON as e:
            raise BadDataFile('%s: truncated or damaged: %s' % (path, e))
    return store


def _load_collection(store, rec, records, path):
    coll = store.db(rec['db']).ensure(rec['name'])
    coll.uuid = rec['uuid']
    for _ in range(rec['count']):
        doc = next(records, None)
        if doc is None:
            raise BadDataFile('%s: collection %s ends early' % (path, coll.ns))
        coll.insert(doc)  # no secondary indexes yet: only _id is checked
    for spec in rec['indexes']:
        index = Index(spec)
        try:
            coll.add_index(index)
        except WriteError:
            # Saved data breaks a unique index (a file written by an older
            # server, whose aborts restored before-images over later
            # writes): keep the index, first owner wins, as that server had it.
            index = Index(spec)
            for key, doc in coll.docs.items():
                for k, _ in index.keys_of(doc):
                    index.entries.setdefault(k, key)
            coll.indexes[index.name] = index
