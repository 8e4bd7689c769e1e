/*
 * ondemand_example.c: the usage example of seed 001 (draft-ietf-dmm-
 * ondemand-mobility, section 4) with its typos fixed, as a program:
 *
 *   ondemand_example [TYPE SERVER PORT [EVENT_SECS]]
 *
 * TYPE: session (the seed's IPV6_REQUIRE_SESSION_LASTING_IP), fixed,
 * nonpersistent or graceful (the sc_type names), or a number. It gets
 * an address with setsc(), binds to it, connects to [SERVER]:PORT and
 * copies what the server sends to stdout until EOF. With EVENT_SECS it
 * also subscribes to mnd's events first and reports them while it
 * reads (and EVENT_SECS more after EOF). On stderr, one line each:
 *
 *   setsc: ok <address>            | setsc: <EAI name> (<code>)
 *   bound: <address>
 *   connected
 *   event: grace-start <address> <seconds>
 *   done: <bytes> bytes
 *
 * Exit: 0 done, 2 setsc failed, 3 bind failed, 4 connect failed,
 * 5 read failed, 1 usage. The fixes to the seed's text: the header is
 * <netinet/in.h> (and <dmip/ondemand.h>); socket() fails with -1, not
 * != 0; the type is passed by value as an sc_type (the seed declares a
 * uint8_t, too small for the flag, and passes its address); sockaddr
 * member names (sin6_addr), the server's struct, the port in network
 * order, bind()'s and connect()'s casts and lengths, the semicolons.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <dmip/ondemand.h>

#define SERVER_IPV6_ADDRESS	"2001:db8:c1::1"
#define SERVER_PORT_NUM		5001

static const char *
eai_name(int rc)
{
	switch (rc) {
	case EAI_REQUIREDIPNOTSUPPORTED:
		return "EAI_REQUIREDIPNOTSUPPORTED";
	case EAI_REQUIREDIPFAILED:
		return "EAI_REQUIREDIPFAILED";
	}
	return rc == -1 ? strerror(errno) : "?";
}

static int
type_of(const char *s, sc_type *t)
{
	if (strcmp(s, "session") == 0)
		*t = IPV6_REQUIRE_SESSION_LASTING_IP;	/* the seed's */
	else if (strcmp(s, "fixed") == 0)
		*t = FIXED_IPV6_ADDRESS;
	else if (strcmp(s, "nonpersistent") == 0)
		*t = NON_PERSISTENT_IPV6_ADDRESS;
	else if (strcmp(s, "graceful") == 0)
		*t = GRACEFUL_REPLACEMENT_IPV6_ADDRESS;
	else
		*t = (sc_type)strtoul(s, NULL, 0);
	return 0;
}

static void
report_events(int evfd)
{
	struct dmip_event ev;
	char a[INET6_ADDRSTRLEN];

	while (dmip_next_event(&ev) == 1)
		if (ev.type == DMIP_EVENT_GRACE_START)
			fprintf(stderr, "event: grace-start %s %u\n",
			    inet_ntop(AF_INET6, &ev.addr, a, sizeof(a)),
			    ev.grace_s);
	(void)evfd;
}

/* The "application functionality": copy the server's bytes to stdout. */
static int
run(int s, int evfd, int linger_s)
{
	struct pollfd p[2] = { { .fd = s, .events = POLLIN },
	    { .fd = evfd, .events = POLLIN } };
	char buf[65536];
	unsigned long long total = 0;
	ssize_t n;

	for (;;) {
		if (poll(p, evfd >= 0 ? 2 : 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			return 5;
		}
		if (evfd >= 0 && (p[1].revents & POLLIN))
			report_events(evfd);
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if ((n = read(s, buf, sizeof(buf))) == 0)
			break;
		if (n < 0) {
			fprintf(stderr, "read: %s\n", strerror(errno));
			return 5;
		}
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			return 5;
		total += (unsigned long long)n;
	}
	fflush(stdout);
	fprintf(stderr, "done: %llu bytes\n", total);
	/* Events may come after the data (a handoff at the end). */
	for (int i = 0; evfd >= 0 && i < linger_s * 10; i++) {
		if (poll(&p[1], 1, 100) == 1)
			report_events(evfd);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	/* Socket information */
	int s;			/* Socket id */
	/* Source information (for setsc() and bind()) */
	struct sockaddr_in6 sourceInfo;	/* my address and port for bind() */
	struct in6_addr sourceAddress;	/* will contain the provisioned
					 * source IP address */
	sc_type addressType = IPV6_REQUIRE_SESSION_LASTING_IP;
					/* For requesting a Session-Lasting
					 * source IP address */
	/* Destination information (for connect()) */
	struct sockaddr_in6 serverInfo;	/* server info for connect() */
	const char *server = SERVER_IPV6_ADDRESS;
	int port = SERVER_PORT_NUM, evfd = -1, linger = 0, rc;
	char a[INET6_ADDRSTRLEN];

	if (argc != 1 && argc != 4 && argc != 5) {
		fprintf(stderr, "usage: %s [TYPE SERVER PORT [EVENT_SECS]]\n",
		    argv[0]);
		return 1;
	}
	if (argc >= 4) {
		type_of(argv[1], &addressType);
		server = argv[2];
		port = atoi(argv[3]);
	}
	if (argc == 5) {
		linger = atoi(argv[4]);
		if ((evfd = dmip_event_fd()) == -1)
			fprintf(stderr, "events: %s\n",
			    eai_name(dmip_last_error()));
	}

	/* Create an IPv6 TCP socket */
	s = socket(AF_INET6, SOCK_STREAM, 0);
	if (s < 0) {
		/* Handle socket creation error */
		perror("socket");
		return 1;
	}
	/* Socket creation is successful. The application cannot connect
	 * yet, since it wants to use a Session-Lasting source IP address:
	 * it needs to request the Session-Lasting source IP before
	 * connecting. */
	if ((rc = setsc(s, &sourceAddress, addressType)) == 0) {
		/* setting session continuity is successful: sourceAddress
		 * now contains the source IP address */
		fprintf(stderr, "setsc: ok %s\n", inet_ntop(AF_INET6,
		    &sourceAddress, a, sizeof(a)));

		/* Bind to that source IP address */
		memset(&sourceInfo, 0, sizeof(sourceInfo));
		sourceInfo.sin6_family = AF_INET6;
		sourceInfo.sin6_port = 0;	/* let the stack choose */
		sourceInfo.sin6_addr = sourceAddress;
		if (bind(s, (struct sockaddr *)&sourceInfo,
		    sizeof(sourceInfo)) == 0) {
			fprintf(stderr, "bound: %s\n", a);
			/* Set the desired server's information */
			memset(&serverInfo, 0, sizeof(serverInfo));
			serverInfo.sin6_family = AF_INET6;
			serverInfo.sin6_port = htons((uint16_t)port);
			if (inet_pton(AF_INET6, server,
			    &serverInfo.sin6_addr) != 1) {
				fprintf(stderr, "not an address: %s\n", server);
				close(s);
				return 1;
			}
			/* Connect to the server */
			if (connect(s, (struct sockaddr *)&serverInfo,
			    sizeof(serverInfo)) == 0) {
				/* connect successful (3-way handshake
				 * completed with the source address):
				 * continue application functionality */
				fprintf(stderr, "connected\n");
				rc = run(s, evfd, linger);
				close(s);
				return rc;
			}
			/* connect failed: close the socket */
			fprintf(stderr, "connect: %s\n", strerror(errno));
			close(s);
			return 4;
		}
		/* bind() failed */
		fprintf(stderr, "bind: %s\n", strerror(errno));
		close(s);
		return 3;
	}
	/* setsc() failed: the application may connect without the
	 * desired service, or close the socket (it closes it here). */
	fprintf(stderr, "setsc: %s (%d)\n", eai_name(rc), rc);
	close(s);
	return 2;
}
