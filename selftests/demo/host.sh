#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# host.sh - the host part of `make demo`: real workloads in each mode, without kiste.ko.
#
# Usage: host.sh BUILD_DIR.  Prints each command as typed and a TAP line per step.
set -u
build="$1"
kiste="$build/bin/kiste"
# result() from tap.sh, demo_done() from the VM demos' library
# shellcheck source=selftests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=selftests/vm/demo-lib.sh
. "$(dirname "$0")/../vm/demo-lib.sh"

step()	# DESCRIPTION COMMAND...
{
	local what="$1" rc
	shift
	echo
	echo "demo\$ $*"
	"$@"
	rc=$?
	result $rc "$what" "exit $rc"
}

step "kiste check on the host" "$kiste" check
# Debian's python3 (a pyenv shim on PATH would be a script around another python)
py=/usr/bin/python3
if [ -x "$py" ]; then
	step "python3 under shim mode is pid 1" \
		"$kiste" run --mode=shim -- "$py" -c \
		'import json, hashlib, os; print(json.dumps({"pid": os.getpid()})); assert os.getpid() == 1'
fi
# shellcheck disable=SC2016 # the sandbox's shell expands it
step "a dynamic pipeline under shim mode" \
	"$kiste" run --mode=shim -- /bin/sh -c 'ls /usr/bin | sort | head -3; echo $(($(ls /usr/bin | wc -l) > 10))'
demo_done
