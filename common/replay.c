/*
 * replay.c: NTP-format time and the RFC 4285 MESG-ID replay check
 * (PROTOCOL.md B.8, C.3, F.8).
 */
#include <stdint.h>
#include <time.h>

#include "auth.h"
#include "dmip_proto.h"

/* Seconds from 1900-01-01 (NTP era 0) to 1970-01-01. */
#define NTP_UNIX_OFFSET	2208988800ULL

uint64_t
ntp_from_timespec(const struct timespec *ts)
{
	uint64_t secs = (uint64_t)ts->tv_sec + NTP_UNIX_OFFSET;
	uint64_t frac = ((uint64_t)ts->tv_nsec << 32) / 1000000000ULL;

	return (secs << 32) | (frac & 0xffffffffULL);
}

uint64_t
ntp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ntp_from_timespec(&ts);
}

int64_t
ntp_diff_ms(uint64_t a, uint64_t b)
{
	/* The 64-bit difference read as signed 32.32 fixed point, so a
	 * wrap of the NTP era between a and b is harmless. |secs| < 2^31
	 * and |frac| < 2^32, so neither product below can overflow. */
	int64_t d = (int64_t)(a - b);
	int64_t secs = d / (1LL << 32);
	int64_t frac = d % (1LL << 32);

	return secs * 1000 + (frac * 1000) / (1LL << 32);
}

int
replay_check(const struct mh_sa *sa, const struct mh_opts *o,
    uint64_t now_ntp)
{
	uint64_t skew;

	if (sa->replay == REPLAY_SEQ_ONLY)
		return 0;	/* F.8: the sequence check does it all */
	if (!(o->present & MHO_MESGID))
		return BA_STATUS_MESGID_REQD;
	/* |mesgid - now| in exact 32.32 units (no rounding to ms), taken
	 * modulo 2^64 so an era wrap between the two does not matter. */
	skew = o->mesgid - now_ntp;
	if (skew > (uint64_t)INT64_MAX)
		skew = now_ntp - o->mesgid;
	/* RFC 4285 6: "close enough"; exactly window_s apart still is. */
	if (skew > (uint64_t)sa->window_s << 32)
		return BA_STATUS_ID_MISMATCH;
	return 0;
}
