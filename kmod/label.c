// SPDX-License-Identifier: GPL-2.0
/*
 * nexus child labels: layout of a new volume, checksums, the checks a label
 * read from a child must pass, and which of a child's two slots counts.
 *
 * Shared with nexusctl (see label.h): no IO, no locks, no state.
 */
#ifdef __KERNEL__
#include <linux/crc32c.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/string.h>
#endif

#include "label.h"

static_assert(sizeof(struct nexus_label_member) == 64);
static_assert(sizeof(struct nexus_label) == NEXUS_LABEL_SIZE);

#define NEXUS_LABEL_CSUM_OFFSET	offsetof(struct nexus_label, csum)

u32 nexus_label_csum(const struct nexus_label *l)
{
	static const u8 zero[4];
	const u8 *p = (const u8 *)l;
	u32 crc;

	crc = crc32c(~0U, p, NEXUS_LABEL_CSUM_OFFSET);
	crc = crc32c(crc, zero, sizeof(zero));
	return crc32c(crc, p + NEXUS_LABEL_CSUM_OFFSET + sizeof(zero),
		      NEXUS_LABEL_SIZE - NEXUS_LABEL_CSUM_OFFSET - sizeof(zero));
}

u64 nexus_label_chunks(const struct nexus_label *l)
{
	u32 shift = le32_to_cpu(l->bitmap_chunk_shift);

	return (le64_to_cpu(l->size) + (1ULL << shift) - 1) >> shift;
}

u64 nexus_label_child_bytes(const struct nexus_label *l)
{
	return le64_to_cpu(l->data_offset) + le64_to_cpu(l->size);
}

/* The bitmap and data offset of a volume of @size with chunks of 2^*@shift. */
static const char *nexus_label_geometry(u64 size, u32 *shift, u32 *bitmap_bytes, u64 *data)
{
	u64 chunks, bytes;

	if (!size || size % 4096)
		return "the volume size must be a non-zero multiple of 4 KiB";
	if (size > NEXUS_MAX_VOLUME_BYTES)
		return "the volume is larger than the 8 PiB a nexus can be";
	if (*shift < NEXUS_BITMAP_CHUNK_SHIFT_MIN || *shift > NEXUS_BITMAP_CHUNK_SHIFT_MAX)
		return "the bitmap chunk must be a power of two from 64 KiB to 1 GiB";
	for (;;) {
		chunks = (size + (1ULL << *shift) - 1) >> *shift;
		bytes = round_up(DIV_ROUND_UP_ULL(chunks, 8), 4096);
		if (bytes <= NEXUS_BITMAP_MAX_BYTES)
			break;
		if (*shift == NEXUS_BITMAP_CHUNK_SHIFT_MAX)
			return "the volume is too large for the write-intent bitmap";
		(*shift)++;
	}
	*bitmap_bytes = (u32)bytes;
	*data = round_up(NEXUS_LABEL_BITMAP_OFFSET + bytes, NEXUS_LABEL_DATA_ALIGN);
	return NULL;
}

const char *nexus_label_layout(struct nexus_label *l, u64 size, u32 chunk_shift)
{
	const char *why;
	u32 bytes;
	u64 data;

	why = nexus_label_geometry(size, &chunk_shift, &bytes, &data);
	if (why)
		return why;
	l->size = cpu_to_le64(size);
	l->data_offset = cpu_to_le64(data);
	l->bitmap_offset = cpu_to_le64(NEXUS_LABEL_BITMAP_OFFSET);
	l->bitmap_chunk_shift = cpu_to_le32(chunk_shift);
	l->bitmap_bytes = cpu_to_le32(bytes);
	return NULL;
}

void nexus_label_seal(struct nexus_label *l, u32 slot)
{
	l->magic = cpu_to_le64(NEXUS_LABEL_MAGIC);
	l->version = cpu_to_le16(NEXUS_LABEL_VERSION);
	l->slot = cpu_to_le16(slot);
	l->csum = cpu_to_le32(nexus_label_csum(l));
}

static bool nexus_label_zero(const u8 *p, size_t len)
{
	while (len--)
		if (*p++)
			return false;
	return true;
}

static const char *nexus_label_check_members(const struct nexus_label *l)
{
	unsigned int i, j, used = 0;

	for (i = 0; i < NEXUS_MAX_CHILDREN; i++) {
		const struct nexus_label_member *m = &l->members[i];
		u32 state = le32_to_cpu(m->state);

		if (state == NEXUS_MEMBER_EMPTY)
			continue;
		if (state > NEXUS_MEMBER_FAULTED)
			return "a member has an unknown state";
		if (le32_to_cpu(m->reason) > NEXUS_FAULT_LABEL)
			return "a member has an unknown fault reason";
		if (le64_to_cpu(m->rebuild_offset) > le64_to_cpu(l->size))
			return "a member's rebuild offset is past the volume's end";
		if (nexus_label_zero(m->uuid, sizeof(m->uuid)))
			return "a member has a nil uuid";
		for (j = 0; j < i; j++)
			if (le32_to_cpu(l->members[j].state) != NEXUS_MEMBER_EMPTY &&
			    !memcmp(l->members[j].uuid, m->uuid, sizeof(m->uuid)))
				return "two members have the same uuid";
		used++;
	}
	if (!used)
		return "the member table is empty";
	if (nexus_label_member(l, l->child_uuid) < 0)
		return "the child is not in its own member table";
	return NULL;
}

const char *nexus_label_check(const struct nexus_label *l, u32 slot, u64 child_bytes)
{
	u64 size = le64_to_cpu(l->size), data;
	u32 shift = le32_to_cpu(l->bitmap_chunk_shift), want = shift, bytes;

	if (le64_to_cpu(l->magic) != NEXUS_LABEL_MAGIC)
		return "no nexus label (bad magic)";
	if (le32_to_cpu(l->csum) != nexus_label_csum(l))
		return "the label fails its checksum";
	if (le16_to_cpu(l->version) != NEXUS_LABEL_VERSION)
		return "unknown label version";
	if (le16_to_cpu(l->slot) != slot)
		return "the label belongs to the other slot (misdirected write)";
	if (le32_to_cpu(l->feature_incompat) & ~NEXUS_LABEL_INCOMPAT_SUPP)
		return "the label has incompatible features this module does not know";
	if (le32_to_cpu(l->feature_ro_compat) & ~NEXUS_LABEL_RO_COMPAT_SUPP)
		return "the label has read-only features this module does not know";
	if (le32_to_cpu(l->flags) & ~NEXUS_LABEL_FLAGS_KNOWN)
		return "the label has unknown flags";
	if (!memchr(l->name, 0, sizeof(l->name)))
		return "the nexus name is not terminated";
	if (nexus_label_zero(l->nexus_uuid, sizeof(l->nexus_uuid)))
		return "the nexus uuid is nil";
	/* The layout must be exactly what this size and chunk give. */
	if (nexus_label_geometry(size, &shift, &bytes, &data) || shift != want ||
	    le64_to_cpu(l->data_offset) != data ||
	    le64_to_cpu(l->bitmap_offset) != NEXUS_LABEL_BITMAP_OFFSET ||
	    le32_to_cpu(l->bitmap_bytes) != bytes)
		return "the label's layout (size, bitmap, data offset) is inconsistent";
	if (child_bytes && nexus_label_child_bytes(l) > child_bytes)
		return "the child is smaller than the volume its label describes";
	return nexus_label_check_members(l);
}

int nexus_label_pick(const struct nexus_label *l0, const struct nexus_label *l1,
		     u64 child_bytes, const char **why0, const char **why1)
{
	*why0 = nexus_label_check(l0, 0, child_bytes);
	*why1 = nexus_label_check(l1, 1, child_bytes);
	if (*why0 && *why1)
		return -1;
	if (*why0)
		return 1;
	if (*why1)
		return 0;
	/* Both sound: the later write, which must be of another nexus event. */
	return le64_to_cpu(l1->event) > le64_to_cpu(l0->event) ? 1 : 0;
}

int nexus_label_member(const struct nexus_label *l, const u8 uuid[16])
{
	int i;

	for (i = 0; i < NEXUS_MAX_CHILDREN; i++)
		if (le32_to_cpu(l->members[i].state) != NEXUS_MEMBER_EMPTY &&
		    !memcmp(l->members[i].uuid, uuid, 16))
			return i;
	return -1;
}

const char *nexus_member_state_name(u32 state)
{
	static const char * const names[] = {
		[NEXUS_MEMBER_EMPTY] = "empty",
		[NEXUS_MEMBER_SYNCED] = "synced",
		[NEXUS_MEMBER_REBUILD] = "rebuilding",
		[NEXUS_MEMBER_FAULTED] = "faulted",
	};

	return state < ARRAY_SIZE(names) ? names[state] : "unknown";
}

const char *nexus_fault_reason_name(u32 reason)
{
	static const char * const names[] = {
		[NEXUS_FAULT_NONE] = "none",
		[NEXUS_FAULT_IO_ERROR] = "io-error",
		[NEXUS_FAULT_TIMED_OUT] = "timed-out",
		[NEXUS_FAULT_BY_CLIENT] = "by-client",
		[NEXUS_FAULT_REBUILD_FAILED] = "rebuild-failed",
		[NEXUS_FAULT_CANT_OPEN] = "cannot-open",
		[NEXUS_FAULT_NO_SPACE] = "no-space",
		[NEXUS_FAULT_LABEL] = "label-write-failed",
	};

	return reason < ARRAY_SIZE(names) ? names[reason] : "unknown";
}
