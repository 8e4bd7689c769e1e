/*
 * dmip_proto.h: every protocol number dmip6 uses, in one place.
 *
 * Source of truth: shared/spec/PROTOCOL.md. Section references are to
 * that document unless an RFC is named. Values marked [P] are dmip6's
 * own (the drafts leave them TBD); the others come from RFCs/IANA.
 */
#ifndef DMIP_PROTO_H
#define DMIP_PROTO_H

#include <stdint.h>

/* ---- B.1 Mobility Header ------------------------------------------ */
#define IPPROTO_MH_NUM		135	/* IPv6 Next Header for MH */
#define MH_PAYLOAD_PROTO	59	/* IPPROTO_NONE: no piggybacking */
#define MH_HDR_LEN		6	/* proto, hlen, type, rsv, csum */
#define MH_CSUM_OFF		4	/* checksum offset (IPV6_CHECKSUM) */
#define MH_UNIT			8	/* Header Len unit, octets */
#define MH_MAX_LEN		((255 + 1) * MH_UNIT)	/* 2048 octets */

/* MH types (RFC 6275 6.1, RFC 5213; B.11.1 for 200..205 [P]) */
#define MH_TYPE_BRR		0	/* Binding Refresh Request */
#define MH_TYPE_HOTI		1
#define MH_TYPE_COTI		2
#define MH_TYPE_HOT		3
#define MH_TYPE_COT		4
#define MH_TYPE_BU		5	/* Binding Update (and PBU, P=1) */
#define MH_TYPE_BA		6	/* Binding Ack (and PBA, P=1) */
#define MH_TYPE_BE		7	/* Binding Error */
#define MH_TYPE_EXPERIMENTAL	11	/* RFC 5096 */
#define MH_TYPE_DHP_QUERY	200	/* [P] MN -> directory (HA) */
#define MH_TYPE_DHP_REPLY	201	/* [P] directory -> MN */
#define MH_TYPE_DHOA_REQ	202	/* [P] MN -> DHP */
#define MH_TYPE_DHOA_RESP	203	/* [P] DHP -> MN */
#define MH_TYPE_DHP_BU		204	/* [P] MN -> DHP */
#define MH_TYPE_DHP_BC		205	/* [P] DHP -> MN */

/* Fixed part lengths, from MH start, options follow (B.3..B.11) */
#define MH_LEN_BRR		8
#define MH_LEN_BU		12
#define MH_LEN_BA		12
#define MH_LEN_BE		24
#define MH_LEN_DHP_QUERY	32
#define MH_LEN_DHP_REPLY	32
#define MH_LEN_DHOA_REQ		64
#define MH_LEN_DHOA_RESP	48
#define MH_LEN_DHP_BU		48
#define MH_LEN_DHP_BC		32

/* BU flags, 16-bit word at offset 8 (B.3) */
#define BU_F_A			0x8000	/* ack requested */
#define BU_F_H			0x4000	/* home registration */
#define BU_F_L			0x2000	/* link-local compatibility */
#define BU_F_K			0x1000	/* key management mobility */
#define BU_F_M			0x0800	/* HMIPv6 MAP */
#define BU_F_R			0x0400	/* NEMO mobile router */
#define BU_F_P			0x0200	/* proxy registration (RFC 5213) */
#define BU_F_F			0x0100	/* force UDP encap (RFC 5555) */
#define BU_F_T			0x0080	/* TLV-header GRE (RFC 5845) */

/* BA flags, octet at offset 7 (B.4) */
#define BA_F_K			0x80
#define BA_F_R			0x40
#define BA_F_P			0x20

/* DMIPv6 message flags [P] (B.11) */
#define DHP_QUERY_F_I		0x80	/* CN-initiated flow */
#define DHOA_F_B		0x80	/* "bind now" (request and response) */
#define DHP_BU_F_A		0x80	/* confirmation requested */
#define DHP_BU_F_R		0x40	/* release the lease too */
#define DHP_CAND_F_COLOCATED	0x80	/* DHP co-located with current AR */

/* Binding Error status (B.6) */
#define BE_STATUS_UNKNOWN_HAO	1
#define BE_STATUS_UNKNOWN_MH	2

/* ---- B.2 Mobility options ----------------------------------------- */
#define MHOPT_PAD1		0
#define MHOPT_PADN		1
#define MHOPT_BRA		2	/* Binding Refresh Advice, 2n */
#define MHOPT_ALTCOA		3	/* Alternate CoA, 8n+6 */
#define MHOPT_NONCE_IDX		4
#define MHOPT_BAD		5	/* Binding Authorization Data */
#define MHOPT_MNID		8	/* RFC 4283 */
#define MHOPT_AUTH		9	/* RFC 4285 MN-HA auth */
#define MHOPT_MESGID		10	/* RFC 4285 replay protection */
#define MHOPT_EXPERIMENTAL	18	/* RFC 5096 */
#define MHOPT_HNP		22	/* RFC 5213 Home Network Prefix, 8n+4 */
#define MHOPT_HI		23	/* RFC 5213 Handoff Indicator */
#define MHOPT_ATT		24	/* RFC 5213 Access Technology Type */
#define MHOPT_MN_LLID		25
#define MHOPT_LLADDR		26
#define MHOPT_TIMESTAMP		27	/* RFC 5213, 8n+2 */
#define MHOPT_HOA		200	/* [P] Home Address, 8n+6 */
#define MHOPT_DHP_CAND		201	/* [P] DHP Candidate, 8n+2 */
#define MHOPT_FLOW_DESC		202	/* [P] Flow Descriptor, 8n */
#define MHOPT_ANCHOR_HINT	203	/* [P] Anchor Hint, 8n+4 */

/* Exact option data lengths (excluding type and length octets) */
#define MHOPT_LEN_BRA		2
#define MHOPT_LEN_ALTCOA	16
#define MHOPT_LEN_NONCE_IDX	4
#define MHOPT_LEN_BAD		12
#define MHOPT_LEN_MESGID	8
#define MHOPT_LEN_HNP		18
#define MHOPT_LEN_HI		2
#define MHOPT_LEN_ATT		2
#define MHOPT_LEN_LLADDR	16
#define MHOPT_LEN_TIMESTAMP	8
#define MHOPT_LEN_HOA		16
#define MHOPT_LEN_DHP_CAND	20
#define MHOPT_LEN_FLOW_DESC	22
#define MHOPT_LEN_ANCHOR_HINT	18

#define MNID_SUBTYPE_NAI	1	/* RFC 4283 */
#define AUTH_SUBTYPE_MN_HA	1	/* RFC 4285 */
#define AUTH_SUBTYPE_MN_AAA	2
#define AUTH_SPI_MIN		256	/* SPIs 0..255 are reserved */

/* ---- B.10 PMIPv6 values ------------------------------------------- */
#define HI_RESERVED		0
#define HI_NEW_IFACE		1
#define HI_HANDOFF_IFACES	2
#define HI_HANDOFF_MAGS		3
#define HI_UNKNOWN		4
#define HI_NOT_CHANGED		5
#define ATT_VIRTUAL		1
#define ATT_PPP			2
#define ATT_IEEE8023		3
#define ATT_IEEE80211		4
#define ATT_IEEE80216E		5
#define ATT_3GPP_GERAN		6
#define ATT_3GPP_UTRAN		7
#define ATT_3GPP_EUTRAN		8
#define ATT_3GPP2_EHRPD		9
#define ATT_3GPP2_HRPD		10
#define ATT_3GPP2_1XRTT		11
#define ATT_3GPP2_UMB		12

/* ---- Continuity types: setsc() (E.0), Flow Descriptor (B.11), DHCPv6 (D.2) */
#define CONT_ANY		0
#define CONT_FIXED		1
#define CONT_SESSION_LASTING	2
#define CONT_NON_PERSISTENT	3
#define CONT_GRACEFUL		4
#define CONT_MAX		4

/* ---- C.1 RFC 6275 constants ---------------------------------------- */
#define INITIAL_BINDACK_TIMEOUT_MS		1000
#define INITIAL_BINDACK_TIMEOUT_FIRSTREG_MS	1500
#define MAX_BINDACK_TIMEOUT_MS			32000
#define MAX_UPDATE_RATE				3	/* BUs/s per destination */
#define DHAAD_RETRIES				4
#define INITIAL_DHAAD_TIMEOUT_MS		3000
#define MAX_DELETE_BCE_TIMEOUT_MS		10000
#define MH_LIFETIME_UNIT			4	/* seconds */
#define MH_LIFETIME_MAX_UNITS			0xFFFF
#define MH_LIFETIME_MAX_S	(MH_LIFETIME_MAX_UNITS * MH_LIFETIME_UNIT)
#define BRA_UNIT				4	/* seconds */
#define REFRESH_PERCENT				80	/* [P] refresh at 80 % */

/* ---- B.10 PMIPv6 timers ------------------------------------------- */
#define MIN_DELAY_BEFORE_BCE_DELETE_MS		10000
#define MAX_DELAY_BEFORE_NEW_BCE_ASSIGN_MS	1500
#define TIMESTAMP_VALIDITY_WINDOW_MS		300

/* ---- C.2 DMIPv6 timers [P] ---------------------------------------- */
#define DHP_QUERY_TIMEOUT_MS		1000
#define DHP_QUERY_TRIES			3
#define DHOA_REQUEST_TIMEOUT_MS		1000
#define DHOA_REQUEST_TRIES		4
#define HA_LIFETIME_DEFAULT_S		600
#define DHOA_LEASE_DEFAULT_S		600
#define DHP_BINDING_LIFETIME_DEFAULT_S	300
#define DHOA_IDLE_RELEASE_S		60
#define DHOA_QUARANTINE_S		120
#define DHP_BCE_DELETE_DELAY_S		10
#define DHP_CACHE_VALIDITY_DEFAULT_S	300
#define MESGID_WINDOW_DEFAULT_S		7	/* RFC 4285 default, > 3 s */
#define MESGID_WINDOW_MIN_S		3
#define DMIP_UDP_PORT_DEFAULT		5135	/* B.11.1 UDP transport */
#define DHP_MAX_CANDIDATES_DEFAULT	4

/* ---- C.3 BA status codes ------------------------------------------ */
#define BA_STATUS_ACCEPTED		0
#define BA_STATUS_PREFIX_DISCOV		1
#define BA_STATUS_UNSPECIFIED		128
#define BA_STATUS_PROHIBITED		129
#define BA_STATUS_INSUFFICIENT		130
#define BA_STATUS_HR_NOT_SUPPORTED	131
#define BA_STATUS_NOT_HOME_SUBNET	132
#define BA_STATUS_NOT_HA_FOR_MN		133
#define BA_STATUS_DAD_FAILED		134
#define BA_STATUS_SEQ_OUT_OF_WINDOW	135
#define BA_STATUS_EXPIRED_HNI		136
#define BA_STATUS_EXPIRED_CNI		137
#define BA_STATUS_EXPIRED_NONCES	138
#define BA_STATUS_REG_TYPE_CHANGE	139
#define BA_STATUS_ID_MISMATCH		144	/* RFC 4285 */
#define BA_STATUS_MESGID_REQD		145	/* RFC 4285 */
#define BA_STATUS_AUTH_FAIL		146	/* RFC 4285 */
#define BA_STATUS_PROXY_REG_NOT_ENABLED	152	/* RFC 5213 */
#define BA_STATUS_NOT_LMA_FOR_MN	153
#define BA_STATUS_MAG_NOT_AUTHORIZED	154
#define BA_STATUS_NOT_AUTHORIZED_HNP	155
#define BA_STATUS_TIMESTAMP_MISMATCH	156
#define BA_STATUS_TIMESTAMP_LOWER	157
#define BA_STATUS_MISSING_HNP		158
#define BA_STATUS_BCE_PBU_PREFIX_MISMATCH 159
#define BA_STATUS_MISSING_MNID		160
#define BA_STATUS_MISSING_HI		161
#define BA_STATUS_MISSING_ATT		162
#define BA_STATUS_INVALID_COA		174
#define BA_STATUS_REJECTED(s)		((s) >= 128)

/* ---- C.4 DMIPv6 status codes [P] ---------------------------------- */
#define DMIP_STATUS_OK			0
#define DMIP_STATUS_USE_HA		1
#define DMIP_STATUS_UNKNOWN_DHOA	200
#define DMIP_STATUS_DHOA_NOT_OWNED	201
#define DMIP_STATUS_NO_DHP_FOR_CN	202
#define DMIP_STATUS_DHOA_UNAVAILABLE	203
#define DMIP_STATUS_CONT_NOT_SUPPORTED	204

/* ---- D. DHCPv6 (RFC 8415) and the continuity option [P codes] ----- */
#define DHCP6_CLIENT_PORT	546
#define DHCP6_SERVER_PORT	547
#define DHCP6_MSG_SOLICIT	1
#define DHCP6_MSG_ADVERTISE	2
#define DHCP6_MSG_REQUEST	3
#define DHCP6_MSG_CONFIRM	4
#define DHCP6_MSG_RENEW		5
#define DHCP6_MSG_REBIND	6
#define DHCP6_MSG_REPLY		7
#define DHCP6_MSG_RELEASE	8
#define DHCP6_MSG_DECLINE	9
#define DHCP6_MSG_RECONFIGURE	10
#define DHCP6_MSG_INFO_REQ	11
#define DHCP6_OPT_CLIENTID	1
#define DHCP6_OPT_SERVERID	2
#define DHCP6_OPT_IA_NA		3
#define DHCP6_OPT_IAADDR	5
#define DHCP6_OPT_STATUS_CODE	13
#define DHCP6_OPT_IA_PD		25
#define DHCP6_OPT_IAPREFIX	26
#define DHCP6_OPT_CONTINUITY_DEFAULT	65001	/* [P] configurable */
#define DHCP6_OPT_ANCHOR_PREF_DEFAULT	65002	/* [P] configurable */
#define DHCP6_ANCHOR_F_REQUIRED	0x80
#define DHCP6_ST_SUCCESS	0
#define DHCP6_ST_UNSPEC_FAIL	1
#define DHCP6_ST_NO_ADDRS_AVAIL	2
#define DHCP6_ST_NO_BINDING	3
#define DHCP6_ST_NOT_ON_LINK	4
#define DHCP6_ST_USE_MULTICAST	5
#define DHCP6_ST_NO_PREFIX_AVAIL 6

/* ---- B.12 / F.14 data plane ---------------------------------------- */
#define DMIP_TUNNEL_MTU		1440
#define IPPROTO_IPV6_ENCAP	41

#endif /* DMIP_PROTO_H */
