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
