// SPDX-License-Identifier: GPL-2.0
// cgroup_ops.c - a container's cgroup as the OCI verbs use it: freezer, pids, update (stats: cgroup_stats.c).
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>


#include "kiste_oci.h"
#include "cgroup_int.h"

/* cgroup.procs of one container: 4 MiB is half a million pids, far above any pids limit. */
#define PROCS_MAX (4u << 20)
/* How long freezing may take before pause gives up (a task in an uninterruptible sleep). */
#define FREEZE_WAIT_MS 2000

/* The files of one controller: v1 keeps each in its own folder, v2 all in dir[0]. */
const char *cgo_pids_dir(const struct kiste_oci_state *s)
{
	return s->cg.ndirs > 0 ? s->cg.dir[0] : NULL;
}

const char *cgo_mem_dir(const struct kiste_oci_state *s)
{
	if (s->cg.version == 1)
		return s->cg.ndirs > 1 ? s->cg.dir[1] : NULL;
	return cgo_pids_dir(s);
}

const char *cgo_cpu_dir(const struct kiste_oci_state *s)
{
	if (s->cg.version == 1)
		return s->cg.ndirs > 2 ? s->cg.dir[2] : NULL;
	return cgo_pids_dir(s);
}

int cgo_write_file(const char *dir, const char *file, const char *val)
{
	char p[PATH_MAX + 64];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	fd = open(p, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}

/* Reads all of @dir/@file (at most @max bytes) into a NUL-terminated malloc'ed buffer. */
char *cgo_read_all(const char *dir, const char *file, size_t max)
{
	char p[PATH_MAX + 64], *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	ssize_t n = 0;
	int fd;

	if (!dir)
		return NULL;
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	for (;;) {
		if (len + 1 >= cap) {
			if (cap > max)
				break;	/* more than @max: refused below */
			cap = cap ? cap * 2 : 4096;
			if (cap > max + 1)
				cap = max + 1;
			nb = realloc(buf, cap + 1);
			if (!nb)
				break;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (n < 0 || !buf || len > max) {
		free(buf);
		return NULL;
	}
	buf[len] = 0;
	return buf;
}

/* One number from @dir/@file ("max" reads as @max_is); false when it cannot be read. */
bool cgo_read_u64(const char *dir, const char *file, uint64_t max_is, uint64_t *out)
{
	char *b = cgo_read_all(dir, file, 4096), *end;
	bool ok = false;

	if (b && !strncmp(b, "max", 3)) {
		*out = max_is;
		ok = true;
	} else if (b && b[0] >= '0' && b[0] <= '9') {
		*out = strtoull(b, &end, 10);
		ok = true;
	} else if (b && b[0] == '-') {
		*out = max_is;	/* v1's -1: no limit */
		ok = true;
	}
	free(b);
	return ok;
}

/* "KEY VALUE" lines (memory.stat, cpu.stat): the value of @key, or 0. */
uint64_t cgo_kv(const char *text, const char *key)
{
	size_t n = strlen(key);
	const char *p;

	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, n) && p[n] == ' ')
			return strtoull(p + n + 1, NULL, 10);
	return 0;
}

/* ---- the v1 hierarchies kiste's run cgroup leaves out: freezer, cpuacct ---- */

/* Where hierarchy @ctrl is mounted and which cgroup of it we are in: mnt + own. */
static bool v1_home(const char *ctrl, char *home, size_t len)
{
	char line[1024], mnt[PATH_MAX / 4] = "", own[PATH_MAX / 4] = "", opts[512], *o, *c;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - cgroup ");

		if (!dash || sscanf(line, "%*s %*s %*s %*s %1023s", mnt) != 1 ||
		    sscanf(dash + 10, "%*s %511s", opts) != 1)
			continue;
		for (o = strtok(opts, ","); o && !found; o = strtok(NULL, ","))
			found = !strcmp(o, ctrl);
	}
	if (f)
		fclose(f);
	f = found ? fopen("/proc/self/cgroup", "re") : NULL;
	found = false;
	while (f && !found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		c = strchr(line, ':');
		o = c ? strchr(c + 1, ':') : NULL;
		if (!o)
			continue;
		*o++ = 0;
		for (c = strtok(c + 1, ","); c && !found; c = strtok(NULL, ","))
			found = !strcmp(c, ctrl);
		if (found)
			snprintf(own, sizeof(own), "%s", strcmp(o, "/") ? o : "");
	}
	if (f)
		fclose(f);
	return found && snprintf(home, len, "%s%s", mnt, own) < (int)len;
}

/* HOME/kiste/oci/NAME made (the parents too), @pid moved in; "" in @dir on failure. */
static void extra_one(const char *ctrl, const struct kiste_oci_state *s, pid_t pid, char *dir,
		      size_t len)
{
	char home[PATH_MAX], pidbuf[24];
	size_t n;

	dir[0] = 0;
	if (!v1_home(ctrl, home, sizeof(home)) ||
	    snprintf(dir, len, "%s/kiste/oci/%.200s", home, s->id) >= (int)len) {
		dir[0] = 0;
		return;
	}
	n = strlen(home);
	snprintf(home + n, sizeof(home) - n, "/kiste");
	mkdir(home, 0755);
	snprintf(home + n, sizeof(home) - n, "/kiste/oci");
	mkdir(home, 0755);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	/*
	 * A folder of that name left by an earlier container whose delete could
	 * not remove it is taken only once empty: pause must freeze this
	 * container's processes and no others.
	 */
	if (mkdir(dir, 0755) < 0 && (errno != EEXIST || rmdir(dir) < 0 || mkdir(dir, 0755) < 0)) {
		dir[0] = 0;
		return;
	}
	if (cgo_write_file(dir, "cgroup.procs", pidbuf) < 0) {
		rmdir(dir);
		dir[0] = 0;
	}
}

int kiste_oci_cgroup_extra(struct kiste_oci_state *s, pid_t pid, struct kiste_err *err)
{
	char p[PATH_MAX + 32];

	(void)err;
	/* v2 has cgroup.freeze and cpu.stat in the one folder; without a cgroup there is none. */
	if (s->cg.version != 1 || s->cg.ndirs < 3)
		return 0;
	extra_one("freezer", s, pid, s->freezer_dir, sizeof(s->freezer_dir));
	/* cpu and cpuacct are often mounted together: then the cpu folder counts already. */
	snprintf(p, sizeof(p), "%s/cpuacct.usage", s->cg.dir[2]);
	if (access(p, R_OK) == 0)
		snprintf(s->cpuacct_dir, sizeof(s->cpuacct_dir), "%s", s->cg.dir[2]);
	else
		extra_one("cpuacct", s, pid, s->cpuacct_dir, sizeof(s->cpuacct_dir));
	return 0;
}

void kiste_oci_cgroup_extra_remove(struct kiste_oci_state *s)
{
	int tries;

	/* Thawed first: a frozen cgroup's dying tasks never leave it. */
	if (s->freezer_dir[0]) {
		cgo_write_file(s->freezer_dir, "freezer.state", "THAWED");
		for (tries = 0; tries < 400 && rmdir(s->freezer_dir) < 0 && errno == EBUSY; tries++)
			usleep(5000);
	}
	if (s->cpuacct_dir[0])
		for (tries = 0; tries < 400 && rmdir(s->cpuacct_dir) < 0 && errno == EBUSY; tries++)
			usleep(5000);
	s->freezer_dir[0] = 0;
	s->cpuacct_dir[0] = 0;
}

/* ---- pause and resume ---- */

bool kiste_oci_frozen(const struct kiste_oci_state *s)
{
	char *b;
	bool frozen = false;

	if (s->cg.version == 2) {
		b = cgo_read_all(cgo_pids_dir(s), "cgroup.freeze", 64);
		frozen = b && b[0] == '1';
	} else if (s->freezer_dir[0]) {
		b = cgo_read_all(s->freezer_dir, "freezer.state", 64);
		frozen = b && (!strncmp(b, "FROZEN", 6) || !strncmp(b, "FREEZING", 8));
	} else {
		return false;
	}
	free(b);
	return frozen;
}

/* True once the kernel says the cgroup is (not) frozen, as @freeze asks. */
static bool freeze_done(const struct kiste_oci_state *s, bool freeze)
{
	char *b;
	bool done;

	if (s->cg.version == 2) {
		b = cgo_read_all(cgo_pids_dir(s), "cgroup.events", 4096);
		done = b && cgo_kv(b, "frozen") == (freeze ? 1 : 0);
	} else {
		b = cgo_read_all(s->freezer_dir, "freezer.state", 64);
		done = b && !strncmp(b, freeze ? "FROZEN" : "THAWED", 6);
	}
	free(b);
	return done;
}

/* PF_KTHREAD, in the flags field of /proc/PID/stat (include/linux/sched.h). */
#define KISTE_PF_KTHREAD 0x00200000u

/*
 * True when @pid is KVM's nx-lpage-recovery kernel thread: its name and
 * PF_KTHREAD (field 9 of /proc/PID/stat), which no user task has.  /proc
 * shows a kernel thread's whole name ("kvm-nx-lpage-recovery-PID"), comm
 * its first 15 bytes: the prefix both share.  Other kernel threads a
 * container may hold (vhost workers) stay.
 */
static bool is_kvm_kthread(pid_t pid)
{
	static const char name[] = "(kvm-nx-lpage-re";
	char buf[1024];
	const char *c = kiste_proc_stat(pid, buf, sizeof(buf));
	const char *open = c ? strchr(buf, '(') : NULL;	/* buf holds nothing without c */
	unsigned int flags;

	return c && open && !strncmp(open, name, sizeof(name) - 1) &&
	       sscanf(c, " %*c %*d %*d %*d %*d %*d %u", &flags) == 1 && (flags & KISTE_PF_KTHREAD);
}

/*
 * Moves KVM's kernel threads in v2 cgroup @dir to the hierarchy's root (the
 * first folder up without cgroup.events, on the same cgroup2 mount) and
 * returns how many stay.  cgroup v2 freezes user tasks only but reports a
 * cgroup frozen only when every task in it is, and before Linux 6.13 KVM
 * puts a kernel thread of each VM (kvm-nx-lpage-recovery) in its creator's
 * cgroup: a vm container's would never freeze.  The thread stays in the
 * root cgroup after resume: its CPU time (one pass a minute over the VM's
 * huge pages) is not the container's.
 */
static int kthreads_out(const char *dir)
{
	char root[PATH_MAX], p[PATH_MAX + 32], pid[16], *b, *line, *slash;
	struct statfs fs;
	int left = 0, found = 0;

	snprintf(root, sizeof(root), "%s", dir);
	for (;;) {
		snprintf(p, sizeof(p), "%s/cgroup.events", root);
		if (access(p, F_OK) < 0)
			break;
		slash = strrchr(root, '/');
		if (!slash || slash == root)
			return -ENOENT;
		*slash = 0;
		/* A cgroup namespace's root has cgroup.events too: never past the mount. */
		if (statfs(root, &fs) < 0 || fs.f_type != CGROUP2_SUPER_MAGIC) {
			found = -ENOENT;
			break;
		}
	}
	b = cgo_read_all(dir, "cgroup.procs", PROCS_MAX);
	for (line = b ? strtok(b, "\n") : NULL; line; line = strtok(NULL, "\n")) {
		if (atoi(line) <= 0 || !is_kvm_kthread((pid_t)atoi(line)))
			continue;
		if (found < 0) {
			left++;
			continue;
		}
		snprintf(pid, sizeof(pid), "%d", atoi(line));
		if (cgo_write_file(root, "cgroup.procs", pid) < 0)
			left++;
	}
	free(b);
	return left;
}

int kiste_oci_freeze(const struct kiste_oci_state *s, bool freeze, struct kiste_err *err)
{
	const char *dir = s->cg.version == 2 ? cgo_pids_dir(s) : s->freezer_dir;
	const char *file = s->cg.version == 2 ? "cgroup.freeze" : "freezer.state";
	const char *val = s->cg.version == 2 ? (freeze ? "1" : "0") : (freeze ? "FROZEN" : "THAWED");
	int ms, r, stuck = 0;

	if (!dir || !dir[0])
		return kiste_err_set(err, -EOPNOTSUPP, "container %s has no cgroup freezer here: "
				     "%s needs one (kiste as root, or a delegated cgroup with "
				     "cgroup.freeze)", s->id, freeze ? "pause" : "resume");
	if (freeze && s->cg.version == 2)
		stuck = kthreads_out(dir);
	for (ms = 0; ms < FREEZE_WAIT_MS; ms += 5) {
		/*
		 * Written once, then again every half second: each write wakes
		 * every task of the cgroup to freeze it, so writing in a tight
		 * loop keeps sleeping tasks from ever settling in the freezer.
		 */
		r = ms % 500 ? 0 : cgo_write_file(dir, file, val);
		if (r < 0)
			return kiste_err_set(err, r, "cannot %s container %s: %s/%s: %s",
					     freeze ? "pause" : "resume", s->id, dir, file,
					     strerror(-r));
		if (freeze_done(s, freeze))
			return 0;
		usleep(5000);
	}
	if (freeze)
		cgo_write_file(dir, file, s->cg.version == 2 ? "0" : "THAWED");
	if (stuck > 0)
		return kiste_err_set(err, -ETIMEDOUT, "cannot pause container %s: KVM's kernel "
				     "thread in its cgroup %s never freezes and could not be moved "
				     "to the root cgroup (pause of a vm container needs root and the "
				     "whole cgroup2 hierarchy)", s->id, dir);
	return kiste_err_set(err, -ETIMEDOUT, "cannot %s container %s: the cgroup did not %s "
			     "within %d ms: try again", freeze ? "pause" : "resume", s->id,
			     freeze ? "freeze" : "thaw", FREEZE_WAIT_MS);
}

/* ---- the container's processes ---- */

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static int push_pid(pid_t **v, size_t *n, size_t *cap, pid_t pid)
{
	pid_t *nv;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		nv = realloc(*v, *cap * sizeof(**v));
		if (!nv)
			return -ENOMEM;
		*v = nv;
	}
	(*v)[(*n)++] = pid;
	return 0;
}

/* A process's parent, from /proc/PID/status (readable by anyone); 0 when it is gone. */
static pid_t parent_of(pid_t pid)
{
	char path[64], line[128];
	pid_t pp = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "PPid: %d", &pp) == 1)
			break;
	fclose(f);
	return pp;
}

/*
 * Without a cgroup: the init and every process descending from it, which is
 * every process of its pid namespace (orphans there are the init's).  By
 * ancestry, not by /proc/PID/ns/pid: the init is not dumpable, so only root
 * may read its namespace link, and ps works for the container's owner too.
 */
static int ns_pids(const struct kiste_oci_state *s, pid_t **v, size_t *n, size_t *cap)
{
	struct dirent *de;
	pid_t *all = NULL, *par = NULL;
	size_t na = 0, capa = 0, np = 0, capp = 0, i, k;
	int ret = 0, grew = 1;
	DIR *d;

	if (kill(s->pid, 0) < 0 && errno == ESRCH)
		return 0;	/* the init is gone: so is the namespace */
	d = opendir("/proc");
	while (d && ret == 0 && (de = readdir(d))) {
		pid_t pid = (pid_t)atoi(de->d_name);

		if (pid <= 0)
			continue;
		ret = push_pid(&all, &na, &capa, pid);
		if (ret == 0)
			ret = push_pid(&par, &np, &capp, parent_of(pid));
	}
	if (d)
		closedir(d);
	if (ret == 0)
		ret = push_pid(v, n, cap, s->pid);
	/* Add the children of what is in, until nothing more joins (a few rounds). */
	while (ret == 0 && grew) {
		grew = 0;
		for (i = 0; i < na && ret == 0; i++) {
			if (!all[i] || all[i] == s->pid)
				continue;
			for (k = 0; k < *n && (*v)[k] != par[i]; k++)
				;
			if (k < *n) {
				ret = push_pid(v, n, cap, all[i]);
				all[i] = 0;
				grew = 1;
			}
		}
	}
	free(all);
	free(par);
	return ret;
}

int kiste_oci_pids(const struct kiste_oci_state *s, pid_t **pids, size_t *n, struct kiste_err *err)
{
	enum kiste_oci_status st = kiste_oci_state_status(s);
	size_t cap = 0;
	char *b, *p;
	int ret = 0;

	*pids = NULL;
	*n = 0;
	if (st == KISTE_OCI_STOPPED || st == KISTE_OCI_CREATING)
		return 0;
	if (s->cg.version) {
		b = cgo_read_all(cgo_pids_dir(s), "cgroup.procs", PROCS_MAX);
		if (!b)
			return kiste_err_set(err, -EIO, "cannot read the cgroup of container %s (%s)",
					     s->id, cgo_pids_dir(s));
		for (p = strtok(b, "\n"); p && ret == 0; p = strtok(NULL, "\n"))
			if (atoi(p) > 0)
				ret = push_pid(pids, n, &cap, (pid_t)atoi(p));
		free(b);
	} else {
		ret = ns_pids(s, pids, n, &cap);
	}
	if (ret < 0)
		return kiste_err_set(err, ret, "out of memory");
	if (*n)
		qsort(*pids, *n, sizeof(**pids), cmp_pid);
	return 0;
}

/* ---- update ---- */

static int update_memory(const struct kiste_oci_state *s, const struct kiste_run_limits *l,
			 uint64_t memory, struct kiste_err *err)
{
	char buf[32];
	int r;

	if (memory < l->memory_min || memory > l->memory_max)
		return kiste_err_set(err, -EINVAL, "memory %llu is out of range for %s mode: use "
				     "%lluM..%lluM", (unsigned long long)memory, s->mode,
				     (unsigned long long)(l->memory_min >> 20),
				     (unsigned long long)(l->memory_max >> 20));
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)memory);
	r = cgo_write_file(cgo_mem_dir(s), s->cg.version == 2 ? "memory.max" : "memory.limit_in_bytes", buf);
	if (r == -EBUSY)
		return kiste_err_set(err, r, "cannot lower container %s's memory to %s bytes: it "
				     "uses more now: give a higher limit", s->id, buf);
	if (r < 0)
		return kiste_err_set(err, r, "cannot set container %s's memory: %s", s->id,
				     strerror(-r));
	return 0;
}

static int update_pids(const struct kiste_oci_state *s, uint32_t pids, struct kiste_err *err)
{
	char buf[32];
	int r;

	if (!pids || pids > KISTE_RUN_PIDS_MAX)
		return kiste_err_set(err, -EINVAL, "pids limit %u is out of range: use 1..%u", pids,
				     KISTE_RUN_PIDS_MAX);
	/* The container's init counts too, as create counts it (shim mode's launcher). */
	snprintf(buf, sizeof(buf), "%u", pids + 1);
	r = cgo_write_file(cgo_pids_dir(s), "pids.max", buf);
	if (r < 0)
		return kiste_err_set(err, r, "cannot set container %s's pids limit: %s", s->id,
				     strerror(-r));
	return 0;
}

static int update_cpu(const struct kiste_oci_state *s, const struct kiste_run_limits *l,
		      const struct kiste_oci_update *u, struct kiste_err *err)
{
	uint64_t period = u->cpu_period, cur = 0;
	int64_t quota = u->cpu_quota;
	char buf[64], *b;
	int r;

	if (!period && s->cg.version == 2) {
		/* cpu.max is "QUOTA PERIOD" (QUOTA "max" for none). */
		b = cgo_read_all(cgo_cpu_dir(s), "cpu.max", 64);
		period = b && strchr(b, ' ') ? strtoull(strchr(b, ' ') + 1, NULL, 10) : 0;
		free(b);
	} else if (!period && !cgo_read_u64(cgo_cpu_dir(s), "cpu.cfs_period_us", 0, &period)) {
		period = 0;
	}
	if (!period)
		period = 100000;
	if (period < 1000 || period > 1000000)
		return kiste_err_set(err, -EINVAL, "cpu period %llu is out of range: use "
				     "1000..1000000 (microseconds)", (unsigned long long)period);
	if (quota == 0) {
		/* Only the period changes: the quota stays what it is. */
		if (s->cg.version == 1 && cgo_read_u64(cgo_cpu_dir(s), "cpu.cfs_quota_us", 0, &cur))
			quota = cur ? (int64_t)cur : -1;
		else if (s->cg.version == 2 && (b = cgo_read_all(cgo_cpu_dir(s), "cpu.max", 64))) {
			quota = b[0] >= '0' && b[0] <= '9' ? strtoll(b, NULL, 10) : -1;
			free(b);
		}
	}
	/* No quota is the mode's default only where the mode has no default CPU cap. */
	if (quota < 0 && l->cpus_default)
		return kiste_err_set(err, -EINVAL, "cpu quota -1 (none): %s mode keeps a CPU limit "
				     "on every container: give a quota", s->mode);
	if (quota > 0 && ((uint64_t)quota < 1000 ||
			  (uint64_t)quota > period * (uint64_t)(l->cpus_max ? l->cpus_max : 1024)))
		return kiste_err_set(err, -EINVAL, "cpu quota %lld per period %llu is out of range "
				     "for %s mode: use 1000 up to %u periods", (long long)quota,
				     (unsigned long long)period, s->mode, l->cpus_max);
	if (s->cg.version == 2) {
		snprintf(buf, sizeof(buf), "%lld %llu", (long long)quota, (unsigned long long)period);
		r = cgo_write_file(cgo_cpu_dir(s), "cpu.max", buf);
	} else {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)period);
		r = cgo_write_file(cgo_cpu_dir(s), "cpu.cfs_period_us", buf);
		snprintf(buf, sizeof(buf), "%lld", (long long)quota);
		if (r == 0)
			r = cgo_write_file(cgo_cpu_dir(s), "cpu.cfs_quota_us", buf);
	}
	if (r < 0)
		return kiste_err_set(err, r, "cannot set container %s's CPU limit: %s", s->id,
				     strerror(-r));
	return 0;
}

int kiste_oci_cgroup_update(const struct kiste_oci_state *s, const struct kiste_run_limits *limits,
			    const struct kiste_oci_update *u, struct kiste_err *err)
{
	int ret = 0;

	if (!s->cg.version || !cgo_cpu_dir(s) || !cgo_mem_dir(s))
		return kiste_err_set(err, -EOPNOTSUPP, "container %s has no cgroup here: update "
				     "needs one (kiste as root, or a delegated cgroup)", s->id);
	if (u->memory_set)
		ret = update_memory(s, limits, u->memory, err);
	if (ret == 0 && u->pids_set)
		ret = update_pids(s, u->pids, err);
	if (ret == 0 && u->cpu_set)
		ret = update_cpu(s, limits, u, err);
	return ret;
}
