// SPDX-License-Identifier: GPL-2.0
// seccomp.c - the unikernel filters in one table (rule + reason): the tender's <= 7 calls, the VMM's.
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "uk.h"
#include "../tender/bindings.h"

/*
 * The whole host surface of a unikernel: in process isolation its own calls,
 * in vm isolation the VMM's once the guest is set up.  Every rule binds the
 * descriptor; sizes and offsets are bound where the ABI fixes them.  Anything
 * else kills the process (SECCOMP_RET_KILL_PROCESS): no errno path a
 * unikernel could probe.
 *
 * Descriptors, clock ids, ppoll's nfds, ioctl commands and the exit status are
 * ints to the kernel, which reads only their low 32 bits: OP_EQ32 and OP_LE32
 * compare those bits alone, so a value with high bits set is decided on what
 * the kernel will act on.  Sizes and offsets are 64-bit and compared whole
 * (unsigned: a negative offset is a huge one).
 */
enum { K_CONST, K_DEV_FD, K_FRAME, K_BLOCK, K_CAPACITY, K_LAST_BLOCK, K_NNET };
enum { OP_EQ, OP_LE, OP_EQ32, OP_LE32 }; /* OP_LE32: the bound is 2^n - 1 */
/* A row is added once, or once per device of a type with that device's values. */
enum { F_ONCE, F_NET, F_BLOCK };
#define ISO_P (1u << KISTE_UK_ISO_PROCESS)
#define ISO_V (1u << KISTE_UK_ISO_VM)
#define ISO_D (1u << KISTE_UK_FILTER_DIRECT) /* direct entry: its rows and every ISO_P row */

struct uk_cond {
	unsigned char arg, op, kind;
	uint64_t val;	  /* K_CONST */
	const char *name; /* what a K_CONST value is, for the printout */
};

struct uk_rule {
	const char *name;
	int nr;
	unsigned char iso; /* ISO_P, ISO_V: the isolations whose filter has the row */
	unsigned char per; /* F_* */
	unsigned char ncond;
	struct uk_cond c[3];
	const char *why;
};

#define C_DEV(a) { a, OP_EQ32, K_DEV_FD, 0, NULL }
#define C_IS(a, v, name) { a, OP_EQ32, K_CONST, v, name }
#define C_IS_K(a, k, name) { a, OP_EQ32, k, 0, name }
#define C_NULL(a) { a, OP_EQ, K_CONST, 0, "NULL" }
#define C_EQ_K(a, k) { a, OP_EQ, k, 0, NULL }
#define C_LE_K(a, k) { a, OP_LE, k, 0, NULL }
#define C_LE32(a, v) { a, OP_LE32, K_CONST, v, NULL }
#define C_EQ64(a, v, name) { a, OP_EQ, K_CONST, v, name }
#define C_LE64(a, v) { a, OP_LE, K_CONST, v, NULL }
#define ROW(s, iso, per, why, n, ...) { #s, SYS_##s, iso, per, n, { __VA_ARGS__ }, why }

/* Ordered so that the syscalls come out as the README lists them. */
static const struct uk_rule uk_table[] = {
	ROW(write, ISO_P | ISO_V, F_ONCE, "the console", 1,
	    C_IS(0, KISTE_UK_CONSOLE_FD, "console")),
	ROW(write, ISO_P | ISO_V, F_NET, "a frame to a net device, at most MTU + 14 bytes", 2,
	    C_DEV(0), C_LE_K(2, K_FRAME)),
	ROW(write, ISO_V, F_ONCE, "the VMM's last words (bad hypercall, guest crash)", 1,
	    C_IS(0, STDERR_FILENO, "stderr")),
	ROW(write, ISO_D, F_ONCE, "direct entry: kiste run's line for a trapped call, from the "
	    "blob's sealed page", 3, C_IS(0, STDERR_FILENO, "stderr"),
	    C_EQ64(1, UK_BLOB_MSG_ADDR + 8, "the sealed line"),
	    C_LE64(2, UK_BLOB_MSG_SIZE - 8)),
	ROW(read, ISO_P | ISO_V, F_NET, "a frame from a net device", 2, C_DEV(0),
	    C_LE_K(2, K_FRAME)),
	ROW(pread64, ISO_P, F_BLOCK, "one block of a block device, inside it", 3, C_DEV(0),
	    C_EQ_K(2, K_BLOCK), C_LE_K(3, K_LAST_BLOCK)),
	ROW(pread64, ISO_V, F_BLOCK, "blocks of a block device (a hypercall may span blocks)", 3,
	    C_DEV(0), C_LE_K(2, K_CAPACITY), C_LE_K(3, K_LAST_BLOCK)),
	ROW(pwrite64, ISO_P, F_BLOCK, "one block of a block device, inside it", 3, C_DEV(0),
	    C_EQ_K(2, K_BLOCK), C_LE_K(3, K_LAST_BLOCK)),
	ROW(pwrite64, ISO_V, F_BLOCK, "blocks of a block device (a hypercall may span blocks)", 3,
	    C_DEV(0), C_LE_K(2, K_CAPACITY), C_LE_K(3, K_LAST_BLOCK)),
	ROW(clock_gettime, ISO_P | ISO_V, F_ONCE, "the monotonic clock", 1,
	    C_IS(0, CLOCK_MONOTONIC, "CLOCK_MONOTONIC")),
	ROW(clock_gettime, ISO_P | ISO_V, F_ONCE, "the wall clock", 1,
	    C_IS(0, CLOCK_REALTIME, "CLOCK_REALTIME")),
	ROW(ppoll, ISO_P | ISO_V, F_ONCE,
	    "yield: exactly the net devices (none: a plain sleep), never with a signal mask", 2,
	    C_IS_K(1, K_NNET, "net devices"), C_NULL(3)),
	ROW(exit_group, ISO_P | ISO_V, F_ONCE, "exit; the status is kiste run's exit code", 1,
	    C_LE32(0, 255)),
	ROW(ioctl, ISO_V, F_ONCE, "re-enter the guest on the vCPU", 2,
	    C_IS(0, KISTE_UK_VCPU_FD, "vCPU"), C_IS(1, KVM_RUN, "KVM_RUN")),
};

#define UK_NTABLE (sizeof(uk_table) / sizeof(uk_table[0]))
/* Instructions of an emitted filter: 6 + ~16 per row, rows per device. */
#define UK_BPF_MAX 1024

static uint64_t cond_value(const struct uk_cond *c, const struct kiste_uk_dev *d,
			   const struct kiste_uk_devs *devs)
{
	uint32_t i, n = 0;

	switch (c->kind) {
	case K_DEV_FD:
		return KISTE_UK_FD_BASE + d->info.handle;
	case K_FRAME:
		return d->info.mtu + 14;
	case K_BLOCK:
		return d->info.block_size;
	case K_CAPACITY:
		return d->info.capacity;
	case K_LAST_BLOCK:
		return d->info.capacity - d->info.block_size;
	case K_NNET:
		for (i = 0; i < devs->ndev; i++)
			n += devs->dev[i].info.type == KISTE_UK_DEV_NET;
		return n;
	}
	return c->val;
}

/* Called once per row of the filter with its device (NULL for F_ONCE rows). */
typedef int (*uk_row_fn)(void *arg, const struct uk_rule *r, const struct kiste_uk_dev *d,
			 const struct kiste_uk_devs *devs);

/* The one table walker: every row of isolation @iso's filter, per device where it says so. */
static int uk_walk(const struct kiste_uk_devs *devs, uint32_t iso, uk_row_fn fn, void *arg)
{
	const struct uk_rule *r;
	size_t i;
	uint32_t k;
	int ret = 0;

	if (iso > KISTE_UK_FILTER_DIRECT)
		return -EINVAL;
	for (i = 0; i < UK_NTABLE && !ret; i++) {
		r = &uk_table[i];
		if (!(r->iso & ((1u << iso) | (iso == KISTE_UK_FILTER_DIRECT ? ISO_P : 0))))
			continue;
		if (r->per == F_ONCE) {
			ret = fn(arg, r, NULL, devs);
			continue;
		}
		for (k = 0; k < devs->ndev && !ret; k++)
			if (devs->dev[k].info.type ==
			    (r->per == F_NET ? KISTE_UK_DEV_NET : KISTE_UK_DEV_BLOCK))
				ret = fn(arg, r, &devs->dev[k], devs);
	}
	return ret;
}

static int row_add(void *ctx, const struct uk_rule *r, const struct kiste_uk_dev *d,
		   const struct kiste_uk_devs *devs)
{
	struct scmp_arg_cmp cmp[3];
	unsigned int i;
	uint64_t v;

	for (i = 0; i < r->ncond; i++) {
		const struct uk_cond *c = &r->c[i];

		v = cond_value(c, d, devs);
		/* libseccomp 2.5's SCMP_CMP32 still requires a zero high word: mask it. */
		if (c->op == OP_EQ32) {
			cmp[i] = SCMP_CMP64(c->arg, SCMP_CMP_MASKED_EQ, 0xffffffffULL, (uint32_t)v);
		} else if (c->op == OP_LE32) {
			if (v > 0xffffffffULL || (v & (v + 1)))
				return -EINVAL;
			/* no bit above the bound's in the low word: a negative int is not small */
			cmp[i] = SCMP_CMP64(c->arg, SCMP_CMP_MASKED_EQ, 0xffffffffULL & ~v, 0);
		} else {
			cmp[i] = SCMP_CMP64(c->arg, c->op == OP_LE ? SCMP_CMP_LE : SCMP_CMP_EQ, v);
		}
	}
	return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, r->nr, r->ncond, cmp);
}

uint32_t uk_default_action(uint32_t iso)
{
	return iso == KISTE_UK_FILTER_DIRECT ? SECCOMP_RET_TRAP : SECCOMP_RET_KILL_PROCESS;
}

static int uk_filter_new(scmp_filter_ctx *ctx, const struct kiste_uk_devs *devs, uint32_t iso,
			 struct kiste_err *err)
{
	int ret;

	uint32_t act = uk_default_action(iso) == SECCOMP_RET_TRAP ? SCMP_ACT_TRAP :
		       SCMP_ACT_KILL_PROCESS;

	*ctx = seccomp_init(act);
	if (!*ctx)
		return kiste_err_set(err, -ENOMEM, "cannot initialise libseccomp: out of memory");
	/* A foreign architecture's call (int $0x80) ends as any other call outside the table. */
	seccomp_attr_set(*ctx, SCMP_FLTATR_ACT_BADARCH, act);
	ret = uk_walk(devs, iso, row_add, *ctx);
	if (ret < 0) {
		seccomp_release(*ctx);
		return kiste_err_set(err, ret, "cannot build the unikernel seccomp filter: %s",
				     strerror(-ret));
	}
	return 0;
}

/* Distinct syscalls in walk order, and rows: what kiste_uk_filter_syscalls and the print count. */
struct uk_count {
	int nr[UK_NTABLE];
	const char *name[UK_NTABLE];
	int n, rules, restricted;
};

static int row_count(void *arg, const struct uk_rule *r, const struct kiste_uk_dev *d,
		     const struct kiste_uk_devs *devs)
{
	struct uk_count *c = arg;
	int i;

	(void)d, (void)devs;
	c->rules++;
	c->restricted += r->ncond > 0;
	for (i = 0; i < c->n && c->nr[i] != r->nr; i++)
		;
	if (i == c->n) {
		c->nr[c->n] = r->nr;
		c->name[c->n++] = r->name;
	}
	return 0;
}

int kiste_uk_filter_syscalls(const struct kiste_uk_devs *devs, uint32_t iso, char *names,
			     size_t len)
{
	struct uk_count c = { .n = 0 };
	size_t off = 0;
	int i;

	uk_walk(devs, iso, row_count, &c);
	if (names && len)
		names[0] = 0;
	for (i = 0; i < c.n && names && off < len; i++)
		off += snprintf(names + off, len - off, "%s%s", off ? " " : "", c.name[i]);
	return c.n;
}

static void cond_print(FILE *f, const struct uk_cond *c, const struct kiste_uk_dev *d,
		       const struct kiste_uk_devs *devs)
{
	static const char *const ops[] = { "==", "<=", "==", "<=" };
	unsigned long long v = cond_value(c, d, devs);

	if (c->op == OP_EQ32 || c->op == OP_LE32)
		fprintf(f, "lo32(arg%u) %s %llu", c->arg, ops[c->op], v);
	else
		fprintf(f, "arg%u %s %llu", c->arg, ops[c->op], v);
	if (c->kind == K_DEV_FD)
		fprintf(f, " ('%s')", d->info.name);
	else if (c->name)
		fprintf(f, " (%s)", c->name);
}

static int row_print(void *arg, const struct uk_rule *r, const struct kiste_uk_dev *d,
		     const struct kiste_uk_devs *devs)
{
	char args[160] = "any";
	FILE *m = fmemopen(args, sizeof(args), "w");
	unsigned int i;

	for (i = 0; m && i < r->ncond; i++) {
		fputs(i ? ", " : "", m);
		cond_print(m, &r->c[i], d, devs);
	}
	if (m)
		fclose(m);
	fprintf(arg, "%-14s %-58s %s\n", r->name, args, r->why);
	return 0;
}

void kiste_uk_filter_print(const struct kiste_uk_devs *devs, uint32_t iso, FILE *f)
{
	struct uk_count c = { .n = 0 };

	fprintf(f, "# %-12s %-58s %s\n", "syscall", "arguments", "why");
	uk_walk(devs, iso, row_print, f);
	uk_walk(devs, iso, row_count, &c);
	fprintf(f, "# %d syscalls, %d rules, %d of them argument-restricted\n", c.n, c.rules,
		c.restricted);
}

int kiste_uk_filter_pfc(const struct kiste_uk_devs *devs, uint32_t iso, int fd,
			struct kiste_err *err)
{
	scmp_filter_ctx ctx;
	int ret = uk_filter_new(&ctx, devs, iso, err);

	if (ret < 0)
		return ret;
	ret = seccomp_export_pfc(ctx, fd);
	seccomp_release(ctx);
	if (ret < 0)
		return kiste_err_set(err, ret, "cannot print the seccomp filter: %s",
				     strerror(-ret));
	return 0;
}

int kiste_uk_filter_bpf_ref(const struct kiste_uk_devs *devs, uint32_t iso, void **bpf,
			    size_t *len, struct kiste_err *err)
{
	scmp_filter_ctx ctx;
	off_t size;
	int ret, fd;

	*bpf = NULL;
	ret = uk_filter_new(&ctx, devs, iso, err);
	if (ret < 0)
		return ret;
	/* libseccomp 2.5 exports BPF only to a descriptor: go through a memfd. */
	fd = memfd_create("kiste-uk-bpf", MFD_CLOEXEC);
	ret = fd < 0 ? -errno : seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	size = ret == 0 ? lseek(fd, 0, SEEK_END) : -1;
	if (size > 0 && size < (1 << 20))
		*bpf = malloc(size);
	if (*bpf && pread(fd, *bpf, size, 0) == size) {
		*len = size;
		close(fd);
		return 0;
	}
	free(*bpf);
	*bpf = NULL;
	if (fd >= 0)
		close(fd);
	return kiste_err_set(err, ret < 0 ? ret : -EIO, "cannot export the seccomp filter: %s",
			     strerror(ret < 0 ? -ret : EIO));
}

/*
 * The same filter, emitted straight from the table as classic BPF: libseccomp
 * spent about 100 us of every unikernel start building what these few dozen
 * instructions say (selftests/unikernel/uk_bpf_test holds the two programs to
 * the same verdict on every row's boundaries).  Each row: load the syscall
 * number, then each condition, any mismatch jumping to the next row; a row that
 * holds allows; after the last row, kill.
 */
struct bpf_out {
	struct sock_filter ins[UK_BPF_MAX];
	unsigned int n;
	unsigned int fail[16];	/* this row's jumps to patch to the next row */
	unsigned int nfail;
	int err;
};

#define ARG_LO(a) (offsetof(struct seccomp_data, args) + 8 * (a))
#define ARG_HI(a) (ARG_LO(a) + 4)

static void put(struct bpf_out *o, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	if (o->n == UK_BPF_MAX) {
		o->err = -E2BIG;
		return;
	}
	o->ins[o->n++] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
}

/* A conditional jump whose false branch fails the row (patched at the row's end). */
static void put_or_fail(struct bpf_out *o, uint16_t code, uint32_t k, bool fail_if_true)
{
	if (o->nfail < sizeof(o->fail) / sizeof(o->fail[0]))
		o->fail[o->nfail++] = o->n * 2 + fail_if_true;
	else
		o->err = -E2BIG;
	put(o, code, 0, 0, k);
}

static void emit_cond(struct bpf_out *o, const struct uk_cond *c, uint64_t v)
{
	switch (c->op) {
	case OP_EQ32:
		put(o, BPF_LD | BPF_W | BPF_ABS, 0, 0, ARG_LO(c->arg));
		put_or_fail(o, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)v, false);
		return;
	case OP_LE32:
		put(o, BPF_LD | BPF_W | BPF_ABS, 0, 0, ARG_LO(c->arg));
		put_or_fail(o, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)v, true);
		return;
	case OP_EQ:
		put(o, BPF_LD | BPF_W | BPF_ABS, 0, 0, ARG_HI(c->arg));
		put_or_fail(o, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(v >> 32), false);
		put(o, BPF_LD | BPF_W | BPF_ABS, 0, 0, ARG_LO(c->arg));
		put_or_fail(o, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)v, false);
		return;
	default: /* OP_LE, unsigned 64-bit: the high word decides unless it is equal */
		put(o, BPF_LD | BPF_W | BPF_ABS, 0, 0, ARG_HI(c->arg));
		put_or_fail(o, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)(v >> 32), true);
		put(o, BPF_JMP | BPF_JEQ | BPF_K, 0, 2, (uint32_t)(v >> 32));
		put(o, BPF_LD | BPF_W | BPF_ABS, 0, 0, ARG_LO(c->arg));
		put_or_fail(o, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)v, true);
	}
}

static int row_emit(void *arg, const struct uk_rule *r, const struct kiste_uk_dev *d,
		    const struct kiste_uk_devs *devs)
{
	struct bpf_out *o = arg;
	unsigned int i, at, next;

	o->nfail = 0;
	put(o, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr));
	put_or_fail(o, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)r->nr, false);
	for (i = 0; i < r->ncond; i++) {
		if (r->c[i].op == OP_LE32) {
			uint64_t v = cond_value(&r->c[i], d, devs);

			if (v > 0xffffffffULL || (v & (v + 1)))
				return -EINVAL;
		}
		emit_cond(o, &r->c[i], cond_value(&r->c[i], d, devs));
	}
	put(o, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
	next = o->n;
	for (i = 0; i < o->nfail && !o->err; i++) {
		at = o->fail[i] / 2;
		if (next - at - 1 > 255)
			return -E2BIG;
		if (o->fail[i] & 1)
			o->ins[at].jt = (uint8_t)(next - at - 1);
		else
			o->ins[at].jf = (uint8_t)(next - at - 1);
	}
	return o->err;
}

int kiste_uk_filter_bpf(const struct kiste_uk_devs *devs, uint32_t iso, void **bpf, size_t *len,
			struct kiste_err *err)
{
	struct bpf_out *o = calloc(1, sizeof(*o));
	int ret;

	*bpf = NULL;
	if (!o)
		return kiste_err_set(err, -ENOMEM, "out of memory");
	/* Only x86_64 calls, and not the x32 ABI's numbers. */
	put(o, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, arch));
	put(o, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, AUDIT_ARCH_X86_64);
	put(o, BPF_RET | BPF_K, 0, 0, uk_default_action(iso));
	put(o, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr));
	put(o, BPF_JMP | BPF_JGE | BPF_K, 0, 1, 0x40000000u /* __X32_SYSCALL_BIT */);
	put(o, BPF_RET | BPF_K, 0, 0, uk_default_action(iso));
	ret = uk_walk(devs, iso, row_emit, o);
	put(o, BPF_RET | BPF_K, 0, 0, uk_default_action(iso));
	if (ret == 0)
		ret = o->err;
	if (ret < 0) {
		free(o);
		return kiste_err_set(err, ret, "cannot build the unikernel seccomp filter: %s",
				     strerror(-ret));
	}
	*len = o->n * sizeof(o->ins[0]);
	*bpf = o;	/* the instructions come first */
	return 0;
}
