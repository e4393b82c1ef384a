#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds the fuzz harnesses (fuzz/) with clang's libFuzzer, ASan and UBSan
# in build-fuzz, replays the seed corpus (fuzz/corpus/<target>/), then
# fuzzes each harness for a bounded time. New inputs go to a scratch corpus
# in build-fuzz, never into the repository. Exits non-zero on the first
# crash, leak, timeout or sanitizer report, leaving the input that did it
# as build-fuzz/artifacts/<target>/crash-* (or leak-*, timeout-*).
# Usage: scripts/fuzz.sh [seconds-per-harness]   (default 20)
set -eu
cd "$(dirname "$0")/.."
SECONDS_EACH="${1:-20}"
sh scripts/deps.sh clang libclang-rt-14-dev
BUILD=build-fuzz
CC=clang cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDOCREL_FUZZ=ON \
   -DDOCREL_BUILD_TESTS=OFF -DDOCREL_BUILD_EXAMPLES=OFF
TARGETS="filter join find_options update doc schema store_uri"
for t in $TARGETS; do
   cmake --build "$BUILD" -j "$(nproc)" --target "fuzz_$t"
done
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for t in $TARGETS; do
   bin="$BUILD/fuzz/fuzz_$t"
   mkdir -p "$BUILD/artifacts/$t" "$BUILD/corpus/$t"
   echo "fuzz: $t: replaying fuzz/corpus/$t"
   "$bin" -runs=0 -artifact_prefix="$BUILD/artifacts/$t/" "fuzz/corpus/$t"
   echo "fuzz: $t: fuzzing for $SECONDS_EACH s"
   # The scratch corpus first: new inputs are written there, the seeds
   # are read only.
   "$bin" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 -max_len=4096 \
      -print_final_stats=1 -artifact_prefix="$BUILD/artifacts/$t/" "$BUILD/corpus/$t" "fuzz/corpus/$t"
done
echo "fuzz: every harness ran without a finding"
