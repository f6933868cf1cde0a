#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# bench-vm-init.sh - /init of make bench-vm's test VM: kiste.ko and KVM, then bench.sh (it finds /boot/vmlinuz-*).
# shellcheck source=selftests/vm/vm-lib.sh
. /vm-lib.sh

vm_mount
vm_say "init start kernel $(uname -r)"
if vm_load_modules; then
	# Three of each: a copy of 1 GiB into a guest takes minutes under TCG.
	BENCH_RUNS=3 BENCH_ROOTFS_RUNS=3
	export BENCH_RUNS BENCH_ROOTFS_RUNS
	vm_run_suite vmbench sh /b/bench.sh
fi
vm_report
