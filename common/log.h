/*
 * log.h: the one logging API (STYLE.md). stderr in the foreground,
 * syslog otherwise; verbosity changes at run time.
 */
#ifndef DMIP_LOG_H
#define DMIP_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LVL_WARN = 0,	/* warnings and errors only */
	LOG_LVL_INFO,		/* normal */
	LOG_LVL_DEBUG,		/* verbose */
};

/* foreground: log to stderr; otherwise syslog with ident. */
void	log_init(const char *ident, int foreground, enum log_level);
void	log_setlevel(enum log_level);
enum log_level log_getlevel(void);
const char *log_level_name(enum log_level);

/* log_warn appends ": strerror(errno)"; the x variants do not. */
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Log at error level and exit(1). */
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* Test hook: when set, every message is also passed here. */
typedef void (*log_sink_fn)(int prio, const char *msg);
void	log_set_sink(log_sink_fn);

#endif /* DMIP_LOG_H */
