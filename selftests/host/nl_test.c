// SPDX-License-Identifier: GPL-2.0
// libkiste's netlink and device paths on a host without kiste.ko, and extack decoding.
// kiste-suite: host nl_test
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <linux/genetlink.h>

#include "kselftest_harness.h"
#include "libkiste.h"
#include "../../userspace/lib/internal.h"

static bool module_loaded(void)
{
	struct kiste_nl *nl;

	if (kiste_nl_open(&nl, NULL) < 0)
		return false;
	kiste_nl_close(nl);
	return true;
}

TEST(nl_open_without_module)
{
	struct kiste_err err = { 0 };
	struct kiste_nl *nl = (void *)1;

	if (module_loaded())
		SKIP(return, "kiste.ko is loaded here; this test is for hosts without it");
	EXPECT_EQ(-ENOENT, kiste_nl_open(&nl, &err));
	EXPECT_EQ(NULL, nl);
	EXPECT_EQ(-ENOENT, err.code);
	EXPECT_STREQ("kiste.ko is not loaded: modprobe kiste", err.msg);
	EXPECT_EQ(-ENOENT, kiste_nl_open(&nl, NULL));
}

TEST(dev_open_without_module)
{
	struct kiste_err err = { 0 };

	if (access("/dev/kiste", F_OK) == 0)
		SKIP(return, "/dev/kiste exists here; this test is for hosts without it");
	EXPECT_EQ(-ENOENT, kiste_dev_open(&err));
	EXPECT_EQ(-ENOENT, err.code);
	EXPECT_STREQ("kiste.ko is not loaded: modprobe kiste", err.msg);
}

TEST(dev_calls_on_a_bad_fd_fail_cleanly)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	struct kiste_err err = { 0 };
	uint32_t v = 99, id = 99;

	EXPECT_EQ(-EBADF, kiste_dev_version(-1, &v, &err));
	EXPECT_EQ(-EBADF, err.code);
	EXPECT_EQ(99U, v);
	EXPECT_EQ(-EBADF, kiste_dev_create(-1, &spec, &id, &err));
	EXPECT_EQ(-EBADF, kiste_dev_attach(-1, 0, &err));
	EXPECT_EQ(99U, id);
}

TEST(dev_create_rejects_overlong_name)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	struct kiste_err err = { 0 };
	char name[KISTE_NAME_MAX + 1];
	uint32_t id;

	memset(name, 'a', KISTE_NAME_MAX);
	name[KISTE_NAME_MAX] = '\0';
	spec.name = name;
	EXPECT_EQ(-EINVAL, kiste_dev_create(-1, &spec, &id, &err));
	EXPECT_NE(NULL, strstr(err.msg, "127"));
}

/*
 * The kernel's own nlctrl family stands in for kiste.ko: a request that fails
 * its policy must come back with the kernel's extack text, not strerror().
 */
TEST(kernel_rejection_carries_extack_message)
{
	struct kiste_nl nl = { .family_id = GENL_ID_CTRL };
	struct kiste_err err = { 0 };
	struct nl_msg *msg;
	char longname[200];
	int ret;

	ASSERT_EQ(0, kiste_nl_socket(&nl.sk, &err)) TH_LOG("%s", err.msg);
	msg = kiste_nl_msg(&nl, CTRL_CMD_GETFAMILY, 0, &err);
	ASSERT_NE(NULL, msg);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ASSERT_EQ(0, nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, longname));
	ret = kiste_nl_transact(&nl, msg, NULL, NULL, &err);
	nl_socket_free(nl.sk);
	ASSERT_GT(0, ret);
	EXPECT_EQ(ret, err.code);
	TH_LOG("kernel said: %d %s", ret, err.msg);
	EXPECT_NE(0, err.msg[0]);
	EXPECT_STRNE(strerror(-ret), err.msg);
}

TEST(unknown_family_member_is_enoent)
{
	struct kiste_nl nl = { .family_id = GENL_ID_CTRL };
	struct kiste_err err = { 0 };
	struct nl_msg *msg;
	int ret;

	ASSERT_EQ(0, kiste_nl_socket(&nl.sk, &err));
	msg = kiste_nl_msg(&nl, CTRL_CMD_GETFAMILY, 0, &err);
	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, "kistenofamily"));
	ret = kiste_nl_transact(&nl, msg, NULL, NULL, &err);
	nl_socket_free(nl.sk);
	EXPECT_EQ(-ENOENT, ret);
	EXPECT_EQ(-ENOENT, err.code);
	EXPECT_NE(0, err.msg[0]);
}

TEST_HARNESS_MAIN
