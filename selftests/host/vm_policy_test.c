// SPDX-License-Identifier: GPL-2.0
// vm_policy_test.c - kiste policy vm; the VMM's per-thread filters read int arguments as 32 bits.
// kiste-suite: host vm_policy_test
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "util.h"
#include "../../userspace/vm/vmm/confine.h"

/* One thread kind's part of `kiste policy vm`: what its rows add up to, and its summary line. */
struct section {
	char name[16];
	char syscall[64][24];
	unsigned int rows, syscalls, restricted;
	struct linux_confine_size said;
	bool summed, kvm_run, reasons;
};

static void section_row(struct section *s, const char *line)
{
	char name[24], when[16], args[4];
	unsigned int i;

	if (sscanf(line, "%23s %15s %3s", name, when, args) != 3)
		return;
	s->rows++;
	s->restricted += strcmp(args, "any") != 0;
	s->kvm_run |= strstr(line, "== KVM_RUN") != NULL;
	/* syscall, when, arguments in 16 + 1 + 8 + 1 + 52 + 1 columns, then why */
	s->reasons &= strlen(line) > 80 && line[79] != ' ';
	for (i = 0; i < s->syscalls && strcmp(s->syscall[i], name); i++)
		;
	if (i == s->syscalls && i < 64)
		strcpy(s->syscall[s->syscalls++], name);
}

/* Splits @out into its "## " sections; returns how many. */
static int policy_sections(char *out, struct section *sec, int max)
{
	char *line, *save = NULL, word[16];
	int n = 0;

	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "## ", 3) && n < max) {
			memset(&sec[n], 0, sizeof(sec[n]));
			sec[n].reasons = true;
			sscanf(line + 3, "%15s", sec[n].name);
			n++;
		} else if (n && line[0] == '#' &&
			   sscanf(line, "# %15s thread: %u syscalls, %u rules, %u of them "
				  "argument-restricted", word, &sec[n - 1].said.syscalls,
				  &sec[n - 1].said.rules, &sec[n - 1].said.restricted) == 4) {
			sec[n - 1].summed = !strcmp(word, sec[n - 1].name);
		} else if (n && line[0] != '#') {
			section_row(&sec[n - 1], line);
		}
	}
	return n;
}

TEST(policy_vm_prints_each_thread_kind_and_its_size)
{
	static const char *const names[LINUX_THREAD_KINDS] = { "vCPU", "main" };
	const char *args[] = { "policy", "vm", NULL };
	struct run_result *r = calloc(1, sizeof(*r));
	struct section sec[4];
	struct linux_confine_size table;
	int n, k;

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, run_kiste(args, r));
	ASSERT_EQ(0, r->status) TH_LOG("stderr: %s", r->err);
	EXPECT_STREQ("", r->err);
	n = policy_sections(r->out, sec, 4);
	ASSERT_EQ(LINUX_THREAD_KINDS, n);
	for (k = 0; k < n; k++) {
		struct section *s = &sec[k];

		EXPECT_STREQ(names[k], s->name);
		EXPECT_TRUE(s->summed) TH_LOG("%s: no summary line", s->name);
		/* the summary counts what is printed ... */
		EXPECT_EQ(s->rows, s->said.rules) TH_LOG("%s", s->name);
		EXPECT_EQ(s->syscalls, s->said.syscalls) TH_LOG("%s", s->name);
		EXPECT_EQ(s->restricted, s->said.restricted) TH_LOG("%s", s->name);
		/* ... which is the table the VMM loads */
		linux_confine_size(k, &table);
		EXPECT_EQ(table.rules, s->rows);
		EXPECT_EQ(table.syscalls, s->syscalls);
		EXPECT_EQ(table.restricted, s->restricted);
		EXPECT_TRUE(s->reasons) TH_LOG("%s: a row without a reason", s->name);
		EXPECT_LT(0U, s->restricted);
	}
	/* only vCPU threads run a vCPU */
	EXPECT_TRUE(sec[LINUX_THREAD_VCPU].kvm_run);
	EXPECT_FALSE(sec[LINUX_THREAD_MAIN].kvm_run);
	free(r);
}

TEST(policy_vm_arguments)
{
	const char *extra[] = { "policy", "vm", "--isolation", "vm", NULL };
	const char *help[] = { "policy", "vm", "--help", NULL };
	const char *all[] = { "policy", "--help", NULL };
	struct run_result *r = calloc(1, sizeof(*r));

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, run_kiste(extra, r));
	EXPECT_EQ(2, r->status);
	EXPECT_EQ(1U, count_lines(r->err)) TH_LOG("stderr: %s", r->err);
	EXPECT_NE(NULL, strstr(r->err, "kiste policy vm"));
	EXPECT_STREQ("", r->out);
	ASSERT_EQ(0, run_kiste(help, r));
	EXPECT_EQ(0, r->status);
	EXPECT_NE(NULL, strstr(r->out, "Usage: kiste policy vm"));
	ASSERT_EQ(0, run_kiste(all, r));
	EXPECT_EQ(0, r->status);
	EXPECT_NE(NULL, strstr(r->out, "kiste policy vm\n"));
	free(r);
}

/*
 * The filters, loaded by the test in a child (linux_confine_bpf) that holds
 * what the VMM would: a real VM and vCPU (made in the child: KVM serves only
 * the process whose memory it was made in) whose KVM_RUN returns EINTR at
 * once, pipes for stdin, stdout, stderr, the log and the signalfd, an eventfd.
 * The VMM never sets high bits itself, so this is where the filters' 32-bit
 * comparisons are shown: the kernel acts on fd | 1 << 32 as on fd.
 */
#define HI (1ULL << 32)

FIXTURE(confine)
{
	int in[2], out[2], err[2], log[2], std2[2], sig[2], wake;
};

FIXTURE_SETUP(confine)
{
	ASSERT_EQ(0, pipe2(self->in, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(self->out, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(self->err, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(self->log, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(self->std2, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(self->sig, O_CLOEXEC));
	self->wake = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, self->wake);
	ASSERT_EQ(1, write(self->in[1], "i", 1));
	ASSERT_EQ(1, write(self->sig[1], "s", 1));
}

FIXTURE_TEARDOWN(confine)
{
	int *fds[] = { self->in, self->out, self->err, self->log, self->std2, self->sig };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fds); i++) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
	close(self->wake);
}

static const char *kvm_unavailable(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return "/dev/kvm is not available: the VMM's filters name KVM descriptors";
	close(fd);
	return NULL;
}

/* In the child: a VM and a vCPU whose KVM_RUN returns at once (EINTR); -1 on failure. */
static int child_kvm(int *vm, int *vcpu)
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

typedef int (*probe_fn)(const struct linux_confine_fds *fds, long arg);

/*
 * The next run_filtered's filter is -t's (the terminal rows in, sized from
 * stdout's pipe), with the terminal made raw and restored by
 * filter_tty_restore (TCSETS: -t -i; 0: not made raw, as with -t alone).
 */
static bool filter_tty;
static unsigned long filter_tty_restore = TCSETS;
/* kiste exec's listening socket the filter is built for, or -1 (a run without one). */
static int filter_exec = -1;

/*
 * Runs @probe in a child under @kind's filter (with --debug: a log descriptor);
 * the child's stderr is a pipe, so writes to fd 2 stay out of the TAP output.
 * Returns its wait status.
 */
static int run_filtered(FIXTURE_DATA(confine) *self, enum linux_thread_kind kind, bool debug,
			probe_fn probe, long arg)
{
	struct linux_confine_fds fds = {
		.in = self->in[0], .out = self->out[1], .err = self->err[1],
		.log = debug ? self->log[1] : -1, .wake = self->wake, .sig = self->sig[0],
		.net = -1, .net_err = -1, .tty = filter_tty,
		.winsz = filter_tty ? self->out[1] : -1,
		.tty_restore = filter_tty ? filter_tty_restore : 0, .exec = filter_exec,
	};
	struct rlimit no_core = { 0, 0 };
	struct kiste_err err = { 0 };
	struct sock_fprog prog;
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		setrlimit(RLIMIT_CORE, &no_core);
		if (child_kvm(&fds.vm, &fds.vcpu) < 0)
			_exit(90);
		/* -t's rows act on 0: a pipe there, never the terminal of whoever runs this */
		if (dup2(self->std2[1], STDERR_FILENO) < 0 || dup2(self->in[0], STDIN_FILENO) < 0 ||
		    linux_confine_bpf(kind, &fds, &prog, &err) < 0)
			_exit(91);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
			_exit(92);
		syscall(SYS_exit_group, probe(&fds, arg));
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	return status;
}

/* After the filter: raw syscalls only; the exit status says which step failed (42: none). */
static int vcpu_allowed(const struct linux_confine_fds *fds, long unused)
{
	struct kvm_irq_level irq = { .irq = 4, .level = 1 };
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	uint64_t one = 1;

	(void)unused;
	if (syscall(SYS_ioctl, HI | fds->vcpu, HI | KVM_RUN, 0) != -1 || errno != EINTR)
		return 101;
	/* the VM has no interrupt controller: ENXIO, from the VM itself */
	if (syscall(SYS_ioctl, HI | fds->vm, HI | KVM_IRQ_LINE, &irq) != -1 || errno != ENXIO)
		return 102;
	if (syscall(SYS_write, HI | fds->out, "o", 1) != 1 ||
	    syscall(SYS_write, HI | fds->err, "e", 1) != 1 ||
	    syscall(SYS_write, HI | fds->log, "l", 1) != 1)
		return 103;
	if (syscall(SYS_write, HI | fds->wake, &one, sizeof(one)) != sizeof(one))
		return 104;
	/* a vCPU that never ran is at the reset vector */
	if (syscall(SYS_ioctl, HI | fds->vcpu, HI | KVM_GET_REGS, &regs) != 0 || regs.rip != 0xfff0)
		return 105;
	if (syscall(SYS_ioctl, HI | fds->vcpu, HI | KVM_GET_SREGS, &sregs) != 0)
		return 106;
	return 42;
}

static int main_allowed(const struct linux_confine_fds *fds, long unused)
{
	struct kvm_regs regs;
	struct termios t;
	uint64_t one = 1;
	char c = 0;

	(void)unused;
	if (syscall(SYS_read, HI | fds->sig, &c, 1) != 1 || c != 's')
		return 101;
	if (syscall(SYS_read, HI | fds->in, &c, 1) != 1 || c != 'i')
		return 102;
	if (syscall(SYS_write, HI | fds->out, "o", 1) != 1 ||
	    syscall(SYS_write, HI | fds->err, "e", 1) != 1 ||
	    syscall(SYS_write, HI | STDERR_FILENO, "2", 1) != 1 ||
	    syscall(SYS_write, HI | fds->log, "l", 1) != 1)
		return 103;
	if (syscall(SYS_write, HI | fds->wake, &one, sizeof(one)) != sizeof(one))
		return 104;
	if (syscall(SYS_ioctl, HI | fds->vcpu, HI | KVM_GET_REGS, &regs) != 0 || regs.rip != 0xfff0)
		return 105;
	/* stdio's question, asked of a pipe: the kernel's answer, not the filter's */
	if (syscall(SYS_ioctl, fds->out, HI | TCGETS, &t) != -1 || errno != ENOTTY)
		return 106;
	return 42;
}

/*
 * -t's rows: the size of the terminal sized from, the restore on 0 (@req:
 * TCSETS, the one -t -i needs), asked of a pipe and of whatever
 * 0 is: the kernel's ENOTTY, not the filter's SIGSYS.
 */
static int main_tty_allowed(const struct linux_confine_fds *fds, long req)
{
	struct winsize ws;
	struct termios t = { 0 };

	if (syscall(SYS_ioctl, HI | fds->winsz, HI | TIOCGWINSZ, &ws) != -1 || errno != ENOTTY)
		return 101;
	if (syscall(SYS_ioctl, HI | STDIN_FILENO, HI | req, &t) != -1 || errno != ENOTTY)
		return 102;
	return 42;
}

TEST_F(confine, main_filter_with_tty_admits_the_terminal_rows)
{
	static const unsigned long reqs[] = { TCSETS };
	const char *skip = kvm_unavailable();
	unsigned int i;
	int status;

	if (skip)
		SKIP(return, "%s", skip);
	for (i = 0; i < ARRAY_SIZE(reqs); i++) {
		filter_tty = true;
		filter_tty_restore = reqs[i];
		status = run_filtered(self, LINUX_THREAD_MAIN, false, main_tty_allowed,
				      (long)reqs[i]);
		filter_tty = false;
		filter_tty_restore = TCSETS;
		ASSERT_TRUE(WIFEXITED(status)) TH_LOG("killed by signal %d", WTERMSIG(status));
		ASSERT_EQ(42, WEXITSTATUS(status)) TH_LOG("restore request 0x%lx", reqs[i]);
	}
}

/* What went through: one byte per pipe, and the eventfd counted one stop. */
static void check_outputs(struct __test_metadata *_metadata, FIXTURE_DATA(confine) *self,
			  bool std2)
{
	uint64_t n = 0;
	char c[4];

	EXPECT_EQ(1, read(self->out[0], c, sizeof(c)));
	EXPECT_EQ(1, read(self->err[0], c, sizeof(c)));
	EXPECT_EQ(1, read(self->log[0], c, sizeof(c)));
	EXPECT_EQ((ssize_t)sizeof(n), read(self->wake, &n, sizeof(n)));
	EXPECT_EQ(1U, n);
	if (std2) {
		EXPECT_EQ(1, read(self->std2[0], c, sizeof(c)));
	}
}

TEST_F(confine, vcpu_filter_reads_ints_as_32_bits)
{
	const char *skip = kvm_unavailable();
	int status;

	if (skip)
		SKIP(return, "%s", skip);
	status = run_filtered(self, LINUX_THREAD_VCPU, true, vcpu_allowed, 0);
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("killed by signal %d", WTERMSIG(status));
	ASSERT_EQ(42, WEXITSTATUS(status));
	check_outputs(_metadata, self, false);
}

TEST_F(confine, main_filter_reads_ints_as_32_bits)
{
	const char *skip = kvm_unavailable();
	int status;

	if (skip)
		SKIP(return, "%s", skip);
	status = run_filtered(self, LINUX_THREAD_MAIN, true, main_allowed, 0);
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("killed by signal %d", WTERMSIG(status));
	ASSERT_EQ(42, WEXITSTATUS(status));
	check_outputs(_metadata, self, true);
}

/* Each: an allowed value in the high word (or none at all), something off the list in the low. */
static const struct denied {
	enum linux_thread_kind kind;
	bool debug;
	const char *what;
	bool tty;
	/* with tty: 0 the terminal raw (-t -i: TCSETS), 1 not made raw (-t alone, or no terminal) */
	int restore;
} denied[] = {
	{ LINUX_THREAD_VCPU, true, "KVM_RUN on the VM (the vCPU in the high word)" },
	{ LINUX_THREAD_VCPU, true, "KVM_SET_REGS on the vCPU (KVM_RUN in the high word)" },
	{ LINUX_THREAD_VCPU, true, "write to stdin's descriptor (stdout's in the high word)" },
	{ LINUX_THREAD_VCPU, false, "KVM_GET_REGS without --debug" },
	{ LINUX_THREAD_MAIN, true, "KVM_RUN on vCPU 0 from the main thread" },
	{ LINUX_THREAD_MAIN, true, "read of the vCPU (the signalfd in the high word)" },
	{ LINUX_THREAD_MAIN, true, "write to the VM (the eventfd in the high word)" },
	{ LINUX_THREAD_MAIN, false, "write to the log without --debug" },
	{ LINUX_THREAD_MAIN, false, "TCSETS on 0 without -t" },
	{ LINUX_THREAD_MAIN, false, "TIOCGWINSZ without -t" },
	{ LINUX_THREAD_MAIN, false, "TCSETS on stdout's descriptor (0 in the high word)", true },
	{ LINUX_THREAD_MAIN, false, "TIOCSWINSZ on the terminal sized from", true },
	{ LINUX_THREAD_MAIN, false, "TCSETSW on 0 (TCSETS in the high word)", true },
	{ LINUX_THREAD_VCPU, false, "TCSETS on 0 from a vCPU thread", true },
	{ LINUX_THREAD_MAIN, false, "TCSETSF on 0 with -t -i (TCSETS is its restore)", true },
	{ LINUX_THREAD_MAIN, false, "TCSETS on 0 when the terminal was not made raw (-t alone)",
	  true, 1 },
};

/* The log pipe's descriptor, which a filter without --debug does not know. */
static int denied_log_fd;

static int denied_out_fd;

static int denied_probe(const struct linux_confine_fds *fds, long which)
{
	struct kvm_regs regs = { 0 };
	struct winsize ws = { 0 };
	struct termios t = { 0 };
	char c = 0;

	switch (which) {
	case 0:
		syscall(SYS_ioctl, (uint64_t)fds->vcpu << 32 | fds->vm, KVM_RUN, 0);
		break;
	case 1:
		syscall(SYS_ioctl, fds->vcpu, (uint64_t)KVM_RUN << 32 | KVM_SET_REGS, &regs);
		break;
	case 2:
		syscall(SYS_write, (uint64_t)fds->out << 32 | fds->in, "x", 1);
		break;
	case 3:
		syscall(SYS_ioctl, fds->vcpu, KVM_GET_REGS, &regs);
		break;
	case 4:
		syscall(SYS_ioctl, fds->vcpu, KVM_RUN, 0);
		break;
	case 5:
		syscall(SYS_read, (uint64_t)fds->sig << 32 | fds->vcpu, &c, 1);
		break;
	case 6:
		syscall(SYS_write, (uint64_t)fds->wake << 32 | fds->vm, "x", 1);
		break;
	case 7:
		syscall(SYS_write, denied_log_fd, "x", 1);
		break;
	case 8:
	case 13:
		syscall(SYS_ioctl, STDIN_FILENO, TCSETS, &t);
		break;
	case 9:
		syscall(SYS_ioctl, denied_out_fd, TIOCGWINSZ, &ws);
		break;
	case 10:
		syscall(SYS_ioctl, (uint64_t)STDIN_FILENO << 32 | fds->out, TCSETS, &t);
		break;
	case 11:
		syscall(SYS_ioctl, fds->winsz, TIOCSWINSZ, &ws);
		break;
	case 12:
		syscall(SYS_ioctl, STDIN_FILENO, (uint64_t)TCSETS << 32 | TCSETSW, &t);
		break;
	case 14:
		syscall(SYS_ioctl, STDIN_FILENO, TCSETSF, &t);
		break;
	case 15:
		syscall(SYS_ioctl, STDIN_FILENO, TCSETS, &t);
		break;
	}
	return 0;
}

TEST_F(confine, filters_kill_other_low_words)
{
	const char *skip = kvm_unavailable();
	size_t i;
	int status;

	if (skip)
		SKIP(return, "%s", skip);
	denied_log_fd = self->log[1];
	denied_out_fd = self->out[1];
	for (i = 0; i < ARRAY_SIZE(denied); i++) {
		static const unsigned long restore[] = { TCSETS, 0 };

		filter_tty = denied[i].tty;
		filter_tty_restore = restore[denied[i].restore];
		status = run_filtered(self, denied[i].kind, denied[i].debug, denied_probe, i);
		filter_tty = false;
		filter_tty_restore = TCSETS;
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		TH_LOG("%s: wait status 0x%x", denied[i].what, status);
	}
}

/*
 * kiste exec's rows (vmm/exec.c): a connection from the listening socket
 * only, and recv/send on any descriptor but never blocking (the main loop
 * must not stall on a caller) and never raising SIGPIPE.  @which 0: what
 * the VMM does, admitted; 1..: one call each that must be killed.
 */
static int exec_sock[2] = { -1, -1 };

static int exec_probe(const struct linux_confine_fds *fds, long which)
{
	char c = 'x';

	switch (which) {
	case 0:
		if (syscall(SYS_accept4, HI | fds->exec, NULL, NULL, SOCK_CLOEXEC) != -1 ||
		    errno != EAGAIN)
			return 101;
		if (syscall(SYS_recvfrom, exec_sock[0], &c, 1, MSG_DONTWAIT, NULL, NULL) != -1 ||
		    errno != EAGAIN)
			return 102;
		if (syscall(SYS_recvfrom, exec_sock[0], &c, 1, MSG_DONTWAIT | MSG_PEEK, NULL,
			    NULL) != -1 || errno != EAGAIN)
			return 104;
		if (syscall(SYS_sendto, exec_sock[0], &c, 1, MSG_DONTWAIT | MSG_NOSIGNAL, NULL,
			    0) != 1)
			return 103;
		return 42;
	case 1:
		syscall(SYS_accept4, exec_sock[0], NULL, NULL, SOCK_CLOEXEC);
		break;
	case 2:
		syscall(SYS_accept4, fds->exec, NULL, NULL, 0);
		break;
	case 3:
		syscall(SYS_recvfrom, exec_sock[0], &c, 1, 0, NULL, NULL);
		break;
	case 4:
		syscall(SYS_sendto, exec_sock[0], &c, 1, MSG_DONTWAIT, NULL, 0);
		break;
	case 5:
		syscall(SYS_recvmsg, exec_sock[0], NULL, MSG_DONTWAIT);
		break;
	case 6:
		syscall(SYS_recvfrom, exec_sock[0], &c, 1, MSG_PEEK, NULL, NULL);
		break;
	}
	return 0;
}

TEST_F(confine, main_filter_admits_only_kiste_execs_calls)
{
	const char *skip = kvm_unavailable();
	int status, lfd;
	long i;

	if (skip)
		SKIP(return, "%s", skip);
	lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, lfd);
	/* An address of the kernel's choosing (autobind), in the abstract namespace. */
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&(sa_family_t){ AF_UNIX },
			  sizeof(sa_family_t)));
	ASSERT_EQ(0, listen(lfd, 1));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, exec_sock));
	filter_exec = lfd;
	status = run_filtered(self, LINUX_THREAD_MAIN, false, exec_probe, 0);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 42)
	TH_LOG("the VMM's own exec calls: wait status 0x%x", status);
	for (i = 1; i <= 6; i++) {
		status = run_filtered(self, LINUX_THREAD_MAIN, false, exec_probe, i);
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		TH_LOG("exec probe %ld: wait status 0x%x", i, status);
	}
	/* A run without kiste exec's socket admits none of them. */
	filter_exec = -1;
	status = run_filtered(self, LINUX_THREAD_MAIN, false, exec_probe, 0);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
	TH_LOG("no exec socket: wait status 0x%x", status);
	close(lfd);
	close(exec_sock[0]);
	close(exec_sock[1]);
}

TEST_HARNESS_MAIN
