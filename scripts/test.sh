#!/usr/bin/env bash
# Runs every test. First installs what the browser and JavaScript tests need, when missing:
# Debian's chromium, a Japanese font (so pages are laid out and screenshotted as readers see
# them), nodejs and Python's venv, the npm packages pinned in package-lock.json, and the Python
# tools data portals use (rdflib, pyshacl, frictionless; pinned in tests/py/requirements.txt)
# into a virtualenv under target/pyenv, so nothing outside the repository changes.
#
#   bash scripts/test.sh [cargo test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -n "$(fc-list :lang=ja 2>/dev/null)" ] || need+=(fonts-ipafont-gothic)
python3 -c "import venv, ensurepip" 2>/dev/null || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing ${need[*]} from Debian's packages"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
{ [ -d node_modules/playwright-core ] && [ -d node_modules/ajv ] && [ -d node_modules/axe-core ]; } || npm ci --no-audit --no-fund
py=target/pyenv
if ! cmp -s tests/py/requirements.txt "$py/requirements.txt"; then
  echo "installing the Python tools of tests/py/requirements.txt into $py"
  rm -rf "$py"
  python3 -m venv "$py"
  "$py/bin/pip" install -q --disable-pip-version-check -r tests/py/requirements.txt
  cp tests/py/requirements.txt "$py/requirements.txt"
fi
cargo test --locked "$@"
