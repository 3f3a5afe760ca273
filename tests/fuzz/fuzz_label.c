// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a child's label as the module reads it at assembly
 * (kmod/label.c, built on ctl/kshim.h): choose a slot for a child of the
 * given size, then what assembly asks of the chosen label.  The input is
 * a struct nx_fuzz_hdr and the two label slots (see reseal.h).
 */
#include <stdlib.h>
#include <string.h>

#include "reseal.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct nexus_label l[NEXUS_LABEL_SLOTS];
	const char *why0, *why1;
	struct nx_fuzz_hdr hdr;
	const struct nexus_label *got;
	unsigned int i;
	int slot;

	if (size < sizeof(hdr))
		return 0;
	memcpy(&hdr, data, sizeof(hdr));
	data += sizeof(hdr);
	size -= sizeof(hdr);
	memset(l, 0, sizeof(l));
	memcpy(l, data, size < sizeof(l) ? size : sizeof(l));
	if (hdr.flags & NX_FUZZ_RESEAL)
		nx_fuzz_reseal_labels(&l[0], &l[1]);
	slot = nexus_label_pick(&l[0], &l[1], le64_to_cpu(hdr.device_bytes), &why0, &why1);
	if (slot < 0)
		return 0;
	got = &l[slot];
	/* What assembly derives from a sound label must stay in range. */
	if (nexus_label_child_bytes(got) < le64_to_cpu(got->size) ||
	    (le64_to_cpu(hdr.device_bytes) &&
	     nexus_label_child_bytes(got) > le64_to_cpu(hdr.device_bytes)))
		abort();
	if (nexus_label_chunks(got) > (u64)le32_to_cpu(got->bitmap_bytes) * 8)
		abort();
	if (nexus_label_member(got, got->child_uuid) < 0)
		abort();
	for (i = 0; i < NEXUS_MAX_CHILDREN; i++) {
		if (!nexus_member_state_name(le32_to_cpu(got->members[i].state)) ||
		    !nexus_fault_reason_name(le32_to_cpu(got->members[i].reason)))
			abort();
	}
	return 0;
}
