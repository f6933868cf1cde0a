// SPDX-License-Identifier: GPL-2.0
// settings.c - every environment variable kiste reads, in one table (README "Settings").
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "kiste_run.h"

/*
 * None of these lowers a protection: switching one off takes a command-line
 * option whose name says the run is weaker (DESIGN.md).  Tests and
 * benchmarks use the hooks marked so.
 */
static const struct kiste_setting_info settings[KISTE_SET_NR] = {
	[KISTE_SET_KERNEL] = { "KISTE_KERNEL",
			       "vm: the guest kernel when --kernel is not given" },
	[KISTE_SET_VM_CACHE] = { "KISTE_VM_CACHE",
				 "vm: directory of decompressed kernels; 0 turns the cache off" },
	[KISTE_SET_VM_STATS] = { "KISTE_VM_STATS",
				 "vm: print boot timings, exits and RSS at the end (benchmarks)" },
	[KISTE_SET_VM_BZIMAGE] = { "KISTE_VM_BZIMAGE",
				   "vm: boot the bzImage's own decompressor (benchmark hook)" },
	[KISTE_SET_VM_INITRD] = { "KISTE_VM_INITRD",
				  "vm: boot this initramfs file instead of the built one (test hook)" },
	[KISTE_SET_VM_DUMP_INITRD] = { "KISTE_VM_DUMP_INITRD",
				       "vm: save the built initramfs to this file (test hook)" },
	[KISTE_SET_VM_SECCOMP_DEBUG] = { "KISTE_VM_SECCOMP_DEBUG",
					 "vm: name the call a VMM filter refused, then exit 125 "
					 "(instead of dying by SIGSYS)" },
	[KISTE_SET_VM_MODULES] = { "KISTE_VM_MODULES",
				   "vm: where the guest kernel's modules are found instead of "
				   "/lib/modules (test hook)" },
	[KISTE_SET_UK_STATS] = { "KISTE_UK_STATS",
				 "unikernel: print peak RSS and filter size on stderr (benchmarks)" },
	[KISTE_SET_PATH] = { "PATH", "vm: where a command without '/' is found on the host" },
	[KISTE_SET_TERM] = { "TERM", "shim: passed on to the workload" },
	[KISTE_SET_HOME] = { "HOME", "vm: the kernel cache of a non-root caller (~/.cache/kiste)" },
	[KISTE_SET_XDG_CACHE_HOME] = { "XDG_CACHE_HOME",
				       "vm: the kernel cache of a non-root caller, before HOME" },
	[KISTE_SET_TESTONLY_STOP_AT] = { "KISTE_TESTONLY_STOP_AT",
					 "the launcher stops itself (SIGSTOP) at this named start-up "
					 "phase, or the OCI kill between looking and signalling (test "
					 "hook: selftests/kill, oci_verbs.sh)" },
	[KISTE_SET_SHIM_STATS] = { "KISTE_SHIM_STATS",
				   "shim: print where the start-up's milliseconds went (benchmarks)" },
	[KISTE_SET_TESTONLY_SHIM_LIBSECCOMP] = { "KISTE_TESTONLY_SHIM_LIBSECCOMP",
						 "shim: the allowlist's filter compiled by libseccomp, "
						 "which admits a few mixes of two rows (benchmark "
						 "comparison only)" },
	[KISTE_SET_VM_ROOTFS_COPY] = { "KISTE_VM_ROOTFS_COPY",
				       "vm: a --rootfs directory copied into the initramfs, not "
				       "an erofs image on a disk (benchmark hook)" },
	[KISTE_SET_TESTONLY_NO_TTY_WATCHER] = { "KISTE_TESTONLY_NO_TTY_WATCHER",
						"-t -i: no watcher restores the caller's terminal "
						"after a kiste killed raw (test hook: kiste's own "
						"restores, seen alone)" },
	[KISTE_SET_CONFIG] = { "KISTE_CONFIG",
			       "OCI: the runtime's configuration file instead of "
			       KISTE_RUNTIME_CONF },
};

const struct kiste_setting_info *kiste_setting_info(enum kiste_setting s)
{
	return (unsigned int)s < KISTE_SET_NR ? &settings[s] : NULL;
}

const char *kiste_setting(enum kiste_setting s)
{
	const char *v;

	if ((unsigned int)s >= KISTE_SET_NR)
		return NULL;
	v = getenv(settings[s].name);
	return v && *v ? v : NULL;
}

/*
 * Test hook: a test SIGKILLs a launcher stopped exactly here.  It stops the
 * caller and changes nothing else (the phase goes on should SIGCONT come).
 * glibc's raise() is gettid, getpid and tgkill, calls every confined VMM
 * thread may make (vm/vmm/confine.c, "every thread"), so it works there too.
 */
void kiste_test_phase(const char *name)
{
	const char *want = kiste_setting(KISTE_SET_TESTONLY_STOP_AT);

	if (want && !strcmp(want, name))
		raise(SIGSTOP);
}
