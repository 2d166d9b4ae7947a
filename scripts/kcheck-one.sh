#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Compile single net/quic/*.c files against every target kernel with W=1,
# -Werror and sparse, and run checkpatch --strict on them, without building
# the module: for working on one file while others are in flux.
#
# usage: scripts/kcheck-one.sh wire_frame.c [wire_frame.h ...]
# (.c files are compiled; all named files are checkpatched)

set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
checkpatch=/var/cache/quic-dev/checkpatch/scripts/checkpatch.pl
d=$(mktemp -d /tmp/kcheck-one.XXXXXX)
trap 'rm -rf "$d"' EXIT

ln -s "$top"/net/quic/*.h "$d"/
objs=""
for f in "$@"; do
	case "$f" in
	*.c)
		ln -s "$top/net/quic/$f" "$d/$f"
		objs="$objs ${f%.c}.o"
		;;
	esac
done
printf 'NOSTDINC_FLAGS += -I%s/include/uapi\n' "$top" > "$d/Kbuild"

for k in $("$top"/scripts/kernels.sh); do
	echo "== $k"
	for o in $objs; do
		make -s -C "/lib/modules/$k/build" M="$d" W=1 C=2 \
			KCFLAGS=-Werror "$o"
	done
done
echo "== checkpatch --strict"
cd "$top/net/quic"
"$checkpatch" --strict --no-tree --quiet --show-types \
	--ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES -f "$@"
echo "kcheck-one: done"
