#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench.sh - unikernel mode vs native, side by side: hello wall time, peak RSS, UDP echo rate.
#
# Usage: bench.sh [BUILD_DIR]   (default: the repo's build/; needs root for the netns part)
# Env: REPS (wall-time repeats, default 40), ECHO_SECS (per echo run, default 2),
#      ECHO_REPS (default 3).  Prints medians and ratios; not a pass/fail test.
#      COMPARE="LABEL=BUILD_DIR ..." times other builds' hello (process isolation) and
#      --version in the same loop, alternating with this one (e.g. old=/tmp/baseline/build).
#      NO_CGROUP=1 runs everything in a mount namespace without cgroup mounts: as root,
#      kiste run then makes no cgroup (each run's attach waits for an RCU grace period
#      on cgroup v1 hosts; see selftests/unikernel/README.md).
set -uo pipefail

if [ "${NO_CGROUP:-0}" = 1 ] && [ -z "${KUKBENCH_NO_CGROUP_NS:-}" ]; then
	export KUKBENCH_NO_CGROUP_NS=1
	# shellcheck disable=SC2016 # the inner script expands its own $0 and $@
	exec unshare -m --propagation private bash -c \
		'for m in $(awk "\$9 ~ /^cgroup/ { print \$5 }" /proc/self/mountinfo | sort -r); do
			umount -l "$m"
		done
		exec bash "$0" "$@"' "$0" "$@"
fi

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
kiste=$build/bin/kiste
uk=$build/unikernel
reps=${REPS:-40}
echo_secs=${ECHO_SECS:-2}
echo_reps=${ECHO_REPS:-3}
tmp=$(mktemp -d)
ns=kukbench$$
trap 'ip netns del $ns 2>/dev/null; rm -rf "$tmp"' EXIT

if [ ! -x "$kiste" ] || [ ! -x "$uk/hello" ]; then
	echo "bench: build first: make -C userspace" >&2
	exit 2
fi
cmp_label=()
cmp_dir=()
for c in ${COMPARE:-}; do
	d=$(cd "${c#*=}" 2>/dev/null && pwd)
	if [ -z "$d" ] || [ ! -x "$d/bin/kiste" ] || [ ! -x "$d/unikernel/hello" ]; then
		echo "bench: COMPARE: no kiste and unikernel/hello in ${c#*=}" >&2
		exit 2
	fi
	cmp_label+=("${c%%=*}")
	cmp_dir+=("$d")
done
have_vm=1
[ -r /dev/kvm ] && [ -w /dev/kvm ] || have_vm=0

median()
{
	sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2];
		else printf "%.1f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# Wall time of one run in microseconds ($EPOCHREALTIME: no extra fork); failed runs are noted.
time_us()
{
	local t0 t1 rc
	t0=$EPOCHREALTIME
	"$@" >/dev/null 2>&1
	rc=$?
	t1=$EPOCHREALTIME
	[ $rc -eq 0 ] || echo "$rc $*" >>"$tmp/failed"
	echo $((${t1/./} - ${t0/./}))
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "# kiste unikernel benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, $reps repeats," \
	"$(grep -c ' - cgroup' /proc/self/mountinfo) cgroup mounts, load $(cut -d' ' -f1-3 /proc/loadavg))"
# Builds take turns at going first in a round: on cgroup v1 the first attach after a quiet
# spell waits for an RCU grace period, and the runs right after it do not.
builds=("$build" "${cmp_dir[@]}")
nb=${#builds[@]}
for i in $(seq "$reps"); do
	time_us /bin/true >>"$tmp/true"
	for k in $(seq 0 $((nb - 1))); do
		j=$(((i + k) % nb))
		time_us "${builds[$j]}/bin/kiste" run --mode=unikernel "${builds[$j]}/unikernel/hello" \
			>>"$tmp/proc.$j"
	done
	for k in $(seq 0 $((nb - 1))); do
		j=$(((i + k) % nb))
		time_us "${builds[$j]}/bin/kiste" --version >>"$tmp/version.$j"
	done
	[ $have_vm -eq 1 ] && time_us "$kiste" run --mode=unikernel --isolation vm "$uk/hello" >>"$tmp/vm"
done
if [ -s "$tmp/failed" ]; then
	echo "bench: $(wc -l <"$tmp/failed") runs failed, the figures are void; first: $(head -n 1 "$tmp/failed")"
fi
t_true=$(median <"$tmp/true")
t_proc=$(median <"$tmp/proc.0")
t_ver=$(median <"$tmp/version.0")
printf '%-44s %10s us\n' "/bin/true wall (median)" "$t_true"
printf '%-44s %10s us  %sx /bin/true\n' "hello, process isolation (median)" "$t_proc" \
	"$(ratio "$t_proc" "$t_true")"
for j in "${!cmp_dir[@]}"; do
	t=$(median <"$tmp/proc.$((j + 1))")
	printf '%-44s %10s us  %sx /bin/true\n' "  ${cmp_label[$j]}: hello, process isolation" "$t" \
		"$(ratio "$t" "$t_true")"
done
printf '%-44s %10s us  %sx /bin/true\n' "kiste --version (median)" "$t_ver" \
	"$(ratio "$t_ver" "$t_true")"
for j in "${!cmp_dir[@]}"; do
	t=$(median <"$tmp/version.$((j + 1))")
	printf '%-44s %10s us  %sx /bin/true\n' "  ${cmp_label[$j]}: kiste --version" "$t" \
		"$(ratio "$t" "$t_true")"
done
if [ $have_vm -eq 1 ]; then
	t_vm=$(median <"$tmp/vm")
	printf '%-44s %10s us  %sx /bin/true\n' "hello, vm isolation (median)" "$t_vm" \
		"$(ratio "$t_vm" "$t_true")"
fi

rss_child() { KISTE_UK_STATS=1 "$kiste" run --mode=unikernel "$@" 2>&1 >/dev/null |
	sed -n 's/.*peak RSS \([0-9]*\) KiB.*/\1/p'; }
rss_tree() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1; }
printf '%-44s %10s KiB\n' "peak RSS /bin/true" "$(rss_tree /bin/true)"
printf '%-44s %10s KiB\n' "peak RSS unikernel process (tender child)" "$(rss_child "$uk/hello")"
printf '%-44s %10s KiB\n' "peak RSS whole kiste run, process" \
	"$(rss_tree "$kiste" run --mode=unikernel "$uk/hello")"
if [ $have_vm -eq 1 ]; then
	printf '%-44s %10s KiB\n' "peak RSS VMM process (vm isolation)" \
		"$(rss_child --isolation vm "$uk/hello")"
fi

# UDP echo: the same net.c responder natively, in process and in vm isolation.
if ! cc -O2 -o "$tmp/udp_rr" "$top/selftests/unikernel/bench/udp_rr.c" ||
   ! cc -O2 -I"$top/userspace/unikernel/include" -I"$top/userspace/freestanding" -I"$top/uapi" \
	-o "$tmp/net-native" \
	"$top/userspace/unikernel/examples/net.c" "$top/selftests/unikernel/bench/native_sdk.c"; then
	echo "echo rate: skipped (cannot build the helpers)"
	exit 0
fi
if ! ip netns add "$ns" 2>/dev/null; then
	echo "echo rate: skipped (cannot create a network namespace: run as root)"
	exit 0
fi
ip -n "$ns" link set lo up
ip -n "$ns" tuntap add kuk0 mode tap
ip -n "$ns" addr add 192.0.2.1/24 dev kuk0
ip -n "$ns" link set kuk0 up

echo_rate()	# responder command...
{
	local pid rate
	ip netns exec "$ns" "$@" >/dev/null 2>&1 &
	pid=$!
	sleep 0.3
	rate=$(ip netns exec "$ns" "$tmp/udp_rr" 192.0.2.2 7 "$echo_secs" 2>/dev/null)
	sleep 0.2
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	echo "${rate:-0}"
}

for _ in $(seq "$echo_reps"); do
	echo_rate env KUK_TAP=kuk0 "$tmp/net-native" 192.0.2.2 7 >>"$tmp/e_native"
	echo_rate "$kiste" run --mode=unikernel --timeout 60 --net net0=kuk0 "$uk/net" 192.0.2.2 7 \
		>>"$tmp/e_proc"
	[ $have_vm -eq 1 ] && echo_rate "$kiste" run --mode=unikernel --isolation vm --timeout 60 \
		--net net0=kuk0 "$uk/net" 192.0.2.2 7 >>"$tmp/e_vm"
done
e_native=$(median <"$tmp/e_native")
e_proc=$(median <"$tmp/e_proc")
printf '%-44s %10s /s\n' "UDP echo round trips, native responder" "$e_native"
printf '%-44s %10s /s  %s of native\n' "UDP echo round trips, process isolation" "$e_proc" \
	"$(awk -v a="$e_proc" -v b="$e_native" 'BEGIN { printf "%.0f%%", 100 * a / b }')"
if [ $have_vm -eq 1 ]; then
	e_vm=$(median <"$tmp/e_vm")
	printf '%-44s %10s /s  %s of native\n' "UDP echo round trips, vm isolation" "$e_vm" \
		"$(awk -v a="$e_vm" -v b="$e_native" 'BEGIN { printf "%.0f%%", 100 * a / b }')"
fi
