#!/usr/bin/env bash
# Import: writes a ROWS-row department workbook (default 1000) in the layout of 上田市's
# 平成29年度 重点目標一覧表 with examples/import_sheet.rs, then times `kohyo import` of it into a
# copy of the sample site as ueda/shimin-machizukuri 2030 (ids aligned with the 2025 edition,
# the site checked again before the file stays) with /usr/bin/time -v on the release binary.
# `kohyo check` of the same site is timed too: loading the site, which the import does twice.
#
#   bash bench/import.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000}
source bench/lib.sh
need_time
cargo build --release --quiet --bin kohyo --example import_sheet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r kohyo.toml content themes "$work/"
./target/release/examples/import_sheet "$rows" "$work/goals.xlsx"
report() {
  grep -E "Elapsed \(wall|Maximum resident" "$1" | sed 's/^\s*/  /'
}
/usr/bin/time -v ./target/release/kohyo check --root "$work" >/dev/null 2>"$work/check.txt"
echo "kohyo check of the sample site:"
report "$work/check.txt"
/usr/bin/time -v ./target/release/kohyo import "$work/goals.xlsx" --series ueda/shimin-machizukuri \
  --year 2030 --root "$work" >"$work/out.txt" 2>"$work/import.txt"
echo "kohyo import of $rows rows: $(cat "$work/out.txt")"
report "$work/import.txt"
grep -c '^\[\[items' "$work/content/ueda/shimin-machizukuri/2030.toml" |
  sed 's/^/  items in 2030.toml: /'
