#!/bin/sh
# lua_dissector_test.sh: tools/wireshark/dmip6.lua in tshark, field by
# field (PROTOCOL.md B.11 messages 200-205, B.2/B.11.1 options 200-203).
#
# Captures:
#   dmip.pcap  tests/tools/mkpcap's six DMIPv6 messages, built and signed
#              by dmip6's own codec (the values below are mkpcap.c's
#              inputs; the MACs and SPIs come from mkpcap's own output);
#   std.pcap   mkpcap's standard messages: the script must not change a
#              single line of their decoding;
#   hand.pcap  hand-written MHs (text2pcap) for what mkpcap does not
#              make: the Anchor Hint option, flags set, refusals, option
#              200 inside a standard BU, and malformed messages, each
#              with the exact expert infos it must raise;
#   udp.pcap   dmip.pcap's MHs over the UDP transport (port 5135): the
#              same DMIPv6 fields as over raw MH.
# Every dmip6.* field the script registers must be checked by at least
# one expectation (a new field without a test fails here).
#
# Exit: 0 pass, 1 fail, 77 skip (tshark or text2pcap not installed).
set -u

TSHARK=${TSHARK:-tshark}
TEXT2PCAP=${TEXT2PCAP:-text2pcap}
lua=${srcdir:-.}/tools/wireshark/dmip6.lua
mkpcap=${builddir:-.}/tests/tools/mkpcap

for t in "$TSHARK" "$TEXT2PCAP"; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "SKIP: $t not found (Debian: apt-get install tshark)"
		exit 77
	fi
done
if [ ! -x "$mkpcap" ]; then
	echo "FAIL: $mkpcap is not built (make check builds it)"
	exit 1
fi
if [ ! -r "$lua" ]; then
	echo "FAIL: $lua not found"
	exit 1
fi
case $lua in
/*) ;;
*) lua=$(pwd)/$lua ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lua_dissector.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# A private, empty profile and UTC: nobody's preferences or plugins.
WIRESHARK_CONFIG_DIR=$tmp/wsconf
TZ=UTC
export WIRESHARK_CONFIG_DIR TZ
mkdir "$WIRESHARK_CONFIG_DIR" || exit 1

npass=0
nfail=0
pass() { npass=$((npass + 1)); echo "ok   $*"; }
fail() { nfail=$((nfail + 1)); echo "FAIL $*"; }

# tshark with the script. Its stderr is kept: a Lua error (load or
# run time) is a failure even when tshark exits 0.
ts() {
	"$TSHARK" -X lua_script:"$lua" "$@" 2>"$tmp/ts.err"
	rc=$?
	if grep -v 'Running as user "root"' "$tmp/ts.err" |
	    grep -qi 'lua\|error'; then
		echo "tshark -X lua_script $*: stderr:" >&2
		cat "$tmp/ts.err" >&2
		return 1
	fi
	return $rc
}
# tshark without the script.
ts0() { "$TSHARK" "$@" 2>/dev/null; }

############################################################ captures

if ! "$mkpcap" "$tmp/std.pcap" "$tmp/dmip.pcap" >"$tmp/mkpcap.out"; then
	echo "FAIL: $mkpcap failed"
	exit 1
fi

# Hand-written MHs: "HL" stands for Header Len, computed from the
# length; spaces are ignored. One MH per argument, in frame order.
mh_dump() {
	for h in "$@"; do
		echo "$h" | awk '{ printf "%s", $0 } END { print "" }' | awk '{
			gsub(/[ \t]/, "")
			n = length($0) / 2	# "HL" stands for one octet
			if (n % 8 != 0 || !sub(/HL/, sprintf("%02x", n / 8 - 1))) {
				print "mh_dump: bad MH " $0 > "/dev/stderr"
				exit 1
			}
			for (i = 0; i < n; i++)
				printf "%06x %s\n", i, substr($0, 2 * i + 1, 2)
		}' || return 1
	done
}
# Like mh_dump, with Header Len as written (for a lying one).
raw_dump() {
	echo "$1" | awk '{
		gsub(/ /, "")
		for (i = 0; i < length($0) / 2; i++)
			printf "%06x %s\n", i, substr($0, 2 * i + 1, 2)
	}'
}

HOA=20010db8001000000000000000000100	# 2001:db8:10::100
COA=20010db8000200000000000000000100	# 2001:db8:2::100
CN=20010db8000c00000000000000000080	# 2001:db8:c::80
C1=20010db800c100000000000000000000	# 2001:db8:c1::
C2H=20010db800c200000000000000000001	# 2001:db8:c2::1
D1H=20010db800d100000000000000000005	# 2001:db8:d1::5
D1=20010db800d100000000000000000000	# 2001:db8:d1::
TEP=20010db8000f00000000000000000012	# 2001:db8:f::12
DHOA=20010db8000d00010000000000000042	# 2001:db8:d:1::42
ZERO=00000000000000000000000000000000	# ::
MAC=00112233445566778899aabbccddeeff
{
	# 1 DHP Query: reserved fields set, HoA (8n+6), Anchor Hint (8n+4)
	mh_dump "3b HL c8 00 0000 0014 00 00 abcd 00000001 $CN
	    01 04 00000000 c8 10 $HOA 01 02 0000 cb 12 00 30 $C1"
	# 2 BU (type 5) with option 200: through the mip6.option table
	mh_dump "3b HL 05 00 0000 0001 8000 0096 01 00 c8 10 $HOA"
	# 3 DHoA Request: B, graceful-replacement, Flow Descriptor (UDP)
	mh_dump "3b HL ca 00 0000 0015 80 04 0000 00000000 $D1H $HOA $COA
	    ca 16 11 03 14e9 0035 $C2H"
	# 4 DHoA Response refused (203), B, /64, reserved 1
	mh_dump "3b HL cb 00 0000 0015 cb 80 0000 40 000001 $D1 $TEP"
	# 5 DHP-BU release: A and R, lifetime 0, CoA ::
	mh_dump "3b HL cc 00 0000 0016 c0 00 0000 00000000 $DHOA $ZERO"
	# 6 DHP-BC refused (200 unknown DHoA)
	mh_dump "3b HL cd 00 0000 0016 c8 00 0000 00000000 $DHOA"
	# 7 DHP Query Reply "use the HA" with Count 1 and no candidate
	mh_dump "3b HL c9 00 0000 0014 01 01 0000 00000000 $CN"
	# 8 DHP Query: Home Address option with length 15
	mh_dump "3b HL c8 00 0000 0017 00 00 0000 00000000 $CN
	    01 04 00000000 c8 0f 20010db80010000000000000000001 00"
	# 9 DHP Query: Home Address at 8n+0
	mh_dump "3b HL c8 00 0000 0018 00 00 0000 00000000 $CN
	    c8 10 $HOA 01 04 00000000"
	# 10 DHP-BC of 16 octets (needs 32)
	mh_dump "3b HL cd 00 0000 0019 00 00 0000 00000000"
	# 11 DHP-BU: option runs past the end
	mh_dump "3b HL cc 00 0000 001a 80 00 004b 00000000 $DHOA $COA
	    c8 10 000000000000"
	# 12 DHP-BC: Pad1 after AUTH
	mh_dump "3b HL cd 00 0000 001b 00 00 004b 00000000 $DHOA
	    09 15 01 00001000 $MAC 00"
	# 13 DHoA Request: continuity type 7, unknown option 99
	mh_dump "3b HL ca 00 0000 001c 00 07 0096 00000000 $ZERO $HOA $COA
	    63 02 0000 01 02 0000"
	# 14 DHP-BC whose Header Len (5: 48 octets) exceeds its 32 octets
	raw_dump "3b 05 cd 00 0000 001d 00 00 004b 00000000 $DHOA"
} >"$tmp/hand.txt" || { echo "FAIL: hand.txt"; exit 1; }
if ! "$TEXT2PCAP" -q -6 2001:db8:2::100,2001:db8:d::1 -i 135 \
    "$tmp/hand.txt" "$tmp/hand.pcap" >/dev/null 2>&1; then
	echo "FAIL: text2pcap hand.pcap"
	exit 1
fi

# dmip.pcap's MHs (after the 40-octet IPv6 header of each record of the
# classic, little-endian pcap mkpcap writes) over UDP port 5135.
od -An -v -tx1 "$tmp/dmip.pcap" | awk '
	{ for (i = 1; i <= NF; i++) b[n++] = $i }
	function hx(s) { return index("0123456789abcdef", substr(s, 1, 1)) * 16 - 16 + \
	    index("0123456789abcdef", substr(s, 2, 1)) - 1 }
	END {
		o = 24
		while (o + 16 <= n) {
			len = hx(b[o+8]) + 256 * hx(b[o+9]) + 65536 * hx(b[o+10])
			o += 16
			for (i = 40; i < len; i++)
				printf "%06x %s\n", i - 40, b[o + i]
			o += len
		}
	}' >"$tmp/udp.txt"
if ! "$TEXT2PCAP" -q -6 2001:db8:2::100,2001:db8:d::1 -u 5135,5135 \
    "$tmp/udp.txt" "$tmp/udp.pcap" >/dev/null 2>&1; then
	echo "FAIL: text2pcap udp.pcap"
	exit 1
fi

############################################################ 1. loading

# -G must come first; it takes the -X that follows (Wireshark 4.0).
if "$TSHARK" -G fields -X lua_script:"$lua" >"$tmp/fields" \
    2>"$tmp/ts.err" && ! grep -qi 'lua.*error' "$tmp/ts.err"; then
	pass "the script loads without a Lua error"
else
	fail "the script does not load"
	exit 1
fi
awk -F '\t' '$1 == "F" && $3 ~ /^dmip6\./ { print $3 }' "$tmp/fields" |
    sort >"$tmp/ourfields"
n=$(grep -c . "$tmp/ourfields")
if [ "$n" -ge 70 ]; then
	pass "dmip6 registers $n fields"
else
	fail "dmip6 registers only $n fields"
fi

############################################################ 2. sanity

for f in dmip hand udp std; do
	# A Lua error while dissecting is shown as an expert info.
	if ts -r "$tmp/$f.pcap" -V >"$tmp/$f.V" &&
	    ! grep -q 'Lua Error' "$tmp/$f.V"; then
		pass "$f: tshark -V with the script, no Lua error"
	else
		fail "$f: tshark -V with the script failed"
	fi
done
for f in dmip udp; do
	n=$(grep -c '^DMIPv6 (dmip6 Mobility Header extensions): ' "$tmp/$f.V")
	if [ "$n" -eq 6 ]; then
		pass "$f: the 6 messages decode as DMIPv6"
	else
		fail "$f: $n of 6 messages decode as DMIPv6"
	fi
	bad=$(grep -n -E 'Malformed|Expert Info \((Error|Warning)|Exception|\[incorrect' \
	    "$tmp/$f.V")
	if [ -z "$bad" ]; then
		pass "$f: no Malformed/Expert Error/Warning"
	else
		fail "$f: problems:"
		echo "$bad" | sed 's/^/     /'
	fi
done

# Standard messages: byte for byte the same decoding with the script.
ts0 -r "$tmp/std.pcap" -V >"$tmp/std.V0"
if cmp -s "$tmp/std.V" "$tmp/std.V0"; then
	pass "std: the script changes nothing in the standard messages"
else
	fail "std: the script changes the standard messages:"
	diff "$tmp/std.V0" "$tmp/std.V" | head -20 | sed 's/^/     /'
fi

# The Info column names each message.
ts -r "$tmp/dmip.pcap" -T fields -e _ws.col.Protocol -e _ws.col.Info \
    >"$tmp/dmip.info"
i=0
for want in "DHP Query seq=10 CN=2001:db8:c::80 I HoA=2001:db8:10::100" \
    "DHP Query Reply seq=10 status=OK (0) CN=2001:db8:c::80 count=2 DHP=2001:db8:d::1 DHP=2001:db8:f::10" \
    "DHoA Request seq=11 fixed HoA=2001:db8:10::100" \
    "DHoA Response seq=11 status=OK (0) DHoA=2001:db8:d:1::42" \
    "DHP Binding Update seq=12 DHoA=2001:db8:d:1::42 CoA=2001:db8:2::100 lifetime=300 HoA=2001:db8:10::100" \
    "DHP Binding Confirmation seq=12 status=OK (0) DHoA=2001:db8:d:1::42"; do
	i=$((i + 1))
	got=$(sed -n "${i}p" "$tmp/dmip.info")
	if [ "$got" = "DMIPv6	$want" ]; then
		pass "dmip frame $i Info: $want"
	else
		fail "dmip frame $i Info: \"$got\", want \"DMIPv6	$want\""
	fi
done

############################################################ 3. fields

# "<file> <frame> <field> <value>": every value of the field in the
# frame, joined with ';' in order; "-" = the field must be absent.
cat >"$tmp/expect" <<'EOF'
dmip 1 mip6.mhtype 200
dmip 1 dmip6.type 200
dmip 1 dmip6.query.seq 10
dmip 1 dmip6.query.flags 0x80
dmip 1 dmip6.query.i_flag 1
dmip 1 dmip6.query.max_cand 4
dmip 1 dmip6.query.reserved 0x0000
dmip 1 dmip6.query.reserved2 0x00000000
dmip 1 dmip6.query.cn 2001:db8:c::80
dmip 1 dmip6.opt.type 200;202
dmip 1 dmip6.opt.len 16;22
dmip 1 dmip6.opt.hoa 2001:db8:10::100
dmip 1 dmip6.opt.flow.proto 6
dmip 1 dmip6.opt.flow.cont_type 2
dmip 1 dmip6.opt.flow.mn_port 40000
dmip 1 dmip6.opt.flow.cn_port 443
dmip 1 dmip6.opt.flow.cn 2001:db8:c::80
dmip 1 dmip6.opt.cand.addr -
dmip 1 dmip6.reply.seq -
dmip 2 mip6.mhtype 201
dmip 2 dmip6.type 201
dmip 2 dmip6.reply.seq 10
dmip 2 dmip6.reply.status 0
dmip 2 dmip6.reply.count 2
dmip 2 dmip6.reply.validity 75
dmip 2 dmip6.reply.reserved 0x00000000
dmip 2 dmip6.reply.cn 2001:db8:c::80
dmip 2 dmip6.opt.type 201;201
dmip 2 dmip6.opt.len 20;20
dmip 2 dmip6.opt.cand.pref 200;100
dmip 2 dmip6.opt.cand.flags 0x80;0x00
dmip 2 dmip6.opt.cand.colocated 1;0
dmip 2 dmip6.opt.cand.metric 3;65535
dmip 2 dmip6.opt.cand.addr 2001:db8:d::1;2001:db8:f::10
dmip 2 dmip6.opt.hoa -
dmip 3 mip6.mhtype 202
dmip 3 dmip6.type 202
dmip 3 dmip6.dhoa_req.seq 11
dmip 3 dmip6.dhoa_req.flags 0x00
dmip 3 dmip6.dhoa_req.b_flag 0
dmip 3 dmip6.dhoa_req.cont_type 1
dmip 3 dmip6.dhoa_req.lifetime 150
dmip 3 dmip6.dhoa_req.reserved 0x00000000
dmip 3 dmip6.dhoa_req.req_dhoa ::
dmip 3 dmip6.dhoa_req.hoa 2001:db8:10::100
dmip 3 dmip6.dhoa_req.coa 2001:db8:2::100
dmip 3 mip6.mnid.subtype 1
dmip 3 mip6.mnid.identifier mn1@dmip.example
dmip 3 dmip6.opt.type -
dmip 4 mip6.mhtype 203
dmip 4 dmip6.type 203
dmip 4 dmip6.dhoa_resp.seq 11
dmip 4 dmip6.dhoa_resp.status 0
dmip 4 dmip6.dhoa_resp.flags 0x00
dmip 4 dmip6.dhoa_resp.b_flag 0
dmip 4 dmip6.dhoa_resp.lifetime 150
dmip 4 dmip6.dhoa_resp.plen 128
dmip 4 dmip6.dhoa_resp.reserved 0x000000
dmip 4 dmip6.dhoa_resp.dhoa 2001:db8:d:1::42
dmip 4 dmip6.dhoa_resp.tep ::
dmip 4 mip6.bra.interval 30
dmip 4 dmip6.opt.type -
dmip 5 mip6.mhtype 204
dmip 5 dmip6.type 204
dmip 5 dmip6.bu.seq 12
dmip 5 dmip6.bu.flags 0x80
dmip 5 dmip6.bu.a_flag 1
dmip 5 dmip6.bu.r_flag 0
dmip 5 dmip6.bu.reserved 0x00
dmip 5 dmip6.bu.lifetime 75
dmip 5 dmip6.bu.reserved2 0x00000000
dmip 5 dmip6.bu.dhoa 2001:db8:d:1::42
dmip 5 dmip6.bu.coa 2001:db8:2::100
dmip 5 dmip6.opt.type 200
dmip 5 dmip6.opt.len 16
dmip 5 dmip6.opt.hoa 2001:db8:10::100
dmip 6 mip6.mhtype 205
dmip 6 dmip6.type 205
dmip 6 dmip6.bc.seq 12
dmip 6 dmip6.bc.status 0
dmip 6 dmip6.bc.reserved 0x00
dmip 6 dmip6.bc.lifetime 75
dmip 6 dmip6.bc.reserved2 0x00000000
dmip 6 dmip6.bc.dhoa 2001:db8:d:1::42
dmip 6 dmip6.opt.type -
hand 1 dmip6.query.seq 20
hand 1 dmip6.query.flags 0x00
hand 1 dmip6.query.i_flag 0
hand 1 dmip6.query.max_cand 0
hand 1 dmip6.query.reserved 0xabcd
hand 1 dmip6.query.reserved2 0x00000001
hand 1 dmip6.query.cn 2001:db8:c::80
hand 1 dmip6.opt.type 200;203
hand 1 dmip6.opt.len 16;18
hand 1 dmip6.opt.hoa 2001:db8:10::100
hand 1 dmip6.opt.hint.reserved 0x00
hand 1 dmip6.opt.hint.plen 48
hand 1 dmip6.opt.hint.prefix 2001:db8:c1::
hand 2 mip6.mhtype 5
hand 2 mip6.bu.seqnr 1
hand 2 dmip6.type -
hand 2 dmip6.opt.type 200
hand 2 dmip6.opt.len 16
hand 2 dmip6.opt.hoa 2001:db8:10::100
hand 3 dmip6.dhoa_req.seq 21
hand 3 dmip6.dhoa_req.flags 0x80
hand 3 dmip6.dhoa_req.b_flag 1
hand 3 dmip6.dhoa_req.cont_type 4
hand 3 dmip6.dhoa_req.lifetime 0
hand 3 dmip6.dhoa_req.req_dhoa 2001:db8:d1::5
hand 3 dmip6.dhoa_req.hoa 2001:db8:10::100
hand 3 dmip6.dhoa_req.coa 2001:db8:2::100
hand 3 dmip6.opt.type 202
hand 3 dmip6.opt.len 22
hand 3 dmip6.opt.flow.proto 17
hand 3 dmip6.opt.flow.cont_type 3
hand 3 dmip6.opt.flow.mn_port 5353
hand 3 dmip6.opt.flow.cn_port 53
hand 3 dmip6.opt.flow.cn 2001:db8:c2::1
hand 4 dmip6.dhoa_resp.seq 21
hand 4 dmip6.dhoa_resp.status 203
hand 4 dmip6.dhoa_resp.flags 0x80
hand 4 dmip6.dhoa_resp.b_flag 1
hand 4 dmip6.dhoa_resp.lifetime 0
hand 4 dmip6.dhoa_resp.plen 64
hand 4 dmip6.dhoa_resp.reserved 0x000001
hand 4 dmip6.dhoa_resp.dhoa 2001:db8:d1::
hand 4 dmip6.dhoa_resp.tep 2001:db8:f::12
hand 5 dmip6.bu.seq 22
hand 5 dmip6.bu.flags 0xc0
hand 5 dmip6.bu.a_flag 1
hand 5 dmip6.bu.r_flag 1
hand 5 dmip6.bu.lifetime 0
hand 5 dmip6.bu.dhoa 2001:db8:d:1::42
hand 5 dmip6.bu.coa ::
hand 6 dmip6.bc.seq 22
hand 6 dmip6.bc.status 200
hand 6 dmip6.bc.lifetime 0
hand 7 dmip6.reply.status 1
hand 7 dmip6.reply.count 1
hand 7 dmip6.reply.validity 0
hand 7 dmip6.opt.cand.addr -
hand 8 dmip6.opt.type 200
hand 8 dmip6.opt.len 15
hand 8 dmip6.opt.hoa -
hand 8 dmip6.opt.data 20010db80010000000000000000001
hand 9 dmip6.opt.type 200
hand 9 dmip6.opt.hoa 2001:db8:10::100
hand 10 dmip6.type 205
hand 10 dmip6.bc.seq -
hand 11 dmip6.bu.seq 26
hand 11 dmip6.opt.type -
hand 12 dmip6.bc.seq 27
hand 12 mip6.auth.mobility_spi 4096
hand 12 dmip6.auth.mac 00112233445566778899aabbccddeeff
hand 13 dmip6.dhoa_req.cont_type 7
hand 13 dmip6.opt.type -
hand 13 dmip6.opt.data 63020000
hand 14 dmip6.type 205
udp 1 udp.dstport 5135
udp 1 dmip6.query.seq 10
udp 6 dmip6.bc.dhoa 2001:db8:d:1::42
filter hand dmip6.opt.pad1 8,12
filter dmip dmip6.opt.pad1 -
EOF
# The AUTH of every mkpcap message: SPI and whole MAC from mkpcap.
awk '$1 == "dmip" && $3 == "auth.spi" { print "dmip", $2, "mip6.auth.mobility_spi", $4 }
     $1 == "dmip" && $3 == "auth.mac" { print "dmip", $2, "dmip6.auth.mac", $4 }' \
    "$tmp/mkpcap.out" >>"$tmp/expect"
n=$(grep -c '^dmip [1-6] dmip6.auth.mac [0-9a-f]\{32\}$' "$tmp/expect")
if [ "$n" -eq 6 ]; then
	pass "mkpcap signed the 6 DMIPv6 messages (hmac-sha256-128)"
else
	fail "mkpcap printed $n DMIPv6 MACs, want 6"
fi

# One tshark run per file with every field named; compare.
for f in dmip hand udp; do
	flist=$(awk -v f="$f" '$1 == f && !seen[$3]++ { print $3 }' "$tmp/expect")
	set -- -r "$tmp/$f.pcap" -T fields -E separator='|' -E occurrence=a \
	    -E aggregator=';' -e frame.number
	for x in $flist; do
		set -- "$@" -e "$x"
	done
	if ! ts "$@" >"$tmp/$f.fields"; then
		fail "$f: tshark -T fields failed"
		continue
	fi
	awk -v f="$f" -v flist="$flist" '
	BEGIN { nf = split(flist, name, "\n") }
	FILENAME == ARGV[1] {
		if ($1 != f)
			next
		v = $0
		sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", v)
		order[++n] = $2 SUBSEP $3
		want[$2 SUBSEP $3] = v
		next
	}
	{
		split($0, col, "|")
		for (j = 1; j <= nf; j++)
			got[col[1] SUBSEP name[j]] = col[j + 1]
	}
	END {
		for (i = 1; i <= n; i++) {
			k = order[i]
			split(k, kk, SUBSEP)
			w = want[k]
			g = (k in got) ? got[k] : "(no frame)"
			if (g == "")
				g = "-"
			# FT_BOOLEAN: 1/0 in 4.0, True/False later
			gsub(/True/, "1", g)
			gsub(/False/, "0", g)
			d = f " frame " kk[1] " " kk[2]
			if (g == w)
				print "ok " d " = " w
			else
				print "FAIL " d ": tshark says \"" g "\", want \"" w "\""
		}
	}' "$tmp/expect" "$tmp/$f.fields" >"$tmp/$f.cmp"
	while IFS= read -r line; do
		case $line in
		ok\ *) pass "${line#ok }" ;;
		*) fail "${line#FAIL }" ;;
		esac
	done <"$tmp/$f.cmp"
done

# "filter <file> <field> <frames>": the frames in which a field shows
# up (for fields without a value, such as Pad1).
while read -r kind f x want; do
	[ "$kind" = filter ] || continue
	got=$(ts -r "$tmp/$f.pcap" -Y "$x" -T fields -e frame.number |
	    paste -s -d, -)
	[ -n "$got" ] || got=-
	if [ "$got" = "$want" ]; then
		pass "$f: $x in frames $want"
	else
		fail "$f: $x in frames $got, want $want"
	fi
done <"$tmp/expect"

# MESG-ID (RFC 4285, B.8) of the mkpcap messages: raw bytes from PDML
# (Wireshark shows the timestamp as a date).
ts -r "$tmp/dmip.pcap" -T pdml >"$tmp/dmip.pdml"
got=$(awk '/<field name="num"/ { match($0, /show="[0-9]+"/); fr = substr($0, RSTART + 6, RLENGTH - 7) }
    /<field name="mip6.mseg_id.timestamp"/ { match($0, /value="[0-9a-f]*"/);
	printf "%s:%s ", fr, substr($0, RSTART + 7, RLENGTH - 8) }' "$tmp/dmip.pdml")
want="1:e875470080000000 2:e875470080000000 3:e875470080000000 4:e875470080000000 5:e875470080000000 6:e875470080000000 "
if [ "$got" = "$want" ]; then
	pass "dmip: MESG-ID e875470080000000 in each message"
else
	fail "dmip: MESG-ID bytes \"$got\", want \"$want\""
fi

# UDP: every dmip6.* value over UDP equals the raw MH one.
set -- -T fields -E separator='|' -E occurrence=a -E aggregator=';'
for x in $(cat "$tmp/ourfields"); do
	set -- "$@" -e "$x"
done
ts -r "$tmp/dmip.pcap" "$@" >"$tmp/dmip.all"
ts -r "$tmp/udp.pcap" "$@" >"$tmp/udp.all"
if [ -s "$tmp/dmip.all" ] && cmp -s "$tmp/dmip.all" "$tmp/udp.all"; then
	pass "udp: all dmip6 fields equal the raw MH ones (6 messages)"
else
	fail "udp: dmip6 fields differ from the raw MH ones"
	diff "$tmp/dmip.all" "$tmp/udp.all" | head -10 | sed 's/^/     /'
fi

############################################################ 4. experts

# "<frame> <expert> ...": the exact set of dmip6 expert infos per hand
# frame (dmip.pcap must have none: step 2 and below).
cat >"$tmp/experts" <<'EOF'
1 dmip6.no_auth
2
3 dmip6.no_auth
4 dmip6.status_fail dmip6.no_auth
5 dmip6.no_auth
6 dmip6.status_fail dmip6.no_auth
7 dmip6.reply.count_bad dmip6.no_auth
8 dmip6.opt.len_bad dmip6.no_auth
9 dmip6.opt.misaligned dmip6.no_auth
10 dmip6.short
11 dmip6.opt.truncated dmip6.no_auth
12 dmip6.opt.after_auth
13 dmip6.field_bad dmip6.opt.unknown dmip6.no_auth
14 dmip6.hlen_bad dmip6.no_auth
EOF
EXPERTS="dmip6.short dmip6.hlen_bad dmip6.opt.truncated dmip6.opt.len_bad
    dmip6.opt.misaligned dmip6.opt.after_auth dmip6.opt.unknown
    dmip6.no_auth dmip6.reply.count_bad dmip6.field_bad dmip6.status_fail"
for f in hand dmip; do
	set -- -r "$tmp/$f.pcap" -T fields -E separator='|' -e frame.number
	for x in $EXPERTS; do
		set -- "$@" -e "$x"
	done
	ts "$@" | awk -F '|' -v list="$EXPERTS" '
	BEGIN { n = split(list, e, /[ \n\t]+/) }
	{
		s = ""
		for (j = 1; j <= n; j++)
			if (e[j] != "" && $(j + 1) != "")
				s = s " " e[j]
		print $1 s
	}' >"$tmp/$f.experts"
done
awk 'FILENAME == ARGV[1] { k = $1; $1 = ""; w[k] = $0; next }
{
	k = $1; $1 = ""
	# order-independent comparison
	n = split($0, a, " "); m = split(w[k], b, " ")
	same = (n == m)
	for (i = 1; i <= n && same; i++) {
		found = 0
		for (j = 1; j <= m; j++)
			if (a[i] == b[j])
				found = 1
		same = found
	}
	if (same)
		print "ok hand frame " k " experts:" (w[k] == "" ? " none" : w[k])
	else
		print "FAIL hand frame " k " experts:" $0 ", want:" w[k]
	seen[k] = 1
}
END { for (k in w) if (!(k in seen)) print "FAIL hand frame " k " missing" }' \
    "$tmp/experts" "$tmp/hand.experts" >"$tmp/experts.cmp"
while IFS= read -r line; do
	case $line in
	ok\ *) pass "${line#ok }" ;;
	*) fail "${line#FAIL }" ;;
	esac
done <"$tmp/experts.cmp"
bad=$(awk 'NF > 1' "$tmp/dmip.experts")
if [ -z "$bad" ] && [ "$(grep -c . "$tmp/dmip.experts")" -eq 6 ]; then
	pass "dmip: no dmip6 expert info on the codec's messages"
else
	fail "dmip: expert infos on the codec's messages: $bad"
fi

############################################################ 5. coverage

# Every registered dmip6.* field (expert infos are fields too) is
# checked above: by a value, a frame list or an expert expectation.
missing=""
for x in $(cat "$tmp/ourfields"); do
	awk -v x="$x" 'FILENAME == ARGV[1] && $3 == x { found = 1 }
	    FILENAME == ARGV[2] { for (i = 2; i <= NF; i++) if ($i == x) found = 1 }
	    END { exit !found }' "$tmp/expect" "$tmp/experts" ||
	    missing="$missing $x"
done
if [ -z "$missing" ]; then
	pass "every dmip6 field has an expectation"
else
	fail "dmip6 fields with no expectation:$missing"
fi

echo "lua_dissector_test: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ] && [ "$npass" -gt 0 ]
