#!/bin/bash
# dmipctl against tests/tools/ctlserver (a control socket with fake
# "show bindings", "stats", ... handlers): aligned tables, --json parsed
# by python3, exit codes (1 daemon error, 2 usage, 3 cannot connect,
# 4 no valid answer), stale and live sockets, and, as root, permissions
# (mode 0660, privileged commands for root and the socket's group only).
set -u
b=${builddir:-.}
ctl="$b/tools/dmipctl"
srv="$b/tests/tools/ctlserver"
fail=0
ok()  { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

command -v python3 > /dev/null || { echo "SKIP: python3 needed"; exit 77; }
work=$(mktemp -d)
chmod 755 "$work"
sock="$work/run/dmip6/test.sock"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2> /dev/null; done
	wait 2> /dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# start [ctlserver args] path: run it and wait until it answers.
start() {
	local path=${*: -1}
	"$srv" "$@" 2>> "$work/server.log" &
	pid=$!
	pids+=("$pid")
	for _ in $(seq 50); do
		"$ctl" -s "$path" help > /dev/null 2>&1 && return 0
		kill -0 "$pid" 2> /dev/null || return 1
		sleep 0.1
	done
	return 1
}

# expect RC CMD...: run dmipctl, check the exit status; stderr in $err.
expect() {
	local want=$1 args
	shift
	out=$("$ctl" "$@" 2> "$work/err"); rc=$?
	err=$(cat "$work/err")
	args="$*"
	args=${args//$work/\$work}
	[ ${#args} -gt 72 ] && args="${args:0:72}..."
	if [ "$rc" -eq "$want" ]; then
		ok "dmipctl $args -> $rc"
	else
		bad "dmipctl $args -> $rc, want $want (stderr: $err)"
	fi
}

json() {	# json PYTHON-EXPR < doc: assert the expression on d
	python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if ('"$1"') else 1)'
}

start "$sock" || { cat "$work/server.log"; echo "FAIL: ctlserver did not start"; exit 1; }
ok "ctlserver started"
[ "$(stat -c %a "$sock")" = 660 ] && ok "socket mode 0660" ||
	bad "socket mode $(stat -c %a "$sock")"
[ "$(stat -c %a "$work/run/dmip6")" = 755 ] && ok "parent created 0755" ||
	bad "parent mode $(stat -c %a "$work/run/dmip6")"

# ---- human tables ---------------------------------------------------
expect 0 -s "$sock" show bindings
want='HOA             COA            STATE   LIFETIME  SEQ  HOME
2001:db8:10::1  2001:db8:a::1  active       120    7  no
2001:db8:10::2  2001:db8:b::2  dad           60    1  no
2001:db8:10::3  -              home           0   42  yes'
[ "$out" = "$want" ] && ok "show bindings: aligned table" ||
	bad "show bindings table:"$'\n'"$out"
expect 0 -s "$sock" stats
want='daemon    ctlserver
bindings  3
rx_bad    2
reloads   0'
[ "$out" = "$want" ] && ok "stats: aligned keys" || bad "stats:"$'\n'"$out"

# ---- JSON -----------------------------------------------------------
expect 0 -s "$sock" --json show bindings
echo "$out" | json 'len(d["bindings"]) == 3 and
	d["bindings"][0] == {"hoa": "2001:db8:10::1", "coa": "2001:db8:a::1",
	"state": "active", "lifetime": 120, "seq": 7, "home": False} and
	d["bindings"][2]["coa"] is None and d["bindings"][2]["home"] is True' &&
	ok "show bindings --json: types" || bad "show bindings --json: $out"
expect 0 -s "$sock" -j stats
echo "$out" | json 'd == {"daemon": "ctlserver", "bindings": 3, "rx_bad": 2,
	"reloads": 0}' && ok "stats --json" || bad "stats --json: $out"
expect 0 -s "$sock" -j show weird
echo "$out" | json '[r["name"] for r in d["weird"]] == ["quote\"back\\slash",
	"tab\there", "caf\u00e9", "bad\ufffdbyte"] and
	[r["value"] for r in d["weird"]] == [1500, 0, None, None]' &&
	ok "escapes and UTF-8 survive JSON" || bad "show weird: $out"
expect 0 -s "$sock" -j help
echo "$out" | json '{"command": "reload", "privileged": True} in d["commands"]' &&
	ok "help lists commands" || bad "help: $out"
# Words after the command are its own, even if they look like options.
expect 0 -s "$sock" -j echo -j --x y
echo "$out" | json 'd["argc"] == 3 and [a["arg"] for a in d["args"]] ==
	["-j", "--x", "y"]' && ok "arguments passed as words" || bad "echo: $out"
# Larger than any socket buffer.
expect 0 -s "$sock" show big 100000
n=$(printf '%s\n' "$out" | wc -l)
[ "$n" -eq 100001 ] && ok "100000-row table" || bad "big table: $n lines"
"$ctl" -s "$sock" -j show big 100000 | json 'len(d["rows"]) == 100000 and
	d["rows"][-1] == {"i": 99999, "name": "row-99999"}' &&
	ok "100000-row JSON" || bad "big JSON"

# ---- errors and exit codes -------------------------------------------
expect 1 -s "$sock" show nothing
[[ "$err" == *"unknown command 'show nothing'"* ]] && ok "unknown command named" ||
	bad "unknown command message: $err"
expect 1 -s "$sock" fail
[ "$err" = "dmipctl: simulated failure" ] && ok "daemon error printed" ||
	bad "error message: $err"
expect 1 -s "$sock" log loud
expect 2 -s "$sock"
expect 2 -s "$sock" "show bindings"
expect 2 -s "$sock" show "$(printf 'caf\xc3\xa9')"
expect 2 -s "$sock" -d had stats
expect 2 -d bogus stats
expect 2 -s "$sock" -t 0 stats
expect 2 -s "$sock" echo "$(head -c 1100 /dev/zero | tr '\0' x)"
expect 2 --nosuchoption stats
expect 0 --help
expect 3 -s "$work/none.sock" stats
[[ "$err" == *"no such socket"* ]] && ok "missing socket explained" ||
	bad "missing socket: $err"

# A live daemon's socket is not taken over.
if "$srv" "$sock" 2> "$work/second.log"; then
	bad "a second server started on a live socket"
else
	grep -q "another process is listening" "$work/second.log" &&
		ok "second server refused: $(tail -1 "$work/second.log")" ||
		bad "second server: $(cat "$work/second.log")"
fi
expect 0 -s "$sock" stats

# A dead daemon's socket: refused connection, then replaced.
kill -9 "$pid"
wait "$pid" 2> /dev/null
[ -S "$sock" ] || bad "the killed server's socket vanished"
expect 3 -s "$sock" stats
[[ "$err" == *"connection refused"* ]] && ok "stale socket explained" ||
	bad "stale socket: $err"
start "$sock" && ok "stale socket replaced" || bad "restart on a stale socket"
grep -q "removing stale control socket" "$work/server.log" ||
	bad "stale removal not logged"

# Peers that do not answer properly: exit 4.
fake() {	# fake SCRIPT: a one-connection server on $work/fake.sock
	rm -f "$work/fake.sock"
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept(); c.recv(2048)
'"$1" "$work/fake.sock" &
	pids+=("$!")
	for _ in $(seq 50); do [ -S "$work/fake.sock" ] && break; sleep 0.1; done
}
fake 'time.sleep(5)'
expect 4 -s "$work/fake.sock" -t 1 stats
[[ "$err" == *"no answer within 1 s"* ]] && ok "timeout explained" || bad "timeout: $err"
fake 'c.sendall(b"ok 100\nabc"); c.close()'
expect 4 -s "$work/fake.sock" stats
[[ "$err" == *"cut short"* ]] && ok "short answer detected" || bad "short: $err"
fake 'c.sendall(b"hello\n"); c.close()'
expect 4 -s "$work/fake.sock" stats
fake 'c.close()'
expect 4 -s "$work/fake.sock" stats

# ---- permissions (root: run dmipctl as uid 65534) --------------------
as_nobody() { setpriv --reuid=65534 --regid=65534 "$@"; }
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv > /dev/null; then
	echo "SKIP: permission checks need root and setpriv"
elif ! as_nobody --clear-groups "$ctl" --help > /dev/null 2>&1; then
	echo "SKIP: uid 65534 cannot run $ctl (build directory not reachable)"
else
	out=$(as_nobody --clear-groups "$ctl" -s "$sock" stats 2>&1); rc=$?
	[ $rc -eq 3 ] && [[ "$out" == *"permission denied"* ]] &&
		ok "mode 0660 keeps others out (exit 3)" ||
		bad "others connected: rc=$rc $out"
	chmod 666 "$sock"
	as_nobody --clear-groups "$ctl" -s "$sock" stats > /dev/null &&
		ok "read-only command for anyone who can connect" ||
		bad "stats as uid 65534"
	for c in reload "log verbose"; do
		out=$(as_nobody --clear-groups "$ctl" -s "$sock" $c 2>&1); rc=$?
		[ $rc -eq 1 ] && [[ "$out" == *"permission denied"* ]] &&
			ok "'$c' refused to uid 65534" ||
			bad "'$c' as uid 65534: rc=$rc $out"
	done
	grep -q "'reload' refused to uid 65534" "$work/server.log" &&
		ok "refusal logged with the peer's uid" || bad "refusal not logged"
	kill "$pid"
	wait "$pid" 2> /dev/null
	[ -e "$sock" ] && bad "socket left after SIGTERM" || ok "socket removed on exit"

	# The socket's group may change state.
	start -g 4242 "$sock" || bad "ctlserver -g 4242"
	[ "$(stat -c %g:%a "$sock")" = 4242:660 ] && ok "socket group 4242, 0660" ||
		bad "socket: $(stat -c %g:%a "$sock")"
	out=$(as_nobody --clear-groups "$ctl" -s "$sock" stats 2>&1); rc=$?
	[ $rc -eq 3 ] || bad "uid 65534 outside the group connected: rc=$rc"
	as_nobody --groups=4242 "$ctl" -s "$sock" reload > /dev/null &&
		ok "'reload' by a member of the socket's group" ||
		bad "reload as a group member"
	"$ctl" -s "$sock" -j stats | json 'd["reloads"] == 1' &&
		ok "the reload ran once" || bad "reload count"
	grep -q "client uid 65534 gid 65534 pid [0-9]* (may change state)" \
		"$work/server.log" && ok "peer credentials logged" ||
		bad "peer credentials not logged"
fi

exit $fail
