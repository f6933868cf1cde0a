// SPDX-License-Identifier: GPL-2.0
// limits.c - what the workload sees of its sandbox's --cpus and --memory.
#include <linux/sysinfo.h>

#include "gk.h"

/*
 * Programs size their thread pools and heaps from what the kernel tells them:
 * nproc and Go from sched_getaffinity, glibc's sysconf(_SC_NPROCESSORS_*)
 * (Python's os.cpu_count) from /proc/stat and /proc/cpuinfo once /sys has
 * nothing, free and the JVM from /proc/meminfo and sysinfo.  Each answer is the
 * host's, cut to the sandbox: its --cpus (rounded up) as the first CPUs of the
 * launcher's affinity, its --memory as the memory there is.  The CPU limit
 * itself is the cgroup's quota (where there is one) and the memory limit the
 * address-space limit and the cgroup's; this only makes them visible.
 */

/* The launcher's affinity, cut to the first boot.cpus CPUs of it (all of it without --cpus). */
void gk_limits_boot(void)
{
	unsigned int want = gk.boot.cpus, seen = 0;
	unsigned long i;
	long r;

	memset(gk.cpumask, 0, sizeof(gk.cpumask));
	r = hs3(__NR_sched_getaffinity, 0, sizeof(gk.cpumask), gk.cpumask);
	if (r <= 0) {
		/* More CPUs than the mask holds: show them all (no limit can be shown either). */
		memset(gk.cpumask, 0xff, sizeof(gk.cpumask));
		return;
	}
	for (i = 0; i < (unsigned long)r * 8; i++) {
		if (!(gk.cpumask[i / 8] & (1u << (i % 8))))
			continue;
		if (want && seen >= want)
			gk.cpumask[i / 8] &= (unsigned char)~(1u << (i % 8));
		else
			seen++;
	}
}

int gk_limits_cpu_shown(unsigned long cpu)
{
	return cpu < GK_CPUMASK_BYTES * 8 && (gk.cpumask[cpu / 8] & (1u << (cpu % 8)));
}

long sys_affinity(struct gk_call *c)
{
	unsigned char m[GK_CPUMASK_BYTES];
	unsigned long len = c->a[1];
	long r, i;

	/* This process's threads (glibc's pthread_getattr_np asks with a tid): its own mask. */
	if (c->a[0] && !gk_thread_find(c->a[0]))
		return -ESRCH;
	r = hs3(__NR_sched_getaffinity, 0, len < sizeof(m) ? len : sizeof(m), m);
	if (r < 0)
		return r;
	for (i = 0; i < r; i++)
		m[i] &= gk.cpumask[i];
	if (gk_uwrite_ok((void *)c->a[2], (size_t)r) < 0)
		return -EFAULT;
	memcpy((void *)c->a[2], m, (size_t)r);
	return r;
}

/*
 * sched_setaffinity: of this process's threads (0, a tid), to the CPUs it is
 * shown (--cpus) that the mask names; none of them is EINVAL, as natively
 * for a mask of no allowed CPU.  Another process's is not the workload's.
 */
long sys_set_affinity(struct gk_call *c)
{
	unsigned char m[GK_CPUMASK_BYTES] = { 0 };
	unsigned long len = c->a[1], i, n = len < sizeof(m) ? len : sizeof(m);
	struct gk_thread *t = NULL;
	int any = 0;

	if (c->a[0] && !(t = gk_thread_find(c->a[0])))
		return -ESRCH;
	if (gk_uread_ok((void *)c->a[2], n) < 0)
		return -EFAULT;
	memcpy(m, (const void *)c->a[2], n);
	for (i = 0; i < n; i++) {
		m[i] &= gk.cpumask[i];
		any |= m[i];
	}
	if (!any)
		return -EINVAL;
	return hs3(__NR_sched_setaffinity, t ? t->tid : 0, sizeof(m), m);
}

static unsigned long clamp(unsigned long v, unsigned long max)
{
	return v > max ? max : v;
}

long sys_sysinfo(struct gk_call *c)
{
	struct sysinfo si;
	unsigned long unit, total;
	long r = hs1(__NR_sysinfo, &si);

	if (r < 0)
		return r;
	unit = si.mem_unit ? si.mem_unit : 1;
	if (gk.boot.memory) {
		total = clamp(si.totalram, gk.boot.memory / unit);
		si.totalram = total;
		si.freeram = clamp(si.freeram, total);
		si.sharedram = clamp(si.sharedram, total);
		si.bufferram = clamp(si.bufferram, total);
	}
	if (gk_uwrite_ok((void *)c->a[0], sizeof(si)) < 0)
		return -EFAULT;
	memcpy((void *)c->a[0], &si, sizeof(si));
	return 0;
}

/* A decimal number after @s's blanks; *@end past it.  0 when there is none. */
static unsigned long number(const char *s, const char *lim, const char **end)
{
	unsigned long v = 0;

	while (s < lim && (*s == ' ' || *s == '\t'))
		s++;
	for (; s < lim && *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (unsigned long)(*s - '0');
	*end = s;
	return v;
}

static int starts(const char *line, size_t n, const char *key)
{
	size_t k = strlen(key);

	return n >= k && !memcmp(line, key, k);
}

/*
 * "MemTotal:       NNNNNNNN kB", as the kernel prints it: the label padded to
 * 16, the value to 8.  Total, free and available are at most --memory; the
 * host's page cache, shared memory and reclaimable slab are each at most what
 * is left of it, so that free's "used" never goes negative.  (The sandbox's own use is not counted: free and
 * available are the host's while it has less than the limit free.)
 */
static size_t meminfo_line(const char *line, size_t n, char *out, size_t max)
{
	static const char *const keys[] = { "MemTotal:", "MemFree:", "MemAvailable:", "Buffers:",
					    "Cached:", "Shmem:", "SReclaimable:", NULL };
	static unsigned long free_kb;	/* MemFree as shown: it comes before Buffers and Cached */
	unsigned long lim = gk.boot.memory >> 10, v, cap;
	const char *const *k;
	const char *end;
	char label[24];

	if (!lim)
		return 0;
	for (k = keys; *k; k++)
		if (starts(line, n, *k))
			break;
	if (!*k)
		return 0;
	v = number(line + strlen(*k), line + n, &end);
	cap = k - keys < 3 ? lim : lim - (free_kb < lim ? free_kb : lim);
	if (k - keys == 1)
		free_kb = v < lim ? v : lim;
	if (v <= cap)
		return 0;
	gk_strlcpy(label, *k, sizeof(label));
	return (size_t)snprintf(out, max, "%-16s%8lu kB", label, cap);
}

/* "cpuN ..." of /proc/stat, "processor : N" of /proc/cpuinfo: is CPU N shown? */
static int cpu_line_hidden(const char *s, const char *lim)
{
	const char *end;
	unsigned long cpu = number(s, lim, &end);

	return end != s && !gk_limits_cpu_shown(cpu);
}

/* Cpus_allowed: the host's hex layout (comma-grouped), each nibble from the shown mask. */
static size_t cpus_allowed(const char *line, size_t n, size_t key, char *out, size_t max)
{
	static const char hexd[] = "0123456789abcdef";
	size_t i, nib = 0;

	if (n >= max)
		return 0;
	memcpy(out, line, n);
	for (i = n; i > key + 1; i--) {
		char ch = out[i - 1];
		unsigned long bit = nib * 4;
		unsigned int v = 0, b;

		if (ch == ',' || ch == '\t' || ch == ' ')
			continue;
		for (b = 0; b < 4; b++)
			v |= (unsigned int)gk_limits_cpu_shown(bit + b) << b;
		out[i - 1] = hexd[v];
		nib++;
	}
	return n;
}

/* Cpus_allowed_list: ranges of the shown mask, "0-1,4". */
static size_t cpus_list(const char *line, size_t key, char *out, size_t max)
{
	size_t len = 0;
	unsigned long c = 0, first;
	int any = 0;

	if (key + 2 >= max)
		return 0;
	memcpy(out, line, key + 2);	/* "Cpus_allowed_list:\t" */
	len = key + 2;
	while (c < GK_CPUMASK_BYTES * 8) {
		if (!gk_limits_cpu_shown(c)) {
			c++;
			continue;
		}
		first = c;
		while (c + 1 < GK_CPUMASK_BYTES * 8 && gk_limits_cpu_shown(c + 1))
			c++;
		if (len + 24 >= max)
			break;
		len += (size_t)(first == c ? snprintf(out + len, max - len, "%s%lu", any ? "," : "",
						      first)
				  : snprintf(out + len, max - len, "%s%lu-%lu", any ? "," : "",
					     first, c));
		any = 1;
		c++;
	}
	return len;
}

/*
 * One line of a /proc file the limits change (GK_LIM_*): 0 when it stays as
 * it is, else its new text in @out (the length) or *@drop set when it goes.
 */
/* A limit the guest kernel keeps (misc.c), as /proc/PID/limits prints one. */
static size_t rlimit_row(char *out, size_t max, const char *name, unsigned long cur,
			 unsigned long hard, const char *units)
{
	char c[24], h[24];

	if (cur == ~0UL)
		gk_strlcpy(c, "unlimited", sizeof(c));
	else
		snprintf(c, sizeof(c), "%lu", cur);
	if (hard == ~0UL)
		gk_strlcpy(h, "unlimited", sizeof(h));
	else
		snprintf(h, sizeof(h), "%lu", hard);
	return (size_t)snprintf(out, max, "%-25s %-20s %-20s %-10s", name, c, h, units);
}

static size_t rlimit_line(const char *line, size_t n, char *out, size_t max)
{
	if (starts(line, n, "Max core file size"))
		return rlimit_row(out, max, "Max core file size", gk.core_cur, gk.core_max, "bytes");
	if (starts(line, n, "Max open files"))
		return rlimit_row(out, max, "Max open files", gk.nofile_cur, gk.nofile_max, "files");
	return 0;
}

size_t gk_limits_line(int kind, const char *line, size_t n, char *out, size_t max, int *drop)
{
	static int hiding;	/* cpuinfo: inside the block of a hidden processor */
	const char *colon;

	*drop = 0;
	switch (kind) {
	case GK_LIM_MEMINFO:
		return meminfo_line(line, n, out, max);
	case GK_LIM_STAT:
		*drop = starts(line, n, "cpu") && n > 3 && line[3] >= '0' && line[3] <= '9' &&
			cpu_line_hidden(line + 3, line + n);
		return 0;
	case GK_LIM_CPUINFO:
		if (starts(line, n, "processor")) {
			colon = memchr(line, ':', n);
			hiding = colon && cpu_line_hidden(colon + 1, line + n);
		}
		*drop = hiding;
		return 0;
	case GK_LIM_RLIMITS:
		return rlimit_line(line, n, out, max);
	case GK_LIM_STATUS:
		colon = memchr(line, ':', n);
		if (!colon)
			return 0;
		if ((size_t)(colon - line) == 12 && starts(line, n, "Cpus_allowed:"))
			return cpus_allowed(line, n, 12, out, max);
		if ((size_t)(colon - line) == 17 && starts(line, n, "Cpus_allowed_list:"))
			return cpus_list(line, 17, out, max);
		return 0;
	}
	return 0;
}
