/*
 * ctlsock.h: the control socket of mnd, had and dhpd, read by dmipctl(8)
 * (STYLE.md "Config, logs, control"). A thin I/O edge: it turns request
 * lines into calls of registered handlers and their output into bytes.
 *
 * Protocol (stream Unix socket, mode 0660; see dmipctl(8)):
 *
 *   request  = ["json" SP] word *(SP word) LF	at most CTL_REQ_MAX bytes,
 *		words of printable ASCII (0x21-0x7e); CR LF is accepted,
 *		and so is a last request ended by EOF instead of LF
 *   response = ("ok" / "error") SP length LF body
 *		body is exactly length bytes. ok: the answer, as aligned
 *		text tables or (with "json") one JSON object and LF.
 *		error: a one-line message, never JSON.
 *
 * A connection may carry several requests; answers come in order. The
 * server closes it after EOF from the client once the answers are
 * written, after a malformed or oversize request (answered first), when
 * the answers waiting for a client that does not read exceed
 * CTL_OUT_MAX, or after CTL_IDLE_MS without progress.
 *
 * JSON answer: one object. Each ctl_kv() adds a member; each table adds
 * a member named after it whose value is an array with one object per
 * row, members named after the columns. A column or key declared with
 * the suffix ":n" holds a JSON number (null if the cell is not a valid
 * number), ":b" a boolean ("yes"/"true"/"on"/"1" or "no"/"false"/
 * "off"/"0"), otherwise a string. A NULL cell is null ("-" in text).
 */
#ifndef DMIP_CTLSOCK_H
#define DMIP_CTLSOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CTL_REQ_MAX		1024		/* request line, LF included */
#define CTL_OUT_MAX		(16u << 20)	/* unread answers per client */
#define CTL_CLIENTS_MAX		16
#define CTL_IDLE_MS		30000
#define CTL_HDR_MAX		32		/* "error 4294967295\n" */
#define CTL_WORDS_MAX		32		/* words per request */

struct evloop;
struct ctlsock;
struct ctl_out;

/* Flags of a command. */
#define CTL_F_PRIV	0x1	/* changes state: root or the socket's group */

/*
 * A handler answers through o; argv holds the words after the command's
 * name (argc may be 0). Return 0, or -1 after ctl_error() (a -1 without
 * it answers "command failed").
 */
typedef int (*ctl_fn)(struct ctl_out *o, int argc, char **argv, void *arg);

/*
 * Listen on path: its parent directory is created (0755) if missing, a
 * stale socket left by a dead daemon is replaced, a live one is not (an
 * error). The socket gets mode 0660 and, unless group is (gid_t)-1,
 * that group. Built-in commands: "help" and "log quiet|normal|verbose"
 * (CTL_F_PRIV). NULL with a message in err on failure.
 */
struct ctlsock	*ctlsock_open(struct evloop *, const char *path, gid_t group,
		    char *err, size_t errlen);
/* Drops the clients, closes, and unlinks path if it is still ours. */
void		 ctlsock_close(struct ctlsock *);

/* name is one or more words ("show bindings"); the longest registered
 * name that prefixes the request wins. Registering a name again
 * replaces it. 0, or -1 (ENOMEM, EINVAL). */
int	ctlsock_register(struct ctlsock *, const char *name, unsigned flags,
	    ctl_fn, void *arg);

/* Serve an already connected stream socket (tests, socketpair); the
 * server owns fd from now on, even on failure. 0 or -1. */
int	ctlsock_add_client(struct ctlsock *, int fd);
size_t	ctlsock_nclients(const struct ctlsock *);
/* Tighter limits for tests; 0 keeps a value. */
void	ctlsock_set_limits(struct ctlsock *, size_t out_max,
	    unsigned idle_ms, unsigned max_clients);

/* ---- answering (from handlers) ----------------------------------- */

/* Start a table; columns are names, optionally with ":n" or ":b". */
#define ctl_table(o, name, ...)						\
	ctl_table_v((o), (name), (const char *const[]){ __VA_ARGS__ },	\
	    sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(char *))
/* One row of the current table, a value (or NULL) per column. */
#define ctl_row(o, ...)							\
	ctl_row_v((o), (const char *const[]){ __VA_ARGS__ },		\
	    sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(char *))

void	ctl_table_v(struct ctl_out *, const char *name,
	    const char *const *cols, size_t ncols);
void	ctl_row_v(struct ctl_out *, const char *const *cells, size_t n);
/* A "key value" member; key may end in ":n" or ":b". */
void	ctl_kv(struct ctl_out *, const char *key, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Strings that live until the answer is sent, for cells. */
const char *ctl_fmt(struct ctl_out *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
const char *ctl_in6(struct ctl_out *, const void *in6_addr);
/* Turn the answer into an error; returns -1 for "return ctl_error()". */
int	ctl_error(struct ctl_out *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Who asked (SO_PEERCRED). */
uid_t	ctl_peer_uid(const struct ctl_out *);
pid_t	ctl_peer_pid(const struct ctl_out *);
/* For a command that changes state only with some arguments: 0 if the
 * peer is root, the socket's owner or in its group, else ctl_error(). */
int	ctl_require_priv(struct ctl_out *);

/* ---- one request line, without a socket (the server; fuzz/) ------- */

enum ctl_req_rc {
	CTL_REQ_OK = 0,		/* argv[0..argc) is a command and its words */
	CTL_REQ_EMPTY,		/* no words: no request, no answer */
	CTL_REQ_BAD_CHAR,	/* not printable ASCII: answered, then closed */
	CTL_REQ_TOO_MANY,	/* over CTL_WORDS_MAX words */
	CTL_REQ_NO_CMD,		/* "json" and nothing after it */
};

struct ctl_request {
	char	*argv[CTL_WORDS_MAX];	/* point into the line */
	size_t	 argc;			/* >= 1 when CTL_REQ_OK */
	int	 json;			/* the "json" prefix was there */
};

/*
 * Parse one request line of len bytes (its LF already gone; a last CR
 * is dropped): words of 0x21-0x7e separated by spaces or tabs, split in
 * place (line[len] must be writable and is set to NUL). Pure: the
 * server answers what it returns (ctl_request_strerror for the errors).
 */
enum ctl_req_rc	 ctl_request_parse(char *line, size_t len,
		    struct ctl_request *);
const char	*ctl_request_strerror(enum ctl_req_rc);

/* ---- the output model without a socket (unit tests) --------------- */

struct ctl_out	*ctl_out_new(void);
void		 ctl_out_free(struct ctl_out *);
void		 ctl_out_set_peer(struct ctl_out *, uid_t, pid_t, int priv);
/*
 * Render the answer as text or JSON into a malloc'd buffer of *len
 * bytes (NUL-terminated, not counted). NULL if it is an error (the
 * message in *errmsg), too large (> max) or out of memory.
 */
char	*ctl_out_render(struct ctl_out *, int json, size_t max, size_t *len,
	    const char **errmsg);

#endif /* DMIP_CTLSOCK_H */
