// SPDX-License-Identifier: GPL-2.0
// shim_parse_test.c - `kiste run --mode=shim` option parsing, in process (no sandbox is started).
// kiste-suite: host shim_parse_test
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "run_shim.h"

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })

static int parse(char **argv, struct shim_opts *o, struct kiste_err *err)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return run_shim_parse(argc, argv, o, err);
}

TEST(defaults)
{
	struct kiste_err err = { 0 };
	struct shim_opts o;

	char *argv[] = { "run", "--mode=shim", "--", "ls", "-la", NULL };

	/* o.argv points into argv: it must outlive the checks. */
	ASSERT_EQ(0, parse(argv, &o, &err));
	EXPECT_STREQ("/", o.rootfs);
	EXPECT_FALSE(o.rw);
	EXPECT_FALSE(o.trace);
	EXPECT_EQ(2, o.argc);
	EXPECT_STREQ("ls", o.argv[0]);
	EXPECT_STREQ("-la", o.argv[1]);
	EXPECT_EQ(0, o.timeout_s);
	EXPECT_EQ(0ULL, o.memory);
}

TEST(every_option)
{
	struct kiste_err err = { 0 };
	struct shim_opts o;

	ASSERT_EQ(0, parse(ARGV("run", "--mode", "shim", "--rootfs", "/srv/r", "--rw", "--tmpfs",
				"/tmp", "--tmpfs=/run", "--env", "A=1", "--env=B=2", "--cwd", "/srv",
				"--user", "1000:100", "--memory", "64M", "--timeout", "5",
				"--name", "web.1", "--trace", "--", "sh", "-c", "true"),
			   &o, &err));
	EXPECT_STREQ("/srv/r", o.rootfs);
	EXPECT_TRUE(o.rw);
	ASSERT_EQ(2, o.ntmpfs);
	EXPECT_STREQ("/run", o.tmpfs[1]);
	ASSERT_EQ(2, o.nenv);
	EXPECT_STREQ("B=2", o.env[1]);
	EXPECT_STREQ("/srv", o.cwd);
	EXPECT_TRUE(o.user_set);
	EXPECT_EQ(1000U, o.uid);
	EXPECT_EQ(100U, o.gid);
	EXPECT_EQ(64ULL << 20, o.memory);
	EXPECT_EQ(5, o.timeout_s);
	EXPECT_STREQ("web.1", o.name);
	EXPECT_TRUE(o.trace);
	EXPECT_EQ(3, o.argc);
}

TEST(command_without_dashes)
{
	struct kiste_err err = { 0 };
	struct shim_opts o;

	char *argv[] = { "run", "--trace", "python3", "-c", "pass", NULL };

	ASSERT_EQ(0, parse(argv, &o, &err));
	EXPECT_STREQ("python3", o.argv[0]);
	EXPECT_EQ(3, o.argc);
}

TEST(user_uid_only)
{
	struct kiste_err err = { 0 };
	struct shim_opts o;

	ASSERT_EQ(0, parse(ARGV("run", "--user", "7", "--", "id"), &o, &err));
	EXPECT_EQ(7U, o.uid);
	EXPECT_EQ(7U, o.gid);
}

TEST(bad_input)
{
	char **bad[] = {
		ARGV("run", "--", NULL),
		ARGV("run", "--rw", "--", "true"),
		ARGV("run", "--mode=vm", "--", "true"),
		ARGV("run", "--bogus", "--", "true"),
		ARGV("run", "--timeout", "0", "--", "true"),
		ARGV("run", "--timeout", "x", "--", "true"),
		ARGV("run", "--memory", "lots", "--", "true"),
		ARGV("run", "--user", "a:b", "--", "true"),
		ARGV("run", "--user", "1:", "--", "true"),
		ARGV("run", "--env", "NOEQUALS", "--", "true"),
		ARGV("run", "--cwd", "relative", "--", "true"),
		ARGV("run", "--name", "bad name", "--", "true"),
		ARGV("run", "--rootfs"),
	};
	struct kiste_err err;
	struct shim_opts o;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		EXPECT_EQ(-EINVAL, parse(bad[i], &o, &err)) TH_LOG("case %zu", i);
		EXPECT_NE(0, err.msg[0]) TH_LOG("case %zu has no message", i);
	}
}

TEST(help)
{
	struct kiste_err err = { 0 };
	struct shim_opts o;

	ASSERT_EQ(0, parse(ARGV("run", "--help"), &o, &err));
	EXPECT_TRUE(o.help);
}

TEST_HARNESS_MAIN
