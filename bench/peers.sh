#!/usr/bin/env bash
# Peers: kohyo side by side with the pair a web team would pick today, Hugo (pages) and
# Pagefind (search), on the same content. For each N (default 1000) generates N editions with
# examples/corpus.rs and measures:
#   - `kohyo build`: wall time and peak memory (/usr/bin/time -v);
#   - `hugo --quiet` over the same editions, one Markdown page each, converted from kohyo's own
#     open-data export by bench/hugo-content.py into the minimal site of bench/hugo-site/
#     (edition pages and their lists only);
#   - Pagefind over kohyo's built pages, twice: the edition pages only (the pages kohyo's own
#     index covers) and every page (what `pagefind --site public` indexes out of the box);
#   - the search index on disk and gzipped file by file (level 6), kohyo's `public/search`
#     against Pagefind's bundle (whole folders, code included; Pagefind's index files are gzipped
#     on disk and count as they are);
#   - the bytes a first query loads over tests/eval/queries.txt, median and worst, gzipped: for
#     kohyo from `kohyo search-eval` (index files; its client JS, engine.js + ui.js, added in the
#     next row), for Pagefind in Chromium (bench/pagefind-query.mjs: pagefind.js, its worker
#     and wasm, index chunks and the ten results' fragments, cold cache).
# Hugo and Chromium come from Debian (apt-get), Pagefind from npm into a throwaway folder.
#
#   bash bench/peers.sh [N ...]
#
# NO_BUILD=1 takes target/release as it is instead of running `cargo build --release` first;
# KEEP=1 keeps the generated sites.
set -euo pipefail
cd "$(dirname "$0")/.."
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=()
[ -x /usr/bin/time ] || missing+=(time)
command -v hugo >/dev/null || missing+=(hugo)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian's ${missing[*]}"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}"
fi
[ -n "${NO_BUILD:-}" ] || cargo build --release --quiet --bin kohyo --example corpus
work=$(mktemp -d)
[ -n "${KEEP:-}" ] && echo "sites kept in $work" || trap 'rm -rf "$work"' EXIT
npm install --prefix "$work/npm" --no-audit --no-fund --silent pagefind@1.6.0
pagefind=$(find "$work/npm/node_modules/@pagefind" -type f -name 'pagefind_extended' | head -1)
echo "$(hugo version | cut -d' ' -f1-2); $("$pagefind" --version) (extended, for Japanese)"

# Seconds of wall time and MiB of peak memory from a /usr/bin/time -v report.
wall() { awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0
  for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "%.2f", s }' "$1"; }
rss() { awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$1"; }
# Bytes of the files under a folder: on disk, and gzipped at level 6 file by file (a file
# already gzipped counts as it is, as a server sends it).
sizes() {
  python3 - "$1" <<'EOF'
import gzip, pathlib, sys
raw = gz = 0
for p in pathlib.Path(sys.argv[1]).rglob("*"):
    if p.is_file():
        b = p.read_bytes()
        raw += len(b)
        gz += len(b) if b[:2] == b"\x1f\x8b" else len(gzip.compress(b, 6, mtime=0))
print(f"{raw / 1e6:.1f} MB / {gz / 1e6:.1f} MB")
EOF
}
kb() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f KB / %.1f KB", a / 1000, b / 1000 }'; }
gz() { cat "$@" | gzip -6 | wc -c; }
# Pages in a Pagefind bundle of $site/public; median and worst of one of its query measures.
pf_pages() { grep -o '"page_count":[0-9]*' "$site/public/$1/pagefind-entry.json" | cut -d: -f2; }
q() { awk -v k="$2" '$1 == "median-worst" && $2 == k { print $3, $4 }' "$site.$1.q"; }
# Hugo + Pagefind wall time, and kohyo's build time ($k) as a fraction of it.
sum() { awk -v a="$1" -v b="$2" -v k="$k" 'BEGIN { printf "%.2f s (kohyo ÷ it: %.2f)", a + b, k / (a + b) }'; }

counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1000)
for size in "${counts[@]}"; do
  site="$work/$size" hugo="$work/hugo-$size"
  ./target/release/examples/corpus "$size" "$site" >/dev/null
  /usr/bin/time -v ./target/release/kohyo build --root "$site" >"$site.build" 2>"$site.time"
  pages=$(grep -o 'built [0-9]* pages' "$site.build" | grep -o '[0-9]*')

  cp -r bench/hugo-site "$hugo"
  python3 bench/hugo-content.py "$site/public/data" "$hugo"
  (cd "$hugo" && /usr/bin/time -v hugo --quiet) 2>"$hugo.time"
  hugo_pages=$(find "$hugo/public" -name '*.html' | wc -l)

  # Edition pages are the site's only pages three folders deep: /<municipality>/<series>/<edition>/.
  /usr/bin/time -v "$pagefind" --site "$site/public" --output-subdir pagefind --quiet \
    --glob '*/*/*/index.html' >/dev/null 2>"$site.pf.time"
  /usr/bin/time -v "$pagefind" --site "$site/public" --output-subdir pagefind-all --quiet \
    >/dev/null 2>"$site.pfall.time"

  eval_line=$(./target/release/kohyo search-eval tests/eval/queries.txt --root "$site" | tail -1)
  k_med=$(grep -o '[0-9]* B gzipped (median)' <<<"$eval_line" | cut -d' ' -f1)
  k_worst=$(grep -o '[0-9]* B (worst' <<<"$eval_line" | cut -d' ' -f1)
  k_raw=$(grep -o '[0-9]* B uncompressed' <<<"$eval_line" | cut -d' ' -f1)
  k_code=$(( $(gz "$site/public/search/engine.js") + $(gz "$site/public/search/ui.js") ))
  for bundle in pagefind pagefind-all; do
    node bench/pagefind-query.mjs "$site/public" tests/eval/queries.txt "$bundle" >"$site.$bundle.q"
  done

  k=$(wall "$site.time") h=$(wall "$hugo.time")
  p=$(wall "$site.pf.time") pa=$(wall "$site.pfall.time")
  read -r pd_med pd_worst <<<"$(q pagefind data-gz)"
  read -r pt_med pt_worst <<<"$(q pagefind total-gz)"
  read -r _ pu_worst <<<"$(q pagefind data-unz)"
  read -r ad_med ad_worst <<<"$(q pagefind-all data-gz)"
  read -r at_med at_worst <<<"$(q pagefind-all total-gz)"
  read -r _ au_worst <<<"$(q pagefind-all data-unz)"
  echo
  echo "== $size editions"
  echo "| | kohyo | Hugo | Pagefind, edition pages | Pagefind, every page |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  echo "| pages | $pages | $hugo_pages | $(pf_pages pagefind) | $(pf_pages pagefind-all) |"
  echo "| build wall | $k s | $h s | $p s | $pa s |"
  echo "| peak RSS | $(rss "$site.time") MiB | $(rss "$hugo.time") MiB | $(rss "$site.pf.time") MiB | $(rss "$site.pfall.time") MiB |"
  echo "| Hugo + Pagefind wall | | | $(sum "$h" "$p") | $(sum "$h" "$pa") |"
  echo "| search files raw / gzipped | $(sizes "$site/public/search") | | $(sizes "$site/public/pagefind") | $(sizes "$site/public/pagefind-all") |"
  echo "| first query, index, gzipped (median / worst) | $(kb "$k_med" "$k_worst") | | $(kb "$pd_med" "$pd_worst") | $(kb "$ad_med" "$ad_worst") |"
  echo "| first query with the engine's code, gzipped (median / worst) | $(kb $((k_med + k_code)) $((k_worst + k_code))) | | $(kb "$pt_med" "$pt_worst") | $(kb "$at_med" "$at_worst") |"
  echo "| first query, index, worst uncompressed | $(awk -v a="$k_raw" 'BEGIN { printf "%.1f KB", a / 1000 }') | | $(awk -v a="$pu_worst" 'BEGIN { printf "%.1f KB", a / 1000 }') | $(awk -v a="$au_worst" 'BEGIN { printf "%.1f KB", a / 1000 }') |"
  echo
  echo "Pagefind per query, edition pages (hits = pages found; sizes in bytes):"
  grep -v '^median-worst' "$site.pagefind.q"
done
