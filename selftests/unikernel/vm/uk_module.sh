#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# uk_module.sh - test-VM suite: kiste run --mode=unikernel with kiste.ko (sandbox, kill, broker).
# kiste-suite: vm uk_module.sh
#
# Runs as root in the test VM with kiste.ko loaded.  Needs /bin/kiste (whose
# forked child becomes the unikernel's process) and the unikernels in $UK (default
# /vm-tests/unikernel).  vm isolation goes through kiste.ko's KVM broker; its
# checks SKIP when the VM has no KVM (kvm_amd/kvm_intel not loaded).

# shellcheck source=selftests/lib/tap.sh
. "$(dirname "$0")/tap.sh"
UK="${UK:-/vm-tests/unikernel}"
TMP=$(mktemp -d /tmp/uk-module.XXXXXX)

# shellcheck source=selftests/lib/registry_lib.sh
. "$(dirname "$0")/registry-lib.helper"

# Waits (up to 20 s) until sandbox NAME is listed with state running.
wait_running()	# NAME
{
	i=0
	while [ $i -lt 200 ]; do
		[ "$(field "$1" state)" = running ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# First child of PID (the unikernel or its VMM), "" if none.  Scans stat's ppid
# field: /proc/PID/task/PID/children needs CONFIG_PROC_CHILDREN, which a
# minimal kernel may lack.
child_of()	# PID
{
	for f in /proc/[0-9]*/stat; do
		# "pid (comm) state ppid ...": comm may hold spaces, so cut after ") "
		if [ "$(sed 's/^.*) //' "$f" 2>/dev/null | cut -d' ' -f2)" = "$1" ]; then
			f=${f#/proc/}
			echo "${f%/stat}"
			return
		fi
	done
}

# Waits (up to 10 s) until PID is gone (or a zombie nobody reaps).
wait_dead()	# PID
{
	i=0
	while [ $i -lt 100 ]; do
		[ -d "/proc/$1" ] || return 0
		grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# Starts the sleeper as sandbox NAME in the background; sets $pid.
start_sleeper()	# NAME [RUN-OPTIONS...]
{
	name="$1"
	shift
	kiste run --mode=unikernel --name "$name" "$@" "$UK/sleeper" >"$TMP/$name.out" 2>&1 &
	pid=$!
}

if ! command -v kiste >/dev/null || [ ! -e "$UK/hello" ]; then
	bail "kiste or $UK missing: build with make (bin, vm-tests)"
fi

# ---- process isolation: a temporary sandbox of mode unikernel ----------------

out=$(kiste run --mode=unikernel "$UK/hello" one two 2>&1)
rc=$?
echo "$out" | grep -q '^argv\[2\] = two$'
result $(( rc != 0 || $? != 0 )) "hello runs with kiste.ko loaded" "rc=$rc: $out"

start_sleeper uk-listed
wait_running uk-listed
result $? "the running unikernel is a sandbox in kiste sandbox list/inspect"
result "$([ "$(field uk-listed mode)" = unikernel ]; echo $?)" "its mode is unikernel" \
	"mode '$(field uk-listed mode)'"
field uk-listed flags | grep -q temporary
result $? "it is temporary" "flags '$(field uk-listed flags)'"
result "$([ "$(field uk-listed members)" = 1 ]; echo $?)" "the unikernel is its one member" \
	"members '$(field uk-listed members)'"

kiste sandbox kill uk-listed
result $? "kiste sandbox kill on the unikernel's sandbox"
wait $pid
rc=$?
result "$([ $rc -eq 137 ]; echo $?)" "kiste run ended with 128+9 after kiste sandbox kill" "rc=$rc"
wait_gone uk-listed
result $? "the sandbox is gone once kiste run ended"

start_sleeper uk-deleted
wait_running uk-deleted
kiste sandbox delete uk-deleted
result $? "kiste sandbox delete on the unikernel's sandbox"
wait $pid
rc=$?
result "$([ $rc -eq 137 ]; echo $?)" "kiste run ended with 128+9 after kiste sandbox delete" "rc=$rc"
wait_gone uk-deleted
result $? "the deleted sandbox is gone"

# SIGKILL of kiste run (the tender): the module kills the member.
start_sleeper uk-orphan
wait_running uk-orphan
tender=$pid
uk=$(child_of "$tender")
result "$([ -n "$uk" ]; echo $?)" "the tender has the unikernel as its child"
# Nothing of kiste in the unikernel's process: the bindings blob at 64 KiB and the
# unikernel's memory (1 to 32 MiB), [vsyscall] (unikernel_separation_test on the host).
bad=""
# shellcheck disable=SC2034 # maps' fields, read by position
while read -r range perms off dev inode name; do
	[ "$name" = "[vsyscall]" ] && continue
	if [ -z "$name" ] && [ $((0x${range%-*})) -ge $((0x10000)) ] &&
	   [ $((0x${range#*-})) -le $((32 << 20)) ]; then
		continue
	fi
	bad="$bad $range $perms $name;"
done <"/proc/${uk:-0}/maps"
result "$([ -n "$uk" ] && [ -z "$bad" ]; echo $?)" "the unikernel's process maps nothing of kiste" \
	"foreign mappings:$bad"
kill -9 "$tender"
wait "$tender" 2>/dev/null
[ -n "$uk" ] && wait_dead "$uk"
result $? "SIGKILL of kiste run leaves no unikernel" "pid '$uk' still there (or none found)"
wait_gone uk-orphan
result $? "SIGKILL of kiste run leaves no sandbox"
# kiste run shows the sleeper's path in its arguments; the unikernel's process
# shows none (its stack, which held them, is unmapped): wait_dead covered it.
# A ps that fails to run lists no tender either: its status counts.
pl=$(ps -o pid,args 2>&1) && ! printf '%s\n' "$pl" | grep -v grep | grep -q "$UK/sleeper"
result $? "SIGKILL of kiste run leaves no tender" \
	"$(printf '%s\n' "$pl" | grep sleeper || printf 'ps: %s\n' "$pl")"

# ---- vm isolation through the KVM broker -----------------------------------

if [ ! -e /dev/kvm ]; then
	for t in "hello in vm isolation" "kv in vm isolation" "kv reads back" \
		 "the VM is the sandbox's" "the VMM holds the broker's VM descriptor" \
		 "the VMM runs under its seccomp filter" "kiste sandbox kill ends a vm run" \
		 "the vm run's sandbox is gone"; do
		skip "$t" "no /dev/kvm in this VM (load kvm_amd or kvm_intel)"
	done
else
	out=$(kiste run --mode=unikernel --isolation vm "$UK/hello" vm 2>&1)
	rc=$?
	echo "$out" | grep -q '^argv\[1\] = vm$'
	result $(( rc != 0 || $? != 0 )) "hello in vm isolation" "rc=$rc: $out"

	truncate -s 64K "$TMP/kv.img"
	kiste run --mode=unikernel --isolation vm --block "storage=$TMP/kv.img" "$UK/kv" \
		put colour green >"$TMP/kv.out" 2>&1
	rc=$?
	out=$(kiste run --mode=unikernel --isolation vm --block "storage=$TMP/kv.img" "$UK/kv" \
		get colour 2>&1)
	result $(( rc != 0 )) "kv in vm isolation" "put rc=$rc $(cat "$TMP/kv.out"); get: $out"
	[ "$out" = "colour=green" ]
	result $? "kv in vm isolation reads back what it wrote" "$out"

	# 3M is rounded to the 4M the guest's 2 MiB pages map: the sandbox limit follows.
	start_sleeper uk-vm --isolation vm --memory 3M
	wait_running uk-vm
	i=0
	while [ $i -lt 100 ] && [ "$(field uk-vm vm)" != running ]; do
		sleep 0.1
		i=$((i + 1))
	done
	vmm=$(child_of "$pid")
	result "$([ "$(field uk-vm vm)" = running ] && [ "$(field uk-vm vm_vcpus)" = 1 ] &&
	     [ "$(field uk-vm vm_memory)" = 4M ]; echo $?)" \
		"the VM is the sandbox's (inspect: vm running, 1 vCPU, 4M)" \
		"$(kiste inspect uk-vm 2>&1 | tr '\n' ' ')"
	links=$(for f in "/proc/${vmm:-0}/fd"/*; do readlink "$f"; done 2>/dev/null | tr '\n' ' ')
	echo "$links" | grep -q 'kiste-vm' && ! echo "$links" | grep -q '/dev/kvm'
	result $? "the VMM holds the broker's VM descriptor, not /dev/kvm" "fds: $links"
	grep -q '^Seccomp:[[:space:]]*2' "/proc/${vmm:-0}/status" 2>/dev/null
	result $? "the VMM runs under its seccomp filter"
	kiste sandbox kill uk-vm
	wait $pid
	rc=$?
	result "$([ $rc -eq 137 ]; echo $?)" "kiste sandbox kill ends a vm run with 128+9" "rc=$rc"
	wait_gone uk-vm
	result $? "the vm run's sandbox is gone"
fi

rm -rf "$TMP"
t_done
