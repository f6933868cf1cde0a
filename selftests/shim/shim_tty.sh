#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shim_tty.sh - kiste run -t/-i: the sandbox's own terminal, relayed; each case natively and sandboxed under one pty harness.
# kiste-suite: host shim_tty.sh
# shellcheck disable=SC2016 # single-quoted scripts are for the harness's bash to expand
#
# ttyharness.py is the user's terminal: a new pty of 33 rows and 77 columns
# on which bash runs a case's script; it types, resizes or signals once the
# workload printed "ready".  Each case runs with $R empty (natively: the
# workload has the harness's terminal) and with $R "kiste run --mode=shim -t
# -i --" (the workload has a terminal of the sandbox's own devpts, kiste
# relays), and what the terminal showed must be the same.  Every wait is
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

# compare NAME WANT [ACTION...] -- SCRIPT: the same text and status natively and
# sandboxed, and the text holds WANT.
compare()
{
	local name="$1" want="$2" nat nrc
	shift 2
	harness "" "$@"
	nat="$H_OUT"
	nrc=$H_RC
	harness "$SR" "$@"
	case "$nat" in
	*"$want"*) ;;
	*) fail "$name" "natively: no '$want' in: $nat"; return ;;
	esac
	if [ "$H_OUT" = "$nat" ] && [ "$H_RC" = "$nrc" ]; then
		ok "$name"
	else
		fail "$name" "sandboxed (status $H_RC): $H_OUT
natively (status $nrc): $nat"
	fi
}

compare "tty names a terminal of /dev/pts" "/dev/pts/N" -- '$R tty'
compare "stdin and stdout are terminals" "both" -- '$R sh -c "test -t 0 && test -t 1 && test -t 2 && echo both"'
compare "stty size is the harness's (33 77)" "33 77" -- '$R stty size'
compare "a resize reaches the workload (SIGWINCH, 40 100)" "40 100" size:40:100 -- \
	'$R sh -c '\''trap "stty size; exit 0" WINCH; echo ready; while :; do sleep 1; done'\'
compare "exit status 3 propagates" "rc=3" -- '$R sh -c "exit 3"; echo rc=$?'
compare "^C typed gives the workload SIGINT" "got-INT" type:03 -- \
	'$R sh -c '\''trap "echo got-INT; exit 5" INT; echo ready; while :; do sleep 1; done'\''; echo rc=$?'
compare "a line typed reaches the workload (-i)" "got:hello" type:68656c6c6f0d -- \
	'$R sh -c '\''echo ready; read x; echo got:$x'\'
compare "the terminal's settings are back after the run" "tty-same rc=0" -- \
	'a=$(stty -g); $R sh -c "echo ready; exit 0"; r=$?; b=$(stty -g); [ "$a" = "$b" ] && echo tty-same rc=$r || echo tty-differs rc=$r'
compare "... after the workload is killed by SIGKILL (137)" "tty-same rc=137" -- \
	'a=$(stty -g); $R sh -c "echo ready; kill -KILL \$\$"; r=$?; b=$(stty -g); [ "$a" = "$b" ] && echo tty-same rc=$r || echo tty-differs rc=$r'
# Signalled from outside: kiste (natively the workload itself) in the foreground of the
# harness's shell, its pid written first.  INT, TERM, HUP are forwarded (the workload
# ends of them, then kiste); QUIT ends kiste itself, which restores the terminal first.
for sig in TERM INT HUP QUIT; do
	rc=$((128 + $(kill -l "$sig")))
	compare "... after SIG$sig to kiste ($rc)" "tty-same rc=$rc" "kill:$sig:$tmp/pid" -- \
		'a=$(stty -g); sh -c '\''echo $$ >"$PIDFILE"; exec "$@"'\'' sh $R sh -c "echo ready; while :; do sleep 1; done"; r=$?; b=$(stty -g); [ "$a" = "$b" ] && echo tty-same rc=$r || echo tty-differs rc=$r'
done
# ... but one the caller ignores (a background job's QUIT in a script) stays ignored: it
# ends kiste no more than it ends the workload natively (lib/tty_raw.c skips it).
compare "a QUIT the caller ignores ends neither kiste nor the workload (0)" "tty-same rc=0" \
	"kill:QUIT:$tmp/pid" -- \
	'a=$(stty -g); sh -c '\''trap "" QUIT; echo $$ >"$PIDFILE"; exec "$@"'\'' sh $R sh -c "echo ready; sleep 2"; r=$?; b=$(stty -g); [ "$a" = "$b" ] && echo tty-same rc=$r || echo tty-differs rc=$r'
# ... and one that comes once kiste is in the background (stopped, the shell's job control
# took the terminal back, then continued): restored all the same (SIGTTOU blocked for the
# restore), not stopped again by SIGTTOU with the terminal raw.
compare "... after SIGQUIT to kiste stopped and continued in the background (131)" \
	"tty-same r1=147 rc=131" "kill:STOP:$tmp/pid" -- \
	'set -m; a=$(stty -g); sh -c '\''echo $$ >"$PIDFILE"; exec "$@"'\'' sh $R sh -c "echo ready; sleep 4"; r1=$?; kill -QUIT %1; kill -CONT %1; wait %1; r=$?; b=$(stty -g); [ "$a" = "$b" ] && echo tty-same r1=$r1 rc=$r || echo tty-differs r1=$r1 rc=$r'

# What only the sandboxed run has (timeout --foreground: the reader stays in the terminal's
# foreground group, where a typed line would reach it).
ST="$K run --mode=shim --timeout 60 -t --"
harness "$ST" type:68656c6c6f0d -- \
	'$R sh -c '\''echo ready; timeout --foreground 3 sh -c "read x; echo got:\$x"; echo rc=$?'\'
case "$H_OUT" in
*got:*) fail "-t without -i: nothing typed reaches the workload" "$H_OUT" ;;
*rc=124*) ok "-t without -i: nothing typed reaches the workload" ;;
*) fail "-t without -i: nothing typed reaches the workload" "$H_OUT" ;;
esac
# ... and the caller's terminal is left as it is (docker's rule, lib/tty_raw.c): what was
# typed during the run is the shell's input after it, and ^C is the terminal's SIGINT to
# kiste, forwarded to the workload: as natively.
SR="$ST" compare "-t without -i: what was typed during the run is the shell's input after it" \
	"left:[left]" type:6c6566740d -- \
	'$R sh -c "echo ready; sleep 2"; read -r -t 2 x; echo "left:[$x]"'
SR="$ST" compare "-t without -i: ^C typed ends an untrapping workload (130)" "rc=130" type:03 -- \
	'trap : INT; $R sh -c "echo ready; sleep 100"; echo rc=$?'
# The workload's terminal is not the caller's: a setting made there stays there (natively
# the harness's terminal takes it), and the sandbox's devpts holds its own pty alone.
harness "" -- '$R stty cols 55; stty size'
nat="$H_OUT"
harness "$SR" -- '$R stty cols 55; stty size'
if [ "$nat" = "33 55" ] && [ "$H_OUT" = "33 77" ]; then
	ok "stty in the sandbox leaves the caller's terminal alone"
else
	fail "stty in the sandbox leaves the caller's terminal alone" "sandboxed: $H_OUT natively: $nat"
fi
harness "$K run --mode=shim --timeout 60 --" -- '$R stty cols 55; stty size'
result "$([ "$H_OUT" = "33 55" ]; echo $?)" "(without -t the sandbox shares the caller's terminal: 33 55)" "$H_OUT"
harness "$SR" -- '$R ls -1 /dev/pts'
result "$([ "$H_OUT" = "0
ptmx" ]; echo $?)" "the sandbox's /dev/pts holds its own terminal alone" "$H_OUT"
# Everything the workload wrote is out before kiste exits, through a pipe too.
harness "" -- '$R seq 1 20000 | wc -l; $R seq 1 20000 | tail -n 1'
nat="$H_OUT"
harness "$SR" -- '$R seq 1 20000 | tr -d "\r" | wc -l; $R seq 1 20000 | tr -d "\r" | tail -n 1'
result "$([ "$H_OUT" = "$nat" ] && [ "$nat" = "20000
20000" ]; echo $?)" "all output is drained before kiste exits (20000 lines)" "sandboxed: $H_OUT"
# A workload that has ended before kiste's relay begins (kiste stopped at its phase
# shim-supervise meanwhile: a loaded machine's order): its output still comes out.
harness "$K run --mode=shim --timeout 60 -t --" -- \
	'KISTE_TESTONLY_STOP_AT=shim-supervise $R sh -c "echo quick; exit 4" & p=$!
	for i in $(seq 100); do [ "$(cut -d" " -f3 /proc/$p/stat)" = T ] && break; sleep 0.1; done
	sleep 1; kill -CONT $p; wait $p; echo rc=$?'
result "$([ "$H_OUT" = "quick
rc=4" ]; echo $?)" "a workload quicker than the relay's start: its output is out" "$H_OUT"
# Input from a pipe (-i without a terminal at 0): relayed, no raw mode to restore.
harness "" -- 'echo abc | $R sh -c "read x; echo got:\$x"'
nat="$H_OUT"
harness "$SR" -- 'echo abc | $R sh -c "read x; echo got:\$x"'
case "$H_OUT" in
*got:abc*) ok "-t -i with a pipe at stdin" ;;
*) fail "-t -i with a pipe at stdin" "sandboxed: $H_OUT natively: $nat" ;;
esac

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
