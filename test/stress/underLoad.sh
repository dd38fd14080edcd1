#!/usr/bin/env bash
# The whole suite beside CPU and I/O hogs (`npm run test:stress`): races that an
# idle machine hides show up here. The hogs are started first and stopped
# however the suite ends; the suite's status is this script's.
#   CKPT_STRESS_CPU  busy loops (default: 2 per core)
#   CKPT_STRESS_IO   writers of 256 MiB files, each rewritten and synced in turn (default 2)
# Arguments, if any, are the compiled test files to run instead of the whole suite
# (npm run test:stress -- out/test/session/processes.test.js).
set -u
cd "$(dirname "$0")/../.."
cpus=$(nproc)
ncpu=${CKPT_STRESS_CPU:-$((cpus * 2))}
nio=${CKPT_STRESS_IO:-2}
scratch=$(mktemp -d /tmp/ckpt-stress-XXXXXX)
hogs=()
stop_hogs() {
  for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$scratch"
}
trap stop_hogs EXIT
trap 'exit 130' INT TERM
for ((i = 0; i < ncpu; i++)); do
  bash -c 'while :; do :; done' &
  hogs+=($!)
done
for ((i = 0; i < nio; i++)); do
  bash -c 'while :; do dd if=/dev/zero of="$1" bs=1M count=256 conv=fsync status=none; done' _ "$scratch/io$i" &
  hogs+=($!)
done
echo "test:stress: $ncpu CPU hogs and $nio I/O hogs beside the suite" >&2
npm run build || exit
if [ $# -gt 0 ]; then tests=("$@"); else mapfile -t tests < <(find out/test -name '*.test.js' | sort); fi
node --test --test-concurrency=1 "${tests[@]}"
