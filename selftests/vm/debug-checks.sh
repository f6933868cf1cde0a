# SPDX-License-Identifier: GPL-2.0
# debug-checks.sh - run-vm.sh --debug-checks verdict: one result per checker (KASAN, lockdep, kmemleak, atomic sleep).
# shellcheck shell=bash disable=SC2154 # $work, $state and $bad come from run-vm.sh's parts
#
# Sourced by run-vm.sh after the run; uses its $work, $state, $bad and check().
# The guest side (vm_debug_begin/vm_debug_end in vm-lib.sh) leaves these in
# $state: "debug debug_locks-begin N", "debug kmemleak-begin ok|failed ...",
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

# Prints every kmemleak record whose backtrace has a frame of WHO.  kiste: "[kiste]",
# or a raw address in the module area (an unloaded or __init kiste frame:
# MODULES_VADDR 0xffffffffa0000000 up to the fixmap).  kvm: a kvm_ function or the
# kvm/kvm_amd module, in a record not allocated by the kernel's own boot (comm
# "swapper/N": KVM's init when built in, before anything used it).
kmemleak_records()	# kiste|kvm REPORT
{
	awk -v who="$1" '
	function flush() {
		if (rec != "" && hit && !(who == "kvm" && boot))
			printf "%s", rec
		rec = ""
		hit = 0
		boot = 0
	}
	/^unreferenced object / { flush() }
	{ rec = rec $0 "\n" }
	/^[ \t]+comm "swapper\// { boot = 1 }
	/^[ \t]+\[<[^>]*>\] / {
		sym = $0
		sub(/^[ \t]+\[<[^>]*>\] /, "", sym)
		if (who == "kvm") {
			if (sym ~ /^kvm_[a-z0-9_]+\+0x/ || sym ~ /\[kvm(_amd)?\]/)
				hit = 1
		} else if (sym ~ /\[kiste\]/)
			hit = 1
		else if (sym ~ /^0x[0-9a-f]+$/ && length(sym) == 18) {
			a = substr(sym, 3)
			if (a >= "ffffffffa0000000" && a < "ffffffffff000000")
				hit = 1
		}
	}
	END { flush() }' "$2"
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

	base=$(sed -n 's/^debug kmemleak-begin //p' "$state" | tail -n 1)
	fin=$(sed -n 's/^debug kmemleak-final //p' "$state" | tail -n 1)
	if [ "$base" = ok ] && [ "$fin" = ok ] && [ -r "$work/kmemleak.txt" ]; then
		check "debug: kmemleak live (final scans)" 0 ""
		others=$(grep -c '^unreferenced object ' "$work/kmemleak.txt" || true)
		debug_kmemleak_check kiste kiste
		debug_kmemleak_check kvm KVM
		if [ "$others" -gt 0 ]; then
			echo "run-vm.sh: kmemleak reported $others objects in all" \
			     "(those without kiste or KVM frames are the kernel's own; not counted): $work/kmemleak.txt"
		fi
	else
		check "debug: kmemleak live (final scans)" 1 \
			"at the start '${base:-not run}', final '${fin:-not run}' (kmemleak disabled itself, or the run stopped early)"
		check "debug: no kmemleak report involving kiste" 1 "no kmemleak report to read"
		check "debug: no kmemleak report involving KVM" 1 "no kmemleak report to read"
	fi
}

# One result: no record of the final report has WHO's frames (kmemleak_records).
debug_kmemleak_check()	# kiste|kvm NAME
{
	local leaks

	leaks=$(kmemleak_records "$1" "$work/kmemleak.txt")
	if [ -n "$leaks" ]; then
		check "debug: no kmemleak report involving $2" 1 \
			"$(printf '%s\n' "$leaks" | grep -c '^unreferenced object ') of $others objects reported have $2 frames"
		printf '%s\n' "$leaks" | sed 's/^/  kmemleak: /'
	else
		check "debug: no kmemleak report involving $2" 0 ""
	fi
}
