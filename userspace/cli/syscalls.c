// SPDX-License-Identifier: GPL-2.0
// syscalls.c - kiste syscalls [--json]: every amd64 syscall and what shim mode's guest kernel does with it.
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
/*
 * The guest kernel's own table (userspace/shim/gk/table.c's GK_SYSCALLS,
 * copied out by the build) and every amd64 syscall name of the build
 * machine's <asm/unistd_64.h>: nothing here lists which calls are served.
 */
#include "gk_syscalls.h"
#include "amd64_syscalls.h"

enum { SC_FULL, SC_PARTIAL, SC_REFUSED, SC_NONE };
static const char *const sc_status[] = { "full", "partial", "refused", "unimplemented" };

struct sc_row {
	const char *name;
	const char *fn;
};

#define SC_ROW(name, fn, types) { #name, #fn },
static const struct sc_row served[] = { GK_SYSCALLS(SC_ROW) };

#define SC_NAME(nr, name) { nr, #name },
static const struct {
	int nr;
	const char *name;
} amd64[] = { AMD64_SYSCALLS(SC_NAME) };

/*
 * What a served call leaves out: the guest kernel's handlers that answer
 * one error by design, and the calls served for some arguments only.
 * Keyed by handler or by name; a call not listed here is served whole.
 */
static const char NATIVE_ENOSYS[] = "ENOSYS, as on x86_64 Linux (removed, or never wired up)";
static const struct {
	const char *key;	/* "sys_*" handler or syscall name */
	int status;
	const char *note;
} notes[] = {
	{ "sys_eperm", SC_REFUSED, "EPERM: a sandbox has no such privilege (as in a container)" },
	{ "sys_xattr", SC_PARTIAL, "by path: regular files and folders the sandbox can read; "
				   "others have none (ENODATA)" },
	{ "mknod", SC_PARTIAL, "FIFOs, sockets, regular files; device nodes EPERM (as in a container)" },
	{ "mknodat", SC_PARTIAL, "FIFOs, sockets, regular files; device nodes EPERM (as in a container)" },
	{ "ioctl", SC_PARTIAL, "terminal ioctls, FIONREAD, FIONBIO, FIOCLEX, FIONCLEX, the socket "
			       "ones of net_policy.h; FIOASYNC turning O_ASYNC on EPERM; others ENOTTY" },
	{ "fcntl", SC_PARTIAL, "O_ASYNC never turned on (EPERM: SIGIO could reach a host process "
			       "owning a shared description); owners with a pid namespace only" },
	{ "futex", SC_PARTIAL, "PI operations kept by the guest kernel without priority boosting; "
			       "robust lists not walked when a signal ends the process" },
	{ "pidfd_getfd", SC_PARTIAL, "the sandbox's processes, with a pid namespace (EPERM without)" },
	{ "clone", SC_PARTIAL, "fork, vfork and threads; new namespaces EPERM, CLONE_PIDFD not served" },
	{ "clone3", SC_PARTIAL, "as clone; set_tid and cgroup not served (glibc falls back)" },
	{ "socket", SC_PARTIAL, "AF_UNIX, AF_INET, AF_INET6 (ICMP echo too); packet and raw EPERM, "
				"netlink and others EAFNOSUPPORT" },
	{ "setsockopt", SC_PARTIAL, "the options listed in userspace/shim/net_policy.h" },
	{ "getsockopt", SC_PARTIAL, "the options listed in userspace/shim/net_policy.h" },
	{ "prctl", SC_PARTIAL, "PR_SET_NAME, PR_GET_NAME, PR_GET/SET_DUMPABLE, PR_SET_PDEATHSIG; "
			       "others EINVAL" },
	{ "arch_prctl", SC_PARTIAL, "ARCH_SET_FS and ARCH_GET_FS" },
	{ "prlimit64", SC_PARTIAL, "the calling process's own limits only (EPERM for others); "
				   "RLIMIT_NOFILE and RLIMIT_CORE kept by the guest kernel" },
	{ "personality", SC_PARTIAL, "kept and reported; flags are not applied to the layout" },
	{ "sched_setscheduler", SC_PARTIAL, "OTHER, BATCH, IDLE; real-time policies EPERM" },
	{ "sync", SC_PARTIAL, "answers 0 without syncing the host's filesystems" },
	{ "sys_sysv", SC_PARTIAL, "in the sandbox's own ipc namespace only (ENOSYS without "
				  "namespaces); shmat never with SHM_REMAP or below the guest kernel" },
	{ "sys_mq", SC_PARTIAL, "in the sandbox's own ipc namespace only (ENOSYS without namespaces); "
				"no SIGSYS notification" },
	{ "memfd_create", SC_PARTIAL, "no huge pages (MFD_HUGETLB: EPERM)" },
	{ "sys_mlock", SC_PARTIAL, "the guest kernel's pages excepted (ENOMEM below it)" },
	{ "sys_priority", SC_PARTIAL, "without a pid namespace the caller only (EPERM)" },
	{ "sys_ioprio", SC_PARTIAL, "without a pid namespace the caller only (EPERM)" },
	/* Numbers x86_64 Linux itself answers ENOSYS for: removed, or never wired up. */
	{ "_sysctl", SC_FULL, NATIVE_ENOSYS }, { "create_module", SC_FULL, NATIVE_ENOSYS },
	{ "get_kernel_syms", SC_FULL, NATIVE_ENOSYS }, { "query_module", SC_FULL, NATIVE_ENOSYS },
	{ "nfsservctl", SC_FULL, NATIVE_ENOSYS }, { "getpmsg", SC_FULL, NATIVE_ENOSYS },
	{ "putpmsg", SC_FULL, NATIVE_ENOSYS }, { "afs_syscall", SC_FULL, NATIVE_ENOSYS },
	{ "tuxcall", SC_FULL, NATIVE_ENOSYS }, { "security", SC_FULL, NATIVE_ENOSYS },
	{ "vserver", SC_FULL, NATIVE_ENOSYS }, { "epoll_ctl_old", SC_FULL, NATIVE_ENOSYS },
	{ "epoll_wait_old", SC_FULL, NATIVE_ENOSYS }, { "set_thread_area", SC_FULL, NATIVE_ENOSYS },
	{ "get_thread_area", SC_FULL, NATIVE_ENOSYS },
};

static const struct sc_row *find_served(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(served) / sizeof(served[0]); i++)
		if (!strcmp(served[i].name, name))
			return &served[i];
	return NULL;
}

static int classify(const char *name, const char **note)
{
	const struct sc_row *r = find_served(name);
	size_t i;

	*note = "";
	for (i = 0; i < sizeof(notes) / sizeof(notes[0]); i++)
		if ((r && !strcmp(notes[i].key, r->fn)) || !strcmp(notes[i].key, name)) {
			*note = notes[i].note;
			return notes[i].status;
		}
	return r ? SC_FULL : SC_NONE;
}

static void usage(FILE *f)
{
	fputs("Usage: kiste syscalls [--json]\n\n"
	      "Every amd64 system call and what shim mode's guest kernel does with it: full\n"
	      "(served as Linux does), partial (served, with what is left out), refused (one\n"
	      "error by design, as in a container) or unimplemented (ENOSYS).  Generated from\n"
	      "the guest kernel's own syscall table.\n",
	      f);
}

static int syscalls_main(int argc, char **argv)
{
	size_t i, n = sizeof(amd64) / sizeof(amd64[0]);
	unsigned int count[4] = { 0 }, native = 0;
	json_object *arr = NULL;
	const char *note;
	bool json = false;
	int st;

	if (argc == 2 && !strcmp(argv[1], "--json")) {
		json = true;
	} else if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return KISTE_EXIT_OK;
	} else if (argc > 1) {
		fprintf(stderr, "kiste syscalls: unknown argument '%s': see 'kiste syscalls --help'\n",
			argv[1]);
		return KISTE_EXIT_USAGE;
	}
	if (json)
		arr = json_object_new_array();
	for (i = 0; i < n; i++) {
		st = classify(amd64[i].name, &note);
		count[st]++;
		native += note == NATIVE_ENOSYS;
		if (json) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "nr", json_object_new_int(amd64[i].nr));
			json_object_object_add(o, "name", json_object_new_string(amd64[i].name));
			json_object_object_add(o, "status", json_object_new_string(sc_status[st]));
			if (*note)
				json_object_object_add(o, "note", json_object_new_string(note));
			json_object_array_add(arr, o);
		} else {
			printf("%3d  %-24s %-13s %s\n", amd64[i].nr, amd64[i].name, sc_status[st],
			       note);
		}
	}
	if (json) {
		json_object *top = json_object_new_object(), *sum = json_object_new_object();

		for (i = 0; i < 4; i++)
			json_object_object_add(sum, sc_status[i], json_object_new_int((int)count[i]));
		json_object_object_add(sum, "total", json_object_new_int((int)n));
		json_object_object_add(top, "summary", sum);
		json_object_object_add(top, "syscalls", arr);
		puts(json_object_to_json_string_ext(top, JSON_C_TO_STRING_PRETTY |
						    JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(top);
	} else {
		printf("# %u of %zu amd64 syscalls served: %u fully (%u of them ENOSYS as on Linux), "
		       "%u partly; %u refused by design, %u unimplemented (ENOSYS)\n",
		       count[SC_FULL] + count[SC_PARTIAL], n, count[SC_FULL], native,
		       count[SC_PARTIAL], count[SC_REFUSED], count[SC_NONE]);
	}
	return KISTE_EXIT_OK;
}

const struct cli_cmd cli_cmd_syscalls = {
	.name = "syscalls",
	.summary = "what shim mode serves of every amd64 syscall",
	.usage = "Usage: kiste syscalls [--json]\n",
	.main = syscalls_main,
};
