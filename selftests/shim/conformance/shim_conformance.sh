#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shim_conformance.sh - each conformance program natively and in shim mode: their difference is the test.
# kiste-suite: host shim_conformance.sh
#
# POSIX sh (bash on the host).  A program (conformance/*.c) prints one line
# "ok N - WHAT: RESULT" per observed result and never judges it; this suite
# runs it natively and under `kiste run --mode=shim --trace`, then reports one
# result per program (same lines and exit status as natively) and one failing
# result per line that differs.  A difference listed in KNOWN below is a TODO
# (a gap with its reason, not yet closed) rather than a failure; it is still
# printed at the end among the tests that differ from native.  The trace gives
# the syscalls the programs made in the sandbox, printed at the end.
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=selftests/shim/shim_lib.sh
. "$here/shim-lib.helper"
K="${KISTE_SHIM:-$here/../bin/kiste}"
C="$here/shim-conformance"
AREAS="events inotify poll procs signals threads mustwork timers execthreads pi fpu jobs pidfd"
shim_need hostile
for a in $AREAS; do
	[ -x "$C/$a" ] || bail "no conformance program $C/$a: build it (make)"
done
work=$(mktemp -d) || bail "cannot make a temporary folder"
trap 'rm -rf "$work"' EXIT

# AREA|WHAT|why, one a line: differences known and not closed yet (none today; the first
# run found SA_RESETHAND and the senders' pids in siginfo, since fixed in gk/sig.c).
KNOWN=""

# A TODO result: counted, and never a failure (tap.sh's counters).
todo()	# NAME REASON
{
	t_head
	T_N=$((T_N + 1))
	echo "not ok $T_N - $(t_name "$1") # TODO $2"
}

known()	# AREA WHAT: the reason, or nothing
{
	printf '%s\n' "$KNOWN" | awk -F'|' -v a="$1" -v w="$2" '$1 == a && $2 == w { print $3 }'
}

differs=""
for a in $AREAS; do
	(cd / && TMPDIR="$SHIM_TMP" "$C/$a") >"$work/$a.native" 2>"$work/$a.nerr" </dev/null
	n_rc=$?
	"$K" run --mode=shim --trace --tmpfs "$SHIM_TMP" --env TMPDIR="$SHIM_TMP" -- "$C/$a" \
		>"$work/$a.shim" 2>"$work/$a.trace" </dev/null
	s_rc=$?
	grep -v '^kiste-shim\[' "$work/$a.trace" >"$work/$a.serr"
	n_lines=$(grep -c '^ok ' "$work/$a.native")
	if ! grep -q '^1\.\.[0-9]' "$work/$a.native" || [ "$n_rc" -ne 0 ]; then
		fail "$a: runs natively" "native exit $n_rc; $(tail -3 "$work/$a.native" "$work/$a.nerr")"
		continue
	fi
	# Each differing line: native and sandboxed, side by side (tab-separated).
	awk 'NR == FNR { n[FNR] = $0; nn = FNR; next } { s[FNR] = $0; ns = FNR }
	     END { m = nn > ns ? nn : ns; for (i = 1; i <= m; i++) if (n[i] != s[i])
	           printf "%s\t%s\n", i <= nn ? n[i] : "(nothing)", i <= ns ? s[i] : "(nothing)" }' \
		"$work/$a.native" "$work/$a.shim" >"$work/$a.diff"
	unknown=0
	tab=$(printf '\t')
	while IFS="$tab" read -r nl sl; do
		what=$(printf '%s\n' "$nl" | sed 's/^ok [0-9]* - //; s/: [^:]*$//')
		[ "$nl" = "(nothing)" ] && what=$(printf '%s\n' "$sl" | sed 's/^ok [0-9]* - //; s/: [^:]*$//')
		differs="$differs
  $a: $what"
		why=$(known "$a" "$what")
		if [ -n "$why" ]; then
			todo "$a: $what (same as native)" "$why"
		else
			unknown=$((unknown + 1))
			fail "$a: $what (same as native)" "native:    $nl
sandboxed: $sl"
		fi
	done <"$work/$a.diff"
	if [ "$s_rc" -ne "$n_rc" ]; then
		unknown=$((unknown + 1))
		differs="$differs
  $a: exit status"
		fail "$a: exit status (same as native)" "native $n_rc, sandboxed $s_rc: $(tail -3 "$work/$a.serr")"
	fi
	if [ "$unknown" -eq 0 ]; then
		ok "$a: $n_lines results and the exit status as native, up to the known gaps"
	else
		fail "$a: $n_lines results and the exit status as native" \
			"$unknown difference(s); the sandbox's stderr: $(tail -3 "$work/$a.serr")"
	fi
done

# Gate jumps: the allowlist rows of the events and timers blocks admit only the guest kernel's own use.
expect "gate jump: epoll_ctl adding descriptor 1001 is killed" 159 "seccomp filter" \
	"$K" run --mode=shim -- "$WL/hostile" gate 233 3 1 1001
expect "gate jump: epoll_pwait on descriptor 1001 is killed" 159 "seccomp filter" \
	"$K" run --mode=shim -- "$WL/hostile" gate 281 1001 0 1
expect "gate jump: select over nfds 1002 is killed" 159 "seccomp filter" \
	"$K" run --mode=shim -- "$WL/hostile" gate 23 1002 0 0
expect "gate jump: timerfd_create on CLOCK_MONOTONIC_RAW is killed" 159 "seccomp filter" \
	"$K" run --mode=shim -- "$WL/hostile" gate 283 4 0
expect "gate jump: signalfd4 on descriptor 1001 is killed" 159 "seccomp filter" \
	"$K" run --mode=shim -- "$WL/hostile" gate 289 1001 0 8
expect "gate jump: eventfd2 with an unknown flag is killed" 159 "seccomp filter" \
	"$K" run --mode=shim -- "$WL/hostile" gate 290 0 16
expect "gate jump: pidfd_send_signal with a siginfo is killed" 159 "seccomp filter" \
	"$K" run --mode=shim -- "$WL/hostile" gate 424 3 10 4096
expect "gate jump: inotify_add_watch without IN_DONT_FOLLOW is killed" 159 "seccomp filter" \
	"$K" run --mode=shim -- "$WL/hostile" gate 254 3 0 2
expect "gate jump: timer_create on CLOCK_MONOTONIC_RAW is killed" 159 "seccomp filter" \
	"$K" run --mode=shim -- "$WL/hostile" gate 222 4 0 0
expect "gate jump: timer_settime with a flag other than TIMER_ABSTIME is killed" 159 \
	"seccomp filter" "$K" run --mode=shim -- "$WL/hostile" gate 223 0 2 0
expect "gate jump: pidfd_getfd of descriptor 1001 (a guest kernel's) is killed" 159 \
	"seccomp filter" "$K" run --mode=shim -- "$WL/hostile" gate 438 0 1001 0
expect "gate jump: pidfd_getfd with a flag is killed" 159 "seccomp filter" \
	"$K" run --mode=shim -- "$WL/hostile" gate 438 0 0 1
expect "gate jump: pidfd_getfd without a pid namespace is killed" 159 "seccomp filter" \
	"$K" run --mode=shim --unsafe-no-namespaces -- "$WL/hostile" gate 438 0 0 0
expect "gate jump: pidfd_open(1) and pidfd_getfd of the init's descriptor 0: EPERM" 0 \
	"pidfd_getfd(init, 0) from the gate: EPERM" "$K" run --mode=shim -- "$C/pidfd" gate-init
expect "gate jump: prlimit64 of RLIMIT_CORE (the host's stays 1: no core dumps) is killed" 159 \
	"seccomp filter" "$K" run --mode=shim -- "$WL/hostile" gate 302 0 4 0
expect "gate jump: epoll_create1(0) runs (the row admits the guest kernel's use)" 1 \
	"survived: " "$K" run --mode=shim -- "$WL/hostile" gate 291 0

# The workload itself killed by a signal: kiste exits 128+N, as a shell reports it natively.
for sig in SEGV ABRT TERM; do
	run sh -c "kill -$sig \$\$"
	n_rc=$T_RC
	run "$K" run --mode=shim -- sh -c "kill -$sig \$\$"
	if [ "$T_RC" = "$n_rc" ]; then
		ok "a workload killed by SIG$sig: exit $T_RC, as natively"
	else
		fail "a workload killed by SIG$sig: exit as natively" "native $n_rc, sandboxed $T_RC: $T_OUT"
	fi
done

served=$(cat "$work"/*.trace | grep -v 'ENOSYS (not implemented)' |
	sed -n 's/^kiste-shim\[[0-9]*\] \([a-z_0-9]*\)(.*/\1/p' | sort -u)
nosys=$(cat "$work"/*.trace | grep 'ENOSYS (not implemented)' |
	sed -n 's/^kiste-shim\[[0-9]*\] \([a-z_0-9]*\)(.*/\1/p' | sort -u)
echo "# syscalls the programs made in the sandbox, served ($(printf '%s\n' "$served" | grep -c .)):"
printf '%s\n' "$served" | paste -sd ' ' | fold -s -w 100 | sed 's/^/#   /'
echo "# not implemented (ENOSYS): $(printf '%s\n' "$nosys" | paste -sd ' ')"
if [ -n "$differs" ]; then
	echo "# tests that differ from native:$differs" | sed '2,$s/^/#/'
else
	echo "# tests that differ from native: none"
fi
t_done
