// SPDX-License-Identifier: GPL-2.0
// vm.c - KVM broker sessions: slots, vCPUs, forwarded and refused VM ioctls, mappings, short guest runs.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "fz.h"

#define FZ_VM_OPS	40
#define FZ_GUEST_MEM	(8UL << 20)
#define FZ_VCPUS	4
#define FZ_CODE_GPA	0x1000
/* A guest run is cut short by a timer signal after this long. */
#define FZ_RUN_NS	5000000L

struct vm_sess {
	int vm;
	int vcpu[FZ_VCPUS];
	bool dirty[FZ_VCPUS];	/* registers set at random: never run */
	void *map[FZ_VCPUS];
	size_t map_len[FZ_VCPUS];
	char *mem;
	timer_t timer;
	bool have_timer;
};

static void on_timer(int sig)
{
	(void)sig;
}

static void *hva(struct fz_ctx *c, struct vm_sess *s)
{
	switch (fz_below(&c->rng, 10)) {
	case 0:
		return NULL;
	case 1:
		return s->mem + 1;
	case 2:
		return (void *)0xffffffff81000000UL;
	case 3:
		return s->mem + FZ_GUEST_MEM - 4096;
	case 4:
		return s->mem + 4096 * fz_below(&c->rng, FZ_GUEST_MEM / 4096);
	default:
		return s->mem;
	}
}

static int set_region(struct fz_ctx *c, struct vm_sess *s)
{
	static const uint64_t sizes[] = { 0, 4096, 65536, 1 << 20, 4 << 20, 8 << 20, 16 << 20,
					  1ULL << 63, 0ULL - (4 << 20) + 4096, 0ULL - 4096,
					  0x1001 };
	static const uint64_t gpas[] = { 0, 1 << 20, 1ULL << 32, 0xfffff000, 0x1001,
					 1ULL << 52 };
	static const uint64_t slots[] = { 0, 1, 2, 7, 31, 32, 509, 510, 511, 512, 0x10000,
					  0x10001, 0xffffffff };
	struct kvm_userspace_memory_region r = { 0 };
	struct fz_rng *g = &c->rng;

	r.slot = (uint32_t)(fz_chance(g, 80) ? FZ_PICK(g, slots) : fz_next(g));
	r.flags = fz_chance(g, 80) ? 0 : fz_chance(g, 50) ? KVM_MEM_READONLY : fz_u32(g);
	r.guest_phys_addr = fz_chance(g, 80) ? FZ_PICK(g, gpas) : fz_next(g) & ~0xfffULL;
	r.memory_size = fz_chance(g, 85) ? FZ_PICK(g, sizes) : fz_u64(g);
	r.userspace_addr = (uintptr_t)hva(c, s);
	fz_count(c, FZ_C_VM);
	return ioctl(s->vm, KVM_SET_USER_MEMORY_REGION, fz_chance(g, 95) ? (void *)&r : NULL);
}

static void vcpu_create(struct fz_ctx *c, struct vm_sess *s)
{
	static const uint64_t ids[] = { 0, 1, 2, 3, 1023, 1024, 4096, 0xffffffff };
	int i, fd;

	fd = ioctl(s->vm, KVM_CREATE_VCPU, (unsigned long)FZ_PICK(&c->rng, ids));
	fz_count(c, FZ_C_VM);
	if (fd < 0)
		return;
	for (i = 0; i < FZ_VCPUS && s->vcpu[i] >= 0; i++)
		;
	if (i == FZ_VCPUS) {
		close(fd);
		return;
	}
	s->vcpu[i] = fd;
	s->dirty[i] = false;
}

/* The VM ioctls the broker forwards, the system ones it answers, and some it refuses. */
static void vm_ioctl(struct fz_ctx *c, struct vm_sess *s)
{
	static char buf[16384] __attribute__((aligned(8)));
	struct fz_rng *g = &c->rng;
	unsigned long cmd;
	void *arg = buf;
	int efd = -1;

	for (size_t i = 0; i < 256; i++)
		buf[i] = fz_chance(g, 70) ? 0 : (char)fz_next(g);
	switch (fz_below(g, 20)) {
	case 0: cmd = KVM_CREATE_IRQCHIP; arg = NULL; break;
	case 1: cmd = KVM_CREATE_PIT2; break;
	case 2: cmd = KVM_SET_TSS_ADDR; arg = (void *)(uintptr_t)(0xfffbd000 + fz_below(g, 3)); break;
	case 3: cmd = KVM_SET_IDENTITY_MAP_ADDR; break;
	case 4: cmd = fz_chance(g, 50) ? KVM_IRQ_LINE : KVM_IRQ_LINE_STATUS; break;
	case 5: {
		struct kvm_ioeventfd *e = (void *)buf;

		efd = eventfd(0, EFD_CLOEXEC);
		e->fd = fz_chance(g, 80) ? efd : (int32_t)fz_u32(g);
		e->addr = fz_u64(g);
		e->len = fz_below(g, 9);
		e->flags = fz_below(g, 32);
		cmd = KVM_IOEVENTFD;
		break;
	}
	case 6: {
		struct kvm_irqfd *q = (void *)buf;

		efd = eventfd(0, EFD_CLOEXEC);
		q->fd = fz_chance(g, 80) ? (uint32_t)efd : fz_u32(g);
		q->gsi = fz_below(g, 32);
		q->flags = fz_below(g, 4);
		cmd = KVM_IRQFD;
		break;
	}
	case 7: {
		struct kvm_irq_routing *rt = (void *)buf;

		rt->nr = fz_chance(g, 80) ? fz_below(g, 8) : fz_u32(g);
		cmd = KVM_SET_GSI_ROUTING;
		break;
	}
	case 8: cmd = KVM_CHECK_EXTENSION; arg = (void *)(uintptr_t)fz_below(g, 250); break;
	case 9: cmd = KVM_GET_API_VERSION; arg = NULL; break;
	case 10: cmd = KVM_GET_VCPU_MMAP_SIZE; arg = NULL; break;
	case 11: {
		struct kvm_cpuid2 *cp = (void *)buf;
		static const uint64_t nents[] = { 0, 1, 10, 100, 256 };

		cp->nent = (uint32_t)FZ_PICK(g, nents);
		cmd = KVM_GET_SUPPORTED_CPUID;
		break;
	}
	case 12: {
		struct kvm_msr_list *ml = (void *)buf;
		static const uint64_t ns[] = { 0, 1, 10, 1000 };

		ml->nmsrs = (uint32_t)FZ_PICK(g, ns);
		cmd = KVM_GET_MSR_INDEX_LIST;
		break;
	}
	case 13: cmd = KVM_ENABLE_CAP; break;
	case 14: cmd = KVM_GET_DIRTY_LOG; break;
	case 15: cmd = KVM_CREATE_DEVICE; break;
	case 16: cmd = KVM_GET_STATS_FD; arg = NULL; break;
	case 17: cmd = KVM_CREATE_VM; arg = NULL; break;
	default:
		cmd = fz_chance(g, 50) ? _IOC(fz_below(g, 4), KVMIO, fz_below(g, 256), fz_below(g, 512))
				       : (unsigned long)fz_u32(g);
		break;
	}
	if (fz_chance(g, 3))
		arg = fz_arg(c, 64);
	fz_count(c, FZ_C_VM);
	ioctl(s->vm, cmd, arg);
	if (efd >= 0)
		close(efd);
}

/* A vCPU at FZ_CODE_GPA spinning on "jmp $"; the timer ends KVM_RUN (EINTR). */
static void guest_run(struct fz_ctx *c, struct vm_sess *s, int i)
{
	struct itimerspec its = { .it_value.tv_nsec = FZ_RUN_NS };
	struct kvm_regs regs = { .rip = FZ_CODE_GPA, .rflags = 2 };
	struct kvm_userspace_memory_region r = {
		.slot = 0, .memory_size = 1 << 20, .userspace_addr = (uintptr_t)s->mem,
	};
	struct kvm_sregs sregs;

	if (s->dirty[i] || !s->have_timer)
		return;
	s->mem[FZ_CODE_GPA] = (char)0xeb;
	s->mem[FZ_CODE_GPA + 1] = (char)0xfe;
	/* slot 0 may hold something else by now: then there is no run */
	ioctl(s->vm, KVM_SET_USER_MEMORY_REGION, &r);
	if (ioctl(s->vcpu[i], KVM_GET_SREGS, &sregs) < 0)
		return;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(s->vcpu[i], KVM_SET_SREGS, &sregs) < 0 ||
	    ioctl(s->vcpu[i], KVM_SET_REGS, &regs) < 0)
		return;
	timer_settime(s->timer, 0, &its, NULL);
	ioctl(s->vcpu[i], KVM_RUN, 0);
	fz_count(c, FZ_C_VCPU);
}

static void vcpu_map(struct fz_ctx *c, struct vm_sess *s, int i)
{
	size_t len = 4096 * (1 + fz_below(&c->rng, 4));
	off_t off = 4096 * (off_t)fz_below(&c->rng, 4);
	int prot = fz_chance(&c->rng, 80) ? PROT_READ | PROT_WRITE : PROT_READ | PROT_EXEC;
	volatile char *p;

	if (s->map[i])
		munmap(s->map[i], s->map_len[i]);
	s->map[i] = NULL;
	p = mmap(NULL, len, prot, fz_chance(&c->rng, 85) ? MAP_SHARED : MAP_PRIVATE,
		 s->vcpu[i], off);
	fz_count(c, FZ_C_VCPU);
	if (p == MAP_FAILED)
		return;
	/* the broker refuses what KVM would not serve: every page faults in */
	for (size_t o = 0; o < len; o += 4096)
		(void)p[o];
	s->map[i] = (void *)p;
	s->map_len[i] = len;
}

static void vcpu_op(struct fz_ctx *c, struct vm_sess *s)
{
	int i = (int)fz_below(&c->rng, FZ_VCPUS), n, fd;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	sigset_t set;

	/* the first vCPU from a random slot on: sessions have few */
	for (n = 0; n < FZ_VCPUS && s->vcpu[i] < 0; n++)
		i = (i + 1) % FZ_VCPUS;
	fd = s->vcpu[i];
	if (fd < 0) {
		vcpu_create(c, s);
		return;
	}
	switch (fz_below(&c->rng, 10)) {
	case 0: case 1:
		vcpu_map(c, s, i);
		return;
	case 2:
		if (ioctl(fd, KVM_GET_REGS, &regs) == 0) {
			regs.rip ^= fz_u64(&c->rng);
			s->dirty[i] |= ioctl(fd, KVM_SET_REGS, &regs) == 0;
		}
		break;
	case 3:
		if (ioctl(fd, KVM_GET_SREGS, &sregs) == 0 && fz_chance(&c->rng, 30)) {
			sregs.cr0 ^= 1ULL << fz_below(&c->rng, 32);
			s->dirty[i] |= ioctl(fd, KVM_SET_SREGS, &sregs) == 0;
		}
		break;
	case 4:
		ioctl(fd, KVM_GET_STATS_FD, NULL);
		break;
	case 5:
		sigemptyset(&set);
		ioctl(fd, KVM_SET_SIGNAL_MASK, fz_chance(&c->rng, 50) ? NULL : &set);
		break;
	case 6: case 7:
		guest_run(c, s, i);
		return;
	case 8:
		if (s->map[i])
			munmap(s->map[i], s->map_len[i]);
		s->map[i] = NULL;
		close(fd);
		s->vcpu[i] = -1;
		return;
	default:
		ioctl(fd, fz_chance(&c->rng, 50) ? KVM_GET_MP_STATE : KVM_GET_VCPU_EVENTS,
		      fz_arg(c, 128));
		break;
	}
	fz_count(c, FZ_C_VCPU);
}

/* Another process (another mm) with the descriptors: every call must be EIO. */
static void other_mm(struct fz_ctx *c, struct vm_sess *s)
{
	int status, fd = s->vcpu[0];
	pid_t pid = fork();

	if (pid == 0) {
		ioctl(s->vm, KVM_CREATE_VCPU, 3);
		if (fd >= 0)
			ioctl(fd, KVM_RUN, 0);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	fz_count(c, FZ_C_VM);
}

static void session_op(struct fz_ctx *c, struct vm_sess *s, int kfd)
{
	struct kiste_ioc_vm_create v = { 0 };

	switch (fz_below(&c->rng, 16)) {
	case 0: case 1: case 2:
		set_region(c, s);
		break;
	case 3: case 4:
		vcpu_create(c, s);
		break;
	case 5: case 6: case 7: case 8:
		vm_ioctl(c, s);
		break;
	case 9: case 10: case 11: case 12:
		vcpu_op(c, s);
		break;
	case 13:
		other_mm(c, s);
		break;
	default:
		/* the broker descriptor goes; the vCPUs hold the VM (a new one is EBUSY) */
		close(s->vm);
		s->vm = ioctl(kfd, KISTE_IOC_VM_CREATE, &v);
		fz_count(c, FZ_C_DEV);
		if (s->vm >= 0)
			atomic_fetch_add(&c->sh->count[FZ_C_VMS], 1);
		break;
	}
}

static void session_init(struct vm_sess *s)
{
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR2 };
	struct sigaction sa = { .sa_handler = on_timer };
	int i;

	for (i = 0; i < FZ_VCPUS; i++)
		s->vcpu[i] = -1;
	s->mem = mmap(NULL, FZ_GUEST_MEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	if (s->mem == MAP_FAILED)
		s->mem = NULL;
	/* no SA_RESTART: the timer's signal ends KVM_RUN */
	sigaction(SIGUSR2, &sa, NULL);
	s->have_timer = timer_create(CLOCK_MONOTONIC, &ev, &s->timer) == 0;
}

/* A brokered VM in the caller's sandbox, driven at random; closed at the end, or not. */
void fz_vm_session(struct fz_ctx *c, int kfd)
{
	struct kiste_ioc_vm_create v = { 0 };
	struct vm_sess s = { 0 };
	int i, ops;

	prctl(PR_SET_DUMPABLE, 0);
	session_init(&s);
	if (!s.mem)
		return;
	s.vm = ioctl(kfd, KISTE_IOC_VM_CREATE, &v);
	fz_count(c, FZ_C_DEV);
	if (s.vm < 0)
		goto out;
	atomic_fetch_add(&c->sh->count[FZ_C_VMS], 1);
	ops = 1 + (int)fz_below(&c->rng, FZ_VM_OPS);
	for (i = 0; i < ops && s.vm >= 0 && !fz_stopped(c); i++)
		session_op(c, &s, kfd);
	/* left open half the time: the process's exit, or its killer, closes them */
	if (fz_chance(&c->rng, 50))
		return;
	for (i = 0; i < FZ_VCPUS; i++) {
		if (s.map[i])
			munmap(s.map[i], s.map_len[i]);
		if (s.vcpu[i] >= 0)
			close(s.vcpu[i]);
	}
	if (s.vm >= 0)
		close(s.vm);
out:
	if (s.have_timer)
		timer_delete(s.timer);
	munmap(s.mem, FZ_GUEST_MEM);
}
