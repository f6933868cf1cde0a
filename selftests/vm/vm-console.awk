# SPDX-License-Identifier: GPL-2.0
# vm-console.awk - run-vm.sh's console parser: the test VM's serial output into suite logs and run markers.
#
# Reads the console as qemu writes it (vm-boot.sh).  Variables: dir (per-suite
# logs: NAME.log, NAME.rc), state (run-level markers), bad (kernel error lines),
# dbg (1: also lockdep/RCU/atomic-sleep reports count as errors), wdir (the
# guest's section-begin/-end blocks, such as the kmemleak report, as NAME.txt).
# Suite output goes to stdout too, prefixed "[NAME] ".  The guest's markers are
# the "KISTE-VM: " lines of vm-lib.sh: keep the two in sync.

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
	if (!sysrq && line ~ /WARNING:|BUG:|Oops|general protection|Call Trace|KASAN|kernel BUG/)
		print line >> bad
	else if (!sysrq && dbg == 1 && line ~ /cut here|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|lock held when returning|sleeping function called/)
		print line >> bad
	if (!lockup && line ~ /BUG: soft lockup/) {
		lockup = 1
		print "lockup" >> state
		close(state)
	}
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
