#!/usr/bin/env bash
# The demo: start qget-serve on localhost with a fresh certificate, fetch a
# page with qget, print it, stop the server.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
work=$(mktemp -d "${TMPDIR:-/tmp}/qget-demo.XXXXXX")
server=""
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/root"
cat >"$work/root/index.html" <<HTML
<!doctype html>
<title>qget demo</title>
<h1>Hello over QUIC</h1>
<p>This page was served by qget-serve and fetched by qget over QUIC
(ALPN http/1.0), with the certificate verified against a throwaway CA.</p>
HTML

"$BUILD/qget-serve" --cert "$BUILD/certs/server.pem" --key "$BUILD/certs/server.key" \
	--root "$work/root" --port 0 --port-file "$work/port" &
server=$!
for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.05; done
port=$(cat "$work/port")

echo "\$ qget -v --cacert $BUILD/certs/ca.pem localhost $port /" >&2
rc=0
"$BUILD/qget" -v --cacert "$BUILD/certs/ca.pem" localhost "$port" / || rc=$?
echo "demo: qget exited $rc" >&2
exit $rc
