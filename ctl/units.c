// SPDX-License-Identifier: GPL-2.0
/*
 * Human units in and out: sizes with binary suffixes (10G, 512M, 4KiB),
 * rates (100M = 100 MiB/s), durations (5s, 250ms, 2m).  Parsers accept
 * only what they fully understand: no trailing junk, no overflow.  And
 * text out: JSON made valid UTF-8 whatever bytes its strings hold.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nexusctl.h"

/* Split "<digits><suffix>"; 0 on success. */
static int nx_split(const char *s, uint64_t *num, const char **suffix)
{
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	*num = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	*suffix = end;
	return 0;
}

static int nx_mul(uint64_t a, uint64_t b, uint64_t *out)
{
	if (a && b > UINT64_MAX / a)
		return -ERANGE;
	*out = a * b;
	return 0;
}

int nx_parse_u64(const char *s, uint64_t *out)
{
	const char *suffix;
	int ret = nx_split(s, out, &suffix);

	if (ret)
		return ret;
	return *suffix ? -EINVAL : 0;
}

/* A size in bytes: 4096, 4K, 4KiB, 4k, 1.5 is refused (no fractions). */
int nx_parse_size(const char *s, uint64_t *bytes)
{
	static const char units[] = "KMGTPE";
	const char *suffix, *u;
	uint64_t num, mul = 1;
	int ret;

	ret = nx_split(s, &num, &suffix);
	if (ret)
		return ret;
	if (*suffix) {
		u = strchr(units, toupper((unsigned char)*suffix));
		if (!u)
			return -EINVAL;
		mul = 1ULL << (10 * (u - units + 1));
		suffix++;
		if (!strcmp(suffix, "iB") || !strcmp(suffix, "B"))
			suffix += strlen(suffix);
		if (*suffix)
			return -EINVAL;
	}
	return nx_mul(num, mul, bytes);
}

int nx_parse_duration_ms(const char *s, uint64_t *ms)
{
	const char *suffix;
	uint64_t num, mul;
	int ret;

	ret = nx_split(s, &num, &suffix);
	if (ret)
		return ret;
	if (!*suffix || !strcmp(suffix, "ms"))
		mul = 1;
	else if (!strcmp(suffix, "s"))
		mul = 1000;
	else if (!strcmp(suffix, "m") || !strcmp(suffix, "min"))
		mul = 60 * 1000;
	else if (!strcmp(suffix, "h"))
		mul = 3600 * 1000;
	else
		return -EINVAL;
	return nx_mul(num, mul, ms);
}

/*
 * A rate in KiB/s: a bare number is KiB/s, a size is per second ("100M",
 * "100M/s", "1G").
 */
int nx_parse_rate_kib(const char *s, uint64_t *kib)
{
	char buf[64];
	size_t len;
	uint64_t bytes;
	int ret;

	len = strlen(s);
	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len + 1);
	if (len > 2 && !strcmp(buf + len - 2, "/s"))
		buf[len - 2] = '\0';
	if (nx_parse_u64(buf, kib) == 0)
		return 0;
	ret = nx_parse_size(buf, &bytes);
	if (ret)
		return ret;
	if (bytes % 1024)
		return -EINVAL;
	*kib = bytes / 1024;
	return 0;
}

/* A rate cap: a rate, or "none"/"unlimited" for no cap (0). */
int nx_parse_rate_cap_kib(const char *s, uint64_t *kib)
{
	if (!strcasecmp(s, "none") || !strcasecmp(s, "unlimited")) {
		*kib = 0;
		return 0;
	}
	return nx_parse_rate_kib(s, kib);
}

/* "512 B", "4 KiB", "1.5 GiB": one decimal, dropped when it is 0. */
void nx_format_bytes(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned int u = 0;
	uint64_t whole = bytes, tenths = 0;

	while (whole >= 1024 && u < 6) {
		tenths = (whole % 1024) * 10 / 1024;
		whole /= 1024;
		u++;
	}
	if (tenths)
		snprintf(buf, len, "%llu.%llu %s", (unsigned long long)whole,
			 (unsigned long long)tenths, units[u]);
	else
		snprintf(buf, len, "%llu %s", (unsigned long long)whole, units[u]);
}

void nx_format_rate_kib(uint64_t kib, char *buf, size_t len)
{
	size_t n;

	nx_format_bytes(kib * 1024, buf, len);
	n = strlen(buf);
	snprintf(buf + n, len - n, "/s");
}

/* A uuid in its canonical form, 8-4-4-4-12 hex digits. */
int nx_parse_uuid(const char *s, uint8_t uuid[16])
{
	static const int dash[] = { 8, 13, 18, 23 };
	unsigned int i, j = 0, d = 0;
	int hi = -1, v;

	if (strlen(s) != 36)
		return -EINVAL;
	for (i = 0; i < 36; i++) {
		if (d < 4 && (int)i == dash[d]) {
			if (s[i] != '-')
				return -EINVAL;
			d++;
			continue;
		}
		if (!isxdigit((unsigned char)s[i]))
			return -EINVAL;
		v = isdigit((unsigned char)s[i]) ? s[i] - '0' : tolower((unsigned char)s[i]) - 'a' + 10;
		if (hi < 0) {
			hi = v;
		} else {
			uuid[j++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return 0;
}

void nx_format_uuid(const uint8_t uuid[16], char buf[37])
{
	static const char hex[] = "0123456789abcdef";
	unsigned int i, n = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			buf[n++] = '-';
		buf[n++] = hex[uuid[i] >> 4];
		buf[n++] = hex[uuid[i] & 15];
	}
	buf[n] = '\0';
}

/* Is @uuid other than all zeros (the nil uuid: none)? */
bool nx_uuid_set(const uint8_t uuid[16])
{
	unsigned int i;

	for (i = 0; i < 16; i++)
		if (uuid[i])
			return true;
	return false;
}

/* Length of the valid UTF-8 sequence at @s (@n bytes left), 0 if none. */
static size_t nx_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		lo = s[0] == 0xe0 ? 0xa0 : lo;		/* no overlong forms */
		hi = s[0] == 0xed ? 0x9f : hi;		/* no surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		lo = s[0] == 0xf0 ? 0x90 : lo;
		hi = s[0] == 0xf4 ? 0x8f : hi;		/* nothing past U+10FFFF */
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/*
 * Write JSON text and a newline to @f, each byte that is not part of valid
 * UTF-8 as \ufffd.  Strings from the kernel are bytes (a property read
 * from a pool, a URI another tool gave), JSON is UTF-8; outside its
 * strings JSON text is ASCII, so a bad byte is always inside a string,
 * where the escape is valid.
 */
void nx_put_json_text(FILE *f, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t n = strlen(text), len;

	while (n) {
		len = nx_utf8_seq(s, n);
		if (len) {
			fwrite(s, 1, len, f);
		} else {
			fputs("\\ufffd", f);
			len = 1;
		}
		s += len;
		n -= len;
	}
	fputc('\n', f);
}
