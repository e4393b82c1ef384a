#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds the Debian binary packages (debian/) from a copy of the tree and
# checks what they hold: libdocrel0 (the shared library) and libdocrel-dev
# (headers, libdocrel.so, libdocrel.a, docrel.pc, the CMake package files).
# The packages are unpacked into a staging root with dpkg -x, never installed
# on the machine; a small program is then built against that root through
# find_package(docrel) and through pkg-config, and run.
#
# Usage: scripts/check-deb.sh
#   DEB_BUILD_OPTIONS  default "nocheck" (CI runs the suite separately);
#                      set it to "" to run the test suite inside the build.
#                      parallel=<nproc> is added unless it names a parallel=.
#   KEEP=1             keep the temporary directory (its path is printed).
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh debhelper dpkg-dev fakeroot

start=$(date +%s)
DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS-nocheck}"
case " $DEB_BUILD_OPTIONS " in
  *" parallel="*) ;;
  *) DEB_BUILD_OPTIONS="$DEB_BUILD_OPTIONS parallel=$(nproc)" ;;
esac
export DEB_BUILD_OPTIONS
# With nocheck the test-only build dependencies (<!nocheck>) are not needed.
PROFILE_ARG=""
case " $DEB_BUILD_OPTIONS " in
  *" nocheck "*) PROFILE_ARG="-Pnocheck" ;;
esac

SOURCE=$(dpkg-parsechangelog -l debian/changelog -S Source)
VERSION=$(dpkg-parsechangelog -l debian/changelog -S Version)
ARCH=$(dpkg-architecture -qDEB_HOST_ARCH)
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/check-deb.XXXXXX")
cleanup() {
  if [ "${KEEP:-0}" = 1 ]; then echo "check-deb: kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() {
  echo "check-deb: FAIL: $*" >&2
  exit 1
}

# The tree: tracked files plus new files not ignored yet (git), or a plain
# copy without build directories and .git.
SRC="$TMP/$SOURCE-${VERSION%%-*}"
mkdir -p "$SRC"
if command -v git >/dev/null 2>&1 && git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard |
    tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$SRC"
else
  find . \( -path ./.git -o -type d -path './build*' -o -type d -path './obj-*' \) -prune \
    -o \( -type f -o -type l \) -print | tar -T - -cf - | tar -xf - -C "$SRC"
fi
[ -f "$SRC/debian/control" ] || fail "no debian/control in the copied tree"

echo "check-deb: dpkg-buildpackage -us -uc -b $PROFILE_ARG (DEB_BUILD_OPTIONS=\"$DEB_BUILD_OPTIONS\")"
# shellcheck disable=SC2086
if ! (cd "$SRC" && dpkg-buildpackage -us -uc -b $PROFILE_ARG) >"$TMP/build.log" 2>&1; then
  tail -n 80 "$TMP/build.log" >&2
  fail "dpkg-buildpackage failed (log above, last 80 lines)"
fi
grep -E '^(100% tests passed|[0-9]+% tests passed|Total Test time)' "$TMP/build.log" || true
# New or missing exported symbols: debian/libdocrel0.symbols needs an update
# (a new symbol gets the version that first ships it). A warning, not a failure.
if grep -q '^dpkg-gensymbols: warning' "$TMP/build.log"; then
  echo "check-deb: WARNING: the library's symbols differ from debian/libdocrel0.symbols:"
  sed -n '/^dpkg-gensymbols: warning/,/^   dh_/p' "$TMP/build.log" | grep -E '^[-+] ' | sed 's/^/   /'
fi

LIB_DEB="$TMP/libdocrel0_${VERSION}_${ARCH}.deb"
DEV_DEB="$TMP/libdocrel-dev_${VERSION}_${ARCH}.deb"
for deb in "$LIB_DEB" "$DEV_DEB"; do
  [ -f "$deb" ] || fail "missing $(basename "$deb") (built: $(cd "$TMP" && echo *.deb))"
done
for deb in "$LIB_DEB" "$DEV_DEB"; do
  echo "== $(basename "$deb")"
  dpkg-deb -f "$deb" Package Version Architecture Multi-Arch Depends | sed 's/^/   /'
  dpkg-deb -c "$deb"
done

# Unpack both into a staging root and check the layout.
STAGE="$TMP/stage"
mkdir -p "$STAGE"
dpkg -x "$LIB_DEB" "$STAGE"
dpkg -x "$DEV_DEB" "$STAGE"
LIBDIR="$STAGE/usr/lib/$MA"
set -- "$LIBDIR"/libdocrel.so.0*
[ -e "$1" ] || fail "no usr/lib/$MA/libdocrel.so.0*"
[ "$(objdump -p "$LIBDIR/libdocrel.so.0" | awk '$1 == "SONAME" { print $2 }')" = libdocrel.so.0 ] ||
  fail "libdocrel.so.0 does not have the soname libdocrel.so.0"
for f in usr/include/docrel/docrel.h "usr/lib/$MA/libdocrel.so" "usr/lib/$MA/libdocrel.a" \
  "usr/lib/$MA/pkgconfig/docrel.pc" "usr/lib/$MA/cmake/docrel/docrelConfig.cmake" \
  "usr/lib/$MA/cmake/docrel/docrelConfigVersion.cmake" "usr/lib/$MA/cmake/docrel/docrelTargets.cmake"; do
  [ -e "$STAGE/$f" ] || fail "no $f in the staging root"
done
if [ ! -L "$STAGE/usr/lib/$MA/libdocrel.so" ] || [ ! -e "$STAGE/usr/lib/$MA/libdocrel.so" ]; then
  fail "usr/lib/$MA/libdocrel.so is not a symlink to the library"
fi
# Every <docrel/...> a public header includes is shipped.
sed -n 's/^#[[:space:]]*include[[:space:]]*<\(docrel\/[^>]*\)>.*/\1/p' "$STAGE"/usr/include/docrel/*.h |
  sort -u >"$TMP/includes"
while read -r inc; do
  [ -e "$STAGE/usr/include/$inc" ] || fail "a public header includes <$inc>, not in libdocrel-dev"
done <"$TMP/includes"
# docrel.pc names the installed directories (not a path relative to the .pc).
for v in libdir:/usr/lib/$MA includedir:/usr/include; do
  got=$(PKG_CONFIG_PATH="$LIBDIR/pkgconfig" pkg-config --variable="${v%%:*}" docrel)
  [ "$got" = "${v#*:}" ] || fail "docrel.pc: ${v%%:*} is '$got', expected '${v#*:}'"
done

# A consumer, built against the staging root, through CMake and pkg-config.
mkdir -p "$TMP/consumer"
cat >"$TMP/consumer/main.c" <<'EOF'
#include <docrel/docrel.h>
#include <stdio.h>
int
main (void)
{
   bson_error_t error;
   docrel_store_t *store = docrel_store_open ("sqlite::memory:", &error);
   if (!store) {
      fprintf (stderr, "%s\n", error.message);
      return 1;
   }
   docrel_store_destroy (store);
   puts ("consumer: ok");
   return 0;
}
EOF
cat >"$TMP/consumer/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.16)
project(consumer C)
find_package(docrel REQUIRED)
add_executable(consumer main.c)
target_link_libraries(consumer PRIVATE docrel::docrel)
add_executable(consumer_static main.c)
target_link_libraries(consumer_static PRIVATE docrel::docrel_static)
EOF
if ! (cmake -S "$TMP/consumer" -B "$TMP/consumer/build" -DCMAKE_PREFIX_PATH="$STAGE/usr" \
  -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON && cmake --build "$TMP/consumer/build") >"$TMP/consumer.log" 2>&1; then
  cat "$TMP/consumer.log" >&2
  fail "find_package(docrel) consumer did not build against the staging root"
fi
# docrel.pc names /usr (checked above), which pkg-config leaves out of its
# flags as system directories; the staging root stands in for them here. Its
# other flags (libbson's, through Requires) are the machine's.
PC_FLAGS=$(PKG_CONFIG_PATH="$LIBDIR/pkgconfig" pkg-config --cflags --libs docrel) ||
  fail "pkg-config --cflags --libs docrel failed"
# shellcheck disable=SC2086
cc -o "$TMP/consumer/pc" "$TMP/consumer/main.c" -I"$STAGE/usr/include" -L"$LIBDIR" $PC_FLAGS ||
  fail "pkg-config consumer did not build against the staging root"
for exe in "$TMP/consumer/build/consumer" "$TMP/consumer/build/consumer_static" "$TMP/consumer/pc"; do
  LD_LIBRARY_PATH="$LIBDIR" "$exe" >/dev/null || fail "$(basename "$exe") failed to run"
done
# The shared consumer must load the staged library, not one on the machine.
LD_LIBRARY_PATH="$LIBDIR" ldd "$TMP/consumer/pc" | grep -q "$LIBDIR/libdocrel.so.0" ||
  fail "the consumer does not load libdocrel.so.0 from the staging root"
echo "check-deb: consumers (find_package shared and static, pkg-config) built and ran"

if command -v lintian >/dev/null 2>&1; then
  echo "== lintian (errors fail the check, warnings do not)"
  # lintian prints a notice when run as root; it is not a finding.
  lstatus=0
  lintian --fail-on error --display-info --tag-display-limit 0 "$TMP"/*.changes >"$TMP/lintian.log" 2>&1 || lstatus=$?
  grep -v 'running with root privileges' "$TMP/lintian.log" || echo "   (no findings)"
  [ "$lstatus" -eq 0 ] || fail "lintian reports errors (exit $lstatus)"
else
  echo "check-deb: lintian not installed, skipped (apt-get install lintian)"
fi
echo "check-deb: OK ($(($(date +%s) - start)) s)"
