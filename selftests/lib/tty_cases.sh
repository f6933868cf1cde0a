# SPDX-License-Identifier: GPL-2.0
# tty_cases.sh - kiste run -t/-i's cases, natively and through a mode's kiste under a pty harness: shim_tty.sh's and vmmode_tty.sh's.
# shellcheck shell=sh disable=SC2016 # single-quoted scripts are for the harness's shell to expand
#
# Sourced (as tty-cases.helper, beside the suite) after tap.sh, by a suite that defines:
#   harness R [ACTION...] -- SCRIPT   runs SCRIPT with $R set on the harness's terminal (33
#       rows, 77 columns; ACTIONs once "ready" showed: type:HEX size:ROWS:COLS
#       kill:SIG:PIDFILE sleep:S wait:TEXT); the terminal's text in H_OUT (/dev/pts/N for any
#       N, the shell's own lines on a job a signal ended dropped), its status in H_RC
#   SR  its mode's "kiste run ... -t -i --";  ST  the same with -t alone;  PIDFILE  a path
#   SANDBOXED  what the report calls the run through kiste ("sandboxed", "in the VM")
# Each tty_* runs one script natively ($R empty: the workload has the harness's terminal)
# and through kiste (the workload has a pty of the sandbox's own), and judges its cases on
# the text of both.  Cases share a run where one workload can show them all (each vm-mode
# run boots a guest), each judged on its own line of the text, so each can fail alone.
# POSIX sh: the VM's suite runs under busybox's.

# tty_pair [ACTION...] -- SCRIPT: natively into NAT/NRC, through $SR into H_OUT/H_RC.
tty_pair()
{
	harness "" "$@"
	NAT="$H_OUT" NRC=$H_RC
	harness "$SR" "$@"
}

# tty_line N TEXT: line N of TEXT.
tty_line()
{
	printf '%s\n' "$2" | sed -n "$1p"
}

# tty_has NAME WANT: both runs' text holds WANT.
tty_has()
{
	case "$NAT" in
	*"$2"*) ;;
	*) fail "$1" "natively: no '$2' in: $NAT"; return ;;
	esac
	case "$H_OUT" in
	*"$2"*) ok "$1" ;;
	*) fail "$1" "$SANDBOXED (status $H_RC): no '$2' in: $H_OUT
natively (status $NRC): $NAT" ;;
	esac
}

# tty_compare NAME WANT [ACTION...] -- SCRIPT: one case, its own run; the same text and
# status natively and through kiste, and the text holds WANT.
tty_compare()
{
	tc_name="$1" tc_want="$2"
	shift 2
	tty_pair "$@"
	case "$NAT" in
	*"$tc_want"*) ;;
	*) fail "$tc_name" "natively: no '$tc_want' in: $NAT"; return ;;
	esac
	if [ "$H_OUT" = "$NAT" ] && [ "$H_RC" = "$NRC" ]; then
		ok "$tc_name"
	else
		fail "$tc_name" "$SANDBOXED (status $H_RC): $H_OUT
natively (status $NRC): $NAT"
	fi
}

# What the workload sees of its terminal, and what is left of the caller's afterwards: one
# run.  The guest's (the sandbox's) devpts holds its pty alone, and a size the workload
# sets is its terminal's, not the caller's (natively the harness's terminal takes it).
tty_static()
{
	tty_pair -- 'a=$(stty -g); $R sh -c "tty; test -t 0 && test -t 1 && test -t 2 && echo both; stty size; echo pts:\$(ls /dev/pts); stty cols 55; exit 3"; r=$?; echo "after: $(stty size)"; b=$(stty -g); [ "$a" = "$b" ] && echo tty-same rc=$r || echo tty-differs rc=$r'
	for tc in "1 tty names a terminal of /dev/pts:/dev/pts/N" \
		"2 stdin, stdout and stderr are terminals:both" \
		"3 stty size is the harness's (33 77):33 77"; do
		tc_n=${tc%% *} tc_want=${tc#*:} tc_name=${tc#* }
		tc_name=${tc_name%%:*}
		tc_nat=$(tty_line "$tc_n" "$NAT") tc_got=$(tty_line "$tc_n" "$H_OUT")
		result "$([ "$tc_nat" = "$tc_want" ] && [ "$tc_got" = "$tc_want" ]; echo $?)" \
			"$tc_name" "$SANDBOXED: '$tc_got' natively: '$tc_nat'"
	done
	tty_has "exit status 3 propagates" "rc=3"
	tty_has "the terminal's settings are back after the run" "tty-same rc=3"
	tc_nat=$(tty_line 5 "$NAT") tc_got=$(tty_line 5 "$H_OUT")
	result "$([ "$tc_nat" = "after: 33 55" ] && [ "$tc_got" = "after: 33 77" ]; echo $?)" \
		"stty in the sandbox leaves the caller's terminal alone" \
		"$SANDBOXED: '$tc_got' natively: '$tc_nat'"
	tc_got=$(tty_line 4 "$H_OUT")
	result "$([ "$tc_got" = "pts:0 ptmx" ]; echo $?)" \
		"the sandbox's /dev/pts holds its own terminal alone" "$tc_got"
}

# The keyboard and the window, one step after another in one workload: a line typed (-i),
# a resize (SIGWINCH), ^C to a trap, then ^C with the trap gone (the workload dies of it,
# 130; the harness's shell traps INT, natively as through kiste).
tty_interactive()
{
	tty_pair type:68656c6c6f0d wait:armed size:40:100 wait:winched type:03 wait:again type:03 -- \
		'trap : INT; $R sh -c "trap \"stty size; echo winched\" WINCH; echo ready; read x; echo got:\$x; trap \"echo got-INT; i=1\" INT; echo armed; while [ -z \"\$i\" ]; do sleep 1; done; trap - INT; echo again; while :; do sleep 1; done"; echo rc=$?'
	tty_has "a line typed reaches the workload (-i)" "got:hello"
	tty_has "a resize reaches the workload (SIGWINCH, 40 100)" "40 100
winched"
	tty_has "^C typed gives the workload SIGINT" "got-INT"
	tty_has "^C typed ends an untrapping workload (130)" "rc=130"
	result "$([ "$H_OUT" = "$NAT" ] && [ "$H_RC" = "$NRC" ]; echo $?)" \
		"... the terminal showed the same natively and $SANDBOXED" \
		"$SANDBOXED (status $H_RC): $H_OUT
natively (status $NRC): $NAT"
}

# The caller's terminal's settings after each way the run can end: the workload killed
# by SIGKILL, and kiste (natively the workload itself) signalled from outside, in the
# foreground of the harness's shell, its pid written first.  INT, TERM, HUP are forwarded
# (the workload ends of them, then kiste); QUIT ends kiste itself, which restores the
# terminal first.  The workload is sleep: a non-interactive sh ignores QUIT natively.
tty_endings()
{
	tty_compare "... after the workload is killed by SIGKILL (137)" "tty-same rc=137" -- \
		'a=$(stty -g); $R sh -c "echo ready; kill -KILL \$\$"; r=$?; b=$(stty -g); [ "$a" = "$b" ] && echo tty-same rc=$r || echo tty-differs rc=$r'
	for sig in TERM INT HUP QUIT; do
		rc=$((128 + $(kill -l "$sig")))
		tty_compare "... after SIG$sig to kiste ($rc)" "tty-same rc=$rc" "kill:$sig:$PIDFILE" -- \
			'a=$(stty -g); sh -c '\''echo $$ >"$PIDFILE"; exec "$@"'\'' sh $R sh -c "echo ready; exec sleep 1000"; r=$?; b=$(stty -g); [ "$a" = "$b" ] && echo tty-same rc=$r || echo tty-differs rc=$r'
	done
}

# -t alone: the workload's terminal gets nothing typed (READER: a shell command that reads
# a line for 3 s and prints got:LINE if one came), and the caller's terminal is left as it
# is (docker's rule, lib/tty_raw.c): what was typed is the shell's input after the run, and
# ^C is the terminal's SIGINT to kiste, forwarded to the workload, as natively.
tty_alone()	# READER
{
	harness "$ST" type:68656c6c6f0d -- \
		'$R sh -c '\''echo ready; '"$1"'; echo read-done'\''; read -r -t 5 x; echo "left:[$x]"'
	case "$H_OUT" in
	*got:*) fail "-t without -i: nothing typed reaches the workload" "$H_OUT" ;;
	*read-done*) ok "-t without -i: nothing typed reaches the workload" ;;
	*) fail "-t without -i: nothing typed reaches the workload" "$H_OUT" ;;
	esac
	case "$H_OUT" in
	*"left:[hello]"*) ok "-t without -i: what was typed during the run is the shell's input after it" ;;
	*) fail "-t without -i: what was typed during the run is the shell's input after it" \
		"$H_OUT" ;;
	esac
	tc_sr="$SR"
	SR="$ST"
	# (exec: the forwarded SIGINT reaches sleep itself; a shim workload's sh waiting for a
	# child does not act on it until the wait ends, which natively the group's ^C hides)
	tty_compare "-t without -i: ^C typed ends an untrapping workload (130)" "rc=130" type:03 -- \
		'trap : INT; $R sh -c "echo ready; exec sleep 100"; echo rc=$?'
	SR="$tc_sr"
}

# Everything the workload wrote is out before kiste exits, through a pipe, stderr through
# the terminal too; and -i with a pipe at 0 (no terminal there: typed into the sandbox's
# pty, no raw mode: its echo shares the partial line's), whose end is the terminal's end
# of file (^D typed; twice after its last, partial line), in the same run.
tty_pipes()
{
	harness "" -- '$R seq 1 20000 | wc -l; $R seq 1 20000 | tail -n 1; printf "abc\npartial" | $R sh -c "read x; echo got:\$x; cat >/dev/null; echo eof-seen"'
	NAT="$H_OUT" NRC=$H_RC
	harness "$SR" -- 'printf "abc\npartial" | $R sh -c "read x; echo got:\$x; cat >/dev/null; echo eof-seen; seq 1 20000; seq 1 20000 >&2" | tr -d "\r" | awk "/got:/ { sub(/.*got:/, \"got:\"); print } /eof-seen/ { print \"eof-seen\" } /^[0-9]+\$/ { n++ } END { print n }"'
	result "$([ "$(tty_line 3 "$H_OUT")" = 40000 ] && [ "$(tty_line 1 "$NAT")" = 20000 ] &&
		[ "$(tty_line 2 "$NAT")" = 20000 ]; echo $?)" \
		"all output (stderr through the terminal too) is out before kiste exits" \
		"$SANDBOXED: $H_OUT natively: $NAT"
	tty_has "-t -i with a pipe at stdin" "got:abc"
	tty_has "-t -i: the pipe's end is the workload's end of file" "eof-seen"
}
