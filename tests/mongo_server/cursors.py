# SPDX-License-Identifier: Apache-2.0
"""Server-side cursors for find, aggregate, listIndexes, listCollections.

A query computes its whole result list at once (a snapshot of references to
the stored documents, which are never changed in place); a cursor hands it
out in batches. Batches follow MongoDB's defaults: 101 documents in the
first batch unless batchSize says otherwise, then as many as fit, and never
more than 16 MiB of documents in one reply. Documents are encoded once,
to RawBSONDocument, so the size is known while the batch is built."""

import collections
import random

import bson
from bson.int64 import Int64
from bson.raw_bson import RawBSONDocument

from errors import CommandError

DEFAULT_FIRST_BATCH = 101
MAX_BATCH_BYTES = 16 * 1024 * 1024 - 64 * 1024  # room for the reply envelope
MAX_OPEN_CURSORS = 20000


class Cursor:
    __slots__ = ('id', 'ns', 'docs', 'pos', 'transform')

    def __init__(self, cid, ns, docs, transform):
        self.id, self.ns, self.docs, self.pos, self.transform = cid, ns, docs, 0, transform

    def take(self, count):
        """The next batch: at most count documents (None: no count limit)."""
        out = []
        size = 0
        docs = self.docs
        while self.pos < len(docs) and (count is None or len(out) < count):
            d = docs[self.pos]
            if self.transform:
                d = self.transform(d)
            raw = RawBSONDocument(bson.encode(d))
            n = len(raw.raw)
            if out and size + n > MAX_BATCH_BYTES:
                break
            out.append(raw)
            size += n
            self.pos += 1
        return out

    @property
    def exhausted(self):
        return self.pos >= len(self.docs)


class Registry:
    def __init__(self):
        self.open = collections.OrderedDict()  # id -> Cursor, oldest first

    def _new_id(self):
        while True:
            cid = random.getrandbits(62) + 1
            if cid not in self.open:
                return cid

    def first_batch(self, ns, docs, batch_size=None, single_batch=False, transform=None):
        """The 'cursor' field of a find / aggregate reply; keeps the cursor
        open when documents remain."""
        if batch_size is None:
            batch_size = None if single_batch else DEFAULT_FIRST_BATCH
        cur = Cursor(0, ns, docs, transform)
        batch = cur.take(batch_size)
        cid = 0
        if not single_batch and not cur.exhausted:
            cid = cur.id = self._new_id()
            self.open[cid] = cur
            while len(self.open) > MAX_OPEN_CURSORS:
                self.open.popitem(last=False)
        return {'firstBatch': batch, 'id': Int64(cid), 'ns': ns}

    def get_more(self, cid, ns, batch_size=None):
        cur = self.open.get(cid)
        if cur is None:
            raise CommandError(43, 'cursor id %d not found' % cid)
        if cur.ns != ns:
            raise CommandError(13, "Requested getMore on namespace '%s', but cursor belongs to a "
                                   "different namespace %s" % (ns, cur.ns))
        batch = cur.take(batch_size or None)
        if cur.exhausted:
            del self.open[cid]
            cid = 0
        return {'nextBatch': batch, 'id': Int64(cid), 'ns': ns}

    def kill(self, ids):
        killed, not_found = [], []
        for cid in ids:
            if self.open.pop(int(cid), None) is not None:
                killed.append(Int64(cid))
            else:
                not_found.append(Int64(cid))
        return killed, not_found

    def drop_namespace(self, ns_prefix):
        """Closes the cursors of a dropped collection or database."""
        for cid in [c for c, cur in self.open.items()
                    if cur.ns == ns_prefix or cur.ns.startswith(ns_prefix + '.')]:
            del self.open[cid]
