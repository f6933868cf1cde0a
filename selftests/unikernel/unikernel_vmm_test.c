// SPDX-License-Identifier: GPL-2.0
// unikernel_vmm_test.c - the VMM's confinement in vm isolation: printed, installed, enforced.
// kiste-suite: host unikernel_vmm_test
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "uk.h"
#include "kselftest_harness.h"
#include "uk_util.h"

/* Parses "# syscalls: N distinct" from kiste policy's output; -1 when absent. */
static int syscalls_line(const char *out)
{
	const char *p = strstr(out, "# syscalls: ");

	return p ? atoi(p + strlen("# syscalls: ")) : -1;
}

TEST(policy_prints_the_vmm_filter)
{
	char bind[128], img[] = "/tmp/kiste-uk-vmmpol.XXXXXX";
	const char *args[] = { "policy",      "unikernel", "--isolation", "vm",
			       uk_path("kv"), "--block",   bind,	  NULL };
	struct run_result *r = calloc(1, sizeof(*r));
	int fd = mkstemp(img), n;
	char run_rule[96];

	ASSERT_NE(NULL, r);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 8192));
	close(fd);
	snprintf(bind, sizeof(bind), "storage=%s", img);
	ASSERT_EQ(0, run_kiste(args, r));
	EXPECT_EQ(0, r->status) TH_LOG("%s", r->err);
	n = syscalls_line(r->out);
	EXPECT_LT(0, n) TH_LOG("%s", r->out);
	EXPECT_NE(NULL, strstr(r->out, "(vm isolation"));
	EXPECT_NE(NULL, strstr(r->out, "action KILL_PROCESS;"));
	/* KVM_RUN (0xae80) on the vCPU descriptor is the only ioctl: a table row with its reason */
	snprintf(run_rule, sizeof(run_rule), "lo32(arg0) == %d (vCPU), lo32(arg1) == 44672 (KVM_RUN)",
		 KISTE_UK_VCPU_FD);
	EXPECT_NE(NULL, strstr(r->out, run_rule)) TH_LOG("%s", r->out);
	/* and in the filter, the descriptor and the command compared on their low 32 bits only */
	snprintf(run_rule, sizeof(run_rule), "$a0.lo32 & 0xffffffff == %d", KISTE_UK_VCPU_FD);
	EXPECT_NE(NULL, strstr(r->out, run_rule)) TH_LOG("%s", r->out);
	EXPECT_NE(NULL, strstr(r->out, "$a1.lo32 & 0xffffffff == 44672")) TH_LOG("%s", r->out);
	/* arg0 (a descriptor or the exit status) and arg1 (ppoll's nfds, ioctl's command) are ints */
	EXPECT_EQ(NULL, strstr(r->out, "$a0.hi32 ==")) TH_LOG("%s", r->out);
	EXPECT_EQ(NULL, strstr(r->out, "$a1.hi32 ==")) TH_LOG("%s", r->out);
	EXPECT_NE(NULL, strstr(r->out, "pread64"));
	/* never the calls that would build a new VM or reach the host */
	EXPECT_EQ(NULL, strstr(r->out, "openat"));
	EXPECT_EQ(NULL, strstr(r->out, "mmap"));
	unlink(img);
	free(r);
}

TEST(filter_installed_and_hypercalls_work)
{
	const char *pol[] = { "policy", "unikernel", "--isolation", "vm", uk_path("hello"), NULL };
	const char *run[] = { "run",
			      "--mode=unikernel",
			      "--isolation=vm",
			      uk_path("hello"),
			      "under",
			      "the filter",
			      NULL };
	struct run_result *r = calloc(1, sizeof(*r));
	const char *skip = uk_vm_unavailable();
	char want[64];
	int n;

	ASSERT_NE(NULL, r);
	if (skip) {
		free(r);
		SKIP(return, "%s", skip);
	}
	ASSERT_EQ(0, run_kiste(pol, r));
	n = syscalls_line(r->out);
	ASSERT_LT(0, n) TH_LOG("%s%s", r->out, r->err);
	setenv("KISTE_UK_STATS", "1", 1);
	ASSERT_EQ(0, run_kiste(run, r));
	unsetenv("KISTE_UK_STATS");
	EXPECT_EQ(0, r->status) TH_LOG("stderr: %s", r->err);
	/* console writes, clocks and exit all went through the confined VMM */
	EXPECT_NE(NULL, strstr(r->out, "argv[2] = the filter")) TH_LOG("%s", r->out);
	snprintf(want, sizeof(want), "VMM seccomp filter installed: %d syscalls", n);
	EXPECT_NE(NULL, strstr(r->err, want)) TH_LOG("stderr: %s", r->err);
	free(r);
}

/* The first child of @pid, or -1. */
static pid_t first_child(pid_t pid)
{
	char path[64], buf[64];
	FILE *f;
	int c = -1;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f) || sscanf(buf, "%d", &c) != 1)
		c = -1;
	fclose(f);
	return c;
}

/* Value of "Key:" in /proc/PID/status, or -1. */
static long status_field(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':')
			v = strtol(line + klen + 1, NULL, 10);
	fclose(f);
	return v;
}

/* Descriptors of @pid other than 0-2, the vCPU and the VM: counted, named into @what. */
static int extra_fds(pid_t pid, char *what, size_t len)
{
	char path[64], link[128];
	struct dirent *de;
	int n = 0, fd;
	ssize_t l;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return -1;
	what[0] = 0;
	while ((de = readdir(d))) {
		fd = atoi(de->d_name);
		if (de->d_name[0] == '.' || fd <= 2 || fd == KISTE_UK_VCPU_FD ||
		    fd == KISTE_UK_VM_FD)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
		l = readlink(path, link, sizeof(link) - 1);
		link[l > 0 ? l : 0] = 0;
		snprintf(what + strlen(what), len - strlen(what), "%d->%s ", fd, link);
		n++;
	}
	closedir(d);
	return n;
}

/* Starts kiste run on the sleeper; returns its pid and the read end of its stdout. */
static pid_t start_sleeper(int *out)
{
	const char *bin = kiste_bin();
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		execl(bin, "kiste", "run", "--mode=unikernel", "--isolation=vm", "--timeout", "30",
		      uk_path("tests/sleeper"), (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	*out = p[0];
	return pid;
}

TEST(vmm_runs_confined)
{
	const char *skip = uk_vm_unavailable();
	char buf[256] = "", what[512];
	int out, status, n;
	pid_t pid, vmm;
	ssize_t got;

	if (skip)
		SKIP(return, "%s", skip);
	pid = start_sleeper(&out);
	ASSERT_LT(0, pid);
	/* the sleeper prints once it runs, which is after the filter went in */
	got = read(out, buf, sizeof(buf) - 1);
	ASSERT_LT(0, got);
	buf[got] = 0;
	EXPECT_NE(NULL, strstr(buf, "sleeper: started"));
	vmm = first_child(pid);
	ASSERT_LT(0, vmm);
	EXPECT_EQ(2, status_field(vmm, "Seccomp")); /* SECCOMP_MODE_FILTER */
	EXPECT_LE(1, status_field(vmm, "Seccomp_filters"));
	EXPECT_EQ(1, status_field(vmm, "NoNewPrivs"));
	/* Run as root, it is nobody; as anyone, it has no capability (it was the caller). */
	n = uk_privilege_left(vmm, what, sizeof(what));
	EXPECT_EQ(0, n) TH_LOG("the VMM's privilege left: %s", what);
	/* /dev/kvm (or /dev/kiste) is gone: the VMM cannot make another VM */
	n = extra_fds(vmm, what, sizeof(what));
	EXPECT_EQ(0, n) TH_LOG("VMM descriptors beyond vCPU and VM: %s", what);
	kill(pid, SIGTERM);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(128 + SIGTERM, WEXITSTATUS(status));
	close(out);
}

/*
 * The VMM's filter, loaded by the test itself (kiste_uk_filter_bpf) in a child
 * that holds the descriptors the VMM would: a block file at 3, a net device
 * (a socket) at 4, a real vCPU at KISTE_UK_VCPU_FD whose KVM_RUN returns EINTR
 * at once, the VM at KISTE_UK_VM_FD (made by the child: KVM serves only the
 * process whose memory it was made in), pipes for stdout and stderr.  The VMM
 * itself never sets high bits (the guest cannot choose its arguments), so this
 * is where the filter's 32-bit comparisons are shown.
 */
#define HI (1ULL << 32)
static const char mark[16] = "kiste-vmm-mark";

struct vmm_fixture {
	int block, net, peer, out[2], err[2];
	struct kiste_uk_devs devs;
	void *bpf;
	size_t len;
};

static const char *vmm_fixture_open(struct vmm_fixture *f)
{
	const char *skip = uk_vm_unavailable();
	static char tmpl[] = "/tmp/kiste-uk-vmm32.XXXXXX";
	char img[sizeof(tmpl)];
	struct kiste_err err = { 0 };
	int sv[2];

	memset(f, 0, sizeof(*f));
	f->block = f->net = f->peer = f->out[0] = f->out[1] = f->err[0] = f->err[1] = -1;
	if (skip)
		return skip;
	memcpy(img, tmpl, sizeof(img));
	f->block = mkstemp(img);
	if (f->block < 0 || ftruncate(f->block, 4096) < 0 ||
	    pwrite(f->block, mark, sizeof(mark), 512) != sizeof(mark))
		return "cannot make the block file";
	unlink(img);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 ||
	    pipe2(f->out, O_CLOEXEC) < 0 || pipe2(f->err, O_CLOEXEC) < 0)
		return "cannot make sockets and pipes";
	f->net = sv[0];
	f->peer = sv[1];
	f->devs.ndev = 2;
	f->devs.dev[0].info = (struct kiste_uk_devinfo){ .name = "storage",
							 .type = KISTE_UK_DEV_BLOCK,
							 .handle = 0,
							 .block_size = 512,
							 .capacity = 4096 };
	f->devs.dev[1].info = (struct kiste_uk_devinfo){
		.name = "net0", .type = KISTE_UK_DEV_NET, .handle = 1, .mtu = 1500
	};
	if (kiste_uk_filter_bpf(&f->devs, KISTE_UK_ISO_VM, &f->bpf, &f->len, &err) < 0)
		return "kiste_uk_filter_bpf failed";
	return NULL;
}

static void vmm_fixture_close(struct vmm_fixture *f)
{
	int *fds[] = { &f->block, &f->net, &f->peer, &f->out[0], &f->out[1], &f->err[0], &f->err[1] };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
	free(f->bpf);
}

/* After the filter: raw syscalls only; the exit status says which step failed. */
static int vmm_allowed(long unused)
{
	struct pollfd p = { .fd = 4, .events = POLLIN };
	struct timespec ts = { 0, 0 };
	char buf[2048];

	(void)unused;
	if (syscall(SYS_ioctl, HI | KISTE_UK_VCPU_FD, HI | KVM_RUN, 0) != -1 || errno != EINTR)
		return 101;
	if (syscall(SYS_pread64, HI | 3, buf, 512, 512) != 512 || memcmp(buf, mark, sizeof(mark)))
		return 102;
	/* vm isolation: a hypercall may span blocks */
	if (syscall(SYS_pwrite64, HI | 3, buf, 1024, 1024) != 1024)
		return 103;
	if (syscall(SYS_read, HI | 4, buf, 1514) != 5)
		return 104;
	if (syscall(SYS_write, HI | 4, "reply", 5) != 5)
		return 105;
	if (syscall(SYS_write, HI | 1, "out\n", 4) != 4 || syscall(SYS_write, HI | 2, "err\n", 4) != 4)
		return 106;
	if (syscall(SYS_clock_gettime, HI | CLOCK_MONOTONIC, &ts) ||
	    syscall(SYS_clock_gettime, HI | CLOCK_REALTIME, &ts))
		return 107;
	ts.tv_sec = ts.tv_nsec = 0;
	if (syscall(SYS_ppoll, &p, HI | 1, &ts, NULL, 8) < 0)
		return 108;
	syscall(SYS_exit_group, HI | 42);
	return 109;
}

/* Each: an allowed value in the high word, something off the list in the low one. */
static int vmm_denied(long which)
{
	char buf[512];

	switch (which) {
	case 0: /* the console high, descriptor 5 (no device) low */
		syscall(SYS_write, 1ULL << 32 | 5, "x", 1);
		break;
	case 1: /* the vCPU high, the VM low */
		syscall(SYS_ioctl, (uint64_t)KISTE_UK_VCPU_FD << 32 | KISTE_UK_VM_FD, KVM_RUN, 0);
		break;
	case 2: /* KVM_RUN high, KVM_GET_REGS low */
		syscall(SYS_ioctl, KISTE_UK_VCPU_FD, (uint64_t)KVM_RUN << 32 | KVM_GET_REGS, buf);
		break;
	case 3: /* CLOCK_MONOTONIC high, CLOCK_BOOTTIME low */
		syscall(SYS_clock_gettime, (uint64_t)CLOCK_MONOTONIC << 32 | CLOCK_BOOTTIME, buf);
		break;
	case 4: /* exit_group(-1): a negative int is no status <= 255 */
		syscall(SYS_exit_group, -1L);
		break;
	case 5: /* a negative offset is a huge one */
		syscall(SYS_pread64, 3, buf, 512, -512L);
		break;
	}
	return 0;
}

#define NDENIED 6

/* In the child: a VM and a vCPU whose KVM_RUN returns at once (EINTR); -1 on failure. */
static int vmm_child_kvm(int *vm, int *vcpu)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), n;
	struct kvm_run *run;

	*vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);
	*vcpu = *vm < 0 ? -1 : ioctl(*vm, KVM_CREATE_VCPU, 0);
	n = *vcpu < 0 ? -1 : ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	run = n <= 0 ? MAP_FAILED : mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, *vcpu, 0);
	if (run == MAP_FAILED)
		return -1;
	run->immediate_exit = 1;
	close(kvm);
	return 0;
}

/* Runs @probe(@arg) in a child holding @f's descriptors under the VMM filter; its wait status. */
static int vmm_filtered(struct vmm_fixture *f, int (*probe)(long), long arg)
{
	struct sock_fprog prog = { .len = f->len / sizeof(struct sock_filter), .filter = f->bpf };
	const int to[] = { 1, 2, 3, 4, KISTE_UK_VCPU_FD, KISTE_UK_VM_FD };
	int from[] = { f->out[1], f->err[1], f->block, f->net, -1, -1 };
	struct rlimit no_core = { 0, 0 };
	int moved[ARRAY_SIZE(from)], status = -1;
	size_t i;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		setrlimit(RLIMIT_CORE, &no_core);
		if (vmm_child_kvm(&from[5], &from[4]) < 0)
			_exit(92);
		for (i = 0; i < ARRAY_SIZE(from); i++)
			moved[i] = fcntl(from[i], F_DUPFD, 64);
		for (i = 0; i < ARRAY_SIZE(from); i++)
			if (moved[i] < 0 || dup2(moved[i], to[i]) < 0)
				_exit(90);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
			_exit(91);
		syscall(SYS_exit_group, probe(arg));
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	return status;
}

TEST(vmm_filter_reads_ints_as_32_bits)
{
	struct vmm_fixture f;
	const char *skip = vmm_fixture_open(&f);
	char buf[64] = "";
	int status;

	if (skip) {
		vmm_fixture_close(&f);
		SKIP(return, "%s", skip);
	}
	ASSERT_EQ(5, write(f.peer, "frame", 5));
	status = vmm_filtered(&f, vmm_allowed, 0);
	/* 42: every call went through with the high word set, to the descriptor in the low word */
	EXPECT_TRUE(WIFEXITED(status)) TH_LOG("killed by signal %d", WTERMSIG(status));
	EXPECT_EQ(42, WEXITSTATUS(status));
	EXPECT_EQ(4, read(f.out[0], buf, sizeof(buf)));
	EXPECT_EQ(4, read(f.err[0], buf, sizeof(buf)));
	EXPECT_EQ(5, read(f.peer, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "reply", 5));
	EXPECT_EQ((ssize_t)sizeof(mark), pread(f.block, buf, sizeof(mark), 1024));
	EXPECT_EQ(0, memcmp(buf, mark, sizeof(mark)));
	vmm_fixture_close(&f);
}

TEST(vmm_filter_kills_other_low_words)
{
	struct vmm_fixture f;
	const char *skip = vmm_fixture_open(&f);
	int status;
	long i;

	if (skip) {
		vmm_fixture_close(&f);
		SKIP(return, "%s", skip);
	}
	for (i = 0; i < NDENIED; i++) {
		status = vmm_filtered(&f, vmm_denied, i);
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		TH_LOG("probe %ld: wait status 0x%x", i, status);
	}
	vmm_fixture_close(&f);
}

TEST_HARNESS_MAIN
