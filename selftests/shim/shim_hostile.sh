#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shim_hostile.sh - shim mode vs hostile workloads: raw syscalls, gate jumps, mappings, escapes.
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/shim-lib.helper"
K="${KISTE_SHIM:-$here/../bin/kiste}"
WL="$here/shim-wl"

if [ ! -x "$K" ] || [ ! -x "$WL/hostile" ]; then
	skip "shim hostile" "no $K or $WL/hostile"
	t_done
	exit
fi

# Raw inline-asm syscalls from the workload's own code are redirected and refused.
run "$K" run --mode=shim -- "$WL/hostile" refused
for call in ptrace mount init_module kexec_load bpf unshare setns keyctl prctl-dispatch-off; do
	case "$T_OUT" in
	*"$call=-1
"*) ok "raw $call is refused by the guest kernel" ;;
	*) fail "raw $call is refused by the guest kernel" "exit $T_RC: $T_OUT" ;;
	esac
done
case "$T_OUT" in
*"dup2-private=-9"*"close-private=-9"*) ok "the guest kernel's descriptors are not the workload's" ;;
*) fail "the guest kernel's descriptors are not the workload's" "$T_OUT" ;;
esac
case "$T_RC:$T_OUT" in
0:*"ptrace-again=-1"*"getpid=1"*) ok "still redirected after disarm attempts (prctl, SIGSYS)" ;;
*) fail "still redirected after disarm attempts (prctl, SIGSYS)" "exit $T_RC: $T_OUT" ;;
esac
expect "raw execve is the guest kernel's own load" 0 "emulated-exec" "$K" run --mode=shim -- "$WL/hostile" execve
expect "a forked child is redirected too" 0 "ptrace=-1" \
	"$K" run --mode=shim -- sh -c "$WL/hostile refused | cat"

# A forbidden syscall through the gate's own syscall instruction meets seccomp.
expect "ptrace via the gate is killed by seccomp" 159 "seccomp filter" "$K" run --mode=shim -- "$WL/hostile" gate 101
expect "execve via the gate is killed by seccomp" 159 "seccomp filter" "$K" run --mode=shim -- "$WL/hostile" gate 59
expect "mount via the gate is killed by seccomp" 159 "seccomp filter" "$K" run --mode=shim -- "$WL/hostile" gate 165
expect "prctl via the gate is killed by seccomp" 159 "seccomp filter" "$K" run --mode=shim -- "$WL/hostile" gate 157

# The guest kernel's own pages cannot be mapped over, reprotected or unmapped.
expect "mmap/mprotect/munmap over the guest kernel fail" 0 "mmap=-1 mprotect=-1 munmap=-1" \
	"$K" run --mode=shim -- "$WL/hostile" over

# Escapes from a --rootfs by .., absolute and relative symlinks, and /proc.
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
r="$tmp/root"
mkdir -p "$r/bin" "$r/dev" "$r/proc" "$r/tmp" "$r/etc"
cp "$WL/hostile" "$r/bin/"
echo TOPSECRET >"$tmp/secret"
echo inside >"$r/etc/hello"
ln -s /../secret "$r/abs"
ln -s ../../secret "$r/rel"
ln -s /etc/../../../secret "$r/etc/deep"
expect "a file inside the rootfs is readable" 0 "inside" "$K" run --mode=shim --rootfs "$r" -- /bin/hostile read /etc/hello
for p in /../secret ../../secret /abs /rel /etc/deep /proc/self/root/../secret \
	 /proc/1/root/secret /proc/self/cwd/../secret /proc/self/fd/../../../secret; do
	expect_not "no escape through $p" "TOPSECRET" "$K" run --mode=shim --rootfs "$r" -- /bin/hostile read "$p"
done
# As root, the sandbox's root maps to the rootfs owner (never host root): give it one.
[ "$(id -u)" = 0 ] && chown -R 4242:4242 "$r"
expect "a --rootfs is read-only without --rw" 3 "Read-only file system" \
	"$K" run --mode=shim --rootfs "$r" -- /bin/hostile write /etc/new
expect "--rw makes a --rootfs writable" 0 "wrote /etc/new" \
	"$K" run --mode=shim --rootfs "$r" --rw -- /bin/hostile write /etc/new
[ -f "$r/etc/new" ] && ok "the write landed in the rootfs" || fail "the write landed in the rootfs" "no $r/etc/new"
t_done
