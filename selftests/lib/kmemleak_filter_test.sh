#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# kmemleak_filter_test.sh - the debug-kernel VM's kmemleak verdict (debug-checks.sh's kmemleak_records) on fake reports.
# kiste-suite: host kmemleak_filter_test.sh
#
# "no kmemleak report involving kiste/KVM" rests on which records of the closing
# report this filter counts: each case is a report a run could print, with the
# records that must and must not be counted.  DEBUG_CHECKS names the file to test
# (default: the build's copy beside this).

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=selftests/lib/tap.sh
. "$here/tap.sh"
checks="${DEBUG_CHECKS:-$here/lib/debug-checks.sh}"
[ -r "$checks" ] || skip_all "no debug-checks.sh at $checks"
# shellcheck source=selftests/vm/debug-checks.sh
. "$checks"
w=$(mktemp -d /tmp/kmemleak_filter_test.XXXXXX) || exit 1
trap 'rm -rf "$w"' EXIT

# rec ADDR COMM FRAME...: one kmemleak record, as /sys/kernel/debug/kmemleak prints it.
rec()
{
	printf 'unreferenced object 0x%s (size 96):\n' "$1"
	printf '  comm "%s", pid 65, jiffies 4294927716\n' "$2"
	printf '  hex dump (first 32 bytes):\n    00 00 00 00 00 00 00 00  ................\n'
	printf '  backtrace:\n'
	shift 2
	for f in "$@"; do
		printf '    [<(____ptrval____)>] %s\n' "$f"
	done
}

# counted WHO WANT-ADDRS DESCRIPTION: the records kmemleak_records WHO keeps, by address.
counted()
{
	got=$(kmemleak_records "$1" "$w/report" | sed -n 's/^unreferenced object 0x\([0-9a-f]*\) .*/\1/p' |
		tr '\n' ' ')
	[ "$got" = "$2" ]
	result $? "$3" "kept '$got', want '$2'"
}

{
	rec a1 insmod kmalloc_trace+0x21/0xc0 "kiste_selftest_broken+0x22/0xc39 [kiste]" \
		do_one_initcall+0xbe/0x2f0
	rec a2 insmod kmalloc_trace+0x21/0xc0 0xffffffffa001802e do_init_module+0xda/0x2e0
	rec a3 swapper/0 kmalloc_trace+0x21/0xc0 kvm_init+0x42/0x300 do_one_initcall+0xbe/0x2f0
	rec a4 kvm-hold kmalloc_trace+0x21/0xc0 kvm_arch_vcpu_create+0x22/0x400 \
		kvm_vm_ioctl+0x99/0x900
	rec a5 qemu kmalloc_trace+0x21/0xc0 "svm_vcpu_create+0x22/0x400 [kvm_amd]"
	rec a6 udevd kmalloc_trace+0x21/0xc0 kobject_uevent_env+0x10/0x200
	rec a7 kiste kmalloc_trace+0x21/0xc0 0xffffffff81234567 kvmclock_init+0x1/0x2
} >"$w/report"

counted kiste "a1 a2 " "a [kiste] frame and a raw module-area address are kiste's; nothing else is"
counted kvm "a4 a5 " "kvm_ functions and the kvm_amd module are KVM's, boot's own (swapper) and kvmclock are not"
: >"$w/report"
counted kiste "" "an empty report counts nothing"
rec b1 swapper/1 kmalloc_trace+0x21/0xc0 "kiste_init+0x1/0x2 [kiste]" >"$w/report"
counted kiste "b1 " "a kiste frame counts whoever allocated it (only KVM's boot records are left out)"
t_done
