/*
 * fuzz_log.c: log.h for the fuzz targets, replacing common/log.c.
 *
 * log.c writes every warning to stderr (or syslog), whatever the level,
 * and a fuzzer feeding a config loader or the HA engine millions of bad
 * inputs would drown its own report in them. This file defines every
 * function of log.h, so the linker never pulls log.o out of the
 * library (a symbol missing here would pull it and fail the link with
 * duplicate definitions, loudly). Messages are still formatted with
 * vsnprintf, at every level, so a bad format argument is still caught
 * by the sanitizers; they are printed only when FUZZ_LOG is set
 * (FUZZ_LOG=1: warnings and info, FUZZ_LOG=2: debug too).
 *
 * fatal()/fatalx() mean a broken internal invariant (STYLE.md), which
 * is a finding: they abort so that libFuzzer keeps the input.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "log.h"

static enum log_level	 level = LOG_LVL_WARN;
static log_sink_fn	 sink;
static unsigned long	 count;
static int		 show = -1;	/* from FUZZ_LOG, read once */

unsigned long
fuzz_log_count(void)
{
	return count;
}

static void vlog(int, int, const char *, va_list, const char *)
    __attribute__((format(printf, 3, 0)));

static void
vlog(int prio, int lvl, const char *fmt, va_list ap, const char *suffix)
{
	char msg[1024];
	int n;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n >= 0 && suffix != NULL && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", suffix);
	count++;
	if (sink != NULL)
		sink(prio, msg);
	if (show == -1) {
		const char *e = getenv("FUZZ_LOG");

		show = e != NULL ? atoi(e) : 0;
	}
	if (show > 0 && lvl <= show)
		fprintf(stderr, "log: %s\n", msg);
}

void
log_init(const char *ident, int foreground, enum log_level lvl)
{
	(void)ident;
	(void)foreground;
	level = lvl;
}

void
log_setlevel(enum log_level lvl)
{
	level = lvl;
}

enum log_level
log_getlevel(void)
{
	return level;
}

const char *
log_level_name(enum log_level lvl)
{
	switch (lvl) {
	case LOG_LVL_WARN:
		return "quiet";
	case LOG_LVL_INFO:
		return "normal";
	case LOG_LVL_DEBUG:
		return "verbose";
	}
	return "?";
}

void
log_set_sink(log_sink_fn fn)
{
	sink = fn;
}

void
log_warn(const char *fmt, ...)
{
	const char *e = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vlog(4, LOG_LVL_WARN, fmt, ap, e);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(4, LOG_LVL_WARN, fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(6, LOG_LVL_INFO, fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(7, LOG_LVL_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	const char *e = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	fputs("fatal: ", stderr);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, ": %s\n", e);
	va_end(ap);
	abort();
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("fatalx: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs("\n", stderr);
	va_end(ap);
	abort();
}
