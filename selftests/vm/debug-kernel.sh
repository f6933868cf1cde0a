#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# debug-kernel.sh - builds (once, cached) the KASAN + lockdep + kmemleak test-VM kernel from linux-source-6.1.
#
# Usage: debug-kernel.sh [--cache DIR]
#
# Extracts /usr/src/linux-source-6.1.tar.xz into DIR/<key> (default DIR:
# /var/cache/kiste/debug-kernel), configures it as `make tinyconfig` plus
# configs/kernel/debug.config, checks that every option the tests rely on
# survived Kconfig, and builds it with plain `make` so that Module.symvers
# exists.  <key> hashes the fragment, the linux-source-6.1 package version and
# the settings below, so a changed input gets a fresh tree and an unchanged one
# is reused: a stamp file written last marks a complete build.
#
# Progress goes to stderr, the full log to DIR/<key>/kiste-build.log.  The last
# line of stdout is DIR/<key>: a kernel build tree usable as KDIR for
# `make -C KDIR M=... modules`, with the kernel image at DIR/<key>/bzImage.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(cd "$here/../.." && pwd)"
fragment="$top/configs/kernel/debug.config"
src_pkg="linux-source-6.1"
src_tar="/usr/src/linux-source-6.1.tar.xz"
cache="/var/cache/kiste/debug-kernel"

# Everything below that changes the resulting kernel; part of the cache key.
# Bump "recipe" when the build steps change.
settings="recipe=1 arch=x86_64 base=tinyconfig merge=merge_config.sh+olddefconfig target=all"

# Options the suites and the checkers need; the build fails if Kconfig
# dropped any of them (unmet dependencies are dropped silently).
required=(
	64BIT SMP SLUB MULTIUSER PRINTK BUG TTY SERIAL_8250 SERIAL_8250_CONSOLE
	BLK_DEV_INITRD RD_GZIP BINFMT_ELF BINFMT_SCRIPT FUTEX POSIX_TIMERS EPOLL
	SIGNALFD TIMERFD EVENTFD SHMEM TMPFS PROC_FS SYSFS DEVTMPFS DEVTMPFS_MOUNT
	DEBUG_FS ACPI PCI MODULES MODULE_UNLOAD NET UNIX INET TUN
	KVM KVM_AMD CPU_SUP_AMD X86_LOCAL_APIC SECCOMP SECCOMP_FILTER
	NAMESPACES USER_NS PID_NS NET_NS UTS_NS IPC_NS SECURITY SECURITY_LANDLOCK
	CGROUPS CGROUP_FREEZER PROC_CHILDREN
	TRACEPOINTS FTRACE FTRACE_SYSCALLS KALLSYMS STACKTRACE DEBUG_KERNEL
	KASAN KASAN_GENERIC PROVE_LOCKING LOCKDEP DEBUG_LOCK_ALLOC DEBUG_ATOMIC_SLEEP
	DEBUG_KMEMLEAK
)
# Options that would stop the module loading or turn a report into a panic.
forbidden=(MODULE_SIG MODULE_SIG_FORCE PANIC_ON_OOPS DEBUG_KMEMLEAK_DEFAULT_OFF)

usage()
{
	echo "usage: $0 [--cache DIR]" >&2
	exit 2
}

die()
{
	echo "debug-kernel.sh: $*" >&2
	exit 1
}

say()
{
	echo "debug-kernel: $*" >&2
}

while [ $# -gt 0 ]; do
	case "$1" in
	--cache) [ $# -ge 2 ] || usage; cache="$2"; shift 2 ;;
	-h | --help) usage ;;
	*) echo "debug-kernel.sh: unknown argument '$1'" >&2; usage ;;
	esac
done

[ -r "$fragment" ] || die "missing config fragment $fragment: restore it from git"
[ -r "$src_tar" ] || die "missing $src_tar: apt-get install $src_pkg"
src_ver="$(dpkg-query -W -f='${Version}' "$src_pkg" 2>/dev/null)" ||
	die "cannot read the version of $src_pkg: apt-get install $src_pkg"
for tool in make gcc bc flex bison perl xz tar sha256sum flock; do
	command -v "$tool" >/dev/null || die "'$tool' not found: install it (make deps)"
done
[ -r /usr/include/libelf.h ] || die "libelf.h not found (objtool needs it): apt-get install libelf-dev"

# The compiler must match between this kernel and modules built against it.
cc_ver="$(gcc --version | head -n 1)"
key="$({
	cat "$fragment"
	printf '\n--\n%s\n--\n%s\n--\n%s\n' "$src_ver" "$settings" "$cc_ver"
} | sha256sum | cut -c1-64)"
dir="$cache/$key"
log="$dir/kiste-build.log"
stamp="$dir/.kiste-build-complete"
extracted="$dir/.kiste-extracted"

if ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
	die "cannot write cache directory $cache: run as root or pass --cache DIR"
fi

# Two concurrent runs (e.g. parallel `make check`) must not build one tree twice.
exec 9>"$cache/$key.lock"
if ! flock -n 9; then
	say "waiting for another build of $key"
	flock 9
fi

if [ -e "$stamp" ]; then
	say "cached: $dir"
	echo "$dir"
	exit 0
fi

start=$(date +%s)
# A tree whose extraction did not finish is discarded; one whose build did
# not finish is resumed (make is incremental).
if [ ! -e "$extracted" ]; then
	rm -rf "$dir"
	mkdir -p "$dir"
	say "extracting $src_pkg $src_ver into $dir"
	tar -xf "$src_tar" -C "$dir" --strip-components=1 --no-same-owner ||
		die "extracting $src_tar failed (disk full?); see 'df -h $cache'"
	touch "$extracted"
else
	say "resuming unfinished build in $dir"
fi

# Variables inherited from a calling make (make check) would redirect or
# break the kernel build: pass only what is set here.
kmake()
{
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u KBUILD_OUTPUT \
		-u KBUILD_EXTMOD -u KCONFIG_CONFIG -u CROSS_COMPILE -u O -u M \
		make -C "$dir" ARCH=x86_64 "$@"
}

say "configuring (tinyconfig + ${fragment#"$top"/}); log: $log"
{
	kmake tinyconfig &&
	(cd "$dir" && ./scripts/kconfig/merge_config.sh -m -O "$dir" "$dir/.config" "$fragment") &&
	kmake olddefconfig
} >"$log" 2>&1 || die "configuring the kernel failed; see $log"

missing=()
# Every assignment of the fragment must have survived, verbatim.
while IFS= read -r line; do
	grep -qxF -- "$line" "$dir/.config" || missing+=("${line}")
done < <(grep -E '^(CONFIG_[A-Za-z0-9_]+=.*|# CONFIG_[A-Za-z0-9_]+ is not set)$' "$fragment")
for opt in "${required[@]}"; do
	grep -qx "CONFIG_$opt=y" "$dir/.config" || missing+=("CONFIG_$opt=y")
done
for opt in "${forbidden[@]}"; do
	if grep -qx "CONFIG_$opt=y" "$dir/.config"; then
		missing+=("# CONFIG_$opt is not set")
	fi
done
grep -qE '^CONFIG_LSM=".*landlock' "$dir/.config" || missing+=('CONFIG_LSM containing landlock')
if [ ${#missing[@]} -gt 0 ]; then
	die "Kconfig dropped ${missing[*]} (unmet dependency): fix $fragment (see $dir/.config)"
fi

jobs="$(nproc)"
say "building with make -j$jobs (several minutes)"
if ! kmake -j"$jobs" all >>"$log" 2>&1; then
	first="$(grep -m 1 -E 'error:|Error [0-9]+|No space left' "$log" || true)"
	die "kernel build failed (${first:-no error line found}); see $log"
fi

for f in vmlinux Module.symvers arch/x86/boot/bzImage scripts/mod/modpost; do
	[ -s "$dir/$f" ] || die "kernel build left no $f; see $log"
done
cp "$dir/arch/x86/boot/bzImage" "$dir/bzImage"

end=$(date +%s)
printf 'key=%s\nsource=%s %s\nsettings=%s\ncc=%s\nbuild_seconds=%d\n' \
	"$key" "$src_pkg" "$src_ver" "$settings" "$cc_ver" $((end - start)) >"$stamp"
say "built in $((end - start)) s: $dir"
echo "$dir"
