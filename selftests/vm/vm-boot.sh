# SPDX-License-Identifier: GPL-2.0
# vm-boot.sh - run-vm.sh's second part: boots the image under qemu (TCG), retrying a boot that dies before /init.
# shellcheck shell=bash disable=SC2154,SC2034 # variables run-vm.sh and vm-image.sh set, and vm-verdict.sh reads
#
# Sourced by run-vm.sh after vm-image.sh.  vm_boot leaves the console in
# $console, per-suite logs in $work/suites, run-level markers in $state, kernel
# error lines in $bad, qemu's status in $qrc, the wall time in $elapsed and one
# line per retried boot in $boot_notes, for vm-verdict.sh.

# Where a boot's output goes, the kernel command line, the retry budget.
vm_boot_setup()
{
	console="$work/console.log"
	state="$work/state"
	bad="$work/kernel-errors.log"

	# stdin from /dev/null and the console in a file: with no stdin (CI),
	# -nographic prints nothing.
	# Debug kernel: warnings (lockdep prints its reports at that level) reach the
	# console, and the log buffer keeps this run's messages for the closing dmesg.
	# Its boot under TCG on a loaded host can stall a vCPU past RCU's 21 s (seen
	# in tracefs setup, before /init); a CPU stuck for 2 minutes is still reported.
	cmdline="console=ttyS0 quiet panic=-1"
	if [ "$debug_checks" -eq 1 ]; then
		cmdline="console=ttyS0 loglevel=5 log_buf_len=4M rcupdate.rcu_cpu_stall_timeout=120 panic=-1"
	fi

	# A boot that never reaches /init has not run any kiste code (the module is
	# loaded by /init).  Under TCG the debug kernel's own IO-APIC setup has taken
	# a stray level interrupt before its chip data existed (KASAN null-ptr-deref
	# in mask_ioapic_irq at 0.9 s): such a boot is retried, and recorded as a SKIP
	# with the kernel's first error line so that it stays visible.
	boot_attempts=${KISTE_VM_BOOT_ATTEMPTS:-3}
	init_deadline=${KISTE_VM_INIT_DEADLINE:-300}
	# The debug kernel's closing kmemleak scans are slow and silent: a wider margin.
	quiet_limit=${KISTE_VM_QUIET_LIMIT:-$((debug_checks ? 1800 : 900))}
	boot_notes=()
	# mawk (Debian's awk) reads its input in large blocks unless told otherwise:
	# the console would reach the parser only in chunks, or at qemu's exit.
	awk_live=()
	if awk -W version 2>&1 | grep -q mawk; then
		awk_live=(-W interactive)
	fi
}

# What a VM that stopped answering was doing, in $work/hang.txt: each vCPU's
# registers from qemu's monitor, then the guest kernel's own view through the
# keyboard's SysRq (console loglevel 9, every CPU's backtrace, the blocked
# tasks), which reaches the console even when user space no longer runs.
vm_boot_diagnose()	# WHY
{
	local mon=("$here/vm-monitor.py" ask "$work/monitor.sock")

	# What the guest's user space said last, before SysRq adds to the console.
	tr -d '\r' <"$console" | grep -av -e 'KISTE-VM: ' -e '^\[ *[0-9.]*\] ' | grep -a . |
		tail -n1 | cut -c1-120 >"$work/hang-last.txt"
	{
		echo "== $1"
		"${mon[@]}" "info status" "info registers -a"
	} >"$work/hang.txt" 2>&1
	"${mon[@]}" "sendkey alt-sysrq-9" "sendkey alt-sysrq-l" "sendkey alt-sysrq-w" \
		>>"$work/hang.txt" 2>&1
	sleep 15
}

# Ends qemu ($qpid) at the timeout, when nothing reached /init by the deadline,
# when the console stayed silent for $quiet_limit s after /init (every suite
# has its own 600 s bound in the guest: a silent VM is stuck, and waiting for
# the timeout only costs time), or 30 s after a soft lockup (a VM whose CPUs
# both spin would otherwise only end at the timeout; the 30 s let the
# backtraces reach the console).  A soft lockup already fails the run (a BUG
# line).  The reason goes to $state; a stuck VM is looked into first.
vm_boot_watch()
{
	local s=0 lockup=-1 size=0 now quiet=0

	while kill -0 "$qpid" 2>/dev/null; do
		if [ "$lockup" -lt 0 ] && grep -q '^lockup$' "$state"; then
			lockup=$s
		fi
		now=$(stat -c %s "$console" 2>/dev/null || echo 0)
		if [ "$now" != "$size" ]; then
			size=$now
			quiet=0
		fi
		if [ "$s" -ge "$timeout" ]; then
			vm_boot_diagnose "timed out after ${timeout}s"
			echo "timeout" >>"$state"
		elif [ "$s" -ge "$init_deadline" ] && ! grep -q "KISTE-VM: " "$console"; then
			echo "no-init" >>"$state"
		elif [ "$quiet" -ge "$quiet_limit" ] && grep -q "KISTE-VM: " "$console"; then
			vm_boot_diagnose "no console output for ${quiet_limit}s"
			echo "stalled" >>"$state"
		elif [ "$lockup" -ge 0 ] && [ "$s" -ge $((lockup + 30)) ]; then
			echo "lockup-end" >>"$state"
		else
			sleep 1
			s=$((s + 1))
			quiet=$((quiet + 1))
			continue
		fi
		kill "$qpid" 2>/dev/null
		sleep 2
		kill -9 "$qpid" 2>/dev/null
		break
	done
}

# One boot: qemu in the background, the watcher beside it, the console parsed
# (vm-console.awk) as it is written, until qemu exits.
vm_boot_once()
{
	local wpid

	: >"$console"
	: >"$state"
	: >"$bad"
	rm -rf "$work/suites" "$work/monitor.sock" "$work/hang.txt" "$work/hang-last.txt"
	mkdir -p "$work/suites"
	# KISTE_TESTVM_MIB: more memory for benchmarks with large guests (make bench-vm).
	qemu-system-x86_64 -M q35 -accel tcg -cpu "$cpu" -m "${KISTE_TESTVM_MIB:-2048}" -smp 2 \
		-display none -no-reboot \
		-serial "file:$console" -kernel "$kernel" -initrd "$initramfs" \
		-monitor "unix:$work/monitor.sock,server=on,wait=off" \
		-append "$cmdline" </dev/null >"$work/qemu.log" 2>&1 &
	qpid=$!
	trap 'kill "$qpid" 2>/dev/null || true' EXIT

	vm_boot_watch </dev/null &
	wpid=$!

	tail -n +1 -f --pid="$qpid" "$console" 2>/dev/null |
		awk "${awk_live[@]}" -v dir="$work/suites" -v state="$state" -v bad="$bad" \
			-v dbg="$debug_checks" -v wdir="$work" -f "$here/vm-console.awk"

	set +e
	wait "$qpid"
	qrc=$?
	set -e
	trap - EXIT
	kill "$wpid" 2>/dev/null || true
	wait "$wpid" 2>/dev/null || true
}

vm_boot()
{
	local attempt=1 why start

	vm_boot_setup
	echo "run-vm.sh: booting $kernel ($(du -h "$initramfs" | cut -f1) initramfs), timeout ${timeout}s"
	start=$(date +%s)
	while :; do
		vm_boot_once
		if grep -q "KISTE-VM: " "$console" || [ "$attempt" -ge "$boot_attempts" ]; then
			break
		fi
		why=$(tr -d '\r' <"$console" | grep -m 1 -E 'BUG:|Kernel panic|general protection|WARNING:' || true)
		[ -n "$why" ] || why="qemu exited $qrc with no kernel error line"
		grep -q '^no-init$' "$state" && why="no /init output within ${init_deadline}s"
		cp "$console" "$work/console.attempt$attempt.log"
		boot_notes+=("attempt $attempt died before /init: $why")
		echo "run-vm.sh: boot attempt $attempt died before /init ($why); console kept in" \
		     "$work/console.attempt$attempt.log; booting again"
		attempt=$((attempt + 1))
	done
	elapsed=$(($(date +%s) - start))
	if [ -s "$work/qemu.log" ]; then
		sed 's/^/qemu: /' "$work/qemu.log"
	fi
}
