# SPDX-License-Identifier: GPL-2.0
# t_shim.sh - techniques against shim mode's guest kernel: raw calls, the gate, its mappings, int arguments.
# shellcheck shell=sh
#
# Sourced by hostile.sh.  The workloads: attack (this folder), and shim-wl's
# hostile and harden (selftests/shim/wl), reused as they are.

# hostile refused: the raw calls, the disarm attempts, once per mode.
refused_out()	# MODE
{
	if [ "${REFUSED_MODE:-}" != "$1" ]; then
		kr "$1" -- "$WL/hostile" refused
		REFUSED_OUT="$T_OUT"
		REFUSED_RC="$T_RC"
		REFUSED_MODE="$1"
	fi
	T_OUT="$REFUSED_OUT"
	T_RC="$REFUSED_RC"
}

# A raw call in hostile refused: -1 (the guest kernel's -EPERM), the run ended well, still redirected.
raw_refused()	# MODE CALL
{
	refused_out "$1"
	case "$T_RC:$T_OUT" in
	0:*"$2=-1
"*"getpid=1"*) contained ;;
	*) escaped "$(seen)" ;;
	esac
}

t_raw_ptrace() { raw_refused "$1" ptrace; }
t_raw_mount() { raw_refused "$1" mount; }
t_raw_init_module() { raw_refused "$1" init_module; }
t_raw_kexec_load() { raw_refused "$1" kexec_load; }
t_raw_bpf() { raw_refused "$1" bpf; }
t_raw_unshare() { raw_refused "$1" unshare; }
t_raw_setns() { raw_refused "$1" setns; }
t_raw_keyctl() { raw_refused "$1" keyctl; }
t_dispatch_prctl_off() { raw_refused "$1" prctl-dispatch-off; }

t_dispatch_sigsys()
{
	refused_out "$1"
	case "$T_RC:$T_OUT" in
	0:*"sigaction-sigsys="*"block-sigsys="*"ptrace-again=-1"*"getpid=1"*) contained ;;
	*) escaped "$(seen)" ;;
	esac
}

t_raw_execve()
{
	kr "$1" -- "$A" exec "$A" raw 101 0
	case "$T_RC:$T_OUT" in
	0:*"raw=EPERM"*"raw_getpid=1"*) contained ;;
	*) escaped "$(seen)" ;;
	esac
}

t_raw_int80()
{
	case "$1" in
	p | k)
		uk_run "$1" ukattack int80
		uk_stopped "$1" "survived" ;;
	*)
		kr "$1" -- "$WL/harden" int80
		judge "$([ "$T_RC" = 0 ] && has "int80(39)=-38"; echo $?)" "$(seen)" ;;
	esac
}

t_dispatch_fork_child()
{
	kr "$1" -- "$WL/harden" forkcheck
	judge "$(has "fork child: raw getpid=2 ptrace=-1"; echo $?)" "$(seen)"
}

t_dispatch_signal_race()
{
	# fewer rounds on the debug kernel (slow); 100 elsewhere
	n=$((100 / TS))
	kr "$1" -- "$WL/harden" sigrace "$n"
	judge "$([ "$T_RC" = 0 ] && has "$n stub children under a rain of signals, 0 killed"; echo $?)" \
		"$(seen)"
}

t_gate_clone_plain()
{
	kr "$1" -- "$WL/harden" gateclone plain
	judge "$(killed; echo $?)" "$(seen)"
}

t_gate_clone_thread()
{
	kr "$1" -- "$WL/harden" gatethread
	judge "$(killed; echo $?)" "$(seen)"
}

t_gate_clone_stub()
{
	kr "$1" -- "$WL/harden" gateclone stub
	case "$T_RC:$T_OUT" in
	0:*"stub child: raw getpid=2 ptrace=-1"*"stub child ended: exit 0"*) contained ;;
	*) escaped "$(seen)" ;;
	esac
}

# A gate jump that the seccomp filter must kill: 159, its line, and no "survived".
gate_killed()	# MODE NR [ARGS...]
{
	g_m="$1"
	shift
	kr "$g_m" -- "$A" gate "$@"
	if killed && ! has "survived="; then
		contained
	else
		escaped "$(seen)"
	fi
}

t_gate_prctl_off() { gate_killed "$1" 157 59 0 0; }	# PR_SET_SYSCALL_USER_DISPATCH, OFF
t_gate_execve() { gate_killed "$1" 59 0 0 0; }
t_gate_mount() { gate_killed "$1" 165 0 0 0; }
t_gate_socket() { gate_killed "$1" 41 17 3 0; }	# AF_PACKET, SOCK_RAW: never on the list
t_gate_handle() { gate_killed "$1" 304 1001 0 0; }
t_gate_pidfd_getfd() { gate_killed "$1" 438 0 1001 0; }	# a guest kernel descriptor
t_gate_vm_readv() { gate_killed "$1" 310 1 0 1 0 1 0; }
t_gate_tiocsti() { gate_killed "$1" 16 1 0x5412 0; }
t_gate_openat2_fd() { gate_killed "$1" 437 1002 0 0 24; }	# the trace descriptor, a guest kernel one
t_gate_munmap_gk() { gate_killed "$1" 11 gk 4096; }
t_gate_mprotect_gk() { gate_killed "$1" 10 gktext 4096 7; }
t_gate_mmap_gk() { gate_killed "$1" 9 gk 4096 3 0x32 -1 0; }	# MAP_PRIVATE|ANONYMOUS|FIXED
t_i32_gate_close() { gate_killed "$1" 3 0x1000003e9; }
t_i32_gate_dup3() { gate_killed "$1" 292 0 0x1000003e9 0; }

# AF_UNIX with the host's / (the init's mediator): the workload's socket() is a placeholder
# that names no peer, whatever a gate jump does with it; a listener in the host's /tmp
# (read-only inside, not the sandbox's own tmpfs) sees nothing.
t_gate_unix_connect()
{
	gu=$(mktemp -d /tmp/kiste-hostile-unix.XXXXXX) || { notrun "cannot make a folder in /tmp"; return; }
	chmod 755 "$gu"
	"$WL/umed" serve "$gu/host.sock" 30 >"$gu/srv.out" 2>&1 &
	gu_pid=$!
	gu_w=0
	while [ $gu_w -lt 50 ] && ! grep -q listening "$gu/srv.out" 2>/dev/null; do
		sleep 0.1
		gu_w=$((gu_w + 1))
	done
	kr "$1" -- "$WL/umed" placeholder "$gu/host.sock" /dev/shm/p.sock
	kill "$gu_pid" 2>/dev/null
	wait "$gu_pid" 2>/dev/null
	if [ "$T_RC" = 0 ] && has "gate connect: EISCONN" && has "gate connect after bind: EISCONN" &&
		! grep -q accepted "$gu/srv.out"; then
		contained
	else
		escaped "$(seen); listener: $(tr '\n' ' ' <"$gu/srv.out")"
	fi
	rm -rf "$gu"
}

t_gate_ptrace()
{
	case "$1" in
	p)
		uk_run p ukattack gate 101
		judge "$(killed && ! has "survived"; echo $?)" "$(seen)" ;;
	*) gate_killed "$1" 101 0 0 0 ;;
	esac
}

# The launcher's init (pid 1 of the sandbox's pid namespace: a fork of kiste) through the gate.
gate_proc()	# MODE PATH...
{
	g_m="$1"
	shift
	g_out=""
	for g_p; do
		kr "$g_m" -- "$A" gateopen 1005 "$g_p" "$SHIFTED"
		g_out="$g_out$T_OUT
"
		[ "$T_RC" = 0 ] || { escaped "$(seen)"; return; }
	done
	T_OUT="$g_out"
}

t_gate_launcher_environ()
{
	gate_proc "$1" 1/environ 1/mem
	[ "$V" = no ] && return
	n=$(printf '%s\n' "$T_OUT" | grep -cE '^gateopen 1/(environ|mem): E[A-Z]+$')
	judge "$([ "$n" = 2 ] && ! has "canary=FOUND"; echo $?)" "$T_OUT"
}

t_gate_launcher_fds()
{
	gate_proc "$1" 1/fd/0 1/fd/1 1/fd/3 1/cwd/. 1/root/.
	[ "$V" = no ] && return
	n=$(printf '%s\n' "$T_OUT" | grep -c '^gateopen [^:]*: E[A-Z]*$')
	judge "$([ "$n" = 5 ]; echo $?)" "$T_OUT"
}

# Contained: refused, or read blank (init blanks its argv before the workload runs).
t_gate_launcher_cmdline()
{
	gate_proc "$1" 1/cmdline
	[ "$V" = no ] && return
	case "$T_OUT" in
	*"gateopen 1/cmdline: E"*) contained ;;
	*"gateopen 1/cmdline:"*)
		if printf '%s\n' "$T_OUT" | grep -q '^gateopen 1/cmdline: *$' &&
			has "gateopen canary=absent" && ! has "kiste"; then
			contained
		else
			escaped "the launcher's command line is readable: $T_OUT"
		fi ;;
	*) escaped "no answer from the attack: $T_OUT" ;;
	esac
}

t_map_over_gk()
{
	kr "$1" -- "$WL/hostile" over
	judge "$([ "$T_RC" = 0 ] && has "mmap=-1 mprotect=-1 munmap=-1"; echo $?)" "$(seen)"
}

t_gk_text_write()
{
	kr "$1" -- "$A" gkwrite
	judge "$([ "$T_RC" = 139 ] && ! has "gkwrite=ok"; echo $?)" "$(seen)"
}

t_i32_gk_narrow()
{
	n_out=$("$WL/harden" intargs 2>&1 </dev/null)
	kr "$1" -- "$WL/harden" intargs
	judge "$([ "$T_RC" = 0 ] && [ "$T_OUT" = "$n_out" ]; echo $?)" "sandboxed: $(seen); native: $n_out"
}
