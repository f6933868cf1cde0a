/* SPDX-License-Identifier: GPL-2.0 */
/* boot.h - the hand-over block the shim launcher passes to the guest kernel's entry point. */
#ifndef KISTE_SHIM_BOOT_H
#define KISTE_SHIM_BOOT_H

/*
 * Shared by the launcher (libc), the freestanding guest kernel and its gate
 * (entry.S: constants only): plain integer types.  Every pointer refers to
 * launcher memory, which the guest kernel copies into its own before it tears
 * the launcher down.
 */
#define GK_BOOT_MAGIC 0x6b697374655f676bULL /* "kiste_gk" */
#define GK_BOOT_VERSION 5
#define GK_MAX_KEEP 8

#define GK_BOOT_F_TRACE 0x1	/* one line per syscall on stderr */
#define GK_BOOT_F_MODULE 0x2	/* arm through KISTE_IOC_SHIM_ARM on kiste_fd */
#define GK_BOOT_F_RW 0x4	/* the rootfs is writable */
#define GK_BOOT_F_PIDNS 0x8	/* the workload is pid 2 under a launcher init */
/* AF_UNIX sockets that can name others: namespaces, and a rootfs that is not the host's "/". */
#define GK_BOOT_F_UNIX 0x10
/* --trace-summary: count each call, print a table when a process ends (strace -c). */
#define GK_BOOT_F_TRACE_SUM 0x20
/* AF_UNIX stream/seqpacket sockets through the init's mediator (GK_FD_UNIXMED, unixmed.h). */
#define GK_BOOT_F_UNIXMED 0x40
/* --no-patch: every call traps; no syscall site is rewritten (gk/patch.c). */
#define GK_BOOT_F_NOPATCH 0x80
/* The CPU lets user code set %gs's base (AT_HWCAP2's FSGSBASE): patched sites' quick entry. */
#define GK_BOOT_F_FSGSBASE 0x100
/*
 * An OCI container's process: pid 1 in signal terms as under runc, so a
 * signal it leaves at SIG_DFL does not end it unless a fault forces it
 * (pid_namespaces(7)); its fork children are ordinary processes.
 */
#define GK_BOOT_F_INIT 0x200
/* Guest pid 1 is such a process (for it and every other process of its container). */
#define GK_BOOT_F_INIT_NS 0x400

/* CPU masks the guest kernel keeps and hands the host: 1024 CPUs, x86_64's NR_CPUS ceiling. */
#define GK_CPUMASK_BYTES 128

/*
 * Descriptors: the workload's (and the guest kernel's temporaries) are below
 * GK_FD_BASE; every slot from GK_FD_BASE to GK_FD_LIMIT - 1 is the guest
 * kernel's and always occupied (placeholders where a slot is unused), and
 * RLIMIT_NOFILE is GK_FD_LIMIT, so the host kernel can never hand out a
 * descriptor in that range: the allowlist admits close, dup3 and F_DUPFD
 * below GK_FD_BASE only (README.md, "Descriptors").
 */
#define GK_FD_BASE 1000
#define GK_FD_LOCKS 1000	/* private tmpfs of shadow lock files, or a placeholder */
#define GK_FD_ROOT 1001
#define GK_FD_TRACE 1002
#define GK_FD_KISTE 1003	/* /dev/kiste, or a placeholder */
#define GK_FD_PROBE 1004
#define GK_FD_PROC 1005		/* the detached procfs, or a placeholder */
#define GK_FD_UNIXMED 1006	/* the AF_UNIX mediator's channel, or a placeholder */
/*
 * A UDP socket (unbound) made in the sandbox's network namespace, on which the
 * guest kernel asks the interface queries (SIOCGIF*: a workload socket may be
 * another namespace's, the caller's), or a placeholder without one.  IPv4's:
 * the address queries are IPv4's (inet_ioctl); the rest any family's.
 */
#define GK_FD_NETQ 1007
/* Shadow lock descriptors: one aligned block of 16. */
#define GK_FD_SHADOW 1008
#define GK_NSHADOW 16
#define GK_FD_LIMIT 1024

/*
 * The fork stub opens the gate (gk.ld): the one clone instruction the second
 * seccomp filter (ipfilter.c) admits ends GK_FORK_RET_OFF bytes into it,
 * which is the instruction pointer seccomp sees (entry.S checks the offset).
 */
#define GK_FORK_RET_OFF 17
/*
 * The thread stub starts GK_THREAD_STUB_OFF bytes into the gate and its clone
 * ends at GK_THREAD_RET_OFF (entry.S, gk.ld); admitted only with glibc's thread
 * flags (allowlist.c).
 */
#define GK_THREAD_STUB_OFF 128
#define GK_THREAD_RET_OFF 138

/*
 * Where the launcher maps the guest kernel: below every workload mapping
 * (allowlist.c), GK_TAREA-aligned (the main thread's area is in its bss), and
 * ending below 0x200000, where ld.lld links executables by default.
 */
#define GK_IMAGE_BASE 0x40000UL
#define GK_IMAGE_LIMIT 0x400000UL

#ifndef __ASSEMBLER__

struct gk_range {
	unsigned long start;
	unsigned long end;
};

struct gk_boot {
	unsigned long magic;
	unsigned int version;
	unsigned int flags;
	unsigned long image_start;	/* the whole guest kernel mapping */
	unsigned long image_end;
	unsigned long gate_start;	/* its text: exempt from redirection */
	unsigned long gate_len;
	int kiste_fd;			/* /dev/kiste with GK_BOOT_F_MODULE, else -1 */
	int root_fd;			/* the sandbox root directory (O_PATH) */
	int probe_fd;			/* a one-page memfd: probes workload pointers */
	int proc_fd;			/* a procfs of the sandbox's pid namespace, or -1 */
	int locks_fd;			/* where shadow lock files go (GK_FD_LOCKS), or -1 */
	int argc;
	int envc;
	char **argv;			/* the command: argv[0] is looked up on PATH */
	char **envp;
	const char *cwd;		/* guest path */
	unsigned int uid, gid;		/* the workload's identity in its namespace */
	unsigned long hwcap, hwcap2, clktck, minsigstksz;
	unsigned long sysinfo_ehdr;	/* the vDSO */
	unsigned int nkeep;		/* mappings exec must keep (vvar, vdso) */
	struct gk_range keep[GK_MAX_KEEP];
	unsigned long memory;		/* --memory in bytes: what the workload is told it has */
	unsigned int cpus;		/* --cpus rounded up, or 0: how many CPUs it is shown */
	unsigned int cpus_milli;	/* --cpus in thousandths, or 0: the cgroup view's cpu.max */
	unsigned long pids;		/* --pids, or 0: the cgroup view's pids.max */
	unsigned int ninherit;		/* descriptors 0..ninherit-1 are the caller's (3 + preserved) */
	/*
	 * `kiste trace ID on|off`'s switch: a read-only shared mapping of the
	 * sandbox's trace file (one page, also in keep[]), or 0; '1' at its first
	 * byte traces as --trace does.
	 */
	unsigned long trace_switch;
};

#endif /* __ASSEMBLER__ */
#endif /* KISTE_SHIM_BOOT_H */
