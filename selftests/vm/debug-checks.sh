# SPDX-License-Identifier: GPL-2.0
# debug-checks.sh - run-vm.sh --debug-checks verdict: one result per checker (KASAN, lockdep, kmemleak, atomic sleep).
# shellcheck shell=bash disable=SC2154 # $work, $state and $bad come from run-vm.sh's parts
#
# Sourced by run-vm.sh after the run; uses its $work, $state, $bad and check().
# The guest side (vm_debug_begin/vm_debug_end in vm-lib.sh) leaves these in
# $state: "debug debug_locks-begin N", "debug kmemleak-baseline ok|failed ...",
# "debug kmemleak-final ok|failed ...", "debug debug_locks-end N", and the
# kmemleak report (after the final scans, kiste.ko still loaded) in
# $work/kmemleak.txt.

# Lines of $bad matching an extended regex, the first one as the detail.
debug_console_check()	# NAME REGEX
{
	local hit

	hit=$(grep -E -m 1 -- "$2" "$bad" || true)
	if [ -n "$hit" ]; then
		check "$1" 1 "$(printf '%s' "$hit" | sed 's/^\[ *[0-9.]*\] //')"
	else
		check "$1" 0 ""
	fi
}

# Prints every kmemleak record whose backtrace has a kiste frame: "[kiste]",
# or a raw address in the module area (an unloaded or __init kiste frame:
# MODULES_VADDR 0xffffffffa0000000 up to the fixmap).
kmemleak_kiste_records()	# REPORT
{
	awk '
	function flush() {
		if (rec != "" && hit)
			printf "%s", rec
		rec = ""
		hit = 0
	}
	/^unreferenced object / { flush() }
	{ rec = rec $0 "\n" }
	/^[ \t]+\[<[^>]*>\] / {
		sym = $0
		sub(/^[ \t]+\[<[^>]*>\] /, "", sym)
		if (sym ~ /\[kiste\]/)
			hit = 1
		else if (sym ~ /^0x[0-9a-f]+$/ && length(sym) == 18) {
			a = substr(sym, 3)
			if (a >= "ffffffffa0000000" && a < "ffffffffff000000")
				hit = 1
		}
	}
	END { flush() }' "$1"
}

debug_verdict()
{
	local begin end base fin leaks others

	debug_console_check "debug: no KASAN report" 'BUG: KASAN:|KASAN'
	debug_console_check "debug: no lockdep report" \
		'possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|lock held when returning|possible irq lock inversion|bad unlock balance|held lock freed|lock held at task exit'
	debug_console_check "debug: no sleeping-in-atomic report" \
		'sleeping function called from invalid context|scheduling while atomic'

	# Lockdep stops after its first report: debug_locks 0 means one happened,
	# even if its text did not reach the console.
	begin=$(sed -n 's/^debug debug_locks-begin //p' "$state" | tail -n 1)
	end=$(sed -n 's/^debug debug_locks-end //p' "$state" | tail -n 1)
	if [ "$begin" = 1 ] && [ "$end" = 1 ]; then
		check "debug: lockdep still on (debug_locks 1)" 0 ""
	else
		check "debug: lockdep still on (debug_locks 1)" 1 \
			"debug_locks at start '${begin:-?}', at end '${end:-?}' (0: lockdep reported and stopped)"
	fi

	base=$(sed -n 's/^debug kmemleak-baseline //p' "$state" | tail -n 1)
	fin=$(sed -n 's/^debug kmemleak-final //p' "$state" | tail -n 1)
	if [ "$base" = ok ] && [ "$fin" = ok ] && [ -r "$work/kmemleak.txt" ]; then
		check "debug: kmemleak live (baseline and final scan)" 0 ""
		leaks=$(kmemleak_kiste_records "$work/kmemleak.txt")
		others=$(grep -c '^unreferenced object ' "$work/kmemleak.txt" || true)
		if [ -n "$leaks" ]; then
			check "debug: no kmemleak report involving kiste" 1 \
				"$(printf '%s\n' "$leaks" | grep -c '^unreferenced object ') of $others objects reported have kiste frames"
			printf '%s\n' "$leaks" | sed 's/^/  kmemleak: /'
		else
			check "debug: no kmemleak report involving kiste" 0 ""
			if [ "$others" -gt 0 ]; then
				echo "run-vm.sh: kmemleak reported $others objects without kiste frames" \
				     "(the kernel's own; not counted): $work/kmemleak.txt"
			fi
		fi
	else
		check "debug: kmemleak live (baseline and final scan)" 1 \
			"baseline '${base:-not run}', final '${fin:-not run}' (kmemleak disabled itself, or the run stopped early)"
		check "debug: no kmemleak report involving kiste" 1 "no kmemleak report to read"
	fi
}
