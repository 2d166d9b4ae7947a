#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make bench": boots one virtme-ng VM on the given kernel, runs
# tests/bench/run-in-vm.sh there, prints its table and keeps it in
# build/bench/bench-<release>.txt.  It measures, it never fails on a
# figure: the exit status says only whether the VM ran the benchmark.
#
# usage: tests/bench/run.sh <kernel release>
#   BENCH_SECS=secs    duration of each timed run (default 2)
#   BENCH_FILTER=glob  only the rows whose id matches (see bench.c)
#   VM_TIMEOUT=secs    limit for the boot (default 900)
#   VM_KVM=1           boot under KVM instead of emulation

set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
k=${1:?usage: $0 <kernel release>}
out=$top/build/bench
mkdir -p "$out"

# As tests/run.sh: KVM only when asked for (VM_KVM=1).  On the project's
# machines /dev/kvm opens and an empty QEMU starts, but a kernel booted
# under it stops with "KVM internal error" and the VM hangs there.
kvm=--disable-kvm
how="emulation (QEMU TCG, no KVM)"
if [ "${VM_KVM:-0}" = 1 ]; then
	kvm=
	how="KVM"
fi

# virtme-ng shares a directory read-write only from under an overlay such
# as /tmp, and only when started from there.
shared=$(mktemp -d /tmp/quic-bench.XXXXXX)
console=$out/vm-$k.console
boot() {
	echo "# booting $k ${kvm:-(kvm)} for the benchmark" >&2
	start=$(date +%s)
	(cd /tmp && timeout "${VM_TIMEOUT:-900}" vng $kvm -v -r "/boot/vmlinuz-$k" \
		--user root --cpus 2 --memory 2G --rwdir "$shared" \
		--exec "BENCH_SECS='${BENCH_SECS:-2}' BENCH_FILTER='${BENCH_FILTER:-}' BENCH_HOW='$how' $top/tests/bench/run-in-vm.sh $k > $shared/table 2>&1" \
		< /dev/null > "$console" 2>&1)
	rc=$?
	echo "# $k: $(( $(date +%s) - start )) s in the VM (console: $console)" >&2
}
boot
if [ ! -s "$shared/table" ]; then
	echo "bench: the VM printed nothing (rc $rc, see $console)" >&2
	rm -rf "$shared"
	exit 1
fi
cp "$shared/table" "$out/bench-$k.txt"
rm -rf "$shared"
cat "$out/bench-$k.txt"
echo "# also in $out/bench-$k.txt" >&2
grep -q '^# bench: done' "$out/bench-$k.txt"
