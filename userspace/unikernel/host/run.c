// SPDX-License-Identifier: GPL-2.0
// run.c - unikernel mode's launcher: checks and binds the image, starts its child, supervises.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../hvt/hvt.h"
#include "../tender/tender.h"
#include "kiste_mode.h"
#include "relay.h"
#include "uk.h"

/*
 * The unikernel's cgroup: its memory plus what its process or VMM needs around
 * it (page tables, the launcher's copied-on-write pages), a handful of
 * processes (its filter has no fork), its --cpus.
 */
#define UK_CG_OVERHEAD (32ULL << 20)
#define UK_CG_PIDS 8
/*
 * --network pasta: passt and the relay are the sandbox's too.  passt's
 * resident set reached 21 MiB after 2,000 echoes of 1,400 bytes (its
 * buffers are static, touched as traffic comes); the relay's is its 130 KiB
 * of buffers and the launcher's pages it writes.
 */
#define UK_CG_PASST_MEM (64ULL << 20)
#define UK_CG_PASST_PIDS 2

/*
 * With kiste.ko: a temporary sandbox named @name (NULL: sb-N) tied to *kfd;
 * without: *kfd is -1.  Its processes and CPU as the cgroup caps them (none
 * without one).
 */
static int uk_sandbox(const struct kiste_uk_opts *o, const char *name, bool oci,
		      const struct kiste_cgroup *cg, int *kfd, struct kiste_err *err)
{
	bool vm = o->isolation == KISTE_UK_ISO_VM;
	/* The broker holds the VM to these: one vCPU, memory in the 2 MiB pages that map it. */
	struct kiste_sandbox_spec spec = {
		.name = name,
		.name_optional = oci,
		.mode = KISTE_MODE_UNIKERNEL,
		.memory_limit = vm ? UK_VM_MEM(o->memory) : o->memory,
		.vcpu_limit = vm ? 1 : 0,
		.pids_limit = cg->version ? UK_CG_PIDS : 0,
		.cpu_limit = cg->version ? o->cpus_milli : 0,
	};

	return kiste_run_sandbox(&spec, kfd, err);
}

/*
 * vm isolation with kiste.ko: the module creates the VM for this member, which
 * as a forked child of this single-threaded launcher is single-threaded too.
 */
static void uk_broker_vm(int kdev, struct kiste_kvm *kvm)
{
	struct kiste_err err = { 0 };

	if (kiste_kvm_broker_open(kvm, kdev, &err) < 0) {
		/* the layer's line names the cause; say which path failed */
		kiste_err_prefix(&err, "kiste.ko's KVM broker (or use --isolation process)");
		kiste_child_fail(&err);
	}
}

/*
 * Process isolation without --cpus needs no cgroup: the unikernel's filter
 * has no fork, mmap or brk, so its memory is the mapping of --memory and its
 * processes are one.  Only a CPU quota needs one (and vm isolation, whose VMM
 * allocates).
 */
/* The memory a cgroup gives the unikernel: its own, or its guest's and the VMM's. */
static uint64_t uk_cg_memory(const struct kiste_uk_opts *o)
{
	return (o->isolation == KISTE_UK_ISO_VM ? UK_VM_MEM(o->memory) : o->memory) +
	       UK_CG_OVERHEAD;
}

static bool uk_needs_cgroup(const struct kiste_uk_opts *o)
{
	return o->isolation == KISTE_UK_ISO_VM || o->cpus_milli;
}

/*
 * Direct entry (tender/bindings.h): with nothing to supervise (no kiste.ko
 * sandbox to hold, no cgroup to remove, no --timeout, no statistics to
 * print), the unikernel runs in this process, as Solo5's spt does, and the
 * bindings blob maps its end to the exit status the parent would give.
 */
static bool uk_direct(const struct kiste_uk_opts *o, const struct kiste_cgroup *cg, int kdev)
{
	return o->isolation == KISTE_UK_ISO_PROCESS && kdev < 0 && !cg->version &&
	       !o->timeout_s && !kiste_setting(KISTE_SET_UK_STATS) && !kiste_uk_pasta(o);
}

static int uk_cgroup(const struct kiste_uk_opts *o, struct kiste_cgroup *cg,
		     struct kiste_err *err)
{
	bool pasta = kiste_uk_pasta(o);
	struct kiste_cgroup_limits l = {
		.memory = uk_cg_memory(o) + (pasta ? UK_CG_PASST_MEM : 0),
		.pids = UK_CG_PIDS + (pasta ? UK_CG_PASST_PIDS : 0),
		.cpus_milli = o->cpus_milli,
	};
	char name[64];

	if (!uk_needs_cgroup(o))
		return 0;
	snprintf(name, sizeof(name), "unikernel-%d", (int)getpid());
	return kiste_cgroup_create(name, &l, cg, err);
}

static __attribute__((noreturn)) void uk_child(int kdev, struct kiste_kvm *kvm,
					       const struct kiste_uk_opts *o,
					       const struct kiste_uk_image *img,
					       struct kiste_uk_devs *devs, pid_t parent,
					       const sigset_t *old, const struct kiste_cgroup *cg)
{
	struct kiste_err err = { 0 };

	/* Into the sandbox's cgroup before anything of the unikernel runs. */
	if (cg->version && kiste_cgroup_attach(cg, 0, &err) < 0)
		kiste_child_fail(&err);
	/* The unikernel dies with its launcher, also when the module is absent. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(KISTE_EXIT_REFUSED);
	/* A launcher started in the background may ignore these: forwarded ones must work. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sigprocmask(SIG_SETMASK, old, NULL);
	if (kdev >= 0) {
		if (kiste_dev_attach(kdev, 0, &err) < 0)
			kiste_child_fail(&err);
		if (o->isolation == KISTE_UK_ISO_VM)
			uk_broker_vm(kdev, kvm);
		close(kdev);
	}
	if (o->isolation == KISTE_UK_ISO_VM)
		uk_vm_child(kvm, o, img, devs);
	tender_process_child(o, img, devs, NULL);
}

/* Who kiste run's exit lines name: the unikernel, or its VMM. */
struct uk_who {
	char what[PATH_MAX + 32], hint[2 * PATH_MAX + 96];
	struct kiste_run_who who;
};

static void uk_who(const struct kiste_uk_opts *o, const struct kiste_cgroup *cg, struct uk_who *w)
{
	bool vm = o->isolation == KISTE_UK_ISO_VM;

	snprintf(w->what, sizeof(w->what), "%sunikernel '%s'", vm ? "the VMM of " : "", o->app);
	if (vm)
		snprintf(w->hint, sizeof(w->hint), "report this as a kiste bug; see 'kiste policy "
			 "unikernel --isolation vm %s'", o->app);
	else
		snprintf(w->hint, sizeof(w->hint), "it made a host syscall outside its policy; see "
			 "'kiste policy unikernel %s'", o->app);
	w->who = (struct kiste_run_who){ .what = w->what, .sigsys = w->hint, .cg = cg };
}

static int uk_report(const struct kiste_uk_opts *o, int status, bool timed_out,
		     const struct rusage *ru, const struct kiste_cgroup *cg)
{
	struct uk_who w;

	if (kiste_setting(KISTE_SET_UK_STATS))
		fprintf(stderr, "kiste: unikernel peak RSS %ld KiB\n", ru->ru_maxrss);
	uk_who(o, cg, &w);
	if (timed_out)
		return kiste_exit_timed_out(&w.who, (unsigned int)o->timeout_s);
	return kiste_exit_from_wait(status, &w.who);
}

/*
 * --network pasta: the relay between passt and the unikernel's device (relay.c),
 * forked once the unikernel's pid is known (it kills the unikernel when passt
 * stops).  Our copies of its descriptors are closed with the devices'.
 */
static int uk_relay_fork(struct kiste_uk_devs *devs, pid_t unikernel, pid_t self,
			 const struct kiste_cgroup *cg, struct kiste_err *err)
{
	struct kiste_err cerr = { 0 };
	pid_t pid;
	int pidfd;

	if (devs->pasta.passt <= 0)
		return 0;
	/*
	 * The relay is not the unikernel's parent: by pid it could signal
	 * whatever took the pid after we reaped the unikernel.  A pidfd taken
	 * here, while it is our unreaped child, names only the unikernel.
	 */
	pidfd = (int)syscall(SYS_pidfd_open, unikernel, 0);
	if (pidfd < 0)
		return kiste_err_set(err, -errno, "cannot take the unikernel's pidfd for the "
				     "network relay: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		/* The sandbox's, as passt: its limits count it, its cgroup's kill ends it. */
		if (cg->version && kiste_cgroup_attach(cg, 0, &cerr) < 0)
			kiste_child_fail(&cerr);
		uk_relay_child(devs->pasta.stream, devs->pasta.relay_end, devs->pasta.passt_err,
			       pidfd, self);
	}
	close(pidfd);
	if (pid < 0)
		return kiste_err_set(err, -errno, "cannot fork the network relay: %s",
				     strerror(errno));
	devs->pasta.relay = pid;
	return 0;
}

/*
 * The relay ended before the unikernel (which we then killed): when it died
 * of a signal, one line says so and kiste run ends with 125; when it exited
 * (passt stopped: its own line said so), the unikernel's status stands.
 */
static bool uk_relay_ended_first(struct kiste_uk_devs *devs, const struct kiste_run_companion *c)
{
	int sig;

	if (!c->ended_first)
		return false;
	devs->pasta.relay = 0;	/* reaped */
	if (WIFEXITED(c->status))
		return WEXITSTATUS(c->status) != 0;
	sig = WTERMSIG(c->status);
	fprintf(stderr, "kiste: the network relay died of signal %d (%s) before the unikernel "
		"ended: the unikernel was killed%s\n", sig, sigabbrev_np(sig) ? sigabbrev_np(sig) :
		"?", sig == SIGSYS ? " (its filter: report this as a kiste bug)" : "");
	return true;
}

/*
 * The signals a fault or the filter's trap raises: never blocked in the
 * unikernel's process, whatever the caller's mask.  The kernel unblocks a
 * forced one and resets its handler, so the process would die of it before
 * the handler that prints kiste's line (a filter's SIGSYS) could run.
 */
static bool uk_fault_signal(int sig)
{
	return sig == SIGSYS || sig == SIGSEGV || sig == SIGBUS || sig == SIGILL ||
	       sig == SIGFPE || sig == SIGTRAP;
}

/* Direct entry: this process becomes the unikernel; never returns. */
static __attribute__((noreturn)) void uk_run_direct(const struct kiste_uk_opts *o,
						    const struct kiste_uk_image *img,
						    struct kiste_uk_devs *devs, const sigset_t *old)
{
	struct uk_who w;
	char line[sizeof(w.what) + sizeof(w.hint) + 64];
	struct tender_direct d = { .sigsys_line = line };
	int sig;

	uk_who(o, NULL, &w);
	kiste_exit_sigsys_line(&w.who, line, sizeof(line));
	/* The forked child's start: forwarded signals at their default, then the caller's mask. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	for (sig = 1; sig < 64; sig++)
		if (sigismember(old, sig) == 1 && !uk_fault_signal(sig))
			d.sigmask |= 1ULL << (sig - 1);
	kiste_test_phase("uk-forked");
	tender_process_child(o, img, devs, &d);
}

/*
 * A container in vm isolation, or with kiste.ko (@kdev its sandbox, which
 * this process holds: the tender closes what it does not know), after
 * start: this process (the container's init, which the engine signals and
 * reaps) forks the unikernel's process or VMM as kiste run does and
 * supervises it: INT, TERM and HUP forwarded, its end said as kiste run says
 * it (128+N for a signal), the status ours.
 */
static __attribute__((noreturn)) void uk_oci_supervise(const struct kiste_uk_opts *o,
						       const struct kiste_uk_image *img,
						       struct kiste_uk_devs *devs,
						       struct kiste_kvm *kvm, int kdev,
						       const struct kiste_cgroup *cg)
{
	struct rusage ru = { 0 };
	sigset_t set, old;
	bool timed_out;
	pid_t self = getpid(), child;
	int status;

	kiste_run_block_signals(&set, &old);
	fflush(NULL);
	child = fork();
	if (child == 0)
		uk_child(kdev, kvm, o, img, devs, self, &old, cg);
	if (child < 0) {
		fprintf(stderr, "kiste: cannot fork the unikernel's %s: %s\n",
			o->isolation == KISTE_UK_ISO_VM ? "VMM" : "process", strerror(errno));
		_exit(KISTE_EXIT_REFUSED);
	}
	kiste_uk_devs_close(devs);
	kiste_kvm_close(kvm);
	timed_out = kiste_run_supervise(child, &set, (unsigned int)o->timeout_s, &status, &ru);
	_exit(uk_report(o, status, timed_out, &ru, cg));
}

struct uk_oci_args {
	const struct kiste_uk_opts *o;
	const struct kiste_uk_image *img;
	struct kiste_uk_devs *devs;
	struct kiste_kvm *kvm;
	const struct kiste_cgroup *cg;
	int kdev;		/* the container's kiste.ko sandbox, or -1 */
};

/*
 * The container's process after start's byte (kiste_oci_spawn): direct
 * entry, this process is the unikernel, its end the status the engine reads
 * (the engine reaps it: create's process is gone by then); in vm isolation
 * or with kiste.ko it runs the unikernel as its child instead.
 */
static void uk_oci_start(void *arg)
{
	const struct uk_oci_args *a = arg;
	sigset_t none;

	if (a->o->isolation == KISTE_UK_ISO_VM || a->kdev >= 0)
		uk_oci_supervise(a->o, a->img, a->devs, a->kvm, a->kdev, a->cg);
	sigemptyset(&none);
	uk_run_direct(a->o, a->img, a->devs, &none);
}

int kiste_uk_oci_create(const struct kiste_uk_opts *o, const char *rootfs,
			struct kiste_oci_launch *ol, struct kiste_err *err)
{
	struct kiste_cgroup_limits lim = { .memory = uk_cg_memory(o), .pids = UK_CG_PIDS,
					   .cpus_milli = o->cpus_milli };
	struct kiste_kvm kvm = KISTE_KVM_INIT;
	struct kiste_uk_image img = { 0 };
	struct kiste_uk_devs devs;
	struct uk_oci_args args;
	struct kiste_cgroup cg;
	int rfd, ret, kdev = -1;

	kiste_cgroup_init(&cg);
	if (kiste_uk_pasta(o))
		return kiste_err_set(err, -EOPNOTSUPP, "unikernel containers have no --network "
				     "pasta yet: use kiste run");
	rfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return kiste_err_set(err, -errno, "config.json: root.path: %s: %s", rootfs,
				     strerror(errno));
	ret = kiste_uk_image_load_in(rfd, o->app, o->memory, &img, err);
	close(rfd);
	/* As runc's create says it, which engines turn into 127. */
	if (ret == -ENOENT)
		return kiste_err_set(err, -ENOENT, "exec: \"%s\": no such file or directory",
				     o->app);
	if (ret < 0)
		return ret;
	ret = kiste_uk_devs_bind(&img.mft, o, NULL, false, &devs, err);
	if (ret < 0) {
		kiste_err_prefix(err, "a unikernel container binds no devices yet");
		goto out_image;
	}
	/* vm isolation: /dev/kvm now, so a host without it is create's error, not start's. */
	if (o->isolation == KISTE_UK_ISO_VM) {
		ret = kiste_kvm_dev_open(&kvm, err);
		if (ret < 0) {
			kiste_err_prefix(err, "org.kiste.isolation vm (or leave it out for process "
					 "isolation)");
			goto out_devs;
		}
	}
	ret = kiste_cgroup_create_container(ol->cgroup_name, &lim, &cg, err);
	if (ret < 0)
		goto out_devs;
	/* The registry's from here, held by the container's process. */
	ret = uk_sandbox(o, ol->sandbox_name, true, &cg, &kdev, err);
	if (ret < 0)
		goto out_cgroup;
	/* With kiste.ko the VM comes from its broker (/dev/kvm was create's check). */
	if (kdev >= 0)
		kiste_kvm_close(&kvm);
	args = (struct uk_oci_args){ .o = o, .img = &img, .devs = &devs, .kvm = &kvm, .cg = &cg,
				     .kdev = kdev };
	ret = kiste_oci_spawn(ol, &cg, uk_oci_start, &args, err);
	if (kdev >= 0)
		close(kdev);
	if (ret < 0)
		goto out_cgroup;
	ol->cg = cg;
	kiste_uk_devs_close(&devs);
	kiste_kvm_close(&kvm);
	kiste_uk_image_free(&img);
	return 0;
out_cgroup:
	kiste_cgroup_destroy(&cg);
out_devs:
	kiste_uk_devs_close(&devs);
	kiste_kvm_close(&kvm);
out_image:
	kiste_uk_image_free(&img);
	return ret;
}

int kiste_uk_run(const struct kiste_uk_opts *o)
{
	struct kiste_uk_image img = { 0 };
	struct kiste_cgroup cg;
	struct kiste_uk_devs devs;
	struct kiste_err err = { 0 };
	struct kiste_kvm kvm = KISTE_KVM_INIT;
	int ret, status, kdev = -1;
	struct rusage ru = { 0 };
	sigset_t set, old;
	struct kiste_run_companion relay = { 0 };
	bool timed_out, relay_died;
	pid_t child, self;

	kiste_cgroup_init(&cg);
	ret = kiste_uk_image_load(o->app, o->memory, &img, &err);
	if (ret < 0) {
		fprintf(stderr, "kiste: %s\n", err.msg);
		return kiste_exit_for_errno(ret);
	}
	/* The cgroup first: passt starts in it (kiste_uk_devs_bind). */
	devs = (struct kiste_uk_devs){ .pasta = { .stream = -1, .passt_err = -1,
						  .relay_end = -1 } };
	if (uk_cgroup(o, &cg, &err) < 0)
		goto refused;
	if (kiste_uk_devs_bind(&img.mft, o, &cg, false, &devs, &err) < 0)
		goto refused;
	kiste_test_phase("uk-bound");
	if (uk_sandbox(o, o->name, false, &cg, &kdev, &err) < 0)
		goto refused;
	/* With kiste.ko the VM comes from its broker (in the child), else from /dev/kvm. */
	if (o->isolation == KISTE_UK_ISO_VM && kdev < 0 && kiste_kvm_dev_open(&kvm, &err) < 0) {
		kiste_err_prefix(&err, "--isolation vm (or use --isolation process)");
		goto refused;
	}
	kiste_run_block_signals(&set, &old);
	fflush(NULL);
	if (uk_direct(o, &cg, kdev))
		uk_run_direct(o, &img, &devs, &old);
	/* Our pid, taken before the fork: a child that reads getppid() itself cannot tell. */
	self = getpid();
	child = fork();
	if (child == 0)
		uk_child(kdev, &kvm, o, &img, &devs, self, &old, &cg);
	if (child < 0) {
		kiste_err_set(&err, -errno, "cannot fork the unikernel's process: %s",
			      strerror(errno));
		goto refused;
	}
	kiste_test_phase("uk-forked");
	if (uk_relay_fork(&devs, child, self, &cg, &err) < 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		goto refused;
	}
	kiste_uk_devs_close(&devs);
	relay.pid = devs.pasta.relay;
	timed_out = kiste_run_supervise_with(child, &relay, &set, (unsigned int)o->timeout_s,
					     &status, &ru);
	relay_died = uk_relay_ended_first(&devs, &relay);
	kiste_uk_pasta_end(&devs);
	if (kdev >= 0)
		close(kdev);
	kiste_kvm_close(&kvm);
	kiste_uk_image_free(&img);
	ret = relay_died ? KISTE_EXIT_REFUSED : uk_report(o, status, timed_out, &ru, &cg);
	kiste_cgroup_destroy(&cg);
	return ret;
refused:
	fprintf(stderr, "kiste: %s\n", err.msg);
	kiste_uk_devs_close(&devs);
	kiste_uk_pasta_end(&devs);
	kiste_cgroup_destroy(&cg);
	kiste_kvm_close(&kvm);
	if (kdev >= 0)
		close(kdev);
	kiste_uk_image_free(&img);
	return KISTE_EXIT_REFUSED;
}
