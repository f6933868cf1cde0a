#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shim_hostile.sh - shim mode vs hostile workloads: raw syscalls, gate jumps, mappings, escapes.
# kiste-suite: host shim_hostile.sh
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=selftests/shim/shim_lib.sh
. "$here/shim-lib.helper"
K="${KISTE_SHIM:-$here/../bin/kiste}"
shim_need hostile

# Raw inline-asm syscalls from the workload's own code are redirected and refused.
run "$K" run --mode=shim -- "$WL/hostile" refused
for call in ptrace mount init_module kexec_load bpf unshare setns keyctl prctl-dispatch-off; do
	case "$T_OUT" in
	*"$call=-1
"*) ok "raw $call is refused by the guest kernel" ;;
	*) fail "raw $call is refused by the guest kernel" "exit $T_RC: $T_OUT" ;;
	esac
done
case "$T_OUT" in
*"dup2-private=-9"*"close-private=-9"*) ok "the guest kernel's descriptors are not the workload's" ;;
*) fail "the guest kernel's descriptors are not the workload's" "$T_OUT" ;;
esac
case "$T_RC:$T_OUT" in
0:*"ptrace-again=-1"*"getpid=1"*) ok "still redirected after disarm attempts (prctl, SIGSYS)" ;;
*) fail "still redirected after disarm attempts (prctl, SIGSYS)" "exit $T_RC: $T_OUT" ;;
esac
expect "raw execve is the guest kernel's own load" 0 "emulated-exec" "$K" run --mode=shim -- "$WL/hostile" execve
expect "a forked child is redirected too" 0 "ptrace=-1" \
	"$K" run --mode=shim -- sh -c "$WL/hostile refused | cat"

# A forbidden syscall through the gate's own syscall instruction meets seccomp.
expect "ptrace via the gate is killed by seccomp" 159 "seccomp filter" "$K" run --mode=shim -- "$WL/hostile" gate 101
expect "execve via the gate is killed by seccomp" 159 "seccomp filter" "$K" run --mode=shim -- "$WL/hostile" gate 59
expect "mount via the gate is killed by seccomp" 159 "seccomp filter" "$K" run --mode=shim -- "$WL/hostile" gate 165
expect "prctl via the gate is killed by seccomp" 159 "seccomp filter" "$K" run --mode=shim -- "$WL/hostile" gate 157

# The guest kernel's own pages cannot be mapped over, reprotected or unmapped.
expect "mmap/mprotect/munmap over the guest kernel fail" 0 "mmap=-1 mprotect=-1 munmap=-1" \
	"$K" run --mode=shim -- "$WL/hostile" over

# Escapes from a --rootfs by .., absolute and relative symlinks, and /proc.  The
# secret is planted wherever an escape could land: beside the rootfs and in
# every folder above it, up to the host's root (where an absolute path, or
# /proc/1/root, resolved outside the sandbox ends).  Its name is this run's own.
tmp=$(mktemp -d)
chmod 755 "$tmp"
sec="kiste-escape-canary.$$"
plants=""
cleanup()
{
	rm -rf "$tmp"
	for p in $plants; do
		rm -f "$p"
	done
}
trap cleanup EXIT
r="$tmp/root"
mkdir -p "$r/bin" "$r/dev" "$r/proc" "$r/tmp" "$r/etc"
cp "$WL/hostile" "$r/bin/"
echo inside >"$r/etc/hello"
ln -s "/../$sec" "$r/abs"
ln -s "../../$sec" "$r/rel"
ln -s "/etc/../../../$sec" "$r/etc/deep"
d="$tmp"
while :; do
	if echo TOPSECRET >"${d%/}/$sec"; then
		plants="$plants ${d%/}/$sec"
	else
		break
	fi
	[ "$d" = / ] && break
	d=$(dirname "$d")
done
escapes="/../$sec ../../$sec /abs /rel /etc/deep /proc/self/root/../$sec /proc/1/root/$sec
	 /proc/self/cwd/../$sec /proc/self/fd/../../../$sec"
expect "a file inside the rootfs is readable" 0 "inside" "$K" run --mode=shim --rootfs "$r" -- /bin/hostile read /etc/hello
if [ ! -f "/$sec" ]; then
	for p in $escapes; do
		skip "no escape through $p" "cannot plant the secret at the host's root (not root?)"
	done
else
	# The control: outside the sandbox, each path lands on a planted secret when
	# resolved from the rootfs's folder as it is, or with the rootfs's path put
	# in front, or (/proc/N/root, which the host may not let us open) through
	# where that link points: so a sandbox that let it escape would be caught.
	missed=""
	for p in $escapes; do
		case "$p" in
		/proc/*/root/*) under="$(readlink "${p%%/root/*}/root")/${p#/proc/*/root/}" ;;
		/*) under="$r$p" ;;
		*) under="$r/$p" ;;
		esac
		if ! (cd "$r" && "$WL/hostile" read "$p" 2>&1) | grep -q TOPSECRET &&
		   ! "$WL/hostile" read "$under" 2>&1 | grep -q TOPSECRET; then
			missed="$missed $p"
		fi
	done
	[ -z "$missed" ]
	result $? "control: each escape path reaches a planted secret outside the sandbox" \
		"no secret where these land:$missed"
	for p in $escapes; do
		# No file of that name is inside the rootfs: the open must fail.
		expect_not "no escape through $p" 3 "TOPSECRET" \
			"$K" run --mode=shim --rootfs "$r" -- /bin/hostile read "$p"
	done
fi
# As root, the sandbox's root is an id of its range, whoever owns the rootfs: a folder
# anyone may write.
[ "$(id -u)" = 0 ] && chmod 0777 "$r/etc"
expect "a --rootfs is read-only without --rw" 3 "Read-only file system" \
	"$K" run --mode=shim --rootfs "$r" -- /bin/hostile write /etc/new
expect "--rw makes a --rootfs writable" 0 "wrote /etc/new" \
	"$K" run --mode=shim --rootfs "$r" --rw -- /bin/hostile write /etc/new
[ -f "$r/etc/new" ]
result $? "the write landed in the rootfs" "no $r/etc/new"

# The same escapes relative to directory descriptors (issue 11: those resolve beneath a
# host directory): ".." beyond /, symlinks out, /proc reached from /etc.
cp "$here/shim-conformance/dirs" "$r/bin/"
expect "openat relative to /etc reads inside the rootfs" 0 "inside" \
	"$K" run --mode=shim --rootfs "$r" -- /bin/dirs readat /etc ../etc/hello
ln -s /../../etc "$r/etcabs"
expect "openat relative to /tmp through an absolute symlink with .. stays inside" 0 "inside" \
	"$K" run --mode=shim --rootfs "$r" -- /bin/dirs readat /tmp ../../etcabs/hello
# getcwd after fchdir names the guest path (pivoted, and not: the rootfs's prefix is cut).
for ns in "" --unsafe-no-namespaces; do
	# shellcheck disable=SC2086 # no option, or one
	expect "fchdir to /tmp + ../etcabs ${ns:-(namespaces)}: getcwd is /etc" 0 "cwd /etc" \
		"$K" run --mode=shim $ns --rootfs "$r" -- /bin/dirs cwdat /tmp ../etcabs
done
if [ -f "/$sec" ]; then
	"$here/shim-conformance/dirs" readat "$r/etc" "../../$sec" | grep -q TOPSECRET
	result $? "control: $r/etc + ../../$sec reaches a planted secret natively"
	for p in "/ ../$sec" "/ ../../../$sec" "/ abs" "/ rel" "/etc deep" "/etc ../abs" \
		 "/etc ../../$sec" "/etc ../rel" "/etc ../proc/self/root/../$sec" \
		 "/ proc/1/root/$sec" "/etc ../proc/self/cwd/../$sec" "/tmp ../etc/deep"; do
		# shellcheck disable=SC2086 # DIR PATH, split on purpose
		expect_not "no escape through openat($p)" 3 "TOPSECRET" \
			"$K" run --mode=shim --rootfs "$r" -- /bin/dirs readat $p
	done
fi

# A rootfs host root owns, run as root: the sandbox's root is an id of its range, never
# host root, also for that tree.  (An idmapped mount would make it host root's owner
# there, and the host sees that tree without nosuid: a setuid-root file or a v2 file
# capability made inside would be root's for every local user.  So there is none.)
# Every rootfs is nodev: a device node the sandbox's root owns does not open.
idm=$(mktemp -d /var/tmp/kiste-idm.XXXXXX)
bb=$(command -v busybox || true)
if [ "$(id -u)" != 0 ] || [ -z "$bb" ] || ldd "$bb" >/dev/null 2>&1; then
	skip "a root-owned --rootfs stays host root's" "needs root and a static busybox"
else
	mkdir -p "$idm/r/bin" "$idm/r/data" "$idm/r/dev" "$idm/u/bin" "$idm/u/dev"
	cp "$bb" "$idm/r/bin/busybox"
	cp "$bb" "$idm/u/bin/busybox"
	chmod 755 "$idm" "$idm/r" "$idm/r/data"
	run "$K" run --mode=shim --rootfs "$idm/r" --rw -- /bin/busybox sh -c \
		'/bin/busybox touch /data/new; /bin/busybox chmod 4755 /bin/busybox; exit 0'
	[ ! -e "$idm/r/data/new" ] && [ "$(stat -c %a "$idm/r/bin/busybox")" = 755 ] &&
		[[ "$T_OUT" == *"Permission denied"* ]] && [[ "$T_OUT" == *"not permitted"* ]]
	result $? "--rw on a root-owned rootfs: no write as host root, no setuid bit on root's file" \
		"exit $T_RC: $T_OUT; on disk: $(ls -l "$idm/r/data" "$idm/r/bin/busybox" 2>&1)"
	# A rootfs a host user owns: the sandbox's root is still an id of its range, not that
	# user (an OCI image's "./" entry picks the owner of an unpacked rootfs: mapping it
	# made the sandbox a real host user, and a setuid file it left in a volume ran as that
	# user for anyone; found by the hostile review of 2026-12-06).
	mkdir -p "$idm/vol"
	chmod 1777 "$idm/vol"
	chown -R 4243:4243 "$idm/u"
	run "$K" run --mode=shim --rootfs "$idm/u" -v "$idm/vol:/vol:rw" -- /bin/busybox sh -c \
		'/bin/busybox touch /vol/made && /bin/busybox id -u'
	made=$(stat -c %u:%g "$idm/vol/made" 2>/dev/null)
	case "$T_RC:$T_OUT:$made" in
	0:0:4243:* | 0:0:*:4243 | 0:0:0:* | 0:0:*:0 | 0:0:) fail "a rootfs a host user owns: the sandbox is not that user" \
		"exit $T_RC: $T_OUT; the volume's file: ${made:-none}" ;;
	0:0:*) ok "a rootfs a host user owns: the sandbox is not that user (its file in a volume: $made)" ;;
	*) fail "a rootfs a host user owns: the sandbox is not that user" "exit $T_RC: $T_OUT" ;;
	esac
	# Every rootfs is nodev: a device node anyone may open does not open there.
	mknod -m 666 "$idm/u/disk" b 7 0
	expect "a device node in a rootfs does not open (nodev)" 1 \
		"Permission denied" "$K" run --mode=shim --rootfs "$idm/u" -- \
		/bin/busybox sh -c '/bin/busybox head -c 1 /disk >/dev/null || exit 1'
	# The host's / under another name ("/.", "//", a link to it): no mount point is made in
	# the host's / (compared by identity, not by name; hostile review of 2026-12-06).
	ln -s / "$idm/slash"
	probe="/kiste-probe-$$"
	for rf in /. // "$idm/slash"; do
		run "$K" run --mode=shim --rootfs "$rf" --tmpfs "$probe/t" -v "$idm/vol:$probe/v:rw" -- /bin/true
		if [ -e "$probe" ]; then
			fail "--rootfs $rf (the host's /): no mount point made in the host's /" \
				"exit $T_RC; made: $(find "$probe" 2>&1 | head -3)"
			rm -rf "$probe"
		else
			ok "--rootfs $rf (the host's /): no mount point made in the host's / (exit $T_RC)"
		fi
	done
fi
rm -rf "$idm"

# Without namespaces an ordinary caller's capabilities (ambient ones, kept across its
# exec of kiste) are not the workload's: a root process's pid stays out of its reach.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	sleep 60 &
	rootpid=$!
	capk() { setpriv --reuid 4244 --regid 4244 --clear-groups --inh-caps +kill \
		--ambient-caps +kill -- "$@"; }
	run capk /usr/bin/python3 -c "import os; os.kill($rootpid, 0); print('signalled')"
	if [ "$T_OUT" = signalled ]; then
		expect "without namespaces: an ordinary caller's ambient CAP_KILL is not the workload's" \
			0 "EPERM" capk "$K" run --mode=shim --unsafe-no-namespaces -- /usr/bin/python3 -c "
import os, errno
try:
    os.kill($rootpid, 0)
    print('signalled')
except OSError as e:
    print(errno.errorcode[e.errno])"
	else
		fail "control: natively the caller's ambient CAP_KILL signals a root process" "$T_OUT"
	fi
	kill "$rootpid" 2>/dev/null
	wait "$rootpid" 2>/dev/null
else
	skip "without namespaces: an ordinary caller's ambient CAP_KILL" "needs root and setpriv"
fi
t_done
