#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shim_patch.sh - patched syscall sites (issue 14): the same results natively, patched and --no-patch.
# kiste-suite: host shim_patch.sh
#
# POSIX sh (bash on the host).  Each case runs natively, then in shim mode with
# patching (the default) and with --no-patch, and compares output and status;
# --trace-summary's "patch:" line proves the sites were patched (far fewer
# traps than calls).  Times are never asserted.
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=selftests/shim/shim_lib.sh
. "$here/shim-lib.helper"
K="${KISTE_SHIM:-$here/../bin/kiste}"
P="$WL/patch"
PY=/usr/bin/python3
shim_need patch
data=$(mktemp -d /var/tmp/kiste-patch.XXXXXX) || bail "cannot make a folder under /var/tmp"
chmod 755 "$data"
trap 'rm -rf "$data"' EXIT
S() { "$K" run --mode=shim --tmpfs "$SHIM_TMP" --env TMPDIR="$SHIM_TMP" "$@"; }

# same NAME CMD...: output and status natively, patched and --no-patch match.
same()
{
	s_name="$1"
	shift
	n_out=$("$@" 2>&1 </dev/null)
	n_rc=$?
	run S -- "$@"
	p_rc=$T_RC
	p_out=$T_OUT
	run S --no-patch -- "$@"
	if [ -n "$n_out" ] && [ "$p_rc" = "$n_rc" ] && [ "$p_out" = "$n_out" ] &&
		[ "$T_RC" = "$n_rc" ] && [ "$T_OUT" = "$n_out" ]; then
		ok "$s_name"
	else
		fail "$s_name" "patched exit $p_rc: $p_out
# --no-patch exit $T_RC: $T_OUT
# native exit $n_rc: $n_out"
	fi
}

# counts OPTS -- CMD...: the first process's "patch:" line as "SITES TRAPPED PATCHED".
counts()
{
	"$K" run --mode=shim --trace-summary --tmpfs "$SHIM_TMP" --env TMPDIR="$SHIM_TMP" "$@" \
		2>&1 >/dev/null </dev/null |
		sed -n 's/^kiste-shim\[1\] patch: \([0-9]*\) sites patched, \([0-9]*\) calls trapped, \([0-9]*\) calls patched.*/\1 \2 \3/p' |
		head -n 1
}

# patched NAME MIN CMD...: at least MIN calls went through patched sites, and fewer
# than a tenth of all calls trapped; with --no-patch none was patched.
patched()
{
	s_name="$1"
	s_min="$2"
	shift 2
	c=$(counts -- "$@")
	n=$(counts --no-patch -- "$@")
	# shellcheck disable=SC2086 # the three numbers, split
	set -- $c
	if [ $# -eq 3 ] && [ "$3" -ge "$s_min" ] && [ $(($2 * 10)) -lt $(($2 + $3)) ] &&
		[ "${n#0 }" != "$n" ] && [ "${n##* }" = 0 ]; then
		ok "$s_name"
	else
		fail "$s_name" "patched: sites, trapped, patched: '$c'; --no-patch: '$n'"
	fi
}

same "dd bs=1 count=200000 from /dev/zero into a pipe, hashed" sh -c \
	"dd if=/dev/zero bs=1 count=200000 status=none | sha256sum"
# dd's write is `mov $1, %eax; syscall` (the far form), its read glibc's `xor %eax, %eax;
# syscall; cmp $-4096, %rax` (the near form): both patched, a few hundred traps at most.
c=$(counts -- dd if=/dev/zero bs=1 count=200000 of=/dev/null status=none)
# shellcheck disable=SC2086 # the three numbers, split
set -- $c
if [ $# -eq 3 ] && [ "$3" -ge 400000 ] && [ "$2" -lt 1000 ]; then
	ok "dd bs=1: its 200000 reads and 200000 writes go through patched sites"
else
	fail "dd bs=1: its 200000 reads and 200000 writes go through patched sites" \
		"sites, trapped, patched: '$c'"
fi
patched "a getppid loop: nearly every call patched" 20000 "$P" fork

head -c 3000000 /dev/urandom >"$data/blob"
chmod 644 "$data/blob"
same "sha256sum of a 3 MB file" sha256sum "$data/blob"
same "C, hostile: a jump to a patched site's syscall, red zone, registers, threads, timers, siglongjmp out of trapped and patched blocking calls, fork, self-modifying, shared and JIT code" \
	timeout -k 5 60 "$WL/patch_hostile"
same "C: 6 threads call the same sites while the first traps patch them" "$P" threads
patched "C: the threads' calls go through patched sites" 100000 "$P" threads
same "C: a handler interrupts a blocking write at a patched site: EINTR" "$P" eintr
same "C: a handler interrupts a blocking write at a patched site: SA_RESTART" "$P" restart
same "C: a fork child keeps calling through the parent's patched sites" "$P" fork
same "C: the workload mprotects its text writable and reads the file's bytes back" "$P" mprotect
# The native run shows the file's bytes: they must start with the unpatched mov.
expect "C: getppid's bytes read back are its mov \$110, %eax" 0 \
	"mprotect: after  b86e000000" S -- "$P" mprotect
same "C: code in a shared mapping of a writable file is called, the file stays as it was" \
	"$P" shared
expect "C: the shared file's code ran and is unchanged" 0 "shared: calls right, file unchanged" \
	S -- "$P" shared
expect "C: a site in one aligned 8 bytes of private file code is patched" 0 \
	"private 0: calls right, bytes ff2425" S -- "$P" private 0
expect "C: MADV_DONTNEED brings the file's bytes back, and the site is patched again" 0 \
	"dontneed: bytes b86e00, calls right, bytes ff2425" S -- "$P" private 0
expect "C: a site in one aligned 16 bytes (cmpxchg16b) is patched" 0 \
	"private 4: calls right, bytes ff2425" S -- "$P" private 4
expect "C: a site across 16 bytes keeps trapping, unpatched" 0 \
	"private 12: calls right, bytes b86e00" S -- "$P" private 12
same "C: glibc's read form in private code, entered with another call, and its slot's place" \
	sh -c "'$P' near 0 | sed 's/bytes ..../bytes/g'; '$P' near 1 | sed 's/bytes ..../bytes/g'"
expect "C: a near site is patched, and a jump to its syscall with another call takes it back" 0 \
	"near: reads right, bytes ff25; getpid through its syscall right, bytes 0f05; reads after right, bytes 0f05" \
	S -- "$P" near 0
expect "C: a near slot's place mapped by the workload: given up, the site traps again" 0 \
	"near: reads right, bytes ff25; the slot's pages mapped here, bytes 0f05; reads after right, bytes 0f05" \
	S -- "$P" near 1
same "C: three threads enter glibc's syscall(), patched for getpid, with another number at once" \
	"$P" nearrace
same "C: other code mapped over a near site's place is patched through its own slot" \
	"$P" nearstale
same "C: shmat at the place a near slot's page took is granted, as natively" "$P" nearshm
same "C: a timer's SIGALRM lands while kill's SIGUSR1 is taken in its patched entry: both handled, neither left blocked" \
	"$P" sigmix
same "C: a timer's and a child's signals come while calls go through patched sites" "$P" defer
same "C: signals aimed at six threads calling through patched sites, each handled" "$P" threadsig
# The quick entry (no host call of its own) needs FSGSBASE: %gs's base is each thread's area.
if grep -qw fsgsbase /proc/cpuinfo; then
	q=$("$K" run --mode=shim --trace-summary -- "$P" defer 2>&1 >/dev/null </dev/null |
		sed -n 's/^kiste-shim\[1\] patch: .* calls patched (\([0-9]*\) quick, \([0-9]*\) signals deferred).*/\1 \2/p')
	# shellcheck disable=SC2086 # the two numbers, split
	set -- $q
	if [ $# -eq 2 ] && [ "$1" -ge 300000 ] && [ "$2" -ge 1 ]; then
		ok "the quick entry served the loop, and signals taken in it were delivered at its exit"
	else
		fail "the quick entry served the loop, and signals taken in it were delivered at its exit" \
			"quick, deferred: '$q'"
	fi
else
	skip "the quick entry served the loop, and signals taken in it were delivered at its exit" \
		"no FSGSBASE on this CPU"
fi

if [ -x "$PY" ]; then
	cat >"$data/pool.py" <<'PY'
import hashlib, os, sys
from concurrent.futures import ThreadPoolExecutor
def h(i):
    x = hashlib.sha256()
    for _ in range(200):
        os.getppid()
        x.update(os.urandom(16) if False else str(i).encode())
    return i, x.hexdigest()
with ThreadPoolExecutor(4) as ex:
    for i, d in ex.map(h, range(64)):
        print(i, d)
PY
	chmod 644 "$data/pool.py"
	same "python3: ThreadPoolExecutor(4)" "$PY" "$data/pool.py"
else
	skip "python3: ThreadPoolExecutor(4)" "no $PY"
fi
if [ -x /usr/bin/zstd ]; then
	same "zstd -T2 of a 3 MB file, to stdout, hashed" sh -c \
		"zstd -q -T2 -c '$data/blob' | zstd -q -d -c | sha256sum"
else
	skip "zstd -T2 of a 3 MB file, to stdout, hashed" "no zstd"
fi
seq 1 300000 | awk '{ print ($1 * 7919) % 1000003 }' >"$data/lines"
chmod 644 "$data/lines"
same "sort --parallel=2 -n of 300000 lines, hashed" sh -c \
	"sort --parallel=2 -S 1M -n '$data/lines' | sha256sum"
t_done
