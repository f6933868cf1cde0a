// SPDX-License-Identifier: GPL-2.0
// kiste.ko's rights: what an unprivileged user sees of, and may do to, root's sandboxes, and create_gid.
// kiste-suite: vm kiste_ownership
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "kselftest_harness.h"
#include "kt_fixture.h"

#define NOBODY 65534

KT_NL_FIXTURE(nl);

/* What the unprivileged child saw; filled in shared memory. */
struct owner_report {
	int setup;
	int get, kill, del, new_, attach, dev_create, list, sub;
	char get_msg[256], kill_msg[256], del_msg[256], new_msg[256];
	int list_n, list_foreign;
	/* after create_gid = 65534 */
	int new2;
	char new2_msg[256];
	uint32_t own_id;
	int list2, list2_n, list2_foreign, list2_own;
};

static int drop_to_nobody(void)
{
	if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
	    setresuid(NOBODY, NOBODY, NOBODY) < 0)
		return -errno;
	return 0;
}

static void owner_list(struct kiste_nl *nl, int *ret, int *n, int *foreign, int *own, uint32_t id)
{
	struct kiste_sandbox_info *infos = NULL;
	size_t cnt = 0, i;

	*ret = kiste_sandbox_list(nl, &infos, &cnt, NULL);
	*n = (int)cnt;
	for (i = 0; i < cnt; i++) {
		if (infos[i].owner_uid != NOBODY)
			(*foreign)++;
		if (own && infos[i].id == id)
			(*own)++;
	}
	free(infos);
}

static void owner_child(struct owner_report *o, int dev, uint32_t root_id, int rep, int go)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	struct kiste_err err = { 0 };
	struct kiste_nl *nl;
	struct kt_reply r;
	uint32_t id;
	char c;

	o->setup = drop_to_nobody();
	if (o->setup == 0)
		o->setup = kiste_nl_open(&nl, &err);
	if (o->setup < 0)
		_exit(1);
	o->get = kt_raw_ref(nl, KISTE_CMD_SANDBOX_GET, root_id, NULL, &r);
	memcpy(o->get_msg, r.extack, sizeof(o->get_msg));
	o->kill = kt_raw_ref(nl, KISTE_CMD_SANDBOX_KILL, root_id, NULL, &r);
	memcpy(o->kill_msg, r.extack, sizeof(o->kill_msg));
	o->del = kt_raw_ref(nl, KISTE_CMD_SANDBOX_DEL, root_id, NULL, &r);
	memcpy(o->del_msg, r.extack, sizeof(o->del_msg));
	o->new_ = kt_raw_new(nl, NULL, KISTE_MODE_SHIM, NULL, &r);
	memcpy(o->new_msg, r.extack, sizeof(o->new_msg));
	o->dev_create = kiste_dev_create(dev, &spec, &id, NULL);
	o->attach = kt_attach(dev, root_id, 0);
	owner_list(nl, &o->list, &o->list_n, &o->list_foreign, NULL, 0);
	o->sub = kiste_events_subscribe(nl, NULL);
	if (kt_write_full(rep, "1", 1) < 0 || kt_read_full(go, &c, 1, 60000) < 0)
		_exit(2);

	o->new2 = kiste_sandbox_new(nl, &spec, &o->own_id, &err);
	memcpy(o->new2_msg, err.msg, sizeof(o->new2_msg));
	owner_list(nl, &o->list2, &o->list2_n, &o->list2_foreign, &o->list2_own, o->own_id);
	if (kt_write_full(rep, "2", 1) < 0 || kt_read_full(go, &c, 1, 60000) < 0)
		_exit(3);
	_exit(o->new2 == 0 && kiste_sandbox_del(nl, o->own_id, NULL) < 0 ? 4 : 0);
}

TEST_F_TIMEOUT(nl, ownership, 90)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	struct kiste_sandbox_info info;
	struct kiste_err err = { 0 };
	struct owner_report *o;
	int rep[2], go[2], dev, status;
	uint32_t root_id;
	pid_t pid;
	char c;

	KT_SKIP_IF_SETUP_SKIPPED();
	o = kt_shared(sizeof(*o));
	ASSERT_NE(NULL, o);
	ASSERT_EQ(0, kiste_sandbox_new(self->fix.nl, &spec, &root_id, &err)) TH_LOG("%s", err.msg);
	kt_fix_track_id(&self->fix, root_id);
	/* Opened as root: the device node's mode must not decide what is tested. */
	dev = kiste_dev_open(&err);
	ASSERT_LE(0, dev) TH_LOG("%s", err.msg);
	ASSERT_EQ(0, pipe(rep));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		owner_child(o, dev, root_id, rep[1], go[0]);
	kt_fix_track_pid(&self->fix, pid);
	close(dev);
	ASSERT_EQ(0, kt_read_full(rep[0], &c, 1, KT_CHILD_MS)) TH_LOG("child setup %d", o->setup);
	/* someone else's sandbox looks like none at all (nl_strict.c) */
	EXPECT_EQ(-ENOENT, o->get);
	EXPECT_NE(0, o->get_msg[0]) TH_LOG("GET: ENOENT without extack");
	EXPECT_EQ(-ENOENT, o->kill);
	EXPECT_NE(0, o->kill_msg[0]) TH_LOG("KILL: ENOENT without extack");
	EXPECT_EQ(-ENOENT, o->del);
	EXPECT_NE(0, o->del_msg[0]) TH_LOG("DEL: ENOENT without extack");
	EXPECT_EQ(-EPERM, o->new_);
	EXPECT_NE(0, o->new_msg[0]) TH_LOG("NEW: EPERM without extack");
	EXPECT_EQ(-EPERM, o->dev_create);
	EXPECT_EQ(-ENOENT, o->attach);
	EXPECT_EQ(0, o->list);
	EXPECT_EQ(0, o->list_foreign) TH_LOG("uid %d sees %d foreign sandboxes", NOBODY, o->list_n);
	EXPECT_EQ(-EPERM, o->sub);
	/* root's sandbox survived, with no member */
	ASSERT_EQ(0, kiste_sandbox_get(self->fix.nl, root_id, NULL, &info, NULL));
	EXPECT_EQ(0, info.members);
	EXPECT_EQ(KISTE_STATE_CREATED, info.state);

	ASSERT_EQ(0, kt_param_set_long("create_gid", NOBODY));
	ASSERT_EQ(0, kt_write_full(go[1], "g", 1));
	ASSERT_EQ(0, kt_read_full(rep[0], &c, 1, KT_CHILD_MS));
	EXPECT_EQ(0, o->new2) TH_LOG("NEW as a create_gid member: %s", o->new2_msg);
	EXPECT_EQ(0, o->list2);
	EXPECT_EQ(0, o->list2_foreign);
	EXPECT_EQ(1, o->list2_own);
	EXPECT_EQ(1, o->list2_n);
	if (o->new2 == 0) {
		kt_fix_track_id(&self->fix, o->own_id);
		ASSERT_EQ(0, kiste_sandbox_get(self->fix.nl, o->own_id, NULL, &info, NULL));
		EXPECT_EQ(NOBODY, info.owner_uid);
		EXPECT_EQ(1, kt_list_has(self->fix.nl, o->own_id));
	}
	EXPECT_EQ(1, kt_list_has(self->fix.nl, root_id));
	ASSERT_EQ(0, kt_write_full(go[1], "g", 1));
	ASSERT_EQ(0, kt_wait_pid(pid, &status, KT_CHILD_MS));
	EXPECT_EQ(0, status) TH_LOG("child status %#x", status);
	if (o->new2 == 0)
		EXPECT_EQ(0, kt_wait_gone(self->fix.nl, o->own_id, KT_SETTLE_MS));
	kt_params_restore();
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, root_id, NULL));
}

KT_HARNESS_MAIN
