#!/usr/bin/env bash
# Scale: for each N (default 1000 and 10000) generates N editions with examples/corpus.rs and
# reports the full build's wall time and peak memory (/usr/bin/time -v), pages per second, the
# search index's size raw and gzipped, the bytes a first query loads (median and worst over
# tests/eval/queries.txt, with recall and precision against exact-substring truth), and the
# preview's save-to-reload latency for one changed edition (bench/serve-latency.sh).
#
#   bash bench/scale.sh [N ...]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
need_time
cargo build --release --quiet --bin kohyo --example corpus
work=$(mktemp -d)
[ -n "${KEEP:-}" ] && echo "sites kept in $work" || trap 'rm -rf "$work"' EXIT
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
for size in "${sizes[@]}"; do
  site="$work/$size"
  ./target/release/examples/corpus "$size" "$site"
  /usr/bin/time -v ./target/release/kohyo build --root "$site" >"$site.build" 2>"$site.time"
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$site.time")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$site.time")
  pages=$(grep -o 'built [0-9]* pages' "$site.build" | grep -o '[0-9]*')
  secs=$(awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }' <<<"$wall")
  echo "== $size editions: $(cat "$site.build")"
  echo "build: ${wall} wall, peak RSS ${rss} MiB, $(awk -v p="$pages" -v s="$secs" 'BEGIN { printf "%.0f", p / s }') pages/s"
  ./target/release/kohyo search-eval tests/eval/queries.txt --root "$site" | tail -2
  bash bench/serve-latency.sh "$site" | grep -E '^run|^site'
done
