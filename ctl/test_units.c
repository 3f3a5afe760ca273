// SPDX-License-Identifier: GPL-2.0
/* Unit tests of nexusctl's unit parsing and formatting (units.c). */
#define _GNU_SOURCE	/* open_memstream */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nexusctl.h"
#include "test.h"


static void test_duration(void)
{
	uint64_t ms;

	CHECK(nx_parse_duration_ms("5000", &ms) == 0 && ms == 5000);
	CHECK(nx_parse_duration_ms("250ms", &ms) == 0 && ms == 250);
	CHECK(nx_parse_duration_ms("5s", &ms) == 0 && ms == 5000);
	CHECK(nx_parse_duration_ms("2m", &ms) == 0 && ms == 120000);
	CHECK(nx_parse_duration_ms("1h", &ms) == 0 && ms == 3600000);
	CHECK(nx_parse_duration_ms("", &ms) == -EINVAL);
	CHECK(nx_parse_duration_ms("-5", &ms) == -EINVAL);
	CHECK(nx_parse_duration_ms("5 s", &ms) == -EINVAL);
	CHECK(nx_parse_duration_ms("5sec", &ms) == -EINVAL);
	CHECK(nx_parse_duration_ms("99999999999999999999", &ms) == -ERANGE);
	CHECK(nx_parse_duration_ms("18446744073709551615h", &ms) == -ERANGE);
}

static void test_rate(void)
{
	uint64_t kib;

	CHECK(nx_parse_rate_kib("1024", &kib) == 0 && kib == 1024);
	CHECK(nx_parse_rate_kib("100M", &kib) == 0 && kib == 102400);
	CHECK(nx_parse_rate_kib("100M/s", &kib) == 0 && kib == 102400);
	CHECK(nx_parse_rate_kib("1G", &kib) == 0 && kib == 1048576);
	CHECK(nx_parse_rate_kib("1GiB/s", &kib) == 0 && kib == 1048576);
	CHECK(nx_parse_rate_kib("4k", &kib) == 0 && kib == 4);
	CHECK(nx_parse_rate_kib("unlimited", &kib) == -EINVAL);
	CHECK(nx_parse_rate_cap_kib("unlimited", &kib) == 0 && kib == 0);
	CHECK(nx_parse_rate_cap_kib("none", &kib) == 0 && kib == 0);
	CHECK(nx_parse_rate_cap_kib("2M", &kib) == 0 && kib == 2048);
	CHECK(nx_parse_rate_kib("1X", &kib) == -EINVAL);
	CHECK(nx_parse_rate_kib("1.5G", &kib) == -EINVAL);
	CHECK(nx_parse_rate_kib("/s", &kib) == -EINVAL);
	CHECK(nx_parse_rate_kib("16E", &kib) == -ERANGE);
}

static void test_format(void)
{
	char buf[32];

	nx_format_bytes(0, buf, sizeof(buf));
	CHECK(!strcmp(buf, "0 B"));
	nx_format_bytes(512, buf, sizeof(buf));
	CHECK(!strcmp(buf, "512 B"));
	nx_format_bytes(4096, buf, sizeof(buf));
	CHECK(!strcmp(buf, "4 KiB"));
	nx_format_bytes(1536ULL << 20, buf, sizeof(buf));
	CHECK(!strcmp(buf, "1.5 GiB"));
	nx_format_bytes(UINT64_MAX, buf, sizeof(buf));
	CHECK(!strcmp(buf, "15.9 EiB"));
	nx_format_rate_kib(1024, buf, sizeof(buf));
	CHECK(!strcmp(buf, "1 MiB/s"));
}

/* nx_put_json_text(@in) must write @want and a newline. */
static int json_text_is(const char *in, const char *want)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int ok;

	if (!f)
		return 0;
	nx_put_json_text(f, in);
	fclose(f);
	ok = len == strlen(want) + 1 && !memcmp(buf, want, len - 1) && buf[len - 1] == '\n';
	if (!ok)
		fprintf(stderr, "json text: got '%.*s'\n", (int)len, buf);
	free(buf);
	return ok;
}

static void test_json_text(void)
{
	CHECK(json_text_is("{\"a\": \"plain\"}", "{\"a\": \"plain\"}"));
	CHECK(json_text_is("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xbe\"",
			   "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xbe\""));
	CHECK(json_text_is("\"a\x80" "b\"", "\"a\\ufffdb\""));		/* lone continuation */
	CHECK(json_text_is("\"\xc3\"", "\"\\ufffd\""));			/* cut short */
	CHECK(json_text_is("\"\xc0\xaf\"", "\"\\ufffd\\ufffd\""));	/* overlong '/' */
	CHECK(json_text_is("\"\xed\xa0\x80\"", "\"\\ufffd\\ufffd\\ufffd\""));	/* surrogate */
	CHECK(json_text_is("\"\xf4\x90\x80\x80\"",
			   "\"\\ufffd\\ufffd\\ufffd\\ufffd\""));	/* past U+10FFFF */
	CHECK(json_text_is("\"\xff\"", "\"\\ufffd\""));
	CHECK(json_text_is("", ""));
}

int main(void)
{
	test_duration();
	test_rate();
	test_json_text();
	test_format();
	if (failures) {
		fprintf(stderr, "test_units: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test_units: all checks passed\n");
	return 0;
}
