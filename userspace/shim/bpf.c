// SPDX-License-Identifier: GPL-2.0
// bpf.c - shim mode's host allowlist emitted as classic BPF straight from allowlist.c's table.
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "allowlist.h"

/*
 * libseccomp 2.5 took 57-164 ms of every shim start on the build machine to
 * compile the ~210 rows (userspace/shim/README.md, start-up); this file
 * writes the program in a fraction of a millisecond.  The program: the
 * x86_64 check and x32 rejection, then a binary search on the syscall number
 * down to one syscall's rows, each row's conditions in turn (a failed one goes
 * on to the next row), the row's action when all hold, and KILL_PROCESS
 * after a syscall's last row and for every number without rows.  Arguments
 * are compared as libseccomp compares them on x86_64: all 64 bits, high word
 * then low, unsigned; an int argument is safe because the table only has
 * conditions that reject upper bits on one (allowlist.c, int_cond_ok).
 * selftests/shim/shim_bpf_test holds the program to the table's own verdict
 * and to libseccomp's on every row of every sandbox kind (libseccomp admits a
 * few mixes of two rows that no row admits; this program does not).
 *
 * A conditional jump reaches 255 instructions: a row's failed condition
 * jumps past the rest of the row, so a row's "in" lists may hold a couple of
 * hundred values in all; more, or a program past BPF_MAXINSNS, is an error
 * at start (and in the test), never a truncated filter.
 */
#define SHIM_BPF_MAX	BPF_MAXINSNS		 /* the kernel's limit on one program */
#define SHIM_DEFAULT	SECCOMP_RET_KILL_PROCESS /* off the list, foreign arch, x32 */
#define SHIM_RULES_MAX	1024			 /* rows after W_* selection: the table has ~220 */
#define NEXT		(-1)			 /* a jump's fall-through: the next instruction */
#define X32_SYSCALL_BIT 0x40000000u
#define LD_NR		offsetof(struct seccomp_data, nr)
#define LD_LO(a)	(offsetof(struct seccomp_data, args) + 8 * (a))
#define LD_HI(a)	(LD_LO(a) + 4)
#define HI(v)		((uint32_t)((v) >> 32))
#define LO(v)		((uint32_t)(v))

/* The program being written: jumps name labels, placed later and resolved at the end. */
struct emit {
	struct sock_filter ins[SHIM_BPF_MAX];
	int jt[SHIM_BPF_MAX], jf[SHIM_BPF_MAX]; /* labels, or NEXT */
	int at[SHIM_BPF_MAX];			/* each label's instruction, -1 until placed */
	unsigned int n, nlabels;
	int err;
	struct shim_rule rules[SHIM_RULES_MAX];
	unsigned int nrules;
};

static void jump(struct emit *e, uint16_t code, uint32_t k, int lt, int lf)
{
	if (e->n == SHIM_BPF_MAX) {
		e->err = -E2BIG;
		return;
	}
	e->ins[e->n] = (struct sock_filter)BPF_JUMP(code, k, 0, 0);
	e->jt[e->n] = lt;
	e->jf[e->n++] = lf;
}

static void stmt(struct emit *e, uint16_t code, uint32_t k)
{
	jump(e, code, k, NEXT, NEXT);
}

static void load(struct emit *e, uint32_t off)
{
	stmt(e, BPF_LD | BPF_W | BPF_ABS, off);
}

static void ret(struct emit *e, uint32_t action)
{
	stmt(e, BPF_RET | BPF_K, action);
}

/* An unconditional jump (32-bit offset: any distance). */
static void jump_to(struct emit *e, int label)
{
	jump(e, BPF_JMP | BPF_JA, 0, label, NEXT);
}

static int label_new(struct emit *e)
{
	if (e->nlabels == SHIM_BPF_MAX) {
		e->err = -E2BIG;
		return NEXT;
	}
	e->at[e->nlabels] = -1;
	return (int)e->nlabels++;
}

static void label_here(struct emit *e, int label)
{
	if (label >= 0)
		e->at[label] = (int)e->n;
}

/* Jump offsets from labels; a conditional jump reaches 255 instructions ahead at most. */
static int resolve(struct emit *e)
{
	unsigned int i;
	int k, *lab[2];

	for (i = 0; i < e->n; i++) {
		lab[0] = &e->jt[i];
		lab[1] = &e->jf[i];
		for (k = 0; k < 2; k++) {
			int to = *lab[k] == NEXT ? (int)i + 1 : e->at[*lab[k]];
			int off = to - (int)i - 1;

			if (to < 0 || off < 0)
				return -EFAULT; /* unplaced or backwards: a bug here */
			if (e->ins[i].code == (BPF_JMP | BPF_JA)) {
				if (k == 0)
					e->ins[i].k = (uint32_t)off;
			} else if (off > 255) {
				return -E2BIG;
			} else if (k == 0) {
				e->ins[i].jt = (uint8_t)off;
			} else {
				e->ins[i].jf = (uint8_t)off;
			}
		}
	}
	return 0;
}

/* (word & mask) == datum, or go to @fail. */
static void masked_word(struct emit *e, uint32_t off, uint32_t mask, uint32_t datum, int fail)
{
	if (datum & ~mask) { /* never: bits the mask clears cannot equal */
		jump_to(e, fail);
		return;
	}
	if (!mask)
		return;
	load(e, off);
	if (!datum) {
		jump(e, BPF_JMP | BPF_JSET | BPF_K, mask, fail, NEXT);
		return;
	}
	if (mask != 0xffffffffu)
		stmt(e, BPF_ALU | BPF_AND | BPF_K, mask);
	jump(e, BPF_JMP | BPF_JEQ | BPF_K, datum, NEXT, fail);
}

/* arg equals one value of the list: values grouped by their high word. */
static void emit_in(struct emit *e, const struct shim_cmp *c, int fail)
{
	int ok = label_new(e), other;
	unsigned int i, j, k;

	for (i = 0; i < c->nlist; i++) {
		for (j = 0; j < i && HI(c->list[j]) != HI(c->list[i]); j++)
			;
		if (j < i)
			continue; /* this high word's values went with an earlier one */
		other = label_new(e);
		load(e, LD_HI(c->arg));
		jump(e, BPF_JMP | BPF_JEQ | BPF_K, HI(c->list[i]), NEXT, other);
		load(e, LD_LO(c->arg));
		for (k = i; k < c->nlist; k++)
			if (HI(c->list[k]) == HI(c->list[i]))
				jump(e, BPF_JMP | BPF_JEQ | BPF_K, LO(c->list[k]), ok, NEXT);
		jump_to(e, fail);
		label_here(e, other);
	}
	jump_to(e, fail);
	label_here(e, ok);
}

/* One condition, 64 bits unsigned: holds, or go to @fail. */
static void emit_cmp(struct emit *e, const struct shim_cmp *c, int fail)
{
	int done;

	switch (c->op) {
	case SHIM_CMP_EQ:
		masked_word(e, LD_HI(c->arg), ~0u, HI(c->val), fail);
		masked_word(e, LD_LO(c->arg), ~0u, LO(c->val), fail);
		return;
	case SHIM_CMP_MASKED_EQ:
		masked_word(e, LD_HI(c->arg), HI(c->mask), HI(c->val), fail);
		masked_word(e, LD_LO(c->arg), LO(c->mask), LO(c->val), fail);
		return;
	case SHIM_CMP_LE:	   /* the high word decides unless it equals the bound's */
		if (!HI(c->val)) { /* most: an int's bound, the high word must be 0 */
			masked_word(e, LD_HI(c->arg), ~0u, 0, fail);
			load(e, LD_LO(c->arg));
			jump(e, BPF_JMP | BPF_JGT | BPF_K, LO(c->val), fail, NEXT);
			return;
		}
		done = label_new(e);
		load(e, LD_HI(c->arg));
		jump(e, BPF_JMP | BPF_JGT | BPF_K, HI(c->val), fail, NEXT);
		jump(e, BPF_JMP | BPF_JEQ | BPF_K, HI(c->val), NEXT, done);
		load(e, LD_LO(c->arg));
		jump(e, BPF_JMP | BPF_JGT | BPF_K, LO(c->val), fail, NEXT);
		label_here(e, done);
		return;
	case SHIM_CMP_GE:
		done = label_new(e);
		load(e, LD_HI(c->arg));
		jump(e, BPF_JMP | BPF_JGT | BPF_K, HI(c->val), done, NEXT);
		jump(e, BPF_JMP | BPF_JEQ | BPF_K, HI(c->val), NEXT, fail);
		load(e, LD_LO(c->arg));
		jump(e, BPF_JMP | BPF_JGE | BPF_K, LO(c->val), NEXT, fail);
		label_here(e, done);
		return;
	case SHIM_CMP_IN:
		emit_in(e, c, fail);
		return;
	}
	e->err = -EINVAL;
}

/* Rules [lo, hi) share one syscall, A holds a number: their rows, then kill. */
static void emit_syscall(struct emit *e, unsigned int lo, unsigned int hi)
{
	int match = label_new(e), next;
	unsigned int i, k;

	jump(e, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)e->rules[lo].nr, match, NEXT);
	ret(e, SHIM_DEFAULT);
	label_here(e, match);
	for (i = lo; i < hi; i++) {
		next = label_new(e);
		for (k = 0; k < e->rules[i].ncmp; k++)
			emit_cmp(e, &e->rules[i].c[k], next);
		ret(e, e->rules[i].action);
		label_here(e, next);
	}
	ret(e, SHIM_DEFAULT);
}

/*
 * Syscalls @first[lo..hi) (each the index of its first rule, @first[hi] the
 * end), A holding the number: halve until one is left.  Each level costs a
 * compare and, on the upper half's path, a jump.
 */
static void emit_tree(struct emit *e, const unsigned int *first, unsigned int lo, unsigned int hi)
{
	unsigned int mid = lo + (hi - lo) / 2;
	int upper, lower;

	if (hi - lo == 1) {
		emit_syscall(e, first[lo], first[hi]);
		return;
	}
	upper = label_new(e);
	lower = label_new(e);
	jump(e, BPF_JMP | BPF_JGE | BPF_K, (uint32_t)e->rules[first[mid]].nr, NEXT, lower);
	jump_to(e, upper);
	label_here(e, lower);
	emit_tree(e, first, lo, mid);
	label_here(e, upper);
	emit_tree(e, first, mid, hi);
}

static int collect(void *arg, const struct shim_rule *r)
{
	struct emit *e = arg;

	if (e->nrules == SHIM_RULES_MAX)
		return -E2BIG;
	e->rules[e->nrules++] = *r;
	return 0;
}

/* By syscall number, table order kept within one (insertion sort: a few hundred rows). */
static void sort_rules(struct emit *e)
{
	struct shim_rule t;
	unsigned int i, j;

	for (i = 1; i < e->nrules; i++) {
		t = e->rules[i];
		for (j = i; j > 0 && e->rules[j - 1].nr > t.nr; j--)
			e->rules[j] = e->rules[j - 1];
		e->rules[j] = t;
	}
}

/* Each syscall's first rule, in @first[0..n), @first[n] the end; -EINVAL on mixed actions. */
static int group(const struct emit *e, unsigned int *first, unsigned int *n)
{
	unsigned int i;

	*n = 0;
	for (i = 0; i < e->nrules; i++) {
		if (i && e->rules[i].nr == e->rules[i - 1].nr) {
			if (e->rules[i].action != e->rules[i - 1].action)
				return -EINVAL;
			continue;
		}
		first[(*n)++] = i;
	}
	first[*n] = e->nrules;
	return 0;
}

static void emit_program(struct emit *e, const unsigned int *first, unsigned int n)
{
	int native = label_new(e), ok = label_new(e);

	load(e, offsetof(struct seccomp_data, arch));
	jump(e, BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, native, NEXT);
	ret(e, SHIM_DEFAULT);
	label_here(e, native);
	load(e, LD_NR);
	jump(e, BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, NEXT, ok);
	ret(e, SHIM_DEFAULT);
	label_here(e, ok);
	if (n)
		emit_tree(e, first, 0, n);
	else
		ret(e, SHIM_DEFAULT);
}

int shim_filter_emit(const struct shim_filter_params *p, struct shim_bpf *out,
		     struct kiste_err *err)
{
	struct emit *e = calloc(1, sizeof(*e));
	unsigned int *first = NULL, n;
	int r;

	memset(out, 0, sizeof(*out));
	if (!e)
		return kiste_err_set(err, -ENOMEM, "out of memory emitting the shim filter");
	r = shim_allowlist_walk(p, collect, e, err);
	if (r < 0)
		goto out;
	sort_rules(e);
	first = calloc(e->nrules + 1, sizeof(*first));
	r = first ? group(e, first, &n) : -ENOMEM;
	if (r == 0) {
		emit_program(e, first, n);
		r = e->err ? e->err : resolve(e);
	}
	if (r == 0) {
		out->insns = malloc(e->n * sizeof(e->ins[0]));
		r = out->insns ? 0 : -ENOMEM;
	}
	if (r < 0) {
		kiste_err_set(err, r, "cannot emit the shim filter: %s",
			      r == -EINVAL ? "one syscall's rows disagree on their action"
					   : strerror(-r));
		goto out;
	}
	memcpy(out->insns, e->ins, e->n * sizeof(e->ins[0]));
	out->len = (unsigned short)e->n;
out:
	free(first);
	free(e);
	return r;
}
