#!/usr/bin/env bash
# Installs the real servers the integration tests talk to (Debian packages):
#   prometheus, promtool  -> package "prometheus" (2.42 on Debian 12)
# Run as root (CI) or with sudo. Safe to re-run: already-installed tools are kept.
set -euo pipefail

need=()
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)

if ((${#need[@]} == 0)); then
  echo "install-test-deps: prometheus and promtool present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# The package's service is not wanted: tests start their own server on a free port.
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Stop a packaged service if the machine started one (by the PID it recorded, never by name).
if [ -f /run/prometheus.pid ]; then $SUDO kill "$(cat /run/prometheus.pid)" 2>/dev/null || true; fi
echo "install-test-deps: installed ${need[*]}"
