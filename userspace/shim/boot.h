/* SPDX-License-Identifier: GPL-2.0 */
/* boot.h - the hand-over block the shim launcher passes to the guest kernel's entry point. */
#ifndef KISTE_SHIM_BOOT_H
#define KISTE_SHIM_BOOT_H

/*
 * Shared by the launcher (libc) and the freestanding guest kernel: plain
 * integer types only.  Every pointer refers to launcher memory, which the
 * guest kernel copies into its own before it tears the launcher down.
 */
#define GK_BOOT_MAGIC 0x6b697374655f676bULL /* "kiste_gk" */
#define GK_BOOT_VERSION 2
#define GK_MAX_KEEP 8

#define GK_BOOT_F_TRACE 0x1	/* one line per syscall on stderr */
#define GK_BOOT_F_MODULE 0x2	/* arm through KISTE_IOC_SHIM_ARM on kiste_fd */
#define GK_BOOT_F_RW 0x4	/* the rootfs is writable */
#define GK_BOOT_F_PIDNS 0x8	/* the workload is pid 2 under a launcher init */

/* The guest kernel's own descriptors (the workload's are below GK_FD_ROOT - 1). */
#define GK_FD_ROOT 1001
#define GK_FD_TRACE 1002
#define GK_FD_KISTE 1003
#define GK_FD_PROBE 1004
#define GK_FD_PROC 1005

/* Where the launcher maps the guest kernel: below every workload mapping (allowlist.c). */
#define GK_IMAGE_BASE 0x100000UL
#define GK_IMAGE_LIMIT 0x400000UL

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
};

#endif /* KISTE_SHIM_BOOT_H */
