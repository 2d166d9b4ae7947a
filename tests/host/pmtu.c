// SPDX-License-Identifier: GPL-2.0
/*
 * The DPLPMTUD search (net/quic/pmtu.c) against simulated paths: a path
 * passes every probe up to its size and loses every larger one.
 */

#include "pmtu.h"

#define TEST_SUITE "pmtu"
#include "../lib/test.h"

/* Run the search to its end over a path of @path bytes; count probes. */
static u32 search(struct quic_pmtu *p, u32 max, u32 path, u32 hint)
{
	u32 size, probes = 0;
	u64 pn = 100;

	quic_pmtu_search(p, max);
	if (hint)
		quic_pmtu_hint(p, hint);
	while ((size = quic_pmtu_next(p))) {
		CHECK(size >= p->mtu && size <= max);
		quic_pmtu_sent(p, size, pn);
		/* Nothing else is the probe: an unrelated pn changes nothing. */
		CHECK(!quic_pmtu_acked(p, pn + 1));
		quic_pmtu_lost(p, pn + 1);
		CHECK(quic_pmtu_next(p) == 0);	/* one probe at a time */
		if (size <= path)
			CHECK(quic_pmtu_acked(p, pn));
		else
			quic_pmtu_lost(p, pn);
		pn += 2;
		if (++probes > 200)
			FAIL("no end after 200 probes");
	}
	CHECK(!p->searching);
	return probes;
}

TEST(first_hop_is_the_limit)
{
	struct quic_pmtu p;

	quic_pmtu_init(&p);
	CHECK(p.mtu == QUIC_PMTU_BASE);
	CHECK(quic_pmtu_next(&p) == 0);	/* nothing before a search */
	CHECK(search(&p, 8972, 9000, 0) == 1);
	CHECK(p.mtu == 8972);
}

TEST(narrower_link_further_on)
{
	static const u32 paths[] = { 1200, 1201, 1252, 1280, 1472, 4000, 8971 };
	struct quic_pmtu p;
	u32 i, probes;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		quic_pmtu_init(&p);
		probes = search(&p, 8972, paths[i], 0);
		if (p.mtu != paths[i])
			FAIL("path %u: found %u", paths[i], p.mtu);
		/* Three losses per failed size, one ack per good one. */
		CHECK(probes <= 3 * 14 + 14);
	}
}

TEST(hint_is_only_a_hint)
{
	struct quic_pmtu p;
	u32 probes_plain, probes_hint;

	/* A right hint saves probes. */
	quic_pmtu_init(&p);
	probes_plain = search(&p, 8972, 1252, 0);
	quic_pmtu_init(&p);
	probes_hint = search(&p, 8972, 1252, 1252);
	CHECK(p.mtu == 1252);
	if (probes_hint >= probes_plain)
		FAIL("%u probes with the hint, %u without", probes_hint,
		     probes_plain);
	quic_pmtu_init(&p);
	quic_pmtu_search(&p, 8972);
	/* Top size first, then the hint's size is tried next. */
	quic_pmtu_sent(&p, quic_pmtu_next(&p), 1);
	quic_pmtu_lost(&p, 1);
	quic_pmtu_sent(&p, quic_pmtu_next(&p), 2);
	quic_pmtu_lost(&p, 2);
	quic_pmtu_sent(&p, quic_pmtu_next(&p), 3);
	quic_pmtu_lost(&p, 3);
	quic_pmtu_hint(&p, 1252);
	CHECK(quic_pmtu_next(&p) == 1252);
	/* A hint changes nothing until its probe is acknowledged. */
	CHECK(p.mtu == QUIC_PMTU_BASE);

	/* A wrong (too large) hint costs probes, not correctness. */
	quic_pmtu_init(&p);
	search(&p, 8972, 1252, 4000);
	CHECK(p.mtu == 1252);
	/* A hint below what is confirmed, or out of range, is ignored. */
	quic_pmtu_hint(&p, 1000);
	quic_pmtu_hint(&p, 70000);
	CHECK(quic_pmtu_next(&p) == 0);
	CHECK(p.mtu == 1252);
}

TEST(bounds)
{
	struct quic_pmtu p;

	/* An upper bound below the base: nothing to search. */
	quic_pmtu_init(&p);
	quic_pmtu_search(&p, 1000);
	CHECK(quic_pmtu_next(&p) == 0);
	CHECK(p.mtu == QUIC_PMTU_BASE);
	/* A smaller bound later (the device shrank) lowers what is used. */
	quic_pmtu_init(&p);
	search(&p, 8972, 9000, 0);
	quic_pmtu_search(&p, 1472);
	CHECK(p.mtu == 1472);
	CHECK(quic_pmtu_next(&p) == 0);
}

TEST(search_again_finds_a_wider_path)
{
	struct quic_pmtu p;

	quic_pmtu_init(&p);
	search(&p, 8972, 1400, 0);
	CHECK(p.mtu == 1400);
	search(&p, 8972, 8972, 0);
	CHECK(p.mtu == 8972);
}

TEST(black_hole_goes_back_to_base)
{
	struct quic_pmtu p;

	quic_pmtu_init(&p);
	search(&p, 8972, 8972, 0);
	quic_pmtu_black_hole(&p);
	CHECK(p.mtu == QUIC_PMTU_BASE);
	CHECK(p.searching);
	search(&p, 8972, 1500, 0);
	CHECK(p.mtu == 1500);
}

TEST(one_lost_probe_is_not_a_failure)
{
	struct quic_pmtu p;
	u32 size;

	quic_pmtu_init(&p);
	quic_pmtu_search(&p, 8972);
	size = quic_pmtu_next(&p);
	quic_pmtu_sent(&p, size, 1);
	quic_pmtu_lost(&p, 1);
	CHECK(quic_pmtu_next(&p) == size);	/* the same size again */
	quic_pmtu_sent(&p, size, 2);
	CHECK(quic_pmtu_acked(&p, 2));
	CHECK(p.mtu == size);
}

int main(void)
{
	RUN(first_hop_is_the_limit);
	RUN(narrower_link_further_on);
	RUN(hint_is_only_a_hint);
	RUN(bounds);
	RUN(search_again_finds_a_wider_path);
	RUN(black_hole_goes_back_to_base);
	RUN(one_lost_probe_is_not_a_failure);
	return test_done();
}
