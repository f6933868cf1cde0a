#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# uk-demo.sh - /init of the unikernel demo: hello and kv in process and vm isolation, with kiste.ko.
#
# As /init it mounts, loads kiste.ko (and the modules the runner lists: pass
# --extra-modules kvm_amd for vm isolation) and re-runs itself with "steps"
# as one suite, so each step is a TAP result the host runner counts.  The
# unikernels come from the build's vm-tests/unikernel/ directory.

# shellcheck source=selftests/vm/vm-lib.sh
. /vm-lib.sh
# shellcheck source=selftests/lib/tap.sh
. /tap.sh
# shellcheck source=selftests/vm/demo-lib.sh
. /demo-lib.sh

UK=/vm-tests/unikernel

# kv in isolation ISO: write a key, run again, read it back from the same file.
kv_demo()	# ISO
{
	iso="$1"
	show kiste run --mode=unikernel --isolation "$iso" --block storage=/tmp/kv.img \
		"$UK/kv" put "written-in-$iso" "hello from $iso isolation"
	echo
	echo "demo# kiste run --mode=unikernel --isolation $iso --block storage=/tmp/kv.img" \
		"$UK/kv get written-in-$iso"
	got=$(kiste run --mode=unikernel --isolation "$iso" --block storage=/tmp/kv.img \
		"$UK/kv" get "written-in-$iso")
	echo "$got"
	[ "$got" = "written-in-$iso=hello from $iso isolation" ]
	result $? "kv ($iso isolation) read back what it wrote, in a new run"
}

# The sleeper as a named run; shows the kernel's view of it, then kills it.
sandbox_demo()	# ISO
{
	iso="$1"
	echo
	echo "demo# kiste run --mode=unikernel --isolation $iso --name uk-$iso $UK/sleeper &"
	kiste run --mode=unikernel --isolation "$iso" --name "uk-$iso" "$UK/sleeper" &
	pid=$!
	i=0
	while [ $i -lt 100 ] && ! kiste inspect "uk-$iso" 2>/dev/null | grep -q 'state: *running'
	do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 0.3
	show kiste sandbox list
	show kiste inspect "uk-$iso"
	show kiste sandbox kill "uk-$iso"
	wait $pid
	status=$?
	echo "demo: kiste run ended with status $status (137 = SIGKILL)"
	[ $status -eq 137 ]
	result $? "kiste sandbox kill ended the $iso run"
}

steps()
{
	if ! command -v kiste >/dev/null || [ ! -e "$UK/hello" ]; then
		bail "/bin/kiste or $UK missing: run 'make' first"
	fi
	show kiste check
	show kiste run --mode=unikernel "$UK/hello" one "two words"
	show kiste policy unikernel "$UK/hello"
	truncate -s 64K /tmp/kv.img
	kv_demo process
	sandbox_demo process

	if [ -e /dev/kvm ]; then
		show kiste run --mode=unikernel --isolation vm "$UK/hello" one "two words"
		kv_demo vm
		# one binary, one block format: what vm isolation wrote, process isolation reads
		echo
		echo "demo# kiste run --mode=unikernel --block storage=/tmp/kv.img $UK/kv list"
		kiste run --mode=unikernel --block storage=/tmp/kv.img "$UK/kv" list >/tmp/kv.list
		cat /tmp/kv.list
		grep -q '^written-in-vm=' /tmp/kv.list &&
			grep -q '^written-in-process=' /tmp/kv.list
		result $? "process isolation lists the keys both isolations wrote"
		sandbox_demo vm
		show kiste policy unikernel --isolation vm "$UK/hello"
	else
		for t in "hello (vm isolation)" "kv put (vm isolation)" "kv get (vm isolation)" \
			 "kv list across isolations" "sleeper (vm isolation)"; do
			skip "$t" "no /dev/kvm in the VM: run it with --extra-modules kvm_amd"
		done
	fi
	show kiste sandbox list
	demo_done
}

if [ "${1:-}" = steps ]; then
	steps
fi

demo_boot uk-demo
