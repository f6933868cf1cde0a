// SPDX-License-Identifier: GPL-2.0
// /dev/kiste and a dying sandbox: a member held by the cgroup v1 freezer after DEL.
// kiste-suite: vm kiste_device_dying
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kt_fixture.h"
#include "kt_freezer.h"

/* The device suite's fixture, plus the freezer; the test keeps its name dev.attach_dying. */
FIXTURE(dev)
{
	struct kt_fix fix;
	int dev;
	struct kt_freezer frz;
};

FIXTURE_SETUP(dev)
{
	kt_fix_dev_setup(_metadata, &self->fix, &self->dev);
}

FIXTURE_TEARDOWN(dev)
{
	/* A frozen member cannot die: thaw before the leak check and cleanup. */
	kt_frz_cleanup(&self->frz);
	kt_fix_dev_teardown(_metadata, &self->fix, &self->dev);
}

TEST_F_TIMEOUT(dev, attach_dying, 60)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	struct kiste_sandbox_info info;
	int rep[2], go[2], status, ret;
	char name[64];
	uint32_t id, id2;
	int32_t r;
	pid_t m, x;

	KT_SKIP_IF_SETUP_SKIPPED();
	ret = kt_frz_setup(&self->frz);
	if (ret < 0)
		SKIP(return, "cgroup v1 freezer unavailable (%s): cannot hold a sandbox dying",
			   strerror(-ret));
	snprintf(name, sizeof(name), "dev-dying-%d", (int)getpid());
	spec.name = name;
	ASSERT_EQ(0, kiste_sandbox_new(self->fix.nl, &spec, &id, NULL));
	kt_fix_track_id(&self->fix, id);
	ASSERT_EQ(0, pipe(rep));
	ASSERT_EQ(0, pipe(go));
	m = fork();
	ASSERT_LE(0, m);
	if (m == 0) {
		kt_put32(rep[1], kt_attach(self->dev, id, 0));
		kt_sleep_ms(KT_MEMBER_SLEEP_MS);
		_exit(0);
	}
	kt_fix_track_pid(&self->fix, m);
	ASSERT_EQ(0, kt_get32(rep[0], &r));
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, kt_frz_freeze(&self->frz, m));

	ASSERT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
	ASSERT_EQ(0, kiste_sandbox_get(self->fix.nl, id, NULL, &info, NULL));
	EXPECT_EQ(KISTE_STATE_DYING, info.state);
	EXPECT_EQ(1, info.members);
	/* The name stays taken until the sandbox is unlinked. */
	EXPECT_EQ(-EEXIST, kiste_sandbox_new(self->fix.nl, &spec, &id2, NULL));
	x = fork();
	ASSERT_LE(0, x);
	if (x == 0) {
		kt_put32(rep[1], kt_attach(self->dev, id, 0));
		_exit(0);
	}
	kt_fix_track_pid(&self->fix, x);
	ASSERT_EQ(0, kt_get32(rep[0], &r));
	EXPECT_EQ(-ESRCH, r);
	ASSERT_EQ(0, kt_wait_pid(x, &status, KT_CHILD_MS));
	ASSERT_EQ(0, kiste_sandbox_get(self->fix.nl, id, NULL, &info, NULL));
	EXPECT_EQ(1, info.members);

	kt_frz_thaw(&self->frz);
	ASSERT_EQ(0, kt_wait_pid(m, &status, KT_CHILD_MS));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
	TH_LOG("status %#x", status);
	EXPECT_EQ(0, kt_wait_gone(self->fix.nl, id, KT_SETTLE_MS));
	kt_frz_cleanup(&self->frz);
}

KT_HARNESS_MAIN
