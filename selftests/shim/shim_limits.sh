#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shim_limits.sh - what a workload sees of --cpus and --memory, against native answers; /dev/shm, /root.
# kiste-suite: host shim_limits.sh
#
# POSIX sh (bash on the host).  Every expected value is computed from the same
# program run natively: the CPU count a sandbox shows is min(--cpus rounded up,
# the native count), its CPUs the first ones of the native affinity, its memory
# min(--memory, the native MemTotal).
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=selftests/shim/shim_lib.sh
. "$here/shim-lib.helper"
K="${KISTE_SHIM:-$here/../bin/kiste}"
PY=/usr/bin/python3
# shellcheck disable=SC2119 # no workloads: only the launcher is needed
shim_need
[ -x "$PY" ] || skip_all "no /usr/bin/python3"

native_n=$(nproc)
# The first N CPUs of the native affinity, as Cpus_allowed_list prints them ("0-1,4").
first_cpus()	# N
{
	"$PY" -c '
import os, sys
c = sorted(os.sched_getaffinity(0))[:int(sys.argv[1])]
out, i = [], 0
while i < len(c):
    j = i
    while j + 1 < len(c) and c[j + 1] == c[j] + 1:
        j += 1
    out.append(str(c[i]) if i == j else "%d-%d" % (c[i], c[j]))
    i = j + 1
print(",".join(out))' "$1"
}
min() { if [ "$1" -lt "$2" ]; then echo "$1"; else echo "$2"; fi; }

# counts CPUS: every way a program counts CPUs, one line; natively with no limit.
# shellcheck disable=SC2016 # expanded by the sh that runs it
COUNTS='n=$(nproc); o=$(getconf _NPROCESSORS_ONLN); c=$(getconf _NPROCESSORS_CONF)
p=$(grep -c "^processor" /proc/cpuinfo); s=$(grep -c "^cpu[0-9]" /proc/stat)
y=$(/usr/bin/python3 -c "import os; print(os.cpu_count(), len(os.sched_getaffinity(0)))")
l=$(sed -n "s/^Cpus_allowed_list:[[:space:]]*//p" /proc/self/status)
echo "nproc=$n online=$o conf=$c cpuinfo=$p stat=$s python=$y list=$l"'
counts_for()	# N: the line COUNTS prints where N CPUs are shown
{
	echo "nproc=$1 online=$1 conf=$1 cpuinfo=$1 stat=$1 python=$1 $1 list=$(first_cpus "$1")"
}

native=$(sh -c "$COUNTS" 2>&1)
if [ "$native" = "$(counts_for "$native_n")" ]; then
	ok "natively every count agrees: $native"
else
	fail "natively the counts disagree (the expectations below assume they agree)" "$native"
fi
run "$K" run --mode=shim -- sh -c "$COUNTS"
if [ "$T_RC" = 0 ] && [ "$T_OUT" = "$native" ]; then
	ok "no --cpus: the sandbox counts the CPUs native does ($native_n)"
else
	fail "no --cpus: sandbox and native differ" "sandbox: $T_OUT
# native:  $native"
fi
for c in 1 0.5 1.5 64; do
	want_n=$(min "$(echo "$c" | awk '{ printf "%d", ($1 == int($1)) ? $1 : int($1) + 1 }')" \
		"$native_n")
	want=$(counts_for "$want_n")
	run "$K" run --mode=shim --cpus "$c" -- sh -c "$COUNTS"
	if [ "$T_RC" = 0 ] && [ "$T_OUT" = "$want" ]; then
		ok "--cpus $c: nproc, getconf, cpuinfo, /proc/stat, python and status show $want_n"
	else
		fail "--cpus $c: expected $want" "$T_OUT"
	fi
done
if [ "$native_n" -lt 2 ]; then
	skip "--cpus 1 hides a CPU the host has" "this machine has one CPU"
else
	run "$K" run --mode=shim --cpus 1 -- sh -c "$COUNTS"
	case "$T_OUT" in
	nproc=1*) ok "--cpus 1 on a $native_n-CPU machine: nproc is 1" ;;
	*) fail "--cpus 1 on a $native_n-CPU machine: nproc is not 1" "$T_OUT" ;;
	esac
fi
expect "--cpus 1: a thread pool sized from os.cpu_count() gets min(32, 1 + 4) workers" 0 \
	"workers=5" "$K" run --mode=shim --cpus 1 -- "$PY" -c \
	"from concurrent.futures import ThreadPoolExecutor as T; print('workers=%d' % T()._max_workers)"

# sched_getaffinity's own errors: as native (a too-short mask, a bad pointer).
AFF='import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
buf = ctypes.create_string_buffer(512)
for n, p in ((4, buf), (512, ctypes.c_void_p(8))):
    r = libc.sched_getaffinity(0, n, p)
    print(r, os.strerror(ctypes.get_errno()) if r else "")'
n_out=$("$PY" -c "$AFF" 2>&1)
run "$K" run --mode=shim --cpus 1 -- "$PY" -c "$AFF"
if [ "$T_RC" = 0 ] && [ "$T_OUT" = "$n_out" ]; then
	ok "sched_getaffinity: a short mask and a bad pointer fail as natively ($(echo "$n_out" |
		tr '\n' ';'))"
else
	fail "sched_getaffinity errors differ from native" "sandbox: $T_OUT
# native:  $n_out"
fi

# Memory: /proc/meminfo, sysinfo (sysconf's _SC_PHYS_PAGES) and free agree on --memory.
native_kb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
# shellcheck disable=SC2016 # expanded by the sh that runs it
MEM='awk "/^(MemTotal|MemFree|MemAvailable):/ { printf \"%s %s \", \$1, \$2 }" /proc/meminfo
/usr/bin/python3 -c "import os; print(os.sysconf(\"SC_PHYS_PAGES\") * os.sysconf(\"SC_PAGE_SIZE\") // 1024)"'
for m in 512M 1G; do
	kb=$(($(echo "$m" | sed 's/M$/*1024/; s/G$/*1048576/')))
	want_kb=$(min "$kb" "$native_kb")
	run "$K" run --mode=shim --memory "$m" -- sh -c "$MEM"
	# shellcheck disable=SC2086 # the words are the fields
	set -- $T_OUT
	if [ "$T_RC" = 0 ] && [ "$1 $2" = "MemTotal: $want_kb" ] && [ "$3" = MemFree: ] &&
	   [ "$4" -le "$want_kb" ] && [ "$6" -le "$want_kb" ] && [ "$7" = "$want_kb" ]; then
		ok "--memory $m: MemTotal and sysinfo say $want_kb kB, free and available at most that"
	else
		fail "--memory $m: expected MemTotal $want_kb kB everywhere" "$T_OUT"
	fi
done
big=$((native_kb / 1048576 + 2))G
run "$K" run --mode=shim --memory "$big" -- sh -c "$MEM"
# shellcheck disable=SC2086 # the words are the fields
set -- $T_OUT
if [ "$T_RC" = 0 ] && [ "$2" = "$native_kb" ] && [ "$7" = "$native_kb" ]; then
	ok "--memory $big (more than the host has): the host's MemTotal, $native_kb kB"
else
	fail "--memory $big: expected the host's MemTotal $native_kb kB" "$T_OUT"
fi
# free(1): total is the limit, and used, shared and buff/cache fit inside it.
run "$K" run --mode=shim --memory 512M -- free -k
# shellcheck disable=SC2046 # the words are the fields
set -- $(echo "$T_OUT" | awk '/^Mem:/ { print $2, $3, $4, $5, $6, $7 }')
if [ "$T_RC" = 0 ] && [ "${1:-0}" = 524288 ] && [ $(($2 + $3 + $5)) -le 524288 ]; then
	ok "free -k with --memory 512M: total 524288, used + free + buff/cache within it"
else
	fail "free -k with --memory 512M" "$T_OUT"
fi
# The cgroup v2 view (gk/cgroup.c): its files from the flags, read-only, one cgroup2 mount.
# shellcheck disable=SC2016 # expanded by the sh that runs it
CG='cd /sys/fs/cgroup && echo "cpu.max=$(cat cpu.max) memory.max=$(cat memory.max)" \
"pids.max=$(cat pids.max) controllers=$(cat cgroup.controllers)"
echo "self=$(cat /proc/self/cgroup) mounts=$(grep -c " - cgroup" /proc/self/mountinfo)" \
"v2=$(grep " - cgroup2 " /proc/self/mountinfo | cut -d" " -f4,5)" \
"hier=$(awk "/^(cpu|memory)\t/ { printf \"%s\", \$2 }" /proc/cgroups)"
echo 1 2>/dev/null >cpu.max || echo "write refused"; mkdir x 2>/dev/null || echo "mkdir refused"'
cg_want()	# CPU.MAX MEMORY.MAX PIDS.MAX: what CG prints
{
	printf '%s\n%s\n%s\n%s' "cpu.max=$1 memory.max=$2 pids.max=$3 controllers=cpu memory pids" \
		"self=0::/ mounts=1 v2=/ /sys/fs/cgroup hier=00" "write refused" "mkdir refused"
}
# The launcher's defaults: 2 GiB of memory, 2048 pids.
for f in "|max 100000|2147483648|2048" "--cpus 1.5 --memory 512M|150000 100000|536870912|2048" \
	 "--cpus 2 --pids-limit 64|200000 100000|2147483648|64"; do
	flags=${f%%|*}
	rest=${f#*|}
	want=$(cg_want "${rest%%|*}" "$(echo "$rest" | cut -d'|' -f2)" "${rest##*|}")
	# shellcheck disable=SC2086 # the flags are words
	run "$K" run --mode=shim $flags -- sh -c "$CG"
	if [ "$T_RC" = 0 ] && [ "$T_OUT" = "$want" ]; then
		ok "/sys/fs/cgroup with '${flags:-no flags}': cpu.max ${rest%%|*}, read-only, one cgroup2 mount"
	else
		fail "/sys/fs/cgroup with '${flags:-no flags}'" "expected: $want
# got: $T_OUT"
	fi
done
# The smallest limit: --pids-limit 1 runs the one process (and nothing of kiste's own counts
# against it: on cgroup v1 a helper of the launcher's was in the cgroup at the init's birth).
run "$K" run --mode=shim --pids-limit 1 -- /bin/true
result "$([ "$T_RC" = 0 ]; echo $?)" "--pids-limit 1: a workload of one process runs" \
	"exit $T_RC: $T_OUT"
# /proc/self/limits shows the limits the guest kernel keeps, as getrlimit does (ulimit).
# shellcheck disable=SC2016 # expanded by the sh that runs it
run "$K" run --mode=shim -- sh -c 'ulimit -n 500; echo "$(ulimit -c) $(ulimit -Hc) $(ulimit -n)";
awk "/^Max core file size/ { print \$5, \$6 } /^Max open files/ { print \$4, \$5 }" /proc/self/limits'
if [ "$T_RC" = 0 ] && [ "$T_OUT" = "0 0 500
0 0
500 500" ]; then
	ok "/proc/self/limits: core 0, open files as ulimit -n set them (the guest kernel's)"
else
	fail "/proc/self/limits and ulimit disagree" "$T_OUT"
fi
java=$(readlink -f /usr/bin/java 2>/dev/null)
if [ -x "$java" ]; then
	run "$K" run --mode=shim --cpus 1.5 --memory 1G -- "$java" -XshowSettings:system -version
	if [ "$T_RC" = 0 ] && echo "$T_OUT" | grep -q "Provider: cgroupv2" &&
	   echo "$T_OUT" | grep -q "CPU Quota: 150000us" &&
	   echo "$T_OUT" | grep -q "Effective CPU Count: 2"; then
		ok "java -XshowSettings:system with --cpus 1.5: cgroupv2, quota 150000us, 2 CPUs"
	else
		fail "java -XshowSettings:system with --cpus 1.5" "exit $T_RC: $(echo "$T_OUT" | head -12)"
	fi
else
	skip "java sees the cgroup view" "no /usr/bin/java"
fi

# /dev/shm: the sandbox's own tmpfs, 64M (podman's default) or --memory when smaller.
# shellcheck disable=SC2016 # expanded by the sh that runs it
SHM='df -k /dev/shm | awk "NR == 2 { print \$2 }"; stat -c %a /dev/shm
echo x >/dev/shm/kiste-shm-probe && ls /dev/shm'
run "$K" run --mode=shim -- sh -c "$SHM"
if [ "$T_RC" = 0 ] && [ "$T_OUT" = "65536
1777
kiste-shm-probe" ]; then
	ok "/dev/shm: a writable 64M tmpfs, empty at start"
else
	fail "/dev/shm: expected a writable, empty 65536 kB tmpfs" "$T_OUT"
fi
run "$K" run --mode=shim --memory 32M -- sh -c "$SHM"
case "$T_OUT" in
32768*) ok "/dev/shm with --memory 32M: 32M" ;;
*) fail "/dev/shm with --memory 32M: expected 32768 kB" "$T_OUT" ;;
esac
# Nothing shared with the host's /dev/shm, either way.
probe=/dev/shm/kiste-host-probe.$$
if echo host >"$probe" 2>/dev/null; then
	run "$K" run --mode=shim -- sh -c "ls /dev/shm; echo in >/dev/shm/kiste-shm-probe"
	if [ "$T_RC" = 0 ] && [ -z "$T_OUT" ] && [ ! -e /dev/shm/kiste-shm-probe ]; then
		ok "/dev/shm is the sandbox's: the host's files are not there, its files not the host's"
	else
		fail "/dev/shm is shared with the host" "$T_OUT"
	fi
	rm -f "$probe" /dev/shm/kiste-shm-probe
else
	skip "/dev/shm is the sandbox's" "cannot write the host's /dev/shm"
fi
# Without namespaces there is no /dev/shm or /root of the sandbox's: the host's stay closed.
run "$K" run --mode=shim --unsafe-no-namespaces -- sh -c \
	"echo x >/dev/shm/kiste-nons-probe.$$ || echo refused; echo y >/root/kiste-nons-probe.$$ || echo refused"
if [ ! -e "/dev/shm/kiste-nons-probe.$$" ] && [ ! -e "/root/kiste-nons-probe.$$" ] &&
   [ "$(echo "$T_OUT" | grep -c '^refused$')" = 2 ]; then
	ok "--unsafe-no-namespaces: the host's /dev/shm and /root are not writable"
else
	fail "--unsafe-no-namespaces: the host's /dev/shm or /root took a write" "exit $T_RC: $T_OUT"
fi
rm -f "/dev/shm/kiste-nons-probe.$$" "/root/kiste-nons-probe.$$"

# /root with the host's / as the rootfs: the sandbox's own, empty and writable (HOME).
run "$K" run --mode=shim -- bash -c true
if [ "$T_RC" = 0 ] && [ -z "$T_OUT" ]; then
	ok "bash -c true prints nothing (no /root/.bashrc: Permission denied)"
else
	fail "bash -c true prints something" "exit $T_RC: $T_OUT"
fi
shim_cgroup_check
# v1, a caller whose cgroup folders are delegated to it but not their tasks files (a chown
# of the folder alone): it cannot step back out of a sandbox's cgroup, so its init is
# moved by pid, as before (stepping in anyway ended with kiste killing itself, 137).
cg_delegated()
{
	if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
		skip "v1, folders delegated without tasks: the run works" "needs root and setpriv"
		return
	fi
	case "$("$K" check 2>/dev/null | sed -n 's/^cgroups: *//p')" in
	v1*) ;;
	*) skip "v1, folders delegated without tasks: the run works" "no cgroup v1 here"; return ;;
	esac
	dirs=""
	for h in pids memory cpu; do
		own=$(sed -n "s/^[0-9]*:[^:]*\b$h\b[^:]*://p" /proc/self/cgroup | head -1)
		[ "$own" = / ] && own=""
		d="/sys/fs/cgroup/$h$own/kiste-test-deleg.$$"
		mkdir "$d" && chown 65534:65534 "$d" && dirs="$dirs $d"
	done
	# shellcheck disable=SC2016 # the inner shell expands its own $$
	run sh -c 'for d in $1; do echo $$ >"$d/tasks" || exit 9; done
		exec setpriv --reuid=65534 --regid=65534 --clear-groups "$2" run --mode=shim \
			--unsafe-no-namespaces --memory=64M -- /bin/echo hello' sh "$dirs" "$K"
	# The cgroup watcher (kiste-cgroup) lives in the folders until it has removed the
	# sandbox's: bounded retries.
	n=0
	for d in $dirs; do
		while [ -d "$d" ] && [ $n -lt 100 ]; do
			rmdir "$d"/kiste/* "$d/kiste" "$d" 2>/dev/null || sleep 0.05
			n=$((n + 1))
		done
	done
	if [ "$T_RC" = 0 ] && [ "$T_OUT" = hello ]; then
		ok "v1, folders delegated without tasks: the run works (init moved by pid)"
	else
		fail "v1, folders delegated without tasks: the run works" "exit $T_RC: $T_OUT"
	fi
}
cg_delegated

probe=/root/.kiste-home-probe.$$
if [ -d /root ] && echo host >"$probe" 2>/dev/null; then
	# shellcheck disable=SC2016 # the sandbox's $HOME
	run "$K" run --mode=shim -- sh -c 'ls -A /root; echo in >"$HOME/kiste-home-file" && cat "$HOME/kiste-home-file"'
	if [ "$T_RC" = 0 ] && [ "$T_OUT" = "in" ] && [ ! -e /root/kiste-home-file ]; then
		ok "/root is the sandbox's: empty, HOME writable, nothing reaches the host's /root"
	else
		fail "/root is the sandbox's" "exit $T_RC: $T_OUT"
	fi
	rm -f "$probe" /root/kiste-home-file
else
	skip "/root is the sandbox's" "cannot write the host's /root"
fi
t_done
