# SPDX-License-Identifier: GPL-2.0
# t_module.sh - techniques against kiste.ko itself: malformed netlink requests, a compromised VMM's broker calls.
# shellcheck shell=sh
#
# Sourced by hostile.sh.  The attacker is nlattack (this folder), a local
# process (root, or uid 65534 for the ownership cases); the module's fuzzer
# (selftests/fuzz) covers the breadth, these are deterministic cases with the
# containment each must show.  Broker cases run against a sandbox of the
# technique's mode: vm for vm, unikernel for unikernel-vm.

need_module()
{
	[ -c /dev/kiste ] && return 0
	notrun "no kiste.ko here: the broker exists only with the module (the test VM)"
	return 1
}

# nlattack nl CASE: the errno EXPECT (a |-separated list), no sandbox made, the module answers on.
nl_case()	# CASE EXPECT
{
	run "$NL" nl "$1"
	e=$(printf '%s\n' "$T_OUT" | sed -n "s/^nl $1: err=\\([A-Za-z0-9]*\\).*/\\1/p")
	ok_e=1
	for x in $(echo "$2" | tr '|' ' '); do
		[ "$e" = "$x" ] && ok_e=0
	done
	judge "$([ "$T_RC" = 0 ] && [ $ok_e = 0 ] && has "alive=ok" && ! has CREATED; echo $?)" \
		"$(seen)"
}

t_nl_name_oversized() { nl_case name-oversized "EINVAL|ERANGE"; }
t_nl_name_unterminated() { nl_case name-unterminated EINVAL; }
t_nl_attr_truncated() { nl_case attr-truncated "EINVAL|ERANGE"; }
t_nl_attr_short() { nl_case attr-short "EINVAL|ERANGE"; }
t_nl_attr_unknown() { nl_case attr-unknown "EINVAL|EOPNOTSUPP"; }
t_nl_mode_range() { nl_case mode-range "EINVAL|ERANGE"; }
t_nl_vcpu_range() { nl_case vcpu-range "EINVAL|ERANGE"; }
t_nl_flags() { nl_case flags "EINVAL|ERANGE"; }
# A message longer than what was sent is dropped by netlink itself: no answer at all.
t_nl_header_lie() { nl_case header-lie "ETIMEDOUT|EINVAL"; }

# Another user's sandbox looks absent (issue 15, finding 19: no probing names by errno).
nl_nobody()	# CASE
{
	run "$NL" nl "$1"
	judge "$([ "$T_RC" = 0 ] && has "nl $1: err=ENOENT" && has "sandbox_still_there=yes" &&
		 has "alive=ok"; echo $?)" "$(seen)"
}

t_nl_nobody_delete() { nl_nobody nobody-delete; }
t_nl_nobody_kill() { nl_nobody nobody-kill; }

# nlattack broker MODE CASE: T_OUT; false (with a verdict) when it could not run.
broker()	# MODE CASE
{
	need_module || return 1
	case "$1" in v) b_m=vm ;; *) b_m=unikernel ;; esac
	run "$NL" broker "$b_m" "$2"
	case "$T_RC" in
	0) return 0 ;;
	*) escaped "the attacker could not run: $(seen)"; return 1 ;;
	esac
}

t_broker_ioctls() { broker "$1" ioctls && judge "$(has "broker ioctls=all-EPERM"; echo $?)" "$(seen)"; }
t_broker_slot_asid() { broker "$1" slot-asid && judge "$(has "as0=ok" && has "as1=E2BIG"; echo $?)" "$(seen)"; }

t_broker_many_slots()
{
	broker "$1" many-slots &&
		judge "$(has "slots=32 of 2 MiB, then E2BIG"; echo $?)" "$(seen)"
}

t_broker_size_wrap()
{
	broker "$1" size-wrap &&
		judge "$(has "2^63=E" && ! has "2^63=ok" && ! has "2^64-4k=ok" && has "grow-in-place=E2BIG"
			 echo $?)" "$(seen)"
}

t_broker_threaded() { broker "$1" threaded && judge "$(has "threaded=EBUSY"; echo $?)" "$(seen)"; }

t_broker_raw_kvm()
{
	broker "$1" ioctls && judge "$(has "kvm-vm=no dev-kvm=no kiste-vm=yes"; echo $?)" "$(seen)"
}
