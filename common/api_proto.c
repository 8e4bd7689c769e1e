/*
 * api_proto.c: the libdmip <-> mnd messages (see api_proto.h). Stands
 * alone: the shared library compiles it without the rest of common/.
 */
#include <string.h>

#include "api_proto.h"

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | p[3];
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static size_t
type_len(uint8_t type)
{
	switch (type) {
	case API_GETSRC:
		return API_GETSRC_LEN;
	case API_GETSRC_REPLY:
		return API_REPLY_LEN;
	case API_SUBSCRIBE:
		return API_SUBSCRIBE_LEN;
	case API_SUBSCRIBE_REPLY:
		return API_SUB_REPLY_LEN;
	case API_EVENT:
		return API_EVENT_LEN;
	}
	return 0;
}

static int
parse_getsrc(const uint8_t *p, struct api_getsrc *q)
{
	q->type = p[8];
	q->flags = p[9];
	q->proto = p[10];
	q->dport = get16(p + 12);
	q->pid = get32(p + 16);
	memcpy(&q->cn, p + 20, sizeof(q->cn));
	if (p[11] != 0 || p[14] != 0 || p[15] != 0 || (q->flags & ~API_F_MASK))
		return API_E_RESERVED;
	if (q->type == 0 || q->type > API_TYPE_MAX)
		return API_E_VALUE;
	return 0;
}

static int
parse_reply(const uint8_t *p, struct api_reply *r)
{
	r->status = p[8];
	r->type = p[9];
	r->anchor = p[10];
	r->lifetime = get32(p + 12);
	memcpy(&r->addr, p + 16, sizeof(r->addr));
	if (p[11] != 0)
		return API_E_RESERVED;
	if (r->status > API_ST_MAX || r->type > API_TYPE_MAX ||
	    r->anchor > API_ANCHOR_MAX)
		return API_E_VALUE;
	/* An answer either grants an address of a type, or none. */
	if ((r->status == API_ST_OK) != (r->type != 0))
		return API_E_VALUE;
	return 0;
}

static int
parse_event(const uint8_t *p, struct api_event *e)
{
	e->event = p[8];
	e->type = p[9];
	e->seconds = get32(p + 12);
	memcpy(&e->addr, p + 16, sizeof(e->addr));
	if (p[10] != 0 || p[11] != 0)
		return API_E_RESERVED;
	if (e->event == 0 || e->event > API_EV_MAX || e->type == 0 ||
	    e->type > API_TYPE_MAX)
		return API_E_VALUE;
	return 0;
}

int
api_parse(const uint8_t *p, size_t len, struct api_msg *m)
{
	size_t want;

	memset(m, 0, sizeof(*m));
	if (p == NULL || len < API_HDR_LEN)
		return API_E_SHORT;
	if (p[0] != API_VERSION)
		return API_E_VERSION;
	if ((want = type_len(p[1])) == 0)
		return API_E_TYPE;
	if (get16(p + 2) != len || len != want)
		return len < want ? API_E_SHORT : API_E_LENGTH;
	m->type = p[1];
	m->id = get32(p + 4);
	switch (m->type) {
	case API_GETSRC:
		return parse_getsrc(p, &m->u.req);
	case API_GETSRC_REPLY:
		return parse_reply(p, &m->u.rep);
	case API_SUBSCRIBE_REPLY:
		m->u.status = p[8];
		if (p[9] != 0 || p[10] != 0 || p[11] != 0)
			return API_E_RESERVED;
		return m->u.status > API_ST_MAX ? API_E_VALUE : 0;
	case API_EVENT:
		return parse_event(p, &m->u.ev);
	}
	return 0;	/* SUBSCRIBE: the header is all */
}

int
api_parse_request(const uint8_t *p, size_t len, struct api_msg *m)
{
	int rc = api_parse(p, len, m);

	if (rc == 0 && m->type != API_GETSRC && m->type != API_SUBSCRIBE)
		return API_E_TYPE;
	return rc;
}

int
api_parse_answer(const uint8_t *p, size_t len, struct api_msg *m)
{
	int rc = api_parse(p, len, m);

	if (rc == 0 && m->type != API_GETSRC_REPLY &&
	    m->type != API_SUBSCRIBE_REPLY && m->type != API_EVENT)
		return API_E_TYPE;
	return rc;
}

ssize_t
api_build(const struct api_msg *m, uint8_t *buf, size_t cap)
{
	size_t len = type_len(m->type);

	if (len == 0)
		return API_E_TYPE;
	if (buf == NULL || cap < len)
		return API_E_BUF;
	memset(buf, 0, len);
	buf[0] = API_VERSION;
	buf[1] = m->type;
	put16(buf + 2, (uint16_t)len);
	put32(buf + 4, m->id);
	switch (m->type) {
	case API_GETSRC: {
		const struct api_getsrc *q = &m->u.req;

		if (q->type == 0 || q->type > API_TYPE_MAX ||
		    (q->flags & ~API_F_MASK))
			return API_E_VALUE;
		buf[8] = q->type;
		buf[9] = q->flags;
		buf[10] = q->proto;
		put16(buf + 12, q->dport);
		put32(buf + 16, q->pid);
		memcpy(buf + 20, &q->cn, sizeof(q->cn));
		break;
	}
	case API_GETSRC_REPLY: {
		const struct api_reply *r = &m->u.rep;

		if (r->status > API_ST_MAX || r->type > API_TYPE_MAX ||
		    r->anchor > API_ANCHOR_MAX ||
		    (r->status == API_ST_OK) != (r->type != 0))
			return API_E_VALUE;
		buf[8] = r->status;
		buf[9] = r->type;
		buf[10] = r->anchor;
		put32(buf + 12, r->lifetime);
		memcpy(buf + 16, &r->addr, sizeof(r->addr));
		break;
	}
	case API_SUBSCRIBE_REPLY:
		if (m->u.status > API_ST_MAX)
			return API_E_VALUE;
		buf[8] = m->u.status;
		break;
	case API_EVENT: {
		const struct api_event *e = &m->u.ev;

		if (e->event == 0 || e->event > API_EV_MAX || e->type == 0 ||
		    e->type > API_TYPE_MAX)
			return API_E_VALUE;
		buf[8] = e->event;
		buf[9] = e->type;
		put32(buf + 12, e->seconds);
		memcpy(buf + 16, &e->addr, sizeof(e->addr));
		break;
	}
	}
	return (ssize_t)len;
}

const char *
api_strerror(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case API_E_SHORT:
		return "message too short";
	case API_E_VERSION:
		return "unknown version";
	case API_E_TYPE:
		return "unexpected message type";
	case API_E_LENGTH:
		return "length does not match";
	case API_E_RESERVED:
		return "reserved field not zero";
	case API_E_VALUE:
		return "field out of range";
	case API_E_BUF:
		return "buffer too small";
	}
	return "unknown error";
}

const char *
api_status_name(uint8_t status)
{
	static const char *const n[] = { "ok", "not-supported", "failed",
	    "bad-request" };

	return status <= API_ST_MAX ? n[status] : "?";
}

const char *
api_anchor_name(uint8_t anchor)
{
	static const char *const n[] = { "none", "ha", "dhp", "access" };

	return anchor <= API_ANCHOR_MAX ? n[anchor] : "?";
}

const char *
api_type_name(uint8_t t)
{
	static const char *const n[] = { "none", "fixed", "session-lasting",
	    "non-persistent", "graceful-replacement" };

	return t <= API_TYPE_MAX ? n[t] : "?";
}
