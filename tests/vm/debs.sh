#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# install.debs_installed (in the VM): the Debian packages "make debs" built
# (build/debs/) installed into the guest, whose /usr, /etc and /var are
# overlays that vanish with it; then the echo example built against the
# installed files alone, run as server and client over the module the
# suite loaded, and the installed daemon started.  quic-dkms is not
# installed: the module is loaded already, and DKMS under emulation would
# take minutes (tests/install/debs.sh has DKMS build it on the host).
#
# Installed as build/tests/vm/debs; run-in-vm.sh runs it with the others,
# in the 6.12 boot.

set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
debs=$top/build/debs
name=install.debs_installed

[ -z "${TEST_FILTER:-}" ] || [[ "$name" == $TEST_FILTER ]] || exit 0
# Once per "make check": installing takes about 100 s under emulation and
# nothing in it depends on the kernel; the 6.12 boot does it.
case $(uname -r) in
6.12.*) ;;
*) echo "# $name: in the 6.12 boot only"; exit 0 ;;
esac

fail() { echo "FAIL: $name: $1"; exit 1; }

work=$(mktemp -d /tmp/quic-debs-vm.XXXXXX)
trap 'rm -rf "$work"; rm -f /usr/sbin/policy-rc.d' EXIT

pkgs=
for p in libquic1 libquic-dev quic-handshaked; do
	f=$(ls "$debs"/${p}_*.deb 2>/dev/null | head -n 1)
	[ -n "$f" ] || fail "no ${p}_*.deb in $debs (make debs)"
	pkgs="$pkgs $f"
done

# No service starts in the guest (invoke-rc.d asks policy-rc.d), and
# man-db's trigger does not rebuild its index (minutes under emulation).
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d
rm -f /var/lib/man-db/auto-update
start=$(date +%s)
timeout 400 dpkg -i $pkgs > "$work/dpkg.log" 2>&1 ||
	fail "dpkg -i: $(tail -n 3 "$work/dpkg.log" | tr '\n' ' ')"
echo "# $name: installed in $(($(date +%s) - start)) s"
for f in /usr/lib/x86_64-linux-gnu/libquic.so.1 /usr/include/netinet/quic.h \
	/usr/include/linux/quic.h /usr/sbin/quic-handshaked \
	/etc/quic-handshaked.conf /lib/systemd/system/quic-handshaked.service \
	/usr/share/man/man7/quic.7.gz; do
	[ -e "$f" ] || fail "$f not installed"
done

# The example, built as a user of the packages would build it.
cp "$top/libquic/examples/echo.c" "$work/"
(cd "$work" && cc -o echo echo.c $(pkg-config --cflags --libs libquic) \
	-MD -MF echo.d) > "$work/cc.log" 2>&1 ||
	fail "cc: $(head -n 3 "$work/cc.log" | tr '\n' ' ')"
echo "# $name: echo.c built against the installed files"
grep -q "$top" "$work/echo.d" && fail "a header came from the source tree"
# (/lib is /usr/lib on bookworm: compare where the paths lead.)
lib=$(ldd "$work/echo" | awk '/libquic.so.1/ { print $3 }')
[ -n "$lib" ] && [ "$(readlink -f "$lib")" = \
	"$(readlink -f /usr/lib/x86_64-linux-gnu/libquic.so.1)" ] ||
	fail "libquic.so.1 resolved to '$lib'"

"$top/tests/vm/certs.sh" "$work/certs" > /dev/null 2>&1 || fail "certs.sh"
port=4499
timeout 60 "$work/echo" server :: $port "$work/certs/server.key" \
	"$work/certs/server.pem" echo > "$work/server.log" 2>&1 &
spid=$!
ok=0
for _ in $(seq 50); do
	if QUIC_CA_FILE="$work/certs/ca.pem" timeout 20 "$work/echo" client \
		localhost $port echo > "$work/client.log" 2>&1; then
		ok=1
		break
	fi
	# The server may not listen yet: ECONNREFUSED comes back at once.
	grep -q 'refused' "$work/client.log" || break
	sleep 0.1
done
[ $ok = 1 ] || kill $spid 2>/dev/null
wait $spid
src=$?
[ $ok = 1 ] || fail "client: $(tr '\n' ' ' < "$work/client.log")"
[ $src = 0 ] || fail "server: $(tr '\n' ' ' < "$work/server.log")"
grep -q '^client: hello over QUIC' "$work/client.log" ||
	fail "client printed: $(tr '\n' ' ' < "$work/client.log")"

# The installed daemon starts and serves (-v: its "serving" line shows).
/usr/sbin/quic-handshaked -s -v > "$work/hsd.log" 2>&1 &
hpid=$!
for _ in $(seq 50); do
	grep -q serving "$work/hsd.log" && break
	sleep 0.1
done
kill $hpid 2>/dev/null
wait $hpid 2>/dev/null
grep -q serving "$work/hsd.log" ||
	fail "quic-handshaked: $(tr '\n' ' ' < "$work/hsd.log")"

start=$(date +%s)
timeout 400 dpkg -P libquic-dev quic-handshaked libquic1 > "$work/dpkg.log" 2>&1 ||
	fail "dpkg -P: $(tail -n 3 "$work/dpkg.log" | tr '\n' ' ')"
[ -e /usr/lib/x86_64-linux-gnu/libquic.so.1 ] && fail "purged, libquic.so.1 stays"
echo "# $name: purged in $(($(date +%s) - start)) s"
echo "PASS: $name"
