#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# demo.sh - /init of `make demo`: walks a sandbox through its lifecycle with the kiste CLI.
#
# As /init it mounts, loads kiste.ko and re-runs itself with "steps" as one
# suite, so each step is a TAP result the host runner counts.

# shellcheck source=selftests/vm/vm-lib.sh
. /vm-lib.sh
# shellcheck source=selftests/lib/tap.sh
. /tap.sh
# shellcheck source=selftests/vm/demo-lib.sh
. /demo-lib.sh

# Shim mode with the module: a temporary sandbox, listed while it runs, gone after.
shim_demo()
{
	echo
	echo "demo# kiste run --mode=shim --name demo-shim -- sh -c 'sha256sum /etc/os-release && ls -la / && sleep 5' &"
	kiste run --mode=shim --name demo-shim -- /bin/sh -c \
		'/usr/bin/sha256sum /etc/os-release && /usr/bin/ls -la / && sleep 5' &
	shim=$!
	for _ in $(seq 1 60); do
		kiste sandbox list 2>/dev/null | grep -q 'demo-shim' && break
		sleep 0.5
	done
	show kiste sandbox list
	kiste sandbox list | grep 'demo-shim' | grep -q 'shim'
	result $? "kiste sandbox list shows the shim run while it runs"
	wait $shim
	result $? "the shim run (dynamic sha256sum and ls under the guest kernel) exited 0"
	# A list that fails to run lists nothing either: its status counts.
	lst=$(kiste sandbox list) && ! printf '%s\n' "$lst" | grep -q 'demo-shim'
	result $? "the shim run's temporary sandbox is gone"
}

# vm mode with the module: KVM through the broker, a Linux guest per run.
vm_demo()
{
	k=""
	for f in /boot/vmlinuz-*; do
		[ -r "$f" ] && k=$f && break
	done
	if [ ! -c /dev/kvm ] || [ -z "$k" ]; then
		skip "vm mode" "no /dev/kvm or guest kernel in this VM"
		return
	fi
	export KISTE_KERNEL="$k"
	show kiste run --mode=vm --name demo-vm -- /usr/bin/ls -la /
	root=/tmp/bbroot
	mkdir -p "$root/bin"
	cp /bin/busybox "$root/bin/busybox"
	for a in sh echo uname cat; do ln -sf busybox "$root/bin/$a"; done
	# shellcheck disable=SC2016 # the guest's shell expands it
	show kiste run --mode=vm --rootfs "$root" -- /bin/sh -c \
		'echo "hello from a busybox rootfs in a $(uname -s) $(uname -r) guest"'
}

steps()
{
	if ! command -v kiste >/dev/null; then
		bail "/bin/kiste missing: run 'make userspace'"
	fi
	show kiste check
	show kiste sandbox create --mode shim --name demo
	show kiste sandbox list
	show kiste inspect demo

	# Events need CAP_SYS_ADMIN (we are root): attached, exited, empty, deleted.
	echo
	echo "demo# kiste events --count 4 --timeout 30 >/tmp/events &"
	kiste events --count 4 --timeout 30 >/tmp/events 2>&1 &
	events=$!
	sleep 1

	echo
	echo "demo# demo-attach demo sleep 1000 &"
	demo-attach demo sleep 1000 &
	member=$!
	sleep 1
	show kiste sandbox list
	show kiste inspect demo
	show kiste sandbox delete demo
	wait $member
	status=$?
	echo "demo: the member (sleep 1000) ended with status $status (137 = SIGKILL)"
	[ $status -eq 137 ]
	result $? "kiste sandbox delete killed the member"
	wait $events
	result $? "kiste events reported 4 events"
	echo
	echo "demo# cat /tmp/events"
	cat /tmp/events
	grep -q '^member-attached ' /tmp/events
	result $? "the events include the attach"
	show kiste sandbox list
	shim_demo
	vm_demo
	demo_done
}

if [ "${1:-}" = steps ]; then
	steps
fi

demo_boot demo
