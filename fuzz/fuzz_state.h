/*
 * fuzz_state.h: what the state-file targets (fuzz_state_had.c,
 * fuzz_state_dhpd.c) share: their input format and the comparison of
 * two encodings (common/statefile.h).
 *
 * Input: one control octet, then the file.
 *   bit 0    frame: the file is the header and the records only, and
 *            the target appends the trailer with the right record
 *            count and CRC-32, so the fuzzer reaches the record
 *            decoders; clear: the bytes are the file as read from disk
 *            (framing, count and CRC checked as they are)
 *   bits 1-2 when the file is loaded: wall-clock FUZZ_STATE_WALL0 plus
 *            0, 400 s, one day, or minus one day (the monotonic clock
 *            is FUZZ_STATE_MONO0 each time)
 *   bit 3    apply a MESG-ID floor (ntp) after the restore
 */
#ifndef DMIP_FUZZ_STATE_H
#define DMIP_FUZZ_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FUZZ_STATE_WALL0	1700000000000ULL	/* the seeds' time */
#define FUZZ_STATE_MONO0	100000ULL
#define FUZZ_STATE_FLOOR	(0xE8754700ULL << 32)

struct fuzz_state_in {
	char		*buf;		/* malloc'd, exactly len bytes */
	size_t		 len;
	uint64_t	 wall_now, mono_now;
	bool		 floor;
};

/* Decode the control octet and build the file; false for an empty
 * input. Free in->buf afterwards. */
bool	fuzz_state_input(const uint8_t *data, size_t size,
	    struct fuzz_state_in *in);
/* Abort unless the two encodings hold the same records, whatever their
 * order (the tables iterate in no fixed order). */
void	fuzz_state_same_records(const char *what, const char *a,
	    size_t alen, const char *b, size_t blen);
/* The number of LF-terminated lines of buf. */
size_t	fuzz_state_lines(const char *buf, size_t len);

#endif /* DMIP_FUZZ_STATE_H */
