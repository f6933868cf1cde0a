// SPDX-License-Identifier: GPL-2.0
// kiste.ko genl family: create/get/dump/kill/delete, names, strict attribute checks, ids, events (rights: ownership.c).
// kiste-suite: vm kiste_netlink
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "kselftest_harness.h"
#include "kt_fixture.h"

KT_NL_FIXTURE(nl);

/* A name unique to this test run, so leftovers of other runs never collide. */
static const char *uname_(char *buf, size_t len, const char *what)
{
	snprintf(buf, len, "%s-%d", what, (int)getpid());
	return buf;
}

static bool is_einval_or_erange(int ret)
{
	return ret == -EINVAL || ret == -ERANGE;
}

TEST_F_TIMEOUT(nl, create_get_dump_kill_delete, 60)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	struct kiste_sandbox_info info, byname;
	struct kiste_err err = { 0 };
	struct kiste_nl *nl = self->fix.nl;
	char name[64];
	uint32_t id = 0;

	KT_SKIP_IF_SETUP_SKIPPED();
	spec.name = uname_(name, sizeof(name), "nl-basic");
	ASSERT_EQ(0, kiste_sandbox_new(nl, &spec, &id, &err)) TH_LOG("new: %s", err.msg);
	kt_fix_track_id(&self->fix, id);
	ASSERT_NE(0, id);

	ASSERT_EQ(0, kiste_sandbox_get(nl, id, NULL, &info, &err)) TH_LOG("get: %s", err.msg);
	EXPECT_EQ(id, info.id);
	EXPECT_STREQ(name, info.name);
	EXPECT_EQ(KISTE_MODE_SHIM, info.mode);
	EXPECT_EQ(KISTE_STATE_CREATED, info.state);
	EXPECT_EQ(0, info.owner_uid);
	EXPECT_EQ(0, info.members);
	EXPECT_EQ(0, info.members_total);
	EXPECT_EQ(0, info.flags);
	EXPECT_NE(0, info.created_ns);

	ASSERT_EQ(0, kiste_sandbox_get(nl, 0, name, &byname, &err)) TH_LOG("get: %s", err.msg);
	EXPECT_EQ(id, byname.id);
	EXPECT_EQ(info.created_ns, byname.created_ns);

	EXPECT_EQ(1, kt_list_has(nl, id));
	EXPECT_EQ(0, kiste_sandbox_kill(nl, id, 0, &err)) TH_LOG("kill: %s", err.msg);
	EXPECT_EQ(0, kiste_sandbox_kill(nl, id, SIGTERM, &err)) TH_LOG("kill: %s", err.msg);

	ASSERT_EQ(0, kiste_sandbox_del(nl, id, &err)) TH_LOG("del: %s", err.msg);
	EXPECT_EQ(-ENOENT, kiste_sandbox_get(nl, id, NULL, &info, NULL));
	EXPECT_EQ(-ENOENT, kiste_sandbox_get(nl, 0, name, &info, NULL));
	EXPECT_EQ(0, kt_list_has(nl, id));
	EXPECT_EQ(-ENOENT, kiste_sandbox_del(nl, id, NULL));
}

static uint64_t boottime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

TEST_F_TIMEOUT(nl, new_reply_fields, 60)
{
	struct nlattr *tb[KISTE_A_MAX + 1];
	struct kiste_sandbox_info info;
	struct kiste_stats before, after;
	struct kt_reply r;
	struct nl_msg *msg;
	uint64_t t0, t1;
	char name[64];
	uint32_t id;

	KT_SKIP_IF_SETUP_SKIPPED();
	uname_(name, sizeof(name), "nl-reply");
	ASSERT_EQ(0, kiste_stats_get(self->fix.nl, &before, NULL));
	msg = kt_msg_new(self->fix.nl, KISTE_CMD_SANDBOX_NEW);
	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_string(msg, KISTE_A_NAME, name));
	ASSERT_EQ(0, nla_put_u32(msg, KISTE_A_MODE, KISTE_MODE_SHIM));
	ASSERT_EQ(0, nla_put_u64(msg, KISTE_A_MEMORY_LIMIT, 64ull << 20));
	ASSERT_EQ(0, nla_put_u32(msg, KISTE_A_VCPU_LIMIT, 2));
	t0 = boottime_ns();
	ASSERT_EQ(0, kt_msg_xact(self->fix.nl, msg, &r)) TH_LOG("NEW: %s", r.extack);
	t1 = boottime_ns();
	ASSERT_TRUE(r.has_data) TH_LOG("NEW must reply with the sandbox");
	ASSERT_EQ(0, kt_reply_parse(&r, tb));
	ASSERT_NE(NULL, tb[KISTE_A_ID]);
	id = nla_get_u32(tb[KISTE_A_ID]);
	kt_fix_track_id(&self->fix, id);
	ASSERT_NE(NULL, tb[KISTE_A_NAME]);
	EXPECT_STREQ(name, nla_get_string(tb[KISTE_A_NAME]));
	ASSERT_NE(NULL, tb[KISTE_A_MODE]);
	EXPECT_EQ(KISTE_MODE_SHIM, nla_get_u32(tb[KISTE_A_MODE]));
	ASSERT_NE(NULL, tb[KISTE_A_STATE]);
	EXPECT_EQ(KISTE_STATE_CREATED, nla_get_u32(tb[KISTE_A_STATE]));
	ASSERT_NE(NULL, tb[KISTE_A_OWNER_UID]);
	EXPECT_EQ(0, nla_get_u32(tb[KISTE_A_OWNER_UID]));
	ASSERT_NE(NULL, tb[KISTE_A_MEMORY_LIMIT]);
	EXPECT_EQ(64ull << 20, nla_get_u64(tb[KISTE_A_MEMORY_LIMIT]));
	ASSERT_NE(NULL, tb[KISTE_A_VCPU_LIMIT]);
	EXPECT_EQ(2, nla_get_u32(tb[KISTE_A_VCPU_LIMIT]));
	ASSERT_NE(NULL, tb[KISTE_A_MEMBERS]);
	EXPECT_EQ(0, nla_get_u32(tb[KISTE_A_MEMBERS]));
	ASSERT_NE(NULL, tb[KISTE_A_MEMBERS_TOTAL]);
	EXPECT_EQ(0, nla_get_u32(tb[KISTE_A_MEMBERS_TOTAL]));
	ASSERT_NE(NULL, tb[KISTE_A_FLAGS]);
	EXPECT_EQ(0, nla_get_u32(tb[KISTE_A_FLAGS]));
	ASSERT_NE(NULL, tb[KISTE_A_CREATED_NS]);
	EXPECT_LE(t0, nla_get_u64(tb[KISTE_A_CREATED_NS]));
	EXPECT_GE(t1, nla_get_u64(tb[KISTE_A_CREATED_NS]));

	/* GET reports what NEW replied. */
	ASSERT_EQ(0, kiste_sandbox_get(self->fix.nl, id, NULL, &info, NULL));
	EXPECT_EQ(nla_get_u64(tb[KISTE_A_CREATED_NS]), info.created_ns);
	EXPECT_EQ(64ull << 20, info.memory_limit);
	EXPECT_EQ(2, info.vcpu_limit);

	ASSERT_EQ(0, kiste_stats_get(self->fix.nl, &after, NULL));
	EXPECT_EQ(before.ids_issued + 1, after.ids_issued);
	EXPECT_EQ(before.sandboxes + 1, after.sandboxes);
	EXPECT_EQ(KISTE_IFACE_VERSION, after.iface_version);
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
}

TEST_F_TIMEOUT(nl, default_name, 60)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	struct kiste_sandbox_info info;
	struct kiste_err err = { 0 };
	struct kt_reply r;
	char want[64];
	uint32_t ids[3];
	int i;

	KT_SKIP_IF_SETUP_SKIPPED();
	/* Absent name, empty name through libkiste, and an empty NAME attribute. */
	ASSERT_EQ(0, kiste_sandbox_new(self->fix.nl, &spec, &ids[0], &err)) TH_LOG("%s", err.msg);
	kt_fix_track_id(&self->fix, ids[0]);
	spec.name = "";
	ASSERT_EQ(0, kiste_sandbox_new(self->fix.nl, &spec, &ids[1], &err)) TH_LOG("%s", err.msg);
	kt_fix_track_id(&self->fix, ids[1]);
	ASSERT_EQ(0, kt_raw_new(self->fix.nl, "", KISTE_MODE_SHIM, &ids[2], &r))
	TH_LOG("NEW with empty name: %s", r.extack);
	kt_fix_track_id(&self->fix, ids[2]);
	for (i = 0; i < 3; i++) {
		snprintf(want, sizeof(want), "sb-%u", ids[i]);
		ASSERT_EQ(0, kiste_sandbox_get(self->fix.nl, ids[i], NULL, &info, NULL));
		EXPECT_STREQ(want, info.name);
		ASSERT_EQ(0, kiste_sandbox_get(self->fix.nl, 0, want, &info, NULL));
		EXPECT_EQ(ids[i], info.id);
		EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, ids[i], NULL));
	}
}

TEST_F_TIMEOUT(nl, duplicate_name, 60)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	struct kiste_err err = { 0 };
	uint32_t id = 0, id2 = 0;
	struct kt_reply r;
	char name[64];

	KT_SKIP_IF_SETUP_SKIPPED();
	spec.name = uname_(name, sizeof(name), "nl-dup");
	ASSERT_EQ(0, kiste_sandbox_new(self->fix.nl, &spec, &id, &err)) TH_LOG("%s", err.msg);
	kt_fix_track_id(&self->fix, id);
	EXPECT_EQ(-EEXIST, kiste_sandbox_new(self->fix.nl, &spec, &id2, &err));
	EXPECT_EQ(-EEXIST, kt_raw_new(self->fix.nl, name, KISTE_MODE_VM, NULL, &r));
	EXPECT_NE(0, r.extack[0]) TH_LOG("EEXIST without an extack message");
	/* The name is free again once the sandbox is gone. */
	ASSERT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
	ASSERT_EQ(0, kiste_sandbox_new(self->fix.nl, &spec, &id2, &err)) TH_LOG("%s", err.msg);
	kt_fix_track_id(&self->fix, id2);
	EXPECT_NE(id, id2);
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, id2, NULL));
}

TEST_F_TIMEOUT(nl, names, 60)
{
	static const char *const bad[] = {
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 128 */
		"a/b",
		"a b",
		"a:b",
		"a\nb",
		"\xc3\xa4",
		"a*",
		"tab\t",
	};
	static const char *const good[] = {
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 127 */
		/* an engine's container id: 64 hex digits (interface version 5) */
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"..x",
		"A-Z_a.z-0_9",
		"c+plus",
		"x",
	};
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	struct kiste_sandbox_info info;
	struct kiste_err err;
	struct kt_reply r;
	uint32_t id;
	size_t i;
	int ret;

	KT_SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(KISTE_NAME_MAX - 1, strlen(good[0]));
	ASSERT_EQ(KISTE_NAME_MAX, strlen(bad[0]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		spec.name = bad[i];
		ret = kiste_sandbox_new(self->fix.nl, &spec, &id, &err);
		EXPECT_TRUE(is_einval_or_erange(ret)) TH_LOG("name #%zu: %d %s", i, ret, err.msg);
		if (ret == 0)
			kt_fix_track_id(&self->fix, id);
		EXPECT_NE(NULL, strcasestr(err.msg, "name")) TH_LOG("message: '%s'", err.msg);
		/* The module must reject it too, not just libkiste. */
		ret = kt_raw_new(self->fix.nl, bad[i], KISTE_MODE_SHIM, &id, &r);
		EXPECT_TRUE(is_einval_or_erange(ret)) TH_LOG("raw name #%zu: %d", i, ret);
		if (ret == 0)
			kt_fix_track_id(&self->fix, id);
		EXPECT_NE(0, r.extack[0]) TH_LOG("name #%zu rejected without extack", i);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(&err, 0, sizeof(err));
		spec.name = good[i];
		ret = kiste_sandbox_new(self->fix.nl, &spec, &id, &err);
		EXPECT_EQ(0, ret) TH_LOG("good name '%s': %s", good[i], err.msg);
		if (ret)
			continue;
		kt_fix_track_id(&self->fix, id);
		EXPECT_EQ(0, kiste_sandbox_get(self->fix.nl, 0, good[i], &info, NULL));
		EXPECT_EQ(id, info.id);
		EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
	}
}

TEST_F_TIMEOUT(nl, unknown_sandbox, 60)
{
	struct kiste_sandbox_info info;
	struct kiste_err err = { 0 };
	static const uint8_t cmds[] = {
		KISTE_CMD_SANDBOX_GET,
		KISTE_CMD_SANDBOX_KILL,
		KISTE_CMD_SANDBOX_DEL,
	};
	struct kt_reply r;
	char name[64];
	size_t i;

	KT_SKIP_IF_SETUP_SKIPPED();
	uname_(name, sizeof(name), "nl-nosuch");
	EXPECT_EQ(-ENOENT, kiste_sandbox_get(self->fix.nl, 0x7ffffff0, NULL, &info, &err));
	EXPECT_NE(0, err.msg[0]);
	EXPECT_EQ(-ENOENT, kiste_sandbox_get(self->fix.nl, 0, name, &info, &err));
	EXPECT_EQ(-ENOENT, kiste_sandbox_kill(self->fix.nl, 0x7ffffff0, 0, NULL));
	EXPECT_EQ(-ENOENT, kiste_sandbox_del(self->fix.nl, 0x7ffffff0, NULL));
	for (i = 0; i < sizeof(cmds); i++) {
		EXPECT_EQ(-ENOENT, kt_raw_ref(self->fix.nl, cmds[i], 0x7ffffff0, NULL, &r))
		TH_LOG("cmd %u by id", cmds[i]);
		EXPECT_NE(0, r.extack[0]) TH_LOG("cmd %u: ENOENT without extack", cmds[i]);
		EXPECT_EQ(-ENOENT, kt_raw_ref(self->fix.nl, cmds[i], 0, name, &r))
		TH_LOG("cmd %u by name", cmds[i]);
		EXPECT_NE(0, r.extack[0]) TH_LOG("cmd %u: ENOENT without extack", cmds[i]);
	}
}

/* Bad requests: each adds its attributes to a message of its command. */
struct bad_req {
	const char *what;
	uint8_t cmd;
	int (*fill)(struct nl_msg *msg, uint32_t id);
};

static int fill_mode_u16(struct nl_msg *m, uint32_t id)
{
	(void)id;
	return nla_put_u16(m, KISTE_A_MODE, KISTE_MODE_SHIM);
}

static int fill_id_u16(struct nl_msg *m, uint32_t id)
{
	return nla_put_u16(m, KISTE_A_ID, (uint16_t)id);
}

static int fill_attr70(struct nl_msg *m, uint32_t id)
{
	(void)id;
	return nla_put_u32(m, KISTE_A_MODE, KISTE_MODE_SHIM) ?: nla_put_u32(m, 70, 1);
}

static int fill_attr200(struct nl_msg *m, uint32_t id)
{
	(void)id;
	return nla_put_u32(m, KISTE_A_MODE, KISTE_MODE_SHIM) ?: nla_put_u32(m, 200, 1);
}

static int fill_mode0(struct nl_msg *m, uint32_t id)
{
	(void)id;
	return nla_put_u32(m, KISTE_A_MODE, 0);
}

static int fill_mode99(struct nl_msg *m, uint32_t id)
{
	(void)id;
	return nla_put_u32(m, KISTE_A_MODE, 99);
}

static int fill_flags1(struct nl_msg *m, uint32_t id)
{
	(void)id;
	return nla_put_u32(m, KISTE_A_MODE, KISTE_MODE_SHIM) ?: nla_put_u32(m, KISTE_A_FLAGS, 1);
}

static int fill_no_mode(struct nl_msg *m, uint32_t id)
{
	(void)id;
	return nla_put_string(m, KISTE_A_NAME, "nl-nomode");
}

static int fill_state(struct nl_msg *m, uint32_t id)
{
	(void)id;
	return nla_put_u32(m, KISTE_A_MODE, KISTE_MODE_SHIM)
		       ?: nla_put_u32(m, KISTE_A_STATE, KISTE_STATE_RUNNING);
}

static int fill_nothing(struct nl_msg *m, uint32_t id)
{
	(void)m;
	(void)id;
	return 0;
}

static int fill_sig0(struct nl_msg *m, uint32_t id)
{
	return nla_put_u32(m, KISTE_A_ID, id) ?: nla_put_u32(m, KISTE_A_SIGNAL, 0);
}

static int fill_sig65(struct nl_msg *m, uint32_t id)
{
	return nla_put_u32(m, KISTE_A_ID, id) ?: nla_put_u32(m, KISTE_A_SIGNAL, 65);
}

static int fill_name_unterminated(struct nl_msg *m, uint32_t id)
{
	(void)id;
	return nla_put(m, KISTE_A_NAME, 3, "abc") ?: nla_put_u32(m, KISTE_A_MODE, 1);
}

TEST_F_TIMEOUT(nl, bad_attributes, 60)
{
	static const struct bad_req reqs[] = {
		{ "NEW with a u16 MODE", KISTE_CMD_SANDBOX_NEW, fill_mode_u16 },
		{ "GET with a u16 ID", KISTE_CMD_SANDBOX_GET, fill_id_u16 },
		{ "NEW with attribute 70", KISTE_CMD_SANDBOX_NEW, fill_attr70 },
		{ "NEW with attribute 200", KISTE_CMD_SANDBOX_NEW, fill_attr200 },
		{ "NEW with MODE 0", KISTE_CMD_SANDBOX_NEW, fill_mode0 },
		{ "NEW with MODE 99", KISTE_CMD_SANDBOX_NEW, fill_mode99 },
		{ "NEW with FLAGS 1", KISTE_CMD_SANDBOX_NEW, fill_flags1 },
		{ "NEW without MODE", KISTE_CMD_SANDBOX_NEW, fill_no_mode },
		{ "NEW with STATE", KISTE_CMD_SANDBOX_NEW, fill_state },
		{ "NEW with an unterminated NAME", KISTE_CMD_SANDBOX_NEW, fill_name_unterminated },
		{ "GET without ID or NAME", KISTE_CMD_SANDBOX_GET, fill_nothing },
		{ "KILL with SIGNAL 0", KISTE_CMD_SANDBOX_KILL, fill_sig0 },
		{ "KILL with SIGNAL 65", KISTE_CMD_SANDBOX_KILL, fill_sig65 },
		{ "DEL without ID or NAME", KISTE_CMD_SANDBOX_DEL, fill_nothing },
	};
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	struct kiste_stats before, after;
	struct kt_reply r;
	struct nl_msg *msg;
	uint32_t id = 0;
	size_t i;
	int ret;

	KT_SKIP_IF_SETUP_SKIPPED();
	/* A real target, so a rejection can only come from the bad attribute. */
	ASSERT_EQ(0, kiste_sandbox_new(self->fix.nl, &spec, &id, NULL));
	kt_fix_track_id(&self->fix, id);
	ASSERT_EQ(0, kiste_stats_get(self->fix.nl, &before, NULL));
	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		msg = kt_msg_new(self->fix.nl, reqs[i].cmd);
		ASSERT_NE(NULL, msg);
		ASSERT_EQ(0, reqs[i].fill(msg, id));
		ret = kt_msg_xact(self->fix.nl, msg, &r);
		EXPECT_TRUE(is_einval_or_erange(ret)) TH_LOG("%s: got %d", reqs[i].what, ret);
		EXPECT_NE(0, r.extack[0]) TH_LOG("%s: no extack message", reqs[i].what);
	}
	/* Nothing was created, and the target is untouched. */
	ASSERT_EQ(0, kiste_stats_get(self->fix.nl, &after, NULL));
	EXPECT_EQ(before.sandboxes, after.sandboxes);
	EXPECT_EQ(1, kt_list_has(self->fix.nl, id));
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
}

TEST_F_TIMEOUT(nl, unknown_command, 60)
{
	static const uint8_t cmds[] = { 40,  KISTE_CMD_SHIM_FIRST, KISTE_CMD_UK_FIRST, 63,
					200, KISTE_CMD_UNSPEC };
	struct kt_reply r;
	struct nl_msg *msg;
	size_t i;

	KT_SKIP_IF_SETUP_SKIPPED();
	for (i = 0; i < sizeof(cmds); i++) {
		msg = kt_msg_new(self->fix.nl, cmds[i]);
		ASSERT_NE(NULL, msg);
		EXPECT_EQ(-EOPNOTSUPP, kt_msg_xact(self->fix.nl, msg, &r))
		TH_LOG("cmd %u", cmds[i]);
	}
	/* EVENT is a notification, never a request. */
	msg = kt_msg_new(self->fix.nl, KISTE_CMD_EVENT);
	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_u32(msg, KISTE_A_EVENT, KISTE_EVENT_CREATED));
	EXPECT_GT(0, kt_msg_xact(self->fix.nl, msg, &r));
}

TEST_F_TIMEOUT(nl, ids_increase, 60)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	struct kiste_stats before, after;
	uint32_t a, b, c, d;

	KT_SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, kiste_stats_get(self->fix.nl, &before, NULL));
	ASSERT_EQ(0, kiste_sandbox_new(self->fix.nl, &spec, &a, NULL));
	kt_fix_track_id(&self->fix, a);
	ASSERT_EQ(0, kiste_sandbox_new(self->fix.nl, &spec, &b, NULL));
	kt_fix_track_id(&self->fix, b);
	ASSERT_EQ(0, kiste_sandbox_del(self->fix.nl, b, NULL));
	ASSERT_EQ(0, kiste_sandbox_del(self->fix.nl, a, NULL));
	ASSERT_EQ(0, kiste_sandbox_new(self->fix.nl, &spec, &c, NULL));
	kt_fix_track_id(&self->fix, c);
	ASSERT_EQ(0, kiste_sandbox_del(self->fix.nl, c, NULL));
	ASSERT_EQ(0, kiste_sandbox_new(self->fix.nl, &spec, &d, NULL));
	kt_fix_track_id(&self->fix, d);
	ASSERT_EQ(0, kiste_sandbox_del(self->fix.nl, d, NULL));
	/*
	 * Nobody else creates meanwhile (the count says so), so the four are
	 * consecutive: a deleted id is not handed out again.  Not d <= the
	 * count: an earlier suite's refused create that raced another create
	 * leaves a gap (its id cannot be given back once a later one is out).
	 */
	ASSERT_EQ(0, kiste_stats_get(self->fix.nl, &after, NULL));
	EXPECT_EQ(before.ids_issued + 4, after.ids_issued);
	EXPECT_LT(0, a);
	EXPECT_EQ(a + 1, b);
	EXPECT_EQ(b + 1, c);
	EXPECT_EQ(c + 1, d);
}

/*
 * Ids wrap to 1 after 4294967295, as pids wrap, and skip ids still in use:
 * no create is refused while an id is free (they were never reused, so 2^32
 * creates left every later one ENOSPC).  next_id (where the search starts,
 * as ns_last_pid) stands in for the 2^32 creates.
 */
TEST_F_TIMEOUT(nl, ids_wrap_and_skip_live_ones, 60)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	struct kiste_sandbox_info info;
	uint32_t a, b, c, d;
	char old[32];
	long next;

	KT_SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, kt_param_get("next_id", old, sizeof(old)));
	next = strtol(old, NULL, 10);
	ASSERT_LT(0, next);
	ASSERT_EQ(0, kt_param_set_long("next_id", 4294967294L));
	ASSERT_EQ(0, kiste_sandbox_new(self->fix.nl, &spec, &a, NULL));
	kt_fix_track_id(&self->fix, a);
	ASSERT_EQ(0, kiste_sandbox_new(self->fix.nl, &spec, &b, NULL));
	kt_fix_track_id(&self->fix, b);
	EXPECT_EQ(4294967294u, a);
	EXPECT_EQ(4294967295u, b);
	/* From a live id: both are taken, the search wraps to the lowest free id. */
	ASSERT_EQ(0, kt_param_set_long("next_id", 4294967294L));
	ASSERT_EQ(0, kiste_sandbox_new(self->fix.nl, &spec, &c, NULL));
	kt_fix_track_id(&self->fix, c);
	EXPECT_LE(1u, c);
	EXPECT_GT(a, c);
	ASSERT_EQ(0, kiste_sandbox_get(self->fix.nl, c, NULL, &info, NULL));
	EXPECT_EQ(c, info.id);
	ASSERT_EQ(0, kiste_sandbox_get(self->fix.nl, a, NULL, &info, NULL));
	EXPECT_EQ(a, info.id);
	/* A dump still lists the wrapped one: it resumes by id, not by creation order. */
	EXPECT_EQ(1, kt_list_has(self->fix.nl, c));
	EXPECT_EQ(1, kt_list_has(self->fix.nl, b));
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, a, NULL));
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, b, NULL));
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, c, NULL));
	/* Bad values are refused; 0 is no id. */
	EXPECT_NE(0, kt_param_set("next_id", "0"));
	EXPECT_NE(0, kt_param_set("next_id", "4294967296"));
	/* Where the three would have taken it from: other tests expect ids to follow the count. */
	ASSERT_EQ(0, kt_param_set_long("next_id", next + 3));
	ASSERT_EQ(0, kiste_sandbox_new(self->fix.nl, &spec, &d, NULL));
	kt_fix_track_id(&self->fix, d);
	EXPECT_EQ(next + 3, (long)d);
	EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, d, NULL));
}

/* "sb-<digits>" belongs to unnamed sandboxes; names are ASCII (the kernel's ctype is Latin-1). */
TEST_F_TIMEOUT(nl, reserved_and_ascii_names, 60)
{
	static const char *const reserved[] = { "sb-5", "sb-123", "sb-0" };
	static const char *const latin1[] = { "caf\xe9", "\xc0", "x\xff" };
	static const char *const good[] = { "sb-x", "sb-", "sb-12a" };
	struct kiste_ioc_create c = { .mode = KISTE_MODE_SHIM };
	struct kt_reply r;
	uint32_t id;
	size_t i;
	int ret, dev;

	KT_SKIP_IF_SETUP_SKIPPED();
	dev = kiste_dev_open(NULL);
	ASSERT_LE(0, dev);
	for (i = 0; i < 3; i++) {
		ret = kt_raw_new(self->fix.nl, reserved[i], KISTE_MODE_SHIM, &id, &r);
		EXPECT_EQ(-EINVAL, ret) TH_LOG("'%s'", reserved[i]);
		if (ret == 0)
			kt_fix_track_id(&self->fix, id);
		EXPECT_NE(NULL, strstr(r.extack, "reserved")) TH_LOG("extack '%s'", r.extack);
		strcpy(c.name, reserved[i]);
		ret = ioctl(dev, KISTE_IOC_CREATE, &c) < 0 ? -errno : 0;
		EXPECT_EQ(-EINVAL, ret) TH_LOG("ioctl '%s'", reserved[i]);

		ret = kt_raw_new(self->fix.nl, latin1[i], KISTE_MODE_SHIM, &id, &r);
		EXPECT_EQ(-EINVAL, ret) TH_LOG("non-ASCII name #%zu", i);
		if (ret == 0)
			kt_fix_track_id(&self->fix, id);
		EXPECT_NE(0, r.extack[0]) TH_LOG("non-ASCII name #%zu without extack", i);
		strcpy(c.name, latin1[i]);
		ret = ioctl(dev, KISTE_IOC_CREATE, &c) < 0 ? -errno : 0;
		EXPECT_EQ(-EINVAL, ret) TH_LOG("ioctl non-ASCII name #%zu", i);

		ret = kt_raw_new(self->fix.nl, good[i], KISTE_MODE_SHIM, &id, &r);
		EXPECT_EQ(0, ret) TH_LOG("'%s': %s", good[i], r.extack);
		if (ret == 0) {
			kt_fix_track_id(&self->fix, id);
			EXPECT_EQ(0, kiste_sandbox_del(self->fix.nl, id, NULL));
		}
	}
	close(dev);
}

/* Member A: attaches, forks member B, reports B's pid, exits 7 when told to. */
static void events_member(int dev, uint32_t id, int rep, int go)
{
	int32_t ret = kt_attach(dev, id, 0);
	pid_t b;
	char c;

	if (kt_write_full(rep, &ret, sizeof(ret)) < 0 || ret < 0)
		_exit(1);
	b = fork();
	if (b == 0) {
		/* B waits to be killed by KILL; the bound only stops a runaway. */
		kt_sleep_ms(60000);
		_exit(3);
	}
	ret = b;
	if (kt_write_full(rep, &ret, sizeof(ret)) < 0 || b < 0)
		_exit(2);
	kt_read_full(go, &c, 1, 60000);
	_exit(7);
}

struct want_ev {
	uint32_t type;
	pid_t pid;
	pid_t parent;
	int status; /* -1: not checked */
};

TEST_F_TIMEOUT(nl, events, 90)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	struct kiste_err err = { 0 };
	struct kiste_event evs[32];
	struct kiste_nl *ev_nl = NULL;
	int rep[2], go[2], dev, status;
	int32_t attach_ret, bpid;
	bool lost = false;
	char name[64];
	size_t n = 0, i;
	uint32_t id;
	pid_t a;

	KT_SKIP_IF_SETUP_SKIPPED();
	ASSERT_EQ(0, kiste_nl_open(&ev_nl, &err)) TH_LOG("%s", err.msg);
	ASSERT_EQ(0, kiste_events_subscribe(ev_nl, &err)) TH_LOG("subscribe: %s", err.msg);
	spec.name = uname_(name, sizeof(name), "nl-events");
	ASSERT_EQ(0, kiste_sandbox_new(self->fix.nl, &spec, &id, &err)) TH_LOG("%s", err.msg);
	kt_fix_track_id(&self->fix, id);
	dev = kiste_dev_open(&err);
	ASSERT_LE(0, dev) TH_LOG("%s", err.msg);
	ASSERT_EQ(0, pipe(rep));
	ASSERT_EQ(0, pipe(go));
	a = fork();
	ASSERT_LE(0, a);
	if (a == 0)
		events_member(dev, id, rep[1], go[0]);
	kt_fix_track_pid(&self->fix, a);
	close(dev);
	ASSERT_EQ(0, kt_read_full(rep[0], &attach_ret, sizeof(attach_ret), KT_CHILD_MS));
	ASSERT_EQ(0, attach_ret);
	ASSERT_EQ(0, kt_read_full(rep[0], &bpid, sizeof(bpid), KT_CHILD_MS));
	ASSERT_LT(0, bpid);
	kt_fix_track_pid(&self->fix, bpid);
	ASSERT_EQ(0, kt_write_full(go[1], "x", 1));
	ASSERT_EQ(0, kt_wait_pid(a, &status, KT_CHILD_MS));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 7) TH_LOG("A: status %#x", status);
	/* B is still a member; KILL ends it, then DEL unlinks the empty sandbox. */
	ASSERT_EQ(0, kiste_sandbox_kill(self->fix.nl, id, 0, &err)) TH_LOG("%s", err.msg);
	ASSERT_EQ(0, kt_wait_pid(bpid, &status, KT_CHILD_MS));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ASSERT_EQ(0, kt_wait_members(self->fix.nl, id, 0, KT_SETTLE_MS,
				     &(struct kiste_sandbox_info){ 0 }));
	ASSERT_EQ(0, kiste_sandbox_del(self->fix.nl, id, &err)) TH_LOG("%s", err.msg);

	ASSERT_EQ(0, kt_events_collect(ev_nl, id, KISTE_EVENT_DELETED, evs, 32, &n, &lost,
				       KT_CHILD_MS))
	TH_LOG("got %zu events", n);
	EXPECT_FALSE(lost);
	{
		const struct want_ev want[] = {
			{ KISTE_EVENT_CREATED, 0, 0, -1 },
			{ KISTE_EVENT_MEMBER_ATTACHED, a, 0, -1 },
			{ KISTE_EVENT_MEMBER_ATTACHED, bpid, a, -1 },
			{ KISTE_EVENT_MEMBER_EXITED, a, 0, 7 << 8 },
			{ KISTE_EVENT_MEMBER_EXITED, bpid, 0, SIGKILL },
			{ KISTE_EVENT_EMPTY, 0, 0, -1 },
			{ KISTE_EVENT_DELETED, 0, 0, -1 },
		};

		ASSERT_EQ(sizeof(want) / sizeof(want[0]), n)
		{
			for (i = 0; i < n; i++)
				TH_LOG("event %zu: %s pid %u", i, kiste_event_name(evs[i].type),
				       evs[i].pid);
		}
		for (i = 0; i < n; i++) {
			EXPECT_EQ(want[i].type, evs[i].type) TH_LOG("event %zu", i);
			EXPECT_EQ(id, evs[i].id);
			EXPECT_EQ((uint32_t)want[i].pid, evs[i].pid) TH_LOG("event %zu", i);
			EXPECT_EQ((uint32_t)want[i].parent, evs[i].parent_pid)
			TH_LOG("event %zu", i);
			if (want[i].status >= 0) {
				EXPECT_TRUE(evs[i].has_exit_status);
				EXPECT_EQ((uint32_t)want[i].status, evs[i].exit_status)
				TH_LOG("event %zu", i);
			}
		}
		EXPECT_STREQ(name, evs[0].name);
		EXPECT_EQ(KISTE_MODE_SHIM, evs[0].mode);
		EXPECT_TRUE(evs[0].has_owner_uid);
		EXPECT_EQ(0, evs[0].owner_uid);
		EXPECT_STREQ(name, evs[n - 1].name);
	}
	kiste_nl_close(ev_nl);
}

KT_HARNESS_MAIN
