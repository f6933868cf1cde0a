# SPDX-License-Identifier: GPL-2.0
# engine_lib.sh - what the engine suites (containerd, docker) share: one case, kiste beside runc.
# shellcheck shell=bash
#
# Sourced after tap.sh.  A suite defines engine_run RUNTIME NAME ARGS... -- CMD...,
# which runs one container with RUNTIME (kiste or runc) and prints its output;
# engine_both then runs it with both and compares output and exit status.

# engine_both NAME ENGINE-ARGS... -- CMD...
engine_both()
{
	local name="$1" k_out r_out k_rc r_rc

	shift
	k_out=$(engine_run kiste "$@" 2>&1 </dev/null)
	k_rc=$?
	r_out=$(engine_run runc "$@" 2>&1 </dev/null)
	r_rc=$?
	if [ "$k_rc" = "$r_rc" ] && [ "$k_out" = "$r_out" ]; then
		ok "$name (exit $k_rc, as runc)"
	else
		fail "$name" "kiste exit $k_rc: $k_out
runc exit $r_rc: $r_out"
	fi
}

# engine_split ARGS... -- CMD...: E_ARGS and E_CMD, the engine's arguments and the command.
# shellcheck disable=SC2034 # E_ARGS and E_CMD are for the sourcing suite
engine_split()
{
	E_ARGS=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		E_ARGS+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	E_CMD=("$@")
}
