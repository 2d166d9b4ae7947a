#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the test VM (tests/run.sh boots it): loads the module, runs
# the in-VM suite, unloads the module and checks the kernel log.  Prints one
# "PASS: ..." or "FAIL: ..." line per test, then "VM-SUITE-END".
#
# usage: run-in-vm.sh <kernel release>     (TEST_FILTER=glob picks tests)

set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
kver=$1
bin=$top/build/tests/vm
ko=$top/build/$kver/net/quic/quic.ko

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1${2:+: $2}"; }

# Kernel log lines that fail a boot, wherever they come from.
# (KFENCE reports start "BUG: KFENCE:"; SLUB's debugging "BUG <cache> (...)"
# and names what it found.)
bad_log='WARNING:|BUG:|BUG [a-z0-9_-]+ \(|Redzone|Poison overwritten|Object padding|Oops|general protection|refcount_t|list_add corruption|list_del corruption|kernel BUG|Call Trace|still has objects|UBSAN|KASAN|leak'

want() {
	# A harness step runs unless a filter is set that names other tests.
	[ -z "${TEST_FILTER:-}" ] || [[ "vm.$1" == $TEST_FILTER ]]
}

cd /tmp || exit 1
dmesg -C
# An oops ends the boot at once instead of hanging the suite.
sysctl -qw kernel.panic_on_oops=1 kernel.panic=-1
ip link set lo up

# tests/run.sh boots emulated guests without CMPXCHG16B: say so.
grep -qw cx16 /proc/cpuinfo && echo "# guest CPU: cmpxchg16b" ||
	echo "# guest CPU: no cmpxchg16b"

if [ "$(uname -r)" != "$kver" ]; then
	fail vm.kernel "booted $(uname -r), want $kver"
fi

# insmod does not load what the module needs: modinfo says what that is.
deps="ip6_udp_tunnel $(modinfo -F depends "$ko" | tr ',' ' ')"
if out=$(for d in $deps; do modprobe "$d" || exit 1; done 2>&1); then
	want load_deps && pass vm.load_deps
else
	fail vm.load_deps "modprobe $deps: $out"
fi

# The crypto self-test (RFC 9001 and RFC 9369 samples) runs at load.
if out=$(insmod "$ko" selftest=1 2>&1); then
	want load_module && pass vm.load_module
else
	fail vm.load_module "$out"
	dmesg | grep quic | sed 's/^/dmesg: /'
	echo VM-SUITE-END
	exit 0
fi
if dmesg | grep -q 'quic: crypto selftest passed'; then
	want crypto_selftest && pass vm.crypto_selftest
else
	fail vm.crypto_selftest "no pass message in the kernel log"
fi

# The UDP encapsulation static keys (udp_encap_needed_key and its IPv6
# twin) go on with the first UDP tunnel socket and off with the last, so
# a QUIC socket's bind or close may rewrite kernel text.  Under emulation
# that once held a CPU at the patch site in udpv6_destroy_sock() for
# minutes (6.1, during compat).  Two UDP sockets with UDP_ENCAP set
# (ESP in UDP, the type userspace may set; never bound, they receive
# nothing) hold them on to the end.
perl -MSocket -e '$| = 1; for my $f (AF_INET, AF_INET6) {
	socket(my $s, $f, SOCK_DGRAM, 0) or die "socket: $!\n";
	setsockopt($s, 17, 100, 2) or die "UDP_ENCAP: $!\n";
	push @k, $s;
} print "# UDP encapsulation keys held\n"; sleep;' &
keys_pid=$!

# The test programs run as the kernel's own test runner would run them:
# through the kselftest target (tools/testing/selftests/net/quic), whose
# TAP is read back into this runner's lines.  Its own output is checked
# too: well formed, one plan, no "not ok" (kselftest.*).
ksft_dir=$top/tools/testing/selftests/net/quic
tap=/tmp/quic-kselftest.tap
# Line by line as they come, so that a boot that dies keeps what ran.
tap_lines() {
	local line rest
	while IFS= read -r line; do
		case "$line" in
		"# ok "*" # SKIP notyet: "*)
			rest=${line#\# ok [0-9]* }
			echo "NOTYET: ${rest%% # SKIP notyet: *}: ${rest#* # SKIP notyet: }" ;;
		"# ok "*)
			rest=${line#\# ok }
			echo "PASS: ${rest#* }" ;;
		"# not ok "*)
			rest=${line#\# not ok }
			rest=${rest#* }
			echo "FAIL: ${rest%% # *}: ${rest#* # }" ;;
		"# # "*|"# #"*) echo "${line#\# }" ;;
		esac
	done
}
make -s --no-print-directory -C "$ksft_dir" run_tests QUIC_TEST_BIN="$bin" \
	2>&1 | tee "$tap" | tap_lines
ksft_rc=${PIPESTATUS[0]}
inner=$(grep -cE '^# (not )?ok ' "$tap")
if ! grep -qx 'TAP version 13' "$tap" || ! grep -qx '1\.\.1' "$tap" ||
   ! grep -qx "# 1\.\.$inner" "$tap"; then
	fail kselftest.tap_valid "no TAP header, or a plan that is not 1..1 and # 1..$inner"
else
	pass kselftest.tap_valid
fi
if grep -q 'not ok' "$tap" || [ $ksft_rc -ne 0 ]; then
	fail kselftest.no_not_ok "make run_tests exited $ksft_rc; $(grep -c 'not ok' "$tap") not ok lines"
	grep -v '^# # ' "$tap" | grep -v '^# ok ' | head -n 20 | sed 's/^/# tap: /'
else
	pass kselftest.no_not_ok
fi

# The kernel-socket tests (modules/ktest): loading quic_ktest.ko runs them
# on sock_create_kern() sockets, each logging "quic_ktest: PASS <name>" or
# "quic_ktest: FAIL <name>: <why>", then "quic_ktest: N passed, M failed".
# The module runs only the tests TEST_FILTER names ("ktest.<name>").
ktest_ko=$top/build/$kver/modules/ktest/quic_ktest.ko
# quic.ko's reference count, once the programs' sockets are freed (after an
# RCU grace period), to tell whether the kernel sockets all went.
quic_refcnt() { cat /sys/module/quic/refcnt 2>/dev/null || echo 0; }
for _ in $(seq 20); do
	[ "$(quic_refcnt)" -eq 0 ] && break
	sleep 0.1
done
refcnt=$(quic_refcnt)
# Its waits are bounded, and a signal ends them: timeout(1) cannot hang.
if out=$(timeout -k 10 "${KTEST_TIMEOUT:-300}" insmod "$ktest_ko" \
		${TEST_FILTER:+"filter=$TEST_FILTER"} 2>&1); then
	want ktest_load && pass vm.ktest_load
	npass=0 nfail=0 summary=""
	while IFS= read -r line; do
		case "$line" in
		"PASS "*) npass=$((npass + 1)); echo "PASS: ktest.${line#PASS }" ;;
		"FAIL "*) nfail=$((nfail + 1)); echo "FAIL: ktest.${line#FAIL }" ;;
		*" passed, "*" failed") summary=$line ;;
		esac
	done < <(dmesg | sed -n 's/^.*quic_ktest: //p')
	if [ -z "$summary" ]; then
		fail vm.ktest_summary "no summary line in the kernel log"
	elif [ "$summary" != "$npass passed, $nfail failed" ]; then
		fail vm.ktest_summary "the module says \"$summary\", the log shows $npass PASS and $nfail FAIL lines"
	else
		want ktest_summary && pass vm.ktest_summary
	fi
	if out=$(rmmod quic_ktest 2>&1); then
		want ktest_unload && pass vm.ktest_unload
	else
		fail vm.ktest_unload "$out"
	fi
	# Every kernel socket gone: quic.ko's count is back where it was.
	for _ in $(seq 50); do
		now=$(quic_refcnt)
		[ "$now" -le "$refcnt" ] && break
		sleep 0.1
	done
	if [ "$now" -le "$refcnt" ]; then
		want ktest_sockets_freed && pass vm.ktest_sockets_freed
	else
		fail vm.ktest_sockets_freed "quic refcnt $now, was $refcnt before the tests"
	fi
else
	fail vm.ktest_load "$out"
	dmesg | grep quic_ktest | sed 's/^/dmesg: /'
fi

if out=$(rmmod quic 2>&1); then
	want unload_module && pass vm.unload_module
else
	fail vm.unload_module "$out"
fi
if [ -e /sys/module/quic ]; then
	fail vm.module_gone "/sys/module/quic still present"
fi

# Let deferred work (RCU callbacks, workqueues) run before reading the log.
sleep 1
if log=$(dmesg | grep -E "$bad_log"); then
	fail vm.kernel_log_clean "$(echo "$log" | head -n 5 | tr '\n' '|')"
	dmesg | tail -n 60 | sed 's/^/dmesg: /'
else
	want kernel_log_clean && pass vm.kernel_log_clean
fi
kill "$keys_pid" 2>/dev/null
echo VM-SUITE-END
