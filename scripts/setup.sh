#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One-command set-up for a Debian 12 (bookworm) machine: installs everything
# the project needs to build and test, from Debian's archive only.
# Idempotent: a second run finds everything in place and changes nothing.
#
# Usage: scripts/setup.sh        (as root, or through sudo)

set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
	exec sudo -E "$0" "$@"
fi

export DEBIAN_FRONTEND=noninteractive
changed=0

# Extra suites: bookworm-backports (newer kernels and tools, used only when
# asked for by name) and trixie, pinned so low that only virtme-ng, named
# explicitly, ever comes from it.
src=/etc/apt/sources.list.d/quic-extra.sources
want_src='Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg'
if [ ! -f "$src" ] || [ "$(cat "$src")" != "$want_src" ]; then
	printf '%s\n' "$want_src" > "$src"
	changed=1
fi

pref=/etc/apt/preferences.d/quic-trixie.pref
want_pref='Package: *
Pin: release n=trixie
Pin-Priority: 1'
if [ ! -f "$pref" ] || [ "$(cat "$pref")" != "$want_pref" ]; then
	printf '%s\n' "$want_pref" > "$pref"
	changed=1
fi

stamp=/var/lib/apt/periodic/quic-setup-update
if [ "$changed" = 1 ] || [ ! -f "$stamp" ] ||
   [ -n "$(find "$stamp" -mmin +1440 2>/dev/null)" ]; then
	apt-get update -q
	mkdir -p "$(dirname "$stamp")"
	touch "$stamp"
fi

# 6.12 LTS: bookworm carries it as linux-image-6.12-amd64; older snapshots only
# have it in bookworm-backports.
if apt-cache show linux-image-6.12-amd64 >/dev/null 2>&1; then
	k612="linux-image-6.12-amd64 linux-headers-6.12-amd64 linux-source-6.12"
else
	k612="linux-image-amd64/bookworm-backports linux-headers-amd64/bookworm-backports linux-source-6.12/bookworm-backports"
fi
# 6.1: bookworm's own kernel, by its versioned name so that it lives beside 6.12.
# The metapackage's candidate is bookworm's (backports are pinned below it).
abi61=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/.*Depends: linux-image-\(6\.1\.[^ ]*-amd64\)$/\1/p' | head -n1)
if [ -z "$abi61" ]; then
	echo "setup: cannot find bookworm's 6.1 kernel" >&2
	exit 1
fi
k61="linux-image-$abi61 linux-headers-$abi61"

pkgs="build-essential make gcc bc bison flex libelf-dev libssl-dev pkg-config
	kmod cpio xz-utils file perl python3 git
	clang llvm lld libclang-rt-14-dev
	sparse
	libgnutls28-dev gnutls-bin libnl-3-dev libnl-genl-3-dev
	libkeyutils-dev keyutils
	qemu-system-x86 busybox-static iproute2 ethtool procps
	ngtcp2-client ngtcp2-server libnghttp3-dev openssl
	groff-base
	dkms dh-dkms debhelper lintian
	$k612 $k61"

missing=""
for p in $pkgs; do
	name=${p%%/*}
	if ! dpkg-query -W -f='${Status}' "$name" 2>/dev/null |
	     grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
if ! dpkg-query -W -f='${Status}' virtme-ng 2>/dev/null |
     grep -q 'install ok installed'; then
	missing="$missing virtme-ng/trixie"
fi

if [ -n "$missing" ]; then
	echo "setup: installing:$missing"
	apt-get install -y -q --no-install-recommends $missing
else
	echo "setup: all packages present"
fi

# checkpatch.pl and its data files come from the 6.12 source tarball; extract
# only what it needs, once.
cache=/var/cache/quic-dev/checkpatch
if [ ! -x "$cache/scripts/checkpatch.pl" ]; then
	tarball=$(ls /usr/src/linux-source-6.12*.tar.* | sort -V | tail -n1)
	mkdir -p "$cache"
	tar -xf "$tarball" -C "$cache" --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
	echo "setup: checkpatch extracted to $cache"
fi

echo "setup: done"
