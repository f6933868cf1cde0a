# SPDX-License-Identifier: GPL-2.0
# t_vm.sh - malformed inputs (kernels, initramfs, spec, ELF files), the channel, and the VMM's descriptors.
# shellcheck shell=sh
#
# Sourced by hostile.sh.  Refusals that come before a guest runs are tried
# wherever vm mode exists (the build host too); the rest need a Linux guest
# (the test VM's nested KVM), see need_boot.

# T_OUT/T_RC of CMD, killed after SECONDS (a hang reads as exit 124).
bounded()	# SECONDS CMD...
{
	b_s="$1"
	shift
	T_OUT=$(timeout -k 5 "$b_s" "$@" 2>&1 </dev/null)
	T_RC=$?
}

# A malformed copy of the guest kernel (mkbad KIND): one line and 125, in bounded time.
vm_bad_kernel()	# KIND [STATUSES]
{
	if ! "$A" mkbad "$1" "$KERNEL" "$TMP/$1" >"$TMP/mkbad.out" 2>&1; then
		escaped "cannot make the malformed kernel: $(cat "$TMP/mkbad.out")"
		return
	fi
	bounded $((90 * TS)) env KISTE_VM_CACHE=0 "$K" run --mode=vm --timeout $((60 * TS)) \
		--kernel "$TMP/$1" -- /bin/true
	rm -f "$TMP/$1"
	case " ${2:-125} " in
	" 0 "* | *" 0 "*) [ "$T_RC" = 0 ] && { contained; return; } ;;
	esac
	case " ${2:-125} " in
	*" $T_RC "*) judge "$(one_line && has "kiste:"; echo $?)" "$(seen)" ;;
	*) escaped "$(seen)" ;;
	esac
}

t_vm_kernel_trunc() { vm_bad_kernel bz-trunc; }
t_vm_kernel_setup() { vm_bad_kernel bz-setup; }
t_vm_kernel_xz() { vm_bad_kernel bz-xz; }
# The payload fields are hints for the VMM's fast path: with them wrong the bzImage boots
# through its own decompressor (0), or fails in the guest (125, 137 at --timeout).
t_vm_kernel_payload() { need_boot && debug_kernel_one_boot || return; vm_bad_kernel bz-payload "0 125 137"; }
t_vm_kernel_paylen() { need_boot && debug_kernel_one_boot || return; vm_bad_kernel bz-paylen "0 125 137"; }

t_vm_kernel_fifo()
{
	rm -f "$TMP/kfifo"
	mkfifo "$TMP/kfifo"
	bounded 8 "$K" run --mode=vm --timeout 4 --kernel "$TMP/kfifo" -- /bin/true
	case "$T_RC" in
	124 | 137 | 143) escaped "kiste hung on the FIFO (killed by timeout(1) after 8 s; --timeout 4 did not fire): $(seen)" ;;
	125) judge "$(one_line; echo $?)" "$(seen)" ;;
	*) escaped "$(seen)" ;;
	esac
}

t_vm_initrd_fifo()
{
	rm -f "$TMP/ififo"
	mkfifo "$TMP/ififo"
	bounded 8 env KISTE_VM_INITRD="$TMP/ififo" "$K" run --mode=vm --timeout 4 --kernel "$KERNEL" \
		-- /bin/true
	case "$T_RC" in
	124 | 137 | 143) escaped "kiste hung on the FIFO (killed by timeout(1) after 8 s; --timeout 4 did not fire): $(seen)" ;;
	125) judge "$(one_line; echo $?)" "$(seen)" ;;
	*) escaped "$(seen)" ;;
	esac
}

t_vm_initrd_huge()
{
	rm -f "$TMP/huge"
	if ! dd if=/dev/zero of="$TMP/huge" bs=1 count=1 seek=4294967295 2>/dev/null; then
		notrun "cannot make a 4 GiB sparse file in $TMP"
		return
	fi
	bounded $((60 * TS)) env KISTE_VM_INITRD="$TMP/huge" "$K" run --mode=vm --timeout $((30 * TS)) \
		--kernel "$KERNEL" -- /bin/true
	rm -f "$TMP/huge"
	judge "$([ "$T_RC" = 125 ] && one_line; echo $?)" "$(seen)"
}

t_vm_spec_args()
{
	need_boot || return
	debug_kernel_one_boot || return
	esc_root
	# shellcheck disable=SC2046 # 5000 words
	bounded $((VT + 30)) "$K" run --mode=vm --timeout "$VT" --rootfs "$R" -- /bin/attack args \
		$(seq 1 5000)
	case "$T_RC" in
	125) judge "$(one_line; echo $?)" "$(seen)" ;;
	0) judge "$(has "args: argc=5000 last=5000"; echo $?)" "$(seen)" ;;
	*) escaped "$(seen)" ;;
	esac
}

t_vm_chan_forge()
{
	need_boot || return
	vm_boot1
	# the VMM's 1 MiB buffer twice (stdout, stderr), plus the attack's own lines
	judge "$([ "$T_RC" = 0 ] && [ "$VM1_BYTES" -le 2200000 ] && has "chan: forged=sent" &&
		 has "multi: end chan exit=0"; echo $?)" "exit $T_RC, $VM1_BYTES bytes; $(segment chan | tail -n 3)"
}

# Every descriptor of PID and its children, as "PID: TARGET" lines.
fds_of_tree()	# PID
{
	for p in "$1" $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		for f in /proc/"$p"/fd/*; do
			l=$(readlink "$f" 2>/dev/null) && echo "$p: $l"
		done
	done
}

# A running VMM (vm: kiste itself, its vCPUs threads; unikernel vm: kiste's child), sampled.
t_vmm_fds()
{
	[ "$1" = k ] || debug_kernel_one_boot || return
	case "$1" in
	v) "$K" run --mode=vm --timeout $((20 * TS)) --kernel "$KERNEL" -- /bin/sleep 8 \
		>"$TMP/vmm.out" 2>&1 </dev/null & ;;
	k) "$K" run --mode=unikernel --isolation vm --timeout 6 -- "$UK/sleeper" \
		>"$TMP/vmm.out" 2>&1 </dev/null & ;;
	esac
	pid=$!
	fds=""
	i=0
	n=0
	# Every sample that shows a vCPU, kept: one taken while the VMM tears down may
	# lack descriptors it has already closed (the debug kernel's run caught one).
	while [ $i -lt $((40 * TS)) ] && kill -0 $pid 2>/dev/null; do
		sleep 0.5
		i=$((i + 1))
		s=$(fds_of_tree $pid)
		# KVM's own vCPU descriptor, or with kiste.ko the broker's (kiste-vcpu)
		case "$s" in
		*kvm-vcpu* | *kiste-vcpu*)
			fds="$fds
$s"
			n=$((n + 1))
			[ $n -ge 6 ] && break ;;
		esac
	done
	# KILL: kiste forwards TERM to a guest that may never answer it
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	# The VMM: the process holding the vCPU (kiste itself in vm mode, its child for unikernels).
	vmm=$(printf '%s\n' "$fds" | sed -n 's/^\([0-9]*\): anon_inode:k[a-z]*-vcpu.*/\1/p' | head -n 1)
	fds=$(printf '%s\n' "$fds" | grep "^${vmm:-none}: " | sort -u)
	# shellcheck disable=SC2034 # has() reads it
	T_OUT="$fds"
	if [ -z "$fds" ]; then
		escaped "no VMM with a KVM descriptor seen while it ran: $(cat "$TMP/vmm.out")"
	elif [ -c /dev/kiste ]; then
		judge "$(has "kiste-vm" && ! has "/dev/kvm" && ! has "kvm-vm" && ! has "kvm-vcpu"
			 echo $?)" "$fds"
	else
		judge "$(! has "/dev/kvm"; echo $?)" "$fds"
	fi
}

# A malformed copy of attack (mkbad KIND) under shim: 126 and one line.
shim_bad()	# MODE KIND
{
	if ! "$A" mkbad "$2" "$A" "$TMP/bad-$2" >"$TMP/mkbad.out" 2>&1; then
		escaped "cannot make the malformed file: $(cat "$TMP/mkbad.out")"
		return
	fi
	kr "$1" -- "$TMP/bad-$2"
	judge "$([ "$T_RC" = 126 ] && one_line && has "kiste:"; echo $?)" "$(seen)"
}

elf_bad()	# MODE KIND
{
	case "$1" in
	p | k) dd if=/dev/zero of="$TMP/disk.img" bs=512 count=128 2>/dev/null; uk_bad "$1" "$2" ;;
	*) shim_bad "$1" "$2" ;;
	esac
}

t_elf_phoff() { elf_bad "$1" elf-phoff; }
t_elf_phnum() { elf_bad "$1" elf-phnum; }
t_elf_bigmem() { elf_bad "$1" elf-bigmem; }
t_elf_trunc()
{
	case "$1" in
	p | k) elf_bad "$1" elf-trunc; return ;;
	esac
	"$A" mkbad elf-trunc "$A" "$TMP/bad-elf-trunc" >/dev/null 2>&1
	kr "$1" -- "$TMP/bad-elf-trunc"
	case "$T_RC" in
	126 | 13[0-9]) judge "$(has "usage: attack"; [ $? = 1 ]; echo $?)" "$(seen)" ;;
	*) escaped "$(seen)" ;;
	esac
}

t_elf_overlap()
{
	case "$1" in
	p | k) elf_bad "$1" elf-lowload; return ;;
	esac
	case "$("$H/overgk" 2>&1)" in
	*"overgk: running"*) ;;
	*) escaped "control failed: overgk does not run natively"; return ;;
	esac
	kr "$1" -- "$H/overgk"
	judge "$([ "$T_RC" = 126 ] && ! has "overgk: running"; echo $?)" "$(seen)"
}
