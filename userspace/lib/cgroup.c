// SPDX-License-Identifier: GPL-2.0
// cgroup.c - one cgroup per sandbox (v2, or v1's pids/memory/cpu hierarchies): limits, OOM, teardown.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "kiste_run.h"

#define CGROUP2_MAGIC 0x63677270
/* Every sandbox's cgroup is a child of this one, below the caller's own (v1) or the root (v2). */
#define CG_PARENT "kiste"
#define CPU_PERIOD_US 100000u

/* The v1 hierarchies kiste uses, in struct kiste_cgroup::dir order. */
static const char *const v1_ctrl[KISTE_CG_DIRS] = { "pids", "memory", "cpu" };

static int write_str(const char *dir, const char *file, const char *val)
{
	char p[PATH_MAX + 64];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}

static int write_u64(const char *dir, const char *file, unsigned long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", v);
	return write_str(dir, file, buf);
}

static ssize_t read_str(const char *dir, const char *file, char *buf, size_t len)
{
	char p[PATH_MAX + 64];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return n;
}

/*
 * What /proc/self/mountinfo and /proc/self/cgroup say, read once: where the
 * unified hierarchy and the v1 pids, memory and cpu hierarchies are mounted,
 * and which cgroup of each the caller is in.  [KISTE_CG_DIRS] is v2's.
 */
struct cg_where {
	char mnt[KISTE_CG_DIRS + 1][PATH_MAX / 4];
	char own[KISTE_CG_DIRS + 1][PATH_MAX / 4];
};

static int ctrl_index(const char *name)
{
	int i;

	for (i = 0; i < KISTE_CG_DIRS; i++)
		if (!strcmp(name, v1_ctrl[i]))
			return i;
	return -1;
}

static void read_mounts(struct cg_where *w)
{
	char line[1024], mnt[PATH_MAX / 4], opts[512], type[32], *o;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int i;

	while (f && fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %*s %*s %1023s", mnt) != 1 ||
		    sscanf(dash + 3, "%31s %*s %511s", type, opts) != 2)
			continue;
		if (!strcmp(type, "cgroup2") && !w->mnt[KISTE_CG_DIRS][0])
			snprintf(w->mnt[KISTE_CG_DIRS], sizeof(w->mnt[0]), "%s", mnt);
		for (o = strtok(opts, ","); !strcmp(type, "cgroup") && o; o = strtok(NULL, ","))
			if ((i = ctrl_index(o)) >= 0 && !w->mnt[i][0])
				snprintf(w->mnt[i], sizeof(w->mnt[0]), "%s", mnt);
	}
	if (f)
		fclose(f);
}

/* "ID:CONTROLLERS:PATH" lines; "0::PATH" is the unified hierarchy's. */
static void read_own(struct cg_where *w)
{
	char line[1024], *c1, *c2, *o;
	FILE *f = fopen("/proc/self/cgroup", "re");
	int i;

	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		c1 = strchr(line, ':');
		c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2++ = 0;
		if (!strcmp(c2, "/"))
			c2 = "";
		if (c1[1] == 0)
			snprintf(w->own[KISTE_CG_DIRS], sizeof(w->own[0]), "%s", c2);
		for (o = strtok(c1 + 1, ","); o; o = strtok(NULL, ","))
			if ((i = ctrl_index(o)) >= 0)
				snprintf(w->own[i], sizeof(w->own[0]), "%s", c2);
	}
	if (f)
		fclose(f);
}

/* @word as one of the space-separated words of @list. */
static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || !p[n]))
			return true;
	return false;
}

/* v2 at the root of the unified hierarchy, when it offers memory, pids and cpu. */
static int setup_v2(const struct cg_where *w, struct kiste_cgroup *cg)
{
	const char *mnt = w->mnt[KISTE_CG_DIRS];
	struct statfs sf;
	char ctl[256];

	if (!mnt[0] || statfs(mnt, &sf) < 0 || sf.f_type != CGROUP2_MAGIC ||
	    read_str(mnt, "cgroup.controllers", ctl, sizeof(ctl)) < 0)
		return -ENOENT;
	if (!has_word(ctl, "memory") || !has_word(ctl, "pids") || !has_word(ctl, "cpu"))
		return -ENOENT;
	snprintf(cg->dir[0], sizeof(cg->dir[0]), "%s/" CG_PARENT, mnt);
	if (write_str(mnt, "cgroup.subtree_control", "+memory +pids +cpu") < 0 ||
	    (mkdir(cg->dir[0], 0755) < 0 && errno != EEXIST) || access(cg->dir[0], W_OK) < 0 ||
	    write_str(cg->dir[0], "cgroup.subtree_control", "+memory +pids +cpu") < 0)
		return -EPERM;
	cg->version = 2;
	cg->ndirs = 1;
	snprintf(cg->home[0], sizeof(cg->home[0]), "%s%s", mnt, w->own[KISTE_CG_DIRS]);
	return 0;
}

/* v1: a child of the caller's cgroup in each of the pids, memory and cpu hierarchies. */
static int setup_v1(const struct cg_where *w, struct kiste_cgroup *cg)
{
	int i;

	for (i = 0; i < KISTE_CG_DIRS; i++) {
		if (!w->mnt[i][0])
			return -ENOENT;
		snprintf(cg->home[i], sizeof(cg->home[i]), "%s%s", w->mnt[i], w->own[i]);
		snprintf(cg->dir[i], sizeof(cg->dir[i]), "%s/" CG_PARENT, cg->home[i]);
		/* Ours to create sandboxes in (root, or a delegated subtree)? */
		if ((mkdir(cg->dir[i], 0755) < 0 && errno != EEXIST) || access(cg->dir[i], W_OK) < 0)
			return -errno;
	}
	cg->version = 1;
	cg->ndirs = KISTE_CG_DIRS;
	return 0;
}

const char *kiste_cgroup_probe(struct kiste_cgroup *cg)
{
	struct cg_where w = { 0 };

	read_mounts(&w);
	read_own(&w);
	*cg = (struct kiste_cgroup){ 0 };
	if (setup_v2(&w, cg) == 0)
		return "v2 (memory, pids, cpu)";
	*cg = (struct kiste_cgroup){ 0 };
	if (setup_v1(&w, cg) == 0)
		return "v1 (pids, memory, cpu hierarchies)";
	*cg = (struct kiste_cgroup){ 0 };
	return NULL;
}

static int set_limits(const struct kiste_cgroup *cg, const struct kiste_cgroup_limits *l)
{
	const char *pids = cg->dir[0], *mem = cg->dir[cg->version == 1],
		   *cpu = cg->dir[cg->version == 1 ? 2 : 0];
	char quota[64];
	int r = 0;

	if (l->pids)
		r = write_u64(pids, "pids.max", l->pids);
	if (!r && l->memory)
		r = write_u64(mem, cg->version == 2 ? "memory.max" : "memory.limit_in_bytes",
			      l->memory);
	/* No swap either: the limit is the sandbox's memory, not a hint. */
	if (!r && l->memory && cg->version == 2)
		write_str(mem, "memory.swap.max", "0");
	if (!r && l->cpus_milli && cg->version == 2) {
		snprintf(quota, sizeof(quota), "%llu %u",
			 (unsigned long long)l->cpus_milli * CPU_PERIOD_US / 1000, CPU_PERIOD_US);
		r = write_str(cpu, "cpu.max", quota);
	} else if (!r && l->cpus_milli) {
		r = write_u64(cpu, "cpu.cfs_period_us", CPU_PERIOD_US);
		if (!r)
			r = write_u64(cpu, "cpu.cfs_quota_us",
				      (unsigned long long)l->cpus_milli * CPU_PERIOD_US / 1000);
	}
	return r;
}

/* SIGKILL to every process left; cgroup.kill where the kernel has it (v2, >= 5.14). */
static void kill_all(const char *dir, int version)
{
	char buf[4096], *p;
	int round;

	if (version == 2 && write_str(dir, "cgroup.kill", "1") == 0)
		return;
	for (round = 0; round < 16; round++) {
		if (read_str(dir, "cgroup.procs", buf, sizeof(buf)) <= 0)
			return;
		/* Never kiste itself: a launcher that could not step out again (launch.c). */
		for (p = strtok(buf, "\n"); p; p = strtok(NULL, "\n"))
			if (atoi(p) != getpid())
				kill((pid_t)atoi(p), SIGKILL);
		usleep(1000);
	}
}

/*
 * Cgroups of launchers that died by SIGKILL before removing them: named
 * MODE-PID, left when PID is gone.  Swept (killed, removed) at the next run.
 */
static void sweep_stale(const struct kiste_cgroup *parent)
{
	char dir[PATH_MAX + 256];
	struct dirent *de;
	const char *dash;
	DIR *d;
	int i;

	for (i = 0; i < parent->ndirs; i++) {
		d = opendir(parent->dir[i]);
		while (d && (de = readdir(d))) {
			dash = strrchr(de->d_name, '-');
			if (de->d_type != DT_DIR || !dash || atoi(dash + 1) <= 0 ||
			    kill(atoi(dash + 1), 0) == 0 || errno != ESRCH)
				continue;
			snprintf(dir, sizeof(dir), "%s/%s", parent->dir[i], de->d_name);
			kill_all(dir, parent->version);
			rmdir(dir);
		}
		if (d)
			closedir(d);
	}
}

/*
 * A launcher can die by SIGKILL, and vm mode's VMM confines itself so that it
 * cannot remove its own cgroup: a small watcher process, outside the
 * sandbox, removes it when the launcher is gone (pidfd readable on exit).
 */
static void watch(const struct kiste_cgroup *cg)
{
	struct kiste_cgroup copy = *cg;

	if (!kiste_watch_exit("kiste-cgroup", NULL))
		return;
	kiste_cgroup_destroy(&copy);
	_exit(0);
}

/*
 * @container: an OCI container's cgroup, below kiste/oci/ (where no sweep
 * looks) and without a watcher: it outlives the create that made it and goes
 * at the container's delete.
 */
static int cgroup_create(const char *name, bool container, const struct kiste_cgroup_limits *l,
			 struct kiste_cgroup *cg, struct kiste_err *err)
{
	const char *how = kiste_cgroup_probe(cg);
	const char *sub = container ? "/oci" : "";
	int i, n, r;

	if (!how)
		return 0;	/* none usable: the caller applies what it can without */
	sweep_stale(cg);
	for (i = 0; i < cg->ndirs; i++) {
		n = (int)strlen(cg->dir[i]);
		if (n + strlen(sub) + strlen(name) + 2 > sizeof(cg->dir[i])) {
			*cg = (struct kiste_cgroup){ 0 };
			return kiste_err_set(err, -ENAMETOOLONG, "cgroup path too long");
		}
		if (container) {
			snprintf(cg->dir[i] + n, sizeof(cg->dir[i]) - n, "%s", sub);
			if (mkdir(cg->dir[i], 0755) < 0 && errno != EEXIST) {
				*cg = (struct kiste_cgroup){ 0 };
				return 0;	/* not ours to write: none usable, as below */
			}
			/*
			 * v2: the controllers reach a container's cgroup only when
			 * oci/ passes them down too (its limits' files were missing:
			 * every create failed on a cgroup v2 host, Debian 12's default).
			 */
			if (cg->version == 2 &&
			    write_str(cg->dir[i], "cgroup.subtree_control", "+memory +pids +cpu") < 0) {
				*cg = (struct kiste_cgroup){ 0 };
				return kiste_err_set(err, -EPERM, "cannot enable the memory, pids and "
						     "cpu controllers for containers' cgroups");
			}
			n += (int)strlen(sub);
		}
		snprintf(cg->dir[i] + n, sizeof(cg->dir[i]) - n, "/%s", name);
	}
	/* The watcher first: a launcher killed from here on leaves nothing behind. */
	if (!container)
		watch(cg);
	for (i = 0; i < cg->ndirs; i++) {
		if (mkdir(cg->dir[i], 0755) < 0) {
			r = -errno;
			cg->ndirs = i;
			kiste_cgroup_destroy(cg);
			/* Not ours to write (a caller without delegation): none usable. */
			if (r == -EACCES || r == -EPERM || r == -EROFS)
				return 0;
			return kiste_err_set(err, r, "cannot create the sandbox's cgroup %s: %s",
					     name, strerror(-r));
		}
	}
	r = set_limits(cg, l);
	if (r < 0) {
		kiste_cgroup_destroy(cg);
		return kiste_err_set(err, r, "cannot set the sandbox's cgroup limits: %s",
				     strerror(-r));
	}
	return 0;
}

int kiste_cgroup_create(const char *name, const struct kiste_cgroup_limits *l,
			struct kiste_cgroup *cg, struct kiste_err *err)
{
	return cgroup_create(name, false, l, cg, err);
}

int kiste_cgroup_create_container(const char *name, const struct kiste_cgroup_limits *l,
				  struct kiste_cgroup *cg, struct kiste_err *err)
{
	return cgroup_create(name, true, l, cg, err);
}

int kiste_cgroup_attach(const struct kiste_cgroup *cg, pid_t pid, struct kiste_err *err)
{
	char buf[32];
	int i, r;

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (i = 0; i < cg->ndirs; i++) {
		/*
		 * v1's cgroup.procs waits for an RCU grace period (milliseconds);
		 * "tasks" moves one thread without it, and kiste moves only
		 * single-threaded processes (a fresh child, or the VMM before its
		 * vCPU threads).
		 */
		r = write_str(cg->dir[i], cg->version == 1 ? "tasks" : "cgroup.procs", buf);
		if (r < 0)
			return kiste_err_set(err, r, "cannot move the sandbox into its cgroup: %s",
					     strerror(-r));
	}
	return 0;
}

bool kiste_cgroup_can_leave(const struct kiste_cgroup *cg)
{
	char path[PATH_MAX + 16];
	int i;

	for (i = 0; i < cg->ndirs; i++) {
		snprintf(path, sizeof(path), "%s/%s", cg->home[i],
			 cg->version == 1 ? "tasks" : "cgroup.procs");
		if (access(path, W_OK) < 0)
			return false;
	}
	return cg->ndirs > 0;
}

int kiste_cgroup_leave(const struct kiste_cgroup *cg)
{
	int i, r = 0;

	for (i = 0; i < cg->ndirs; i++)
		r |= write_str(cg->home[i], cg->version == 1 ? "tasks" : "cgroup.procs", "0");
	return r;
}

bool kiste_cgroup_oom(const struct kiste_cgroup *cg)
{
	const char *mem = cg->version == 1 ? cg->dir[1] : cg->dir[0];
	char buf[512], *p;

	if (!cg->version)
		return false;
	if (read_str(mem, cg->version == 2 ? "memory.events" : "memory.oom_control", buf,
		     sizeof(buf)) < 0)
		return false;
	p = strstr(buf, "oom_kill ");
	return p && strtoul(p + 9, NULL, 10) > 0;
}

void kiste_cgroup_destroy(struct kiste_cgroup *cg)
{
	int i, tries;

	for (i = 0; i < cg->ndirs; i++) {
		kill_all(cg->dir[i], cg->version);
		/*
		 * Dying processes leave their cgroup a moment after SIGKILL, and
		 * a zombie until its (new) parent reaps it: v1's memory cgroup
		 * stays busy that long.  Up to 4 s, then the next run's sweep.
		 */
		for (tries = 0; tries < 800 && rmdir(cg->dir[i]) < 0 && errno == EBUSY; tries++)
			usleep(5000);
	}
	cg->ndirs = 0;
	cg->version = 0;
}
