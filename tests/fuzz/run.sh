#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run libFuzzer targets, each for the given number of seconds, starting from
# the committed seed corpus (tests/fuzz/corpus/<name>/, never written to).
# Prints "PASS: fuzz.<name>: ..." with runs and coverage, or "FAIL: ...".
#
# usage: tests/fuzz/run.sh <seconds each> <target binary> ...

set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=$1
shift

for t in "$@"; do
	name=${t##*/}
	name=${name#fuzz_}
	seeds=$top/tests/fuzz/corpus/$name
	work=$top/build/fuzz/$name
	log=$top/build/fuzz/$name.log
	mkdir -p "$work" "$seeds"
	"$t" -max_total_time="$secs" -print_final_stats=1 -timeout=10 \
		-rss_limit_mb=2048 -artifact_prefix="$top/build/fuzz/$name-" \
		"$work" "$seeds" > "$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1)
	if [ $rc -eq 0 ] && [ -n "$runs" ]; then
		echo "PASS: fuzz.$name: $runs runs in ${secs}s, $cov, corpus $(ls "$work" | wc -l)"
	else
		echo "FAIL: fuzz.$name: exit $rc, see $log"
		grep -m3 -E 'ERROR|SUMMARY|runtime error' "$log" | sed 's/^/# /'
	fi
done
