#!/bin/sh
# Install everything dmip6 needs to build and test on Debian 12.
# Used by README's commands and by .ci/run; safe to run again.
set -eu

PKGS="build-essential autoconf automake libtool pkg-config
  libnetfilter-queue-dev libnfnetlink-dev libnl-3-dev libnl-route-3-dev
  libssl-dev openssl libconfuse-dev libcunit1-dev
  iptables iproute2 iputils-ping tshark python3
  radvd ndisc6 ethtool mininet iperf3 gnuplot-nox
  clang libclang-rt-dev
  kea-dhcp6-server"
# kea-dhcp6-server: tests/dhcp6_test.sh starts kea-dhcp6 itself in a
# namespace with its own config; it never uses the packaged service.

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
# Packages with services (kea-dhcp6-server, radvd, openvswitch via
# mininet's recommends are not installed) must not start them on this
# machine: the tests run their own copies inside namespaces. Debian's
# policy-rc.d hook (exit 101) tells the maintainer scripts so.
prc=/usr/sbin/policy-rc.d
own_prc=0
if [ ! -e "$prc" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$prc" && chmod 755 "$prc" && own_prc=1
fi
rc=0
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing || rc=$?
[ "$own_prc" = 0 ] || rm -f "$prc"
exit $rc
