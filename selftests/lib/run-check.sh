#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# run-check.sh - `make check`: every build, static check and test suite, summed into one line.
#
# Usage (from the top-level Makefile): run-check.sh MAKE KVER
# Each build step and each static check (checkpatch, sparse, W=1) is one result;
# every TAP result of the host tests (plain and ASan builds) and of the VM run
# adds its own.  The last line is "N passed, N failed, N skipped"; the exit
# status is non-zero when anything failed.
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
summary=""
t0=$(date +%s)

add()	# NAME "P F S" [DETAIL]
{
	local p f s
	read -r p f s <<<"$2"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	summary+=$(printf '  %-40s %4d passed, %3d failed, %3d skipped  %s' "$1" "$p" "$f" "$s" "${3:-}")
	summary+=$'\n'
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
		add "$name" "1 0 0"
	else
		echo "not ok - $name (exit $rc)"
		add "$name" "0 1 0" "(exit $rc)"
	fi
	return $rc
}

# Every executable in DIR is a TAP suite; helpers are skipped as in the VM.
run_host_tests()	# LABEL DIR [ENV...]
{
	local label="$1" dir="$2" f name rc log
	shift 2
	if [ ! -d "$dir" ] || [ -z "$(ls -A "$dir" 2>/dev/null)" ]; then
		banner "$label"
		echo "no host tests in $dir"
		return 0
	fi
	for f in "$dir"/*; do
		name="${f##*/}"
		[ -f "$f" ] || continue
		case "$name" in
		*-helper | *.helper | *.txt | *.json | *.so) continue ;;
		esac
		log="$logs/$label-$name.log"
		banner "$label/$name"
		case "$name" in
		*.sh) (cd "$dir" && env "$@" timeout -k 10 600 bash "$f") </dev/null >"$log" 2>&1 ;;
		*) [ -x "$f" ] || continue
		   (cd "$dir" && env "$@" timeout -k 10 600 "$f") </dev/null >"$log" 2>&1 ;;
		esac
		rc=$?
		cat "$log"
		add "$label/$name" "$("$tap_count" --rc $rc "$log")" "(exit $rc)"
	done
}

static_ok=1
step "checkpatch (kmod, uapi)" "$make_cmd" --no-print-directory checkpatch || static_ok=0
step "sparse C=2 (kmod)" "$make_cmd" --no-print-directory sparse || static_ok=0
step "W=1 build (kmod)" "$make_cmd" --no-print-directory w1 || static_ok=0

module_ok=1
step "build: module" "$make_cmd" --no-print-directory module || module_ok=0
step "build: userspace" "$make_cmd" --no-print-directory userspace
step "build: selftests" "$make_cmd" --no-print-directory selftests
step "build: userspace+selftests SANITIZE=1" \
	"$make_cmd" --no-print-directory SANITIZE=1 userspace selftests

run_host_tests host-tests "$build/host-tests"
run_host_tests host-tests-asan "$build/asan/host-tests" \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

banner "test VM (kiste.ko on $kver)"
if [ $module_ok -eq 1 ]; then
	"$top/selftests/vm/run-vm.sh" --build "$build" --module "$top/kmod/kiste.ko" \
		--extra-modules "kvm_amd" --extra-file "/boot/vmlinuz-$kver:/boot/vmlinuz-$kver" \
		--kernel-version "$kver" --timeout "${VM_TIMEOUT:-2400}" --result "$logs/vm.result"
	rc=$?
	if [ -s "$logs/vm.result" ]; then
		add "test VM" "$(cat "$logs/vm.result")" "(runner exit $rc)"
	else
		add "test VM" "0 1 0" "runner broke (exit $rc)"
	fi
else
	echo "not run: the module did not build"
	add "test VM" "0 1 0" "not run: the module did not build"
fi

banner "summary ($(($(date +%s) - t0))s)"
printf '%s' "$summary"
[ $static_ok -eq 1 ] || echo "static checks failed: see the checkpatch/sparse/W=1 output above"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
