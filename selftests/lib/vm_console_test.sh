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

# The report Debian's 6.1 kernel prints for CPU RIP-LINE, as the console shows it, with
# the prefix PFX before each line (the end-of-run dmesg copy has "dmesg: ").
report()	# PFX RIP
{
	cat <<EOF
$1[  891.098892] watchdog: BUG: soft lockup - CPU#0 stuck for 147s! [swapper/0:0]
$1[  891.099001] Modules linked in: kiste(OE) kvm_amd kvm
$1[  891.099100] CPU: 0 PID: 0 Comm: swapper/0 Tainted: G           OE      6.1.0-57-amd64 #1  Debian 6.1.158-1
$1[  891.099200] Hardware name: QEMU Standard PC (Q35 + ICH9, 2009)
$1[  891.099300] RIP: 0010:$2
$1[  891.099400] Code: 00 00 00 00 00 00 00 00
$1[  891.099500] RSP: 0018:ffffffffa1e03e68 EFLAGS: 00000246
$1[  891.099600] Call Trace:
$1[  891.099700]  <TASK>
$1[  891.099800]  default_idle_call+0x2c/0xe0
$1[  891.099900]  do_idle+0x21c/0x2a0
$1[  891.100000]  </TASK>
EOF
}

{
	echo "KISTE-VM: suite-begin one"
	echo "ok 1 - a"
	report "" "default_idle+0xb/0x10"
	echo "ok 2 - b"
	echo "KISTE-VM: suite-end one rc=0 secs=3"
	report "dmesg: " "default_idle+0xb/0x10"
} | parse
expect "an idle CPU's lockup report is a note in the state" \
	'grep -qx "idle-lockup soft lockup - CPU#0 stuck for 147s! \[swapper/0:0\]" "$w/state"'
expect "an idle CPU's lockup report does not end the run" '! grep -qx lockup "$w/state"'
expect "an idle CPU's lockup report (and its dmesg copy) is no kernel error" '[ ! -s "$w/bad" ]'
expect "the suite's lines around it still reach its log" \
	'grep -qx "ok 2 - b" "$w/suites/one.log" && [ "$(cat "$w/suites/one.rc")" = 0 ]'

report "" "kiste_member_exit+0x51/0x90 [kiste]" | parse
expect "a lockup at any other RIP ends the run" 'grep -qx lockup "$w/state"'
expect "a lockup at any other RIP is a kernel error (its BUG line)" \
	'grep -q "BUG: soft lockup" "$w/bad"'
expect "... and its call trace" 'grep -q "Call Trace:" "$w/bad"'
expect "a lockup at any other RIP is no idle note" '! grep -q "^idle-lockup" "$w/state"'

# A stuck VM can stop printing right after the first line.
echo "[  30.1] watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [kiste:412]" | parse
expect "a lockup report cut off before its RIP ends the run" 'grep -qx lockup "$w/state"'
expect "a lockup report cut off before its RIP is a kernel error" \
	'grep -q "BUG: soft lockup" "$w/bad"'

# Twenty lines without a RIP: judged as a real lockup, not held for ever.
{
	echo "[  30.1] watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [kiste:412]"
	i=0
	while [ $i -lt 25 ]; do
		echo "[  30.2] unrelated line $i"
		i=$((i + 1))
	done
	echo "[  30.3] RIP: 0010:default_idle+0xb/0x10"
} | parse
expect "a lockup report whose RIP does not come within 20 lines is a lockup" \
	'grep -qx lockup "$w/state" && ! grep -q "^idle-lockup" "$w/state"'

{
	report "" "acpi_safe_halt+0x1b/0x20"
	echo "[  900.0] WARNING: CPU: 1 PID: 77 at kmod/member.c:120 kiste_x+0x1/0x2 [kiste]"
} | parse
expect "after an idle CPU's report ends, a warning is a kernel error again" \
	'grep -q "WARNING: CPU: 1" "$w/bad" && [ "$(wc -l <"$w/bad")" -eq 1 ]'
expect "acpi_safe_halt is the idle loop's halt too" 'grep -q "^idle-lockup" "$w/state"'

echo "[  12.0] general protection fault, probably for non-canonical address" | parse
expect "a general protection fault is a kernel error" 'grep -q "general protection" "$w/bad"'
expect "... and no lockup" '! grep -q lockup "$w/state"'

t_done
