# SPDX-License-Identifier: GPL-2.0
# t_escape.sh - escapes: .., symlinks, /proc, inherited and passed descriptors, handles, --rw roots, host memory.
# shellcheck shell=sh
#
# Sourced by hostile.sh.  The secret ($SEC, "TOPSECRET-PID") is planted beside
# the rootfs and in every folder above it up to the host's /, where each path
# would land if it escaped; each technique first shows natively that its paths
# do reach a secret (the control), so that its check can fail.

# The rootfs (once): the attack program, escaping symlinks, and the plants.
esc_root()
{
	[ -n "${R:-}" ] && return
	R="$TMP/root"
	mkdir -p "$R/bin" "$R/dev" "$R/proc" "$R/tmp" "$R/etc"
	cp "$A" "$R/bin/attack"
	echo inside >"$R/etc/hello"
	ln -s "/../$SEC" "$R/abs"
	ln -s "../../$SEC" "$R/rel"
	ln -s "/etc/../../../$SEC" "$R/etc/deep"
	# For vm mode's copy of the rootfs: links to the secret by its host path.
	ln -s "$TMP/outside/$SEC" "$R/hostabs"
	ln -s "../outside/$SEC" "$R/hostrel"
	d="$TMP"
	while :; do
		plant "${d%/}/$SEC" || break
		[ "$d" = / ] && break
		d=$(dirname "$d")
	done
	ROOT_PLANTED=0
	[ -f "/$SEC" ] && ROOT_PLANTED=1
}

# Natively, whether PATH (as the sandbox would name it) reaches a secret.
esc_native()	# PATH
{
	case "$1" in
	/proc/*) "$A" open "$1" ;;
	/*) "$A" open "$R$1" ;;
	*) (cd "$R" && "$A" open "$1") ;;
	esac 2>&1 | grep -q TOPSECRET
}

# The vm-mode boot that holds the escapes, the host-memory reads, the fd,
# fork and thread bombs and the channel forgery (one boot: each costs seconds).
VM1_PATHS="/../SEC ../../SEC /abs /rel /etc/deep /proc/self/root/../SEC /proc/1/root/SEC
	/proc/self/cwd/../SEC /proc/self/fd/../../../SEC /hostabs /hostrel"

vm_boot1()
{
	if [ -n "${VM1_DONE:-}" ]; then
		T_OUT="$VM1_OUT"
		T_RC="$VM1_RC"
		return
	fi
	esc_root
	set -f
	# shellcheck disable=SC2046 # the paths are words
	set -- $(printf '%s\n' "$VM1_PATHS" | sed "s/SEC/$SEC/g")
	set +f
	"$K" run --mode=vm --timeout "$VT" --pids-limit 32 --rootfs "$R" -- /bin/attack multi \
		open "$@" \; fdread 5 "$SEC" \; handle / "$(esc_handle_of)" "$SEC" \; \
		pidfd "$VICTIM" 7 \; launcher "$VICTIM" "$SHIFTED" \; guest "$SHIFTED" \; \
		fdbomb \; forkbomb 400 \; threadbomb 400 \; chan >"$TMP/vm1.out" 2>&1 </dev/null \
		5<"$TMP/outside" 9<&-
	T_RC=$?
	# the forged channel writes are mostly NUL bytes: counted in the file, dropped from T_OUT
	VM1_BYTES=$(wc -c <"$TMP/vm1.out")
	T_OUT=$(tr -d '\000' <"$TMP/vm1.out")
	VM1_OUT="$T_OUT"
	VM1_RC="$T_RC"
	VM1_DONE=1
	echo "# hostile: vm boot 1: exit $T_RC, $VM1_BYTES bytes of output"
	# A boot that did not run the attacks: say why, once (every technique of boot 1 fails).
	[ "$T_RC" = 0 ] || printf '%s\n' "$T_OUT" | head -c 2000 | sed 's/^/# vm boot 1: /'
}

# Lines of a multi segment in T_OUT: from "multi: begin CMD" to its end.
segment()	# CMD
{
	printf '%s\n' "$T_OUT" | sed -n "/^multi: begin $1\$/,/^multi: end $1 /p"
}

need_boot()
{
	[ "$LINUX_GUESTS" = 1 ] && return 0
	notrun "Linux guests boot only in the test VM (this machine's /dev/kvm runs tiny guests only; KISTE_HOSTILE_LINUX_GUESTS=1 tries)"
	return 1
}

esc_paths()	# MODE PATH... (SEC in a path stands for the secret's name)
{
	e_m="$1"
	shift
	esc_root
	set -f
	# shellcheck disable=SC2046
	set -- $(printf '%s\n' "$@" | sed "s/SEC/$SEC/")
	set +f
	if [ "$ROOT_PLANTED" = 0 ]; then
		notrun "cannot plant the secret at the host's / (not root?)"
		return
	fi
	e_ctl=1
	for p; do
		esc_native "$p" && e_ctl=0
	done
	if [ "$e_ctl" != 0 ]; then
		escaped "control failed: natively none of $* reaches a secret, so the check could not fail"
		return
	fi
	case "$e_m" in
	v)
		need_boot || return
		vm_boot1
		T_OUT=$(segment open) ;;
	*) kr "$e_m" --rootfs "$R" -- /bin/attack open "$@" ;;
	esac
	e_n=0
	for p; do
		printf '%s\n' "$T_OUT" | grep -qF "open $p: " && e_n=$((e_n + 1))
	done
	judge "$([ "$e_n" = $# ] && ! has TOPSECRET; echo $?)" "$(seen)"
}

t_esc_dotdot() { esc_paths "$1" /../SEC ../../SEC; }
t_esc_symlink_abs() { esc_paths "$1" /abs; }
t_esc_symlink_rel() { esc_paths "$1" /rel /etc/deep; }
t_esc_proc_root() { esc_paths "$1" /proc/self/root/../SEC /proc/1/root/SEC; }
t_esc_proc_cwd_fd() { esc_paths "$1" /proc/self/cwd/../SEC /proc/self/fd/../../../SEC; }
t_esc_rootfs_copy() { esc_paths "$1" /hostabs /hostrel; }

t_gate_escape_root()
{
	esc_root
	if [ "$ROOT_PLANTED" = 0 ]; then
		notrun "cannot plant the secret at the host's /"
		return
	fi
	kr "$1" --rootfs "$R" -- /bin/attack gateopen 1001 "../../../../../$SEC"
	judge "$([ "$T_RC" = 0 ] && has "gateopen ../../../../../$SEC: E" && ! has TOPSECRET
		 echo $?)" "$(seen)"
}

# The workload's own directory descriptors are host ones (gk/dirfd.c), and openat2
# through the gate takes any of them with no RESOLVE_ flag: ".." from them still
# stops at the sandbox's root.
t_gate_escape_dirfd()
{
	esc_root
	if [ "$ROOT_PLANTED" = 0 ]; then
		notrun "cannot plant the secret at the host's /"
		return
	fi
	kr "$1" --rootfs "$R" -- /bin/attack gateopen /etc "../../../../../$SEC"
	judge "$([ "$T_RC" = 0 ] && has "gateopen ../../../../../$SEC: E" && ! has TOPSECRET
		 echo $?)" "$(seen)"
}

esc_inherited_fd()	# MODE (shim or vm)
{
	esc_root
	n=$("$A" fdread 5 "$SEC" 2>&1 5<"$TMP/outside")
	case "$n" in
	*TOPSECRET*) ;;
	*) escaped "control failed: natively fd 5 does not read the secret: $n"; return ;;
	esac
	case "$1" in
	v)
		need_boot || return
		vm_boot1
		T_OUT=$(segment fdread) ;;
	*)
		T_OUT=$("$K" run --mode=shim --timeout 60 --rootfs "$R" -- /bin/attack fdread 5 "$SEC" \
			2>&1 </dev/null 5<"$TMP/outside")
		T_RC=$? ;;
	esac
	judge "$(has "fdread openat: E" && has "fdread dup: EBADF" && ! has TOPSECRET; echo $?)" \
		"$(seen)"
}

# The handle of the secret's folder, as the host names it ("TYPE:HEX"), or "none".
esc_handle_of()
{
	h=$("$A" mkhandle "$TMP/outside" 2>/dev/null)
	case "$h" in handle=[0-9]*) echo "${h#handle=}" ;; *) echo none ;; esac
}

t_esc_handle()
{
	esc_root
	h=$(esc_handle_of)
	if [ "$h" = none ]; then
		notrun "no file handles on the filesystem of $TMP"
		return
	fi
	# natively through the rootfs's folder, which is the sandbox's "/" (the same filesystem)
	n=$("$A" handle "$R" "$h" "$SEC" 2>&1)
	case "$n" in
	*TOPSECRET*) ;;
	*) notrun "natively open_by_handle_at does not reach the secret here ($n)"; return ;;
	esac
	case "$1" in
	v) need_boot || return; vm_boot1; T_OUT=$(segment handle) ;;
	*) kr "$1" --rootfs "$R" -- /bin/attack handle / "$h" "$SEC" ;;
	esac
	judge "$(has "open_by_handle_at=" && ! has TOPSECRET; echo $?)" "$(seen)"
}

t_esc_scm_rights()
{
	esc_root
	sock="$R/tmp/hostile.sock"
	for who in native sandbox; do
		"$A" fdserve "$sock" "$TMP/outside/$SEC" >"$TMP/serve.out" 2>&1 &
		SERVER=$!
		i=0
		while [ $i -lt 50 ] && ! grep -q listening "$TMP/serve.out"; do
			sleep 0.1
			i=$((i + 1))
		done
		if [ $who = native ]; then
			run "$A" scm "$sock"
			n="$T_OUT"
		else
			kr "$1" --rootfs "$R" -- /bin/attack scm /tmp/hostile.sock
		fi
		kill "$SERVER" 2>/dev/null
		wait "$SERVER" 2>/dev/null
		SERVER=""
		case "$who:$n" in
		native:*TOPSECRET*) ;;
		native:*) escaped "control failed: natively no descriptor arrives: $n"; return ;;
		esac
	done
	judge "$([ "$T_RC" = 0 ] && has "scm " && ! has TOPSECRET; echo $?)" "$(seen)"
}

t_esc_pidfd()
{
	n=$("$A" pidfd "$VICTIM" 7 2>&1 </dev/null)
	case "$1" in
	v) need_boot || return; vm_boot1; T_OUT=$(segment pidfd) ;;
	*) kr "$1" -- "$A" pidfd "$VICTIM" 7 ;;
	esac
	case "$n" in
	*TOPSECRET*) judge "$(has "pidfd_open=" && ! has TOPSECRET; echo $?)" "$(seen)" ;;
	*) notrun "natively pidfd_getfd does not reach the secret here: $n" ;;
	esac
}

t_mem_host_proc()
{
	n=$("$A" launcher "$VICTIM" "$SHIFTED" 2>&1)
	case "$n" in
	*"environ=CANARY"*) ;;
	*) escaped "control failed: natively the caller's environ holds no canary: $n"; return ;;
	esac
	case "$1" in
	v) need_boot || return; vm_boot1; T_OUT=$(segment launcher) ;;
	*) kr "$1" -- "$A" launcher "$VICTIM" "$SHIFTED" ;;
	esac
	judge "$(has "launcher environ=" && ! has "CANARY"; echo $?)" "$(seen)"
}

t_mem_own_scan()
{
	case "$1" in
	p | k) t_mem_own_scan_uk "$1"; return ;;
	v)
		need_boot || return
		vm_boot1
		T_OUT=$(segment guest)
		judge "$(has "found=0" && has "guest chan=clean"; echo $?)" "$(seen)"
		return ;;
	esac
	case "$("$A" memscan "$SHIFTED" 2>&1)" in
	*memscan=FOUND*) ;;
	*) escaped "control failed: natively the scan does not find the canary"; return ;;
	esac
	kr "$1" -- "$A" memscan "$SHIFTED"
	judge "$([ "$T_RC" = 0 ] && has "memscan=clean"; echo $?)" "$(seen)"
}

# --rw with a root that is the host's / (or /etc) under another name: 125, and
# nothing written where the workload's "/" lies on the host (HOSTDIR, default /).
rw_refused()	# MODE ROOTFS [HOSTDIR]
{
	mark="kiste-hostile-rw.$$"
	kr "$1" --rw --rootfs "$2" -- "$A" creat "/$mark"
	if [ -e "${3:-}/$mark" ]; then
		rm -f "${3:-}/$mark"
		escaped "a file was created at the host's ${3:-}/$mark: $(seen)"
	else
		judge "$([ "$T_RC" = 125 ] && has "refused"; echo $?)" "$(seen)"
	fi
}

t_rw_dot() { rw_refused "$1" /.; }
t_rw_slashslash() { rw_refused "$1" //; }
t_rw_tmp_dotdot() { rw_refused "$1" /tmp/..; }
t_rw_proc_root() { rw_refused "$1" /proc/self/root; }
t_rw_symlink() { ln -sfn / "$TMP/rootlink"; rw_refused "$1" "$TMP/rootlink"; }

rw_bind()	# MODE SOURCE
{
	BIND="$TMP/bind"
	mkdir -p "$BIND"
	if ! mount --bind "$2" "$BIND" 2>/dev/null; then
		BIND=""
		notrun "cannot bind-mount $2 here (not root?)"
		return
	fi
	rw_refused "$1" "$BIND" "${2%/}"
	umount "$BIND"
	BIND=""
}

t_rw_bindmount() { rw_bind "$1" /; }
t_rw_etc_bind() { rw_bind "$1" /etc; }
