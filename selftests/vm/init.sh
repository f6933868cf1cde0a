#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# init.sh - /init of the test VM: loads kiste.ko, runs the listed suites of /vm-tests, reports.
#
# The suites are exactly the names in /etc/kiste-suites, which run-vm.sh writes
# from the sources' "kiste-suite: vm" marks (selftests/lib/suites.sh); each runs
# from /vm-tests by its own #! line.  A listed suite that is absent or not
# executable is reported as a failed suite; other files there are helpers.
# rmmod.sh, the runner's own, runs last.

# shellcheck source=selftests/vm/vm-lib.sh
. /vm-lib.sh

vm_mount
vm_say "init start kernel $(uname -r)"
vm_debug_checks && vm_debug_begin

if vm_load_modules; then
	# Read before any suite runs; the suites keep init's stdin.
	suites=$(cat /etc/kiste-suites 2>/dev/null)
	for name in $suites; do
		cd /vm-tests || break
		if [ -f "/vm-tests/$name" ] && [ -x "/vm-tests/$name" ]; then
			vm_run_suite "$name" "/vm-tests/$name"
		else
			vm_missing_suite "$name"
		fi
	done
	cd /
	vm_run_suite vm-rmmod /vm-run/rmmod.sh
fi
vm_debug_checks && vm_debug_end
vm_report
