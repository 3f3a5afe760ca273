// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "nexus-config": the module-wide settings (kmod/config.c) and
 * the attribute policy that NEXUS_CMD_CONFIG_SET is validated with.
 *
 * config.c is compiled into this test module, which so has its own copy of
 * the settings: the tests never touch a loaded nexus.ko.  Attributes are
 * parsed with nla_parse(), the strict parser the genl core applies to
 * every command of the family.
 */
#include <kunit/test.h>
#include <linux/string.h>

#include "../kmod/config.c"

static const struct nexus_config nexus_test_defaults = {
	.io_timeout_ms = NEXUS_DEFAULT_IO_TIMEOUT_MS,
	.rebuild_rate_min = NEXUS_DEFAULT_REBUILD_RATE_MIN,
	.rebuild_rate_max = NEXUS_DEFAULT_REBUILD_RATE_MAX,
};

/* A netlink attribute stream, built by hand in test-managed memory. */
struct nexus_test_attrs {
	unsigned int len;
	char data[128];
};

static struct nlattr *nexus_test_put(struct kunit *test,
				     struct nexus_test_attrs *a, u16 type,
				     const void *payload, int size)
{
	struct nlattr *nla = (struct nlattr *)(a->data + a->len);

	KUNIT_ASSERT_LE(test, a->len + nla_total_size(size), sizeof(a->data));
	nla->nla_type = type;
	nla->nla_len = nla_attr_size(size);
	memcpy(nla_data(nla), payload, size);
	a->len += nla_total_size(size);
	return nla;
}

static struct nlattr *nexus_test_put_u32(struct kunit *test,
					 struct nexus_test_attrs *a, u16 type,
					 u32 value)
{
	return nexus_test_put(test, a, type, &value, sizeof(value));
}

static int nexus_test_parse(struct nexus_test_attrs *a, struct nlattr **tb,
			    struct netlink_ext_ack *extack)
{
	return nla_parse(tb, NEXUS_ATTR_MAX, (struct nlattr *)a->data, a->len,
			 nexus_config_policy, extack);
}

/* What the notify callback saw. */
static int nexus_test_notified;
static struct nexus_config nexus_test_last;

static void nexus_test_notify(const struct nexus_config *cfg)
{
	nexus_test_notified++;
	nexus_test_last = *cfg;
}

static int nexus_config_test_init(struct kunit *test)
{
	nexus_test_notified = 0;
	memset(&nexus_test_last, 0, sizeof(nexus_test_last));
	return nexus_config_init(&nexus_test_defaults, NULL);
}

static void nexus_config_test_policy_accepts(struct kunit *test)
{
	struct nexus_test_attrs *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct nlattr *tb[NEXUS_ATTR_MAX + 1];
	struct netlink_ext_ack extack = {};

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	nexus_test_put_u32(test, a, NEXUS_ATTR_IO_TIMEOUT_MS, NEXUS_IO_TIMEOUT_MS_MIN);
	nexus_test_put_u32(test, a, NEXUS_ATTR_REBUILD_RATE_MAX, 0);
	KUNIT_EXPECT_EQ(test, nexus_test_parse(a, tb, &extack), 0);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, tb[NEXUS_ATTR_IO_TIMEOUT_MS]);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, tb[NEXUS_ATTR_REBUILD_RATE_MAX]);
	KUNIT_EXPECT_PTR_EQ(test, tb[NEXUS_ATTR_REBUILD_RATE_MIN], NULL);
}

static void nexus_config_test_policy_range(struct kunit *test)
{
	static const u32 bad[] = {
		0, NEXUS_IO_TIMEOUT_MS_MIN - 1, NEXUS_IO_TIMEOUT_MS_MAX + 1, U32_MAX,
	};
	struct nlattr *tb[NEXUS_ATTR_MAX + 1];
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct nexus_test_attrs *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
		struct netlink_ext_ack extack = {};
		struct nlattr *nla;

		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
		nla = nexus_test_put_u32(test, a, NEXUS_ATTR_IO_TIMEOUT_MS, bad[i]);
		KUNIT_EXPECT_EQ_MSG(test, nexus_test_parse(a, tb, &extack), -ERANGE,
				    "io-timeout %u accepted", bad[i]);
		KUNIT_EXPECT_PTR_EQ(test, extack.bad_attr, nla);
		/* The policy goes back to userspace, with the allowed range. */
		KUNIT_EXPECT_PTR_EQ(test, extack.policy,
				    &nexus_config_policy[NEXUS_ATTR_IO_TIMEOUT_MS]);
		KUNIT_EXPECT_STREQ(test, extack._msg, "integer out of range");
	}
}

static void nexus_config_test_policy_rejects_foreign(struct kunit *test)
{
	struct nlattr *tb[NEXUS_ATTR_MAX + 1];
	struct nexus_test_attrs *a;
	struct netlink_ext_ack extack = {};
	struct nlattr *nla;

	/* An attribute of the family that CONFIG_SET does not take. */
	a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	nla = nexus_test_put_u32(test, a, NEXUS_ATTR_API_VERSION, 1);
	KUNIT_EXPECT_EQ(test, nexus_test_parse(a, tb, &extack), -EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, extack.bad_attr, nla);

	/* An attribute number past the end of the family's. */
	a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	memset(&extack, 0, sizeof(extack));
	nla = nexus_test_put_u32(test, a, NEXUS_ATTR_MAX + 1, 1);
	KUNIT_EXPECT_EQ(test, nexus_test_parse(a, tb, &extack), -EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, extack.bad_attr, nla);
}

static void nexus_config_test_policy_rejects_short(struct kunit *test)
{
	struct nexus_test_attrs *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct nlattr *tb[NEXUS_ATTR_MAX + 1];
	struct netlink_ext_ack extack = {};
	u16 two_bytes = 5000;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	nexus_test_put(test, a, NEXUS_ATTR_IO_TIMEOUT_MS, &two_bytes,
		       sizeof(two_bytes));
	KUNIT_EXPECT_LT(test, nexus_test_parse(a, tb, &extack), 0);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, extack._msg);
}

static void nexus_config_test_update_partial(struct kunit *test)
{
	struct nexus_test_attrs *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct nlattr *tb[NEXUS_ATTR_MAX + 1];
	struct netlink_ext_ack extack = {};
	struct nexus_config now;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	nexus_test_put_u32(test, a, NEXUS_ATTR_REBUILD_RATE_MAX, 200000);
	KUNIT_ASSERT_EQ(test, nexus_test_parse(a, tb, &extack), 0);

	KUNIT_EXPECT_EQ(test, nexus_config_update(tb, &extack, nexus_test_notify), 0);
	nexus_config_get(&now);
	KUNIT_EXPECT_EQ(test, now.rebuild_rate_max, 200000U);
	/* Settings not given keep their values. */
	KUNIT_EXPECT_EQ(test, now.io_timeout_ms, nexus_test_defaults.io_timeout_ms);
	KUNIT_EXPECT_EQ(test, now.rebuild_rate_min, nexus_test_defaults.rebuild_rate_min);
	/* Listeners hear about it once, with the merged values. */
	KUNIT_EXPECT_EQ(test, nexus_test_notified, 1);
	KUNIT_EXPECT_EQ(test, memcmp(&nexus_test_last, &now, sizeof(now)), 0);
}

static void nexus_config_test_update_none(struct kunit *test)
{
	struct nlattr *tb[NEXUS_ATTR_MAX + 1] = {};
	struct netlink_ext_ack extack = {};
	struct nexus_config now;

	KUNIT_EXPECT_EQ(test, nexus_config_update(tb, &extack, nexus_test_notify),
			-EINVAL);
	KUNIT_EXPECT_STREQ(test, extack._msg, "no setting given");
	KUNIT_EXPECT_EQ(test, nexus_test_notified, 0);
	nexus_config_get(&now);
	KUNIT_EXPECT_EQ(test, memcmp(&now, &nexus_test_defaults, sizeof(now)), 0);
}

static void nexus_config_test_update_min_over_max(struct kunit *test)
{
	static const char plain[] = "rebuild-rate-min exceeds rebuild-rate-max";
	struct nexus_test_attrs *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct nlattr *tb[NEXUS_ATTR_MAX + 1];
	struct netlink_ext_ack extack = {};
	struct nexus_config now;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	/* Both valid alone; together they are not.  Nothing may change. */
	nexus_test_put_u32(test, a, NEXUS_ATTR_IO_TIMEOUT_MS, 7000);
	nexus_test_put_u32(test, a, NEXUS_ATTR_REBUILD_RATE_MIN, 5000);
	nexus_test_put_u32(test, a, NEXUS_ATTR_REBUILD_RATE_MAX, 4000);
	KUNIT_ASSERT_EQ(test, nexus_test_parse(a, tb, &extack), 0);

	KUNIT_EXPECT_EQ(test, nexus_config_update(tb, &extack, nexus_test_notify),
			-EINVAL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, extack._msg);
	KUNIT_EXPECT_EQ(test, strncmp(extack._msg, plain, strlen(plain)), 0);
	KUNIT_EXPECT_EQ(test, nexus_test_notified, 0);
	nexus_config_get(&now);
	KUNIT_EXPECT_EQ(test, memcmp(&now, &nexus_test_defaults, sizeof(now)), 0);
}

static void nexus_config_test_update_no_cap(struct kunit *test)
{
	struct nexus_test_attrs *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct nlattr *tb[NEXUS_ATTR_MAX + 1];
	struct netlink_ext_ack extack = {};
	struct nexus_config now;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	/* A max of 0 means no cap: any min goes with it. */
	nexus_test_put_u32(test, a, NEXUS_ATTR_REBUILD_RATE_MIN, U32_MAX);
	nexus_test_put_u32(test, a, NEXUS_ATTR_REBUILD_RATE_MAX, 0);
	KUNIT_ASSERT_EQ(test, nexus_test_parse(a, tb, &extack), 0);
	KUNIT_EXPECT_EQ(test, nexus_config_update(tb, &extack, NULL), 0);
	nexus_config_get(&now);
	KUNIT_EXPECT_EQ(test, now.rebuild_rate_min, U32_MAX);
	KUNIT_EXPECT_EQ(test, now.rebuild_rate_max, 0U);
}

static void nexus_config_test_init_refuses(struct kunit *test)
{
	struct nexus_config bad = nexus_test_defaults;
	struct netlink_ext_ack extack = {};
	struct nexus_config now;

	bad.io_timeout_ms = NEXUS_IO_TIMEOUT_MS_MAX + 1;
	KUNIT_EXPECT_EQ(test, nexus_config_init(&bad, &extack), -EINVAL);
	KUNIT_EXPECT_STREQ(test, extack._msg, "io-timeout must be 100 to 600000 ms");

	bad = nexus_test_defaults;
	bad.rebuild_rate_min = 2;
	bad.rebuild_rate_max = 1;
	KUNIT_EXPECT_EQ(test, nexus_config_init(&bad, NULL), -EINVAL);

	nexus_config_get(&now);
	KUNIT_EXPECT_EQ(test, memcmp(&now, &nexus_test_defaults, sizeof(now)), 0);
}

static struct kunit_case nexus_config_test_cases[] = {
	KUNIT_CASE(nexus_config_test_policy_accepts),
	KUNIT_CASE(nexus_config_test_policy_range),
	KUNIT_CASE(nexus_config_test_policy_rejects_foreign),
	KUNIT_CASE(nexus_config_test_policy_rejects_short),
	KUNIT_CASE(nexus_config_test_update_partial),
	KUNIT_CASE(nexus_config_test_update_none),
	KUNIT_CASE(nexus_config_test_update_min_over_max),
	KUNIT_CASE(nexus_config_test_update_no_cap),
	KUNIT_CASE(nexus_config_test_init_refuses),
	{}
};

static struct kunit_suite nexus_config_test_suite = {
	.name = "nexus-config",
	.init = nexus_config_test_init,
	.test_cases = nexus_config_test_cases,
};

kunit_test_suite(nexus_config_test_suite);

MODULE_DESCRIPTION("KUnit tests for nexus module-wide settings");
MODULE_LICENSE("GPL");
