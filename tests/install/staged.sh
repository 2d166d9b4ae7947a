#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# install.*: "make install" into a staging directory (DESTDIR, PREFIX=/usr,
# as a Debian package would), then programs built against the staged tree
# alone, then "make uninstall".  Runs on the host with the other host tests.
#
# usage: tests/install/staged.sh   (from anywhere; the tree must be built)

set -u
# Run from "make check": a make of its own, not part of the caller's.
unset MAKEFLAGS MAKELEVEL MFLAGS
top=$(cd "$(dirname "$0")/../.." && pwd)
# Built into build/tests/host/, the script finds the tree two levels up
# from build/.
[ -f "$top/Makefile" ] || top=$(cd "$(dirname "$0")/../../.." && pwd)
stage=$(mktemp -d /tmp/quic-install.XXXXXX)
work=$(mktemp -d /tmp/quic-install-build.XXXXXX)
trap 'rm -rf "$stage" "$work"' EXIT
failed=0

pass() { echo "PASS: install.$1"; }
fail() { echo "FAIL: install.$1: $2"; failed=1; }

inst() { make -s -C "$top" DESTDIR="$stage" PREFIX=/usr "$@" > "$work/make.log" 2>&1; }

# ---- make install: every file where it belongs ----
if inst install; then
	missing=
	for f in usr/include/linux/quic.h usr/include/netinet/quic.h \
		usr/lib/libquic.so.1.1.0 usr/lib/libquic.so.1 usr/lib/libquic.so \
		usr/lib/pkgconfig/libquic.pc usr/sbin/quic-handshaked \
		etc/quic-handshaked.conf \
		usr/lib/systemd/system/quic-handshaked.service \
		usr/share/man/man7/quic.7 \
		usr/share/man/man3/quic.3 usr/share/man/man3/quic_handshake.3 \
		usr/share/man/man8/quic-handshaked.8 \
		usr/share/man/man5/quic-handshaked.conf.5 \
		usr/bin/quic-qlog usr/share/man/man1/quic-qlog.1; do
		[ -e "$stage/$f" ] || missing="$missing $f"
	done
	nko=$(find "$stage/lib/modules" -path '*/updates/quic.ko' | wc -l)
	nk=$(ls -d "$top"/build/*/net/quic/quic.ko 2>/dev/null | wc -l)
	if [ -n "$missing" ]; then
		fail files "missing:$missing"
	elif [ "$nko" -ne "$nk" ] || [ "$nk" -eq 0 ]; then
		fail files "$nko modules installed, $nk built"
	else
		pass files
	fi
else
	fail files "make install failed: $(tail -n 3 "$work/make.log")"
fi

# Every installed man page renders without a warning.
bad=
for m in $(find "$stage/usr/share/man" -type f); do
	if [ "$(head -c 4 "$m")" = ".so " ]; then
		t="$stage/usr/share/man/$(sed 's/^\.so //' "$m")"
		[ -f "$t" ] || bad="$bad ${m#$stage}(link to a missing page)"
		continue
	fi
	out=$(groff -man -Tutf8 -ww -z "$m" 2>&1)
	[ -z "$out" ] || bad="$bad ${m#$stage}: $out"
done
if [ -n "$bad" ]; then
	fail man_pages_render "$bad"
else
	pass man_pages_render
fi

# The unit starts the daemon where PREFIX put it.
if grep -qx 'ExecStart=/usr/sbin/quic-handshaked' \
	"$stage/usr/lib/systemd/system/quic-handshaked.service" 2>/dev/null; then
	pass unit_names_installed_daemon
else
	fail unit_names_installed_daemon "ExecStart is not /usr/sbin/quic-handshaked"
fi

# ---- Programs built against the staged tree and nothing else ----
# The stage's libquic.pc first; what it requires (gnutls) from the system.
syspc=$(pkg-config --variable pc_path pkg-config)
export PKG_CONFIG_LIBDIR="$stage/usr/lib/pkgconfig:$syspc" PKG_CONFIG_PATH=
export PKG_CONFIG_SYSROOT_DIR="$stage"
flags=$(pkg-config --cflags --libs libquic 2>&1)
if [ $? -ne 0 ]; then
	fail echo_builds "pkg-config: $flags"
else
	# A copy of the example, away from the source tree's headers.
	cp "$top/libquic/examples/echo.c" "$work/"
	if ! (cd "$work" && cc -Wall -Werror -o echo echo.c $flags \
		-MD -MF echo.d) > "$work/cc.log" 2>&1; then
		fail echo_builds "$(head -n 5 "$work/cc.log")"
	elif grep -q "$top" "$work/echo.d"; then
		fail echo_builds "a header came from the source tree"
	elif ! grep -q "$stage/usr/include/netinet/quic.h" "$work/echo.d" ||
	     ! grep -q "$stage/usr/include/linux/quic.h" "$work/echo.d"; then
		fail echo_builds "the staged headers were not the ones used"
	else
		# It loads the staged library (and only prints its usage).
		LD_LIBRARY_PATH="$stage/usr/lib" "$work/echo" > "$work/run.log" 2>&1
		rc=$?
		lib=$(LD_LIBRARY_PATH="$stage/usr/lib" ldd "$work/echo" |
		      awk '/libquic.so.1/ { print $3 }')
		if [ $rc -ne 2 ] || ! grep -q usage "$work/run.log"; then
			fail echo_builds "it ran with status $rc: $(head -n 2 "$work/run.log")"
		elif [ "$lib" != "$stage/usr/lib/libquic.so.1" ]; then
			fail echo_builds "libquic.so.1 resolved to '$lib'"
		else
			pass echo_builds
		fi
	fi
fi

# The HTTP/3 samples: libquic from the stage, nghttp3 from the system.
h3=$(pkg-config --cflags --libs libquic 2>/dev/null)
n3=$(env -u PKG_CONFIG_LIBDIR -u PKG_CONFIG_SYSROOT_DIR \
	pkg-config --cflags --libs libnghttp3)
cp -r "$top/libquic/examples/http3" "$work/"
ok=1
for p in client server; do
	if ! (cd "$work/http3" && cc -Wall -Wno-unused-parameter -o "h3$p" \
		"$p.c" h3.c $h3 $n3) > "$work/h3.log" 2>&1; then
		fail http3_builds "$p: $(head -n 5 "$work/h3.log")"
		ok=0
	fi
done
[ $ok = 1 ] && pass http3_builds

# ---- A second install keeps a changed configuration ----
echo "# changed by the administrator" >> "$stage/etc/quic-handshaked.conf"
if inst install && grep -q 'changed by the administrator' \
	"$stage/etc/quic-handshaked.conf"; then
	pass config_not_overwritten
else
	fail config_not_overwritten "make install replaced it"
fi

# ---- make uninstall: nothing left but the changed configuration ----
if inst uninstall; then
	left=$(cd "$stage" && find . \( -type f -o -type l \) | sort)
	if [ "$left" != "./etc/quic-handshaked.conf" ]; then
		fail uninstall_leaves_nothing "left: $(echo $left)"
	else
		# An unchanged configuration goes with the rest.
		cp "$top/handshake/quic-handshaked.conf" "$stage/etc/"
		inst uninstall
		left=$(cd "$stage" && find . \( -type f -o -type l \))
		if [ -n "$left" ]; then
			fail uninstall_leaves_nothing "left: $(echo $left)"
		else
			pass uninstall_leaves_nothing
		fi
	fi
else
	fail uninstall_leaves_nothing "make uninstall failed: $(tail -n 3 "$work/make.log")"
fi
exit $failed
