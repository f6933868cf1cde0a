#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vmmode_tty.sh - kiste run --mode=vm -t/-i in the test VM: the guest's pty, relayed; each case natively and in a VM under one pty harness.
# kiste-suite: vm vmmode_tty.sh
# shellcheck disable=SC2016 # single-quoted scripts are for the harness's shell to expand
#
# ttyharness (selftests/vm/ttyharness.c, in the image's /bin) is the user's
# terminal: a new pty of 33 rows and 77 columns on which sh runs a case's
# script; it types, resizes or signals once the workload printed "ready".
# Each case runs with $R empty (natively: the workload has the harness's
# terminal) and with $R "kiste run --mode=vm -t -i --rootfs TREE --" (the
# workload has a pty of the guest's devpts, the agent relays it), and what
# the terminal showed must be the same: shim_tty.sh's cases, busybox's sh on
# both sides.  Every wait is bounded: the harness kills everything after
# $TTYHARNESS_LIMIT s, kiste runs with --timeout.

# shellcheck source=selftests/lib/tap.sh
. "$(dirname "$0")/tap.sh"
T=${KISTE_VM_TEST_TIMEOUT:-$((240 * ${KISTE_TEST_TIME_SCALE:-1}))}
tmp=$(mktemp -d /tmp/vmmode_tty.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

[ -c /dev/kvm ] || skip_all "no /dev/kvm (load kvm_amd or kvm_intel)"
if [ -z "${KISTE_KERNEL:-}" ]; then
	for k in /boot/vmlinuz-* /bin/vmlinuz*; do
		[ -r "$k" ] && KISTE_KERNEL=$k && break
	done
fi
if [ -z "${KISTE_KERNEL:-}" ] || [ ! -r "$KISTE_KERNEL" ]; then
	skip_all "no guest kernel: set KISTE_KERNEL"
fi
export KISTE_KERNEL
command -v ttyharness >/dev/null || bail "no ttyharness in the image: build the vm-tools (make selftests)"
command -v mkfs.erofs >/dev/null || skip_all "no mkfs.erofs in the image (--rootfs): apt-get install erofs-utils"
[ -n "${KISTE_TEST_TIME_SCALE:-}" ] && skip_all "debug kernel: each nested boot is too slow for this suite's 20 runs"

# The guest's root: busybox and the applets the cases use (the native side has the same).
bb=
for b in "$(command -v busybox 2>/dev/null)" /bin/busybox /usr/bin/busybox; do
	case $b in /*) [ -x "$b" ] && bb=$b && break ;; esac
done
[ -n "$bb" ] || bail "no busybox"
mkdir -p "$tmp/root/bin"
cp "$bb" "$tmp/root/bin/busybox"
for a in sh tty stty sleep seq tr wc tail ls cat echo kill; do
	ln -s busybox "$tmp/root/bin/$a"
done
export TTYHARNESS_LIMIT=$((T / 2))
export KISTE_VM_CACHE="$tmp/cache"
SR="kiste run --mode=vm --timeout $T --rootfs $tmp/root -t -i --"
ST="kiste run --mode=vm --timeout $T --rootfs $tmp/root -t --"

# harness R [ACTION...] -- SCRIPT: the terminal's text in H_OUT (/dev/pts/N for any N), status in H_RC.
harness()
{
	r="$1"
	shift
	# the shell's own line on a job a signal ended (natively the workload is that job) is dropped
	H_OUT=$(R="$r" PIDFILE="$tmp/pid" ttyharness "$@" 2>&1 </dev/null)
	H_RC=$?
	H_OUT=$(printf '%s\n' "$H_OUT" | sed -e 's|/dev/pts/[0-9]*|/dev/pts/N|g' \
		-e '/^\(Terminated\|Hangup\|Quit\|Killed\)\( (core dumped)\)\{0,1\}$/d')
	rm -f "$tmp/pid"
}

# compare NAME WANT [ACTION...] -- SCRIPT: the same text and status natively and in a VM,
# and the text holds WANT.
compare()
{
	name="$1" want="$2"
	shift 2
	harness "" "$@"
	nat="$H_OUT" nrc=$H_RC
	harness "$SR" "$@"
	case "$nat" in
	*"$want"*) ;;
	*) fail "$name" "natively: no '$want' in: $nat"; return ;;
	esac
	if [ "$H_OUT" = "$nat" ] && [ "$H_RC" = "$nrc" ]; then
		ok "$name"
	else
		fail "$name" "in the VM (status $H_RC): $H_OUT
natively (status $nrc): $nat"
	fi
}

compare "tty names a terminal of /dev/pts; 0-2 are terminals; stty size is the harness's" \
	"/dev/pts/N
both
33 77" -- '$R sh -c "tty; test -t 0 && test -t 1 && test -t 2 && echo both; stty size"'
compare "a resize reaches the workload (SIGWINCH, 40 100)" "40 100" size:40:100 -- \
	'$R sh -c '\''trap "stty size; exit 0" WINCH; echo ready; while :; do sleep 1; done'\'
compare "exit status 3 propagates" "rc=3" -- '$R sh -c "exit 3"; echo rc=$?'
# The harness's shell catches INT (a handler: exec resets it), natively as in the VM.
compare "^C typed gives the workload SIGINT" "got-INT" type:03 -- \
	'trap : INT; $R sh -c '\''trap "echo got-INT; exit 5" INT; echo ready; while :; do sleep 1; done'\''; echo rc=$?'
compare "^C typed ends an untrapping workload (130)" "rc=130" type:03 -- \
	'trap : INT; $R sh -c "echo ready; sleep 100"; echo rc=$?'
compare "a line typed reaches the workload (-i)" "got:hello" type:68656c6c6f0d -- \
	'$R sh -c '\''echo ready; read x; echo got:$x'\'
compare "the terminal's settings are back after the run" "tty-same rc=0" -- \
	'a=$(stty -g); $R sh -c "echo ready; exit 0"; r=$?; b=$(stty -g); [ "$a" = "$b" ] && echo tty-same rc=$r || echo tty-differs rc=$r'
compare "... after the workload is killed by SIGKILL (137)" "tty-same rc=137" -- \
	'a=$(stty -g); $R sh -c "echo ready; kill -KILL \$\$"; r=$?; b=$(stty -g); [ "$a" = "$b" ] && echo tty-same rc=$r || echo tty-differs rc=$r'
# Signalled from outside: kiste (natively the workload itself) in the foreground of the
# harness's shell, its pid written first.  INT, TERM, HUP are forwarded (the workload
# ends of them, then kiste); QUIT ends kiste itself, which restores the terminal first.
# The workload is sleep (busybox's sh, not interactive, ignores QUIT natively).
for sig in TERM INT HUP QUIT; do
	rc=$((128 + $(kill -l "$sig")))
	compare "... after SIG$sig to kiste ($rc)" "tty-same rc=$rc" "kill:$sig:$tmp/pid" -- \
		'a=$(stty -g); sh -c '\''echo $$ >"$PIDFILE"; exec "$@"'\'' sh $R sh -c "echo ready; exec sleep 1000"; r=$?; b=$(stty -g); [ "$a" = "$b" ] && echo tty-same rc=$r || echo tty-differs rc=$r'
done
# --timeout: 137, the terminal restored (the VM's side only: natively nothing times out).
harness "kiste run --mode=vm --timeout 40 --rootfs $tmp/root -t -i --" -- \
	'a=$(stty -g); $R sh -c "echo ready; sleep 1000"; r=$?; b=$(stty -g); [ "$a" = "$b" ] && echo tty-same rc=$r || echo tty-differs rc=$r'
case "$H_OUT" in
*"tty-same rc=137"*) ok "... after --timeout (137)" ;;
*) fail "... after --timeout (137)" "$H_OUT" ;;
esac

# What only the VM's run has: -t without -i types nothing into the guest's pty (its
# reader waits 3 s for a line in vain) ...
harness "$ST" type:68656c6c6f0d -- \
	'$R sh -c '\''echo ready; read -t 3 x; echo "rc=$? got:[$x]"'\'
case "$H_OUT" in
*"got:[hello]"*) fail "-t without -i: nothing typed reaches the workload" "$H_OUT" ;;
*"got:[]"*) ok "-t without -i: nothing typed reaches the workload" ;;
*) fail "-t without -i: nothing typed reaches the workload" "$H_OUT" ;;
esac
# ... and what was typed meanwhile is not left for the caller's shell once the terminal is
# restored (kiste never read it).
harness "$ST" type:6c6566740d -- \
	'$R sh -c "echo ready; sleep 2"; read -r -t 2 x; echo "left:[$x]"'
case "$H_OUT" in
*"left:[]"*) ok "-t without -i: what was typed during the run is discarded, not the shell's input" ;;
*) fail "-t without -i: what was typed during the run is discarded, not the shell's input" \
	"$H_OUT" ;;
esac
# The workload's terminal is the guest's: a setting made there stays there (natively the
# harness's terminal takes it), and the guest's devpts holds its own pty alone.
harness "" -- '$R stty cols 55; stty size'
nat="$H_OUT"
harness "$SR" -- '$R stty cols 55; stty size'
if [ "$nat" = "33 55" ] && [ "$H_OUT" = "33 77" ]; then
	ok "stty in the guest leaves the caller's terminal alone"
else
	fail "stty in the guest leaves the caller's terminal alone" "in the VM: $H_OUT natively: $nat"
fi
harness "$SR" -- '$R ls -1 /dev/pts'
result "$([ "$H_OUT" = "0
ptmx" ]; echo $?)" "the guest's /dev/pts holds its own terminal alone" "$H_OUT"
# Everything the workload wrote is out before kiste exits, through a pipe too.
harness "" -- '$R seq 1 20000 | wc -l; $R seq 1 20000 | tail -n 1'
nat="$H_OUT"
harness "$SR" -- '$R sh -c "seq 1 20000; seq 1 20000 >&2" | tr -d "\r" | wc -l'
result "$([ "$H_OUT" = "40000" ] && [ "$nat" = "20000
20000" ]; echo $?)" "all output (stderr through the terminal too) is out before kiste exits" \
	"in the VM: $H_OUT natively: $nat"
# Input from a pipe (-i without a terminal at 0): typed into the guest's pty, no raw mode.
harness "" -- 'echo abc | $R sh -c "read x; echo got:\$x"'
nat="$H_OUT"
harness "$SR" -- 'echo abc | $R sh -c "read x; echo got:\$x"'
case "$H_OUT" in
*got:abc*) ok "-t -i with a pipe at stdin" ;;
*) fail "-t -i with a pipe at stdin" "in the VM: $H_OUT natively: $nat" ;;
esac
t_done
