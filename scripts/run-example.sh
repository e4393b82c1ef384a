#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds docrel and runs the blog example on a file-backed embedded store.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDOCREL_BUILD_TESTS=OFF
cmake --build build -j "$(nproc)" --target blog
rm -f build/blog.db build/blog.db-wal build/blog.db-shm
./build/examples/blog "sqlite://$(pwd)/build/blog.db"
