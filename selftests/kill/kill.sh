#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# kill.sh - SIGKILL to `kiste run` at random times and at each named start-up phase, no module (host).
# kiste-suite: host kill.sh
#
# Issue 15, "Launcher killed mid-run": at least 200 random kills across shim
# and unikernel modes (process isolation; vm isolation where /dev/kvm runs the
# tiny guest) and a kill at each named phase (KISTE_TESTONLY_STOP_AT) of
# shim and unikernel modes, and of vm mode where /dev/kvm and a guest kernel
# get its VMM that far; then fewer of them again where kiste finds no cgroup,
# so that the parent-death signals alone must end everything.  What each kill
# is checked for: kill_lib.sh.  kill_vm.sh does the same in the test VM with
# kiste.ko loaded.
#
# KILL_SHIM, KILL_UK, KILL_UKVM (default 100, 60, 40) set the random kills per
# mode with cgroups (a third as many run without); KILL_SEED the first seed
# (default 1); KILL_BUDGET the seconds the random kills with cgroups may take
# (default 150; half that without).

here="$(cd "$(dirname "$0")" && pwd)"
K="${KISTE_KILL_KISTE:-$here/../bin/kiste}"
KL_HELLO="$here/../unikernel/hello"
KL_SLEEPER="$here/../unikernel/tests/sleeper"
# shellcheck source=selftests/kill/kill_lib.sh
. "$here/kill-lib.helper"

[ -x "$K" ] || bail "no launcher $K: build it (make)"
[ -x "$KR" ] || bail "no $KR: build it (make)"
{ [ -f "$KL_HELLO" ] && [ -f "$KL_SLEEPER" ]; } || bail "no unikernels $KL_HELLO, $KL_SLEEPER"
kl_probe
kl_baseline
kl_control

# vm mode where this host gets a VMM as far as its guest's start (the Linux
# guest boots only in the test VM: kill_vm.sh).
kernel=${KISTE_KERNEL:-}
for k in /boot/vmlinuz-*; do
	[ -z "$kernel" ] && [ -r "$k" ] && kernel=$k
done
for ph in vm-kernel-loaded vm-initramfs-built vm-sandbox-joined vm-created vm-guest-running; do
	if [ ! -c /dev/kvm ] || [ -z "$kernel" ]; then
		skip "vm: SIGKILL at $ph" "no /dev/kvm or no guest kernel here"
		continue
	fi
	KISTE_KERNEL=$kernel
	export KISTE_KERNEL
	KL_STOP=$ph
	kl_kill kl_run_vm -p 60
	case $? in
	0) ok "vm: SIGKILL at $ph leaves nothing behind" ;;
	2) skip "vm: SIGKILL at $ph" "not reached on this host: $KL_WHY" ;;
	*) fail "vm: SIGKILL at $ph leaves nothing behind" "$KL_WHY" ;;
	esac
	KL_STOP=
done

n_shim=${KILL_SHIM:-100}
n_uk=${KILL_UK:-60}
n_ukvm=${KILL_UKVM:-40}
seed=${KILL_SEED:-1}
budget=${KILL_BUDGET:-150}
kl_campaign "" 3 "$n_shim" "$n_uk" "$n_ukvm" "$budget" "$seed"
# Root only: a private mount namespace without the cgroup hierarchies.
if [ "$(id -u)" = 0 ]; then
	KL_NOCG=-n
	kl_campaign " without cgroups" 5 $((n_shim / 3)) $((n_uk / 3)) $((n_ukvm / 3)) \
		$((budget / 2)) $((seed + 50000))
	KL_NOCG=
else
	skip "kills without cgroups" "not root: kiste has none here anyway"
fi
[ "$KL_TOTAL" -ge "$KL_WANT" ]
result $? "$KL_TOTAL of $KL_WANT random SIGKILLs done within the time budget" \
	"raise KILL_BUDGET ($budget s) on a slow or busy machine"
t_done
