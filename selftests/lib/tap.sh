# SPDX-License-Identifier: GPL-2.0
# tap.sh - the one TAP helper of kiste's shell suites (POSIX sh: bash on the host, busybox ash in the VM).
# shellcheck shell=sh
#
# A suite sources the copy beside it (`. "$(dirname "$0")/tap.sh"`; the build
# installs one in build/host-tests, run-vm.sh puts one beside every script of
# the test-VM image), reports each result with one of the calls below, and ends
# with t_done, whose status is the suite's.  Names are prefixed T_ / t_ so that
# suites keep the plain ones.
#
#   ok NAME                         a passing result
#   fail NAME [WHY]                 a failing result; WHY follows as "# " lines
#   skip NAME REASON                a result that could not be tried here
#   result STATUS NAME [WHY]        ok when STATUS is 0, else fail.  STATUS comes
#                                   first so that `...; result $? "$(...)"` reads
#                                   $? before NAME's own substitutions run
#   run CMD...                      CMD's stdout and stderr into T_OUT, status into
#                                   T_RC (stdin from /dev/null); no result
#   expect NAME RC SUBSTR CMD...    ok when CMD exits RC and its output holds SUBSTR
#   expect_not NAME RC SUBSTR CMD... ok when CMD exits RC and its output lacks SUBSTR
#   skip_all REASON                 nothing here can run: "1..0 # SKIP", exit 4
#                                   (or, after results, one SKIP and the plan)
#   bail REASON                     "Bail out!", exit 1: the suite cannot go on
#   t_done                          prints the plan "1..N"; fails if a result failed
#
# The plan comes last, so a suite that dies half-way has none and tap-count
# counts that as a failure.  Diagnostics are prefixed "# " line by line, so no
# command output can pass for a result.

T_N=0
T_FAIL=0
T_OUT=""
T_RC=0
T_HEAD=0

t_head()
{
	if [ "$T_HEAD" -eq 0 ]; then
		T_HEAD=1
		echo "TAP version 13"
	fi
}

# WHY as TAP diagnostics: every line "# "-prefixed, at most 40 lines of 300 bytes.
t_diag()	# TEXT
{
	[ -n "$1" ] || return 0
	printf '%s\n' "$1" | sed -n '1,40p' | cut -c 1-300 | sed 's/^/# /'
}

# NAME with each "#" escaped, so that no name can pass for a directive.
t_name()	# NAME
{
	case "$1" in
	*"#"*) printf '%s' "$1" | sed 's/#/\\#/g' ;;
	*) printf '%s' "$1" ;;
	esac
}

ok()	# NAME
{
	t_head
	T_N=$((T_N + 1))
	echo "ok $T_N - $(t_name "$1")"
}

fail()	# NAME [WHY]
{
	t_head
	T_N=$((T_N + 1))
	T_FAIL=$((T_FAIL + 1))
	echo "not ok $T_N - $(t_name "$1")"
	t_diag "${2:-}"
}

skip()	# NAME REASON
{
	t_head
	T_N=$((T_N + 1))
	echo "ok $T_N - $(t_name "$1") # SKIP $2"
}

result()	# STATUS NAME [WHY]
{
	if [ "$1" -eq 0 ]; then
		ok "$2"
	else
		fail "$2" "${3:-}"
	fi
}

run()	# CMD...
{
	T_OUT=$("$@" 2>&1 </dev/null)
	T_RC=$?
}

expect()	# NAME RC SUBSTR CMD...
{
	t_name="$1"
	t_rc="$2"
	t_sub="$3"
	shift 3
	run "$@"
	if [ "$T_RC" != "$t_rc" ]; then
		fail "$t_name" "exit $T_RC, wanted $t_rc; output: $T_OUT"
		return
	fi
	case "$T_OUT" in
	*"$t_sub"*) ok "$t_name" ;;
	*) fail "$t_name" "output lacks '$t_sub': $T_OUT" ;;
	esac
}

# The status counts too: a probe that failed to run has printed nothing either.
expect_not()	# NAME RC SUBSTR CMD...
{
	t_name="$1"
	t_rc="$2"
	t_sub="$3"
	shift 3
	run "$@"
	if [ "$T_RC" != "$t_rc" ]; then
		fail "$t_name" "exit $T_RC, wanted $t_rc; output: $T_OUT"
		return
	fi
	case "$T_OUT" in
	*"$t_sub"*) fail "$t_name" "output has '$t_sub': $T_OUT" ;;
	*) ok "$t_name" ;;
	esac
}

skip_all()	# REASON
{
	t_head
	if [ "$T_N" -eq 0 ]; then
		echo "1..0 # SKIP $1"
		exit 4
	fi
	skip "the rest of this suite" "$1"
	t_done
	exit
}

bail()	# REASON
{
	t_head
	echo "Bail out! $1"
	exit 1
}

t_done()
{
	t_head
	echo "1..$T_N"
	[ "$T_FAIL" -eq 0 ]
}
