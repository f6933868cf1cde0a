#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# bench.sh - vm mode vs qemu microvm in the test VM: boot-to-exit medians, VMM overhead and RSS.
#
# Run inside the test VM (nested KVM).  Same kernel, same initramfs (saved by
# kiste with KISTE_VM_DUMP_INITRD), same command line.  Not a pass/fail test.
# Env: KISTE_KERNEL (guest kernel), BENCH_RUNS (default 5), QEMU_FW (dir with qboot.rom),
# BENCH_ROOTFS_MIB (default 1024; 0: none) for the rootfs part: a --rootfs tree of that
# many MiB booted as an erofs image on a disk vs copied into the initramfs
# (KISTE_VM_ROOTFS_COPY, as vm mode did before images), BENCH_ROOTFS_RUNS (default 3).
# make bench-vm runs it in a test VM large enough for the copy (selftests/vm-mode/bench-vm.sh).

runs=${BENCH_RUNS:-5}
tmp=$(mktemp -d /tmp/vmbench.XXXXXX)
if [ -z "${KISTE_KERNEL:-}" ]; then
	for k in /boot/vmlinuz-*; do
		[ -r "$k" ] && KISTE_KERNEL=$k && break
	done
fi
K=${KISTE_KERNEL:?set KISTE_KERNEL to the guest bzImage}
export KISTE_KERNEL
if kiste run --mode=vm --help 2>/dev/null | grep -q -- --rootfs; then
	KRUN="kiste run --mode=vm"
else
	KRUN="kiste-vm"
fi
# Keep in sync with cmdline_base in userspace/cli/run_vm.c (minus kiste.chan=).
CMDLINE="console=ttyS0 reboot=k panic=-1 pci=off nomodule 8250.nr_uarts=1 i8042.noaux \
i8042.nomux i8042.nopnp i8042.dumbkbd tsc=reliable no_timer_check random.trust_cpu=on no5lvl \
rdinit=/.kiste/agent quiet loglevel=1"

# busybox date has no %N: /proc/uptime (10 ms resolution) is enough for boots of seconds.
# qemu looks for firmware next to its binary (../share/qemu) first; the test VM
# carries it in /usr/share/qemu (bios-microvm.bin, linuxboot_dma.bin).
[ -z "${QEMU_FW:-}" ] && [ -d /usr/share/qemu ] && QEMU_FW=/usr/share/qemu
now_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "TAP version 13"
# This untimed run also fills the VMM's cache of the decompressed kernel (as
# any first run on a machine does); the timed runs boot from it.  The cache is
# this run's own, so its vmlinux (an ELF of the kernel's headers and
# segments) is known: qemu boots it through PVH, skipping the decompressor too.
export KISTE_VM_CACHE="$tmp/cache"
KISTE_VM_DUMP_INITRD=$tmp/initrd $KRUN -- /bin/true || { echo "Bail out! kiste run failed"; exit 1; }
vmlinux=""
for f in "$KISTE_VM_CACHE"/vmlinux-2-*; do
	[ -f "$f" ] && vmlinux=$f && break
done
: >"$tmp/kiste"; : >"$tmp/qemu"; : >"$tmp/pvh"; : >"$tmp/stats"
i=0
while [ $i -lt "$runs" ]; do
	t=$(now_ms)
	KISTE_VM_STATS=1 $KRUN -- /bin/true 2>>"$tmp/stats"
	echo $(($(now_ms) - t)) >>"$tmp/kiste"
	if command -v qemu-system-x86_64 >/dev/null; then
		t=$(now_ms)
		qemu-system-x86_64 -M microvm -accel kvm -cpu host -m 256 -smp 1 -nodefaults \
			-no-user-config -display none -serial null -no-reboot \
			${QEMU_FW:+-L "$QEMU_FW"} -kernel "$K" -initrd "$tmp/initrd" \
			-append "$CMDLINE" </dev/null >/dev/null 2>"$tmp/qemu.err"
		echo $(($(now_ms) - t)) >>"$tmp/qemu"
		if [ -n "$vmlinux" ]; then
			t=$(now_ms)
			qemu-system-x86_64 -M microvm -accel kvm -cpu host -m 256 -smp 1 -nodefaults \
				-no-user-config -display none -serial null -no-reboot \
				${QEMU_FW:+-L "$QEMU_FW"} -kernel "$vmlinux" -initrd "$tmp/initrd" \
				-append "$CMDLINE" </dev/null >/dev/null 2>"$tmp/pvh.err" &&
				echo $(($(now_ms) - t)) >>"$tmp/pvh"
		fi
	fi
	i=$((i + 1))
done
k=$(median <"$tmp/kiste")
echo "# kiste vm  /bin/true boot-to-exit median ${k} ms over $runs runs: $(tr '\n' ' ' <"$tmp/kiste")"
if [ -s "$tmp/qemu" ]; then
	q=$(median <"$tmp/qemu")
	echo "# qemu microvm same kernel/initramfs median ${q} ms: $(tr '\n' ' ' <"$tmp/qemu")"
	awk -v k="$k" -v q="$q" 'BEGIN { printf "# ratio kiste/qemu = %.2f (target <= 0.7)\n", k / q }'
	if [ -s "$tmp/pvh" ]; then
		p=$(median <"$tmp/pvh")
		echo "# qemu microvm, the same kernel decompressed (kiste's cached vmlinux, PVH entry) median ${p} ms: $(tr '\n' ' ' <"$tmp/pvh")"
		awk -v k="$k" -v p="$p" 'BEGIN { printf "# ratio kiste/qemu-pvh = %.2f\n", k / p }'
	else
		echo "# qemu microvm with the decompressed vmlinux (PVH): no run finished: $(head -n 2 "$tmp/pvh.err" 2>/dev/null | tr '\n' ' ')"
	fi
else
	echo "# qemu-system-x86_64 not in the test VM: no comparison"
fi
# What the VMM adds to the guest's own time: the whole wall time of kiste run
# (exec, packing, VM setup, teardown, exit) minus the guest's time.
grep kiste-vm-stats "$tmp/stats" | paste -d" " "$tmp/kiste" - | sed -n 's/^\([0-9]*\) .* guest_ms=\([0-9.]*\).*/\1 \2/p' |
	awk '{ print $1 - $2 }' | median | sed 's/^/# VMM wall minus guest time median (ms) /'
for f in setup_ms load_ms guest_ms kernel_ms teardown_ms maxrss_kib guest_resident_kib vmm_rss_kib; do
	v=$(sed -n "s/.* $f=\([0-9.]*\).*/\1/p" "$tmp/stats" | median)
	echo "# VMM $f median $v"
done
sed -n 's/.* kernel=\([a-zA-Z]*\).*/\1/p' "$tmp/stats" | sort | uniq -c | sed 's/^ */# VMM kernel loaded from: /'
grep -m 1 kiste-vm-exits "$tmp/stats" | sed 's/^/# /'
head -n 3 "$tmp/qemu.err" 2>/dev/null | sed 's/^/# qemu: /'

# The rootfs: BENCH_ROOTFS_MIB of files (zeros: the initramfs is not compressed,
# so content costs the same) beside a busybox /bin.  First run untimed: it
# builds the erofs image (cached); then each way alternates in one loop.
mib=${BENCH_ROOTFS_MIB:-1024}
bb=$(command -v busybox 2>/dev/null || true)
[ -x "$bb" ] || bb=/bin/busybox
if [ "$mib" -gt 0 ] && command -v mkfs.erofs >/dev/null && [ -x "$bb" ]; then
	r="$tmp/rootfs"
	mkdir -p "$r/bin" "$r/data"
	cp "$bb" "$r/bin/busybox"
	ln -s busybox "$r/bin/true"
	n=0
	while [ $((n * 64)) -lt "$mib" ]; do
		dd if=/dev/zero of="$r/data/f$n" bs=1M count=64 2>/dev/null
		n=$((n + 1))
	done
	t=$(now_ms)
	$KRUN --rootfs "$r" -- /bin/true || echo "# rootfs: the image run failed"
	echo "# rootfs ${mib} MiB: first run, the erofs image built (mkfs.erofs) and cached: $(($(now_ms) - t)) ms"
	# The copy needs guest memory for the archive and the unpacked tree, which a tmpfs of
	# half the RAM holds (the initramfs may take half as well).
	cmem=$((mib * 3 + 512))
	: >"$tmp/img"; : >"$tmp/copy"
	i=0
	while [ $i -lt "${BENCH_ROOTFS_RUNS:-3}" ]; do
		t=$(now_ms)
		$KRUN --rootfs "$r" -- /bin/true && echo $(($(now_ms) - t)) >>"$tmp/img"
		t=$(now_ms)
		KISTE_VM_ROOTFS_COPY=1 $KRUN --memory "${cmem}M" --rootfs "$r" -- /bin/true \
			2>"$tmp/copy.err" && echo $(($(now_ms) - t)) >>"$tmp/copy"
		i=$((i + 1))
	done
	if [ -s "$tmp/img" ]; then
		a=$(median <"$tmp/img")
		echo "# rootfs ${mib} MiB as an erofs image on a disk (guest --memory 256M) median ${a} ms: $(tr '\n' ' ' <"$tmp/img")"
	fi
	if [ -s "$tmp/copy" ]; then
		c=$(median <"$tmp/copy")
		echo "# rootfs ${mib} MiB copied into the initramfs (guest --memory ${cmem}M) median ${c} ms: $(tr '\n' ' ' <"$tmp/copy")"
	else
		echo "# rootfs copied into the initramfs: no run finished: $(head -n 2 "$tmp/copy.err" | tr '\n' ' ')"
	fi
	[ -s "$tmp/img" ] && [ -s "$tmp/copy" ] &&
		awk -v a="$a" -v c="$c" 'BEGIN { printf "# ratio image/copy = %.2f\n", a / c }'
else
	echo "# rootfs part skipped (BENCH_ROOTFS_MIB=0, or no mkfs.erofs or busybox)"
fi
echo "ok 1 - benchmark ran"
echo "1..1"
rm -rf "$tmp"
