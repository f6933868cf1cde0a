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
shim_need hello_raw hostile enosys efault harden umed

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

# AF_UNIX through the init's mediator (the initramfs's / is the rootfs): a listener of
# this VM's outside the sandbox's own tmpfs is out of reach, by gate jumps and by requests
# made by hand; the sandbox's own works; the init still ends the run while it is flooded.
um=/kiste-umed.$$
mkdir -p "$um"
"$WL/umed" serve "$um/host.sock" 60 >"$um/srv.out" 2>&1 &
umsrv=$!
w=0
while [ $w -lt 50 ] && ! grep -q listening "$um/srv.out" 2>/dev/null; do
	sleep 0.1
	w=$((w + 1))
done
expect "gate jump: connect() on the AF_UNIX placeholder to a host socket is EISCONN" 0 \
	"gate connect: EISCONN" "$K" run --mode=shim --tmpfs /tmp -- "$WL/umed" placeholder \
	"$um/host.sock" /tmp/p.sock
run "$K" run --mode=shim --tmpfs /tmp -- "$WL/umed" forge "$um/host.sock" /tmp/priv.sock
case "$T_RC:$T_OUT" in
0:*"control: a socket on the sandbox's tmpfs: ok+socket
host socket: EACCES
symlink in the tmpfs to the host socket: EACCES
dot-dot to the host socket: EACCES"*"flood: 3000 requests
after the flood, a missing path: ENOENT
after the flood, the control again: ok+socket"*)
	ok "the mediator connects the sandbox's own socket, refuses the host's, survives a flood" ;;
*) fail "the mediator connects the sandbox's own socket, refuses the host's, survives a flood" \
	"exit $T_RC: $T_OUT" ;;
esac
expect "the workload's exit ends the sandbox while a child floods the init" 7 \
	"the workload exits while its child floods" "$K" run --mode=shim --tmpfs /tmp -- \
	"$WL/umed" flood-exit /tmp/none.sock
kill "$umsrv" 2>/dev/null
wait "$umsrv" 2>/dev/null
n=$(grep -c accepted "$um/srv.out")
[ "$n" = 0 ]
result $? "the host listener saw no connection from the sandbox" "$n connections"
rm -rf "$um"
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

# Finding 6: the sandbox's caps are in kiste.ko's registry (kiste inspect), and a fork
# over --pids-limit fails with EAGAIN from the pids cgroup before kiste.ko's member cap
# (max_members, which kills) is met: a limit not below max_members is refused at start.
limits_checks()
{
	"$K" run --mode=shim --name shimlim --pids-limit 50 --cpus 0.5 -- sleep 5 &
	lpid=$!
	n=0
	while [ $n -lt 50 ] && ! kiste inspect shimlim >/dev/null 2>&1; do
		sleep 0.1
		n=$((n + 1))
	done
	run kiste inspect shimlim
	case "$T_RC:$T_OUT" in
	0:*"memory_limit:  2G"*"pids_limit:    50"*"cpu_limit:     0.5"*)
		ok "kiste inspect of a running shim sandbox shows memory 2G, pids 50, cpus 0.5" ;;
	*) fail "kiste inspect of a running shim sandbox shows memory 2G, pids 50, cpus 0.5" \
		"exit $T_RC: $T_OUT" ;;
	esac
	run kiste inspect shimlim --json
	# shellcheck disable=SC2020 # each of the three characters becomes a newline
	lim=$(printf '%s\n' "$T_OUT" | tr ',{}' '\n\n\n' | tr -d ' ' |
		grep -E '^"(pids_limit|cpu_limit_milli)":' | tr '\n' ' ')
	[ "$T_RC" = 0 ] && [ "$lim" = '"pids_limit":50 "cpu_limit_milli":500 ' ]
	result $? "kiste inspect --json shows pids_limit 50 and cpu_limit_milli 500" \
		"exit $T_RC, got '$lim': $T_OUT"
	wait $lpid
	rc=$?
	[ $rc = 0 ]
	result $? "the limited run exits 0" "exit $rc"

	mm=/sys/module/kiste/parameters/max_members
	old=$(cat "$mm")
	echo 40 >"$mm"
	# at max_members: refused with one line naming both values and the fix (125)
	run "$K" run --mode=shim --pids-limit 40 -- "$WL/harden" forkbomb 80
	lines=$(printf '%s\n' "$T_OUT" | wc -l)
	case "$T_RC:$lines:$T_OUT" in
	125:1:"kiste: pids limit 40 "*"max_members 40"*"/sys/module/kiste/parameters/max_members"*)
		ok "--pids-limit 40 at max_members 40: refused with one line (125)" ;;
	*) fail "--pids-limit 40 at max_members 40: refused with one line (125)" \
		"exit $T_RC, $lines lines: $T_OUT" ;;
	esac
	# just below: the cgroup answers EAGAIN, the member cap never kills a child
	run "$K" run --mode=shim --pids-limit 39 -- "$WL/harden" forkbomb 80
	f=$(printf '%s\n' "$T_OUT" | sed -n 's/.*forks=\([0-9]*\).*/\1/p')
	case "$T_RC:$T_OUT" in
	0:*"err=EAGAIN early_kills=0"*) [ "${f:-0}" -ge 30 ] && [ "${f:-99}" -lt 39 ] ;;
	*) false ;;
	esac
	result $? "fork bomb at --pids-limit 39, max_members 40: EAGAIN, no child killed" \
		"exit $T_RC: $T_OUT"
	echo "$old" >"$mm"
}
case "$("$K" check 2>/dev/null | sed -n 's/^cgroups: *//p')" in
v1* | v2*) limits_checks ;;
*) skip "limits in the registry and EAGAIN before the member cap" "no usable cgroups here" ;;
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

# kiste inspect shows what only kiste run knows, --network and -p: the launcher's record
# (/run/kiste-run/ID.run.json), swept by the next run once its writer is gone (a launcher
# may end confined and cannot remove it itself).  Each run stops itself
# (KISTE_TESTONLY_STOP_AT) once its sandbox exists and before pasta would start: the test
# VM cannot run pasta (passt sandboxes itself by pivoting from a root the VM's refuses),
# and inspect needs none.  A sandbox kiste run did not make shows "unknown".
# The stopped launcher's "KEY: VALUE" lines of kiste inspect NAME, waited for.
inspect_stopped()	# NAME
{
	n=0
	while [ $n -lt 50 ] && ! kiste inspect "$1" >/dev/null 2>&1; do
		sleep 0.1
		n=$((n + 1))
	done
	run kiste inspect "$1"
}
net_checks()
{
	KISTE_TESTONLY_STOP_AT=shim-cgroup "$K" run --mode=shim --name shimnet --network pasta \
		-p 127.0.0.1:18089:80 -p 5353:53/udp -- true 2>/dev/null &
	lpid=$!
	inspect_stopped shimnet
	case "$T_RC:$T_OUT" in
	0:*"network:       pasta
ports:         127.0.0.1:18089->80/tcp, 5353->53/udp"*)
		ok "kiste inspect shows --network pasta and the -p ports (podman's spelling)" ;;
	*) fail "kiste inspect shows --network pasta and the -p ports (podman's spelling)" \
		"exit $T_RC: $T_OUT" ;;
	esac
	id=$(printf '%s\n' "$T_OUT" | sed -n 's/^id: *//p')
	run kiste inspect shimnet --json
	case "$T_RC:$T_OUT" in
	0:*'"network":"pasta","ports":[{"host_ip":"127.0.0.1","host_port":18089,"container_port":80,"protocol":"tcp"},{"host_ip":"","host_port":5353,"container_port":53,"protocol":"udp"}]'*)
		ok "kiste inspect --json has network and ports" ;;
	*) fail "kiste inspect --json has network and ports" "exit $T_RC: $T_OUT" ;;
	esac
	rec="/run/kiste-run/$id.run.json"
	[ -n "$id" ] && [ -f "$rec" ]
	result $? "the record is $rec while the run lives" "$(ls -l /run/kiste-run 2>&1)"
	# on: pasta cannot start here, so the run ends (125); the next run's record sweeps its
	kill -CONT "$lpid"
	wait "$lpid"

	KISTE_TESTONLY_STOP_AT=shim-cgroup "$K" run --mode=shim --name shimnone -- true &
	lpid=$!
	inspect_stopped shimnone
	case "$T_RC:$T_OUT" in
	0:*"network:       none
ports:         none"*) ok "kiste inspect of a kiste run without --network: none, no ports" ;;
	*) fail "kiste inspect of a kiste run without --network: none, no ports" \
		"exit $T_RC: $T_OUT" ;;
	esac
	id2=$(printf '%s\n' "$T_OUT" | sed -n 's/^id: *//p')
	[ -n "$id" ] && [ ! -e "$rec" ] && [ -n "$id2" ] && [ -f "/run/kiste-run/$id2.run.json" ]
	result $? "the ended run's record is swept by the next run's, which stays while it runs" \
		"$(ls -l /run/kiste-run 2>&1)"
	kill -KILL "$lpid"
	{ wait "$lpid"; } 2>/dev/null

	run kiste sandbox create --mode shim --name shimnorec
	run kiste inspect shimnorec
	case "$T_RC:$T_OUT" in
	0:*"network:       unknown
ports:         unknown"*) ok "kiste inspect of a sandbox kiste run did not make: unknown" ;;
	*) fail "kiste inspect of a sandbox kiste run did not make: unknown" \
		"exit $T_RC: $T_OUT" ;;
	esac
	run kiste inspect shimnorec --json
	case "$T_RC:$T_OUT" in
	0:*'"network"'* | 0:*'"ports"'* | [!0]*)
		fail "kiste inspect --json leaves unknown network and ports out" \
			"exit $T_RC: $T_OUT" ;;
	*) ok "kiste inspect --json leaves unknown network and ports out" ;;
	esac
	kiste sandbox delete shimnorec >/dev/null 2>&1
}
# kiste.ko ends a kiste run's sandbox with the last close of the descriptor that created
# it, which only the launcher holds (the workload arms through another): SIGKILL to the
# launcher ends a workload process that left its process group, with no pid namespace's
# init above it (--unsafe-no-namespaces) and no cgroup to kill it (the hierarchies
# unmounted in a mount namespace of the run's, as kill_vm.sh's runs without cgroups).
# Until 2026-12-06 every workload process held a copy of that descriptor and this one
# lived on (found by a hostile review of kiste.ko).
arm_mark=/tmp/kiste-arm-mark.$$
: >"$arm_mark"
chmod 644 "$arm_mark"
arm_holders()
{
	for f in /proc/[0-9]*/fd/*; do
		[ "$(readlink "$f" 2>/dev/null)" = "$arm_mark" ] && echo "${f#/proc/}"
	done
}
# shellcheck disable=SC2016 # the unshared shell expands them
unshare -m sh -c 'mount --make-rprivate / &&
	for m in $(awk "\$3 ~ /^cgroup/ { print \$2 }" /proc/self/mounts | sort -r); do
		umount -l "$m" || exit 126
	done
	exec "$0" run --mode=shim --unsafe-no-namespaces -- sh -c "setsid sleep 300 <$1 >/dev/null 2>&1 & sleep 120"' \
	"$K" "$arm_mark" >/dev/null 2>&1 </dev/null &
lpid=$!
arm_wait()	# some|none: until the mark has holders, or none (30 s at most); prints them
{
	i=0
	while [ $i -lt 150 ]; do
		h=$(arm_holders)
		{ [ "$1" = some ] && [ -n "$h" ]; } || { [ "$1" = none ] && [ -z "$h" ]; } && break
		sleep 0.2
		i=$((i + 1))
	done
	printf '%s' "$h"
}
before=$(arm_wait some)
kill -KILL "$lpid"
wait "$lpid" 2>/dev/null
after=$(arm_wait none)
if [ -z "$before" ]; then
	fail "SIGKILL to the launcher ends a workload process outside its process group" \
		"the workload's setsid sleep never started"
elif [ -n "$after" ]; then
	fail "SIGKILL to the launcher ends a workload process outside its process group" \
		"still running 30 s after: $after"
	for f in $after; do kill -KILL "${f%%/*}" 2>/dev/null; done
else
	ok "SIGKILL to the launcher ends a workload process outside its process group"
fi
rm -f "$arm_mark"

net_checks
shim_cgroup_check
t_done
