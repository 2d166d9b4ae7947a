#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# qlog.*: tools/quic-qlog on tests/qlog/capture.txt, a hand-written ftrace
# capture of one client connection (handshake, data, a loss, a PTO, a key
# update, a close) with the server's socket, a listener, other events,
# comments, a garbage line and a 10 KB line mixed in.  The records are
# checked with python3's json module; a copy built with ASan and UBSan
# reads random bytes and cut captures.  Runs on the host, in a few seconds.
#
# usage: tests/qlog/run.sh   (from anywhere; QLOG=path picks the binary,
#        else build/tools/quic-qlog, else one built here)

set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
# Built into build/tests/host/, the script finds the tree two levels up
# from build/.
[ -f "$top/Makefile" ] || top=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d /tmp/quic-qlog.XXXXXX)
trap 'rm -rf "$work"' EXIT
failed=0
cap=$top/tests/qlog/capture.txt
src=$top/tools/quic-qlog.c
C=00000000a1b2c3d4	# the client's socket
S=000000005e6f7a8b	# the server's
L=00000000c0ffee00	# a listener

pass() { echo "PASS: qlog.$1"; }
fail() { echo "FAIL: qlog.$1: $2"; failed=1; }

qlog=${QLOG:-$top/build/tools/quic-qlog}
if [ ! -x "$qlog" ]; then
	qlog=$work/quic-qlog
	gcc -O2 -g -Wall -Wextra -Werror -std=gnu11 -o "$qlog" "$src" ||
		{ fail build "cannot build $src"; exit 1; }
	echo "# quic-qlog built in $work (not found in build/tools/)"
fi

# check NAME FILE PYTHON: run PYTHON with recs (every record), hdr (the
# first) and evs (the others) loaded from FILE; it calls bad(why) to fail.
read -r -d '' prelude <<'EOF'
import json, sys
def bad(why):
    print(why)
    sys.exit(1)
raw = open(sys.argv[1], "rb").read()
if not raw.startswith(b"\x1e"):
    bad("the output does not start with 0x1E")
recs = []
for n, chunk in enumerate(raw.split(b"\x1e")[1:]):
    if not chunk.endswith(b"\n") or chunk.count(b"\n") != 1:
        bad("record %d does not end with one newline" % n)
    try:
        recs.append(json.loads(chunk.decode("utf-8")))
    except ValueError as e:
        bad("record %d: %s" % (n, e))
if len(recs) < 2:
    bad("%d records" % len(recs))
hdr, evs = recs[0], recs[1:]
def names(pre):
    return [e["name"] for e in evs if e["name"].startswith(pre)]
EOF
check() {
	local name=$1 file=$2 code=$3 why
	if why=$(python3 -c "$prelude
$code" "$file" 2>&1); then
		pass "$name"
	else
		fail "$name" "$(echo "$why" | tr '\n' ' ' | head -c 300)"
	fi
}

out=$work/client.sqlog
"$qlog" "$cap" > "$out" 2> "$work/err"
rc=$?
if [ $rc -ne 0 ]; then
	fail parses_as_json_seq "exit $rc: $(head -c 200 "$work/err")"
else
	check parses_as_json_seq "$out" '
for e in evs:
    if set(e) != {"time", "name", "data"} or not isinstance(e["data"], dict):
        bad("a record is not {time, name, data}: %r" % e)'
fi

check header "$out" '
t = hdr["trace"]
want = {"qlog_version": "0.3", "qlog_format": "JSON-SEQ"}
for k, v in want.items():
    if hdr.get(k) != v:
        bad("%s is %r" % (k, hdr.get(k)))
if t["vantage_point"] != {"type": "client"}:
    bad("vantage_point %r" % t["vantage_point"])
cf = t["common_fields"]
if cf.get("ODCID") != "8394c8f03e515708" or cf.get("time_format") != "relative":
    bad("common_fields %r" % cf)
if abs(cf.get("reference_time", 0) - 4521100.100) > 1e-6:
    bad("reference_time %r" % cf.get("reference_time"))
if "'$C'" not in hdr.get("title", ""):
    bad("title %r" % hdr.get("title"))'

# The first events as the capture has them, each as "name detail".
check handshake_in_order "$out" '
def show(e):
    d = e["data"]
    n = e["name"].split(":")[1]
    if "header" in d:
        n += " %s %d" % (d["header"]["packet_type"], d["header"]["packet_number"])
    if "frames" in d:
        n += " [" + ",".join(f["frame_type"] for f in d["frames"]) + "]"
    for k in ("new", "key_type", "packet_numbers", "smoothed_rtt",
              "congestion_window", "chosen_version"):
        if k in d:
            n += " %s" % (d[k],)
    return n
want = [
    "version_information 00000001",
    "connection_state_updated attempted",
    "packet_sent initial 0",
    "packet_received initial 0 [ack,crypto]",
    "packets_acked [0]",
    "metrics_updated 1.503",
    "metrics_updated 13200",
    "key_updated client_handshake_secret",
    "key_updated server_handshake_secret",
    "packet_received handshake 0 [crypto]",
    "packet_received handshake 1 [crypto]",
    "key_updated client_1rtt_secret",
    "key_updated server_1rtt_secret",
    "packet_sent initial 1",
    "packet_sent handshake 0",
    "connection_state_updated handshake_complete",
    "packet_received handshake 2 [ack]",
    "packets_acked [0]",
    "packet_received 1RTT 0 [handshake_done,new_connection_id,new_connection_id]",
    "stream_state_updated open",
]
got = [show(e) for e in evs[:len(want)]]
for i, (g, w) in enumerate(zip(got, want)):
    if g != w:
        bad("event %d is %r, not %r" % (i, g, w))
if len(got) < len(want):
    bad("only %d events" % len(got))'

# Milliseconds after the first event: 4521.104918 s is the loss.
check times_relative_ms "$out" '
ts = [e["time"] for e in evs]
if ts[0] != 0 or any(b < a for a, b in zip(ts, ts[1:])):
    bad("times %r" % ts[:5])
lost = [e for e in evs if e["name"] == "recovery:packet_lost"]
if len(lost) != 1 or abs(lost[0]["time"] - 4.818) > 1e-9:
    bad("packet_lost %r" % lost)
if lost[0]["data"]["trigger"] != "time_threshold":
    bad("trigger %r" % lost[0]["data"])
rtt = [e["data"] for e in evs if "smoothed_rtt" in e["data"]][1]
if rtt != {"min_rtt": 0.88, "smoothed_rtt": 1.425, "latest_rtt": 0.88, "rtt_variance": 0.717}:
    bad("rtt %r" % rtt)
last = evs[-1]
if abs(last["time"] - 29.910) > 1e-9:
    bad("last event at %r" % last["time"])'

# The client's packets and nothing of the server's or of the skipped
# lines (pn 77: no len; 78: an unknown type; 999: the 10 KB line).
check other_socket_excluded "$out" '
def pns(name):
    return [(e["data"]["header"]["packet_type"], e["data"]["header"]["packet_number"])
            for e in evs if e["name"] == name]
sent = pns("transport:packet_sent")
want = [("initial", 0), ("initial", 1), ("handshake", 0)] + [("1RTT", i) for i in range(7)]
if sent != want:
    bad("packet_sent %r" % sent)
recv = pns("transport:packet_received")
want = [("initial", 0), ("handshake", 0), ("handshake", 1), ("handshake", 2)] + \
       [("1RTT", i) for i in range(4)]
if recv != want:
    bad("packet_received %r" % recv)
text = json.dumps(evs)
for s in ("remote_update", "handshake_confirmed", "\"remote\"", "streams_blocked"):
    if s in text:
        bad("%s in the client qlog" % s)
keys = [e["data"]["key_type"] for e in evs if e["name"] == "security:key_updated"]
if len(keys) != 6 or keys[4:] != ["client_1rtt_secret", "server_1rtt_secret"]:
    bad("key_updated %r" % keys)
cl = [e["data"] for e in evs if e["name"] == "connectivity:connection_closed"]
if cl != [{"owner": "local", "application_code": 0, "trigger": "application"}]:
    bad("connection_closed %r" % cl)
if names("recovery:loss_timer_updated") != ["recovery:loss_timer_updated"]:
    bad("no PTO")'

"$qlog" -s "$S" -o "$work/server.sqlog" "$cap" 2> "$work/err"
rc=$?
if [ $rc -ne 0 ]; then
	fail select_socket "exit $rc: $(head -c 200 "$work/err")"
else
	check select_socket "$work/server.sqlog" '
if hdr["trace"]["vantage_point"]["type"] != "server" or "'$S'" not in hdr["title"]:
    bad("header %r" % hdr)
if hdr["trace"]["common_fields"]["reference_time"] != 4521100.498:
    bad("reference_time %r" % hdr["trace"]["common_fields"])
st = [e["data"]["new"] for e in evs if e["name"].endswith("connection_state_updated")]
if st != ["handshake_started", "handshake_confirmed", "closed"]:
    bad("states %r" % st)
cl = [e["data"] for e in evs if e["name"] == "connectivity:connection_closed"]
if cl != [{"owner": "remote", "application_code": 0, "trigger": "application"}]:
    bad("connection_closed %r" % cl)
last = [e for e in evs if e["name"] == "transport:packet_received"][-1]["data"]
if last["frames"] != [{"frame_type": "connection_close", "error_space": "application"}]:
    bad("last packet %r" % last)
tr = [e["data"]["trigger"] for e in evs if e["name"] == "security:key_updated"]
if tr[-2:] != ["remote_update", "remote_update"]:
    bad("key triggers %r" % tr)'
fi

list=$("$qlog" -l "$cap" 2>&1)
rc=$?
want="$L - - 1
$C client 8394c8f03e515708 57
$S server 8394c8f03e515708 41"
if [ $rc -ne 0 ] || [ "$list" != "$want" ]; then
	fail list_sockets "exit $rc: $(echo "$list" | tr '\n' ' ')"
else
	pass list_sockets
fi

# Nothing of ours, or not of that socket: 1, a message, no output file.
why=
grep -v 'quic_' "$cap" > "$work/none.txt"
"$qlog" "$work/none.txt" > "$work/none.out" 2> "$work/err"
rc=$?
[ $rc -eq 1 ] || why="no quic event: exit $rc"
[ -s "$work/err" ] && [ ! -s "$work/none.out" ] || why="$why; stdout/stderr"
"$qlog" -s 00000000ffffffff -o "$work/absent.sqlog" "$cap" 2> "$work/err"
rc=$?
[ $rc -eq 1 ] || why="$why; unknown socket: exit $rc"
[ -e "$work/absent.sqlog" ] && why="$why; -o file created"
"$qlog" < /dev/null > /dev/null 2>&1
rc=$?
[ $rc -eq 1 ] || why="$why; empty input: exit $rc"
if [ -n "$why" ]; then
	fail no_events_exit_1 "${why#; }"
else
	pass no_events_exit_1
fi

# Usage and I/O errors: 2.
why=
for args in "-x" "-s" "a b" "-s /2" "-s x/0" "$work/missing.txt"; do
	# shellcheck disable=SC2086
	"$qlog" $args < /dev/null > /dev/null 2>&1
	rc=$?
	[ $rc -eq 2 ] || why="$why; '$args': exit $rc"
done
if [ -w /dev/full ]; then
	"$qlog" "$cap" > /dev/full 2> /dev/null
	rc=$?
	[ $rc -eq 2 ] || why="$why; /dev/full: exit $rc"
fi
"$qlog" -o "$work/no/such/dir" "$cap" 2> /dev/null
rc=$?
[ $rc -eq 2 ] || why="$why; -o in a missing directory: exit $rc"
if [ -n "$why" ]; then
	fail usage_exit_2 "${why#; }"
else
	pass usage_exit_2
fi

# trace-cmd report's spelling (nanoseconds here), and perf script's.
cat > "$work/tc.txt" <<EOF
cpus=2
     quic-echo-2040  [000]  4521.100100123: quic_conn_new:        sk=$C role=server version=0x6b3343cf odcid=
     quic-echo-2040  [000]  4521.100100623: quic_packet_recv:     sk=$C type=initial pn=7 len=1252
quic-echo  2040 [000] 4521.100101123: quic:quic_frame_recv: sk=$C type=initial frame=0x31
EOF
"$qlog" "$work/tc.txt" > "$work/tc.sqlog" 2> "$work/err"
check trace_cmd_format "$work/tc.sqlog" '
if hdr["trace"]["vantage_point"]["type"] != "server" or "ODCID" in hdr["trace"]["common_fields"]:
    bad("header %r" % hdr)
if [e["time"] for e in evs] != [0, 0.0005]:
    bad("times %r" % [e["time"] for e in evs])
if evs[0]["data"] != {"chosen_version": "6b3343cf"}:
    bad("version %r" % evs[0]["data"])
if evs[1]["data"].get("frames") != [{"frame_type": "datagram"}]:
    bad("packet %r" % evs[1]["data"])'

# Compatible version negotiation: a second version_information, the
# version the connection moved to.
cat > "$work/vm.txt" <<EOF
 a-1 [000] ..... 10.000001: quic_conn_new: sk=$C role=client version=0x00000001 odcid=01
 a-1 [000] ..... 10.000002: quic_packet_sent: sk=$C type=initial pn=0 len=1200
 <idle>-0 [001] ..s1. 10.000100: quic_version_moved: sk=$C from=0x00000001 to=0x6b3343cf
EOF
"$qlog" "$work/vm.txt" > "$work/vm.sqlog" 2> "$work/err"
check version_moved "$work/vm.sqlog" '
v = [e["data"]["chosen_version"] for e in evs
     if e["name"] == "transport:version_information"]
if v != ["00000001", "6b3343cf"]:
    bad("versions %r" % v)'

# ECN validation: its outcome, a state the qlog schema names; an unknown
# state is a line skipped, not a record.
cat > "$work/ecn.txt" <<EOF
 a-1 [000] ..... 10.000001: quic_conn_new: sk=$C role=client version=0x00000001 odcid=01
 <idle>-0 [001] ..s1. 10.000100: quic_ecn_state: sk=$C state=capable
 <idle>-0 [001] ..s1. 10.000200: quic_ecn_state: sk=$C state=failed
 <idle>-0 [001] ..s1. 10.000300: quic_ecn_state: sk=$C state=sideways
EOF
"$qlog" "$work/ecn.txt" > "$work/ecn.sqlog" 2> "$work/err"
check ecn_state "$work/ecn.sqlog" '
v = [e["data"]["new"] for e in evs
     if e["name"] == "recovery:ecn_state_updated"]
if v != ["capable", "failed"]:
    bad("ECN states %r" % v)'

# A socket address used again after a close: two connections.
cat > "$work/reuse.txt" <<EOF
 a-1 [000] ..... 10.000001: quic_conn_new: sk=$C role=client version=0x00000001 odcid=01
 a-1 [000] ..... 10.000002: quic_state: sk=$C old=CLOSE new=SYN_SENT
 a-1 [000] ..... 10.000003: quic_state: sk=$C old=SYN_SENT new=CLOSE
 a-1 [000] ..... 10.000004: quic_packet_sent: sk=$C type=initial pn=5 len=40
 <idle>-0 [001] ..s1. 11.000001: quic_state: sk=$C old=CLOSE new=SYN_RECV
 <idle>-0 [001] ..s1. 11.000002: quic_conn_new: sk=$C role=server version=0x00000001 odcid=02
 <idle>-0 [001] ..s1. 11.000003: quic_packet_recv: sk=$C type=initial pn=0 len=1200
 <idle>-0 [001] ..s1. 11.000004: quic_frame_recv: sk=$C type=initial frame=0x40
EOF
list=$("$qlog" -l "$work/reuse.txt" 2>&1)
"$qlog" -s "$C/2" "$work/reuse.txt" > "$work/reuse.sqlog" 2>&1
if [ "$list" != "$C client 01 4
$C/2 server 02 4" ]; then
	fail socket_reuse "-l: $(echo "$list" | tr '\n' ' ')"
else
	check socket_reuse "$work/reuse.sqlog" '
if hdr["trace"]["common_fields"].get("ODCID") != "02" or len(evs) != 3:
    bad("%r" % recs)
if evs[2]["data"]["frames"] != [{"frame_type": "unknown", "raw_frame_type": 64}]:
    bad("%r" % evs[2])'
fi

# A connection ended by the peer's stateless reset (ENETRESET, 102).
cat > "$work/reset.txt" <<EOF
 a-1 [000] ..... 10.000001: quic_conn_new: sk=$C role=client version=0x00000001 odcid=01
 a-1 [000] ..... 10.000002: quic_state: sk=$C old=CLOSE new=SYN_SENT
 <idle>-0 [001] ..s1. 12.000000: quic_close: sk=$C by=stateless_reset errcode=0x0 frame=0x0 app=0 err=102
EOF
"$qlog" "$work/reset.txt" > "$work/reset.sqlog" 2>&1
check stateless_reset_close "$work/reset.sqlog" '
cl = [e["data"] for e in evs if e["name"] == "connectivity:connection_closed"]
if cl != [{"owner": "remote", "internal_code": 102, "trigger": "stateless_reset"}]:
    bad("connection_closed %r" % cl)'

# Random bytes and cut captures, through a copy built with ASan and UBSan:
# exit 0 or 1, nothing from the sanitizers.
asan=$work/quic-qlog-asan
if ! gcc -O1 -g -Wall -Wextra -Werror -std=gnu11 -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -o "$asan" "$src" \
	> "$work/asan.log" 2>&1; then
	fail garbage_survives "the ASan build failed: $(head -c 200 "$work/asan.log")"
else
	why=
	size=$(stat -c %s "$cap")
	run_asan() {
		local what=$1 rc
		shift
		"$asan" "$@" > /dev/null 2> "$work/asan.err"
		rc=$?
		if { [ $rc -ne 0 ] && [ $rc -ne 1 ]; } || grep -q Sanitizer "$work/asan.err"; then
			why="$why; $what: exit $rc $(grep -m1 -E 'ERROR|runtime error' "$work/asan.err")"
		fi
	}
	head -c 200000 /dev/urandom > "$work/random.bin"
	run_asan "random bytes" < "$work/random.bin"
	run_asan "random bytes, -l" -l "$work/random.bin"
	for _ in 1 2 3 4 5 6 7 8; do
		n=$((RANDOM * 32768 + RANDOM))
		n=$((n % size))
		head -c "$n" "$cap" > "$work/cut.txt"
		run_asan "the capture cut at $n bytes" "$work/cut.txt"
	done
	# The capture with random bytes overwritten.
	cp "$cap" "$work/mut.txt"
	for _ in $(seq 40); do
		n=$(( (RANDOM * 32768 + RANDOM) % size ))
		head -c 1 /dev/urandom | dd of="$work/mut.txt" bs=1 seek="$n" \
			conv=notrunc status=none
	done
	run_asan "the capture with 40 bytes changed" "$work/mut.txt"
	run_asan "the capture with 40 bytes changed, -s" -s "$S" "$work/mut.txt"
	if [ -n "$why" ]; then
		fail garbage_survives "${why#; }"
	else
		pass garbage_survives
	fi
fi
exit $failed
