#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Checks the installed library as a distribution lays it out: configured with
# prefix /usr and the multiarch libdir (lib/x86_64-linux-gnu), built without
# tests or examples, installed with DESTDIR into a staging root. A consumer
# program is then built against the staged install twice, through
# `pkg-config --cflags --libs docrel` and through CMake's
# find_package(docrel) / docrel::docrel, and both are run. Prints each check;
# exits non-zero on the first failure.
# Usage: scripts/check-install.sh
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
SRC="$(pwd)"

step () { printf 'check-install: %s\n' "$*"; }
fail () {
  printf 'check-install: FAILED: %s\n' "$*" >&2
  exit 1
}

MULTIARCH="$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)"
[ -n "$MULTIARCH" ] || fail "no multiarch triplet (dpkg-architecture, gcc -print-multiarch)"
LIBDIR="lib/$MULTIARCH"
VERSION="$(sed -n 's/^project(docrel VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)"
[ -n "$VERSION" ] || fail "no version in CMakeLists.txt's project()"
MAJOR="${VERSION%%.*}"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/docrel-check-install-XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM
STAGE="$WORK/stage"
JOBS="$(nproc)"

step "docrel $VERSION: prefix /usr, libdir $LIBDIR, staged in $STAGE"
cmake -S "$SRC" -B "$WORK/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_INSTALL_LIBDIR="$LIBDIR" \
  -DDOCREL_BUILD_TESTS=OFF -DDOCREL_BUILD_EXAMPLES=OFF -DDOCREL_BUILD_BENCH=OFF >"$WORK/configure.log" 2>&1 ||
  { cat "$WORK/configure.log"; fail "configure"; }
cmake --build "$WORK/build" -j "$JOBS" >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; fail "build"; }
DESTDIR="$STAGE" cmake --install "$WORK/build" >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log"; fail "install"; }

# ---- the layout ------------------------------------------------------------
for f in usr/include/docrel/docrel.h usr/include/docrel/docrel-version.h \
  "usr/$LIBDIR/libdocrel.so.$VERSION" "usr/$LIBDIR/libdocrel.so.$MAJOR" "usr/$LIBDIR/libdocrel.so" \
  "usr/$LIBDIR/libdocrel.a" "usr/$LIBDIR/pkgconfig/docrel.pc" \
  "usr/$LIBDIR/cmake/docrel/docrelConfig.cmake" "usr/$LIBDIR/cmake/docrel/docrelTargets.cmake"; do
  [ -e "$STAGE/$f" ] || fail "/$f is not installed"
done
step "installed: headers in /usr/include/docrel, library, .pc and CMake package in /usr/$LIBDIR"
grep -q "#define DOCREL_VERSION_S \"$VERSION\"" "$STAGE/usr/include/docrel/docrel-version.h" ||
  fail "installed docrel-version.h does not define DOCREL_VERSION_S \"$VERSION\""
step "docrel-version.h says $VERSION"
soname="$(objdump -p "$STAGE/usr/$LIBDIR/libdocrel.so.$VERSION" | sed -n 's/^ *SONAME *//p')"
[ "$soname" = "libdocrel.so.$MAJOR" ] || fail "soname is '$soname', expected libdocrel.so.$MAJOR"
step "soname $soname"

# ---- the consumer ----------------------------------------------------------
mkdir -p "$WORK/app"
cat >"$WORK/app/app.c" <<'EOF'
/* A program that uses an installed docrel. */
#include <stdio.h>
#include <string.h>

#include <docrel/docrel.h>

int
main (void)
{
   bson_error_t error;
   docrel_store_t *store;
   docrel_model_t *model;
   docrel_session_t *session;
   docrel_doc_t *doc;
   int64_t n = 0;
   int ok;

   printf ("docrel %s (headers %s)\n", docrel_get_version (), DOCREL_VERSION_S);
   if (strcmp (docrel_get_version (), DOCREL_VERSION_S) != 0 || !DOCREL_CHECK_VERSION (0, 1, 0)) {
      fprintf (stderr, "library and headers disagree\n");
      return 1;
   }
   store = docrel_store_open ("sqlite::memory:", &error);
   if (!store) {
      fprintf (stderr, "open: %s\n", error.message);
      return 1;
   }
   model = docrel_model_new (store, "Thing", NULL, &error);
   session = docrel_session_new (store);
   doc = model ? docrel_doc_new (session, model, &error) : NULL;
   ok = doc && docrel_doc_set_utf8 (doc, "name", "installed", &error) && docrel_save (doc, &error) &&
        docrel_count (session, model, NULL, NULL, &n, &error) && n == 1;
   if (!ok) {
      fprintf (stderr, "save: %s\n", n == 1 ? error.message : "the saved document is not counted");
   } else {
      printf ("saved 1 document\n");
   }
   docrel_session_destroy (session);
   docrel_store_destroy (store);
   return ok ? 0 : 1;
}
EOF

# Runs the consumer built at $1 against the staged library, checks its output.
run_app () {
  out="$(LD_LIBRARY_PATH="$STAGE/usr/$LIBDIR" "$1")" || fail "$2: the program failed: $out"
  printf '%s\n' "$out" | grep -qx "docrel $VERSION (headers $VERSION)" ||
    fail "$2: the program printed '$out', expected 'docrel $VERSION (headers $VERSION)'"
  needed="$(objdump -p "$1" | sed -n 's/^ *NEEDED *\(libdocrel\.so.*\)/\1/p')"
  [ "$needed" = "libdocrel.so.$MAJOR" ] || fail "$2: the program needs '$needed', expected libdocrel.so.$MAJOR"
  lib="$(LD_LIBRARY_PATH="$STAGE/usr/$LIBDIR" ldd "$1" | sed -n 's/^[[:space:]]*libdocrel\.so[^ ]* => \([^ ]*\).*/\1/p')"
  case "$lib" in
  "$STAGE"/*) ;;
  *) fail "$2: the program loads libdocrel from '$lib', not from the staging root" ;;
  esac
  step "$2: runs, prints 'docrel $VERSION (headers $VERSION)', saves a document (needs $needed)"
}

# ---- pkg-config ------------------------------------------------------------
# The .pc names /usr paths, as a distribution's does; the sysroot maps them
# into the staging root. A sysroot holds the dependencies too: link theirs
# in (their -I paths get the sysroot prefix like ours).
for dir in $(pkg-config --cflags-only-I libbson-1.0 libmongoc-1.0 sqlite3); do
  dir="${dir#-I}"
  [ -e "$STAGE$dir" ] || { mkdir -p "$(dirname "$STAGE$dir")" && ln -s "$dir" "$STAGE$dir"; }
done
export PKG_CONFIG_LIBDIR="$STAGE/usr/$LIBDIR/pkgconfig:/usr/$LIBDIR/pkgconfig:/usr/share/pkgconfig"
[ "$(pkg-config --modversion docrel)" = "$VERSION" ] || fail "pkg-config --modversion docrel is not $VERSION"
# The paths as written (the sysroot would be put in front of these too).
pc_libdir="$(pkg-config --variable=libdir docrel)"
pc_includedir="$(pkg-config --variable=includedir docrel)"
export PKG_CONFIG_SYSROOT_DIR="$STAGE"
[ "$pc_libdir" = "/usr/$LIBDIR" ] || fail "docrel.pc: libdir is '$pc_libdir', expected /usr/$LIBDIR"
[ "$pc_includedir" = "/usr/include" ] || fail "docrel.pc: includedir is '$pc_includedir', expected /usr/include"
step "pkg-config: docrel $VERSION, libdir $pc_libdir, includedir $pc_includedir"
flags="$(pkg-config --cflags --libs docrel)"
step "pkg-config --cflags --libs docrel: $flags"
# shellcheck disable=SC2086
gcc -std=c11 -Wall -Werror -o "$WORK/app/app-pc" "$WORK/app/app.c" $flags || fail "pkg-config: the program does not build"
run_app "$WORK/app/app-pc" "pkg-config"
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR

# ---- CMake -----------------------------------------------------------------
cat >"$WORK/app/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.16)
project(app LANGUAGES C)
find_package(docrel REQUIRED)
message(STATUS "docrel ${docrel_VERSION} from ${docrel_DIR}")
get_target_property(inc docrel::docrel INTERFACE_INCLUDE_DIRECTORIES)
message(STATUS "docrel::docrel includes ${inc}")
add_executable(app app.c)
target_link_libraries(app docrel::docrel)
EOF
cmake -S "$WORK/app" -B "$WORK/app/build" -DCMAKE_PREFIX_PATH="$STAGE/usr" >"$WORK/app/configure.log" 2>&1 ||
  { cat "$WORK/app/configure.log"; fail "CMake: find_package(docrel) fails"; }
grep -q "docrel $VERSION from $STAGE/usr/$LIBDIR/cmake/docrel\$" "$WORK/app/configure.log" ||
  { cat "$WORK/app/configure.log"; fail "CMake: docrel $VERSION is not found in $STAGE/usr/$LIBDIR/cmake/docrel"; }
grep -q "docrel::docrel includes $STAGE/usr/include\$" "$WORK/app/configure.log" ||
  { cat "$WORK/app/configure.log"; fail "CMake: docrel::docrel does not include $STAGE/usr/include"; }
step "CMake: find_package(docrel) finds $VERSION in /usr/$LIBDIR/cmake/docrel, includes /usr/include (staged)"
cmake --build "$WORK/app/build" >"$WORK/app/build.log" 2>&1 || { cat "$WORK/app/build.log"; fail "CMake: the program does not build"; }
run_app "$WORK/app/build/app" "CMake"

step "passed"
