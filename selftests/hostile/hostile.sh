#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# hostile.sh - issue 15's cross-mode hostile suite: every technique of techniques.tsv in every mode it applies to.
# kiste-suite: host hostile.sh
# kiste-suite: vm hostile.sh
#
# POSIX sh: bash on the host, busybox ash in the test VM.  One TAP result per
# (technique, mode): ok when the containment the table states held, not ok
# (with what was seen and what an unconfined run shows) when it did not, SKIP
# with the reason when the mode cannot run here.  Ends with one line per mode,
# "# hostile: MODE: N techniques, N contained".  By hand, HOSTILE_ONLY="ID..."
# and HOSTILE_MODES="s m v p k" narrow a run.
here="$(cd "$(dirname "$0")" && pwd)"
H="$here/hostile"
# shellcheck source=selftests/lib/tap.sh
. "$here/tap.sh"
# shellcheck source=selftests/hostile/lib.sh
. "$H/lib.sh"
# shellcheck source=selftests/hostile/t_shim.sh
. "$H/t_shim.sh"
# shellcheck source=selftests/hostile/t_escape.sh
. "$H/t_escape.sh"
# shellcheck source=selftests/hostile/t_meta.sh
. "$H/t_meta.sh"
# shellcheck source=selftests/hostile/t_bomb.sh
. "$H/t_bomb.sh"
# shellcheck source=selftests/hostile/t_uk.sh
. "$H/t_uk.sh"
# shellcheck source=selftests/hostile/t_vm.sh
. "$H/t_vm.sh"
# shellcheck source=selftests/hostile/t_module.sh
. "$H/t_module.sh"

# On the KASAN + lockdep + kmemleak kernel only what drives kiste.ko runs: in
# shim+module the techniques whose containment the module takes part in (arming and
# re-arming on fork and clone, its member cap beside the cgroup, its netlink family),
# and unikernel-vm (every technique goes through the broker).  Every technique runs
# on Debian's kernel in the same make check; the debug kernel's checkers are for the
# module's code, and its boots cost minutes.
run_modes="s m v p k"
debug_m=""
if [ -z "${HOSTILE_MODES:-}" ] && [ -f /etc/kiste-debug-checks ]; then
	run_modes="m k"
	debug_m=1
	echo "# hostile: debug kernel: shim+module's module techniques and unikernel-vm (all run on Debian's kernel)"
fi
hostile_setup
for m in ${HOSTILE_MODES:-$run_modes}; do
	mode_available "$m"
	mode_start
	# fd 9 carries the table, so that no technique reads it as its stdin
	while IFS='	' read -r id modes expect unconfined <&9; do
		case "$id" in '' | '#'*) continue ;; esac
		case ",$modes," in *",$m,"*) ;; *) continue ;; esac
		if [ -n "$debug_m" ] && [ "$m" = m ]; then
			case "$id" in dispatch_* | gate_clone_* | bomb_fork | bomb_thread | nl_*) ;; *) continue ;; esac
		fi
		if [ -n "${HOSTILE_ONLY:-}" ]; then
			case " $HOSTILE_ONLY " in *" $id "*) ;; *) continue ;; esac
		fi
		technique "$m" "$id" "$expect" "$unconfined"
	done 9<"$H/techniques.tsv"
	mode_done "$m"
done
summary
t_done
