#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# nested-stress.sh - test-VM /init: boots nested (L2) KVM guests in a loop, dumps state on a hang.
#
# Reproducer for intermittent hangs of the test VM while nested guests come
# and go under TCG (kvm-hold.c explains the cause).  After `make`, from the
# top of the tree (VER: the test VM's kernel, e.g. 6.1.0-56-amd64):
#
#   selftests/vm/run-vm.sh --build build --module kmod/kiste.ko \
#     --kernel-version VER --extra-modules kvm_amd --timeout 2400 \
#     --init-script selftests/vm/nested-stress.sh --work /tmp/stress \
#     --extra-file /boot/vmlinuz-VER:/boot/vmlinuz-VER \
#     --extra-file CONF:/etc/nested-stress.conf
#
# with the host loaded meanwhile (another test VM, busy loops).  CONF holds
# shell assignments, all optional: ITER (runs per case), ITER_VM (runs of the
# vm-* cases, default ITER), BOUND (seconds one run may take), CASES (of
# vm-broker uk-direct uk-broker: kiste run --mode=vm -- /bin/true through
# kiste.ko, the kv unikernel in vm isolation without or with kiste.ko; vm mode
# takes /dev/kvm directly only when kiste.ko is absent), KVM_AMD_PARAMS (kvm_amd module parameters), HOLD (1:
# start kvm-hold after kvm_amd as vm_load_modules does, 0: do not),
# TRACE_POKES (1: count the kernel's int3 text patches with the function
# tracer, printed after each case).
#
# A run past BOUND is a hang: the watchdog prints the VMM's kernel stacks,
# blocked tasks (sysrq w), every CPU's backtrace (sysrq l), /proc/interrupts
# and per-CPU progress, SIGKILLs it and says whether it went away.  A whole
# VM stuck shows as a console that stops, heartbeats included.  One line per
# run: "KISTE-VM: stress CASE N ok|fail|hang ...", at the end "stress total
# hangs N".

# shellcheck source=selftests/vm/vm-lib.sh disable=SC3043 # local: busybox ash has it
. /vm-lib.sh

ITER=30
BOUND=60
CASES="vm-broker uk-direct uk-broker"
KVM_AMD_PARAMS=""
HOLD=1
TRACE_POKES=0
# shellcheck disable=SC1091
[ -r /etc/nested-stress.conf ] && . /etc/nested-stress.conf

vm_mount
vm_say "init start kernel $(uname -r)"
# Kernel messages (sysrq output, hung-task reports) on the console.
echo 7 >/proc/sys/kernel/printk
echo 1 >/proc/sys/kernel/sysrq
echo 30 >/proc/sys/kernel/hung_task_timeout_secs 2>/dev/null

# kvm_amd with KVM_AMD_PARAMS; kiste.ko loaded later (uk-direct needs it absent).
while read -r m; do
	[ -n "$m" ] || continue
	if [ "$m" = kvm_amd ]; then
		# shellcheck disable=SC2086
		insmod "/lib/modules/kiste/$m.ko" $KVM_AMD_PARAMS || vm_say "warning: insmod $m failed"
	else
		insmod "/lib/modules/kiste/$m.ko" || vm_say "warning: insmod $m failed"
	fi
done </lib/modules/kiste/deps
if [ "$HOLD" = 1 ]; then
	kvm-hold && vm_say "kvm-hold started"
fi
for p in /sys/module/kvm_amd/parameters/*; do
	printf '%s=%s ' "${p##*/}" "$(cat "$p" 2>/dev/null)"
done
echo
grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(svm|npt|nrip_save|vgif|v_vmsave_vmload|lbrv|pause|pfthreshold|avic|tsc_scale|vmcb_clean|flushbyasid|decodeassists)$' | tr '\n' ' '
echo

for KISTE_KERNEL in /boot/vmlinuz-*; do
	break
done
export KISTE_KERNEL
UK=/vm-tests/unikernel
TMP=/tmp/stress
mkdir -p $TMP
truncate -s 64K $TMP/kv.img

# One line per CPU: user+nice+system+idle+irq+softirq jiffies (grows while the CPU runs).
cpu_ticks()
{
	awk '/^cpu[0-9]/ { print $1, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat | tr '\n' ' '
}

dump_hang()	# PID CASE
{
	local t

	vm_say "stress-dump begin $2 pid $1"
	echo "cpu ticks: $(cpu_ticks)"
	for t in /proc/"$1"/task/* $(for c in /proc/[0-9]*; do
			[ "$(sed 's/^.*) //' "$c/stat" 2>/dev/null | cut -d' ' -f2)" = "$1" ] &&
				echo "$c"/task/*; done); do
		[ -d "$t" ] || continue
		echo "== task $t comm $(cat "$t/comm" 2>/dev/null) wchan $(cat "$t/wchan" 2>/dev/null)" \
			"state $(sed 's/^.*) //' "$t/stat" 2>/dev/null | cut -d' ' -f1)"
		cat "$t/stack" 2>/dev/null
	done
	grep -E 'CPU|LOC|RES|CAL|TLB|NMI' /proc/interrupts
	echo w >/proc/sysrq-trigger
	echo l >/proc/sysrq-trigger
	sleep 2
	echo "cpu ticks: $(cpu_ticks)"
	grep -E 'LOC|RES|CAL' /proc/interrupts
	vm_say "stress-dump end"
}

run_case()	# CASE
{
	case "$1" in
	vm-broker) kiste run --mode=vm --timeout "$BOUND" -- /bin/true ;;
	uk-*) kiste run --mode=unikernel --isolation vm --block "storage=$TMP/kv.img" \
		"$UK/kv" put colour green ;;
	esac
}

# Runs CASE once, bounded: ok, fail (exit status) or hang (+ dump; gone or stuck after SIGKILL).
one()	# CASE I
{
	local pid s=0 rc t0

	t0=$(cut -d' ' -f1 /proc/uptime)
	run_case "$1" >$TMP/out 2>&1 </dev/null &
	pid=$!
	while kill -0 "$pid" 2>/dev/null && [ $s -lt $((BOUND * 10 + 100)) ]; do
		sleep 0.1
		s=$((s + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		dump_hang "$pid" "$1"
		kill -9 "$pid" 2>/dev/null
		s=0
		while kill -0 "$pid" 2>/dev/null && [ $s -lt 100 ]; do
			sleep 0.1
			s=$((s + 1))
		done
		if kill -0 "$pid" 2>/dev/null; then
			vm_say "stress $1 $2 hang (stuck after SIGKILL)"
			dump_hang "$pid" "$1"
		else
			vm_say "stress $1 $2 hang (gone after SIGKILL)"
		fi
		return 1
	fi
	wait "$pid"
	rc=$?
	if [ $rc -eq 0 ]; then
		vm_say "stress $1 $2 ok $(awk -v t0="$t0" '{ printf "%.1fs", $1 - t0 }' /proc/uptime)"
	else
		vm_say "stress $1 $2 fail rc=$rc $(head -c 200 $TMP/out | tr '\n' ' ')"
	fi
	return 0
}

# Heartbeat: a silent console from the host's side means L1 stopped entirely.
(
	while :; do
		sleep 20
		vm_say "heartbeat $(cut -d' ' -f1 /proc/uptime) ticks $(cpu_ticks)"
	done
) &
hb=$!

tr=/sys/kernel/tracing
pokes()
{
	[ "$TRACE_POKES" = 1 ] && echo "text pokes so far: $(grep -c 'text_poke' $tr/trace 2>/dev/null)"
}
if [ "$TRACE_POKES" = 1 ]; then
	[ -d $tr/events ] || mount -t tracefs tracefs $tr 2>/dev/null
	echo 64 >$tr/buffer_size_kb
	for f in text_poke_bp_batch text_poke_bp text_poke_finish; do
		echo $f >>$tr/set_ftrace_filter 2>/dev/null
	done
	echo "tracing: $(cat $tr/set_ftrace_filter | tr '\n' ' ')"
	echo function >$tr/current_tracer
	echo 1 >$tr/tracing_on
fi

hangs=0
loaded=0
for c in $CASES; do
	case "$c" in
	*-broker)
		if [ $loaded -eq 0 ]; then
			insmod "$KISTE_KO" && vm_say "insmod ok"
			loaded=1
		fi ;;
	uk-direct) [ $loaded -eq 1 ] && rmmod kiste && loaded=0 ;;
	esac
	n=$ITER
	case "$c" in vm-*) n=${ITER_VM:-$ITER} ;; esac
	i=1
	while [ $i -le "$n" ]; do
		one "$c" $i || hangs=$((hangs + 1))
		i=$((i + 1))
	done
	pokes
done
vm_say "stress total hangs $hangs"
kill $hb 2>/dev/null
vm_report
