# SPDX-License-Identifier: GPL-2.0
# vm-verdict.sh - run-vm.sh's third part: one result per suite and per run-level check, the summary.
# shellcheck shell=bash disable=SC2154 # variables run-vm.sh and the parts before it set
#
# Sourced by run-vm.sh after vm-boot.sh, whose files it reads.  Each suite's
# log counts through tap-count (a suite that never finished counts at least one
# failure); then the run itself: the sentinel, insmod, kernel warnings/oopses,
# taint other than O/E, and with --debug-checks one result per checker
# (debug-checks.sh).  WORK/checks gets "ok NAME" / "not ok NAME" per run-level
# check; --result FILE the line "passed failed skipped".

passed=0
failed=0
skipped=0
summary=""

add_result()	# NAME "P F S" DETAIL
{
	local p f s
	read -r p f s <<<"$2"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	summary+=$(printf '  %-44s %3d passed, %3d failed, %3d skipped  %s' "$1" "$p" "$f" "$s" "$3")
	summary+=$'\n'
}

check()	# NAME CONDITION-RESULT(0/1) DETAIL
{
	if [ "$2" -eq 0 ]; then
		echo "ok - vm: $1"
		echo "ok $1" >>"$work/checks"
		add_result "run: $1" "1 0 0" ""
	else
		echo "not ok - vm: $1 # $3"
		echo "not ok $1" >>"$work/checks"
		add_result "run: $1" "0 1 0" "$3"
	fi
}

# Each suite's TAP, and the SKIPs of retried boots and --skip-suite.
vm_verdict_suites()
{
	local note spec log name rc

	for note in "${boot_notes[@]}"; do
		echo "ok - vm: boot retried # SKIP $note"
		add_result "run: boot retried" "0 0 1" "SKIP: $note"
	done
	for spec in "${skipped_suites[@]}"; do
		echo "ok - vm: suite ${spec%%=*} # SKIP ${spec#*=}"
		add_result "${spec%%=*}" "0 0 1" "SKIP: ${spec#*=}"
	done
	for log in "$work"/suites/*.log; do
		[ -e "$log" ] || continue
		name="$(basename "$log" .log)"
		if [ -r "$work/suites/$name.rc" ]; then
			rc=$(cat "$work/suites/$name.rc")
			add_result "$name" "$("$tap_count" --rc "$rc" "$log")" "(exit $rc)"
		else
			# Started but never finished: the VM died or timed out inside it.
			add_result "$name" "$("$tap_count" --rc 1 "$log" |
				awk '{ print $1, $2 + ($2 == 0), $3 }')" "(did not finish)"
		fi
	done
}

# Where a VM that timed out or went silent was: the suite it was in and that
# suite's last line, and each vCPU's place from vm_boot_diagnose's registers
# (symbols from the kernel's System.map, moved by the _text the guest printed).
# One line, for the result's detail; the whole report is printed here too.
vm_verdict_stuck()
{
	local last map text where

	last=$(grep -a 'KISTE-VM: suite-' "$console" | tail -n1 | tr -d '\r')
	case "$last" in
	*suite-begin*)
		printf '; in suite %s after "%s"' "${last##*suite-begin }" \
			"$(cat "$work/hang-last.txt" 2>/dev/null)" ;;
	*) printf '; between suites (after "%s")' "${last#*KISTE-VM: }" ;;
	esac
	[ -s "$work/hang.txt" ] || return 0
	map=""
	for m in "/boot/System.map-$kver" "$ktree/System.map" "$ktree/../../../System.map"; do
		[ -n "$map" ] || ! [ -r "$m" ] || map="$m"
	done
	text=$(sed -n 's/^kernel-text //p' "$state" | tail -n1)
	if [ -n "$map" ]; then
		where=$("$here/vm-monitor.py" where "$map" "$text" <"$work/hang.txt" | paste -sd ';' -)
	else
		where=$(grep -o 'RIP=[0-9a-f]*' "$work/hang.txt" | paste -sd ' ' -)
	fi
	printf '; %s (%s)' "${where:-no registers from qemu}" "$work/hang.txt"
	{
		echo "run-vm.sh: the stuck VM, from qemu's monitor (all registers in $work/hang.txt):"
		grep -a -e '^== ' -e '^CPU#' -e 'RIP=' -e '^VM status' "$work/hang.txt" | sed 's/^/  /'
		echo "run-vm.sh: the console's last 60 lines (SysRq backtraces at the end):"
		tr -d '\r' <"$console" | tail -n 60 | sed 's/^/  /'
	} >&2
}

# Where a run that locked up was: the suite running (or the last one ended), the last
# result printed, and the RIP of the last soft lockup report that has one (CI shows only
# the verdict's line).
vm_verdict_where()
{
	tr -d '\r' <"$console" | awk '
		/^KISTE-VM: suite-begin / { suite = $3; open = 1 }
		/^KISTE-VM: suite-end / { open = 0 }
		/^(not )?ok [0-9]/ { last = substr($0, 1, 100) }
		/BUG: soft lockup/ { want = 1 }
		want && /RIP: [0-9a-f]+:/ { rip = $0; sub(/.*RIP: [0-9a-f]+:/, "", rip); sub(/ .*/, "", rip); want = 0 }
		END {
			where = suite == "" ? "before any suite" : open ? "in " suite : "between suites, after " suite
			printf " (%s, after \"%s\"%s)", where, last, rip == "" ? "" : "; RIP at " rip
		}'
}

# The run itself: it reached its end, loaded the module, and the kernel stayed clean.
vm_verdict_run()
{
	local taint note idle_ok

	if grep -q '^done$' "$state"; then
		check "reached the end of the run (sentinel)" 0 ""
	elif grep -q '^timeout$' "$state"; then
		check "reached the end of the run (sentinel)" 1 \
			"no sentinel: timed out after ${timeout}s$(vm_verdict_stuck)"
	elif grep -q '^stalled$' "$state"; then
		check "reached the end of the run (sentinel)" 1 \
			"no sentinel: no console output for ${quiet_limit}s, ended then$(vm_verdict_stuck)"
	elif grep -q '^lockup-end$' "$state"; then
		check "reached the end of the run (sentinel)" 1 \
			"no sentinel: a CPU locked up; the run was ended 30 s after$(vm_verdict_where)"
	elif grep -q '^no-init$' "$state"; then
		check "reached the end of the run (sentinel)" 1 \
			"no sentinel: no /init output within ${init_deadline}s"
	else
		check "reached the end of the run (sentinel)" 1 "no sentinel: qemu exited $qrc (crash or panic?)"
	fi

	if grep -q '^insmod failed' "$state"; then
		check "insmod kiste.ko" 1 "insmod failed: see the console above"
	elif grep -q '^insmod ok' "$state"; then
		check "insmod kiste.ko" 0 ""
	fi

	if [ -s "$bad" ]; then
		check "kernel log has no warning/BUG/oops" 1 "$(head -n1 "$bad")"
		sed 's/^/  kernel: /' "$bad"
	else
		check "kernel log has no warning/BUG/oops" 0 ""
	fi

	# Soft lockup reports of a CPU halted in the idle loop (vm-console.awk): one SKIP
	# each, and their L taint (16384) is allowed unless a real lockup was reported too.
	idle_ok=0
	while IFS= read -r note; do
		[ -n "$note" ] || continue
		echo "ok - vm: a soft lockup report of an idle CPU # SKIP $note: the CPU was halted in the idle loop (the emulator ran no vCPU for that long, or its timer came late), not stuck"
		add_result "run: an idle CPU's soft lockup report" "0 0 1" "SKIP: $note"
		grep -q '^lockup$' "$state" || idle_ok=16384
	done < <(sed -n 's/^idle-lockup //p' "$state" | sort -u)

	taint=$(sed -n 's/^tainted //p' "$state" | tail -n1)
	if [ -n "$taint" ]; then
		# O (out-of-tree, 4096) and E (unsigned, 8192) are expected for kiste.ko.
		if (((taint & ~(4096 | 8192 | idle_ok)) == 0)); then
			check "kernel not tainted beyond O/E (tainted=$taint)" 0 ""
		else
			check "kernel not tainted beyond O/E" 1 "tainted=$taint"
		fi
	fi
}

vm_verdict()
{
	: >"$work/checks"
	vm_verdict_suites
	vm_verdict_run
	if [ "$debug_checks" -eq 1 ]; then
		# shellcheck source=selftests/vm/debug-checks.sh
		. "$here/debug-checks.sh"
		debug_verdict
	fi

	echo "== VM run summary (${elapsed}s wall) =="
	printf '%s' "$summary"
	echo "VM: $passed passed, $failed failed, $skipped skipped"
	[ -n "$result" ] && echo "$passed $failed $skipped" >"$result"
	[ "$failed" -eq 0 ]
}
