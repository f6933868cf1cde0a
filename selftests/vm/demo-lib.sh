# SPDX-License-Identifier: GPL-2.0
# demo-lib.sh - the TAP steps and boot sequence shared by the VM demos (demo.sh, uk-demo.sh).
#
# Sourced by the VM demos after /vm-lib.sh: `make demo` puts it in the image as
# /demo-lib.sh (run-vm.sh --extra-file).  The host demo (selftests/demo/host.sh)
# uses result() too.  Each result() or run() is one TAP result.

n=0
failed=0

result()	# CONDITION-EXIT DESCRIPTION [DETAIL]
{
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2${3:+ ($3)}"
		failed=1
	fi
}

# Shows a command as typed, runs it, and records one TAP result.
run()
{
	echo
	echo "demo# $*"
	"$@"
	rc=$?
	result $rc "$*" "exit $rc"
	return $rc
}

skip()	# DESCRIPTION REASON
{
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

# The end of the steps: the plan, and an exit status the runner counts.
demo_done()
{
	echo "1..$n"
	exit $failed
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
