/* SPDX-License-Identifier: GPL-2.0 */
/* The host unit tests' one assertion: report, count, go on. */
#ifndef NEXUS_CTL_TEST_H
#define NEXUS_CTL_TEST_H

#include <stdio.h>

static int failures;

#define CHECK(cond) do {							\
	if (!(cond)) {								\
		fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		failures++;							\
	}									\
} while (0)

#endif /* NEXUS_CTL_TEST_H */
