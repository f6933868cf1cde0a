// SPDX-License-Identifier: GPL-2.0
// procfs.c - the workload's /proc: the sandbox's own procfs seen through guest pids, filtered.
#include <linux/fcntl.h>
#include <linux/openat2.h>
#include <linux/prctl.h>
#include <asm/stat.h>

#include "gk.h"

/*
 * The launcher hands over a procfs of the sandbox's pid namespace that is
 * mounted nowhere (GK_FD_PROC); the rootfs's /proc is an empty tmpfs.  Every
 * guest path under /proc is served here: guest pids become namespace pids,
 * only the listed entries exist (no mem, pagemap, task, ns, ...), nothing is
 * writable, and status, stat and maps are regenerated with guest pids, the
 * reported identity and the guest kernel's own mapping named [kiste-gk].
 */
enum {
	PK_PLAIN, PK_ROOT, PK_PID, PK_FD, PK_STATUS, PK_STAT, PK_MAPS, PK_SELF, PK_EXE, PK_FDLINK,
	PK_MOUNTINFO, PK_CWD, PK_RLINK, PK_MEMINFO, PK_CPUINFO, PK_PSTAT, PK_CGROUP, PK_CGROUPS, PK_LIMITS,
};

struct procp {
	int kind;
	int self;
	long gpid;
	long fdn;
	char rel[GK_PATH_MAX];	/* beneath the procfs */
};

static const char *const top_ok[] = {
	"cpuinfo", "meminfo", "uptime", "loadavg", "stat", "version", "filesystems", "mounts",
	"sys", "self", "thread-self", "cmdline", "cgroups", NULL,
};
static const char *const pid_ok[] = {
	"fd", "fdinfo", "exe", "cwd", "root", "status", "stat", "statm", "maps", "smaps",
	"cmdline", "comm", "environ", "limits", "mounts", "mountinfo", "cgroup", "io",
	"oom_score", "oom_score_adj", "wchan", "uid_map", "gid_map", "setgroups", NULL,
};

static int listed(const char *const *l, const char *s, size_t n)
{
	for (; *l; l++)
		if (strlen(*l) == n && !strncmp(*l, s, n))
			return 1;
	return 0;
}

/* A decimal number filling s[0..n), or -1. */
static long num(const char *s, size_t n)
{
	long v = 0;
	size_t i;

	if (!n || n > 9)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static long my_gpid(void)
{
	return gk_to_guest_pid(hs0(__NR_getpid));
}

/* @abs normalized into @norm: 1 when it lies in /proc. */
int gk_proc_path(const char *abs, char *norm, size_t n)
{
	/* Any spelling ("//proc", "/x/../proc") names it: only then is the copy made. */
	if (!strstr(abs, "proc") && !strstr(abs, "cgroup"))
		return 0;
	if (strlen(abs) >= n)
		return 0;
	memcpy(norm, abs, strlen(abs) + 1);
	gk_normalize(norm);
	/* /sys/fs/cgroup is served the same way (cgroup.c). */
	return (!strncmp(norm, "/proc", 5) && (norm[5] == 0 || norm[5] == '/')) ||
	       gk_cgroup_path(norm);
}

static long parse_pid(const char *s, struct procp *p)
{
	const char *c2 = s, *e2;
	size_t l2;
	long hpid = gk_to_host_pid(p->gpid);

	if (!*c2) {
		p->kind = p->kind == PK_SELF ? PK_SELF : PK_PID;
		snprintf(p->rel, sizeof(p->rel), "%ld", hpid);
		return 0;
	}
	c2++;
	e2 = strchr(c2, '/');
	l2 = e2 ? (size_t)(e2 - c2) : strlen(c2);
	if (!listed(pid_ok, c2, l2))
		return -ENOENT;
	snprintf(p->rel, sizeof(p->rel), "%ld/%s", hpid, c2);
	p->kind = PK_PLAIN;
	if (l2 == 2 && !strncmp(c2, "fd", 2)) {
		if (!e2)
			p->kind = PK_FD;
		else if ((p->fdn = num(e2 + 1, strlen(e2 + 1))) < 0 || p->fdn >= GK_FD_BASE)
			return -ENOENT;
		else
			p->kind = PK_FDLINK;
	} else if (l2 == 6 && !strncmp(c2, "fdinfo", 6)) {
		if (!e2)
			p->kind = PK_FD;
		else if ((p->fdn = num(e2 + 1, strlen(e2 + 1))) < 0 || p->fdn >= GK_FD_BASE)
			return -ENOENT;
		else
			p->kind = PK_STATUS;	/* a pidfd's Pid and NSpid lines: guest pids */
	} else if (e2) {
		return -ENOENT;	/* only fd and fdinfo nest: never through root or cwd */
	} else if (!strcmp(c2, "exe")) {
		p->kind = PK_EXE;
	} else if (!strcmp(c2, "status")) {
		p->kind = PK_STATUS;
	} else if (!strcmp(c2, "stat")) {
		p->kind = PK_STAT;
	} else if (!strcmp(c2, "maps") || !strcmp(c2, "smaps")) {
		p->kind = PK_MAPS;
	} else if (!strcmp(c2, "mountinfo")) {
		p->kind = PK_MOUNTINFO;
	} else if (!strcmp(c2, "cwd")) {
		p->kind = PK_CWD;
	} else if (!strcmp(c2, "root")) {
		p->kind = PK_RLINK;
	} else if (!strcmp(c2, "cgroup")) {
		p->kind = PK_CGROUP;
	} else if (!strcmp(c2, "limits") && p->self) {
		p->kind = PK_LIMITS;	/* RLIMIT_NOFILE and RLIMIT_CORE are the guest kernel's */
	}
	return 0;
}

/* A normalized /proc path: what it is and where it lies beneath the procfs. */
static long parse(const char *norm, struct procp *p)
{
	const char *s = norm + 5, *e;
	size_t l;

	memset(p, 0, sizeof(*p));
	if (gk.boot.proc_fd < 0 || strncmp(norm, "/proc", 5))
		return -ENOENT;
	if (!*s) {
		p->kind = PK_ROOT;
		gk_strlcpy(p->rel, ".", sizeof(p->rel));
		return 0;
	}
	s++;
	e = strchr(s, '/');
	l = e ? (size_t)(e - s) : strlen(s);
	if ((l == 4 && !strncmp(s, "self", 4)) || (l == 11 && !strncmp(s, "thread-self", 11))) {
		p->gpid = my_gpid();
		p->self = 1;
		p->kind = PK_SELF;
		return parse_pid(s + l, p);
	}
	p->gpid = num(s, l);
	if (p->gpid >= 0) {
		if (p->gpid < 1)
			return -ENOENT;
		p->self = p->gpid == my_gpid();
		return parse_pid(s + l, p);
	}
	if (!listed(top_ok, s, l))
		return -ENOENT;
	p->kind = PK_PLAIN;
	gk_strlcpy(p->rel, s, sizeof(p->rel));
	/* What --cpus and --memory change (limits.c). */
	if (!strcmp(s, "meminfo"))
		p->kind = PK_MEMINFO;
	else if (!strcmp(s, "cpuinfo"))
		p->kind = PK_CPUINFO;
	else if (!strcmp(s, "stat"))
		p->kind = PK_PSTAT;
	else if (!strcmp(s, "cgroups"))
		p->kind = PK_CGROUPS;
	return 0;
}

static long host_open(const char *rel, long flags)
{
	struct open_how how = {
		.flags = (unsigned long)flags,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	return gk_fd_host(hs4(__NR_openat2, gk.boot.proc_fd, rel, &how, sizeof(how)));
}

/* ---- regenerated files ---- */

/* The file being regenerated is the caller's own process's (its thread count is ours). */
static int gen_self;

static long map_pid(long v)
{
	return v > 0 ? gk_to_guest_pid(v) : v;
}

struct out {
	char buf[GK_PATH_MAX + 256];
	size_t len;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n >= sizeof(o->buf))
		n = sizeof(o->buf) - 1 - o->len;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void putf(struct out *o, const char *fmt, long v)
{
	char t[32];

	put(o, t, snprintf(t, sizeof(t), fmt, v));
}

/* "Key:\tN\tN..." with every number a guest pid. */
static void status_pids(struct out *o, const char *line, size_t n, size_t key)
{
	size_t i = key + 1;

	put(o, line, key + 1);
	while (i < n) {
		long v = 0, neg = 0;

		while (i < n && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i >= n)
			break;
		if (line[i] == '-')
			neg = 1, i++;
		while (i < n && line[i] >= '0' && line[i] <= '9')
			v = v * 10 + (line[i++] - '0');
		putf(o, "\t%ld", map_pid(neg ? -v : v));
		while (i < n && line[i] != ' ' && line[i] != '\t')
			i++;
	}
}

static void xform_status(struct out *o, const char *line, size_t n)
{
	static const char *const pids[] = { "Tgid", "Pid", "PPid", "TracerPid", "NStgid", "NSpid",
					    "NSpgid", "NSsid", NULL };
	const char *colon = memchr(line, ':', n);
	size_t key = colon ? (size_t)(colon - line) : 0;

	if (colon && listed(pids, line, key)) {
		status_pids(o, line, n, key);
	} else if (colon && (key == 3 && (!strncmp(line, "Uid", 3) || !strncmp(line, "Gid", 3)))) {
		unsigned int id = line[0] == 'U' ? gk.uid : gk.gid;

		put(o, line, 4);
		putf(o, "\t%ld", id);
		putf(o, "\t%ld", id);
		putf(o, "\t%ld", id);
		putf(o, "\t%ld", id);
	} else if (colon && key == 6 && !strncmp(line, "Groups", 6)) {
		put(o, "Groups:\t", 8);
	} else if (colon && gen_self && key == 7 && !strncmp(line, "Threads", 7)) {
		/* after an exec from a thread the host still counts the old leader, a zombie */
		putf(o, "Threads:\t%ld", gk_thread_count());
	} else if (colon && key >= 12 && !strncmp(line, "Cpus_allowed", 12)) {
		int drop;
		size_t k = gk_limits_line(GK_LIM_STATUS, line, n, o->buf, sizeof(o->buf) - 1, &drop);

		if (k)
			o->len = k;
		else
			put(o, line, n);
	} else {
		put(o, line, n);
	}
}

/* pid (comm) state ppid pgrp session tty tpgid ...: the pid fields become guest pids. */
static void xform_stat(struct out *o, const char *line, size_t n)
{
	size_t i, close = 0, f = 3;
	long v;

	for (i = 0; i < n; i++)
		if (line[i] == ')')
			close = i;
	v = num(line, (size_t)(strchr(line, ' ') - line));
	if (!close || v < 0) {
		put(o, line, n);
		return;
	}
	putf(o, "%ld", map_pid(v));
	put(o, strchr(line, ' '), close + 1 - (size_t)(strchr(line, ' ') - line));
	i = close + 1;
	while (i < n) {
		size_t s = ++i;	/* past the space */
		int neg = 0;

		while (i < n && line[i] != ' ')
			i++;
		put(o, " ", 1);
		if (f == 20 && gen_self) {	/* num_threads, as Threads: in status */
			putf(o, "%ld", gk_thread_count());
			while (i < n && line[i] != ' ')
				i++;
			f++;
			continue;
		}
		if (f >= 4 && f <= 8 && f != 7) {
			const char *q = line + s;

			if (*q == '-')
				neg = 1, q++;
			v = num(q, line + i - q);
			if (v >= 0) {
				putf(o, "%ld", map_pid(neg ? -v : v));
				f++;
				continue;
			}
		}
		put(o, line + s, i - s);
		f++;
	}
}

static unsigned long dec(const char **s)
{
	unsigned long v = 0;

	for (; **s >= '0' && **s <= '9'; (*s)++)
		v = v * 10 + (unsigned long)(**s - '0');
	return v;
}

static unsigned long hex(const char **s)
{
	unsigned long v = 0;

	for (;; (*s)++) {
		char c = **s;

		if (c >= '0' && c <= '9')
			v = v * 16 + (c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (c - 'a' + 10);
		else
			return v;
	}
}

/* The guest kernel's own mapping is named, not hidden: it is there to be found anyway. */
static void xform_maps(struct out *o, const char *line, size_t n)
{
	const char *s = line;
	unsigned long start = hex(&s), end;
	size_t i, field = 0;

	if (s == line || *s != '-') {
		put(o, line, n);
		return;
	}
	s++;
	end = hex(&s);
	if (start < gk.boot.image_start || end > gk.boot.image_end) {
		put(o, line, n);
		return;
	}
	for (i = 0; i < n && field < 5; i++)
		if (line[i] == ' ' && i && line[i - 1] != ' ')
			field++;
	put(o, line, i);
	while (o->len < 73)
		put(o, " ", 1);
	put(o, "[kiste-gk]", 10);
}

/* "id parent maj:min root mountpoint ...": the root within its filesystem is a host path. */
static void xform_mountinfo(struct out *o, const char *line, size_t n)
{
	size_t i, f = 0, s = 0;

	for (i = 0; i < n && f < 3; i++)
		if (line[i] == ' ')
			f++, s = i + 1;
	if (f < 3) {
		put(o, line, n);
		return;
	}
	while (i < n && line[i] != ' ')
		i++;
	put(o, line, s);
	put(o, "/", 1);
	put(o, line + i, n - i);
}

/* Lines of a file the limits change: dropped, rewritten, or written as they are (any length). */
static void emit_limited(long mfd, int kind, const char *line, size_t n, int nl)
{
	int lk = kind == PK_MEMINFO ? GK_LIM_MEMINFO : kind == PK_CPUINFO ? GK_LIM_CPUINFO :
		 kind == PK_LIMITS ? GK_LIM_RLIMITS : GK_LIM_STAT, drop;
	struct out o;

	o.len = gk_limits_line(lk, line, n, o.buf, sizeof(o.buf) - 1, &drop);
	if (drop)
		return;
	if (o.len) {
		line = o.buf;
		n = o.len;
	}
	hs3(__NR_write, mfd, line, n);
	if (nl)
		hs3(__NR_write, mfd, "\n", 1);
}

/* The id of the last mount on /sys, the parent of the cgroup view's line. */
static long sys_mount_id;

/*
 * A mountinfo line of the host's cgroup mounts (shadowed by the empty /sys
 * anyway) is dropped: the view's own cgroup2 line stands for them (cgroup.c).
 */
static int cgroup_line(const char *line, size_t n)
{
	char f[5][64];
	size_t i = 0, k, len;
	const char *dash;

	for (k = 0; k < 5; k++) {
		for (len = 0; i < n && line[i] != ' '; i++)
			if (len < sizeof(f[k]) - 1)
				f[k][len++] = line[i];
		f[k][len] = 0;
		i++;
	}
	if (!gk_cgroup_path("/sys/fs/cgroup"))
		return 0;
	if (!strcmp(f[4], "/sys"))
		sys_mount_id = num(f[0], strlen(f[0]));
	for (dash = line; dash + 11 <= line + n; dash++)	/* the line is not NUL-terminated */
		if (!strncmp(dash, " - cgroup ", 10) || !strncmp(dash, " - cgroup2 ", 11))
			return 1;
	return gk_cgroup_path(f[4]);
}

static void emit(long mfd, int kind, const char *line, size_t n, int nl)
{
	struct out o = { .len = 0 };

	if (kind == PK_MOUNTINFO && cgroup_line(line, n))
		return;

	if (kind == PK_MEMINFO || kind == PK_CPUINFO || kind == PK_PSTAT || kind == PK_LIMITS) {
		emit_limited(mfd, kind, line, n, nl);
		return;
	}
	if (kind == PK_STATUS)
		xform_status(&o, line, n);
	else if (kind == PK_STAT)
		xform_stat(&o, line, n);
	else if (kind == PK_MOUNTINFO)
		xform_mountinfo(&o, line, n);
	else
		xform_maps(&o, line, n);
	if (nl)
		put(&o, "\n", 1);
	hs3(__NR_write, mfd, o.buf, o.len);
}

static long generate(int kind, const char *rel)
{
	static char in[8192];
	long src = host_open(rel, O_RDONLY | O_CLOEXEC), mfd, r;
	size_t have = 0, start, i;

	if (src < 0)
		return src;
	mfd = gk_fd_host(hs2(__NR_memfd_create, "kiste-proc",
			      1 /* CLOEXEC */ | 2 /* ALLOW_SEALING */));
	if (mfd < 0) {
		hs1(__NR_close, src);
		return mfd;
	}
	for (;;) {
		r = hs3(__NR_read, src, in + have, sizeof(in) - have);
		if (r < 0)
			break;
		have += r;
		start = 0;
		for (i = 0; i < have; i++) {
			if (in[i] == '\n') {
				emit(mfd, kind, in + start, i - start, 1);
				start = i + 1;
			}
		}
		if (r == 0) {
			if (start < have)
				emit(mfd, kind, in + start, have - start, 0);
			break;
		}
		if (!start && have == sizeof(in)) {
			emit(mfd, kind, in, have, 0);	/* no line is that long: pass it on */
			start = have;
		}
		memmove(in, in + start, have - start);
		have -= start;
	}
	hs1(__NR_close, src);
	if (kind == PK_MOUNTINFO)
		gk_cgroup_mountinfo(mfd, sys_mount_id);
	/* F_SEAL_SEAL | SHRINK | GROW | WRITE: what procfs gives is read-only. */
	hs3(__NR_fcntl, mfd, 1033 /* F_ADD_SEALS */, 0xf);
	hs3(__NR_lseek, mfd, 0, 0);
	if (r < 0) {
		hs1(__NR_close, mfd);
		return r;
	}
	return mfd;
}

/*
 * A task's capability sets and no_new_privs, from the host's status file of
 * @rel ("thread-self" or a host pid): caps[] = CapInh, CapPrm, CapEff, CapBnd,
 * CapAmb.  The host's are the truth (the sandbox's user namespace gives them).
 */
long gk_proc_caps(const char *rel, unsigned long caps[5], int *nnp)
{
	static const char *const keys[] = { "CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:" };
	char path[48], buf[4096];
	const char *l, *v;
	long fd, n;
	int i, found = 0;

	snprintf(path, sizeof(path), "%s/status", rel);
	fd = host_open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fd == -ENOENT ? -ESRCH : fd;
	n = hs3(__NR_read, fd, buf, sizeof(buf) - 1);
	hs1(__NR_close, fd);
	if (n < 0)
		return n;
	buf[n] = 0;
	*nnp = 0;
	for (l = buf; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		for (i = 0; i < 5; i++) {
			if (!strncmp(l, keys[i], 7)) {
				v = l + 7;
				while (*v == '\t' || *v == ' ')
					v++;
				caps[i] = hex(&v);
				found |= 1 << i;
			}
		}
		if (!strncmp(l, "NoNewPrivs:", 11)) {
			v = l + 11;
			while (*v == '\t' || *v == ' ')
				v++;
			*nnp = *v == '1';
		}
	}
	return found == 0x1f ? 0 : -EIO;
}

/*
 * The host's record of where this process's command line and environment
 * are (what /proc/PID/cmdline and environ read, for the sandbox's ps and
 * pgrep -f as for the host's): the new image's strings, set as CRIU does
 * with PR_SET_MM_MAP (no capability needed when no exe file is given).  The
 * other bounds are the host's own, read back from the stat file; brk is the
 * heap's start (the guest kernel serves brk itself).  A host without it
 * (no CONFIG_CHECKPOINT_RESTORE) keeps the old record: cmdline reads empty.
 */
void gk_proc_set_args(unsigned long arg_start, unsigned long arg_end, unsigned long env_end)
{
	struct prctl_mm_map m = { .exe_fd = (uint32_t)-1 };
	unsigned long v[52] = { 0 };
	char buf[1024];
	const char *p;
	long fd, n;
	int i;

	fd = host_open("self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = hs3(__NR_read, fd, buf, sizeof(buf) - 1);
	hs1(__NR_close, fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	/* The last ')': the command name may hold spaces and parentheses. */
	for (p = NULL, i = 0; i < n; i++)
		if (buf[i] == ')')
			p = buf + i;
	if (!p || !p[1] || !p[2])
		return;
	p += 3;			/* past ") S": field 4 is next */
	for (i = 4; i < 52 && *p; i++) {
		while (*p == ' ')
			p++;
		if (*p == '-')
			p++;	/* tty_pgrp's -1: not a field used here */
		v[i] = dec(&p);
	}
	if (i < 52)
		return;
	m.start_code = v[26];
	m.end_code = v[27];
	m.start_stack = v[28];
	m.start_data = v[45];
	m.end_data = v[46];
	m.start_brk = v[47];
	m.brk = v[47];
	m.arg_start = arg_start;
	m.arg_end = arg_end;
	m.env_start = arg_end;
	m.env_end = env_end;
	hs4(__NR_prctl, PR_SET_MM, PR_SET_MM_MAP, &m, sizeof(m));
}

/* The host kernel's last capability (CAP_LAST_CAP), or 40 (Linux 5.9 and later) unread. */
int gk_proc_cap_last(void)
{
	static int last;
	char buf[16];
	const char *v = buf;
	long fd, n, r = 0;

	if (last)
		return last;
	fd = host_open("sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : hs3(__NR_read, fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		hs1(__NR_close, fd);
	if (n > 0) {
		buf[n] = 0;
		while (*v >= '0' && *v <= '9')
			r = r * 10 + (*v++ - '0');
	}
	last = r > 0 && r < 64 ? (int)r : 40;
	return last;
}

/* ---- entry points ---- */

/* Opens the /proc path @norm; *@kind (if given) tells getdents how to filter the result. */
long gk_proc_open(const char *norm, long flags, int *kind)
{
	struct procp p;
	long r, fd;

	if (kind)
		*kind = 0;
	if (gk_cgroup_path(norm))
		return gk_cgroup_open(norm, flags);
	r = parse(norm, &p);
	if (r < 0)
		return r;
	if (!(flags & O_PATH) && ((flags & O_ACCMODE) != O_RDONLY ||
				  (flags & (O_CREAT | O_TRUNC | __O_TMPFILE))))
		return -EACCES;
	switch (p.kind) {
	case PK_FDLINK:
		if (!p.self)
			return -EACCES;
		r = gk_fd_ok(p.fdn) ? gk_fd_reopen_ok(p.fdn, flags) : -ENOENT;
		if (r < 0)
			return r;
		return hs3(__NR_fcntl, p.fdn, (flags & O_CLOEXEC) ? F_DUPFD_CLOEXEC : F_DUPFD, 0);
	case PK_EXE:
		if (!p.self)
			return -EACCES;
		if (!gk.exe[0] || !strncmp(gk.exe, "/proc", 5))
			return -ENOENT;
		return gk_open_abs(gk.exe, flags, 0, 0);
	case PK_STATUS:
	case PK_STAT:
	case PK_MAPS:
	case PK_MOUNTINFO:
	case PK_MEMINFO:
	case PK_CPUINFO:
	case PK_PSTAT:
	case PK_LIMITS:
		if (flags & O_PATH)
			break;
		sys_mount_id = 1;
		gen_self = p.self;
		fd = generate(p.kind, p.rel);
		if (fd >= 0 && !(flags & O_CLOEXEC))
			hs3(__NR_fcntl, fd, F_SETFD, 0);
		return fd;
	case PK_CGROUP:
	case PK_CGROUPS:
		/* The view's (cgroup.c), with namespaces; without, the host's as the rest. */
		if ((flags & O_PATH) || !gk_cgroup_path("/sys/fs/cgroup"))
			break;
		return p.kind == PK_CGROUP ? gk_cgroup_self(flags) : gk_cgroup_list(flags);
	}
	fd = host_open(p.rel, flags);
	if (fd >= 0 && kind)
		*kind = p.kind == PK_ROOT ? GK_FDK_PROC : p.kind == PK_FD ? GK_FDK_FDDIR :
			(p.kind == PK_PID || p.kind == PK_SELF) ? GK_FDK_PID : 0;
	return fd;
}

/* The parent of /proc path @norm beneath the procfs, and its last component. */
long gk_proc_parent(const char *norm, char *last, size_t n)
{
	struct procp p;
	long r;
	char *slash;

	if (gk_cgroup_path(norm)) {
		r = gk_cgroup_last(norm, last, n);
		if (r < 0)
			return r;
		return r ? gk_open_abs("/", O_PATH | O_DIRECTORY | O_CLOEXEC, 0, 0) :
			   host_open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	r = parse(norm, &p);
	if (r < 0)
		return r;
	slash = strchr(p.rel, '/') ? p.rel + strlen(p.rel) : NULL;
	while (slash && *slash != '/')
		slash--;
	if (!slash) {
		gk_strlcpy(last, p.rel, n);
		return host_open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	*slash = 0;
	gk_strlcpy(last, slash + 1, n);
	return host_open(p.rel, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/*
 * A magic link's host answer names a guest object only when it is absolute
 * and the same path in the sandbox is the same object; otherwise (the
 * caller's files outside the rootfs, the detached procfs) it is shown as
 * host:[inode], the way pipe:[inode] is.
 */
static long guest_link(const char *norm, char *out, size_t n)
{
	struct stat a, b;
	char last[256];
	long r, fd = gk_proc_parent(norm, last, sizeof(last)), t;

	if (fd < 0)
		return fd;
	r = hs4(__NR_readlinkat, fd, last, out, n - 1);
	if (r > 0 && hs4(__NR_newfstatat, fd, last, &a, 0) < 0)
		r = -ENOENT;
	hs1(__NR_close, fd);
	if (r <= 0 || out[0] != '/')
		return r;
	out[r] = 0;
	t = gk_open_abs(out, O_PATH | O_CLOEXEC, 0, 0);
	if (t >= 0) {
		fd = hs4(__NR_newfstatat, t, "", &b, AT_EMPTY_PATH);
		hs1(__NR_close, t);
		if (fd == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return r;
	}
	return snprintf(out, n, "host:[%lu]", (unsigned long)a.st_ino);
}

/* readlink answers the host would get wrong: 1 with the length in *@len, else 0. */
int gk_proc_readlink(const char *norm, char *out, size_t n, long *len)
{
	struct procp p;
	long r;

	if (gk_cgroup_path(norm)) {
		*len = -EINVAL;	/* no links there */
		return 1;
	}
	r = parse(norm, &p);
	*len = r;
	if (r < 0)
		return 1;
	if (p.kind == PK_SELF && !strchr(norm + 6, '/')) {
		*len = snprintf(out, n, "%ld", p.gpid);
		return 1;
	}
	/* The guest path it was opened by, not the host's view of the detached procfs. */
	if (p.kind == PK_FDLINK && p.self && gk_fd_ok(p.fdn) && gk_fd_path(p.fdn)[0]) {
		*len = (long)gk_strlcpy(out, gk_fd_path(p.fdn), n);
		return 1;
	}
	if (p.kind == PK_EXE) {
		*len = p.self ? (long)gk_strlcpy(out, gk.exe, n) : -EACCES;
		return 1;
	}
	if (p.kind == PK_CWD && p.self) {
		*len = (long)gk_strlcpy(out, gk.cwd, n);
		return 1;
	}
	if (p.kind == PK_RLINK && p.self) {
		*len = (long)gk_strlcpy(out, "/", n);
		return 1;
	}
	if (p.kind == PK_FDLINK || p.kind == PK_CWD || p.kind == PK_RLINK) {
		*len = guest_link(norm, out, n);
		return 1;
	}
	return 0;
}

/* Is @abs /proc/self/exe (or the caller's /proc/N/exe)? */
int gk_proc_is_exe(const char *abs)
{
	char norm[GK_PATH_MAX];
	struct procp p;

	return gk_proc_path(abs, norm, sizeof(norm)) && parse(norm, &p) == 0 &&
	       p.kind == PK_EXE && p.self;
}

/* Entries of a filtered /proc directory: drops and renames in place; the new length. */
long gk_proc_filter(int kind, char *buf, long len)
{
	long in = 0, outp = 0;

	while (in < len) {
		unsigned short reclen = *(unsigned short *)(buf + in + 16);
		char *name = buf + in + 19;
		size_t nl = strlen(name);
		long v = num(name, nl);
		int keep = 1;

		if (!reclen)
			break;
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			keep = 1;
		else if (kind == GK_FDK_FDDIR)
			keep = v >= 0 && v < GK_FD_BASE;
		else if (kind == GK_FDK_PID)
			keep = listed(pid_ok, name, nl);
		else if (v >= 0)
			keep = gk_to_guest_pid(v) >= 1;
		else
			keep = listed(top_ok, name, nl);
		if (keep && kind == GK_FDK_PROC && v >= 0)
			snprintf(name, nl + 1, "%ld", gk_to_guest_pid(v));
		if (keep) {
			if (outp != in)
				memmove(buf + outp, buf + in, reclen);
			outp += reclen;
		}
		in += reclen;
	}
	return outp;
}
