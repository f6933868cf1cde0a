// SPDX-License-Identifier: GPL-2.0
// vm.c - the Linux micro-VMM: creates the VM, runs one thread per vCPU, serves stdin.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "confine.h"
#include "kiste_run.h"
#include "vm_int.h"

/* x86 needs these two addresses set aside for KVM's own use (VMX), below the LAPIC. */
#define LINUX_TSS_ADDR		0xfffbd000ULL
#define LINUX_IDMAP_ADDR	0xfffbc000ULL
#define KICK_SIG		SIGRTMAX	/* USR1 is the workload's (an OCI kill) */
/* How often the main thread looks again at a full stdin ring (the agent drains it). */
#define RING_FULL_POLL_MS	2

uint64_t linux_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int kvm_fail(struct kiste_err *err, const char *what)
{
	return kiste_err_set(err, -errno, "KVM %s failed: %s: is KVM usable here (nested "
			     "virtualization enabled)?", what, strerror(errno));
}

void linux_vm_stop(struct linux_vm *vm, int why, int code, const char *msg)
{
	uint64_t one = 1;
	unsigned int i;

	pthread_mutex_lock(&vm->lock);
	if (vm->stop != LINUX_RUNNING) {
		pthread_mutex_unlock(&vm->lock);
		return;
	}
	vm->code = code;
	if (msg && why != LINUX_FAILED)
		kiste_err_set(&vm->err, -EIO, "%s", msg);
	__atomic_store_n(&vm->stop, why, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&vm->lock);
	for (i = 0; i < vm->ncpus; i++) {
		if (!vm->vcpu[i].run)
			continue;
		vm->vcpu[i].run->immediate_exit = 1;
		if (vm->vcpu[i].started && !pthread_equal(vm->vcpu[i].thread, pthread_self()))
			pthread_kill(vm->vcpu[i].thread, KICK_SIG);
	}
	if (write(vm->wake_fd, &one, sizeof(one)) < 0)
		return;	/* the main thread also sees vm->stop on its next wakeup */
}

static void __attribute__((format(printf, 2, 3))) vm_failed(struct linux_vm *vm,
							    const char *fmt, ...)
{
	char msg[sizeof(vm->err.msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&vm->lock);
	if (vm->stop == LINUX_RUNNING)
		kiste_err_set(&vm->err, -EIO, "%s", msg);
	pthread_mutex_unlock(&vm->lock);
	linux_vm_stop(vm, LINUX_FAILED, 0, NULL);
}

static void exit_count(struct linux_exits *e, const struct kvm_run *run)
{
	unsigned int i;

	if (run->exit_reason == KVM_EXIT_MMIO) {
		e->mmio++;
		return;
	}
	if (run->exit_reason != KVM_EXIT_IO) {
		e->other++;
		return;
	}
	e->io++;
	for (i = 0; i < LINUX_EXIT_PORTS; i++) {
		if (e->count[i] && e->port[i] != run->io.port)
			continue;
		e->port[i] = run->io.port;
		e->count[i]++;
		return;
	}
}

/* Returns 0 to keep running, -1 when this vCPU is done. */
static int vcpu_exit(struct linux_vcpu *vc)
{
	struct kvm_run *run = vc->run;

	if (vc->vm->cfg->stats)
		exit_count(&vc->exits, run);
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return linux_devs_io(vc);
	case KVM_EXIT_MMIO:
		/* The disks' BARs; elsewhere reads see zeros and writes vanish. */
		if (run->mmio.len <= sizeof(run->mmio.data) && vc->vm->pci.nslots &&
		    linux_pci_mmio(&vc->vm->pci, run->mmio.phys_addr, run->mmio.data,
				   run->mmio.len, run->mmio.is_write))
			return 0;
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0, sizeof(run->mmio.data));
		return 0;
	case KVM_EXIT_SHUTDOWN:
		if (vc->vm->cfg->log_fd >= 0)
			linux_cpu_dump(vc->fd, vc->vm->cfg->log_fd, "vCPU shut down",
				       vc->vm->uart.crlf);
		/* fall through */
	case KVM_EXIT_SYSTEM_EVENT:
		linux_vm_stop(vc->vm, LINUX_RESET, 0, "the guest shut down or reset");
		return -1;
	case KVM_EXIT_FAIL_ENTRY:
		vm_failed(vc->vm, "KVM could not enter the guest (hardware reason 0x%x): this "
			  "host's KVM cannot run a Linux guest", (unsigned int)
			  run->fail_entry.hardware_entry_failure_reason);
		return -1;
	case KVM_EXIT_INTERNAL_ERROR:
		vm_failed(vc->vm, "KVM internal error %u while running the guest: rerun with "
			  "--debug", run->internal.suberror);
		return -1;
	default:
		vm_failed(vc->vm, "unexpected KVM exit %u: rerun with --debug", run->exit_reason);
		return -1;
	}
}

static void *vcpu_thread(void *arg)
{
	struct linux_vcpu *vc = arg;
	struct linux_vm *vm = vc->vm;
	struct kiste_err err = { 0 };
	int ret = 0;

	ret = linux_confine_vcpu(vm, vc, &err);
	pthread_barrier_wait(&vm->ready);	/* filters loaded */
	pthread_barrier_wait(&vm->ready);	/* main thread confined too */
	if (ret < 0) {
		vm_failed(vm, "%s", err.msg);
		return NULL;
	}
	if (vc->idx == 0)
		vm->t_first_run_ns = linux_now_ns();
	while (__atomic_load_n(&vm->stop, __ATOMIC_ACQUIRE) == LINUX_RUNNING) {
		if (ioctl(vc->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			vm_failed(vm, "KVM_RUN failed: %s: rerun with --debug", strerror(errno));
			break;
		}
		if (vcpu_exit(vc) < 0)
			break;
	}
	return NULL;
}

/* Every vCPU with KVM's CPUID, each told its APIC id (linux_cpuid_set). */
static int vm_create_vcpus(struct linux_vm *vm, struct kiste_err *err)
{
	struct kvm_cpuid2 *cpuid = NULL;
	unsigned int i;
	int ret;

	ret = kiste_kvm_cpuid_get(&vm->kvm, &cpuid, err);
	for (i = 0; i < vm->ncpus && ret == 0; i++) {
		struct linux_vcpu *vc = &vm->vcpu[i];

		vc->vm = vm;
		vc->idx = i;
		ret = kiste_kvm_vcpu_create(&vm->kvm, i, &vc->fd, &vc->run, err);
		if (ret == 0)
			ret = linux_cpuid_set(vc->fd, cpuid, i, vm->ncpus, err);
	}
	free(cpuid);
	return ret;
}

/* A disk's INTx: level-triggered, held while its ISR has a bit set. */
static void disk_irq(struct virtio_dev *d, int level)
{
	struct linux_vm *vm = d->owner;
	struct kvm_irq_level l = {
		.irq = LINUX_PCI_GSI_BASE + (unsigned int)((struct linux_blk *)d - vm->blk),
		.level = level,
	};

	ioctl(vm->kvm.vm_fd, KVM_IRQ_LINE, &l);
}

static void disk_fail(struct virtio_dev *d, const char *why)
{
	struct linux_vm *vm = d->owner;
	unsigned int i = (struct linux_blk *)d - vm->blk;

	vm_failed(vm, "the guest broke the rules of disk %s's virtio queue (%s): the VM was "
		  "stopped; its kernel or a workload with access to the device is at fault",
		  vm->cfg->disks[i].name, why);
}

static void net_irq(struct virtio_dev *d, int level)
{
	struct linux_vm *vm = d->owner;
	struct kvm_irq_level l = { .irq = vm->net_gsi, .level = level };

	ioctl(vm->kvm.vm_fd, KVM_IRQ_LINE, &l);
}

static void net_fail(struct virtio_dev *d, const char *why)
{
	vm_failed(d->owner, "the guest broke the rules of its network card's virtio queue (%s): "
		  "the VM was stopped; its kernel or a workload with access to the device is at "
		  "fault", why);
}

/*
 * The PCI devices: a virtio-blk device per disk (--block, in the order given:
 * vda, vdb, ...), then the NIC (--network pasta or ns:PATH).
 */
static int vm_devices(struct linux_vm *vm, struct kiste_err *err)
{
	uint8_t caps[128];
	unsigned int i, ncaps = virtio_pci_caps(caps, sizeof(caps));
	int slot;

	linux_pci_init(&vm->pci);
	if (vm->cfg->ndisks > LINUX_DISKS_MAX)
		return kiste_err_set(err, -EINVAL, "%u disks: vm mode attaches at most %d",
				     vm->cfg->ndisks, LINUX_DISKS_MAX);
	for (i = 0; i < vm->cfg->ndisks; i++) {
		struct linux_blk *b = &vm->blk[i];

		b->vdev.irq = disk_irq;
		b->vdev.fail = disk_fail;
		b->vdev.owner = vm;
		b->vdev.stop = &vm->stop;
		linux_blk_init(b, &vm->cfg->disks[i], vm->kvm.mem, vm->kvm.mem_size);
		/* Modern virtio-blk (0x1040 + 2), mass storage, subsystem id 2 (block). */
		if (linux_pci_add(&vm->pci, 0x1af4, 0x1042, 0x018000, 2, caps, ncaps, virtio_bar_io,
				  &b->vdev) < 0)
			return kiste_err_set(err, -EINVAL, "no PCI slot left for disk %s",
					     vm->cfg->disks[i].name);
	}
	if (vm->cfg->net_fd < 0)
		return 0;
	vm->net.vdev.irq = net_irq;
	vm->net.vdev.fail = net_fail;
	vm->net.vdev.owner = vm;
	vm->net.vdev.stop = &vm->stop;
	linux_net_init(&vm->net, vm->cfg->net_fd, vm->cfg->net_tap, vm->cfg->mac, vm->kvm.mem, vm->kvm.mem_size);
	/* Modern virtio-net (0x1040 + 1), an Ethernet controller, subsystem id 1 (network). */
	slot = linux_pci_add(&vm->pci, 0x1af4, 0x1041, 0x020000, 1, caps, ncaps, virtio_bar_io,
			     &vm->net.vdev);
	if (slot < 0)
		return kiste_err_set(err, -EINVAL, "no PCI slot left for the network card: give "
				     "fewer disks");
	vm->net_gsi = LINUX_PCI_GSI_BASE + slot - 1;
	return 0;
}

/* The x86 PC a Linux guest expects around its RAM and vCPUs: in-kernel IRQ chips and PIT. */
static int vm_create(struct linux_vm *vm, uint64_t mem_size, struct kiste_err *err)
{
	struct kvm_pit_config pit = { 0 };
	uint64_t idmap = LINUX_IDMAP_ADDR;
	int ret;

	if (ioctl(vm->kvm.vm_fd, KVM_SET_TSS_ADDR, LINUX_TSS_ADDR) < 0)
		return kvm_fail(err, "KVM_SET_TSS_ADDR");
	if (ioctl(vm->kvm.vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap) < 0)
		return kvm_fail(err, "KVM_SET_IDENTITY_MAP_ADDR");
	if (ioctl(vm->kvm.vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return kvm_fail(err, "KVM_CREATE_IRQCHIP");
	if (ioctl(vm->kvm.vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return kvm_fail(err, "KVM_CREATE_PIT2");
	ret = kiste_kvm_mem_create(&vm->kvm, mem_size, KISTE_KVM_MEM_HUGE, err);
	if (ret == 0)
		ret = vm_devices(vm, err);
	if (ret < 0)
		return ret;
	ret = vm_create_vcpus(vm, err);
	/* /dev/kvm's last use (the vCPUs' CPUID and mmap size): gone before the boot's loading. */
	kiste_kvm_sys_close(&vm->kvm);
	return ret;
}

/*
 * -t: the caller's terminal's size into the channel's winsize word, for the
 * agent to apply to the guest's pty.  Only written here, never read back: a
 * guest scribbling on the word changes nothing the VMM does.
 */
static void winsize_send(struct linux_vm *vm)
{
	struct winsize ws;

	if (vm->cfg->tty_fd < 0 || ioctl(vm->cfg->tty_fd, TIOCGWINSZ, &ws) < 0)
		return;
	__atomic_store_n(&vm->chan->winsize, kiste_chan_winsz(ws.ws_row, ws.ws_col),
			 __ATOMIC_RELEASE);
}

static int vm_boot(struct linux_vm *vm, struct kiste_err *err)
{
	const struct linux_vm_cfg *cfg = vm->cfg;
	char *cmdline;
	int ret;

	kiste_test_phase("vm-created");
	if (asprintf(&cmdline, "%s kiste.chan=0x%llx,0x%x", cfg->cmdline,
		     (unsigned long long)(vm->kvm.mem_size - KISTE_CHAN_SIZE), KISTE_CHAN_SIZE) < 0)
		return kiste_err_set(err, -ENOMEM, "out of memory");
	vm->t_load_ns = linux_now_ns();
	ret = linux_boot_setup(vm->kvm.mem, vm->kvm.mem_size, cfg->kernel, cfg->initrd_fd,
			       cfg->initrd_len, cmdline, vm->ncpus, vm->pci.nslots, KISTE_CHAN_SIZE,
			       &vm->lay, err);
	vm->t_load_ns = linux_now_ns() - vm->t_load_ns;
	free(cmdline);
	if (ret == 0)
		ret = linux_boot_vcpu(&vm->kvm, vm->vcpu[0].fd, &vm->lay, err);
	if (ret < 0)
		return ret;
	vm->chan = (struct kiste_chan_hdr *)(vm->kvm.mem + vm->lay.chan_addr);
	vm->chan_in = (uint8_t *)vm->chan + KISTE_CHAN_IN_OFF;
	vm->chan_out = (uint8_t *)vm->chan + KISTE_CHAN_OUT_OFF;
	vm->chan->in_size = KISTE_CHAN_IN_SIZE;
	vm->chan->out_size = KISTE_CHAN_OUT_SIZE;
	vm->chan->in_eof = cfg->in_fd < 0;
	vm->chan->magic = KISTE_CHAN_MAGIC;
	if (cfg->tty)
		winsize_send(vm);
	if (linux_exec_init(&vm->exec, cfg->exec_fd, (uint8_t *)vm->chan) < 0)
		return kiste_err_set(err, -ENOMEM, "out of memory");
	return 0;
}

/* Moves what stdin has into the guest's ring; returns 0, or 1 once stdin is done. */
static int stdin_pump(struct linux_vm *vm)
{
	struct kiste_chan_hdr *c = vm->chan;
	uint32_t head = c->in_head, tail = __atomic_load_n(&c->in_tail, __ATOMIC_ACQUIRE);
	uint32_t used = head - tail, off = head & (KISTE_CHAN_IN_SIZE - 1), room;
	ssize_t n;

	/* The guest owns in_tail: a bogus value only stalls its own stdin. */
	if (used >= KISTE_CHAN_IN_SIZE)
		return 0;
	room = KISTE_CHAN_IN_SIZE - used;
	if (room > KISTE_CHAN_IN_SIZE - off)
		room = KISTE_CHAN_IN_SIZE - off;
	n = read(vm->cfg->in_fd, vm->chan_in + off, room);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		__atomic_store_n(&c->in_eof, 1, __ATOMIC_RELEASE);
		return 1;
	}
	__atomic_store_n(&c->in_head, head + (uint32_t)n, __ATOMIC_RELEASE);
	return 0;
}

static int ring_full(const struct linux_vm *vm)
{
	return vm->chan->in_head - __atomic_load_n(&vm->chan->in_tail, __ATOMIC_ACQUIRE) >=
	       KISTE_CHAN_IN_SIZE;
}

/*
 * vm->fwd's go to the workload (vm_agent.h: a bit each); -t: WINCH resizes
 * its pty, the rest end kiste.
 */
static void forward_signal(struct linux_vm *vm)
{
	struct signalfd_siginfo si;

	if (read(vm->sig_fd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo < 1 || si.ssi_signo > 64)
		return;
	if (sigismember(&vm->fwd, (int)si.ssi_signo) == 1)
		__atomic_fetch_or(si.ssi_signo <= 32 ? &vm->chan->sigpend : &vm->chan->sigpend_hi,
				  1u << ((si.ssi_signo - 1) % 32), __ATOMIC_RELEASE);
	else if (si.ssi_signo == SIGWINCH)
		winsize_send(vm);
	else
		linux_vm_stop(vm, LINUX_KILLED, (int)si.ssi_signo, "kiste was ended by a signal");
}

/* The backend stopped: why, with the last line it wrote on its stderr, if any. */
static void net_failed(struct linux_vm *vm, const char *why)
{
	char msg[256], *line, *nl;
	ssize_t n = vm->cfg->net_err_fd >= 0 ? read(vm->cfg->net_err_fd, msg, sizeof(msg) - 1) : -1;

	msg[n > 0 ? n : 0] = 0;
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = 0;
	line = (nl = strrchr(msg, '\n')) ? nl + 1 : msg;
	kiste_printable(line);	/* one line, nothing for a terminal to act on */
	vm_failed(vm, "the network backend (%s) stopped: %s%s%s%s",
		  vm->cfg->net_tap ? "the namespace's tap" : "passt", why,
		  line[0] ? " (passt: \"" : "", line, line[0] ? "\")" : "");
}

/* The main thread: stdin into the ring, signals to the agent, the deadline. */
static void vm_serve(struct linux_vm *vm)
{
	uint64_t deadline = vm->cfg->timeout_s ? linux_now_ns() + vm->cfg->timeout_s * 1000000000ULL : 0;
	int in_open = vm->cfg->in_fd >= 0;

	kiste_test_phase("vm-guest-running");
	while (__atomic_load_n(&vm->stop, __ATOMIC_ACQUIRE) == LINUX_RUNNING) {
		struct pollfd p[4 + 1 + KISTE_CHAN_EXEC_SLOTS] = {
			{ .fd = vm->wake_fd, .events = POLLIN },
			{ .fd = vm->sig_fd, .events = POLLIN },
			{ .fd = -1, .events = POLLIN },
			{ .fd = vm->cfg->net_fd, .events = POLLIN } };
		const char *why;
		int timeout = -1, full = in_open && ring_full(vm);
		uint64_t t = linux_now_ns();
		unsigned int np;

		if (in_open && !full)
			p[2].fd = vm->cfg->in_fd;
		if (deadline) {
			if (t >= deadline) {
				linux_vm_stop(vm, LINUX_TIMEOUT, 0, NULL);
				break;
			}
			timeout = (deadline - t) / 1000000 + 1;
		}
		if (full && (timeout < 0 || timeout > RING_FULL_POLL_MS))
			timeout = RING_FULL_POLL_MS;
		np = 4 + linux_exec_poll(&vm->exec, p + 4, &timeout);
		if (poll(p, np, timeout) < 0 && errno != EINTR)
			break;
		linux_exec_serve(&vm->exec, p + 4);
		if ((p[3].revents & (POLLIN | POLLHUP | POLLERR)) && linux_net_rx(&vm->net, &why) < 0) {
			net_failed(vm, why);
			break;
		}
		if (p[1].revents & POLLIN)
			forward_signal(vm);
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR))
			in_open = !stdin_pump(vm);
	}
	linux_exec_end(&vm->exec);
}

static void vm_free(struct linux_vm *vm)
{
	unsigned int i;

	linux_exec_end(&vm->exec);
	for (i = 0; i < vm->ncpus; i++)
		kiste_kvm_vcpu_close(&vm->kvm, &vm->vcpu[i].fd, &vm->vcpu[i].run);
	kiste_kvm_close(&vm->kvm);
	if (vm->wake_fd >= 0)
		close(vm->wake_fd);
	if (vm->sig_fd >= 0)
		close(vm->sig_fd);
	pthread_mutex_destroy(&vm->lock);
}

static void kick_handler(int sig)
{
	(void)sig;	/* only interrupts KVM_RUN */
}

/*
 * An OCI container's process is the VMM, so `kiste kill ID SIG` (runc's: a
 * signal to the container's init) lands here, and every signal a handler
 * could take goes on to the workload, which takes or ignores it as runc's
 * init would.  Kept: KILL and STOP (they end or stop the VMM, as they do a
 * runc container's init), the faults of the VMM's own code (ILL TRAP ABRT
 * BUS FPE SEGV SYS), CHLD (of passt, the VMM's child), PIPE (a closed
 * output), the vCPUs' kick and glibc's own two.
 */
static void oci_forward_set(sigset_t *set)
{
	static const int kept[] = { SIGKILL, SIGSTOP, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE,
				    SIGSEGV, SIGSYS, SIGCHLD, SIGPIPE };
	unsigned int i;
	int sig;

	for (sig = 1; sig <= SIGRTMAX; sig++)
		if (sig < 32 || sig >= SIGRTMIN)
			sigaddset(set, sig);
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		sigdelset(set, kept[i]);
	sigdelset(set, KICK_SIG);
}

static int vm_signals(struct linux_vm *vm, struct kiste_err *err)
{
	struct sigaction sa = { .sa_handler = kick_handler }, old;
	sigset_t set;
	int sig;

	/*
	 * -t: the signals that would end kiste with the caller's terminal raw
	 * are read here too (the VM stopped, the terminal restored, then raised
	 * again: vm.h); the vCPU kick is the VMM's own.
	 */
	if (vm->cfg->tty) {
		kiste_tty_fatal_signals(&set);
		sigdelset(&set, KICK_SIG);
		/* One the caller ignores (a background job's QUIT) stays ignored: never read. */
		for (sig = 1; sig < SIGRTMIN; sig++)
			if (sigismember(&set, sig) == 1 && sigaction(sig, NULL, &old) == 0 &&
			    old.sa_handler == SIG_IGN)
				sigdelset(&set, sig);
		sigaddset(&set, SIGWINCH);
	} else {
		sigemptyset(&set);
	}
	/* Forwarded: INT, TERM and HUP (kiste run's rule); an OCI container's, all it can. */
	sigemptyset(&vm->fwd);
	if (vm->cfg->oci_signals)
		oci_forward_set(&vm->fwd);
	sigaddset(&vm->fwd, SIGINT);
	sigaddset(&vm->fwd, SIGTERM);
	sigaddset(&vm->fwd, SIGHUP);
	if (vm->cfg->tty)
		sigdelset(&vm->fwd, SIGWINCH);	/* the pty's size */
	sigorset(&set, &set, &vm->fwd);
	/* Blocked before any thread exists, so every thread inherits the mask. */
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return kiste_err_set(err, -errno, "cannot set up signals: %s", strerror(errno));
	/*
	 * -t: raw only now that the signals that would end kiste are read here
	 * (a TERM or HUP while the kernel loaded left the terminal raw), and its
	 * restore is the one request the filter then admits.  Its handlers for
	 * the fatal signals take the kick's too: the kick's own goes in after.
	 */
	if (vm->cfg->tty && kiste_tty_raw(vm->cfg->tty_input)) {
		vm->tty_restore = TCSETS;
		vm->uart.crlf = vm->cfg->log_fd >= 0 && isatty(vm->cfg->log_fd);
	}
	if (sigaction(KICK_SIG, &sa, NULL) < 0)
		return kiste_err_set(err, -errno, "cannot set up signals: %s", strerror(errno));
	vm->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	vm->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->sig_fd < 0 || vm->wake_fd < 0)
		return kiste_err_set(err, -errno, "cannot create signalfd/eventfd: %s",
				     strerror(errno));
	return 0;
}

static int vm_confine_fds(struct linux_vm *vm, struct kiste_err *err)
{
	const struct linux_vm_cfg *cfg = vm->cfg;
	int keep[LINUX_CPUS_MAX + LINUX_DISKS_MAX + 12];
	unsigned int n = 0, i;

	keep[n++] = vm->kvm.vm_fd;
	keep[n++] = vm->wake_fd;
	keep[n++] = vm->sig_fd;
	keep[n++] = cfg->in_fd;
	keep[n++] = cfg->out_fd;
	keep[n++] = cfg->err_fd;
	keep[n++] = cfg->log_fd;
	/* Closing the kiste.ko descriptor would end our own temporary sandbox. */
	keep[n++] = cfg->kiste_fd;
	for (i = 0; i < vm->ncpus; i++)
		keep[n++] = vm->vcpu[i].fd;
	for (i = 0; i < cfg->ndisks; i++)
		keep[n++] = cfg->disks[i].fd;
	keep[n++] = cfg->net_fd;
	keep[n++] = cfg->net_err_fd;
	keep[n++] = cfg->exec_fd;
	keep[n++] = cfg->hold_fd;
	return linux_confine_process(keep, n, err);
}

static int vm_start_threads(struct linux_vm *vm, struct kiste_err *err)
{
	unsigned int i;
	int ret;

	pthread_barrier_init(&vm->ready, NULL, vm->ncpus + 1);
	for (i = 0; i < vm->ncpus; i++) {
		ret = pthread_create(&vm->vcpu[i].thread, NULL, vcpu_thread, &vm->vcpu[i]);
		if (ret) {
			/* Threads already waiting on the barrier cannot be released: give up hard. */
			kiste_err_set(err, -ret, "cannot start vCPU thread: %s", strerror(ret));
			return -ret;
		}
		vm->vcpu[i].started = 1;
	}
	pthread_barrier_wait(&vm->ready);
	ret = linux_confine_main(vm, err);
	pthread_barrier_wait(&vm->ready);
	if (ret < 0)
		linux_vm_stop(vm, LINUX_FAILED, 0, NULL);
	return ret;
}

/* One line: the guest's exits to the VMM by kind, and its busy ports (boot CPU). */
static void exits_print(const struct linux_vm *vm)
{
	const struct linux_exits *e = &vm->vcpu[0].exits;
	char buf[LINUX_EXIT_PORTS * 16 + 1] = "";
	unsigned int i, n = 0;

	for (i = 0; i < LINUX_EXIT_PORTS && e->count[i]; i++)
		if (e->count[i] >= 16)
			n += snprintf(buf + n, sizeof(buf) - n, " %x:%u", e->port[i], e->count[i]);
	dprintf(vm->cfg->err_fd, "kiste-vm-exits: io=%u mmio=%u other=%u ports%s\n", e->io,
		e->mmio, e->other, buf);
}

static void vm_stats(struct linux_vm *vm, uint64_t t0, uint64_t t_stop)
{
	uint64_t pages = vm->kvm.mem_size / 4096, i, resident = 0, t_end = linux_now_ns();
	unsigned char vec[4096];
	struct rusage ru;

	for (i = 0; i < pages; i += sizeof(vec)) {
		uint64_t n = pages - i < sizeof(vec) ? pages - i : sizeof(vec), j;

		if (mincore(vm->kvm.mem + i * 4096, n * 4096, vec) < 0)
			break;
		for (j = 0; j < n; j++)
			resident += vec[j] & 1;
	}
	getrusage(RUSAGE_SELF, &ru);
	exits_print(vm);
	dprintf(vm->cfg->err_fd, "kiste-vm-stats: setup_ms=%.2f load_ms=%.2f kernel=%s "
		"guest_ms=%.2f kernel_ms=%.2f teardown_ms=%.2f maxrss_kib=%ld "
		"guest_resident_kib=%llu vmm_rss_kib=%lld backend=%s\n",
		(vm->t_first_run_ns - t0) / 1e6, vm->t_load_ns / 1e6,
		vm->lay.vmlinux == 2 ? "cached" : vm->lay.vmlinux ? "decompressed" : "bzImage",
		(t_stop - vm->t_first_run_ns) / 1e6,
		vm->t_agent_ns ? (vm->t_agent_ns - vm->t_first_run_ns) / 1e6 : 0.0,
		(t_end - t_stop) / 1e6, ru.ru_maxrss, (unsigned long long)resident * 4,
		(long long)ru.ru_maxrss - (long long)resident * 4,
		vm->kvm.brokered ? "kiste.ko" : "/dev/kvm");
}

static int vm_result(struct linux_vm *vm, int *code, struct kiste_err *err)
{
	switch (vm->stop) {
	case LINUX_EXITED:
		*code = vm->code;
		return 0;
	case LINUX_KILLED:
		*code = vm->code;
		return -EINTR;
	case LINUX_TIMEOUT:
		return kiste_err_set(err, -ETIMEDOUT, "the VM ran past --timeout %u s and was "
				     "stopped: raise --timeout", vm->cfg->timeout_s);
	case LINUX_RESET:
		if (vm->uart.fatal[0])
			return kiste_err_set(err, -EIO, "the guest stopped before the workload "
					     "reported (%s; its console said \"%s\"): rerun with "
					     "--debug to see the whole console", vm->err.msg,
					     vm->uart.fatal);
		return kiste_err_set(err, -EIO, "the guest stopped before the workload reported "
				     "(%s; kernel panic or bad initramfs?): rerun with --debug to "
				     "see the guest console", vm->err.msg);
	default:
		*err = vm->err;
		return err->code ? err->code : -EIO;
	}
}

int linux_vm_run(const struct linux_vm_cfg *cfg, int *code, struct kiste_err *err)
{
	struct linux_vm *vm;
	uint64_t t0 = cfg->t_start_ns ? cfg->t_start_ns : linux_now_ns(), t_stop;
	unsigned int i;
	int ret;

	if (cfg->cpus < 1 || cfg->cpus > LINUX_CPUS_MAX)
		return kiste_err_set(err, -EINVAL, "--cpus %u: use 1..%d", cfg->cpus,
				     LINUX_CPUS_MAX);
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return kiste_err_set(err, -ENOMEM, "out of memory");
	vm->cfg = cfg;
	vm->kvm = (struct kiste_kvm)KISTE_KVM_INIT;
	vm->ncpus = cfg->cpus;
	vm->wake_fd = vm->sig_fd = -1;
	for (i = 0; i < LINUX_CPUS_MAX; i++)
		vm->vcpu[i].fd = -1;
	pthread_mutex_init(&vm->lock, NULL);
	/* Single-threaded still, as kiste.ko's broker requires. */
	ret = kiste_kvm_open(&vm->kvm, cfg->kiste_fd, err);
	if (ret == 0)
		ret = vm_create(vm, cfg->mem_size, err);
	if (ret == 0)
		ret = vm_boot(vm, err);
	if (ret == 0)
		ret = vm_signals(vm, err);
	if (ret == 0)
		ret = vm_confine_fds(vm, err);
	if (ret < 0) {
		if (vm->tty_restore)
			kiste_tty_restore();
		vm_free(vm);
		free(vm);
		return ret;
	}
	if (vm_start_threads(vm, err) == 0)
		vm_serve(vm);
	t_stop = linux_now_ns();
	for (i = 0; i < vm->ncpus; i++)
		if (vm->vcpu[i].started)
			pthread_join(vm->vcpu[i].thread, NULL);
	/*
	 * -t -i: the VM is over, the terminal back before the lines below (they
	 * end in \n alone), as on the error path above: every way out of here
	 * restores it, and mode.c raises a caught signal only after.
	 */
	if (vm->tty_restore)
		kiste_tty_restore();
	/* --debug: where a guest that ran past --timeout was (hangs in early boot are silent). */
	if (vm->stop == LINUX_TIMEOUT && cfg->log_fd >= 0 && vm->vcpu[0].started)
		linux_cpu_dump(vm->vcpu[0].fd, cfg->log_fd, "vCPU 0 at --timeout", false);
	if (cfg->stats)
		vm_stats(vm, t0, t_stop);
	ret = err->code ? err->code : vm_result(vm, code, err);
	vm_free(vm);
	free(vm);
	return ret;
}
