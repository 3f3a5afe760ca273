/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints on the nexus IO path's slow events, under events/nexus/ in
 * tracefs (trace.c creates them):
 *
 *   nexus_child_io_error	a clone of the volume's data sent to a child
 *				ended with an error
 *   nexus_child_fault		a child is faulted, or is not because it is
 *				the last in-sync child (refused=1)
 *   nexus_read_retry		a read that failed on a child is sent again
 *   nexus_label_write		a round of label writes, the one thing a
 *				write waits for after a state change
 *   nexus_rebuild_segment	a segment of a rebuild copied (or not)
 *
 * The fast path has none: a tracepoint there would cost even when off.
 * Each names the nexus, and all but nexus_label_write the child (slot and
 * uuid), the way `nexusctl nexus show` does.
 *
 * The layout is the kernel's for trace headers (include/trace/events/),
 * which checkpatch does not know: scripts/checkpatch.sh lets this file
 * have lines ending in '(' and arguments aligned on the event, not on the
 * parenthesis (OPEN_ENDED_LINE, PARENTHESIS_ALIGNMENT), and nothing else.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM nexus

#if !defined(NEXUS_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define NEXUS_TRACE_H

#include <linux/blk_types.h>
#include <linux/blktrace_api.h>
#include <linux/tracepoint.h>

#include "nexus.h"

/* RWBS_LEN of <trace/events/block.h>, which would bring the block events */
#define NEXUS_RWBS_LEN	8

/* enum values as userspace tools (trace-cmd, perf) must see them */
TRACE_DEFINE_ENUM(NEXUS_FAULT_NONE);
TRACE_DEFINE_ENUM(NEXUS_FAULT_IO_ERROR);
TRACE_DEFINE_ENUM(NEXUS_FAULT_TIMED_OUT);
TRACE_DEFINE_ENUM(NEXUS_FAULT_BY_CLIENT);
TRACE_DEFINE_ENUM(NEXUS_FAULT_REBUILD_FAILED);
TRACE_DEFINE_ENUM(NEXUS_FAULT_CANT_OPEN);
TRACE_DEFINE_ENUM(NEXUS_FAULT_NO_SPACE);
TRACE_DEFINE_ENUM(NEXUS_FAULT_LABEL);
TRACE_DEFINE_ENUM(NEXUS_MEMBER_SYNCED);
TRACE_DEFINE_ENUM(NEXUS_MEMBER_REBUILD);
TRACE_DEFINE_ENUM(NEXUS_MEMBER_FAULTED);

#define nexus_show_reason(r)						\
	__print_symbolic(r,						\
			 { NEXUS_FAULT_NONE, "none" },			\
			 { NEXUS_FAULT_IO_ERROR, "io-error" },		\
			 { NEXUS_FAULT_TIMED_OUT, "timed-out" },	\
			 { NEXUS_FAULT_BY_CLIENT, "by-client" },	\
			 { NEXUS_FAULT_REBUILD_FAILED, "rebuild-failed" }, \
			 { NEXUS_FAULT_CANT_OPEN, "cannot-open" },	\
			 { NEXUS_FAULT_NO_SPACE, "no-space" },		\
			 { NEXUS_FAULT_LABEL, "label-write-failed" })

#define nexus_show_state(s)						\
	__print_symbolic(s,						\
			 { NEXUS_MEMBER_SYNCED, "synced" },		\
			 { NEXUS_MEMBER_REBUILD, "rebuilding" },	\
			 { NEXUS_MEMBER_FAULTED, "faulted" })

#ifndef NEXUS_TRACE_HELPERS
#define NEXUS_TRACE_HELPERS
/* The fields vol, child and slot, which the child events start with. */
static inline void nexus_tp_child(char *vol, u8 *uuid, u8 *slot, const struct nexus_child *c)
{
	strscpy(vol, c->vol->name, NEXUS_NAME_LEN);
	memcpy(uuid, &c->uuid, sizeof(c->uuid));
	*slot = c->slot;
}
#endif

TRACE_EVENT(nexus_child_io_error,
	TP_PROTO(const struct nexus_child *child, blk_opf_t opf, sector_t sector, u32 bytes,
		 blk_status_t status),
	TP_ARGS(child, opf, sector, bytes, status),
	TP_STRUCT__entry(
		__array(char, vol, NEXUS_NAME_LEN)
		__array(u8, child, 16)
		__field(u8, slot)
		__field(sector_t, sector)
		__field(u32, bytes)
		__field(int, error)
		__array(char, rwbs, NEXUS_RWBS_LEN)
	),
	TP_fast_assign(
		nexus_tp_child(__entry->vol, __entry->child, &__entry->slot, child);
		__entry->sector = sector;
		__entry->bytes = bytes;
		__entry->error = blk_status_to_errno(status);
		blk_fill_rwbs(__entry->rwbs, opf);
	),
	TP_printk("%s child %u %pUb: %s of %u bytes at sector %llu: error %d",
		  __entry->vol, __entry->slot, __entry->child, __entry->rwbs,
		  __entry->bytes, (unsigned long long)__entry->sector, __entry->error)
);

TRACE_EVENT(nexus_child_fault,
	TP_PROTO(const struct nexus_child *child, u8 was, u8 reason, bool refused),
	TP_ARGS(child, was, reason, refused),
	TP_STRUCT__entry(
		__array(char, vol, NEXUS_NAME_LEN)
		__array(u8, child, 16)
		__field(u8, slot)
		__field(u8, was)
		__field(u8, reason)
		__field(bool, refused)
	),
	TP_fast_assign(
		nexus_tp_child(__entry->vol, __entry->child, &__entry->slot, child);
		__entry->was = was;
		__entry->reason = reason;
		__entry->refused = refused;
	),
	TP_printk("%s child %u %pUb: %s, was %s, refused=%d",
		  __entry->vol, __entry->slot, __entry->child,
		  nexus_show_reason(__entry->reason), nexus_show_state(__entry->was),
		  __entry->refused)
);

TRACE_EVENT(nexus_read_retry,
	TP_PROTO(const struct nexus_child *failed, sector_t sector, u32 bytes, int error),
	TP_ARGS(failed, sector, bytes, error),
	TP_STRUCT__entry(
		__array(char, vol, NEXUS_NAME_LEN)
		__array(u8, child, 16)
		__field(u8, slot)
		__field(sector_t, sector)
		__field(u32, bytes)
		__field(int, error)
	),
	TP_fast_assign(
		nexus_tp_child(__entry->vol, __entry->child, &__entry->slot, failed);
		__entry->sector = sector;
		__entry->bytes = bytes;
		__entry->error = error;
	),
	TP_printk("%s: read of %u bytes at sector %llu failed on child %u %pUb (error %d): sent again",
		  __entry->vol, __entry->bytes, (unsigned long long)__entry->sector,
		  __entry->slot, __entry->child, __entry->error)
);

TRACE_EVENT(nexus_label_write,
	TP_PROTO(const struct nexus_vol *vol, u64 event, unsigned long written,
		 unsigned long failed, u64 ns),
	TP_ARGS(vol, event, written, failed, ns),
	TP_STRUCT__entry(
		__array(char, vol, NEXUS_NAME_LEN)
		__field(u64, event)
		__field(unsigned long, written)
		__field(unsigned long, failed)
		__field(u64, us)
	),
	TP_fast_assign(
		strscpy(__entry->vol, vol->name, NEXUS_NAME_LEN);
		__entry->event = event;
		__entry->written = written;
		__entry->failed = failed;
		__entry->us = div_u64(ns, NSEC_PER_USEC);
	),
	TP_printk("%s: event %llu to children 0x%lx, failed 0x%lx, in %llu us",
		  __entry->vol, __entry->event, __entry->written, __entry->failed,
		  __entry->us)
);

TRACE_EVENT(nexus_rebuild_segment,
	TP_PROTO(const struct nexus_child *child, u64 offset, u32 bytes, u64 ns, int error),
	TP_ARGS(child, offset, bytes, ns, error),
	TP_STRUCT__entry(
		__array(char, vol, NEXUS_NAME_LEN)
		__array(u8, child, 16)
		__field(u8, slot)
		__field(u64, offset)
		__field(u32, bytes)
		__field(u64, us)
		__field(int, error)
	),
	TP_fast_assign(
		nexus_tp_child(__entry->vol, __entry->child, &__entry->slot, child);
		__entry->offset = offset;
		__entry->bytes = bytes;
		__entry->us = div_u64(ns, NSEC_PER_USEC);
		__entry->error = error;
	),
	TP_printk("%s child %u %pUb: %u bytes at offset %llu in %llu us: error %d",
		  __entry->vol, __entry->slot, __entry->child, __entry->bytes,
		  __entry->offset, __entry->us, __entry->error)
);

#endif /* NEXUS_TRACE_H */

/* This part must be outside the guard: define_trace.h reads the file again. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH kmod
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE nexus_trace
#include <trace/define_trace.h>
