#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs what docrel needs to build and test, from Debian's packages only.
# Runs apt-get only when something is missing, so it is quick on a ready machine.
# Usage: scripts/deps.sh [more Debian packages...]
set -eu
# python3-*: the MongoDB wire-protocol test server (tests/mongo_server).
PACKAGES="gcc make cmake pkg-config libbson-dev libmongoc-dev libsqlite3-dev libpcre2-dev check python3 python3-mockupdb python3-mongomock python3-pymongo $*"
missing=""
for p in $PACKAGES; do
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
