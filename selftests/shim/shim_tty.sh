#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shim_tty.sh - kiste run -t/-i: the sandbox's own terminal, relayed; each case natively and sandboxed under one pty harness.
# kiste-suite: host shim_tty.sh
# shellcheck disable=SC2016 # single-quoted scripts are for the harness's bash to expand
#
# ttyharness.py is the user's terminal: a new pty of 33 rows and 77 columns
# on which bash runs a case's script; it types, resizes or signals once the
# workload printed "ready".  The cases shared with vm mode's vmmode_tty.sh are
# lib/tty_cases.sh's (tty-cases.helper): each runs with $R empty (natively)
# and with $R "kiste run --mode=shim -t -i --" (the workload has a terminal of
# the sandbox's own devpts, kiste relays); shim's own follow.  Every wait is
# bounded: the harness kills everything after 30 s, kiste runs with --timeout.
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=selftests/shim/shim_lib.sh
. "$here/shim-lib.helper"
K="${KISTE_SHIM:-$here/../bin/kiste}"
[ -x "$K" ] || bail "no launcher $K: build it (make)"
command -v python3 >/dev/null || skip_all "needs python3 (the pty harness)"
[ -f "$WL/ttyharness.py" ] || bail "no $WL/ttyharness.py: build it (make)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
SR="$K run --mode=shim --timeout 60 -t -i --"
ST="$K run --mode=shim --timeout 60 -t --"
SANDBOXED=sandboxed
# kiste's own restores, seen alone: the watcher (lib/tty_raw.c) would mend a lost one
# after kiste's end, racing the harness's shell (vmmode_tty_test holds the watcher).
export KISTE_TESTONLY_NO_TTY_WATCHER=1
PIDFILE="$tmp/pid"
export K

# harness R [ACTION...] -- SCRIPT: the terminal's text in H_OUT (/dev/pts/N for any N), status in H_RC.
harness()
{
	local r="$1"
	shift
	# bash's own line on a job a signal ended (natively the workload is that job) is dropped
	H_OUT=$(R="$r" PIDFILE="$tmp/pid" python3 "$WL/ttyharness.py" "$@" 2>&1 </dev/null |
		sed -e 's|/dev/pts/[0-9]*|/dev/pts/N|g' -e '/^bash: line [0-9]*: *[0-9]* [A-Z]/d' \
		-e '/^\(Terminated\|Hangup\|Quit\|Killed\)\( (core dumped)\)\{0,1\}$/d')
	H_RC=${PIPESTATUS[0]}
	rm -f "$tmp/pid"
}

# shellcheck source=selftests/lib/tty_cases.sh
. "$here/tty-cases.helper"
tty_static
tty_interactive
tty_endings
tty_alone 'timeout --foreground 3 sh -c "read x; echo got:\$x"'
tty_pipes

# shim's own.  A QUIT the caller ignores (a background job's in a script) stays ignored: it
# ends kiste no more than it ends the workload natively (lib/tty_raw.c skips it).
tty_compare "a QUIT the caller ignores ends neither kiste nor the workload (0)" "tty-same rc=0" \
	"kill:QUIT:$tmp/pid" -- \
	'a=$(stty -g); sh -c '\''trap "" QUIT; echo $$ >"$PIDFILE"; exec "$@"'\'' sh $R sh -c "echo ready; sleep 2"; r=$?; b=$(stty -g); [ "$a" = "$b" ] && echo tty-same rc=$r || echo tty-differs rc=$r'
# ... and one that comes once kiste is in the background (stopped, the shell's job control
# took the terminal back, then continued): restored all the same (SIGTTOU blocked for the
# restore), not stopped again by SIGTTOU with the terminal raw.
tty_compare "... after SIGQUIT to kiste stopped and continued in the background (131)" \
	"tty-same r1=147 rc=131" "kill:STOP:$tmp/pid" -- \
	'set -m; a=$(stty -g); sh -c '\''echo $$ >"$PIDFILE"; exec "$@"'\'' sh $R sh -c "echo ready; sleep 4"; r1=$?; kill -QUIT %1; kill -CONT %1; wait %1; r=$?; b=$(stty -g); [ "$a" = "$b" ] && echo tty-same r1=$r1 rc=$r || echo tty-differs r1=$r1 rc=$r'

# Without -t the sandbox shares the caller's terminal: a size it sets is the caller's.
harness "$K run --mode=shim --timeout 60 --" -- '$R stty cols 55; stty size'
result "$([ "$H_OUT" = "33 55" ]; echo $?)" "(without -t the sandbox shares the caller's terminal: 33 55)" "$H_OUT"
# A workload that has ended before kiste's relay begins (kiste stopped at its phase
# shim-supervise meanwhile: a loaded machine's order): its output still comes out.
harness "$K run --mode=shim --timeout 60 -t --" -- \
	'KISTE_TESTONLY_STOP_AT=shim-supervise $R sh -c "echo quick; exit 4" & p=$!
	for i in $(seq 100); do [ "$(cut -d" " -f3 /proc/$p/stat)" = T ] && break; sleep 0.1; done
	sleep 1; kill -CONT $p; wait $p; echo rc=$?'
result "$([ "$H_OUT" = "quick
rc=4" ]; echo $?)" "a workload quicker than the relay's start: its output is out" "$H_OUT"
# Refusals: one line, 125, saying why and what to do (vm mode has -t: vmmode_tty.sh).
run "$K" run --mode=unikernel -t -- /bin/true
if [ "$T_RC" = 125 ] && [ "$(printf '%s\n' "$T_OUT" | wc -l)" = 1 ] &&
	[ "${T_OUT#*"Solo5-style unikernel has none"*"drop -t"}" != "$T_OUT" ]; then
	ok "-t in unikernel mode: one line, 125, why and the fix"
else
	fail "-t in unikernel mode: one line, 125, why and the fix" "exit $T_RC: $T_OUT"
fi
expect "-t with --unsafe-no-namespaces: one line, 125" 125 "needs a mount namespace" \
	"$K" run --mode=shim --unsafe-no-namespaces -t -- /bin/true
t_done
