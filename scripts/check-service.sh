#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds the example HTTP service (examples/service.c), starts it on a free
# port with a fresh embedded store in a temporary directory, and checks its
# API with curl: a nested POST, a GET with joins, a 404 and 400s; then stops
# it with SIGTERM and checks that it exits 0.
# Usage: scripts/check-service.sh [build-dir]   (default: build-service)
# The checks are Python expressions in single quotes: "$oid" is JSON, not shell.
# shellcheck disable=SC2016
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh libmicrohttpd-dev curl
BUILD="${1:-build-service}"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDOCREL_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target service >/dev/null

TMP="$(mktemp -d)"
PID=""
cleanup() {
  if [ -n "$PID" ]; then
    kill "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
  echo "FAIL: $1" >&2
  if [ -s "$TMP/body" ]; then
    echo "response: $(cat "$TMP/body")" >&2
  fi
  if [ -s "$TMP/err" ]; then
    echo "service stderr:" >&2
    cat "$TMP/err" >&2
  fi
  exit 1
}

ok() {
  echo "ok: $1"
}

# request METHOD PATH [BODY]: the body goes to $TMP/body, the status to $CODE.
request() {
  if [ $# -gt 2 ]; then
    CODE="$(curl -sS --max-time 10 -o "$TMP/body" -w '%{http_code}' -X "$1" \
      -H 'Content-Type: application/json' --data "$3" "$URL$2")" || CODE="no answer"
  else
    CODE="$(curl -sS --max-time 10 -o "$TMP/body" -w '%{http_code}' -X "$1" "$URL$2")" || CODE="no answer"
  fi
}

# expect STATUS WHAT: the last request answered STATUS.
expect() {
  [ "$CODE" = "$1" ] || fail "$2: expected HTTP $1, got $CODE"
  ok "$2 -> $1"
}

# check WHAT EXPR: the Python expression EXPR holds of the last response, d.
check() {
  /usr/bin/python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$TMP/body" "$2" || fail "$1"
  ok "$1"
}

"$BUILD/examples/service" --port 0 --uri "sqlite://$TMP/service.db" >"$TMP/out" 2>"$TMP/err" &
PID=$!
i=0
while ! grep -q '^listening on http://127.0.0.1:[0-9]*$' "$TMP/out"; do
  kill -0 "$PID" 2>/dev/null || fail "the service exited before listening"
  i=$((i + 1))
  [ "$i" -le 100 ] || fail "no 'listening' line within 10 s"
  sleep 0.1
done
URL="$(sed -n 's/^listening on //p' "$TMP/out")"
ok "service $PID is $(cat "$TMP/out")"

request POST /authors '{"name": "Ada", "email": "ada@example.org", "posts": [
  {"title": "Notes on the Analytical Engine", "comments": [{"body": "Bold."}, {"body": "Loops!"}],
   "tags": [{"name": "math"}, {"name": "machines"}]},
  {"title": "Sketch of a program", "comments": [{"body": "Halting?"}], "tags": [{"name": "machines"}]}]}'
expect 201 "POST /authors with 2 posts, 3 comments, 2 tags"
check "the saved author has its name and a generated _id" \
  'd["name"] == "Ada" and len(d["_id"]["$oid"]) == 24'
check "its posts carry generated keys and the author's key" \
  '[p["title"] for p in d["posts"]] == ["Notes on the Analytical Engine", "Sketch of a program"]
   and all(p["authorId"] == d["_id"] and "$oid" in p["_id"] for p in d["posts"])'
check "the comments carry their post's key" \
  '[len(p["comments"]) for p in d["posts"]] == [2, 1]
   and all(c["postId"] == p["_id"] for p in d["posts"] for c in p["comments"])'
check "the tags are keyed by name, 'machines' once for both posts" \
  '[[t["_id"] for t in p["tags"]] for p in d["posts"]] == [["math", "machines"], ["machines"]]'
ID="$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["_id"]["$oid"])' "$TMP/body")"

request GET "/authors/$ID?join=posts.comments"
expect 200 "GET /authors/$ID?join=posts.comments"
check "the author comes back with its posts and their comments (and no tags)" \
  'd["name"] == "Ada" and sorted(p["title"] for p in d["posts"]) == ["Notes on the Analytical Engine", "Sketch of a program"]
   and sorted(c["body"] for p in d["posts"] for c in p["comments"]) == ["Bold.", "Halting?", "Loops!"]
   and all("tags" not in p for p in d["posts"])'

request GET "/authors/$ID?join=posts.tags.posts"
expect 200 "GET /authors/$ID?join=posts.tags.posts"
check "the tag 'machines' is one document linked to both posts" \
  'sorted(len(t["posts"]) for p in d["posts"] for t in p["tags"] if t["_id"] == "machines") == [2, 2]'

request GET "/authors/$ID"
expect 200 "GET /authors/$ID without a join"
check "the author comes back alone" 'd["name"] == "Ada" and "posts" not in d'

request GET /authors/000000000000000000000000
expect 404 "GET /authors/000000000000000000000000 (no such author)"
check "the 404 is a JSON error" 'isinstance(d["error"], str) and isinstance(d["domain"], int)'

request GET "/authors/$ID?join=posts.nope"
expect 400 "GET /authors/$ID?join=posts.nope (no such relation)"
check "the 400 names the bad relation" '"nope" in d["error"]'

request GET "/authors/$ID?join=posts..comments"
expect 400 "GET /authors/$ID?join=posts..comments (a malformed path)"

request POST /authors '{"email": "nobody@example.org", "posts": [{"title": "Anonymous"}]}'
expect 400 "POST /authors without the required name"
check "the 400 is the validation error, with its domain and code" \
  '"name" in d["error"] and d["domain"] == 0x6474 and d["code"] == 8'

request POST /authors '{"name": "Alan", "posts": [{"title": "On computable numbers", "comments": [{}]}]}'
expect 400 "POST /authors with a comment without its required body"
check "the 400 names the model and the field" '"Comment" in d["error"] and "body" in d["error"]'

kill -TERM "$PID"
rc=0
wait "$PID" || rc=$?
PID=""
[ "$rc" -eq 0 ] || fail "the service exited $rc after SIGTERM"
ok "the service stopped on SIGTERM and exited 0"
echo "check-service: all checks passed"
