// SPDX-License-Identifier: GPL-2.0
// allowlist.c - THE host syscall allowlist of shim mode (one table), walked for each filter.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/prctl.h>
#include <linux/seccomp.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <linux/fs.h>
#include <linux/memfd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <sys/syscall.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "allowlist.h"
#include "boot.h"
#include "ipc_policy.h"
#include "net_policy.h"

enum {
	K_CONST, K_GATE_START, K_GATE_LEN, K_ROOT_FD, K_KISTE_FD, K_PROC_FD, K_IMAGE_END, K_LOCKS_FD,
};
enum { OP_EQ, OP_MASK0, OP_IN, OP_LE, OP_GE, OP_MASKEQ };
/*
 * W_TRAP: not allowed but trapped (SECCOMP_RET_TRAP) to the guest kernel's SIGSYS entry.
 * W_NET: only with a network namespace of the sandbox's (own or joined).
 * W_UNIX: AF_UNIX sockets that can name a peer: with W_NET, and not with the host's "/"
 * as the rootfs, whose host sockets a gate jump could otherwise reach (README.md).
 * W_UNIXMED: only when the init mediates AF_UNIX sockets (the host's "/" as the rootfs,
 * namespaces): requests on the channel, whose every field the init checks (unixmed.c).
 * W_IPC: only with an ipc namespace of the sandbox's (System V IPC, POSIX message queues).
 * W_PIDNS: only with a pid namespace of the sandbox's, where a pidfd can name no host
 * process but the (non-dumpable) init.
 */
/*
 * W_META: metadata changes (mode, owner, times, xattrs), only with namespaces
 * (the rootfs pivoted, read-only mounts) or --rw: without namespaces the
 * guest kernel answers EROFS itself (gk_meta_denied), and a gate jump's
 * fchmodat(dirfd, "../x") would reach past a rootfs that is not pivoted.
 */
enum { W_ALL, W_MODULE, W_PROC, W_LOCKS, W_TRAP, W_NET, W_UNIX, W_IPC, W_PIDNS, W_META,
	W_UNIXMED };

/*
 * int-typed arguments (descriptors, commands, flags, pids, signals): the
 * kernel reads the low 32 bits of the register, seccomp compares all 64, so
 * close(0x1000003e9) is close(1001) to the kernel.  INT(n) marks such an
 * argument, and the builder refuses any condition on one that could admit a
 * value with upper bits set (int_cond_ok): <=, ==, "in" and masks that cover
 * the upper half reject them; >= or a narrow mask never appear on an int.
 */
#define ARG_INT 0x80
#define INT(n) ((n) | ARG_INT)
#define UPPER32 0xffffffff00000000ULL

struct cond {
	unsigned char arg, op, kind;	/* arg: index, | ARG_INT for an int */
	uint64_t val;			/* OP_EQ/LE/GE/MASKEQ: the value; OP_MASK0: bits that must be clear */
	const uint64_t *list;		/* OP_IN */
	unsigned char nlist;
	uint64_t mask;			/* OP_MASKEQ: (arg & mask) == val */
};

struct allow {
	const char *name;
	int nr;
	unsigned char when;
	unsigned char ncond;
	struct cond c[5];
	const char *why;
};

static const uint64_t fcntl_cmds[] = {
	F_GETFD, F_SETFD, F_GETFL, F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK,
	F_OFD_SETLK, F_OFD_SETLKW, F_SETPIPE_SZ, F_GETPIPE_SZ, F_ADD_SEALS, F_GET_SEALS,
};
static const uint64_t fcntl_own_cmds[] = {
	F_GETOWN, F_SETOWN, F_GETOWN_EX, F_SETOWN_EX, F_GETSIG,
};
static const uint64_t setsig_ok[] = { 0, SIGIO };
static const uint64_t lock_cmds[] = {
	F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW,
};
static const uint64_t tty_ioctls[] = {
	TCGETS, TCSETS, TCSETSW, TCSETSF, TIOCGWINSZ, TIOCSWINSZ, FIONREAD, FIONBIO, FIOCLEX,
	FIONCLEX, TCXONC, TCFLSH, TIOCGPGRP, TIOCSPGRP, TIOCGPTN, TIOCGPTLCK, TIOCSPTLCK,
	TIOCSCTTY, TIOCNOTTY,
};
/* WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAKE_OP, WAIT_BITSET, WAKE_BITSET; private and realtime forms */
static const uint64_t futex_ops[] = {
	0, 1, 3, 4, 5, 9, 10, 128, 129, 131, 132, 133, 137, 138, 256, 265, 384, 393,
};
/* Every resource but RLIMIT_CORE, which the guest kernel keeps (misc.c). */
static const uint64_t host_rlimits[] = {
	RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_STACK, RLIMIT_RSS, RLIMIT_NPROC,
	RLIMIT_NOFILE, RLIMIT_MEMLOCK, RLIMIT_AS, RLIMIT_LOCKS, RLIMIT_SIGPENDING,
	RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_RTPRIO, RLIMIT_RTTIME,
};
static const uint64_t madv_ok[] = {
	MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED, MADV_FREE,
	MADV_DONTFORK, MADV_DOFORK, MADV_MERGEABLE, MADV_UNMERGEABLE, MADV_HUGEPAGE,
	MADV_NOHUGEPAGE, MADV_DONTDUMP, MADV_DODUMP, MADV_WIPEONFORK, MADV_KEEPONFORK,
};
/* Policies without real-time priority (gk/sched.c), each also with SCHED_RESET_ON_FORK. */
static const uint64_t sched_policies[] = {
	SCHED_OTHER, SCHED_BATCH, SCHED_IDLE, SCHED_OTHER | SCHED_RESET_ON_FORK,
	SCHED_BATCH | SCHED_RESET_ON_FORK, SCHED_IDLE | SCHED_RESET_ON_FORK,
};
/* System V IPC commands (ipc_policy.h, the same lists gk/ipc.c serves). */
static const uint64_t shm_cmds[] = { KI_SHM_CMDS(KI_IPC_BOTH) };
static const uint64_t sem_cmds[] = { KI_SEM_CMDS(KI_IPC_BOTH) };
static const uint64_t msg_cmds[] = { KI_MSG_CMDS(KI_IPC_BOTH) };
/* IOPRIO_WHO_PROCESS, IOPRIO_WHO_PGRP (IOPRIO_WHO_USER: its own row). */
static const uint64_t ioprio_whos[] = { 1, 2 };
static const uint64_t fs_codes[] = { 0x1002 /* ARCH_SET_FS */, 0x1003 /* ARCH_GET_FS */ };
static const uint64_t name_ops[] = { PR_SET_NAME, PR_GET_NAME };
static const uint64_t idtypes[] = { P_ALL, P_PID, P_PGID };
static const uint64_t epoll_ops[] = { EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD };
/* No alarm clocks (CAP_WAKE_ALARM), no CPU-time clocks (timerfd refuses them anyway). */
static const uint64_t tfd_clocks[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME };
/* The alarm clocks too: the host refuses them to a sandbox (no CAP_WAKE_ALARM in its namespace). */
static const uint64_t timer_clocks[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID,
					 CLOCK_THREAD_CPUTIME_ID, CLOCK_BOOTTIME, CLOCK_TAI,
					 CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM };
/* Sockets (net_policy.h, the same lists gk/net.c serves). */
static const uint64_t unix_types[] = {
	KN_TYPES(KN_SOCK_STREAM), KN_TYPES(KN_SOCK_DGRAM), KN_TYPES(KN_SOCK_SEQPACKET),
};
/* Connected for good: connect and sendto with an address cannot reach anyone else. */
static const uint64_t pair_types[] = { KN_TYPES(KN_SOCK_STREAM), KN_TYPES(KN_SOCK_SEQPACKET) };
static const uint64_t stream_types[] = { KN_TYPES(KN_SOCK_STREAM) };
static const uint64_t dgram_types[] = { KN_TYPES(KN_SOCK_DGRAM) };
static const uint64_t so_opts[] = { KN_SOL_SOCKET_OPTS };
static const uint64_t tcp_opts[] = { KN_SOL_TCP_OPTS };
static const uint64_t ip_opts[] = { KN_SOL_IP_OPTS };
static const uint64_t ipv6_opts[] = { KN_SOL_IPV6_OPTS };
static const uint64_t netlink_types[] = { KN_TYPES(KN_SOCK_RAW), KN_TYPES(KN_SOCK_DGRAM) };
static const uint64_t netlink_opts[] = { KN_SOL_NETLINK_OPTS };
static const uint64_t ifreq_ioctls[] = { KN_SIOCGIF_IOCTLS, KN_SIOCGIFCONF };
static const uint64_t sock_ioctls[] = { KN_SOCK_IOCTLS };
static const uint64_t sock_owner_ioctls[] = { KN_SOCK_OWNER_IOCTLS };
static const uint64_t udp_protos[] = { KN_IPPROTO_UDP, KN_IPPROTO_UDPLITE };
static const uint64_t udplite_opts[] = { KN_SOL_UDPLITE_OPTS };

/*
 * Descriptors: the workload's and the guest kernel's temporaries are below
 * GK_FD_BASE; every slot from there to GK_FD_LIMIT - 1 is the guest kernel's
 * and always occupied (boot.h), so close, dup3 and F_DUPFD reach below
 * GK_FD_BASE only and the kernel never hands out a descriptor above.  The
 * guest kernel's own (root, trace, /dev/kiste, probe, proc) are named where
 * they are used.
 */
#define FDMAX (GK_FD_BASE - 1)
#define C_FD(a) { INT(a), OP_LE, K_CONST, FDMAX, NULL, 0, 0 }
#define C_EQ(a, v) { a, OP_EQ, K_CONST, v, NULL, 0, 0 }
#define C_EQK(a, k) { a, OP_EQ, k, 0, NULL, 0, 0 }
#define C_LE(a, v) { a, OP_LE, K_CONST, v, NULL, 0, 0 }
#define C_ONLY(a, ok) { a, OP_MASK0, K_CONST, ~(uint64_t)(ok), NULL, 0, 0 }
#define C_IN(a, l) { a, OP_IN, K_CONST, 0, l, sizeof(l) / 8, 0 }
/* A mode's file type (S_IFMT bits) is @t, and the int's upper half is clear. */
#define C_TYPE(a, t) { INT(a), OP_MASKEQ, K_CONST, t, NULL, 0, S_IFMT | UPPER32 }
/* A shadow lock slot (gk/locks.c): one aligned block, so one mask tests it. */
#define C_SHADOW(a) { INT(a), OP_MASKEQ, K_CONST, GK_FD_SHADOW, NULL, 0, \
		      ~(uint64_t)(GK_NSHADOW - 1) }
_Static_assert((GK_NSHADOW & (GK_NSHADOW - 1)) == 0 && GK_FD_SHADOW % GK_NSHADOW == 0 &&
	       GK_FD_SHADOW + GK_NSHADOW <= GK_FD_LIMIT, "shadow slots: one aligned block");
/* An inotify mask with IN_DONT_FOLLOW set (and the int's upper half clear). */
#define C_DONT_FOLLOW(a) { INT(a), OP_MASKEQ, K_CONST, IN_DONT_FOLLOW, NULL, 0, \
			   IN_DONT_FOLLOW | UPPER32 }
/* Above the guest kernel image: every workload mapping is (it sits low, image.c). */
#define C_MEM(a) { a, OP_GE, K_IMAGE_END, 0, NULL, 0, 0 }
#define N(s) #s, SYS_##s
#define R0(s, why) { N(s), W_ALL, 0, { { 0 } }, why }
#define R1(s, why, c1) { N(s), W_ALL, 1, { c1 }, why }
#define R2(s, why, c1, c2) { N(s), W_ALL, 2, { c1, c2 }, why }
#define R3(s, why, c1, c2, c3) { N(s), W_ALL, 3, { c1, c2, c3 }, why }
#define R5(s, why, c1, c2, c3, c4, c5) { N(s), W_ALL, 5, { c1, c2, c3, c4, c5 }, why }
#define RT(s, why) { N(s), W_TRAP, 0, { { 0 } }, why }
#define RW(s, w, why, n, ...) { N(s), w, n, { __VA_ARGS__ }, why }

#define AT_OK(a, ok) C_ONLY(a, ok)
#define MAPF (MAP_FIXED | MAP_FIXED_NOREPLACE)
/* The one thread clone: what glibc's pthread_create passes (gk/thread.c). */
#define THREAD_FLAGS                                                                      \
	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | \
	 CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

/*
 * Every host syscall the guest kernel makes, and nothing else.  The workload's
 * own syscalls never reach this filter (redirection sends them to the guest
 * kernel); only code inside the gate can issue these, but a workload can jump
 * there with registers of its choosing (and write the guest kernel's memory),
 * so each row admits no more than the guest kernel's own use.  execve,
 * ptrace, mount, module, bpf, keyring, kexec, packet and raw sockets and the
 * switch-off of redirection are absent.  Pointer contents (paths, open_how,
 * socket addresses, SCM_RIGHTS) are beyond seccomp: openat2 is bound to the
 * root (pivoted: "/" is the rootfs) and the detached procfs, and Landlock and
 * the read-only mounts decide the rest; a socket address names something in
 * the sandbox's network namespace or beneath its pivoted root (README.md).
 */
static const struct allow table[] = {
	R1(read, "I/O on the workload's descriptors", C_FD(0)),
	R1(write, "I/O on the workload's descriptors", C_FD(0)),
	R1(write, "the guest kernel's trace and error lines", C_EQ(INT(0), GK_FD_TRACE)),
	R1(readv, "I/O on the workload's descriptors", C_FD(0)),
	R1(writev, "I/O on the workload's descriptors", C_FD(0)),
	R1(pread64, "I/O on the workload's descriptors", C_FD(0)),
	R1(pwrite64, "I/O on the workload's descriptors", C_FD(0)),
	R1(pwrite64, "probing workload pointers for reading (EFAULT)",
	   C_EQ(INT(0), GK_FD_PROBE)),
	R1(preadv, "I/O on the workload's descriptors", C_FD(0)),
	R1(pwritev, "I/O on the workload's descriptors", C_FD(0)),
	R2(lseek, "file offsets", C_FD(0), C_LE(INT(2), SEEK_HOLE)),
	R1(close, "descriptor table (never the guest kernel's own)", C_FD(0)),
	R3(dup3, "dup2/dup3 within the workload's slots, never over the guest kernel's",
	   C_FD(0), C_FD(1), C_ONLY(INT(2), O_CLOEXEC)),
	R1(pipe2, "pipes", C_ONLY(INT(1), O_CLOEXEC | O_NONBLOCK | O_DIRECT)),
	R2(fcntl, "descriptor flags, locks, seals", C_FD(0), C_IN(INT(1), fcntl_cmds)),
	R3(fcntl, "F_SETFL without O_ASYNC: SIGIO would go to the description's owner, which a "
	   "host process sharing it may be (reads as none inside)", C_FD(0),
	   C_EQ(INT(1), F_SETFL), C_ONLY(INT(2), 0xffffffffu & ~(unsigned int)O_ASYNC)),
	R3(fcntl, "F_DUPFD into a workload slot", C_FD(0), C_EQ(INT(1), F_DUPFD), C_FD(2)),
	RW(fcntl, W_PIDNS, "SIGIO's owner, within the sandbox's pid namespace", 2,
	   C_FD(0), C_IN(INT(1), fcntl_own_cmds)),
	RW(fcntl, W_PIDNS, "SIGIO's signal: SIGIO or the default (a host owner gets no other)", 3,
	   C_FD(0), C_EQ(INT(1), F_SETSIG), C_IN(INT(2), setsig_ok)),
	R3(fcntl, "F_DUPFD_CLOEXEC into a workload slot", C_FD(0),
	   C_EQ(INT(1), F_DUPFD_CLOEXEC), C_FD(2)),
	R2(ioctl, "terminal ioctls only", C_FD(0), C_IN(INT(1), tty_ioctls)),
	R3(ioctl, "a pseudo-terminal's peer (openpty): a new workload descriptor", C_FD(0),
	   C_EQ(INT(1), TIOCGPTPEER), C_ONLY(INT(2), O_ACCMODE | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)),
	RW(ioctl, W_MODULE, "arming redirection through kiste.ko (module path)", 2,
	   C_EQK(INT(0), K_KISTE_FD), C_EQ(INT(1), KISTE_IOC_SHIM_ARM)),
	RW(ioctl, W_MODULE, "reporting unimplemented syscalls to kiste.ko (module path)", 2,
	   C_EQK(INT(0), K_KISTE_FD), C_EQ(INT(1), KISTE_IOC_SHIM_ENOSYS)),
	R2(openat2, "every open resolves beneath the sandbox root descriptor",
	   C_EQK(INT(0), K_ROOT_FD), C_EQ(3, sizeof(struct open_how))),
	R2(openat2, "dirfd-relative opens beneath a directory the guest kernel opened beneath "
	   "the root (RESOLVE_BENEATH; gk/dirfd.c)", C_FD(0), C_EQ(3, sizeof(struct open_how))),
	RW(openat2, W_PROC, "/proc: beneath the sandbox's detached procfs", 2,
	   C_EQK(INT(0), K_PROC_FD), C_EQ(3, sizeof(struct open_how))),
	R1(memfd_create, "the workload's anonymous files (no huge pages); regenerated /proc files "
	   "(status, stat, maps)", C_ONLY(INT(1), MFD_CLOEXEC | MFD_ALLOW_SEALING |
					  0x8 /* NOEXEC_SEAL */ | 0x10 /* EXEC */)),
	R2(newfstatat, "stat family on resolved descriptors", C_FD(0),
	   AT_OK(INT(3), AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT)),
	R2(statx, "stat family on resolved descriptors", C_FD(0),
	   AT_OK(INT(2), AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT |
		 AT_STATX_SYNC_TYPE)),
	R1(fstatfs, "statfs on a descriptor", C_FD(0)),
	R1(getdents64, "directory listing", C_FD(0)),
	R1(readlinkat, "readlink below a resolved parent", C_FD(0)),
	R3(faccessat2, "access checks", C_FD(0), C_ONLY(INT(2), 7),
	   AT_OK(INT(3), AT_EMPTY_PATH | AT_EACCESS | AT_SYMLINK_NOFOLLOW)),
	R1(mkdirat, "writable parts only (mounts and Landlock decide)", C_FD(0)),
	R3(mknodat, "FIFOs (writable parts only)", C_FD(0), C_TYPE(2, S_IFIFO), C_EQ(INT(3), 0)),
	R3(mknodat, "sockets' names (writable parts only)", C_FD(0), C_TYPE(2, S_IFSOCK),
	   C_EQ(INT(3), 0)),
	R3(mknodat, "regular files (writable parts only)", C_FD(0), C_TYPE(2, S_IFREG),
	   C_EQ(INT(3), 0)),
	R3(mknodat, "regular files, type left out (writable parts only)", C_FD(0), C_TYPE(2, 0),
	   C_EQ(INT(3), 0)),
	R1(fgetxattr, "extended attributes of the workload's descriptors", C_FD(0)),
	R1(flistxattr, "extended attributes of the workload's descriptors", C_FD(0)),
	RW(fsetxattr, W_META, "extended attributes (writable parts only)", 2, C_FD(0),
	   C_ONLY(INT(4), XATTR_CREATE | XATTR_REPLACE)),
	RW(fremovexattr, W_META, "extended attributes (writable parts only)", 1, C_FD(0)),
	R2(unlinkat, "writable parts only", C_FD(0), C_ONLY(INT(2), AT_REMOVEDIR)),
	R3(renameat2, "writable parts only; no whiteouts", C_FD(0), C_FD(2),
	   C_ONLY(INT(4), RENAME_NOREPLACE | RENAME_EXCHANGE)),
	R3(linkat, "writable parts only; no AT_EMPTY_PATH", C_FD(0), C_FD(2),
	   C_ONLY(INT(4), AT_SYMLINK_FOLLOW)),
	R1(symlinkat, "writable parts only", C_FD(1)),
	RW(fchmodat, W_META, "writable parts only", 1, C_FD(0)),
	RW(fchmod, W_META, "writable parts only", 1, C_FD(0)),
	RW(fchownat, W_META, "writable parts only", 2, C_FD(0),
	   AT_OK(INT(4), AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)),
	RW(fchown, W_META, "writable parts only", 1, C_FD(0)),
	RW(utimensat, W_META, "writable parts only", 2, C_FD(0),
	   AT_OK(INT(3), AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)),
	R1(ftruncate, "writable parts only", C_FD(0)),
	R1(fallocate, "writable parts only", C_FD(0)),
	R1(fsync, "file sync", C_FD(0)),
	R1(fdatasync, "file sync", C_FD(0)),
	R1(flock, "file locks", C_FD(0)),
	R1(flock, "locks on read-only files, taken on the sandbox's shadow file instead",
	   C_SHADOW(0)),
	R2(fcntl, "locks on read-only files, taken on the sandbox's shadow file instead",
	   C_SHADOW(0), C_IN(INT(1), lock_cmds)),
	R3(dup3, "a shadow lock file (or the placeholder back) into a shadow slot",
	   C_LE(INT(0), GK_FD_LOCKS), C_SHADOW(1), C_ONLY(INT(2), O_CLOEXEC)),
	RW(openat2, W_LOCKS, "shadow lock files: beneath the sandbox's private lock tmpfs", 2,
	   C_EQK(INT(0), K_LOCKS_FD), C_EQ(3, sizeof(struct open_how))),
	R2(sendfile, "copies between the workload's descriptors", C_FD(0), C_FD(1)),
	R3(copy_file_range, "copies between the workload's descriptors", C_FD(0), C_FD(2),
	   C_EQ(INT(5), 0)),
	R2(splice, "copies between the workload's descriptors", C_FD(0), C_FD(2)),
	R2(tee, "copies between the workload's descriptors", C_FD(0), C_FD(1)),
	R1(fchdir, "cwd (kept equal to the guest cwd)", C_FD(0)),
	R0(getcwd, "cwd (kept equal to the guest cwd)"),
	R2(mmap, "memory at a kernel-chosen place; no fixed, huge or locked pages",
	   C_EQ(0, 0), C_ONLY(3, ~(uint64_t)(MAPF | MAP_HUGETLB | MAP_LOCKED))),
	R2(mmap, "memory above the guest kernel, fixed or hinted; no huge or locked pages",
	   C_MEM(0), C_ONLY(3, ~(uint64_t)(MAP_HUGETLB | MAP_LOCKED))),
	R1(munmap, "memory above the guest kernel", C_MEM(0)),
	R2(mprotect, "memory above the guest kernel; plain protections", C_MEM(0),
	   C_ONLY(2, PROT_READ | PROT_WRITE | PROT_EXEC)),
	R2(mremap, "memory above the guest kernel, moved by the kernel", C_MEM(0),
	   C_ONLY(3, MREMAP_MAYMOVE)),
	R3(mremap, "memory above the guest kernel, moved to a place above it", C_MEM(0),
	   C_ONLY(3, MREMAP_MAYMOVE | MREMAP_FIXED), C_MEM(4)),
	R2(madvise, "memory above the guest kernel; no REMOVE, HWPOISON or other "
	   "privileged advice", C_MEM(0), C_IN(INT(2), madv_ok)),
	R1(msync, "memory above the guest kernel", C_MEM(0)),
	R1(mincore, "memory above the guest kernel", C_MEM(0)),
	{ N(clone), W_ALL, 5, { C_ONLY(0, 0xff), C_EQ(1, 0), C_EQ(2, 0), C_EQ(3, 0), C_EQ(4, 0) },
	  "fork: no flags but the exit signal (no namespaces or stacks)" },
	RW(clone, W_ALL, "threads: exactly glibc's thread flags, stack and tid words in a thread "
	   "area above the guest kernel (thread stub only: the ip filter)", 4,
	   C_EQ(0, THREAD_FLAGS), C_MEM(1), C_MEM(2), C_MEM(3)),
	R0(exit, "one thread's exit (exit_group for the process)"),
	R1(tgkill, "signals to the process's own threads", C_ONLY(INT(2), 0x7f)),
	R0(wait4, "waiting for children"),
	R1(waitid, "waiting for children", C_IN(INT(0), idtypes)),
	R1(kill, "signals within the pid namespace", C_ONLY(INT(1), 0x7f)),
	R0(getpid, "pids (translated for the workload)"),
	R0(capset, "the calling thread's own capability sets: the kernel refuses another "
	   "task's and any set beyond its permitted one"),
	R0(getppid, "pids (translated for the workload)"),
	R0(getpgid, "process groups"),
	R0(setpgid, "process groups"),
	R0(getsid, "sessions"),
	R0(setsid, "sessions"),
	R0(exit_group, "exit"),
	R1(rt_sigaction, "signal actions (restorer forced into the gate)", C_EQ(3, 8)),
	R2(rt_sigprocmask, "masks at blocking points", C_EQ(INT(0), SIG_SETMASK), C_EQ(3, 8)),
	R1(rt_sigsuspend, "sigsuspend, pause", C_EQ(1, 8)),
	R1(rt_sigtimedwait, "sigtimedwait", C_EQ(3, 8)),
	R1(rt_sigpending, "sigpending", C_EQ(1, 8)),
	R0(rt_sigreturn, "return from every handler, issued by the gate's restorer"),
	R0(restart_syscall, "the host's own restart of a guest kernel sleep a handler interrupted "
	   "(futex or clock_nanosleep with a timeout, poll): it resumes only that call"),
	R0(sigaltstack, "the guest kernel's entry stack"),
	R1(setitimer, "timers (alarm too)", C_LE(INT(0), ITIMER_PROF)),
	R1(getitimer, "timers", C_LE(INT(0), ITIMER_PROF)),
	R0(uname, "uname (nodename rewritten)"),
	R2(prlimit64, "own limits only; never RLIMIT_CORE (kept at 1 by the launcher: no core "
	   "dump, to a pipe helper either, of a dumpable workload)", C_EQ(INT(0), 0),
	   C_IN(INT(1), host_rlimits)),
	R0(clock_gettime, "time (when the vDSO falls back; time and gettimeofday too)"),
	R0(clock_getres, "time"),
	R0(times, "time"),
	R0(getrusage, "usage"),
	R0(sysinfo, "sysinfo"),
	R0(nanosleep, "sleep"),
	R1(clock_nanosleep, "sleep", C_ONLY(INT(1), TIMER_ABSTIME)),
	R1(getrandom, "randomness", C_ONLY(INT(2), 7)),
	R1(umask, "umask", C_ONLY(INT(0), 0777)),
	R1(getpriority, "nice values of a process or group (pid namespace)", C_LE(INT(0), PRIO_PGRP)),
	R2(getpriority, "nice values of the sandbox's one user", C_EQ(INT(0), PRIO_USER),
	   C_EQ(INT(1), 0)),
	R1(setpriority, "nice values of a process or group (pid namespace; lowering needs "
	   "CAP_SYS_NICE, which the sandbox lacks)", C_LE(INT(0), PRIO_PGRP)),
	R2(setpriority, "nice values of the sandbox's one user", C_EQ(INT(0), PRIO_USER),
	   C_EQ(INT(1), 0)),
	R0(sched_getscheduler, "scheduling policy (pid namespace)"),
	R0(sched_getparam, "scheduling policy (pid namespace)"),
	R0(sched_rr_get_interval, "scheduling policy (pid namespace)"),
	R0(sched_setparam, "priority within a non-real-time policy (pid namespace)"),
	R1(sched_setscheduler, "non-real-time policies only", C_IN(INT(1), sched_policies)),
	R1(mlock, "memory locks above the guest kernel (RLIMIT_MEMLOCK)", C_MEM(0)),
	R1(munlock, "memory locks above the guest kernel", C_MEM(0)),
	R2(mlock2, "memory locks above the guest kernel (RLIMIT_MEMLOCK)", C_MEM(0),
	   C_ONLY(INT(2), MLOCK_ONFAULT)),
	R1(mlockall, "memory locks (RLIMIT_MEMLOCK)",
	   C_ONLY(INT(0), MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)),
	R0(munlockall, "memory locks"),
	RW(shmget, W_IPC, "System V shared memory of the sandbox's ipc namespace", 1,
	   C_ONLY(INT(2), KI_SHMGET_FLAGS)),
	RW(shmat, W_IPC, "attaching a segment where the kernel chooses (no SHM_REMAP)", 2,
	   C_EQ(1, 0), C_ONLY(INT(2), KI_SHMAT_FLAGS)),
	RW(shmat, W_IPC, "attaching a segment above the guest kernel (no SHM_REMAP)", 2,
	   C_MEM(1), C_ONLY(INT(2), KI_SHMAT_FLAGS)),
	RW(shmdt, W_IPC, "detaching a segment above the guest kernel", 1, C_MEM(0)),
	RW(shmctl, W_IPC, "System V shared memory of the sandbox's ipc namespace", 1,
	   C_IN(INT(1), shm_cmds)),
	RW(semget, W_IPC, "System V semaphores of the sandbox's ipc namespace", 1,
	   C_ONLY(INT(2), KI_GET_FLAGS)),
	RW(semop, W_IPC, "System V semaphores of the sandbox's ipc namespace", 0),
	RW(semtimedop, W_IPC, "System V semaphores of the sandbox's ipc namespace", 0),
	RW(semctl, W_IPC, "System V semaphores of the sandbox's ipc namespace", 1,
	   C_IN(INT(2), sem_cmds)),
	RW(msgget, W_IPC, "System V message queues of the sandbox's ipc namespace", 1,
	   C_ONLY(INT(1), KI_GET_FLAGS)),
	RW(msgsnd, W_IPC, "System V message queues of the sandbox's ipc namespace", 1,
	   C_ONLY(INT(3), KI_MSGSND_FLAGS)),
	RW(msgrcv, W_IPC, "System V message queues of the sandbox's ipc namespace", 1,
	   C_ONLY(INT(4), KI_MSGRCV_FLAGS)),
	RW(msgctl, W_IPC, "System V message queues of the sandbox's ipc namespace", 1,
	   C_IN(INT(1), msg_cmds)),
	RW(mq_open, W_IPC, "POSIX message queues of the sandbox's ipc namespace", 1,
	   C_ONLY(INT(1), KI_MQ_OFLAGS)),
	RW(mq_unlink, W_IPC, "POSIX message queues of the sandbox's ipc namespace", 0),
	RW(mq_timedsend, W_IPC, "POSIX message queues: the workload's descriptors", 1, C_FD(0)),
	RW(mq_timedreceive, W_IPC, "POSIX message queues: the workload's descriptors", 1, C_FD(0)),
	RW(mq_notify, W_IPC, "POSIX message queues: the workload's descriptors", 1, C_FD(0)),
	RW(mq_getsetattr, W_IPC, "POSIX message queues: the workload's descriptors", 1, C_FD(0)),
	R1(ioprio_get, "I/O priorities of a process or group (pid namespace)",
	   C_IN(INT(0), ioprio_whos)),
	R2(ioprio_get, "I/O priorities of the sandbox's one user", C_EQ(INT(0), 3), C_EQ(INT(1), 0)),
	R1(ioprio_set, "I/O priorities of a process or group (real-time class needs "
	   "CAP_SYS_ADMIN, which the sandbox lacks)", C_IN(INT(0), ioprio_whos)),
	R2(ioprio_set, "I/O priorities of the sandbox's one user", C_EQ(INT(0), 3), C_EQ(INT(1), 0)),
	R2(preadv2, "I/O on the workload's descriptors", C_FD(0), C_ONLY(INT(5), 0x1f)),
	R2(pwritev2, "I/O on the workload's descriptors", C_FD(0), C_ONLY(INT(5), 0x1f)),
	R1(syncfs, "file sync", C_FD(0)),
	R2(sync_file_range, "file sync", C_FD(0), C_ONLY(INT(3), 7)),
	R0(sched_yield, "scheduling"),
	R0(getcpu, "scheduling"),
	R1(sched_getaffinity, "own affinity only", C_EQ(INT(0), 0)),
	R1(sched_setaffinity, "a thread's CPUs among those shown (pid namespace; the cgroup's "
	   "cpus bound them too); the guest kernel's mask length only", C_EQ(1, GK_CPUMASK_BYTES)),
	R1(futex, "futexes on the workload's memory, no PI or requeue-PI",
	   C_IN(INT(1), futex_ops)),
	R0(poll, "waiting on descriptors"),
	R0(ppoll, "waiting on descriptors"),
	R1(select, "waiting on descriptors, the workload's only (nfds)",
	   C_LE(INT(0), GK_FD_BASE)),
	R1(pselect6, "waiting on descriptors, the workload's only (nfds)",
	   C_LE(INT(0), GK_FD_BASE)),
	/* Events: epoll, eventfd, timerfd, signalfd, pidfd (issue 10). */
	R1(eventfd2, "eventfd objects", C_ONLY(INT(1), EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE)),
	R1(epoll_create1, "epoll sets", C_ONLY(INT(0), EPOLL_CLOEXEC)),
	R3(epoll_ctl, "epoll sets: a workload set, a workload descriptor (never the guest "
	   "kernel's)", C_FD(0), C_IN(INT(1), epoll_ops), C_FD(2)),
	R2(epoll_pwait, "waiting on a workload epoll set (epoll_wait too); a copied mask",
	   C_FD(0), C_EQ(5, 8)),
	R2(epoll_pwait2, "waiting on a workload epoll set; a copied mask", C_FD(0), C_EQ(5, 8)),
	R2(timerfd_create, "timers as descriptors; no alarm or CPU-time clocks",
	   C_IN(INT(0), tfd_clocks), C_ONLY(INT(1), TFD_CLOEXEC | TFD_NONBLOCK)),
	R2(timerfd_settime, "timers as descriptors", C_FD(0),
	   C_ONLY(INT(1), TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)),
	R1(timerfd_gettime, "timers as descriptors", C_FD(0)),
	R3(signalfd4, "a new signalfd (the mask is copied, SIGSYS never in it)",
	   C_EQ(INT(0), (uint64_t)-1), C_EQ(2, 8), C_ONLY(INT(3), SFD_CLOEXEC | SFD_NONBLOCK)),
	R3(signalfd4, "a workload signalfd's new mask", C_FD(0), C_EQ(2, 8),
	   C_ONLY(INT(3), SFD_CLOEXEC | SFD_NONBLOCK)),
	R1(pidfd_open, "pidfds of the sandbox's processes and threads (pid namespace)",
	   C_ONLY(INT(1), O_NONBLOCK | O_EXCL /* PIDFD_THREAD */)),
	RW(pidfd_send_signal, W_ALL, "signals through a workload pidfd: number only, no "
	   "siginfo; thread, group or process-group scope", 4, C_FD(0), C_ONLY(INT(1), 0x7f),
	   C_EQ(2, 0), C_ONLY(INT(3), 7)),
	R2(waitid, "waiting for a child by a workload pidfd", C_EQ(INT(0), P_PIDFD), C_FD(1)),
	RW(pidfd_getfd, W_PIDNS, "a workload descriptor of another sandbox process by a "
	   "workload pidfd (the init is non-dumpable: the host refuses it)", 3, C_FD(0), C_FD(1),
	   C_EQ(2, 0)),
	R1(inotify_init1, "inotify instances", C_ONLY(INT(0), IN_CLOEXEC | IN_NONBLOCK)),
	R2(inotify_add_watch, "a watch on one component, never followed, of the cwd (the guest "
	   "kernel resolved it beneath the root and made its directory the cwd)", C_FD(0),
	   C_DONT_FOLLOW(2)),
	R1(inotify_rm_watch, "inotify instances", C_FD(0)),
	/* POSIX timers (issue 10): per-process ids, a thread target checked by the host. */
	R1(timer_create, "POSIX timers on the guest kernel's copy of the sigevent; no other "
	   "process's CPU clock", C_IN(INT(0), timer_clocks)),
	R1(timer_settime, "POSIX timers", C_ONLY(INT(1), TIMER_ABSTIME)),
	R0(timer_gettime, "POSIX timers"),
	R0(timer_getoverrun, "POSIX timers"),
	R0(timer_delete, "POSIX timers (and all of them at exec)"),
	/* Sockets (issues 11, 12). */
	R3(socketpair, "AF_UNIX stream and seqpacket pairs (connected for good)",
	   C_EQ(INT(0), KN_AF_UNIX), C_IN(INT(1), pair_types), C_EQ(INT(2), 0)),
	RW(socketpair, W_UNIX, "AF_UNIX datagram pairs (they can connect elsewhere: as socket)", 3,
	   C_EQ(INT(0), KN_AF_UNIX), C_IN(INT(1), dgram_types), C_EQ(INT(2), 0)),
	RW(socket, W_UNIX, "AF_UNIX sockets (pathnames beneath the pivoted root, never the "
	   "host's \"/\"; abstract names in the sandbox's network namespace)", 3,
	   C_EQ(INT(0), KN_AF_UNIX), C_IN(INT(1), unix_types), C_EQ(INT(2), 0)),
	RW(socket, W_NET, "TCP over IPv4 in the sandbox's network namespace", 3,
	   C_EQ(INT(0), KN_AF_INET), C_IN(INT(1), stream_types), C_EQ(INT(2), KN_IPPROTO_TCP)),
	RW(socket, W_NET, "UDP and UDP-Lite over IPv4 in the sandbox's network namespace", 3,
	   C_EQ(INT(0), KN_AF_INET), C_IN(INT(1), dgram_types), C_IN(INT(2), udp_protos)),
	RW(socket, W_NET, "ICMP echo sockets over IPv4 (ping_group_range decides)", 3,
	   C_EQ(INT(0), KN_AF_INET), C_IN(INT(1), dgram_types), C_EQ(INT(2), KN_IPPROTO_ICMP)),
	RW(socket, W_NET, "TCP over IPv6 in the sandbox's network namespace", 3,
	   C_EQ(INT(0), KN_AF_INET6), C_IN(INT(1), stream_types), C_EQ(INT(2), KN_IPPROTO_TCP)),
	RW(socket, W_NET, "UDP and UDP-Lite over IPv6 in the sandbox's network namespace", 3,
	   C_EQ(INT(0), KN_AF_INET6), C_IN(INT(1), dgram_types), C_IN(INT(2), udp_protos)),
	RW(socket, W_NET, "ICMPv6 echo sockets (ping_group_range decides)", 3,
	   C_EQ(INT(0), KN_AF_INET6), C_IN(INT(1), dgram_types),
	   C_EQ(INT(2), KN_IPPROTO_ICMPV6)),
	RW(socket, W_NET, "rtnetlink (NETLINK_ROUTE) in the sandbox's network namespace: dumps; "
	   "a request that changes anything needs CAP_NET_ADMIN, which the workload lacks", 3,
	   C_EQ(INT(0), KN_AF_NETLINK), C_IN(INT(1), netlink_types),
	   C_EQ(INT(2), KN_NETLINK_ROUTE)),
	RW(ioctl, W_NET, "interface queries (SIOCGIF*) on the guest kernel's socket of the "
	   "sandbox's network namespace (never a workload socket, which may be another's)", 2,
	   C_EQ(INT(0), GK_FD_NETQ), C_IN(INT(1), ifreq_ioctls)),
	R2(ioctl, "socket ioctls that read the socket's own state (queued bytes, urgent mark, "
	   "time stamps) on a workload socket; SIOCOUTQ is TIOCOUTQ (a terminal's queue)",
	   C_FD(0), C_IN(INT(1), sock_ioctls)),
	RW(ioctl, W_PIDNS, "a socket's owner (FIOSETOWN, SIOCSPGRP and their gets), as fcntl's "
	   "F_SETOWN: within the sandbox's pid namespace", 2, C_FD(0),
	   C_IN(INT(1), sock_owner_ioctls)),
	R1(bind, "naming the workload's sockets", C_FD(0)),
	R1(listen, "the workload's sockets", C_FD(0)),
	R1(connect, "the workload's sockets (a pathname through the procfs's fd link to the "
	   "inode the guest kernel checked)", C_FD(0)),
	R2(accept4, "the workload's sockets; the new descriptor lands below the guest kernel's",
	   C_FD(0), C_ONLY(INT(3), KN_SOCK_NONBLOCK | KN_SOCK_CLOEXEC)),
	R1(getsockname, "the workload's sockets", C_FD(0)),
	R1(getpeername, "the workload's sockets", C_FD(0)),
	R2(shutdown, "the workload's sockets", C_FD(0), C_LE(INT(1), 2)),
	R2(sendto, "the workload's sockets", C_FD(0), C_ONLY(INT(3), KN_MSG_OK)),
	R2(recvfrom, "the workload's sockets", C_FD(0), C_ONLY(INT(3), KN_MSG_OK)),
	R2(sendmsg, "the workload's sockets (SCM_RIGHTS checked: the workload's descriptors only)",
	   C_FD(0), C_ONLY(INT(2), KN_MSG_OK)),
	R2(recvmsg, "the workload's sockets (received descriptors land below the guest "
	   "kernel's)", C_FD(0), C_ONLY(INT(2), KN_MSG_OK)),
	RW(sendmsg, W_UNIXMED, "a request to the init's AF_UNIX mediator on its channel (it "
	   "checks every field and makes only connected or listening sockets)", 2,
	   C_EQ(INT(0), GK_FD_UNIXMED), C_EQ(INT(2), KN_MSG_NOSIGNAL)),
	R3(setsockopt, "listed SOL_SOCKET options (no filters, devices, marks or forced buffers)",
	   C_FD(0), C_EQ(INT(1), KN_SOL_SOCKET), C_IN(INT(2), so_opts)),
	R3(getsockopt, "listed SOL_SOCKET options", C_FD(0), C_EQ(INT(1), KN_SOL_SOCKET),
	   C_IN(INT(2), so_opts)),
	R3(setsockopt, "listed TCP options", C_FD(0), C_EQ(INT(1), KN_IPPROTO_TCP),
	   C_IN(INT(2), tcp_opts)),
	R3(getsockopt, "listed TCP options", C_FD(0), C_EQ(INT(1), KN_IPPROTO_TCP),
	   C_IN(INT(2), tcp_opts)),
	R3(setsockopt, "listed IPv4 options", C_FD(0), C_EQ(INT(1), KN_IPPROTO_IP),
	   C_IN(INT(2), ip_opts)),
	R3(getsockopt, "listed IPv4 options", C_FD(0), C_EQ(INT(1), KN_IPPROTO_IP),
	   C_IN(INT(2), ip_opts)),
	R3(setsockopt, "listed IPv6 options", C_FD(0), C_EQ(INT(1), KN_IPPROTO_IPV6),
	   C_IN(INT(2), ipv6_opts)),
	R3(getsockopt, "listed IPv6 options", C_FD(0), C_EQ(INT(1), KN_IPPROTO_IPV6),
	   C_IN(INT(2), ipv6_opts)),
	R3(setsockopt, "listed netlink options (groups, strict checking, acks)", C_FD(0),
	   C_EQ(INT(1), KN_SOL_NETLINK), C_IN(INT(2), netlink_opts)),
	R3(getsockopt, "listed netlink options", C_FD(0), C_EQ(INT(1), KN_SOL_NETLINK),
	   C_IN(INT(2), netlink_opts)),
	R3(setsockopt, "listed UDP-Lite options (checksum coverage)", C_FD(0),
	   C_EQ(INT(1), KN_SOL_UDPLITE), C_IN(INT(2), udplite_opts)),
	R3(getsockopt, "listed UDP-Lite options", C_FD(0), C_EQ(INT(1), KN_SOL_UDPLITE),
	   C_IN(INT(2), udplite_opts)),
	R1(arch_prctl, "TLS base only", C_IN(INT(0), fs_codes)),
	R1(prctl, "thread name only", C_IN(INT(0), name_ops)),
	R2(prctl, "a parent-death signal: a signal number or 0",
	   C_EQ(INT(0), PR_SET_PDEATHSIG), C_LE(1, 64)),
	R2(prctl, "a capability dropped from the calling thread's bounding set (it only narrows)",
	   C_EQ(INT(0), PR_CAPBSET_DROP), C_LE(1, 63)),
	R2(prctl, "dumpable, set by the guest kernel at boot once the launcher's memory is gone "
	   "(a process of the sandbox is dumpable already)",
	   C_EQ(INT(0), PR_SET_DUMPABLE), C_EQ(1, 1)),
	R3(prctl, "the process's own memory map record (PR_SET_MM_MAP, as CRIU: where its "
	   "command line and environment are, for /proc/PID/cmdline); the struct is beyond "
	   "seccomp: an exe file in it needs CAP_CHECKPOINT_RESTORE of the sandbox's namespace",
	   C_EQ(INT(0), PR_SET_MM), C_EQ(1, PR_SET_MM_MAP), C_EQ(3, sizeof(struct prctl_mm_map))),
	RT(gettimeofday, "legacy vsyscall page: the host emulates it through seccomp, never "
	   "dispatch; served by the guest kernel"),
	RT(time, "legacy vsyscall page: the host emulates it through seccomp, never dispatch; "
	   "served by the guest kernel"),
	R5(prctl, "re-arming redirection ON with exactly this gate (fork stub, signal "
	   "trampoline; the module re-arms too); OFF is killed",
	   C_EQ(INT(0), PR_SET_SYSCALL_USER_DISPATCH), C_EQ(1, PR_SYS_DISPATCH_ON),
	   C_EQK(2, K_GATE_START), C_EQK(3, K_GATE_LEN), C_EQ(4, 0)),
};

#define NTABLE (sizeof(table) / sizeof(table[0]))

static uint64_t cond_value(const struct cond *c, const struct shim_filter_params *p)
{
	switch (c->kind) {
	case K_GATE_START:
		return p->gate_start;
	case K_GATE_LEN:
		return p->gate_len;
	case K_ROOT_FD:
		return (uint64_t)p->root_fd;
	case K_KISTE_FD:
		return (uint64_t)p->kiste_fd;
	case K_PROC_FD:
		return (uint64_t)p->proc_fd;
	case K_IMAGE_END:
		return p->image_end;
	case K_LOCKS_FD:
		return (uint64_t)p->locks_fd;
	}
	return c->val;
}

/* A condition on an int argument must reject every value with upper bits set (INT above). */
static bool int_cond_ok(const struct cond *c, uint64_t v)
{
	unsigned int k;

	switch (c->op) {
	case OP_LE:
		return v <= 0xffffffffULL;
	case OP_EQ:
		return true;
	case OP_IN:
		for (k = 0; k < c->nlist; k++)
			if (c->list[k] > 0xffffffffULL)
				return false;
		return true;
	case OP_MASK0:
		return (c->val & UPPER32) == UPPER32;
	case OP_MASKEQ:
		return (c->mask & UPPER32) == UPPER32;
	}
	return false;	/* >=: 0x100000000 | n passes for any n */
}

/* Row @a as the filters see it, values resolved; -EDOM for an int compared unsafely. */
static int resolve_row(const struct allow *a, const struct shim_filter_params *p,
		       struct shim_rule *r)
{
	int i;

	memset(r, 0, sizeof(*r));
	r->name = a->name;
	r->nr = a->nr;
	r->action = a->when == W_TRAP ? SECCOMP_RET_TRAP : SECCOMP_RET_ALLOW;
	r->ncmp = a->ncond;
	for (i = 0; i < a->ncond; i++) {
		const struct cond *c = &a->c[i];
		struct shim_cmp *m = &r->c[i];
		uint64_t v = cond_value(c, p);

		if ((c->arg & ARG_INT) && !int_cond_ok(c, v))
			return -EDOM;
		m->arg = c->arg & ~ARG_INT;
		m->val = v;
		if (c->op == OP_IN) {
			m->op = SHIM_CMP_IN;
			m->list = c->list;
			m->nlist = c->nlist;
		} else if (c->op == OP_MASK0) {
			m->op = SHIM_CMP_MASKED_EQ;
			m->mask = c->val;
			m->val = 0;
		} else if (c->op == OP_MASKEQ) {
			m->op = SHIM_CMP_MASKED_EQ;
			m->mask = c->mask;
		} else {
			m->op = c->op == OP_LE ? SHIM_CMP_LE :
				c->op == OP_GE ? SHIM_CMP_GE : SHIM_CMP_EQ;
		}
	}
	return 0;
}

/* Whether the sandbox @p describes has row @a (its W_* condition). */
static bool row_present(const struct allow *a, const struct shim_filter_params *p)
{
	switch (a->when) {
	case W_MODULE:
		return p->module;
	case W_PROC:
		return p->proc_fd >= 0;
	case W_LOCKS:
		return p->locks_fd >= 0;
	case W_NET:
		return p->netns;
	case W_UNIX:
		return p->netns && p->unix_sockets;
	case W_IPC:
		return p->ipcns;
	case W_PIDNS:
		return p->pidns;
	case W_META:
		return p->pidns || p->rw;
	case W_UNIXMED:
		return p->unixmed;
	}
	return true;
}

int shim_allowlist_walk(const struct shim_filter_params *p, shim_rule_fn fn, void *arg,
			struct kiste_err *err)
{
	struct shim_rule r;
	size_t i;
	int ret;

	for (i = 0; i < NTABLE; i++) {
		if (!row_present(&table[i], p))
			continue;
		ret = resolve_row(&table[i], p, &r);
		if (ret == -EDOM)
			return kiste_err_set(err, ret, "the shim allowlist's rule for %s compares "
					     "an int argument in a way that admits upper bits: "
					     "fix allowlist.c", table[i].name);
		ret = fn(arg, &r);
		if (ret < 0)
			return kiste_err_set(err, ret, "cannot add the shim allowlist's rule for "
					     "%s: %s", table[i].name, strerror(-ret));
	}
	return 0;
}

/*
 * libseccomp's form of a row: one rule per combination of the values of its
 * "in" lists (the UDP rows have two: types and protocols), one rule without.
 */
static int add_row(void *ctx, const struct shim_rule *r)
{
	struct scmp_arg_cmp cmp[5];
	unsigned int i, at[5] = { 0 };
	int k, ret;

	for (;;) {
		for (i = 0; i < r->ncmp; i++) {
			const struct shim_cmp *c = &r->c[i];

			if (c->op == SHIM_CMP_IN)
				cmp[i] = SCMP_CMP(c->arg, SCMP_CMP_EQ, c->list[at[i]]);
			else if (c->op == SHIM_CMP_MASKED_EQ)
				cmp[i] = SCMP_CMP(c->arg, SCMP_CMP_MASKED_EQ, c->mask, c->val);
			else
				cmp[i] = SCMP_CMP(c->arg, c->op == SHIM_CMP_LE ? SCMP_CMP_LE :
						  c->op == SHIM_CMP_GE ? SCMP_CMP_GE : SCMP_CMP_EQ,
						  c->val);
		}
		ret = seccomp_rule_add_array(ctx, r->action == SECCOMP_RET_TRAP ? SCMP_ACT_TRAP :
					     SCMP_ACT_ALLOW, r->nr, r->ncmp, cmp);
		if (ret < 0)
			return ret;
		/* The next combination, the last list turning fastest; done after the last. */
		for (k = (int)r->ncmp - 1; k >= 0; k--) {
			if (r->c[k].op != SHIM_CMP_IN)
				continue;
			if (++at[k] < r->c[k].nlist)
				break;
			at[k] = 0;
		}
		if (k < 0)
			return 0;
	}
}

static int export_bpf(scmp_filter_ctx ctx, struct shim_bpf *out)
{
	int fd = memfd_create("kiste-shim-bpf", MFD_CLOEXEC), r;
	off_t len;

	if (fd < 0)
		return -errno;
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		goto out;
	len = lseek(fd, 0, SEEK_END);
	r = -EINVAL;
	if (len <= 0 || len % 8 || len / 8 > 65535)
		goto out;
	out->insns = malloc(len);
	r = -ENOMEM;
	if (!out->insns)
		goto out;
	r = pread(fd, out->insns, len, 0) == len ? 0 : -EIO;
	out->len = (unsigned short)(len / 8);
out:
	close(fd);
	return r;
}

/*
 * The same filter compiled by libseccomp: the reference shim_bpf_test holds
 * bpf.c's to, and kiste run's with KISTE_TESTONLY_SHIM_LIBSECCOMP (weaker:
 * libseccomp 2.5 admits a few mixes of two rows of one syscall).  A foreign
 * architecture's call (and an x32 number) is killed with the process, as
 * every other call off the list, not only with its thread (libseccomp's
 * default).
 */
int shim_filter_build_libseccomp(const struct shim_filter_params *p, struct shim_bpf *out,
				 struct kiste_err *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int r;

	memset(out, 0, sizeof(*out));
	if (!ctx)
		return kiste_err_set(err, -ENOMEM, "libseccomp: cannot create a filter");
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r < 0)
		kiste_err_set(err, r, "libseccomp: cannot set the bad-architecture action");
	else
		r = shim_allowlist_walk(p, add_row, ctx, err);
	if (r == 0) {
		r = export_bpf(ctx, out);
		if (r < 0)
			kiste_err_set(err, r, "libseccomp: cannot export the shim filter");
	}
	seccomp_release(ctx);
	return r;
}

int shim_filter_build(const struct shim_filter_params *p, struct shim_bpf *out,
		      struct kiste_err *err)
{
	if (kiste_setting(KISTE_SET_TESTONLY_SHIM_LIBSECCOMP))
		return shim_filter_build_libseccomp(p, out, err);
	return shim_filter_emit(p, out, err);
}

void shim_bpf_free(struct shim_bpf *b)
{
	free(b->insns);
	b->insns = NULL;
}

/* The counts are of what reaches the host: trapped rows are not on the allowlist. */
size_t shim_allowlist_syscalls(void)
{
	size_t i, j, n = 0;

	for (i = 0; i < NTABLE; i++) {
		if (table[i].when == W_TRAP)
			continue;
		for (j = 0; j < i && table[j].nr != table[i].nr; j++)
			;
		n += j == i;
	}
	return n;
}

size_t shim_allowlist_rules(void)
{
	size_t i, n = 0;

	for (i = 0; i < NTABLE; i++)
		n += table[i].when != W_TRAP;
	return n;
}

static size_t restricted_rules(void)
{
	size_t i, n = 0;

	for (i = 0; i < NTABLE; i++)
		n += table[i].when != W_TRAP && table[i].ncond > 0;
	return n;
}

static void print_cond(FILE *f, const struct cond *c)
{
	static const char *const kinds[] = { "", "gate start", "gate length", "root fd",
					     "/dev/kiste fd", "proc fd", "image end",
					     "locks fd" };
	static const char *const ops[] = { "==", "", "", "<=", ">=", "" };
	unsigned int k, arg = c->arg & ~ARG_INT;
	const char *ty = (c->arg & ARG_INT) ? "(int)" : "";

	if (c->op == OP_MASK0) {
		fprintf(f, "arg%u%s & 0x%llx == 0", arg, ty, (unsigned long long)c->val);
	} else if (c->op == OP_MASKEQ) {
		fprintf(f, "arg%u%s & 0x%llx == 0x%llx", arg, ty, (unsigned long long)c->mask,
			(unsigned long long)c->val);
	} else if (c->op == OP_IN) {
		fprintf(f, "arg%u%s in {", arg, ty);
		for (k = 0; k < c->nlist; k++)
			fprintf(f, "%s0x%llx", k ? "," : "", (unsigned long long)c->list[k]);
		fprintf(f, "}");
	} else if (c->kind != K_CONST) {
		fprintf(f, "arg%u%s %s %s", arg, ty, ops[c->op], kinds[c->kind]);
	} else {
		fprintf(f, "arg%u%s %s 0x%llx", arg, ty, ops[c->op], (unsigned long long)c->val);
	}
}

void shim_allowlist_print(FILE *f)
{
	size_t i;
	int k;

	fprintf(f, "# kiste shim mode: host syscall allowlist (x86_64; anything else kills)\n");
	fprintf(f, "# %-18s %-8s %-44s %s\n", "syscall", "path", "arguments", "why");
	for (i = 0; i < NTABLE; i++) {
		const struct allow *a = &table[i];
		char args[512] = "any";
		FILE *m;

		if (a->when == W_TRAP)
			continue;
		m = fmemopen(args, sizeof(args), "w");
		if (m && a->ncond) {
			for (k = 0; k < a->ncond; k++) {
				if (k)
					fprintf(m, ", ");
				print_cond(m, &a->c[k]);
			}
		}
		if (m)
			fclose(m);
		fprintf(f, "%-20s %-8s %-44s %s\n", a->name,
			a->when == W_MODULE ? "module" :
			a->when == W_PROC ? "procfs" : a->when == W_LOCKS ? "locks" :
			a->when == W_NET ? "netns" : a->when == W_UNIX ? "unix" :
			a->when == W_UNIXMED ? "unixmed" :
			a->when == W_IPC ? "ipcns" : a->when == W_PIDNS ? "pidns" :
			a->when == W_META ? "meta" : "both",
			args, a->why);
	}
	fprintf(f, "# trapped to the guest kernel (SIGSYS), never served by the host:\n");
	for (i = 0; i < NTABLE; i++)
		if (table[i].when == W_TRAP)
			fprintf(f, "#   %-26s %s\n", table[i].name, table[i].why);
	shim_ipfilter_print(f);
	fprintf(f, "# %zu syscalls, %zu rules, %zu of them argument-restricted\n",
		shim_allowlist_syscalls(), shim_allowlist_rules(), restricted_rules());
}
