/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nexusctl: shared declarations.
 *
 *   main.c         command line: global options, object/verb dispatch
 *   nl.c           the netlink session (libnl-genl-3): requests, replies,
 *                  what the kernel says when it refuses (extack)
 *   output.c       JSON and text output, error reporting, exit codes
 *   units.c        human sizes, rates and durations, in and out
 *   cmd_module.c   version, module show, module set
 *   cmd_monitor.c  monitor (the "events" multicast group)
 *   cmd_pool.c     pool create, import, export, destroy, list, show
 *   cmd_replica.c  replica create, destroy, resize, list, show, share,
 *                  unshare; replies about replicas and snapshots
 *   cmd_snapshot.c snapshot create, destroy, list, show, expose, hide
 *   nvmet.c        shares: the kernel NVMe target's configfs tree
 *   cmd_nexus.c    nexus create, assemble, stop, destroy, set, list, show;
 *                  child add, remove, fault, online; rebuild control
 *   uri.c          child URIs, resolved to block devices
 *   fabrics.c      remote children: NVMe-oF connect and disconnect (libnvme)
 *   check.c        pool check: the offline checker, on kmod/format.c
 *   scan.c         pools and nexus children found on the node's devices
 *   state.c        the nexus records boot assembly reads (/var/lib/nexus)
 *   cmd_node.c     node up, node down: what boot and shutdown run
 */
#ifndef NEXUSCTL_H
#define NEXUSCTL_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

#include <json-c/json.h>
#include <netlink/genl/genl.h>

#include "nexus_format.h"
#include "nexus_label.h"
#include "nexus_netlink.h"

/*
 * Exit codes: a contract with scripts, documented in docs/nexusctl.md.
 * Never renumber them.
 */
enum nx_exit {
	NX_EXIT_OK = 0,		/* done */
	NX_EXIT_FAIL = 1,	/* the kernel refused, or the request failed */
	NX_EXIT_USAGE = 2,	/* bad command line */
	NX_EXIT_NOMODULE = 3,	/* the nexus module is not loaded, cannot be */
	NX_EXIT_PERM = 4,	/* the caller lacks CAP_NET_ADMIN */
};

/* What the kernel said about a request it refused. */
struct nx_err {
	int errnum;		/* positive errno */
	char msg[256];		/* extack message, "" if none */
	int bad_attr;		/* attribute it pointed at, or -1 */
	int missing_attr;	/* attribute it said is missing, or -1 */
	bool has_range;		/* the policy's range came back */
	uint64_t min, max;
};

struct nx_nl {
	struct nl_sock *sk;
	int family;
};

/* Called for each reply message; returns 0 or a negative errno. */
typedef int (*nx_reply_fn)(struct nlattr **tb, uint8_t cmd, void *arg);

struct nx_ctx {
	bool json;
	struct nx_nl nl;
	bool nl_open;
	const char *what;	/* the command, for messages: "module set" */
	json_object *collect;	/* node up/down: steps add their JSON here */
};

/* nl.c */
int nx_nl_open(struct nx_nl *nl, struct nx_err *err);
void nx_nl_close(struct nx_nl *nl);
struct nl_msg *nx_nl_msg(struct nx_nl *nl, uint8_t cmd);
struct nl_msg *nx_nl_dump_msg(struct nx_nl *nl, uint8_t cmd);
int nx_nl_request(struct nx_nl *nl, struct nl_msg *msg, nx_reply_fn fn,
		  void *arg, struct nx_err *err);
int nx_nl_subscribe(struct nx_nl *nl, const char *group, struct nx_err *err);
int nx_nl_listen(struct nx_nl *nl, nx_reply_fn fn, void *arg, struct nx_err *err);
int nx_nl_parse(struct nl_msg *msg, struct nlattr **tb);

/* output.c */
int nx_connect(struct nx_ctx *ctx);
/* Connect, dump @cmd, hand each reply to @fn: an exit code, said if not 0. */
int nx_dump(struct nx_ctx *ctx, uint8_t cmd, nx_reply_fn fn, void *arg);
/*
 * Has this process CAP_NET_ADMIN?  Asked only before a local step that
 * cannot be undone (wiping a device's signatures), so that one the kernel
 * would refuse never happens; the kernel's check stays the one that counts
 * (it asks in the initial user namespace).
 */
bool nx_may_net_admin(void);
int nx_fail(struct nx_ctx *ctx, const struct nx_err *err);
/*
 * A local step of a command (probing a device, nvmet's configfs) failed
 * with -@err: exit 4 with the same words as the kernel's refusal when it
 * was a permission, else 1 (0 if @err is 0).  The step has said what
 * failed.
 */
int nx_local_fail(struct nx_ctx *ctx, int err);
int nx_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int nx_args(int argc, int want, const char *usage);
void nx_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void nx_print_json(json_object *obj);
/* Print @obj (and drop it), or add it to ctx->collect under @key. */
void nx_emit_json(struct nx_ctx *ctx, const char *key, json_object *obj);
/*
 * The --all forms: run @one on each of the @n @items (structs of @stride
 * bytes whose first member is the object's name), going on past failures;
 * say each that went ("<what> <name>"), or with -j emit
 * {"<key>": [names], "failed": n} under @group.  Exit 1 if any failed.
 */
int nx_each(struct nx_ctx *ctx, const char *group, const char *key, const char *what,
	    const void *items, unsigned int n, size_t stride,
	    int (*one)(struct nx_ctx *ctx, const char *name));
const char *nx_attr_name(int type);
json_object *nx_features_json(uint64_t features);

/* units.c */
int nx_parse_u64(const char *s, uint64_t *out);
int nx_parse_duration_ms(const char *s, uint64_t *ms);
int nx_parse_rate_kib(const char *s, uint64_t *kib);
int nx_parse_rate_cap_kib(const char *s, uint64_t *kib);
void nx_format_bytes(uint64_t bytes, char *buf, size_t len);
void nx_format_rate_kib(uint64_t kib, char *buf, size_t len);
int nx_parse_size(const char *s, uint64_t *bytes);
int nx_parse_uuid(const char *s, uint8_t uuid[16]);
void nx_format_uuid(const uint8_t uuid[16], char buf[37]);
bool nx_uuid_set(const uint8_t uuid[16]);
void nx_put_json_text(FILE *f, const char *text);

/* cmd_module.c: the module-wide settings, as the kernel reports them */
struct nx_config {
	uint32_t io_timeout_ms;
	uint32_t rate_min, rate_max;	/* KiB/s, rate_max 0 = no cap */
};

int nx_config_from_attrs(struct nlattr **tb, struct nx_config *cfg);
void nx_config_add_json(json_object *obj, const struct nx_config *cfg);
void nx_config_print(const struct nx_config *cfg, const char *fmt, const char *sep);

/* A replica as the module describes it (cmd_replica.c). */
struct nx_replica {
	char pool[64], name[64];
	uint8_t uuid[16];
	uint64_t size, allocated, created;
	uint64_t exclusive;		/* bytes no other map shares */
	bool thin;
	bool snapshot;
	char parent[64];		/* origin or source snapshot, "" if gone or none */
	uint8_t parent_uuid[16];	/* all zero if none */
	char device[32];		/* nxrN, "" if none */
	uint8_t proto;			/* enum nexus_share_proto */
	char addr[64];
	uint16_t port;
	bool any_host;
	char **hosts;
	unsigned int nr_hosts;
	char **keys, **values;		/* properties */
	unsigned int nr_props;
};

struct nx_replicas {
	struct nx_replica *v;
	unsigned int n;
};

int nx_replica_reply(struct nlattr **tb, uint8_t cmd, void *arg);
struct nl_msg *nx_replica_msg(struct nx_ctx *ctx, uint8_t cmd, const char *pool,
			      const char *name);
int nx_replica_request(struct nx_ctx *ctx, struct nl_msg *msg, struct nx_replica *out);
int nx_put_props(struct nl_msg *msg, const char *const *props, unsigned int n);
json_object *nx_replica_json(const struct nx_replica *r);
void nx_replica_print(struct nx_ctx *ctx, const struct nx_replica *r);
int nx_replicas_dump(struct nx_ctx *ctx, const char *pool, struct nx_replicas *list);
int nx_replicas_list(struct nx_ctx *ctx, int argc, char **argv, const char *what,
		     void (*print)(struct nx_ctx *ctx, const struct nx_replicas *list));
void nx_replica_release(struct nx_replica *r);
void nx_replicas_release(struct nx_replicas *list);
const char *nx_share_proto_name(uint8_t proto);

/* nvmet.c: a block device exported over NVMe-oF */
struct nx_export {
	const char *nqn;
	const char *device;		/* /dev/... */
	const uint8_t *uuid;		/* the namespace's uuid */
	uint8_t proto;			/* enum nexus_share_proto */
	const char *addr;
	uint16_t port;
	bool any_host;
	char **hosts;
	unsigned int nr_hosts;
};

/* modprobe -q @module: 0, or -ENOENT if it could not be loaded. */
int nx_modprobe(const char *module);
int nx_nvmet_export(const struct nx_export *e);
int nx_nvmet_unexport(const char *nqn);
bool nx_nvmet_exported(const char *nqn);
void nx_share_nqn(const uint8_t uuid[16], char *nqn, size_t len);
int nx_nvmet_share(const struct nx_replica *r);
int nx_nvmet_unshare(const uint8_t uuid[16]);
bool nx_nvmet_shared(const uint8_t uuid[16]);

/* fabrics.c */
struct nx_nvmf {
	char transport[8];		/* "tcp", "rdma" */
	char traddr[64];
	char trsvcid[8];
	char nqn[224];
	char hostnqn[224];		/* "" for the host's default */
	uint8_t uuid[16];
	bool has_uuid;
};

int nx_nvmf_parse(const char *uri, struct nx_nvmf *f, const char **why);
int nx_nvmf_connect(const struct nx_nvmf *f, char *dev, size_t len, bool *connected,
		    char *why, size_t whylen);
int nx_nvmf_disconnect(const struct nx_nvmf *f);

/* uri.c */
struct nx_child_uri {
	char uri[512];
	char path[256];			/* the block device */
	bool local;			/* no network in the way */
	bool remote;			/* NVMe-oF */
	bool connected;			/* resolving made a new connection */
	bool has_uuid;			/* the URI named the child's uuid */
	uint8_t uuid[16];
	struct nx_nvmf nvmf;
};

int nx_uri_resolve(struct nx_ctx *ctx, const char *uri, struct nx_child_uri *out);
void nx_uri_release(struct nx_child_uri *u);
void nx_uri_forget(const char *uri);

/* check.c */
int nx_pool_check(struct nx_ctx *ctx, int argc, char **argv);

/* scan.c: a nexus signature found on a block device */
enum nx_found_kind {
	NX_FOUND_NONE,
	NX_FOUND_POOL,		/* a sound pool superblock */
	NX_FOUND_CHILD,		/* a sound nexus child label */
};

struct nx_found {
	char path[300];			/* /dev/<name> */
	enum nx_found_kind kind;
	uint8_t uuid[16];		/* the pool's, or the child's nexus's */
	uint8_t child_uuid[16];		/* the child's member uuid */
	char name[64];			/* the pool's or the nexus's name */
	uint64_t event;			/* superblock generation, label event */
	/* A child label's member table: the members in use, by uuid. */
	uint8_t members[NEXUS_MAX_CHILDREN][16];
	unsigned int nr_members;
	bool shared;			/* a replica shared over NVMe-oF (set by its user) */
};

/* 1 and @f filled if @path carries a signature, 0 if not, or -errno. */
int nx_probe(const char *path, struct nx_found *f);
/* Every device that carries a signature of @kind; free(*out) after. */
int nx_scan(enum nx_found_kind kind, struct nx_found **out, unsigned int *nr);

/* state.c: what boot assembly needs that the labels do not say */
#define NX_RECORD_HOSTS	64
struct nx_record {
	uint8_t uuid[16];
	char name[64];
	struct nx_record_child {
		uint8_t uuid[16];	/* the member's */
		char uri[512];
	} children[NEXUS_MAX_CHILDREN];
	unsigned int nr_children;
	bool published;
	uint8_t proto;			/* enum nexus_share_proto */
	char addr[64];
	uint16_t port;
	bool any_host;
	char hosts[NX_RECORD_HOSTS][224];
	unsigned int nr_hosts;
};

/* The directory of the records: $NEXUS_STATE_DIR or /var/lib/nexus. */
const char *nx_state_dir(void);
int nx_record_load(const uint8_t uuid[16], struct nx_record *r);
int nx_record_save(const struct nx_record *r);
int nx_record_delete(const uint8_t uuid[16]);
/* Serialise read-modify-write of records: an fd to pass to unlock, or -errno. */
int nx_records_lock(void);
void nx_records_unlock(int fd);
/* Every record; free(*out) after.  Unreadable ones are skipped, said. */
int nx_records(struct nx_record **out, unsigned int *nr);

/* The --scan and --all forms behind node up and node down. */
int nx_pool_import_scan(struct nx_ctx *ctx);
int nx_pool_export_all(struct nx_ctx *ctx);
int nx_nexus_assemble_scan(struct nx_ctx *ctx);
int nx_nexus_stop_all(struct nx_ctx *ctx);

/* An object's verbs: the first is the default when none is given. */
struct nx_verb {
	const char *verb, *what;	/* "list", "pool list" */
	int (*run)(struct nx_ctx *ctx, int argc, char **argv);
};

int nx_dispatch(struct nx_ctx *ctx, const char *object, const struct nx_verb *verbs,
		unsigned int n, int argc, char **argv);

/* Commands: argv[0] is the verb (or the command for top-level ones). */
int nx_cmd_version(struct nx_ctx *ctx, int argc, char **argv);
int nx_cmd_module(struct nx_ctx *ctx, int argc, char **argv);
int nx_cmd_monitor(struct nx_ctx *ctx, int argc, char **argv);
int nx_cmd_pool(struct nx_ctx *ctx, int argc, char **argv);
int nx_cmd_replica(struct nx_ctx *ctx, int argc, char **argv);
int nx_cmd_snapshot(struct nx_ctx *ctx, int argc, char **argv);
int nx_cmd_nexus(struct nx_ctx *ctx, int argc, char **argv);
int nx_cmd_child(struct nx_ctx *ctx, int argc, char **argv);
int nx_cmd_rebuild(struct nx_ctx *ctx, int argc, char **argv);
int nx_cmd_node(struct nx_ctx *ctx, int argc, char **argv);
int nx_cmd_stats(struct nx_ctx *ctx, int argc, char **argv);

#endif /* NEXUSCTL_H */
