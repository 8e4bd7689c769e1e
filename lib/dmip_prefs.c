/*
 * dmip_prefs.c: libdmip's pure mapping of types and flags (PROTOCOL.md
 * E.0, E.3); see dmip_int.h.
 */
#include "dmip_int.h"

static const uint32_t require_bits[] = {
	0, IPV6_REQUIRE_FIXED_IP, IPV6_REQUIRE_SESSION_LASTING_IP,
	IPV6_REQUIRE_NONPERSIST_IP, IPV6_REQUIRE_GRACEFUL_REPLACEMENT_IP,
};

uint32_t
dmip_require_bit(uint8_t type)
{
	return type >= 1 && type <= API_TYPE_MAX ? require_bits[type] : 0;
}

int
dmip_type_of(uint32_t v, bool allow_on_net, bool *on_net)
{
	bool net = false;

	if (on_net != NULL)
		*on_net = false;
	if (v >= FIXED_IPV6_ADDRESS && v <= GRACEFUL_REPLACEMENT_IPV6_ADDRESS)
		return (int)v;
	if (allow_on_net && (v & IPV6_REQUIRE_SRC_ON_NET)) {
		net = true;
		v &= ~IPV6_REQUIRE_SRC_ON_NET;
	}
	for (uint8_t t = 1; t <= API_TYPE_MAX; t++)
		if (v == require_bits[t]) {
			if (on_net != NULL)
				*on_net = net;
			return t;
		}
	return -1;
}

int
dmip_prefs_split(uint32_t val, uint32_t *kernel, uint32_t *req)
{
	uint32_t types = val & DMIP_REQUIRE_TYPES;

	/* At most one type: a power of two or nothing (E.3). */
	if ((types & (types - 1)) != 0)
		return -1;
	*req = val & IPV6_REQUIRE_MASK;
	*kernel = val & ~IPV6_REQUIRE_MASK;
	if (types != 0)
		*kernel &= ~(DMIP_PREFER_SRC_HOME | DMIP_PREFER_SRC_COA);
	return 0;
}

uint32_t
dmip_prefs_merge(uint32_t kernel, uint32_t req, uint32_t satisfied)
{
	return (kernel & ~IPV6_REQUIRE_MASK) | (satisfied &
	    DMIP_REQUIRE_TYPES) | (req & IPV6_REQUIRE_SRC_ON_NET);
}

int
dmip_eai_of_status(uint8_t status)
{
	switch (status) {
	case API_ST_OK:
		return 0;
	case API_ST_NOT_SUPPORTED:
		return EAI_REQUIREDIPNOTSUPPORTED;
	case API_ST_BAD_REQUEST:
		return -1;
	}
	return EAI_REQUIREDIPFAILED;
}
