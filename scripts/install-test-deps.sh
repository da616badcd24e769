#!/usr/bin/env bash
# Installs the real servers and tools the tests talk to, from Debian packages.
# What is needed is listed in scripts/test-deps/*.list, one file per part of the
# project (so parts add theirs without touching this script): each line is
# "<command or absolute path> <package>", '#' starts a comment. A part that needs
# more than a package (a schema, a stopped service) adds scripts/test-deps/<name>.sh,
# run after the packages are in.
# Run as root (CI) or with sudo. Safe to re-run: what is present is kept.
set -euo pipefail
cd "$(dirname "$0")"

present() { if [[ $1 == /* ]]; then [ -e "$1" ]; else command -v "$1" >/dev/null 2>&1; fi; }

need=()
for list in test-deps/*.list; do
  while read -r cmd pkg _; do
    [[ -z ${cmd:-} || $cmd == \#* ]] && continue
    present "$cmd" || need+=("$pkg")
  done <"$list"
done
mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u | sed '/^$/d')

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
if ((${#need[@]} > 0)); then
  export DEBIAN_FRONTEND=noninteractive
  # Packaged services (influxd, etcd, postgresql, zabbix-server...) must not start on
  # install: tests start their own on free ports. policy-rc.d exit 101 = "don't start".
  made_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    made_policy=1
  fi
  # man-db's index rebuild after each install costs minutes of CPU nobody reads here.
  $SUDO rm -f /var/lib/man-db/auto-update
  # Wait for the dpkg lock rather than fail (several installs may run at once on a dev machine).
  $SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq
  # Packaged services are not wanted: tests start their own servers on free ports.
  $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  if [ -n "$made_policy" ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
  echo "install-test-deps: installed ${need[*]}"
else
  echo "install-test-deps: all packages present"
fi
# Stop a packaged prometheus if the machine started one (by the PID it recorded, never by name).
if [ -f /run/prometheus.pid ]; then $SUDO kill "$(cat /run/prometheus.pid)" 2>/dev/null || true; fi

for hook in test-deps/*.sh; do
  [ -e "$hook" ] || continue
  echo "install-test-deps: $hook"
  $SUDO bash "$hook"
done
