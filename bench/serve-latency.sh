#!/usr/bin/env bash
# Save-to-reload latency of `kohyo serve`: edits one edition's title and times until the
# preview sends the reload event to the open page and until the reloaded page has arrived,
# five times; each save waits until the preview has made the whole site again after the last. With N > 1 the site is N times
# the sample (every municipality copied N times, as bench/search-scale.sh does); given a
# folder, that site is served and its first edition edited.
#
#   bash bench/serve-latency.sh [N | SITE_DIR]      (default 1)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1}
work=$(mktemp -d)
trap 'kill "${server:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
cargo build --release --quiet --bin kohyo
if [ -d "$n" ]; then
  cp -r "$n/kohyo.toml" "$n/content" "$work/"
  file=$(find "$work/content" -name '*.toml' ! -name '_*' | sort | sed -n 1p)
else
  . bench/scaled-site.sh
  scaled_site "$n" "$work"
  file="$work/content/ueda/seisaku-kikaku/2023.toml"
fi
./target/release/kohyo serve --root "$work" --port 0 >"$work/serve.out" 2>"$work/serve.err" &
server=$!
until grep -q http "$work/serve.out" 2>/dev/null; do sleep 0.2; done
url=$(grep -o 'http://[0-9.:]*/' "$work/serve.out")
rel=${file#"$work/content/"}
page="${url}${rel%.toml}/"
rebuilt() { grep -c '^rebuilt in' "$work/serve.err" || true; }
echo "site: $(find "$work/content" -name '*.toml' ! -name '_*' | wc -l) editions; serving $url"
exec 3< <(curl -sN "${url}__kohyo/events")
read -r _ <&3
for run in 1 2 3 4 5; do
  done_before=$(rebuilt)
  sleep 1
  start=$(date +%s%N)
  sed -i "0,/^title = \"/s/^title = \"\([^\"（]*\).*\"/title = \"\1（${run}）\"/" "$file"
  # The first reload that names the page (every save also sends one when the rest of the
  # site is made again, naming only what changed then).
  while read -r line <&3; do
    case "$line" in "data: "*"\"${rel%.toml}/index.html\""* | "data: "*'"pages":null'*) break ;; esac
  done
  end=$(date +%s%N)
  curl -s "$page" -o "$work/page.html"
  grep -q "（${run}）" "$work/page.html"
  loaded=$(date +%s%N)
  echo "run $run: $(( (end - start) / 1000000 )) ms from save to reload event, $(( (loaded - start) / 1000000 )) ms to the reloaded page"
  until [ "$(rebuilt)" -gt "$done_before" ]; do sleep 0.2; done
done
echo "server log (rebuild times):"
cat "$work/serve.err"
