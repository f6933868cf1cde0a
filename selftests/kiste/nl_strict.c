// SPDX-License-Identifier: GPL-2.0
// nl_strict.c - netlink strictness: names are exactly one string, other users' sandboxes look absent, STATS is private.
// kiste-suite: vm kiste_nl_strict
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "kselftest_harness.h"
#include "kt_fixture.h"

#define NOBODY 65534

KT_DEV_FIXTURE(strict);

/* A request with a NAME attribute of exactly @len raw bytes. */
static int raw_name(struct kiste_nl *nl, uint8_t cmd, const char *name, size_t len, uint32_t *id,
		    struct kt_reply *r)
{
	struct nlattr *tb[KISTE_A_MAX + 1];
	struct nl_msg *msg = kt_msg_new(nl, cmd);
	int ret;

	if (!msg)
		return -ENOMEM;
	if (nla_put(msg, KISTE_A_NAME, (int)len, name) < 0 ||
	    (cmd == KISTE_CMD_SANDBOX_NEW && nla_put_u32(msg, KISTE_A_MODE, KISTE_MODE_SHIM) < 0)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	ret = kt_msg_xact(nl, msg, r);
	if (ret == 0 && id && kt_reply_parse(r, tb) == 0 && tb[KISTE_A_ID])
		*id = nla_get_u32(tb[KISTE_A_ID]);
	return ret;
}

/* Issue 15, finding 19: "kt-nul\0tail" was taken for "kt-nul". */
TEST_F_TIMEOUT(strict, names_with_nul_refused, 60)
{
	static const char nul[] = "kt-nul\0tail";
	char name[KISTE_NAME_MAX + 16];
	struct kt_reply r;
	uint32_t id = 0;
	int ret;

	KT_SKIP_IF_SETUP_SKIPPED();
	ret = raw_name(self->fix.nl, KISTE_CMD_SANDBOX_NEW, nul, sizeof(nul), &id, &r);
	EXPECT_EQ(-EINVAL, ret);
	if (ret == 0) {
		TH_LOG("created sandbox %u from a name with an embedded NUL", id);
		kiste_sandbox_del(self->fix.nl, id, NULL);
	}
	EXPECT_NE(0, r.extack[0]) TH_LOG("EINVAL without extack");
	EXPECT_EQ(-EINVAL, raw_name(self->fix.nl, KISTE_CMD_SANDBOX_GET, nul, sizeof(nul), NULL, &r));
	/* not terminated at all */
	EXPECT_EQ(-EINVAL, raw_name(self->fix.nl, KISTE_CMD_SANDBOX_GET, "kt-nul", 6, NULL, &r));

	/* 127 characters are a name, 128 are not */
	memset(name, 'n', sizeof(name));
	name[KISTE_NAME_MAX - 1] = 0;
	ret = raw_name(self->fix.nl, KISTE_CMD_SANDBOX_NEW, name, KISTE_NAME_MAX, &id, &r);
	EXPECT_EQ(0, ret) TH_LOG("127 characters: %s", r.extack);
	if (ret == 0)
		EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
	name[KISTE_NAME_MAX - 1] = 'n';
	name[KISTE_NAME_MAX] = 0;
	ret = raw_name(self->fix.nl, KISTE_CMD_SANDBOX_NEW, name, KISTE_NAME_MAX + 1, &id, &r);
	EXPECT_TRUE(ret == -EINVAL || ret == -ERANGE) TH_LOG("128 characters: %d", ret);
	if (ret == 0)
		kiste_sandbox_del(self->fix.nl, id, NULL);
}

struct probe_report {
	int setup;
	int by_name[2], by_id[2];	/* [0] someone else's, [1] nobody's at all */
	char msg_name[2][256], msg_id[2][256];
	int kill, del;
	int stats, stats_version, stats_counts;
};

static int drop_to_nobody(void)
{
	if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
	    setresuid(NOBODY, NOBODY, NOBODY) < 0)
		return -errno;
	return 0;
}

static void stats_probe(struct kiste_nl *nl, struct probe_report *o)
{
	struct nlattr *tb[KISTE_A_MAX + 1];
	struct nl_msg *msg = kt_msg_new(nl, KISTE_CMD_STATS);
	struct kt_reply r;

	o->stats = msg ? kt_msg_xact(nl, msg, &r) : -ENOMEM;
	if (o->stats || kt_reply_parse(&r, tb) < 0)
		return;
	o->stats_version = tb[KISTE_A_IFACE_VERSION] != NULL;
	o->stats_counts = !!tb[KISTE_A_STATS_SANDBOXES] + !!tb[KISTE_A_STATS_MEMBERS] +
			  !!tb[KISTE_A_STATS_FILES] + !!tb[KISTE_A_STATS_IDS_ISSUED];
}

static void probe_child(struct probe_report *o, uint32_t id, const char *name,
			const char *absent)
{
	struct kiste_nl *nl;
	struct kt_reply r;

	o->setup = drop_to_nobody();
	if (!o->setup)
		o->setup = kiste_nl_open(&nl, NULL);
	if (o->setup)
		_exit(1);
	o->by_name[0] = kt_raw_ref(nl, KISTE_CMD_SANDBOX_GET, 0, name, &r);
	memcpy(o->msg_name[0], r.extack, sizeof(o->msg_name[0]));
	o->by_name[1] = kt_raw_ref(nl, KISTE_CMD_SANDBOX_GET, 0, absent, &r);
	memcpy(o->msg_name[1], r.extack, sizeof(o->msg_name[1]));
	o->by_id[0] = kt_raw_ref(nl, KISTE_CMD_SANDBOX_GET, id, NULL, &r);
	memcpy(o->msg_id[0], r.extack, sizeof(o->msg_id[0]));
	o->by_id[1] = kt_raw_ref(nl, KISTE_CMD_SANDBOX_GET, 0x7ffffff0, NULL, &r);
	memcpy(o->msg_id[1], r.extack, sizeof(o->msg_id[1]));
	o->kill = kt_raw_ref(nl, KISTE_CMD_SANDBOX_KILL, 0, name, &r);
	o->del = kt_raw_ref(nl, KISTE_CMD_SANDBOX_DEL, 0, name, &r);
	stats_probe(nl, o);
	_exit(0);
}

/*
 * Issue 15, finding 19: ENOENT for a missing sandbox but EPERM for someone
 * else's told other users which names exist; STATS told them how many
 * sandboxes, members and descriptors the host has.
 */
TEST_F_TIMEOUT(strict, other_users_probe_nothing, 60)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	struct probe_report *o, root = { 0 };
	char name[64], absent[64];
	int status, i;
	uint32_t id;
	pid_t pid;

	KT_SKIP_IF_SETUP_SKIPPED();
	o = kt_shared(sizeof(*o));
	ASSERT_NE(NULL, o);
	snprintf(name, sizeof(name), "kt-secret-%d", (int)getpid());
	snprintf(absent, sizeof(absent), "kt-absent-%d", (int)getpid());
	spec.name = name;
	ASSERT_EQ(0, kiste_sandbox_new(self->fix.nl, &spec, &id, NULL));
	kt_fix_track_id(&self->fix, id);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		probe_child(o, id, name, absent);
	kt_fix_track_pid(&self->fix, pid);
	ASSERT_EQ(0, kt_wait_pid(pid, &status, KT_CHILD_MS));
	ASSERT_EQ(0, o->setup);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(-ENOENT, o->by_name[i]) TH_LOG("GET by name, case %d", i);
		EXPECT_EQ(-ENOENT, o->by_id[i]) TH_LOG("GET by id, case %d", i);
	}
	EXPECT_STREQ(o->msg_name[1], o->msg_name[0]);
	EXPECT_STREQ(o->msg_id[1], o->msg_id[0]);
	EXPECT_EQ(-ENOENT, o->kill);
	EXPECT_EQ(-ENOENT, o->del);
	EXPECT_EQ(0, o->stats);
	EXPECT_EQ(1, o->stats_version);
	EXPECT_EQ(0, o->stats_counts) TH_LOG("uid %d reads the host's object counts", NOBODY);

	/* root's own view is whole */
	stats_probe(self->fix.nl, &root);
	EXPECT_EQ(0, root.stats);
	EXPECT_EQ(4, root.stats_counts);
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
}

KT_HARNESS_MAIN
