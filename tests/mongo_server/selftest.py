#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Self-test of the test server, through pymongo 3.11 (Debian's):

    /usr/bin/python3 tests/mongo_server/selftest.py [-v]

Starts a standalone server and a one-member replica set with ctl.py in a
temporary directory, drives every supported command, error code, fail
point and transaction path, and stops both; then restarts servers on their
ports, with and without --persist and through the docrelStopServer fail
point. Takes under ten seconds, most of it starting servers."""

import datetime
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

import pymongo
from bson.binary import Binary, UUID_SUBTYPE, UuidRepresentation
from bson.codec_options import CodecOptions
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.objectid import ObjectId
from bson.raw_bson import RawBSONDocument
from bson.regex import Regex
from bson.son import SON
from pymongo.errors import (AutoReconnect, BulkWriteError, ConnectionFailure,
                            DuplicateKeyError, OperationFailure)

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
CTL = [sys.executable, '-B', os.path.join(HERE, 'ctl.py')]
SERVERS = {}


def start(name, *extra):
    d = os.path.join(WORK, name)
    out = subprocess.run(CTL + ['start', '--dir', d] + list(extra), check=True,
                         stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
    SERVERS[name] = d
    with open(os.path.join(d, 'mongodb.uri')) as f:
        uri = f.read().strip()
    assert uri == out, (uri, out)
    return uri


def stop(name):
    subprocess.run(CTL + ['stop', '--dir', SERVERS[name]], check=True)


def status(name):
    return subprocess.run(CTL + ['status', '--dir', SERVERS[name]], stdout=subprocess.PIPE,
                          universal_newlines=True).stdout.strip()


def port_of(uri):
    return int(uri.split(':')[2].split('/')[0])


def setUpModule():
    global WORK, URI, RS_URI
    WORK = tempfile.mkdtemp(prefix='docrel-mongo-selftest-')
    URI = start('standalone')
    RS_URI = start('replset', '--replset', 'rs0')


def tearDownModule():
    for name in list(SERVERS):
        stop(name)
    shutil.rmtree(WORK, ignore_errors=True)


def client(uri=None, **kw):
    return pymongo.MongoClient(uri or URI, retryWrites=False, retryReads=False, **kw)


class Base(unittest.TestCase):
    uri = None

    @classmethod
    def setUpClass(cls):
        cls.client = client(cls.uri or URI)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()

    def setUp(self):
        self.db = self.client['t_%s' % self._testMethodName]
        self.client.drop_database(self.db.name)

    def cmd(self, doc, db=None):
        return (db or self.db).command(doc)

    def assertCode(self, code, fn, *args, **kw):
        with self.assertRaises(OperationFailure) as ctx:
            fn(*args, **kw)
        self.assertEqual(ctx.exception.code, code, ctx.exception.details)
        return ctx.exception.details


class Handshake(Base):
    def test_hello_and_build_info(self):
        hello = self.client.admin.command('hello')
        self.assertTrue(hello['isWritablePrimary'])
        self.assertEqual(hello['maxWireVersion'], 13)
        self.assertEqual(hello['maxBsonObjectSize'], 16777216)
        self.assertEqual(hello['logicalSessionTimeoutMinutes'], 30)
        self.assertNotIn('setName', hello)
        self.assertTrue(self.client.admin.command('isMaster')['ismaster'])
        self.assertEqual(self.client.admin.command('buildInfo')['version'], '5.0.0')
        self.assertEqual(self.client.admin.command('ping')['ok'], 1.0)

    def test_unknown_command(self):
        details = self.assertCode(59, self.cmd, {'frobnicate': 1})
        self.assertEqual(details['errmsg'], "no such command: 'frobnicate'")
        self.assertEqual(details['codeName'], 'CommandNotFound')


class Inserts(Base):
    def test_insert_and_natural_order(self):
        ids = [5, 'b', 3, 'a', 1]
        self.db.c.insert_many([{'_id': i} for i in ids])
        self.assertEqual([d['_id'] for d in self.db.c.find()], ids)
        oid = self.db.c.insert_one({'x': 1}).inserted_id
        self.assertEqual(list(self.db.c.find_one({'x': 1}).keys())[0], '_id')
        self.assertEqual(self.db.c.find_one({'_id': oid})['x'], 1)

    def test_duplicate_key_ordered_stops(self):
        self.db.c.insert_one({'_id': 1})
        with self.assertRaises(BulkWriteError) as ctx:
            self.db.c.insert_many([{'_id': 0}, {'_id': 1}, {'_id': 2}])
        res = ctx.exception.details
        self.assertEqual(res['nInserted'], 1)
        err, = res['writeErrors']
        self.assertEqual(err['index'], 1)
        self.assertEqual(err['code'], 11000)
        self.assertEqual(err['keyPattern'], {'_id': 1})
        self.assertEqual(err['keyValue'], {'_id': 1})
        self.assertEqual(err['errmsg'], 'E11000 duplicate key error collection: '
                                        '%s.c index: _id_ dup key: { _id: 1 }' % self.db.name)
        self.assertEqual(self.db.c.count_documents({}), 2)

    def test_duplicate_key_unordered_continues(self):
        with self.assertRaises(BulkWriteError) as ctx:
            self.db.c.insert_many([{'_id': 1}, {'_id': 1}, {'_id': 2}], ordered=False)
        self.assertEqual(ctx.exception.details['nInserted'], 2)

    def test_unique_index_message(self):
        self.db.c.create_index([('a', 1), ('b', 1)], unique=True, name='ab')
        self.db.c.insert_one({'a': 'x', 'b': 2})
        with self.assertRaises(DuplicateKeyError) as ctx:
            self.db.c.insert_one({'a': 'x', 'b': 2})
        d = ctx.exception.details
        self.assertEqual(d['keyValue'], {'a': 'x', 'b': 2})
        self.assertIn('index: ab dup key: { a: "x", b: 2 }', d['errmsg'])
        self.db.c.insert_one({'a': 'x', 'b': 3})
        self.db.c.insert_one({'c': 1})
        with self.assertRaises(DuplicateKeyError):  # missing fields index as null
            self.db.c.insert_one({'c': 2})

    def test_sparse_and_partial_unique_indexes(self):
        self.db.s.create_index('a', unique=True, sparse=True)
        self.db.s.insert_many([{'_id': 1}, {'_id': 2}, {'_id': 3, 'a': None}])
        with self.assertRaises(DuplicateKeyError):
            self.db.s.insert_one({'_id': 4, 'a': None})  # explicit nulls are indexed
        self.db.p.create_index('a', unique=True, partialFilterExpression={'live': True})
        self.db.p.insert_many([{'a': 1}, {'a': 1}, {'a': 1, 'live': True}])
        with self.assertRaises(DuplicateKeyError):
            self.db.p.insert_one({'a': 1, 'live': True})

    def test_uuid_subtype_round_trip(self):
        u = uuid.uuid4()
        opts = CodecOptions(uuid_representation=UuidRepresentation.STANDARD)
        db = self.client.get_database(self.db.name, codec_options=opts)
        db.c.insert_one({'_id': Binary(u.bytes, UUID_SUBTYPE), 'n': Int64(5)})
        doc = db.c.find_one({'_id': u})
        self.assertEqual(doc['_id'], u)  # subtype 4 kept: STANDARD decodes it to UUID
        self.assertIsInstance(doc['n'], Int64)

    def test_id_stored_first(self):
        self.db.c.insert_one(SON([('a', 1), ('_id', 7)]))
        self.assertEqual(list(self.db.c.find_one()), ['_id', 'a'])


class Finds(Base):
    def setUp(self):
        super().setUp()
        self.db.c.insert_many([{'_id': i, 'g': i % 3, 'v': {'w': i}, 's': 'x%d' % i}
                               for i in range(250)])

    def test_filter_sort_skip_limit_projection(self):
        docs = list(self.db.c.find({'g': 1, 'v.w': {'$gte': 100}}, {'s': 1, '_id': 0})
                    .sort([('v.w', -1)]).skip(2).limit(3))
        self.assertEqual(docs, [{'s': 'x241'}, {'s': 'x238'}, {'s': 'x235'}])

    def test_batches_and_get_more(self):
        reply = self.cmd(SON([('find', 'c'), ('batchSize', 10)]))
        cur = reply['cursor']
        self.assertEqual(len(cur['firstBatch']), 10)
        self.assertNotEqual(cur['id'], 0)
        self.assertEqual(cur['ns'], '%s.c' % self.db.name)
        more = self.cmd(SON([('getMore', cur['id']), ('collection', 'c'), ('batchSize', 100)]))
        self.assertEqual(len(more['cursor']['nextBatch']), 100)
        rest = self.cmd(SON([('getMore', cur['id']), ('collection', 'c')]))
        self.assertEqual(len(rest['cursor']['nextBatch']), 140)
        self.assertEqual(rest['cursor']['id'], 0)
        self.assertCode(43, self.cmd, SON([('getMore', cur['id']), ('collection', 'c')]))
        default = self.cmd({'find': 'c'})['cursor']
        self.assertEqual(len(default['firstBatch']), 101)
        killed = self.cmd(SON([('killCursors', 'c'), ('cursors', [default['id'], Int64(7)])]))
        self.assertEqual(killed['cursorsKilled'], [default['id']])
        self.assertEqual(killed['cursorsNotFound'], [7])
        single = self.cmd(SON([('find', 'c'), ('limit', 5), ('singleBatch', True)]))['cursor']
        self.assertEqual((len(single['firstBatch']), single['id']), (5, 0))
        self.assertEqual(len(list(self.db.c.find(batch_size=7))), 250)

    def test_operators(self):
        c = self.db.c
        self.assertEqual(c.count_documents({'_id': {'$in': [1, 2, 999]}}), 2)
        self.assertEqual(c.count_documents({'_id': {'$nin': list(range(10))}}), 240)
        self.assertEqual(c.count_documents({'$or': [{'g': 0}, {'_id': 1}]}), 85)
        self.assertEqual(c.count_documents({'$and': [{'g': 0}, {'_id': {'$lt': 9}}]}), 3)
        self.assertEqual(c.count_documents({'s': {'$regex': '^x1', '$options': 'i'}}), 111)
        self.assertEqual(c.count_documents({'nope': {'$exists': False}}), 250)
        self.assertEqual(c.count_documents({'nope': None}), 250)
        self.assertEqual(c.count_documents({'g': {'$ne': 0}}), 166)
        self.assertEqual(c.count_documents({'$nor': [{'g': 0}]}), 166)
        self.assertEqual(c.count_documents({'v': {'w': 3}}), 1)
        self.assertEqual(c.count_documents({'g': {'$not': {'$lt': 2}}}), 83)
        tuples = [{'g': i % 3, 'v.w': i} for i in range(0, 100, 2)]
        self.assertEqual(c.count_documents({'$or': tuples}), 50)

    def test_bson_equality_rules(self):
        c = self.db.t
        c.insert_many([{'_id': 1, 'f': True}, {'_id': 2, 'f': 1}, {'_id': 3, 'f': 1.0},
                       {'_id': 4, 'd': SON([('a', 1), ('b', 2)])}, {'_id': 5, 'l': [1, 2]}])
        self.assertEqual([d['_id'] for d in c.find({'f': 1})], [2, 3])
        self.assertEqual([d['_id'] for d in c.find({'f': True})], [1])
        self.assertEqual([d['_id'] for d in c.find({'f': {'$in': [True]}})], [1])
        self.assertEqual(c.count_documents({'d': SON([('b', 2), ('a', 1)])}), 0)
        self.assertEqual(c.count_documents({'d': SON([('a', 1), ('b', 2)])}), 1)
        self.assertEqual(c.count_documents({'l': 2}), 1)
        self.assertEqual(c.count_documents({'f': {'$gt': 0}}), 2)  # bool is not a number

    def test_bad_filters(self):
        self.assertCode(2, lambda: list(self.db.c.find({'a': {'$foo': 1}})))
        self.assertCode(2, lambda: list(self.db.c.find({'$foo': 1})))
        self.assertCode(2, lambda: list(self.db.c.find({'a': {'$in': 5}})))
        self.assertCode(2, lambda: list(self.db.c.find({'$or': []})))
        self.assertCode(15975, lambda: list(self.db.c.find().sort('a', 2)))
        self.assertCode(51024, self.cmd, SON([('find', 'c'), ('skip', -1)]))

    def test_count_distinct(self):
        self.assertEqual(self.cmd(SON([('count', 'c'), ('query', {'g': 2})]))['n'], 83)
        self.assertEqual(self.cmd(SON([('count', 'c'), ('skip', 200), ('limit', 20)]))['n'], 20)
        self.assertEqual(self.cmd(SON([('count', 'missing')]))['n'], 0)
        self.assertEqual(sorted(self.db.c.distinct('g')), [0, 1, 2])
        self.assertEqual(list(self.db.missing.find()), [])


class Updates(Base):
    def test_set_unset_replace(self):
        c = self.db.c
        c.insert_many([{'_id': 1, 'a': {'b': 1}, 'k': 1}, {'_id': 2, 'k': 1}])
        r = c.update_many({'k': 1}, {'$set': {'a.c': 2, 'z': 0}, '$unset': {'k': ''}})
        self.assertEqual((r.matched_count, r.modified_count), (2, 2))
        self.assertEqual(c.find_one({'_id': 1}), {'_id': 1, 'a': {'b': 1, 'c': 2}, 'z': 0})
        self.assertEqual(c.find_one({'_id': 2}), {'_id': 2, 'a': {'c': 2}, 'z': 0})
        r = c.update_one({'_id': 2}, {'$set': {'z': 0}})
        self.assertEqual((r.matched_count, r.modified_count), (1, 0))
        c.replace_one({'_id': 2}, {'q': 1})
        self.assertEqual(c.find_one({'_id': 2}), {'_id': 2, 'q': 1})
        c.update_one({'_id': 2}, {'$inc': {'q': 2}, '$push': {'l': 5}})
        self.assertEqual(c.find_one({'_id': 2}), {'_id': 2, 'q': 3, 'l': [5]})
        r = c.update_one({'_id': 9}, {'$set': {'x': 1}}, upsert=True)
        self.assertEqual(r.upserted_id, 9)
        self.assertEqual(self.db.c.count_documents({}), 3)

    def test_update_errors(self):
        c = self.db.c
        c.create_index('u', unique=True)
        c.insert_many([{'_id': 1, 'u': 1, 's': 'x'}, {'_id': 2, 'u': 2}])
        reply = self.cmd(SON([('update', 'c'), ('updates', [
            {'q': {'_id': 1}, 'u': {'$set': {'v': 1}}},
            {'q': {'_id': 2}, 'u': {'$set': {'u': 1}}},
            {'q': {'_id': 1}, 'u': {'$set': {'w': 1}}}])]))
        self.assertEqual((reply['n'], reply['nModified']), (1, 1))
        err, = reply['writeErrors']
        self.assertEqual((err['index'], err['code']), (1, 11000))
        self.assertEqual(err['keyValue'], {'u': 1})
        reply = self.cmd(SON([('update', 'c'), ('updates', [
            {'q': {}, 'u': {'$foo': {'a': 1}}},
            {'q': {'_id': 1}, 'u': {'$set': {'s.t': 1}}},
            {'q': {'_id': 1}, 'u': {'$set': {'a': 1}, '$unset': {'a': 1}}},
            {'q': {'_id': 1}, 'u': {'$set': {'_id': 5}}},
            {'q': {'$bad': 1}, 'u': {'$set': {'a': 1}}}]), ('ordered', False)]))
        self.assertEqual([e['code'] for e in reply['writeErrors']], [9, 28, 40, 66, 2])


class Deletes(Base):
    def test_delete_limits(self):
        self.db.c.insert_many([{'_id': i, 'g': i % 2} for i in range(10)])
        reply = self.cmd(SON([('delete', 'c'), ('deletes', [{'q': {'g': 0}, 'limit': 1},
                                                             {'q': {'g': 1}, 'limit': 0}])]))
        self.assertEqual(reply['n'], 6)
        self.assertEqual([d['_id'] for d in self.db.c.find()], [2, 4, 6, 8])


class Aggregates(Base):
    def setUp(self):
        super().setUp()
        self.db.c.insert_many([{'_id': i, 'p': i % 3, 'v': i, 'tags': ['a', 'b'][:i % 3]}
                               for i in range(30)])

    def agg(self, *stages, **kw):
        return list(self.db.c.aggregate(list(stages), **kw))

    def test_basic_stages(self):
        out = self.agg({'$match': {'v': {'$lt': 10}}}, {'$sort': {'v': -1}}, {'$skip': 1},
                       {'$limit': 3}, {'$project': {'v': 1, 'x': {'$add': ['$v', 1]}}},
                       {'$addFields': {'y': '$x'}}, {'$set': {'z': 1}}, {'$unset': 'z'})
        self.assertEqual(out, [{'_id': 8, 'v': 8, 'x': 9, 'y': 9}, {'_id': 7, 'v': 7, 'x': 8, 'y': 8},
                               {'_id': 6, 'v': 6, 'x': 7, 'y': 7}])
        self.assertEqual(self.agg({'$count': 'n'}), [{'n': 30}])
        self.assertEqual(self.agg({'$match': {'v': -1}}, {'$count': 'n'}), [])
        self.assertEqual(len(self.agg({'$unwind': '$tags'})), 30)
        out = self.agg({'$match': {'_id': 4}}, {'$replaceWith': {'k': '$v'}})
        self.assertEqual(out, [{'k': 4}])
        out = self.agg({'$match': {'_id': 4}}, {'$replaceRoot': {'newRoot': {'k': '$p'}}})
        self.assertEqual(out, [{'k': 1}])

    def test_group(self):
        out = self.agg({'$sort': {'v': 1}},
                       {'$group': {'_id': '$p', 'n': {'$sum': 1}, 's': {'$sum': '$v'},
                                   'first': {'$first': '$v'}, 'all': {'$push': '$v'},
                                   'top': {'$topN': {'n': 2, 'sortBy': {'v': -1},
                                                     'output': '$v'}},
                                   'mx': {'$max': '$v'}, 'avg': {'$avg': '$v'}}},
                       {'$sort': {'_id': 1}})
        self.assertEqual([g['_id'] for g in out], [0, 1, 2])
        g0 = out[0]
        self.assertEqual((g0['n'], g0['s'], g0['first'], g0['mx'], g0['avg']), (10, 135, 0, 27, 13.5))
        self.assertEqual(g0['all'], list(range(0, 30, 3)))
        self.assertEqual(g0['top'], [27, 24])

    def test_set_window_fields(self):
        out = self.agg({'$setWindowFields': {'partitionBy': '$p', 'sortBy': {'v': -1},
                                             'output': {'rn': {'$documentNumber': {}}}}},
                       {'$match': {'rn': {'$lte': 2}}})
        self.assertEqual([(d['p'], d['v'], d['rn']) for d in out],
                         [(0, 27, 1), (0, 24, 2), (1, 28, 1), (1, 25, 2), (2, 29, 1), (2, 26, 2)])
        self.assertNotIn('rn', self.db.c.find_one())  # stored documents untouched
        out = self.agg({'$match': {'v': {'$lt': 6}}},
                       {'$setWindowFields': {'sortBy': {'p': 1},
                                             'output': {'r': {'$rank': {}},
                                                        'd': {'$denseRank': {}},
                                                        'run': {'$sum': '$v', 'window': {
                                                            'documents': ['unbounded', 'current']}}}}})
        self.assertCode(5371602, self.agg, {'$setWindowFields': {
            'sortBy': {'p': 1, 'v': 1}, 'output': {'n': {'$documentNumber': {}}}}})
        out2 = self.agg({'$setWindowFields': {'partitionBy': '$p', 'sortBy': {'p': 1, 'v': -1},
                                              'output': {'n': {'$sum': 1, 'window': {
                                                  'documents': ['unbounded', 'current']}}}}},
                        {'$match': {'n': 1}})
        self.assertEqual([d['v'] for d in out2], [27, 28, 29])
        self.assertEqual([(d['v'], d['r'], d['d'], d['run']) for d in out],
                         [(0, 1, 1, 0), (3, 1, 1, 3), (1, 3, 2, 4), (4, 3, 2, 8), (2, 5, 3, 10),
                          (5, 5, 3, 15)])

    def test_cursor_and_errors(self):
        reply = self.cmd(SON([('aggregate', 'c'), ('pipeline', []), ('cursor', {'batchSize': 4})]))
        cid = reply['cursor']['id']
        more = self.cmd(SON([('getMore', cid), ('collection', 'c')]))
        self.assertEqual(len(more['cursor']['nextBatch']), 26)
        self.assertCode(40324, self.agg, {'$frob': {}})
        self.assertCode(15958, self.agg, {'$limit': 0})
        self.assertCode(2, self.agg, {'$match': {'a': {'$foo': 1}}})
        self.assertCode(9, self.cmd, SON([('aggregate', 'c'), ('pipeline', [])]))


class Namespaces(Base):
    def test_indexes(self):
        c = self.db.c
        c.insert_many([{'_id': 1, 'a': 1}, {'_id': 2, 'a': 1}])
        d = self.assertCode(11000, c.create_index, 'a', unique=True)
        self.assertEqual(d['keyValue'], {'a': 1})
        self.assertEqual(c.create_index('a', name='ia'), 'ia')
        self.assertEqual(c.create_index('a', name='ia'), 'ia')
        self.assertCode(86, c.create_index, 'b', name='ia')
        self.assertCode(85, c.create_index, 'a', name='ib')
        names = [i['name'] for i in c.list_indexes()]
        self.assertEqual(names, ['_id_', 'ia'])
        c.drop_index('ia')
        self.assertCode(27, c.drop_index, 'ia')
        self.assertCode(26, self.cmd, SON([('listIndexes', 'nope'), ('cursor', {})]))

    def test_collections_and_databases(self):
        self.cmd({'create': 'x'})
        self.assertCode(48, self.cmd, {'create': 'x'})
        self.db.y.insert_one({})
        self.assertEqual(sorted(self.db.list_collection_names()), ['x', 'y'])
        self.assertIn(self.db.name, self.client.list_database_names())
        self.cmd({'drop': 'x'})
        details = self.assertCode(26, self.cmd, {'drop': 'x'})
        self.assertEqual(details['errmsg'], 'ns not found')
        self.client.drop_database(self.db.name)
        self.assertNotIn(self.db.name, self.client.list_database_names())


class FailPoints(Base):
    def fp(self, mode, **data):
        return self.client.admin.command(SON([('configureFailPoint', 'failCommand'),
                                              ('mode', mode), ('data', data)]))

    def tearDown(self):
        self.fp('off')

    def test_error_code_and_times(self):
        self.fp({'times': 2}, failCommands=['insert'], errorCode=50)
        for _ in range(2):
            d = self.assertCode(50, self.db.c.insert_one, {})
            self.assertEqual(d['codeName'], 'MaxTimeMSExpired')
        self.db.c.insert_one({})
        self.fp('alwaysOn', failCommands=['find'], errorCode=2, errorLabels=['X'])
        d = self.assertCode(2, self.db.c.find_one)
        self.assertEqual(d['errorLabels'], ['X'])
        self.fp('off')
        self.db.c.find_one()

    def test_close_connection(self):
        self.fp({'times': 1}, failCommands=['find'], closeConnection=True)
        with self.assertRaises(AutoReconnect):
            self.db.c.find_one()
        self.db.c.find_one()

    def test_app_name(self):
        self.fp('alwaysOn', failCommands=['ping'], errorCode=2, appName='someone-else')
        self.db.command('ping')

    def test_stop_server_configuration(self):
        def stop_fp(mode, **data):
            return self.client.admin.command(SON([('configureFailPoint', 'docrelStopServer'),
                                                  ('mode', mode), ('data', data)]))
        self.assertCode(2, stop_fp, 'alwaysOn', afterApplying=True)
        self.assertCode(14, stop_fp, 'alwaysOn', failCommands=['insert'], afterApplying=1)
        self.assertCode(2, stop_fp, {'times': 0}, failCommands=['insert'])
        self.assertCode(2, self.client.admin.command,
                        SON([('configureFailPoint', 'noSuchFailPoint'), ('mode', 'off')]))
        # Armed for someone else's commands, then off: nothing stops.
        stop_fp('alwaysOn', failCommands=['insert', 'ping'], appName='someone-else')
        self.db.c.insert_one({})
        self.db.command('ping')
        self.assertEqual(stop_fp('off')['count'], 0)


class Transactions(Base):
    uri = property(lambda self: RS_URI)

    @classmethod
    def setUpClass(cls):
        cls.client = client(RS_URI)

    def test_replset_hello(self):
        hello = self.client.admin.command('hello')
        self.assertEqual(hello['setName'], 'rs0')
        self.assertEqual(hello['hosts'], [hello['me']])

    def test_commit_and_abort(self):
        c = self.db.c
        c.insert_many([{'_id': 1, 'v': 1}, {'_id': 2, 'v': 2}, {'_id': 3, 'v': 3}])
        with self.client.start_session() as s:
            s.start_transaction()
            c.insert_one({'_id': 4}, session=s)
            c.update_one({'_id': 1}, {'$set': {'v': 10}}, session=s)
            c.delete_one({'_id': 2}, session=s)
            s.abort_transaction()
            self.assertEqual(list(c.find()), [{'_id': 1, 'v': 1}, {'_id': 2, 'v': 2},
                                              {'_id': 3, 'v': 3}])
            s.start_transaction()
            c.insert_one({'_id': 4}, session=s)
            c.delete_one({'_id': 2}, session=s)
            s.commit_transaction()
        self.assertEqual([d['_id'] for d in c.find()], [1, 3, 4])

    def test_write_error_aborts(self):
        c = self.db.c
        c.insert_one({'_id': 1})
        with self.client.start_session() as s:
            s.start_transaction()
            c.insert_one({'_id': 2}, session=s)
            with self.assertRaises(DuplicateKeyError):
                c.insert_one({'_id': 1}, session=s)
            with self.assertRaises(OperationFailure) as ctx:
                s.commit_transaction()
            self.assertEqual(ctx.exception.code, 251)
        self.assertEqual([d['_id'] for d in c.find()], [1])

    def test_write_conflict_and_end_sessions(self):
        c = self.db.c
        c.insert_one({'_id': 1, 'v': 0})
        s1, s2 = self.client.start_session(), self.client.start_session()
        s1.start_transaction()
        c.update_one({'_id': 1}, {'$set': {'v': 1}}, session=s1)
        s2.start_transaction()
        with self.assertRaises(OperationFailure) as ctx:
            c.update_one({'_id': 1}, {'$set': {'v': 2}}, session=s2)
        self.assertEqual(ctx.exception.code, 112)
        self.assertTrue(ctx.exception.has_error_label('TransientTransactionError'))
        s2.end_session()
        self.client.admin.command('endSessions', [s1.session_id])
        self.assertEqual(c.find_one({'_id': 1})['v'], 0)

    def test_fail_point_in_transaction(self):
        c = self.db.c
        self.client.admin.command(SON([('configureFailPoint', 'failCommand'),
                                       ('mode', {'times': 1}),
                                       ('data', {'failCommands': ['update'], 'errorCode': 24})]))
        with self.client.start_session() as s:
            s.start_transaction()
            c.insert_one({'_id': 1}, session=s)
            with self.assertRaises(OperationFailure) as ctx:
                c.update_one({'_id': 1}, {'$set': {'a': 1}}, session=s)
            self.assertEqual(ctx.exception.code, 24)
            self.assertTrue(ctx.exception.has_error_label('TransientTransactionError'))
            s.abort_transaction()
        self.assertEqual(c.count_documents({}), 0)

    def test_not_allowed_in_transaction(self):
        self.db.old.insert_one({})
        with self.client.start_session() as s:
            s.start_transaction()
            self.assertCode(263, self.db.command, 'count', 'c', session=s)
            s.abort_transaction()
            s.start_transaction()
            self.assertCode(263, self.db.old.create_index, 'a', session=s)
            s.abort_transaction()
            s.start_transaction()
            self.db.new.insert_one({}, session=s)
            self.db.new.create_index('a', session=s)
            s.abort_transaction()
        self.assertEqual(self.db.list_collection_names(), ['old'])

    def test_uncommitted_writes_are_invisible(self):
        c = self.db.c
        c.insert_many([{'_id': 1, 'v': 1}, {'_id': 2, 'v': 2}])
        with self.client.start_session() as s, self.client.start_session() as other:
            s.start_transaction()
            c.insert_one({'_id': 3}, session=s)
            c.update_one({'_id': 1}, {'$set': {'v': 10}}, session=s)
            c.delete_one({'_id': 2}, session=s)
            mine = [{'_id': 1, 'v': 10}, {'_id': 3}]
            self.assertEqual(list(c.find(session=s)), mine)  # its own writes
            before = [{'_id': 1, 'v': 1}, {'_id': 2, 'v': 2}]
            self.assertEqual(list(c.find()), before)  # no session
            self.assertEqual(list(c.find(session=other)), before)
            self.assertEqual(list(c.aggregate([{'$match': {}}])), before)
            s.commit_transaction()
            self.assertEqual(list(c.find(session=other)), mine)

    def test_snapshot_reads(self):
        c = self.db.c
        c.insert_many([{'_id': 1, 'v': 1}, {'_id': 2, 'v': 2}])
        with self.client.start_session() as s, self.client.start_session() as w:
            s.start_transaction()
            self.assertEqual(c.count_documents({}, session=s), 2)
            c.insert_one({'_id': 3})  # committed after s's snapshot
            c.update_one({'_id': 1}, {'$set': {'v': 5}})
            w.start_transaction()
            c.delete_one({'_id': 2}, session=w)
            w.commit_transaction()
            self.db.later.insert_one({'_id': 1})
            self.assertEqual(list(c.find(session=s)), [{'_id': 1, 'v': 1}, {'_id': 2, 'v': 2}])
            self.assertIsNone(self.db.later.find_one(session=s))
            # A write to what was committed after the snapshot conflicts.
            with self.assertRaises(OperationFailure) as ctx:
                c.update_one({'_id': 1}, {'$set': {'v': 6}}, session=s)
            self.assertEqual(ctx.exception.code, 112)
            self.assertTrue(ctx.exception.has_error_label('TransientTransactionError'))
        self.assertEqual(list(c.find()), [{'_id': 1, 'v': 5}, {'_id': 3}])

    def test_unique_key_conflict_at_commit(self):
        c = self.db.c
        c.create_index('k', unique=True)
        with self.client.start_session() as s1, self.client.start_session() as s2:
            s1.start_transaction()
            s2.start_transaction()
            c.insert_one({'_id': 1, 'k': 1}, session=s1)
            c.insert_one({'_id': 2, 'k': 1}, session=s2)
            s1.commit_transaction()
            with self.assertRaises(OperationFailure) as ctx:
                s2.commit_transaction()
            self.assertEqual(ctx.exception.code, 112)
        self.assertEqual(list(c.find()), [{'_id': 1, 'k': 1}])

    def test_ddl_visible_at_commit(self):
        with self.client.start_session() as s:
            s.start_transaction()
            self.db.create_collection('made', session=s)
            self.db.made.insert_one({'_id': 1, 'a': 1}, session=s)
            self.db.made.create_index('a', unique=True, session=s)
            self.assertEqual(self.db.list_collection_names(), [])
            s.abort_transaction()
            self.assertEqual(self.db.list_collection_names(), [])
            s.start_transaction()
            self.db.made.insert_one({'_id': 1, 'a': 1}, session=s)
            self.db.made.create_index('a', unique=True, session=s)
            self.assertEqual(self.db.list_collection_names(), [])
            s.commit_transaction()
        self.assertEqual(self.db.list_collection_names(), ['made'])
        self.assertEqual(sorted(self.db.made.index_information()), ['_id_', 'a_1'])
        self.assertEqual(list(self.db.made.find()), [{'_id': 1, 'a': 1}])

    def test_outside_write_waits_for_the_transaction(self):
        import threading
        c = self.db.c
        c.insert_one({'_id': 1, 'v': 0})
        s = self.client.start_session()
        s.start_transaction()
        c.update_one({'_id': 1}, {'$inc': {'v': 1}}, session=s)
        done = []
        t = threading.Thread(target=lambda: done.append(
            c.update_one({'_id': 1}, {'$inc': {'v': 10}}).modified_count))
        t.start()
        time.sleep(0.5)
        self.assertEqual(done, [])  # blocked behind the transaction
        s.commit_transaction()
        t.join(5)
        self.assertEqual(done, [1])
        self.assertEqual(c.find_one()['v'], 11)
        s.end_session()

    def test_kill_all_sessions_aborts(self):
        c = self.db.c
        s = self.client.start_session()
        s.start_transaction()
        c.insert_one({'_id': 1}, session=s)
        self.client.admin.command('killAllSessions', [])
        with self.assertRaises(OperationFailure) as ctx:
            s.commit_transaction()
        self.assertEqual(ctx.exception.code, 251)
        self.assertEqual(c.count_documents({}), 0)
        s.end_session()
        self.assertCode(115, self.client.admin.command, 'killAllSessions', [{'user': 'u',
                                                                             'db': 'admin'}])

    def test_create_refuses_what_it_does_not_implement(self):
        self.assertCode(115, self.db.command, SON([('create', 'v'), ('viewOn', 'c'),
                                                   ('pipeline', [])]))
        self.assertCode(115, self.db.command, SON([('create', 'k'), ('capped', True),
                                                   ('size', 4096)]))
        self.assertCode(40415, self.db.command, SON([('create', 'x'), ('bogus', 1)]))
        self.assertEqual(self.db.list_collection_names(), [])

    def test_standalone_rejects_transactions(self):
        c = client(URI)
        with c.start_session() as s:
            s.start_transaction()
            with self.assertRaises(OperationFailure) as ctx:
                c[self.db.name].c.insert_one({}, session=s)
            self.assertEqual(ctx.exception.code, 20)
        c.close()


class InProcess(unittest.TestCase):
    def test_exception_becomes_internal_error(self):
        sys.path.insert(0, HERE)
        import commands
        import server
        srv = server.Server('127.0.0.1', 0, None, False, 60.0)
        try:
            commands.HANDLERS['boom'] = lambda ctx, cmd: 1 / 0
            reply = commands.run(srv, server.Connection(1, None, ('x', 1)), {'boom': 1}, 'db')
        finally:
            del commands.HANDLERS['boom']
            srv.stop()
        self.assertEqual((reply['ok'], reply['code'], reply['codeName']),
                         (0.0, 1, 'InternalError'))
        self.assertIn('ZeroDivisionError', reply['errmsg'])


class Restart(unittest.TestCase):
    def test_restart_on_same_port(self):
        uri = start('restart')
        port = int(uri.split(':')[2].split('/')[0])
        c = client(uri, serverSelectionTimeoutMS=2000)
        c.x.c.insert_one({'_id': 1})
        stop('restart')
        with self.assertRaises(AutoReconnect):
            c.x.c.find_one()
        self.assertEqual(start('restart', '--port', str(port)), uri)
        self.assertIsNone(c.x.c.find_one())  # memory only: a restart starts empty
        c.close()
        stop('restart')


class Persistence(unittest.TestCase):
    """ctl.py start --persist: the data survives stop / start on the same port."""

    def test_data_survives_a_restart(self):
        uri = start('persist', '--persist', '--replset', 'rs0')
        c = client(uri)
        db = c.p
        docs = [SON([('_id', 1), ('i32', 7), ('i64', Int64(7)), ('big', 2 ** 40), ('f', 1.5),
                     ('z', 'zz'), ('a', 'fields out of order')]),
                SON([('_id', ObjectId()), ('i32', 9), ('f', 2.5),
                     ('when', datetime.datetime(2020, 1, 2, 3, 4, 5, 678000)),
                     ('dec', Decimal128('1.10')), ('bin', Binary(b'\x00\x01', 0)),
                     ('uuid', Binary(uuid.uuid4().bytes, UUID_SUBTYPE)),
                     ('nested', SON([('y', [1, Int64(2), SON([('b', 1), ('a', 2)])]),
                                     ('x', None)])),
                     ('re', Regex('^a', 'i')), ('t', True)]),
                SON([('_id', 'third'), ('i32', 3)])]
        db.c.insert_many(docs)
        db.c.delete_one({'_id': 'third'})
        db.c.insert_one({'_id': 0, 'i32': 0})  # natural order is insertion order, not _id order
        db.c.create_index([('i32', 1), ('f', -1)], unique=True, name='u')
        db.c.create_index('a', sparse=True)
        db.c.create_index('z', unique=True, partialFilterExpression={'i32': {'$gt': 5}})
        db.create_collection('empty')
        c.q.c.insert_one({'_id': 'another database'})
        raw = db.get_collection('c', codec_options=CodecOptions(document_class=RawBSONDocument))
        before = [d.raw for d in raw.find()]
        indexes = list(db.c.list_indexes())
        colls = {i['name']: i['info']['uuid'] for i in db.list_collections()}
        # An open transaction's writes are not saved.
        s = c.start_session()
        s.start_transaction()
        db.c.insert_one({'_id': 'uncommitted', 'i32': 1}, session=s)
        db.c.update_one({'_id': 1}, {'$set': {'i32': 8}}, session=s)
        db.c.delete_one({'_id': 0}, session=s)
        stop('persist')
        c.close()
        self.assertTrue(os.path.exists(os.path.join(SERVERS['persist'], 'mongodb.data')))
        self.assertEqual(status('persist'), 'stopped')

        self.assertEqual(start('persist', '--persist', '--replset', 'rs0',
                               '--port', str(port_of(uri))), uri)
        c = client(uri)
        db = c.p
        raw = db.get_collection('c', codec_options=CodecOptions(document_class=RawBSONDocument))
        self.assertEqual([d.raw for d in raw.find()], before)  # byte for byte
        first = db.c.find_one({'_id': 1})
        self.assertEqual(list(first), ['_id', 'i32', 'i64', 'big', 'f', 'z', 'a'])
        self.assertIs(type(first['i32']), int)
        self.assertIs(type(first['i64']), Int64)
        self.assertIs(type(first['big']), Int64)
        self.assertEqual(list(db.c.list_indexes()), indexes)
        self.assertEqual({i['name']: i['info']['uuid'] for i in db.list_collections()}, colls)
        self.assertEqual(sorted(colls), ['c', 'empty'])
        self.assertEqual(list(c.q.c.find()), [{'_id': 'another database'}])
        with self.assertRaises(DuplicateKeyError):  # the unique indexes still hold
            db.c.insert_one({'i32': 7, 'f': 1.5})
        with self.assertRaises(DuplicateKeyError):
            db.c.insert_one({'i32': 6, 'z': 'zz'})
        db.c.insert_one({'i32': 5, 'z': 'zz'})  # outside the partial index
        c.close()
        stop('persist')


class StopFailPoint(unittest.TestCase):
    """The docrelStopServer fail point: the server stops in the middle of a call."""

    def fp(self, c, name, mode, **data):
        return c.admin.command(SON([('configureFailPoint', name), ('mode', mode),
                                    ('data', data)]))

    def test_stop_before_applying(self):
        uri = start('stopfp', '--persist')
        d = SERVERS['stopfp']
        c = client(uri, appname='stopper')
        c.s.c.insert_one({'_id': 0})
        # failCommand stays independent of the stop fail point.
        self.fp(c, 'failCommand', 'alwaysOn', failCommands=['find'], errorCode=2,
                appName='stopper')
        self.fp(c, 'docrelStopServer', {'times': 1}, failCommands=['insert'],
                afterApplying=False, appName='stopper')
        with self.assertRaises(OperationFailure):
            c.s.c.find_one()
        with self.assertRaises(AutoReconnect):
            c.s.c.insert_many([{'_id': 1}, {'_id': 2}])
        self.assertEqual(status('stopfp'), 'stopped')  # already: no waiting
        self.assertFalse(os.path.exists(os.path.join(d, 'mongodb.pid')))
        c.close()
        self.assertEqual(start('stopfp', '--persist', '--port', str(port_of(uri))), uri)
        c = client(uri, appname='stopper')
        self.assertEqual(list(c.s.c.find()), [{'_id': 0}])  # fail points are gone too
        c.close()
        stop('stopfp')

    def test_stop_after_applying(self):
        """Run as a program: exit status 0, the port bound again at once."""
        d = tempfile.mkdtemp(dir=WORK)
        port_file = os.path.join(d, 'port')
        data = os.path.join(d, 'data')

        def run(port):
            proc = subprocess.Popen([sys.executable, '-B', os.path.join(HERE, 'server.py'),
                                     '--port', str(port), '--port-file', port_file,
                                     '--data', data, '--replset', 'rs0'],
                                    stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 10
            while not os.path.exists(port_file) and time.monotonic() < deadline:
                self.assertIsNone(proc.poll())
                time.sleep(0.02)
            with open(port_file) as f:
                port = int(f.read())
            uri = 'mongodb://127.0.0.1:%d/?replicaSet=rs0&serverSelectionTimeoutMS=100' % port
            return proc, port, client(uri, appname='stopper')

        proc, port, c = run(0)
        try:
            self.fp(c, 'docrelStopServer', {'skip': 2},
                    failCommands=['insert', 'commitTransaction'], afterApplying=True,
                    appName='stopper')
            c.s.c.insert_one({'_id': 1})  # skipped: answered
            with c.start_session() as s:
                s.start_transaction()
                c.s.c.insert_one({'_id': 2}, session=s)  # skipped
                with self.assertRaises(ConnectionFailure):
                    s.commit_transaction()  # committed, saved, no answer
            self.assertEqual(proc.wait(5), 0)
        finally:
            if proc.poll() is None:
                proc.kill()
            c.close()
        self.assertFalse(os.path.exists(port_file))
        proc, port2, c = run(port)
        try:
            self.assertEqual(port2, port)
            self.assertEqual(list(c.s.c.find()), [{'_id': 1}, {'_id': 2}])
            # A statement inside a transaction is lost with the transaction.
            self.fp(c, 'docrelStopServer', 'alwaysOn', failCommands=['insert'],
                    afterApplying=True, appName='stopper')
            with c.start_session() as s:
                s.start_transaction()
                with self.assertRaises(ConnectionFailure):
                    c.s.c.insert_one({'_id': 3}, session=s)
            self.assertEqual(proc.wait(5), 0)
        finally:
            if proc.poll() is None:
                proc.kill()
            c.close()
        proc, _, c = run(port)
        try:
            self.assertEqual(list(c.s.c.find()), [{'_id': 1}, {'_id': 2}])
            c.s.c.insert_one({'_id': 4})
            proc.send_signal(signal.SIGTERM)  # a clean stop saves too
            self.assertEqual(proc.wait(5), 0)
        finally:
            if proc.poll() is None:
                proc.kill()
            c.close()
        sys.path.insert(0, HERE)
        import persist
        store = persist.load(data)
        self.assertEqual(list(store.collection('s', 'c').docs.values()),
                         [{'_id': 1}, {'_id': 2}, {'_id': 4}])


if __name__ == '__main__':
    unittest.main()
