#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# bench-vm-init.sh - /init of make bench-vm's test VM: kiste.ko and KVM, then bench.sh (it finds /boot/vmlinuz-*).
# shellcheck source=selftests/vm/vm-lib.sh
. /vm-lib.sh

vm_mount
vm_say "init start kernel $(uname -r)"
if vm_load_modules; then
	# Three of each unless make bench-vm's caller said otherwise (bench-vm.sh).
	BENCH_RUNS=3 BENCH_ROOTFS_RUNS=3
	# shellcheck disable=SC1091 # written by bench-vm.sh
	[ -r /b/bench.env ] && . /b/bench.env
	export BENCH_RUNS BENCH_ROOTFS_RUNS BENCH_ROOTFS_MIB
	vm_run_suite vmbench sh /b/bench.sh
fi
vm_report
