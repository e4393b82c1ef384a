#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs the benchmarks (issue 15's honest benchmark): docrel against a
# hand-written C floor on plain relational tables, a C floor on docrel's own
# storage, the SQLAlchemy peer and (when the MongoDB test server is in the
# tree) a hand-written libmongoc baseline, interleaved, 5 runs, with
# callgrind instruction counts. Writes bench/results/ and the report
# docs/benchmarks.md with its charts docs/benchmarks-*.png.
# Usage: scripts/bench.sh [run.py options, e.g. --scales 1 --runs 2 --no-callgrind]
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
missing=""
for p in gnuplot-nox python3-sqlalchemy valgrind strace; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
BUILD=${BENCH_BUILD:-build-bench}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DDOCREL_BUILD_BENCH=ON -DDOCREL_BUILD_TESTS=OFF -DDOCREL_BUILD_EXAMPLES=OFF
cmake --build "$BUILD" -j "$(nproc)" --target docrel-bench floor-bench plain-bench mongoc-bench
/usr/bin/python3 bench/run.py --build "$BUILD" --out bench/results --report docs/benchmarks.md "$@"
