# SPDX-License-Identifier: GPL-2.0
# kill_lib.sh - what kill.sh and kill_vm.sh share: SIGKILL a launcher, then look for anything left.
# shellcheck shell=sh
#
# Installed beside the suites as kill-lib.helper (build/host-tests and
# build/vm-tests), with the helper kill/kill-run, and sourced once the suite
# has set $here (its folder) and $K (the kiste binary).  POSIX sh: bash on the
# host, busybox ash in the test VM.
#
# One kill: kill-run starts `kiste run` and SIGKILLs it (after a random delay,
# or where KISTE_TESTONLY_STOP_AT stopped it); being a child subreaper, it then
# waits until every process the launcher started has ended.  Each run has a
# marker MARK: its --name (the registry sandbox's), its workload's argument,
# and the name the launcher is started under (a symlink to kiste: the comm of
# every process forked from it).  After the kill, within KL_WAIT seconds:
#   - no descendant of the launcher runs (kill-run: none left to reap);
#   - no process is named MARK or sits in a cgroup named for the launcher;
#   - no cgroup directory MODE-PID is left below kiste's parents;
#   - with kiste.ko: `kiste sandbox list` has no sandbox MARK and `kiste stats`
#     (sandboxes, members, files) is back where the suite started;
#   - where debugfs shows KVM's VMs: the same VMs as when the suite started;
#   - no temporary file in vm mode's kernel cache.
# Each suite kills first as kiste normally runs (its cgroup's watcher is one
# of the layers that end a sandbox), then again where it finds no cgroup
# (kill-run -n: a private mount namespace without the hierarchies, as for a
# caller without delegated cgroups), where the parent-death signals, pipes
# and kiste.ko must end everything alone.

: "${here:?the suite sets here to its own folder before sourcing kill-lib.helper}"
: "${K:?the suite sets K to the kiste binary before sourcing kill-lib.helper}"
# The unikernels: hello (kl_probe) and the sleeper that runs until killed.
: "${KL_HELLO:?the suite sets KL_HELLO before sourcing kill-lib.helper}"
: "${KL_SLEEPER:?the suite sets KL_SLEEPER before sourcing kill-lib.helper}"
# shellcheck source=selftests/lib/tap.sh
. "$here/tap.sh"
KR="$here/kill/kill-run"
KL_TMP=$(mktemp -d /tmp/kill.XXXXXX)
KL_N=0
# Seconds a kill's leftovers may take to go; kill-run's own wait is the same.
KL_WAIT=${KL_WAIT:-5}
KL_MODULE=
[ -c /dev/kiste ] && KL_MODULE=1
KL_KVMDBG=
KL_VMCACHE=${KISTE_VM_CACHE:-/var/cache/kiste/vm}
# What a failed kill reports, and how many failed in a batch.
KL_WHY=
KL_PRE=
KL_POLLS=0
KL_BAD=0
KL_DIAG=
KL_STOP=
# "-n" while the runs go where kiste finds no cgroup (kill-run -n): the
# parent-death signals, pipes and kiste.ko must then end everything alone.
KL_NOCG=
# Random kills done and asked for; how much slower than the host this machine is.
KL_TOTAL=0
KL_WANT=0
KL_SCALE=${KL_SCALE:-1}

kl_cleanup()
{
	rm -rf "$KL_TMP"
}
trap kl_cleanup EXIT

# The kiste parents in every cgroup hierarchy (lib/cgroup.c: MODE-PID below
# each); call after a run of kiste has created them.
kl_cgroup_parents()
{
	KL_CGP=$(find /sys/fs/cgroup -maxdepth 6 -type d -name kiste -prune 2>/dev/null)
}

# kiste stats without ids_issued (its last line, which every run moves on).
kl_stats()
{
	_st=$("$K" stats 2>&1) || { echo "kiste stats failed: $_st"; return; }
	echo "${_st%%ids_issued*}"
}

# The state every kill must return to: kiste.ko's counts, KVM's VMs.
kl_baseline()
{
	kl_cgroup_parents
	[ -n "$KL_MODULE" ] && KL_STATS0=$(kl_stats)
	if [ -d /sys/kernel/debug/kvm ]; then
		KL_KVMDBG=1
		KL_KVM0=$(kl_vms)
	fi
}

# KVM's VMs as debugfs lists them (PID-FD), on one line.
kl_vms()
{
	for _v in /sys/kernel/debug/kvm/*-*; do
		[ -e "$_v" ] && printf '%s ' "${_v##*/}"
	done
}

# What is left of launcher PID's run MARK, one line each; nothing when clean.
# Few programs run here (each costs under TCG): one grep, kiste sandbox list and stats.
# A cgroup counts when it was not there before the run began ($KL_PRE, listed then):
# pids come round again, and a folder MODE-PID that an earlier launcher of that pid left
# (v1's memory cgroup can stay busy past kiste's 4 s; the next run's sweep removes it) is
# not this run's.  (cgroupfs gives its folders no creation time to compare.)
kl_left()	# PID MARK
{
	for _p in $KL_CGP; do
		for _d in "$_p"/*-"$1"; do
			[ -d "$_d" ] || continue
			printf '%s\n' "$KL_PRE" | grep -qxF -e "$_d" && continue
			echo "cgroup $_d"
		done
	done
	grep -l -E -e "^$2\$" -e "/kiste/[a-z]+-$1\$" /proc/[0-9]*/comm /proc/[0-9]*/cgroup \
		2>/dev/null | sed 's/^/process named for the run or in its cgroup: /'
	if [ -n "$KL_MODULE" ]; then
		# A list that fails to run lists nothing either: its status counts.
		if ! _lst=$("$K" sandbox list 2>&1); then
			echo "kiste sandbox list failed: $_lst"
		else
			case "$_lst" in
			*" $2 "*) echo "registry: $_lst" ;;
			esac
		fi
		_st=$(kl_stats)
		[ "$_st" = "$KL_STATS0" ] || echo "kiste stats: $_st (at the start: $KL_STATS0)"
	fi
	if [ -n "$KL_KVMDBG" ]; then
		_vms=$(kl_vms)
		[ "$_vms" = "$KL_KVM0" ] || echo "KVM VMs (debugfs): $_vms(at the start: $KL_KVM0)"
	fi
	for _f in "$KL_VMCACHE"/.vmlinux-*; do
		[ -e "$_f" ] && echo "temporary file in the kernel cache: $_f"
	done
	return 0
}

# The cgroup folders MODE-PID that are there before a run (kl_left leaves them out).
kl_pre()
{
	KL_PRE=$(for _p in $KL_CGP; do
		for _d in "$_p"/*-[0-9]*; do
			[ -d "$_d" ] && printf '%s\n' "$_d"
		done
	done)
}

# Polls kl_left until it is empty or KL_WAIT seconds passed; sets KL_WHY.
# KL_POLLS: how many looks beyond the first it took.
kl_settle()	# PID MARK
{
	KL_POLLS=0
	_send=$(($(date +%s) + KL_WAIT))
	while :; do
		KL_WHY=$(kl_left "$1" "$2")
		[ -z "$KL_WHY" ] && return 0
		[ "$(date +%s)" -ge "$_send" ] && return 1
		sleep 0.1
		KL_POLLS=$((KL_POLLS + 1))
	done
}

# One kill: kill-run KR-ARGS against `kiste run` of RUNFN (kl_run_*), then
# the checks.  0 when nothing is left, 1 when something is (KL_WHY says
# what), 2 when the launcher was not killed by us (it ended first, or never
# reached the phase; KL_WHY has its output).  KL_PID, KL_OUT: the launcher,
# kill-run's line.
kl_kill()	# RUNFN KR-ARG...
{
	_fn=$1
	shift
	KL_N=$((KL_N + 1))
	MARK="kk$$x$KL_N"
	kl_pre
	# shellcheck disable=SC2086 # KL_NOCG is one word or none
	KL_OUT=$("$_fn" $KL_NOCG -l "$KL_TMP/$MARK" -w $((KL_WAIT * 1000)) -o "$KL_TMP/log" "$@")
	_krc=$?
	KL_PID=${KL_OUT#pid=}
	KL_PID=${KL_PID%%[!0-9]*}
	if [ -z "$KL_PID" ] || [ "$_krc" -ge 3 ]; then
		KL_WHY="kill-run failed (exit $_krc): $KL_OUT"
		return 1
	fi
	if [ "$_krc" -eq 2 ]; then
		KL_WHY="$KL_OUT; kiste said: $(head -c 300 "$KL_TMP/log")"
		return 2
	fi
	kl_settle "$KL_PID" "$MARK"
	_st=$?
	# krc 1: descendants outlived the wait (kill-run listed, then killed them).
	[ $_st -eq 0 ] && [ "$_krc" -eq 0 ] && return 0
	KL_WHY="$KL_OUT${KL_WHY:+
$KL_WHY}"
	return 1
}

# The runs: `kiste run` of each mode, started as $KL_TMP/$MARK (-l), stopping at
# the phase $KL_STOP (empty: none).  The workloads run far longer than any
# delay, so every kill lands in start-up or the run.
kl_run_shim()	# KR-ARG...
{
	KISTE_TESTONLY_STOP_AT="$KL_STOP" "$KR" "$@" -- "$K" run --mode=shim \
		--name "$MARK" -- /bin/sh -c 'sleep 60 | cat' "$MARK"
}

kl_run_uk()	# KR-ARG...
{
	KISTE_TESTONLY_STOP_AT="$KL_STOP" "$KR" "$@" -- "$K" run --mode=unikernel \
		--name "$MARK" -- "$KL_SLEEPER" "$MARK"
}

kl_run_ukvm()	# KR-ARG...
{
	KISTE_TESTONLY_STOP_AT="$KL_STOP" "$KR" "$@" -- "$K" run --mode=unikernel \
		--isolation vm --name "$MARK" -- "$KL_SLEEPER" "$MARK"
}

kl_run_vm()	# KR-ARG...
{
	KISTE_TESTONLY_STOP_AT="$KL_STOP" "$KR" "$@" -- "$K" run --mode=vm \
		--name "$MARK" -- /bin/sh -c 'sleep 60' "$MARK"
}

# Collects one failed kill into the batch's diagnostics (at most 10 shown).
kl_note()	# WHAT
{
	KL_BAD=$((KL_BAD + 1))
	[ "$KL_BAD" -le 10 ] && KL_DIAG="${KL_DIAG:+$KL_DIAG
}$1: $KL_WHY"
}

# COUNT kills of RUNFN at random times up to MAX_US (seeds SEED0..), stopped
# early at the epoch second DEADLINE, or after KL_MAXBAD failed kills (each
# costs KL_WAIT).  One result; KL_DONE: kills done.
kl_random()	# LABEL RUNFN COUNT MAX_US SEED0 DEADLINE
{
	KL_BAD=0
	KL_DIAG=
	KL_DONE=0
	_early=0
	_j=0
	# Where the kills fell (ms after the launcher's fork), and the slowest end.
	_h1=0 _h10=0 _h100=0 _hmore=0 _slow=0 _polls=0 _t=$(date +%s)
	while [ "$_j" -lt "$3" ] && [ "$KL_BAD" -lt "${KL_MAXBAD:-3}" ] &&
	      [ "$(date +%s)" -lt "$6" ]; do
		_seed=$(($5 + _j))
		kl_kill "$2" -r "$4" -s "$_seed"
		case $? in
		0) KL_DONE=$((KL_DONE + 1)) ;;
		1) KL_DONE=$((KL_DONE + 1)); kl_note "seed $_seed" ;;
		2) _early=$((_early + 1)); kl_note "seed $_seed, not killed" ;;
		esac
		_d=${KL_OUT#*delay_us=}
		_d=${_d%%[!0-9]*}
		_g=${KL_OUT#*gone_ms=}
		_g=${_g%%[!0-9]*}
		case ${#_d} in
		0 | 1 | 2 | 3) _h1=$((_h1 + 1)) ;;
		4) _h10=$((_h10 + 1)) ;;
		5) _h100=$((_h100 + 1)) ;;
		*) _hmore=$((_hmore + 1)) ;;
		esac
		[ "${_g:-0}" -gt "$_slow" ] && _slow=$_g
		_polls=$((_polls + KL_POLLS))
		_j=$((_j + 1))
	done
	echo "# $1: kills at <1 ms: $_h1, 1-10 ms: $_h10, 10-100 ms: $_h100, more: $_hmore;" \
		"slowest end of what a launcher left: $_slow ms; checks repeated: $_polls;" \
		"$(($(date +%s) - _t)) s"
	# Stopped for failures: the runs not done are not the budget's (kl_campaign).
	KL_CUT=0
	[ "$KL_BAD" -ge "${KL_MAXBAD:-3}" ] && KL_CUT=$(($3 - _j))
	[ "$_j" -lt "$3" ] && KL_DIAG="stopped after $_j of $3 runs (time budget or failures)${KL_DIAG:+
$KL_DIAG}"
	# A batch the budget left no time for proved nothing.
	[ "$KL_BAD" -eq 0 ] && { [ "$KL_DONE" -gt 0 ] || [ "$3" -eq 0 ]; }
	result $? "$1: $KL_DONE random SIGKILLs (up to $(($4 / 1000)) ms) leave nothing behind" \
		"$KL_BAD of $_j failed ($_early ended before the kill); one again: kill-run -r $4 -s SEED
-- kiste run ... as $2 in kill_lib.sh${KL_DIAG:+
$KL_DIAG}"
}

# TIMES kills of RUNFN at PHASE (KISTE_TESTONLY_STOP_AT).  One result.
kl_phase()	# LABEL RUNFN PHASE TIMES TIMEOUT_S
{
	KL_BAD=0
	KL_DIAG=
	_j=0
	while [ "$_j" -lt "$4" ]; do
		KL_STOP=$3
		kl_kill "$2" -p "$5"
		case $? in
		1) kl_note "kill $((_j + 1))" ;;
		2) kl_note "kill $((_j + 1)), phase not reached" ;;
		esac
		_j=$((_j + 1))
	done
	KL_STOP=
	[ "$KL_BAD" -eq 0 ]
	result $? "$1: SIGKILL at $3 ($4 times) leaves nothing behind" "$KL_DIAG"
}

# Whether this kiste runs shim and unikernel modes here (a kiste that cannot
# proves nothing by being killed: results, and bail), and unikernel vm
# isolation (KL_UKVM=1 when /dev/kvm runs the tiny guest).
kl_probe()
{
	expect "shim mode runs here" 0 "" "$K" run --mode=shim -- /bin/true
	expect "unikernel mode runs here (process isolation)" 0 "hello from a kiste unikernel" \
		"$K" run --mode=unikernel -- "$KL_HELLO"
	[ "$T_FAIL" -eq 0 ] || bail "kiste does not run its modes here: see above"
	KL_UKVM=
	run "$K" run --mode=unikernel --isolation vm -- "$KL_HELLO"
	case "$T_RC:$T_OUT" in
	0:*"hello from a kiste unikernel (vm isolation)"*) KL_UKVM=1 ;;
	*) echo "# no unikernel vm isolation here: exit $T_RC: $(echo "$T_OUT" | head -2)" ;;
	esac
}

# Shim and unikernel modes, SUFFIX naming the set-up: each named phase TIMES
# times, then random kills (NSHIM, NUK, NUKVM; NUKVM goes to NUK without vm
# isolation) for at most BUDGET seconds, with seeds from SEED.  Delays
# reach 300, 50 and 100 ms times KL_SCALE.  Adds the kills done to KL_TOTAL,
# those asked for to KL_WANT (less a failed batch's rest: it failed already).
kl_campaign()	# SUFFIX TIMES NSHIM NUK NUKVM BUDGET SEED
{
	_sfx=$1
	for _ph in shim-cgroup shim-init-started; do
		kl_phase "shim$_sfx" kl_run_shim "$_ph" "$2" $((30 * KL_SCALE))
	done
	for _ph in uk-bound uk-forked; do
		kl_phase "unikernel (process)$_sfx" kl_run_uk "$_ph" "$2" $((30 * KL_SCALE))
	done
	for _ph in uk-bound uk-forked; do
		if [ -n "$KL_UKVM" ]; then
			kl_phase "unikernel (vm)$_sfx" kl_run_ukvm "$_ph" "$2" $((30 * KL_SCALE))
		else
			skip "unikernel (vm)$_sfx: SIGKILL at $_ph" "/dev/kvm does not run the tiny guest here"
		fi
	done
	_nuk=$4
	_nukvm=$5
	[ -n "$KL_UKVM" ] || { _nuk=$((_nuk + _nukvm)); _nukvm=0; }
	KL_WANT=$((KL_WANT + $3 + _nuk + _nukvm))
	_cend=$(($(date +%s) + $6))
	kl_random "shim$_sfx" kl_run_shim "$3" $((300000 * KL_SCALE)) "$7" "$_cend"
	KL_TOTAL=$((KL_TOTAL + KL_DONE))
	KL_WANT=$((KL_WANT - KL_CUT))
	kl_random "unikernel (process)$_sfx" kl_run_uk "$_nuk" $((50000 * KL_SCALE)) \
		$(($7 + 10000)) "$_cend"
	KL_TOTAL=$((KL_TOTAL + KL_DONE))
	KL_WANT=$((KL_WANT - KL_CUT))
	if [ "$_nukvm" -gt 0 ]; then
		kl_random "unikernel (vm)$_sfx" kl_run_ukvm "$_nukvm" $((100000 * KL_SCALE)) \
			$(($7 + 20000)) "$_cend"
		KL_TOTAL=$((KL_TOTAL + KL_DONE))
		KL_WANT=$((KL_WANT - KL_CUT))
	fi
}

# The checks must see what is left: a process named like a run and moved into
# a cgroup named for it, that cgroup in every hierarchy, and with kiste.ko a
# sandbox of that name, all left on purpose; then removed, and nothing seen.
kl_control()
{
	MARK="kk$$ctl"
	kl_pre
	ln -s "$KR" "$KL_TMP/$MARK" || bail "cannot create $KL_TMP/$MARK"
	"$KL_TMP/$MARK" -P &
	_spid=$!
	for _p in $KL_CGP; do
		mkdir "$_p/control-$_spid"
	done
	_first=${KL_CGP%%[[:space:]]*}
	if [ -n "$_first" ]; then
		echo "$_spid" >"$_first/control-$_spid/cgroup.procs" ||
			echo "$_spid" >"$_first/control-$_spid/tasks"
	fi
	[ -n "$KL_MODULE" ] && "$K" sandbox create --mode shim --name "$MARK" >/dev/null
	_seen=$(kl_left "$_spid" "$MARK")
	kill -9 "$_spid"
	wait "$_spid" 2>/dev/null
	for _p in $KL_CGP; do
		rmdir "$_p/control-$_spid"
	done
	[ -n "$KL_MODULE" ] && "$K" sandbox delete "$MARK" >/dev/null
	rm -f "$KL_TMP/$MARK"
	_missing=
	case "$_seen" in *"process named for the run"*comm*) ;; *) _missing="$_missing process" ;; esac
	if [ -n "$_first" ]; then
		case "$_seen" in *"$_first/control-$_spid"*) ;; *) _missing="$_missing cgroup" ;; esac
		case "$_seen" in *"its cgroup: /proc/$_spid/cgroup"*) ;; *) _missing="$_missing member" ;; esac
	fi
	if [ -n "$KL_MODULE" ]; then
		case "$_seen" in *"registry: "*"$MARK"*) ;; *) _missing="$_missing registry" ;; esac
		case "$_seen" in *"kiste stats: "*) ;; *) _missing="$_missing stats" ;; esac
	fi
	[ -z "$_missing" ]
	result $? "control: the checks see a process, cgroup${KL_MODULE:+ and sandbox} left on purpose" \
		"not seen:$_missing; kl_left said: $_seen"
	kl_settle "$_spid" "$MARK"
	result $? "control: and see nothing once they are gone" "$KL_WHY"
}
