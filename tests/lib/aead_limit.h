/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's testing knob for RFC 9001 section 6.6: both AEAD limits
 * lowered to a number of packets a test can reach (0: the RFC's).
 */
#ifndef QUIC_TEST_AEAD_LIMIT_H
#define QUIC_TEST_AEAD_LIMIT_H

#include <stdio.h>

static inline void set_aead_limit(unsigned long n)
{
	FILE *f = fopen("/sys/module/quic/parameters/aead_limit", "w");

	CHECK(f);
	CHECK(fprintf(f, "%lu\n", n) > 0);
	CHECK(fclose(f) == 0);
}

#endif /* QUIC_TEST_AEAD_LIMIT_H */
