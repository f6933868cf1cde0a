# SPDX-License-Identifier: GPL-2.0
# vm-console.awk - run-vm.sh's console parser: the test VM's serial output into suite logs and run markers.
#
# Reads the console as qemu writes it (vm-boot.sh).  Variables: dir (per-suite
# logs: NAME.log, NAME.rc), state (run-level markers), bad (kernel error lines),
# dbg (1: also lockdep/RCU/atomic-sleep reports count as errors), wdir (the
# guest's section-begin/-end blocks, such as the kmemleak report, as NAME.txt).
# Suite output goes to stdout too, prefixed "[NAME] ".  The guest's markers are
# the "KISTE-VM: " lines of vm-lib.sh: keep the two in sync.

# A soft lockup that is a kernel error: its line into bad; the run ends (vm-boot.sh).
function lockup_real(l) {
	print l >> bad
	if (!lockup) {
		lockup = 1
		print "lockup" >> state
		close(state)
	}
}

# A report's key: its text from the kernel's timestamp on, the same live and in the
# end-of-run dmesg copy ("dmesg: " before it there).
function lockup_key(l) {
	if (match(l, /\[ *[0-9]+\.[0-9]+\] [^[]*BUG: soft lockup/))
		return substr(l, RSTART)
	return substr(l, index(l, "BUG: soft lockup"))
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
	# Soft lockup reports.  One of the idle task ([swapper/N:0]) whose RIP is the idle
	# loop's halt names a CPU that was halted, not stuck: under TCG the guest's clock is
	# the host's, so when the host runs no vCPU thread for a while an idle CPU's watchdog
	# sees the gap.  Debian's kernel boots quiet, so only a report's BUG line reaches the
	# console live and its RIP only the dmesg copy at the end of the run (vm_report):
	#  - any other task's soft lockup is a kernel error at once and ends the run;
	#  - the idle task's is held (neither error nor end), and the next RIP line within 20
	#    lines settles the oldest held one: at the idle halt an "idle-lockup" note
	#    (vm-verdict.sh: a SKIP, its L taint allowed), anywhere else every held one is a
	#    lockup (error, end);
	#  - at the end of the console, a held report no RIP settled is a kernel error.
	# After an idle RIP, that report's "Call Trace" (up to "</TASK>") is no error; every
	# other error line still is.  Lines after run-vm.sh's own SysRq settle nothing.
	if (!sysrq && line ~ /BUG: soft lockup/) {
		isbad = 0
		key = lockup_key(line)
		if (line ~ /\[swapper\/[0-9]+:0\]/) {
			if (!(key in lkst)) {
				lkst[key] = "held"
				lkorder[++lkn_keys] = key
			}
			lkq[++lkqt] = key
			lkwin = 0
		} else {
			lockup_real(line)
		}
	} else if (lkqh < lkqt && !sysrq) {
		if (line ~ /RIP: [0-9a-f]+:(default_idle|native_safe_halt|pv_native_safe_halt|acpi_safe_halt|acpi_idle_do_entry|amd_e400_idle)\+/) {
			key = lkq[++lkqh]
			if (lkst[key] == "held") {
				lkst[key] = "idle"
				note = key
				sub(/.*BUG: /, "", note)
				print "idle-lockup " note >> state
				close(state)
			}
			lktrace = 1
			lktn = 0
		} else if (line ~ /RIP: [0-9a-f]+:/) {
			while (lkqh < lkqt) {
				key = lkq[++lkqh]
				if (lkst[key] != "real") {
					lkst[key] = "real"
					lockup_real(key)
				}
			}
		} else if (++lkwin > 20) {
			lkqh = lkqt
		}
	}
	if (lktrace) {
		if (line ~ /Call Trace/)
			isbad = 0
		if (line ~ /<\/TASK>/ || ++lktn > 80)
			lktrace = 0
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
	for (i = 1; i <= lkn_keys; i++)
		if (lkst[lkorder[i]] == "held")
			print lkorder[i] >> bad
}
