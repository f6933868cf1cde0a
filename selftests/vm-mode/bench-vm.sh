#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench-vm.sh - make bench-vm: vm mode's boot benchmark (bench.sh) in a test VM, with kiste.ko.
#
# The build machines' /dev/kvm runs tiny guests only, so Linux guests boot in the
# test VM (qemu TCG, nested KVM): figures there are ratios measured side by side,
# not absolute times.  The VM carries qemu and its microvm firmware for the
# comparison, and has KISTE_TESTVM_MIB (default 8192) of memory so that the
# rootfs part can copy a BENCH_ROOTFS_MIB (default 1024) tree into a guest's
# initramfs.  Not a test: it prints the medians (README, "Figures").
# Usage: bench-vm.sh BUILD KVER
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: bench-vm.sh BUILD KVER}
kver=${2:?usage: bench-vm.sh BUILD KVER}
qemu=$(command -v qemu-system-x86_64) || { echo "bench-vm: qemu-system-x86_64 missing: make deps" >&2; exit 1; }
fw=/usr/share/qemu
for f in "$fw/bios-microvm.bin" "$fw/linuxboot_dma.bin" "/boot/vmlinuz-$kver"; do
	[ -r "$f" ] || { echo "bench-vm: $f missing: make deps" >&2; exit 1; }
done
tmp=$(mktemp -d /tmp/kiste-bench-vm.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# bios-microvm.bin is a link to qboot.rom: the VM gets a copy of its target, never the link.
cp -L "$fw/bios-microvm.bin" "$tmp/bios-microvm.bin"
# bench.sh's settings, passed on into the VM (BENCH_RUNS, BENCH_ROOTFS_MIB, BENCH_ROOTFS_RUNS).
printf 'BENCH_RUNS=%d\nBENCH_ROOTFS_MIB=%d\nBENCH_ROOTFS_RUNS=%d\n' "${BENCH_RUNS:-3}" \
	"${BENCH_ROOTFS_MIB:-1024}" "${BENCH_ROOTFS_RUNS:-3}" >"$tmp/bench.env"
export KISTE_TESTVM_MIB=${KISTE_TESTVM_MIB:-8192}
"$top/selftests/vm/run-vm.sh" --build "$build" --module "$top/kmod/kiste.ko" \
	--kernel-version "$kver" --init-script "$top/selftests/vm-mode/bench-vm-init.sh" \
	--no-suites --timeout "${BENCH_VM_TIMEOUT:-3600}" --work "$tmp/vm" \
	--extra-modules kvm_amd \
	--extra-file "/boot/vmlinuz-$kver:/boot/vmlinuz-$kver" \
	--extra-file "$top/selftests/vm-mode/bench.sh:/b/bench.sh" \
	--extra-file "$tmp/bench.env:/b/bench.env" \
	--extra-file "$qemu:/bin/qemu-system-x86_64" \
	--extra-file "$tmp/bios-microvm.bin:/usr/share/qemu/bios-microvm.bin" \
	--extra-file "$fw/linuxboot_dma.bin:/usr/share/qemu/linuxboot_dma.bin"
