/*
 * mkpcap.c: write Mobility Header packets built by dmip6's own codec
 * (mh_build, mh_auth_sign, mh_csum_set) into classic libpcap files, so
 * that an independent decoder (tshark, tests/tshark_check.sh) can check
 * them field by field.
 *
 * usage: mkpcap std.pcap dmip.pcap
 *
 * std.pcap holds only standard messages and options (RFC 6275, 4283,
 * 4285, 5213), which Wireshark knows; dmip.pcap holds the six DMIPv6
 * messages (PROTOCOL.md B.11), which it can only show as unknown types.
 * For every packet, stdout gets one line per value we encoded:
 *	<file> <frame> <tshark field> <expected value>
 * The values come from the input structures, not from the bytes, so a
 * codec that encodes a field wrongly disagrees with what tshark reads.
 * Exceptions, marked in the code: the checksum, Header Len and the MAC,
 * which only the codec can compute (the test script checks the checksum
 * and the MAC again with its own arithmetic). Fields ending in ".raw"
 * are compared as bytes; "auth.*" lines feed the MAC recomputation.
 */
#include <arpa/inet.h>
#include <err.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "dmip_proto.h"
#include "inet_csum.h"
#include "mh.h"

#define LINKTYPE_RAW	101	/* raw IPv4/IPv6, version from the packet */
#define IP6_HLEN	40
#define HOP_LIMIT	64
#define TS_BASE		1700000000u	/* pcap timestamps, arbitrary */

/*
 * Timestamps with non-zero fractions, so that a decoder that drops the
 * low word is caught. MESG-ID is NTP format (RFC 4285 6, B.8). The
 * RFC 5213 8.8 Timestamp is NOT NTP: 48-bit seconds since 1970 and a
 * 16-bit 1/65536 fraction (PROTOCOL.md B.2 says NTP; reported).
 */
#define MESGID_TS	0xE875470080000000ull	/* 2023-08-02 + 0.5 s */
#define PMIP_TS		0x00006553F1004000ull	/* 1700000000 + 0.25 s */

#define SPI_SHA256	4096
#define SPI_SHA1	4097
#define NAI		"mn1@dmip.example"

struct pcap_out {
	FILE		*fp;
	const char	*tag;		/* "std" or "dmip" */
	const char	*path;
	unsigned	 frame;		/* last frame written, 1-based */
};

struct pkt {
	struct mh_msg		 m;
	const struct in6_addr	*src;
	const struct in6_addr	*dst;
	const struct mh_sa	*sa;	/* NULL: no AUTH */
};

static struct in6_addr	coa, hoa, ha, dhp, cn, dhoa, hnp;
static struct mh_sa	sa256, sa1;

/* ---- output ------------------------------------------------------- */

static void expect(const struct pcap_out *, const char *, const char *, ...)
	__attribute__((format(printf, 3, 4)));

static void
expect(const struct pcap_out *o, const char *field, const char *fmt, ...)
{
	va_list ap;

	printf("%s %u %s ", o->tag, o->frame, field);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void
expect_addr(const struct pcap_out *o, const char *field,
    const struct in6_addr *a)
{
	char s[INET6_ADDRSTRLEN];

	if (inet_ntop(AF_INET6, a, s, sizeof(s)) == NULL)
		err(1, "inet_ntop");
	expect(o, field, "%s", s);
}

static void
expect_hex(const struct pcap_out *o, const char *field, const uint8_t *p,
    size_t len)
{
	char s[2 * MH_MAX_LEN + 1];
	size_t i;

	if (len > MH_MAX_LEN)
		errx(1, "expect_hex: %zu bytes", len);
	for (i = 0; i < len; i++)
		snprintf(s + 2 * i, 3, "%02x", p[i]);
	s[2 * len] = '\0';
	expect(o, field, "%s", s);
}

static void
put_le(uint8_t *p, uint32_t v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Classic libpcap, written little-endian byte by byte so the file is
 * the same on every host (readers detect the order from the magic). */
static void
pcap_open(struct pcap_out *o, const char *path, const char *tag)
{
	uint8_t gh[24];

	o->path = path;
	o->tag = tag;
	o->frame = 0;
	if ((o->fp = fopen(path, "wb")) == NULL)
		err(1, "%s", path);
	put_le(gh, 0xa1b2c3d4u, 4);	/* magic, microseconds */
	put_le(gh + 4, 2, 2);		/* version 2.4 */
	put_le(gh + 6, 4, 2);
	put_le(gh + 8, 0, 4);		/* thiszone */
	put_le(gh + 12, 0, 4);		/* sigfigs */
	put_le(gh + 16, 65535, 4);	/* snaplen */
	put_le(gh + 20, LINKTYPE_RAW, 4);
	if (fwrite(gh, sizeof(gh), 1, o->fp) != 1)
		err(1, "%s", path);
}

static void
pcap_close(struct pcap_out *o)
{
	if (fclose(o->fp) != 0)
		err(1, "%s", o->path);
	o->fp = NULL;
}

/* One record: IPv6 header (RFC 8200 3) with Next Header 135, then MH. */
static void
pcap_write(struct pcap_out *o, const struct pkt *p, const uint8_t *mh,
    size_t len)
{
	uint8_t rec[16 + IP6_HLEN];
	uint8_t *ip = rec + 16;

	memset(rec, 0, sizeof(rec));
	put_le(rec, TS_BASE + o->frame, 4);
	put_le(rec + 4, 0, 4);
	put_le(rec + 8, (uint32_t)(IP6_HLEN + len), 4);	/* incl_len */
	put_le(rec + 12, (uint32_t)(IP6_HLEN + len), 4);	/* orig_len */
	ip[0] = 0x60;				/* version 6, TC 0, flow 0 */
	be16_put(ip + 4, (uint16_t)len);	/* payload length */
	ip[6] = IPPROTO_MH_NUM;
	ip[7] = HOP_LIMIT;
	memcpy(ip + 8, p->src, 16);
	memcpy(ip + 24, p->dst, 16);
	if (fwrite(rec, sizeof(rec), 1, o->fp) != 1 ||
	    fwrite(mh, len, 1, o->fp) != 1)
		err(1, "%s", o->path);
}

/* ---- expectations per message ------------------------------------- */

static void
expect_ip_mh(const struct pcap_out *o, const struct pkt *p,
    const uint8_t *mh, size_t len)
{
	expect(o, "ipv6.plen", "%zu", len);
	expect(o, "ipv6.nxt", "%d", IPPROTO_MH_NUM);
	expect(o, "ipv6.hlim", "%d", HOP_LIMIT);
	expect_addr(o, "ipv6.src", p->src);
	expect_addr(o, "ipv6.dst", p->dst);
	expect(o, "mip6.proto", "%d", MH_PAYLOAD_PROTO);
	expect(o, "mip6.mhtype", "%u", p->m.type);
	/* codec output: Header Len (B.1) and the checksum */
	expect(o, "mip6.hlen", "%zu", len / MH_UNIT - 1);
	expect(o, "mip6.csum", "0x%04x", be16_get(mh + MH_CSUM_OFF));
}

static void
expect_bu(const struct pcap_out *o, const struct mh_bu *bu)
{
	expect(o, "mip6.bu.seqnr", "%u", bu->seq);
	expect(o, "mip6.bu.a_flag", "%d", (bu->flags & BU_F_A) != 0);
	expect(o, "mip6.bu.h_flag", "%d", (bu->flags & BU_F_H) != 0);
	expect(o, "mip6.bu.l_flag", "%d", (bu->flags & BU_F_L) != 0);
	expect(o, "mip6.bu.k_flag", "%d", (bu->flags & BU_F_K) != 0);
	expect(o, "mip6.bu.m_flag", "%d", (bu->flags & BU_F_M) != 0);
	expect(o, "mip6.nemo.bu.r_flag", "%d", (bu->flags & BU_F_R) != 0);
	expect(o, "mip6.bu.p_flag", "%d", (bu->flags & BU_F_P) != 0);
	expect(o, "mip6.bu.f_flag", "%d", (bu->flags & BU_F_F) != 0);
	expect(o, "mip6.bu.t_flag", "%d", (bu->flags & BU_F_T) != 0);
	expect(o, "mip6.bu.lifetime", "%u", bu->lifetime);
}

static void
expect_ba(const struct pcap_out *o, const struct mh_ba *ba)
{
	expect(o, "mip6.ba.status", "%u", ba->status);
	expect(o, "mip6.ba.k_flag", "%d", (ba->flags & BA_F_K) != 0);
	expect(o, "mip6.nemo.ba.r_flag", "%d", (ba->flags & BA_F_R) != 0);
	expect(o, "mip6.ba.p_flag", "%d", (ba->flags & BA_F_P) != 0);
	expect(o, "mip6.ba.seqnr", "%u", ba->seq);
	expect(o, "mip6.ba.lifetime", "%u", ba->lifetime);
}

static void
expect_body(const struct pcap_out *o, const struct mh_msg *m)
{
	switch (m->type) {
	case MH_TYPE_BU:
		expect_bu(o, &m->u.bu);
		break;
	case MH_TYPE_BA:
		expect_ba(o, &m->u.ba);
		break;
	case MH_TYPE_BE:
		expect(o, "mip6.be.status", "%u", m->u.be.status);
		expect_addr(o, "mip6.be.haddr", &m->u.be.hoa);
		break;
	default:
		break;	/* BRR has no fields */
	}
}

static void
expect_pmip_opts(const struct pcap_out *o, const struct mh_opts *op)
{
	unsigned i;

	for (i = 0; i < op->n_hnp; i++) {
		/* Wireshark decodes HNP (22) with its NEMO MNP fields */
		expect(o, "mip6.nemo.mnp.pfl", "%u", op->hnp[i].plen);
		expect_addr(o, "mip6.nemo.mnp.mnp", &op->hnp[i].prefix);
	}
	if (op->present & MHO_HI)
		expect(o, "mip6.hi", "%u", op->hi);
	if (op->present & MHO_ATT)
		expect(o, "mip6.att", "%u", op->att);
	if (op->present & MHO_TIMESTAMP)
		expect(o, "mip6.timestamp_tmp.raw", "%016llx",
		    (unsigned long long)op->timestamp);
}

/*
 * "auth.*" lines are not tshark fields: they tell the script where the
 * MAC input ends (CoA || HoA || MH[0 .. SPI end), B.8), which SA signed
 * it, and the MAC our auth.c wrote, so it can recompute the MAC with
 * openssl from the raw packet.
 */
static void
expect_auth_raw(const struct pcap_out *o, const struct mh_opts *op,
    const uint8_t *mh, size_t len, size_t aoff)
{
	size_t mac_off = aoff + 7;	/* type, len, subtype, SPI */

	if (mac_off + op->auth_mac_len > len)
		errx(1, "AUTH option past the end of the MH");
	expect(o, "auth.spi", "%u", op->auth_spi);
	expect(o, "auth.covered", "%zu", mac_off);
	expect_hex(o, "auth.mac", mh + mac_off, op->auth_mac_len);
}

static void
expect_auth(const struct pcap_out *o, const struct mh_opts *op,
    const uint8_t *mh, size_t aoff)
{
	expect(o, "mip6.auth.subtype", "%u", op->auth_subtype);
	expect(o, "mip6.auth.mobility_spi", "%u", op->auth_spi);
	/* codec output (auth.c); the script recomputes it with openssl */
	expect_hex(o, "mip6.auth.auth_data", mh + aoff + 7, op->auth_mac_len);
}

/* Options as tshark decodes them: only inside the messages it knows. */
static void
expect_opts(const struct pcap_out *o, const struct mh_opts *op,
    const uint8_t *mh, size_t aoff)
{
	if (op->present & MHO_BRA)
		expect(o, "mip6.bra.interval", "%u", op->bra);
	if (op->present & MHO_ALTCOA)
		expect_addr(o, "mip6.acoa.acoa", &op->altcoa);
	if (op->present & MHO_MNID) {
		expect(o, "mip6.mnid.subtype", "%u", op->mnid_subtype);
		expect(o, "mip6.mnid.identifier", "%.*s", (int)op->mnid_len,
		    (const char *)op->mnid);
	}
	expect_pmip_opts(o, op);
	if (op->present & MHO_MESGID)
		expect(o, "mip6.mseg_id.timestamp.raw", "%016llx",
		    (unsigned long long)op->mesgid);
	if (op->present & MHO_AUTH)
		expect_auth(o, op, mh, aoff);
}

/* Build, sign, checksum, write, and say what a decoder must see. */
static void
emit(struct pcap_out *o, const struct pkt *p)
{
	uint8_t mh[MH_MAX_LEN];
	size_t aoff = 0;
	ssize_t n;

	if ((n = mh_build(&p->m, mh, sizeof(mh), &aoff)) < 0)
		errx(1, "%s frame %u: mh_build: %s", o->tag, o->frame + 1,
		    mh_strerror((int)n));
	if (p->sa != NULL && (aoff == 0 ||
	    mh_auth_sign(mh, (size_t)n, aoff, p->sa, &coa, &hoa) != 0))
		errx(1, "%s frame %u: mh_auth_sign failed", o->tag,
		    o->frame + 1);
	mh_csum_set(mh, (size_t)n, p->src, p->dst);
	pcap_write(o, p, mh, (size_t)n);
	o->frame++;
	expect_ip_mh(o, p, mh, (size_t)n);
	if (p->m.type < MH_TYPE_DHP_QUERY) {
		expect_body(o, &p->m);
		expect_opts(o, &p->m.opt, mh, aoff);
	}
	if (p->m.opt.present & MHO_AUTH)
		expect_auth_raw(o, &p->m.opt, mh, (size_t)n, aoff);
}

/* ---- the packets -------------------------------------------------- */

static void
pkt_init(struct pkt *p, uint8_t type, const struct in6_addr *src,
    const struct in6_addr *dst)
{
	memset(p, 0, sizeof(*p));
	p->m.type = type;
	p->src = src;
	p->dst = dst;
}

/* MESG-ID then AUTH (B.8, B.11.1), keyed by sa. */
static void
pkt_secure(struct pkt *p, const struct mh_sa *sa)
{
	p->m.opt.present |= MHO_MESGID | MHO_AUTH;
	p->m.opt.mesgid = MESGID_TS;
	p->m.opt.auth_subtype = AUTH_SUBTYPE_MN_HA;
	p->m.opt.auth_spi = sa->spi;
	p->m.opt.auth_mac_len = (uint8_t)auth_alg_mac_len(sa->alg);
	p->sa = sa;
}

static void
pkt_mnid(struct pkt *p)
{
	p->m.opt.present |= MHO_MNID;
	p->m.opt.mnid_subtype = MNID_SUBTYPE_NAI;
	p->m.opt.mnid_len = (uint8_t)strlen(NAI);
	memcpy(p->m.opt.mnid, NAI, strlen(NAI));
}

/* Home registration BU (B.3) from the CoA to the HA. */
static void
pkt_bu(struct pkt *p, uint16_t seq, const struct mh_sa *sa)
{
	pkt_init(p, MH_TYPE_BU, &coa, &ha);
	p->m.u.bu.seq = seq;
	p->m.u.bu.flags = BU_F_A | BU_F_H;
	p->m.u.bu.lifetime = 150;
	p->m.opt.present |= MHO_ALTCOA;
	p->m.opt.altcoa = coa;	/* B.2: the CoA itself */
	pkt_mnid(p);
	pkt_secure(p, sa);
}

static void
pkt_ba(struct pkt *p, uint8_t status, uint16_t lifetime)
{
	pkt_init(p, MH_TYPE_BA, &ha, &coa);
	p->m.u.ba.status = status;
	p->m.u.ba.seq = 1;
	p->m.u.ba.lifetime = lifetime;
}

/* PBU (B.10) from the MAG (our CoA) to the LMA (our HA), and its PBA. */
static void
pkt_pmip(struct pkt *p, int ack)
{
	if (ack) {
		pkt_ba(p, BA_STATUS_ACCEPTED, 150);
		p->m.u.ba.seq = 7;
		p->m.u.ba.flags = BA_F_P;
	} else {
		pkt_init(p, MH_TYPE_BU, &coa, &ha);
		p->m.u.bu.seq = 7;
		p->m.u.bu.flags = BU_F_A | BU_F_H | BU_F_P;
		p->m.u.bu.lifetime = 150;
	}
	pkt_mnid(p);
	p->m.opt.n_hnp = 1;
	p->m.opt.hnp[0].plen = 64;
	p->m.opt.hnp[0].prefix = hnp;
	p->m.opt.present |= MHO_HI | MHO_ATT | MHO_TIMESTAMP;
	p->m.opt.hi = HI_NEW_IFACE;
	p->m.opt.att = ATT_IEEE80211;
	p->m.opt.timestamp = PMIP_TS;
}

static void
write_std(struct pcap_out *o)
{
	struct pkt p;

	pkt_bu(&p, 1, &sa256);				/* 1 BU */
	emit(o, &p);
	pkt_ba(&p, BA_STATUS_ACCEPTED, 150);		/* 2 BA */
	p.m.opt.present |= MHO_BRA;
	p.m.opt.bra = 120 / BRA_UNIT;
	pkt_secure(&p, &sa256);
	emit(o, &p);
	pkt_ba(&p, BA_STATUS_AUTH_FAIL, 0);		/* 3 BA 146 */
	emit(o, &p);
	pkt_init(&p, MH_TYPE_BRR, &ha, &coa);		/* 4 BRR */
	emit(o, &p);
	pkt_init(&p, MH_TYPE_BE, &ha, &coa);		/* 5 BE */
	p.m.u.be.status = BE_STATUS_UNKNOWN_MH;
	p.m.u.be.hoa = hoa;
	emit(o, &p);
	pkt_pmip(&p, 0);				/* 6 PBU */
	emit(o, &p);
	pkt_pmip(&p, 1);				/* 7 PBA */
	emit(o, &p);
	pkt_bu(&p, 2, &sa1);				/* 8 BU, SHA1 */
	emit(o, &p);
}

static void
write_dmip_queries(struct pcap_out *o)
{
	struct pkt p;

	pkt_init(&p, MH_TYPE_DHP_QUERY, &coa, &ha);
	p.m.u.dq.seq = 10;
	p.m.u.dq.flags = DHP_QUERY_F_I;
	p.m.u.dq.max_cand = 4;
	p.m.u.dq.cn = cn;
	p.m.opt.present = MHO_HOA;
	p.m.opt.hoa = hoa;
	p.m.opt.n_flow = 1;
	p.m.opt.flow[0] = (struct mh_flow_desc){ 6, CONT_SESSION_LASTING,
	    40000, 443, cn };
	pkt_secure(&p, &sa256);
	emit(o, &p);
	pkt_init(&p, MH_TYPE_DHP_REPLY, &ha, &coa);
	p.m.u.dr.seq = 10;
	p.m.u.dr.validity = 75;
	p.m.u.dr.cn = cn;
	p.m.opt.n_cand = 2;
	p.m.opt.cand[0] = (struct mh_dhp_cand){ 200, DHP_CAND_F_COLOCATED,
	    3, dhp };
	p.m.opt.cand[1] = (struct mh_dhp_cand){ 100, 0, 0xFFFF, ha };
	pkt_secure(&p, &sa256);
	emit(o, &p);
}

static void
write_dmip_dhoa(struct pcap_out *o)
{
	struct pkt p;

	pkt_init(&p, MH_TYPE_DHOA_REQ, &coa, &dhp);
	p.m.u.dreq.seq = 11;
	p.m.u.dreq.cont_type = CONT_FIXED;
	p.m.u.dreq.lifetime = 150;
	p.m.u.dreq.hoa = hoa;
	p.m.u.dreq.coa = coa;
	pkt_mnid(&p);
	pkt_secure(&p, &sa256);
	emit(o, &p);
	pkt_init(&p, MH_TYPE_DHOA_RESP, &dhp, &coa);
	p.m.u.dresp.seq = 11;
	p.m.u.dresp.lifetime = 150;
	p.m.u.dresp.plen = 128;
	p.m.u.dresp.dhoa = dhoa;
	p.m.opt.present = MHO_BRA;
	p.m.opt.bra = 120 / BRA_UNIT;
	pkt_secure(&p, &sa256);
	emit(o, &p);
}

static void
write_dmip_binding(struct pcap_out *o)
{
	struct pkt p;

	pkt_init(&p, MH_TYPE_DHP_BU, &coa, &dhp);
	p.m.u.dbu.seq = 12;
	p.m.u.dbu.flags = DHP_BU_F_A;
	p.m.u.dbu.lifetime = 75;
	p.m.u.dbu.dhoa = dhoa;
	p.m.u.dbu.coa = coa;
	p.m.opt.present = MHO_HOA;
	p.m.opt.hoa = hoa;
	pkt_secure(&p, &sa256);
	emit(o, &p);
	pkt_init(&p, MH_TYPE_DHP_BC, &dhp, &coa);
	p.m.u.dbc.seq = 12;
	p.m.u.dbc.lifetime = 75;
	p.m.u.dbc.dhoa = dhoa;
	pkt_secure(&p, &sa256);
	emit(o, &p);
}

/* ---- setup -------------------------------------------------------- */

static void
addr(struct in6_addr *a, const char *s)
{
	if (inet_pton(AF_INET6, s, a) != 1)
		errx(1, "bad address %s", s);
}

/* The B.8 test-vector keys: 01 02 .. 20 and 01 02 .. 10. */
static void
sa_setup(struct mh_sa *sa, uint32_t spi, enum auth_alg alg)
{
	uint8_t key[AUTH_KEY_MAX];
	size_t i, klen = auth_alg_key_len(alg);

	if (klen == 0 || klen > sizeof(key))
		errx(1, "%s: bad key length %zu", auth_alg_name(alg), klen);
	for (i = 0; i < klen; i++)
		key[i] = (uint8_t)(i + 1);
	if (sa_init(sa, spi, alg, key, klen) != 0)
		err(1, "sa_init %s", auth_alg_name(alg));
}

static void
setup(void)
{
	addr(&coa, "2001:db8:2::100");
	addr(&hoa, "2001:db8:10::100");
	addr(&ha, "2001:db8:f::10");
	addr(&dhp, "2001:db8:d::1");
	addr(&cn, "2001:db8:c::80");
	addr(&dhoa, "2001:db8:d:1::42");
	addr(&hnp, "2001:db8:10::");
	sa_setup(&sa256, SPI_SHA256, AUTH_ALG_HMAC_SHA256_128);
	sa_setup(&sa1, SPI_SHA1, AUTH_ALG_HMAC_SHA1_96);
}

int
main(int argc, char *argv[])
{
	struct pcap_out o;

	if (argc != 3) {
		fprintf(stderr, "usage: mkpcap std.pcap dmip.pcap\n");
		return 2;
	}
	setup();
	pcap_open(&o, argv[1], "std");
	write_std(&o);
	pcap_close(&o);
	pcap_open(&o, argv[2], "dmip");
	write_dmip_queries(&o);
	write_dmip_dhoa(&o);
	write_dmip_binding(&o);
	pcap_close(&o);
	sa_clear(&sa256);
	sa_clear(&sa1);
	if (fflush(stdout) != 0 || ferror(stdout))
		err(1, "stdout");
	return 0;
}
