/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * nexus child label, version 1: what every child of a nexus carries at its
 * start so that the nexus can be assembled again after any stop, clean or
 * not, with no external database.  docs/format.md describes it; this header
 * is the byte layout, shared by the module and nexusctl (kmod/label.c).
 *
 * All integers are little-endian.  Child layout (byte offsets):
 *
 *   0              label slot 0 (4 KiB)
 *   4 KiB          label slot 1 (4 KiB)
 *   8 KiB          write-intent bitmap, bitmap_bytes (a multiple of 4 KiB)
 *   data_offset    the volume's data (1 MiB aligned), size bytes
 *
 * Every label write bumps the nexus event counter and goes to slot
 * (event & 1) of every child that is written (in sync or being rebuilt),
 * with a cache flush before and FUA: a torn write leaves the other slot
 * whole.  A child's valid slot with the higher event is its label.
 *
 * The member table is the same in every child's label: the state of every
 * child, by uuid, as of that event.  Assembly believes the label with the
 * highest event among the children it is given.
 *
 * Write-intent bitmap: one bit per chunk of 2^bitmap_chunk_shift bytes of
 * volume data.  A bit is set on every written child, durably, before any
 * write to its chunk is issued, and cleared lazily once the chunk has been
 * idle while every member was in sync.  So, at any time, the data of two
 * children that were in sync can differ only in chunks whose bit is set,
 * and a member that left sync missed only writes to chunks whose bit is
 * still set (bits are not cleared while a member is out of sync).
 *
 * Rebuild of a member copies, from an in-sync member, every chunk whose bit
 * is set and everything at or above the member's rebuild_offset: a new
 * member starts at 0 (full rebuild), a member that left sync after having
 * been in sync has rebuild_offset = size (partial rebuild: bitmap only).
 */
#ifndef _UAPI_NEXUS_LABEL_H
#define _UAPI_NEXUS_LABEL_H

#include <linux/types.h>

#define NEXUS_LABEL_MAGIC		0x4c42414c53584e4eULL /* "NNXSLABL" */
#define NEXUS_LABEL_VERSION		1
#define NEXUS_LABEL_SIZE		4096
#define NEXUS_LABEL_SLOTS		2
#define NEXUS_LABEL_BITMAP_OFFSET	8192
#define NEXUS_LABEL_DATA_ALIGN		(1024U * 1024)

/*
 * Limits: children per nexus (md allows more, dm-mirror 9, Mayastor volumes
 * rarely exceed 5); the member table is sized for them.  Bitmap chunks:
 * 64 KiB (Mayastor's rebuild segment) to 1 GiB, default 4 MiB (DRBD's
 * activity-log extent); the chunk grows past the asked size when the
 * bitmap would exceed NEXUS_BITMAP_MAX_BYTES.
 */
#define NEXUS_MAX_CHILDREN		16
#define NEXUS_BITMAP_CHUNK_SHIFT_MIN	16
#define NEXUS_BITMAP_CHUNK_SHIFT_MAX	30
#define NEXUS_BITMAP_CHUNK_SHIFT_DEFAULT 22
#define NEXUS_BITMAP_MAX_BYTES		(1024U * 1024)
/* 2^23 chunks of at most 1 GiB: the largest volume (8 PiB). */
#define NEXUS_MAX_VOLUME_BYTES		(8ULL * 1024 * 1024 * 1024 * 1024 * 1024)

/* Feature flags: as in the pool format, none defined in version 1. */
#define NEXUS_LABEL_COMPAT_SUPP		0
#define NEXUS_LABEL_RO_COMPAT_SUPP	0
#define NEXUS_LABEL_INCOMPAT_SUPP	0

/* nexus_label.flags */
#define NEXUS_LABEL_CLEAN		0x1	/* written by a clean stop */
#define NEXUS_LABEL_FLAGS_KNOWN		NEXUS_LABEL_CLEAN

/* nexus_label_member.state */
enum nexus_member_state {
	NEXUS_MEMBER_EMPTY = 0,		/* slot not in use */
	NEXUS_MEMBER_SYNCED = 1,	/* holds the volume's data */
	NEXUS_MEMBER_REBUILD = 2,	/* written, being rebuilt */
	NEXUS_MEMBER_FAULTED = 3,	/* neither read nor written; reason */
};

/* nexus_label_member.reason: why a member is faulted (Mayastor's reasons) */
enum nexus_fault_reason {
	NEXUS_FAULT_NONE = 0,
	NEXUS_FAULT_IO_ERROR = 1,	/* a read or write failed */
	NEXUS_FAULT_TIMED_OUT = 2,	/* IO made no progress for io_timeout */
	NEXUS_FAULT_BY_CLIENT = 3,	/* an admin faulted it */
	NEXUS_FAULT_REBUILD_FAILED = 4,	/* its rebuild failed */
	NEXUS_FAULT_CANT_OPEN = 5,	/* missing or unopenable at assembly */
	NEXUS_FAULT_NO_SPACE = 6,	/* a thin child ran out of space */
	NEXUS_FAULT_LABEL = 7,		/* its label could not be written */
};

struct nexus_label_member {		/* 64 bytes */
	__u8 uuid[16];
	__le32 state;			/* enum nexus_member_state */
	__le32 reason;			/* enum nexus_fault_reason, if faulted */
	__le64 rebuild_offset;		/* bytes; see the top of this file */
	__le64 fault_event;		/* event at which it last left sync */
	__le64 fault_time;		/* seconds since the epoch, then */
	__u8 reserved[16];
};

struct nexus_label {			/* NEXUS_LABEL_SIZE bytes */
	__le64 magic;
	__le32 csum;			/* crc32c(~0) of the block, csum as 0 */
	__le16 version;
	__le16 slot;			/* the slot it was written to */
	__le64 event;
	__le32 feature_compat;
	__le32 feature_ro_compat;
	__le32 feature_incompat;
	__le32 flags;			/* NEXUS_LABEL_* */
	__u8 nexus_uuid[16];
	__u8 child_uuid[16];		/* which member this child is */
	char name[64];			/* the nexus's name, NUL-padded */
	__le64 size;			/* volume bytes, a multiple of 4 KiB */
	__le64 data_offset;		/* bytes */
	__le64 bitmap_offset;		/* bytes: NEXUS_LABEL_BITMAP_OFFSET */
	__le32 bitmap_chunk_shift;
	__le32 bitmap_bytes;
	__le64 created;			/* seconds since the epoch */
	__u8 reserved0[64];
	struct nexus_label_member members[NEXUS_MAX_CHILDREN];
	__u8 reserved[2832];
};

#endif /* _UAPI_NEXUS_LABEL_H */
