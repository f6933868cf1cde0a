// SPDX-License-Identifier: GPL-2.0
// shim_bpf_test.c - the shim filter kiste emits itself gives libseccomp's verdict on every input.
// kiste-suite: host shim_bpf_test
/*
 * userspace/shim/bpf.c writes the host allowlist's filter straight from the
 * table in allowlist.c; libseccomp compiles the same rows.  For every sandbox
 * kind the launcher makes (module or not, detached procfs or not, shadow
 * locks or not, namespaces or not, the host's "/" as rootfs or not) and two
 * placements of the gate and image (high words zero and set), both programs
 * run through a classic-BPF interpreter on: each row's own admitted input;
 * each condition's boundaries (the value, one off either way, high word set
 * or cleared, the sign bit, bits outside a mask, every list entry) with the
 * row's other conditions met; every syscall number from 0 past the highest,
 * x32 numbers and a foreign architecture; and seeded random mixes.  Any
 * input the two decide differently fails the test.
 */
#include <errno.h>
#include <stdbool.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#include "kselftest_harness.h"
#include "../lib/bpf_run.h"
#include "allowlist.h"
#include "boot.h"

#define MAX_RULES  1024
#define MAX_VALUES 256
#define SWEEP_NR   600 /* past the highest x86_64 number (~460) */
#define X32_BIT	   0x40000000

struct rules {
	struct shim_rule r[MAX_RULES];
	unsigned int n;
};

struct progs {
	struct shim_bpf ours, ref;
	const struct rules *rs;
	long inputs, allowed, trapped, lax;
	uint64_t emit_ns, ref_ns;	    /* building the programs (for the log) */
	size_t steps, ref_steps;	    /* instructions run on rows' own inputs */
	unsigned char lax_nr[SWEEP_NR + 1]; /* syscalls libseccomp over-admits */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int collect(void *arg, const struct shim_rule *r)
{
	struct rules *rs = arg;

	if (rs->n == MAX_RULES)
		return -E2BIG;
	rs->r[rs->n++] = *r;
	return 0;
}

/* The sandbox kind @k (6 bits) as the launcher fills it (workload.c, launch_workload_main). */
static void params_make(struct shim_filter_params *p, unsigned int k, int high)
{
	int ns = !!(k & 8);

	memset(p, 0, sizeof(*p));
	p->gate_start = high ? 0x100000000ULL + 0x101000 : 0x101000;
	p->gate_len = high ? 0x200000001000ULL : 0x1000;
	p->root_fd = GK_FD_ROOT;
	p->image_end = high ? 0x100400000ULL : GK_IMAGE_LIMIT;
	p->module = !!(k & 1);
	p->kiste_fd = p->module ? GK_FD_KISTE : -1;
	p->proc_fd = k & 2 ? GK_FD_PROC : -1;
	p->locks_fd = k & 4 ? GK_FD_LOCKS : -1;
	p->netns = ns;
	p->ipcns = ns;
	p->pidns = ns;
	p->unix_sockets = !(k & 16);
	/* The host's "/" with namespaces: the init's AF_UNIX mediator and its channel's row. */
	p->unixmed = ns && (k & 16);
	p->rw = !!(k & 32);
}

static bool cmp_holds(const struct shim_cmp *c, uint64_t v)
{
	unsigned int i;

	switch (c->op) {
	case SHIM_CMP_EQ:
		return v == c->val;
	case SHIM_CMP_MASKED_EQ:
		return (v & c->mask) == c->val;
	case SHIM_CMP_LE:
		return v <= c->val;
	case SHIM_CMP_GE:
		return v >= c->val;
	}
	for (i = 0; i < c->nlist; i++)
		if (v == c->list[i])
			return true;
	return false;
}

/* What the table says, row by row (seccomp_rule_add(3)'s words): the specification. */
static int64_t table_verdict(const struct rules *rs, const struct seccomp_data *d)
{
	unsigned int i, k;

	if (d->arch != AUDIT_ARCH_X86_64 || (uint32_t)d->nr >= X32_BIT)
		return SECCOMP_RET_KILL_PROCESS;
	for (i = 0; i < rs->n; i++) {
		if (rs->r[i].nr != d->nr)
			continue;
		for (k = 0; k < rs->r[i].ncmp; k++)
			if (!cmp_holds(&rs->r[i].c[k], d->args[rs->r[i].c[k].arg]))
				break;
		if (k == rs->r[i].ncmp)
			return rs->r[i].action;
	}
	return SECCOMP_RET_KILL_PROCESS;
}

static void log_input(struct __test_metadata *_metadata, const char *what,
		      const struct seccomp_data *d, int64_t x, int64_t y, int64_t t)
{
	TH_LOG("%s: arch %#x nr %d args %#llx %#llx %#llx %#llx %#llx %#llx: kiste %#llx, "
	       "libseccomp %#llx, the table %#llx",
	       what, d->arch, d->nr, (unsigned long long)d->args[0], (unsigned long long)d->args[1],
	       (unsigned long long)d->args[2], (unsigned long long)d->args[3],
	       (unsigned long long)d->args[4], (unsigned long long)d->args[5],
	       (unsigned long long)x, (unsigned long long)y, (unsigned long long)t);
}

/*
 * Both verdicts on @d.  kiste's must be the table's; libseccomp's must be
 * kiste's, except where libseccomp 2.5 admits what no row admits (it merges
 * one syscall's rows into one decision tree and so admits some mixes of two
 * rows' conditions): counted and shown once per syscall, never the reverse.
 */
static int same(struct __test_metadata *_metadata, struct progs *pg, const struct seccomp_data *d)
{
	int64_t x = bpf_run(pg->ours.insns, pg->ours.len, d);
	int64_t y = bpf_run(pg->ref.insns, pg->ref.len, d);
	int64_t t = table_verdict(pg->rs, d);

	pg->inputs++;
	pg->allowed += x == SECCOMP_RET_ALLOW;
	pg->trapped += x == SECCOMP_RET_TRAP;
	if (x < 0 || x != t) {
		log_input(_metadata, "kiste's filter is not the table", d, x, y, t);
		return -1;
	}
	if (x == y)
		return 0;
	if (y == SECCOMP_RET_ALLOW && t == SECCOMP_RET_KILL_PROCESS &&
	    (uint32_t)d->nr <= SWEEP_NR) {
		if (!pg->lax_nr[d->nr])
			log_input(_metadata, "libseccomp admits what no row does", d, x, y, t);
		pg->lax_nr[d->nr] = 1;
		pg->lax++;
		return 0;
	}
	log_input(_metadata, "kiste and libseccomp differ", d, x, y, t);
	return -1;
}

/* @b and its neighbours: one off, high word set, cleared or all ones, sign bit flipped. */
static void around(uint64_t b, uint64_t *v, size_t *n)
{
	const uint64_t near[] = {
		b,
		b - 1,
		b + 1,
		b | 0x100000000ULL,
		b & 0xffffffffULL,
		b | 0xffffffff00000000ULL,
		b ^ (1ULL << 63),
		b + 0x100000000ULL,
		b - 0x100000000ULL,
		b ^ (1ULL << 31),
	};
	size_t i;

	for (i = 0; i < sizeof(near) / sizeof(near[0]) && *n < MAX_VALUES; i++)
		v[(*n)++] = near[i];
}

/* The values one condition is tried with. */
static size_t cmp_values(const struct shim_cmp *c, uint64_t *v)
{
	size_t n = 0;
	unsigned int i;

	switch (c->op) {
	case SHIM_CMP_IN:
		for (i = 0; i < c->nlist; i++)
			around(c->list[i], v, &n);
		break;
	case SHIM_CMP_MASKED_EQ:
		around(c->val, v, &n);
		/* each bit the mask tests, flipped, and the first bits it ignores set */
		for (i = 0; i < 64 && n < MAX_VALUES; i++)
			if (c->mask & (1ULL << i))
				v[n++] = c->val ^ (1ULL << i);
		for (i = 0; i < 64 && n < MAX_VALUES; i++)
			if (!(c->mask & (1ULL << i)))
				v[n++] = c->val | (1ULL << i);
		if (n < MAX_VALUES)
			v[n++] = c->val | ~c->mask;
		break;
	default:
		around(c->val, v, &n);
	}
	return n;
}

/* Every argument meeting row @r's conditions (0 where it has none). */
static void admitted(const struct shim_rule *r, struct seccomp_data *d)
{
	unsigned int i;

	memset(d, 0, sizeof(*d));
	d->arch = AUDIT_ARCH_X86_64;
	d->nr = r->nr;
	for (i = 0; i < r->ncmp; i++)
		d->args[r->c[i].arg] = r->c[i].op == SHIM_CMP_IN ? r->c[i].list[0] : r->c[i].val;
}

/* Row @r: its admitted input gives its action; then each condition's boundaries. */
static int try_row(struct __test_metadata *_metadata, struct progs *pg, const struct shim_rule *r)
{
	static const uint64_t other[] = { ~0ULL, 0x100000000ULL, 0x80000000ULL, 1 };
	struct seccomp_data d, base;
	uint64_t v[MAX_VALUES];
	unsigned int i, a;
	size_t n, k;

	admitted(r, &base);
	d = base;
	bpf_run_count(pg->ref.insns, pg->ref.len, &d, &pg->ref_steps);
	if (bpf_run_count(pg->ours.insns, pg->ours.len, &d, &pg->steps) != r->action ||
	    table_verdict(pg->rs, &d) != r->action) {
		TH_LOG("%s: its own admitted input is not %s", r->name,
		       r->action == SECCOMP_RET_TRAP ? "trapped" : "allowed");
		return -1;
	}
	for (i = 0; i < r->ncmp; i++) {
		n = cmp_values(&r->c[i], v);
		for (k = 0; k < n; k++) {
			d = base;
			d.args[r->c[i].arg] = v[k];
			if (same(_metadata, pg, &d))
				return -1;
		}
	}
	/* arguments without a condition are ignored; a foreign arch or x32 number kills */
	for (a = 0; a < 6; a++) {
		for (k = 0; k < sizeof(other) / sizeof(other[0]); k++) {
			d = base;
			d.args[a] ^= other[k];
			if (same(_metadata, pg, &d))
				return -1;
		}
	}
	d = base;
	d.arch = AUDIT_ARCH_I386;
	if (same(_metadata, pg, &d))
		return -1;
	d = base;
	d.nr |= X32_BIT;
	return same(_metadata, pg, &d);
}

/*
 * Every number -1..SWEEP_NR and its x32 twin, with plain fills and with the
 * admitted arguments of a row of some other syscall (a rotating pick).
 */
static int sweep(struct __test_metadata *_metadata, struct progs *pg, const struct rules *rs)
{
	static const uint64_t fill[] = { 0, ~0ULL, 0x100000000ULL, GK_FD_BASE - 1, GK_FD_ROOT };
	struct seccomp_data d;
	unsigned int i, f;
	int nr;

	for (nr = -1; nr <= SWEEP_NR; nr++) {
		for (f = 0; f <= sizeof(fill) / sizeof(fill[0]); f++) {
			memset(&d, 0, sizeof(d));
			if (f < sizeof(fill) / sizeof(fill[0])) {
				d.arch = AUDIT_ARCH_X86_64;
				for (i = 0; i < 6; i++)
					d.args[i] = fill[f];
			} else {
				admitted(&rs->r[(unsigned int)(nr + 1) * 7 % rs->n], &d);
			}
			d.nr = nr;
			if (same(_metadata, pg, &d))
				return -1;
			d.nr = nr | X32_BIT;
			if (same(_metadata, pg, &d))
				return -1;
		}
	}
	return 0;
}

static uint64_t rnd64(void)
{
	return ((uint64_t)random() << 33) ^ ((uint64_t)random() << 11) ^ (uint64_t)random();
}

/* Rows' numbers with random mixes of their own values and random words. */
static int mixes(struct __test_metadata *_metadata, struct progs *pg, const struct rules *rs,
		 int count)
{
	struct seccomp_data d;
	const struct shim_rule *r;
	int i, a;

	for (i = 0; i < count; i++) {
		r = &rs->r[random() % rs->n];
		admitted(r, &d);
		for (a = 0; a < 6; a++) {
			if (random() % 3 == 0)
				d.args[a] = random() % 2 ? rnd64() : (uint64_t)(random() % 2048);
		}
		if (same(_metadata, pg, &d))
			return -1;
	}
	return 0;
}

/* One sandbox kind: both programs, every row, the sweep and the mixes. */
static void compare_kind(struct __test_metadata *_metadata, struct progs *pg, unsigned int k,
			 int high, struct rules *rs)
{
	struct kiste_err err = { 0 };
	struct shim_filter_params p;
	unsigned int i;
	uint64_t t;

	params_make(&p, k, high);
	rs->n = 0;
	pg->rs = rs;
	ASSERT_EQ(0, shim_allowlist_walk(&p, collect, rs, &err)) TH_LOG("%s", err.msg);
	ASSERT_LT(100U, rs->n);
	t = now_ns();
	ASSERT_EQ(0, shim_filter_emit(&p, &pg->ours, &err)) TH_LOG("%s", err.msg);
	pg->emit_ns += now_ns() - t;
	t = now_ns();
	ASSERT_EQ(0, shim_filter_build_libseccomp(&p, &pg->ref, &err)) TH_LOG("%s", err.msg);
	pg->ref_ns += now_ns() - t;
	for (i = 0; i < rs->n; i++) {
		ASSERT_EQ(0, try_row(_metadata, pg, &rs->r[i]))
		{
			TH_LOG("kind %u, high %d: row %u (%s)", k, high, i, rs->r[i].name);
		}
	}
	ASSERT_EQ(0, sweep(_metadata, pg, rs)) TH_LOG("kind %u, high %d", k, high);
	ASSERT_EQ(0, mixes(_metadata, pg, rs, 2000)) TH_LOG("kind %u, high %d", k, high);
}

TEST(same_verdict_as_libseccomp)
{
	static struct rules rs;
	static struct progs pg;
	long rows = 0;
	unsigned int k, longest = 0, ref_longest = 0;
	char lax[256] = "";
	size_t off = 0;
	int high, nr;

	srandom(20261205);
	for (high = 0; high < 2; high++) {
		for (k = 0; k < 64; k++) {
			compare_kind(_metadata, &pg, k, high, &rs);
			if (pg.ours.len > longest)
				longest = pg.ours.len;
			if (pg.ref.len > ref_longest)
				ref_longest = pg.ref.len;
			rows += rs.n;
			shim_bpf_free(&pg.ours);
			shim_bpf_free(&pg.ref);
		}
	}
	for (nr = 0; nr <= SWEEP_NR && off < sizeof(lax) - 8; nr++)
		if (pg.lax_nr[nr])
			off += snprintf(lax + off, sizeof(lax) - off, " %d", nr);
	/* Not a vacuous comparison: a good share of the inputs lands on each verdict. */
	EXPECT_LT(pg.inputs / 20, pg.allowed);
	EXPECT_LT(pg.inputs / 20, pg.inputs - pg.allowed - pg.trapped);
	EXPECT_LT(0, pg.trapped);
	TH_LOG("%ld inputs over %ld rows of 128 sandbox kinds: kiste's filter gave the table's "
	       "verdict on every one (%ld allowed, %ld trapped) and libseccomp's on all but %ld, "
	       "which libseccomp admits against the table (syscalls%s); programs of at most %u "
	       "(kiste) and %u (libseccomp) instructions",
	       pg.inputs, rows, pg.allowed, pg.trapped, pg.lax, lax, longest, ref_longest);
	TH_LOG("building one filter took %.3f ms (kiste) and %.3f ms (libseccomp) on average; "
	       "a row's own call runs %.1f (kiste) and %.1f (libseccomp) instructions on average",
	       pg.emit_ns / 64 / 1e6, pg.ref_ns / 64 / 1e6, (double)pg.steps / rows,
	       (double)pg.ref_steps / rows);
}

/* What the filter stands for, on the emitted program alone: a few of the table's promises. */
TEST(emitted_filter_keeps_the_promises)
{
	struct kiste_err err = { 0 };
	struct shim_filter_params p;
	struct seccomp_data d = { .arch = AUDIT_ARCH_X86_64 };
	struct shim_bpf b;

	params_make(&p, 8 | 2 | 4, 0);
	ASSERT_EQ(0, shim_filter_emit(&p, &b, &err)) TH_LOG("%s", err.msg);
	d.nr = SYS_close;
	d.args[0] = 3;
	EXPECT_EQ(SECCOMP_RET_ALLOW, bpf_run(b.insns, b.len, &d));
	d.args[0] = GK_FD_ROOT; /* the guest kernel's own */
	EXPECT_EQ(SECCOMP_RET_KILL_PROCESS, bpf_run(b.insns, b.len, &d));
	d.args[0] = 0x100000003ULL; /* close(3) to the kernel: an int is 32 bits */
	EXPECT_EQ(SECCOMP_RET_KILL_PROCESS, bpf_run(b.insns, b.len, &d));
	d.args[0] = 0x1000003e9ULL; /* close(1001) to the kernel */
	EXPECT_EQ(SECCOMP_RET_KILL_PROCESS, bpf_run(b.insns, b.len, &d));
	d.nr = SYS_execve;
	d.args[0] = 0;
	EXPECT_EQ(SECCOMP_RET_KILL_PROCESS, bpf_run(b.insns, b.len, &d));
	d.nr = SYS_ptrace;
	EXPECT_EQ(SECCOMP_RET_KILL_PROCESS, bpf_run(b.insns, b.len, &d));
	d.nr = SYS_time;
	EXPECT_EQ(SECCOMP_RET_TRAP, bpf_run(b.insns, b.len, &d));
	d.nr = SYS_getpid;
	EXPECT_EQ(SECCOMP_RET_ALLOW, bpf_run(b.insns, b.len, &d));
	d.arch = AUDIT_ARCH_I386;
	EXPECT_EQ(SECCOMP_RET_KILL_PROCESS, bpf_run(b.insns, b.len, &d));
	d.arch = AUDIT_ARCH_X86_64;
	d.nr = SYS_getpid | X32_BIT;
	EXPECT_EQ(SECCOMP_RET_KILL_PROCESS, bpf_run(b.insns, b.len, &d));
	/* mmap above the image: >= compares the high word first */
	d.nr = SYS_mmap;
	d.args[0] = GK_IMAGE_LIMIT;
	d.args[3] = 0x22;
	EXPECT_EQ(SECCOMP_RET_ALLOW, bpf_run(b.insns, b.len, &d));
	d.args[0] = GK_IMAGE_LIMIT - 0x1000;
	EXPECT_EQ(SECCOMP_RET_KILL_PROCESS, bpf_run(b.insns, b.len, &d));
	d.args[0] = 0x100000000ULL;
	EXPECT_EQ(SECCOMP_RET_ALLOW, bpf_run(b.insns, b.len, &d));
	shim_bpf_free(&b);
}

TEST_HARNESS_MAIN
