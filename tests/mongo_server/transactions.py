# SPDX-License-Identifier: Apache-2.0
"""Sessions, multi-document transactions and retryable writes, isolated
as on MongoDB (see README.md, "Transactions").

Snapshot isolation: a transaction sees the committed data as it was at
its first command. It reads the committed collections themselves until
someone else is about to change one; just before that change, every open
transaction that has no copy of the collection yet gets one (its
snapshot), so it keeps seeing what it saw. A transaction's own writes go
to its private copy (cloned on its first write to the collection) and
reach the committed store only at commitTransaction, all of them at once;
abort just forgets the copies. Collections and indexes it creates are in
its copies too, published at commit.

Write conflicts as on MongoDB: a transaction writing a document that
another open transaction has written, or that was committed after its
snapshot, fails with WriteConflict (112) and the TransientTransactionError
label. A write outside any transaction to a document an open transaction
has written waits until that transaction ends (MongoDB blocks it too),
then runs against what is committed by then."""

import threading
import time

from bsonvalues import eq_key
from errors import CommandError, WriteError
from store import Collection, Index

TRANSIENT = ['TransientTransactionError']

# Commands MongoDB runs inside a transaction; anything else fails with 263.
ALLOWED_IN_TXN = {'find', 'insert', 'update', 'delete', 'findAndModify', 'findandmodify',
                  'aggregate', 'distinct', 'getMore', 'killCursors', 'commitTransaction',
                  'abortTransaction', 'create', 'createIndexes', 'bulkWrite'}


class Txn:
    def __init__(self, session, number, snapshot):
        self.session = session
        self.number = number
        self.state = 'in_progress'  # then 'committed' or 'aborted'
        self.snapshot = snapshot    # the commit number its reads see
        self.views = {}    # (db, name) -> its copy of the collection, or None: absent
        self.written = {}  # (db, name) -> {eq_key(_id): True} it wrote, in order
        self.created = set()  # (db, name) of collections it created
        self.started = time.monotonic()


class Session:
    def __init__(self, lsid):
        self.lsid = lsid
        self.txn = None          # the latest transaction
        self.txn_number = -1     # highest txnNumber seen
        self.retry = None        # (txnNumber, command name, reply) of the last retryable write


class Transactions:
    def __init__(self, replset, lifetime, store, lock):
        self.replset = replset
        self.lifetime = lifetime    # seconds, MongoDB's transactionLifetimeLimitSeconds
        self.store = store
        self.ended = threading.Condition(lock)  # notified when a transaction ends
        self.sessions = {}
        self.owners = {}            # (db, name, key) -> open Txn that wrote that document
        self.open = set()
        self.clock = 0              # commit number: bumped by every committed write

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
            s.txn = Txn(s, number, self.clock)
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

    # ---- what a command reads and writes ----

    def view(self, txn, db, name, write=False):
        """txn's collection db.name (a Database, a name): its copy if it has
        one, else the committed one, copied first if txn is to write it."""
        k = (db.name, name)
        if k in txn.views:
            return txn.views[k]
        base = db.get(name)
        if not write or base is None:
            return base
        v = txn.views[k] = base.clone()
        return v

    def ensure(self, txn, db, name):
        """txn's collection for a write, created in txn if it has none."""
        v = self.view(txn, db, name, True)
        if v is None:
            v = txn.views[(db.name, name)] = Collection(db, name)
            txn.created.add((db.name, name))
        return v

    def freeze(self, db, name, but=None):
        """Call before the committed collection db.name (a database name)
        changes: every open transaction (but `but`) without a copy of it
        gets one, or None if it does not exist, and so keeps its snapshot."""
        base = None
        for t in self.open:
            if t is not but and (db, name) not in t.views:
                if base is None:
                    base = self.store.collection(db, name) or False
                t.views[(db, name)] = base.clone() if base else None

    def record(self, txn, coll, key):
        """Before coll's document at key is written (inserted, replaced or
        removed): WriteConflict if another open transaction wrote it or it
        was committed after txn's snapshot. Outside a transaction (callers
        have waited with wait_free), snapshots are kept first."""
        db, name = coll.db.name, coll.name
        if txn is None:
            self.freeze(db, name)
            self.clock += 1
            coll.changed[key] = self.clock
            return
        owner = self.owners.get((db, name, key))
        base = self.store.collection(db, name)
        if ((owner is not None and owner is not txn)
                or (base is not None and base.changed.get(key, -1) > txn.snapshot)):
            raise CommandError(112, 'WriteConflict error: this operation conflicted with '
                                    'another operation. Please retry your operation or '
                                    'multi-document transaction.', errorLabels=TRANSIENT)
        self.owners[(db, name, key)] = txn
        txn.written.setdefault((db, name), {})[key] = True

    def wait_free(self, coll, keys):
        """Outside a transaction, before writing coll's documents at keys:
        waits (the server lock released) while an open transaction holds
        one of them. True if it waited: the caller reads again."""
        waited = False
        while any((coll.db.name, coll.name, k) in self.owners for k in keys):
            waited = True
            self.ended.wait(0.25)
            self._expire()
        return waited

    # ---- ends ----

    def commit(self, txn):
        if txn.state == 'in_progress':
            self._publish(txn)
            self._release(txn)
            txn.state = 'committed'

    def abort(self, txn):
        """Forgets txn's writes: the committed store never had them."""
        if txn.state != 'in_progress':
            return
        self._release(txn)
        txn.state = 'aborted'

    def _publish(self, txn):
        """Applies txn's writes to the committed store, all or nothing: a
        unique key another transaction committed meanwhile undoes them and
        fails with WriteConflict, as MongoDB would have at the write."""
        self.clock += 1
        undo = []
        try:
            for (db, name), view in txn.views.items():
                keys = txn.written.get((db, name), {})
                new = (db, name) in txn.created
                if view is not None and (keys or new):
                    self.freeze(db, name, but=txn)
                    self._publish_collection(view, keys, new, undo)
        except WriteError:
            for f in reversed(undo):
                f()
            raise CommandError(112, 'WriteConflict error: this operation conflicted with '
                                    'another operation. Please retry your operation or '
                                    'multi-document transaction.', errorLabels=TRANSIENT)

    def _publish_collection(self, view, keys, new, undo):
        db = view.db
        base = db.get(view.name)
        if base is None:
            if new:  # created in txn: the copy becomes the collection
                db.collections[view.name] = view
                undo.append(lambda: db.collections.pop(view.name, None))
                view.changed = dict.fromkeys(view.docs, self.clock)
                return
            base = db.ensure(view.name)  # dropped meanwhile
            undo.append(lambda: db.collections.pop(view.name, None))
        for ix in view.indexes.values():
            if new and ix.name not in base.indexes:
                base.add_index(Index(ix.spec))
                undo.append(lambda n=ix.name: base.indexes.pop(n, None))
        for key in keys:
            old, seq, when = base.docs.get(key), base.seq.get(key), base.changed.get(key, -1)
            undo.append(lambda k=key, o=old, s=seq, w=when: (base.restore(k, o, s),
                                                            base.changed.__setitem__(k, w)))
            doc = view.docs.get(key)
            if doc is None:
                if old is not None:
                    base.remove(key)
            elif old is None:
                base.insert(doc)
            else:
                base.replace(key, doc)
            base.changed[key] = self.clock

    def _release(self, txn):
        for (db, name), keys in txn.written.items():
            for k in keys:
                if self.owners.get((db, name, k)) is txn:
                    del self.owners[(db, name, k)]
        txn.views, txn.written, txn.created = {}, {}, set()
        self.open.discard(txn)
        self.ended.notify_all()

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

    def abort_sessions(self, lsids):
        """Aborts the open transactions of these sessions (killAllSessionsByPattern)."""
        for lsid in lsids:
            s = self.sessions.get(eq_key(lsid.get('id') if isinstance(lsid, dict) else lsid))
            if s is not None and s.txn is not None:
                self.abort(s.txn)

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
