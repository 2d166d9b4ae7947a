// SPDX-License-Identifier: GPL-2.0
/*
 * Sets of received packet numbers and their ACK frame ranges.
 */

#include <stdlib.h>
#include <string.h>
#include "wire_ack.h"

#define TEST_SUITE "wire_ack"
#include "../lib/test.h"

/* The set must equal @n ranges given as start, end pairs, largest first. */
static void expect(const struct quic_ack_set *s, const u64 *want, u32 n)
{
	u32 i;

	if (s->count != n)
		FAIL("%u ranges, want %u", s->count, n);
	for (i = 0; i < n; i++)
		if (s->r[i].start != want[2 * i] || s->r[i].end != want[2 * i + 1])
			FAIL("range %u is %llu-%llu, want %llu-%llu", i,
			     (unsigned long long)s->r[i].start,
			     (unsigned long long)s->r[i].end,
			     (unsigned long long)want[2 * i],
			     (unsigned long long)want[2 * i + 1]);
}

TEST(in_order)
{
	struct quic_ack_set s;
	u64 pn;

	quic_ack_set_init(&s);
	CHECK(quic_ack_set_empty(&s));
	for (pn = 0; pn < 1000; pn++)
		CHECK(quic_ack_set_add(&s, pn) == 0);
	expect(&s, (const u64[]){ 0, 999 }, 1);
	CHECK(quic_ack_set_largest(&s) == 999);
}

TEST(gaps_and_merges)
{
	struct quic_ack_set s;

	quic_ack_set_init(&s);
	CHECK(quic_ack_set_add(&s, 10) == 0);
	CHECK(quic_ack_set_add(&s, 12) == 0);
	CHECK(quic_ack_set_add(&s, 5) == 0);
	expect(&s, (const u64[]){ 12, 12, 10, 10, 5, 5 }, 3);
	CHECK(quic_ack_set_add(&s, 11) == 0);		/* joins two */
	expect(&s, (const u64[]){ 10, 12, 5, 5 }, 2);
	CHECK(quic_ack_set_add(&s, 6) == 0);		/* extends up */
	CHECK(quic_ack_set_add(&s, 4) == 0);		/* extends down */
	expect(&s, (const u64[]){ 10, 12, 4, 6 }, 2);
	CHECK(quic_ack_set_add(&s, 8) == 0);
	CHECK(quic_ack_set_add(&s, 7) == 0);
	CHECK(quic_ack_set_add(&s, 9) == 0);
	expect(&s, (const u64[]){ 4, 12 }, 1);
	CHECK(quic_ack_set_add(&s, 0) == 0);
	CHECK(quic_ack_set_add(&s, 13) == 0);
	expect(&s, (const u64[]){ 4, 13, 0, 0 }, 2);
}

TEST(duplicates)
{
	struct quic_ack_set s;

	quic_ack_set_init(&s);
	CHECK(quic_ack_set_add(&s, 3) == 0);
	CHECK(quic_ack_set_add(&s, 4) == 0);
	CHECK(quic_ack_set_add(&s, 9) == 0);
	CHECK(quic_ack_set_add(&s, 3) == -EEXIST);
	CHECK(quic_ack_set_add(&s, 4) == -EEXIST);
	CHECK(quic_ack_set_add(&s, 9) == -EEXIST);
	expect(&s, (const u64[]){ 9, 9, 3, 4 }, 2);
	CHECK(quic_ack_set_has(&s, 3) && quic_ack_set_has(&s, 9));
	CHECK(!quic_ack_set_has(&s, 5) && !quic_ack_set_has(&s, 10));
	CHECK(!quic_ack_set_has(&s, 2));
}

TEST(bounded_when_full)
{
	struct quic_ack_set s;
	u32 i;

	quic_ack_set_init(&s);
	/* Every other number: one range each. */
	for (i = 0; i < QUIC_ACK_RANGES_MAX; i++)
		CHECK(quic_ack_set_add(&s, 100 + 2 * i) == 0);
	CHECK(s.count == QUIC_ACK_RANGES_MAX);
	/* Below all of a full set: not kept. */
	CHECK(quic_ack_set_add(&s, 50) == -ENOSPC);
	/* ... but counted as present: a packet that old is a replay. */
	CHECK(quic_ack_set_has(&s, 50) && quic_ack_set_has(&s, 99));
	/* A new largest pushes out the smallest range... */
	CHECK(quic_ack_set_add(&s, 1000) == 0);
	CHECK(s.count == QUIC_ACK_RANGES_MAX);
	CHECK(s.r[s.count - 1].start == 102 && s.floor == 101);
	/* ... which stays present, as does all below it, gaps too. */
	CHECK(quic_ack_set_has(&s, 100) && quic_ack_set_has(&s, 102));
	CHECK(quic_ack_set_has(&s, 0) && quic_ack_set_has(&s, 101));
	CHECK(!quic_ack_set_has(&s, 103) && !quic_ack_set_has(&s, 999));
	/* Filling a gap needs no new range, even when full. */
	CHECK(quic_ack_set_add(&s, 103) == 0);
	CHECK(s.count == QUIC_ACK_RANGES_MAX - 1);
	CHECK(quic_ack_set_largest(&s) == 1000);
	/* Not full now: the floor alone says what was forgotten. */
	CHECK(quic_ack_set_has(&s, 100) && !quic_ack_set_has(&s, 105));
	/* Re-initialised, nothing is present. */
	quic_ack_set_init(&s);
	CHECK(!quic_ack_set_has(&s, 0));
}

TEST(forget_below)
{
	struct quic_ack_set s;
	u64 pn;

	quic_ack_set_init(&s);
	for (pn = 0; pn < 30; pn += 3) {
		quic_ack_set_add(&s, pn);
		quic_ack_set_add(&s, pn + 1);
	}
	quic_ack_set_forget_below(&s, 13);
	CHECK(!quic_ack_set_has(&s, 12) && quic_ack_set_has(&s, 13));
	CHECK(s.r[s.count - 1].start == 13 && s.r[s.count - 1].end == 13);
	quic_ack_set_forget_below(&s, 15);
	CHECK(s.r[s.count - 1].start == 15 && s.r[s.count - 1].end == 16);
	quic_ack_set_forget_below(&s, 100);
	CHECK(quic_ack_set_empty(&s));
}

TEST(frame_fields)
{
	/* Ranges 20-25, 10-15, 5-5: first range 5; gaps 20-15-2 = 3 and
	 * 10-5-2 = 3; lengths 5 and 0 (RFC 9000 section 19.3.1).
	 */
	static const u8 want[] = { 3, 5, 3, 0 };
	u8 buf[QUIC_ACK_RANGES_BUF_LEN];
	struct quic_ack_set s;
	struct quic_frame f;
	u64 pn;

	quic_ack_set_init(&s);
	for (pn = 20; pn <= 25; pn++)
		quic_ack_set_add(&s, pn);
	for (pn = 10; pn <= 15; pn++)
		quic_ack_set_add(&s, pn);
	quic_ack_set_add(&s, 5);
	CHECK(quic_ack_set_to_frame(&s, 77, &f, buf, sizeof(buf)) == 3);
	CHECK(f.type == QUIC_FRAME_ACK && f.ack.largest == 25);
	CHECK(f.ack.delay == 77 && f.ack.first_range == 5);
	CHECK(f.ack.range_count == 2 && f.ack.ranges_len == 4);
	CHECK(!memcmp(f.ack.ranges, want, sizeof(want)));

	quic_ack_set_init(&s);
	CHECK(quic_ack_set_to_frame(&s, 0, &f, buf, sizeof(buf)) == 0);
}

TEST(frame_truncated_to_buffer)
{
	u8 buf[QUIC_ACK_RANGES_BUF_LEN];
	struct quic_ack_set s;
	struct quic_frame f;
	u32 i;

	quic_ack_set_init(&s);
	for (i = 0; i < 10; i++)
		quic_ack_set_add(&s, 10 * i);
	/* Room for two pairs of one-byte varints: three ranges in all. */
	CHECK(quic_ack_set_to_frame(&s, 0, &f, buf, 5) == 3);
	CHECK(f.ack.range_count == 2 && f.ack.ranges_len == 4);
	CHECK(quic_ack_set_to_frame(&s, 0, &f, buf, 0) == 1);
	CHECK(f.ack.range_count == 0 && f.ack.ranges_len == 0);
}

/* Set -> ACK frame bytes -> decoded frame -> ranges: the same set. */
static void round_trip(const struct quic_ack_set *s)
{
	u8 ranges[QUIC_ACK_RANGES_BUF_LEN], *wire;
	struct quic_frame f, g;
	struct quic_frame_error err;
	struct quic_ack_iter it;
	u64 lo, hi;
	u32 n, len, i = 0;
	const u8 *p;

	n = quic_ack_set_to_frame(s, 1234, &f, ranges, sizeof(ranges));
	CHECK(n == s->count);
	len = quic_frame_len(&f);
	CHECK(len > 0);
	wire = malloc(len);
	CHECK(wire);
	CHECK(quic_frame_encode(wire, &f) == wire + len);
	p = wire;
	CHECK(quic_frame_decode(&p, &len, &g, &err));
	CHECK(len == 0 && g.type == QUIC_FRAME_ACK && g.ack.delay == 1234);
	quic_ack_iter_init(&it, &g);
	while (quic_ack_iter_next(&it, &lo, &hi)) {
		CHECK(i < s->count);
		CHECK(lo == s->r[i].start && hi == s->r[i].end);
		i++;
	}
	CHECK(i == s->count);
	free(wire);
}

TEST(round_trip_through_frame)
{
	struct quic_ack_set s;
	u64 pn;
	u32 i;

	quic_ack_set_init(&s);
	quic_ack_set_add(&s, 0);
	round_trip(&s);
	for (pn = 1; pn < 5000; pn += 1 + pn % 7)
		quic_ack_set_add(&s, pn);
	round_trip(&s);
	/* Large numbers and wide gaps: multi-byte varints. */
	quic_ack_set_init(&s);
	for (i = 0; i < QUIC_ACK_RANGES_MAX; i++) {
		quic_ack_set_add(&s, (1ULL << 40) + i * 100000);
		quic_ack_set_add(&s, (1ULL << 40) + i * 100000 + 1);
	}
	round_trip(&s);
}

TEST(random_order)
{
	struct quic_ack_set s;
	u8 seen[60] = { 0 };
	u32 i, pn;

	/* At most 30 ranges below 60: the set never has to forget. */
	srand(1);
	quic_ack_set_init(&s);
	for (i = 0; i < 500; i++) {
		pn = rand() % 60;
		CHECK(quic_ack_set_add(&s, pn) == (seen[pn] ? -EEXIST : 0));
		seen[pn] = 1;
		CHECK(quic_ack_set_has(&s, pn));
	}
	for (pn = 0; pn < 60; pn++)
		CHECK(quic_ack_set_has(&s, pn) == seen[pn]);
	/* Ranges stay sorted, disjoint and apart. */
	for (i = 0; i < s.count; i++) {
		CHECK(s.r[i].start <= s.r[i].end);
		if (i)
			CHECK(s.r[i].end + 1 < s.r[i - 1].start);
	}
	round_trip(&s);
}

TEST(add_range_merges)
{
	struct quic_ack_set s;

	quic_ack_set_init(&s);
	CHECK(quic_ack_set_add_range(&s, 100, 199) == 0);
	CHECK(quic_ack_set_add_range(&s, 300, 399) == 0);
	CHECK(quic_ack_set_add_range(&s, 0, 9) == 0);
	expect(&s, (const u64[]){ 300, 399, 100, 199, 0, 9 }, 3);
	CHECK(quic_ack_set_add_range(&s, 150, 160) == 0);	/* inside */
	expect(&s, (const u64[]){ 300, 399, 100, 199, 0, 9 }, 3);
	CHECK(quic_ack_set_add_range(&s, 200, 299) == 0);	/* touches both */
	expect(&s, (const u64[]){ 100, 399, 0, 9 }, 2);
	CHECK(quic_ack_set_add_range(&s, 5, 500) == 0);	/* covers all */
	expect(&s, (const u64[]){ 0, 500 }, 1);
	CHECK(quic_ack_set_add_range(&s, 502, 502) == 0);
	expect(&s, (const u64[]){ 502, 502, 0, 500 }, 2);
}

TEST(add_range_random_against_bitmap)
{
	struct quic_ack_set s;
	u8 seen[400] = { 0 };
	u32 i, a, n, pn;

	srand(7);
	quic_ack_set_init(&s);
	for (i = 0; i < 40; i++) {
		a = rand() % 390;
		n = rand() % 10;
		CHECK(quic_ack_set_add_range(&s, a, a + n) == 0);
		memset(seen + a, 1, n + 1);
		if (s.count == QUIC_ACK_RANGES_MAX)
			break;
	}
	for (pn = 0; pn < 400; pn++)
		CHECK(quic_ack_set_has(&s, pn) == seen[pn]);
	for (i = 1; i < s.count; i++)
		CHECK(s.r[i].end + 1 < s.r[i - 1].start);
}

int main(void)
{
	RUN(in_order);
	RUN(gaps_and_merges);
	RUN(duplicates);
	RUN(bounded_when_full);
	RUN(forget_below);
	RUN(frame_fields);
	RUN(frame_truncated_to_buffer);
	RUN(round_trip_through_frame);
	RUN(random_order);
	RUN(add_range_merges);
	RUN(add_range_random_against_bitmap);
	return test_done();
}
