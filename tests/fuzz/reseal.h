/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fuzzers' view of on-disk images, shared by the libFuzzer targets
 * (fuzz_format.c, fuzz_label.c) and the guest's image mutator (mutate.c):
 * the layout of a fuzz input, and "reseal": give every block the checksum
 * it must carry, so that a mutation reaches the checks behind the checksum
 * instead of stopping at it.  Built on ctl/kshim.h and the module's own
 * format.c and label.c.
 */
#ifndef NEXUS_FUZZ_RESEAL_H
#define NEXUS_FUZZ_RESEAL_H

#include "format.h"
#include "label.h"

/*
 * A fuzz input, pool or label: this header, then the blocks.  Pool: the
 * two superblock slots, then the metadata copy the chosen one names.
 * Label: the two label slots, then the write-intent bitmap.
 */
struct nx_fuzz_hdr {
	__u8 flags;		/* NX_FUZZ_* */
	__u8 pad[7];
	__le64 device_bytes;	/* what the device's size would be */
};

#define NX_FUZZ_RESEAL	0x1	/* reseal before parsing */

/* Checksum each superblock slot with its own seed. */
void nx_fuzz_reseal_sbs(struct nexus_sb *sb0, struct nexus_sb *sb1);
/* Checksum every metadata block whose header has a type, with @seed. */
void nx_fuzz_reseal_md(void *md, u32 nr_blocks, u32 seed);
/* Checksum both label slots. */
void nx_fuzz_reseal_labels(struct nexus_label *l0, struct nexus_label *l1);

#endif /* NEXUS_FUZZ_RESEAL_H */
