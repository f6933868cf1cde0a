// SPDX-License-Identifier: GPL-2.0
// kiste.ko caps: sandboxes per uid, members per sandbox, and a bounded fork bomb against the cap.
// kiste-suite: vm kiste_caps
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/param.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "kselftest_harness.h"
#include "kt_fixture.h"

#define MEMBER_SLEEP_MS 60000
#define MEMBER_CAP	5
/* Fork bomb bounds: attempts and wall time (TCG is slow). */
#define BOMB_FORKS 200
#define BOMB_MS	   30000
/* Threads a member at the cap starts: exempt from it. */
#define CAP_THREADS 8

KT_DEV_FIXTURE(caps);

TEST_F_TIMEOUT(caps, sandboxes_per_uid, 60)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	struct kiste_ioc_create c = { .mode = KISTE_MODE_SHIM };
	struct kiste_err err = { 0 };
	uint32_t ids[3], id;
	struct kt_reply r;
	int owned, i, ret, fd;

	KT_SKIP_IF_SETUP_SKIPPED();
	owned = kt_list_count_owner(self->fix.nl, 0);
	ASSERT_LE(0, owned);
	ASSERT_EQ(0, kt_param_set_long("max_sandboxes_per_uid", owned + 3));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, kiste_sandbox_new(self->fix.nl, &spec, &ids[i], &err))
		TH_LOG("sandbox %d under the cap: %s", i + 1, err.msg);
		kt_fix_track_id(&self->fix, ids[i]);
	}
	ret = kt_raw_new(self->fix.nl, NULL, KISTE_MODE_SHIM, &id, &r);
	EXPECT_EQ(-EUSERS, ret);
	if (ret == 0)
		kt_fix_track_id(&self->fix, id);
	EXPECT_NE(0, r.extack[0]) TH_LOG("EUSERS without an extack message");
	ret = kiste_sandbox_new(self->fix.nl, &spec, &id, &err);
	EXPECT_EQ(-EUSERS, ret);
	if (ret == 0)
		kt_fix_track_id(&self->fix, id);
	ret = ioctl(self->dev, KISTE_IOC_CREATE, &c) < 0 ? -errno : 0;
	EXPECT_EQ(-EUSERS, ret);
	if (ret == 0)
		kt_fix_track_id(&self->fix, c.id);

	/* The cap counts live sandboxes: one freed slot is usable again. */
	ASSERT_EQ(0, kiste_sandbox_del(self->fix.nl, ids[0], NULL));
	ASSERT_EQ(0, kt_wait_gone(self->fix.nl, ids[0], KT_SETTLE_MS));
	fd = kiste_dev_open(NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kiste_dev_create(fd, &spec, &id, &err)) TH_LOG("%s", err.msg);
	kt_fix_track_id(&self->fix, id);
	close(fd);
	EXPECT_EQ(0, kt_wait_gone(self->fix.nl, id, KT_SETTLE_MS));
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, ids[1], NULL));
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, ids[2], NULL));
	kt_params_restore();
}

/* A user's subordinate ids: 16 of them from here, for the user CHARGE_UID. */
#define SUBIDS	   300000
#define CHARGE_UID 4321
#define SUBID_RUNS 4

static int write_map(pid_t pid, const char *which)
{
	char path[64], map[64];
	int fd, n, ok;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, which);
	n = snprintf(map, sizeof(map), "0 %d 16\n", SUBIDS);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ok = write(fd, map, (size_t)n) == n;
	close(fd);
	return ok ? 0 : -EIO;
}

/*
 * CHARGE_UID (keeping its group 0, which may create), in a user namespace of
 * its own whose ids 0..15 are SUBIDS.. (as newuidmap maps /etc/subuid), as
 * id @k there: creates a temporary sandbox, reports the result, and holds it
 * until @hold says so.
 */
static void __attribute__((noreturn)) subid_creator(int k, int rep, int go, int hold)
{
	struct kiste_ioc_create c = { .mode = KISTE_MODE_SHIM };
	gid_t zero = 0;
	char b;
	int fd;

	if (setgroups(1, &zero) < 0 || setresgid(CHARGE_UID, CHARGE_UID, CHARGE_UID) < 0 ||
	    setresuid(CHARGE_UID, CHARGE_UID, CHARGE_UID) < 0 || unshare(CLONE_NEWUSER) < 0) {
		kt_put32(rep, -errno);
		_exit(1);
	}
	kt_put32(rep, 0);
	if (read(go, &b, 1) != 1)
		_exit(1);
	if (setresgid(k, k, k) < 0 || setresuid(k, k, k) < 0) {
		kt_put32(rep, -errno);
		_exit(1);
	}
	fd = open("/dev/kiste", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		kt_put32(rep, -errno - 1000);
	else
		kt_put32(rep, ioctl(fd, KISTE_IOC_CREATE, &c) < 0 ? -errno : 0);
	if (read(hold, &b, 1) < 0)
		_exit(1);
	_exit(0);
}

/*
 * max_sandboxes_per_uid counts a user's sandboxes made from a user namespace
 * of theirs against them, whichever of their subordinate ids each came from
 * (a hostile review of 2026-12-06 found each subordinate id a quota of its
 * own: one user could fill max_sandboxes).
 */
TEST_F_TIMEOUT(caps, subordinate_ids_share_their_users_cap, 60)
{
	int rep[2], go[2], hold[2], i, made = 0, refused = 0, status;
	pid_t pids[SUBID_RUNS];
	int32_t r;

	KT_SKIP_IF_SETUP_SKIPPED();
	if (geteuid() != 0)
		SKIP(return, "needs root (maps the namespaces' ids)");
	ASSERT_EQ(0, kt_param_set_long("max_sandboxes_per_uid", 2));
	ASSERT_EQ(0, pipe(hold));
	for (i = 0; i < SUBID_RUNS; i++) {
		ASSERT_EQ(0, pipe(rep));
		ASSERT_EQ(0, pipe(go));
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			close(hold[1]);
			subid_creator(i + 1, rep[1], go[0], hold[0]);
		}
		kt_fix_track_pid(&self->fix, pids[i]);
		ASSERT_EQ(0, kt_get32(rep[0], &r));
		ASSERT_EQ(0, r) TH_LOG("run %d: its user namespace: %s", i, strerror(-r));
		ASSERT_EQ(0, write_map(pids[i], "uid_map"));
		ASSERT_EQ(0, write_map(pids[i], "gid_map"));
		ASSERT_EQ(1, write(go[1], "g", 1));
		ASSERT_EQ(0, kt_get32(rep[0], &r));
		if (r == 0)
			made++;
		else if (r == -EUSERS)
			refused++;
		else
			TH_LOG("run %d: %d (%s)", i, r, strerror(r < -1000 ? -r - 1000 : -r));
		close(rep[0]);
		close(rep[1]);
		close(go[0]);
		close(go[1]);
	}
	EXPECT_EQ(2, made);
	EXPECT_EQ(SUBID_RUNS - 2, refused);
	close(hold[0]);
	close(hold[1]);
	for (i = 0; i < SUBID_RUNS; i++)
		EXPECT_EQ(0, kt_wait_pid(pids[i], &status, KT_CHILD_MS));
	kt_params_restore();
}

/* Sleeps until killed (bounded by MEMBER_SLEEP_MS), then exits 0. */
static void __attribute__((noreturn)) park(void)
{
	kt_sleep_ms(MEMBER_SLEEP_MS);
	_exit(0);
}

/* fork() whose child parks; the parent gets fork()'s result. */
static pid_t fork_sleeper(void)
{
	pid_t p = fork();

	if (p == 0)
		park();
	return p;
}

/* Forks one more sleeper and reports how it ended (refused children die of SIGKILL). */
static void report_one_more(int rep)
{
	int status = -1;
	pid_t p = fork_sleeper();

	if (p < 0 || kt_wait_pid(p, &status, KT_CHILD_MS) < 0)
		status = -1;
	kt_put32(rep, status);
}

/* Attaches, forks @forks sleeping children, reports the attach result and 1. */
static void attacher_forks(int dev, uint32_t id, int forks, int rep)
{
	int32_t ret = kt_attach(dev, id, 0);
	int i;

	kt_put32(rep, ret);
	if (ret < 0)
		_exit(0);
	for (i = 0; i < forks; i++)
		fork_sleeper();
	kt_put32(rep, 1);
}

/*
 * Attacher: attaches, forks @forks sleeping children, then forks one more if
 * @extra and reports how that one ended (refused children die of SIGKILL).
 */
static void attacher(int dev, uint32_t id, int forks, bool extra, int rep)
{
	attacher_forks(dev, id, forks, rep);
	if (extra)
		report_one_more(rep);
	park();
}

TEST_F_TIMEOUT(caps, members_per_sandbox, 90)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	struct kiste_sandbox_info info;
	int rep[2], i, status;
	pid_t pids[4];
	int32_t r;
	uint32_t id;

	KT_SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, kt_param_set_long("max_members", MEMBER_CAP));
	ASSERT_EQ(0, kiste_sandbox_new(self->fix.nl, &spec, &id, NULL));
	kt_fix_track_id(&self->fix, id);
	ASSERT_EQ(0, pipe(rep));
	/* 3 attached members, the first with 2 forked children: 5 in all. */
	for (i = 0; i < 3; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0)
			attacher(self->dev, id, i == 0 ? 2 : 0, false, rep[1]);
		kt_fix_track_pid(&self->fix, pids[i]);
		ASSERT_EQ(0, kt_get32(rep[0], &r));
		ASSERT_EQ(0, r) TH_LOG("attach %d under the cap", i + 1);
		ASSERT_EQ(0, kt_get32(rep[0], &r));
	}
	ASSERT_EQ(0, kt_wait_members(self->fix.nl, id, MEMBER_CAP, KT_SETTLE_MS, &info));

	/* A 6th attach is refused; a fork from a member is killed. */
	pids[3] = fork();
	ASSERT_LE(0, pids[3]);
	if (pids[3] == 0)
		attacher(self->dev, id, 0, false, rep[1]);
	kt_fix_track_pid(&self->fix, pids[3]);
	ASSERT_EQ(0, kt_get32(rep[0], &r));
	EXPECT_EQ(-EUSERS, r);
	ASSERT_EQ(0, kt_wait_pid(pids[3], &status, KT_CHILD_MS));
	ASSERT_EQ(0, kiste_sandbox_get(self->fix.nl, id, NULL, &info, NULL));
	EXPECT_EQ(MEMBER_CAP, info.members);
	EXPECT_EQ(0, info.cnt_refused);

	ASSERT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, kt_wait_pid(pids[i], &status, KT_CHILD_MS));
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	}
	EXPECT_LE(0, kt_reap_all(KT_CHILD_MS));
	EXPECT_EQ(0, kt_wait_gone(self->fix.nl, id, KT_SETTLE_MS));
}

TEST_F_TIMEOUT(caps, fork_over_cap_is_killed, 90)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	struct kiste_sandbox_info info;
	int rep[2], status;
	int32_t r;
	uint32_t id;
	pid_t pid;

	KT_SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, kt_param_set_long("max_members", MEMBER_CAP));
	ASSERT_EQ(0, kiste_sandbox_new(self->fix.nl, &spec, &id, NULL));
	kt_fix_track_id(&self->fix, id);
	ASSERT_EQ(0, pipe(rep));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		attacher(self->dev, id, MEMBER_CAP - 1, true, rep[1]);
	kt_fix_track_pid(&self->fix, pid);
	ASSERT_EQ(0, kt_get32(rep[0], &r));
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, kt_get32(rep[0], &r));
	ASSERT_EQ(0, kt_get32(rep[0], &r));
	EXPECT_TRUE(WIFSIGNALED(r) && WTERMSIG(r) == SIGKILL) TH_LOG("6th task: status %#x", r);
	ASSERT_EQ(0, kiste_sandbox_get(self->fix.nl, id, NULL, &info, NULL));
	EXPECT_EQ(MEMBER_CAP, info.members);
	EXPECT_EQ(1, info.cnt_refused);
	ASSERT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
	ASSERT_EQ(0, kt_wait_pid(pid, &status, KT_CHILD_MS));
	EXPECT_LE(0, kt_reap_all(KT_CHILD_MS));
	EXPECT_EQ(0, kt_wait_gone(self->fix.nl, id, KT_SETTLE_MS));
}

static int started;

static void *parked_thread(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	kt_sleep_ms(MEMBER_SLEEP_MS);
	return NULL;
}

/*
 * Member at a cap of 3 processes: starts CAP_THREADS threads, reports how
 * many pthread_create() calls succeeded, then forks a 4th process.
 */
static void thread_starter(int dev, uint32_t id, int rep, int go)
{
	uint64_t end;
	pthread_t t;
	int i, ok = 0;
	char c;

	attacher_forks(dev, id, 2, rep);
	if (kt_read_full(go, &c, 1, KT_CHILD_MS) < 0)
		_exit(101);
	for (i = 0; i < CAP_THREADS; i++)
		ok += pthread_create(&t, NULL, parked_thread, NULL) == 0;
	end = kt_now_ms() + KT_CHILD_MS;
	while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < ok && kt_now_ms() < end)
		kt_sleep_ms(KT_STEP_MS);
	kt_put32(rep, ok);
	kt_put32(rep, __atomic_load_n(&started, __ATOMIC_SEQ_CST));
	report_one_more(rep);
	park();
}

TEST_F_TIMEOUT(caps, threads_exempt_from_cap, 90)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	struct kiste_sandbox_info info;
	int rep[2], go[2], status;
	int32_t r;
	uint32_t id;
	pid_t pid;

	KT_SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, kt_param_set_long("max_members", 3));
	ASSERT_EQ(0, kiste_sandbox_new(self->fix.nl, &spec, &id, NULL));
	kt_fix_track_id(&self->fix, id);
	ASSERT_EQ(0, pipe(rep));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		thread_starter(self->dev, id, rep[1], go[0]);
	kt_fix_track_pid(&self->fix, pid);
	ASSERT_EQ(0, kt_get32(rep[0], &r));
	ASSERT_EQ(0, r) TH_LOG("attach");
	ASSERT_EQ(0, kt_get32(rep[0], &r));
	/* the member and its 2 children: the cap is reached */
	ASSERT_EQ(0, kt_wait_members(self->fix.nl, id, 3, KT_SETTLE_MS, &info));

	ASSERT_EQ(0, kt_write_full(go[1], "g", 1));
	ASSERT_EQ(0, kt_get32(rep[0], &r)) TH_LOG("the member died starting threads");
	EXPECT_EQ(CAP_THREADS, r) TH_LOG("pthread_create succeeded %d times", r);
	ASSERT_EQ(0, kt_get32(rep[0], &r));
	EXPECT_EQ(CAP_THREADS, r) TH_LOG("%d threads ran", r);
	ASSERT_EQ(0, kt_get32(rep[0], &r)) TH_LOG("the member died forking");
	EXPECT_TRUE(WIFSIGNALED(r) && WTERMSIG(r) == SIGKILL) TH_LOG("4th process: status %#x", r);
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG)) TH_LOG("the member did not survive");
	ASSERT_EQ(0, kiste_sandbox_get(self->fix.nl, id, NULL, &info, NULL));
	EXPECT_EQ(3 + CAP_THREADS, info.members);
	EXPECT_EQ(1, info.cnt_refused);

	ASSERT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
	ASSERT_EQ(0, kt_wait_pid(pid, &status, KT_CHILD_MS));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	EXPECT_LE(0, kt_reap_all(KT_CHILD_MS));
	EXPECT_EQ(0, kt_wait_gone(self->fix.nl, id, KT_SETTLE_MS));
}

/* Raw NEW with PIDS_LIMIT and CPU_LIMIT; *id (tracked) on success. */
static int new_limits(struct kt_fix *fix, uint32_t mode, uint32_t pids, uint32_t cpu,
		      uint32_t *id, struct kt_reply *r)
{
	struct nlattr *tb[KISTE_A_MAX + 1];
	struct nl_msg *msg = kt_msg_new(fix->nl, KISTE_CMD_SANDBOX_NEW);
	int ret;

	*id = 0;
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, KISTE_A_MODE, mode) < 0 ||
	    nla_put_u32(msg, KISTE_A_PIDS_LIMIT, pids) < 0 ||
	    nla_put_u32(msg, KISTE_A_CPU_LIMIT, cpu) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	ret = kt_msg_xact(fix->nl, msg, r);
	if (ret < 0)
		return ret;
	if (kt_reply_parse(r, tb) < 0 || !tb[KISTE_A_ID] || !tb[KISTE_A_PIDS_LIMIT] ||
	    !tb[KISTE_A_CPU_LIMIT])
		return -EPROTO;
	*id = nla_get_u32(tb[KISTE_A_ID]);
	kt_fix_track_id(fix, *id);
	/* NEW replies with the sandbox: the limits as stored */
	if (nla_get_u32(tb[KISTE_A_PIDS_LIMIT]) != pids || nla_get_u32(tb[KISTE_A_CPU_LIMIT]) != cpu)
		return -EBADMSG;
	return 0;
}

/* NEW with limits; 0 when it was created (and GET shows them), else its errno. */
static int try_limits(struct __test_metadata *_metadata, struct kt_fix *fix, uint32_t mode,
		      uint32_t pids, uint32_t cpu)
{
	struct kiste_sandbox_info info;
	struct kt_reply r;
	uint32_t id;
	int ret = new_limits(fix, mode, pids, cpu, &id, &r);

	if (ret == 0) {
		EXPECT_EQ(0, kiste_sandbox_get(fix->nl, id, NULL, &info, NULL));
		EXPECT_EQ(pids, info.pids_limit);
		EXPECT_EQ(cpu, info.cpu_limit);
		EXPECT_EQ(0, kiste_sandbox_del(fix->nl, id, NULL));
	} else if (id) {
		kiste_sandbox_del(fix->nl, id, NULL);
	}
	if (ret < 0 && ret != -EPROTO && ret != -EBADMSG)
		EXPECT_NE(0, r.extack[0]) TH_LOG("mode %u pids %u cpu %u: %d without an extack",
						 mode, pids, cpu, ret);
	return ret;
}

/*
 * The create ioctl @cmd with limits and @name (NULL: none), in the struct of
 * its interface version (v3 and v4 callers' layout is struct
 * kiste_ioc_create_v4); 0 and GET shows them (shown[2]: whether the name
 * matches), else -errno.
 */
static int try_ioctl_limits_named(struct __test_metadata *_metadata, struct kt_fix *fix,
				  unsigned long cmd, uint32_t pids, uint32_t cpu,
				  const char *name, uint32_t *shown)
{
	struct kiste_ioc_create c = { .mode = KISTE_MODE_SHIM, .pids_limit = pids,
				      .cpu_limit = cpu };
	struct kiste_ioc_create_v4 old = { .mode = KISTE_MODE_SHIM, .pids_limit = pids,
					   .cpu_limit = cpu };
	bool cur = cmd == KISTE_IOC_CREATE;
	struct kiste_sandbox_info info;
	int fd = kiste_dev_open(NULL), ret;
	uint32_t id;

	/* as given, also without room for the NUL (the module must refuse that) */
	if (name) {
		memcpy(c.name, name, MIN(strlen(name), sizeof(c.name)));
		memcpy(old.name, name, MIN(strlen(name), sizeof(old.name)));
	}
	if (fd < 0)
		return fd;
	ret = ioctl(fd, cmd, cur ? (void *)&c : (void *)&old) < 0 ? -errno : 0;
	id = cur ? c.id : old.id;
	if (ret == 0) {
		kt_fix_track_id(fix, id);
		EXPECT_EQ(0, kiste_sandbox_get(fix->nl, id, NULL, &info, NULL));
		shown[0] = info.pids_limit;
		shown[1] = info.cpu_limit;
		shown[2] = name ? !strcmp(info.name, name) : !strncmp(info.name, "sb-", 3);
	}
	close(fd);
	if (ret == 0)
		EXPECT_EQ(0, kt_wait_gone(fix->nl, id, KT_SETTLE_MS));
	return ret;
}

static int try_ioctl_limits(struct __test_metadata *_metadata, struct kt_fix *fix,
			    unsigned long cmd, uint32_t pids, uint32_t cpu, uint32_t *shown)
{
	return try_ioctl_limits_named(_metadata, fix, cmd, pids, cpu, NULL, shown);
}

/*
 * A pids limit must stay below max_members (the sandbox's init is a member
 * too), so that the launcher's pids cgroup refuses a fork before the cap
 * kills it; vm mode's limit is the guest's.  Limits out of range are refused.
 */
TEST_F_TIMEOUT(caps, pids_and_cpu_limits, 90)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM, .pids_limit = 100 };
	struct kiste_err err = { 0 };
	char hex[KISTE_NAME_MAX];
	struct kt_reply r;
	uint32_t shown[3], id;
	int fd;

	KT_SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, kt_param_set_long("max_members", 100));
	/* stored, replied and reported */
	EXPECT_EQ(0, try_limits(_metadata, &self->fix, KISTE_MODE_SHIM, 50, 500));
	EXPECT_EQ(0, try_limits(_metadata, &self->fix, KISTE_MODE_SHIM, 99, 10));
	EXPECT_EQ(0, try_limits(_metadata, &self->fix, KISTE_MODE_UNIKERNEL, 8, 1024000));
	EXPECT_EQ(0, try_limits(_metadata, &self->fix, KISTE_MODE_SHIM, 0, 0));
	/* at or over the member cap */
	EXPECT_EQ(-E2BIG, try_limits(_metadata, &self->fix, KISTE_MODE_SHIM, 100, 0));
	EXPECT_EQ(-E2BIG, try_limits(_metadata, &self->fix, KISTE_MODE_SHIM, 2048, 0));
	EXPECT_EQ(-E2BIG, try_limits(_metadata, &self->fix, KISTE_MODE_UNIKERNEL, 100, 0));
	ASSERT_EQ(-E2BIG, new_limits(&self->fix, KISTE_MODE_SHIM, 100, 0, &id, &r));
	EXPECT_NE(NULL, strstr(r.extack, "max_members")) TH_LOG("extack: %s", r.extack);
	/* the guest's limit: its processes are not members */
	EXPECT_EQ(0, try_limits(_metadata, &self->fix, KISTE_MODE_VM, 2048, 1000));
	/* garbage: beyond a maximum the policy's ERANGE, below the CPU minimum EINVAL */
	EXPECT_EQ(-ERANGE, try_limits(_metadata, &self->fix, KISTE_MODE_VM, KISTE_PIDS_LIMIT_MAX + 1,
				      0));
	EXPECT_EQ(-ERANGE, try_limits(_metadata, &self->fix, KISTE_MODE_SHIM, 0xffffffff, 0));
	EXPECT_EQ(-EINVAL, try_limits(_metadata, &self->fix, KISTE_MODE_SHIM, 10, 9));
	EXPECT_EQ(-EINVAL, try_limits(_metadata, &self->fix, KISTE_MODE_SHIM, 10, 1));
	EXPECT_EQ(-ERANGE, try_limits(_metadata, &self->fix, KISTE_MODE_SHIM, 10,
				      KISTE_CPU_LIMIT_MAX + 1));
	EXPECT_EQ(-ERANGE, try_limits(_metadata, &self->fix, KISTE_MODE_SHIM, 10, 0xffffffff));
	EXPECT_EQ(0, try_limits(_metadata, &self->fix, KISTE_MODE_VM, KISTE_PIDS_LIMIT_MAX,
				KISTE_CPU_LIMIT_MAX));
	/* the cap is read at create: raised, the same limit is fine */
	ASSERT_EQ(0, kt_param_set_long("max_members", 101));
	EXPECT_EQ(0, try_limits(_metadata, &self->fix, KISTE_MODE_SHIM, 100, 0));
	ASSERT_EQ(0, kt_param_set_long("max_members", 100));

	/* the same rules through the create ioctl */
	EXPECT_EQ(0, try_ioctl_limits(_metadata, &self->fix, KISTE_IOC_CREATE, 99, 250, shown));
	EXPECT_EQ(99, shown[0]);
	EXPECT_EQ(250, shown[1]);
	EXPECT_EQ(-E2BIG, try_ioctl_limits(_metadata, &self->fix, KISTE_IOC_CREATE, 100, 0, shown));
	EXPECT_EQ(-EINVAL, try_ioctl_limits(_metadata, &self->fix, KISTE_IOC_CREATE, 10, 5, shown));
	EXPECT_EQ(-EINVAL, try_ioctl_limits(_metadata, &self->fix, KISTE_IOC_CREATE,
					    KISTE_PIDS_LIMIT_MAX + 1, 0, shown));
	EXPECT_EQ(-EINVAL, try_ioctl_limits(_metadata, &self->fix, KISTE_IOC_CREATE, 10,
					    KISTE_CPU_LIMIT_MAX + 1, shown));
	/* a v3 caller's struct ends before the limits: none, whatever follows it */
	shown[0] = shown[1] = 1;
	EXPECT_EQ(0, try_ioctl_limits(_metadata, &self->fix, KISTE_IOC_CREATE_V3, 100, 5, shown));
	EXPECT_EQ(0, shown[0]);
	EXPECT_EQ(0, shown[1]);
	EXPECT_EQ(0, try_ioctl_limits_named(_metadata, &self->fix, KISTE_IOC_CREATE_V3, 0, 0,
					    "kt-v3-name", shown));
	EXPECT_EQ(1, shown[2]);
	/* a v4 caller's: limits after a name of up to 63 characters */
	EXPECT_EQ(0, try_ioctl_limits_named(_metadata, &self->fix, KISTE_IOC_CREATE_V4, 99, 250,
					    "kt-v4-name", shown));
	EXPECT_EQ(99, shown[0]);
	EXPECT_EQ(250, shown[1]);
	EXPECT_EQ(1, shown[2]);
	EXPECT_EQ(-E2BIG, try_ioctl_limits(_metadata, &self->fix, KISTE_IOC_CREATE_V4, 100, 0,
					   shown));
	/* v5: an engine's 64-hex id and 127 characters are names; 64 unterminated bytes in v4 not */
	memset(hex, 'f', sizeof(hex));
	hex[64] = 0;
	EXPECT_EQ(0, try_ioctl_limits_named(_metadata, &self->fix, KISTE_IOC_CREATE, 0, 0, hex,
					    shown));
	EXPECT_EQ(1, shown[2]);
	EXPECT_EQ(-EINVAL, try_ioctl_limits_named(_metadata, &self->fix, KISTE_IOC_CREATE_V4, 0,
						  0, hex, shown));
	hex[64] = 'f';
	hex[KISTE_NAME_MAX - 1] = 0;
	EXPECT_EQ(0, try_ioctl_limits_named(_metadata, &self->fix, KISTE_IOC_CREATE, 0, 0, hex,
					    shown));
	EXPECT_EQ(1, shown[2]);

	/* libkiste's one line names both values and the fix */
	fd = kiste_dev_open(NULL);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-E2BIG, kiste_dev_create(fd, &spec, &id, &err));
	EXPECT_NE(NULL, strstr(err.msg, "pids limit 100")) TH_LOG("%s", err.msg);
	EXPECT_NE(NULL, strstr(err.msg, "max_members 100")) TH_LOG("%s", err.msg);
	EXPECT_NE(NULL, strstr(err.msg, "/sys/module/kiste/parameters/max_members"))
	TH_LOG("%s", err.msg);
	close(fd);
	kt_params_restore();
}

struct bomb_report {
	int32_t attach;
	int32_t forked; /* fork() calls that returned a pid */
	int32_t killed; /* children that died of SIGKILL before we let them go */
	int32_t alive;	/* children still alive at the end */
};

/* Forks up to BOMB_FORKS sleeping children; the cap must kill all but 4. */
static void bomb(int dev, uint32_t id, struct bomb_report *rep, int done)
{
	uint64_t end = kt_now_ms() + BOMB_MS, quiet;
	int status, i;
	pid_t p;

	rep->attach = kt_attach(dev, id, 0);
	if (rep->attach < 0)
		_exit(1);
	for (i = 0; i < BOMB_FORKS && kt_now_ms() < end; i++) {
		p = fork_sleeper();
		if (p < 0)
			break;
		rep->forked++;
	}
	/*
	 * Refused children are killed at fork time; collect them until none
	 * has died for half a second (bounded: TCG schedules slowly).
	 */
	quiet = kt_now_ms() + 500;
	end = kt_now_ms() + 5000;
	while (kt_now_ms() < quiet && kt_now_ms() < end) {
		p = waitpid(-1, &status, WNOHANG);
		if (p <= 0) {
			kt_sleep_ms(KT_STEP_MS);
			continue;
		}
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			rep->killed++;
		quiet = kt_now_ms() + 500;
	}
	rep->alive = rep->forked - rep->killed;
	kt_put32(done, 1);
	park();
}

TEST_F_TIMEOUT(caps, fork_bomb, 180)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	struct kiste_event evs[512];
	struct kiste_sandbox_info info;
	struct kiste_err err = { 0 };
	struct kiste_nl *ev_nl = NULL;
	struct bomb_report *rep;
	uint32_t id, max_seen = 0;
	size_t n = 0, i, refused = 0, bad_parent = 0;
	uint64_t end;
	bool lost = false;
	int pipefd[2], status, ret;
	int32_t r;
	pid_t pid;

	KT_SKIP_IF_SETUP_SKIPPED();
	rep = kt_shared(sizeof(*rep));
	ASSERT_NE(NULL, rep);
	ASSERT_EQ(0, kiste_nl_open(&ev_nl, &err)) TH_LOG("%s", err.msg);
	ASSERT_EQ(0, kiste_events_subscribe(ev_nl, &err)) TH_LOG("%s", err.msg);
	ASSERT_EQ(0, kt_param_set_long("max_members", MEMBER_CAP));
	ASSERT_EQ(0, kiste_sandbox_new(self->fix.nl, &spec, &id, NULL));
	kt_fix_track_id(&self->fix, id);
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		bomb(self->dev, id, rep, pipefd[1]);
	kt_fix_track_pid(&self->fix, pid);
	/* Sample the member count while the bomb runs. */
	end = kt_now_ms() + BOMB_MS + KT_CHILD_MS;
	for (;;) {
		if (kiste_sandbox_get(self->fix.nl, id, NULL, &info, NULL) == 0 &&
		    info.members > max_seen)
			max_seen = info.members;
		if (kt_read_full(pipefd[0], &r, sizeof(r), KT_STEP_MS) == 0)
			break;
		ASSERT_GT(end, kt_now_ms()) TH_LOG("fork bomb did not finish");
	}
	ASSERT_EQ(0, rep->attach);
	EXPECT_GE(MEMBER_CAP, max_seen);
	EXPECT_LT(MEMBER_CAP, rep->forked) TH_LOG("only %d forks", rep->forked);
	EXPECT_EQ(MEMBER_CAP - 1, rep->alive)
	TH_LOG("forked %d killed %d", rep->forked, rep->killed);
	ASSERT_EQ(0, kiste_sandbox_get(self->fix.nl, id, NULL, &info, NULL));
	EXPECT_EQ(MEMBER_CAP, info.members);
	EXPECT_LT(0, info.cnt_refused);
	EXPECT_EQ((uint64_t)rep->killed, info.cnt_refused);

	ASSERT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
	ASSERT_EQ(0, kt_wait_pid(pid, &status, KT_CHILD_MS));
	EXPECT_LE(0, kt_reap_all(KT_CHILD_MS));
	EXPECT_EQ(0, kt_wait_gone(self->fix.nl, id, KT_SETTLE_MS));

	ret = kt_events_collect(ev_nl, id, KISTE_EVENT_DELETED, evs, 512, &n, &lost, KT_CHILD_MS);
	EXPECT_TRUE(ret == 0 || lost) TH_LOG("events: %d after %zu", ret, n);
	for (i = 0; i < n; i++) {
		if (evs[i].type != KISTE_EVENT_MEMBER_REFUSED)
			continue;
		refused++;
		if (evs[i].parent_pid != (uint32_t)pid || evs[i].pid == 0)
			bad_parent++;
	}
	EXPECT_LT(0, refused);
	if (!lost)
		EXPECT_EQ(info.cnt_refused, refused);
	EXPECT_EQ(0, bad_parent);
	kiste_nl_close(ev_nl);
	kt_params_restore();
}

KT_HARNESS_MAIN
