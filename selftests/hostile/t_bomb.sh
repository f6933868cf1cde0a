# SPDX-License-Identifier: GPL-2.0
# t_bomb.sh - bombs against the caps (processes, threads, memory, descriptors, tmpfs, CPU), each bounded.
# shellcheck shell=sh
#
# Sourced by hostile.sh.  Every bomb stops by itself at a bound (400 forks,
# 512 MiB, ...) and says so, so an unconfined run ends and reads as one.

# Whether kiste puts each sandbox in a cgroup here (kiste check); shim's caps need it.
cgroups()
{
	[ -n "${CGROUPS:-}" ] || CGROUPS=$("$K" check 2>/dev/null | sed -n 's/^cgroups: *//p')
	case "$CGROUPS" in
	v1* | v2*) return 0 ;;
	esac
	notrun "no usable cgroups here (kiste check: ${CGROUPS:-nothing}): the caps are not the kernel's"
	return 1
}

# "KEY=N" in T_OUT, or empty.
num_of()	# KEY
{
	printf '%s\n' "$T_OUT" | sed -n "s/.*$1=\\([0-9][0-9]*\\).*/\\1/p" | tail -n 1
}

bomb_fork()	# MODE (s, m or v)
{
	case "$1" in
	v) need_boot || return; vm_boot1; T_OUT=$(segment forkbomb) ;;
	*) cgroups || return; kr "$1" --pids-limit 32 -- "$A" forkbomb 400 ;;
	esac
	n=$(num_of forks)
	judge "$([ -n "$n" ] && [ "$n" -lt 32 ] && has "err=EAGAIN"; echo $?)" "$(seen)"
}

t_bomb_thread()
{
	case "$1" in
	v)
		need_boot || return
		vm_boot1
		T_OUT=$(segment threadbomb)
		n=$(num_of threads)
		judge "$([ -n "$n" ] && [ "$n" -lt 32 ] && has "err=EAGAIN"; echo $?)" "$(seen)"
		return ;;
	esac
	cgroups || return
	kr "$1" --pids-limit 32 -- "$A" threadbomb 400
	n=$(num_of threads)
	judge "$([ -n "$n" ] && [ "$n" -lt 32 ] && has "err=EAGAIN"; echo $?)" "$(seen)"
}

# The vm-mode boot for memory: the guest's /tmp filled, then memory touched, in 128M.
vm_boot2()
{
	if [ -z "${VM2_DONE:-}" ]; then
		esc_root
		run "$K" run --mode=vm --timeout "$VT" --memory 128M --rootfs "$R" -- /bin/attack multi \
			fillfs /tmp 512 \; membomb 512
		VM2_OUT="$T_OUT"
		VM2_RC="$T_RC"
		VM2_DONE=1
		echo "# hostile: vm boot 2: exit $T_RC"
	fi
	T_OUT="$VM2_OUT"
	T_RC="$VM2_RC"
}

# In the test VM an OOM kill's report (with its stack dump) in the kernel log fails the
# run's kernel-log check, which cannot tell it from a kernel bug: cgroup OOM kills run on
# the host.  (The reason below avoids the words that check looks for on the console.)
no_oom_here()
{
	[ -e /etc/kiste-suites ] || return 0
	notrun "in the test VM an OOM kill's report (a stack dump) fails the run's kernel-log check: this bomb runs on the build host"
	return 1
}

debug_kernel_one_boot()
{
	[ "$TS" = 1 ] && return 0
	notrun "debug kernel: vm mode boots once there (boot 1); this boot runs on Debian's kernel"
	return 1
}

t_bomb_memory()
{
	case "$1" in
	p | k) t_bomb_memory_uk "$1"; return ;;
	v)
		need_boot || return
		debug_kernel_one_boot || return
		vm_boot2
		T_OUT=$(segment membomb)
		n=$(num_of touched)
		judge "$(has "end membomb signal=9" && [ "${n:-0}" -lt 128 ]; echo $?)" "$(seen)"
		return ;;
	esac
	cgroups || return
	no_oom_here || return
	kr "$1" --memory 64M -- "$A" membomb 512
	n=$(num_of touched)
	judge "$([ "$T_RC" = 137 ] && has "out of memory" && [ "${n:-0}" -le 64 ]; echo $?)" "$(seen)"
}

t_bomb_fd()
{
	case "$1" in
	v)
		need_boot || return
		vm_boot1
		T_OUT=$(segment fdbomb)
		judge "$(has "err=EMFILE" && has "fdbomb: alive" && has "end fdbomb exit=0"; echo $?)" \
			"$(seen)"
		return ;;
	esac
	# natively with the limit the sandbox shows (1000), sandboxed as it comes: the same answers
	n_out=$(sh -c 'ulimit -n 1000 && exec "$0" fdfill "$0"' "$WL/harden" 2>&1 </dev/null)
	kr "$1" -- "$WL/harden" fdfill "$WL/harden"
	judge "$([ "$T_RC" = 0 ] && [ "$T_OUT" = "$n_out" ]; echo $?)" "sandboxed: $(seen); native: $n_out"
}

# Where a --tmpfs goes: /tmp, unless the attack itself lives there (a clone under /tmp).
bomb_tmpdir()
{
	case "$A" in
	/tmp/*) echo /mnt ;;
	*) echo /tmp ;;
	esac
}

t_bomb_tmpfs_size()
{
	bt=$(bomb_tmpdir)
	kr "$1" --tmpfs "$bt:size=4M" -- "$A" fillfs "$bt" 64
	n=$(num_of mib)
	judge "$([ "$T_RC" = 0 ] && has "err=ENOSPC" && [ "${n:-99}" -le 4 ]; echo $?)" "$(seen)"
}

t_bomb_tmpfs_default()
{
	case "$1" in
	v)
		need_boot || return
		debug_kernel_one_boot || return
		vm_boot2
		T_OUT=$(segment fillfs)
		n=$(num_of mib)
		judge "$({ has "err=ENOSPC" || has "end fillfs signal=9"; } && [ "${n:-999}" -lt 128 ]
			 echo $?)" "$(seen)"
		return ;;
	esac
	cgroups || return
	no_oom_here || return
	bt=$(bomb_tmpdir)
	kr "$1" --memory 64M --tmpfs "$bt" -- "$A" fillfs "$bt" 256
	n=$(num_of mib)
	# 137: the OOM killer stopped it.  Its victim may be the launcher's init rather than the
	# workload (tmpfs pages are no process's): the ASan build's init, the biggest, is, and
	# kiste then exits 137 without its "out of memory" line.  The bomb was stopped either way.
	case "$T_RC" in
	0) judge "$(has "err=ENOSPC" && [ "${n:-999}" -le 64 ]; echo $?)" "$(seen)" ;;
	137) judge "$(has "mib=" && [ "${n:-0}" -gt 64 ]; [ $? = 1 ]; echo $?)" "$(seen)" ;;
	*) escaped "$(seen)" ;;
	esac
}

t_bomb_cpu()
{
	cgroups || return
	kr "$1" --cpus 0.2 -- "$A" cpuspin 2
	n=$(num_of cpu_pct)
	judge "$([ "$T_RC" = 0 ] && [ -n "$n" ] && [ "$n" -le 50 ]; echo $?)" "$(seen)"
}
