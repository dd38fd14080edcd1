#!/usr/bin/env bash
# What the end-to-end tests of the extension need: Debian's Chromium, and
# code-server (a real VS Code) + playwright-core in test/e2e/node_modules.
# Safe to run again; quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/../.."

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v rg >/dev/null 2>&1 || need+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
if [ ${#need[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${need[@]}"
fi

# code-server's @vscode/ripgrep downloads rg from a host this machine cannot reach;
# it looks in this cache first, so put Debian's rg there under the expected name.
tmp="${TMPDIR:-/tmp}"
cache="$tmp/vscode-ripgrep-cache-1.15.11"
archive="$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -s "$archive" ]; then
  mkdir -p "$cache"
  staging="$(mktemp -d)"
  cp "$(command -v rg)" "$staging/rg"
  tar -czf "$archive" -C "$staging" rg
  rm -rf "$staging"
fi

# A postinstall step runs `npx node-gyp`; npm here is configured with yes=false.
export npm_config_yes=true
# code-server's postinstall refuses to run as root unless this is set.
export npm_config_unsafe_perm=true
stamp=test/e2e/node_modules/.installed-from-lock
if [ ! -f "$stamp" ] || ! cmp -s test/e2e/package-lock.json "$stamp"; then
  (cd test/e2e && npm ci --no-audit --no-fund)
  cp test/e2e/package-lock.json "$stamp"
fi
