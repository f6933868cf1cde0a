#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vm_console_test.sh - the test VM's console parser (vm-console.awk) on fake consoles: suites, kernel errors, soft lockups.
# kiste-suite: host vm_console_test.sh
#
# Every kernel-side verdict of the test VM (no warning, no oops, no lockup) rests on
# what this parser sends to the "bad" file and the run's state; each case is a console
# a run could print, with what must and must not come out of it.
# VM_CONSOLE_AWK names the parser to test (default: the build's copy beside this).
# shellcheck disable=SC2016 # expect's conditions are evaluated later, on purpose

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=selftests/lib/tap.sh
. "$here/tap.sh"
parser="${VM_CONSOLE_AWK:-$here/lib/vm-console.awk}"
[ -r "$parser" ] || skip_all "no vm-console.awk at $parser"
w=$(mktemp -d /tmp/vm_console_test.XXXXXX) || exit 1
trap 'rm -rf "$w"' EXIT

# parse: the console on stdin through the parser into a fresh $w/{suites,state,bad}.
parse()
{
	rm -rf "$w/suites" "$w/state" "$w/bad"
	mkdir -p "$w/suites"
	: >"$w/state"
	: >"$w/bad"
	awk -v dir="$w/suites" -v state="$w/state" -v bad="$w/bad" -v dbg=0 -v wdir="$w" \
		-f "$parser" >"$w/out"
}

# expect NAME CONDITION: CONDITION (a shell test) holds after the last parse.
expect()
{
	if eval "$2"; then
		ok "$1"
	else
		fail "$1" "state: $(tr '\n' '|' <"$w/state") bad: $(head -c 300 "$w/bad" | tr '\n' '|')"
	fi
}

# A soft lockup report as Debian's 6.1 kernel prints it, with PFX before each line
# (the end-of-run dmesg copy has "dmesg: "); TASK is the stuck task, RIP where it was.
report()	# PFX TASK RIP
{
	cat <<EOF
$1[  891.098892] watchdog: BUG: soft lockup - CPU#0 stuck for 147s! [$2]
$1[  891.099001] Modules linked in: kiste(OE) kvm_amd kvm
$1[  891.099100] CPU: 0 PID: 0 Comm: swapper/0 Tainted: G           OE      6.1.0-57-amd64 #1
$1[  891.099200] Hardware name: QEMU Standard PC (Q35 + ICH9, 2009)
$1[  891.099300] RIP: 0010:$3
$1[  891.099400] Code: 00 00 00 00 00 00 00 00
$1[  891.099500] RSP: 0018:ffffffffa1e03e68 EFLAGS: 00000246
$1[  891.099600] Call Trace:
$1[  891.099700]  <TASK>
$1[  891.099800]  default_idle_call+0x2c/0xe0
$1[  891.099900]  do_idle+0x21c/0x2a0
$1[  891.100000]  </TASK>
EOF
}
IDLE="swapper/0:0"
HALT="default_idle+0xb/0x10"
# Debian's kernel boots quiet: live, only the report's first line reaches the console.
live_bug()	# TASK
{
	echo "[  891.098892] watchdog: BUG: soft lockup - CPU#0 stuck for 147s! [$1]"
}

{
	echo "KISTE-VM: suite-begin one"
	echo "ok 1 - a"
	live_bug "$IDLE"
	echo "ok 2 - b"
	echo "KISTE-VM: suite-end one rc=0 secs=3"
	report "dmesg: " "$IDLE" "$HALT"
} | parse
expect "the idle task's lockup, halted in the idle loop (RIP in the dmesg copy): a note" \
	'grep -qx "idle-lockup soft lockup - CPU#0 stuck for 147s! \[swapper/0:0\]" "$w/state"'
expect "... which does not end the run" '! grep -qx lockup "$w/state"'
expect "... and is no kernel error (live line, dmesg copy, its call trace)" '[ ! -s "$w/bad" ]'
expect "the suite's lines around it still reach its log" \
	'grep -qx "ok 2 - b" "$w/suites/one.log" && [ "$(cat "$w/suites/one.rc")" = 0 ]'

report "" "$IDLE" "acpi_safe_halt+0x1b/0x20" | parse
expect "a whole report live (the debug kernel's console) at acpi_safe_halt: a note" \
	'grep -q "^idle-lockup" "$w/state" && [ ! -s "$w/bad" ] && ! grep -qx lockup "$w/state"'

{
	live_bug "$IDLE"
	echo "ok 3 - c"
} | parse
expect "the idle task's lockup that no RIP settles (no dmesg copy): a kernel error" \
	'grep -q "BUG: soft lockup" "$w/bad" && ! grep -q "^idle-lockup" "$w/state"'

report "" "$IDLE" "finish_task_switch.isra.0+0x90/0x2f0" | parse
expect "the idle task's lockup at any other RIP (a spinning idle path) ends the run" \
	'grep -qx lockup "$w/state" && ! grep -q "^idle-lockup" "$w/state"'
expect "... and is a kernel error, call trace too" \
	'grep -q "BUG: soft lockup" "$w/bad" && grep -q "Call Trace" "$w/bad"'

live_bug "kiste:412" | parse
expect "another task's lockup ends the run at once" 'grep -qx lockup "$w/state"'
expect "... and is a kernel error" 'grep -q "BUG: soft lockup" "$w/bad"'

{
	echo "[  891.098892] watchdog: BUG: soft lockup - CPU#0 stuck for 147s! [swapper/0:0]"
	echo "[  891.098893] watchdog: BUG: soft lockup - CPU#1 stuck for 147s! [swapper/1:0]"
	echo "[  891.099300] RIP: 0010:$HALT"
	echo "[  891.099301] RIP: 0010:kiste_member_exit+0x51/0x90 [kiste]"
} | parse
expect "two interleaved idle-task reports, one RIP not at the halt: a lockup" \
	'grep -qx lockup "$w/state" && grep -q "CPU#1 stuck" "$w/bad"'

{
	live_bug "$IDLE"
	echo "[  900.0] sysrq: Changing Loglevel"
	echo "[  900.1] RIP: 0010:$HALT"
} | parse
expect "a RIP from run-vm.sh's own SysRq settles nothing: a kernel error" \
	'grep -q "BUG: soft lockup" "$w/bad" && ! grep -q "^idle-lockup" "$w/state"'

{
	live_bug "$IDLE"
	i=0
	while [ $i -lt 25 ]; do
		echo "[  891.2] unrelated line $i"
		i=$((i + 1))
	done
	echo "[  891.3] RIP: 0010:$HALT"
	echo "[  891.4] Call Trace:"
} | parse
expect "a RIP more than 20 lines after the report settles nothing: a kernel error" \
	'grep -q "BUG: soft lockup" "$w/bad" && ! grep -q "^idle-lockup" "$w/state"'

{
	report "" "$IDLE" "$HALT"
	echo "[  900.0] WARNING: CPU: 1 PID: 77 at kmod/member.c:120 kiste_x+0x1/0x2 [kiste]"
	echo "[  900.1] Call Trace:"
} | parse
expect "after an idle report's call trace, a warning and its trace are kernel errors" \
	'grep -q "WARNING: CPU: 1" "$w/bad" && [ "$(wc -l <"$w/bad")" -eq 2 ]'

echo "[  12.0] general protection fault, probably for non-canonical address" | parse
expect "a general protection fault is a kernel error" 'grep -q "general protection" "$w/bad"'
expect "... and no lockup" '! grep -q lockup "$w/state"'

t_done
