#!/bin/sh
# tshark_check.sh: cross-check the Mobility Header codec against an
# independent decoder (PROTOCOL.md B.1-B.10, C.3).
#
# tests/tools/mkpcap builds MH packets with dmip6's own mh_build(),
# mh_auth_sign() and mh_csum_set(), writes them to two pcaps and prints
# what it encoded ("<file> <frame> <field> <value>"). This script has
# tshark decode them and compares every value. It also recomputes, with
# its own arithmetic, the two things only our code computes: the MH
# checksum (awk over the pcap bytes) and the RFC 4285 MAC (openssl).
#
# std.pcap: standard messages (BU, BA, BRR, BE, PBU, PBA) with standard
# options only. dmip.pcap: the six DMIPv6 types (200-205, B.11), which
# Wireshark shows as unknown; there we check the type, the length, the
# checksum, and that nothing is malformed.
#
# Exit: 0 pass, 1 fail, 77 skip (only when tshark is not installed).
# Runs from the build directory, as automake does (srcdir may differ).

set -u

TSHARK=${TSHARK:-tshark}
OPENSSL=${OPENSSL:-openssl}
mkpcap=${builddir:-.}/tests/tools/mkpcap

if ! command -v "$TSHARK" >/dev/null 2>&1; then
	echo "SKIP: tshark not found (Debian: apt-get install tshark)"
	exit 77
fi
if [ ! -x "$mkpcap" ]; then
	echo "FAIL: $mkpcap is not built (make check builds it)"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tshark_check.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# A private, empty Wireshark profile and UTC, so that nobody's
# preferences change what tshark prints.
WIRESHARK_CONFIG_DIR=$tmp/wsconf
TZ=UTC
export WIRESHARK_CONFIG_DIR TZ
mkdir "$WIRESHARK_CONFIG_DIR" || exit 1

npass=0
nfail=0
pass() { npass=$((npass + 1)); echo "ok   $*"; }
fail() { nfail=$((nfail + 1)); echo "FAIL $*"; }

# tshark as root warns on stderr; keep stderr aside and show it only
# when tshark itself fails.
ts() {
	if ! "$TSHARK" "$@" 2>>"$tmp/tshark.err"; then
		echo "tshark $* failed:" >&2
		cat "$tmp/tshark.err" >&2
		return 1
	fi
}

# The B.8 test-vector keys (01 02 .. 20, 01 02 .. 10), as in mkpcap.c.
KEY_4096=0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20
KEY_4097=0102030405060708090a0b0c0d0e0f10
# MobilityData = CoA || HoA || MH (B.8); the addresses of mkpcap.c.
COA_HEX=20010db8000200000000000000000100
HOA_HEX=20010db8001000000000000000000100
# Number of expectations mkpcap prints; guards against a silent,
# empty run. Update with mkpcap.c.
NEXPECT_STD=167
NEXPECT_DMIP=72

############################################################ helpers

# Flatten a pcap (classic, little-endian, LINKTYPE_RAW) into lines
# "frame incl_len hex-of-packet". Plain od + awk, no libpcap.
pcap_dump() {
	od -An -v -tx1 "$1" | awk '
	{ for (i = 1; i <= NF; i++) b[n++] = $i }
	function le32(o) {
		return hx(b[o]) + 256 * hx(b[o+1]) + 65536 * hx(b[o+2]) + \
		    16777216 * hx(b[o+3])
	}
	function hx(s) { return index("0123456789abcdef", substr(s, 1, 1)) * 16 - 16 + \
		    index("0123456789abcdef", substr(s, 2, 1)) - 1 }
	END {
		if (b[0] b[1] b[2] b[3] != "d4c3b2a1") {
			print "bad-magic"
			exit
		}
		o = 24
		f = 0
		while (o + 16 <= n) {
			len = le32(o + 8)
			o += 16
			s = ""
			for (i = 0; i < len && o + i < n; i++)
				s = s b[o + i]
			printf "%d %d %s\n", ++f, len, s
			o += len
		}
	}'
}

# For one dumped packet: IPv6 header sanity and the MH checksum
# recomputed over the RFC 8200 8.1 pseudo-header (B.1). Prints
# "ok" or a reason. $1 packet hex, $2 record length.
csum_check() {
	awk -v hex="$1" -v caplen="$2" '
	function hx(s) { return index("0123456789abcdef", substr(s, 1, 1)) * 16 - 16 + \
		    index("0123456789abcdef", substr(s, 2, 1)) - 1 }
	function byte(i) { return hx(substr(hex, 2 * i + 1, 2)) }
	BEGIN {
		n = length(hex) / 2
		if (n != caplen) { print "pcap record truncated"; exit }
		if (n < 48) { print "short packet"; exit }
		if (byte(0) != 96) { print "not IPv6"; exit }
		plen = byte(4) * 256 + byte(5)
		if (plen != n - 40) { print "payload length " plen " != " n - 40; exit }
		if (byte(6) != 135) { print "next header " byte(6); exit }
		if ((byte(41) + 1) * 8 != plen) {
			print "Header Len " byte(41) " does not match " plen
			exit
		}
		sum = 0
		for (i = 8; i < 40; i += 2)	# source and destination
			sum += byte(i) * 256 + byte(i + 1)
		sum += plen + 135		# upper-layer length, next header
		for (i = 40; i < n; i += 2)
			sum += byte(i) * 256 + (i + 1 < n ? byte(i + 1) : 0)
		while (sum > 65535)
			sum = (sum % 65536) + int(sum / 65536)
		if (sum != 65535)
			printf "one-complement sum 0x%04x, want 0xffff\n", sum
		else
			print "ok"
	}'
}

# hex string -> binary on stdout (POSIX printf octal escapes).
unhex() {
	# shellcheck disable=SC2059
	printf "$(echo "$1" | awk '
	function hx(s) { return index("0123456789abcdef", substr(s, 1, 1)) * 16 - 16 + \
		    index("0123456789abcdef", substr(s, 2, 1)) - 1 }
	{ for (i = 1; i < length($0); i += 2) printf "\\%03o", hx(substr($0, i, 2)) }')"
}

# RFC 4285 MAC over CoA || HoA || MH[0 .. covered) with the checksum
# zeroed (B.8), truncated per the SA's algorithm. $1 SPI, $2 MH hex,
# $3 covered octets. Prints the hex MAC or nothing.
hmac_of() {
	case $1 in
	4096) key=$KEY_4096 md=sha256 maclen=16 ;;
	4097) key=$KEY_4097 md=sha1 maclen=12 ;;
	*) return 1 ;;
	esac
	mh=$(echo "$2" | cut -c1-8)0000$(echo "$2" | cut -c13-$(($3 * 2)))
	unhex "$COA_HEX$HOA_HEX$mh" >"$tmp/macin"
	"$OPENSSL" dgst -"$md" -mac HMAC -macopt hexkey:"$key" \
	    <"$tmp/macin" 2>>"$tmp/openssl.err" |
	    sed 's/^.*= *//' | cut -c1-$((maclen * 2))
}

############################################################ run mkpcap

if ! "$mkpcap" "$tmp/std.pcap" "$tmp/dmip.pcap" >"$tmp/expect"; then
	echo "FAIL: $mkpcap failed"
	exit 1
fi
for f in std dmip; do
	n=$(grep -c "^$f " "$tmp/expect")
	case $f in
	std) want=$NEXPECT_STD ;;
	*) want=$NEXPECT_DMIP ;;
	esac
	if [ "$n" -eq "$want" ]; then
		pass "$f: mkpcap printed $n expectations"
	else
		fail "$f: mkpcap printed $n expectations, want $want"
	fi
done

############################################################ 1. -V sanity

# Wireshark 4.0 has no MH checksum preference (tshark -G defaultprefs
# lists none for mip6) and no mip6.csum.status field, so the checksum is
# checked in step 3 instead.
for f in std dmip; do
	ts -r "$tmp/$f.pcap" -V >"$tmp/$f.V" || exit 1
	bad=$(grep -n -E 'Malformed|Expert Info \((Error|Warning)|Bad checksum|\[incorrect|Exception' \
	    "$tmp/$f.V")
	if [ -n "$bad" ]; then
		fail "$f: tshark -V reports problems:"
		echo "$bad" | sed 's/^/     /'
	else
		pass "$f: tshark -V: no Malformed/Expert Error/Warning/Exception"
	fi
	frames=$(grep -c '^Frame [0-9]*:' "$tmp/$f.V")
	want=$(awk -v f="$f" '$1 == f && $2 > m { m = $2 } END { print m + 0 }' "$tmp/expect")
	if [ "$frames" -eq "$want" ] && [ "$want" -gt 0 ]; then
		pass "$f: tshark sees $frames frames"
	else
		fail "$f: tshark sees $frames frames, mkpcap wrote $want"
	fi
	mipv6=$(grep -c '^ *Mobile IPv6$' "$tmp/$f.V")
	if [ "$mipv6" -eq "$want" ]; then
		pass "$f: every frame decodes as Mobile IPv6"
	else
		fail "$f: $mipv6 of $want frames decode as Mobile IPv6"
	fi
done

############################################################ 2. field values

# Report lines "ok ..." / "FAIL ..." from awk into the counters.
tally() {
	while IFS= read -r line; do
		case $line in
		ok\ *) pass "${line#ok }" ;;
		*) fail "${line#FAIL }" ;;
		esac
	done <"$1"
}

# One tshark run per file with every field mkpcap named; then compare
# the values (several occurrences in a frame are joined with ';').
# ".raw" fields are compared in step 2b, "auth.*" lines in step 4.
for f in std dmip; do
	fields=$(awk -v f="$f" '$1 == f && $3 !~ /\.raw$/ && $3 !~ /^auth\./ &&
	    !seen[$3]++ { print $3 }' "$tmp/expect")
	set -- -r "$tmp/$f.pcap" -T fields -E separator='|' -E occurrence=a \
	    -E aggregator=';' -e frame.number
	for x in $fields; do
		set -- "$@" -e "$x"
	done
	ts "$@" >"$tmp/$f.fields" || exit 1
	awk -v f="$f" -v flist="$fields" '
	BEGIN { nf = split(flist, name, "\n") }
	FILENAME == ARGV[1] {
		if ($1 != f || $3 ~ /\.raw$/ || $3 ~ /^auth\./)
			next
		v = $0
		sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", v)
		k = $2 SUBSEP $3
		if (k in want)
			want[k] = want[k] ";" v
		else {
			want[k] = v
			order[++n] = k
		}
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
			g = (k in got) ? got[k] : "(absent)"
			d = f " frame " kk[1] " " kk[2]
			if (g == w)
				print "ok " d " = " w
			else if (kk[2] == "mip6.auth.auth_data" &&
			    g == substr(w, 1, length(w) - 4))
				# Wireshark 4.0 dissect_mip6_opt_auth takes
				# option_len - 7 octets instead of - 5: it
				# shows the MAC 2 octets short. Step 4
				# checks the full MAC from the raw bytes.
				print "ok " d " = " g " (all but the last 2 " \
				    "octets, which Wireshark 4.0 drops)"
			else
				print "FAIL " d ": tshark says \"" g \
				    "\", we encoded \"" w "\""
		}
	}' "$tmp/expect" "$tmp/$f.fields" >"$tmp/$f.cmp"
	tally "$tmp/$f.cmp"
done

############################################################ 2b. raw bytes

# PDML gives each field's raw bytes and position. Used for the 64-bit
# timestamps, which Wireshark shows as dates: MESG-ID (RFC 4285) as
# Unix seconds + nanoseconds and the RFC 5213 Timestamp as 48.16 fixed
# point; comparing bytes does not depend on either reading.
pdml_flat() {
	awk '
	function attr(a) {
		if (!match($0, " " a "=\"[^\"]*\""))
			return ""
		return substr($0, RSTART + length(a) + 3, RLENGTH - length(a) - 4)
	}
	/<proto name="geninfo"/ { frame = ""; ingen = 1 }
	/<field / {
		name = attr("name")
		if (ingen && name == "num") {
			frame = attr("show")
			ingen = 0
		} else
			print frame, name, attr("pos"), attr("value")
	}'
}

ts -r "$tmp/std.pcap" -T pdml >"$tmp/std.pdml" || exit 1
pdml_flat <"$tmp/std.pdml" >"$tmp/std.flat"
awk '
FILENAME == ARGV[1] {
	k = $1 SUBSEP $2
	v = (k in raw) ? raw[k] ";" $4 : $4
	raw[k] = v
	pos[k] = $3
	next
}
$1 == "std" && $3 ~ /\.raw$/ {
	base = $3
	sub(/\.raw$/, "", base)
	k = $2 SUBSEP base
	g = (k in raw) ? raw[k] : "(absent)"
	d = "std frame " $2 " " base " bytes"
	if (tolower(g) == tolower($4))
		print "ok " d " = " $4
	else
		print "FAIL " d ": tshark has " g ", we encoded " $4
}
$1 == "std" && $3 == "auth.covered" {
	# The MAC input ends after the SPI (B.8); where tshark found the
	# SPI must agree with where our codec put it.
	k = $2 SUBSEP "mip6.auth.mobility_spi"
	g = (k in pos) ? pos[k] + 4 - 40 : -1
	d = "std frame " $2 " AUTH SPI ends at MH offset"
	if (g == $4)
		print "ok " d " " g
	else
		print "FAIL " d " " g " per tshark, " $4 " per codec"
}' "$tmp/std.flat" "$tmp/expect" >"$tmp/raw.cmp"
tally "$tmp/raw.cmp"

############################################################ 3. checksum

# Our own pseudo-header sum over the bytes in the file (not inet_csum.c);
# step 2 already compared tshark's mip6.csum with the codec's value.
for f in std dmip; do
	pcap_dump "$tmp/$f.pcap" >"$tmp/$f.dump"
	if grep -q '^bad-magic' "$tmp/$f.dump"; then
		fail "$f: pcap magic is not a1b2c3d4 little-endian"
		continue
	fi
	while read -r frame len hex; do
		r=$(csum_check "$hex" "$len")
		if [ "$r" = ok ]; then
			pass "$f frame $frame: IPv6 length/next header and MH checksum verify"
		else
			fail "$f frame $frame: $r"
		fi
	done <"$tmp/$f.dump"
done

############################################################ 4. RFC 4285 MAC

# Recompute the MAC with openssl from the raw packet: CoA || HoA ||
# MH[0 .. covered) with the checksum zeroed (B.8), and check that the
# option ends the MH (AUTH must be last).
if ! command -v "$OPENSSL" >/dev/null 2>&1; then
	echo "note: openssl not found, MAC recomputation not done"
else
	awk '$3 == "auth.spi" { s[$1 " " $2] = $4 }
	$3 == "auth.covered" { c[$1 " " $2] = $4 }
	$3 == "auth.mac" { print $1, $2, s[$1 " " $2], c[$1 " " $2], $4 }' \
	    "$tmp/expect" >"$tmp/auth.list"
	while read -r f frame spi covered mac; do
		hex=$(awk -v n="$frame" '$1 == n { print $3 }' "$tmp/$f.dump")
		mh=$(echo "$hex" | cut -c81-)	# after the 40-octet IPv6 header
		inpkt=$(echo "$mh" | cut -c$((covered * 2 + 1))-)
		calc=$(hmac_of "$spi" "$mh" "$covered")
		d="$f frame $frame AUTH SPI $spi"
		if [ -z "$calc" ]; then
			fail "$d: openssl computed nothing"
		elif [ "$calc" != "$mac" ]; then
			fail "$d: openssl MAC $calc, auth.c wrote $mac"
		elif [ "$inpkt" != "$mac" ]; then
			fail "$d: MAC is not the last ${#mac} hex digits of the MH ($inpkt)"
		else
			pass "$d: MAC $mac recomputed with openssl, ends the MH"
		fi
	done <"$tmp/auth.list"
fi

############################################################ summary

echo "tshark_check: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ] && [ "$npass" -gt 0 ]
