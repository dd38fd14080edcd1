#!/usr/bin/env bash
# Everything a fresh Debian 12 machine needs before `npm ci`: the build tools and
# gdb, then Chromium and a real VS Code (code-server) for the extension's tests
# and `npm start`. Safe to run again; quick when everything is there.
set -euo pipefail
here="$(dirname "$0")"
bash "$here/install-system.sh"
bash "$here/install-e2e.sh"
