#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the benchmark VM (tests/bench/run.sh boots it): loopback at
# MTU 1500, quic.ko and tls.ko loaded as tests/vm/run-in-vm.sh loads
# them, then build/tests/bench/bench, whose table goes to stdout.
#
# usage: run-in-vm.sh <kernel release>

set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
kver=$1
ko=$top/build/$kver/net/quic/quic.ko

cd /tmp || exit 1
dmesg -C
sysctl -qw kernel.panic_on_oops=1 kernel.panic=-1
ip link set lo up
# A real link's MTU, so TCP's segments and ngtcp2's path MTU probes end
# where they would on Ethernet (our QUIC sends 1200-byte datagrams).
ip link set lo mtu 1500

if [ "$(uname -r)" != "$kver" ]; then
	echo "# bench: booted $(uname -r), want $kver"
	exit 1
fi
for d in ip6_udp_tunnel $(modinfo -F depends "$ko" | tr ',' ' ') tls; do
	modprobe "$d" || { echo "# bench: modprobe $d failed"; exit 1; }
done
if ! out=$(insmod "$ko" 2>&1); then
	echo "# bench: insmod quic.ko: $out"
	exit 1
fi

timeout -k 5 "${BENCH_TIMEOUT:-780}" "$top/build/tests/bench/bench" \
	-t "${BENCH_SECS:-2}" ${BENCH_FILTER:+-f "$BENCH_FILTER"} \
	-H "${BENCH_HOW:-an unknown machine}"
rc=$?

# Things a reader of the figures should know about this boot.
echo
echo "# lo: mtu $(cat /sys/class/net/lo/mtu); $(ethtool -k lo 2>/dev/null |
	grep -E '^(tcp-segmentation|generic-segmentation)-offload' |
	tr '\n' ';' | sed 's/;$//; s/;/, /g')"
echo "# CPU: $(nproc) x $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo |
	head -n1)$(grep -qw aes /proc/cpuinfo && echo ', AES-NI exposed')"
sleep 1
if log=$(dmesg | grep -E 'WARNING:|BUG:|Oops|refcount_t|Call Trace|list_(add|del) corruption'); then
	echo "# kernel log during the run:"
	echo "$log" | head -n 20 | sed 's/^/#   /'
fi
if ! out=$(rmmod quic 2>&1); then
	echo "# rmmod quic: $out"
fi
[ $rc -eq 0 ] || echo "# bench: exited with $rc"
echo "# bench: done"
