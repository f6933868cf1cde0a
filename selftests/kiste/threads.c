// SPDX-License-Identifier: GPL-2.0
// kiste.ko and threads: single-threaded attach, process exit status in events, signals per process.
// kiste-suite: vm kiste_threads
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kt_fixture.h"

/* Bound on how long a member blocks; it only stops a runaway. */
#define PARK_MS 60000
/* After the first delivery, how long a counting member waits for more. */
#define MORE_SIGNALS_MS 1000

KT_DEV_FIXTURE(threads);

/* Tasks of the calling process, from /proc/self/task. */
static int nr_tasks(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/*
 * pthread_join() returns when the thread's tid is cleared, slightly before
 * the kernel unlinks it from the thread group: wait for that.
 */
static int wait_single_threaded(int timeout_ms)
{
	uint64_t end = kt_now_ms() + (uint64_t)timeout_ms;

	while (nr_tasks() != 1) {
		if (kt_now_ms() >= end)
			return -ETIMEDOUT;
		kt_sleep_ms(KT_STEP_MS);
	}
	return 0;
}

/* A thread that tries to attach, then waits until its pipe is closed. */
struct waiter {
	int dev;
	uint32_t id;
	int fd;
	int32_t attach;
};

static void *attach_then_wait(void *arg)
{
	struct waiter *w = arg;
	char c;

	w->attach = kt_attach(w->dev, w->id, 0);
	kt_read_full(w->fd, &c, 1, PARK_MS);
	return NULL;
}

/* Reports its tid on *(int *)arg, then blocks until the process ends. */
static void *park(void *arg)
{
	int32_t tid = (int32_t)syscall(SYS_gettid);

	if (arg)
		kt_put32(*(int *)arg, tid);
	for (;;)
		pause();
	return NULL;
}

/*
 * Tries to attach while a second thread exists (from both threads), then
 * after joining it; reports each result and, once attached, starts a thread.
 */
static void mt_attacher(int dev, uint32_t id, int rep, int go)
{
	struct waiter w = { .dev = dev, .id = id, .attach = 1 };
	int pipefd[2];
	pthread_t t;
	char c;

	if (pipe(pipefd) < 0)
		_exit(101);
	w.fd = pipefd[0];
	if (pthread_create(&t, NULL, attach_then_wait, &w))
		_exit(102);
	while (__atomic_load_n(&w.attach, __ATOMIC_SEQ_CST) == 1)
		kt_sleep_ms(KT_STEP_MS);
	kt_put32(rep, w.attach);
	kt_put32(rep, kt_attach(dev, id, 0));
	if (kt_read_full(go, &c, 1, PARK_MS) < 0)
		_exit(103);
	close(pipefd[1]);
	pthread_join(t, NULL);
	kt_put32(rep, wait_single_threaded(KT_CHILD_MS));
	kt_put32(rep, kt_attach(dev, id, 0));
	kt_put32(rep, pthread_create(&t, NULL, park, NULL));
	kt_sleep_ms(PARK_MS);
	_exit(0);
}

TEST_F_TIMEOUT(threads, attach_needs_single_thread, 60)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	struct kiste_sandbox_info info;
	int rep[2], go[2], status;
	int32_t r;
	uint32_t id;
	pid_t pid;

	KT_SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, kiste_sandbox_new(self->fix.nl, &spec, &id, NULL));
	kt_fix_track_id(&self->fix, id);
	ASSERT_EQ(0, pipe(rep));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		mt_attacher(self->dev, id, rep[1], go[0]);
	kt_fix_track_pid(&self->fix, pid);

	ASSERT_EQ(0, kt_get32(rep[0], &r));
	EXPECT_EQ(-EBUSY, r) TH_LOG("attach from the second thread");
	ASSERT_EQ(0, kt_get32(rep[0], &r));
	EXPECT_EQ(-EBUSY, r) TH_LOG("attach from the main thread of two");
	ASSERT_EQ(0, kiste_sandbox_get(self->fix.nl, id, NULL, &info, NULL));
	EXPECT_EQ(0, info.members);
	EXPECT_EQ(0, info.members_total);
	EXPECT_EQ(KISTE_STATE_CREATED, info.state);

	ASSERT_EQ(0, kt_write_full(go[1], "g", 1));
	ASSERT_EQ(0, kt_get32(rep[0], &r));
	ASSERT_EQ(0, r) TH_LOG("the joined thread did not go away");
	ASSERT_EQ(0, kt_get32(rep[0], &r));
	EXPECT_EQ(0, r) TH_LOG("attach once single-threaded");
	ASSERT_EQ(0, kt_get32(rep[0], &r));
	EXPECT_EQ(0, r) TH_LOG("pthread_create after attach");
	/* A thread started after the attach is a member too. */
	EXPECT_EQ(0, kt_wait_members(self->fix.nl, id, 2, KT_SETTLE_MS, &info))
	TH_LOG("members %u", info.members);

	ASSERT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
	ASSERT_EQ(0, kt_wait_pid(pid, &status, KT_CHILD_MS));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) TH_LOG("%#x", status);
	EXPECT_EQ(0, kt_wait_gone(self->fix.nl, id, KT_SETTLE_MS));
}

/*
 * A member with 2 more threads; it reports their tids, then exits 5 from
 * main when told to, or waits to be signalled when @by_kill.
 */
static void mt_member(int dev, uint32_t id, int rep, int go)
{
	pthread_t t;
	char c;
	int i;

	kt_put32(rep, kt_attach(dev, id, 0));
	for (i = 0; i < 2; i++)
		if (pthread_create(&t, NULL, park, &rep))
			_exit(102);
	if (kt_read_full(go, &c, 1, PARK_MS) < 0)
		_exit(103);
	/* _exit() is exit_group(); exit() would rerun the harness's atexit handlers */
	if (c == 'x')
		_exit(5);
	kt_sleep_ms(PARK_MS);
	_exit(104);
}

/* The MEMBER_EXITED events of tasks @pids[0..2]: the last one carries the process's status. */
static void check_exits(struct __test_metadata *_metadata, struct kiste_nl *ev_nl, uint32_t id,
			const pid_t *pids, uint32_t want_status)
{
	struct kiste_event evs[32];
	size_t n = 0, i, j, exited = 0, last = 0;
	bool lost = false, seen[3] = { false, false, false };

	ASSERT_EQ(0, kt_events_collect(ev_nl, id, KISTE_EVENT_DELETED, evs, 32, &n, &lost,
				       KT_CHILD_MS))
	TH_LOG("got %zu events", n);
	ASSERT_FALSE(lost);
	for (i = 0; i < n; i++) {
		if (evs[i].type != KISTE_EVENT_MEMBER_EXITED)
			continue;
		exited++;
		last = i;
		for (j = 0; j < 3; j++)
			if (evs[i].pid == (uint32_t)pids[j])
				seen[j] = true;
		EXPECT_TRUE(evs[i].has_exit_status) TH_LOG("event %zu", i);
		TH_LOG("exited: pid %u status %#x", evs[i].pid, evs[i].exit_status);
	}
	ASSERT_EQ(3, exited);
	EXPECT_TRUE(seen[0] && seen[1] && seen[2]) TH_LOG("an exit event has a foreign pid");
	EXPECT_EQ(want_status, evs[last].exit_status)
	TH_LOG("last thread (pid %u) reports %#x", evs[last].pid, evs[last].exit_status);
	ASSERT_LT(last + 1, n);
	EXPECT_EQ(KISTE_EVENT_EMPTY, evs[last + 1].type);
}

/* Runs mt_member; @sig 0: it exits 5 from main, else the sandbox is KILLed with @sig. */
static void mt_exit(struct __test_metadata *_metadata, struct kt_fix *fix, int dev, int sig)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	struct kiste_sandbox_info info;
	struct kiste_err err = { 0 };
	struct kiste_nl *ev_nl = NULL;
	int rep[2], go[2], status, i;
	uint64_t kills;
	pid_t pids[3];
	int32_t r;
	uint32_t id;

	ASSERT_EQ(0, kiste_nl_open(&ev_nl, &err)) TH_LOG("%s", err.msg);
	ASSERT_EQ(0, kiste_events_subscribe(ev_nl, &err)) TH_LOG("subscribe: %s", err.msg);
	ASSERT_EQ(0, kiste_sandbox_new(fix->nl, &spec, &id, NULL));
	kt_fix_track_id(fix, id);
	ASSERT_EQ(0, pipe(rep));
	ASSERT_EQ(0, pipe(go));
	pids[0] = fork();
	ASSERT_LE(0, pids[0]);
	if (pids[0] == 0)
		mt_member(dev, id, rep[1], go[0]);
	kt_fix_track_pid(fix, pids[0]);
	ASSERT_EQ(0, kt_get32(rep[0], &r));
	ASSERT_EQ(0, r) TH_LOG("attach");
	for (i = 1; i < 3; i++) {
		ASSERT_EQ(0, kt_get32(rep[0], &r));
		pids[i] = r;
	}
	ASSERT_EQ(0, kt_wait_members(fix->nl, id, 3, KT_SETTLE_MS, &info));
	kills = info.cnt_kills;
	if (sig) {
		ASSERT_EQ(0, kiste_sandbox_kill(fix->nl, id, sig, &err)) TH_LOG("%s", err.msg);
	} else {
		ASSERT_EQ(0, kt_write_full(go[1], "x", 1));
	}
	ASSERT_EQ(0, kt_wait_pid(pids[0], &status, KT_CHILD_MS));
	if (sig) {
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig)
		TH_LOG("status %#x", status);
	} else {
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 5)
		TH_LOG("status %#x", status);
	}
	ASSERT_EQ(0, kt_wait_members(fix->nl, id, 0, KT_SETTLE_MS, &info));
	/* A signal other than SIGKILL goes once to the process, not per thread. */
	EXPECT_EQ(kills + (sig ? 1 : 0), info.cnt_kills);
	EXPECT_EQ(KISTE_STATE_EXITED, info.state);
	ASSERT_EQ(0, kiste_sandbox_del(fix->nl, id, NULL));
	check_exits(_metadata, ev_nl, id, pids, sig ? (uint32_t)sig : 5 << 8);
	kiste_nl_close(ev_nl);
}

TEST_F_TIMEOUT(threads, exit_status_exit_group, 60)
{
	KT_SKIP_IF_SETUP_SKIPPED();
	mt_exit(_metadata, &self->fix, self->dev, 0);
}

TEST_F_TIMEOUT(threads, exit_status_sigterm, 60)
{
	KT_SKIP_IF_SETUP_SKIPPED();
	mt_exit(_metadata, &self->fix, self->dev, SIGTERM);
}

static volatile sig_atomic_t deliveries;

static void count_signal(int sig)
{
	(void)sig;
	__atomic_add_fetch(&deliveries, 1, __ATOMIC_SEQ_CST);
}

/* Waits for the first delivery, a while more, and ends the process with the count. */
static void *count_and_exit(void *arg)
{
	uint64_t end = kt_now_ms() + PARK_MS;

	(void)arg;
	while (!__atomic_load_n(&deliveries, __ATOMIC_SEQ_CST) && kt_now_ms() < end)
		kt_sleep_ms(KT_STEP_MS);
	kt_sleep_ms(MORE_SIGNALS_MS);
	_exit(__atomic_load_n(&deliveries, __ATOMIC_SEQ_CST));
}

/*
 * A member with @threads more threads counting deliveries of @sig; exits
 * with the count a short while after the first one.  @leaderless: the main
 * thread leaves (pthread_exit) once the others run, and one of them counts.
 */
static void counting_member(int dev, uint32_t id, int sig, int threads, int leaderless, int rep)
{
	struct sigaction sa = { .sa_handler = count_signal };
	pthread_t t;
	int i;

	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) < 0)
		_exit(101);
	kt_put32(rep, kt_attach(dev, id, 0));
	for (i = 0; i < threads; i++)
		if (pthread_create(&t, NULL, leaderless && i == 0 ? count_and_exit : park, NULL))
			_exit(102);
	kt_put32(rep, 1);
	/* The main thread alone ends (pthread_exit would need libgcc_s, not in the test VM). */
	if (leaderless)
		syscall(SYS_exit, 0);
	count_and_exit(NULL);
}

static void signal_once(struct __test_metadata *_metadata, struct kt_fix *fix, int dev, int sig,
			int leaderless)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	struct kiste_sandbox_info info;
	struct kiste_err err = { 0 };
	int rep[2], status;
	uint64_t kills;
	int32_t r;
	uint32_t id;
	pid_t pid;

	ASSERT_EQ(0, kiste_sandbox_new(fix->nl, &spec, &id, NULL));
	kt_fix_track_id(fix, id);
	ASSERT_EQ(0, pipe(rep));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		counting_member(dev, id, sig, 3, leaderless, rep[1]);
	kt_fix_track_pid(fix, pid);
	ASSERT_EQ(0, kt_get32(rep[0], &r));
	ASSERT_EQ(0, r) TH_LOG("attach");
	ASSERT_EQ(0, kt_get32(rep[0], &r));
	/* The main thread of a leaderless one has left the sandbox. */
	ASSERT_EQ(0, kt_wait_members(fix->nl, id, leaderless ? 3 : 4, KT_SETTLE_MS, &info));
	kills = info.cnt_kills;
	ASSERT_EQ(0, kiste_sandbox_kill(fix->nl, id, sig, &err)) TH_LOG("%s", err.msg);
	ASSERT_EQ(0, kt_wait_pid(pid, &status, KT_CHILD_MS + MORE_SIGNALS_MS));
	EXPECT_TRUE(WIFEXITED(status)) TH_LOG("status %#x", status);
	EXPECT_EQ(1, WEXITSTATUS(status))
	TH_LOG("signal %d delivered %d times", sig, WEXITSTATUS(status));
	ASSERT_EQ(0, kiste_sandbox_get(fix->nl, id, NULL, &info, NULL));
	EXPECT_EQ(kills + 1, info.cnt_kills);
	ASSERT_EQ(0, kiste_sandbox_del(fix->nl, id, NULL));
	EXPECT_EQ(0, kt_wait_gone(fix->nl, id, KT_SETTLE_MS));
}

TEST_F_TIMEOUT(threads, sigterm_once_per_process, 60)
{
	KT_SKIP_IF_SETUP_SKIPPED();
	signal_once(_metadata, &self->fix, self->dev, SIGTERM, 0);
}

/* Real-time signals queue: one per member thread would all be delivered. */
TEST_F_TIMEOUT(threads, rt_signal_once_per_process, 60)
{
	KT_SKIP_IF_SETUP_SKIPPED();
	signal_once(_metadata, &self->fix, self->dev, SIGRTMIN, 0);
}

/*
 * The same once the process's leader has left: one of its member threads
 * speaks for it, found in one walk of the members (each used to search the
 * list from its start: quadratic in such threads, under a spinlock).
 */
TEST_F_TIMEOUT(threads, rt_signal_once_per_leaderless_process, 60)
{
	KT_SKIP_IF_SETUP_SKIPPED();
	signal_once(_metadata, &self->fix, self->dev, SIGRTMIN, 1);
}

KT_HARNESS_MAIN
