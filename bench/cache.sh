#!/usr/bin/env bash
# The build cache: generates N editions with examples/corpus.rs (10000 by default), then with
# /usr/bin/time -v and `kohyo build --timings` reports
#   1. a cold build into an empty folder without the cache (--no-cache), as before the cache;
#   2. a cold build into an empty folder that fills the cache;
#   3. a build after one edition's title changed, with the cache;
#   4. the same change built again without the cache (--no-cache), for comparison;
# each with its wall time, peak RSS and stage times, and the cache's size.
#
#   bash bench/cache.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
need_time
size="${1:-10000}"
cargo build --release --quiet --bin kohyo --example corpus
work=$(mktemp -d)
[ -n "${KEEP:-}" ] && echo "site kept in $work" || trap 'rm -rf "$work"' EXIT
site="$work/site"
./target/release/examples/corpus "$size" "$site" >/dev/null
run() {
  local name="$1"
  shift
  /usr/bin/time -v ./target/release/kohyo build --root "$site" --timings "$@" >"$work/out" 2>"$work/time"
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$work/time")
  echo "== $name: ${wall} wall, peak RSS ${rss} MiB"
  cat "$work/out"
  grep '^warning' "$work/time" || true
}
run "$size editions, cold, no cache (empty output)" --no-cache --output "$site/cold"
run "$size editions, cold, filling the cache (empty output)"
echo "cache: $(du -sh "$site/.kohyo-cache" | cut -f1)"
# One edition changed: the first edition file's title.
edition=$(find "$site/content" -name '*.toml' ! -name '_*' | sort | sed -n 1p)
sed -i '0,/^title = "/s//title = "改訂 /' "$edition"
run "one edition changed, with the cache"
sed -i '0,/^title = "改訂 /s//title = "再改訂 /' "$edition"
run "one edition changed, without the cache" --no-cache
