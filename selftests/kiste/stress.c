// SPDX-License-Identifier: GPL-2.0
// kiste.ko under load: 10,000 create/delete cycles, 64 concurrent workers racing deletes.
// On the debug kernel (KISTE_TEST_TIME_SCALE set) a quarter of the cycles and one round
// per worker: the same paths and races at a quarter of the 3.5 minutes they took there.
// kiste-suite: vm kiste_stress
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kt_fixture.h"

#define CYCLES	  10000
#define DEBUG_CYCLES 2500
#define CYCLES_MS 400000 /* wall bound for the cycles under TCG */
#define WORKERS	  64
#define ROUNDS	  3
#define DEBUG_ROUNDS 1
#define SHARED	  8
#define WORKER_MS 120000 /* a child that has not exited by then counts as hung */
/* Teardown under load: thousands of exits can take a while under TCG. */
#define STRESS_SETTLE_MS 20000

FIXTURE(stress)
{
	struct kt_fix fix;
};

/* Is this the debug kernel's run (vm_debug_begin exports KISTE_TEST_TIME_SCALE)? */
static bool debug_run(void)
{
	const char *s = getenv("KISTE_TEST_TIME_SCALE");

	return s && *s && strcmp(s, "1");
}

FIXTURE_SETUP(stress)
{
	kt_fix_setup(_metadata, &self->fix);
	self->fix.settle_ms = STRESS_SETTLE_MS;
}

FIXTURE_TEARDOWN(stress)
{
	kt_fix_teardown(_metadata, &self->fix);
}

TEST_F_TIMEOUT(stress, create_delete_cycles, 600)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	struct kiste_err err = { 0 };
	struct kiste_stats st;
	uint64_t end = kt_now_ms() + CYCLES_MS;
	char name[64];
	uint32_t id, last = 0;
	int i, cycles = debug_run() ? DEBUG_CYCLES : CYCLES;

	KT_SKIP_IF_SETUP_SKIPPED();
	/* One name for every cycle: DEL must free it for the next NEW. */
	snprintf(name, sizeof(name), "stress-cycle-%d", (int)getpid());
	spec.name = name;
	for (i = 0; i < cycles; i++) {
		ASSERT_EQ(0, kiste_sandbox_new(self->fix.nl, &spec, &id, &err))
		TH_LOG("cycle %d: NEW: %s", i, err.msg);
		ASSERT_LT(last, id) TH_LOG("cycle %d: id %u after %u", i, id, last);
		last = id;
		ASSERT_EQ(0, kiste_sandbox_del(self->fix.nl, id, &err))
		TH_LOG("cycle %d: DEL: %s", i, err.msg);
		ASSERT_GT(end, kt_now_ms()) TH_LOG("only %d cycles in %d ms", i, CYCLES_MS);
	}
	ASSERT_EQ(0, kt_stats_settle(self->fix.nl, &self->fix.base, true, KT_SETTLE_MS, &st));
	EXPECT_EQ(self->fix.base.ids_issued + cycles, st.ids_issued);
}

/* Worker failures: the exit code says which step went wrong. */
enum { WK_OK, WK_NL, WK_DEV, WK_CREATE, WK_FORK, WK_CHILD, WK_NEW, WK_DEL };

static bool attach_ok(int ret)
{
	/* The parent deletes sandboxes under our feet: dying or gone are fine. */
	return ret == 0 || ret == -ESRCH || ret == -ENOENT;
}

static bool child_ok(int status)
{
	return (WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
	       (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

/* A member that forks one more member (which exits at once), then exits. */
static void stress_child(int fd, uint32_t id)
{
	int ret = kt_attach(fd, id, 0), status;
	pid_t g;

	if (!attach_ok(ret))
		_exit(10);
	if (ret == 0) {
		g = fork();
		if (g == 0)
			_exit(0);
		/* 64 workers share two emulated CPUs (and KASAN): be patient */
		if (g > 0 && kt_wait_pid(g, &status, WORKER_MS) < 0)
			_exit(11);
	}
	_exit(0);
}

static int run_children(int fd, uint32_t id, int n)
{
	int i, status, ret = WK_OK;
	pid_t p[4];

	for (i = 0; i < n; i++) {
		p[i] = fork();
		if (p[i] == 0)
			stress_child(fd, id);
	}
	for (i = 0; i < n; i++) {
		if (p[i] < 0)
			ret = WK_FORK;
		else if (kt_wait_pid(p[i], &status, WORKER_MS) < 0 || !child_ok(status))
			ret = WK_CHILD;
	}
	return ret;
}

static int worker_round(struct kiste_nl *nl, int dev, uint32_t shared)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	uint32_t id;
	int fd, ret;

	/* A temporary sandbox with three members, gone when its fd closes. */
	fd = kiste_dev_open(NULL);
	if (fd < 0)
		return WK_DEV;
	if (kiste_dev_create(fd, &spec, &id, NULL) < 0) {
		close(fd);
		return WK_CREATE;
	}
	ret = run_children(fd, 0, 3);
	close(fd);
	if (ret)
		return ret;
	/* Members of a shared sandbox the parent may be deleting. */
	ret = run_children(dev, shared, 2);
	if (ret)
		return ret;
	if (kiste_sandbox_new(nl, &spec, &id, NULL) < 0)
		return WK_NEW;
	ret = kiste_sandbox_del(nl, id, NULL);
	return ret == 0 || ret == -ENOENT ? WK_OK : WK_DEL;
}

static void worker(int w, const uint32_t *shared)
{
	struct kiste_nl *nl;
	int dev, r, ret, rounds = debug_run() ? DEBUG_ROUNDS : ROUNDS;

	if (kiste_nl_open(&nl, NULL) < 0)
		_exit(WK_NL);
	dev = kiste_dev_open(NULL);
	if (dev < 0)
		_exit(WK_DEV);
	for (r = 0; r < rounds; r++) {
		ret = worker_round(nl, dev, shared[(w + r) % SHARED]);
		if (ret)
			_exit(ret);
	}
	_exit(WK_OK);
}

/* Deletes one sandbox created since the test began, rotating through the dump. */
static void delete_one(struct kiste_nl *nl, uint32_t first_id, unsigned int turn)
{
	struct kiste_sandbox_info *infos = NULL;
	size_t n = 0, i, cand = 0;

	if (kiste_sandbox_list(nl, &infos, &n, NULL) < 0)
		return;
	for (i = 0; i < n; i++)
		if (infos[i].id >= first_id)
			cand++;
	if (cand) {
		cand = turn % cand;
		for (i = 0; i < n; i++)
			if (infos[i].id >= first_id && cand-- == 0)
				break;
		kiste_sandbox_del(nl, infos[i].id, NULL);
	}
	free(infos);
}

TEST_F_TIMEOUT(stress, concurrent_workers, 600)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	uint32_t shared[SHARED], first_id;
	pid_t pids[WORKERS], p;
	int i, status, left = 0, failed = 0, owned;
	unsigned int turn = 0;

	KT_SKIP_IF_SETUP_SKIPPED();
	owned = kt_list_count_owner(self->fix.nl, 0);
	ASSERT_LE(0, owned);
	/* Each worker holds up to two sandboxes at once, all owned by root. */
	ASSERT_EQ(0, kt_param_set_long("max_sandboxes_per_uid", owned + 4 * WORKERS + SHARED));
	first_id = self->fix.base.ids_issued + 1;
	for (i = 0; i < SHARED; i++) {
		ASSERT_EQ(0, kiste_sandbox_new(self->fix.nl, &spec, &shared[i], NULL));
		kt_fix_track_id(&self->fix, shared[i]);
	}
	for (i = 0; i < WORKERS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0)
			worker(i, shared);
		kt_fix_track_pid(&self->fix, pids[i]);
		left++;
	}
	/*
	 * Race deletes against the workers until they are all done.  How long
	 * that takes is no result (the debug kernel on a loaded host took more
	 * than two minutes): a hang ends at the test's timeout.
	 */
	while (left > 0) {
		delete_one(self->fix.nl, first_id, turn++);
		kt_sleep_ms(5);
		while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
			for (i = 0; i < WORKERS; i++) {
				if (pids[i] != p)
					continue;
				left--;
				if (!WIFEXITED(status) || WEXITSTATUS(status) != WK_OK) {
					failed++;
					TH_LOG("worker %d: status %#x", i, status);
				}
			}
		}
	}
	EXPECT_EQ(0, failed);
	for (i = 0; i < SHARED; i++) {
		int ret = kiste_sandbox_del(self->fix.nl, shared[i], NULL);

		EXPECT_TRUE(ret == 0 || ret == -ENOENT);
	}
	EXPECT_LE(0, kt_reap_all(KT_CHILD_MS));
	EXPECT_EQ(0, kt_list_count_owner(self->fix.nl, 0) - owned);
	kt_params_restore();
}

KT_HARNESS_MAIN
