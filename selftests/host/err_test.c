// SPDX-License-Identifier: GPL-2.0
// libkiste's error object: setting, prefixing context, NULL objects and truncation.
// kiste-suite: host err_test
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "libkiste.h"

TEST(set_returns_code)
{
	struct kiste_err err = { 0 };

	EXPECT_EQ(-ENOENT, kiste_err_set(&err, -ENOENT, "no such %s %d", "sandbox", 7));
	EXPECT_EQ(-ENOENT, err.code);
	EXPECT_STREQ("no such sandbox 7", err.msg);
}

TEST(null_err_is_allowed)
{
	EXPECT_EQ(-EPERM, kiste_err_set(NULL, -EPERM, "x"));
	EXPECT_EQ(0, kiste_err_prefix(NULL, "ctx"));
}

TEST(prefix_chains_context)
{
	struct kiste_err err = { 0 };

	kiste_err_set(&err, -EEXIST, "sandbox 'x' already exists");
	EXPECT_EQ(-EEXIST, kiste_err_prefix(&err, "create %s", "x"));
	EXPECT_STREQ("create x: sandbox 'x' already exists", err.msg);
	EXPECT_EQ(-EEXIST, kiste_err_prefix(&err, "kiste"));
	EXPECT_STREQ("kiste: create x: sandbox 'x' already exists", err.msg);
	EXPECT_EQ(-EEXIST, err.code);
}

TEST(long_messages_are_truncated_and_terminated)
{
	struct kiste_err err;
	char big[2000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	kiste_err_set(&err, -EINVAL, "%s", big);
	EXPECT_EQ(sizeof(err.msg) - 1, strlen(err.msg));
	kiste_err_prefix(&err, "context");
	EXPECT_EQ(sizeof(err.msg) - 1, strlen(err.msg));
	EXPECT_EQ(0, strncmp(err.msg, "context: xxx", 12));
	kiste_err_set(&err, -EINVAL, "short");
	kiste_err_prefix(&err, "%s", big);
	EXPECT_EQ(sizeof(err.msg) - 1, strlen(err.msg));
	EXPECT_EQ(-EINVAL, err.code);
}

TEST(messages_are_one_line)
{
	struct kiste_err err;
	uint64_t v;
	int sig;

	kiste_size_parse("1.5G", &v, &err);
	EXPECT_EQ(NULL, strchr(err.msg, '\n'));
	kiste_signal_parse("x", &sig, &err);
	EXPECT_EQ(NULL, strchr(err.msg, '\n'));
}

TEST_HARNESS_MAIN
