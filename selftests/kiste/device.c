// SPDX-License-Identifier: GPL-2.0
// /dev/kiste: membership (attach, inheritance, exec, exit), teardown, temporary sandboxes, ioctls.
// kiste-suite: vm kiste_device
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kt_fixture.h"

KT_DEV_FIXTURE(dev);

static int new_sb(FIXTURE_DATA(dev) * self, uint32_t *id)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	int ret = kiste_sandbox_new(self->fix.nl, &spec, id, NULL);

	if (ret == 0)
		kt_fix_track_id(&self->fix, *id);
	return ret;
}

static void wait_go(int fd)
{
	char c;

	kt_read_full(fd, &c, 1, KT_MEMBER_SLEEP_MS);
}

/*
 * Creates a sandbox in *@id and forks its member: the child attaches, reports
 * on rep[1], waits for "go" on go[0] and returns 0 to carry on.  The parent
 * gets the pid once the attach succeeded, else a negative errno.
 */
static pid_t new_member(FIXTURE_DATA(dev) * self, uint32_t *id, int rep[2], int go[2])
{
	int32_t ret = new_sb(self, id);
	pid_t pid;

	if (ret < 0)
		return ret;
	if (pipe(rep) < 0 || pipe(go) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		kt_put32(rep[1], kt_attach(self->dev, *id, 0));
		wait_go(go[0]);
		return 0;
	}
	kt_fix_track_pid(&self->fix, pid);
	if (kt_get32(rep[0], &ret) < 0)
		return -EIO;
	return ret < 0 ? ret : pid;
}

TEST_F_TIMEOUT(dev, attach, 60)
{
	struct kiste_sandbox_info info;
	struct kiste_stats st;
	int rep[2], go[2], status;
	uint32_t id;
	pid_t pid;

	KT_SKIP_IF_SETUP_SKIPPED();
	pid = new_member(self, &id, rep, go);
	ASSERT_LE(0, pid) TH_LOG("sandbox and member: %s", strerror(-pid));
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(0, kiste_sandbox_get(self->fix.nl, id, NULL, &info, NULL));
	EXPECT_EQ(1, info.members);
	EXPECT_EQ(1, info.members_total);
	EXPECT_EQ(KISTE_STATE_RUNNING, info.state);
	EXPECT_EQ(0, info.cnt_forks);
	ASSERT_EQ(0, kiste_stats_get(self->fix.nl, &st, NULL));
	EXPECT_EQ(self->fix.base.members + 1, st.members);

	ASSERT_EQ(0, kt_write_full(go[1], "g", 1));
	ASSERT_EQ(0, kt_wait_pid(pid, &status, KT_CHILD_MS));
	EXPECT_EQ(0, status);
	ASSERT_EQ(0, kt_wait_members(self->fix.nl, id, 0, KT_SETTLE_MS, &info));
	EXPECT_EQ(KISTE_STATE_EXITED, info.state);
	EXPECT_EQ(1, info.members_total);
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
	EXPECT_EQ(0, kt_wait_gone(self->fix.nl, id, KT_SETTLE_MS));
}

TEST_F_TIMEOUT(dev, attach_twice, 60)
{
	struct kiste_sandbox_info info;
	int32_t r1, r2, r3;
	uint32_t id, id2;
	int rep[2], status;
	pid_t pid;

	KT_SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, new_sb(self, &id));
	ASSERT_EQ(0, new_sb(self, &id2));
	ASSERT_EQ(0, pipe(rep));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		kt_put32(rep[1], kt_attach(self->dev, id, 0));
		kt_put32(rep[1], kt_attach(self->dev, id, 0));
		kt_put32(rep[1], kt_attach(self->dev, id2, 0));
		_exit(0);
	}
	kt_fix_track_pid(&self->fix, pid);
	ASSERT_EQ(0, kt_get32(rep[0], &r1));
	ASSERT_EQ(0, kt_get32(rep[0], &r2));
	ASSERT_EQ(0, kt_get32(rep[0], &r3));
	EXPECT_EQ(0, r1);
	EXPECT_EQ(-EBUSY, r2);
	EXPECT_EQ(-EBUSY, r3);
	ASSERT_EQ(0, kt_wait_pid(pid, &status, KT_CHILD_MS));
	ASSERT_EQ(0, kiste_sandbox_get(self->fix.nl, id, NULL, &info, NULL));
	EXPECT_EQ(1, info.members_total);
	ASSERT_EQ(0, kiste_sandbox_get(self->fix.nl, id2, NULL, &info, NULL));
	EXPECT_EQ(0, info.members_total);
	EXPECT_EQ(KISTE_STATE_CREATED, info.state);
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, id2, NULL));
}

static bool comm_is(pid_t pid, const char *want)
{
	char path[64], buf[32] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[strcspn(buf, "\n")] = '\0';
	return strcmp(buf, want) == 0;
}

TEST_F_TIMEOUT(dev, exec_keeps_membership, 60)
{
	struct kiste_sandbox_info info;
	int rep[2], status, i;
	int32_t ret;
	uint32_t id;
	pid_t pid;
	char c;

	KT_SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, new_sb(self, &id));
	/* close-on-exec: EOF on the pipe tells the parent the child exec'd. */
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		kt_put32(rep[1], kt_attach(self->dev, id, 0));
		kt_exec_sleep("600");
		_exit(127);
	}
	kt_fix_track_pid(&self->fix, pid);
	close(rep[1]);
	ASSERT_EQ(0, kt_get32(rep[0], &ret));
	ASSERT_EQ(0, ret);
	EXPECT_EQ(-EPIPE, kt_read_full(rep[0], &c, 1, KT_CHILD_MS));
	for (i = 0; i < 500 && !comm_is(pid, "sleep"); i++)
		kt_sleep_ms(KT_STEP_MS);
	ASSERT_TRUE(comm_is(pid, "sleep")) TH_LOG("child did not exec sleep");
	ASSERT_EQ(0, kiste_sandbox_get(self->fix.nl, id, NULL, &info, NULL));
	EXPECT_EQ(1, info.members);
	EXPECT_EQ(KISTE_STATE_RUNNING, info.state);
	/* The exec'd program is still ours to kill. */
	ASSERT_EQ(0, kiste_sandbox_kill(self->fix.nl, id, 0, NULL));
	ASSERT_EQ(0, kt_wait_pid(pid, &status, KT_CHILD_MS));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
	TH_LOG("status %#x", status);
	ASSERT_EQ(0, kt_wait_members(self->fix.nl, id, 0, KT_SETTLE_MS, &info));
	EXPECT_EQ(KISTE_STATE_EXITED, info.state);
	EXPECT_LE(1, info.cnt_kills);
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
}

static int clone_exec(void *arg)
{
	(void)arg;
	kt_exec_sleep("600");
	_exit(127);
}

static void *thread_sleep(void *arg)
{
	(void)arg;
	kt_sleep_ms(KT_MEMBER_SLEEP_MS);
	return NULL;
}

/* Member that adds one task per step, by fork, vfork, clone and pthread. */
static void inherit_member(int dev, uint32_t id, int rep, int go)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));
	pthread_t t;
	pid_t p;

	kt_put32(rep, kt_attach(dev, id, 0));
	wait_go(go);
	p = fork();
	if (p == 0) {
		kt_sleep_ms(KT_MEMBER_SLEEP_MS);
		_exit(0);
	}
	kt_put32(rep, p);
	wait_go(go);
	p = vfork();
	if (p == 0) {
		kt_exec_sleep("600");
		_exit(127);
	}
	kt_put32(rep, p);
	wait_go(go);
	p = clone(clone_exec, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
	kt_put32(rep, p);
	wait_go(go);
	kt_put32(rep, pthread_create(&t, NULL, thread_sleep, NULL) == 0 ? 1 : -1);
	kt_sleep_ms(KT_MEMBER_SLEEP_MS);
	_exit(0);
}

TEST_F_TIMEOUT(dev, inheritance, 90)
{
	static const char *const how[] = { "fork", "vfork", "clone", "pthread" };
	struct kiste_sandbox_info info;
	int rep[2], go[2], status, i;
	int32_t ret;
	uint32_t id;
	pid_t pid;

	KT_SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, new_sb(self, &id));
	ASSERT_EQ(0, pipe(rep));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		inherit_member(self->dev, id, rep[1], go[0]);
	kt_fix_track_pid(&self->fix, pid);
	ASSERT_EQ(0, kt_get32(rep[0], &ret));
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, kt_wait_members(self->fix.nl, id, 1, KT_SETTLE_MS, &info));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, kt_write_full(go[1], "g", 1));
		ASSERT_EQ(0, kt_get32(rep[0], &ret));
		ASSERT_LT(0, ret) TH_LOG("%s failed in the member", how[i]);
		EXPECT_EQ(0,
			  kt_wait_members(self->fix.nl, id, (uint32_t)i + 2, KT_SETTLE_MS, &info))
		TH_LOG("after %s: %u members", how[i], info.members);
	}
	ASSERT_EQ(0, kiste_sandbox_get(self->fix.nl, id, NULL, &info, NULL));
	EXPECT_EQ(5, info.members_total);
	EXPECT_EQ(4, info.cnt_forks);

	/* Deleting kills the member and every task it made. */
	ASSERT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
	ASSERT_EQ(0, kt_wait_pid(pid, &status, KT_CHILD_MS));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
	TH_LOG("status %#x", status);
	EXPECT_EQ(0, kt_wait_gone(self->fix.nl, id, KT_SETTLE_MS));
	EXPECT_LE(0, kt_reap_all(KT_SETTLE_MS));
}

TEST_F_TIMEOUT(dev, exit_accounting, 60)
{
	struct kiste_sandbox_info info;
	int rep[2], go[2], status;
	struct kiste_stats st;
	int32_t ret;
	uint32_t id;
	pid_t pid;

	KT_SKIP_IF_SETUP_SKIPPED();
	pid = new_member(self, &id, rep, go);
	ASSERT_LE(0, pid) TH_LOG("sandbox and member: %s", strerror(-pid));
	if (pid == 0) {
		pid_t a, b;

		a = fork();
		if (a == 0)
			_exit(3);
		b = fork();
		if (b == 0)
			_exit(4);
		waitpid(a, NULL, 0);
		waitpid(b, NULL, 0);
		kt_put32(rep[1], a > 0 && b > 0);
		wait_go(go[0]);
		_exit(0);
	}
	ASSERT_EQ(0, kt_write_full(go[1], "g", 1));
	ASSERT_EQ(0, kt_get32(rep[0], &ret));
	ASSERT_EQ(1, ret);
	ASSERT_EQ(0, kt_wait_members(self->fix.nl, id, 1, KT_SETTLE_MS, &info));
	EXPECT_EQ(3, info.members_total);
	EXPECT_EQ(2, info.cnt_forks);
	EXPECT_EQ(KISTE_STATE_RUNNING, info.state);
	ASSERT_EQ(0, kiste_stats_get(self->fix.nl, &st, NULL));
	EXPECT_EQ(self->fix.base.members + 1, st.members);

	ASSERT_EQ(0, kt_write_full(go[1], "g", 1));
	ASSERT_EQ(0, kt_wait_pid(pid, &status, KT_CHILD_MS));
	ASSERT_EQ(0, kt_wait_members(self->fix.nl, id, 0, KT_SETTLE_MS, &info));
	EXPECT_EQ(3, info.members_total);
	EXPECT_EQ(KISTE_STATE_EXITED, info.state);
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
	EXPECT_EQ(0, kt_wait_gone(self->fix.nl, id, KT_SETTLE_MS));
}

/* M forks G; G forks H, which starts a session and forks I, then exits. */
static void grandchild_member(int dev, uint32_t id, int rep)
{
	pid_t g, h, i;

	kt_put32(rep, kt_attach(dev, id, 0));
	g = fork();
	if (g == 0) {
		h = fork();
		if (h == 0) {
			setsid();
			i = fork();
			if (i == 0) {
				kt_put32(rep, getpid());
				kt_sleep_ms(KT_MEMBER_SLEEP_MS);
				_exit(0);
			}
			_exit(0);
		}
		waitpid(h, NULL, 0);
		kt_put32(rep, getpid());
		kt_sleep_ms(KT_MEMBER_SLEEP_MS);
		_exit(0);
	}
	kt_sleep_ms(KT_MEMBER_SLEEP_MS);
	_exit(0);
}

TEST_F_TIMEOUT(dev, delete_kills_grandchildren, 60)
{
	struct kiste_sandbox_info info;
	int rep[2], status, i;
	int32_t ret, pids[2];
	uint32_t id;
	pid_t pid;

	KT_SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, new_sb(self, &id));
	ASSERT_EQ(0, pipe(rep));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		grandchild_member(self->dev, id, rep[1]);
	kt_fix_track_pid(&self->fix, pid);
	ASSERT_EQ(0, kt_get32(rep[0], &ret));
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, kt_get32(rep[0], &pids[0]));
	ASSERT_EQ(0, kt_get32(rep[0], &pids[1]));
	kt_fix_track_pid(&self->fix, pids[0]);
	kt_fix_track_pid(&self->fix, pids[1]);
	/* M, G and I; H has exited. */
	ASSERT_EQ(0, kt_wait_members(self->fix.nl, id, 3, KT_SETTLE_MS, &info))
	TH_LOG("%u members", info.members);
	EXPECT_EQ(4, info.members_total);

	ASSERT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
	ASSERT_EQ(0, kt_wait_pid(pid, &status, KT_CHILD_MS));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
	TH_LOG("status %#x", status);
	/* G and I were reparented to us (subreaper): reap them, then they are gone. */
	EXPECT_LE(0, kt_reap_all(KT_CHILD_MS));
	for (i = 0; i < 2; i++) {
		pid_t p = pids[i];

		EXPECT_TRUE(kt_pid_gone(p)) TH_LOG("pid %d survived the delete", (int)p);
	}
	EXPECT_EQ(0, kt_wait_gone(self->fix.nl, id, KT_SETTLE_MS));
}

/* Holder: creates a temporary sandbox on its own descriptor and a member in it. */
static void temp_holder(uint32_t attach_id_zero, int rep, int go)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	uint32_t id = 0;
	int fd, status, inner[2];
	int32_t r;
	pid_t c;

	fd = kiste_dev_open(NULL);
	if (fd < 0 || kiste_dev_create(fd, &spec, &id, NULL) < 0)
		kt_put32(rep, -1);
	kt_put32(rep, (int32_t)id);
	/* the member reports through us, so its result always follows its pid */
	if (pipe(inner) < 0)
		kt_put32(rep, -1);
	c = fork();
	if (c == 0) {
		r = kt_attach(fd, attach_id_zero ? 0 : id, 0);
		close(fd); /* only the holder keeps the sandbox alive */
		kt_put32(inner[1], r);
		kt_sleep_ms(KT_MEMBER_SLEEP_MS);
		_exit(0);
	}
	kt_put32(rep, c);
	if (kt_read_full(inner[0], &r, sizeof(r), KT_CHILD_MS) < 0)
		r = -ETIMEDOUT;
	kt_put32(rep, r);
	wait_go(go);
	close(fd);
	status = -1;
	if (waitpid(c, &status, 0) < 0)
		status = -1;
	kt_put32(rep, status);
	wait_go(go);
	_exit(0);
}

static void temp_case(struct __test_metadata *_metadata, FIXTURE_DATA(dev) * self, bool kill_holder)
{
	struct kiste_sandbox_info info;
	int rep[2], go[2], status;
	int32_t id, ret, c;
	pid_t h;

	ASSERT_EQ(0, pipe(rep));
	ASSERT_EQ(0, pipe(go));
	h = fork();
	ASSERT_LE(0, h);
	if (h == 0)
		temp_holder(!kill_holder, rep[1], go[0]);
	kt_fix_track_pid(&self->fix, h);
	ASSERT_EQ(0, kt_get32(rep[0], &id));
	ASSERT_LT(0, id) TH_LOG("holder could not create a temporary sandbox");
	ASSERT_EQ(0, kt_get32(rep[0], &c));
	ASSERT_LT(0, c);
	kt_fix_track_pid(&self->fix, c);
	ASSERT_EQ(0, kt_get32(rep[0], &ret));
	ASSERT_EQ(0, ret) TH_LOG("member attach");
	ASSERT_EQ(0, kt_wait_members(self->fix.nl, (uint32_t)id, 1, KT_SETTLE_MS, &info));
	EXPECT_EQ(KISTE_SB_F_TEMPORARY, info.flags & KISTE_SB_F_TEMPORARY);
	EXPECT_EQ(0, info.owner_uid);
	EXPECT_EQ(1, kt_list_has(self->fix.nl, (uint32_t)id));

	if (kill_holder) {
		ASSERT_EQ(0, kill(h, SIGKILL));
		ASSERT_EQ(0, kt_wait_pid(h, &status, KT_CHILD_MS));
		/* The member was reparented to us. */
		ASSERT_EQ(0, kt_wait_pid(c, &status, KT_CHILD_MS));
	} else {
		ASSERT_EQ(0, kt_write_full(go[1], "g", 1));
		ASSERT_EQ(0, kt_get32(rep[0], &status));
	}
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
	TH_LOG("status %#x", status);
	EXPECT_EQ(0, kt_wait_gone(self->fix.nl, (uint32_t)id, KT_SETTLE_MS));
	EXPECT_EQ(0, kt_list_has(self->fix.nl, (uint32_t)id));
	if (!kill_holder) {
		ASSERT_EQ(0, kt_write_full(go[1], "g", 1));
		ASSERT_EQ(0, kt_wait_pid(h, &status, KT_CHILD_MS));
		EXPECT_EQ(0, status);
	}
}

TEST_F_TIMEOUT(dev, temporary_dies_on_close, 60)
{
	KT_SKIP_IF_SETUP_SKIPPED();
	temp_case(_metadata, self, false);
}

TEST_F_TIMEOUT(dev, temporary_dies_with_holder, 60)
{
	KT_SKIP_IF_SETUP_SKIPPED();
	temp_case(_metadata, self, true);
}

TEST_F_TIMEOUT(dev, attach_flags, 60)
{
	struct kiste_sandbox_info info;
	int rep[2], status;
	int32_t r;
	uint32_t id;
	pid_t pid;

	KT_SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, new_sb(self, &id));
	ASSERT_EQ(0, pipe(rep));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		kt_put32(rep[1], kt_attach(self->dev, id, 1));
		kt_put32(rep[1], kt_attach(self->dev, id, 0x80000000u));
		kt_put32(rep[1], kt_attach(self->dev, 0x7ffffff0, 0));
		_exit(0);
	}
	kt_fix_track_pid(&self->fix, pid);
	ASSERT_EQ(0, kt_get32(rep[0], &r));
	EXPECT_EQ(-EINVAL, r);
	ASSERT_EQ(0, kt_get32(rep[0], &r));
	EXPECT_EQ(-EINVAL, r);
	ASSERT_EQ(0, kt_get32(rep[0], &r));
	EXPECT_EQ(-ENOENT, r);
	ASSERT_EQ(0, kt_wait_pid(pid, &status, KT_CHILD_MS));
	ASSERT_EQ(0, kiste_sandbox_get(self->fix.nl, id, NULL, &info, NULL));
	EXPECT_EQ(0, info.members_total);
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
}

static int ioc_create(int fd, uint32_t flags, uint32_t mode, const char *name, uint32_t *id)
{
	struct kiste_ioc_create c = { .flags = flags, .mode = mode };

	if (name)
		memcpy(c.name, name, strnlen(name, sizeof(c.name)));
	if (ioctl(fd, KISTE_IOC_CREATE, &c) < 0)
		return -errno;
	*id = c.id;
	return 0;
}

TEST_F_TIMEOUT(dev, create_bad_args, 60)
{
	char unterminated[KISTE_NAME_MAX + 1];
	struct kiste_stats st;
	uint32_t id = 0;
	int ret;

	KT_SKIP_IF_SETUP_SKIPPED();
	memset(unterminated, 'a', sizeof(unterminated));
	unterminated[KISTE_NAME_MAX] = '\0';
	ret = ioc_create(self->dev, 1, KISTE_MODE_SHIM, NULL, &id);
	EXPECT_EQ(-EINVAL, ret);
	if (ret == 0)
		kt_fix_track_id(&self->fix, id);
	EXPECT_EQ(-EINVAL, ioc_create(self->dev, 0x80000000u, KISTE_MODE_SHIM, NULL, &id));
	EXPECT_EQ(-EINVAL, ioc_create(self->dev, 0, 0, NULL, &id));
	EXPECT_EQ(-EINVAL, ioc_create(self->dev, 0, 99, NULL, &id));
	EXPECT_EQ(-EINVAL, ioc_create(self->dev, 0, KISTE_MODE_SHIM, "a/b", &id));
	EXPECT_EQ(-EINVAL, ioc_create(self->dev, 0, KISTE_MODE_SHIM, unterminated, &id));
	ASSERT_EQ(0, kiste_stats_get(self->fix.nl, &st, NULL));
	EXPECT_EQ(self->fix.base.sandboxes, st.sandboxes);
}

TEST_F_TIMEOUT(dev, create_twice, 60)
{
	struct kiste_sandbox_info info;
	char want[64];
	uint32_t id, id2 = 0;
	int fd, ret;

	KT_SKIP_IF_SETUP_SKIPPED();
	fd = kiste_dev_open(NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioc_create(fd, 0, KISTE_MODE_SHIM, "", &id));
	kt_fix_track_id(&self->fix, id);
	ret = ioc_create(fd, 0, KISTE_MODE_SHIM, "", &id2);
	EXPECT_EQ(-EBUSY, ret);
	if (ret == 0)
		kt_fix_track_id(&self->fix, id2);
	ASSERT_EQ(0, kiste_sandbox_get(self->fix.nl, id, NULL, &info, NULL));
	snprintf(want, sizeof(want), "sb-%u", id);
	EXPECT_STREQ(want, info.name);
	EXPECT_EQ(KISTE_SB_F_TEMPORARY, info.flags);
	EXPECT_EQ(KISTE_STATE_CREATED, info.state);
	close(fd);
	EXPECT_EQ(0, kt_wait_gone(self->fix.nl, id, KT_SETTLE_MS));
}

TEST_F_TIMEOUT(dev, version, 60)
{
	struct kiste_ioc_version v;
	uint32_t ver = 0;

	KT_SKIP_IF_SETUP_SKIPPED();
	memset(&v, 0xa5, sizeof(v));
	ASSERT_EQ(0, ioctl(self->dev, KISTE_IOC_VERSION, &v));
	EXPECT_EQ(KISTE_IFACE_VERSION, v.iface_version);
	EXPECT_EQ(0, v.flags);
	ASSERT_EQ(0, kiste_dev_version(self->dev, &ver, NULL));
	EXPECT_EQ(KISTE_IFACE_VERSION, ver);
}

TEST_F_TIMEOUT(dev, unknown_ioctl, 60)
{
	const unsigned long cmds[] = {
		_IO(KISTE_IOC_MAGIC, 0x0f),
		_IOR(KISTE_IOC_MAGIC, 0x3f, __u32),
		_IOR(KISTE_IOC_MAGIC, 0x00, __u32), /* VERSION with the wrong size */
		_IO('x', 1),
		0,
	};
	uint64_t buf[16] = { 0 };
	size_t i;

	KT_SKIP_IF_SETUP_SKIPPED();
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->dev, cmds[i], buf)) TH_LOG("ioctl %#lx", cmds[i]);
		EXPECT_EQ(ENOTTY, errno) TH_LOG("ioctl %#lx", cmds[i]);
	}
}

KT_HARNESS_MAIN
