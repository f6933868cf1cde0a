#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shim-bench.sh - shim mode's benchmark: trap cost, real workloads (threaded too), futex, start-up against runc and bwrap.
#
# Usage (as root, from a built tree): selftests/bench/shim-bench.sh [REPEATS]
# Prints medians over REPEATS runs (default 7) and the ratios against the targets of
# issue 4: trap <= 1.3x the raw SIGSYS round trip, workload <= 3x native, start-up
# <= 0.5x runc.  Installs runc from Debian if missing.  A benchmark, not a test.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(cd "$here/../.." && pwd)"
K="${KISTE:-$top/build/bin/kiste}"
reps="${1:-7}"
if [ "$reps" -lt 1 ] || [ "$reps" -gt 101 ]; then
	echo "shim-bench: REPEATS 1..101" >&2
	exit 2
fi
[ "$(id -u)" = 0 ] || { echo "shim-bench: run as root (runc needs it)" >&2; exit 2; }
[ -x "$K" ] || { echo "shim-bench: no $K: run make first" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
cc -O2 -o "$tmp/getppid" "$here/getppid_loop.c"
cc -O2 -o "$tmp/sud" "$here/sud_trap.c"
cc -O2 -pthread -o "$tmp/pingpong" "$here/futex_pingpong.c"

median()	# numbers on stdin
{
	sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Repeats CMD... and prints the median of what each run prints.
med_out()
{
	local i
	for ((i = 0; i < reps; i++)); do "$@"; done | median
}

# Repeats CMD... and prints the median wall time in ms.
med_time()
{
	local i s e
	for ((i = 0; i < reps; i++)); do
		s=$(date +%s%N)
		"$@" >/dev/null 2>&1 </dev/null || true
		e=$(date +%s%N)
		echo $(((e - s) / 1000))
	done | median | awk '{ printf "%.2f\n", $1 / 1000 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r <= t) ? "met" : "MISSED" }'; }

n=200000
native=$(med_out "$tmp/getppid" $n)
raw=$(med_out "$tmp/sud" $n)
shim=$(med_out "$K" run --mode=shim -- "$tmp/getppid" $n)
r_trap=$(ratio "$shim" "$raw")
echo "== syscall cost (median of $reps runs x $n calls, ns per call)"
printf '  native getppid            %8.1f ns\n' "$native"
printf '  raw SIGSYS round trip     %8.1f ns  (%.1fx native)\n' "$raw" "$(ratio "$raw" "$native")"
printf '  getppid under shim mode   %8.1f ns  (%.1fx native)\n' "$shim" "$(ratio "$shim" "$native")"
printf '  shim / raw SIGSYS         %8s x   target <= 1.3: %s\n' "$r_trap" "$(verdict "$r_trap" 1.3)"

# A small real workload: sha256sum over a few hundred files, then python3 -c pass.
mkdir -p "$tmp/files"
for i in $(seq 1 300); do head -c 4096 /dev/urandom >"$tmp/files/f$i"; done
# Both sides get the sandbox's default PATH (a caller's PATH may hold slower wrappers).
path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
wl="sha256sum $tmp/files/* >/dev/null; python3 -c pass"
w_native=$(med_time env -i PATH=$path sh -c "$wl")
w_shim=$(med_time "$K" run --mode=shim -- sh -c "$wl")
r_wl=$(ratio "$w_shim" "$w_native")
echo "== workload: sh -c 'sha256sum 300 files; python3 -c pass' (median wall ms)"
printf '  native                    %8.2f ms\n' "$w_native"
printf '  shim mode                 %8.2f ms\n' "$w_shim"
printf '  shim / native             %8s x   target <= 3: %s\n' "$r_wl" "$(verdict "$r_wl" 3)"

# Threads (issue 10): a pool of 8 threads hashing the files, zstd with 2 worker threads,
# and the futex round trip between two threads, each beside the same run natively.
cat >"$tmp/pool.py" <<'PY'
import hashlib, os, sys
from concurrent.futures import ThreadPoolExecutor
d = sys.argv[1]
def h(n):
    with open(os.path.join(d, n), 'rb') as f:
        return hashlib.sha256(f.read() * 64).hexdigest()
with ThreadPoolExecutor(8) as ex:
    list(ex.map(h, sorted(os.listdir(d))))
PY
head -c $((48 << 20)) /dev/urandom | base64 >"$tmp/big.txt"
py=/usr/bin/python3
t_native=$(med_time env -i PATH=$path "$py" "$tmp/pool.py" "$tmp/files")
t_shim=$(med_time "$K" run --mode=shim -- "$py" "$tmp/pool.py" "$tmp/files")
echo "== threads (median wall ms; issue 10 sets no target)"
printf '  ThreadPoolExecutor(8), 300 files native  %8.2f ms\n' "$t_native"
printf '  the same in shim mode                   %8.2f ms  (%sx)\n' "$t_shim" \
	"$(ratio "$t_shim" "$t_native")"
if command -v zstd >/dev/null; then
	z_native=$(med_time sh -c "zstd -q -T2 -c '$tmp/big.txt' >/dev/null")
	z_shim=$(med_time "$K" run --mode=shim -- sh -c "zstd -q -T2 -c '$tmp/big.txt' >/dev/null")
	printf '  zstd -T2, 64 MB native                  %8.2f ms\n' "$z_native"
	printf '  the same in shim mode                   %8.2f ms  (%sx)\n' "$z_shim" \
		"$(ratio "$z_shim" "$z_native")"
fi
f_native=$(med_out "$tmp/pingpong" 50000)
f_shim=$(med_out "$K" run --mode=shim -- "$tmp/pingpong" 50000)
printf '  futex ping-pong, 2 threads, native      %8.1f ns per round trip\n' "$f_native"
printf '  the same in shim mode                   %8.1f ns  (%sx)\n' "$f_shim" \
	"$(ratio "$f_shim" "$f_native")"

# Start-up: kiste run --mode=shim -- /bin/true against runc run of a busybox bundle.
if ! command -v runc >/dev/null; then
	echo "(installing runc from Debian)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq runc >/dev/null 2>&1 ||
		echo "shim-bench: could not install runc" >&2
fi
bb=$(command -v busybox || true)
s_shim=$(med_time "$K" run --mode=shim -- /bin/true)
echo "== start-up (median wall ms)"
printf '  kiste run --mode=shim -- /bin/true  %8.2f ms\n' "$s_shim"
if command -v runc >/dev/null && [ -n "$bb" ] && ! ldd "$bb" >/dev/null 2>&1; then
	b="$tmp/bundle"
	mkdir -p "$b/rootfs/bin"
	cp "$bb" "$b/rootfs/bin/busybox"
	ln -s busybox "$b/rootfs/bin/true"
	(cd "$b" && runc spec)
	sed -i -e 's/"terminal": true/"terminal": false/' -e 's/"sh"/"\/bin\/true"/' "$b/config.json"
	i=0
	runc_one() { i=$((i + 1)); runc run -b "$b" "kiste-bench-$$-$i"; }
	runc run -b "$b" "kiste-bench-$$-warm" >/dev/null 2>&1 || echo "shim-bench: runc run failed" >&2
	s_runc=$(med_time runc_one)
	r_start=$(ratio "$s_shim" "$s_runc")
	printf '  runc run (busybox bundle)           %8.2f ms\n' "$s_runc"
	printf '  shim / runc                         %8s x   target <= 0.5: %s\n' "$r_start" \
		"$(verdict "$r_start" 0.5)"
else
	echo "  runc run: not measured (needs runc and busybox-static)"
fi

# Start-up against bubblewrap (issue 14: target <= 1.0x) and against the same allowlist
# compiled by libseccomp (KISTE_TESTONLY_SHIM_LIBSECCOMP, the filter before issue 14):
# the three alternate in one loop, medians.  Then the phases (KISTE_SHIM_STATS).
if ! command -v bwrap >/dev/null; then
	echo "(installing bubblewrap from Debian)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null 2>&1 ||
		echo "shim-bench: could not install bubblewrap" >&2
fi
one_us() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 </dev/null || true; e=$(date +%s%N); echo $(((e - s) / 1000)); }
for ((i = 0; i < reps * 3; i++)); do
	one_us "$K" run --mode=shim -- /bin/true >>"$tmp/t.shim"
	one_us env KISTE_TESTONLY_SHIM_LIBSECCOMP=1 "$K" run --mode=shim -- /bin/true >>"$tmp/t.lsc"
	if command -v bwrap >/dev/null; then
		one_us bwrap --unshare-all --ro-bind / / --dev /dev --proc /proc /bin/true >>"$tmp/t.bwrap"
	fi
done
ms() { median <"$1" | awk '{ printf "%.2f", $1 / 1000 }'; }
printf '  shim, filter emitted (default)      %8.2f ms\n' "$(ms "$tmp/t.shim")"
printf '  shim, filter by libseccomp          %8.2f ms\n' "$(ms "$tmp/t.lsc")"
if [ -s "$tmp/t.bwrap" ]; then
	r_bwrap=$(ratio "$(ms "$tmp/t.shim")" "$(ms "$tmp/t.bwrap")")
	printf '  bwrap --unshare-all /bin/true       %8.2f ms\n' "$(ms "$tmp/t.bwrap")"
	printf '  shim / bwrap                        %8s x   target <= 1.0: %s\n' "$r_bwrap" \
		"$(verdict "$r_bwrap" 1.0)"
fi
echo "== start-up phases (KISTE_SHIM_STATS; median ms since the mark before)"
for ((i = 0; i < reps; i++)); do
	KISTE_SHIM_STATS=1 "$K" run --mode=shim -- /bin/true 2>&1 >/dev/null </dev/null |
		sed -n 's/^kiste:   //p' | awk '{ d = $NF; NF -= 2; print d "\t" $0 }'
done >"$tmp/phases"
cut -f2 "$tmp/phases" | awk '!seen[$0]++' | while IFS= read -r name; do
	printf '  %-32s %8.3f\n' "$name" "$(awk -F'\t' -v n="$name" '$2 == n { print $1 }' "$tmp/phases" | median)"
done
