# SPDX-License-Identifier: Apache-2.0
"""Command dispatch: run(server, conn, cmd, db) -> reply document, or CLOSE
to hang up without replying (a closeConnection fail point, or a server that
is stopping: the docrelStopServer fail point, see failpoints.py).

Every command runs under the server's one lock (mongomock and the store are
not thread-safe; Python would serialise the work anyway). Every failure
becomes a reply: CommandError with its code, any other exception
InternalError (1) with its text, so a client never waits on a lost reply."""

import time
import traceback

import admin
import crud
import ddl
import fields
from bsonvalues import eq_key
from errors import RETRYABLE_CODES, CommandError, error_reply

CLOSE = object()

HANDLERS = {
    'hello': admin.cmd_hello,
    'isMaster': admin.cmd_is_master,
    'ismaster': admin.cmd_is_master,
    'ping': admin.cmd_ping,
    'buildInfo': admin.cmd_build_info,
    'buildinfo': admin.cmd_build_info,
    'getLastError': admin.cmd_get_last_error,
    'getlasterror': admin.cmd_get_last_error,
    'endSessions': admin.cmd_end_sessions,
    'killSessions': admin.cmd_end_sessions,
    'startSession': admin.cmd_start_session,
    'refreshSessions': admin.cmd_ok,
    'killAllSessions': admin.cmd_kill_all_sessions,
    'killAllSessionsByPattern': admin.cmd_kill_all_sessions,
    'connectionStatus': admin.cmd_connection_status,
    'whatsmyuri': admin.cmd_whats_my_uri,
    'serverStatus': admin.cmd_server_status,
    'getParameter': admin.cmd_get_parameter,
    'replSetGetStatus': admin.cmd_repl_set_get_status,
    'configureFailPoint': admin.cmd_configure_fail_point,
    'commitTransaction': admin.cmd_commit_transaction,
    'abortTransaction': admin.cmd_abort_transaction,
    'explain': admin.cmd_explain,
    'insert': crud.cmd_insert,
    'update': crud.cmd_update,
    'delete': crud.cmd_delete,
    'find': crud.cmd_find,
    'getMore': crud.cmd_get_more,
    'killCursors': crud.cmd_kill_cursors,
    'count': crud.cmd_count,
    'distinct': crud.cmd_distinct,
    'findAndModify': crud.cmd_find_and_modify,
    'findandmodify': crud.cmd_find_and_modify,
    'aggregate': crud.cmd_aggregate,
    'create': ddl.cmd_create,
    'drop': ddl.cmd_drop,
    'dropDatabase': ddl.cmd_drop_database,
    'listCollections': ddl.cmd_list_collections,
    'listDatabases': ddl.cmd_list_databases,
    'createIndexes': ddl.cmd_create_indexes,
    'listIndexes': ddl.cmd_list_indexes,
    'dropIndexes': ddl.cmd_drop_indexes,
    'deleteIndexes': ddl.cmd_drop_indexes,
    'collStats': ddl.cmd_coll_stats,
    'dbStats': ddl.cmd_db_stats,
}

# Writes a driver may retry with the same lsid + txnNumber.
RETRYABLE_WRITES = {'insert', 'update', 'delete', 'findAndModify', 'findandmodify'}
TXN_ENDS = ('commitTransaction', 'abortTransaction')
# Errors a server labels TransientTransactionError inside a transaction.
TRANSIENT_CODES = RETRYABLE_CODES | {24, 112, 251}
# Handshake commands answer without a session or transaction check.
HANDSHAKE = {'hello', 'isMaster', 'ismaster'}


class Ctx:
    """What a handler sees of the server for one command."""
    __slots__ = ('server', 'conn', 'store', 'cursors', 'txns', 'db', 'txn')

    def __init__(self, server, conn, db_name):
        self.server = server
        self.conn = conn
        self.store = server.store
        self.cursors = server.cursors
        self.txns = server.txns
        self.db = server.store.db(db_name)
        self.txn = None

    def collection(self, name, write=False):
        """The collection this command reads (or, with write, writes):
        in a transaction, the transaction's snapshot or copy of it."""
        if self.txn is None:
            return self.db.get(name)
        return self.txns.view(self.txn, self.db, name, write)

    def ensure(self, name):
        """The collection for a write, created if missing (in a
        transaction, in its copy: the others see it from the commit)."""
        if self.txn is not None:
            return self.txns.ensure(self.txn, self.db, name)
        coll = self.db.get(name)
        if coll is None:
            self.txns.freeze(self.db.name, name)
            coll = self.db.ensure(name)
        return coll

    def record(self, coll, key):
        """Call before writing coll's document at key (see transactions.py)."""
        self.txns.record(self.txn, coll, key)

    def wait_free(self, coll, docs):
        """Outside a transaction, before writing docs of coll: waits while
        an open transaction holds one; True if it did (read them again)."""
        if self.txn is not None or coll is None or not docs:
            return False
        return self.txns.wait_free(coll, [eq_key(d['_id']) for d in docs])

    def freeze(self, name):
        """Call before a command outside transactions changes collection
        name's definition (drop, indexes): open transactions keep theirs."""
        self.txns.freeze(self.db.name, name)


def command_name(cmd):
    return next(iter(cmd)) if cmd else ''


def run(server, conn, cmd, db):
    name = command_name(cmd)
    stop = server.failpoints.check_stop(name, conn.app_name)
    if stop is not None:
        _stop_server(server, conn, cmd, db, name, stop)
        return CLOSE
    action = server.failpoints.check(name, conn.app_name)
    if action is not None:
        if action.block_ms:
            time.sleep(action.block_ms / 1000.0)  # outside the lock: others go on
        if action.close:
            return CLOSE
        if action.code:
            if cmd.get('autocommit') is False and name not in TXN_ENDS:
                with server.lock:  # a failed statement aborts its transaction
                    server.txns.abort_for(cmd)
            return _fail_point_error(server, action, cmd, name)
    with server.lock:
        if server.closed:  # the server is stopping: nothing more is answered
            return CLOSE
        reply = _execute(server, conn, cmd, db, name)
    if action is not None and action.write_concern_error and reply.get('ok'):
        reply['writeConcernError'] = dict(action.write_concern_error)
    return reply


def _stop_server(server, conn, cmd, db, name, stop):
    """The docrelStopServer fail point fired on cmd: run it first if
    afterApplying (its reply is dropped), then stop the server; the process
    exits here when it runs as a program (server.exit_on_halt)."""
    def apply():
        _execute(server, conn, cmd, db, name)
    server.halt(before=apply if stop.after_applying else None,
                why="docrelStopServer fail point: stopping %s %s.%s (conn %d)"
                    % ('after' if stop.after_applying else 'before', db, name, conn.id),
                exit=server.exit_on_halt)


def _fail_point_error(server, action, cmd, name):
    extra = {}
    if action.labels is not None:
        extra['errorLabels'] = list(action.labels)
    elif (server.replset and name in RETRYABLE_WRITES and 'txnNumber' in cmd
          and 'autocommit' not in cmd and action.code in RETRYABLE_CODES):
        extra['errorLabels'] = ['RetryableWriteError']
    elif (cmd.get('autocommit') is False and name not in TXN_ENDS
          and action.code in TRANSIENT_CODES):
        extra['errorLabels'] = ['TransientTransactionError']
    return error_reply(action.code, action.errmsg, **extra)


def _execute(server, conn, cmd, db, name):
    handler = HANDLERS.get(name)
    if handler is None:
        return error_reply(59, "no such command: '%s'" % name)
    ctx = Ctx(server, conn, db)
    txn = None
    try:
        fields.check_command(name, cmd)
        fields.check_collation(cmd)
        if name not in HANDSHAKE:
            txn = ctx.txn = server.txns.enter(cmd, name)
        retry = _retryable(server, cmd, name) if txn is None else None
        if retry is not None and retry[2] is not None:
            return dict(retry[2])  # the same write again: the first answer
        reply = handler(ctx, cmd)
        if txn is not None and reply.get('writeErrors'):
            server.txns.abort(txn)  # MongoDB aborts a transaction on a write error
        if retry is not None:
            retry[0].retry = (retry[1], name, reply)
        return reply
    except CommandError as e:
        if txn is not None and name not in TXN_ENDS:
            server.txns.abort(txn)
        return e.reply()
    except Exception as e:  # a bug in the server: still an answer
        if server.verbose:
            traceback.print_exc()
        if txn is not None:
            server.txns.abort(txn)
        return error_reply(1, '%s: %s' % (type(e).__name__, e))


def _retryable(server, cmd, name):
    """(session, txnNumber, earlier reply or None) for a retryable write."""
    if (name not in RETRYABLE_WRITES or 'txnNumber' not in cmd or 'lsid' not in cmd
            or not server.replset):
        return None
    s = server.txns.session(cmd['lsid'])
    number = int(cmd['txnNumber'])
    if s.retry is not None and s.retry[0] == number and s.retry[1] == name:
        return s, number, s.retry[2]
    if number < s.txn_number:
        raise CommandError(225, 'Retryable write with txnNumber %d is prohibited on session '
                                'because a newer retryable write with txnNumber %d has already '
                                'started on this session.' % (number, s.txn_number))
    s.txn_number = number
    return s, number, None
