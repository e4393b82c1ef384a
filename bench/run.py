# SPDX-License-Identifier: Apache-2.0
"""Runs the whole benchmark and writes bench/results/ and the report.

    /usr/bin/python3 bench/run.py --build BUILD_DIR [--scales 1,10] [--runs 5]
        [--threads 1,2,4] [--no-callgrind] [--gets N] [--peer-gets N]
        [--out bench/results] [--report docs/benchmarks.md]

The standard workload (bench/workload.h) on SQLite files, three
implementations in C interleaved in one loop: for each scale, --runs times,
docrel, the plain floor (hand-written C on plain relational tables) and the
floor on docrel's storage each seed a fresh file (save_all) and run the
operations on it, one process per operation (peak RSS per operation), the
order of the three rotating from run to run. The threads operation (N
threads x get on one store, N from --threads) runs in every run at the
smallest scale. The SQLAlchemy peer runs once per scale, with --peer-gets
reads for operation 3 (it takes ~4 ms a read). Then callgrind counts the
instructions of each operation (valgrind --toggle-collect on the function
that runs it) for the C implementations at every scale (save_all at the
smallest only: ~6 minutes under valgrind at x10), and strace counts brk and
mmap calls of warm gets. Then, when the MongoDB wire test server
(tests/mongo_server/ctl.py) is there, docrel's commands and the libmongoc
read baseline on it. /proc/loadavg is read before and after every phase.
"""
import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OPS = ["save_all", "get_join", "get", "cursor", "delete_all"]
C_IMPLS = ["docrel", "plain", "floor"]
PROGRAM = {"docrel": "docrel-bench", "plain": "plain-bench", "floor": "floor-bench", "mongoc": "mongoc-bench"}
FUNCTION = {"docrel": "dbench_", "plain": "plain_", "floor": "floor_"}
CALLGRIND_GETS = 1000
MONGO_GETS = 100  # the test server answers in ~10 ms a command: fewer reads there


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def run_op(cmd, log, env=None):
    """Runs one operation; returns its JSON result or a record of the failure."""
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    log.write("$ %s\n%s%s" % (" ".join(cmd), p.stdout, p.stderr))
    if p.returncode != 0 or not p.stdout.strip():
        err = (p.stderr.strip().splitlines() or ["exit status %d" % p.returncode])[-1]
        return {"error": err, "wall": time.perf_counter() - t0}
    return json.loads(p.stdout.strip().splitlines()[-1])


def command(impl, op, build, store, scale, gets=None, threads=None):
    if impl == "sqlalchemy":
        cmd = ["/usr/bin/python3", os.path.join(HERE, "peer_sqlalchemy.py"), op, "--db", store]
    else:
        flag = "--uri" if impl in ("docrel", "mongoc") else "--db"
        cmd = [os.path.join(build, "bench", PROGRAM[impl]), op, flag, store]
    cmd += ["--scale", str(scale)]
    if gets is not None:
        cmd += ["--gets", str(gets)]
    if threads is not None:
        cmd += ["--threads", str(threads)]
    return cmd


def store_for(impl, path):
    return "sqlite://" + path if impl == "docrel" else path


def fresh(path):
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


def show(r, label):
    if "error" in r:
        print("  %-34s failed: %s" % (label, r["error"]), flush=True)
    else:
        print("  %-34s %.3f s (CPU %.3f s)" % (label, r["seconds"], r.get("user_seconds", 0) + r.get("sys_seconds", 0)),
              flush=True)


def tag(r, **kw):
    for k, v in kw.items():
        r.setdefault(k, v)
    r["store"] = kw.get("store", "sqlite")
    return r


def one_pass(impl, build, tmp, scale, run, threads, gets, log):
    """One implementation, one fresh file: every operation, in order."""
    path = os.path.join(tmp, "%s-x%d-run%d.db" % (impl, scale, run))
    fresh(path)
    out = []
    for op in OPS:
        if op == "cursor" and threads and impl != "floor":
            for n in threads:
                r = run_op(command(impl, "threads", build, store_for(impl, path), scale, gets, n), log)
                out.append(tag(r, impl=impl, op="threads", scale=scale, run=run, threads=n))
                show(r, "x%d run %d %s threads=%d" % (scale, run, impl, n))
        r = run_op(command(impl, op, build, store_for(impl, path), scale, gets if op == "get" else None), log)
        out.append(tag(r, impl=impl, op=op, scale=scale, run=run))
        show(r, "x%d run %d %s %s" % (scale, run, impl, op))
    fresh(path)
    return out


def interleaved(args, build, tmp, log, phases):
    results = []
    for scale in args.scales:
        before = loadavg()
        for run in range(args.runs):
            order = C_IMPLS[run % 3:] + C_IMPLS[:run % 3]  # rotate: no implementation always runs first
            for impl in order:
                threads = args.threads if scale == min(args.scales) else None
                results += one_pass(impl, build, tmp, scale, run, threads, args.gets, log)
        phases.append({"phase": "C implementations x%d, %d runs" % (scale, args.runs), "load_before": before,
                       "load_after": loadavg()})
    return results


def peer(args, tmp, log, phases):
    results = []
    for scale in args.scales:
        before = loadavg()
        path = os.path.join(tmp, "sqlalchemy-x%d.db" % scale)
        fresh(path)
        for op in OPS:
            r = run_op(command("sqlalchemy", op, None, path, scale, args.peer_gets if op == "get" else None), log)
            results.append(tag(r, impl="sqlalchemy", op=op, scale=scale, run=0))
            show(r, "x%d sqlalchemy %s" % (scale, op))
        fresh(path)
        phases.append({"phase": "SQLAlchemy x%d, 1 run" % scale, "load_before": before, "load_after": loadavg()})
    return results


def callgrind_total(path):
    with open(path) as f:
        for line in f:
            if line.startswith(("totals:", "summary:")):
                return int(line.split()[1])
    return None


def callgrind_top(path, n=12):
    """The functions with the most instructions of their own (self cost)."""
    p = subprocess.run(["callgrind_annotate", "--inclusive=no", path], capture_output=True, text=True)
    top = []
    started = False
    for line in p.stdout.splitlines():
        if "file:function" in line:
            started = True
            continue
        if started and line.strip() and "(" in line and ")" in line:
            count, rest = line.strip().split("(", 1)
            share, func = rest.split(")", 1)
            func = func.strip().split(" [")[0]
            top.append({"ir": int(count.replace(",", "").strip()), "share": share.strip(), "function": func})
            if len(top) == n:
                break
    return top


def callgrind(args, build, tmp, log, phases):
    """Instructions of each operation, toggled on the function that runs it."""
    out = []
    cg_dir = os.path.join(tmp, "callgrind")
    os.makedirs(cg_dir, exist_ok=True)
    for scale in args.scales:
        before = loadavg()
        for impl in C_IMPLS:
            path = os.path.join(tmp, "cg-%s-x%d.db" % (impl, scale))
            fresh(path)
            for op in OPS:
                gets = CALLGRIND_GETS if op == "get" else None
                cmd = command(impl, op, build, store_for(impl, path), scale, gets)
                if op == "save_all" and scale != min(args.scales):
                    run_op(cmd, log)  # seeds the file natively
                    continue
                cg = os.path.join(cg_dir, "%s-%s-x%d.out" % (impl, op, scale))
                vg = ["valgrind", "--tool=callgrind", "--collect-atstart=no",
                      "--toggle-collect=%s%s" % (FUNCTION[impl], op), "--callgrind-out-file=" + cg]
                r = run_op(vg + cmd, log)
                total = callgrind_total(cg) if os.path.exists(cg) else None
                rec = {"impl": impl, "op": op, "scale": scale, "instructions": total, "ops": gets or 1,
                       "top": callgrind_top(cg) if total and impl == "docrel" else [],
                       "error": r.get("error")}
                out.append(rec)
                print("  callgrind x%d %-7s %-10s %s" % (scale, impl, op, "%.0f M instructions" % (total / 1e6)
                                                        if total else "failed: %s" % r.get("error")), flush=True)
            fresh(path)
        phases.append({"phase": "callgrind x%d" % scale, "load_before": before, "load_after": loadavg()})
    return out


def heap_calls(build, tmp, log):
    """brk and mmap calls of warm gets: strace -c over 2,000 and 1,000 gets,
    the difference is 1,000 warm requests'."""
    out = {}
    for impl in ("docrel", "plain"):
        path = os.path.join(tmp, "strace-%s.db" % impl)
        fresh(path)
        run_op(command(impl, "save_all", build, store_for(impl, path), 1), log)
        counts = {}
        for gets in (1000, 2000):
            sf = os.path.join(tmp, "strace-%s-%d.txt" % (impl, gets))
            run_op(["strace", "-f", "-c", "-o", sf, "-e", "trace=brk,mmap,munmap"] +
                   command(impl, "get", build, store_for(impl, path), 1, gets), log)
            calls = {}
            if os.path.exists(sf):
                for line in open(sf):
                    parts = line.split()
                    if len(parts) >= 5 and parts[-1] in ("brk", "mmap", "munmap"):
                        calls[parts[-1]] = int(parts[3])
            counts[gets] = calls
        out[impl] = {k: counts[2000].get(k, 0) - counts[1000].get(k, 0) for k in ("brk", "mmap", "munmap")}
        fresh(path)
    return out


def mongo_runs(build, tmp, log):
    """docrel on the wire test server (commands sent), with libmongoc reads."""
    ctl = os.path.join(ROOT, "tests", "mongo_server", "ctl.py")
    mongoc = os.path.join(build, "bench", "mongoc-bench")
    if not os.path.exists(ctl) or not os.path.exists(mongoc):
        return [], "skipped: the MongoDB test server (tests/mongo_server/ctl.py) is not in this tree"
    sdir = os.path.join(tmp, "mongo")
    os.makedirs(sdir, exist_ok=True)
    p = subprocess.run(["/usr/bin/python3", ctl, "start", "--dir", sdir], capture_output=True, text=True)
    uri_file = os.path.join(sdir, "mongodb.uri")
    if p.returncode != 0 or not os.path.exists(uri_file):
        return [], "skipped: the MongoDB test server did not start (%s)" % (p.stderr.strip().splitlines() or ["?"])[-1]
    results = []
    try:
        uri = open(uri_file).read().strip()
        plan = [("docrel", "save_all"), ("docrel", "get_join"), ("mongoc", "get_join"), ("docrel", "get"),
                ("mongoc", "get"), ("docrel", "cursor"), ("mongoc", "cursor"), ("docrel", "delete_all")]
        for impl, op in plan:
            r = run_op(command(impl, op, build, uri, 1, MONGO_GETS if op == "get" else None), log)
            results.append(tag(r, impl=impl, op=op, scale=1, run=0, store="mongodb"))
            show(r, "mongodb %s %s" % (impl, op))
    finally:
        subprocess.run(["/usr/bin/python3", ctl, "stop", "--dir", sdir], capture_output=True, text=True)
    return results, "wire test server (tests/mongo_server), %d reads for operation 3, one run" % MONGO_GETS


def machine():
    def first_line(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.splitlines()[0]
        except (OSError, IndexError):
            return "?"
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = "%.0f GiB" % (int(line.split()[1]) / 1024 / 1024)
    debian = open("/etc/debian_version").read().strip() if os.path.exists("/etc/debian_version") else "?"
    return {"cores": os.cpu_count(), "memory": mem, "debian": debian, "kernel": platform.release(),
            "cc": first_line(["cc", "--version"]), "sqlite": first_line(["sqlite3", "--version"]).split(" ")[0],
            "python": platform.python_version()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--scales", default="1,10")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", default="1,2,4")
    ap.add_argument("--gets", type=int, default=10000)
    ap.add_argument("--peer-gets", type=int, default=2000)
    ap.add_argument("--no-callgrind", action="store_true")
    ap.add_argument("--no-mongodb", action="store_true")
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    ap.add_argument("--report", default=os.path.join(ROOT, "docs", "benchmarks.md"))
    args = ap.parse_args()
    args.scales = [int(s) for s in args.scales.split(",")]
    args.threads = [int(s) for s in args.threads.split(",")]
    build = os.path.abspath(args.build)
    os.makedirs(args.out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="docrel-bench-", dir=build)
    t0 = time.perf_counter()
    phases = []
    load_start = loadavg()
    with open(os.path.join(args.out, "run.log"), "w") as log:
        results = interleaved(args, build, tmp, log, phases)
        results += peer(args, tmp, log, phases)
        cg = [] if args.no_callgrind or not shutil.which("valgrind") else callgrind(args, build, tmp, log, phases)
        heap = heap_calls(build, tmp, log) if shutil.which("strace") else {}
        mongo, mongo_note = ([], "skipped (--no-mongodb)") if args.no_mongodb else mongo_runs(build, tmp, log)
    shutil.rmtree(tmp, ignore_errors=True)
    doc = {"machine": machine(), "scales": args.scales, "runs": args.runs, "threads": args.threads,
           "gets": args.gets, "peer_gets": args.peer_gets, "callgrind_gets": CALLGRIND_GETS,
           "seconds": time.perf_counter() - t0, "load_start": load_start, "load_end": loadavg(), "phases": phases,
           "mongodb": mongo_note, "results": results + mongo, "callgrind": cg, "heap_calls": heap,
           "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(doc, f, indent=1)
    sys.path.insert(0, HERE)
    import tables  # noqa: E402  (bench/tables.py)
    tables.write_all(doc, args.out, args.report)
    print("wrote %s and %s in %.0f s" % (args.out, args.report, doc["seconds"]))


if __name__ == "__main__":
    main()
