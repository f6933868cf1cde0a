# SPDX-License-Identifier: GPL-2.0
# vm-console.awk - run-vm.sh's console parser: the test VM's serial output into suite logs and run markers.
#
# Reads the console as qemu writes it (vm-boot.sh).  Variables: dir (per-suite
# logs: NAME.log, NAME.rc), state (run-level markers), bad (kernel error lines),
# dbg (1: also lockdep/RCU/atomic-sleep reports count as errors), wdir (the
# guest's section-begin/-end blocks, such as the kmemleak report, as NAME.txt).
# Suite output goes to stdout too, prefixed "[NAME] ".  The guest's markers are
# the "KISTE-VM: " lines of vm-lib.sh: keep the two in sync.

# A held soft lockup report is a real one: its lines into bad, and the run ends.
function lockup_is_real() {
	printf "%s", lkbuf >> bad
	if (!lockup) {
		lockup = 1
		print "lockup" >> state
		close(state)
	}
}

function suite_line(l) {
	print l >> (dir "/" suite ".log")
	if (l != "")
		print "[" suite "] " l
}
{
	# Not tr -d: it would hold the console in its output buffer.
	gsub(/\r/, "")
	line = $0
	if (section != "" && index(line, "KISTE-VM: section-end ") == 0) {
		print line >> (wdir "/" section ".txt")
		print section "| " line
		fflush()
		next
	}
	# run-vm.sh's own SysRq on a stuck VM (vm-boot.sh) prints backtraces: the
	# run has failed already, and they are its report, not kernel errors.
	if (line ~ /sysrq: Changing Loglevel/)
		sysrq = 1
	isbad = 0
	if (!sysrq && line ~ /WARNING:|BUG:|Oops|general protection|Call Trace|KASAN|kernel BUG/)
		isbad = 1
	else if (!sysrq && dbg == 1 && line ~ /cut here|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|lock held when returning|sleeping function called/)
		isbad = 1
	# A soft lockup report is held back until its RIP line: a CPU interrupted at the
	# idle loop's halt was halted, not stuck.  Under TCG the guest's clock is the host's,
	# so when the host runs no vCPU thread for a while the idle CPU's watchdog sees the
	# gap and reports its idle task.  Such a report becomes an "idle-lockup" note
	# (vm-verdict.sh shows it as a SKIP; the run goes on; its L taint is allowed), and its
	# lines up to the end of the call trace are not kernel errors.  At any other RIP, or
	# with no RIP within 20 lines, it is a lockup: its lines are errors, the run ends.
	if (line ~ /BUG: soft lockup/) {
		lk = 1
		lkn = 0
		lkbuf = ""
		lkfirst = line
	}
	if (lk == 1) {
		if (line ~ /RIP: [0-9a-f]+:/ && line ~ /RIP: [0-9a-f]+:(default_idle|native_safe_halt|pv_native_safe_halt|acpi_safe_halt|acpi_idle_do_entry|amd_e400_idle)\+/) {
			lk = 2
			lkn = 0
			sub(/.*BUG: /, "", lkfirst)
			print "idle-lockup " lkfirst >> state
			close(state)
		} else if (line ~ /RIP: [0-9a-f]+:/ || ++lkn > 20) {
			lockup_is_real()
			lk = 0
		} else if (isbad) {
			lkbuf = lkbuf line "\n"
			isbad = 0
		}
	} else if (lk == 2) {
		isbad = 0
		if (line ~ /<\/TASK>/ || ++lkn > 80)
			lk = 0
	}
	if (isbad)
		print line >> bad
	i = index(line, "KISTE-VM: ")
	if (i == 0) {
		if (suite != "")
			suite_line(line)
		else
			print "vm| " line
		fflush()
		next
	}
	if (i > 1 && suite != "")
		suite_line(substr(line, 1, i - 1))
	msg = substr(line, i + 10)
	if (msg ~ /^suite-begin /) {
		suite = substr(msg, 13)
		printf "" > (dir "/" suite ".log")
		print "==== suite " suite
	} else if (msg ~ /^suite-end /) {
		rc = msg
		sub(/.* rc=/, "", rc)
		secs = ""
		if (rc ~ / secs=[0-9]+$/) {
			secs = rc
			sub(/.* secs=/, "", secs)
			sub(/ secs=.*/, "", rc)
		}
		print rc > (dir "/" suite ".rc")
		close(dir "/" suite ".rc")
		close(dir "/" suite ".log")
		print "==== end of " suite " (exit " rc (secs == "" ? "" : ", " secs " s") ")"
		suite = ""
	} else if (msg ~ /^section-begin /) {
		section = substr(msg, 15)
		printf "" > (wdir "/" section ".txt")
	} else if (msg ~ /^section-end /) {
		close(wdir "/" section ".txt")
		section = ""
	} else {
		if (msg ~ /^(insmod |tainted |done$|debug |kernel-text )/)
			print msg >> state
		if (msg !~ /^dmesg-/)
			print "vm: " msg
	}
	fflush()
}
END {
	if (lk == 1)
		lockup_is_real()
}
