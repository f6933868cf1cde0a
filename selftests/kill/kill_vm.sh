#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# kill_vm.sh - test-VM suite: SIGKILL to `kiste run` of every mode with kiste.ko loaded, at random times and named phases.
# kiste-suite: vm kill_vm.sh
#
# Issue 15, "Launcher killed mid-run", with the module: kill.sh's random kills
# of shim and unikernel modes (each also checked against kiste sandbox list and
# kiste stats, and KVM's VMs in debugfs), and vm mode killed at each of its
# named start-up phases (KISTE_TESTONLY_STOP_AT) three times, all in this one
# boot.  What the kills leak is the debug-kernel run's closing kmemleak check's
# (debug-checks.sh: records with kiste or KVM frames fail the run): a leak stays
# unreferenced until then, and scans here as well cost 80 s.
# On the debug kernel (KISTE_TEST_TIME_SCALE) 21 random kills and one kill
# per phase where kiste.ko holds state (two without cgroups).  What each kill is checked for:
# kill_lib.sh.  KILL_SEED, KILL_BUDGET as in kill.sh.

here="$(cd "$(dirname "$0")" && pwd)"
K="${KISTE_KILL_KISTE:-/bin/kiste}"
KL_HELLO="$here/unikernel/hello"
KL_SLEEPER="$here/unikernel/sleeper"
# shellcheck source=selftests/kill/kill_lib.sh
. "$here/kill-lib.helper"

[ -c /dev/kiste ] || skip_all "no /dev/kiste: kiste.ko is not loaded"
[ -x "$K" ] || bail "no launcher $K"
[ -x "$KR" ] || bail "no $KR: build it (make)"
{ [ -f "$KL_HELLO" ] && [ -f "$KL_SLEEPER" ]; } || bail "no unikernels $KL_HELLO, $KL_SLEEPER"
debug=${KISTE_TEST_TIME_SCALE:-}
# Under TCG everything takes longer than on the host: the delays and waits stretch.
KL_SCALE=$((3 * ${debug:-1}))
KL_WAIT=$((5 * ${debug:-1}))
t0=$(date +%s)
kl_probe
kl_baseline
kl_control
[ -n "$KL_KVMDBG" ] || echo "# no /sys/kernel/debug/kvm: KVM's VMs are not compared"

# vm mode, killed at each named phase; the first run to vm-guest-running also
# decompresses the guest kernel into the cache (README, vm).
times=3
[ -n "$debug" ] && times=1
if [ -z "${KISTE_KERNEL:-}" ]; then
	for k in /boot/vmlinuz-* /bin/vmlinuz*; do
		[ -r "$k" ] && KISTE_KERNEL=$k && break
	done
fi
# The debug kernel gets the phases where kiste.ko holds state (the sandbox joined, its
# VM brokered, the guest running); the first two are the launcher's alone.
phases="vm-kernel-loaded vm-initramfs-built vm-sandbox-joined vm-created vm-guest-running"
[ -n "$debug" ] && phases="vm-sandbox-joined vm-created vm-guest-running"
for ph in $phases; do
	if [ ! -c /dev/kvm ] || [ -z "${KISTE_KERNEL:-}" ]; then
		skip "vm: SIGKILL at $ph" "no /dev/kvm or no guest kernel (KISTE_KERNEL) here"
		continue
	fi
	export KISTE_KERNEL
	kl_phase "vm" kl_run_vm "$ph" "$times" $((120 * ${debug:-1}))
done

# Random kills: as many as on the host, then a third of that where kiste
# finds no cgroup (kill.sh), each phase 5 times there.  The debug kernel
# (about 8 s a kill under TCG) gets 14 and 7, each phase once and twice.
set -- 100 60 40 33 20 13 5 150
[ -n "$debug" ] && set -- 6 4 4 3 2 2 2 200
budget=${KILL_BUDGET:-$8}
kl_campaign "" "$times" "$1" "$2" "$3" "$budget" "${KILL_SEED:-1}"
KL_NOCG=-n
kl_campaign " without cgroups" "$7" "$4" "$5" "$6" $((budget / 2)) $((${KILL_SEED:-1} + 50000))
KL_NOCG=
[ "$KL_TOTAL" -ge "$KL_WANT" ]
result $? "$KL_TOTAL of $KL_WANT random SIGKILLs done within the time budget" \
	"raise KILL_BUDGET ($budget s) on a slow or busy machine"
echo "# kills took $(($(date +%s) - t0)) s"

t_done
