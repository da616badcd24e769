#!/bin/bash
# Stops the cluster test/ceph/up.sh started in WORK, by the PIDs its daemons
# wrote to WORK/run/*.pid (never by name: other clusters may run on this machine).
# Usage: down.sh WORK [--wipe]    (--wipe removes WORK afterwards)
set -u
WORK="${1:?usage: down.sh WORK [--wipe]}"
shopt -s nullglob
pids=()
for f in "$WORK"/run/*.pid; do
  pid=$(cat "$f" 2>/dev/null) || continue
  [ -n "$pid" ] || continue
  # Only a Ceph daemon of this cluster: its command line names this WORK's config or id.
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q '^ceph-'; then
    kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
  fi
done
for _ in $(seq 40); do
  alive=0
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
  [ $alive = 0 ] && break
  sleep 0.25
done
for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null; done
rm -f "$WORK"/run/*.pid
if [ "${2:-}" = "--wipe" ]; then rm -rf "${WORK:?}"; fi
exit 0
