#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# install.debs_* and install.dkms_build: the Debian packages built from a
# copy of the tree (dpkg-buildpackage -b), checked by lintian and by their
# contents, libquic-dev's headers and pkg-config file used to build the echo
# example, then quic.ko built by DKMS from the quic-dkms package's sources
# for each target kernel.  Runs on the host; needs no network.
#
# Nothing is left behind: the packages are built under a temporary
# directory, never installed, and DKMS works in trees of its own there
# (--dkmstree, --sourcetree, --installtree), with its module signing key
# there too, so neither /var/lib/dkms, /usr/src nor /lib/modules changes.
#
# usage: tests/install/debs.sh   (from anywhere; as root, like dkms)

set -u
# Run from "make check": a make of its own, not part of the caller's.
unset MAKEFLAGS MAKELEVEL MFLAGS
top=$(cd "$(dirname "$0")/../.." && pwd)
# Built into build/tests/host/, the script finds the tree two levels up
# from build/.
[ -f "$top/Makefile" ] || top=$(cd "$(dirname "$0")/../../.." && pwd)
start=$(date +%s)
work=$(mktemp -d /tmp/quic-debs.XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 2' INT TERM
failed=0

pass() { echo "PASS: install.$1"; }
fail() { echo "FAIL: install.$1: $2"; failed=1; }
# Its last lines, on one line, for a failure's reason.
tail_of() { tail -n "${2:-3}" "$1" | tr '\n' ' '; }

finish() {
	echo "# install.debs: $(($(date +%s) - start)) s"
	exit $failed
}

missing=
for t in dpkg-buildpackage dh dh_dkms lintian dkms; do
	command -v "$t" > /dev/null || missing="$missing $t"
done
if [ -n "$missing" ]; then
	for t in debs_build debs_lintian debs_contents debs_dev_builds dkms_build; do
		fail $t "not installed:$missing (run scripts/setup.sh)"
	done
	finish
fi

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf")
libversion=$(sed -n 's/^VERSION := //p' "$top/libquic/Makefile")
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)

# ---- dpkg-buildpackage in a copy of the tree ----
# Without build/ (the tree's own builds) and .git: the packages build
# from the sources alone, and the work tree stays as it was.
src=$work/src/quic
mkdir -p "$src"
tar -C "$top" -c --exclude=./build --exclude=./.git . | tar -C "$src" -x
if ! (cd "$src" && dpkg-buildpackage -b -us -uc) > "$work/build.log" 2>&1; then
	fail debs_build "dpkg-buildpackage failed: $(tail_of "$work/build.log" 5)"
elif [ ! -f "$work/src/quic_${version}_$arch.changes" ]; then
	fail debs_build "no quic_${version}_$arch.changes (debian/changelog and dkms.conf disagree?)"
else
	pass debs_build
fi

deb() { echo "$work/src/$1_${version}_$2.deb"; }
declare -A debs=(
	[quic-dkms]=$(deb quic-dkms all)
	[libquic1]=$(deb libquic1 "$arch")
	[libquic-dev]=$(deb libquic-dev "$arch")
	[quic-handshaked]=$(deb quic-handshaked "$arch")
)

# ---- lintian: no errors (its warnings and notes go to the log) ----
changes=$work/src/quic_${version}_$arch.changes
if [ ! -f "$changes" ]; then
	fail debs_lintian "no packages to check"
else
	lintian --pedantic --fail-on error "$changes" > "$work/lintian.log" 2>&1
	rc=$?
	sed -n 's/^\([WIP]: \)/# lintian: \1/p' "$work/lintian.log"
	if grep -q '^E: ' "$work/lintian.log"; then
		fail debs_lintian "$(grep '^E: ' "$work/lintian.log" | head -n 5 | tr '\n' ' ')"
	elif [ $rc -ne 0 ]; then
		fail debs_lintian "lintian exited with $rc: $(tail_of "$work/lintian.log")"
	else
		pass debs_lintian
	fi
fi

# ---- Each package holds what it should, and no kernel module ----
# has PKG PATH...: every path (without the leading ./) is in PKG.
contents_ok=1
has() {
	local pkg=$1 f list
	shift
	list=$(dpkg-deb -c "${debs[$pkg]}" 2>/dev/null | awk '{ print $6 }')
	for f in "$@"; do
		grep -qxF "./$f" <<< "$list" || {
			fail debs_contents "$pkg lacks /$f"
			contents_ok=0
		}
	done
}
# ctl PKG FILE: a file of PKG's control archive.
ctl() { dpkg-deb --ctrl-tarfile "${debs[$1]}" | tar -xO "./$2" 2>/dev/null; }
# data PKG PATH: a file of PKG's data archive.
data() { dpkg-deb --fsys-tarfile "${debs[$1]}" | tar -xO "./$2" 2>/dev/null; }

absent=
for p in "${!debs[@]}"; do
	[ -f "${debs[$p]}" ] || absent="$absent $p"
done
if [ -n "$absent" ]; then
	fail debs_contents "not built:$absent"
else
	usrc=usr/src/quic-$version
	has quic-dkms $usrc/dkms.conf $usrc/net/quic/Kbuild \
		$usrc/net/quic/protocol.c $usrc/net/quic/handshake_nl.c \
		$usrc/include/uapi/linux/quic.h $usrc/include/net/quic.h
	# Every source of the module, and nothing built.
	for f in "$top"/net/quic/*.[ch]; do
		has quic-dkms "$usrc/net/quic/${f##*/}"
	done
	if dpkg-deb -c "${debs[quic-dkms]}" | grep -qE '\.(ko|o)$|/build/'; then
		fail debs_contents "quic-dkms holds built objects"
		contents_ok=0
	fi
	if ! ctl quic-dkms postinst | grep -q 'common.postinst'; then
		fail debs_contents "quic-dkms's postinst does not run dkms"
		contents_ok=0
	fi
	lib=usr/lib/$multiarch
	has libquic1 "$lib/libquic.so.$libversion" "$lib/libquic.so.1"
	has libquic-dev usr/include/netinet/quic.h usr/include/linux/quic.h \
		"$lib/libquic.so" "$lib/pkgconfig/libquic.pc" \
		usr/share/man/man3/quic.3.gz usr/share/man/man3/quic_handshake.3.gz \
		usr/share/man/man3/quic_session_set_alpn.3.gz \
		usr/share/man/man7/quic.7.gz
	if ! data libquic-dev "$lib/pkgconfig/libquic.pc" | grep -qx "libdir=/$lib"; then
		fail debs_contents "libquic.pc's libdir is not /$lib"
		contents_ok=0
	fi
	has quic-handshaked usr/sbin/quic-handshaked etc/quic-handshaked.conf \
		lib/systemd/system/quic-handshaked.service \
		usr/share/man/man8/quic-handshaked.8.gz \
		usr/share/man/man5/quic-handshaked.conf.5.gz \
		usr/bin/quic-qlog usr/share/man/man1/quic-qlog.1.gz
	if ! ctl quic-handshaked conffiles | grep -qx /etc/quic-handshaked.conf; then
		fail debs_contents "/etc/quic-handshaked.conf is no conffile"
		contents_ok=0
	fi
	if ! ctl quic-handshaked postinst | grep -q "deb-systemd-helper enable 'quic-handshaked.service'"; then
		fail debs_contents "quic-handshaked's postinst does not enable the unit"
		contents_ok=0
	fi
	if ! data quic-handshaked lib/systemd/system/quic-handshaked.service |
		grep -qx 'ExecStart=/usr/sbin/quic-handshaked'; then
		fail debs_contents "the unit does not start /usr/sbin/quic-handshaked"
		contents_ok=0
	fi
	for p in "${!debs[@]}"; do
		if dpkg-deb -c "${debs[$p]}" | awk '{ print $6 }' | grep -q '^\./lib/modules'; then
			fail debs_contents "$p installs into /lib/modules"
			contents_ok=0
		fi
	done
	[ $contents_ok = 1 ] && pass debs_contents
fi

# ---- libquic-dev and libquic1, unpacked, build and run the echo example ----
if [ -n "$absent" ]; then
	fail debs_dev_builds "not built:$absent"
else
	dev=$work/devroot
	mkdir -p "$dev"
	dpkg-deb -x "${debs[libquic1]}" "$dev"
	dpkg-deb -x "${debs[libquic-dev]}" "$dev"
	cp "$top/libquic/examples/echo.c" "$work/"
	flags=$(PKG_CONFIG_SYSROOT_DIR=$dev PKG_CONFIG_PATH= \
		PKG_CONFIG_LIBDIR="$dev/usr/lib/$multiarch/pkgconfig:$(pkg-config --variable pc_path pkg-config)" \
		pkg-config --cflags --libs libquic 2>&1)
	if [ $? -ne 0 ]; then
		fail debs_dev_builds "pkg-config: $flags"
	elif ! (cd "$work" && cc -Wall -Werror -o echo echo.c $flags -MD -MF echo.d) \
		> "$work/cc.log" 2>&1; then
		fail debs_dev_builds "$(tail_of "$work/cc.log" 5)"
	elif grep -q "$top" "$work/echo.d" ||
	     ! grep -q "$dev/usr/include/linux/quic.h" "$work/echo.d"; then
		fail debs_dev_builds "the headers did not come from the packages"
	else
		# It loads the packaged library (and only prints its usage).
		LD_LIBRARY_PATH="$dev/usr/lib/$multiarch" "$work/echo" > "$work/run.log" 2>&1
		rc=$?
		if [ $rc -ne 2 ] || ! grep -q usage "$work/run.log"; then
			fail debs_dev_builds "it ran with status $rc: $(tail_of "$work/run.log" 2)"
		else
			pass debs_dev_builds
		fi
	fi
fi

# ---- DKMS builds quic.ko from quic-dkms's sources for each target kernel ----
# DKMS in trees of its own under $work; its signing key there as well.
kernels=$("$top/scripts/kernels.sh")
dk() {
	mok_signing_key=$work/mok.key mok_certificate=$work/mok.pub \
		dkms --dkmstree "$work/dkms" --sourcetree "$work/root/usr/src" \
		--installtree "$work/modules" "$@"
}
if [ ! -f "${debs[quic-dkms]}" ]; then
	fail dkms_build "no quic-dkms package"
elif [ -z "$kernels" ]; then
	fail dkms_build "no target kernel with its headers (run scripts/setup.sh)"
else
	mkdir -p "$work/root" "$work/dkms" "$work/modules"
	dpkg-deb -x "${debs[quic-dkms]}" "$work/root"
	why=
	if ! dk add -m quic -v "$version" > "$work/dkms.log" 2>&1; then
		why="dkms add: $(tail_of "$work/dkms.log")"
	fi
	for k in $kernels; do
		[ -z "$why" ] || break
		if ! dk build -m quic -v "$version" -k "$k" >> "$work/dkms.log" 2>&1; then
			why="dkms build for $k: $(tail_of "$work/dkms.log")"
			log=$(ls "$work"/dkms/quic/"$version"/build/make.log 2>/dev/null)
			[ -n "$log" ] && why="$why; make.log: $(tail_of "$log" 5)"
			break
		fi
		ko=$(ls "$work/dkms/quic/$version/$k"/*/module/quic.ko* 2>/dev/null | head -n 1)
		if [ -z "$ko" ]; then
			why="no quic.ko for $k in the DKMS tree"
		elif [ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" != "$k" ]; then
			why="quic.ko for $k has vermagic '$(modinfo -F vermagic "$ko")'"
		fi
	done
	if ! dk remove -m quic -v "$version" --all >> "$work/dkms.log" 2>&1 && [ -z "$why" ]; then
		why="dkms remove: $(tail_of "$work/dkms.log")"
	fi
	if [ -z "$why" ] && [ -e "$work/dkms/quic" ]; then
		why="dkms remove left $work/dkms/quic"
	fi
	if [ -z "$why" ] && [ -n "$(ls -A "$work/modules")" ]; then
		why="something was installed: $(ls -A "$work/modules")"
	fi
	if [ -n "$why" ]; then
		fail dkms_build "$why"
	else
		echo "# dkms built quic.ko $version for: $kernels"
		pass dkms_build
	fi
fi

finish
