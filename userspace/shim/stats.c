// SPDX-License-Identifier: GPL-2.0
// stats.c - KISTE_SHIM_STATS: where a shim start's milliseconds go, marked by every process of it.
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "shim.h"

/*
 * The launcher, the sandbox's init and the workload process each mark the end
 * of their phases in one shared page the launcher maps before the first
 * clone; the launcher prints the marks in time order at the end, each with
 * the time since the mark before it.  The workload unmaps the page before it
 * enters the guest kernel (which would unmap it anyway): no workload code
 * ever sees it.  Off (no page, every call a no-op) unless KISTE_SHIM_STATS.
 */
#define SHIM_STATS_MAX 32

struct shim_stats {
	unsigned int n;
	struct {
		uint64_t ns;
		char what[40];
	} mark[SHIM_STATS_MAX];
};

static struct shim_stats *stats;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void shim_stats_start(void)
{
	void *p;

	if (stats || !kiste_setting(KISTE_SET_SHIM_STATS))
		return;
	p = mmap(NULL, sizeof(*stats), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	stats = p;
	shim_stats_mark("start");
}

/* Processes mark in turn (each waits on the one before), so a plain counter will do. */
void shim_stats_mark(const char *what)
{
	unsigned int i;

	if (!stats || stats->n >= SHIM_STATS_MAX)
		return;
	i = __atomic_fetch_add(&stats->n, 1, __ATOMIC_RELAXED);
	if (i >= SHIM_STATS_MAX)
		return;
	stats->mark[i].ns = now_ns();
	snprintf(stats->mark[i].what, sizeof(stats->mark[i].what), "%s", what);
}

/* The workload's last act before the guest kernel: its mark, then the page goes. */
void shim_stats_detach(const char *what)
{
	shim_stats_mark(what);
	if (stats)
		munmap(stats, sizeof(*stats));
	stats = NULL;
}

static int by_time(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

void shim_stats_print(void)
{
	unsigned int i, n;
	uint64_t t0;

	if (!stats)
		return;
	n = stats->n < SHIM_STATS_MAX ? stats->n : SHIM_STATS_MAX;
	qsort(stats->mark, n, sizeof(stats->mark[0]), by_time);
	t0 = n ? stats->mark[0].ns : 0;
	fprintf(stderr, "kiste: shim start-up (ms since start, ms since the mark before)\n");
	for (i = 1; i < n; i++)
		fprintf(stderr, "kiste:   %-28s %8.3f %8.3f\n", stats->mark[i].what,
			(stats->mark[i].ns - t0) / 1e6,
			(stats->mark[i].ns - stats->mark[i - 1].ns) / 1e6);
	munmap(stats, sizeof(*stats));
	stats = NULL;
}
