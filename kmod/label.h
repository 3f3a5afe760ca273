/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Checking and building nexus child labels (include/nexus_label.h), shared
 * by the module and nexusctl as format.h is: label.c builds on the kernel
 * headers in the module and on ctl/kshim.h in userspace.  No IO here.
 */
#ifndef NEXUS_LABEL_CODE_H
#define NEXUS_LABEL_CODE_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include "kshim.h"
#endif

#include "nexus_label.h"

/*
 * Fill in the layout fields of @l (size, data offset, bitmap) for a volume
 * of @size bytes and chunks of about 2^@chunk_shift bytes.  NULL, or why
 * not (the chunk may grow, see NEXUS_BITMAP_MAX_BYTES).
 */
const char *nexus_label_layout(struct nexus_label *l, u64 size, u32 chunk_shift);
/* Bytes a child needs to hold the volume @l describes. */
u64 nexus_label_child_bytes(const struct nexus_label *l);
/* Chunks of the write-intent bitmap. */
u64 nexus_label_chunks(const struct nexus_label *l);
/* The checksum @l must carry (crc32c of the block, csum taken as 0). */
u32 nexus_label_csum(const struct nexus_label *l);
/* Set slot and checksum: the label is ready to be written to @slot. */
void nexus_label_seal(struct nexus_label *l, u32 slot);
/*
 * NULL if @l, read from slot @slot of a child of @child_bytes, is a sound
 * label, else why not.  @child_bytes 0 skips the size check.
 */
const char *nexus_label_check(const struct nexus_label *l, u32 slot, u64 child_bytes);
/* Which slot holds the child's label: 0, 1, or -1 if neither is sound. */
int nexus_label_pick(const struct nexus_label *l0, const struct nexus_label *l1,
		     u64 child_bytes, const char **why0, const char **why1);
/* The member table index of @uuid in @l, or -1. */
int nexus_label_member(const struct nexus_label *l, const u8 uuid[16]);
/* Names of member states and fault reasons, for messages and tools. */
const char *nexus_member_state_name(u32 state);
const char *nexus_fault_reason_name(u32 reason);

#endif /* NEXUS_LABEL_CODE_H */
