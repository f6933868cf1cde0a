# SPDX-License-Identifier: GPL-2.0
# lib.sh - what hostile.sh's techniques share: modes, verdicts, kiste runs, the planted secret and canary.
# shellcheck shell=sh
#
# Installed as hostile/lib.sh beside hostile.sh (a helper: not executable) and
# sourced by it after tap.sh.  A technique is a function t_ID MODE (MODE one of
# s m v p k) in one of the t_*.sh files; it ends by calling contained,
# escaped WHY or notrun WHY, and reads kiste's output from T_OUT/T_RC (run).
# shellcheck disable=SC2034 # the variables set here are the technique files'

K="${KISTE_BIN:-$here/../bin/kiste}"
[ -x "$K" ] || K=/bin/kiste
A="$H/attack"
NL="$H/nlattack"
UK="$H/uk"
WL="$here/shim-wl"
# The test VM's debug kernel is 5-9x slower: timeouts scale, vm mode runs one boot there.
TS="${KISTE_TEST_TIME_SCALE:-1}"
VT=$((240 * TS))

mname()	# MODE
{
	case "$1" in
	s) echo shim ;;
	m) echo shim+module ;;
	v) echo vm ;;
	p) echo unikernel-process ;;
	k) echo unikernel-vm ;;
	esac
}

contained() { V=ok; WHY=""; }
escaped() { V=no; WHY="$1"; }
notrun() { V=skip; WHY="$1"; }
# judge STATUS WHY: contained when STATUS is 0.
judge() { if [ "$1" -eq 0 ]; then contained; else escaped "$2"; fi; }

# Whether T_OUT holds TEXT.
has() { case "$T_OUT" in *"$1"*) return 0 ;; esac; return 1; }
# Killed by a seccomp filter: kiste's status and its line.
killed() { [ "$T_RC" = 159 ] && has "seccomp filter"; }
seen() { printf 'exit %s: %s' "$T_RC" "$(printf '%s\n' "$T_OUT" | tail -n 8)"; }

# kr MODE [KISTE-RUN-OPTIONS...] -- CMD...: kiste run in MODE; T_OUT, T_RC.
kr()
{
	kr_m="$1"
	shift
	case "$kr_m" in
	s | m) run "$K" run --mode=shim --timeout $((60 * TS)) "$@" ;;
	v) run "$K" run --mode=vm --timeout "$VT" "$@" ;;
	p) run "$K" run --mode=unikernel --timeout $((60 * TS)) "$@" ;;
	k) run "$K" run --mode=unikernel --isolation vm --timeout $((60 * TS)) "$@" ;;
	esac 9<&-
}

# One line per refusal: kiste's own (a line naming the problem), never a crash.
one_line() { [ "$(printf '%s\n' "$T_OUT" | grep -c .)" -le 2 ]; }

hostile_setup()
{
	T0=$(date +%s)
	TMP=$(mktemp -d /tmp/hostile.XXXXXX) || bail "no temporary folder"
	chmod 755 "$TMP"
	# The canary: only in kiste's environment (and the caller's); techniques get it shifted by one.
	CANARY="khcanary$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n' | tr 9 8)"
	SHIFTED=$(printf '%s' "$CANARY" | tr 'a-y0-8' 'b-z1-9')
	KISTE_HOSTILE_CANARY="$CANARY"
	export KISTE_HOSTILE_CANARY
	# The secret: a file where an escape from a rootfs or a sandbox would land.
	SEC="kiste-hostile-secret.$$"
	mkdir -p "$TMP/outside"
	echo "TOPSECRET-$$" >"$TMP/outside/$SEC"
	chmod 644 "$TMP/outside/$SEC"
	PLANTS=""
	trap hostile_cleanup EXIT
	# A host process to steal from: the canary in its environment, the secret open at fd 7.
	# (an exec'd program: busybox's sleep may be a fork of the shell, with the shell's environ)
	"$A" idle 3600 >/dev/null 2>&1 7<"$TMP/outside/$SEC" &
	VICTIM=$!
	for x in A NL; do
		eval "f=\$$x"
		# shellcheck disable=SC2154 # f is set by the eval
		[ -x "$f" ] || bail "no $f: build it (make)"
	done
	[ -x "$K" ] || bail "no kiste at $K: build it (make)"
	for m in s m v p k; do
		eval "N_$m=0 OK_$m=0 SK_$m=0 SKW_$m=''"
	done
	KERNEL="${KISTE_KERNEL:-}"
	for k in /boot/vmlinuz-* /bin/vmlinuz*; do
		[ -z "$KERNEL" ] && [ -r "$k" ] && KERNEL="$k"
	done
	# Linux guests boot only where KVM can run them: the test VM (nested), not the build
	# machines' PVM-backed /dev/kvm; KISTE_HOSTILE_LINUX_GUESTS=1 or 0 overrides.
	if [ -e /etc/kiste-suites ]; then
		LINUX_GUESTS="${KISTE_HOSTILE_LINUX_GUESTS:-1}"
	else
		LINUX_GUESTS="${KISTE_HOSTILE_LINUX_GUESTS:-0}"
	fi
	NTECH=$(grep -v '^#' "$H/techniques.tsv" | cut -f1 | sort -u | grep -c .)
	echo "# hostile: $NTECH techniques in the table; kiste $K; canary in kiste's environment"
}

hostile_cleanup()
{
	for p in $PLANTS; do
		rm -f "$p"
	done
	[ -n "${BIND:-}" ] && umount "$BIND" 2>/dev/null
	[ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null
	[ -n "${VICTIM:-}" ] && kill "$VICTIM" 2>/dev/null
	rm -rf "$TMP"
}

# Plants the secret at PATH (removed at exit); false when it cannot.
plant()	# PATH
{
	if echo "TOPSECRET-$$" >"$1" 2>/dev/null; then
		PLANTS="$PLANTS $1"
		return 0
	fi
	return 1
}

# Whether MODE can run here: AVAIL is empty, or the reason why not.
mode_available()	# MODE
{
	AVAIL=""
	case "$1" in
	s)
		if [ -e /dev/kiste ]; then
			AVAIL="kiste.ko is loaded here: shim runs with it (shim+module); shim without the module runs on the build host"
		elif ! "$K" check 2>/dev/null | grep -q "shim mode:.*sandboxed"; then
			AVAIL="shim mode cannot make its namespaces here (kiste check)"
		fi ;;
	m)
		[ -c /dev/kiste ] ||
			AVAIL="no kiste.ko on this machine (its kernel cannot load modules): runs in the test VM" ;;
	v)
		[ -c /dev/kvm ] || AVAIL="no /dev/kvm"
		[ -n "$AVAIL" ] || [ -n "$KERNEL" ] ||
			AVAIL="no guest kernel (/boot/vmlinuz-* or KISTE_KERNEL)" ;;
	p) ;;
	k)
		[ -c /dev/kvm ] || AVAIL="no /dev/kvm (the test VM without nested KVM, or no KVM here)" ;;
	esac
	if [ -z "$AVAIL" ]; then
		echo "# hostile: mode $(mname "$1")"
	else
		echo "# hostile: mode $(mname "$1") cannot run here: $AVAIL"
	fi
}

# One result: MODE ID EXPECT UNCONFINED.
technique()
{
	t_name="[$(mname "$1")] $2: $3"
	if [ -n "$AVAIL" ]; then
		skip "$t_name" "$AVAIL"
		eval "SK_$1=\$((SK_$1 + 1)); SKW_$1=\"\$AVAIL\""
		return
	fi
	V=""
	WHY=""
	t_t0=$(date +%s)
	if command -v "t_$2" >/dev/null 2>&1; then
		"t_$2" "$1"
	else
		escaped "no check t_$2 in hostile/t_*.sh"
	fi
	t_t0=$(($(date +%s) - t_t0))
	[ "$t_t0" -lt 5 ] || echo "# hostile: $2 in $(mname "$1") took $t_t0 s"
	case "$V" in
	ok)
		ok "$t_name"
		eval "N_$1=\$((N_$1 + 1)); OK_$1=\$((OK_$1 + 1))" ;;
	skip)
		skip "$t_name" "$WHY"
		eval "SK_$1=\$((SK_$1 + 1)); SKW_$1=\"\$WHY\"" ;;
	*)
		fail "$t_name" "NOT CONTAINED: ${WHY:-no verdict}
unconfined, this technique shows: $4"
		eval "N_$1=\$((N_$1 + 1))" ;;
	esac
}

mode_start() { M_T0=$(date +%s); }
mode_done() { echo "# hostile: mode $(mname "$1") took $(($(date +%s) - M_T0)) s"; }

summary()
{
	for m in s m v p k; do
		eval "n=\$N_$m ok=\$OK_$m sk=\$SK_$m skw=\$SKW_$m"
		# shellcheck disable=SC2154 # set by the eval
		echo "# hostile: $(mname $m): $n techniques, $ok contained"
		# shellcheck disable=SC2154
		[ "$sk" -eq 0 ] || echo "# hostile: $(mname $m): $sk skipped ($skw)"
	done
	echo "# hostile: $NTECH distinct techniques in the table; $(($(date +%s) - T0)) s"
}
