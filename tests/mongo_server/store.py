# SPDX-License-Identifier: Apache-2.0
"""The in-memory data: databases of collections of documents, with their
indexes. Everything is guarded by one lock held by the command layer.

A collection keeps its documents in a dict keyed by eq_key(_id), in
insertion order, which is the order a query without sort returns (MongoDB's
natural order on a fresh collection: updates do not move documents). Unique
indexes keep a dict of key tuples, so checking a write is O(1) and not a
scan (mongomock scans the collection for every insert)."""

import itertools
import uuid

from bson.binary import Binary, UUID_SUBTYPE

from bsonvalues import MISSING, eq_key, leaf_values, shell_repr
from errors import DUPLICATE_KEY, WriteError
from matcher import compile_filter


def dup_key_error(ns, index_name, key_pattern, values):
    """MongoDB 5.0's duplicate key write error."""
    key_value = dict(zip((p for p, _ in key_pattern), values))
    shown = ', '.join('%s: %s' % (p, shell_repr(v)) for (p, _), v in zip(key_pattern, values))
    msg = 'E11000 duplicate key error collection: %s index: %s dup key: { %s }' % (
        ns, index_name, shown)
    return WriteError(DUPLICATE_KEY, msg, keyPattern=dict(key_pattern), keyValue=key_value)


def default_index_name(key_pattern):
    """MongoDB's generated name: a_1_b_-1."""
    def fmt(d):
        if isinstance(d, float) and d == int(d):
            return str(int(d))
        return str(d)
    return '_'.join('%s_%s' % (p, fmt(d)) for p, d in key_pattern)


class Index:
    """One index; only unique ones keep entries."""

    def __init__(self, spec):
        self.spec = spec  # as listIndexes shows it: {v, key, name, unique?...}
        self.name = spec['name']
        self.key = list(spec['key'].items())
        self.unique = bool(spec.get('unique'))
        self.sparse = bool(spec.get('sparse'))
        partial = spec.get('partialFilterExpression')
        self.partial = compile_filter(partial) if partial is not None else None
        self.entries = {}  # key tuple of eq_keys -> eq_key(_id) of its owner

    def copy(self):
        """The same index with its own entries (a transaction's snapshot)."""
        other = Index.__new__(Index)
        other.__dict__.update(self.__dict__)
        other.entries = dict(self.entries)
        return other

    def keys_of(self, doc):
        """[(eq-key tuple, raw values)] this document puts in the index."""
        if self.partial is not None and not self.partial(doc):
            return []
        per_path = []
        present = False
        for path, _ in self.key:
            vals = leaf_values(doc, path)
            if any(v is not MISSING for v in vals):
                present = True  # a sparse index holds explicit nulls too
            per_path.append([None if v is MISSING else v for v in vals] or [None])
        if self.sparse and not present:
            return []
        out = {}
        for combo in itertools.product(*per_path):
            k = tuple(eq_key(v) for v in combo)
            out.setdefault(k, combo)
        return list(out.items())


class Collection:
    def __init__(self, db, name):
        self.db = db
        self.name = name
        self.docs = {}      # eq_key(_id) -> document, insertion order
        self.seq = {}       # eq_key(_id) -> insertion number, to restore a document in place
        self.next_seq = 0
        self.indexes = {}   # name -> Index, besides _id_
        self.uuid = Binary(uuid.uuid4().bytes, UUID_SUBTYPE)
        self.dropped = False
        self.changed = {}   # eq_key(_id) -> commit number of its last committed write

    def clone(self):
        """A private copy (documents shared, never mutated in place) for a
        transaction: its snapshot, then its uncommitted writes."""
        c = Collection.__new__(Collection)
        c.__dict__.update(self.__dict__)
        c.docs, c.seq, c.changed = dict(self.docs), dict(self.seq), {}
        c.indexes = {n: ix.copy() for n, ix in self.indexes.items()}
        return c

    @property
    def ns(self):
        return '%s.%s' % (self.db.name, self.name)

    def id_index_spec(self):
        return {'v': 2, 'key': {'_id': 1}, 'name': '_id_'}

    def index_specs(self):
        return [self.id_index_spec()] + [ix.spec for ix in self.indexes.values()]

    # ---- reads ----

    def select(self, pred, id_keys=None):
        """Matching documents in natural order. id_keys (from
        matcher.id_lookup_keys) narrows the scan to those _ids."""
        docs = self.docs
        if id_keys is not None and len(id_keys) * 4 < len(docs):
            found = {}
            for k in id_keys:
                try:
                    d = docs.get(k)
                except TypeError:  # unhashable key: scan instead
                    return [d for d in docs.values() if pred(d)]
                if d is not None:
                    found[k] = d
            keys = sorted(found, key=self.seq.__getitem__)
            return [found[k] for k in keys if pred(found[k])]
        return [d for d in docs.values() if pred(d)]

    # ---- writes (callers call Transactions.record first) ----

    def insert(self, doc):
        """Adds doc (which has an _id); WriteError 11000 on a duplicate."""
        key = eq_key(doc['_id'])
        if key in self.docs:
            raise dup_key_error(self.ns, '_id_', [('_id', 1)], [doc['_id']])
        added = self._check_unique(doc, key, None)
        self._add_entries(added, key)
        self.docs[key] = doc
        self.seq[key] = self.next_seq
        self.next_seq += 1
        return key

    def replace(self, key, new_doc):
        """Replaces the document stored under key; WriteError 11000 if a
        unique index would then hold the same key twice."""
        old = self.docs[key]
        added = self._check_unique(new_doc, key, old)
        self._drop_entries(key, old)
        self._add_entries(added, key)
        self.docs[key] = new_doc

    def remove(self, key):
        old = self.docs.pop(key)
        del self.seq[key]
        self._drop_entries(key, old)
        return old

    def restore(self, key, doc, seq):
        """Undo: puts back doc (None: removes it) at its old place, without
        checks (an aborted transaction restores what was there)."""
        if key in self.docs:
            self._drop_entries(key, self.docs[key])
            if doc is not None and self.seq[key] == seq:
                self.docs[key] = doc
                self._put_entries(key, doc)
                return
            del self.docs[key]
            del self.seq[key]
        if doc is None:
            return
        out_of_order = bool(self.seq) and next(reversed(self.seq.values())) > seq
        self.docs[key] = doc
        self.seq[key] = seq
        self._put_entries(key, doc)
        if out_of_order:  # re-sort so natural order is what it was
            order = sorted(self.docs, key=self.seq.__getitem__)
            self.docs = {k: self.docs[k] for k in order}
            self.seq = {k: self.seq[k] for k in order}

    def _drop_entries(self, key, doc):
        for ix in self.indexes.values():
            if ix.unique:
                for k, _ in ix.keys_of(doc):
                    if ix.entries.get(k) == key:
                        del ix.entries[k]

    def _put_entries(self, key, doc):
        for ix in self.indexes.values():
            if ix.unique:
                for k, _ in ix.keys_of(doc):
                    ix.entries[k] = key

    def _check_unique(self, doc, key, old):
        added = []
        for ix in self.indexes.values():
            if not ix.unique:
                continue
            for k, raw in ix.keys_of(doc):
                owner = ix.entries.get(k)
                if owner is not None and owner != key:
                    raise dup_key_error(self.ns, ix.name, ix.key, raw)
                added.append((ix, k))
        return added

    def _add_entries(self, added, key):
        for ix, k in added:
            ix.entries[k] = key

    # ---- indexes ----

    def add_index(self, index):
        """Builds index over the documents; WriteError 11000 on duplicates."""
        if index.unique:
            for key, doc in self.docs.items():
                for k, raw in index.keys_of(doc):
                    owner = index.entries.get(k)
                    if owner is not None and owner != key:
                        raise dup_key_error(self.ns, index.name, index.key, raw)
                    index.entries[k] = key
        self.indexes[index.name] = index


class Database:
    def __init__(self, name):
        self.name = name
        self.collections = {}

    def get(self, name):
        return self.collections.get(name)

    def ensure(self, name):
        """The collection, created if missing."""
        c = self.collections.get(name)
        if c is None:
            c = self.collections[name] = Collection(self, name)
        return c

    def drop(self, name):
        c = self.collections.pop(name, None)
        if c is not None:
            c.dropped = True
        return c


class Store:
    def __init__(self):
        self.databases = {}

    def db(self, name):
        d = self.databases.get(name)
        if d is None:
            d = self.databases[name] = Database(name)
        return d

    def collection(self, db, name):
        """The collection or None, without creating anything."""
        d = self.databases.get(db)
        return d.collections.get(name) if d else None

    def drop_database(self, name):
        d = self.databases.pop(name, None)
        if d:
            for c in d.collections.values():
                c.dropped = True
