/*
 * mh_names.c: names for MH error codes, MH types and status codes, for
 * logs and dmipctl (PROTOCOL.md B.1, B.11.1, C.3, C.4).
 */
#include <stddef.h>
#include <stdint.h>

#include "dmip_proto.h"
#include "mh.h"

struct code_name {
	int		 code;
	const char	*name;
};

static const struct code_name mh_err_names[] = {
	{ MH_OK,		"ok" },
	{ MH_E_SHORT,		"message shorter than its fixed part" },
	{ MH_E_LENGTH,		"header length disagrees with size" },
	{ MH_E_PROTO,		"payload proto is not 59" },
	{ MH_E_TYPE,		"unknown MH type" },
	{ MH_E_OPT_TRUNC,	"option runs past the end of the message" },
	{ MH_E_OPT_LEN,		"option length wrong for its type" },
	{ MH_E_OPT_ALIGN,	"option misaligned" },
	{ MH_E_OPT_DUP,		"single-instance option repeated" },
	{ MH_E_OPT_ORDER,	"data after the last-only option" },
	{ MH_E_OPT_TOOMANY,	"too many repeated options" },
	{ MH_E_FIELD,		"invalid field value" },
	{ MH_E_BUF,		"output buffer too small" },
	{ MH_E_INVAL,		"invalid message to build" },
};

/* RFC 6275 6.1, RFC 5096, B.11.1 [P] */
static const struct code_name mh_type_names[] = {
	{ MH_TYPE_BRR,		"Binding Refresh Request" },
	{ MH_TYPE_HOTI,		"Home Test Init" },
	{ MH_TYPE_COTI,		"Care-of Test Init" },
	{ MH_TYPE_HOT,		"Home Test" },
	{ MH_TYPE_COT,		"Care-of Test" },
	{ MH_TYPE_BU,		"Binding Update" },
	{ MH_TYPE_BA,		"Binding Acknowledgement" },
	{ MH_TYPE_BE,		"Binding Error" },
	{ MH_TYPE_EXPERIMENTAL,	"Experimental" },
	{ MH_TYPE_DHP_QUERY,	"DHP Query" },
	{ MH_TYPE_DHP_REPLY,	"DHP Query Reply" },
	{ MH_TYPE_DHOA_REQ,	"DHoA Request" },
	{ MH_TYPE_DHOA_RESP,	"DHoA Response" },
	{ MH_TYPE_DHP_BU,	"DHP Binding Update" },
	{ MH_TYPE_DHP_BC,	"DHP Binding Confirmation" },
};

/*
 * C.3 (IANA "Status Codes") and C.4 [P]. The one code both tables
 * define differently is 1: BA "prefix discovery necessary", DHP Query
 * Reply "use HA"; the name gives both.
 */
static const struct code_name mh_status_names[] = {
	{ 0,	"accepted" },
	{ 1,	"accepted but prefix discovery necessary / use HA" },
	{ 2,	"GRE key option not required" },
	{ 3,	"GRE tunnelling but TLV header not supported" },
	{ 4,	"MCoA not complete" },
	{ 5,	"MCoA return home without NDP" },
	{ 6,	"PBU accepted, TB ignored, settings mismatch" },
	{ 128,	"reason unspecified" },
	{ 129,	"administratively prohibited" },
	{ 130,	"insufficient resources" },
	{ 131,	"home registration not supported" },
	{ 132,	"not home subnet" },
	{ 133,	"not home agent for this mobile node" },
	{ 134,	"duplicate address detection failed" },
	{ 135,	"sequence number out of window" },
	{ 136,	"expired home nonce index" },
	{ 137,	"expired care-of nonce index" },
	{ 138,	"expired nonces" },
	{ 139,	"registration type change disallowed" },
	{ 140,	"mobile router operation not permitted" },
	{ 141,	"invalid prefix" },
	{ 142,	"not authorized for prefix" },
	{ 143,	"forwarding setup failed" },
	{ 144,	"MIPV6-ID-MISMATCH" },
	{ 145,	"MIPV6-MESG-ID-REQD" },
	{ 146,	"MIPV6-AUTH-FAIL" },
	{ 147,	"permanent home keygen token unavailable" },
	{ 148,	"CGA and signature verification failed" },
	{ 149,	"permanent home keygen token exists" },
	{ 150,	"non-null home nonce index expected" },
	{ 151,	"SERVICE_AUTHORIZATION_FAILED" },
	{ 152,	"PROXY_REG_NOT_ENABLED" },
	{ 153,	"NOT_LMA_FOR_THIS_MOBILE_NODE" },
	{ 154,	"MAG_NOT_AUTHORIZED_FOR_PROXY_REG" },
	{ 155,	"NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX" },
	{ 156,	"TIMESTAMP_MISMATCH" },
	{ 157,	"TIMESTAMP_LOWER_THAN_PREV_ACCEPTED" },
	{ 158,	"MISSING_HOME_NETWORK_PREFIX_OPTION" },
	{ 159,	"BCE_PBU_PREFIX_SET_DO_NOT_MATCH" },
	{ 160,	"MISSING_MN_IDENTIFIER_OPTION" },
	{ 161,	"MISSING_HANDOFF_INDICATOR_OPTION" },
	{ 162,	"MISSING_ACCESS_TECH_TYPE_OPTION" },
	{ 163,	"GRE_KEY_OPTION_REQUIRED" },
	{ 164,	"MCoA malformed" },
	{ 165,	"MCoA non-MCoA binding exists" },
	{ 166,	"MCoA prohibited" },
	{ 167,	"MCoA unknown CoA" },
	{ 168,	"MCoA bulk registration prohibited" },
	{ 169,	"MCoA simultaneous home and foreign prohibited" },
	{ 170,	"NOT_AUTHORIZED_FOR_IPV4_MOBILITY_SERVICE" },
	{ 171,	"NOT_AUTHORIZED_FOR_IPV4_HOME_ADDRESS" },
	{ 172,	"NOT_AUTHORIZED_FOR_IPV6_MOBILITY_SERVICE" },
	{ 173,	"MULTIPLE_IPV4_HOME_ADDRESS_ASSIGNMENT_NOT_SUPPORTED" },
	{ 174,	"invalid care-of address" },
	{ 175,	"INVALID_MOBILE_NODE_GROUP_IDENTIFIER" },
	{ 176,	"REINIT_SA_WITH_HAC" },
	{ 177,	"NOT_AUTHORIZED_FOR_DELEGATED_MNP" },
	{ 178,	"REQUESTED_DMNP_IN_USE" },
	{ 179,	"CANNOT_MEET_QOS_SERVICE_REQUEST" },
	{ 180,	"CANNOT_SUPPORT_MULTIPATH_BINDING" },
	{ DMIP_STATUS_UNKNOWN_DHOA,	"UNKNOWN_DHOA" },
	{ DMIP_STATUS_DHOA_NOT_OWNED,	"DHOA_NOT_OWNED" },
	{ DMIP_STATUS_NO_DHP_FOR_CN,	"NO_DHP_FOR_CN" },
	{ DMIP_STATUS_DHOA_UNAVAILABLE,	"REQUESTED_DHOA_UNAVAILABLE" },
	{ DMIP_STATUS_CONT_NOT_SUPPORTED, "CONTINUITY_TYPE_NOT_SUPPORTED" },
};

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

static const char *
lookup(const struct code_name *t, size_t n, int code, const char *dflt)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].code == code)
			return t[i].name;
	return dflt;
}

const char *
mh_strerror(int err)
{
	return lookup(mh_err_names, NITEMS(mh_err_names), err,
	    "unknown MH error");
}

const char *
mh_type_name(uint8_t type)
{
	return lookup(mh_type_names, NITEMS(mh_type_names), type,
	    "unknown MH type");
}

const char *
mh_status_name(uint8_t status)
{
	/* C.3: 7..127 are unassigned success codes */
	return lookup(mh_status_names, NITEMS(mh_status_names), status,
	    status < 128 ? "unassigned (accepted)" : "unassigned (rejected)");
}
