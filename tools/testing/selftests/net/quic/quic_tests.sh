#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The QUIC socket tests, in TAP: each test case of each program in
# QUIC_TEST_BIN (default: the project's build/tests/vm/) is one line,
# "ok N <suite>.<case>" or "not ok N <suite>.<case> # <why>"; a case that
# waits for later work is "ok N <suite>.<case> # SKIP notyet: <what>".
# The programs' own comments pass through as "# ..." lines.
#
# Environment: QUIC_TEST_BIN, TEST_FILTER (a glob on "<suite>.<case>"),
# PROGRAM_TIMEOUT (seconds per program, default 900).
#
# Exit status: 0 if no case failed, 1 if one did, 4 (kselftest's skip) if
# there is no quic module to test or the programs are not built.

ksft_skip=4
here=$(cd "$(dirname "$0")" && pwd)
bin=${QUIC_TEST_BIN:-$here/../../../../../build/tests/vm}

if [ "$(id -u)" != 0 ]; then
	echo "# SKIP: needs root"
	exit $ksft_skip
fi
if [ ! -e /sys/module/quic ] && ! modprobe quic 2>/dev/null; then
	echo "# SKIP: no quic module (make install, or insmod quic.ko)"
	exit $ksft_skip
fi
progs=()
for t in "$bin"/*; do
	[ -f "$t" ] && [ -x "$t" ] && progs+=("$t")
done
if [ ${#progs[@]} = 0 ]; then
	echo "# SKIP: no test programs in $bin (run make at the top)"
	exit $ksft_skip
fi

echo "TAP version 13"
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)) failed=1; echo "not ok $n $*"; }

for t in "${progs[@]}"; do
	# Line by line as the program prints them; its status comes last.
	while IFS= read -r line; do
		case "$line" in
		"PASS: "*) ok "${line#PASS: }" ;;
		"FAIL: "*)
			rest=${line#FAIL: }
			name=${rest%%: *}
			why=${rest#"$name"}
			not_ok "$name # ${why#: }" ;;
		"NOTYET: "*)
			rest=${line#NOTYET: }
			name=${rest%%: *}
			ok "$name # SKIP notyet: ${rest#"$name": }" ;;
		"QUIC-PROGRAM-EXIT "*)
			rc=${line#QUIC-PROGRAM-EXIT }
			# A program that dies without saying why still fails.
			if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
				not_ok "${t##*/} # exited with $rc"
			fi ;;
		"") ;;
		"#"*) echo "$line" ;;
		*) echo "# $line" ;;
		esac
	done < <(cd /tmp && timeout -k 5 "${PROGRAM_TIMEOUT:-900}" "$t" 2>&1
		 printf '\nQUIC-PROGRAM-EXIT %d\n' $?)
done
echo "1..$n"
exit $failed
