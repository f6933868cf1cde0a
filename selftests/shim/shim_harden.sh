#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shim_harden.sh - issue 15's shim findings, each native vs sandboxed where a native answer exists.
# kiste-suite: host shim_harden.sh
# kiste-suite: vm shim_harden.sh
#
# POSIX sh: runs on the host (bash) and in the test VM (busybox ash, kiste.ko's arming).
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=selftests/shim/shim_lib.sh
. "$here/shim-lib.helper"
K="${KISTE_SHIM:-$here/../bin/kiste}"
[ -x "$K" ] || K=/bin/kiste
WL="$here/shim-wl"
H="$WL/harden"

if [ ! -x "$K" ] || [ ! -x "$H" ]; then
	skip "shim hardening" "no $K or $H"
	t_done
	exit
fi
S() { "$K" run --mode=shim -- "$@"; }
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT

# same NAME CMD...: the command's output and status natively and in the sandbox match.
same()
{
	s_name="$1"
	shift
	n_out=$("$@" 2>&1 </dev/null)
	n_rc=$?
	run S "$@"
	compare "$s_name"
}

# compare NAME: T_OUT/T_RC (sandboxed) against n_out/n_rc (native).
compare()
{
	s_name="$1"
	if [ "$T_RC" = "$n_rc" ] && [ "$T_OUT" = "$n_out" ]; then
		ok "$s_name"
	else
		fail "$s_name" "sandboxed exit $T_RC: $T_OUT
# native exit $n_rc: $n_out"
	fi
}

# ---- 3: int arguments are 32 bits, in the host filter and in the guest kernel ----
expect "gate jump: close(0x1000003e9), the root descriptor to the kernel, is killed" 159 \
	"seccomp filter" S "$WL/hostile" gate 3 0x1000003e9
expect "gate jump: dup3 onto 0x1000003e9 is killed" 159 "seccomp filter" \
	S "$WL/hostile" gate 292 0 0x1000003e9
expect "gate jump: F_DUPFD at 0x1000003e9 is killed" 159 "seccomp filter" \
	S "$WL/hostile" gate 72 0 0 0x1000003e9
same "wait4, close, dup2, lseek, kill, fcntl read int arguments as 32 bits" "$H" intargs
# SIGIO's owner (fcntl F_SETOWN): its row needs the sandbox's pid namespace, where no owner
# can be a host process outside it.
expect "gate jump: F_SETOWN to pid 1 in the sandbox's pid namespace is served" 1 \
	"survived: 0" S "$WL/hostile" gate 72 0 8 1
expect "gate jump: F_SETOWN without a pid namespace is killed" 159 "seccomp filter" \
	"$K" run --mode=shim --unsafe-no-namespaces -- "$WL/hostile" gate 72 0 8 1
# A socket's owner through ioctl (FIOSETOWN, SIOCSPGRP, FIOGETOWN, SIOCGPGRP): the same row
# condition (the int is in memory: the host looks the pid up in the sandbox's namespace).
for req in 0x8901 0x8902 0x8903 0x8904; do
	expect "gate jump: ioctl($req) on a socket's owner in the sandbox's pid namespace is served" 1 \
		"survived" S "$WL/hostile" gate 16 0 "$req" 8
	expect "gate jump: ioctl($req) without a pid namespace is killed" 159 "seccomp filter" \
		"$K" run --mode=shim --unsafe-no-namespaces -- "$WL/hostile" gate 16 0 "$req" 8
done
# F_SETSIG: SIGIO or the default only.  An owner is per open file description: a host
# process owning one the sandbox shares (here its stdin) would get the chosen signal.
expect "gate jump: F_SETSIG(SIGKILL) is killed" 159 "seccomp filter" \
	S "$WL/hostile" gate 72 0 10 9
if [ -x /usr/bin/python3 ]; then
	# shellcheck disable=SC2016 # python's own strings
	run /usr/bin/python3 -c '
import fcntl, os, signal, socket, subprocess, sys, time
a, b = socket.socketpair()
fcntl.fcntl(a, fcntl.F_SETOWN, os.getpid())
fcntl.fcntl(a, fcntl.F_SETFL, fcntl.fcntl(a, fcntl.F_GETFL) | os.O_ASYNC)
signal.signal(signal.SIGIO, lambda s, f: None)
child = "import fcntl, os\ntry:\n    fcntl.fcntl(0, 10, 9)\nexcept OSError as e:\n    print(e.errno)\nos.write(1, b\"x\")\n"
p = subprocess.run([sys.argv[1], "run", "--mode=shim", "--", "/usr/bin/python3", "-c", child],
                   stdin=a.fileno(), stdout=b.fileno(), stderr=subprocess.DEVNULL, timeout=60)
b.send(b"y")
time.sleep(0.3)
print("owner alive, sandbox said", a.recv(16).decode().strip())
' "$K"
	case "$T_RC:$T_OUT" in
	"0:owner alive, sandbox said x22"*) ok "F_SETSIG(SIGKILL) on a description a host process owns: EINVAL, the owner lives" ;;
	*) fail "F_SETSIG(SIGKILL) on a description a host process owns: EINVAL, the owner lives" \
		"exit $T_RC: $T_OUT" ;;
	esac
else
	skip "F_SETSIG on a description a host process owns" "no /usr/bin/python3"
fi

# O_ASYNC (fcntl F_SETFL, ioctl FIOASYNC) is never turned on: SIGIO would go to the
# description's owner, and a host process that made itself owner of one the sandbox shares
# (F_SETOWN for SIGURG, say, never enabling O_ASYNC) reads as no owner inside and dies of
# SIGIO's default action.  EPERM from the guest kernel; the filter's F_SETFL row admits no
# O_ASYNC and FIOASYNC has no row.  owner_py: the host process owning the sandbox's stdin;
# it sends on the other end after the sandbox is done and prints only if it lives.
expect "gate jump: F_SETFL with O_ASYNC is killed" 159 "seccomp filter" \
	S "$WL/hostile" gate 72 0 4 0x2000
expect "gate jump: F_SETFL without O_ASYNC is served" 1 "survived: 0" \
	S "$WL/hostile" gate 72 0 4 0x800
expect "gate jump: ioctl(FIOASYNC) is killed" 159 "seccomp filter" \
	S "$WL/hostile" gate 16 0 0x5452 0
owner_py='
import fcntl, os, socket, subprocess, sys, time
a, b = socket.socketpair()
fcntl.fcntl(a, fcntl.F_SETOWN, os.getpid())
p = subprocess.run([str(os.getpid()) if x == "@OWNER@" else x for x in sys.argv[1:]],
                   stdin=a.fileno(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
b.send(b"y")
time.sleep(0.3)
print("owner alive; sandbox exit", p.returncode, "said", " ".join(p.stdout.decode().split()),
      "; owner kept", fcntl.fcntl(a, fcntl.F_GETOWN) == os.getpid())
'
async_py='
import fcntl, os, struct, termios
r = []
for f in (lambda: fcntl.fcntl(0, fcntl.F_SETFL, fcntl.fcntl(0, fcntl.F_GETFL) | os.O_ASYNC),
          lambda: fcntl.ioctl(0, termios.FIOASYNC, struct.pack("i", 1))):
    try:
        f()
        r.append("0")
    except OSError as e:
        r.append(str(e.errno))
r.append(str(fcntl.fcntl(0, fcntl.F_GETFL) & os.O_ASYNC))
print("F_SETFL FIOASYNC O_ASYNC:", *r)
'
if [ -x /usr/bin/python3 ]; then
	run /usr/bin/python3 -c "$owner_py" "$K" run --mode=shim -- /usr/bin/python3 -c "$async_py"
	case "$T_RC:$T_OUT" in
	"0:owner alive; sandbox exit 0 said F_SETFL FIOASYNC O_ASYNC: 1 1 0 ; owner kept True") ok "O_ASYNC on a description a host process owns: EPERM, the owner lives" ;;
	*) fail "O_ASYNC on a description a host process owns: EPERM, the owner lives" \
		"exit $T_RC: $T_OUT" ;;
	esac
	run /usr/bin/python3 -c "$owner_py" "$K" run --mode=shim -- "$WL/hostile" gate 72 0 4 0x2000
	case "$T_RC:$T_OUT" in
	"0:owner alive; sandbox exit 159 said "*"seccomp filter"*"; owner kept True") ok "gate jump: O_ASYNC on a description a host process owns is killed, the owner lives" ;;
	*) fail "gate jump: O_ASYNC on a description a host process owns is killed, the owner lives" \
		"exit $T_RC: $T_OUT" ;;
	esac
	# The owner outside reads as none through the socket ioctls too, and the sandbox cannot
	# name it (its pid is no pid in the sandbox's namespace: ESRCH); the owner stays.
	# shellcheck disable=SC2016 # python's own strings
	run /usr/bin/python3 -c "$owner_py" "$K" run --mode=shim -- /usr/bin/python3 -c '
import fcntl, struct, sys
get = struct.unpack("i", fcntl.ioctl(0, 0x8903, struct.pack("i", -1)))[0]
try:
    fcntl.ioctl(0, 0x8902, struct.pack("i", int(sys.argv[1])))
    r = 0
except OSError as e:
    r = e.errno
print("FIOGETOWN F_GETOWN SIOCSPGRP(owner):", get, fcntl.fcntl(0, fcntl.F_GETOWN), r)
' @OWNER@
	case "$T_RC:$T_OUT" in
	"0:owner alive; sandbox exit 0 said FIOGETOWN F_GETOWN SIOCSPGRP(owner): 0 0 3 ; owner kept True") ok "a host owner reads as none through FIOGETOWN; SIOCSPGRP cannot name it" ;;
	*) fail "a host owner reads as none through FIOGETOWN; SIOCSPGRP cannot name it" \
		"exit $T_RC: $T_OUT" ;;
	esac
	# Natively the same calls turn it on and the owner dies of SIGIO (-29 to its parent):
	# what the sandbox must not do, and the one difference from native, by design.
	run /usr/bin/python3 -c 'import subprocess, sys; print(subprocess.run(sys.argv[1:]).returncode)' \
		/usr/bin/python3 -c "$owner_py" /usr/bin/python3 -c "$async_py"
	case "$T_RC:$T_OUT" in
	0:-29) ok "natively the owner dies of SIGIO (the O_ASYNC cases above reproduce)" ;;
	*) fail "natively the owner dies of SIGIO (the O_ASYNC cases above reproduce)" "exit $T_RC: $T_OUT" ;;
	esac
else
	skip "O_ASYNC on a description a host process owns" "no /usr/bin/python3"
fi

# dnotify (fcntl F_NOTIFY) signals the directory description's owner on a change in the
# directory, and the kernel keeps an owner it finds: a host process that owns a directory
# description the sandbox shares would die of SIGIO.  The filter has no F_NOTIFY row and
# the guest kernel answers EINVAL (as with fs.dir-notify-enable = 0).  dir_owner_py: the
# host process owning the sandbox's stdin, a directory; it makes a file there once the
# sandbox has asked, and prints only if it lives.  dn_sh: python takes no directory for
# its stdin, so the program asks on a duplicate, fd 3 (the same description).
dir_owner_py='
import fcntl, os, subprocess, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
fcntl.fcntl(fd, fcntl.F_SETOWN, os.getpid())
p = subprocess.Popen(sys.argv[2:], stdin=fd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
first = p.stdout.readline()
open(os.path.join(sys.argv[1], "made-%d" % os.getpid()), "w").close()
rest = p.communicate(timeout=60)[0]
time.sleep(0.3)
print("owner alive; sandbox exit", p.returncode, "said", " ".join((first + rest).decode().split()))
'
dn_py='
import fcntl, time
try:
    fcntl.fcntl(3, fcntl.F_NOTIFY, fcntl.DN_CREATE | fcntl.DN_MULTISHOT)
    r = 0
except OSError as e:
    r = e.errno
print("F_NOTIFY:", r, flush=True)
if r == 0:
    time.sleep(1)
'
# shellcheck disable=SC2016 # the sandbox's shell expands it
dn_sh='exec /usr/bin/python3 -c "$1" 3<&0 </dev/null'
if [ -x /usr/bin/python3 ]; then
	mkdir "$tmp/dn" && chmod 777 "$tmp/dn"
	run /usr/bin/python3 -c "$dir_owner_py" "$tmp/dn" "$K" run --mode=shim -- /bin/sh -c "$dn_sh" sh "$dn_py"
	case "$T_RC:$T_OUT" in
	"0:owner alive; sandbox exit 0 said F_NOTIFY: 22") ok "F_NOTIFY on a directory description a host process owns: EINVAL, the owner lives" ;;
	*) fail "F_NOTIFY on a directory description a host process owns: EINVAL, the owner lives" \
		"exit $T_RC: $T_OUT" ;;
	esac
	run /usr/bin/python3 -c "$dir_owner_py" "$tmp/dn" "$K" run --mode=shim -- "$WL/hostile" gate 72 0 1026 0x80000004
	case "$T_RC:$T_OUT" in
	"0:owner alive; sandbox exit 159 said "*"seccomp filter"*) ok "gate jump: F_NOTIFY on a directory description a host process owns is killed, the owner lives" ;;
	*) fail "gate jump: F_NOTIFY on a directory description a host process owns is killed, the owner lives" \
		"exit $T_RC: $T_OUT" ;;
	esac
	# Natively the owner dies of SIGIO (-29 to its parent): what the sandbox must not do.
	run /usr/bin/python3 -c 'import subprocess, sys; print(subprocess.run(sys.argv[1:]).returncode)' \
		/usr/bin/python3 -c "$dir_owner_py" "$tmp/dn" /bin/sh -c "$dn_sh" sh "$dn_py"
	case "$T_RC:$T_OUT" in
	0:-29) ok "natively the directory's owner dies of SIGIO (the F_NOTIFY cases above reproduce)" ;;
	*) fail "natively the directory's owner dies of SIGIO (the F_NOTIFY cases above reproduce)" \
		"exit $T_RC: $T_OUT" ;;
	esac
else
	skip "F_NOTIFY on a directory description a host process owns" "no /usr/bin/python3"
fi

# ---- 5: at the descriptor limit every call answers EMFILE, nothing dies ----
# Natively with the limit the sandbox shows (1000), sandboxed as it comes.
n_out=$(sh -c 'ulimit -n 1000 && exec "$0" fdfill "$0"' "$H" 2>&1 </dev/null)
n_rc=$?
run S "$H" fdfill "$H"
compare "a full descriptor table: EMFILE everywhere, the program lives on"

# ---- 2: host objects reached through /proc or inherited descriptors keep their metadata ----
# As an ordinary user, with a kiste of that user's own and stderr a file of the user's: the
# very setting in which chmod /proc/self/exe made kiste world-writable.
# (util-linux's setpriv: busybox's has no --reuid.)
if [ "$(id -u)" = 0 ] && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null &&
   stat -c %a / >/dev/null 2>&1; then
	u="$tmp/user"
	mkdir "$u"
	cp "$K" "$u/kiste"
	cp "$H" "$u/harden"
	: >"$u/out"
	echo keep >"$u/err"
	chown -R 65534:65534 "$u"
	chmod 755 "$u" "$u/kiste"
	chmod 640 "$u/err"
	before=$(stat -c '%n %a %Y %Z %s' "$u/kiste" "$u/err" /dev/null)
	sleep 1.1	# a changed time shows in whole seconds
	(cd "$u" && setpriv --reuid=65534 --regid=65534 --clear-groups \
		./kiste run --mode=shim -- "$u/harden" meta >"$u/out" 2>>"$u/err" </dev/null)
	rc=$?
	after=$(stat -c '%n %a %Y %Z %s' "$u/kiste" "$u/err" /dev/null)
	out=$(cat "$u/out")
	if [ "$rc" = 0 ] && [ "$before" = "$after" ]; then
		ok "as a user: kiste, its stderr file and /dev/null keep mode, times and size"
	else
		fail "as a user: kiste, its stderr file and /dev/null keep mode, times and size" \
			"exit $rc; before: $before; after: $after; $out $(cat "$u/err")"
	fi
	case "$out" in
	*=ok*|"") fail "as a user: every such change is refused" "$out" ;;
	*"utimensat /dev/null=EROFS"*) ok "as a user: every such change is refused" ;;
	*) fail "as a user: every such change is refused" "$out" ;;
	esac
else
	skip "as a user: kiste, its stderr file and /dev/null keep mode, times and size" \
		"needs root, util-linux setpriv(1) and stat(1)"
	skip "as a user: every such change is refused" "needs root, util-linux setpriv(1) and stat(1)"
fi
# Without namespaces no read-only mount backs the rootfs, and Landlock does not govern chmod,
# chown or utime: the guest kernel refuses them itself.
run "$K" run --mode=shim --unsafe-no-namespaces -- "$H" meta
case "$T_RC:$T_OUT" in
*=ok*) fail "--unsafe-no-namespaces: no metadata change either" "exit $T_RC: $T_OUT" ;;
0:*"utimensat /dev/null=EROFS"*) ok "--unsafe-no-namespaces: no metadata change either" ;;
*) fail "--unsafe-no-namespaces: no metadata change either" "exit $T_RC: $T_OUT" ;;
esac
n_out=$("$H" ownalias "$tmp" 2>&1 </dev/null)
n_rc=$?
run "$K" run --mode=shim --tmpfs "$SHIM_TMP" -- "$H" ownalias "$SHIM_TMP"
compare "the workload's own files through its own descriptors' aliases change as natively"

# ---- 4: every child comes up redirected, however it was forked ----
expect "gate jump: clone(SIGCHLD) at the plain syscall stub is killed" 159 "seccomp filter" \
	S "$H" gateclone plain
run S "$H" gateclone stub
case "$T_RC:$T_OUT" in
0:*"stub child: raw getpid=2 ptrace=-1"*"stub child ended: exit 0"*)
	ok "a clone through the gate's fork stub comes up redirected" ;;
*) fail "a clone through the gate's fork stub comes up redirected" "exit $T_RC: $T_OUT" ;;
esac
expect "gate jump: clone with glibc's thread flags at the plain syscall stub is killed" 159 \
	"seccomp filter" S "$H" gatethread
expect "a fork()ed child is redirected (raw getpid: the guest pid; raw ptrace: refused)" 0 \
	"fork child: raw getpid=2 ptrace=-1" S "$H" forkcheck
expect "a signal before a stub child re-armed still runs its handler redirected" 0 \
	"300 stub children under a rain of signals, 0 killed" S "$H" sigrace 300

# ---- 12: /proc/self/fd/N reopens never widen; /proc shows guest paths only ----
run S "$H" reopen "$H"
case "$T_RC:$T_OUT" in
0:*"reopen O_RDONLY=ok"*"reopen O_RDWR=EACCES"*"reopen O_WRONLY=EACCES"*"reopen /dev/fd O_RDWR=EACCES"*"write-only as O_RDONLY=EACCES"*"write-only as O_WRONLY=ok"*)
	ok "/proc/self/fd/N and /dev/fd/N reopen with at most the descriptor's access" ;;
*) fail "/proc/self/fd/N and /dev/fd/N reopen with at most the descriptor's access" \
	"exit $T_RC: $T_OUT" ;;
esac
r="$tmp/root"
mkdir -p "$r/bin" "$r/dev" "$r/proc" "$r/etc"
cp "$H" "$r/bin/harden"
[ "$(id -u)" = 0 ] && chown -R 4242:4242 "$r"
"$K" run --mode=shim --rootfs "$r" -- /bin/harden links >"$tmp/links.out" 2>&1 </dev/null
rc=$?
out=$(cat "$tmp/links.out")
case "$rc:$out" in
*"$tmp"*) fail "readlink of fd/1, exe, root, cwd and mountinfo show guest paths only" \
	"a host path ($tmp...): $out" ;;
0:*"exe: /bin/harden"*"root: /"*"cwd in /proc: /proc"*"mountinfo: "*" / / "*)
	ok "readlink of fd/1, exe, root, cwd and mountinfo show guest paths only" ;;
*) fail "readlink of fd/1, exe, root, cwd and mountinfo show guest paths only" "exit $rc: $out" ;;
esac
S readlink /proc/self/fd/1 >"$tmp/vis.out" 2>&1 </dev/null
rc=$?
case "$rc:$(cat "$tmp/vis.out")" in
0:"$tmp/vis.out") ok "readlink of an inherited descriptor the sandbox can see names it" ;;
*) fail "readlink of an inherited descriptor the sandbox can see names it" \
	"exit $rc: $(cat "$tmp/vis.out")" ;;
esac

# ---- 8: a FIFO (or a directory) as the command is 126 at once, never a hang ----
mkfifo "$tmp/fifo"
chmod 755 "$tmp/fifo"
mkdir "$tmp/dir"
expect "a FIFO as the command: 126 at once" 126 "cannot execute" \
	"$K" run --mode=shim --timeout 10 -- "$tmp/fifo"
expect "a directory as the command: 126" 126 "cannot execute" \
	"$K" run --mode=shim --timeout 10 -- "$tmp/dir"
n_out=$(sh -c "$tmp/fifo" 2>&1 </dev/null)
n_rc=$?
run "$K" run --mode=shim --timeout 10 -- sh -c "$tmp/fifo"
compare "a shell executing a FIFO: 126 and its message, as natively"

# ---- 12: int $0x80 is a 32-bit call (ENOSYS), the vsyscall page's calls are served ----
expect "int \$0x80 is never served as the 64-bit call of that number (ENOSYS)" 0 \
	"int80(39)=-38" S "$H" int80
"$H" vsyscall >/dev/null 2>&1 </dev/null
if [ $? = 4 ]; then
	skip "vsyscall gettimeofday and time are served as natively" "no vsyscall page here"
else
	same "vsyscall gettimeofday and time are served as natively" "$H" vsyscall
fi

# ---- 7: locks taken in the sandbox stay in the sandbox ----
# A host file the sandbox sees read-only (the rootfs /): its locks go to a shadow.
lf="$tmp/lockfile"
echo lock >"$lf"
chmod 644 "$lf"
S "$H" lockhold "$lf" 5 >"$tmp/hold.out" 2>&1 </dev/null &
hold=$!
i=0
while [ $i -lt 100 ] && ! grep -q holding "$tmp/hold.out" 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
run "$H" lockprobe "$lf"
kill $hold 2>/dev/null
wait $hold 2>/dev/null
case "$(cat "$tmp/hold.out"):$T_OUT" in
*"flock=ok"*"F_SETLK F_RDLCK=ok"*"F_OFD_SETLK F_RDLCK=ok"*holding*:*"flock -x -n=ok"*"F_SETLK F_WRLCK=ok"*"F_OFD_SETLK F_WRLCK=ok"*)
	ok "flock, POSIX and OFD locks of the sandbox on a read-only file never block the host" ;;
*) fail "flock, POSIX and OFD locks of the sandbox on a read-only file never block the host" \
	"sandbox: $(cat "$tmp/hold.out"); host: $T_OUT" ;;
esac
same "processes of one sandbox still exclude each other; F_GETLK names the holder" \
	"$H" lockpair "$lf"

# ---- 12: per-user kernel budgets are the sandbox's own, not host root's ----
# The kernel charges what a user namespace's users hold of the per-user budgets (inotify
# instances, message-queue bytes, pending signals) to the namespace's owner at the host's
# level too.  Run as root, the sandbox's namespace is owned by its range's first id: a
# sandbox holding every inotify instance it may leaves host root's own budget whole.
if [ "$(id -u)" = 0 ]; then
	S "$H" inohold 6 >"$tmp/ino.out" 2>&1 &
	ino=$!
	shim_wait_line "$tmp/ino.out" "^held"
	run "$H" inoprobe
	held=$(cat "$tmp/ino.out")
	kill $ino 2>/dev/null
	wait $ino 2>/dev/null
	case "$held:$T_OUT" in
	"held "[1-9]*:*"host inotify_init1=ok"*)
		ok "a root-launched sandbox holding its most inotify instances leaves host root's" ;;
	*) fail "a root-launched sandbox holding its most inotify instances leaves host root's" \
		"sandbox: $held; host: $T_OUT" ;;
	esac
else
	skip "a root-launched sandbox's inotify instances are not host root's" "not root"
fi
# The namespace's owner has every capability in it to a host process of that effective
# id, so it is an id no sandbox maps: a sandbox's root can leave a file setuid to its own
# host id in a volume (it is that id's), and whoever runs it must gain nothing over the
# sandbox (its environment here; ptrace and setns the same way).
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && [ -x /bin/cat ] && [ -d /mnt ]; then
	vol="$tmp/suidvol"
	mkdir -p "$vol" && chmod 777 "$vol"
	"$K" run --mode=shim -v "$vol:/mnt:rw" --env SECRET=hunter2 -- \
		sh -c 'cp /bin/cat /mnt/c && chmod 4755 /mnt/c && echo planted && exec sleep 8' \
		>"$tmp/suid.out" 2>&1 &
	sp=$!
	shim_wait_line "$tmp/suid.out" planted
	w=""
	for p in $(pgrep -x sleep); do
		tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx SECRET=hunter2 && w=$p
	done
	got=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$vol/c" "/proc/$w/environ" 2>&1 |
		tr '\0' '\n')
	kill "$sp" 2>/dev/null
	wait "$sp" 2>/dev/null
	[ -n "$w" ] && [ -u "$vol/c" ] && ! printf '%s\n' "$got" | grep -q hunter2
	result $? "a file setuid to a sandbox's own id gives no hold on the sandbox (its environ)" \
		"workload '$w', $(ls -ln "$vol/c" 2>&1): $got"
else
	skip "a file setuid to a sandbox's own id gives no hold on the sandbox" \
		"needs root, setpriv(1), /bin/cat and /mnt"
fi

# ---- 11: kiste check says whether shim mode gets its namespaces here ----
run "$K" check
case "$T_RC:$T_OUT" in
0:*"shim mode:"*"sandboxed"*|0:*"shim mode:"*"--unsafe-no-namespaces"*)
	ok "kiste check reports shim mode's namespaces" ;;
*) fail "kiste check reports shim mode's namespaces" "exit $T_RC: $T_OUT" ;;
esac
# Inside a shim sandbox unshare is refused: the refusing host, as kiste check sees it.
case "$(ldd "$K" 2>/dev/null)" in
*libasan*)
	skip "kiste check on a host refusing namespaces names --unsafe-no-namespaces" \
		"a sanitized kiste cannot run as a shim workload (its runtime needs threads)" ;;
*)
	expect "kiste check on a host refusing namespaces names --unsafe-no-namespaces" 0 \
		"shim mode:             needs user namespaces, which this host refuses you: it runs only with --unsafe-no-namespaces" \
		S "$K" check ;;
esac
t_done
