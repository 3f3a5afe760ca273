/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel names kmod/format.c uses, for userspace: nexusctl compiles
 * that file as it is, so that the offline checker parses a pool exactly
 * as the module does.  Only what format.c needs belongs here.
 */
#ifndef NEXUS_KSHIM_H
#define NEXUS_KSHIM_H

#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#ifndef U16_MAX
#define U16_MAX		UINT16_MAX
#define U32_MAX		UINT32_MAX
#define U64_MAX		UINT64_MAX
#endif

#define le16_to_cpu(x)	le16toh(x)
#define le32_to_cpu(x)	le32toh(x)
#define le64_to_cpu(x)	le64toh(x)
#define cpu_to_le16(x)	htole16(x)
#define cpu_to_le32(x)	htole32(x)
#define cpu_to_le64(x)	htole64(x)

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define DIV_ROUND_UP_ULL(n, d)	DIV_ROUND_UP((unsigned long long)(n), (d))
#define round_up(x, y)		((((x) + (y) - 1) / (y)) * (y))
#define min_t(t, a, b)		((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define __printf(a, b)		__attribute__((format(printf, a, b)))
#define static_assert(expr)	_Static_assert(expr, #expr)
#define GFP_KERNEL		0

#ifndef EUCLEAN
#define EUCLEAN			117
#endif

static inline void *kvcalloc(size_t n, size_t size, int gfp)
{
	(void)gfp;
	return calloc(n ? n : 1, size);
}

static inline void kvfree(const void *p)
{
	free((void *)p);
}

#define BITS_PER_LONG	(8 * sizeof(long))

static inline unsigned long *bitmap_zalloc(unsigned int bits, int gfp)
{
	return kvcalloc(DIV_ROUND_UP(bits, BITS_PER_LONG), sizeof(long), gfp);
}

static inline void bitmap_free(unsigned long *map)
{
	free(map);
}

static inline bool test_bit(unsigned long nr, const unsigned long *map)
{
	return map[nr / BITS_PER_LONG] & (1UL << (nr % BITS_PER_LONG));
}

static inline void __set_bit(unsigned long nr, unsigned long *map)
{
	map[nr / BITS_PER_LONG] |= 1UL << (nr % BITS_PER_LONG);
}

/* The kernel's sort() without the swap function: qsort. */
static inline void sort(void *base, size_t num, size_t size,
			int (*cmp)(const void *, const void *), void *swap)
{
	(void)swap;
	qsort(base, num, size, cmp);
}

/* crc32c (Castagnoli), as the kernel's crc32c(): no pre- or post-inversion. */
uint32_t crc32c(uint32_t crc, const void *data, size_t len);

#endif /* NEXUS_KSHIM_H */
