#!/bin/sh
# Install everything dmip6 needs to build and test on Debian 12.
# Used by README's commands and by .ci/run; safe to run again.
set -eu

PKGS="build-essential autoconf automake libtool pkg-config
  libnetfilter-queue-dev libnfnetlink-dev libnl-3-dev libnl-route-3-dev
  libssl-dev openssl libconfuse-dev libcunit1-dev
  iptables iproute2 iputils-ping tshark python3
  radvd ndisc6 ethtool mininet"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && { echo "deps: all packages present"; exit 0; }

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing" >&2
	echo "deps: run as root (apt-get install needs it)" >&2
	exit 1
fi
echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# wireshark-common asks whether non-root users may capture; answer no.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
	debconf-set-selections 2>/dev/null || true
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
