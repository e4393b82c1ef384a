#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds docrel and runs the whole test suite through ctest.
# Usage: scripts/test.sh [build-dir] [extra cmake arguments...]
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
BUILD="${1:-build}"
[ $# -gt 0 ] && shift
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
cmake --build "$BUILD" -j "$(nproc)"
ctest --test-dir "$BUILD" --output-on-failure -j "$(nproc)"
