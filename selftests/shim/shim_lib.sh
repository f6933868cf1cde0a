# SPDX-License-Identifier: GPL-2.0
# shim_lib.sh - TAP helpers of the shim suites (POSIX sh: bash on the host, ash in the VM).

T_N=0
T_FAIL=0
T_OUT=""
T_RC=0

echo "TAP version 13"

ok()	# NAME
{
	T_N=$((T_N + 1))
	echo "ok $T_N $1"
}

fail()	# NAME WHY
{
	T_N=$((T_N + 1))
	T_FAIL=$((T_FAIL + 1))
	echo "not ok $T_N $1"
	echo "# $2" | head -c 2000
	echo
}

skip()	# NAME REASON
{
	T_N=$((T_N + 1))
	echo "ok $T_N $1 # SKIP $2"
}

# Runs CMD...; stdout+stderr into T_OUT, status into T_RC.
run()
{
	T_OUT=$("$@" 2>&1 </dev/null)
	T_RC=$?
}

# expect NAME RC SUBSTRING CMD...: passes when the status is RC and SUBSTRING is in the output.
expect()
{
	e_name="$1"
	e_rc="$2"
	e_sub="$3"
	shift 3
	run "$@"
	if [ "$T_RC" != "$e_rc" ]; then
		fail "$e_name" "exit $T_RC, wanted $e_rc; output: $T_OUT"
	else
		case "$T_OUT" in
		*"$e_sub"*) ok "$e_name" ;;
		*) fail "$e_name" "output lacks '$e_sub': $T_OUT" ;;
		esac
	fi
}

# expect_not NAME SUBSTRING CMD...: passes when SUBSTRING is absent from the output.
expect_not()
{
	e_name="$1"
	e_sub="$2"
	shift 2
	run "$@"
	case "$T_OUT" in
	*"$e_sub"*) fail "$e_name" "output has '$e_sub' (exit $T_RC): $T_OUT" ;;
	*) ok "$e_name" ;;
	esac
}

t_done()
{
	echo "1..$T_N"
	[ "$T_FAIL" -eq 0 ]
}
