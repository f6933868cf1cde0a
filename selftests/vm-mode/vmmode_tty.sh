#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vmmode_tty.sh - kiste run --mode=vm -t/-i in the test VM: the guest's pty, relayed; lib/tty_cases.sh's cases natively and in a VM under one pty harness.
# kiste-suite: vm vmmode_tty.sh
# shellcheck disable=SC2016 # single-quoted scripts are for the harness's shell to expand
#
# ttyharness (selftests/vm/ttyharness.c, in the image's /bin) is the user's
# terminal: a new pty of 33 rows and 77 columns on which sh runs a case's
# script; it types, resizes, signals or waits for a step once the workload
# printed "ready".  The cases are shim_tty.sh's (lib/tty_cases.sh, as
# tty-cases.helper): each script runs with $R empty (natively: the workload has
# the harness's terminal) and with $R "kiste run --mode=vm -t -i --rootfs TREE
# --" (the workload has a pty of the guest's devpts, the agent relays it),
# busybox's sh on both sides.  Each such run boots a guest (about 12 s under
# TCG): cases that one workload can show share it, 11 boots where each case had
# its own (19), --timeout's in the background.  Every wait is bounded: the harness kills everything after
# $TTYHARNESS_LIMIT s, kiste runs with --timeout.

# shellcheck source=selftests/lib/tap.sh
. "$(dirname "$0")/tap.sh"
# shellcheck source=selftests/vm-mode/guest_lib.sh
. "$(dirname "$0")/vmmode-lib.helper"
T=${KISTE_VM_TEST_TIMEOUT:-$((240 * ${KISTE_TEST_TIME_SCALE:-1}))}
tmp=$(mktemp -d /tmp/vmmode_tty.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

vm_guest_require
command -v ttyharness >/dev/null || bail "no ttyharness in the image: build the vm-tools (make selftests)"
command -v mkfs.erofs >/dev/null || skip_all "no mkfs.erofs in the image (--rootfs): apt-get install erofs-utils"
[ -n "${KISTE_TEST_TIME_SCALE:-}" ] && skip_all "debug kernel: each nested boot is too slow for this suite's 11 runs"

# The guest's root: busybox and the applets the cases use (the native side has the same).
vm_busybox_tree "$tmp/root" sh tty stty sleep seq tr wc tail ls cat echo kill ||
	bail "no busybox"
export TTYHARNESS_LIMIT=$((T / 2))
export KISTE_VM_CACHE="$tmp/cache"
SR="kiste run --mode=vm --timeout $T --rootfs $tmp/root -t -i --"
ST="kiste run --mode=vm --timeout $T --rootfs $tmp/root -t --"
SANDBOXED="in the VM"
# kiste's own restores, seen alone: the watcher (lib/tty_raw.c) would mend a lost one
# after kiste's end, racing the harness's shell (vmmode_tty_test holds the watcher).
export KISTE_TESTONLY_NO_TTY_WATCHER=1
PIDFILE="$tmp/pid"

# harness R [ACTION...] -- SCRIPT: the terminal's text in H_OUT (/dev/pts/N for any N), status in H_RC.
harness()
{
	r="$1"
	shift
	# the shell's own line on a job a signal ended (natively the workload is that job) is dropped
	H_OUT=$(R="$r" PIDFILE="$PIDFILE" ttyharness "$@" 2>&1 </dev/null)
	H_RC=$?
	H_OUT=$(printf '%s\n' "$H_OUT" | sed -e 's|/dev/pts/[0-9]*|/dev/pts/N|g' \
		-e '/^\(Terminated\|Hangup\|Quit\|Killed\)\( (core dumped)\)\{0,1\}$/d')
	rm -f "$PIDFILE"
}

# shellcheck source=selftests/lib/tty_cases.sh
. "$(dirname "$0")/tty-cases.helper"
tty_static
# vm mode's own, in the background meanwhile (its guest mostly waits for --timeout, 30 s),
# once the first run has built the --rootfs image: 137, the terminal restored (natively
# nothing times out).  A pid file of its own: the harness removes its one after each run.
(
	# shellcheck disable=SC2030 # the background run's own, on purpose
	PIDFILE="$tmp/pid.timeout"
	harness "kiste run --mode=vm --timeout 30 --rootfs $tmp/root -t -i --" -- \
		'a=$(stty -g); $R sh -c "echo ready; sleep 1000"; r=$?; b=$(stty -g); [ "$a" = "$b" ] && echo tty-same rc=$r || echo tty-differs rc=$r'
	printf '%s\n' "$H_OUT" >"$tmp/timeout.out"
) &
timeout_case=$!

tty_interactive
tty_endings
tty_alone 'read -t 3 x && echo got:$x'
tty_pipes

wait "$timeout_case"
H_OUT=$(cat "$tmp/timeout.out" 2>/dev/null)
case "$H_OUT" in
*"tty-same rc=137"*) ok "... after --timeout (137)" ;;
*) fail "... after --timeout (137)" "$H_OUT" ;;
esac
t_done
