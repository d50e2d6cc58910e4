#!/usr/bin/env bash
# Prose: the search index on long Japanese prose nobody here wrote, side by side with Pagefind.
# Debian's manpages-ja (fetched with `apt-get download` and unpacked into a throwaway folder, so
# nothing is installed system-wide) becomes one edition per man page, each man-page section a
# `[[sections]]` entry, beside the sample's 一関市 plan (bench/prose-site.py). Measured:
#   - kohyo's `public/search` and Pagefind 1.6 extended's bundle over the same edition pages
#     (`--root-selector main`): bytes raw, on disk (4 KB blocks) and gzipped file by file
#     (level 6; a file already gzipped counts as it is), and the number of files; the whole
#     site's file count;
#   - the bytes a first query loads over bench/prose-queries.txt, median and worst, gzipped:
#     kohyo's from `kohyo search-eval` (index files, with recall and precision against
#     exact-substring truth), Pagefind's in Chromium (bench/pagefind-query.mjs: index data, and
#     with its code and wasm);
#   - time: kohyo's build (wall) and its `indexing for search` stage (`--timings`), Pagefind's
#     wall time.
#
#   bash bench/prose.sh
#
# NO_BUILD=1 takes target/release as it is; KEEP=1 keeps the site.
set -euo pipefail
cd "$(dirname "$0")/.."
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=()
[ -x /usr/bin/time ] || missing+=(time)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v groff >/dev/null || missing+=(groff)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian's ${missing[*]}"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}"
fi
[ -n "${NO_BUILD:-}" ] || cargo build --release --quiet --bin kohyo
work=$(mktemp -d)
[ -n "${KEEP:-}" ] && echo "site kept in $work" || trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -qq manpages-ja 2>/dev/null) || {
  $sudo apt-get update -qq
  (cd "$work" && apt-get download -qq manpages-ja)
}
dpkg-deb -x "$work"/manpages-ja_*.deb "$work/deb"
dpkg-deb -f "$work"/manpages-ja_*.deb Package Version | tr '\n' ' '
echo
python3 bench/prose-site.py "$work/deb/usr/share/man/ja" "$work/site"
npm install --prefix "$work/npm" --no-audit --no-fund --silent pagefind@1.6.0
pagefind=$(find "$work/npm/node_modules/@pagefind" -type f -name 'pagefind_extended' | head -1)
site="$work/site"

wall() { awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0
  for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "%.1f", s }' "$1"; }
# Bytes of the files under a folder: raw, on disk, gzipped file by file; and their count.
sizes() {
  python3 - "$1" <<'EOF'
import gzip, os, pathlib, sys
raw = gz = disk = n = 0
for p in pathlib.Path(sys.argv[1]).rglob("*"):
    if p.is_file():
        b = p.read_bytes()
        n += 1
        raw += len(b)
        disk += os.stat(p).st_blocks * 512
        gz += len(b) if b[:2] == b"\x1f\x8b" else len(gzip.compress(b, 6, mtime=0))
print(f"{raw / 1e6:.1f} MB / {disk / 1e6:.1f} MB / {gz / 1e6:.1f} MB / {n}")
EOF
}
kb() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f KB / %.1f KB", a / 1000, b / 1000 }'; }

/usr/bin/time -v ./target/release/kohyo build --root "$site" --timings >"$site.build" 2>"$site.time"
index_ms=$(awk '/indexing for search/ { print $4 }' "$site.build")
eval_out=$(./target/release/kohyo search-eval bench/prose-queries.txt --root "$site")
eval_line=$(tail -1 <<<"$eval_out")
k_med=$(grep -o '[0-9]* B gzipped (median)' <<<"$eval_line" | cut -d' ' -f1)
k_worst=$(grep -o '[0-9]* B (worst' <<<"$eval_line" | cut -d' ' -f1)
/usr/bin/time -v "$pagefind" --site "$site/public" --output-subdir pagefind --quiet \
  --root-selector main --glob '*/*/*/index.html' >/dev/null 2>"$site.pf.time"
node bench/pagefind-query.mjs "$site/public" bench/prose-queries.txt pagefind >"$site.pf.q"
read -r pd_med pd_worst <<<"$(awk '$1 == "median-worst" && $2 == "data-gz" { print $3, $4 }' "$site.pf.q")"
read -r pt_med pt_worst <<<"$(awk '$1 == "median-worst" && $2 == "total-gz" { print $3, $4 }' "$site.pf.q")"
pf_pages=$(grep -o '"page_count":[0-9]*' "$site/public/pagefind/pagefind-entry.json" | cut -d: -f2)
echo
echo "$(head -1 "$site.build")"
echo "kohyo search-eval: $(grep '^macro' <<<"$eval_out")"
echo
echo "| on $(find "$site/content/manpages" -name ja.toml | wc -l) man pages + 一関市 | kohyo | Pagefind 1.6 (extended, \`--root-selector main\`) |"
echo "| --- | ---: | ---: |"
echo "| pages indexed | $(grep -o '[0-9]* editions' "$site.build" | cut -d' ' -f1) | $pf_pages |"
echo "| index raw / on disk / gzipped / files | $(sizes "$site/public/search") | $(sizes "$site/public/pagefind") |"
echo "| files in the whole site | $(find "$site/public" -type f -not -path '*/pagefind/*' | wc -l) | |"
echo "| first query, index, gzipped (median / worst) | $(kb "$k_med" "$k_worst") | $(kb "$pd_med" "$pd_worst") |"
echo "| first query with the engine's code, gzipped (median / worst) | $(kb $((k_med + $(cat "$site/public/search/engine.js" "$site/public/search/ui.js" | gzip -6 | wc -c))) $((k_worst + $(cat "$site/public/search/engine.js" "$site/public/search/ui.js" | gzip -6 | wc -c)))) | $(kb "$pt_med" "$pt_worst") |"
echo "| build wall (index time) | $(wall "$site.time") s ($(awk -v m="$index_ms" 'BEGIN { printf "%.1f", m / 1000 }') s indexing) | $(wall "$site.pf.time") s |"
echo
echo "kohyo per query:"
sed '$d' <<<"$eval_out"
echo
echo "Pagefind per query (hits = pages found; sizes in bytes):"
grep -v '^median-worst' "$site.pf.q"
