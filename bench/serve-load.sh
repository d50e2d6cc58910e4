#!/usr/bin/env bash
# Requests per second of `kohyo serve` on the sample site with many clients: ApacheBench
# (Debian's apache2-utils) asks for an edition page 10,000 times from 200 clients at once
# (200 clients × 50 requests), a new connection per request and then with keep-alive; wrk
# (Debian's wrk) runs 200 keep-alive connections for 10 s. Given a binary, that one serves.
#
#   bash bench/serve-load.sh [KOHYO_BINARY]      (default: the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-}
if [ -z "$bin" ]; then
  cargo build --release --quiet --bin kohyo
  bin=./target/release/kohyo
fi
work=$(mktemp -d)
trap 'kill "${server:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
# No themes/ folder: the theme built into the binary, so that any build can be measured.
cp -r kohyo.toml content "$work/"
"$bin" serve --root "$work" --port 0 >"$work/serve.out" 2>"$work/serve.err" &
server=$!
until grep -q http "$work/serve.out" 2>/dev/null; do sleep 0.2; done
url=$(grep -o 'http://[0-9.:]*/' "$work/serve.out")
page="${url}ueda/seisaku-kikaku/2023/"
curl -sf "$page" -o /dev/null
# ab's summary lines, or why it stopped.
summary() { grep -E '^(Complete requests|Failed requests|Requests per second|Time per request.*mean\)$|apr_)' || true; }
echo "ab -n 10000 -c 200 (a connection per request):"
{ ab -q -n 10000 -c 200 "$page" 2>&1 || true; } | summary
echo "ab -k -n 10000 -c 200 (keep-alive):"
{ ab -q -k -n 10000 -c 200 "$page" 2>&1 || true; } | summary
echo "wrk -t 2 -c 200 -d 10s (keep-alive):"
wrk -t 2 -c 200 -d 10s "$page" | grep -E 'Requests/sec|Latency|requests in|errors'
echo "server: $(grep -E '^(VmHWM|Threads)' "/proc/$server/status" | tr -s ' \t' ' ' | paste -sd ';')"
