# SPDX-License-Identifier: GPL-2.0
# vm-lib.sh - shared by the test-VM init scripts: mounts, module loading, the closing report.
# shellcheck shell=sh disable=SC3043 # local: busybox ash, the only shell that runs it, has it
#
# Everything the host runner parses is a line starting with "KISTE-VM: " on the
# serial console (see run-vm.sh); keep these lines in sync with its parser, vm-console.awk.

KISTE_KO=/lib/modules/kiste/kiste.ko
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export KISTE_KO

vm_say()
{
	echo "KISTE-VM: $*"
}

vm_mount()
{
	mkdir -p /dev /proc /sys /tmp /run
	mount -t devtmpfs devtmpfs /dev 2>/dev/null
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t tmpfs tmpfs /tmp
	mount -t tmpfs tmpfs /run
	mkdir -p /dev/pts /dev/shm
	mount -t devpts devpts /dev/pts
	mount -t tmpfs tmpfs /dev/shm
	[ -d /sys/kernel/debug ] && mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	# cgroup v2, as a systemd host has it: each sandbox's limits go there (lib/cgroup.c).
	mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
	hostname kiste-vm
	ip link set lo up 2>/dev/null
	# The kiste group exists on installed systems through configs/udev.
	echo "root:x:0:0:root:/root:/bin/sh" >/etc/passwd
	echo "nobody:x:65534:65534:nobody:/nonexistent:/bin/sh" >>/etc/passwd
	printf 'root:x:0:\nkiste:x:990:\nnogroup:x:65534:\n' >/etc/group
	# For the runner's look into a VM that stops answering (vm-boot.sh): SysRq
	# from the keyboard, and where KASLR put the kernel's text.
	echo 1 >/proc/sys/kernel/sysrq
	vm_say "kernel-text $(awk '$3 == "_text" { print $1 }' /proc/kallsyms)"
	# Marks where this run's kernel messages begin, for vm_report.
	echo "kiste-vm: init started" >/dev/kmsg
}

# Besides KVM's keys (kvm-hold), the suites flip these as they go, each a patch of the
# kernel's text that can freeze this VM under TCG (kvm-hold.c): seen over a whole run
# with a kprobe (and a stacktrace trigger) on arch_jump_label_transform_apply.  Each is
# set here, before any guest runs, and held: the ingress qdisc's (--network ns:PATH adds
# and removes one per case), the v1 freezer's (kiste_device_dying), the first memory
# cgroup's and CPU quota's (the first sandbox with limits), and the once-only keys of the
# first TCP/UDP traffic (net-once.c).  A hold that cannot be made is a warning: the
# suites then run as before.
vm_hold_keys()
{
	local ip=/usr/libexec/iproute2/ip tc=/usr/libexec/iproute2/tc fz=/run/kiste-hold-freezer

	if ! { [ -x "$ip" ] && [ -x "$tc" ] && "$ip" netns add kiste-hold &&
		"$ip" -n kiste-hold link add hold0 type dummy &&
		"$tc" -n kiste-hold qdisc add dev hold0 ingress; }; then
		vm_say "warning: no ingress qdisc held: --network ns:PATH cases patch kernel text"
	fi
	if ! { mkdir -p "$fz" && mount -t cgroup -o freezer kiste-hold "$fz" &&
		mkdir -p "$fz/hold" && echo FROZEN >"$fz/hold/freezer.state"; }; then
		vm_say "warning: no frozen v1 freezer cgroup held: freezing patches kernel text"
	fi
	if ! { echo "+memory +cpu" >/sys/fs/cgroup/cgroup.subtree_control &&
		mkdir -p /sys/fs/cgroup/kiste-hold &&
		echo "100000 100000" >/sys/fs/cgroup/kiste-hold/cpu.max; }; then
		vm_say "warning: no memory cgroup with a CPU quota held: the first sandbox patches kernel text"
	fi
	if command -v net-once >/dev/null; then
		net-once || vm_say "warning: net-once failed"
	fi
}

# Loads the modules the runner listed (dependencies first), starts kvm-hold
# when KVM is there, then loads kiste.ko.
vm_load_modules()
{
	local m

	if [ -f /lib/modules/kiste/deps ]; then
		while read -r m; do
			[ -n "$m" ] || continue
			insmod "/lib/modules/kiste/$m.ko" || vm_say "warning: insmod $m failed"
		done </lib/modules/kiste/deps
	fi
	# Nested KVM under TCG: idle VMs that keep KVM's static keys from flipping
	# (and the kernel text from being patched) as guests come and go: kvm-hold.c.
	if [ -c /dev/kvm ] && command -v kvm-hold >/dev/null; then
		if kvm-hold; then
			vm_say "kvm-hold: idle VMs keep KVM's static keys set"
		else
			vm_say "warning: kvm-hold failed: nested guests may hang this VM"
		fi
	fi
	vm_hold_keys
	if insmod "$KISTE_KO"; then
		vm_say "insmod ok"
		return 0
	fi
	vm_say "insmod failed"
	return 1
}

# passt (kiste run --mode=vm --network pasta) will not start without an
# interface with an IPv4 default route ("External interface not usable"), and
# the test VM has none: this makes one, kiste-uplink, a dummy interface (the
# dummy module, loaded at boot: run-check.sh's --extra-modules) at
# 203.0.113.1/24 with the default route via 203.0.113.254 (TEST-NET-3: no
# packet leaves).  It also brings lo up: passt maps connections to the
# guest's gateway onto it.  Call it in the network namespace passt will run
# in: the VM's own, or one made with unshare -n to leave the VM's untouched.
vm_net_uplink()
{
	ip link set lo up || return 1
	if ! ip link show kiste-uplink >/dev/null 2>&1; then
		ip link add kiste-uplink type dummy || return 1
		ip addr add 203.0.113.1/24 dev kiste-uplink || return 1
	fi
	ip link set kiste-uplink up &&
		ip route replace default via 203.0.113.254 dev kiste-uplink
}

# passt sandboxes itself with a user namespace and pivot_root, which the test VM's own
# root (the initramfs, rootfs) refuses ("Failed to sandbox process"), as does a chroot
# (no user namespace from one): runs sh SCRIPT ARGS... in a new mount and network
# namespace whose root is a tmpfs holding bind mounts of the VM's tree, moved over "/"
# as switch_root does.  The script calls vm_net_uplink (/vm-lib.sh is there too).
vm_net_run()	# SCRIPT ARGS...
{
	mkdir -p /kiste-netroot
	# shellcheck disable=SC2016 # the inner shell expands them
	unshare -m -n sh -c '
		set -e
		mount -t tmpfs kiste-netroot /kiste-netroot
		for d in bin sbin usr lib lib64 etc root boot var vm-tests tmp dev proc sys; do
			[ -d "/$d" ] || continue
			mkdir -p "/kiste-netroot/$d"
			mount -o rbind "/$d" "/kiste-netroot/$d"
		done
		cp /vm-lib.sh /kiste-netroot/vm-lib.sh
		cd /kiste-netroot
		mount -o move . /
		exec chroot . sh "$@"' sh "$@"
}

# Runs one suite between markers so the host can attribute its TAP.
vm_run_suite()
{
	local name="$1" rc t0
	shift

	vm_say "suite-begin $name"
	t0=$(date +%s)
	timeout -s KILL "${KISTE_SUITE_TIMEOUT:-600}" "$@" 2>&1
	rc=$?
	# A suite may end without a newline: the marker must start a line.
	echo
	vm_say "suite-end $name rc=$rc secs=$(($(date +%s) - t0))"
}

# A listed suite the image lacks: one failure under its name, not silence.
vm_missing_suite()
{
	vm_say "suite-begin $1"
	echo "Bail out! suite $1 is listed (kiste-suite: vm) but /vm-tests/$1 is absent or not executable"
	vm_say "suite-end $1 rc=1"
}

# --debug-checks (run-vm.sh puts this file in the image): KASAN + lockdep + kmemleak kernel.
vm_debug_checks()
{
	[ -f /etc/kiste-debug-checks ]
}

vm_debug_locks()
{
	awk '/debug_locks:/ { print $2 }' /proc/lockdep_stats 2>/dev/null
}

# No baseline scans: the verdict counts only records with kiste or KVM frames, which
# nothing before kiste.ko's load and KVM's first VM can have (what boot leaves behind is
# listed, not counted), and two scans then clear cost ~75 s of a debug-kernel run.
vm_debug_begin()
{
	local kl=/sys/kernel/debug/kmemleak

	[ -f $kl ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	# KASAN + lockdep + kmemleak make the kernel several times slower: suites
	# with wall-clock bounds may scale them by this factor.
	export KISTE_TEST_TIME_SCALE=4
	vm_say "debug debug_locks-begin $(vm_debug_locks)"
	if [ -r $kl ] && [ -w $kl ]; then
		vm_say "debug kmemleak-begin ok"
	else
		vm_say "debug kmemleak-begin failed: no $kl (kmemleak off?)"
	fi
}

# Run after the suites, kiste.ko loaded: objects younger than 5 s are never
# reported, and the second scan confirms what the first found.
vm_debug_end()
{
	local kl=/sys/kernel/debug/kmemleak

	sleep 6
	if echo scan 2>/dev/null >$kl && echo scan 2>/dev/null >$kl &&
	   cat $kl >/tmp/kmemleak.txt 2>/dev/null; then
		vm_say "debug kmemleak-final ok"
		vm_say "section-begin kmemleak"
		cat /tmp/kmemleak.txt
		echo
		vm_say "section-end kmemleak"
	else
		vm_say "debug kmemleak-final failed: cannot scan or read $kl (kmemleak disabled itself?)"
	fi
	vm_say "debug debug_locks-end $(vm_debug_locks)"
}

# Taint, this run's kernel messages, then the sentinel; powers off.
vm_report()
{
	vm_say "tainted $(cat /proc/sys/kernel/tainted)"
	vm_say "dmesg-begin"
	dmesg | sed -n '/kiste-vm: init started/,$p' | sed 's/^/dmesg: /'
	vm_say "dmesg-end"
	vm_say "done"
	sync
	poweroff -f
}
