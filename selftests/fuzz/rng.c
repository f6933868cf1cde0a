// SPDX-License-Identifier: GPL-2.0
// rng.c - the fuzzer's random source (xoshiro256**, seeded per process) and its value pools.
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fz.h"

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A stream per (seed, process): the same seed replays every process's choices. */
void fz_seed(struct fz_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t fz_next(struct fz_rng *r)
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

uint32_t fz_below(struct fz_rng *r, uint32_t n)
{
	return n ? (uint32_t)(fz_next(r) % n) : 0;
}

bool fz_chance(struct fz_rng *r, unsigned int percent)
{
	return fz_below(r, 100) < percent;
}

uint64_t fz_pick64(struct fz_rng *r, const uint64_t *pool, size_t n)
{
	return pool[fz_below(r, (uint32_t)n)];
}

uint32_t fz_u32(struct fz_rng *r)
{
	static const uint64_t pool[] = { 0, 1, 2, 3, 4, 7, 8, 15, 16, 63, 64, 65, 255, 256,
					 1023, 1024, 1025, 4096, 0x7fffffff, 0x80000000,
					 0xfffffffe, 0xffffffff };

	return fz_chance(r, 70) ? (uint32_t)FZ_PICK(r, pool) : (uint32_t)fz_next(r);
}

uint64_t fz_u64(struct fz_rng *r)
{
	static const uint64_t pool[] = { 0, 1, 4096, 1ULL << 20, 4ULL << 20, 1ULL << 30,
					 1ULL << 32, 1ULL << 40, 0x7fffffffffffffffULL,
					 0x8000000000000000ULL, 0xfffffffffffff000ULL, ~0ULL };

	return fz_chance(r, 70) ? FZ_PICK(r, pool) : fz_next(r);
}

void fz_id_seen(struct fz_shared *sh, uint32_t id)
{
	uint32_t i;

	if (!id)
		return;
	i = atomic_fetch_add(&sh->ids_head, 1) % FZ_IDS;
	atomic_store(&sh->ids[i], id);
}

uint32_t fz_id(struct fz_ctx *c)
{
	uint32_t id = atomic_load(&c->sh->ids[fz_below(&c->rng, FZ_IDS)]);

	switch (fz_below(&c->rng, 10)) {
	case 0:
		return fz_u32(&c->rng);
	case 1:
		return id + 1;
	case 2:
		return id ? id - 1 : 0;
	default:
		return id ? id : fz_below(&c->rng, 64);
	}
}

uint32_t fz_pids_limit(struct fz_ctx *c)
{
	static const uint64_t pool[] = { 0, 1, 8, 50, 1023, 1024, 2048, 8191, 8192, 8193,
					 KISTE_PIDS_LIMIT_MAX, KISTE_PIDS_LIMIT_MAX + 1, 0xffffffff };

	return fz_chance(&c->rng, 80) ? (uint32_t)FZ_PICK(&c->rng, pool) : fz_u32(&c->rng);
}

uint32_t fz_cpu_limit(struct fz_ctx *c)
{
	static const uint64_t pool[] = { 0, 1, 9, 10, 500, 1000, KISTE_CPU_LIMIT_MAX,
					 KISTE_CPU_LIMIT_MAX + 1, 0xffffffff };

	return fz_chance(&c->rng, 80) ? (uint32_t)FZ_PICK(&c->rng, pool) : fz_u32(&c->rng);
}

/* Returns the bytes to send, NUL included when there is one. */
size_t fz_name(struct fz_ctx *c, char *buf, size_t size)
{
	static const char *const odd[] = { "", "a b", "x/y", "..", "\xff\xfe", "sb-", "sb-0",
					   "sb-1x", "-", "_._", "fz\n" };
	struct fz_rng *r = &c->rng;
	size_t n, i;

	if (size < 80)
		return 0;
	switch (fz_below(r, 9)) {
	case 0: case 1: case 2:
		/* a small set per worker: collisions, lookups that hit */
		return (size_t)snprintf(buf, size, "fz%d-%u", c->idx, fz_below(r, 8)) + 1;
	case 3:
		return (size_t)snprintf(buf, size, "fz%d-n%u", c->idx, c->names++) + 1;
	case 4:
		return (size_t)snprintf(buf, size, "sb-%u", fz_id(c)) + 1;
	case 5:
		/* around the limit, and around interface version 4's (64) */
		n = (fz_chance(r, 50) && size > KISTE_NAME_MAX + 2 ? KISTE_NAME_MAX : 64) - 2 +
		    fz_below(r, 4);
		memset(buf, 'a' + fz_below(r, 26), n);
		buf[n] = 0;
		return n + 1;
	case 6:
		n = (size_t)snprintf(buf, size, "fz%d-%u", c->idx, fz_below(r, 8));
		buf[n] = 0;
		n += 1 + (size_t)snprintf(buf + n + 1, size - n - 1, "tail");
		return n + 1;
	case 7:
		strcpy(buf, odd[fz_below(r, sizeof(odd) / sizeof(odd[0]))]);
		n = strlen(buf);
		/* sometimes unterminated */
		return fz_chance(r, 30) ? n : n + 1;
	default:
		n = fz_below(r, 80);
		for (i = 0; i < n; i++)
			buf[i] = (char)fz_next(r);
		return n;
	}
}

bool fz_count(struct fz_ctx *c, enum fz_counter what)
{
	atomic_fetch_add(&c->sh->count[what], 1);
	if (atomic_fetch_add(&c->sh->msgs, 1) + 1 >= c->sh->limit)
		atomic_store(&c->sh->stop, 1);
	return !atomic_load(&c->sh->stop);
}

bool fz_stopped(const struct fz_ctx *c)
{
	return atomic_load(&c->sh->stop);
}

uint64_t fz_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

void fz_time(struct fz_ctx *c, enum fz_timer timer, uint64_t t0)
{
	atomic_fetch_add(&c->sh->ns[timer], fz_now_ns() - t0);
}
