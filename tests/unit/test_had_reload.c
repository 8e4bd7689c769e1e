/*
 * test_had_reload.c: which changed settings a SIGHUP reports as
 * needing a restart of had (ha/had_reload.c).
 */
#include <string.h>
#include <arpa/inet.h>

#include "cu_main.h"
#include "had_reload.h"

static struct had_mn mns[2];
static struct conf_prefix serves[1];
static struct had_dhp dhps[1];
static struct conf_sa sas[1];

static void
base(struct had_conf *c)
{
	memset(c, 0, sizeof(*c));
	memset(mns, 0, sizeof(mns));
	memset(dhps, 0, sizeof(dhps));
	inet_pton(AF_INET6, "2001:db8:f::10", &c->address);
	inet_pton(AF_INET6, "2001:db8:10::", &c->home_prefix.addr);
	c->home_prefix.len = 64;
	strcpy(c->home_interface, "ha0");
	c->max_lifetime = 600;
	c->validity = 300;
	c->common.backend = CONF_BACKEND_SEG6;
	c->common.transport = CONF_TRANSPORT_MH;
	c->common.udp_port = 5135;
	c->common.timestamp_window = 7;
	strcpy(mns[0].name, "mn1");
	inet_pton(AF_INET6, "2001:db8:10::100", &mns[0].home_address);
	mns[0].spi = 4096;
	mns[0].nai = (char *)"mn1@dmip.example";
	strcpy(mns[1].name, "mn2");
	inet_pton(AF_INET6, "2001:db8:10::200", &mns[1].home_address);
	mns[1].spi = 4097;
	c->mns = mns;
	c->nmns = 2;
	inet_pton(AF_INET6, "2001:db8:c1::", &serves[0].addr);
	serves[0].len = 48;
	strcpy(dhps[0].name, "dhp1");
	inet_pton(AF_INET6, "2001:db8:f::11", &dhps[0].address);
	dhps[0].preference = 100;
	dhps[0].metric = 10;
	dhps[0].serves = serves;
	dhps[0].nserves = 1;
	c->dhps = dhps;
	c->ndhps = 1;
	c->common.sas = sas;
	c->common.nsas = 1;
}

static struct sa_table *
table_with(uint32_t spi, uint8_t keybyte)
{
	struct sa_table *t = sa_table_new();
	struct mh_sa sa;
	uint8_t key[32];

	memset(key, keybyte, sizeof(key));
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_FATAL(sa_init(&sa, spi, AUTH_ALG_HMAC_SHA256_128, key,
	    sizeof(key)) == 0);
	CU_ASSERT_FATAL(sa_table_add(t, &sa) == 0);
	return t;
}

static void
set_conf_sa(uint32_t spi, uint8_t keybyte)
{
	memset(&sas[0], 0, sizeof(sas[0]));
	sas[0].sa.spi = spi;
	sas[0].sa.alg = AUTH_ALG_HMAC_SHA256_128;
	sas[0].sa.key_len = 32;
	memset(sas[0].sa.key, keybyte, 32);
}

/* The names reported for fresh against base(). */
static int
diff(struct had_conf *fresh, struct sa_table *t, const char **names)
{
	struct had_mn keep_mns[2];
	struct had_dhp keep_dhps[1];
	struct had_conf c;
	struct had_snap snap;
	int n;

	/* base() resets the shared tables fresh points into. */
	memcpy(keep_mns, mns, sizeof(mns));
	memcpy(keep_dhps, dhps, sizeof(dhps));
	base(&c);
	CU_ASSERT_FATAL(had_snap_take(&snap, &c) == 0);
	memcpy(mns, keep_mns, sizeof(mns));
	memcpy(dhps, keep_dhps, sizeof(dhps));
	n = had_reload_diff(&snap, t, fresh, names, HAD_RELOAD_MAX);
	had_snap_free(&snap);
	return n;
}

static void
test_same(void)
{
	struct had_conf c;
	struct sa_table *t = table_with(4096, 7);
	const char *names[HAD_RELOAD_MAX];

	set_conf_sa(4096, 7);
	base(&c);
	/* The log level is daemon.c's; never reported. */
	c.common.log_level = LOG_LVL_DEBUG;
	CU_ASSERT_EQUAL(diff(&c, t, names), 0);
	/* The UDP port means nothing on the raw transport. */
	base(&c);
	c.common.udp_port = 6000;
	CU_ASSERT_EQUAL(diff(&c, t, names), 0);
	sa_table_free(t);
}

static void
expect_one(struct had_conf *c, struct sa_table *t, const char *what)
{
	const char *names[HAD_RELOAD_MAX];

	CU_ASSERT_EQUAL(diff(c, t, names), 1);
	CU_ASSERT_STRING_EQUAL(names[0], what);
}

static void
test_each_setting(void)
{
	struct had_conf c;
	struct sa_table *t = table_with(4096, 7);

	set_conf_sa(4096, 7);
	base(&c);
	inet_pton(AF_INET6, "2001:db8:f::99", &c.address);
	expect_one(&c, t, "address");
	base(&c);
	c.home_prefix.len = 56;
	expect_one(&c, t, "home_prefix");
	base(&c);
	strcpy(c.home_interface, "eth1");
	expect_one(&c, t, "home_interface");
	base(&c);
	c.common.backend = CONF_BACKEND_TUN;
	expect_one(&c, t, "backend");
	base(&c);
	c.common.replay = REPLAY_SEQ_ONLY;
	expect_one(&c, t, "replay");
	base(&c);
	c.common.timestamp_window = 9;
	expect_one(&c, t, "timestamp_window");
	base(&c);
	c.max_lifetime = 60;
	expect_one(&c, t, "max_lifetime");
	base(&c);
	c.skip_dad = true;
	expect_one(&c, t, "skip_dad");
	base(&c);
	c.validity = 8;
	expect_one(&c, t, "validity");
	base(&c);
	mns[1].spi = 5000;
	expect_one(&c, t, "mobile_node table");
	base(&c);
	c.nmns = 1;
	expect_one(&c, t, "mobile_node table");
	base(&c);
	mns[0].nai = NULL;
	expect_one(&c, t, "mobile_node table");
	base(&c);
	dhps[0].metric = 11;
	expect_one(&c, t, "dhp directory");
	base(&c);
	dhps[0].nserves = 0;
	expect_one(&c, t, "dhp directory");
	sa_table_free(t);
}

static void
test_transport_and_sas(void)
{
	struct had_conf c;
	struct sa_table *t = table_with(4096, 7);
	const char *names[HAD_RELOAD_MAX];

	base(&c);
	set_conf_sa(4096, 8);		/* same SPI and path, new key */
	expect_one(&c, t, "sa table");
	set_conf_sa(4097, 7);
	expect_one(&c, t, "sa table");
	set_conf_sa(4096, 7);
	c.common.nsas = 0;
	expect_one(&c, t, "sa table");
	base(&c);
	c.common.transport = CONF_TRANSPORT_UDP;
	CU_ASSERT_EQUAL(diff(&c, t, names), 2);
	CU_ASSERT_STRING_EQUAL(names[0], "transport");
	CU_ASSERT_STRING_EQUAL(names[1], "udp_port");
	/* Only max names are written; the count is all of them. */
	CU_ASSERT_EQUAL(had_reload_diff(&(struct had_snap){ { NULL } }, t, &c,
	    names, 1), 13);
	sa_table_free(t);
}

static const CU_TestInfo reload_tests[] = {
	{ "nothing that needs a restart", test_same },
	{ "every setting, one at a time", test_each_setting },
	{ "transport, SAs, truncated list", test_transport_and_sas },
	CU_TEST_INFO_NULL,
};

static int
cu_register(void)
{
	CU_SUITE("had_reload", reload_tests);
	return 0;
}
