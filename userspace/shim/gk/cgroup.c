// SPDX-License-Identifier: GPL-2.0
// cgroup.c - the workload's read-only cgroup v2 view: /sys/fs/cgroup, /proc/self/cgroup, /proc/cgroups.
#include <linux/fcntl.h>

#include "gk.h"

/*
 * The JVM, Go's runtime, systemd and python libraries size themselves from
 * the cgroup they are in: cgroup v2 at /sys/fs/cgroup (found through
 * /proc/self/mountinfo, /proc/self/cgroup "0::/" and, for the JVM,
 * /proc/cgroups), its cpu.max and memory.max.  The sandbox has no cgroup
 * namespace of its own and the host's hierarchy may be v1 (this project's
 * machines are hybrid), so the guest kernel shows a cgroup v2 root of its own
 * making: every file generated from the launcher's limits (--cpus as the
 * quota the launcher writes, a period of 100000 us; --memory, which the
 * launcher always sets; --pids), nothing writable (EROFS, as a container's
 * read-only cgroup mount), only the files listed here.  The directory itself
 * is the rootfs's empty /sys: listing it shows nothing, and a file is empty
 * to lstat, as cgroupfs files are (to read, it holds its value).  Only with
 * namespaces: without them /sys and /proc are the host's, a weaker mode.
 */
#define CG "/sys/fs/cgroup"
#define CPU_PERIOD_US 100000u	/* the launcher's (lib/cgroup.c) */

static const char *const cg_files[] = {
	"cgroup.controllers", "cgroup.subtree_control", "cgroup.type", "cpu.max", "cpu.weight",
	"memory.max", "memory.high", "memory.low", "memory.min", "memory.swap.max", "pids.max",
	NULL,
};

static int active(void)
{
	return (gk.boot.flags & GK_BOOT_F_PIDNS) != 0;
}

/* Is the normalized @norm /sys/fs/cgroup or beneath it (and served here)? */
int gk_cgroup_path(const char *norm)
{
	return active() && !strncmp(norm, CG, sizeof(CG) - 1) &&
	       (norm[sizeof(CG) - 1] == 0 || norm[sizeof(CG) - 1] == '/');
}

/* A file's content, from the limits. */
static long content(const char *name, char *b, size_t n)
{
	if (!strcmp(name, "cgroup.controllers"))
		return snprintf(b, n, "cpu memory pids\n");
	if (!strcmp(name, "cgroup.subtree_control"))
		return snprintf(b, n, "\n");
	if (!strcmp(name, "cgroup.type"))
		return snprintf(b, n, "domain\n");
	if (!strcmp(name, "cpu.max") && gk.boot.cpus_milli)
		return snprintf(b, n, "%lu %u\n",
				(unsigned long)gk.boot.cpus_milli * CPU_PERIOD_US / 1000,
				CPU_PERIOD_US);
	if (!strcmp(name, "cpu.max"))
		return snprintf(b, n, "max %u\n", CPU_PERIOD_US);
	if (!strcmp(name, "cpu.weight"))
		return snprintf(b, n, "100\n");
	if (!strcmp(name, "memory.max") && gk.boot.memory)
		return snprintf(b, n, "%lu\n", gk.boot.memory);
	if (!strcmp(name, "memory.low") || !strcmp(name, "memory.min") ||
	    !strcmp(name, "memory.swap.max"))
		return snprintf(b, n, "0\n");	/* the launcher sets swap.max to 0 */
	if (!strcmp(name, "pids.max") && gk.boot.pids)
		return snprintf(b, n, "%lu\n", gk.boot.pids);
	return snprintf(b, n, "max\n");
}

/* A sealed, read-only memfd holding @s (as procfs.c's regenerated files). */
static long memfd_of(const char *s, size_t n, long flags)
{
	long mfd = gk_fd_host(hs2(__NR_memfd_create, "kiste-cgroup",
				  1 /* CLOEXEC */ | 2 /* ALLOW_SEALING */));

	if (mfd < 0)
		return mfd;
	hs3(__NR_write, mfd, s, n);
	hs3(__NR_fcntl, mfd, 1033 /* F_ADD_SEALS */, 0xf);
	hs3(__NR_lseek, mfd, 0, 0);
	if (!(flags & O_CLOEXEC))
		hs3(__NR_fcntl, mfd, F_SETFD, 0);
	return mfd;
}

static int listed(const char *name)
{
	const char *const *l;

	for (l = cg_files; *l; l++)
		if (!strcmp(*l, name))
			return 1;
	return 0;
}

/* Opens /sys/fs/cgroup or a file of it: read-only, from the limits. */
long gk_cgroup_open(const char *norm, long flags)
{
	const char *name = norm + sizeof(CG) - 1;
	char b[64];

	if (*name == '/')
		name++;
	if (*name && !listed(name))
		return (flags & O_CREAT) ? -EROFS : -ENOENT;
	if (!(flags & O_PATH) && ((flags & O_ACCMODE) != O_RDONLY ||
				  (flags & (O_CREAT | O_TRUNC | __O_TMPFILE))))
		return -EROFS;
	if (!*name)	/* the directory: the rootfs's empty, read-only /sys */
		return gk_open_abs("/sys", flags | O_DIRECTORY, 0, 0);
	if (flags & O_DIRECTORY)
		return -ENOTDIR;
	return memfd_of(b, (size_t)content(name, b, sizeof(b)), flags);
}

/*
 * What a call on the path itself (lstat, access) meets, as a parent and a
 * last component: the directory is the rootfs's /sys (1: the parent is the
 * root), a file a read-only, empty procfs file (/proc/cgroups: 0, the parent
 * is the procfs), as cgroupfs files are empty to stat.  Changes never get
 * here (fs.c refuses them on these paths first).
 */
long gk_cgroup_last(const char *norm, char *last, size_t n)
{
	const char *name = norm + sizeof(CG) - 1;

	if (*name == '/')
		name++;
	if (!*name) {
		gk_strlcpy(last, "sys", n);
		return 1;
	}
	if (!listed(name))
		return -ENOENT;
	gk_strlcpy(last, "cgroups", n);
	return 0;
}

/* /proc/PID/cgroup: the root of the v2 hierarchy, as in a cgroup namespace of its own. */
long gk_cgroup_self(long flags)
{
	return memfd_of("0::/\n", 5, flags);
}

/* /proc/cgroups: every controller on the v2 hierarchy (0), as a pure v2 host shows it. */
long gk_cgroup_list(long flags)
{
	static const char t[] = "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
				"cpu\t0\t1\t1\nmemory\t0\t1\t1\npids\t0\t1\t1\n";

	return memfd_of(t, sizeof(t) - 1, flags);
}

/* The mountinfo line of the view, after the host's (whose cgroup lines are dropped). */
void gk_cgroup_mountinfo(long mfd, long parent)
{
	char b[160];
	long n;

	if (!active())
		return;
	n = snprintf(b, sizeof(b), "%ld %ld 0:%d / %s ro,nosuid,nodev,noexec,relatime - cgroup2 "
		     "cgroup2 ro,nsdelegate\n", 4000L, parent, 4000, CG);
	hs3(__NR_write, mfd, b, n);
}
