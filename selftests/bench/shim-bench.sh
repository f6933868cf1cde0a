#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shim-bench.sh - shim mode's benchmark: trap cost, dd bs=1, real workloads (threaded too), futex, fio, memory, start-up against runc and bwrap, alone and 100 at once.
#
# Usage (as root, from a built tree): selftests/bench/shim-bench.sh [REPEATS]
# (or `make bench`).  Prints medians over REPEATS runs (default 7) and the ratios
# against the targets of issues 4 and 14: trap <= 1.3x the raw SIGSYS round trip,
# `dd bs=1` <= 2x native, workloads <= 1.2x native (issue 4's was 3x), start-up
# <= 0.5x runc and <= 1.0x bwrap, fio random 4 KiB I/O >= 50% of native, memory
# <= 8 MiB above native, 100 concurrent starts p50 <= 2x a single start.  Installs
# runc, bubblewrap and fio from Debian if missing.  A benchmark, not a test: one run's
# ratios on whatever machine it runs on; a missed target is printed as MISSED.
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
cleanup()
{
	[ -z "${sleeper:-}" ] || kill "$sleeper" 2>/dev/null || true
	umount "$tmp/tmpfs" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
need()	# COMMAND PACKAGE: installs PACKAGE from Debian when COMMAND is missing
{
	command -v "$1" >/dev/null && return 0
	echo "(installing $2 from Debian)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1 ||
		{ apt-get update -qq >/dev/null 2>&1 &&
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1; } ||
		echo "shim-bench: could not install $2" >&2
}
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

# Runs CMD... once and prints its wall time in microseconds.
one_us() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 </dev/null || true; e=$(date +%s%N); echo $(((e - s) / 1000)); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r <= t) ? "met" : "MISSED" }'; }

n=200000
native=$(med_out "$tmp/getppid" $n)
raw=$(med_out "$tmp/sud" $n)
shim=$(med_out "$K" run --mode=shim --no-patch -- "$tmp/getppid" $n)
patched=$(med_out "$K" run --mode=shim -- "$tmp/getppid" $n libc)
r_trap=$(ratio "$shim" "$raw")
echo "== syscall cost (median of $reps runs x $n calls, ns per call)"
printf '  native getppid            %8.1f ns\n' "$native"
printf '  raw SIGSYS round trip     %8.1f ns  (%.1fx native)\n' "$raw" "$(ratio "$raw" "$native")"
printf '  getppid, shim --no-patch  %8.1f ns  (%.1fx native)\n' "$shim" "$(ratio "$shim" "$native")"
printf '  shim / raw SIGSYS         %8s x   target <= 1.3: %s\n' "$r_trap" "$(verdict "$r_trap" 1.3)"
r_pat=$(ratio "$patched" "$native")
printf '  getppid, patched site     %8.1f ns  (%.1fx native)  target <= 1.5: %s\n' "$patched" \
	"$r_pat" "$(verdict "$r_pat" 1.5)"

# Syscall-bound: dd with one-byte blocks, 2 million calls (fewer repeats: the shim side
# takes seconds).
dd_reps=$(( reps < 3 ? reps : 3 ))
dd_one() { local i; for ((i = 0; i < dd_reps; i++)); do one_us "$@"; done | median | awk '{ printf "%.2f\n", $1 / 1000 }'; }
d_native=$(dd_one dd if=/dev/zero of=/dev/null bs=1 count=1M)
d_shim=$(dd_one "$K" run --mode=shim -- dd if=/dev/zero of=/dev/null bs=1 count=1M)
d_nop=$(dd_one "$K" run --mode=shim --no-patch -- dd if=/dev/zero of=/dev/null bs=1 count=1M)
r_dd=$(ratio "$d_shim" "$d_native")
echo "== dd if=/dev/zero of=/dev/null bs=1 count=1M (median of $dd_reps, wall ms)"
printf '  native                    %8.2f ms\n' "$d_native"
printf '  shim mode                 %8.2f ms\n' "$d_shim"
printf '  shim mode, --no-patch     %8.2f ms  (%.1fx native)\n' "$d_nop" "$(ratio "$d_nop" "$d_native")"
printf '  shim / native             %8s x   target <= 2: %s\n' "$r_dd" "$(verdict "$r_dd" 2)"

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
printf '  shim / native             %8s x   target <= 3 (issue 4): %s, <= 1.2 (issue 14): %s\n' \
	"$r_wl" "$(verdict "$r_wl" 3)" "$(verdict "$r_wl" 1.2)"

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
r_thr=$(ratio "$t_shim" "$t_native")
echo "== threads (median wall ms)"
printf '  ThreadPoolExecutor(8), 300 files native  %8.2f ms\n' "$t_native"
printf '  the same in shim mode                   %8.2f ms  (%sx)   target <= 1.2 (issue 14): %s\n' \
	"$t_shim" "$r_thr" "$(verdict "$r_thr" 1.2)"
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

# File I/O (issue 14: >= 50% of native): fio's random 4 KiB reads of a file on the
# read-only rootfs (the host's /, page-cached: --invalidate=0 on both sides, since the
# guest kernel serves posix_fadvise's DONTNEED without dropping the host's cache, as
# gVisor does), and random reads and writes on a tmpfs (--tmpfs natively: a tmpfs
# mounted here).  IOPS, median of up to 3 runs of 2 s each.
need fio fio
py=/usr/bin/python3
iops()	# fio's JSON (after anything else) on stdin: read + write IOPS, 0 on failure
{
	"$py" -c 'import json, sys
s = sys.stdin.read()
try:
    j = json.loads(s[s.index("{"):])["jobs"][0]
    print(j["read"]["iops"] + j["write"]["iops"] if not j["error"] else 0)
except (ValueError, KeyError, IndexError):
    print(0)'
}
med_iops() { local i; for ((i = 0; i < io_reps; i++)); do "$@" 2>/dev/null </dev/null | iops; done | median; }
if command -v fio >/dev/null; then
	io_reps=$(( reps < 3 ? reps : 3 ))
	fa=(--bs=4k --ioengine=psync --runtime=2 --time_based --invalidate=0 --size=64M
	    --output-format=json)
	head -c $((64 << 20)) /dev/urandom >"$tmp/ro.dat"
	chmod 644 "$tmp/ro.dat"
	mkdir "$tmp/tmpfs"
	mount -t tmpfs -o size=256m tmpfs "$tmp/tmpfs"
	echo "== fio, random 4 KiB, psync (median IOPS of $io_reps runs of 2 s)"
	for rw in randread:ro randread:tmpfs randwrite:tmpfs; do
		if [ "${rw#*:}" = ro ]; then
			n_io=$(med_iops fio --name=b --filename="$tmp/ro.dat" --rw="${rw%:*}" "${fa[@]}")
			s_io=$(med_iops "$K" run --mode=shim -- fio --name=b --filename="$tmp/ro.dat" \
				--rw="${rw%:*}" "${fa[@]}")
			p_io=$(med_iops "$K" run --mode=shim --no-patch -- fio --name=b \
				--filename="$tmp/ro.dat" --rw="${rw%:*}" "${fa[@]}")
			what="${rw%:*} of a file on the read-only rootfs"
		else
			rm -f "$tmp/tmpfs/"*
			n_io=$(med_iops fio --name=b --directory="$tmp/tmpfs" --rw="${rw%:*}" "${fa[@]}")
			s_io=$(med_iops "$K" run --mode=shim --tmpfs /mnt:size=256m -- fio --name=b \
				--directory=/mnt --rw="${rw%:*}" "${fa[@]}")
			p_io=$(med_iops "$K" run --mode=shim --no-patch --tmpfs /mnt:size=256m -- fio \
				--name=b --directory=/mnt --rw="${rw%:*}" "${fa[@]}")
			what="${rw%:*} on a tmpfs"
		fi
		r_io=$(awk -v a="$s_io" -v b="$n_io" 'BEGIN { printf "%.0f", (b > 0) ? 100 * a / b : 0 }')
		printf '  %-40s native %9.0f  shim %9.0f  %3s%%   target >= 50%%: %s\n' "$what" \
			"$n_io" "$s_io" "$r_io" "$(awk -v r="$r_io" 'BEGIN { print (r >= 50) ? "met" : "MISSED" }')"
		printf '  %-40s                   --no-patch %9.0f\n' "" "$p_io"
	done
fi

# Host memory (issue 14: <= 8 MiB above native): the proportional set size of every
# host process of a sandbox running `sleep` (launcher, cgroup watcher, init, workload)
# against a native `sleep`.  Median of up to 3.
pss_of()	# PID...: the sum of their Pss in KiB
{
	local p
	for p in "$@"; do cat "/proc/$p/smaps_rollup" 2>/dev/null || true; done |
		awk '/^Pss:/ { s += $2 } END { print s + 0 }'
}
tree_of()	# PID: it and its descendants
{
	ps -e -o pid=,ppid= | awk -v r="$1" '{ p[$1] = $2 } END {
		n = 1; t[r] = 1; print r
		do { c = 0; for (i in p) if (!(i in t) && (p[i] in t)) { t[i] = 1; print i; c++ } } while (c) }'
}
mem_reps=$(( reps < 3 ? reps : 3 ))
for ((i = 0; i < mem_reps; i++)); do
	sleep 60 &
	sleeper=$!
	sleep 0.3
	pss_of "$sleeper" >>"$tmp/pss.native"
	kill "$sleeper"; wait "$sleeper" 2>/dev/null || true
	"$K" run --mode=shim -- sleep 60 </dev/null >/dev/null 2>&1 &
	sleeper=$!
	for ((w = 0; w < 100; w++)); do
		tree_of "$sleeper" | while read -r p; do cat "/proc/$p/comm"; done 2>/dev/null |
			grep -qx sleep && break
		sleep 0.1
	done
	sleep 0.3
	# The cgroup watcher is nobody's child: the kiste-cgroup whose pidfd (descriptor 3)
	# is this launcher's.
	mapfile -t procs < <(tree_of "$sleeper"
		for w in $(pgrep -x kiste-cgroup || true); do
			grep -qx "Pid:[[:space:]]*$sleeper" "/proc/$w/fdinfo/3" 2>/dev/null && echo "$w"
		done)
	pss_of "${procs[@]}" >>"$tmp/pss.shim"
	kill "$sleeper"; wait "$sleeper" 2>/dev/null || true
	sleeper=
done
m_native=$(median <"$tmp/pss.native")
m_shim=$(median <"$tmp/pss.shim")
m_over=$(awk -v a="$m_shim" -v b="$m_native" 'BEGIN { printf "%.1f", (a - b) / 1024 }')
echo "== host memory, PSS of all processes (median of $mem_reps, KiB)"
printf '  native sleep              %8d KiB\n' "$m_native"
printf '  shim mode sleep           %8d KiB  (%s MiB above native)   target <= 8 MiB: %s\n' \
	"$m_shim" "$m_over" "$(verdict "$m_over" 8)"

# Start-up: kiste run --mode=shim -- /bin/true against runc run of a busybox bundle.
need runc runc
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
need bwrap bubblewrap
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
# Start-up at scale (issue 14: p50 <= 2x a single start): 100 starts at once, each timed
# from its own spawn to its exit, against the single start's median above; then the
# same for bwrap, for scale (it makes no cgroup: the cgroup v1 move is what serialises).
at_scale()	# NAME SINGLE_MS TARGET CMD...
{
	"$py" - "$@" <<'PY'
import subprocess, sys, threading, time
name, single, target, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4:]
n = 100
times, fails = [], []
gate = threading.Barrier(n)
lock = threading.Lock()
def one():
    gate.wait()
    t0 = time.monotonic()
    try:
        r = subprocess.run(cmd, timeout=300,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
        ok, why = r.returncode == 0, r.stderr.decode(errors="replace").strip()[:120]
    except subprocess.TimeoutExpired:
        ok, why = False, "timed out after 300 s"
    ms = (time.monotonic() - t0) * 1000
    with lock:
        (times if ok else fails).append(ms if ok else why)
ts = [threading.Thread(target=one) for _ in range(n)]
for t in ts: t.start()
for t in ts: t.join()
times.sort()
def pct(p): return times[min(len(times) - 1, int(round(p / 100 * (len(times) - 1))))]
if not times:
    print("  %-6s every start failed: %s" % (name, fails[0] if fails else "?"))
    sys.exit(0)
r = pct(50) / single
print("  %-6s p50 %8.2f ms   p99 %8.2f ms   single %8.2f ms   p50 / single %6.2f x%s   failed %d%s" %
      (name, pct(50), pct(99), single, r,
       ("   target <= %s: %s" % (target, "met" if r <= float(target) else "MISSED")) if target != "-" else "",
       len(fails), (" (%s)" % fails[0]) if fails else ""))
PY
}
echo "== start-up at scale: 100 x /bin/true started at once (wall ms)"
at_scale shim "$(ms "$tmp/t.shim")" 2 "$K" run --mode=shim -- /bin/true
if [ -s "$tmp/t.bwrap" ]; then
	at_scale bwrap "$(ms "$tmp/t.bwrap")" - bwrap --unshare-all --ro-bind / / --dev /dev \
		--proc /proc /bin/true
fi
echo "== start-up phases (KISTE_SHIM_STATS; median ms since the mark before)"
for ((i = 0; i < reps; i++)); do
	KISTE_SHIM_STATS=1 "$K" run --mode=shim -- /bin/true 2>&1 >/dev/null </dev/null |
		sed -n 's/^kiste:   //p' | awk '{ d = $NF; NF -= 2; print d "\t" $0 }'
done >"$tmp/phases"
cut -f2 "$tmp/phases" | awk '!seen[$0]++' | while IFS= read -r name; do
	printf '  %-32s %8.3f\n' "$name" "$(awk -F'\t' -v n="$name" '$2 == n { print $1 }' "$tmp/phases" | median)"
done
