# Shared by the benchmarks: `source bench/lib.sh` from the repository root.

# Install Debian's `time` (for /usr/bin/time -v: wall time and peak RSS) when it is missing.
need_time() {
  if [ ! -x /usr/bin/time ]; then
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "installing Debian's time"
    $sudo apt-get install -y -qq time
  fi
}
