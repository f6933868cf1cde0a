#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shim_vm.sh - shim mode with kiste.ko in the test VM: redirection armed by KISTE_IOC_SHIM_ARM.
# kiste-suite: vm shim_vm.sh
# shellcheck disable=SC2016 # single-quoted scripts are for the sandbox's shell to expand
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=selftests/shim/shim_lib.sh
. "$here/shim-lib.helper"
K="${KISTE_SHIM:-/bin/kiste}"
[ -c /dev/kiste ] || skip_all "no /dev/kiste: kiste.ko is not loaded"
shim_need hello_raw hostile enosys efault

expect "static raw write+exit under the module (42)" 42 "hi raw" "$K" run --mode=shim -- "$WL/hello_raw"
run "$K" run --mode=shim -- sh -c 'echo hi; ls /; for i in 1 2 3; do echo $i; done | sort -r'
case "$T_RC:$T_OUT" in
0:hi*vm-tests*3?2?1) ok "busybox sh pipeline under the module" ;;
*) fail "busybox sh pipeline under the module" "exit $T_RC: $T_OUT" ;;
esac
expect "the workload is pid 1" 0 "pid=1" "$K" run --mode=shim -- sh -c 'echo pid=$$'
run "$K" run --mode=shim -- "$WL/hostile" refused
case "$T_RC:$T_OUT" in
0:*"ptrace=-1"*"prctl-dispatch-off=-1"*"ptrace-again=-1"*"getpid=1"*) ok "raw syscalls refused, redirection kept" ;;
*) fail "raw syscalls refused, redirection kept" "exit $T_RC: $T_OUT" ;;
esac
expect "the module re-arms forked children" 0 "ptrace=-1" \
	"$K" run --mode=shim -- sh -c "$WL/hostile refused | cat"
expect "ptrace via the gate is killed by seccomp" 159 "seccomp filter" "$K" run --mode=shim -- "$WL/hostile" gate 101
expect "prctl via the gate is killed by seccomp" 159 "seccomp filter" "$K" run --mode=shim -- "$WL/hostile" gate 157
expect "no mapping over the guest kernel" 0 "mmap=-1 mprotect=-1 munmap=-1" \
	"$K" run --mode=shim -- "$WL/hostile" over
expect "exit status passes through" 7 "" "$K" run --mode=shim -- sh -c 'exit 7'
expect "missing command is 127" 127 "not found" "$K" run --mode=shim -- /no/such/command

# Unimplemented syscalls are counted in the sandbox while it runs (KISTE_IOC_SHIM_ENOSYS).
fifo=/tmp/shim-enosys.$$
rm -f "$fifo"
mkfifo "$fifo"
"$K" run --mode=shim --name shimnosys -- "$WL/enosys" 3 <"$fifo" >/tmp/shim-enosys.out 2>&1 &
pid=$!
exec 7>"$fifo"
n=0
while [ $n -lt 50 ] && ! grep -q "enosys x3" /tmp/shim-enosys.out 2>/dev/null; do
	sleep 0.1
	n=$((n + 1))
done
js=$(kiste inspect shimnosys --json 2>&1)
# shellcheck disable=SC2020 # each of the three characters becomes a newline
cnt=$(echo "$js" | tr ',{}' '\n\n\n' | sed -n 's/.*"shim_enosys": *\([0-9]*\).*/\1/p')
if [ -n "$cnt" ] && [ "$cnt" -ge 3 ]; then
	ok "kiste inspect shows shim_enosys >= 3 while the workload runs ($cnt)"
else
	fail "kiste inspect shows shim_enosys >= 3 while the workload runs" "got '$cnt': $js"
fi
exec 7>&-
wait $pid
rc=$?
rm -f "$fifo"
[ $rc = 0 ]
result $? "the ENOSYS workload exits 0" "exit $rc: $(cat /tmp/shim-enosys.out)"
expect "a forked child reports its ENOSYS and lives on" 0 "enosys x2" \
	"$K" run --mode=shim -- sh -c "$WL/enosys 2 </dev/null; true"
expect "gate jump: another /dev/kiste ioctl is killed" 159 "seccomp filter" \
	"$K" run --mode=shim -- "$WL/hostile" gate 16 1003 0x4008b712
expect "gate jump: SHIM_ENOSYS on another descriptor is killed" 159 "seccomp filter" \
	"$K" run --mode=shim -- "$WL/hostile" gate 16 1 0x4008b711
run "$K" run --mode=shim -- "$WL/efault"
case "$T_RC:$T_OUT" in
0:*survived*) ok "bad pointers give EFAULT under the module" ;;
*) fail "bad pointers give EFAULT under the module" "exit $T_RC: $T_OUT" ;;
esac
run "$K" run --mode=shim -- sh -c 'cat /proc/self/status; echo "fds: $(ls /proc/self/fd | tr "\n" " ")"; readlink /proc/self'
case "$T_RC:$T_OUT" in
*"fds: "*100[0-9]*) fail "/proc under the module: guest pids, no guest kernel descriptors" "$T_OUT" ;;
0:*"Pid:	2"*"PPid:	1"*) ok "/proc under the module: guest pids, no guest kernel descriptors" ;;
*) fail "/proc under the module: guest pids, no guest kernel descriptors" "exit $T_RC: $T_OUT" ;;
esac

# The run is a temporary sandbox of mode shim while it runs, gone after.
"$K" run --mode=shim --name shimvm -- sleep 3 &
pid=$!
sleep 1
line=$(kiste sandbox list 2>&1 | grep shimvm)
case "$line" in
*shim*running*) ok "kiste sandbox list shows the running shim sandbox" ;;
*) fail "kiste sandbox list shows the running shim sandbox" "$(kiste sandbox list 2>&1)" ;;
esac
wait $pid
rc=$?
[ $rc = 0 ]
result $? "the listed run exits 0" "exit $rc"
sleep 1
# A list that fails to run lists nothing either: its status counts.
run kiste sandbox list
case "$T_RC:$T_OUT" in
0:*shimvm*) fail "the sandbox is gone after the run" "$T_OUT" ;;
0:*) ok "the sandbox is gone after the run" ;;
*) fail "the sandbox is gone after the run" "kiste sandbox list failed (exit $T_RC): $T_OUT" ;;
esac
t_done
