// SPDX-License-Identifier: GPL-2.0
/*
 * nexusctl version; nexusctl module show | set: the module itself, its
 * version and features, and its module-wide settings.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nexusctl.h"

struct nx_info {
	char version[64];
	uint32_t api;
	uint64_t features;
	bool have;
};

static int nx_info_reply(struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct nx_info *info = arg;

	if (!tb[NEXUS_ATTR_VERSION] || !tb[NEXUS_ATTR_API_VERSION] ||
	    !tb[NEXUS_ATTR_FEATURES])
		return -EBADMSG;
	snprintf(info->version, sizeof(info->version), "%s",
		 nla_get_string(tb[NEXUS_ATTR_VERSION]));
	info->api = nla_get_u32(tb[NEXUS_ATTR_API_VERSION]);
	info->features = nla_get_u64(tb[NEXUS_ATTR_FEATURES]);
	info->have = true;
	return 0;
}

static int nx_get_info(struct nx_ctx *ctx, struct nx_info *info)
{
	struct nl_msg *msg;
	struct nx_err err;
	int ret;

	ret = nx_connect(ctx);
	if (ret)
		return ret;
	msg = nx_nl_msg(&ctx->nl, NEXUS_CMD_INFO_GET);
	if (!msg)
		return NX_EXIT_FAIL;
	if (nx_nl_request(&ctx->nl, msg, nx_info_reply, info, &err) < 0)
		return nx_fail(ctx, &err);
	return NX_EXIT_OK;
}

static void nx_print_features(uint64_t features)
{
	json_object *arr = nx_features_json(features);
	size_t i, n = json_object_array_length(arr);

	for (i = 0; i < n; i++)
		printf("%s%s", i ? " " : "",
		       json_object_get_string(json_object_array_get_idx(arr, i)));
	json_object_put(arr);
}

int nx_cmd_version(struct nx_ctx *ctx, int argc, char **argv)
{
	struct nx_info info = {};
	json_object *obj, *tool, *mod;
	int ret;

	if (argc > 1)
		return nx_usage_error("version takes no arguments");
	ctx->what = "version";
	/* The tool's own version is printed even when the module is absent. */
	ret = nx_get_info(ctx, &info);
	if (ctx->json) {
		obj = json_object_new_object();
		tool = json_object_new_object();
		json_object_object_add(tool, "version", json_object_new_string(NEXUS_VERSION));
		json_object_object_add(tool, "api_version", json_object_new_int(NEXUS_GENL_VERSION));
		json_object_object_add(obj, "nexusctl", tool);
		mod = NULL;
		if (info.have) {
			mod = json_object_new_object();
			json_object_object_add(mod, "version", json_object_new_string(info.version));
			json_object_object_add(mod, "api_version", json_object_new_int64(info.api));
			json_object_object_add(mod, "features", nx_features_json(info.features));
		}
		json_object_object_add(obj, "module", mod);
		nx_print_json(obj);
		json_object_put(obj);
	} else {
		printf("nexusctl %s (netlink API %d)\n", NEXUS_VERSION, NEXUS_GENL_VERSION);
		if (info.have) {
			printf("module   %s (netlink API %u, features: ", info.version, info.api);
			nx_print_features(info.features);
			printf(")\n");
		}
	}
	if (info.have && info.api != NEXUS_GENL_VERSION)
		nx_warn("the module speaks netlink API %u, this nexusctl %d: update the older one",
			info.api, NEXUS_GENL_VERSION);
	return ret;
}

int nx_config_from_attrs(struct nlattr **tb, struct nx_config *cfg)
{
	if (!tb[NEXUS_ATTR_IO_TIMEOUT_MS] || !tb[NEXUS_ATTR_REBUILD_RATE_MIN] ||
	    !tb[NEXUS_ATTR_REBUILD_RATE_MAX])
		return -EBADMSG;
	cfg->io_timeout_ms = nla_get_u32(tb[NEXUS_ATTR_IO_TIMEOUT_MS]);
	cfg->rate_min = nla_get_u32(tb[NEXUS_ATTR_REBUILD_RATE_MIN]);
	cfg->rate_max = nla_get_u32(tb[NEXUS_ATTR_REBUILD_RATE_MAX]);
	return 0;
}

void nx_config_add_json(json_object *obj, const struct nx_config *cfg)
{
	json_object_object_add(obj, "io_timeout_ms", json_object_new_int64(cfg->io_timeout_ms));
	json_object_object_add(obj, "rebuild_rate_min_kib", json_object_new_int64(cfg->rate_min));
	json_object_object_add(obj, "rebuild_rate_max_kib", json_object_new_int64(cfg->rate_max));
}

/* "io-timeout 5000 ms", ... joined by @sep. */
void nx_config_print(const struct nx_config *cfg, const char *fmt, const char *sep)
{
	char min[32], max[32], timeout[32];

	snprintf(timeout, sizeof(timeout), "%u ms", cfg->io_timeout_ms);
	nx_format_rate_kib(cfg->rate_min, min, sizeof(min));
	if (cfg->rate_max)
		nx_format_rate_kib(cfg->rate_max, max, sizeof(max));
	else
		snprintf(max, sizeof(max), "unlimited");
	printf(fmt, "io-timeout", timeout);
	fputs(sep, stdout);
	printf(fmt, "rebuild-rate-min", min);
	fputs(sep, stdout);
	printf(fmt, "rebuild-rate-max", max);
}

static int nx_config_reply(struct nlattr **tb, uint8_t cmd, void *arg)
{
	return nx_config_from_attrs(tb, arg);
}

static int nx_module_show(struct nx_ctx *ctx, int argc, char **argv)
{
	struct nx_info info = {};
	struct nx_config cfg;
	struct nl_msg *msg;
	struct nx_err err;
	json_object *obj;
	int ret;

	if (argc > 1)
		return nx_usage_error("module show takes no arguments");
	ret = nx_get_info(ctx, &info);
	if (ret)
		return ret;
	msg = nx_nl_msg(&ctx->nl, NEXUS_CMD_CONFIG_GET);
	if (!msg)
		return NX_EXIT_FAIL;
	if (nx_nl_request(&ctx->nl, msg, nx_config_reply, &cfg, &err) < 0)
		return nx_fail(ctx, &err);

	if (ctx->json) {
		obj = json_object_new_object();
		json_object_object_add(obj, "version", json_object_new_string(info.version));
		json_object_object_add(obj, "api_version", json_object_new_int64(info.api));
		json_object_object_add(obj, "features", nx_features_json(info.features));
		nx_config_add_json(obj, &cfg);
		nx_print_json(obj);
		json_object_put(obj);
		return NX_EXIT_OK;
	}
	printf("%-18s %s\n", "version", info.version);
	printf("%-18s %u\n", "api-version", info.api);
	printf("%-18s ", "features");
	nx_print_features(info.features);
	putchar('\n');
	nx_config_print(&cfg, "%-18s %s", "\n");
	putchar('\n');
	return NX_EXIT_OK;
}

/* The settings `module set` takes, by their command-line names. */
static const struct nx_setting {
	const char *name;
	int attr;
	int (*parse)(const char *s, uint64_t *val);
	const char *expect;
} nx_settings[] = {
	{ "io-timeout", NEXUS_ATTR_IO_TIMEOUT_MS, nx_parse_duration_ms,
	  "a duration: 5000 (ms), 5000ms, 5s" },
	{ "rebuild-rate-min", NEXUS_ATTR_REBUILD_RATE_MIN, nx_parse_rate_kib,
	  "a rate: 1024 (KiB/s), 100M, 1G/s" },
	{ "rebuild-rate-max", NEXUS_ATTR_REBUILD_RATE_MAX, nx_parse_rate_cap_kib,
	  "a rate: 1024 (KiB/s), 100M, 1G/s, unlimited" },
};

#define NX_NSETTINGS (sizeof(nx_settings) / sizeof(nx_settings[0]))

/* nexusctl module set <setting> <value> [<setting> <value>]... */
static int nx_module_set(struct nx_ctx *ctx, int argc, char **argv)
{
	uint64_t vals[NX_NSETTINGS];
	const struct nx_setting *set[NX_NSETTINGS];
	unsigned int n = 0, j, k;
	struct nl_msg *msg;
	struct nx_err err;
	int i, ret;

	if (argc < 3 || (argc - 1) % 2)
		return nx_usage_error("usage: module set <setting> <value> [<setting> <value>]...");
	for (i = 1; i < argc; i += 2) {
		for (j = 0; j < NX_NSETTINGS; j++)
			if (!strcmp(argv[i], nx_settings[j].name))
				break;
		if (j == NX_NSETTINGS)
			return nx_usage_error("module set: unknown setting '%s' "
					      "(io-timeout, rebuild-rate-min, rebuild-rate-max)",
					      argv[i]);
		for (k = 0; k < n; k++)
			if (set[k] == &nx_settings[j])
				return nx_usage_error("module set: %s is given twice", argv[i]);
		if (nx_settings[j].parse(argv[i + 1], &vals[n]))
			return nx_usage_error("%s: '%s' is not %s", argv[i], argv[i + 1],
					      nx_settings[j].expect);
		/* Never clamp: a script must not get a value it did not ask for. */
		if (vals[n] > UINT32_MAX)
			return nx_usage_error("%s: '%s' is too large", argv[i], argv[i + 1]);
		set[n++] = &nx_settings[j];
	}

	ret = nx_connect(ctx);
	if (ret)
		return ret;
	msg = nx_nl_msg(&ctx->nl, NEXUS_CMD_CONFIG_SET);
	if (!msg)
		return NX_EXIT_FAIL;
	for (j = 0; j < n; j++) {
		if (nla_put_u32(msg, set[j]->attr, (uint32_t)vals[j]) < 0) {
			nlmsg_free(msg);
			return NX_EXIT_FAIL;
		}
	}
	if (nx_nl_request(&ctx->nl, msg, NULL, NULL, &err) < 0)
		return nx_fail(ctx, &err);
	return NX_EXIT_OK;
}

int nx_cmd_module(struct nx_ctx *ctx, int argc, char **argv)
{
	if (argc < 1 || !strcmp(argv[0], "show")) {
		ctx->what = "module show";
		return nx_module_show(ctx, argc ? argc : 1, argv);
	}
	if (!strcmp(argv[0], "set")) {
		ctx->what = "module set";
		return nx_module_set(ctx, argc, argv);
	}
	return nx_usage_error("module: unknown verb '%s' (show, set)", argv[0]);
}
