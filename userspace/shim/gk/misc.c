// SPDX-License-Identifier: GPL-2.0
// misc.c - identity, time, limits and process attributes as the workload sees them.
#include <asm/stat.h>
#include <linux/fcntl.h>
#include <linux/stat.h>
#include <linux/prctl.h>
#include <linux/resource.h>

#include "gk.h"

/* Calls the host serves unchanged (each is on the allowlist). */
long sys_pass(struct gk_call *c)
{
	return hs6(c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
}

/*
 * posix_fadvise and readahead: served here, with the kernel's answers, and
 * nothing done (the host's page cache is not the sandbox's to drop or fill;
 * gVisor does the same).  An O_PATH or closed descriptor is EBADF, as fdget
 * finds none; then fadvise: a FIFO ESPIPE, a negative length or an unknown
 * advice EINVAL (generic_fadvise); readahead: EBADF unless open for reading,
 * EINVAL unless a regular file (ksys_readahead).
 */
long sys_fd_hint(struct gk_call *c)
{
	long fl, r;
	struct stat st;

	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	fl = hs2(__NR_fcntl, c->a[0], F_GETFL);
	if (fl < 0 || (fl & O_PATH))
		return -EBADF;
	r = hs4(__NR_newfstatat, c->a[0], "", &st, AT_EMPTY_PATH);
	if (r < 0)
		return r;
	if (c->nr == __NR_readahead) {
		if ((fl & O_ACCMODE) == O_WRONLY)
			return -EBADF;
		return S_ISREG(st.st_mode) ? 0 : -EINVAL;
	}
	if (S_ISFIFO(st.st_mode))
		return -ESPIPE;
	if ((long)c->a[2] < 0 || (unsigned int)c->a[3] > 5 /* POSIX_FADV_NOREUSE */)
		return -EINVAL;
	return 0;
}

long sys_fstat(struct gk_call *c)
{
	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	return hs4(__NR_newfstatat, c->a[0], "", c->a[1], 0x1000 /* AT_EMPTY_PATH */);
}

/* alarm(s) is setitimer(ITIMER_REAL) with whole seconds, rounded as the kernel does. */
long sys_alarm(struct gk_call *c)
{
	struct {
		long isec, iusec, sec, usec;
	} nv = { 0, 0, (unsigned int)c->a[0], 0 }, ov = { 0, 0, 0, 0 };

	hs3(__NR_setitimer, 0, &nv, &ov);
	if ((!ov.sec && ov.usec) || ov.usec >= 500000)
		ov.sec++;
	return ov.sec;
}

long sys_itimer(struct gk_call *c)
{
	if ((unsigned long)c->a[0] > 2)
		return -EINVAL;
	return hs3(c->nr, c->a[0], c->a[1], c->a[2]);
}

/* time() and gettimeofday() from CLOCK_REALTIME (the vDSO serves them first anyway). */
long sys_time(struct gk_call *c)
{
	struct {
		long sec, nsec;
	} ts;
	long r = hs2(__NR_clock_gettime, 0 /* CLOCK_REALTIME */, &ts);

	if (r < 0)
		return r;
	if (c->nr == __NR_time) {
		if (c->a[0] && gk_uwrite_ok((void *)c->a[0], 8) < 0)
			return -EFAULT;
		if (c->a[0])
			*(long *)c->a[0] = ts.sec;
		return ts.sec;
	}
	if (c->a[0]) {
		if (gk_uwrite_ok((void *)c->a[0], 16) < 0)
			return -EFAULT;
		((long *)c->a[0])[0] = ts.sec;
		((long *)c->a[0])[1] = ts.nsec / 1000;
	}
	if (c->a[1]) {
		if (gk_uwrite_ok((void *)c->a[1], 8) < 0)
			return -EFAULT;
		memset((void *)c->a[1], 0, 8);
	}
	return 0;
}

long sys_sigpending(struct gk_call *c)
{
	if (c->a[1] != 8)
		return -EINVAL;
	return hs2(__NR_rt_sigpending, c->a[0], 8);
}

long sys_clock_nanosleep(struct gk_call *c)
{
	if (c->a[1] & ~1L /* TIMER_ABSTIME */)
		return -EINVAL;
	return gk_host_blocking(__NR_clock_nanosleep, c->a, c);
}

long sys_umask(struct gk_call *c)
{
	return hs1(__NR_umask, c->a[0] & 0777);
}

long sys_getrandom(struct gk_call *c)
{
	if (c->a[2] & ~7L)
		return -EINVAL;
	return gk_host_blocking(__NR_getrandom, c->a, c);
}

long sys_pass_block(struct gk_call *c)
{
	return gk_host_blocking(c->nr, c->a, c);
}

long sys_uname(struct gk_call *c)
{
	char *u = (char *)c->a[0];
	long r = hs1(__NR_uname, u);

	/*
	 * In its own UTS namespace the launcher set the name (an OCI config's
	 * hostname, else "kiste"); without namespaces the host's must not show.
	 */
	if (r == 0 && !(gk.boot.flags & GK_BOOT_F_PIDNS))
		gk_strlcpy(u + 65, "kiste", 65); /* nodename */
	return r;
}

long sys_getid(struct gk_call *c)
{
	switch (c->nr) {
	case __NR_getuid:
	case __NR_geteuid:
		return gk.uid;
	case __NR_getgid:
	case __NR_getegid:
		return gk.gid;
	}
	return -ENOSYS;
}

long sys_getresid(struct gk_call *c)
{
	unsigned int v = c->nr == __NR_getresuid ? gk.uid : gk.gid;
	int i;

	for (i = 0; i < 3; i++)
		if (c->a[i] && gk_uwrite_ok((void *)c->a[i], 4) < 0)
			return -EFAULT;
	for (i = 0; i < 3; i++)
		if (c->a[i])
			*(unsigned int *)c->a[i] = v;
	return 0;
}

/*
 * Supplementary groups: the guest kernel's record, per process (fork copies
 * it, exec keeps it), as reported identities are (--user).  Root of the
 * sandbox sets them; they are reported, not enforced (the host's credentials
 * stay the sandbox root's, userspace/shim/README.md).
 */
#define GK_NGROUPS 64
static unsigned int groups[GK_NGROUPS];
static int ngroups;

long sys_getgroups(struct gk_call *c)
{
	long n = c->a[0];

	if (n < 0)
		return -EINVAL;
	if (!n)
		return ngroups;
	if (n < ngroups)
		return -EINVAL;
	if (ngroups && gk_uwrite_ok((void *)c->a[1], ngroups * sizeof(unsigned int)) < 0)
		return -EFAULT;
	memcpy((void *)c->a[1], groups, ngroups * sizeof(unsigned int));
	return ngroups;
}

static long set_groups(long n, const unsigned int *list)
{
	if (gk.uid != 0)
		return -EPERM;
	if (n < 0 || n > GK_NGROUPS)
		return -EINVAL;
	if (n && gk_uread_ok(list, n * sizeof(*list)) < 0)
		return -EFAULT;
	memcpy(groups, list, n * sizeof(*list));
	ngroups = (int)n;
	return 0;
}

/* setuid and friends: only to the identity the workload already has. */
long sys_setid(struct gk_call *c)
{
	unsigned int want = (c->nr == __NR_setuid || c->nr == __NR_setreuid ||
			     c->nr == __NR_setresuid || c->nr == __NR_setfsuid) ? gk.uid : gk.gid;
	int i, n = (c->nr == __NR_setresuid || c->nr == __NR_setresgid) ? 3 :
		   (c->nr == __NR_setreuid || c->nr == __NR_setregid) ? 2 : 1;

	if (c->nr == __NR_setgroups)
		return set_groups(c->a[0], (const unsigned int *)c->a[1]);
	if (c->nr == __NR_setfsuid || c->nr == __NR_setfsgid)
		return (long)want;
	for (i = 0; i < n; i++)
		if ((unsigned int)c->a[i] != want && (int)c->a[i] != -1)
			return -EPERM;
	return 0;
}

/*
 * RLIMIT_NOFILE is the guest kernel's to keep: the host's is GK_FD_LIMIT and
 * must stay so (its slots from GK_FD_BASE up are the guest kernel's, boot.h);
 * the workload sees at most GK_FD_BASE and may lower it, and fs.c answers
 * EMFILE beyond it as the kernel would.  RLIMIT_CORE too: the host's is 1,
 * soft and hard (sandbox.c), the one value that stops a core dump to a pipe
 * (core_pattern "|helper") as well as to a file, now that the workload is
 * dumpable (workload.c); the workload sees 0 and may keep it there.
 */
static long kept(const struct rlimit64 *nl, struct rlimit64 *ol, unsigned long *cur,
		 unsigned long *max)
{
	struct rlimit64 want;

	if (ol && gk_uwrite_ok(ol, sizeof(*ol)) < 0)
		return -EFAULT;
	if (nl) {
		if (gk_uread_ok(nl, sizeof(*nl)) < 0)
			return -EFAULT;
		want = *nl;
		if (want.rlim_cur > want.rlim_max)
			return -EINVAL;
		/* Raising the hard limit takes CAP_SYS_RESOURCE on the host: never here. */
		if (want.rlim_max > *max)
			return -EPERM;
	}
	if (ol) {
		ol->rlim_cur = *cur;
		ol->rlim_max = *max;
	}
	if (nl) {
		*cur = want.rlim_cur;
		*max = want.rlim_max;
	}
	return 0;
}

static long do_prlimit(long res, const struct rlimit64 *nl, struct rlimit64 *ol)
{
	if (res == RLIMIT_NOFILE)
		return kept(nl, ol, &gk.nofile_cur, &gk.nofile_max);
	if (res == RLIMIT_CORE)
		return kept(nl, ol, &gk.core_cur, &gk.core_max);
	return hs4(__NR_prlimit64, 0, res, nl, ol);
}

long sys_rlimit(struct gk_call *c)
{
	switch (c->nr) {
	case __NR_getrlimit:
		return do_prlimit(c->a[0], NULL, (struct rlimit64 *)c->a[1]);
	case __NR_setrlimit:
		return do_prlimit(c->a[0], (const struct rlimit64 *)c->a[1], NULL);
	}
	/* a tid of this process names it too; another process is not ours to change */
	if (c->a[0] < 0)
		return -ESRCH;
	if (c->a[0] && !gk_thread_find(c->a[0]))
		return hs2(__NR_kill, gk_to_host_pid(c->a[0]), 0) == -ESRCH ? -ESRCH : -EPERM;
	return do_prlimit(c->a[1], (const struct rlimit64 *)c->a[2], (struct rlimit64 *)c->a[3]);
}

long sys_arch_prctl(struct gk_call *c)
{
	if (c->a[0] != 0x1002 /* ARCH_SET_FS */ && c->a[0] != 0x1003 /* ARCH_GET_FS */)
		return -EINVAL;
	return hs2(__NR_arch_prctl, c->a[0], c->a[1]);
}

/* The calling thread's capability sets (gk_proc_caps), or another task's by guest tid. */
static long caps_of(long gtid, unsigned long caps[5], int *nnp)
{
	char rel[24];

	if (!gtid || gtid == gk_thread_gtid(gk_self()))
		return gk_proc_caps("thread-self", caps, nnp);
	snprintf(rel, sizeof(rel), "%ld", gk_to_host_pid(gtid));
	return gk_proc_caps(rel, caps, nnp);
}

#define CAP_V1 0x19980330U
#define CAP_V2 0x20071026U
#define CAP_V3 0x20080522U

struct cap_header {
	uint32_t version;
	int pid;
};

struct cap_data {
	uint32_t effective, permitted, inheritable;
};

/* The header's version: the number of data words it takes, or what the kernel answers. */
static long cap_version(struct cap_header *h, int *n)
{
	uint32_t v;

	if (gk_uread_ok(h, sizeof(*h)) < 0)
		return -EFAULT;
	v = h->version;
	if (v == CAP_V1 || v == CAP_V2 || v == CAP_V3) {
		*n = v == CAP_V1 ? 1 : 2;
		return 0;
	}
	if (gk_uwrite_ok(&h->version, 4) < 0)
		return -EFAULT;
	h->version = CAP_V3;
	return -EINVAL;
}

/*
 * capget, as the kernel answers it: the sets are the host's (the sandbox's user
 * namespace gives them), read from its status file; a NULL data pointer only
 * checks the version (and answers 0 even for an unknown one, which is written back).
 */
long sys_capget(struct gk_call *c)
{
	struct cap_header *h = (struct cap_header *)c->a[0];
	struct cap_data *d = (struct cap_data *)c->a[1], out[2];
	unsigned long caps[5];
	int n = 0, nnp, i;
	long r = cap_version(h, &n);

	if (!d)
		return r == -EINVAL ? 0 : r;
	if (r < 0)
		return r;
	if (h->pid < 0)
		return -EINVAL;
	r = caps_of(h->pid, caps, &nnp);
	if (r < 0)
		return r;
	for (i = 0; i < 2; i++) {
		out[i].effective = (uint32_t)(caps[2] >> (32 * i));
		out[i].permitted = (uint32_t)(caps[1] >> (32 * i));
		out[i].inheritable = (uint32_t)(caps[0] >> (32 * i));
	}
	if (gk_uwrite_ok(d, n * sizeof(*d)) < 0)
		return -EFAULT;
	memcpy(d, out, n * sizeof(*d));
	return 0;
}

/*
 * capset: the host's, on the calling thread (a header naming another task is
 * EPERM, as the kernel answers; the kernel itself checks the sets: none can
 * rise beyond the permitted one).  The header and data are copied first, so
 * the host reads the guest kernel's copies.
 */
long sys_capset(struct gk_call *c)
{
	struct cap_header *h = (struct cap_header *)c->a[0], hd;
	const struct cap_data *d = (const struct cap_data *)c->a[1];
	struct cap_data data[2];
	int n = 0;
	long r = cap_version(h, &n);

	if (r < 0)
		return r;
	if (h->pid && h->pid != gk_thread_gtid(gk_self()))
		return -EPERM;
	if (gk_uread_ok(d, n * sizeof(*d)) < 0)
		return -EFAULT;
	memcpy(data, d, n * sizeof(*d));
	hd.version = h->version;
	hd.pid = 0;
	return hs2(__NR_capset, &hd, data);
}

/*
 * An exec by the sandbox's root, as the kernel computes it (root's file counts
 * as holding every capability): the permitted set becomes the bounding set
 * (with the inheritable one), the effective set all of it.  The host never
 * sees the exec (the guest kernel loads the program), so the guest kernel
 * applies it: what narrows, and an effective set raised back within permitted,
 * take effect; a capability a capset took out of permitted cannot come back
 * (userspace/shim/README.md).
 */
void gk_caps_exec(void)
{
	struct cap_header hd = { CAP_V3, 0 };
	struct cap_data d[2];
	unsigned long caps[5], p;
	int nnp, i;

	gk_self()->keepcaps = 0;	/* cleared by every exec */
	if (gk.uid != 0 || caps_of(0, caps, &nnp) < 0)
		return;
	p = caps[1] & (caps[3] | caps[0]);
	if (p == caps[1] && p == caps[2])
		return;
	for (i = 0; i < 2; i++) {
		d[i].effective = d[i].permitted = (uint32_t)(p >> (32 * i));
		d[i].inheritable = (uint32_t)(caps[0] >> (32 * i));
	}
	hs2(__NR_capset, &hd, d);
}

long sys_prctl(struct gk_call *c)
{
	unsigned long caps[5];
	int nnp = 0;

	switch (c->a[0]) {
	case PR_CAPBSET_READ:
		if ((unsigned long)c->a[1] > (unsigned long)gk_proc_cap_last())
			return -EINVAL;
		if (caps_of(0, caps, &nnp) < 0)
			return -EINVAL;
		return !!(caps[3] & (1UL << c->a[1]));
	case PR_CAPBSET_DROP:
		/*
		 * The host's, on the calling thread, as the kernel keeps it: it only
		 * ever narrows, and takes CAP_SETPCAP in the sandbox's namespace.
		 */
		if ((unsigned long)c->a[1] > (unsigned long)gk_proc_cap_last())
			return -EINVAL;
		return hs2(__NR_prctl, PR_CAPBSET_DROP, c->a[1]);
	case PR_GET_SECUREBITS:
		return gk_self()->keepcaps ? 1 << 4 /* SECBIT_KEEP_CAPS */ : 0;
	case PR_GET_KEEPCAPS:
		return gk_self()->keepcaps;
	case PR_SET_KEEPCAPS:
		/*
		 * As the kernel keeps it (arguments 3-5 unread).  It changes nothing
		 * here: setuid is the guest kernel's identity, and the host's
		 * capabilities never go with it (userspace/shim/README.md).
		 */
		if ((unsigned long)c->a[1] > 1)
			return -EINVAL;
		gk_self()->keepcaps = (int)c->a[1];
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		if (c->a[1] || c->a[2] || c->a[3] || c->a[4])
			return -EINVAL;
		return caps_of(0, caps, &nnp) < 0 ? -EINVAL : nnp;
	case PR_SET_NO_NEW_PRIVS:
		/* The sandbox has it already (the host set it before the guest kernel ran). */
		if (c->a[1] != 1 || c->a[2] || c->a[3] || c->a[4])
			return -EINVAL;
		return 0;
	case PR_CAP_AMBIENT:
		/* Queried from the host; a change is not the guest kernel's to make (capset). */
		if (caps_of(0, caps, &nnp) < 0)
			return -EINVAL;
		if (c->a[1] == PR_CAP_AMBIENT_CLEAR_ALL)
			return c->a[2] || c->a[3] || c->a[4] ? -EINVAL : caps[4] ? -EPERM : 0;
		if ((unsigned long)c->a[2] > (unsigned long)gk_proc_cap_last() || c->a[3] || c->a[4])
			return -EINVAL;
		if (c->a[1] == PR_CAP_AMBIENT_IS_SET)
			return !!(caps[4] & (1UL << c->a[2]));
		if (c->a[1] == PR_CAP_AMBIENT_RAISE)
			return caps[4] & (1UL << c->a[2]) ? 0 : -EPERM;
		if (c->a[1] == PR_CAP_AMBIENT_LOWER)
			return caps[4] & (1UL << c->a[2]) ? -EPERM : 0;
		return -EINVAL;
	case PR_SET_NAME:
	case PR_GET_NAME:
		return hs2(__NR_prctl, c->a[0], c->a[1]);
	case PR_GET_DUMPABLE:
		return 1;
	case PR_SET_PDEATHSIG: {
		/* The host's (its parent is the guest's parent); kept to be read back too. */
		long r;

		if ((unsigned long)c->a[1] >= GK_NSIG)
			return -EINVAL;
		r = hs2(__NR_prctl, PR_SET_PDEATHSIG, c->a[1]);
		if (r == 0)
			gk_self()->pdeathsig = (int)c->a[1];
		return r;
	}
	case PR_GET_PDEATHSIG:
		if (gk_uwrite_ok((void *)c->a[1], sizeof(int)) < 0)
			return -EFAULT;
		*(int *)c->a[1] = gk_self()->pdeathsig;
		return 0;
	case PR_SET_DUMPABLE:
		return 0;
	case PR_SET_SYSCALL_USER_DISPATCH:
		/* Redirection is the host's to keep: never the workload's to switch. */
		return -EPERM;
	}
	return -EINVAL;
}

long sys_zero(struct gk_call *c)
{
	(void)c;
	return 0;
}

long sys_eperm(struct gk_call *c)
{
	(void)c;
	return -EPERM;
}

/* sendfile(out, in, ...), copy_file_range(in, off, out, ...), splice, tee. */
long sys_two_fds(struct gk_call *c)
{
	int second = (c->nr == __NR_sendfile || c->nr == __NR_tee) ? 1 : 2;

	if (!gk_fd_ok(c->a[0]) || !gk_fd_ok(c->a[second]))
		return -EBADF;
	if (c->nr == __NR_copy_file_range && c->a[5])
		return -EINVAL;
	return gk_host_blocking(c->nr, c->a, c);
}

/* Extended attributes are not served yet: "not supported" is what ls and cp expect then. */
long sys_enotsup(struct gk_call *c)
{
	(void)c;
	return -EOPNOTSUPP;
}
