// SPDX-License-Identifier: GPL-2.0
// vm_exec_test.c - kiste exec into a vm sandbox: the CLI, the VMM's server and the agent's sessions, no guest.
// kiste-suite: host vm_exec_test
//
// A child of the test stands in for the VM (vm_exec_standin.c): it claims a
// run name and publishes its exec socket as `kiste run --mode=vm --name`
// does, then loops the VMM's exec server (vmm/exec.c, from libkiste-cli) and
// the agent's sessions (agent/agent_exec.c, agent_proc.c) over a channel in
// its own memory, so `kiste exec NAME` runs host programs through every
// part of the real path but the guest kernel.  Each case runs the same
// command natively and through kiste exec and compares output, stderr and
// status; a hostile variant writes impossible words into the slots, as a
// guest that owns its memory can.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "util.h"
#include "kiste_exec.h"
#include "kiste_run.h"
#include "vm_exec_standin.h"
#include "../../userspace/vm/agent/agent.h"

FIXTURE(vmx) {
	char name[64];
	char dir[64];
	pid_t vm;
};

static void vm_start(FIXTURE_DATA(vmx) *self, struct __test_metadata *_metadata, int kind)
{
	int p[2];
	char c;

	snprintf(self->name, sizeof(self->name), "vmx%d", (int)getpid());
	snprintf(self->dir, sizeof(self->dir), "/tmp/vm_exec_test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	ASSERT_EQ(0, pipe(p));
	self->vm = fork();
	ASSERT_LE(0, self->vm);
	if (self->vm == 0) {
		close(p[0]);
		vm_child(self->name, p[1], kind);
	}
	close(p[1]);
	ASSERT_EQ(1, read(p[0], &c, 1)) TH_LOG("the stand-in VM did not come up");
	close(p[0]);
}

FIXTURE_VARIANT(vmx) {
	int kind;
};

FIXTURE_VARIANT_ADD(vmx, agent_in_the_loop) {
	.kind = GUEST_AGENT,
};

FIXTURE_VARIANT_ADD(vmx, agent_beside) {
	.kind = GUEST_THREAD,
};

FIXTURE_SETUP(vmx)
{
	self->vm = -1;
	if (geteuid() != 0)
		SKIP(return, "the agent's processes set their identity: run as root");
	vm_start(self, _metadata, variant->kind);
}

/* The stand-in VM killed, its run's files and the test's folder removed. */
static void vm_stop(FIXTURE_DATA(vmx) *self)
{
	char cmd[160];
	int i;

	if (self->vm <= 0)
		return;
	/* The VM's end first (its processes go with it: vm_exec_standin.c), then KILL. */
	kill(self->vm, SIGUSR1);
	for (i = 0; i < 200 && waitpid(self->vm, NULL, WNOHANG) == 0; i++)
		usleep(10000);
	if (i == 200) {
		kill(self->vm, SIGKILL);
		waitpid(self->vm, NULL, 0);
	}
	kiste_run_exec_unpublish(self->name);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# cannot remove %s\n", self->dir);
}

FIXTURE_TEARDOWN(vmx)
{
	vm_stop(self);
}

/* The file @dir/@f's bytes, NUL-ended (malloc'ed); "" when missing. */
static char *slurp_file(const char *dir, const char *f, size_t *len)
{
	char path[PATH_MAX];
	struct stat st;
	char *b;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, f);
	fd = open(path, O_RDONLY);
	b = calloc(1, fd >= 0 && fstat(fd, &st) == 0 ? (size_t)st.st_size + 1 : 1);
	*len = 0;
	if (fd >= 0 && b)
		*len = (size_t)(read(fd, b, (size_t)st.st_size) > 0 ? st.st_size : 0);
	if (fd >= 0)
		close(fd);
	return b;
}

/*
 * Starts @argv with stdin from @dir/@in (NULL: /dev/null) and stdout, stderr
 * into @dir/@tag.out, @tag.err; its pid.
 */
static pid_t start(const char *dir, const char *in, const char *tag, char *const *argv)
{
	char path[PATH_MAX];
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid)
		return pid;
	snprintf(path, sizeof(path), "%s/%s", dir, in ? in : "/dev/null");
	if (dup2(open(in ? path : "/dev/null", O_RDONLY), 0) < 0)
		_exit(120);
	snprintf(path, sizeof(path), "%s/%s.out", dir, tag);
	if (dup2(open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600), 1) < 0)
		_exit(121);
	snprintf(path, sizeof(path), "%s/%s.err", dir, tag);
	if (dup2(open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600), 2) < 0)
		_exit(122);
	execvp(argv[0], argv);
	_exit(127);
}

/* A process's status as a shell reports it: the exit code, or 128 + the signal. */
static int finish(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* kiste exec [@opts...] NAME @cmd... : its argv (static storage, one at a time). */
static char **exec_argv(FIXTURE_DATA(vmx) *self, const char *const *opts, const char *const *cmd)
{
	static char *v[32];
	int n = 0;

	v[n++] = (char *)kiste_bin();
	v[n++] = "exec";
	while (opts && *opts)
		v[n++] = (char *)*opts++;
	v[n++] = self->name;
	while (*cmd && n < 31)
		v[n++] = (char *)*cmd++;
	v[n] = NULL;
	return v;
}

/* Until @dir/@f holds @what, 10 s at most. */
static bool wait_for(const char *dir, const char *f, const char *what)
{
	int i;

	for (i = 0; i < 1000; i++) {
		size_t n;
		char *b = slurp_file(dir, f, &n);
		bool found = b && strstr(b, what);

		free(b);
		if (found)
			return true;
		usleep(10000);
	}
	return false;
}

/* Runs @cmd natively and through kiste exec; both outputs and statuses must agree. */
static void same_as_native(FIXTURE_DATA(vmx) *self, struct __test_metadata *_metadata,
			   const char *in, const char *const *cmd)
{
	size_t lo, lk, le, lf;
	int rn = finish(start(self->dir, in, "native", (char *const *)cmd));
	int rk = finish(start(self->dir, in, "kiste", exec_argv(self, NULL, cmd)));
	char *no = slurp_file(self->dir, "native.out", &lo);
	char *ko = slurp_file(self->dir, "kiste.out", &lk);
	char *ne = slurp_file(self->dir, "native.err", &le);
	char *ke = slurp_file(self->dir, "kiste.err", &lf);

	EXPECT_EQ(rn, rk) TH_LOG("%s: native %d, kiste exec %d (%s)", cmd[0], rn, rk, ke);
	EXPECT_EQ(lo, lk) TH_LOG("%s: stdout %zu bytes natively, %zu through kiste exec", cmd[0],
				 lo, lk);
	EXPECT_TRUE(lo == lk && !memcmp(no, ko, lo)) TH_LOG("%s: stdout differs", cmd[0]);
	EXPECT_STREQ(ne, ke);
	free(no);
	free(ko);
	free(ne);
	free(ke);
}

TEST_F(vmx, output_streams_and_status_as_native)
{
	static const char *const cmd[] = { "sh", "-c", "echo out; echo err >&2; echo more; exit 3",
					   NULL };
	static const char *const sig[] = { "sh", "-c", "kill -TERM $$", NULL };

	same_as_native(self, _metadata, NULL, cmd);
	same_as_native(self, _metadata, NULL, sig);
}

TEST_F(vmx, stdin_and_a_flood_of_output_arrive_whole)
{
	static const char *const cat[] = { "cat", NULL };
	static const char *const seq[] = { "sh", "-c", "cat >/dev/null; seq 1 300000; seq 5 >&2",
					   NULL };
	char path[PATH_MAX];
	char *buf = malloc(1 << 20);
	int fd, i;

	ASSERT_NE(NULL, buf);
	srand(7);
	for (i = 0; i < 1 << 20; i++)
		buf[i] = (char)rand();
	snprintf(path, sizeof(path), "%s/in", self->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ASSERT_EQ(1 << 20, write(fd, buf, 1 << 20));
	close(fd);
	free(buf);
	/* 1 MiB through the 64 KiB rings both ways, wrapping many times. */
	same_as_native(self, _metadata, "in", cat);
	same_as_native(self, _metadata, "in", seq);
}

/* Its last bytes are in before stdin ends (the end is not taken before a late head). */
TEST_F(vmx, stdin_ends_after_its_last_byte)
{
	static const char *const wc[] = { "wc", "-c", NULL };
	char path[PATH_MAX], *b;
	size_t n;
	int fd, i;

	snprintf(path, sizeof(path), "%s/in", self->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	for (i = 0; i < 40000 / 8; i++)
		ASSERT_EQ(8, write(fd, "01234567", 8));
	close(fd);
	for (i = 0; i < 40; i++) {
		ASSERT_EQ(0, finish(start(self->dir, "in", "w", exec_argv(self, NULL, wc))));
		b = slurp_file(self->dir, "w.out", &n);
		EXPECT_STREQ("40000\n", b) TH_LOG("run %d", i);
		free(b);
	}
}

TEST_F(vmx, environment_cwd_and_user_from_the_run_and_the_options)
{
	static const char *const show[] = { "sh", "-c", "echo \"$GREETING $FOO $PATH $(pwd) "
					    "$(id -u):$(id -g)\"", NULL };
	static const char *const opts[] = { "-e", "FOO=bar", "--cwd", "/tmp", "--user",
					    "65534:65534", NULL };
	size_t n;
	char *out;

	ASSERT_EQ(0, finish(start(self->dir, NULL, "a", exec_argv(self, NULL, show))));
	out = slurp_file(self->dir, "a.out", &n);
	EXPECT_STREQ("hi  /usr/bin:/bin / 0:0\n", out);
	free(out);
	ASSERT_EQ(0, finish(start(self->dir, NULL, "b", exec_argv(self, opts, show))));
	out = slurp_file(self->dir, "b.out", &n);
	EXPECT_STREQ("hi bar /usr/bin:/bin /tmp 65534:65534\n", out);
	free(out);
}

TEST_F(vmx, a_missing_program_or_folder_is_one_line_and_255)
{
	static const char *const missing[] = { "/no/such/prog", NULL };
	static const char *const cwd[] = { "--cwd", "/no/such/dir", NULL };
	static const char *const t[] = { "true", NULL };
	size_t n;
	char *err;

	EXPECT_EQ(255, finish(start(self->dir, NULL, "a", exec_argv(self, NULL, missing))));
	err = slurp_file(self->dir, "a.err", &n);
	EXPECT_NE(NULL, strstr(err, "/no/such/prog")) TH_LOG("stderr: %s", err);
	EXPECT_EQ(1, (int)count_lines(err)) TH_LOG("stderr: %s", err);
	free(err);
	EXPECT_EQ(255, finish(start(self->dir, NULL, "b", exec_argv(self, cwd, t))));
	err = slurp_file(self->dir, "b.err", &n);
	EXPECT_NE(NULL, strstr(err, "/no/such/dir")) TH_LOG("stderr: %s", err);
	free(err);
}

/*
 * TERM to kiste exec reaches the process (which handles it: its status), and
 * a kiste exec killed takes the process along (nothing would read its
 * output), with stdin from @in (NULL: none).
 */
static void signal_and_vanish(FIXTURE_DATA(vmx) *self, struct __test_metadata *_metadata,
			      const char *in)
{
	static const char *const trap[] = { "sh", "-c", "trap 'echo got-TERM; exit 5' TERM; "
					    "echo ready; while :; do sleep 0.05; done", NULL };
	char cmd[PATH_MAX + 64], path[PATH_MAX];
	const char *sleeper[] = { "sh", "-c", cmd, NULL };
	pid_t k, victim;
	size_t n;
	char *b;
	int i;

	k = start(self->dir, in, "t", exec_argv(self, NULL, trap));
	ASSERT_TRUE(wait_for(self->dir, "t.out", "ready"));
	if (in)
		usleep(200000);	/* time for stdin to fill the rings and the connection */
	kill(k, SIGTERM);
	i = finish(k);
	b = slurp_file(self->dir, "t.err", &n);
	EXPECT_EQ(5, i) TH_LOG("stderr: %s", b);
	free(b);
	EXPECT_TRUE(wait_for(self->dir, "t.out", "got-TERM"));
	snprintf(path, sizeof(path), "%s/pid", self->dir);
	snprintf(cmd, sizeof(cmd), "echo $$ >%s; echo ready; exec sleep 1000", path);
	k = start(self->dir, in, "s", exec_argv(self, NULL, sleeper));
	ASSERT_TRUE(wait_for(self->dir, "s.out", "ready"));
	if (in)
		usleep(200000);
	b = slurp_file(self->dir, "pid", &n);
	victim = atoi(b);
	free(b);
	ASSERT_LT(1, victim);
	ASSERT_EQ(0, kill(victim, 0));
	kill(k, SIGKILL);
	finish(k);
	for (i = 0; i < 1000 && kill(victim, 0) == 0; i++)
		usleep(10000);
	EXPECT_NE(0, kill(victim, 0)) TH_LOG("pid %d outlived its kiste exec", victim);
}

TEST_F(vmx, signals_reach_the_process_and_a_vanished_caller_kills_it)
{
	signal_and_vanish(self, _metadata, NULL);
}

/* 8 MiB of stdin the process never reads: the connection fills, and the same holds. */
TEST_F(vmx, a_signal_passes_stdin_the_process_does_not_read)
{
	static char block[1 << 16];
	char path[PATH_MAX];
	int fd, i;

	snprintf(path, sizeof(path), "%s/big", self->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	for (i = 0; i < 128; i++)
		ASSERT_EQ((ssize_t)sizeof(block), write(fd, block, sizeof(block)));
	close(fd);
	signal_and_vanish(self, _metadata, "big");
}

TEST_F(vmx, eight_sessions_at_once_the_ninth_is_refused_and_slots_come_back)
{
	static const char *const wait[] = { "sh", "-c", "echo ready; exec sleep 1000", NULL };
	static const char *const t[] = { "echo", "again", NULL };
	pid_t k[KISTE_CHAN_EXEC_SLOTS];
	char tag[16], f[24];
	unsigned int i;
	size_t n;
	char *b;

	for (i = 0; i < KISTE_CHAN_EXEC_SLOTS; i++) {
		snprintf(tag, sizeof(tag), "w%u", i);
		snprintf(f, sizeof(f), "w%u.out", i);
		k[i] = start(self->dir, NULL, tag, exec_argv(self, NULL, wait));
		ASSERT_TRUE(wait_for(self->dir, f, "ready"));
	}
	EXPECT_EQ(255, finish(start(self->dir, NULL, "x", exec_argv(self, NULL, t))));
	b = slurp_file(self->dir, "x.err", &n);
	EXPECT_NE(NULL, strstr(b, "wait for one to end")) TH_LOG("stderr: %s", b);
	free(b);
	for (i = 0; i < KISTE_CHAN_EXEC_SLOTS; i++) {
		kill(k[i], SIGKILL);
		finish(k[i]);
	}
	/* Each slot is free again once its killed process is reaped. */
	for (i = 0; i < 500; i++) {
		if (finish(start(self->dir, NULL, "y", exec_argv(self, NULL, t))) == 0)
			break;
		usleep(20000);
	}
	b = slurp_file(self->dir, "y.out", &n);
	EXPECT_STREQ("again\n", b);
	free(b);
}

TEST_F(vmx, the_sandboxs_end_reports_a_running_process_killed)
{
	static const char *const wait[] = { "sh", "-c", "echo ready; exec sleep 1000", NULL };
	pid_t k = start(self->dir, NULL, "w", exec_argv(self, NULL, wait));

	ASSERT_TRUE(wait_for(self->dir, "w.out", "ready"));
	kill(self->vm, SIGUSR1);
	EXPECT_EQ(128 + SIGKILL, finish(k));
}

/* What a terminal's master reads until its slaves are gone (10 s at most for each piece). */
static void read_master(int m, char *buf, size_t size)
{
	size_t len = 0;

	for (;;) {
		struct pollfd p = { .fd = m, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 10000) <= 0)
			break;
		n = read(m, buf + len, size - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = 0;
}

TEST_F(vmx, a_terminal_is_the_guests_pty_sized_as_the_callers)
{
	static const char *const opts[] = { "-t", NULL };
	static const char *const cmd[] = { "sh", "-c", "stty size; tty; exit 4", NULL };
	struct winsize ws = { .ws_row = 33, .ws_col = 77 };
	char buf[4096];
	int m, s, st;
	pid_t k;

	ASSERT_EQ(0, openpty(&m, &s, NULL, NULL, &ws));
	fflush(NULL);
	k = fork();
	ASSERT_LE(0, k);
	if (k == 0) {
		char *const *v = exec_argv(self, opts, cmd);

		setsid();
		ioctl(s, TIOCSCTTY, 0);
		dup2(s, 0);
		dup2(s, 1);
		dup2(s, 2);
		execv(v[0], v);
		_exit(127);
	}
	close(s);
	read_master(m, buf, sizeof(buf));
	ASSERT_EQ(k, waitpid(k, &st, 0));
	close(m);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 4) TH_LOG("status 0x%x: %s", st, buf);
	EXPECT_NE(NULL, strstr(buf, "33 77")) TH_LOG("output: %s", buf);
	EXPECT_NE(NULL, strstr(buf, "/dev/pts/")) TH_LOG("output: %s", buf);
}

/*
 * -i -t with stdin from a file: its end reaches the process as its
 * terminal's end of file (^D, twice after a partial line), as shim mode
 * types it, so `cat` ends instead of waiting.
 */
TEST_F(vmx, a_terminals_input_ends_with_the_callers)
{
	static const char *const opts[] = { "-i", "-t", NULL };
	static const char *const cmd[] = { "sh", "-c", "read x; echo got:$x; cat >/dev/null; "
					   "echo end; exit 6", NULL };
	char path[PATH_MAX];
	size_t n;
	char *b;
	int fd;

	snprintf(path, sizeof(path), "%s/typed", self->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, fd);
	/* the last line partial: one ^D hands it over, a second ends the input */
	ASSERT_EQ(10, write(fd, "hello\nmore", 10));
	close(fd);
	EXPECT_EQ(6, finish(start(self->dir, "typed", "t", exec_argv(self, opts, cmd))));
	b = slurp_file(self->dir, "t.out", &n);
	EXPECT_NE(NULL, strstr(b, "got:hello")) TH_LOG("output: %s", b);
	EXPECT_NE(NULL, strstr(b, "end")) TH_LOG("output: %s", b);
	free(b);
}

TEST_F(vmx, detached_its_stand_in_moves_the_output)
{
	static const char *const cmd[] = { "sh", "-c", "sleep 0.2; echo late; exit 3", NULL };
	char pidf[PATH_MAX];
	const char *opts[] = { "-d", "--pid-file", pidf, NULL };
	size_t n;
	char *b;
	pid_t standin;

	snprintf(pidf, sizeof(pidf), "%s/standin.pid", self->dir);
	ASSERT_EQ(0, finish(start(self->dir, NULL, "d", exec_argv(self, opts, cmd))));
	b = slurp_file(self->dir, "standin.pid", &n);
	standin = atoi(b);
	free(b);
	ASSERT_LT(1, standin) TH_LOG("no --pid-file");
	/* The stand-in, no child of ours, writes the output after kiste exec returned. */
	EXPECT_TRUE(wait_for(self->dir, "d.out", "late"));
	b = slurp_file(self->dir, "d.out", &n);
	EXPECT_STREQ("late\n", b);
	free(b);
}

/* The descriptor that came with one message on @s (SCM_RIGHTS), or -1. */
static int recv_fd(int s)
{
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cm;
	char c;
	struct iovec iov = { &c, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b,
			      .msg_controllen = sizeof(cm.b) };
	struct cmsghdr *h;
	int fd;

	if (recvmsg(s, &msg, 0) < 0)
		return -1;
	h = CMSG_FIRSTHDR(&msg);
	if (!h || h->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(h), sizeof(int));
	return fd;
}

TEST_F(vmx, a_console_socket_gets_a_terminal_the_stand_in_relays)
{
	static const char *const cmd[] = { "sh", "-c", "test -t 0 && test -t 1 && echo on-a-tty; "
					   "exit 9", NULL };
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	const char *opts[] = { "-t", "--console-socket", a.sun_path, NULL };
	struct termios t;
	char buf[4096];
	int l, c, m;
	pid_t k;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s/console.sock", self->dir);
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(l, 1));
	k = start(self->dir, NULL, "c", exec_argv(self, opts, cmd));
	c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	ASSERT_LE(0, c);
	m = recv_fd(c);
	ASSERT_LE(0, m) TH_LOG("no terminal's master came over the console socket");
	/* raw already when it arrives: nothing the engine types first is echoed back */
	ASSERT_EQ(0, tcgetattr(m, &t));
	EXPECT_EQ(0U, t.c_lflag & (ECHO | ICANON)) TH_LOG("lflag 0%o", t.c_lflag);
	read_master(m, buf, sizeof(buf));
	EXPECT_EQ(9, finish(k));
	EXPECT_NE(NULL, strstr(buf, "on-a-tty")) TH_LOG("the engine's terminal read: %s", buf);
	close(m);
	close(c);
	close(l);
}

/* The run's lock is the one a shim run's trace switch holds: kiste trace says why not. */
TEST_F(vmx, kiste_trace_of_a_vm_run_is_one_line_and_1)
{
	const char *args[] = { "trace", self->name, "on", NULL };
	struct run_result r;

	ASSERT_EQ(0, run_kiste(args, &r));
	EXPECT_EQ(1, r.status) TH_LOG("stdout: %s stderr: %s", r.out, r.err);
	EXPECT_NE(NULL, strstr(r.err, "vm mode")) TH_LOG("stderr: %s", r.err);
	EXPECT_EQ(1, (int)count_lines(r.err)) TH_LOG("stderr: %s", r.err);
}

/* The socket kiste exec reaches, connected by hand. */
static int connect_raw(FIXTURE_DATA(vmx) *self)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char dir[PATH_MAX - 80];
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (s < 0 || kiste_trace_run_dir(dir, sizeof(dir)) < 0)
		return -1;
	if ((size_t)snprintf(a.sun_path, sizeof(a.sun_path), "%.60s/%.30s.exec.sock", dir,
			     self->name) >= sizeof(a.sun_path))
		return -1;
	return connect(s, (struct sockaddr *)&a, sizeof(a)) < 0 ? -1 : s;
}

/* Sends a request for `true` with @flags, @fd attached when >= 0; the first answer's kind. */
static int raw_request(int s, uint32_t flags, int fd, struct kiste_exec_msg *m)
{
	static const char strings[] = "/\0true";
	struct kiste_exec_req h = { .magic = KISTE_EXEC_MAGIC, .len = sizeof(strings),
				    .argc = 1, .flags = flags };
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cm = { 0 };
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)strings, sizeof(strings) } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	struct cmsghdr *c;

	if (fd >= 0) {
		msg.msg_control = cm.b;
		msg.msg_controllen = sizeof(cm.b);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	if (sendmsg(s, &msg, 0) < 0 || recv(s, m, sizeof(*m), 0) != sizeof(*m))
		return -1;
	return m->kind;
}

TEST_F(vmx, no_descriptor_reaches_the_vmm_and_old_requests_are_refused)
{
	struct kiste_exec_msg m;
	int s = connect_raw(self), p[2];
	char c;

	ASSERT_LE(0, s);
	EXPECT_EQ(KISTE_EXEC_ERROR, raw_request(s, KISTE_EXEC_F_USER, -1, &m));
	EXPECT_EQ(-EPROTO, m.value);
	EXPECT_NE(NULL, strstr(m.text, "older")) TH_LOG("%s", m.text);
	close(s);
	/* A pipe's write end attached: the VMM drops it, so its reader sees the end at once. */
	ASSERT_EQ(0, pipe(p));
	s = connect_raw(self);
	ASSERT_LE(0, s);
	EXPECT_EQ(KISTE_EXEC_STARTED, raw_request(s, KISTE_EXEC_F_STREAM, p[1], &m));
	close(p[1]);
	EXPECT_EQ(0, read(p[0], &c, 1));
	/* true needs no stdin: its status comes (nothing of ours unread, so no reset first). */
	while (recv(s, &m, sizeof(m), 0) > 0 && m.kind != KISTE_EXEC_EXITED)
		;
	EXPECT_EQ(KISTE_EXEC_EXITED, m.kind);
	EXPECT_EQ(0, m.value);
	close(p[0]);
	close(s);
}

FIXTURE(hostile) {
	FIXTURE_DATA(vmx) v;
};

FIXTURE_VARIANT(hostile) {
	int kind;
};

FIXTURE_VARIANT_ADD(hostile, impossible_output_count) {
	.kind = GUEST_BAD_COUNTS,
};

FIXTURE_VARIANT_ADD(hostile, unterminated_failure_line) {
	.kind = GUEST_BAD_FAIL,
};

FIXTURE(silent) {
	FIXTURE_DATA(vmx) v;
};

FIXTURE_SETUP(silent)
{
	self->v.vm = -1;
	vm_start(&self->v, _metadata, GUEST_SILENT);
}

FIXTURE_TEARDOWN(silent)
{
	vm_stop(&self->v);
}

FIXTURE_SETUP(hostile)
{
	self->v.vm = -1;
	vm_start(&self->v, _metadata, variant->kind);
}

FIXTURE_TEARDOWN(hostile)
{
	vm_stop(&self->v);
}

TEST_F(hostile, a_guests_words_end_its_session_only)
{
	static const char *const t[] = { "true", NULL };
	size_t n;
	char *err, *p;
	int st;

	st = finish(start(self->v.dir, NULL, "h", exec_argv(&self->v, NULL, t)));
	err = slurp_file(self->v.dir, "h.err", &n);
	EXPECT_EQ(255, st) TH_LOG("stderr: %s", err);
	EXPECT_EQ(1, (int)count_lines(err)) TH_LOG("stderr: %s", err);
	for (p = err; *p; p++)
		EXPECT_TRUE(*p == '\n' || (*p >= 0x20 && *p < 0x7f)) TH_LOG("byte 0x%x", *p);
	if (variant->kind == GUEST_BAD_COUNTS)
		EXPECT_NE(NULL, strstr(err, "broke the exec channel")) TH_LOG("%s", err);
	free(err);
	/* The VMM lives on: it still answers. */
	EXPECT_EQ(0, kill(self->v.vm, 0));
	EXPECT_EQ(255, finish(start(self->v.dir, NULL, "h", exec_argv(&self->v, NULL, t))));
}

/*
 * A guest that never answers: kiste exec waits for the answer with signals
 * caught; one that came waits for it EXEC_ANSWER_GRACE_S (5 s), then kiste
 * exec gives up with one line and 255, instead of taking only SIGKILL.
 */
TEST_F(silent, a_signal_ends_a_wait_for_a_guest_that_never_answers)
{
	static const char *const t[] = { "true", NULL };
	struct timespec a, b;
	size_t n;
	char *err;
	pid_t k;
	int st = -1, i;

	k = start(self->v.dir, NULL, "s", exec_argv(&self->v, NULL, t));
	usleep(300 * 1000);
	/* It waits: no answer, no status. */
	EXPECT_EQ(0, waitpid(k, NULL, WNOHANG));
	clock_gettime(CLOCK_MONOTONIC, &a);
	kill(k, SIGINT);
	/* 15 s at most: the grace, with room for a loaded machine */
	for (i = 0; i < 1500 && waitpid(k, &st, WNOHANG) == 0; i++)
		usleep(10000);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (i == 1500) {
		kill(k, SIGKILL);
		waitpid(k, &st, 0);
	}
	err = slurp_file(self->v.dir, "s.err", &n);
	ASSERT_LT(i, 1500) TH_LOG("kiste exec still waits 15 s after SIGINT: %s", err);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 255) TH_LOG("status 0x%x: %s", st, err);
	EXPECT_EQ(1, (int)count_lines(err)) TH_LOG("stderr: %s", err);
	EXPECT_NE(NULL, strstr(err, "did not answer")) TH_LOG("%s", err);
	EXPECT_NE(NULL, strstr(err, "Interrupt")) TH_LOG("%s", err);
	/* held first: the signal waited for an answer before kiste exec gave up */
	EXPECT_LE(4, b.tv_sec - a.tv_sec);
	free(err);
	/* The VMM lives on. */
	EXPECT_EQ(0, kill(self->v.vm, 0));
}

TEST_HARNESS_MAIN
