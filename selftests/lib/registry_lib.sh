# SPDX-License-Identifier: GPL-2.0
# registry_lib.sh - what the test VM's suites ask kiste.ko's registry: a sandbox's fields, its end.
# shellcheck shell=sh
#
# Sourced (as registry-lib.helper, beside the suite in vm-tests) by uk_module.sh and
# oci_module.sh, with kiste on PATH.

# The line "KEY: VALUE" of kiste inspect NAME, value only ("" when there is none).
field()	# NAME KEY
{
	kiste inspect "$1" 2>/dev/null | sed -n "s/^$2: *//p"
}

# Waits (up to 10 s) until sandbox NAME is gone from kiste sandbox list; 2 when the
# list fails, since a list that fails to run lists nothing either.
wait_gone()	# NAME
{
	i=0
	while [ $i -lt 100 ]; do
		lst=$(kiste sandbox list 2>&1) || return 2
		printf '%s\n' "$lst" | awk 'NR > 1 { print $2 }' | grep -qx "$1" || return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
