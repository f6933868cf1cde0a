// SPDX-License-Identifier: GPL-2.0
// member.c - member children: join a sandbox, fork, thread, exec, arm, make VMs, die at random.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fz.h"

/* A member child lives at most this long (SIGALRM ends it). */
#define FZ_MEMBER_SECS 20
/* Operations one member child makes at most. */
#define FZ_MEMBER_OPS 24

void fz_children_reap(struct fz_ctx *c, bool all)
{
	int i, status;

	for (i = 0; i < FZ_CHILDREN; i++) {
		if (c->children[i] <= 0)
			continue;
		if (all)
			kill(c->children[i], SIGKILL);
		if (waitpid(c->children[i], &status, all ? 0 : WNOHANG) == c->children[i])
			c->children[i] = 0;
	}
}

static void *thread_main(void *arg)
{
	struct fz_ctx *t = arg;
	int i;

	for (i = 0; i < 6 && !fz_stopped(t); i++) {
		if (fz_chance(&t->rng, 50))
			fz_genl_one(t);
		else
			fz_dev_one(t);
	}
	if (t->nl >= 0)
		close(t->nl);
	return NULL;
}

/* Threads racing this process's descriptors; each has its own socket and random stream. */
void fz_threads(struct fz_ctx *c, int n)
{
	struct fz_ctx t[4];
	pthread_t th[4];
	int i, made = 0;

	for (i = 0; i < n && i < 4; i++) {
		t[i] = *c;
		t[i].nl = -1;
		fz_seed(&t[i].rng, fz_next(&c->rng), (uint64_t)i);
		if (pthread_create(&th[made], NULL, thread_main, &t[i]) == 0)
			made++;
	}
	for (i = 0; i < made; i++)
		pthread_join(th[i], NULL);
}

static char sibling_stack[64 * 1024] __attribute__((aligned(16)));

static int sibling(void *arg)
{
	struct kiste_ioc_vm_create v = { 0 };

	/* shares the caller's mm: VM_CREATE from either side must be refused */
	syscall(SYS_ioctl, *(int *)arg, KISTE_IOC_VM_CREATE, &v);
	syscall(SYS_exit, 0);
	return 0;
}

static void clone_vm_sibling(struct fz_ctx *c, int kfd)
{
	struct kiste_ioc_vm_create v = { 0 };
	int status, ret;
	pid_t pid;

	pid = clone(sibling, sibling_stack + sizeof(sibling_stack), CLONE_VM | SIGCHLD, &kfd);
	if (pid < 0)
		return;
	ret = ioctl(kfd, KISTE_IOC_VM_CREATE, &v);
	fz_count(c, FZ_C_DEV);
	if (ret >= 0)
		close(ret);
	waitpid(pid, &status, 0);
}

/* Join: a temporary sandbox of our own, someone's, or none. */
static void join(struct fz_ctx *c, int kfd)
{
	struct kiste_ioc_create cr = { .mode = KISTE_MODE_SHIM };
	struct kiste_ioc_attach at = { 0 };
	struct fz_rng *r = &c->rng;

	if (fz_chance(r, 45)) {
		if (c->sh->kvm && fz_chance(r, 60))
			cr.mode = fz_chance(r, 70) ? KISTE_MODE_VM : KISTE_MODE_UNIKERNEL;
		cr.memory_limit = fz_chance(r, 70) ? (uint64_t)(1 + fz_below(r, 8)) << 20 : 0;
		cr.vcpu_limit = fz_below(r, 3);
		if (ioctl(kfd, KISTE_IOC_CREATE, &cr) == 0)
			fz_id_seen(c->sh, cr.id);
		fz_count(c, FZ_C_DEV);
	} else {
		at.id = fz_id(c);
	}
	if (fz_chance(r, 92)) {
		ioctl(kfd, KISTE_IOC_ATTACH, &at);
		fz_count(c, FZ_C_DEV);
	}
}

static void grandchild(struct fz_ctx *c)
{
	pid_t pid = fork();

	if (pid != 0)
		return;
	c->nl = -1;
	fz_seed(&c->rng, fz_next(&c->rng), 7);
	if (fz_chance(&c->rng, 50))
		fz_genl_one(c);
	else
		fz_dev_one(c);
	_exit(0);
}

static void member_op(struct fz_ctx *c, int *kfd)
{
	struct kiste_ioc_shim_arm arm = { .gate_start = c->sh->gate, .gate_len = 4096 };
	static char *const argv[] = { "true", NULL };
	struct fz_rng *r = &c->rng;

	switch (fz_below(r, 22)) {
	case 0: case 1: case 2: case 3: case 4: case 12: case 13:
		fz_genl_one(c);
		break;
	case 5: case 6: case 7:
		fz_dev_one(c);
		break;
	case 8:
		grandchild(c);
		break;
	case 9:
		fz_threads(c, 1 + (int)fz_below(r, 3));
		break;
	case 10: case 11:
		if (c->sh->kvm && *kfd >= 0) {
			uint64_t t0 = fz_now_ns();

			fz_vm_session(c, *kfd);
			fz_time(c, FZ_T_VM, t0);
		}
		break;
	case 14:
		execv("/bin/true", argv);
		break;
	case 15:
		if (*kfd >= 0)
			clone_vm_sibling(c, *kfd);
		break;
	case 16:
		/* redirection with a gate that is not ours to use: SIGSYS ends us soon */
		if (*kfd >= 0 && fz_chance(r, 30)) {
			ioctl(*kfd, KISTE_IOC_SHIM_ARM, &arm);
			fz_count(c, FZ_C_DEV);
		}
		break;
	case 17:
		if (fz_chance(r, 50))
			raise(SIGKILL);
		_exit((int)fz_below(r, 4));
	case 18:
		prctl(PR_SET_DUMPABLE, fz_below(r, 2));
		break;
	case 19:
		if (*kfd >= 0)
			close(*kfd);
		*kfd = fz_dev_open(c);
		break;
	default:
		sched_yield();
		break;
	}
}

static void member_main(struct fz_ctx *c, uint64_t seed)
{
	uint64_t t0 = fz_now_ns();
	int kfd, ops, i;

	fz_seed(&c->rng, seed, 0);
	c->member = true;
	if (c->nl >= 0)
		close(c->nl);
	c->nl = -1;
	memset(c->children, 0, sizeof(c->children));
	alarm(FZ_MEMBER_SECS);
	kfd = fz_dev_open(c);
	if (kfd >= 0)
		join(c, kfd);
	ops = 1 + (int)fz_below(&c->rng, FZ_MEMBER_OPS);
	for (i = 0; i < ops && !fz_stopped(c); i++)
		member_op(c, &kfd);
	fz_time(c, FZ_T_MEMBER, t0);
	_exit((int)fz_below(&c->rng, 3));
}

/* Starts a member child when this worker has room for one. */
void fz_member_spawn(struct fz_ctx *c)
{
	uint64_t seed = fz_next(&c->rng);
	int i;
	pid_t pid;

	fz_children_reap(c, false);
	for (i = 0; i < FZ_CHILDREN && c->children[i] > 0; i++)
		;
	if (i == FZ_CHILDREN) {
		/* full: a random exit of the oldest instead */
		if (fz_chance(&c->rng, 20))
			kill(c->children[0], SIGKILL);
		return;
	}
	pid = fork();
	if (pid == 0)
		member_main(c, seed);
	if (pid > 0) {
		c->children[i] = pid;
		atomic_fetch_add(&c->sh->count[FZ_C_MEMBERS], 1);
	}
}
