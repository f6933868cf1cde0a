#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# fuzz-long.sh - `make fuzz-long`: kiste_fuzz alone for 10^6 messages on the KASAN + lockdep + kmemleak test VM.
#
# Settings (environment, the Makefile passes them): FUZZ_COUNT (default
# 1000000), FUZZ_TIME (seconds, default 10800), FUZZ_SEED (default: the
# fuzzer picks one and prints it), FUZZ_WORKERS (default 4).  Builds (or
# reuses) the debug kernel, kiste.ko against it from a copy of the sources
# (kmod/kiste.ko stays Debian's), an image whose only suite is kiste_fuzz,
# and boots it with --debug-checks: the run fails on any KASAN, lockdep,
# kmemleak or WARN report, as in make check.  Output: build/fuzz-long/.
set -euo pipefail

top="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
count="${FUZZ_COUNT:-1000000}"
secs="${FUZZ_TIME:-10800}"
seed="${FUZZ_SEED:-}"
nworkers="${FUZZ_WORKERS:-4}"
build="$top/build"
work="$build/fuzz-long"

[ -x "$build/vm-tests/kiste_fuzz" ] || { echo "fuzz-long: build/vm-tests/kiste_fuzz missing: make selftests" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work"

ktree=$("$top/selftests/vm/debug-kernel.sh" | tail -n 1)
[ -r "$ktree/bzImage" ] || { echo "fuzz-long: no debug kernel" >&2; exit 1; }

# kiste.ko for the debug kernel, as run-check.sh builds it
kbuild="$work/kmod"
mkdir -p "$kbuild/kmod" "$kbuild/uapi"
srcs=()
for f in "$top"/kmod/*.c "$top"/kmod/*.h; do
	case "$f" in
	*.mod.c) ;;
	*) srcs+=("$f") ;;
	esac
done
cp "$top/Kbuild" "$kbuild/"
cp "$top/kmod/Kbuild" "${srcs[@]}" "$kbuild/kmod/"
cp -a "$top/uapi/." "$kbuild/uapi/"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES make -C "$ktree" M="$kbuild" modules \
	>"$work/kmod.log" 2>&1 || { cat "$work/kmod.log"; exit 1; }

# an image with the fuzzer as its only suite
img="$work/img"
mkdir -p "$img/vm-tests" "$img/vm-tools" "$img/bin"
cp "$build/vm-tests/kiste_fuzz" "$img/vm-tests/"
[ -d "$build/vm-tools" ] && cp -a "$build/vm-tools/." "$img/vm-tools/"
[ -x "$build/bin/kiste" ] && cp "$build/bin/kiste" "$img/bin/"
{
	echo "COUNT=$count"
	echo "TIME=$secs"
	echo "WORKERS=$nworkers"
	echo "SUITE_TIMEOUT=$((secs + 600))"
	[ -z "$seed" ] || echo "SEED=$seed"
} >"$work/fuzz.conf"

nested=(--extra-file "$work/fuzz.conf:/etc/kiste-fuzz.conf")
[ "${KISTE_NESTED_KVM:-1}" = 1 ] || nested+=(--no-nested-kvm)
t0=$(date +%s)
rc=0
"$top/selftests/vm/run-vm.sh" --build "$img" --module "$kbuild/kmod/kiste.ko" \
	--kernel-image "$ktree/bzImage" --debug-checks --work "$work/vm" \
	--init-script "$top/selftests/fuzz/fuzz-long-init.sh" "${nested[@]}" \
	--timeout $((secs + 1200)) --result "$work/result" || rc=$?
echo "fuzz-long: $(grep -h '^ok 1 - fuzz:\|^not ok 1 - fuzz:' "$work/vm/suites/kiste_fuzz.log" 2>/dev/null || echo 'no fuzz result')"
echo "fuzz-long: $(($(date +%s) - t0)) s wall; VM result (passed failed skipped): $(cat "$work/result" 2>/dev/null || echo none)"
exit $rc
