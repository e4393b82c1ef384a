#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""make-seeds.py: writes the seed corpus of the fuzz harnesses,
fuzz/corpus/<target>/<name>, as raw BSON (plus a JSON seed or two, which
the harnesses also read, and plain text for store URIs).

Run with Debian's python3 (python3-pymongo provides the bson module):
    /usr/bin/python3 fuzz/make-seeds.py
Inputs a fuzzer found a bug with stay in the corpus as regression seeds
(named regress-*): the script only writes the files it names."""
import datetime
import os

import bson
from bson.int64 import Int64
from bson.objectid import ObjectId
from bson.binary import Binary

HERE = os.path.dirname(os.path.abspath(__file__))


SEEDS = {
    "filter": {
        "empty": {},
        "eq": {"title": "p41"},
        "range": {"date": {"$gte": 3, "$lt": 9.5}},
        "in-nin": {"authorId": {"$in": [3, 4]}, "_id": {"$nin": [41]}},
        "or-and": {"$or": [{"published": True}, {"$and": [{"date": {"$exists": False}}]}]},
        "nor-not": {"$nor": [{"title": {"$not": {"$eq": "p20"}}}]},
        "type-size-all": {"meta": {"$size": 2}, "tags": {"$all": ["a"]}, "date": {"$type": "double"}},
        "elemmatch": {"meta": {"$elemMatch": {"k": {"$gt": 0}}}},
        "dotted": {"body.x.y": None, "address.zip": 2},
        "types": {"oid": ObjectId("0123456789abcdef01234567"), "bin": Binary(b"\x00\x01"),
                  "score": Int64(9007199254740993),
                  "date": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)},
        "unsupported": {"title": {"$where": "1"}},
    },
    "join": {
        "empty": {},
        "one-edge": {"posts": True},
        "nested": {"posts": {"comments": {"commenter": True}, "tags": True}},
        "edge-options": {"posts": {"$filter": {"published": True}, "$sort": {"date": -1}, "$skip": 1,
                                   "$limit": 2, "$fields": {"title": 1}, "author": True}},
        "habtm-back": {"tags": {"posts": {"author": {"profile": True}}}},
        "profile": {"profile": True, "posts": False},
        "unknown": {"nope": True},
        "bad-option": {"posts": {"$limit": -1}},
        "count": {"posts": {"comments": {"$count": True}, "tags": {"$count": True, "$filter": {"name": "c"}}},
                  "profile": {"$count": True, "$filter": {}}},
        "count-bad": {"posts": {"$count": True, "$limit": 1, "comments": True}},
    },
    "find_options": {
        "empty": {},
        "sort-skip-limit": {"sort": {"date": 1, "_id": -1}, "skip": 1, "limit": 3},
        "projection-in": {"projection": {"title": 1, "meta.k": 1}},
        "projection-out": {"projection": {"_id": 0, "body": 0}},
        "batch-join": {"batchSize": 2, "join": {"posts": {"comments": True}}},
        "related": {"related": {"author": {"name": "five"}}},
        "related-habtm": {"related": {"tags": {"name": {"$in": ["c", "go"]}}}},
        "unknown-key": {"hint": 1},
        "bad-values": {"limit": -3, "sort": {"a": 2}},
    },
    "update": {
        "set": {"$set": {"title": "new", "a.d": 5}},
        "unset-then-set": {"$unset": {"a.b": ""}, "$set": {"a.z": 1, "a.b": [0]}},
        "array-index": {"$set": {"a.b.1.c": 3, "arr.0.0": "x", "arr.5": True}},
        "through-scalar": {"$set": {"n.x": 1, "title.y": 2}},
        "id": {"$set": {"_id": 1}, "$unset": {"_id": ""}},
        "bad-type": {"$set": {"title": 7}},
        "plain": {"extra": {"deep": [1, 2]}, "a": None},
        "empty-path": {"$set": {"": 1, "a..b": 2, ".x": 3}},
    },
    "doc": {
        "typed-ok": {"name": "Ada", "age": 36, "score": 1.5, "kind": "a", "tags": ["x"],
                     "when": datetime.datetime(2020, 5, 6, tzinfo=datetime.timezone.utc),
                     "meta": {"city": "Oslo"}},
        "typed-bad": {"name": 1, "age": 200, "kind": "z", "tags": [1, 2, 3, 4, 5, 6]},
        "post": {"_id": 7777, "title": "t", "authorId": 4},
        "post-doc-key": {"_id": {"a": 1, "b": "x"}, "title": "t"},
        "nested": {"a": {"b": {"c": [{"d": None}]}}, "title": "x"},
        "types": {"oid": ObjectId("0123456789abcdef01234567"), "bin": Binary(b"\xff", 5),
                  "big": Int64(-1), "nan": float("nan"), "neg0": -0.0, "t": True},
        "dotted-keys": {"a.b": 1, "$x": 2, "": 3},
    },
    "schema": {
        "blog": {"version": 1, "models": {
            "Post": {"name": "Post", "fields": {
                "id": {"name": "id", "type": "ID", "isRequired": True},
                "title": {"name": "title", "type": "String", "isRequired": True},
                "comments": {"name": "comments", "isArray": True, "type": {"model": "Comment"},
                             "association": {"connectionType": "HAS_MANY", "associatedWith": ["postID"]}}}},
            "Comment": {"name": "Comment", "fields": {
                "id": {"name": "id", "type": "ID", "isRequired": True},
                "postID": {"name": "postID", "type": "ID"},
                "post": {"name": "post", "type": {"model": "Post"},
                         "association": {"connectionType": "BELONGS_TO", "targetNames": ["postID"]}}}}}},
        "enums-docrel": {
            "enums": {"Status": {"name": "Status", "values": ["DRAFT", "LIVE"]}},
            "models": {"Item": {
                "name": "Item",
                "fields": {"id": {"name": "id", "type": "ID"},
                           "status": {"name": "status", "type": {"enum": "Status"}},
                           "n": {"name": "n", "type": "Int", "docrel": {"min": 0, "default": 1}}},
                "docrel": {"collection": "items", "extra": "reject",
                           "indexes": [{"keys": {"n": 1}, "unique": True}]}}}},
        "composite-key": {"models": {"K": {
            "name": "K",
            "fields": {"code": {"name": "code", "type": "String"}, "part": {"name": "part", "type": "Int"}},
            "primaryKeyInfo": {"isCustomPrimaryKey": True, "primaryKeyFieldName": "code",
                               "sortKeyFieldNames": ["part"]}}}},
        "many-to-many": {"models": {
            "A": {"name": "A", "fields": {"bs": {"name": "bs", "type": {"model": "B"},
                                                 "association": {"connectionType": "MANY_TO_MANY"}}}},
            "B": {"name": "B", "fields": {}}}},
        "nonmodel": {"nonModels": {"Addr": {"name": "Addr", "fields": {}}},
                     "models": {"P": {"name": "P", "fields": {"addr": {"name": "addr",
                                                                       "type": {"nonModel": "Addr"}}}}}},
        "bad-type": {"models": {"X": {"fields": {"f": {"name": "f", "type": "strng"}}}}},
        "missing-model": {"models": {"X": {"fields": {"y": {
            "name": "y", "type": {"model": "Nope"},
            "association": {"connectionType": "BELONGS_TO", "targetNames": "yID"}}}}}},
    },
}

JSON_SEEDS = {
    "filter": {"json-regexish": '{"title": {"$in": ["p41", {"$numberInt": "3"}]}, "age": {"$gt": 1}}'},
    "schema": {"json-small": '{"models": {"J": {"name": "J", "fields": {"id": {"name": "id", "type": "ID"}}}}}'},
}

URIS = {
    "memory": "sqlite::memory:",
    "file": "sqlite:fuzz.db",
    "file-uri-form": "sqlite:file:x.db",
    "upper-scheme": "SQLITE::memory:",
    "no-scheme": "memory",
    "unknown-scheme": "postgres:db",
    "query": "sqlite:x.db?mode=ro",
    "empty-rest": "sqlite:",
    "empty": "",
}


def write(target, name, data):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def main():
    for target, seeds in SEEDS.items():
        for name, value in seeds.items():
            write(target, name + ".bson", bson.encode(value))
    # Two fields of one name: a dict cannot say it, so the bytes by hand.
    fields = b"\x10x\x00\x01\x00\x00\x00" + b"\x10x\x00\x02\x00\x00\x00"
    write("doc", "dup-keys.bson", (len(fields) + 5).to_bytes(4, "little") + fields + b"\x00")
    for target, seeds in JSON_SEEDS.items():
        for name, text in seeds.items():
            write(target, name + ".json", text.encode())
    for name, uri in URIS.items():
        write("store_uri", name + ".txt", uri.encode())


if __name__ == "__main__":
    main()
