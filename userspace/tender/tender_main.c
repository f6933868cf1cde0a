// SPDX-License-Identifier: GPL-2.0
// tender_main.c - the tender: checks and binds a unikernel, supervises its child, prints policies.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tender.h"

/*
 * Called by `kiste run` and `kiste policy` (linked into kiste, or through
 * exec of kiste-tender), argv as the CLI got it:
 *   kiste-tender run [--mode=unikernel ...] APP [ARG...]
 *   kiste-tender policy unikernel APP [--block ...] [--net ...]
 */

void tender_child_fail(const struct kiste_err *err)
{
	fprintf(stderr, "kiste: %s\n", err->msg);
	_exit(KISTE_RUN_EXIT_REFUSED);
}

static int exit_for_image_error(int code)
{
	if (code == -ENOENT)
		return KISTE_RUN_EXIT_NOTFOUND;
	if (code == -ENOEXEC || code == -EACCES)
		return KISTE_RUN_EXIT_NOEXEC;
	return KISTE_RUN_EXIT_REFUSED;
}

/* With kiste.ko: a temporary sandbox tied to the returned descriptor; without: -1, silently. */
static int tender_sandbox(const struct kiste_uk_opts *o, uint32_t *id, struct kiste_err *err)
{
	bool vm = o->isolation == KISTE_UK_ISO_VM;
	/* The broker holds the VM to these: one vCPU, memory in the 2 MiB pages that map it. */
	struct kiste_sandbox_spec spec = {
		.name = o->name,
		.mode = KISTE_MODE_UNIKERNEL,
		.memory_limit = vm ? UK_VM_MEM(o->memory) : o->memory,
		.vcpu_limit = vm ? 1 : 0,
	};
	int fd = kiste_dev_open(err);

	if (fd == -ENOENT)
		return -1;
	if (fd < 0)
		return -2;
	if (kiste_dev_create(fd, &spec, id, err) < 0) {
		close(fd);
		return -2;
	}
	return fd;
}

/*
 * vm isolation with kiste.ko: the module creates the VM for this member.  Its
 * rules for the caller: single-threaded and an unshared descriptor table (a
 * forked child of this single-threaded tender is both) and non-dumpable.
 */
static int tender_broker_vm(int kdev)
{
	struct kiste_err err = { 0 };
	int fd;

	if (prctl(PR_SET_DUMPABLE, 0) < 0) {
		kiste_err_set(&err, -errno, "cannot make the VMM non-dumpable: %s",
			      strerror(errno));
		tender_child_fail(&err);
	}
	fd = kiste_dev_vm_create(kdev, 0, &err);
	if (fd < 0) {
		/* libkiste's line names the cause; say which path failed */
		fprintf(stderr, "kiste: %s [kiste.ko's KVM broker; or use --isolation process]\n",
			err.msg);
		_exit(KISTE_RUN_EXIT_REFUSED);
	}
	return fd;
}

static void tender_child(int kdev, int kvm, const struct kiste_uk_opts *o,
			 const struct kiste_uk_image *img, struct kiste_uk_devs *devs, pid_t parent,
			 const sigset_t *old)
{
	struct kiste_err err = { 0 };

	/* The unikernel dies with its launcher, also when the module is absent. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(KISTE_RUN_EXIT_REFUSED);
	/* A launcher started in the background may ignore these: forwarded ones must work. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sigprocmask(SIG_SETMASK, old, NULL);
	if (kdev >= 0) {
		if (kiste_dev_attach(kdev, 0, &err) < 0)
			tender_child_fail(&err);
		if (o->isolation == KISTE_UK_ISO_VM)
			kvm = tender_broker_vm(kdev);
		close(kdev);
	}
	if (o->isolation == KISTE_UK_ISO_VM)
		uk_vm_child(kvm, kdev >= 0, o, img, devs);
	tender_process_child(o, img, devs);
}

static int tender_report(const struct kiste_uk_opts *o, int status, bool timed_out,
			 const struct rusage *ru)
{
	if (getenv("KISTE_UK_STATS"))
		fprintf(stderr, "kiste: unikernel peak RSS %ld KiB\n", ru->ru_maxrss);
	if (timed_out) {
		fprintf(stderr,
			"kiste: unikernel '%s' timed out after %llu s and was killed: raise "
			"--timeout\n",
			o->app, (unsigned long long)o->timeout_s);
		return 128 + SIGKILL;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WTERMSIG(status) == SIGSYS && o->isolation == KISTE_UK_ISO_VM) {
		fprintf(stderr,
			"kiste: the VMM of unikernel '%s' was killed by its seccomp filter "
			"(SIGSYS): report this as a kiste bug; see 'kiste policy unikernel "
			"--isolation vm %s'\n",
			o->app, o->app);
		return 128 + SIGSYS;
	}
	if (WTERMSIG(status) == SIGSYS) {
		fprintf(stderr,
			"kiste: unikernel '%s' killed by the seccomp filter (SIGSYS): it "
			"made a host syscall outside its policy; see 'kiste policy unikernel %s'\n",
			o->app, o->app);
		return 128 + SIGSYS;
	}
	return 128 + WTERMSIG(status);
}

/* Forwards INT/TERM/HUP, enforces --timeout, reaps the child. */
static int tender_supervise(const struct kiste_uk_opts *o, pid_t child, const sigset_t *set)
{
	struct timespec now, end, left;
	bool timed_out = false;
	struct rusage ru = { 0 };
	siginfo_t si;
	int status = 0, sig;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += o->timeout_s;
	for (;;) {
		if (wait4(child, &status, WNOHANG, &ru) == child)
			break;
		if (o->timeout_s) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			left.tv_sec = end.tv_sec - now.tv_sec;
			left.tv_nsec = end.tv_nsec - now.tv_nsec;
			if (left.tv_nsec < 0)
				left.tv_sec--, left.tv_nsec += 1000000000L;
			if (left.tv_sec < 0) {
				timed_out = true;
				kill(child, SIGKILL);
				wait4(child, &status, 0, &ru);
				break;
			}
		}
		sig = o->timeout_s ? sigtimedwait(set, &si, &left) : sigwaitinfo(set, &si);
		if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP)
			kill(child, sig);
	}
	return tender_report(o, status, timed_out, &ru);
}

static int tender_run(int argc, char **argv)
{
	struct kiste_uk_image img = { 0 };
	struct kiste_uk_devs devs;
	struct kiste_uk_opts o;
	struct kiste_err err = { 0 };
	int ret, kdev, kvm = -1;
	sigset_t set, old;
	uint32_t id = 0;
	pid_t child;

	if (kiste_uk_opts_parse(argc, argv, false, &o, &err) < 0 || o.help)
		goto refused;
	ret = kiste_uk_image_load(o.app, o.memory, &img, &err);
	if (ret < 0) {
		fprintf(stderr, "kiste: %s\n", err.msg);
		return exit_for_image_error(ret);
	}
	if (kiste_uk_devs_bind(&img.mft, &o, false, &devs, &err) < 0)
		goto refused;
	kdev = tender_sandbox(&o, &id, &err);
	if (kdev == -2)
		goto refused;
	/* With kiste.ko the VM comes from its broker (in the child), else from /dev/kvm. */
	if (o.isolation == KISTE_UK_ISO_VM && kdev < 0) {
		kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
		if (kvm < 0) {
			kiste_err_set(&err, -errno,
				      "cannot open /dev/kvm for --isolation vm: %s: "
				      "use --isolation process, or get access to /dev/kvm",
				      strerror(errno));
			goto refused;
		}
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT), sigaddset(&set, SIGTERM), sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	fflush(NULL);
	child = fork();
	if (child == 0)
		tender_child(kdev, kvm, &o, &img, &devs, getppid(), &old);
	if (child < 0) {
		kiste_err_set(&err, -errno, "cannot fork the tender: %s", strerror(errno));
		goto refused;
	}
	kiste_uk_devs_close(&devs);
	ret = tender_supervise(&o, child, &set);
	if (kdev >= 0)
		close(kdev);
	kiste_uk_image_free(&img);
	return ret;
refused:
	if (!o.help)
		fprintf(stderr, "kiste: %s\n", err.msg);
	kiste_uk_image_free(&img);
	return KISTE_RUN_EXIT_REFUSED;
}

static void policy_print_devs(const struct kiste_uk_devs *devs)
{
	const struct kiste_uk_dev *d;
	uint32_t i;

	for (i = 0; i < devs->ndev; i++) {
		d = &devs->dev[i];
		if (d->info.type == KISTE_UK_DEV_BLOCK)
			printf("# device %u '%s': block '%s' at fd %u, %llu bytes in %llu-byte "
			       "blocks\n",
			       i, d->info.name, d->target, KISTE_UK_FD_BASE + i,
			       (unsigned long long)d->info.capacity,
			       (unsigned long long)d->info.block_size);
		else
			printf("# device %u '%s': net tap '%s' at fd %u, frames <= %u bytes\n", i,
			       d->info.name, d->target, KISTE_UK_FD_BASE + i, d->info.mtu + 14);
	}
}

static int tender_policy(int argc, char **argv)
{
	struct kiste_uk_image img;
	struct kiste_uk_devs devs;
	struct kiste_uk_opts o;
	struct kiste_err err = { 0 };
	char names[128];
	int n;

	if (kiste_uk_opts_parse(argc, argv, true, &o, &err) < 0) {
		fprintf(stderr, "kiste: %s\n", err.msg);
		return 2;
	}
	if (kiste_uk_image_load(o.app, 0, &img, &err) < 0)
		goto fail;
	if (kiste_uk_devs_bind(&img.mft, &o, true, &devs, &err) < 0) {
		kiste_uk_image_free(&img);
		goto fail;
	}
	n = kiste_uk_filter_syscalls(&devs, o.isolation, names, sizeof(names));
	if (o.isolation == KISTE_UK_ISO_VM)
		printf("# kiste VMM filter for '%s' (vm isolation: the VMM process after guest "
		       "setup)\n",
		       o.app);
	else
		printf("# kiste unikernel filter for '%s' (process isolation)\n", o.app);
	printf("# syscalls: %d distinct: %s\n", n, names);
	printf("# default action: kill the process (SECCOMP_RET_KILL_PROCESS)\n");
	printf("# console: fd %d\n", KISTE_UK_CONSOLE_FD);
	if (o.isolation == KISTE_UK_ISO_VM)
		printf("# vCPU: fd %d (KVM_RUN only); VM: fd %d (no calls)\n", KISTE_UK_VCPU_FD,
		       KISTE_UK_VM_FD);
	policy_print_devs(&devs);
	fflush(stdout);
	n = kiste_uk_filter_pfc(&devs, o.isolation, STDOUT_FILENO, &err);
	kiste_uk_image_free(&img);
	if (n < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "kiste: %s\n", err.msg);
	return 1;
}

int kiste_tender_main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "run"))
		return tender_run(argc - 1, argv + 1);
	if (argc >= 3 && !strcmp(argv[1], "policy") && !strcmp(argv[2], "unikernel"))
		return tender_policy(argc - 2, argv + 2);
	fprintf(stderr, "kiste-tender: internal helper of kiste: use 'kiste run --mode=unikernel' "
			"or 'kiste policy unikernel'\n");
	return 2;
}
