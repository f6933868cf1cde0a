# SPDX-License-Identifier: GPL-2.0
# guest_lib.sh - the set-up vm mode's test-VM suites share (vmmode_run.sh, vmmode_tty.sh): KVM, the guest kernel, busybox trees for --rootfs.
# shellcheck shell=sh
#
# Sourced as vmmode-lib.helper (beside the suites in /vm-tests) after tap.sh.

# vm_guest_require: SKIPs the suite without /dev/kvm or a guest kernel ($KISTE_KERNEL, else
# /boot/vmlinuz-*, else /bin/vmlinuz*); exports KISTE_KERNEL.
vm_guest_require()
{
	[ -c /dev/kvm ] || skip_all "no /dev/kvm (load kvm_amd or kvm_intel)"
	if [ -z "${KISTE_KERNEL:-}" ]; then
		for k in /boot/vmlinuz-* /bin/vmlinuz*; do
			[ -r "$k" ] && KISTE_KERNEL=$k && break
		done
	fi
	if [ -z "${KISTE_KERNEL:-}" ] || [ ! -r "$KISTE_KERNEL" ]; then
		skip_all "no guest kernel: set KISTE_KERNEL"
	fi
	export KISTE_KERNEL
}

# vm_busybox_tree DIR APPLET...: DIR/bin/busybox and each APPLET a link to it (a guest's
# root for --rootfs); 1 without a busybox.  busybox ash answers `command -v busybox` with
# the bare applet name: the file is looked for.
vm_busybox_tree()
{
	vb_dir=$1 vb=
	shift
	for b in "$(command -v busybox 2>/dev/null)" /bin/busybox /usr/bin/busybox; do
		case $b in /*) [ -x "$b" ] && vb=$b && break ;; esac
	done
	[ -n "$vb" ] || return 1
	mkdir -p "$vb_dir/bin"
	cp "$vb" "$vb_dir/bin/busybox"
	for a in "$@"; do
		ln -s busybox "$vb_dir/bin/$a"
	done
}
