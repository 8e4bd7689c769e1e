/* log.c: stderr or syslog logging with a run-time level (see log.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static int		 log_foreground = 1;
static enum log_level	 log_level = LOG_LVL_INFO;
static log_sink_fn	 log_sink;

void
log_init(const char *ident, int foreground, enum log_level lvl)
{
	log_foreground = foreground;
	log_level = lvl;
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

void
log_setlevel(enum log_level lvl)
{
	log_level = lvl;
}

enum log_level
log_getlevel(void)
{
	return log_level;
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
	log_sink = fn;
}

static void __attribute__((format(printf, 2, 0)))
vlog(int prio, const char *fmt, va_list ap, const char *suffix)
{
	char msg[1024];
	int n;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n >= 0 && suffix != NULL && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", suffix);
	if (log_sink != NULL)
		log_sink(prio, msg);
	if (log_foreground) {
		fprintf(stderr, "%s\n", msg);
		fflush(stderr);
	} else
		syslog(prio, "%s", msg);
}

void
log_warn(const char *fmt, ...)
{
	const char *e = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, e);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_LVL_INFO)
		return;
	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_LVL_DEBUG)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	const char *e = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, e);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
