#!/bin/sh
# Installs what `npm run bench` measures against, from Debian. Idempotent: installed tools
# are left alone, and the package lists are fetched only when missing.
# The harness creates (and deletes) its own network namespaces at run time; nothing is
# configured here in the root namespace.
set -eu

PACKAGES="nmap prometheus-blackbox-exporter iptables iproute2"

missing=""
for pkg in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $pkg"
done
if [ -z "$missing" ]; then
  echo "bench/setup.sh: all of $PACKAGES already installed"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
  $SUDO apt-get update
fi
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $missing
# Debian starts the exporter as a service on :9115; the bench runs its own copy inside a namespace.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus-blackbox-exporter 2>/dev/null; then
  $SUDO systemctl stop prometheus-blackbox-exporter || true
fi
echo "bench/setup.sh: installed$missing"
