# SPDX-License-Identifier: Apache-2.0
"""Turns bench/results/results.json into the report (docs/benchmarks.md),
bench/results/results.md and the charts (docs/benchmarks-*.png).

    /usr/bin/python3 bench/tables.py [bench/results [docs/benchmarks.md]]   (run.py calls write_all)
"""
import json
import os
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OPS = ["save_all", "get_join", "get", "cursor", "delete_all"]
SCALED = {"save_all", "get_join", "cursor", "delete_all"}  # work grows with the data; get's does not
TARGET, LINEAR_SLACK = 1.5, 1.15
LABEL = {"docrel": "docrel", "plain": "plain floor (C)", "floor": "floor on docrel's storage (C)",
         "sqlalchemy": "SQLAlchemy"}


def cpu(r):
    return r["user_seconds"] + r["sys_seconds"] if "user_seconds" in r else None


def per_op(r, v):
    """Operation 3 runs different numbers of reads (SQLAlchemy, callgrind):
    its figures are given for 10,000 reads."""
    if v is None:
        return None
    return v * 10000 / r["ops"] if r["op"] in ("get", "threads") and r.get("ops") else v


def runs(doc, impl, op, scale, threads=None, store="sqlite"):
    return [r for r in doc["results"] if r["impl"] == impl and r["op"] == op and r["scale"] == scale and
            r["store"] == store and "seconds" in r and (threads is None or r.get("threads") == threads)]


def stat(doc, impl, op, scale, key="wall", threads=None):
    """(median, min, max) over the runs, or None."""
    vals = []
    for r in runs(doc, impl, op, scale, threads):
        v = r["seconds"] if key == "wall" else cpu(r) if key == "cpu" else r.get(key)
        if v is not None:
            vals.append(per_op(r, v) if key in ("wall", "cpu") else v)
    return (statistics.median(vals), min(vals), max(vals), len(vals)) if vals else None


def instr(doc, impl, op, scale):
    for c in doc.get("callgrind", []):
        if c["impl"] == impl and c["op"] == op and c["scale"] == scale and c["instructions"]:
            return c["instructions"] * (10000 / c["ops"] if op == "get" else 1)
    return None


def f_s(v):
    if v is None:
        return "–"
    return "%.4f" % v if v < 0.1 else "%.3f" % v if v < 10 else "%.1f" % v


def f_stat(s):
    return "–" if not s else "%s [%s–%s]" % (f_s(s[0]), f_s(s[1]), f_s(s[2]))


def ratio(a, b):
    return "%.2f×" % (a / b) if a is not None and b else "–"


def med(s):
    return s[0] if s else None


def f_instr(v):
    return "–" if v is None else "%.0f M" % (v / 1e6) if v >= 1e7 else "%.1f M" % (v / 1e6)


def time_table(doc, scale):
    rows = ["| operation | docrel wall s | plain floor wall s | floor on docrel's storage wall s | SQLAlchemy wall s "
            "(1 run) | docrel / plain: wall | CPU | instructions | docrel / floor on its storage: wall |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for op in OPS:
        d, p, f = (stat(doc, i, op, scale) for i in ("docrel", "plain", "floor"))
        s = stat(doc, "sqlalchemy", op, scale)
        dc, pc = stat(doc, "docrel", op, scale, "cpu"), stat(doc, "plain", op, scale, "cpu")
        rows.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            op, f_stat(d), f_stat(p), f_stat(f), f_s(med(s)), ratio(med(d), med(p)), ratio(med(dc), med(pc)),
            ratio(instr(doc, "docrel", op, scale), instr(doc, "plain", op, scale)), ratio(med(d), med(f))))
    return "\n".join(rows)


def cost_table(doc, scale):
    rows = ["| operation | CPU s (user+sys, median) docrel / plain / floor / SQLAlchemy | instructions docrel / plain "
            "/ floor | docrel logical commands (predicted) | SQLite statements docrel / plain / floor / SQLAlchemy "
            "| peak RSS MiB docrel / plain / floor / SQLAlchemy | documents |",
            "|---|---|---|---:|---|---|---:|"]
    for op in OPS:
        impls = ("docrel", "plain", "floor", "sqlalchemy")
        cpus = " / ".join(f_s(med(stat(doc, i, op, scale, "cpu"))) for i in impls)
        ins = " / ".join(f_instr(instr(doc, i, op, scale)) for i in impls[:3])
        first = {i: (runs(doc, i, op, scale) or [None])[0] for i in impls}
        d = first["docrel"]
        cmds = "%d (%s)" % (d["commands"], d["commands_expected"] if d["commands_expected"] >= 0 else "–") if d else "–"
        stm = " / ".join("%d" % first[i]["statements"] if first[i] and first[i].get("statements", -1) >= 0 else "–"
                         for i in impls)
        rss = " / ".join("%.0f" % (med(stat(doc, i, op, scale, "peak_rss_kb")) / 1024)
                         if stat(doc, i, op, scale, "peak_rss_kb") else "–" for i in impls)
        docs = sorted({r["docs"] for i in impls[:3] for r in runs(doc, i, op, scale)})
        rows.append("| %s | %s | %s | %s | %s | %s | %s |" % (op, cpus, ins, cmds, stm, rss,
                                                               ", ".join(str(x) for x in docs)))
    return "\n".join(rows)


def request_table(doc):
    rows = ["| get (per request) | wall µs | CPU µs | minor faults | bson allocations | SQLite statements | "
            "brk / mmap / munmap per 1,000 warm requests |", "|---|---:|---:|---:|---:|---:|---|"]
    heap = doc.get("heap_calls", {})
    for scale in doc["scales"]:
        for impl in ("docrel", "plain", "floor"):
            rs = runs(doc, impl, "get", scale)
            if not rs:
                continue
            n = rs[0]["ops"]
            w, c = stat(doc, impl, "get", scale), stat(doc, impl, "get", scale, "cpu")
            h = heap.get(impl) if scale == min(doc["scales"]) else None
            rows.append("| %s ×%d | %.0f | %.0f | %.2f | %s | %.1f | %s |" % (
                LABEL[impl], scale, 1e6 * w[0] / 10000, 1e6 * c[0] / 10000,
                statistics.median(r["minflt_per_op"] for r in rs),
                "%.0f" % rs[0]["bson_allocs_per_op"] if "bson_allocs_per_op" in rs[0] else "–",
                rs[0]["statements"] / n if rs[0].get("statements", -1) >= 0 else float("nan"),
                "%d / %d / %d" % (h["brk"], h["mmap"], h["munmap"]) if h else "–"))
    return "\n".join(rows)


def rps(doc, impl, n, scale):
    vals = [r["ops"] / r["seconds"] for r in runs(doc, impl, "threads", scale, n)]
    return (statistics.median(vals), min(vals), max(vals)) if vals else None


def threads_table(doc):
    scale = min(doc["scales"])
    rows = ["| threads | docrel requests/s [min–max] | × 1 thread | plain floor requests/s [min–max] | × 1 thread |",
            "|---:|---:|---:|---:|---:|"]
    for n in doc["threads"]:
        d, p = rps(doc, "docrel", n, scale), rps(doc, "plain", n, scale)
        d1, p1 = rps(doc, "docrel", 1, scale), rps(doc, "plain", 1, scale)
        rows.append("| %d | %s | %s | %s | %s |" % (
            n, "%.0f [%.0f–%.0f]" % d if d else "–", ratio(d and d[0], d1 and d1[0]),
            "%.0f [%.0f–%.0f]" % p if p else "–", ratio(p and p[0], p1 and p1[0])))
    return "\n".join(rows)


def growth(doc, impl, op, key):
    a, b = min(doc["scales"]), max(doc["scales"])
    if key == "instr":
        x, y = instr(doc, impl, op, a), instr(doc, impl, op, b)
    else:
        x, y = med(stat(doc, impl, op, a, key)), med(stat(doc, impl, op, b, key))
    return y / x if x and y else None


def work(doc, op):
    return max(doc["scales"]) // min(doc["scales"]) if op in SCALED else 1


def growth_table(doc):
    rows = ["| operation | work ×%d / ×%d | docrel CPU | docrel instructions | docrel wall | plain CPU | "
            "plain instructions | floor on docrel's storage CPU |" % (max(doc["scales"]), min(doc["scales"])),
            "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for op in OPS:
        g = [growth(doc, "docrel", op, "cpu"), growth(doc, "docrel", op, "instr"), growth(doc, "docrel", op, "wall"),
             growth(doc, "plain", op, "cpu"), growth(doc, "plain", op, "instr"), growth(doc, "floor", op, "cpu")]
        rows.append("| %s | %d× | %s |" % (op, work(doc, op), " | ".join("%.1f×" % v if v else "–" for v in g)))
    return "\n".join(rows)


def targets(doc):
    out = []
    for scale in doc["scales"]:
        for op in OPS:
            d, p = med(stat(doc, "docrel", op, scale)), med(stat(doc, "plain", op, scale))
            dc, pc = med(stat(doc, "docrel", op, scale, "cpu")), med(stat(doc, "plain", op, scale, "cpu"))
            if d and p:
                out.append(("%s ×%d within %.1f× of the plain floor" % (op, scale, TARGET), d / p <= TARGET,
                            "%.2f× wall, %.2f× CPU%s" % (d / p, dc / pc if dc and pc else float("nan"),
                                                         "" if d / p <= TARGET else ": missed by %.1f×" %
                                                         (d / p / TARGET))))
    rs = runs(doc, "docrel", "get", min(doc["scales"]))
    if rs and rs[0].get("statements", -1) >= 0:
        per = rs[0]["statements"] / rs[0]["ops"]
        out.append(("a warm request: SQLite statements = edges + 1 (3 edges: 4)", per <= 4,
                    "%.1f statements a request" % per))
    heap = doc.get("heap_calls", {}).get("docrel")
    if heap:
        out.append(("a warm request: no heap growth (brk, mmap)", heap["brk"] == 0 and heap["mmap"] == 0,
                    "%d brk, %d mmap per 1,000 warm requests" % (heap["brk"], heap["mmap"])))
    d1, d2 = rps(doc, "docrel", 1, min(doc["scales"])), rps(doc, "docrel", 2, min(doc["scales"]))
    if d1 and d2:
        out.append(("reads at 2 threads ≥ 1.7× 1 thread's requests/s", d2[0] / d1[0] >= 1.7,
                    "%.2f×" % (d2[0] / d1[0])))
    if len(doc["scales"]) > 1:
        a, b = min(doc["scales"]), max(doc["scales"])
        ca, cb = stat(doc, "docrel", "cursor", a, "peak_rss_kb"), stat(doc, "docrel", "cursor", b, "peak_rss_kb")
        if ca and cb:
            out.append(("streaming memory flat (cursor peak RSS)", cb[0] <= 1.25 * ca[0],
                        "%.0f MiB at ×%d, %.0f MiB at ×%d" % (ca[0] / 1024, a, cb[0] / 1024, b)))
        for op in OPS:
            for key, name in (("cpu", "CPU time"), ("instr", "instructions")):
                g = growth(doc, "docrel", op, key)
                if g:
                    lim = work(doc, op) * LINEAR_SLACK
                    out.append(("growth ×%d→×%d linear in %s: %s" % (a, b, name, op), g <= lim,
                                "%.1f× for %d× the work" % (g, work(doc, op))))
    for op in ("get_join", "get", "cursor"):
        d = runs(doc, "docrel", op, 1, store="mongodb")
        m = runs(doc, "mongoc", op, 1, store="mongodb")
        if d and m:
            rt = d[0]["seconds"] / m[0]["seconds"]
            out.append(("MongoDB %s within 1.2× of libmongoc" % op, rt <= 1.2, "%.2f×" % rt))
    return "\n".join("| %s | %s | %s |" % (n, "met" if ok else "**missed**", m) for n, ok, m in out)


def where_time_goes(doc):
    parts = []
    for c in doc.get("callgrind", []):
        if c["impl"] != "docrel" or not c.get("top") or c["scale"] != min(doc["scales"]):
            continue
        p = instr(doc, "plain", c["op"], c["scale"])
        parts += ["**%s ×%d**: %s instructions (%s the plain floor's); the functions with the most instructions "
                  "of their own:" % (c["op"], c["scale"], f_instr(c["instructions"]),
                                     ratio(c["instructions"], p and p * c["ops"] / 10000 if c["op"] == "get" else p)),
                  "", "| share | function |", "|---:|---|"]
        parts += ["| %s | `%s` |" % (t["share"], t["function"]) for t in c["top"][:10]]
        parts.append("")
    return "\n".join(parts) if parts else "(callgrind did not run: `--no-callgrind`, or valgrind is missing)"


def mongo_table(doc):
    rows = ["| operation | docrel commands (predicted) | docrel s | libmongoc s | docrel / libmongoc |",
            "|---|---:|---:|---:|---:|"]
    got = False
    for op in OPS:
        d, m = runs(doc, "docrel", op, 1, store="mongodb"), runs(doc, "mongoc", op, 1, store="mongodb")
        if not d and not m:
            continue
        got = True
        ds, ms = d[0]["seconds"] if d else None, m[0]["seconds"] if m else None
        cmds = "%d (%d)" % (d[0]["commands"], d[0]["commands_expected"]) if d else "–"
        rows.append("| %s | %s | %s | %s | %s |" % (op, cmds, f_s(ds), f_s(ms), ratio(ds, ms)))
    return "\n".join(rows) if got else ""


def markdown(doc):
    with open(os.path.join(HERE, "report-head.md")) as f:
        head = f.read()
    m = doc["machine"]
    loads = "\n".join("| %s | %s | %s |" % (p["phase"], p["load_before"], p["load_after"]) for p in doc["phases"])
    parts = [head.rstrip(), "",
             "## This run", "",
             "%s. Machine: %s cores, %s RAM, Debian %s, %s, SQLite %s, Python %s. Whole run: %.0f s; "
             "%d interleaved runs of the C implementations per scale (figures: median [min–max]), SQLAlchemy once "
             "(%d reads for operation 3), callgrind once (%d reads for operation 3). Operation 3's figures are "
             "for 10,000 reads whatever the count run." % (
                 doc["date"], m["cores"], m["memory"], m["debian"], m["cc"], m["sqlite"], m["python"],
                 doc["seconds"], doc["runs"], doc["peer_gets"], doc["callgrind_gets"]), "",
             "Machine load (/proc/loadavg: 1, 5 and 15 minutes) — %s at the start, %s at the end; by phase:" % (
                 doc["load_start"], doc["load_end"]), "",
             "| phase | load before | load after |", "|---|---|---|", loads, ""]
    for scale in doc["scales"]:
        parts += ["## ×%d: time" % scale, "", time_table(doc, scale), "",
                  "## ×%d: CPU, instructions, commands, memory" % scale, "", cost_table(doc, scale), ""]
    parts += ["![time per operation](benchmarks-ops.png)", "",
              "## The request path (operation 3)", "", request_table(doc), "",
              "## Threads: N × get on one store (×%d)" % min(doc["scales"]), "", threads_table(doc), "",
              "![threads](benchmarks-threads.png)", ""]
    if len(doc["scales"]) > 1:
        parts += ["## Growth ×%d → ×%d" % (min(doc["scales"]), max(doc["scales"])), "", growth_table(doc), "",
                  "![growth](benchmarks-growth.png)", ""]
    parts += ["## Targets (issue 15)", "", "| target | result | measured |", "|---|---|---|", targets(doc), "",
              "## Where the time goes (callgrind, docrel)", "", where_time_goes(doc), "",
              "## MongoDB", "", doc["mongodb"], "", mongo_table(doc), ""]
    return "\n".join(parts)


def plot(doc, out, docs_dir):
    if not shutil.which("gnuplot"):
        print("gnuplot not found: no charts", file=sys.stderr)
        return
    impls = ("docrel", "plain", "floor", "sqlalchemy")
    for scale in doc["scales"]:
        with open(os.path.join(out, "ops-x%d.dat" % scale), "w") as f:
            f.write("# op docrel plain floor sqlalchemy (median wall seconds)\n")
            for op in OPS:
                vals = [med(stat(doc, i, op, scale)) for i in impls]
                f.write("%s %s\n" % (op.replace("_", "\\\\_"), " ".join("%.6f" % v if v else "NaN" for v in vals)))
    with open(os.path.join(out, "threads.dat"), "w") as f:
        f.write("# threads docrel plain (requests/s)\n")
        for n in doc["threads"]:
            d, p = rps(doc, "docrel", n, min(doc["scales"])), rps(doc, "plain", n, min(doc["scales"]))
            f.write("%d %s %s\n" % (n, "%.1f" % d[0] if d else "NaN", "%.1f" % p[0] if p else "NaN"))
    if len(doc["scales"]) > 1:
        with open(os.path.join(out, "growth.dat"), "w") as f:
            f.write("# op docrel-cpu docrel-instr plain-cpu plain-instr work\n")
            for op in OPS:
                vals = [growth(doc, "docrel", op, "cpu"), growth(doc, "docrel", op, "instr"),
                        growth(doc, "plain", op, "cpu"), growth(doc, "plain", op, "instr"), work(doc, op)]
                f.write("%s %s\n" % (op.replace("_", "\\\\_"), " ".join("%.4f" % v if v else "NaN" for v in vals)))
    subprocess.run(["gnuplot", "-e", "out='%s'; scales='%s'" % (out, " ".join(str(s) for s in doc["scales"])),
                    os.path.join(HERE, "charts.gp")], check=False)
    for name in ("ops", "growth", "threads"):
        src = os.path.join(out, name + ".png")
        if os.path.exists(src) and docs_dir:
            shutil.copyfile(src, os.path.join(docs_dir, "benchmarks-%s.png" % name))


def write_all(doc, out, report=None):
    text = markdown(doc)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(text)
    if report:
        with open(report, "w") as f:
            f.write(text)
    plot(doc, out, os.path.dirname(os.path.abspath(report)) if report else None)


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "results")
    with open(os.path.join(out, "results.json")) as f:
        write_all(json.load(f), out, sys.argv[2] if len(sys.argv) > 2 else None)
