#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Checks that lib/ keeps its layers (docs/CONVENTIONS.md lists them):
- a file includes and calls only its own layer and the layers below it
  (a layer is a folder of lib/ with its subfolders: store/sqlite/ is part
  of store);
- no two folders (subfolders counted apart) include each other, directly or
  round a circle, and no two call each other.

Calls are read from the compiled objects (nm: what each object defines and
what it leaves undefined), includes from the sources. Usage:
    scripts/check-layers.py [build-dir]      (default: build)
Exits 1 and names each offending file and symbol or include."""
import os
import re
import subprocess
import sys

# Lowest first. A layer may use itself and the layers listed before it.
LAYERS = ["util", "bsonx", "query", "store", "model", "doc", "join", "graph", "integrity"]
RANK = {name: i for i, name in enumerate(LAYERS)}
ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))


def folder_of(path):
    """The folder of a path below lib/ ("store/sqlite/query.c" -> "store/sqlite")."""
    return os.path.dirname(path)


def layer_of(path):
    """The layer of a path below lib/ ("store/sqlite/query.c" -> "store")."""
    layer = path.split("/")[0]
    if layer not in RANK or "/" not in path:
        sys.exit(f"check-layers: lib/{path}: not in a layer folder; add its folder to LAYERS")
    return layer


def circles(edges):
    """The strongly connected sets of more than one folder (Tarjan)."""
    graph = {}
    for a, b in edges:
        if a != b:
            graph.setdefault(a, set()).add(b)
            graph.setdefault(b, set())
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def sources():
    for dirpath, _, files in os.walk(os.path.join(ROOT, "lib")):
        for f in files:
            if f.endswith((".c", ".h")):
                yield os.path.relpath(os.path.join(dirpath, f), os.path.join(ROOT, "lib"))


def symbols(build):
    """{source path: (defined, undefined)} from the object files."""
    objdir = os.path.join(build, "CMakeFiles", "docrel_objects.dir", "lib")
    out = {}
    for src in sources():
        if not src.endswith(".c"):
            continue
        obj = os.path.join(objdir, src + ".o")
        if not os.path.exists(obj):
            sys.exit(f"check-layers: {obj} missing; build first")
        text = subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout
        defined, undefined = set(), set()
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "U":
                undefined.add(parts[1])
            elif len(parts) == 3 and parts[1] in "TDBRC":
                defined.add(parts[2])
        out[src] = (defined, undefined)
    return out


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build")
    problems = []
    includes = set()
    inc = re.compile(r'^#include "([a-z/]+)/[^"/]+\.h"')
    for src in sources():
        here = layer_of(src)
        with open(os.path.join(ROOT, "lib", src)) as f:
            for n, line in enumerate(f, 1):
                m = inc.match(line)
                if not m or m.group(1) == "docrel":
                    continue
                includes.add((folder_of(src), m.group(1)))
                if RANK[layer_of(m.group(1) + "/")] > RANK[here]:
                    problems.append(f"lib/{src}:{n}: includes {m.group(1)}/, a layer above")
    table = symbols(build)
    owner = {}
    for src, (defined, _) in table.items():
        for name in defined:
            owner[name] = src
    edges = set()
    for src, (_, undefined) in table.items():
        here = layer_of(src)
        for name in sorted(undefined):
            there = owner.get(name)
            if there is None:
                continue  # libbson, libmongoc, SQLite, libc
            edges.add((folder_of(src), folder_of(there)))
            if RANK[layer_of(there)] > RANK[here]:
                problems.append(f"lib/{src}: calls {name} (lib/{there}), a layer above")
    for kind, graph in (("include", includes), ("call", edges)):
        for group in circles(graph):
            problems.append(f"{kind} circle between folders: " + ", ".join(f"lib/{g}/" for g in group))
    for p in problems:
        print(p)
    crossing = sorted((a, b) for a, b in edges | includes if a != b)
    print(f"check-layers: {len(table)} objects, {len(crossing)} folder-to-folder dependencies, "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
