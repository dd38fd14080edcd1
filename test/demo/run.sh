#!/usr/bin/env bash
# The Checkpoint Debugger demo (`npm run demo`): a counter is launched under the
# engine, saved twice while it runs (the second time it is stopped), listed,
# inspected and brought back; its output, before and after, is exactly that of
# an uninterrupted run. Narration goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

ckpt() { node "$root/out/adapter/cli/ckpt.js" "$@"; }
if [ -t 2 ]; then bold=$'\e[1m' plain=$'\e[0m'; else bold='' plain=''; fi
say() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain" >&2; }
show() { # prints the command line (quoted where needed), then runs it
  local shown='' a
  for a in "$@"; do case $a in *[[:space:]]*) shown+=" \"$a\"" ;; *) shown+=" $a" ;; esac; done
  printf '%s$%s%s\n' "$bold" "$shown" "$plain" >&2
  "$@"
}
lines() { wc -l < "$1" 2>/dev/null || echo 0; }
wait_lines() { # FILE N: wait until FILE has N lines
  local tries=0
  until [ "$(lines "$1")" -ge "$2" ]; do
    sleep 0.05
    tries=$((tries + 1))
    [ $tries -lt 1200 ] || { echo "demo: the counter stopped printing" >&2; exit 1; }
  done
}

work=$(mktemp -d "${TMPDIR:-/tmp}/ckpt-demo.XXXXXX")
export CKPT_DIR="$work/.ckpt"
launch_pid=''
cleanup() {
  if [ -n "$launch_pid" ] && kill -0 "$launch_pid" 2>/dev/null; then
    ckpt kill >/dev/null 2>&1 || true
    wait "$launch_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

say "Build the counter (test/demo/counter.c) into $work"
show gcc -O1 -o "$work/counter" test/demo/counter.c

say "For comparison: an uninterrupted run, in the background"
"$work/counter" > "$work/uninterrupted.txt" &
plain_pid=$!

say "Launch the counter under the engine (ckpt launch), output to launch.txt"
printf '%s$ ckpt launch -- %s > launch.txt &%s\n' "$bold" "$work/counter" "$plain" >&2
ckpt launch -- "$work/counter" > "$work/launch.txt" &
launch_pid=$!
wait_lines "$work/launch.txt" 10
echo "  ... it has printed $(lines "$work/launch.txt") lines" >&2

say "Save a snapshot while it runs"
show ckpt checkpoint --label "while counting"

say "Its resources, live"
show ckpt status

wait_lines "$work/launch.txt" 20
say "Save again and stop it (hibernate) after $(lines "$work/launch.txt") lines"
last=$(show ckpt checkpoint --label "stopped" --kill | tail -n 1)
launch_status=0
wait "$launch_pid" || launch_status=$?
launch_pid=''
echo "  ckpt launch exited with status $launch_status (0: a hibernation is a success)" >&2

say "The snapshots"
show ckpt list

say "What snapshot $last holds"
show ckpt inspect "$last"

say "Bring snapshot $last back (ckpt restart); it counts on from where it stopped"
show ckpt restart "$last" > "$work/restart.txt"
echo "  the restarted counter printed $(lines "$work/restart.txt") more lines" >&2

wait "$plain_pid"
say "Output before the stop, then after the restart:"
cat "$work/launch.txt" "$work/restart.txt"
if cat "$work/launch.txt" "$work/restart.txt" | cmp -s - "$work/uninterrupted.txt"; then
  say "Identical to the uninterrupted run ($(lines "$work/uninterrupted.txt") lines). The demo worked."
else
  say "DIFFERENT from the uninterrupted run:"
  diff <(cat "$work/launch.txt" "$work/restart.txt") "$work/uninterrupted.txt" >&2 || true
  exit 1
fi
