#!/usr/bin/env bash
# Open data at scale: for each N (default 1000) generates N editions with examples/corpus.rs,
# builds them with /usr/bin/time -v and reports the files under data/ (by kind), the site's and
# the largest municipality's data page, and the catalogue's size and peak memory of the build.
#
#   bash bench/opendata.sh [N ...]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
need_time
cargo build --release --quiet --bin kohyo --example corpus
work=$(mktemp -d)
[ -n "${KEEP:-}" ] && echo "sites kept in $work" || trap 'rm -rf "$work"' EXIT
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000)
for size in "${sizes[@]}"; do
  site="$work/$size"
  ./target/release/examples/corpus "$size" "$site"
  /usr/bin/time -v ./target/release/kohyo build --root "$site" >"$site.build" 2>"$site.time"
  data="$site/public/data"
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$site.time")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$site.time")
  echo "== $size editions: $(cat "$site.build")"
  echo "build: $wall wall, peak RSS $rss MiB"
  echo "data/: $(find "$data" -type f | wc -l) files:" \
    "$(find "$data" -mindepth 3 -name '*.json' | wc -l) edition JSON," \
    "$(find "$data" -mindepth 3 -name '*.csv' | wc -l) series CSV," \
    "$(find "$data" -name index.html | wc -l) data pages," \
    "$(find "$data" -maxdepth 2 -type f ! -name index.html | wc -l) site-wide"
  echo "data page: $(stat -c %s "$data/index.html") B;" \
    "largest municipality's: $(find "$data" -mindepth 2 -name index.html -printf '%s\n' | sort -n | tail -1) B"
  echo "catalog.jsonld: $(stat -c %s "$data/catalog.jsonld") B," \
    "$(grep -c '"@type": "dcat:Distribution"' "$data/catalog.jsonld") distributions"
done
