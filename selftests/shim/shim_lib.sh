# SPDX-License-Identifier: GPL-2.0
# shim_lib.sh - what the shim suites share: tap.sh, the workloads' folder, the launcher check.
# shellcheck shell=sh
#
# Installed beside the suites as shim-lib.helper (build/host-tests and
# build/vm-tests) and sourced by them once they have set $here, their folder.
# POSIX sh: bash on the host, busybox ash in the test VM.

: "${here:?the suite sets here to its own folder before sourcing shim-lib.helper}"
# shellcheck source=selftests/lib/tap.sh
. "$here/tap.sh"
WL="$here/shim-wl"
# Where a suite mounts a --tmpfs: /tmp, unless the build (so the workloads) lives below
# it, as in a clone under /tmp: the tmpfs would hide them.
# shellcheck disable=SC2034 # the suites that source this read it
case "$here" in
/tmp/*) SHIM_TMP=/mnt ;;
*) SHIM_TMP=/tmp ;;
esac

# Bails out (a failure: the build is incomplete) unless the launcher $K and
# each workload named are there.
shim_need()	# WORKLOAD...
{
	[ -x "$K" ] || bail "no launcher $K: build it (make)"
	for w in "$@"; do
		[ -x "$WL/$w" ] || bail "no workload $WL/$w: build it (make)"
	done
}

# DIR/a.tar of a tree d/ of several owners, modes and times (the id suites extract it
# natively and sandboxed), and DIR/native/ extracted natively as root; prints the
# native listing: owner, group, mode and mtime of every file, by path.
ids_tree()	# DIR
{
	mkdir -p "$1/src/d/e" "$1/native"
	echo one >"$1/src/d/f"
	echo two >"$1/src/d/e/g"
	chown 1000:1001 "$1/src/d/f"
	chown 33:33 "$1/src/d/e"
	chown 65533:100 "$1/src/d/e/g"
	chmod 640 "$1/src/d/f"
	chmod 2750 "$1/src/d/e"
	touch -h -d '2001-02-03 04:05:06' "$1/src/d/f" "$1/src/d/e/g" "$1/src/d/e"
	tar -C "$1/src" -cf "$1/a.tar" d
	chmod 644 "$1/a.tar"
	tar -C "$1/native" -xpf "$1/a.tar"
	(cd "$1/native" && find d -printf '%p %U %G %m %T@\n' | sort)
}

# The sandbox's cgroup holds the sandbox and never the launcher: on v1 the launcher steps
# into it for its clone (the init is born there without the slow move by pid) and must
# step out again, on v2 the init is cloned into it; the launcher's host cgroups stay the
# caller's, the workload's are kiste/shim-PID's in each hierarchy kiste uses.
shim_wait_line()	# FILE PATTERN: until FILE has a line matching PATTERN (10 s at most)
{
	w_i=0
	while [ $w_i -lt 100 ] && ! grep -q "$2" "$1" 2>/dev/null; do
		sleep 0.1
		w_i=$((w_i + 1))
	done
}

shim_cgroup_of()	# PID: its pids, memory and cpu lines (v1) or its unified line (v2), sorted
{
	grep -E '^[0-9]+:(pids|memory|cpu,cpuacct|cpu|):' "/proc/$1/cgroup" 2>/dev/null | sort
}
shim_cgroup_check()
{
	cgv=$("$K" check 2>/dev/null | sed -n 's/^cgroups: *\(v[12]\).*/\1/p')
	if [ -z "$cgv" ]; then
		skip "the launcher stays out of the sandbox's cgroup" "no usable cgroup here (kiste check)"
		return
	fi
	"$K" run --mode=shim -- sleep 5 </dev/null >/dev/null 2>&1 &
	lp=$!
	wl=""
	n=0
	# The workload is the init's child, the init the launcher's (no pgrep in the test VM).
	while [ -z "$wl" ] && [ $n -lt 100 ]; do
		sleep 0.05
		n=$((n + 1))
		kids=$(cat "/proc/$lp/task/$lp/children" 2>/dev/null)
		for c in $kids; do
			wl=$(cut -d' ' -f1 "/proc/$c/task/$c/children" 2>/dev/null)
			[ -n "$wl" ] && break
		done
	done
	mine=$(shim_cgroup_of $$)
	launcher=$(shim_cgroup_of "$lp")
	work=$(shim_cgroup_of "${wl:-0}")
	nw=$(printf '%s\n' "$work" | grep -c "/kiste/shim-$lp\$")
	kill "$lp" 2>/dev/null
	wait "$lp" 2>/dev/null
	want=3
	[ "$cgv" = v2 ] && want=1
	if [ -n "$wl" ] && [ "$launcher" = "$mine" ] && [ "$nw" = "$want" ]; then
		ok "cgroup $cgv: the workload is in kiste/shim-PID in each hierarchy ($want), the launcher stays in the caller's"
	else
		fail "cgroup $cgv: the workload in the sandbox's cgroup, the launcher in the caller's" \
			"workload ${wl:-not found}: $work; launcher: $launcher; caller: $mine"
	fi
}
