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
