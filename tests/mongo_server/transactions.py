# SPDX-License-Identifier: Apache-2.0
"""Sessions, multi-document transactions and retryable writes, simplified
for a test double (see README.md).

A transaction's writes go straight to the store; before a document is
first written, its previous state is kept, so abortTransaction (or a failed
statement, or endSessions, or the lifetime limit) puts every touched
document back, in place. commitTransaction forgets the undo log. A document
written by one open transaction cannot be written by another: that write
fails with WriteConflict (112) and the TransientTransactionError label, as
on MongoDB, and a driver retries the whole transaction. Reads are not
isolated: everyone sees uncommitted writes."""

import time

from bsonvalues import eq_key
from errors import CommandError

TRANSIENT = ['TransientTransactionError']

# Commands MongoDB runs inside a transaction; anything else fails with 263.
ALLOWED_IN_TXN = {'find', 'insert', 'update', 'delete', 'findAndModify', 'findandmodify',
                  'aggregate', 'distinct', 'getMore', 'killCursors', 'commitTransaction',
                  'abortTransaction', 'create', 'createIndexes', 'bulkWrite'}


class Txn:
    def __init__(self, session, number):
        self.session = session
        self.number = number
        self.state = 'in_progress'  # then 'committed' or 'aborted'
        self.undo = {}  # (collection, key) -> (document before, its insertion number)
        self.created = []  # collections this transaction created
        self.started = time.monotonic()


class Session:
    def __init__(self, lsid):
        self.lsid = lsid
        self.txn = None          # the latest transaction
        self.txn_number = -1     # highest txnNumber seen
        self.retry = None        # (txnNumber, command name, reply) of the last retryable write


class Transactions:
    def __init__(self, replset, lifetime):
        self.replset = replset
        self.lifetime = lifetime    # seconds, MongoDB's transactionLifetimeLimitSeconds
        self.sessions = {}
        self.owners = {}            # (collection, key) -> Txn holding that document
        self.open = set()

    def session(self, lsid):
        k = eq_key(lsid.get('id') if isinstance(lsid, dict) else lsid)
        s = self.sessions.get(k)
        if s is None:
            s = self.sessions[k] = Session(lsid)
        return s

    # ---- per command ----

    def enter(self, cmd, name):
        """The transaction this command runs in (None: none), after
        MongoDB's checks of lsid / txnNumber / autocommit / startTransaction."""
        self._expire()
        if 'lsid' not in cmd or cmd.get('autocommit', True) is not False:
            if 'autocommit' in cmd and cmd['autocommit'] is not False:
                raise CommandError(72, 'Specifying autocommit=true is not allowed.')
            if 'txnNumber' in cmd and not self.replset:
                raise CommandError(20, 'Transaction numbers are only allowed on a replica set '
                                       'member or mongos')
            return None
        if not self.replset:
            raise CommandError(20, 'Transaction numbers are only allowed on a replica set member '
                                   'or mongos')
        if 'txnNumber' not in cmd:
            raise CommandError(72, "'autocommit' field requires a transaction number to also "
                                   "be specified")
        number = int(cmd['txnNumber'])
        s = self.session(cmd['lsid'])
        if name not in ALLOWED_IN_TXN:
            raise CommandError(263, "Cannot run '%s' in a multi-document transaction." % name)
        if cmd.get('startTransaction'):
            if number < s.txn_number:
                raise CommandError(225, 'Cannot start transaction %d on session because a newer '
                                        'transaction %d has already started.'
                                   % (number, s.txn_number))
            if s.txn is not None and s.txn.number == number:
                raise CommandError(50911, 'Cannot start a transaction at given transaction '
                                          'number %d a transaction with the same number is in '
                                          'state %s' % (number, s.txn.state))
            if s.txn is not None and s.txn.state == 'in_progress':
                self.abort(s.txn)
            s.txn_number = number
            s.txn = Txn(s, number)
            self.open.add(s.txn)
            return s.txn
        t = s.txn
        if t is None or t.number != number:
            raise CommandError(251, 'Given transaction number %d does not match any in-progress '
                                    'transactions. The active transaction number is %d'
                               % (number, s.txn_number), errorLabels=TRANSIENT)
        if t.state == 'aborted':
            raise CommandError(251, 'Transaction %d has been aborted.' % number,
                               errorLabels=TRANSIENT)
        if t.state == 'committed' and name not in ('commitTransaction', 'abortTransaction'):
            raise CommandError(256, 'Transaction %d has been committed.' % number)
        return t

    def record(self, txn, coll, key):
        """Before coll's document at key is written (inserted, replaced or
        removed): WriteConflict if another open transaction holds it, and
        the document's previous state into txn's undo log."""
        owner = self.owners.get((coll, key))
        if owner is not None and owner is not txn:
            if owner.state == 'in_progress' and txn is not None:
                raise CommandError(112, 'WriteConflict error: this operation conflicted with '
                                        'another operation. Please retry your operation or '
                                        'multi-document transaction.', errorLabels=TRANSIENT)
            # A write outside any transaction goes ahead (MongoDB would make
            # it wait for the transaction); the transaction keeps its undo.
        if txn is None or (coll, key) in txn.undo:
            return
        txn.undo[(coll, key)] = (coll.docs.get(key), coll.seq.get(key))
        self.owners[(coll, key)] = txn

    def commit(self, txn):
        if txn.state == 'in_progress':
            self._release(txn)
            txn.state = 'committed'

    def abort(self, txn):
        """Undoes txn's writes, newest first."""
        if txn.state != 'in_progress':
            return
        for (coll, key), (doc, seq) in reversed(list(txn.undo.items())):
            if not coll.dropped:
                coll.restore(key, doc, seq)
        for coll in txn.created:
            if coll.db.collections.get(coll.name) is coll and not coll.docs:
                coll.db.drop(coll.name)
        self._release(txn)
        txn.state = 'aborted'

    def _release(self, txn):
        for ck in txn.undo:
            if self.owners.get(ck) is txn:
                del self.owners[ck]
        txn.undo = {}
        txn.created = []
        self.open.discard(txn)

    def _expire(self):
        if not self.open:
            return
        now = time.monotonic()
        for t in [t for t in self.open if now - t.started > self.lifetime]:
            self.abort(t)

    def abort_for(self, cmd):
        """Aborts the open transaction cmd belongs to, if any."""
        if 'lsid' not in cmd or 'txnNumber' not in cmd:
            return
        s = self.sessions.get(eq_key(cmd['lsid'].get('id') if isinstance(cmd['lsid'], dict)
                                     else cmd['lsid']))
        if s is not None and s.txn is not None and s.txn.number == int(cmd['txnNumber']):
            self.abort(s.txn)

    def abort_all(self):
        """Aborts every open transaction (before the store is saved at exit,
        so only committed writes are kept)."""
        for t in sorted(self.open, key=lambda t: t.started, reverse=True):
            self.abort(t)

    def end_sessions(self, lsids):
        for lsid in lsids:
            k = eq_key(lsid.get('id') if isinstance(lsid, dict) else lsid)
            s = self.sessions.pop(k, None)
            if s is not None and s.txn is not None:
                self.abort(s.txn)

    # ---- commitTransaction / abortTransaction ----

    def commit_command(self, txn):
        if txn is None:
            raise CommandError(251, 'no transaction in progress', errorLabels=TRANSIENT)
        if txn.state == 'aborted':
            raise CommandError(251, 'Transaction %d has been aborted.' % txn.number,
                               errorLabels=TRANSIENT)
        self.commit(txn)  # committing twice is fine: drivers retry commits
        return {'ok': 1.0}

    def abort_command(self, txn):
        if txn is None:
            raise CommandError(251, 'no transaction in progress', errorLabels=TRANSIENT)
        if txn.state == 'committed':
            raise CommandError(256, 'Transaction %d has been committed.' % txn.number)
        if txn.state == 'aborted':
            raise CommandError(251, 'Transaction %d has been aborted.' % txn.number,
                               errorLabels=TRANSIENT)
        self.abort(txn)
        return {'ok': 1.0}
