// SPDX-License-Identifier: GPL-2.0
/*
 * nexusctl: the command-line tool of nexus.  Grammar, like ip(8) and
 * nvme(1): nexusctl [options] <object> <verb> [arguments].
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nexusctl.h"

static const char nx_usage[] =
	"usage: nexusctl [-j|--json] [-h|--help] <command> [arguments]\n"
	"\n"
	"commands:\n"
	"  version                     versions of nexusctl and of the loaded module\n"
	"  module show                 module version, features and module-wide settings\n"
	"  module set <setting> <value> [<setting> <value>]...\n"
	"                              change module-wide settings (needs CAP_NET_ADMIN):\n"
	"                                io-timeout        child IO timeout: 5000, 5000ms, 5s\n"
	"                                rebuild-rate-min  KiB/s, or 100M, 1G/s\n"
	"                                rebuild-rate-max  KiB/s, or 100M, 1G/s, unlimited\n"
	"  monitor [count <n>]         print events as they happen (stop after n)\n"
	"\n"
	"  pool create <name> <device> [--cluster-size <size>] [--max-replicas <n>]\n"
	"              [--uuid <uuid>] [--force]\n"
	"                              make a pool; refuses a device with a file system,\n"
	"                              partition table or pool on it unless --force\n"
	"  pool import <device> [--name <name>] | --scan\n"
	"                              take up the pool on a device (--scan: every pool\n"
	"                              found on the node's devices), restore its shares\n"
	"  pool export <name> | --all  stop its shares, let go of it cleanly\n"
	"  pool destroy <name> [--force]\n"
	"                              erase it (--force: with its replicas and shares)\n"
	"  pool list | show <name>     capacity, used, free, state, cluster size\n"
	"  pool check <device>         offline check of a pool's metadata (exit 0: clean)\n"
	"\n"
	"  replica create <pool> <name> <size> [--thin] [--uuid <uuid>]\n"
	"              [--prop <key>=<value>]...\n"
	"  replica create <pool> <name> --from <snapshot> [--uuid <uuid>] [--prop ...]\n"
	"                              a clone: thin, the snapshot's size and data\n"
	"  replica destroy <pool> <name>\n"
	"  replica resize <pool> <name> <size>\n"
	"  replica list [<pool>] | show <pool> <name>\n"
	"  replica share <pool> <name> [--proto tcp|rdma] [--addr <ip>] [--port <port>]\n"
	"              [--host <host nqn>]... | [--any-host]\n"
	"                              export it over NVMe-oF through nvmet (default:\n"
	"                              tcp, 0.0.0.0, port 8420, any host)\n"
	"  replica unshare <pool> <name>\n"
	"\n"
	"  snapshot create <pool> <replica> <snapshot> [--uuid <uuid>] [--prop <key>=<value>]...\n"
	"                              a read-only point-in-time image, metadata only\n"
	"  snapshot destroy <pool> <snapshot>\n"
	"  snapshot list [<pool>] | show <pool> <snapshot>\n"
	"                              origin, creation time, space it alone holds\n"
	"  snapshot expose | hide <pool> <snapshot>\n"
	"                              give it a read-only device /dev/nxrN, or take it away\n"
	"\n"
	"  nexus create <name> <child uri>... [--size <size>] [--uuid <uuid>]\n"
	"              [--bitmap-chunk <size>] [--read-policy <policy>]\n"
	"              [--io-timeout <time>] [--force]\n"
	"                              a new mirrored volume, /dev/nexusN; child URIs:\n"
	"                              /dev/<dev>, bdev:///dev/<dev>, bdev:///<replica uuid>,\n"
	"                              replica://<pool>/<name>, nvmf://<host>[:<port>]/<nqn>,\n"
	"                              nvmf+rdma://<host>[:<port>]/<nqn>\n"
	"  nexus assemble [--name <name>] <child uri>... | --scan\n"
	"                              start a nexus again from its children's labels\n"
	"                              (--scan: every nexus recorded under /var/lib/nexus\n"
	"                              or labelled on the node's devices; republished)\n"
	"  nexus stop <name> [--forget] | --all\n"
	"                              stop it cleanly; the children keep their labels\n"
	"                              (--forget: boot will not assemble it here again)\n"
	"  nexus destroy <name>        stop it and erase the children's labels\n"
	"  nexus set <name> <setting> <value>...\n"
	"                              read-policy least-pending|round-robin|local-first,\n"
	"                              io-timeout, rebuild-rate-min, rebuild-rate-max\n"
	"  nexus list | show <name>    state, children, rebuild progress\n"
	"  nexus stats [<name>]        IO per nexus and per child: counts, MiB, mean read\n"
	"                              and write latency, errors, in flight (also: stats)\n"
	"  nexus freeze <name> [--timeout <time>]\n"
	"                              drain its IO, flush its children, hold new IO until\n"
	"                              thawed or the timeout (default 30s) runs out\n"
	"  nexus thaw <name>           let its IO go again\n"
	"  nexus snapshot <name> <snapshot> [--timeout <time>]\n"
	"                              freeze, snapshot every in-sync child (replicas of\n"
	"                              pools on this node), thaw: a crash-consistent image\n"
	"  nexus publish <name> [--proto tcp|rdma] [--addr <ip>] [--port <port>]\n"
	"              [--host <host nqn>]... | [--any-host]\n"
	"                              export it through nvmet: NQN\n"
	"                              nqn.2019-05.io.openebs:<name> (default: tcp,\n"
	"                              0.0.0.0, port 8420, any host)\n"
	"  nexus unpublish <name>\n"
	"  nexus verify <name> [--repair] [--wait] | --stop\n"
	"                              compare the in-sync legs online (--repair:\n"
	"                              rewrite those that differ from the first)\n"
	"  child add <nexus> <uri> [--force]\n"
	"                              add a child; a full rebuild makes it in sync\n"
	"  child remove <nexus> <child> [--force]\n"
	"                              (--force: even the last in-sync child)\n"
	"  child fault <nexus> <child> take a child out by hand\n"
	"  child online <nexus> <child> [<uri>]\n"
	"                              bring a faulted child back (partial rebuild)\n"
	"  rebuild pause|resume|stop <nexus> <child>\n"
	"  stats [<nexus>]             the same as nexus stats\n"
	"\n"
	"  node up                     what boot runs: pool import --scan, then\n"
	"                              nexus assemble --scan\n"
	"  node down                   what shutdown runs: nexus stop --all, then\n"
	"                              pool export --all\n"
	"\n"
	"options:\n"
	"  -j, --json                  JSON output (one object per line for monitor)\n"
	"  -h, --help                  this help\n"
	"\n"
	"exit status: 0 done, 1 refused or failed, 2 bad usage, 3 nexus module not\n"
	"available, 4 permission denied.  See docs/nexusctl.md.\n";

static const struct nx_command {
	const char *name;
	int (*run)(struct nx_ctx *ctx, int argc, char **argv);
	bool object;	/* <object> <verb>: run() gets argv from the verb on */
} nx_commands[] = {
	{ "version", nx_cmd_version, false },
	{ "module", nx_cmd_module, true },
	{ "monitor", nx_cmd_monitor, false },
	{ "pool", nx_cmd_pool, true },
	{ "replica", nx_cmd_replica, true },
	{ "snapshot", nx_cmd_snapshot, true },
	{ "nexus", nx_cmd_nexus, true },
	{ "child", nx_cmd_child, true },
	{ "rebuild", nx_cmd_rebuild, true },
	{ "node", nx_cmd_node, true },
	{ "stats", nx_cmd_stats, false },
};

/*
 * nexusctl <object> [<verb>] ... --help: the entries of the usage text
 * about that object (and verb), each a line "  <object> <verb> ..." and
 * the indented lines after it.  The usage text stays the one source.
 */
static int nx_help(const char *object, const char *verb)
{
	const char *line = nx_usage, *next;
	size_t olen = strlen(object), vlen = verb ? strlen(verb) : 0;
	bool in = false, found = false;
	char *words;

	while (*line) {
		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		if (!strncmp(line, "  ", 2) && line[2] != ' ') {
			in = false;
			if (!strncmp(line + 2, object, olen) &&
			    (line[2 + olen] == ' ' || line[2 + olen] == '\n')) {
				/*
				 * The verb among the words of the command, before
				 * the description's column: "list [<pool>] | show".
				 */
				words = strndup(line + 2 + olen, (size_t)(next - line) - 2 - olen);
				if (words && strstr(words + 1, "  "))
					*strstr(words + 1, "  ") = 0;
				in = !verb;
				for (char *w = words ? strtok(words, " |\n") : NULL; w && !in;
				     w = strtok(NULL, " |\n"))
					in = strlen(w) == vlen && !strncmp(w, verb, vlen);
				free(words);
			}
		} else if (line[0] != ' ') {
			in = false;
		}
		if (in) {
			if (!found)
				puts("usage: nexusctl [-j] <command>, where <command> is one of:");
			found = true;
			fwrite(line, 1, (size_t)(next - line), stdout);
		}
		line = next;
	}
	if (!found)
		return nx_usage_error("no help for '%s%s%s'", object,
				      verb ? " " : "", verb ? verb : "");
	puts("\nexit status: 0 done, 1 refused or failed, 2 bad usage, 3 no module, 4 permission denied");
	return NX_EXIT_OK;
}

/* Run the verb argv[0] of @object; with no verb, the first of @verbs. */
int nx_dispatch(struct nx_ctx *ctx, const char *object, const struct nx_verb *verbs,
		unsigned int n, int argc, char **argv)
{
	static char *none[] = { NULL };
	char names[256] = "";
	unsigned int i;

	if (argc < 1) {
		ctx->what = verbs[0].what;
		return verbs[0].run(ctx, 1, none);
	}
	for (i = 0; i < n; i++) {
		if (strcmp(argv[0], verbs[i].verb))
			continue;
		ctx->what = verbs[i].what;
		return verbs[i].run(ctx, argc, argv);
	}
	for (i = 0; i < n; i++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 i ? ", " : "", verbs[i].verb);
	return nx_usage_error("%s: unknown verb '%s' (%s)", object, argv[0], names);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	struct nx_ctx ctx = { .what = "nexusctl" };
	unsigned int i;
	int c, ret;

	while ((c = getopt_long(argc, argv, "+jhV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			ctx.json = true;
			break;
		case 'h':
			fputs(nx_usage, stdout);
			return NX_EXIT_OK;
		case 'V':
			printf("nexusctl %s\n", NEXUS_VERSION);
			return NX_EXIT_OK;
		default:
			fputs(nx_usage, stderr);
			return NX_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		fputs(nx_usage, stderr);
		return NX_EXIT_USAGE;
	}
	if (!strcmp(argv[0], "help")) {
		fputs(nx_usage, stdout);
		return NX_EXIT_OK;
	}
	for (i = 0; i < sizeof(nx_commands) / sizeof(nx_commands[0]); i++) {
		const struct nx_command *cmd = &nx_commands[i];
		int a;

		if (strcmp(argv[0], cmd->name))
			continue;
		for (a = 1; a < argc; a++)
			if (!strcmp(argv[a], "--help") || !strcmp(argv[a], "-h"))
				return nx_help(argv[0], a > 1 && argv[1][0] != '-' ? argv[1] : NULL);
		if (cmd->object)
			ret = cmd->run(&ctx, argc - 1, argv + 1);
		else
			ret = cmd->run(&ctx, argc, argv);
		if (ctx.nl_open)
			nx_nl_close(&ctx.nl);
		return ret;
	}
	return nx_usage_error("unknown command '%s'", argv[0]);
}
