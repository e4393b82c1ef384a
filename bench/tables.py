# SPDX-License-Identifier: Apache-2.0
"""Turns bench/results/results.json into results.md and the charts.

    /usr/bin/python3 bench/tables.py [bench/results]   (run.py calls write_all)
"""
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OPS = ["save_all", "get_join", "get", "cursor", "delete_all"]
SCALED = {"save_all", "get_join", "cursor"}  # work grows with the data; get and delete_all do fixed work
TARGET = 1.5
LABEL = {"docrel": "docrel", "floor": "floor (C)", "sqlalchemy": "SQLAlchemy"}


def index(doc):
    return {(r["store"], r["impl"], r["op"], r["scale"]): r for r in doc["results"]}


def secs(r):
    return r["seconds"] if r and "seconds" in r else None


def fmt_s(v):
    if v is None:
        return "–"
    return "%.3f" % v if v < 10 else "%.1f" % v


def fmt_ratio(a, b):
    return "%.2f×" % (a / b) if a is not None and b else "–"


def mib(r, key="peak_rss_kb"):
    return "%.0f" % (r[key] / 1024) if r and key in r else "–"


def sqlite_table(ix, scale):
    rows = ["| operation | docrel s | floor s | SQLAlchemy s | docrel / floor | docrel / SQLAlchemy | docrel docs/s "
            "| docrel commands (predicted) | peak RSS MiB docrel / floor / SQLAlchemy |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for op in OPS:
        d, f, p = (ix.get(("sqlite", i, op, scale)) for i in ("docrel", "floor", "sqlalchemy"))
        ds, fs, ps = secs(d), secs(f), secs(p)
        rate = "%.0f" % (d["docs"] / ds) if ds else "–"
        cmds = "%d (%s)" % (d["commands"], d["commands_expected"] if d["commands_expected"] >= 0 else "–") if ds else "–"
        note = " ¹" if d and d.get("note", "").startswith("fallback") else ""
        err = " (docrel failed: %s)" % d["error"] if d and "error" in d else ""
        rows.append("| %s%s%s | %s | %s | %s | %s | %s | %s | %s | %s / %s / %s |" % (
            op, note, err, fmt_s(ds), fmt_s(fs), fmt_s(ps), fmt_ratio(ds, fs), fmt_ratio(ds, ps), rate, cmds,
            mib(d), mib(f), mib(p)))
    return "\n".join(rows)


def targets(ix, scales):
    out = []
    big, small = max(scales), min(scales)
    for scale in scales:
        for op in OPS:
            d, f = secs(ix.get(("sqlite", "docrel", op, scale))), secs(ix.get(("sqlite", "floor", op, scale)))
            if d is not None and f:
                out.append(("within %.1f× of the floor: %s ×%d" % (TARGET, op, scale), d / f <= TARGET,
                            "%.2f×" % (d / f)))
    for store in ("sqlite", "mongodb"):
        for (s, impl, op, scale), r in sorted(ix.items()):
            if s == store and impl == "docrel" and "commands" in r and r["commands_expected"] >= 0:
                out.append(("commands as the tree predicts: %s ×%d on %s" % (op, scale, store),
                            r["commands"] == r["commands_expected"],
                            "%d sent, %d predicted" % (r["commands"], r["commands_expected"])))
    if big != small:
        c1, c10 = ix.get(("sqlite", "docrel", "cursor", small)), ix.get(("sqlite", "docrel", "cursor", big))
        if c1 and c10 and "peak_rss_kb" in c1 and "peak_rss_kb" in c10:
            g1, g10 = c1["peak_rss_kb"] - c1["base_rss_kb"], c10["peak_rss_kb"] - c10["base_rss_kb"]
            out.append(("streaming memory does not grow with the documents", g10 <= max(1.25 * g1, g1 + 2048),
                        "cursor RSS growth %.1f MiB at ×%d, %.1f MiB at ×%d" % (g1 / 1024, small, g10 / 1024, big)))
        for op in OPS:
            a, b = secs(ix.get(("sqlite", "docrel", op, small))), secs(ix.get(("sqlite", "docrel", op, big)))
            if a and b:
                work = big / small if op in SCALED else 1
                out.append(("growth ×%d→×%d no worse than linear: %s" % (small, big, op), b / a <= big / small,
                            "%.1f× the time for %g× the work on %g× the data" % (b / a, work, big / small)))
    return "\n".join("| %s | %s | %s |" % (name, "met" if ok else "**missed**", detail) for name, ok, detail in out)


def per_request_table(ix, scales):
    """Operation 3 per request: wall and CPU time, minor page faults (the heap
    top given back to the kernel and faulted in again shows there) and
    allocations through libbson's allocator."""
    rows = ["| get | wall µs/op | CPU µs/op (user + sys) | minor faults/op | bson allocations/op |",
            "|---|---:|---:|---:|---:|"]
    any_row = False
    for scale in scales:
        for impl in ("docrel", "floor"):
            r = ix.get(("sqlite", impl, "get", scale))
            if not r or "minflt_per_op" not in r:
                continue
            any_row = True
            n = r["ops"]
            allocs = "%.0f" % r["bson_allocs_per_op"] if "bson_allocs_per_op" in r else "–"
            rows.append("| %s ×%d | %.0f | %.0f + %.0f | %.1f | %s |" % (
                LABEL[impl], scale, 1e6 * r["seconds"] / n, 1e6 * r["user_seconds"] / n,
                1e6 * r["sys_seconds"] / n, r["minflt_per_op"], allocs))
    return "\n".join(rows) if any_row else None


def mongo_table(ix):
    rows = ["| operation | docrel commands (predicted) | docrel s | libmongoc s | docrel / libmongoc |",
            "|---|---:|---:|---:|---:|"]
    any_row = False
    for op in OPS:
        d, m = ix.get(("mongodb", "docrel", op, 1)), ix.get(("mongodb", "mongoc", op, 1))
        if not d and not m:
            continue
        any_row = True
        ds, ms = secs(d), secs(m)
        cmds = "%d (%d)" % (d["commands"], d["commands_expected"]) if ds else ("failed: %s" % d["error"] if d else "–")
        rows.append("| %s | %s | %s | %s | %s |" % (op, cmds, fmt_s(ds), fmt_s(ms), fmt_ratio(ds, ms)))
    return "\n".join(rows) if any_row else None


def markdown(doc):
    ix = index(doc)
    m = doc["machine"]
    parts = ["# docrel benchmark results", "",
             "Machine: %s cores, %s RAM, Debian %s, %s, SQLite %s, Python %s. Whole run: %.0f s." % (
                 m["cores"], m["memory"], m["debian"], m["cc"], m["sqlite"], m["python"], doc["seconds"]), ""]
    for scale in doc["scales"]:
        parts += ["## Embedded store (SQLite file, WAL), ×%d" % scale, "", sqlite_table(ix, scale), ""]
    if any(r.get("note", "").startswith("fallback") for r in doc["results"]):
        parts += ["¹ docrel_save per document: the graph calls were placeholders in this build.", ""]
    pr = per_request_table(ix, doc["scales"])
    if pr:
        parts += ["## Per request (get)", "", pr, "",
                  "brk and mmap calls are not counted here (strace would slow the run): "
                  "`strace -c -f -e trace=brk,mmap,munmap BUILD/bench/docrel-bench get --uri ...` counts them.", ""]
    parts += ["## Targets", "", "| target | result | measured |", "|---|---|---|", targets(ix, doc["scales"]), ""]
    mt = mongo_table(ix)
    parts += ["## MongoDB", "", doc["mongodb"], ""] + ([mt, ""] if mt else [])
    return "\n".join(parts)


def plot(doc, out):
    if not shutil.which("gnuplot"):
        print("gnuplot not found: no charts", file=sys.stderr)
        return
    ix = index(doc)
    scales = doc["scales"]
    for scale in scales:
        with open(os.path.join(out, "ops-x%d.dat" % scale), "w") as f:
            f.write("# op docrel floor sqlalchemy\n")
            for op in OPS:
                f.write("%s %s\n" % (op.replace("_", "\\\\_"), " ".join(
                    "%.6f" % s if s else "NaN" for s in (secs(ix.get(("sqlite", i, op, scale))) for i in
                                                          ("docrel", "floor", "sqlalchemy")))))
    if len(scales) > 1:
        with open(os.path.join(out, "growth.dat"), "w") as f:
            f.write("# op docrel floor sqlalchemy\n")
            for op in OPS:
                vals = []
                for i in ("docrel", "floor", "sqlalchemy"):
                    a, b = secs(ix.get(("sqlite", i, op, min(scales)))), secs(ix.get(("sqlite", i, op, max(scales))))
                    vals.append("%.4f" % (b / a) if a and b else "NaN")
                f.write("%s %s\n" % (op.replace("_", "\\\\_"), " ".join(vals)))
    subprocess.run(["gnuplot", "-e", "out='%s'; scales='%s'" % (out, " ".join(str(s) for s in scales)),
                    os.path.join(HERE, "charts.gp")], check=False)


def write_all(doc, out):
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(markdown(doc))
    plot(doc, out)


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "results")
    with open(os.path.join(out, "results.json")) as f:
        write_all(json.load(f), out)
