/* SPDX-License-Identifier: GPL-2.0 */
/* uk.h - unikernel mode's launcher side: options, image, device bindings, filter, layout. */
#ifndef KISTE_UK_HOST_H
#define KISTE_UK_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <kiste/unikernel.h>

#include "../tender/bindings.h"
#include "kiste_run.h"

enum kiste_uk_isolation { KISTE_UK_ISO_PROCESS, KISTE_UK_ISO_VM };
/*
 * The filter of process isolation's direct entry (tender/bindings.h): the
 * process rows, one more write (the exit message), and a trap, not a kill.
 */
#define KISTE_UK_FILTER_DIRECT 2

/* --block NAME=FILE and --net NAME=TAPDEV; target points into argv. */
struct kiste_uk_binding {
	char name[KISTE_UK_DEV_NAME_MAX];
	const char *target;
	uint32_t type; /* KISTE_UK_DEV_BLOCK or KISTE_UK_DEV_NET */
};

/*
 * A unikernel run: the mode's own options (--isolation, --block, --net), and
 * the common ones copied in by the mode's check (unikernel/mode.c).
 */
struct kiste_uk_opts {
	uint32_t isolation; /* enum kiste_uk_isolation */
	uint64_t memory;    /* bytes */
	uint64_t timeout_s; /* 0 = none */
	uint32_t cpus_milli; /* CPU limit in thousandths of a CPU; 0 = none */
	const char *name;   /* sandbox name or NULL */
	const struct kiste_run_opts *run; /* --network, -p; NULL for kiste policy */
	struct kiste_uk_binding bind[KISTE_UK_MAX_DEVICES];
	uint32_t nbind;
	const char *app;
	char **argv; /* app arguments, argv[0] = app, NULL-terminated */
	int argc;
};

/* A device name (manifest or command line): 1..31 of A-Z a-z 0-9 _ - (they reach messages). */
bool kiste_uk_dev_name_valid(const char *s, size_t len);
/* --block NAME=FILE (KISTE_UK_DEV_BLOCK) or --net NAME=TAPDEV: one more binding in @o. */
int kiste_uk_bind_parse(const char *cmd, const char *arg, uint32_t type, struct kiste_uk_opts *o,
			struct kiste_err *err);
/* --isolation process|vm */
int kiste_uk_isolation_parse(const char *cmd, const char *arg, struct kiste_uk_opts *o,
			     struct kiste_err *err);

/* Guest memory of vm isolation: --memory rounded up to the 2 MiB pages that map it. */
#define UK_VM_MEM(m) (((m) + (2ULL << 20) - 1) & ~((2ULL << 20) - 1))

/* run.c: checks and binds the unikernel, runs it in a child, supervises; the exit status. */
int kiste_uk_run(const struct kiste_uk_opts *o);
struct kiste_oci_launch;
/*
 * run.c: an OCI container's process (create): APP inside @rootfs, started
 * when ol->start_fd gives its byte; 0 with ol->pid and ol->cg set.
 */
int kiste_uk_oci_create(const struct kiste_uk_opts *o, const char *rootfs,
			struct kiste_oci_launch *ol, struct kiste_err *err);
/* policy.c: `kiste policy unikernel ...` (argv[0] is "unikernel"); the exit status. */
int kiste_uk_policy(int argc, char **argv);

/* A loadable segment of the image (file bytes [off, off+filesz) at vaddr). */
struct kiste_uk_seg {
	uint64_t vaddr;
	uint64_t memsz;
	uint64_t filesz;
	uint64_t off;
	uint32_t flags; /* PF_R, PF_W, PF_X */
};

#define KISTE_UK_MAX_SEGS 8

struct kiste_uk_image {
	unsigned char *data; /* the whole file, malloc'ed */
	size_t size;
	uint64_t entry;
	uint64_t end; /* highest vaddr + memsz */
	struct kiste_uk_seg seg[KISTE_UK_MAX_SEGS];
	uint32_t nseg;
	struct kiste_uk_manifest mft;
};

/*
 * Reads and checks @path.  -ENOENT (exit 127) when missing, -ENOEXEC (exit 126)
 * when it is not an x86_64 static executable, has no manifest or a different
 * ABI version, -EINVAL for bad layouts (126 as well).
 */
int kiste_uk_image_load(const char *path, uint64_t memory, struct kiste_uk_image *img,
			struct kiste_err *err);
/* The same, @path resolved inside the directory @rootfd (an OCI container's rootfs). */
int kiste_uk_image_load_in(int rootfd, const char *path, uint64_t memory,
			   struct kiste_uk_image *img, struct kiste_err *err);
void kiste_uk_image_free(struct kiste_uk_image *img);

/* A manifest device bound to an open host descriptor. */
struct kiste_uk_dev {
	struct kiste_uk_devinfo info;
	int fd;
	const char *target;
	bool pasta; /* a net device on passt's relay (--network pasta), not a tap */
};

/*
 * --network pasta: passt on @stream, and @relay_end, the relay's side of the
 * net device's SOCK_SEQPACKET pair (run.c forks the relay, relay.c).  Pids
 * are 0 and descriptors -1 without it.
 */
struct kiste_uk_pasta {
	pid_t passt, relay;
	int stream, passt_err, relay_end;
};

struct kiste_uk_devs {
	struct kiste_uk_dev dev[KISTE_UK_MAX_DEVICES];
	uint32_t ndev;
	struct kiste_uk_pasta pasta;
};

/*
 * Binds every manifest device: opens files and tap devices.  With @dry_run,
 * checks everything but leaves fd -1 (for `kiste policy`, which still needs
 * sizes); tap devices get placeholder descriptors then.  passt (--network
 * pasta) starts in @cg when it has one (the sandbox's), else in the caller's.
 * -ENODEV / -ENOENT / -EINVAL (exit 125) with a line naming the device and
 * the fix.
 */
int kiste_uk_devs_bind(const struct kiste_uk_manifest *mft, const struct kiste_uk_opts *o,
		       const struct kiste_cgroup *cg, bool dry_run, struct kiste_uk_devs *devs,
		       struct kiste_err *err);
void kiste_uk_devs_close(struct kiste_uk_devs *devs);
/* After the unikernel's end: passt and the relay killed (they may be gone) and reaped. */
void kiste_uk_pasta_end(struct kiste_uk_devs *devs);
/* Whether this run attaches a net device to passt (--network pasta). */
bool kiste_uk_pasta(const struct kiste_uk_opts *o);

/* Device with handle H sits at descriptor KISTE_UK_FD_BASE + H in the tender and the VMM. */
#define KISTE_UK_FD_BASE 3
/* vm isolation: the VMM's vCPU descriptor, and the VM descriptor kept next to it. */
#define KISTE_UK_VCPU_FD (KISTE_UK_FD_BASE + KISTE_UK_MAX_DEVICES)
#define KISTE_UK_VM_FD	 (KISTE_UK_VCPU_FD + 1)

/*
 * The seccomp filter (libseccomp, one table in seccomp.c) for isolation @iso
 * (enum kiste_uk_isolation, or KISTE_UK_FILTER_DIRECT).  Process: what the unikernel may call, at most 7
 * distinct syscalls, each bound to the descriptors, sizes and offsets of @devs.
 * vm: what the VMM's run loop may call once the guest is set up (KVM_RUN on
 * KISTE_UK_VCPU_FD, device I/O, console).  Int arguments (descriptors, clock
 * ids, the exit status) are compared on their low 32 bits, as the kernel reads
 * them.  kiste_uk_filter_bpf writes the BPF program into a malloc'ed buffer
 * (*len bytes); kiste_uk_filter_pfc writes libseccomp's pseudo filter code to
 * @fd; kiste_uk_filter_print writes the table's rows for @devs, each with its
 * reason, and their number.  kiste_uk_filter_syscalls returns the number of
 * distinct syscalls; @names (may be NULL) gets them space-separated.
 */
int kiste_uk_filter_bpf(const struct kiste_uk_devs *devs, uint32_t iso, void **bpf, size_t *len,
			struct kiste_err *err);
/* The same filter as libseccomp builds it (the emitted one's reference in tests). */
int kiste_uk_filter_bpf_ref(const struct kiste_uk_devs *devs, uint32_t iso, void **bpf,
			    size_t *len, struct kiste_err *err);
int kiste_uk_filter_pfc(const struct kiste_uk_devs *devs, uint32_t iso, int fd,
			struct kiste_err *err);
int kiste_uk_filter_syscalls(const struct kiste_uk_devs *devs, uint32_t iso, char *names,
			     size_t len);
void kiste_uk_filter_print(const struct kiste_uk_devs *devs, uint32_t iso, FILE *f);
/* What a call outside filter @iso gets: SECCOMP_RET_KILL_PROCESS, or SECCOMP_RET_TRAP (direct). */
uint32_t uk_default_action(uint32_t iso);

/*
 * Lays the unikernel out in its memory [0, memory) whose guest address A is at
 * host address @base + A (process isolation: @base 0): segments, start info
 * with @calls, argv, heap, stack.  *@start_addr and *@stack_top get the guest
 * addresses to pass at entry.  -E2BIG (exit 125) when the arguments do not fit.
 */
int kiste_uk_layout(uintptr_t base, uint64_t memory, const struct kiste_uk_image *img,
		    const struct kiste_uk_opts *o, const struct kiste_uk_devs *devs,
		    const uint64_t *calls, uint32_t flags, uint64_t *start_addr,
		    uint64_t *stack_top, struct kiste_err *err);

#endif /* KISTE_UK_HOST_H */
