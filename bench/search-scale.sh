#!/usr/bin/env bash
# Search at scale: builds a site N times the sample (every municipality copied N times, each copy
# under its own name) and evaluates search on it (exact truth, then variant truth), to show what a
# first query loads on a large site.
#
#   bash bench/search-scale.sh [N]      (default 100)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100}
work=$(mktemp -d)
[ -n "${KEEP:-}" ] && echo "site kept in $work" || trap 'rm -rf "$work"' EXIT
cargo build --release --quiet
. bench/scaled-site.sh
scaled_site "$n" "$work"
./target/release/kohyo build --root "$work"
echo "raw bytes of the index: $(du -sb "$work/public/search" | cut -f1)"
./target/release/kohyo search-eval tests/eval/queries.txt --root "$work"
./target/release/kohyo search-eval tests/eval/variants.txt --root "$work"
