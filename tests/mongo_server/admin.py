# SPDX-License-Identifier: Apache-2.0
"""Handshake and server commands: hello / isMaster, ping, buildInfo,
sessions, fail points, transactions' commit / abort, and the small
commands drivers send on their own.

Without --replset the server is a standalone MongoDB 5.0. With --replset
NAME it is the primary of a one-member replica set NAME, so libmongoc
enables sessions' transactions and retryable writes. No topologyVersion is
sent, so libmongoc polls hello instead of streaming (no awaitable hello)."""

import datetime
import os
import uuid

from bson.binary import Binary, UUID_SUBTYPE
from bson.int64 import Int64
from bson.objectid import ObjectId
from bson.timestamp import Timestamp

from errors import CommandError

VERSION = '5.0.0'
VERSION_ARRAY = [5, 0, 0, 0]
MAX_WIRE_VERSION = 13  # MongoDB 5.0
ELECTION_ID = ObjectId('7fffffff0000000000000001')


def _now():
    now = datetime.datetime.utcnow()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def hello_reply(server, conn, cmd, legacy):
    """The handshake / monitoring reply; legacy: isMaster's field names."""
    client = cmd.get('client')
    if isinstance(client, dict):
        app = client.get('application')
        if isinstance(app, dict) and isinstance(app.get('name'), str):
            conn.app_name = app['name']
    doc = {}
    if cmd.get('helloOk'):
        doc['helloOk'] = True
    doc['ismaster' if legacy else 'isWritablePrimary'] = True
    if server.replset:
        doc.update(hosts=[server.address], setName=server.replset, setVersion=1,
                   secondary=False, primary=server.address, me=server.address,
                   electionId=ELECTION_ID,
                   lastWrite={'opTime': {'ts': Timestamp(int(server.started), 1), 't': Int64(1)},
                              'lastWriteDate': _now()})
    doc.update(maxBsonObjectSize=16777216, maxMessageSizeBytes=48000000,
               maxWriteBatchSize=100000, localTime=_now(), logicalSessionTimeoutMinutes=30,
               connectionId=conn.id, minWireVersion=0, maxWireVersion=MAX_WIRE_VERSION,
               readOnly=False, ok=1.0)
    return doc


def cmd_hello(ctx, cmd):
    return hello_reply(ctx.server, ctx.conn, cmd, legacy=False)


def cmd_is_master(ctx, cmd):
    return hello_reply(ctx.server, ctx.conn, cmd, legacy=True)


def cmd_ping(ctx, cmd):
    return {'ok': 1.0}


def cmd_build_info(ctx, cmd):
    return {'version': VERSION, 'gitVersion': 'docrel-test-server', 'versionArray': VERSION_ARRAY,
            'bits': 64, 'debug': False, 'maxBsonObjectSize': 16777216,
            'storageEngines': ['devnull', 'ephemeralForTest'], 'modules': [], 'ok': 1.0}


def cmd_get_last_error(ctx, cmd):
    return {'n': 0, 'err': None, 'connectionId': ctx.conn.id, 'ok': 1.0}


def cmd_end_sessions(ctx, cmd):
    lsids = cmd.get(next(iter(cmd)))
    if isinstance(lsids, list):
        ctx.txns.end_sessions(lsids)
    return {'ok': 1.0}


def cmd_kill_all_sessions(ctx, cmd):
    """killAllSessions: [] (every session; no authentication here, so a
    list of users is refused) and killAllSessionsByPattern: [{}] or
    [{lsid: ...}]: aborts those sessions' open transactions."""
    name = next(iter(cmd))
    arg = cmd[name]
    if not isinstance(arg, list):
        raise CommandError(14, "BSON field '%s.%s' is the wrong type '%s', expected type "
                               "'array'" % (name, name, type(arg).__name__))
    if name == 'killAllSessions' and arg:
        raise CommandError(115, 'killAllSessions for a list of users is not supported by the '
                                'docrel test server (it has no authentication)')
    if not arg or any(p == {} for p in arg):
        ctx.txns.abort_all()
        return {'ok': 1.0}
    for p in arg:
        if not isinstance(p, dict) or set(p) != {'lsid'}:
            raise CommandError(115, 'killAllSessionsByPattern with patterns other than {} and '
                                    '{lsid: ...} is not supported by the docrel test server')
    ctx.txns.abort_sessions([p['lsid'] for p in arg])
    return {'ok': 1.0}


def cmd_start_session(ctx, cmd):
    return {'id': {'id': Binary(uuid.uuid4().bytes, UUID_SUBTYPE)}, 'timeoutMinutes': 30,
            'ok': 1.0}


def cmd_ok(ctx, cmd):
    return {'ok': 1.0}


def cmd_configure_fail_point(ctx, cmd):
    _admin_only(ctx, 'configureFailPoint')
    return ctx.server.failpoints.configure(cmd)


def cmd_commit_transaction(ctx, cmd):
    _admin_only(ctx, 'commitTransaction')
    return ctx.txns.commit_command(ctx.txn)


def cmd_abort_transaction(ctx, cmd):
    _admin_only(ctx, 'abortTransaction')
    return ctx.txns.abort_command(ctx.txn)


def _admin_only(ctx, name):
    if ctx.db.name != 'admin':
        raise CommandError(13, '%s may only be run against the admin database.' % name)


def cmd_connection_status(ctx, cmd):
    return {'authInfo': {'authenticatedUsers': [], 'authenticatedUserRoles': []}, 'ok': 1.0}


def cmd_whats_my_uri(ctx, cmd):
    return {'you': ctx.conn.peer, 'ok': 1.0}


def cmd_server_status(ctx, cmd):
    return {'host': ctx.server.address, 'version': VERSION, 'process': 'mongod',
            'pid': Int64(os.getpid()), 'localTime': _now(),
            'connections': {'current': len(ctx.server.connections)}, 'ok': 1.0}


def cmd_get_parameter(ctx, cmd):
    reply = {}
    if cmd.get('featureCompatibilityVersion') or cmd.get('getParameter') == '*':
        reply['featureCompatibilityVersion'] = {'version': '5.0'}
    if cmd.get('transactionLifetimeLimitSeconds') or cmd.get('getParameter') == '*':
        reply['transactionLifetimeLimitSeconds'] = int(ctx.txns.lifetime)
    reply['ok'] = 1.0
    return reply


def cmd_repl_set_get_status(ctx, cmd):
    if not ctx.server.replset:
        raise CommandError(76, 'not running with --replSet')
    return {'set': ctx.server.replset, 'myState': 1,
            'members': [{'_id': 0, 'name': ctx.server.address, 'health': 1.0, 'state': 1,
                         'stateStr': 'PRIMARY', 'self': True}], 'ok': 1.0}


def cmd_explain(ctx, cmd):
    inner = cmd.get('explain')
    if not isinstance(inner, dict) or not inner:
        raise CommandError(9, 'explain command requires a nested object')
    name = next(iter(inner))
    coll = inner[name]
    return {'queryPlanner': {'namespace': '%s.%s' % (ctx.db.name, coll),
                             'parsedQuery': inner.get('filter') or inner.get('query') or {},
                             'winningPlan': {'stage': 'COLLSCAN'}},
            'command': inner, 'serverInfo': {'host': ctx.server.address, 'version': VERSION},
            'ok': 1.0}
