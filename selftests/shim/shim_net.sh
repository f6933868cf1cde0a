#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shim_net.sh - sockets and --network in shim mode: each case natively and sandboxed, compared.
# kiste-suite: host shim_net.sh
#
# POSIX sh (bash on the host).  Traffic goes only to loopback or to 198.51.100.0/24
# inside a namespace this suite makes; every wait is bounded.
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=selftests/shim/shim_lib.sh
. "$here/shim-lib.helper"
K="${KISTE_SHIM:-$here/../bin/kiste}"
PY=/usr/bin/python3
N="$WL/net.py"
shim_need hostile net_mmsg umed
[ -f "$N" ] || bail "no $N: build it (make)"
[ -x "$PY" ] || skip_all "no $PY: make deps"
data=$(mktemp -d /var/tmp/kiste-net.XXXXXX) || bail "cannot make a folder under /var/tmp"
chmod 755 "$data"
NSNAME="kiste-net-$$"
SERVER=""
cleanup()
{
	[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null
	ip netns del "$NSNAME" 2>/dev/null
	ip link del "kn$$h" 2>/dev/null
	rm -rf "$data"
}
trap cleanup EXIT
S() { "$K" run --mode=shim --tmpfs "$SHIM_TMP" -- "$@"; }
# SR CMD...: with a rootfs of this suite's own ($R: /usr and /etc bound in, $data at its
# path), in a private mount namespace; AF_UNIX sockets by name need a rootfs that is not
# the host's "/" (README, Networking).  Root only: empty without.
R=""
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
	R="$data/root"
	mkdir -p "$R/usr" "$R/etc" "$R/tmp" "$R/mnt" "$R/dev" "$R/proc" "$R/sys" "$R/root" "$R$data"
	for l in bin sbin lib lib64; do
		[ -e "/$l" ] && ln -s "usr/$l" "$R/$l"
	done
	cp "$N" "$data/net.py"
fi
SR()
{
	# shellcheck disable=SC2016 # the inner sh expands its own arguments
	unshare -m sh -c 'mount --bind /usr "$1/usr" && mount --bind /etc "$1/etc" &&
		mount --bind "$2" "$1$2" && shift 2 && exec "$@"' sh "$R" "$data" \
		"$K" run --mode=shim --rootfs "$R" --tmpfs "$SHIM_TMP" -- "$@"
}

# same NAME CMD...: output and status natively and sandboxed match (and the native run worked).
same()
{
	s_name="$1"
	shift
	n_out=$("$@" 2>&1 </dev/null)
	n_rc=$?
	run S "$@"
	if [ "$T_RC" = "$n_rc" ] && [ "$T_OUT" = "$n_out" ] && [ -n "$n_out" ] && [ "$n_rc" = 0 ]; then
		ok "$s_name"
	else
		fail "$s_name" "sandboxed exit $T_RC: $T_OUT
# native exit $n_rc: $n_out"
	fi
}

# Waits (5 s at most) until FILE holds "listening".
wait_listening()	# FILE
{
	w=0
	while [ $w -lt 50 ] && ! grep -q listening "$1" 2>/dev/null; do
		sleep 0.1
		w=$((w + 1))
	done
}

same "python3: TCP echo server and client on 127.0.0.1" "$PY" "$N" tcp 127.0.0.1
same "python3: TCP echo server and client on ::1" "$PY" "$N" tcp ::1
same "python3: UDP on 127.0.0.1" "$PY" "$N" udp 127.0.0.1
same "python3: UDP on ::1" "$PY" "$N" udp ::1
mkdir "$data/u"
if [ -n "$R" ]; then
	n_out=$("$PY" "$data/net.py" unix "$data/u" 2>&1)
	expect "python3: AF_UNIX socketpair with SCM_RIGHTS, stream and datagram on paths, abstract seqpacket" \
		0 "$n_out" SR "$PY" "$data/net.py" unix "$SHIM_TMP"
else
	skip "python3: AF_UNIX on paths" "needs root for a rootfs of the suite's own"
fi
# With the host's "/" as the rootfs: AF_UNIX stream and seqpacket sockets through the
# init's mediator, datagram ones not at all (no host socket is reachable).
expect "host's / as rootfs: AF_UNIX socket() works, datagram socket() and pairs EACCES" 0 \
	"unix ok dgram EACCES dgram pair EACCES stream pair ok" S "$PY" -c "import socket, errno
def t(f):
    try:
        f()
        return 'ok'
    except OSError as e:
        return errno.errorcode[e.errno]
print('unix', t(lambda: socket.socket(socket.AF_UNIX)), 'dgram',
      t(lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)), 'dgram pair',
      t(lambda: socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)), 'stream pair',
      t(lambda: socket.socketpair()))"
# SU: the sandbox's temporary files in its own tmpfs ($SHIM_TMP), where its sockets go.
SU() { "$K" run --mode=shim --tmpfs "$SHIM_TMP" --env TMPDIR="$SHIM_TMP" -- "$@"; }
# same_unix NAME MODE: unix.py MODE natively and through the mediator, compared (bounded).
same_unix()
{
	n_out=$(timeout 120 "$PY" "$U" "$2" 2>&1 </dev/null)
	n_rc=$?
	run timeout 120 "$K" run --mode=shim --tmpfs "$SHIM_TMP" --env TMPDIR="$SHIM_TMP" -- \
		"$PY" "$U" "$2"
	if [ "$T_RC" = "$n_rc" ] && [ "$T_OUT" = "$n_out" ] && [ -n "$n_out" ] && [ "$n_rc" = 0 ]; then
		ok "$1"
	else
		fail "$1" "sandboxed exit $T_RC: $T_OUT
# native exit $n_rc: $n_out"
	fi
}
U="$WL/unix.py"
same_unix "host's / as rootfs: asyncio start_unix_server and open_unix_connection" asyncio
same_unix "host's / as rootfs: a multiprocessing.Manager" manager
same_unix "host's / as rootfs: a forkserver Pool" forkserver
same_unix "host's / as rootfs: socketpair with SCM_RIGHTS unaffected" pair
same_unix "host's / as rootfs: names and errnos (getsockname/getpeername, EADDRINUSE, ENOENT, ENOTDIR, ECONNREFUSED, EPROTOTYPE, EISCONN, umask, SO_PASSCRED)" names
same_unix "host's / as rootfs: abstract names and autobind" abstract
same_unix "host's / as rootfs: non-blocking connects (EAGAIN at a full backlog), a blocking one waits" nonblock
same_unix "host's / as rootfs: 48 threads connect at once" threads

# Hostile: a host socket outside the sandbox's own filesystems (visible read-only inside),
# reached for by gate jumps on the placeholder and by requests made by hand to the mediator.
hd="$data/umed"
mkdir "$hd"
"$PY" -c "import socket, os, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)
s.listen(8)
s.settimeout(60)
print('listening', flush=True)
while True:
    c, _ = s.accept()
    print('accepted', flush=True)
    c.sendall(b'host secret')
    c.close()" "$hd/host.sock" >"$hd/srv.out" 2>&1 &
SERVER=$!
wait_listening "$hd/srv.out"
run "$PY" "$N" connect_path "$hd/host.sock"
case "$T_OUT" in
*"host secret"*) ok "control: natively the host socket in /var/tmp answers" ;;
*) fail "control: natively the host socket in /var/tmp answers" "$T_OUT" ;;
esac
expect "host's / as rootfs: connect to a host socket EACCES" 0 "connect EACCES" \
	SU "$PY" "$N" connect_path "$hd/host.sock"
expect "gate jump: connect() on the AF_UNIX placeholder to a host socket is EISCONN" 0 \
	"gate connect: EISCONN
gate bind in the tmpfs: ok
gate listen: EINVAL
gate connect after bind: EISCONN" SU "$WL/umed" placeholder "$hd/host.sock" "$SHIM_TMP/p.sock"
expect "mediator: requests made by hand refused (host paths, links, .., magic links, bad fields, floods)" 0 \
	"control: a socket on the sandbox's tmpfs: ok+socket
host socket: EACCES
symlink in the tmpfs to the host socket: EACCES
dot-dot to the host socket: EACCES
/proc/1/root: ENOENT
/proc/self/fd/N of the host socket: ENOENT
/dev/fd/N of the host socket: ENOENT
bind beside the host socket: EROFS
listen again under the host socket's name (its file replaced): EADDRINUSE
connect bound to the host socket's name: EADDRINUSE
listen again over a plain file of the tmpfs: EADDRINUSE
the plain file stays: yes
a datagram socket: EINVAL
an over-long name: EINVAL
an over-long cwd: EINVAL
an empty cwd: EINVAL
a pathname with a NUL inside: EINVAL
a relative cwd: EINVAL
a relative name from the host socket's folder: EACCES
an unknown operation: EINVAL
a wrong magic: EINVAL
garbage: EINVAL
short: EINVAL
two descriptors: no reply
a stream reply end: no reply
flood: 3000 requests
after the flood, a missing path: ENOENT
after the flood, the control again: ok+socket" \
	timeout 120 "$K" run --mode=shim --tmpfs "$SHIM_TMP" -- "$WL/umed" forge "$hd/host.sock" \
	"$SHIM_TMP/priv.sock"
expect "mediator: the workload's exit ends the sandbox while a child floods the init" 7 \
	"the workload exits while its child floods" timeout 60 "$K" run --mode=shim --tmpfs \
	"$SHIM_TMP" -- "$WL/umed" flood-exit "$SHIM_TMP/none.sock"
# A bind whose folder the workload swaps for a symlink to a host volume between the
# mediator's check and the kernel's walk: the socket file never lands in the volume.
mkdir -m 1777 "$data/umvol"
expect "mediator: a bind raced into a host volume (folder swapped for a symlink) makes no socket there" \
	0 "race-bind: binds in the tmpfs made, none in the volume" timeout 120 "$K" run --mode=shim \
	--tmpfs "$SHIM_TMP" -v "$data/umvol:/srv:rw" -- "$WL/umed" race-bind /srv "$SHIM_TMP"
n=$(find "$data/umvol" -mindepth 1 | wc -l)
if [ "$n" = 0 ]; then
	ok "...and the volume is empty on the host's side"
else
	fail "...and the volume is empty on the host's side" "$(ls -la "$data/umvol")"
fi
n=$(grep -c accepted "$hd/srv.out")
[ -S "$hd/host.sock" ] || n="no socket file left:"
if [ "$n" = 1 ]; then
	ok "the host socket (still there) saw the native control's connection only"
else
	fail "the host socket (still there) saw the native control's connection only" "$n connections"
fi
kill "$SERVER" 2>/dev/null
wait "$SERVER" 2>/dev/null
SERVER=""
same "python3: MSG_CMSG_CLOEXEC marks a received descriptor close-on-exec" "$PY" "$N" cloexec
same "python3: a peer sends 40 descriptors to a process that holds 20: cut off, MSG_CTRUNC" \
	"$PY" "$N" many 20
same "python3: errors natively and sandboxed alike (socketpair AF_INET, refused, bad fd)" \
	"$PY" "$N" same_errno
same "C: sendmmsg of 3 records, recvmmsg with MSG_WAITFORONE and a timeout" "$WL/net_mmsg"
# iperf3 reads it; setting one needs nothing the socket's own namespace does not give
# (the host loads no module for a name it does not know: ENOENT, as natively).
same "python3: TCP_CONGESTION read, set to the one in use, an unknown one ENOENT" \
	"$PY" "$N" congestion
same "python3 -m http.server and urllib in one sandbox" "$PY" "$N" http 47321
# ping (Debian's iputils): root's raw socket natively; sandboxed an ICMP echo socket, which
# the namespace's ping_group_range allows for the sandbox's groups (libcap's prctl
# PR_SET_KEEPCAPS and the IP_RETOPTS option on the way): the same status and summary,
# and no warning.
if command -v ping >/dev/null 2>&1; then
	n_out=$(ping -c1 -W5 127.0.0.1 2>&1 </dev/null)
	n_rc=$?
	run S ping -c1 -W5 127.0.0.1
	want='1 packets transmitted, 1 received, 0% packet loss'
	case "$n_rc $T_RC|$n_out|$T_OUT" in
	*WARNING*) p_ok=1 ;;
	"0 0|"*"$want"*"|"*"$want"*) p_ok=0 ;;
	*) p_ok=1 ;;
	esac
	result "$p_ok" "ping 127.0.0.1: one echo answered, as natively" "sandboxed exit $T_RC: $T_OUT
# native exit $n_rc: $n_out"
else
	skip "ping 127.0.0.1: one echo answered, as natively" "no ping (make deps installs iputils-ping)"
fi
# The socket ioctls (issue 12): asked on the workload's own socket, answered as natively;
# UDP-Lite (issue 11), or the same errno natively and sandboxed on a host without it.
same "python3: SIOCINQ, SIOCOUTQ, SIOCOUTQNSD, SIOCATMARK, SIOCGSTAMP(NS) _OLD and _NEW on UDP, TCP (urgent data), AF_UNIX, rtnetlink, a terminal; EFAULT; a sign-extended request" \
	"$PY" "$N" sockioctl
same "python3: the socket ioctls on a file, a pipe, /dev/null: ENOTTY; on 1000-1007 (the guest kernel's): EBADF" \
	"$PY" "$N" ioctl_nonsock
same "python3: UDP-Lite on 127.0.0.1 (checksum coverage set and read; on UDP and TCP refused)" \
	"$PY" "$N" udplite 127.0.0.1
same "python3: UDP-Lite on ::1" "$PY" "$N" udplite ::1
# The guest kernel asks the host only about a socket (or, for TIOCOUTQ, a terminal): seen
# from outside, no socket ioctl reaches the host on a file, a pipe or /dev/null.
if command -v strace >/dev/null; then
	# host_sockioctls CMD...: $hits, the socket ioctls CMD's sandbox asked the host (strace).
	# LeakSanitizer cannot run under ptrace (an ASan build of kiste would exit 1).
	host_sockioctls()
	{
		run env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -e trace=ioctl -e raw=ioctl -e signal=none -o "$data/strace" \
			"$K" run --mode=shim -- "$@"
		hits=$(grep -E 'ioctl\((0x)?[0-9a-f]+, 0x(5411|894b|8905|8906|8907|80108906|80108907),' \
			"$data/strace")
	}
	host_sockioctls "$PY" -c "import socket, fcntl
print(len(fcntl.ioctl(socket.socket(socket.AF_INET, socket.SOCK_DGRAM), 0x5411, bytes(4))))"
	if [ "$T_RC:$T_OUT" = 0:4 ] && [ -n "$hits" ]; then
		ok "control: strace sees SIOCOUTQ asked on a socket"
	else
		fail "control: strace sees SIOCOUTQ asked on a socket" "exit $T_RC: $T_OUT; $hits"
	fi
	host_sockioctls "$PY" "$N" ioctl_nonsock
	if [ "$T_RC" = 0 ] && [ -z "$hits" ] && grep -q 'ioctl(' "$data/strace"; then
		ok "the socket ioctls on what is no socket never reach the host (strace)"
	else
		fail "the socket ioctls on what is no socket never reach the host (strace)" \
			"exit $T_RC: $T_OUT
# host calls: $hits"
	fi
else
	skip "control: strace sees SIOCOUTQ asked on a socket" "no strace"
	skip "the socket ioctls on what is no socket never reach the host" "no strace"
fi
expect "refused: AF_PACKET and raw IPv4 EPERM, netlink but rtnetlink EPROTONOSUPPORT, unlisted options ENOPROTOOPT" \
	0 "AF_PACKET EPERM
raw IPv4 EPERM
netlink audit EPROTONOSUPPORT
SO_ATTACH_FILTER ENOPROTOOPT
SO_BINDTODEVICE ENOPROTOOPT" S "$PY" "$N" refused

# The guest kernel's descriptors never travel: 1001 is the root, 1005 the procfs (EBADF).
for fd in 1000 1001 1003 1005; do
	expect "SCM_RIGHTS cannot send the guest kernel's descriptor $fd" 0 "send $fd EBADF" \
		S "$PY" "$N" send_fd "$fd"
done

# A host socket in a --rootfs DIR (read-only inside) is not the sandbox's.
if [ -n "$R" ]; then
	"$PY" "$N" serve_unix "$data/host.sock" >"$data/hs.out" 2>&1 &
	SERVER=$!
	wait_listening "$data/hs.out"
	run "$PY" "$N" connect_path "$data/host.sock"
	case "$T_OUT" in
	*"host secret"*) ok "control: natively the host socket answers" ;;
	*) fail "control: natively the host socket answers" "$T_OUT" ;;
	esac
	expect "a host socket on a read-only mount of the rootfs: connect EACCES" 0 \
		"connect EACCES" SR "$PY" "$data/net.py" connect_path "$data/host.sock"
	expect "... through a symlink in a --tmpfs: EACCES" 0 "connect EACCES" \
		SR sh -c "ln -s '$data/host.sock' '$SHIM_TMP/l' && exec '$PY' '$data/net.py' connect_path '$SHIM_TMP/l'"
	expect_not "... through /proc/1/root: not connected" 0 "connected" \
		SR "$PY" "$data/net.py" connect_path "/proc/1/root$data/host.sock"
	kill "$SERVER" 2>/dev/null
	wait "$SERVER" 2>/dev/null
	SERVER=""
else
	skip "a host socket in the rootfs" "needs root for a rootfs of the suite's own"
fi
# --network none: the host's loopback is another namespace's.
"$PY" "$N" serve 47322 >"$data/srv.out" 2>&1 &
SERVER=$!
wait_listening "$data/srv.out"
expect "--network none: a server on the host's 127.0.0.1 is not reachable" 0 "ECONNREFUSED" \
	S "$PY" -c "import socket, errno
try:
    socket.create_connection(('127.0.0.1', 47322), 5)
    print('connected')
except OSError as e:
    print(errno.errorcode[e.errno])"
kill "$SERVER" 2>/dev/null
wait "$SERVER" 2>/dev/null
SERVER=""

# rtnetlink (NETLINK_ROUTE) and the interface ioctls: what iproute2 and glibc's
# if_nameindex/if_nametoindex read, compared with a new namespace natively (lo up, as
# the sandbox's init leaves it).  Changes are refused by the host (the workload holds no
# CAP_NET_ADMIN, as in podman's default set): lo stays up, no link is made.
# shellcheck disable=SC2016 # $0 is the inner shell's: python3
NL_READ='ip -o link; ip -o addr; ip -o -6 route show table local; "$0" -c "
import socket, fcntl, struct
print(socket.if_nameindex(), socket.if_nametoindex(\"lo\"), socket.if_indextoname(1))
s = socket.socket()
ifr = struct.pack(\"16s24x\", b\"lo\")
print(\"mtu\", struct.unpack(\"16si20x\", fcntl.ioctl(s, 0x8921, ifr))[1],
      \"flags\", struct.unpack(\"16sH22x\", fcntl.ioctl(s, 0x8913, ifr))[1] & 1,
      \"addr\", socket.inet_ntoa(fcntl.ioctl(s, 0x8915, ifr)[20:24]))
"'
n_out=$(unshare -n sh -c "ip link set lo up && $NL_READ" "$PY" 2>&1)
n_rc=$?
if [ "$n_rc" = 0 ] && [ -n "$n_out" ]; then
	expect "rtnetlink dumps (ip link/addr/route), if_nameindex and SIOCGIF* read as in a new namespace natively" \
		0 "$n_out" S sh -c "$NL_READ" "$PY"
else
	fail "rtnetlink dumps: the native run in a new namespace failed" "exit $n_rc: $n_out"
fi
# A socket of another namespace at stdin (a caller's, as socat or inetd hand one over):
# the interface queries still answer for the sandbox's, not for the host's interfaces.
hostif=$(ip -o link | awk -F': ' '$2 != "lo" { sub(/@.*/, "", $2); print $2; exit }')
IFQ="import socket, fcntl, struct, subprocess, sys
a, b = socket.socketpair()
prog = 'import fcntl, struct, errno\ntry:\n    print(struct.unpack(\"16si20x\", fcntl.ioctl(0, 0x8933, struct.pack(\"16s24x\", b\"$hostif\")))[1] > 0)\nexcept OSError as e:\n    print(errno.errorcode[e.errno])'
sys.exit(subprocess.run(sys.argv[1:] + ['$PY', '-c', prog], stdin=b).returncode)"
if [ -n "$hostif" ]; then
	run "$PY" -c "$IFQ" env
	if [ "$T_OUT" = True ]; then
		expect "SIOCGIFINDEX on a host socket at stdin answers for the sandbox's namespace ($hostif: ENODEV)" \
			0 "ENODEV" "$PY" -c "$IFQ" "$K" run --mode=shim --
	else
		fail "control: natively SIOCGIFINDEX of $hostif on a socket at stdin works" "$T_OUT"
	fi
else
	skip "SIOCGIFINDEX on a host socket at stdin" "the host has no interface but lo"
fi
# shellcheck disable=SC2016 # the sandbox's shell expands it
expect "rtnetlink changes are refused by the host (no CAP_NET_ADMIN): lo stays up, no link, no address" \
	0 "down 2 add 2 link 2 lo 1 CapEff bit 12: 0" S sh -c '
ip link set lo down 2>/dev/null; d=$?
ip addr add 203.0.113.5/24 dev lo 2>/dev/null; a=$?
ip link add kn0 type dummy 2>/dev/null; l=$?
f=$(cat /sys/class/net/lo/flags 2>/dev/null || ip -o link show lo | grep -c "[<,]UP[,>]")
e=$(sed -n "s/^CapEff:\t//p" /proc/self/status)
echo "down $d add $a link $l lo $((f & 1)) CapEff bit 12: $(( (0x$e >> 12) & 1 ))"'

# Gate jumps: a socket the guest kernel never makes is killed by the filter.
expect "gate jump: socket(AF_PACKET, SOCK_RAW) is killed" 159 "seccomp filter" \
	S "$WL/hostile" gate 41 17 3 0
expect "gate jump: socket(AF_INET, SOCK_RAW, ICMP) is killed" 159 "seccomp filter" \
	S "$WL/hostile" gate 41 2 3 1
expect "gate jump: socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT) is killed (rtnetlink only)" 159 \
	"seccomp filter" S "$WL/hostile" gate 41 16 3 9
expect "gate jump: socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE) runs" 1 "survived" \
	S "$WL/hostile" gate 41 16 3 0
expect "gate jump: socket(AF_INET, SOCK_STREAM, TCP) with upper bits in the domain is killed" \
	159 "seccomp filter" S "$WL/hostile" gate 41 0x100000002 1 6
expect "gate jump: socket(AF_UNIX, SOCK_STREAM) with the host's / as rootfs is killed" 159 \
	"seccomp filter" S "$WL/hostile" gate 41 1 1 0
expect "gate jump: socketpair(AF_UNIX, SOCK_DGRAM) with the host's / as rootfs is killed" 159 \
	"seccomp filter" S "$WL/hostile" gate 53 1 2 0
expect "gate jump: socket(AF_INET, SOCK_STREAM, TCP) runs" 1 "survived" \
	S "$WL/hostile" gate 41 2 1 6
expect "gate jump: socket(AF_INET, SOCK_DGRAM, UDPLITE) runs" 1 "survived" \
	S "$WL/hostile" gate 41 2 2 136
expect "gate jump: socket(AF_INET6, SOCK_DGRAM, SCTP) is killed (UDP and UDP-Lite only)" 159 \
	"seccomp filter" S "$WL/hostile" gate 41 10 2 132
expect "gate jump: socket(AF_INET, SOCK_DGRAM, UDPLITE) with upper bits in the protocol is killed" \
	159 "seccomp filter" S "$WL/hostile" gate 41 2 2 0x100000088
expect "gate jump: getsockopt(SOL_UDPLITE, UDPLITE_SEND_CSCOV) runs" 1 "survived" \
	S "$WL/hostile" gate 55 0 136 10
expect "gate jump: getsockopt(SOL_UDPLITE, UDP_CORK) is killed (the listed options only)" 159 \
	"seccomp filter" S "$WL/hostile" gate 55 0 136 1
# The socket ioctls' row: a workload descriptor (<= 999, 32 bits) and a listed request.
expect "gate jump: ioctl(0, SIOCATMARK) runs" 1 "survived" S "$WL/hostile" gate 16 0 0x8905 0
expect "gate jump: ioctl(0, SIOCGSTAMPNS_NEW) runs" 1 "survived" \
	S "$WL/hostile" gate 16 0 0x80108907 0
for fd in 1000 1003 1007 0x100000000; do
	expect "gate jump: ioctl($fd, SIOCOUTQ) on a descriptor not the workload's is killed" 159 \
		"seccomp filter" S "$WL/hostile" gate 16 "$fd" 0x5411 0
done
# (SIOCGPGRP, 0x8904, has a row of its own: shim_harden.sh.)
for req in 0x894c 0x89e0 0x100008905 0xffffffff80108906 0x100008904; do
	expect "gate jump: ioctl(0, $req) (no listed request) is killed" 159 "seccomp filter" \
		S "$WL/hostile" gate 16 0 "$req" 0
done
expect "without namespaces: socket() is EACCES (the host's network is not the sandbox's)" 0 \
	"EACCES" "$K" run --mode=shim --unsafe-no-namespaces -- "$PY" -c "import socket, errno
try:
    socket.socket()
    print('made')
except OSError as e:
    print(errno.errorcode[e.errno])"

# Bad --network and -p: one line, 125.
bad()	# NAME SUBSTR ARGS...
{
	b_name="$1"
	b_sub="$2"
	shift 2
	run timeout 20 "$K" run --mode=shim "$@" -- /bin/true
	if [ "$T_RC" = 125 ] && [ "$(printf '%s\n' "$T_OUT" | wc -l)" = 1 ]; then
		case "$T_OUT" in
		*"$b_sub"*) ok "$b_name"; return ;;
		esac
	fi
	fail "$b_name" "exit $T_RC: $T_OUT"
}
bad "--network bogus: one line, 125" "use none, pasta or ns:PATH" --network bogus
bad "--network ns: without a path: one line, 125" "absolute path" --network ns:
bad "--network ns:MISSING: one line, 125" "No such file" --network ns:/nonexistent/net
bad "--network ns:FILE that is no namespace: one line, 125" "not a network namespace" \
	--network ns:/etc/hostname
bad "--network ns: of a pid namespace: one line, 125" "not a network namespace" \
	--network ns:/proc/self/ns/pid
# A FIFO or a device node is never opened for reading (that blocks, or acts on
# the device): refused at once, not after timeout's 20 s (124).
mkfifo "$data/fifo" || bail "cannot make a FIFO in $data"
bad "--network ns:FIFO: one line, 125, no hang" "not a network namespace" \
	--network "ns:$data/fifo"
bad "--network ns:/dev/null: one line, 125" "not a network namespace" --network ns:/dev/null
bad "-p without --network pasta: one line, 125" "add --network pasta" -p 8080:80
bad "-p with a bad port: one line, 125" "bad -p" --network pasta -p 8080:0
bad "-p with a bad protocol: one line, 125" "bad -p" --network pasta -p 8080:80/sctp
# 60 -p with addresses do not fit pasta's option (1 KiB): refused, never cut short.
set --
i=0
while [ "$i" -lt 60 ]; do
	set -- "$@" -p "127.0.0.1:$((41000 + i)):80"
	i=$((i + 1))
done
bad "-p list too long for pasta: one line, 125" "too long" --network pasta "$@"
set --
bad "--network ns:PATH in unikernel mode: not yet, one line, 125" \
	"not supported in unikernel mode yet" --mode=unikernel --network ns:/proc/self/ns/net
bad "-p in unikernel mode without --network pasta: one line, 125" \
	"publishes ports through pasta: add --network pasta" --mode=unikernel -p 1:2
bad "--network pasta with --unsafe-no-namespaces: one line, 125" "needs namespaces" \
	--network pasta --unsafe-no-namespaces

# --network ns:PATH: a namespace this suite makes, one veth end in it (198.51.100.2/24).
if [ "$(id -u)" = 0 ] && ip netns add "$NSNAME" 2>/dev/null &&
	ip link add "kn$$h" type veth peer name "kn$$s" netns "$NSNAME" &&
	ip addr add 198.51.100.1/24 dev "kn$$h" && ip link set "kn$$h" up &&
	ip -n "$NSNAME" addr add 198.51.100.2/24 dev "kn$$s" && ip -n "$NSNAME" link set "kn$$s" up &&
	ip -n "$NSNAME" link set lo up; then
	"$PY" "$N" serve_on 198.51.100.1 47323 >"$data/ns.out" 2>&1 &
	SERVER=$!
	wait_listening "$data/ns.out"
	expect "--network ns:PATH: a server at the other veth end (198.51.100.1) answers" 0 \
		"THROUGH THE NETWORK" "$K" run --mode=shim --network "ns:/run/netns/$NSNAME" -- \
		"$PY" "$N" client 198.51.100.1 47323
	wait "$SERVER" 2>/dev/null
	SERVER=""
	expect "--network ns:PATH: the joined namespace's address is the sandbox's" 0 \
		"198.51.100.2" "$K" run --mode=shim --network "ns:/run/netns/$NSNAME" -- \
		"$PY" -c "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect(('198.51.100.1', 9)); print(s.getsockname()[0])"
	# A host process's abstract AF_UNIX socket in the joined namespace (the containerd-shim
	# escape): Landlock's scope (ABI 6) keeps the sandbox to abstract sockets made inside it.
	abi=$("$PY" -c "import ctypes; print(ctypes.CDLL(None, use_errno=True).syscall(444, None, 0, 1))")
	if [ -z "$R" ]; then
		skip "--network ns:PATH: a host daemon's abstract socket there is out of reach" \
			"needs root for a rootfs of the suite's own"
	elif [ "${abi:-0}" -lt 6 ]; then
		skip "--network ns:PATH: a host daemon's abstract socket there is out of reach" \
			"Landlock ABI ${abi:-none} here: no abstract-socket scope before 6 (README, Networking)"
	else
		ip netns exec "$NSNAME" "$PY" -c "import socket
s = socket.socket(socket.AF_UNIX)
s.bind('\0kiste-abs-$$')
s.listen()
print('listening', flush=True)
s.settimeout(15)
try:
    c, _ = s.accept()
    c.send(b'host daemon')
except OSError:
    pass" >"$data/abs.out" 2>&1 &
		SERVER=$!
		wait_listening "$data/abs.out"
		# shellcheck disable=SC2016 # the inner sh expands its own arguments
		run unshare -m sh -c 'mount --bind /usr "$1/usr" && mount --bind /etc "$1/etc" &&
			shift && exec "$@"' sh "$R" "$K" run --mode=shim --rootfs "$R" \
			--network "ns:/run/netns/$NSNAME" -- "$PY" -c "import socket
s = socket.socket(socket.AF_UNIX)
try:
    s.connect('\0kiste-abs-$$')
    print('reached', s.recv(64))
except OSError as e:
    print('refused', e.errno)"
		case "$T_RC:$T_OUT" in
		0:*"refused 1"*) ok "--network ns:PATH: a host daemon's abstract socket there is out of reach (EPERM)" ;;
		*) fail "--network ns:PATH: a host daemon's abstract socket there is reachable" "exit $T_RC: $T_OUT" ;;
		esac
		kill "$SERVER" 2>/dev/null
		wait "$SERVER" 2>/dev/null
		SERVER=""
	fi
	# With the host's "/" the init's mediator makes AF_UNIX connections: in a joined
	# namespace it refuses abstract names itself, whatever Landlock this kernel has.
	ip netns exec "$NSNAME" "$PY" -c "import socket
s = socket.socket(socket.AF_UNIX)
s.bind('\0kiste-abs2-$$')
s.listen()
print('listening', flush=True)
s.settimeout(15)
try:
    c, _ = s.accept()
    print('accepted', flush=True)
except OSError:
    pass" >"$data/abs2.out" 2>&1 &
	SERVER=$!
	wait_listening "$data/abs2.out"
	run "$K" run --mode=shim --tmpfs "$SHIM_TMP" --network "ns:/run/netns/$NSNAME" -- "$PY" -c "import socket
s = socket.socket(socket.AF_UNIX)
try:
    s.connect('\0kiste-abs2-$$')
    print('reached')
except OSError as e:
    print('refused', e.errno)"
	kill "$SERVER" 2>/dev/null
	wait "$SERVER" 2>/dev/null
	SERVER=""
	case "$T_RC:$T_OUT" in
	0:*"refused 1"*)
		if grep -q accepted "$data/abs2.out"; then
			fail "host's / and --network ns:PATH: the mediator refuses a host daemon's abstract name" \
				"the daemon accepted"
		else
			ok "host's / and --network ns:PATH: the mediator refuses a host daemon's abstract name (EPERM)"
		fi ;;
	*) fail "host's / and --network ns:PATH: the mediator refuses a host daemon's abstract name" \
		"exit $T_RC: $T_OUT" ;;
	esac
	if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
		expect "--network ns:PATH as an ordinary user: one line naming who may join, 125" 125 \
			"only root, or a caller inside the user namespace that owns it" \
			setpriv --reuid=65534 --regid=65534 --clear-groups "$K" run --mode=shim \
			--network "ns:/run/netns/$NSNAME" -- /bin/true
	else
		skip "--network ns:PATH as an ordinary user" "no setpriv or no user nobody"
	fi
else
	skip "--network ns:PATH" "needs root and ip netns (iproute2) to make a test namespace"
fi

# --network pasta -p: a server inside, reached from the host's loopback.
if command -v pasta >/dev/null; then
	"$K" run --mode=shim --network pasta -p 127.0.0.1:47324:8080 -- \
		"$PY" "$N" serve 8080 >"$data/pasta.out" 2>&1 &
	SERVER=$!
	wait_listening "$data/pasta.out"
	expect "--network pasta -p 127.0.0.1:47324:8080: the host reaches a server inside" 0 \
		"THROUGH THE NETWORK" "$PY" "$N" client 127.0.0.1 47324
	wait "$SERVER"
	result $? "... and the sandbox's server ended well"
	SERVER=""
	run pgrep -f "pasta --config-net.*-t 127.0.0.1/47324:8080"
	result "$([ "$T_RC" != 0 ]; echo $?)" "--network pasta: no pasta left once the sandbox ended" \
		"$T_OUT"
	# A SIGKILLed launcher: pasta goes too and its published port is free.  (Run as root,
	# pasta joins a user namespace another id owns, which clears its parent-death signal:
	# it is in the sandbox's cgroup, which goes with the sandbox.)
	"$K" run --mode=shim --network pasta -p 127.0.0.1:47326:8080 -- \
		"$PY" "$N" serve 8080 >"$data/pk.out" 2>&1 &
	SERVER=$!
	wait_listening "$data/pk.out"
	kill -KILL "$SERVER"
	wait "$SERVER" 2>/dev/null
	SERVER=""
	i=0
	while [ $i -lt 50 ] && pgrep -f "pasta --config-net.*-t 127.0.0.1/47326:8080" >/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	run pgrep -f "pasta --config-net.*-t 127.0.0.1/47326:8080"
	result "$([ "$T_RC" != 0 ]; echo $?)" "--network pasta: a SIGKILLed launcher leaves no pasta" \
		"$T_OUT"
	# pasta by default maps its gateway address to the host's loopback; kiste turns that off
	# (--no-map-gw): services the host keeps on 127.0.0.1 are not the sandbox's to reach.
	gw=$(ip route show default 2>/dev/null | awk '/^default via/ { print $3; exit }')
	if [ -n "$gw" ]; then
		"$PY" "$N" serve_on 127.0.0.1 47325 >"$data/out.out" 2>&1 &
		SERVER=$!
		wait_listening "$data/out.out"
		run timeout 20 "$K" run --mode=shim --network pasta -- "$PY" -c "import socket
s = socket.socket()
s.settimeout(3)
try:
    s.connect(('$gw', 47325))
    print('reached the host loopback')
except OSError as e:
    print('refused', type(e).__name__)"
		case "$T_RC:$T_OUT" in
		0:*refused*) ok "--network pasta: the host's 127.0.0.1 is not reachable through the gateway ($gw)" ;;
		*) fail "--network pasta: the host's 127.0.0.1 is reachable through the gateway" "exit $T_RC: $T_OUT" ;;
		esac
		kill "$SERVER" 2>/dev/null
		wait "$SERVER" 2>/dev/null
		SERVER=""
	else
		skip "--network pasta: the host's loopback is not reachable" "no default route here"
	fi
	# A UDP connect sends nothing: it only asks the routing table pasta set up.
	expect "--network pasta without -p: the sandbox has a route and an address of pasta's" 0 \
		"routed" "$K" run --mode=shim --network pasta -- "$PY" -c "import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(('203.0.113.1', 9))
print('routed' if not s.getsockname()[0].startswith('127.') else s.getsockname())"
else
	skip "--network pasta" "no pasta: install Debian's passt (make deps)"
fi
# one_line NAME WANT: the last run refused with one line holding WANT, and 125.
one_line()
{
	if [ "$T_RC" = 125 ] && [ "$(printf '%s\n' "$T_OUT" | wc -l)" = 1 ]; then
		case "$T_OUT" in
		*"$2"*) ok "$1" ;;
		*) fail "$1" "$T_OUT" ;;
		esac
	else
		fail "$1" "exit $T_RC: $T_OUT"
	fi
}
# A -p port pasta could not bind: pasta would go on without it; kiste refuses first.
if command -v pasta >/dev/null; then
	"$PY" -c "import socket, time
s = socket.socket()
s.bind(('127.0.0.1', 47390))
s.listen(1)
print('listening', flush=True)
time.sleep(20)" >"$data/busy" 2>&1 &
	busy=$!
	wait_listening "$data/busy"
	run "$K" run --mode=shim --network pasta -p 127.0.0.1:47390:80 -- /bin/true
	kill "$busy" 2>/dev/null
	wait "$busy" 2>/dev/null
	one_line "-p of a port in use on the host: one line, 125" "port 127.0.0.1:47390/tcp is in use"
	run "$K" run --mode=shim --network pasta -p 198.51.100.77:47391:80/udp -- /bin/true
	one_line "-p on an address the host does not have: one line, 125" \
		"198.51.100.77 is not an address of this host"
else
	skip "-p of a port in use" "no pasta: install Debian's passt (make deps)"
	skip "-p on an address the host does not have" "no pasta: install Debian's passt (make deps)"
fi
run env PATH=/nonexistent "$K" run --mode=shim --network pasta -- /bin/true
one_line "--network pasta without a pasta on PATH: one line, 125" "no pasta binary"
t_done
