#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# run-check.sh - `make check`: every build, static check and test suite, summed into one line.
#
# Usage (from the top-level Makefile): run-check.sh MAKE KVER
# Each build step and each static check (checkpatch, sparse, W=1, shellcheck) is
# one result; every TAP result of the host tests (plain and ASan builds) and of
# the VM runs (Debian's kernel, and beside it the KASAN + lockdep + kmemleak debug
# kernel, see selftests/vm/DEBUG-KERNEL.md) adds its own.
#
# The suites are the ones the sources mark (selftests/lib/suites.sh): the host
# list runs from build/host-tests and build/asan/host-tests, the vm list in the
# test VM.  A listed suite that is absent or not executable is one failure, and
# so is an executable there that no source marks (stale, or a suite nobody
# listed).
#
# The summary tells distinct results from reruns (the ASan host run and the
# debug-kernel VM repeat suites already counted) and from build/static steps;
# its last line is "N passed, N failed, N skipped"; the exit status is non-zero
# when anything failed.
set -uo pipefail

make_cmd="${1:-make}"
kver="${2:-}"
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tap_count="$top/selftests/lib/tap-count"
build="$top/build"
logs="$build/check"
cd "$top" || exit 1
rm -rf "$logs"
mkdir -p "$logs"

passed=0
failed=0
skipped=0
# Results by kind: build/static steps, tests, reruns of tests counted already.
n_build=0
n_test=0
n_rerun=0
summary=""
# The failed results by name, repeated just above the last line so that a log
# shown only by its tail still names them.
failures=""
t0=$(date +%s)

add()	# NAME "P F S" [DETAIL [KIND: build|test|rerun, default test]]
{
	local p f s
	read -r p f s <<<"$2"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	case "${4:-test}" in
	build) n_build=$((n_build + p + f + s)) ;;
	rerun) n_rerun=$((n_rerun + p + f + s)) ;;
	*) n_test=$((n_test + p + f + s)) ;;
	esac
	summary+=$(printf '  %-40s %4d passed, %3d failed, %3d skipped  %s' "$1" "$p" "$f" "$s" "${3:-}")
	summary+=$'\n'
	[ "$f" -eq 0 ] || failures+="  $1: $f failed ${3:-}"$'\n'
}

# Up to 5 "not ok" lines of LOG (TODO and SKIP results are not failures) into the failure
# list, each with what the test saw: up to 4 of the "# " lines before it (a kselftest's
# assertion and FAIL lines come there) and up to 4 after it (a shell suite's diagnostics),
# a kselftest's RUN/OK lines left out.  CI shows only this list: a failure there must be
# readable without build/check/.
failed_lines()	# LABEL LOG
{
	local line

	while IFS= read -r line; do
		failures+="    $1: ${line:0:200}"$'\n'
	done < <(awk '
		/^(\[[^]]*\] )?(not )?ok / {
			if ($0 ~ /^(\[[^]]*\] )?not ok / && $0 !~ /# (TODO|SKIP)/) {
				if (++n > 5)
					exit
				print
				for (i = 1; i <= nb; i++)
					print "  " before[i]
				d = 4
			} else {
				d = 0
			}
			nb = 0
			next
		}
		/^(\[[^]]*\] )?# / {
			if ($0 ~ /# +(RUN|OK|PASS) /)
				next
			if (d > 0) {
				print "  " $0
				d--
			} else {
				if (nb == 4) {
					for (i = 1; i < 4; i++)
						before[i] = before[i + 1]
					nb = 3
				}
				before[++nb] = $0
			}
			next
		}
		{ d = 0 }' "$2" 2>/dev/null)
}

banner()
{
	echo
	echo "======== check: $* ========"
}

# One result per step: its exit status.
step()	# NAME COMMAND...
{
	local name="$1" t rc
	shift
	banner "$name"
	t=$(date +%s)
	"$@"
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "ok - $name ($(($(date +%s) - t))s)"
		add "$name" "1 0 0" "" build
	else
		echo "not ok - $name (exit $rc)"
		add "$name" "0 1 0" "(exit $rc)" build
	fi
	return $rc
}

mapfile -t host_suites < <("$top/selftests/lib/suites.sh" host)
mapfile -t vm_suites < <("$top/selftests/lib/suites.sh" vm)
# An empty list would run nothing and fail nothing.
if [ ${#host_suites[@]} -eq 0 ]; then
	echo "not ok - no source marks a host suite (selftests/lib/suites.sh host)"
	add "suites: host" "0 1 0" "none marked"
fi
if [ ${#vm_suites[@]} -eq 0 ]; then
	echo "not ok - no source marks a vm suite (selftests/lib/suites.sh vm)"
	add "suites: vm" "0 1 0" "none marked"
fi

# One failure per listed suite absent from DIR or not executable there, and
# per executable at DIR's top that no source marks.
check_suites()	# LABEL DIR KIND NAME...
{
	local label="$1" dir="$2" kind="$3" name f
	shift 3
	for name in "$@"; do
		if [ ! -f "$dir/$name" ] || [ ! -x "$dir/$name" ]; then
			echo "not ok - $label/$name: marked as a suite, but $dir/$name is absent or not executable"
			add "$label/$name" "0 1 0" "absent or not executable" "$kind"
		fi
	done
	for f in "$dir"/*; do
		name="${f##*/}"
		{ [ -f "$f" ] && [ -x "$f" ]; } || continue
		case " $* " in
		*" $name "*) ;;
		*)
			echo "not ok - $label/$name: executable, but no source marks it (kiste-suite:): stale? (make clean)"
			add "$label/$name" "0 1 0" "not a marked suite" "$kind"
			;;
		esac
	done
}

# The host suites in DIR, each from DIR by its own #! line, and their TAP counted.
run_host_tests()	# LABEL DIR KIND [ENV...]
{
	local label="$1" dir="$2" kind="$3" name rc log
	shift 3
	banner "$label: suites"
	check_suites "$label" "$dir" "$kind" "${host_suites[@]}"
	for name in "${host_suites[@]}"; do
		{ [ -f "$dir/$name" ] && [ -x "$dir/$name" ]; } || continue
		log="$logs/$label-$name.log"
		banner "$label/$name"
		(cd "$dir" && env "$@" timeout -k 10 600 "$dir/$name") </dev/null >"$log" 2>&1
		rc=$?
		cat "$log"
		add "$label/$name" "$("$tap_count" --rc $rc "$log")" "(exit $rc)" "$kind"
		failed_lines "$label/$name" "$log"
	done
}

# The debug kernel (KASAN + lockdep + kmemleak) builds in the background from
# the start: 8 to 13 minutes on a fresh machine (seconds once cached), which
# then overlap the static checks, the builds, the host tests and the Debian
# VM instead of following them.  Niced, so that the tests keep their CPU; it is
# waited for (or, when nothing needs it, stopped) before the summary, and it
# stays in this process group, so killing make check's group ends it too.
dk_out="$logs/debug-kernel.out"
dk_log="$logs/debug-kernel.log"
# Its status goes to a file too: bash forgets a finished background job's status once
# its pid is reused by a later child, and make check starts tens of thousands
# (wait then says "not a child", 127: seen on a busy machine).
dk_rc="$logs/debug-kernel.rc"
rm -f "$dk_rc"
(
	nice -n 10 "$top/selftests/vm/debug-kernel.sh" >"$dk_out" 2>"$dk_log" </dev/null
	echo $? >"$dk_rc"
) &
dk_pid=$!
dk_stop()
{
	local p

	if kill -0 "$dk_pid" 2>/dev/null; then
		# The subshell, its debug-kernel.sh and that script's own children (the build).
		for p in $(pgrep -P "$dk_pid"); do
			pkill -TERM -P "$p" 2>/dev/null
			kill -TERM "$p" 2>/dev/null
		done
		kill -TERM "$dk_pid" 2>/dev/null
		wait "$dk_pid" 2>/dev/null
	fi
}
trap dk_stop EXIT

static_ok=1
step "checkpatch (kmod, uapi)" "$make_cmd" --no-print-directory checkpatch || static_ok=0
step "sparse C=2 (kmod)" "$make_cmd" --no-print-directory sparse || static_ok=0
step "W=1 build (kmod)" "$make_cmd" --no-print-directory w1 || static_ok=0
step "shellcheck (shell scripts)" "$make_cmd" --no-print-directory shellcheck || static_ok=0

# The userspace builds use every CPU (each target once per make: "all selftests" in one
# make would build userspace twice at once); the debug kernel's build is niced.
jobs="-j$(nproc 2>/dev/null || echo 2)"
module_ok=1
step "build: module" "$make_cmd" --no-print-directory module || module_ok=0
step "build: userspace" "$make_cmd" --no-print-directory "$jobs" userspace
step "build: selftests" "$make_cmd" --no-print-directory "$jobs" selftests
# The ASan build (about 100 s) runs in the background, niced, beside the plain host
# tests, which wait on children and sleeps more than they compute; its step waits for it.
asan_log="$logs/asan-build.log"
asan_rc="$logs/asan-build.rc"
rm -f "$asan_rc"
(
	nice -n 5 "$make_cmd" --no-print-directory "$jobs" SANITIZE=1 userspace selftests \
		>"$asan_log" 2>&1 </dev/null
	echo $? >"$asan_rc"
) &
asan_pid=$!
asan_build()
{
	wait "$asan_pid" 2>/dev/null
	cat "$asan_log"
	[ "$(cat "$asan_rc" 2>/dev/null)" = 0 ]
}

run_host_tests host-tests "$build/host-tests" test
step "build: userspace+selftests SANITIZE=1" asan_build
run_host_tests host-tests-asan "$build/asan/host-tests" rerun \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# Nested KVM under TCG: the test VM runs KVM guests of its own (kvm_amd), with
# kvm-hold started by vm_load_modules so that guests coming and going cannot
# freeze it (README, "Known gaps").  KISTE_NESTED_KVM=0 boots the test VMs
# without SVM, so the broker, vm-mode and unikernel-vm suites there SKIP.
# fuse: the broker suite's FUSE-on-/dev case (a module in Debian's kernel,
# absent from the debug kernel, where that case SKIPs).  dummy: the interface
# passt needs to start in the test VM (vm_net_uplink in selftests/vm/vm-lib.sh).
# veth tun sch_ingress cls_u32 act_mirred: vm mode's --network ns:PATH (a veth pair
# between namespaces, the tap, the tc redirect between them; vmmode_run.sh).
net_mods="dummy veth tun sch_ingress cls_u32 act_mirred"
if [ "${KISTE_NESTED_KVM:-1}" = 1 ]; then
	nested_args=(--extra-modules "kvm_amd fuse $net_mods")
else
	nested_args=(--no-nested-kvm --extra-modules "fuse $net_mods")
	echo "note: nested KVM is off in the test VMs (KISTE_NESTED_KVM=0)"
fi

# ---- debug kernel: KASAN + lockdep + kmemleak ------------------------------

# Suites left out on the debug kernel only (they still run on Debian's kernel and on
# the host), as "GLOB=REASON".  Shim mode's conformance and hardening suites test the
# guest kernel in userspace against native Linux (5.5 minutes there together); the
# module paths they cross (arming, redirection, membership, teardown) are shim_vm.sh's,
# hostile.sh's and the kiste_* suites', which do run on the debug kernel.  vm mode runs a
# short subset there (vmmode_run.sh sees KISTE_TEST_TIME_SCALE), since each of its cases
# boots a nested Linux guest; kiste_fuzz and kiste_stress run smaller counts.
debug_skips=(
	"shim_conformance.sh=userspace conformance: runs on Debian's kernel"
	"shim_harden.sh=userspace hardening: runs on Debian's kernel"
)
debug_build="$build/debug-kmod"
debug_vm="$build/debug-vm"
ktree=""
times=""

# The background build's result (started above): its progress, then its tree.
debug_kernel()
{
	local rc waited=0

	# Not this (background) stage's child: its status file says when it is done.
	while [ ! -s "$dk_rc" ] && kill -0 "$dk_pid" 2>/dev/null && [ $waited -lt 3600 ]; do
		sleep 2
		waited=$((waited + 2))
	done
	rc=$(cat "$dk_rc" 2>/dev/null)
	rc=${rc:-1}
	cat "$dk_log"
	[ "$rc" = 0 ] || return 1
	ktree=$(tail -n 1 "$dk_out") && [ -r "$ktree/bzImage" ]
}

# kiste.ko against the debug tree, from a copy of the sources so that
# kmod/kiste.ko stays Debian's.
debug_kmod()	# VARIANT(normal|leak|lockorder|both)
{
	local out="$debug_build/$1" broken=() srcs f

	[ "$1" = normal ] || broken=("KISTE_BROKEN=$1")
	rm -rf "$out"
	mkdir -p "$out/kmod" "$out/uapi"
	srcs=()
	for f in kmod/*.c kmod/*.h; do
		case "$f" in
		*.mod.c) ;;
		*) srcs+=("$f") ;;
		esac
	done
	cp Kbuild "$out/" &&
	cp kmod/Kbuild "${srcs[@]}" "$out/kmod/" &&
	cp -a uapi/. "$out/uapi/" &&
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
		make -C "$ktree" M="$out" "${broken[@]}" modules &&
	[ -r "$out/kmod/kiste.ko" ]
}

timed()	# LABEL COMMAND...
{
	local label="$1" t rc
	shift
	t=$(date +%s)
	"$@"
	rc=$?
	times+="$label $(($(date +%s) - t))s; "
	return $rc
}

# Planted defects must make the run fail, each by its own checker, after a
# complete run (so the failure is the finding, not a crash).  KISTE_BROKEN=both
# plants a leak and a lock inversion in one module: one boot proves both
# checkers live, as each finds its own defect alone.
debug_proof()	# VARIANT [CHECK-NAME LABEL]...
{
	local v="$1" work="$debug_vm/$1" rc log="$logs/debug-$1.log"

	shift
	banner "checkers live ($v)"
	# 1 GiB: no suites run there, and kmemleak's closing scans walk every page's struct
	# page (the proof took 230 s with 2 GiB and a baseline, 86 s without both).
	timed "VM $v" env KISTE_TESTVM_MIB=1024 "$top/selftests/vm/run-vm.sh" --build "$build" \
		--module "$debug_build/$v/kmod/kiste.ko" --kernel-image "$ktree/bzImage" \
		--debug-checks --no-suites --work "$work" --timeout 900 >"$log" 2>&1
	rc=$?
	# Its "not ok" lines are expected: shown indented, not as results.
	sed -n '/^== VM run summary/,$p' "$log" | sed 's/^/  | /'
	while [ $# -ge 2 ]; do
		if [ $rc -ne 0 ] && grep -qx "not ok $1" "$work/checks" &&
		   grep -qx "ok reached the end of the run (sentinel)" "$work/checks"; then
			echo "ok - $2: the run failed with '$1' (full log: $log)"
			add "$2" "1 0 0" "" test
		else
			echo "not ok - $2: expected the run to fail with '$1' (exit $rc); see $log"
			add "$2" "0 1 0" "checker did not catch it (exit $rc)" test
		fi
		shift 2
	done
}

debug_stage()
{
	if [ $module_ok -eq 1 ] &&
	   timed "debug kernel (waiting for the background build)" \
		step "build: debug kernel (KASAN+lockdep+kmemleak, cached)" debug_kernel; then
		echo "debug kernel tree: $ktree"
		dk_ok=1
		timed "kmod normal" step "build: kiste.ko for the debug kernel" debug_kmod normal || dk_ok=0
		timed "kmod both" step "build: kiste.ko KISTE_BROKEN=both (leak, lock order; debug)" \
			debug_kmod both

		banner "debug-kernel VM (kiste.ko on KASAN + lockdep + kmemleak)"
		skip_args=()
		for s in "${debug_skips[@]}"; do
			skip_args+=(--skip-suite "$s")
		done
		[ "${KISTE_NESTED_KVM:-1}" = 1 ] || skip_args+=(--no-nested-kvm)
		if [ $dk_ok -eq 1 ]; then
			timed "VM suites" "$top/selftests/vm/run-vm.sh" --build "$build" \
				--module "$debug_build/normal/kmod/kiste.ko" --kernel-image "$ktree/bzImage" \
				--debug-checks --work "$debug_vm/normal" "${skip_args[@]}" \
				--extra-file "/boot/vmlinuz-$kver:/boot/vmlinuz-$kver" \
				--timeout "${DEBUG_VM_TIMEOUT:-3600}" --result "$logs/debug-vm.result" \
				> >(tee "$logs/debug-vm.log")
			rc=$?
			if [ -s "$logs/debug-vm.result" ]; then
				add "debug-kernel VM" "$(cat "$logs/debug-vm.result")" "(runner exit $rc)" rerun
				failed_lines "debug-kernel VM" "$logs/debug-vm.log"
			else
				add "debug-kernel VM" "0 1 0" "runner broke (exit $rc)" rerun
			fi
		else
			echo "not run: kiste.ko did not build against the debug kernel"
			add "debug-kernel VM" "0 1 0" "not run: kiste.ko did not build" rerun
		fi

		if [ -r "$debug_build/both/kmod/kiste.ko" ]; then
			debug_proof both \
				"debug: no kmemleak report involving kiste" \
				"checkers live: kmemleak catches KISTE_BROKEN's leak" \
				"debug: no lockdep report" \
				"checkers live: lockdep catches KISTE_BROKEN's lock inversion"
		else
			add "checkers live: kmemleak catches KISTE_BROKEN's leak" "0 1 0" "not built" test
			add "checkers live: lockdep catches KISTE_BROKEN's lock inversion" "0 1 0" \
				"not built" test
		fi
		echo "debug-kernel stage times: $times"
	else
		dk_stop
		banner "debug kernel"
		echo "not run: the module or the debug kernel did not build"
		add "debug-kernel VM" "0 1 0" "not run: no module or no debug kernel" rerun
	fi
}

# The debug-kernel stage runs beside the Debian-kernel VM: each test VM is one
# qemu (TCG) whose guest runs its suites one at a time, about one core's work, and
# the machine has two.  Its output goes to a file, shown after the Debian VM's; its
# results come back through a file of the counters it added (a subshell's variables
# die with it).
debug_out="$logs/debug-stage.out"
debug_vars="$logs/debug-stage.vars"
rm -f "$debug_vars"
debug_stage_child()	# run in the background: its own counters, written out at its end
{
	local v

	passed=0 failed=0 skipped=0 n_build=0 n_test=0 n_rerun=0 summary="" failures=""
	debug_stage
	for v in passed failed skipped n_build n_test n_rerun summary failures; do
		printf 'd_%s=%q\n' "$v" "${!v}"
	done >"$debug_vars"
}
debug_stage_child >"$debug_out" 2>&1 </dev/null &
debug_pid=$!

banner "test VM (kiste.ko on $kver)"
check_suites vm-tests "$build/vm-tests" test "${vm_suites[@]}"
if [ $module_ok -eq 1 ]; then
	"$top/selftests/vm/run-vm.sh" --build "$build" --module "$top/kmod/kiste.ko" \
		"${nested_args[@]}" --extra-file "/boot/vmlinuz-$kver:/boot/vmlinuz-$kver" \
		--kernel-version "$kver" --timeout "${VM_TIMEOUT:-2400}" --result "$logs/vm.result" |
		tee "$logs/vm.log"
	rc=${PIPESTATUS[0]}
	if [ -s "$logs/vm.result" ]; then
		add "test VM" "$(cat "$logs/vm.result")" "(runner exit $rc)"
		failed_lines "test VM" "$logs/vm.log"
	else
		add "test VM" "0 1 0" "runner broke (exit $rc)"
	fi
else
	echo "not run: the module did not build"
	add "test VM" "0 1 0" "not run: the module did not build"
fi

# The debug-kernel stage: its output, then its results into the totals.
banner "debug-kernel stage (ran beside the Debian-kernel VM)"
wait "$debug_pid" 2>/dev/null
# (wait forgets a job whose pid a later child took: its results file is the sign)
for _ in $(seq 1800); do
	if [ -s "$debug_vars" ] || ! kill -0 "$debug_pid" 2>/dev/null; then
		break
	fi
	sleep 2
done
cat "$debug_out"
d_passed=0 d_failed=0 d_skipped=0 d_n_build=0 d_n_test=0 d_n_rerun=0 d_summary="" d_failures=""
if [ -s "$debug_vars" ]; then
	# shellcheck disable=SC1090 # written just above, by this script
	. "$debug_vars"
else
	d_failed=1
	d_summary=$(printf '  %-40s %4d passed, %3d failed, %3d skipped  %s' "debug-kernel stage" 0 1 0 \
		"ended without its results (see $debug_out)")$'\n'
	d_failures="  debug-kernel stage: ended without its results"$'\n'
	d_n_rerun=1
fi
passed=$((passed + d_passed))
failed=$((failed + d_failed))
skipped=$((skipped + d_skipped))
n_build=$((n_build + d_n_build))
n_test=$((n_test + d_n_test))
n_rerun=$((n_rerun + d_n_rerun))
summary+="$d_summary"
failures+="$d_failures"

banner "summary ($(($(date +%s) - t0))s)"
printf '%s' "$summary"
[ $static_ok -eq 1 ] || echo "static checks failed: see the checkpatch/sparse/W=1/shellcheck output above"
if [ -n "$failures" ]; then
	echo "failed (the logs are in build/check/):"
	printf '%s' "$failures" | head -n 80
fi
echo "distinct results: $((n_test + n_build)) ($n_build build/static steps);" \
     "reruns: $n_rerun (ASan host run, debug-kernel VM)"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
