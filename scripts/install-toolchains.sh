#!/usr/bin/env bash
# Install the pinned toolchains that build Python and JavaScript policy packs into `.tools/`
# (ignored by git): componentize-py from PyPI in a virtual environment, and
# @bytecodealliance/componentize-js from npm in a local node project. Idempotent: a toolchain
# already at the pinned version is left alone. CI calls this before the tests.
#
# Usage: scripts/install-toolchains.sh [--python-only|--js-only]
# Afterwards `plimsoll policy build` finds them in `<repo>/.tools` (or set PLIMSOLL_TOOLS_DIR).
set -euo pipefail

COMPONENTIZE_PY_VERSION="0.25.1"
COMPONENTIZE_JS_VERSION="0.23.0"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="${PLIMSOLL_TOOLS_DIR:-$root/.tools}"
want_py=1
want_js=1
case "${1:-}" in
  --python-only) want_js=0 ;;
  --js-only) want_py=0 ;;
  "") ;;
  *) echo "usage: $0 [--python-only|--js-only]" >&2; exit 2 ;;
esac
mkdir -p "$tools"

if [ "$want_py" = 1 ]; then
  py="$tools/python/bin/python"
  if [ -x "$tools/python/bin/componentize-py" ] && "$py" -m pip show componentize-py 2>/dev/null | grep -qx "Version: $COMPONENTIZE_PY_VERSION"; then
    echo "componentize-py $COMPONENTIZE_PY_VERSION already in $tools/python"
  else
    python3 -m venv "$tools/python"
    "$py" -m pip install --quiet "componentize-py==$COMPONENTIZE_PY_VERSION"
    echo "installed componentize-py $COMPONENTIZE_PY_VERSION in $tools/python"
  fi
fi

if [ "$want_js" = 1 ]; then
  js="$tools/node"
  installed="$(node -p "try { require('$js/node_modules/@bytecodealliance/componentize-js/package.json').version } catch { '' }" 2>/dev/null || true)"
  if [ "$installed" = "$COMPONENTIZE_JS_VERSION" ]; then
    echo "componentize-js $COMPONENTIZE_JS_VERSION already in $js"
  else
    mkdir -p "$js"
    [ -f "$js/package.json" ] || echo '{ "name": "plimsoll-tools", "private": true }' > "$js/package.json"
    (cd "$js" && npm install --no-audit --no-fund --silent --save-exact "@bytecodealliance/componentize-js@$COMPONENTIZE_JS_VERSION")
    echo "installed @bytecodealliance/componentize-js $COMPONENTIZE_JS_VERSION in $js"
  fi
fi
