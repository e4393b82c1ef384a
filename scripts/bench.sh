#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs the benchmarks: docrel against a hand-written SQLite floor, the
# SQLAlchemy peer and (when the MongoDB test server is in the tree) a
# hand-written libmongoc baseline. Writes bench/results/ (results.json,
# results.md, ops.png, growth.png). Usage: scripts/bench.sh [scales, default 1,10]
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
missing=""
for p in gnuplot-nox python3-sqlalchemy; do
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
BUILD=build-bench
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DDOCREL_BUILD_BENCH=ON -DDOCREL_BUILD_TESTS=OFF -DDOCREL_BUILD_EXAMPLES=OFF
cmake --build "$BUILD" -j "$(nproc)" --target docrel-bench floor-bench mongoc-bench
/usr/bin/python3 bench/run.py --build "$BUILD" --scales "${1:-1,10}" --out bench/results
