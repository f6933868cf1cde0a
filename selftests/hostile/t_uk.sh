# SPDX-License-Identifier: GPL-2.0
# t_uk.sh - techniques against unikernel mode in both isolations: the filter, the bindings, the VMM, images.
# shellcheck shell=sh
#
# Sourced by hostile.sh.  The unikernels: ukattack (this folder) and the unit
# tests' badsys, hi32, snoop and abi2 (selftests/unikernel/uk), copied to hostile/uk.

# uk_run MODE APP [ARG...]: APP with a fresh 64 KiB "disk" (and "storage", "probe"
# for the test unikernels that declare those) bound to $TMP/disk.img.
uk_run()
{
	u_m="$1"
	u_app="$2"
	shift 2
	dd if=/dev/zero of="$TMP/disk.img" bs=512 count=128 2>/dev/null
	DISK_SIZE=$(wc -c <"$TMP/disk.img")
	case "$u_app" in
	ukattack) kr "$u_m" --block disk="$TMP/disk.img" -- "$UK/$u_app" "$@" ;;
	hi32) kr "$u_m" --block storage="$TMP/disk.img" -- "$UK/$u_app" "$@" ;;
	snoop) kr "$u_m" --block probe="$TMP/disk.img" -- "$UK/$u_app" "$@" ;;
	*) kr "$u_m" -- "$UK/$u_app" "$@" ;;
	esac
}

# The host file behind "disk" still has its size.
disk_same() { [ "$(wc -c <"$TMP/disk.img")" = "$DISK_SIZE" ]; }

# Stopped without MARKER: by the filter (process isolation), by the VMM (vm: one line, 125 or 139).
uk_stopped()	# MODE MARKER
{
	case "$1:$T_RC" in
	p:159) judge "$(has "$2"; [ $? = 1 ] && killed; echo $?)" "$(seen)" ;;
	k:125 | k:139)
		judge "$(has "$2"; [ $? = 1 ] && [ "$(printf '%s\n' "$T_OUT" | grep -c '^kiste: ')" = 1 ]
			 echo $?)" "$(seen)" ;;
	*) escaped "$(seen)" ;;
	esac
}

t_uk_raw_syscall() { uk_run "$1" badsys; uk_stopped "$1" "survived"; }
t_bomb_fork() { case "$1" in p) uk_run p ukattack syscall 57; uk_stopped p survived ;; *) bomb_fork "$1" ;; esac; }

t_esc_inherited_fd()
{
	case "$1" in
	p)
		dd if=/dev/zero of="$TMP/disk.img" bs=512 count=128 2>/dev/null
		T_OUT=$("$K" run --mode=unikernel --timeout 60 --block disk="$TMP/disk.img" -- \
			"$UK/ukattack" fd 5 2>&1 </dev/null 5<"$TMP/outside/$SEC")
		T_RC=$?
		uk_stopped p "survived" ;;
	*) esc_inherited_fd "$1" ;;
	esac
}

t_i32_uk_fd() { uk_run p hi32 stderr; uk_stopped p "survived"; }
t_i32_uk_clock() { uk_run p hi32 boottime; uk_stopped p "survived"; }
t_i32_uk_exit() { uk_run p hi32 negative; uk_stopped p "survived"; }
t_uk_hc_args() { uk_run k ukattack hcgpa; uk_stopped k "survived"; }
t_uk_hc_port() { uk_run k ukattack hcport; uk_stopped k "survived"; }
t_uk_mmio() { uk_run k ukattack mmio; uk_stopped k "survived"; }

t_uk_block_oob()
{
	uk_run "$1" ukattack oob
	judge "$([ "$T_RC" = 0 ] && has "oob=refused" && disk_same; echo $?)" \
		"$(seen); disk $(wc -c <"$TMP/disk.img") bytes, was $DISK_SIZE"
}

t_uk_handover_tamper()
{
	uk_run p ukattack tamper
	judge "$(killed && ! has "survived" && disk_same; echo $?)" \
		"$(seen); disk $(wc -c <"$TMP/disk.img") bytes, was $DISK_SIZE"
}

t_bomb_memory_uk()
{
	uk_run "$1" ukattack membomb raw
	mib=$(printf '%s\n' "$T_OUT" | sed -n 's/.*membomb mib=\([0-9]*\).*/\1/p')
	judge "$([ -n "$mib" ] && [ "$mib" -le 32 ] && ! has "survived"; r=$?
		 [ $r = 0 ] && case "$1:$T_RC" in p:159 | k:139 | k:125) ;; *) r=1 ;; esac; echo $r)" \
		"$(seen)"
}

# Process isolation: snoop follows the call table out of its memory; vm isolation: all of
# guest RAM is the unikernel's to read, so ukattack reads all of it.
t_mem_own_scan_uk()
{
	case "$1" in
	p)
		uk_run p snoop "$SHIFTED"
		judge "$([ "$T_RC" = 0 ] && has " 0 found" && ! has "found \""; echo $?)" "$(seen)" ;;
	k)
		uk_run k ukattack guestscan "$SHIFTED"
		judge "$([ "$T_RC" = 0 ] && has "found=0, control seen"; echo $?)" "$(seen)" ;;
	esac
}

# A malformed copy of ukattack (mkbad KIND), run in MODE: 126 (or 125) with one line.
uk_bad()	# MODE KIND [STATUS]
{
	if ! "$A" mkbad "$2" "$UK/ukattack" "$TMP/bad-$2" >"$TMP/mkbad.out" 2>&1; then
		escaped "cannot make the malformed file: $(cat "$TMP/mkbad.out")"
		return 1
	fi
	kr "$1" --block disk="$TMP/disk.img" -- "$TMP/bad-$2"
	judge "$([ "$T_RC" = "${3:-126}" ] && one_line && has "kiste:"; echo $?)" "$(seen)"
}

t_uk_mft_ndev() { uk_bad "$1" uk-ndev; }
t_uk_mft_flags() { uk_bad "$1" uk-flags; }

t_uk_mft_name()
{
	uk_bad "$1" uk-name || return
	[ "$V" = ok ] || return
	esc=$(printf '\033')
	case "$T_OUT" in *"$esc"*) escaped "an escape byte reached stderr: $(seen)" ;; esac
}

t_uk_mft_abi()
{
	kr "$1" -- "$UK/abi2"
	judge "$([ "$T_RC" = 126 ] && one_line && has "ABI"; echo $?)" "$(seen)"
}
