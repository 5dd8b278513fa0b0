#!/usr/bin/env bash
# Install the Debian packages tests and benchmarks use, only when they are missing.
set -euo pipefail
need=()
command -v promtool >/dev/null || need+=(prometheus)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v wrk >/dev/null || need+=(wrk)
# Debian's own kubectl build; machines that ship a newer kubectl keep theirs.
command -v kubectl >/dev/null || need+=(kubernetes-client)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
echo "installing Debian packages: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
