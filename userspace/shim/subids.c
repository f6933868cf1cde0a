// SPDX-License-Identifier: GPL-2.0
// subids.c - an ordinary caller's sandbox: a slice of its /etc/subuid range, mapped by newuidmap.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shim.h"

/*
 * Layout (README.md, "Process tree and layers"): the sandbox's 0 is the
 * caller, so what the caller owns (its files, volumes, a --rootfs of its own
 * with --rw) stays writable, as in rootless podman's default; its
 * 1..SHIM_IDS_SIZE-1 are a slice of SHIM_IDS_SIZE ids of the caller's
 * subordinate range (the slice's first id unused, so that N inside is the
 * slice's start + N outside, as with root's ranges), one no other running
 * sandbox of the caller holds.
 *
 * A slice is held by flock on two files (one per id kind, named by the
 * slice's first host id, so a reordered /etc/subuid still collides) in a
 * folder of the caller's own below its home as the passwd database has it
 * (never $HOME or $XDG_*: every launcher of one caller must agree on the
 * folder, whatever its environment or session).  Nobody else may write
 * there, so no other user can pre-create, hold or replace the lock files.
 */
#define SUBIDS_LOCK_DIR ".local/state/kiste/ids"
/* The caller's lines in one file: shadow has no cap; real files hold one or two. */
#define SUBIDS_MAX_RANGES 32
/* Lines of /etc/subuid: shadow's own lines are short; a longer one of the caller's is refused. */
#define SUBIDS_MAX_LINE 4096

struct sub_set {
	unsigned long start[SUBIDS_MAX_RANGES], count[SUBIDS_MAX_RANGES];
	int n;
	unsigned long slices;	/* SHIM_IDS_SIZE-id slices in all of them */
};

enum sub_state { SUB_NO_USER, SUB_NO_UID, SUB_NO_GID, SUB_NO_HELPER, SUB_OK };

struct subids {
	char name[256], uidstr[16], home[PATH_MAX - 64];	/* home: room for the lock folder */
	uid_t uid;
	gid_t gid;
	struct sub_set u, g;
	const char *missing;	/* SUB_NO_HELPER: which helper */
};

/* The owner field of @line (before its first ':') is the caller's name or uid, as shadow reads it. */
static bool owner_is(const char *line, const struct subids *s)
{
	size_t len = strcspn(line, ":");

	if (line[len] != ':')
		return false;
	return (len == strlen(s->name) && !strncmp(line, s->name, len)) ||
	       (len == strlen(s->uidstr) && !strncmp(line, s->uidstr, len));
}

/* START:COUNT after the owner, digits only; the range within 65536..4294967294. */
static int parse_range(const char *line, struct sub_set *set)
{
	const char *p;
	long long st, c;

	st = shim_ids_number(line + strcspn(line, ":") + 1, &p);
	if (st < 0 || *p != ':')
		return -1;
	c = shim_ids_number(p + 1, &p);
	if (c < 0 || (*p && *p != '\n'))
		return -1;
	/* Never host root or a system id, never past 4294967294 (as ids.c's pool). */
	if (st < (long long)SHIM_IDS_SIZE || c > 0xfffffffeLL - st)
		return -1;
	if (set->n == SUBIDS_MAX_RANGES)
		return 0;
	set->start[set->n] = (unsigned long)st;
	set->count[set->n++] = (unsigned long)c;
	set->slices += (unsigned long)c / SHIM_IDS_SIZE;
	return 0;
}

/* The caller's ranges in @file: their number (0: none, or no file), or -errno with @err set. */
static int read_ranges(const char *file, const struct subids *s, struct sub_set *set,
		       struct kiste_err *err)
{
	FILE *f = fopen(file, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int ret = 0;

	memset(set, 0, sizeof(*set));
	if (!f)
		return 0;
	while ((len = getline(&line, &cap, f)) >= 0) {
		if (!owner_is(line, s))
			continue;
		if (len > SUBIDS_MAX_LINE || parse_range(line, set) < 0) {
			line[strcspn(line, "\n")] = 0;
			ret = kiste_err_set(err, -ERANGE, "%s: the line '%.64s' must be %s:START:COUNT "
					    "in digits, the range within 65536..4294967294: fix it "
					    "(or remove it and run kiste-subids %s as root)", file,
					    line, s->name, s->name);
			break;
		}
	}
	free(line);
	fclose(f);
	return ret < 0 ? ret : set->n;
}

/* @name in one of the folders of @dirs (':'-separated, absolute ones only): 0, or -ENOENT. */
static int search_dirs(const char *dirs, const char *name, char *out, size_t n)
{
	const char *p, *e;
	struct stat st;
	int len;

	for (p = dirs; p && *p; p = *e ? e + 1 : e) {
		e = p + strcspn(p, ":");
		if (e == p || *p != '/')
			continue;
		len = snprintf(out, n, "%.*s/%s", (int)(e - p), p, name);
		if (len > 0 && (size_t)len < n && stat(out, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(out, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

/* newuidmap or newgidmap on PATH, else in the usual folders: 0, or -ENOENT. */
static int find_helper(const char *name, char *out, size_t n)
{
	if (search_dirs(getenv("PATH"), name, out, n) == 0)
		return 0;
	return search_dirs("/usr/bin:/bin:/usr/sbin:/sbin", name, out, n);
}

/* Which identities apply to the caller: enum sub_state, or -errno (a bad line) with @err set. */
static int subids_find(struct subids *s, struct kiste_err *err)
{
	struct passwd *pw = getpwuid(getuid());
	char path[PATH_MAX];
	int r;

	memset(s, 0, sizeof(*s));
	s->uid = getuid();
	snprintf(s->uidstr, sizeof(s->uidstr), "%u", (unsigned int)s->uid);
	if (!pw || !pw->pw_name || strlen(pw->pw_name) >= sizeof(s->name))
		return SUB_NO_USER;
	snprintf(s->name, sizeof(s->name), "%s", pw->pw_name);
	if (pw->pw_dir && strlen(pw->pw_dir) < sizeof(s->home))
		snprintf(s->home, sizeof(s->home), "%s", pw->pw_dir);
	s->gid = pw->pw_gid;
	r = read_ranges("/etc/subuid", s, &s->u, err);
	if (r <= 0)
		return r < 0 ? r : SUB_NO_UID;
	r = read_ranges("/etc/subgid", s, &s->g, err);
	if (r <= 0)
		return r < 0 ? r : SUB_NO_GID;
	if (!s->u.slices || !s->g.slices)
		return kiste_err_set(err, -ERANGE, "/etc/%s: the ranges of %s hold fewer than "
				     "%lu ids, a sandbox's slice: have root give a larger one "
				     "(kiste-subids %s)", s->u.slices ? "subgid" : "subuid",
				     s->name, SHIM_IDS_SIZE, s->name);
	s->missing = find_helper("newuidmap", path, sizeof(path)) ? "newuidmap" :
		     find_helper("newgidmap", path, sizeof(path)) ? "newgidmap" : NULL;
	return s->missing ? SUB_NO_HELPER : SUB_OK;
}

/* The first host id of slice @i of @set. */
static unsigned long slice_start(const struct sub_set *set, unsigned long i)
{
	unsigned long k;
	int j;

	for (j = 0; j < set->n; j++) {
		k = set->count[j] / SHIM_IDS_SIZE;
		if (i < k)
			return set->start[j] + i * SHIM_IDS_SIZE;
		i -= k;
	}
	return 0;
}

/* The caller's lock folder, made (0700) where missing: a descriptor, or -errno with @err set. */
static int lock_dir(const struct subids *s, struct kiste_err *err)
{
	char path[PATH_MAX], *p;
	struct stat st;
	int fd;

	if (s->home[0] != '/')
		return kiste_err_set(err, -ENOENT, "user %s has no home folder in the passwd "
				     "database, where kiste keeps its id-slice locks (~/%s): give it "
				     "one, or drop its /etc/subuid range", s->name, SUBIDS_LOCK_DIR);
	snprintf(path, sizeof(path), "%s/%s", s->home, SUBIDS_LOCK_DIR);
	for (p = strchr(path + strlen(s->home) + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = 0;
		mkdir(path, 0700);
		*p = '/';
	}
	mkdir(path, 0700);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return kiste_err_set(err, -errno, "cannot keep id-slice locks in %s: %s: make it a "
				     "folder of yours (or drop your /etc/subuid range to run with "
				     "your own id alone)", path, strerror(errno));
	/* Another user who could write there could hold or swap the lock files. */
	if (fstat(fd, &st) < 0 || st.st_uid != s->uid || (st.st_mode & 022)) {
		close(fd);
		return kiste_err_set(err, -EPERM, "%s must be a folder of yours that no one else "
				     "may write: chmod 700 it, or remove it", path);
	}
	return fd;
}

/* Locks @kind's slice at @start: its descriptor; -EBUSY when held; else -errno with @err set. */
static int lock_one(int dir, const struct subids *s, char kind, unsigned long start,
		    struct kiste_err *err)
{
	struct stat st;
	char name[32];
	int fd;

	snprintf(name, sizeof(name), "%c%lu", kind, start);
	fd = openat(dir, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != s->uid) {
		if (fd >= 0)
			close(fd);
		return kiste_err_set(err, -EPERM, "~/%s/%s is not a lock file of yours: remove it",
				     SUBIDS_LOCK_DIR, name);
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return fd;
	close(fd);
	if (errno == EWOULDBLOCK)
		return -EBUSY;
	return kiste_err_set(err, -errno, "cannot lock ~/%s/%s: %s", SUBIDS_LOCK_DIR, name,
			     strerror(errno));
}

static bool holds(unsigned long start, unsigned int id)
{
	return id > start && id - start < SHIM_IDS_SIZE;
}

/* Slice @slot for the caller: 0 taken, -EBUSY held by another sandbox, else -errno. */
static int take_slot(struct shim_ids *ids, const struct subids *s, int dir, unsigned long slot,
		     struct kiste_err *err)
{
	unsigned long us = slice_start(&s->u, slot), gs = slice_start(&s->g, slot);
	int ufd, gfd;

	/* A slice holding the caller's own id would overlap the map of 0: the kernel refuses. */
	if (holds(us, s->uid) || holds(gs, s->gid))
		return -EBUSY;
	ufd = lock_one(dir, s, 'u', us, err);
	if (ufd < 0)
		return ufd;
	gfd = lock_one(dir, s, 'g', gs, err);
	if (gfd < 0) {
		close(ufd);
		return gfd;
	}
	ids->sub = true;
	ids->uid_base = (unsigned int)us;
	ids->gid_base = (unsigned int)gs;
	ids->self_uid = s->uid;
	ids->self_gid = s->gid;
	ids->lock_fd = ufd;
	ids->lock2_fd = gfd;
	return 0;
}

int shim_subids_take(struct shim_ids *ids, struct kiste_err *err)
{
	unsigned long n, i;
	struct subids s;
	int r, dir;

	r = subids_find(&s, err);
	if (r != SUB_OK)
		return r < 0 ? r : 0;	/* no range or no helper: 0 is the caller, nothing else */
	dir = lock_dir(&s, err);
	if (dir < 0)
		return dir;
	n = s.u.slices < s.g.slices ? s.u.slices : s.g.slices;
	/*
	 * The first free slice, always from the first: a caller's sandboxes run
	 * one after another get the same ids, so what one leaves in a volume keeps
	 * its owners for the next (racing launchers just take the next slice).
	 */
	for (i = 0, r = -EBUSY; i < n && r == -EBUSY; i++)
		r = take_slot(ids, &s, dir, i, err);
	close(dir);
	if (r == -EBUSY)
		r = kiste_err_set(err, -EBUSY, "all %lu id slices of your range in /etc/subuid and "
				  "/etc/subgid are held by your running sandboxes: end one, or have "
				  "root give you a larger range (kiste-subids %s)", n, s.name);
	return r;
}

/* Runs @argv[0] (a setuid helper) and waits: 0, or -EPERM with its first line of output in @err. */
static int run_helper(char *const argv[], struct kiste_err *err)
{
	static char *const envp[] = { "PATH=/usr/bin:/bin:/usr/sbin:/sbin", "LC_ALL=C", NULL };
	char out[512] = "";
	ssize_t got, len = 0;
	int p[2], st = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return kiste_err_set(err, -errno, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execve(argv[0], argv, envp);
		dprintf(2, "cannot run it: %s\n", strerror(errno));
		_exit(127);
	}
	close(p[1]);
	while (pid > 0 && len < (ssize_t)sizeof(out) - 1 &&
	       (got = read(p[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += got;
	close(p[0]);
	if (pid < 0)
		return kiste_err_set(err, -errno, "fork: %s", strerror(errno));
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	out[len] = 0;
	out[strcspn(out, "\n")] = 0;
	return kiste_err_set(err, -EPERM, "cannot map the sandbox's ids: %s said '%s': check your "
			     "lines in /etc/subuid and /etc/subgid and that it is setuid root "
			     "(Debian's uidmap package; kiste check)", argv[0], out);
}

/*
 * Outside the user namespace, on the sandbox's init (still the caller's,
 * waiting for its maps): the setuid helpers check the slice against
 * /etc/subuid and /etc/subgid and write the maps the caller could not.
 */
int shim_subids_map(const struct shim_ids *ids, pid_t pid, struct kiste_err *err)
{
	char path[PATH_MAX], spid[16], self[16], base[16], count[16];
	char *argv[] = { path, spid, "0", self, "1", "1", base, count, NULL };
	int i;

	snprintf(spid, sizeof(spid), "%d", (int)pid);
	snprintf(count, sizeof(count), "%lu", SHIM_IDS_SIZE - 1);
	for (i = 0; i < 2; i++) {
		if (find_helper(i ? "newgidmap" : "newuidmap", path, sizeof(path)) < 0)
			return kiste_err_set(err, -ENOENT, "%s is gone: install Debian's uidmap "
					     "package", i ? "newgidmap" : "newuidmap");
		snprintf(self, sizeof(self), "%u", i ? ids->self_gid : ids->self_uid);
		snprintf(base, sizeof(base), "%u", (i ? ids->gid_base : ids->uid_base) + 1);
		if (run_helper(argv, err) < 0)
			return err->code;
	}
	return 0;
}

void shim_ids_describe(char *buf, size_t n)
{
	struct kiste_err err = { 0 };
	struct subids s;
	int r;

	if (kiste_host_root()) {
		snprintf(buf, n, "run as root, each sandbox a range of %lu host ids of its own "
			 "(user kiste's /etc/subuid range, else 0x60000000 up)", SHIM_IDS_SIZE);
		return;
	}
	r = subids_find(&s, &err);
	if (r < 0)
		snprintf(buf, n, "refused: %s", err.msg);
	else if (r == SUB_OK)
		snprintf(buf, n, "0 is you, 1..%lu a slice of your /etc/subuid and /etc/subgid "
			 "range of its own per sandbox (%lu at once), mapped by newuidmap and "
			 "newgidmap", SHIM_IDS_SIZE - 1,
			 s.u.slices < s.g.slices ? s.u.slices : s.g.slices);
	else if (r == SUB_NO_HELPER)
		snprintf(buf, n, "0 is you and no other id is mapped: /etc/subuid gives %s a range "
			 "but %s is missing: install Debian's uidmap package", s.name, s.missing);
	else
		snprintf(buf, n, "0 is you and no other id is mapped (chown to other ids fails): "
			 "%s: as root, run kiste-subids %s", r == SUB_NO_USER ?
			 "you are not in the passwd database" : r == SUB_NO_UID ?
			 "/etc/subuid gives you no range" : "/etc/subgid gives you no range",
			 s.name[0] ? s.name : "USER");
}
