#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# run-vm.sh - the test VM: builds its initramfs, boots it under qemu (TCG), judges the console's TAP.
#
# Usage: run-vm.sh --build DIR --module PATH {--kernel-version VER | --kernel-image BZIMAGE}
#                  [--init-script FILE] [--timeout SECS] [--result FILE]
#                  [--extra-modules "NAME ..."] [--extra-file SRC:DST]... [--work DIR]
#                  [--debug-checks] [--no-suites] [--skip-suite "GLOB=REASON"]...
#                  [--no-nested-kvm]
#
# Three parts, each in its own file and sourced here in the order they run:
#   vm-image.sh    the initramfs: busybox, /init (init.sh by default), vm-lib.sh,
#                  tap.sh, the module and its dependencies, DIR/bin/kiste, DIR/vm-tests/
#                  (-> /vm-tests) with the list of suites to run, DIR/vm-tools/
#                  (-> /bin), the --extra-files, and the shared libraries of it all;
#   vm-boot.sh     qemu, with a retry when the kernel dies before /init, and the
#                  console streamed into per-suite logs as it is written;
#   vm-verdict.sh  one result line per suite (tap-count) and per run-level check:
#                  the sentinel, insmod, kernel warnings/oopses, taint other than O/E.
# --result FILE receives one line "passed failed skipped"; the exit status is
# non-zero when anything failed.
#
# --kernel-image boots that bzImage (the debug kernel: DIR/bzImage at the top of
# its build tree) instead of /boot/vmlinuz-VER; --extra-modules then come from
# that tree, or are skipped when built in.  --debug-checks (for a KASAN +
# lockdep + kmemleak kernel, see DEBUG-KERNEL.md) adds the guest's kmemleak
# baseline and final scan and one host result per checker.  --work DIR holds
# the initramfs, console and per-suite logs (default DIR/vm); the file
# WORK/checks lists each run-level result as "ok NAME" / "not ok NAME".
# --no-suites runs no suite of DIR/vm-tests (the rmmod suite still runs);
# --skip-suite drops the listed suites matching GLOB and reports each as one SKIP.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(cd "$here/../.." && pwd)"
tap_count="$top/selftests/lib/tap-count"

build=""
module=""
kver=""
init_script="$here/init.sh"
timeout=900
result=""
extra_modules=""
extra_files=()
# -cpu max gives the guest SVM, so KVM (nested) works inside it.
cpu=max
kernel_image=""
debug_checks=0
no_suites=0
work=""
skip_specs=()

usage()
{
	echo "usage: $0 --build DIR --module PATH {--kernel-version VER | --kernel-image BZIMAGE}" \
	     "[--init-script FILE] [--timeout SECS] [--result FILE] [--extra-modules \"NAME ...\"]" \
	     "[--extra-file SRC:DST]... [--work DIR] [--debug-checks] [--no-suites]" \
	     "[--skip-suite \"GLOB=REASON\"]... [--no-nested-kvm]" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case "$1" in
	--build) build="$2"; shift 2 ;;
	--module) module="$2"; shift 2 ;;
	--kernel-version) kver="$2"; shift 2 ;;
	--init-script) init_script="$2"; shift 2 ;;
	--timeout) timeout="$2"; shift 2 ;;
	--result) result="$2"; shift 2 ;;
	--extra-modules) extra_modules="$2"; shift 2 ;;
	--extra-file) extra_files+=("$2"); shift 2 ;;
	--no-nested-kvm) cpu="max,-svm,-vmx"; shift ;;
	--kernel-image) kernel_image="$2"; shift 2 ;;
	--debug-checks) debug_checks=1; shift ;;
	--no-suites) no_suites=1; shift ;;
	--work) work="$2"; shift 2 ;;
	--skip-suite) skip_specs+=("$2"); shift 2 ;;
	-h | --help) usage ;;
	*) echo "run-vm.sh: unknown argument '$1'" >&2; usage ;;
	esac
done
if [ -z "$build" ] || [ -z "$module" ] || { [ -z "$kver" ] && [ -z "$kernel_image" ]; }; then
	usage
fi
for spec in "${skip_specs[@]}"; do
	case "$spec" in
	?*=?*) ;;
	*) echo "run-vm.sh: --skip-suite wants GLOB=REASON, got '$spec'" >&2; usage ;;
	esac
done

die()
{
	echo "run-vm.sh: $*" >&2
	[ -n "$result" ] && echo "0 1 0" >"$result"
	exit 1
}

# shellcheck source=selftests/vm/vm-image.sh
. "$here/vm-image.sh"
# shellcheck source=selftests/vm/vm-boot.sh
. "$here/vm-boot.sh"
# shellcheck source=selftests/vm/vm-verdict.sh
. "$here/vm-verdict.sh"

vm_image_build
vm_boot
vm_verdict
