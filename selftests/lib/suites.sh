#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# suites.sh - the suites marked in the sources: `suites.sh host|vm` prints their names, one a line.
#
# A suite is marked by one line in its source, on its own: "// kiste-suite: KIND
# NAME" (C) or "# kiste-suite: KIND NAME" (shell), KIND host or vm, NAME what
# the build installs in build/host-tests or build/vm-tests.  run-check.sh runs
# exactly the host list there, the test VM's init.sh exactly the vm list; a
# listed suite that is absent or not executable is a failure in both.

kind="${1:-}"
case "$kind" in
host | vm) ;;
*) echo "usage: suites.sh host|vm" >&2; exit 2 ;;
esac
top="$(cd "$(dirname "$0")/../.." && pwd)"
grep -rhE --include='*.c' --include='*.sh' \
	"^(//|#) kiste-suite: $kind [A-Za-z0-9_.-]+\$" "$top/selftests" |
	awk '{ print $4 }' | sort -u
