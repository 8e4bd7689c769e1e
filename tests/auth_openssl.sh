#!/bin/sh
# Re-derive the PROTOCOL.md B.8 test vectors with the openssl command
# line, independently of dmip6's code: MAC = first N bytes of
# HMAC(key, CoA || HoA || MH up to and including the AUTH SPI), with
# the MH checksum (octets 4-5) taken as zero.
# Exit 0 if both match, 1 on a mismatch, 77 (skip) without openssl.
set -u
command -v openssl >/dev/null 2>&1 ||
	{ echo "SKIP: the openssl binary is not installed"; exit 77; }
command -v perl >/dev/null 2>&1 ||
	{ echo "SKIP: perl is not installed"; exit 77; }

coa=20010db8000200000000000000000100	# 2001:db8:2::100
hoa=20010db8000100000000000000000100	# 2001:db8:1::100
rc=0

# check NAME DIGEST KEYHEX VECTORHEX AUTH_OFFSET MAC_BYTES
check() {
	name=$1 digest=$2 key=$3 vec=$4 off=$5 maclen=$6
	covered=$(( (off + 7) * 2 ))	# hex digits up to the SPI
	if [ ${#vec} -ne $(( covered + maclen * 2 )) ]; then
		echo "FAIL: $name: vector is ${#vec} hex digits," \
		    "expected $(( covered + maclen * 2 ))"
		rc=1
		return
	fi
	# zero the checksum (hex digits 9-12), keep the covered bytes
	data=$(printf '%s' "$vec" | cut -c1-8)0000$(printf '%s' "$vec" |
		cut -c13-$covered)
	want=$(printf '%s' "$vec" | cut -c$((covered + 1))-)
	got=$(printf '%s%s%s' "$coa" "$hoa" "$data" |
		perl -e 'local $/; print pack("H*", <STDIN>)' |
		openssl dgst -"$digest" -mac HMAC -macopt hexkey:"$key" |
		sed 's/.*= //' | cut -c1-$((maclen * 2)))
	echo "$name: HMAC-$digest key $key"
	echo "  MobilityData ($(( 32 + off + 7 )) bytes) = CoA $coa"
	echo "    || HoA $hoa || MH $data"
	if [ -n "$got" ] && [ "$got" = "$want" ]; then
		echo "  ok: openssl computes $got, as the vector says"
	else
		echo "  FAIL: openssl computes '$got', the vector says $want"
		rc=1
	fi
}

check HMAC-SHA1-96 sha1 0102030405060708090a0b0c0d0e0f10 \
	3b05050006020001c00000960104000000000a08e87547000000000000091101000010001b7027f3aac9fa41dfe57852 \
	29 12
check HMAC-SHA256-128 sha256 \
	0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20 \
	3b0605000e500001c00000960104000000000a08e87547000000000001030000000915010000100080c38c964eb5262161cf1cacf6ba3be6 \
	33 16
exit $rc
