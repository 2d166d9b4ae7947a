#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the target kernels that are installed with their headers, newest
# 6.12 first, then newest 6.1: "6.12.117+deb12-amd64 6.1.0-56-amd64".
# With an argument ("6.12" or "6.1"), print only that series' kernel.

set -eu

pick() {
	local series=$1 k
	for k in /lib/modules/"$series".*; do
		[ -e "$k/build/Makefile" ] || continue
		[ -e "/boot/vmlinuz-${k##*/}" ] || continue
		case "${k##*/}" in
		"$series".[0-9]*) echo "${k##*/}" ;;
		esac
	done | sort -V | tail -n1
}

out=""
for s in ${1:-6.12 6.1}; do
	k=$(pick "$s")
	[ -n "$k" ] && out="$out $k"
done
echo $out
