// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "nexus-label": the child label code (kmod/label.c, shared
 * with nexusctl), compiled into this test module: layouts and their
 * limits, a label sealed and checked, each way a label can be damaged or
 * inconsistent, and which of a child's two slots counts.
 */
#include <kunit/test.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "../kmod/label.c"

#define NEXUS_TEST_SIZE		(256ULL << 20)

/* A sound label of a 3-member nexus, as child @me, sealed for @slot. */
static struct nexus_label *nexus_label_new(struct kunit *test, unsigned int me, u32 slot,
					   u64 event)
{
	struct nexus_label *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, l);
	KUNIT_ASSERT_NULL(test, nexus_label_layout(l, NEXUS_TEST_SIZE,
						   NEXUS_BITMAP_CHUNK_SHIFT_DEFAULT));
	strscpy(l->name, "vol1", sizeof(l->name));
	memset(l->nexus_uuid, 0x11, sizeof(l->nexus_uuid));
	for (i = 0; i < 3; i++) {
		memset(l->members[i].uuid, 0x20 + i, 16);
		l->members[i].state = cpu_to_le32(NEXUS_MEMBER_SYNCED);
		l->members[i].rebuild_offset = l->size;
	}
	memcpy(l->child_uuid, l->members[me].uuid, 16);
	l->event = cpu_to_le64(event);
	nexus_label_seal(l, slot);
	return l;
}

/* A check's verdict as a string: KUNIT_EXPECT_STREQ cannot take NULL. */
static const char *nexus_label_why(const char *why)
{
	return why ? why : "(sound)";
}

static void nexus_label_test_layout(struct kunit *test)
{
	struct nexus_label *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, l);
	/* 256 MiB at 4 MiB chunks: 64 bits, one 4 KiB block, data at 1 MiB. */
	KUNIT_EXPECT_NULL(test, nexus_label_layout(l, NEXUS_TEST_SIZE, 22));
	KUNIT_EXPECT_EQ(test, le32_to_cpu(l->bitmap_bytes), 4096U);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(l->data_offset), 1ULL << 20);
	KUNIT_EXPECT_EQ(test, nexus_label_chunks(l), 64ULL);
	KUNIT_EXPECT_EQ(test, nexus_label_child_bytes(l), NEXUS_TEST_SIZE + (1 << 20));
	/* 64 TiB at 64 KiB chunks would need 128 MiB of bitmap: the chunk grows. */
	KUNIT_EXPECT_NULL(test, nexus_label_layout(l, 64ULL << 40, 16));
	KUNIT_EXPECT_LE(test, le32_to_cpu(l->bitmap_bytes), NEXUS_BITMAP_MAX_BYTES);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(l->bitmap_chunk_shift), 23U);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(l->data_offset) % NEXUS_LABEL_DATA_ALIGN, 0ULL);
	/* Sizes and chunks out of range. */
	KUNIT_EXPECT_NOT_NULL(test, nexus_label_layout(l, 0, 22));
	KUNIT_EXPECT_NOT_NULL(test, nexus_label_layout(l, 4097, 22));
	KUNIT_EXPECT_NOT_NULL(test, nexus_label_layout(l, NEXUS_TEST_SIZE, 15));
	KUNIT_EXPECT_NOT_NULL(test, nexus_label_layout(l, NEXUS_TEST_SIZE, 31));
}

static void nexus_label_test_sound(struct kunit *test)
{
	struct nexus_label *l = nexus_label_new(test, 1, 0, 7);

	KUNIT_EXPECT_NULL(test, nexus_label_check(l, 0, 0));
	KUNIT_EXPECT_NULL(test, nexus_label_check(l, 0, NEXUS_TEST_SIZE + (1 << 20)));
	KUNIT_EXPECT_EQ(test, nexus_label_member(l, l->child_uuid), 1);
	KUNIT_EXPECT_STREQ(test, nexus_label_why(nexus_label_check(l, 0, NEXUS_TEST_SIZE)),
			   "the child is smaller than the volume its label describes");
	KUNIT_EXPECT_STREQ(test, nexus_label_why(nexus_label_check(l, 1, 0)),
			   "the label belongs to the other slot (misdirected write)");
}

/* One damage, resealed (or not), and the reason the check gives. */
static void nexus_label_expect(struct kunit *test, struct nexus_label *l, bool reseal,
			       const char *why)
{
	const char *got;

	if (reseal)
		nexus_label_seal(l, 0);
	got = nexus_label_check(l, 0, 0);
	if (!why)
		KUNIT_EXPECT_NULL(test, got);
	else
		KUNIT_EXPECT_STREQ(test, nexus_label_why(got), why);
}

static void nexus_label_test_damage(struct kunit *test)
{
	struct nexus_label *l;

	l = nexus_label_new(test, 0, 0, 1);
	l->name[0] ^= 1;		/* a flipped bit: the checksum says so */
	nexus_label_expect(test, l, false, "the label fails its checksum");

	l = nexus_label_new(test, 0, 0, 1);
	l->magic = 0;
	nexus_label_expect(test, l, false, "no nexus label (bad magic)");

	l = nexus_label_new(test, 0, 0, 1);
	l->feature_incompat = cpu_to_le32(1);
	nexus_label_expect(test, l, true,
			   "the label has incompatible features this module does not know");

	l = nexus_label_new(test, 0, 0, 1);
	l->flags = cpu_to_le32(0x100);
	nexus_label_expect(test, l, true, "the label has unknown flags");

	l = nexus_label_new(test, 0, 0, 1);
	l->data_offset = cpu_to_le64(2 << 20);
	nexus_label_expect(test, l, true,
			   "the label's layout (size, bitmap, data offset) is inconsistent");

	l = nexus_label_new(test, 0, 0, 1);
	memset(l->name, 'x', sizeof(l->name));
	nexus_label_expect(test, l, true, "the nexus name is not terminated");
}

static void nexus_label_test_members(struct kunit *test)
{
	struct nexus_label *l;

	l = nexus_label_new(test, 0, 0, 1);
	memcpy(l->members[2].uuid, l->members[1].uuid, 16);
	nexus_label_expect(test, l, true, "two members have the same uuid");

	l = nexus_label_new(test, 0, 0, 1);
	l->members[0].state = cpu_to_le32(NEXUS_MEMBER_EMPTY);	/* itself */
	nexus_label_expect(test, l, true, "the child is not in its own member table");

	l = nexus_label_new(test, 0, 0, 1);
	l->members[1].state = cpu_to_le32(9);
	nexus_label_expect(test, l, true, "a member has an unknown state");

	l = nexus_label_new(test, 0, 0, 1);
	l->members[1].rebuild_offset = cpu_to_le64(NEXUS_TEST_SIZE + 1);
	nexus_label_expect(test, l, true, "a member's rebuild offset is past the volume's end");

	l = nexus_label_new(test, 0, 0, 1);
	l->members[1].state = cpu_to_le32(NEXUS_MEMBER_FAULTED);
	l->members[1].reason = cpu_to_le32(NEXUS_FAULT_TIMED_OUT);
	nexus_label_expect(test, l, true, NULL);
}

static void nexus_label_test_pick(struct kunit *test)
{
	struct nexus_label *l0 = nexus_label_new(test, 0, 0, 4);
	struct nexus_label *l1 = nexus_label_new(test, 0, 1, 5);
	const char *why0, *why1;

	/* Both sound: the later event. */
	KUNIT_EXPECT_EQ(test, nexus_label_pick(l0, l1, 0, &why0, &why1), 1);
	KUNIT_EXPECT_EQ(test, nexus_label_pick(l1, l0, 0, &why0, &why1), -1);
	/* A torn write to slot 1: slot 0 holds, and the other says why. */
	l1->event = cpu_to_le64(6);
	KUNIT_EXPECT_EQ(test, nexus_label_pick(l0, l1, 0, &why0, &why1), 0);
	KUNIT_EXPECT_STREQ(test, nexus_label_why(why1), "the label fails its checksum");
	l0->size = 0;
	KUNIT_EXPECT_EQ(test, nexus_label_pick(l0, l1, 0, &why0, &why1), -1);
}

static void nexus_label_test_names(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, nexus_member_state_name(NEXUS_MEMBER_REBUILD), "rebuilding");
	KUNIT_EXPECT_STREQ(test, nexus_member_state_name(42), "unknown");
	KUNIT_EXPECT_STREQ(test, nexus_fault_reason_name(NEXUS_FAULT_TIMED_OUT), "timed-out");
	KUNIT_EXPECT_STREQ(test, nexus_fault_reason_name(99), "unknown");
}

static struct kunit_case nexus_label_test_cases[] = {
	KUNIT_CASE(nexus_label_test_layout),
	KUNIT_CASE(nexus_label_test_sound),
	KUNIT_CASE(nexus_label_test_damage),
	KUNIT_CASE(nexus_label_test_members),
	KUNIT_CASE(nexus_label_test_pick),
	KUNIT_CASE(nexus_label_test_names),
	{}
};

static struct kunit_suite nexus_label_test_suite = {
	.name = "nexus-label",
	.test_cases = nexus_label_test_cases,
};

kunit_test_suite(nexus_label_test_suite);
