#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# fuzz-long-init.sh - /init of the `make fuzz-long` test VM: kiste.ko, then kiste_fuzz alone, then unload.

# shellcheck source=selftests/vm/vm-lib.sh
. /vm-lib.sh

vm_mount
vm_say "init start kernel $(uname -r)"
vm_debug_checks && vm_debug_begin

if vm_load_modules; then
	# the fuzzer's own time bound (TIME) ends it first; this only stops a hang
	KISTE_SUITE_TIMEOUT=$(sed -n 's/^SUITE_TIMEOUT=//p' /etc/kiste-fuzz.conf)
	export KISTE_SUITE_TIMEOUT="${KISTE_SUITE_TIMEOUT:-10800}"
	vm_run_suite kiste_fuzz /vm-tests/kiste_fuzz
	export KISTE_SUITE_TIMEOUT=600
	vm_run_suite vm-rmmod sh /vm-run/rmmod.sh
fi
vm_debug_checks && vm_debug_end
vm_report
