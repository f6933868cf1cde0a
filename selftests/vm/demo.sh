#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# demo.sh - /init of `make demo`: walks a sandbox through its lifecycle with the kiste CLI.
#
# As /init it mounts, loads kiste.ko and re-runs itself with "steps" as one
# suite, so each step is a TAP result the host runner counts.

. /vm-lib.sh
. /demo-lib.sh

# Shim mode with the module: a temporary sandbox, listed while it runs, gone after.
shim_demo()
{
	local i

	echo
	echo "demo# kiste run --mode=shim --name demo-shim -- sh -c 'sha256sum /etc/os-release && ls -la / && sleep 5' &"
	kiste run --mode=shim --name demo-shim -- /bin/sh -c \
		'/usr/bin/sha256sum /etc/os-release && /usr/bin/ls -la / && sleep 5' &
	shim=$!
	for i in $(seq 1 60); do
		kiste list 2>/dev/null | grep -q 'demo-shim' && break
		sleep 0.5
	done
	run kiste list
	kiste list | grep 'demo-shim' | grep -q 'shim'
	result $? "kiste list shows the shim run while it runs"
	wait $shim
	result $? "the shim run (dynamic sha256sum and ls under the guest kernel) exited 0"
	kiste list | grep -q 'demo-shim'
	result $((!$?)) "the shim run's temporary sandbox is gone"
}

# vm mode with the module: KVM through the broker, a Linux guest per run.
vm_demo()
{
	local k root

	k=$(ls /boot/vmlinuz-* 2>/dev/null | head -n 1)
	if [ ! -c /dev/kvm ] || [ -z "$k" ]; then
		echo "ok $((n += 1)) # SKIP vm mode: no /dev/kvm or guest kernel in this VM"
		return
	fi
	export KISTE_KERNEL="$k"
	run kiste run --mode=vm --name demo-vm -- /usr/bin/ls -la /
	root=/tmp/bbroot
	mkdir -p "$root/bin"
	cp /bin/busybox "$root/bin/busybox"
	for a in sh echo uname cat; do ln -sf busybox "$root/bin/$a"; done
	run kiste run --mode=vm --rootfs "$root" -- /bin/sh -c \
		'echo "hello from a busybox rootfs in a $(uname -s) $(uname -r) guest"'
}

steps()
{
	if ! command -v kiste >/dev/null; then
		echo "Bail out! /bin/kiste missing: run 'make userspace'"
		exit 1
	fi
	echo "TAP version 13"
	run kiste check
	run kiste create --mode shim --name demo
	run kiste list
	run kiste inspect demo

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
	run kiste list
	run kiste inspect demo
	run kiste delete demo
	wait $member
	status=$?
	echo "demo: the member (sleep 1000) ended with status $status (137 = SIGKILL)"
	[ $status -eq 137 ]
	result $? "kiste delete killed the member"
	wait $events
	result $? "kiste events reported 4 events"
	echo
	echo "demo# cat /tmp/events"
	cat /tmp/events
	grep -q '^member-attached ' /tmp/events
	result $? "the events include the attach"
	run kiste list
	shim_demo
	vm_demo
	demo_done
}

if [ "${1:-}" = steps ]; then
	steps
fi

demo_boot demo
