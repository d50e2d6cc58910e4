# Sourced by the bench scripts: scaled_site N DIR writes into DIR a site N times the sample
# (kohyo.toml, and every municipality copied N times, each copy under its own name).
scaled_site() {
  local n=$1 work=$2 dir slug i
  cp kohyo.toml "$work/"
  cp -r content "$work/content"
  for dir in content/*/; do
    slug=$(basename "$dir")
    for i in $(seq 2 "$n"); do
      cp -r "$dir" "$work/content/$slug$i"
      sed -i "s/^name = \"\(.*\)\"/name = \"\1（$i）\"/" "$work/content/$slug$i/_municipality.toml"
    done
  done
}
