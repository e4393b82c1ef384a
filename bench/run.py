# SPDX-License-Identifier: Apache-2.0
"""Runs the whole benchmark and writes bench/results/.

    /usr/bin/python3 bench/run.py --build BUILD_DIR [--scales 1,10] [--out bench/results]

Each operation runs in a process of its own (peak RSS per operation), in the
order save_all, get_join, get, cursor, delete_all on a fresh store per
implementation and scale: docrel and the floor (C, BUILD_DIR/bench) and the
SQLAlchemy peer on SQLite files; then, when the MongoDB wire test server
(tests/mongo_server/ctl.py) and docrel's MongoDB backend are there, docrel's
commands and the libmongoc read baseline on it. Writes results.json,
results.md and, with gnuplot, ops.png and growth.png.
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
IMPLS = ["docrel", "floor", "sqlalchemy"]
# Reads leave the store as it was, so they run several times and the fastest
# run counts (this machine's 2 cores are shared); writes run once.
REPEAT = {(impl, op): 3 for impl in ("docrel", "floor") for op in ("get_join", "get", "cursor")}
REPEAT.update({("sqlalchemy", "get_join"): 3, ("sqlalchemy", "cursor"): 3})
MONGO_GETS = 100  # the test server answers in ~10 ms a command: fewer reads there


def run_op(cmd, log):
    """Runs one operation; returns its JSON result or a record of the failure."""
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    log.write("$ %s\n%s%s" % (" ".join(cmd), p.stdout, p.stderr))
    if p.returncode != 0 or not p.stdout.strip():
        err = (p.stderr.strip().splitlines() or ["exit status %d" % p.returncode])[-1]
        return {"error": err, "wall": time.perf_counter() - t0}
    return json.loads(p.stdout.strip().splitlines()[-1])


def per_op(r):
    """The per-request counters of an operation that has them (get)."""
    if "minflt_per_op" not in r:
        return ""
    out = "  (CPU %.3f s user + %.3f s sys, %.1f minor faults/op" % (
        r["user_seconds"], r["sys_seconds"], r["minflt_per_op"])
    if "bson_allocs_per_op" in r:
        out += ", %.0f bson allocations/op" % r["bson_allocs_per_op"]
    return out + ")"


def best_of(n, cmd, log):
    runs = [run_op(cmd, log) for _ in range(n)]
    good = [r for r in runs if "seconds" in r]
    if not good:
        return runs[-1]
    best = min(good, key=lambda r: r["seconds"])
    best["runs"] = len(good)
    return best


def command(impl, op, build, store, scale, gets=None):
    if impl == "docrel":
        cmd = [os.path.join(build, "bench", "docrel-bench"), op, "--uri", store, "--scale", str(scale)]
    elif impl == "floor":
        cmd = [os.path.join(build, "bench", "floor-bench"), op, "--db", store, "--scale", str(scale)]
    elif impl == "mongoc":
        cmd = [os.path.join(build, "bench", "mongoc-bench"), op, "--uri", store, "--scale", str(scale)]
    else:
        cmd = ["/usr/bin/python3", os.path.join(HERE, "peer_sqlalchemy.py"), op, "--db", store, "--scale", str(scale)]
    if gets is not None:
        cmd += ["--gets", str(gets)]
    return cmd


def sqlite_runs(build, scales, tmp, log):
    results = []
    for scale in scales:
        for impl in IMPLS:
            path = os.path.join(tmp, "%s-x%d.db" % (impl, scale))
            store = "sqlite://" + path if impl == "docrel" else path
            for op in OPS:
                r = best_of(REPEAT.get((impl, op), 1), command(impl, op, build, store, scale), log)
                r.setdefault("impl", impl), r.setdefault("op", op), r.setdefault("scale", scale)
                r.setdefault("store", "sqlite")
                print("  x%-2d %-10s %-10s %s%s" % (scale, impl, op, "%.3f s" % r["seconds"] if "seconds" in r
                                                    else "failed: " + r["error"], per_op(r)), flush=True)
                results.append(r)
    return results


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
            r.setdefault("impl", impl), r.setdefault("op", op), r.setdefault("scale", 1)
            r["store"] = "mongodb"
            print("  mongodb %-7s %-10s %s" % (impl, op, "%.3f s" % r["seconds"] if "seconds" in r
                                                else "failed: " + r["error"]), flush=True)
            results.append(r)
    finally:
        subprocess.run(["/usr/bin/python3", ctl, "stop", "--dir", sdir], capture_output=True, text=True)
    return results, "wire test server (tests/mongo_server), %d random reads for operation 3" % MONGO_GETS


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
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    args = ap.parse_args()
    scales = [int(s) for s in args.scales.split(",")]
    os.makedirs(args.out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="docrel-bench-", dir=os.path.abspath(args.build))
    t0 = time.perf_counter()
    with open(os.path.join(args.out, "run.log"), "w") as log:
        results = sqlite_runs(os.path.abspath(args.build), scales, tmp, log)
        mongo, mongo_note = mongo_runs(os.path.abspath(args.build), tmp, log)
    shutil.rmtree(tmp, ignore_errors=True)
    doc = {"machine": machine(), "scales": scales, "seconds": time.perf_counter() - t0,
           "mongodb": mongo_note, "results": results + mongo}
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(doc, f, indent=1)
    sys.path.insert(0, HERE)
    import tables  # noqa: E402  (bench/tables.py)
    tables.write_all(doc, args.out)
    print("wrote %s in %.0f s" % (args.out, doc["seconds"]))


if __name__ == "__main__":
    main()
