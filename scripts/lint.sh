#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Checks what a machine can check of docs/CONVENTIONS.md: the format
# (.clang-format) of every C file, and the layers of lib/ (no include or
# call upward or round a circle) from the objects of a build.
# Usage: scripts/lint.sh [build-dir]   (default: build; built if missing)
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh clang-format binutils
BUILD="${1:-build}"
find lib include tests bench examples fuzz -name '*.[ch]' | sort | xargs clang-format --dry-run -Werror
echo "lint: clang-format: every file as .clang-format has it"
if [ ! -d "$BUILD/CMakeFiles/docrel_objects.dir" ]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build "$BUILD" -j "$(nproc)" --target docrel_objects
/usr/bin/python3 scripts/check-layers.py "$BUILD"
