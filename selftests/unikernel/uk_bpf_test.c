// SPDX-License-Identifier: GPL-2.0
// uk_bpf_test.c - the unikernel filter kiste emits itself gives libseccomp's verdict on every input.
// kiste-suite: host uk_bpf_test
/*
 * kiste builds the unikernel's filter straight from the table in
 * userspace/unikernel/host/seccomp.c; libseccomp builds the same table into
 * its own program.  Both run here through a small classic-BPF interpreter
 * over the table's boundaries (each bound, one above and below, high words
 * set, negative ints) and random inputs, for several device sets and both
 * isolations; any input the two decide differently is a failure.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#include "kselftest_harness.h"
#include "../lib/bpf_run.h"
#include "uk.h"
#include "../tender/bindings.h"

/*
 * The verdict, with both kills as one: libseccomp answers a foreign
 * architecture or an x32 number with KILL_THREAD (its default bad-arch
 * action), kiste with KILL_PROCESS; the unikernel's process has one thread.
 */
static int64_t verdict(int64_t ret)
{
	return ret == SECCOMP_RET_KILL_THREAD ? SECCOMP_RET_KILL_PROCESS : ret;
}

/* A device set: @nblk block devices, then @nnet net devices, with distinct sizes. */
static void devs_make(struct kiste_uk_devs *devs, int nblk, int nnet)
{
	int i;

	memset(devs, 0, sizeof(*devs));
	for (i = 0; i < nblk + nnet; i++) {
		struct kiste_uk_devinfo *d = &devs->dev[i].info;

		d->handle = i;
		d->type = i < nblk ? KISTE_UK_DEV_BLOCK : KISTE_UK_DEV_NET;
		d->block_size = 512;
		d->capacity = 512ULL * (16 + 1000 * i);
		d->mtu = (uint16_t)(1500 + i);
		devs->dev[i].fd = -1;
	}
	devs->ndev = nblk + nnet;
}

/* Values that sit on, or just off, a boundary of some row, and high-word tricks. */
static void values(const struct kiste_uk_devs *devs, uint64_t *v, size_t *n)
{
	static const uint64_t fixed[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 254, 255, 256, 511, 512, 513, 1024, 0x7fffffff,
		0x80000000, 0xffffffff, 0x100000000ULL, 0x100000001ULL, 0x100000003ULL,
		0x1000003e9ULL, 0xffffffff00000001ULL, ~0ULL, ~0ULL - 1, KVM_RUN,
		KVM_RUN | 0x100000000ULL, CLOCK_MONOTONIC, CLOCK_REALTIME, 13, 14,
		UK_BLOB_MSG_ADDR + 7, UK_BLOB_MSG_ADDR + 8, UK_BLOB_MSG_ADDR + 9,
		UK_BLOB_MSG_SIZE - 9, UK_BLOB_MSG_SIZE - 8, UK_BLOB_MSG_SIZE - 7,
		(UK_BLOB_MSG_ADDR + 8) | 0x100000000ULL,
	};
	uint32_t i;

	*n = 0;
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		v[(*n)++] = fixed[i];
	for (i = 0; i < devs->ndev; i++) {
		const struct kiste_uk_devinfo *d = &devs->dev[i].info;
		uint64_t b[] = { KISTE_UK_FD_BASE + d->handle, d->capacity, d->capacity - 512,
				 d->mtu + 14u };
		uint32_t k;

		for (k = 0; k < 4; k++) {
			v[(*n)++] = b[k] - 1;
			v[(*n)++] = b[k];
			v[(*n)++] = b[k] + 1;
			v[(*n)++] = b[k] | 0x100000000ULL;
		}
	}
}

static uint64_t rnd64(void)
{
	return ((uint64_t)random() << 33) ^ ((uint64_t)random() << 11) ^ (uint64_t)random();
}

/* Runs both programs over boundary and random inputs; returns the inputs tried. */
static long compare(struct __test_metadata *_metadata, const struct kiste_uk_devs *devs,
		    uint32_t iso)
{
	static const int nrs[] = { SYS_write, SYS_read, SYS_pread64, SYS_pwrite64,
				   SYS_clock_gettime, SYS_ppoll, SYS_exit_group, SYS_ioctl,
				   SYS_openat, SYS_mmap, SYS_execve, SYS_close, 0x40000001 };
	struct kiste_err err = { 0 };
	struct seccomp_data d;
	void *ours, *ref;
	size_t nours, nref, nv, i;
	uint64_t v[128];
	long tried = 0;
	int k, a;

	ASSERT_EQ(0, kiste_uk_filter_bpf(devs, iso, &ours, &nours, &err)) TH_LOG("%s", err.msg);
	ASSERT_EQ(0, kiste_uk_filter_bpf_ref(devs, iso, &ref, &nref, &err)) TH_LOG("%s", err.msg);
	values(devs, v, &nv);
	for (i = 0; i < 40000; i++) {
		memset(&d, 0, sizeof(d));
		d.arch = i % 97 ? AUDIT_ARCH_X86_64 : AUDIT_ARCH_I386;
		d.nr = i % 11 == 10 ? (int)(random() % 450) : nrs[i % (sizeof(nrs) / sizeof(nrs[0]))];
		for (a = 0; a < 6; a++)
			d.args[a] = i % 5 == 4 ? rnd64() : v[random() % nv];
		k = 0;
		{
			int64_t x = bpf_run(ours, nours / sizeof(struct sock_filter), &d);
			int64_t y = bpf_run(ref, nref / sizeof(struct sock_filter), &d);

			if (x >= 0 && y >= 0) {
				x = verdict(x);
				y = verdict(y);
			}

			ASSERT_LE(0, x) TH_LOG("kiste's program has an opcode the interpreter lacks");
			ASSERT_LE(0, y) TH_LOG("libseccomp's program has an opcode the interpreter lacks");
			if (x != y) {
				TH_LOG("iso %u, %u devices: nr %d args %#llx %#llx %#llx %#llx: "
				       "kiste %#llx, libseccomp %#llx", iso, devs->ndev, d.nr,
				       (unsigned long long)d.args[0], (unsigned long long)d.args[1],
				       (unsigned long long)d.args[2], (unsigned long long)d.args[3],
				       (unsigned long long)x, (unsigned long long)y);
				k = 1;
			}
		}
		ASSERT_EQ(0, k);
		tried++;
	}
	free(ours);
	free(ref);
	return tried;
}

TEST(same_verdict_as_libseccomp)
{
	static const int sets[][2] = { { 0, 0 }, { 1, 0 }, { 0, 1 }, { 2, 2 }, { 1, 3 } };
	struct kiste_uk_devs devs;
	long tried = 0;
	size_t s;
	uint32_t iso;

	srandom(20261205);
	for (s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
		for (iso = KISTE_UK_ISO_PROCESS; iso <= KISTE_UK_FILTER_DIRECT; iso++) {
			devs_make(&devs, sets[s][0], sets[s][1]);
			tried += compare(_metadata, &devs, iso);
		}
	}
	TH_LOG("%ld inputs, every one decided alike", tried);
}

/* The emitted program allows what the table allows, and the unikernel's exit works. */
TEST(allows_the_tables_own_calls)
{
	struct kiste_err err = { 0 };
	struct kiste_uk_devs devs;
	struct seccomp_data d = { .arch = AUDIT_ARCH_X86_64 };
	void *bpf;
	size_t n;

	devs_make(&devs, 1, 1);
	ASSERT_EQ(0, kiste_uk_filter_bpf(&devs, KISTE_UK_ISO_PROCESS, &bpf, &n, &err));
	d.nr = SYS_exit_group;
	d.args[0] = 3;
	EXPECT_EQ(SECCOMP_RET_ALLOW, bpf_run(bpf, n / sizeof(struct sock_filter), &d));
	d.args[0] = 256;
	EXPECT_EQ(SECCOMP_RET_KILL_PROCESS, bpf_run(bpf, n / sizeof(struct sock_filter), &d));
	d.nr = SYS_pread64;
	d.args[0] = KISTE_UK_FD_BASE;
	d.args[2] = 512;
	d.args[3] = 0;
	EXPECT_EQ(SECCOMP_RET_ALLOW, bpf_run(bpf, n / sizeof(struct sock_filter), &d));
	d.args[3] = devs.dev[0].info.capacity;
	EXPECT_EQ(SECCOMP_RET_KILL_PROCESS, bpf_run(bpf, n / sizeof(struct sock_filter), &d));
	free(bpf);
}

/*
 * Direct entry: a call outside the table traps (the blob's handler reports it
 * and exits 159), and the one extra row admits exactly the sealed line.
 */
TEST(direct_traps_and_admits_only_the_sealed_line)
{
	struct kiste_err err = { 0 };
	struct kiste_uk_devs devs;
	struct seccomp_data d = { .arch = AUDIT_ARCH_X86_64, .nr = SYS_write };
	void *bpf, *proc;
	size_t n, np;

	devs_make(&devs, 0, 0);
	ASSERT_EQ(0, kiste_uk_filter_bpf(&devs, KISTE_UK_FILTER_DIRECT, &bpf, &n, &err));
	ASSERT_EQ(0, kiste_uk_filter_bpf(&devs, KISTE_UK_ISO_PROCESS, &proc, &np, &err));
	n /= sizeof(struct sock_filter);
	np /= sizeof(struct sock_filter);
	d.args[0] = 2;
	d.args[1] = UK_BLOB_MSG_ADDR + 8;
	d.args[2] = 200;
	EXPECT_EQ(SECCOMP_RET_ALLOW, bpf_run(bpf, n, &d));
	EXPECT_EQ(SECCOMP_RET_KILL_PROCESS, bpf_run(proc, np, &d));
	d.args[2] = UK_BLOB_MSG_SIZE - 7;	/* past the page */
	EXPECT_EQ(SECCOMP_RET_TRAP, bpf_run(bpf, n, &d));
	d.args[2] = 200;
	d.args[1] = UK_BLOB_MSG_ADDR + 16;	/* any other buffer */
	EXPECT_EQ(SECCOMP_RET_TRAP, bpf_run(bpf, n, &d));
	d.args[1] = (UK_BLOB_MSG_ADDR + 8) | 0x100000000ULL;
	EXPECT_EQ(SECCOMP_RET_TRAP, bpf_run(bpf, n, &d));
	d.args[1] = UK_BLOB_MSG_ADDR + 8;
	d.args[0] = 3;				/* not stderr */
	EXPECT_EQ(SECCOMP_RET_TRAP, bpf_run(bpf, n, &d));
	d.nr = SYS_getpid;
	EXPECT_EQ(SECCOMP_RET_TRAP, bpf_run(bpf, n, &d));
	EXPECT_EQ(SECCOMP_RET_KILL_PROCESS, bpf_run(proc, np, &d));
	d.arch = AUDIT_ARCH_I386;
	EXPECT_EQ(SECCOMP_RET_TRAP, bpf_run(bpf, n, &d));
	free(bpf);
	free(proc);
}

TEST_HARNESS_MAIN
