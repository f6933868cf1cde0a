# SPDX-License-Identifier: GPL-2.0
# demo-lib.sh - the shown steps and boot sequence shared by the VM demos (demo.sh, uk-demo.sh).
# shellcheck shell=sh
#
# Sourced by the VM demos after /vm-lib.sh and /tap.sh: `make demo` puts it in
# the image as /demo-lib.sh (run-vm.sh --extra-file).  The host demo
# (selftests/demo/host.sh) uses show() too.  Each show() is one TAP result
# (tap.sh's result()).

# Shows a command as typed, runs it, and records one TAP result.
show()	# CMD...
{
	echo
	echo "demo# $*"
	"$@"
	rc=$?
	result $rc "$*" "exit $rc"
	return $rc
}

# The end of the steps: the plan, and an exit status the runner counts.
demo_done()
{
	t_done
	exit
}

# As /init: mounts, loads kiste.ko, re-runs /init with "steps" as suite NAME, reports.
demo_boot()	# NAME
{
	vm_mount
	if vm_load_modules; then
		vm_run_suite "$1" sh /init steps
	fi
	vm_report
}
