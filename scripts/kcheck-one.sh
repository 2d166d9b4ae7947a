#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Compile single kernel source files against every target kernel with W=1,
# -Werror and sparse, and run checkpatch --strict on them, without building
# the module: for working on one file while others are in flux.
#
# usage: scripts/kcheck-one.sh wire_frame.c [wire_frame.h ...]
#        scripts/kcheck-one.sh modules/ktest/quic_ktest.c
# (a bare name is a net/quic file, a path is taken as it is; .c files are
# compiled, all named files are checkpatched)

set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
checkpatch=/var/cache/quic-dev/checkpatch/scripts/checkpatch.pl
d=$(mktemp -d /tmp/kcheck-one.XXXXXX)
trap 'rm -rf "$d"' EXIT

ln -s "$top"/net/quic/*.h "$d"/
objs=""
files=()
for f in "$@"; do
	case "$f" in
	*/*)
		src=$(cd "$(dirname "$f")" && pwd)/${f##*/}
		# Its own directory's headers, as its Kbuild would see them.
		for h in "${src%/*}"/*.h; do
			[ -e "$h" ] && ln -sf "$h" "$d"/
		done
		;;
	*)
		src=$top/net/quic/$f
		;;
	esac
	files+=("$src")
	case "$f" in
	*.c)
		name=${src##*/}
		ln -s "$src" "$d/$name"
		objs="$objs ${name%.c}.o"
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
	--ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES -f "${files[@]}"
echo "kcheck-one: done"
