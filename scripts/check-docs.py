#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Compiles every C block of README.md and docs/*.md against the headers, so
the documentation cannot drift from the API.

- A block with a main function is a whole program: it is compiled, linked
  against the library of a build and run in an empty directory; it must
  exit 0.
- Any other block is a fragment. The HTML comment right above its fence
  gives the declarations it uses, `<!-- context: docrel_store_t *store;
  bson_error_t error; -->`; the fragment is compiled as the body of a
  function after them (-fsyntax-only, warnings as errors but for unused
  variables).

Usage: scripts/check-docs.py [build-dir]   (default: build)
Exits 1 naming each block that fails, by file and line."""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))
FENCE = re.compile(r"^```c\s*$")
CONTEXT = re.compile(r"^<!--\s*context:(.*?)-->\s*$", re.S)


def blocks(path):
    """(line, context, code) of every ```c block of a Markdown file."""
    lines = open(path).read().split("\n")
    i = 0
    while i < len(lines):
        if FENCE.match(lines[i]):
            start = i + 1
            j = start
            while j < len(lines) and lines[j].strip() != "```":
                j += 1
            prev = lines[i - 1] if i > 0 else ""
            m = CONTEXT.match(prev)
            yield start, (m.group(1).strip() if m else ""), "\n".join(lines[start:j])
            i = j
        i += 1


def flags(build):
    bson = subprocess.run(["pkg-config", "--cflags", "--libs", "libbson-1.0"], capture_output=True, text=True,
                          check=True).stdout.split()
    includes = ["-I" + os.path.join(ROOT, "include"), "-I" + os.path.join(build, "include")]
    return includes, bson


def run(cmd, cwd=None):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)


def check_program(code, build, tmp, includes, bson):
    src = os.path.join(tmp, "program.c")
    exe = os.path.join(tmp, "program")
    open(src, "w").write(code + "\n")
    r = run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", *includes, src, "-o", exe, "-L" + build, "-ldocrel",
             "-Wl,-rpath," + build, *bson])
    if r.returncode != 0:
        return "does not compile:\n" + r.stderr
    workdir = os.path.join(tmp, "run")
    os.makedirs(workdir, exist_ok=True)
    r = run([exe], cwd=workdir)
    if r.returncode != 0:
        return f"exits {r.returncode}:\n{r.stdout}{r.stderr}"
    return None


def check_fragment(code, context, tmp, includes, bson):
    src = os.path.join(tmp, "fragment.c")
    body = "\n".join("   " + line for line in code.split("\n"))
    open(src, "w").write("#include <docrel/docrel.h>\n#include <stdio.h>\n\nvoid doc_example (void);\n\n"
                         "void\ndoc_example (void)\n{\n   " + context + "\n" + body + "\n}\n")
    r = run(["cc", "-std=c11", "-fsyntax-only", "-Wall", "-Wextra", "-Werror", "-Wno-unused-variable",
             "-Wno-unused-but-set-variable", "-Wno-unused-value", *includes, src, *bson])
    if r.returncode != 0:
        return "does not compile:\n" + r.stderr
    return None


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build"))
    includes, bson = flags(build)
    docs = [os.path.join(ROOT, "README.md")] + sorted(
        os.path.join(ROOT, "docs", f) for f in os.listdir(os.path.join(ROOT, "docs")) if f.endswith(".md"))
    failures, checked = [], 0
    for path in docs:
        for line, context, code in blocks(path):
            checked += 1
            with tempfile.TemporaryDirectory() as tmp:
                if re.search(r"^main \(|^int main", code, re.M):
                    problem = check_program(code, build, tmp, includes, bson)
                else:
                    problem = check_fragment(code, context, tmp, includes, bson)
            where = f"{os.path.relpath(path, ROOT)}:{line}"
            if problem:
                failures.append(f"{where}: {problem}")
    for f in failures:
        print(f)
    print(f"check-docs: {checked} C blocks, {len(failures)} failing")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
