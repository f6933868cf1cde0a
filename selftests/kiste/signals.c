// SPDX-License-Identifier: GPL-2.0
// signals.c - signals kiste.ko sends for a caller follow kill(2); a member cannot out-privilege its owner by exec.
// kiste-suite: vm kiste_signals
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "kselftest_harness.h"
#include "kt_fixture.h"

#define NOBODY 65534
#define SUID_HELPER_ARG "--suid-helper"

/* What the unprivileged children saw; in shared memory. */
struct sig_report {
	int setup;
	uint32_t id;		/* the sandbox uid nobody created */
	int stop, kill;		/* KILL SIGSTOP / SIGKILL as its owner */
	char stop_msg[256];
	volatile int phase;
	volatile int go;
};

static struct sig_report *sr;

static int drop_to_nobody(void)
{
	if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
	    setresuid(NOBODY, NOBODY, NOBODY) < 0)
		return -errno;
	return 0;
}

static int raw_kill(struct kiste_nl *nl, uint32_t id, uint32_t sig, struct kt_reply *r)
{
	struct nl_msg *msg = kt_msg_new(nl, KISTE_CMD_SANDBOX_KILL);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, KISTE_A_ID, id) < 0 || nla_put_u32(msg, KISTE_A_SIGNAL, sig) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return kt_msg_xact(nl, msg, r);
}

/* 'T' when @pid is stopped, its state letter otherwise, '?' if unreadable. */
static char proc_state(pid_t pid)
{
	char path[64], buf[256], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

static void wait_phase(int want)
{
	uint64_t end = kt_now_ms() + KT_CHILD_MS;

	while (sr->phase < want && kt_now_ms() < end)
		kt_sleep_ms(KT_STEP_MS);
}

/* uid nobody: creates a sandbox, then signals it as its owner when told. */
static void owner_child(void)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	struct kiste_nl *nl;
	struct kt_reply r;

	sr->setup = drop_to_nobody();
	if (!sr->setup)
		sr->setup = kiste_nl_open(&nl, NULL);
	if (!sr->setup)
		sr->setup = kiste_sandbox_new(nl, &spec, (uint32_t *)&sr->id, NULL);
	sr->phase = 1;
	if (sr->setup)
		_exit(1);
	while (!sr->go)
		kt_sleep_ms(KT_STEP_MS);
	sr->stop = raw_kill(nl, sr->id, SIGSTOP, &r);
	memcpy(sr->stop_msg, r.extack, sizeof(sr->stop_msg));
	sr->kill = raw_kill(nl, sr->id, SIGKILL, &r);
	sr->phase = 2;
	_exit(0);
}

KT_DEV_FIXTURE(sig);

/*
 * Issue 15, finding 18: KILL sent with the module's privilege; the owner
 * (uid nobody) stopped a root process in its sandbox, which kill(2) refuses.
 */
TEST_F_TIMEOUT(sig, kill_follows_kill_rules, 90)
{
	int status, attach_rep[2];
	pid_t owner, member;
	int32_t attached;
	char state;

	KT_SKIP_IF_SETUP_SKIPPED();
	sr = kt_shared(sizeof(*sr));
	ASSERT_NE(NULL, sr);
	ASSERT_EQ(0, kt_param_set_long("create_gid", NOBODY));
	owner = fork();
	ASSERT_LE(0, owner);
	if (owner == 0)
		owner_child();
	kt_fix_track_pid(&self->fix, owner);
	wait_phase(1);
	ASSERT_EQ(0, sr->setup) TH_LOG("uid %d could not create a sandbox", NOBODY);
	kt_fix_track_id(&self->fix, sr->id);

	/* root (an admin may use any sandbox) puts a root process in it */
	ASSERT_EQ(0, pipe(attach_rep));
	member = fork();
	ASSERT_LE(0, member);
	if (member == 0) {
		kt_put32(attach_rep[1], kt_attach(self->dev, sr->id, 0));
		kt_sleep_ms(KT_MEMBER_SLEEP_MS);
		_exit(0);
	}
	kt_fix_track_pid(&self->fix, member);
	ASSERT_EQ(0, kt_get32(attach_rep[0], &attached));
	ASSERT_EQ(0, attached);

	sr->go = 1;
	wait_phase(2);
	ASSERT_EQ(2, sr->phase);
	EXPECT_EQ(-EPERM, sr->stop);
	EXPECT_NE(0, sr->stop_msg[0]) TH_LOG("KILL: EPERM without extack");
	EXPECT_EQ(-EPERM, sr->kill);
	kt_sleep_ms(200);
	state = proc_state(member);
	EXPECT_NE('T', state) TH_LOG("the owner stopped root's process");
	EXPECT_FALSE(kt_pid_gone(member)) TH_LOG("the owner killed root's process");
	kill(member, SIGCONT);

	/* an admin may */
	EXPECT_EQ(0, kiste_sandbox_kill(self->fix.nl, sr->id, SIGKILL, NULL));
	ASSERT_EQ(0, kt_wait_pid(member, &status, KT_CHILD_MS));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ASSERT_EQ(0, kt_wait_pid(owner, &status, KT_CHILD_MS));
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, sr->id, NULL));
	kt_params_restore();
}

/* A copy of this binary, setuid root: run with SUID_HELPER_ARG it becomes root for good. */
static int make_suid_copy(char *path, size_t len)
{
	int in, out, ret = -1;
	struct stat st;

	snprintf(path, len, "/tmp/kiste-suid-%d", (int)getpid());
	in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) < 0)
		goto out;
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
	if (out < 0)
		goto out;
	if (sendfile(out, in, NULL, st.st_size) == st.st_size && fchown(out, 0, 0) == 0 &&
	    fchmod(out, 04755) == 0)
		ret = 0;
	close(out);
out:
	if (in >= 0)
		close(in);
	return ret;
}

/* uid nobody: joins its own sandbox and execs @prog (writing to @report_fd if it runs). */
static void exec_child(const char *node, const char *prog, int report_fd)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	char fdstr[16];
	struct kiste_nl *nl;
	int dev = -1;

	sr->setup = drop_to_nobody();
	if (!sr->setup)
		sr->setup = kiste_nl_open(&nl, NULL);
	if (!sr->setup)
		sr->setup = kiste_sandbox_new(nl, &spec, (uint32_t *)&sr->id, NULL);
	if (!sr->setup && (dev = open(node, O_RDWR | O_CLOEXEC)) < 0)
		sr->setup = -errno;
	if (!sr->setup)
		sr->setup = kt_attach(dev, sr->id, 0);
	sr->phase = 1;
	if (sr->setup)
		_exit(1);
	snprintf(fdstr, sizeof(fdstr), "%d", report_fd);
	execl(prog, prog, SUID_HELPER_ARG, fdstr, (char *)NULL);
	_exit(2);
}

/* Runs @prog in a fresh nobody-owned sandbox; returns its status and whether it ran. */
static int exec_in_sandbox(struct __test_metadata *_metadata, struct kt_fix *f, const char *node,
			   const char *prog, int *status, bool *ran)
{
	int p[2], ret;
	char c = 0;
	pid_t pid;

	memset(sr, 0, sizeof(*sr));
	if (pipe(p))
		return -errno;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		exec_child(node, prog, p[1]);
	}
	close(p[1]);
	kt_fix_track_pid(f, pid);
	wait_phase(1);
	EXPECT_EQ(0, sr->setup) TH_LOG("uid %d could not create and join a sandbox", NOBODY);
	if (sr->id)
		kt_fix_track_id(f, sr->id);
	*ran = kt_read_full(p[0], &c, 1, 30000) == 0;
	close(p[0]);
	if (c == 'r') {
		/* it runs as root in uid nobody's sandbox: end it as an admin */
		EXPECT_EQ(0, kiste_sandbox_del(f->nl, sr->id, NULL));
	}
	ret = kt_wait_pid(pid, status, KT_CHILD_MS);
	if (sr->id)
		kiste_sandbox_del(f->nl, sr->id, NULL);
	return ret;
}

/*
 * Issue 15, finding 18: a member exec'd a setuid-root program that made
 * itself root for good; only its owner (uid nobody) could then signal it,
 * through kiste.  An exec that raises a member above its owner ends it.
 */
TEST_F_TIMEOUT(sig, setuid_exec_ends_member, 90)
{
	char node[64], suid[64];
	struct stat st;
	int status = 0;
	bool ran;

	KT_SKIP_IF_SETUP_SKIPPED();
	sr = kt_shared(sizeof(*sr));
	ASSERT_NE(NULL, sr);
	ASSERT_EQ(0, stat("/dev/kiste", &st));
	snprintf(node, sizeof(node), "/tmp/kiste-sig-%d", (int)getpid());
	unlink(node);
	ASSERT_EQ(0, mknod(node, S_IFCHR | 0666, st.st_rdev));
	ASSERT_EQ(0, chmod(node, 0666));
	ASSERT_EQ(0, make_suid_copy(suid, sizeof(suid)));
	ASSERT_EQ(0, kt_param_set_long("create_gid", NOBODY));

	/* the control: an ordinary exec runs */
	ASSERT_EQ(0, chmod(suid, 0755));
	ASSERT_EQ(0, exec_in_sandbox(_metadata, &self->fix, node, suid, &status, &ran));
	EXPECT_TRUE(ran);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 3)
	TH_LOG("plain exec: status 0x%x", status);

	ASSERT_EQ(0, chmod(suid, 04755));
	ASSERT_EQ(0, exec_in_sandbox(_metadata, &self->fix, node, suid, &status, &ran));
	EXPECT_FALSE(ran) TH_LOG("the setuid-root program ran inside uid %d's sandbox", NOBODY);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
	TH_LOG("setuid exec: status 0x%x", status);
	unlink(suid);
	unlink(node);
	kt_params_restore();
}

/* The setuid helper: root for good if it can, reports that it ran, then waits. */
static int suid_helper(const char *fdstr)
{
	int fd = atoi(fdstr);
	bool root = setresuid(0, 0, 0) == 0;

	if (write(fd, root ? "r" : "u", 1) != 1)
		return 1;
	close(fd);
	if (!root)
		return 3;
	kt_sleep_ms(KT_MEMBER_SLEEP_MS);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], SUID_HELPER_ARG))
		return suid_helper(argv[2]);
	kt_params_snapshot();
	atexit(kt_params_restore);
	return test_harness_run(argc, argv);
}
