# shellcheck shell=bash
# checks.sh: what the namespace tests share besides the test bed
# (topo.sh, sourced first): the verdict counters, the skip when this
# machine cannot run them, and waiting for a daemon's log line.
#
#   ok TEXT / bad TEXT          one check passed / failed (counted)
#   check TEXT CMD...           ok or bad by CMD's status
#   checks_need_netns           exit 77 (SKIP) unless root with namespaces
#   wait_log FILE PATTERN SECS  until a line of $TOPO_RUN/FILE matches
#                               (grep -E)

npass=0 nfail=0
ok()  { echo "ok: $*"; npass=$((npass + 1)); }
bad() { echo "FAIL: $*"; nfail=$((nfail + 1)); }
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

checks_need_netns() {
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: needs root to create network namespaces"
		exit 77
	fi
	if ! ip netns add "d6probe$$" 2>/dev/null; then
		echo "SKIP: this machine cannot create network namespaces"
		exit 77
	fi
	ip netns del "d6probe$$"
}

wait_log() { topo_wait_for "grep -qE -- '$2' '$TOPO_RUN/$1'" "$3"; }
