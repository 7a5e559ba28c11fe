#!/usr/bin/env bash
# Set up tinygrad_ng in ./.venv and run it.
#   bash quickstart.sh demo [args]   train the demo model and write its pictures and reports
#   bash quickstart.sh test [args]   run the test suite (pytest args may follow)
# The first run installs tinygrad_ng from this checkout (pip install -e ".[dev]") into .venv;
# later runs skip that until pyproject.toml or the Python version changes (.venv/.quickstart-stamp).
# TINYGRAD_NG_EXTRAS names more pyproject extras to install (e.g. browser,notebooks).
# System packages: Graphviz's `dot` (for SVG/PNG rendering) and Python's venv module. As root
# with apt-get they are installed here; otherwise install them yourself (see README).
set -euo pipefail
cd "$(dirname "$0")"
job="${1:-}"
case "$job" in
  demo|test) shift ;;
  *) echo "usage: bash quickstart.sh demo|test [args...]" >&2; exit 2 ;;
esac

PYTHON="${PYTHON:-python3}"
need_apt=()
command -v dot >/dev/null 2>&1 || need_apt+=(graphviz)
"$PYTHON" -c "import ensurepip, venv" >/dev/null 2>&1 || need_apt+=(python3-venv)
if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "quickstart: installing ${need_apt[*]} with apt-get" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "quickstart: please install: ${need_apt[*]} (Debian/Ubuntu: sudo apt-get install ${need_apt[*]};" \
         "macOS: brew install graphviz; conda: conda install graphviz)" >&2
    if [[ " ${need_apt[*]} " == *" python3-venv "* ]]; then exit 1; fi
  fi
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.quickstart-stamp
want="$(.venv/bin/python -c 'import hashlib, sys
print(sys.version.split()[0], hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest())') ${TINYGRAD_NG_EXTRAS:-}"
if [ ! -x .venv/bin/tinygrad-ng ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "quickstart: installing tinygrad_ng from this checkout into .venv with its development tools (once)" >&2
  rm -f "$stamp"
  .venv/bin/python -m pip install -qq --upgrade pip >/dev/null 2>&1 || true
  .venv/bin/python -m pip install -qq -e ".[dev]"  # -qq: errors only
  if [ -n "${TINYGRAD_NG_EXTRAS:-}" ]; then
    .venv/bin/python -m pip install -qq -e ".[$TINYGRAD_NG_EXTRAS]"
  fi
  echo "$want" > "$stamp"
fi

case "$job" in
  demo) exec .venv/bin/tinygrad-ng demo "$@" ;;
  test) exec .venv/bin/python -m pytest "$@" ;;
esac
