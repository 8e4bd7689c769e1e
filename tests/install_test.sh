#!/bin/bash
# install_test.sh: `make install DESTDIR=...` puts everything in place
# (etc/etc.am, etc/systemd/README.md):
#   - the four programs, the five man pages (paths substituted), the
#     three configs, the Wireshark dissector, the systemd units (unless
#     configured --with-systemdsystemunitdir=no), the state directories;
#   - a fresh random key for every key file the configs name: mode 0600
#     in a 0700 directory, 32 octets of hex, none equal to another or to
#     the public lab keys in etc/keys; a second install keeps them;
#   - every installed daemon accepts its installed config (-n);
#   - the units: no @VAR@ left, the hardening lines present,
#     `systemd-analyze verify` without a single warning and
#     `systemd-analyze security` exposure at most 4.0 (when
#     systemd-analyze exists), and their ExecStartPre/ExecReload
#     configtest command lines run and pass;
#   - as root with network namespaces: each daemon is started with the
#     unit's ExecStart command line, as the unit runs it (capability
#     bounding set CAP_NET_ADMIN CAP_NET_RAW only, no_new_privs, via
#     setpriv) in a namespace of its own; it must come up, answer
#     `dmipctl stats`, reload on SIGHUP (ExecReload) and exit 0 on
#     SIGTERM. (systemd itself is not PID 1 here, so the rest of the
#     sandbox - ProtectSystem=, RestrictAddressFamilies=, ... - is
#     checked by systemd-analyze only.)
#   - uninstall removes it all but the state directories.
# Exit: 0 pass, 1 fail.
set -u

top=${builddir:-.}
src=${srcdir:-.}
MAKE=${MAKE:-make}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/install_test.XXXXXX") || exit 1
root=$tmp/root
NS=d6inst$$
cleanup() {
	local p
	for p in $(cat "$tmp/pids" 2>/dev/null); do
		kill "$p" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

npass=0
nfail=0
pass() { npass=$((npass + 1)); echo "ok   $*"; }
fail() { nfail=$((nfail + 1)); echo "FAIL $*"; }
check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

# The installation directories, as make expands them.
printf 'dmip-print-dirs:\n' >"$tmp/print.mk"
for v in sbindir mandir sysconfdir dmip6confdir pkgdatadir localstatedir \
    runstatedir systemdsystemunitdir libdir includedir pkgconfigdir; do
	printf '\t@echo %s=\\"$(%s)\\"\n' "$v" "$v" >>"$tmp/print.mk"
done
if ! "$MAKE" -s --no-print-directory -C "$top" -f Makefile -f "$tmp/print.mk" \
    dmip-print-dirs 2>"$tmp/dirs.err" | grep '^[a-z0-9_]*=' >"$tmp/dirs"; then
	echo "FAIL: cannot read the directories from $top/Makefile"
	cat "$tmp/dirs.err"
	exit 1
fi
# shellcheck disable=SC1090,SC1091,SC2154
. "$tmp/dirs"
echo "sbindir=$sbindir sysconfdir=$sysconfdir units=$systemdsystemunitdir"

############################################################ install

if "$MAKE" -C "$top" install DESTDIR="$root" >"$tmp/install.log" 2>&1; then
	pass "make install DESTDIR=..."
else
	fail "make install DESTDIR=..."
	tail -30 "$tmp/install.log"
	exit 1
fi

R=$root
for p in mnd had dhpd dmipctl; do
	check "program $sbindir/$p" test -x "$R$sbindir/$p" -a -f "$R$sbindir/$p"
done
for m in man8/mnd.8 man8/had.8 man8/dhpd.8 man8/dmipctl.8 man5/dmip6.conf.5; do
	f=$R$mandir/$m
	check "man page $mandir/$m" test -s "$f"
	check "$m: no @VAR@ left" sh -c "! grep -q '@[A-Z]*@' '$f'"
done
check "had.8 names the installed config" \
    grep -q "$sysconfdir/dmip6/had.conf" "$R$mandir/man8/had.8"
check "dmipctl.8 names the socket directory" \
    grep -q "$runstatedir" "$R$mandir/man8/dmipctl.8"
for c in mnd had dhpd; do
	check "config $dmip6confdir/$c.conf" test -s "$R$dmip6confdir/$c.conf"
done
# libdmip (setsc(3)): the library, its header, pkg-config and man pages.
check "library $libdir/libdmip.so" test -e "$R$libdir/libdmip.so"
check "header $includedir/dmip/ondemand.h" \
    cmp -s "$src/lib/dmip/ondemand.h" "$R$includedir/dmip/ondemand.h"
check "pkg-config $pkgconfigdir/dmip.pc names the library" \
    grep -q -- '-ldmip' "$R$pkgconfigdir/dmip.pc"
for m in man3/setsc.3 man3/dmip_getsrc.3 man3/dmip_set_on_net.3; do
	check "man page $mandir/$m" test -s "$R$mandir/$m"
done
check "setsc.3: no @VAR@ left" sh -c "! grep -q '@[A-Z]*@' '$R$mandir/man3/setsc.3'"
check "Wireshark dissector $pkgdatadir/wireshark/dmip6.lua" \
    cmp -s "$src/tools/wireshark/dmip6.lua" "$R$pkgdatadir/wireshark/dmip6.lua"

case $localstatedir in
/var) ;;
*) check "state directory $localstatedir/lib/dmip6 (0700)" \
    test "$(stat -c %a "$R$localstatedir/lib/dmip6" 2>/dev/null)" = 700 ;;
esac
case $runstatedir in
/run | /var/run) ;;
*) check "runtime directory $runstatedir/dmip6" test -d "$R$runstatedir/dmip6" ;;
esac

############################################################ keys

kd=$R$dmip6confdir/keys
check "key directory mode 0700" test "$(stat -c %a "$kd")" = 700
# Every key_file the installed configs name.
keys=$(sed -n 's/^[[:space:]]*key_file[[:space:]]*=[[:space:]]*"\(.*\)".*/\1/p' \
    "$R$dmip6confdir"/*.conf | sort -u)
[ -n "$keys" ] || fail "the configs name no key_file"
for k in $keys; do
	f=$R$dmip6confdir/$k
	if [ ! -f "$f" ]; then
		fail "key $k: not installed"
		continue
	fi
	check "key $k: mode 0600" test "$(stat -c %a "$f")" = 600
	hex=$(grep -v '^#' "$f" | tr -d ' \n')
	check "key $k: 64 hex digits" sh -c "echo '$hex' | grep -qx '[0-9a-f]\{64\}'"
	lab=$(grep -hv '^#' "$src/etc/keys/$(basename "$k")" 2>/dev/null | tr -d ' \n')
	check "key $k: not the public lab key" test "$hex" != "$lab"
	echo "$hex" >>"$tmp/hexes"
done
check "the keys differ from each other" \
    test "$(sort -u "$tmp/hexes" | wc -l)" -eq "$(wc -l <"$tmp/hexes")"
ls -la "$kd" >"$tmp/keys.before"
cksum "$kd"/*.key >"$tmp/sums.before"
if "$MAKE" -C "$top" install DESTDIR="$root" >"$tmp/install2.log" 2>&1; then
	pass "second make install"
else
	fail "second make install"
	tail -20 "$tmp/install2.log"
fi
cksum "$kd"/*.key >"$tmp/sums.after"
check "a second install keeps the keys" cmp -s "$tmp/sums.before" "$tmp/sums.after"

############################################################ configtest

for d in mnd had dhpd; do
	if "$R$sbindir/$d" -n -f "$R$dmip6confdir/$d.conf" >"$tmp/$d.n" \
	    2>"$tmp/$d.n.err"; then
		pass "$d -n accepts the installed $d.conf"
	else
		fail "$d -n on the installed $d.conf:"
		sed 's/^/     /' "$tmp/$d.n.err"
	fi
done
cp "$R$dmip6confdir/had.conf" "$R$dmip6confdir/bad.conf"
chmod 644 "$kd/mn1-ha.key"
check "had -n refuses a world-readable key" \
    sh -c "! '$R$sbindir/had' -n -f '$R$dmip6confdir/bad.conf' >/dev/null 2>&1"
chmod 600 "$kd/mn1-ha.key"
rm -f "$R$dmip6confdir/bad.conf"

############################################################ units

units_installed=0
if [ "$systemdsystemunitdir" = no ]; then
	echo "note: configured --with-systemdsystemunitdir=no, units not installed"
	check "no unit installed" sh -c "! find '$R' -name '*.service' | grep -q ."
else
	units_installed=1
fi

# A unit's command line for DESTDIR: installed paths prefixed with $R.
in_root() {
	sed -e "s|$sbindir/|$R$sbindir/|g" -e "s|$sysconfdir/|$R$sysconfdir/|g"
}

if [ $units_installed = 1 ]; then
	ud=$R$systemdsystemunitdir
	mkdir -p "$tmp/units"
	for d in mnd had dhpd; do
		u=$ud/$d.service
		if [ ! -s "$u" ]; then
			fail "unit $systemdsystemunitdir/$d.service not installed"
			continue
		fi
		pass "unit $systemdsystemunitdir/$d.service"
		check "$d.service: no @VAR@ left" sh -c "! grep -q '@[A-Z]*@' '$u'"
		for line in "Type=simple" \
		    "ExecStartPre=$sbindir/$d -n -f $dmip6confdir/$d.conf" \
		    "ExecStart=$sbindir/$d -d -f $dmip6confdir/$d.conf" \
		    "ExecReload=$sbindir/$d -n -f $dmip6confdir/$d.conf" \
		    "ExecReload=/bin/kill -HUP \$MAINPID" \
		    "CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW" \
		    "NoNewPrivileges=yes" "ProtectSystem=strict" \
		    "ProtectHome=yes" "PrivateTmp=yes" \
		    "RuntimeDirectory=dmip6" "StateDirectory=dmip6" \
		    "RestrictAddressFamilies=AF_INET6 AF_NETLINK AF_UNIX" \
		    "MemoryDenyWriteExecute=yes" "SystemCallArchitectures=native"; do
			check "$d.service: $line" grep -qxF "$line" "$u"
		done
		in_root <"$u" >"$tmp/units/$d.service"
		# ExecStartPre and the first ExecReload: the configtest.
		for key in ExecStartPre ExecReload; do
			cmd=$(sed -n "s/^$key=\(.*-n -f .*\)/\1/p" "$tmp/units/$d.service")
			# shellcheck disable=SC2086
			if [ -n "$cmd" ] && $cmd >/dev/null 2>"$tmp/cmd.err"; then
				pass "$d.service $key command line passes"
			else
				fail "$d.service $key \"$cmd\": $(cat "$tmp/cmd.err")"
			fi
		done
	done
	if command -v systemd-analyze >/dev/null 2>&1; then
		for d in mnd had dhpd; do
			f=$tmp/units/$d.service
			[ -f "$f" ] || continue
			# Any message (an unknown key, a bad value, a missing
			# binary) is a failure, even with exit status 0.
			if systemd-analyze verify --man=no "$f" >"$tmp/verify" 2>&1 &&
			    [ ! -s "$tmp/verify" ]; then
				pass "systemd-analyze verify $d.service: clean"
			else
				fail "systemd-analyze verify $d.service:"
				sed 's/^/     /' "$tmp/verify"
			fi
			lvl=$(systemd-analyze security --offline=yes "$f" 2>/dev/null |
			    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
			if [ -n "$lvl" ] && awk -v l="$lvl" 'BEGIN { exit !(l <= 4.0) }'; then
				pass "systemd-analyze security $d.service: exposure $lvl"
			else
				fail "systemd-analyze security $d.service: exposure '$lvl' (want <= 4.0)"
			fi
		done
	else
		echo "note: systemd-analyze not found, units not verified"
	fi
fi

############################################################ run

# The unit's ExecStart, with the bounding set and no_new_privs the unit
# gives it, in a namespace with the interfaces and addresses the
# example configs name. The control socket and the state directory go
# to $tmp (installed paths are not writable under DESTDIR).
run_daemons() {
	local d cmd pid i sock ok
	ip netns add "$NS" || return 1
	ip -n "$NS" link set lo up
	# veth pairs (the dummy module may be missing); the peers stay up
	# so the addresses are usable.
	for i in mn0 ha0 dhp0; do
		ip -n "$NS" link add "$i" type veth peer name "$i-p" &&
		    ip -n "$NS" link set "$i" up && ip -n "$NS" link set "$i-p" up
	done
	ip -n "$NS" addr add 2001:db8:f::10/64 dev ha0 nodad
	ip -n "$NS" addr add 2001:db8:f::11/64 dev dhp0 nodad
	ip -n "$NS" addr add 2001:db8:1::100/64 dev mn0 nodad
	for d in had dhpd mnd; do
		sock=$tmp/$d.sock
		mkdir -p "$tmp/state-$d"
		# The installed config, with the socket and state elsewhere;
		# it stays in the config directory (keys are relative to it).
		{
			echo "control_socket = \"$sock\""
			echo "state_dir = \"$tmp/state-$d\""
			cat "$R$dmip6confdir/$d.conf"
		} >"$R$dmip6confdir/run-$d.conf"
		if [ $units_installed = 1 ]; then
			cmd=$(sed -n 's/^ExecStart=//p' "$tmp/units/$d.service")
		else
			cmd="$R$sbindir/$d -d -f $R$dmip6confdir/$d.conf"
		fi
		cmd=${cmd%/"$d".conf}/run-$d.conf
		# shellcheck disable=SC2086
		ip netns exec "$NS" setpriv --bounding-set -all,+net_admin,+net_raw \
		    --inh-caps -all --no-new-privs -- $cmd \
		    >"$tmp/$d.out" 2>"$tmp/$d.log" &
		pid=$!
		echo "$pid" >>"$tmp/pids"
		ok=0
		for i in $(seq 50); do
			if [ -S "$sock" ] && "$R$sbindir/dmipctl" -s "$sock" stats \
			    >"$tmp/$d.stats" 2>&1; then
				ok=1
				break
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if [ $ok = 1 ] && grep -q "daemon.*$d" "$tmp/$d.stats"; then
			pass "$d runs with CAP_NET_ADMIN+CAP_NET_RAW, no_new_privs; dmipctl stats answers"
		else
			fail "$d did not come up under the unit's capabilities:"
			tail -15 "$tmp/$d.log" | sed 's/^/     /'
			kill "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			rm -f "$R$dmip6confdir/run-$d.conf"
			continue
		fi
		# ip netns exec and setpriv exec: $pid is the daemon.
		check "$d: bounding set CAP_NET_ADMIN+CAP_NET_RAW only" \
		    grep -q "^CapBnd:[[:space:]]*0000000000003000$" "/proc/$pid/status"
		check "$d: no_new_privs" \
		    grep -q "^NoNewPrivs:[[:space:]]*1$" "/proc/$pid/status"
		# ExecReload: kill -HUP $MAINPID
		kill -HUP "$pid"
		for i in $(seq 30); do
			grep -q "reloaded" "$tmp/$d.log" && break
			sleep 0.1
		done
		check "$d: SIGHUP reloads the configuration" grep -q "reloaded" "$tmp/$d.log"
		kill -TERM "$pid"
		for i in $(seq 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			fail "$d: still running 10 s after SIGTERM"
			kill -KILL "$pid"
			wait "$pid"
		else
			wait "$pid"
			check "$d: SIGTERM, exit status 0" test $? -eq 0
		fi
		rm -f "$R$dmip6confdir/run-$d.conf"
	done
	ip netns del "$NS"
}

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 &&
    ip netns add "$NS" 2>/dev/null; then
	ip netns del "$NS"
	run_daemons
else
	echo "note: not root, no setpriv or no network namespaces: the daemons were not started"
fi

############################################################ uninstall

if "$MAKE" -C "$top" uninstall DESTDIR="$root" >"$tmp/uninstall.log" 2>&1; then
	pass "make uninstall DESTDIR=..."
else
	fail "make uninstall DESTDIR=..."
	tail -20 "$tmp/uninstall.log"
fi
left=$(find "$root" -type f | sed "s|^$root||")
if [ -z "$left" ]; then
	pass "uninstall leaves no file (the generated keys included)"
else
	fail "files left after uninstall:"
	echo "$left" | sed 's/^/     /'
fi

echo "install_test: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ] && [ "$npass" -gt 0 ]
