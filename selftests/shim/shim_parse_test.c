// SPDX-License-Identifier: GPL-2.0
// shim_parse_test.c - `kiste run --mode=shim` option parsing, in process (no sandbox is started).
// kiste-suite: host shim_parse_test
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "kiste_mode.h"
#include "shim.h"

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })

/* Parses @argv as kiste run does; *so points at the shim's own options (freed by the caller). */
static int parse(char **argv, struct kiste_run_args *a, struct kiste_err *err)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return kiste_run_parse(kiste_modes, argc, argv, a, err);
}

TEST(defaults)
{
	struct kiste_err err = { 0 };
	struct kiste_run_args a;
	char *argv[] = { "run", "--mode=shim", "--", "ls", "-la", NULL };
	struct shim_opts *so;

	/* a.o.argv points into argv: it must outlive the checks. */
	ASSERT_EQ(0, parse(argv, &a, &err)) TH_LOG("%s", err.msg);
	so = a.mo;
	EXPECT_EQ(&kiste_mode_shim, a.mode);
	EXPECT_STREQ("/", so->rootfs);
	EXPECT_FALSE(so->rw);
	EXPECT_FALSE(so->trace);
	EXPECT_FALSE(so->no_namespaces);
	EXPECT_EQ(2, a.o.argc);
	EXPECT_STREQ("ls", a.o.argv[0]);
	EXPECT_STREQ("-la", a.o.argv[1]);
	EXPECT_EQ(0U, a.o.timeout_s);
	/* the defaults every shim sandbox gets (shim/mode.c) */
	EXPECT_EQ(2ULL << 30, a.o.memory);
	EXPECT_EQ(2048U, a.o.pids_limit);
	EXPECT_EQ(0U, a.o.cpus_milli);
	kiste_run_args_free(&a);
}

TEST(every_option)
{
	struct kiste_err err = { 0 };
	struct kiste_run_args a;
	struct shim_opts *so;

	ASSERT_EQ(0, parse(ARGV("run", "--mode", "shim", "--rootfs", "/srv/r", "--rw", "--tmpfs",
				"/tmp", "--tmpfs=/run", "--env", "A=1", "--env=B=2", "--cwd", "/srv",
				"--user", "1000:100", "--memory", "64M", "--timeout", "5",
				"--name", "web.1", "--trace", "--unsafe-no-namespaces", "--", "sh",
				"-c", "true"),
			   &a, &err))
	TH_LOG("%s", err.msg);
	so = a.mo;
	EXPECT_STREQ("/srv/r", so->rootfs);
	EXPECT_TRUE(so->rw);
	ASSERT_EQ(2, so->ntmpfs);
	EXPECT_STREQ("/run", so->tmpfs[1]);
	ASSERT_EQ(2, a.o.nenv);
	EXPECT_STREQ("B=2", a.o.env[1]);
	EXPECT_STREQ("/srv", a.o.cwd);
	EXPECT_TRUE(a.o.user_set);
	EXPECT_EQ(1000U, a.o.uid);
	EXPECT_EQ(100U, a.o.gid);
	EXPECT_EQ(64ULL << 20, a.o.memory);
	EXPECT_EQ(5U, a.o.timeout_s);
	EXPECT_STREQ("web.1", a.o.name);
	EXPECT_TRUE(so->trace);
	EXPECT_TRUE(so->no_namespaces);
	EXPECT_EQ(3, a.o.argc);
	kiste_run_args_free(&a);
}

TEST(command_without_dashes)
{
	struct kiste_err err = { 0 };
	struct kiste_run_args a;
	char *argv[] = { "run", "--mode=shim", "--trace", "python3", "-c", "pass", NULL };

	ASSERT_EQ(0, parse(argv, &a, &err));
	EXPECT_STREQ("python3", a.o.argv[0]);
	EXPECT_EQ(3, a.o.argc);
	kiste_run_args_free(&a);
}

TEST(user_uid_only)
{
	struct kiste_err err = { 0 };
	struct kiste_run_args a;

	ASSERT_EQ(0, parse(ARGV("run", "--mode=shim", "--user", "7", "--", "id"), &a, &err));
	EXPECT_EQ(7U, a.o.uid);
	EXPECT_EQ(7U, a.o.gid);
	kiste_run_args_free(&a);
}

TEST(bad_input)
{
	char **bad[] = {
		ARGV("run", "--mode=shim", "--", NULL),
		ARGV("run", "--mode=shim", "--rw", "--", "true"),
		ARGV("run", "--mode=shim", "--rootfs", "/", "--rw", "--", "true"),
		ARGV("run", "--mode=shim", "--bogus", "--", "true"),
		ARGV("run", "--mode=shim", "--tmpfs", "rel", "--", "true"),
		ARGV("run", "--mode=shim", "--tmpfs", "/a/../b", "--", "true"),
		ARGV("run", "--mode=shim", "--kernel", "/boot/x", "--", "true"),
		ARGV("run", "--mode=shim", "--isolation", "vm", "--", "true"),
		ARGV("run", "--mode=shim", "--cpus", "0", "--", "true"),
		ARGV("run", "--mode=shim", "--pids-limit", "0", "--", "true"),
		ARGV("run", "--mode=shim", "--memory", "1", "--", "true"),
		ARGV("run", "--mode=shim", "--rootfs"),
	};
	struct kiste_run_args a;
	struct kiste_err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		EXPECT_EQ(-EINVAL, parse(bad[i], &a, &err)) TH_LOG("case %zu", i);
		EXPECT_NE(0, err.msg[0]) TH_LOG("case %zu has no message", i);
		EXPECT_EQ(NULL, strchr(err.msg, '\n')) TH_LOG("case %zu: %s", i, err.msg);
		kiste_run_args_free(&a);
	}
}

TEST(help)
{
	struct kiste_err err = { 0 };
	struct kiste_run_args a;

	ASSERT_EQ(0, parse(ARGV("run", "--mode=shim", "--help"), &a, &err));
	EXPECT_TRUE(a.o.help);
	EXPECT_EQ(&kiste_mode_shim, a.mode);
	kiste_run_args_free(&a);
	/* --help wins over a bad value before it */
	ASSERT_EQ(0, parse(ARGV("run", "--timeout", "x", "--help", "--mode=shim"), &a, &err));
	EXPECT_TRUE(a.o.help);
	EXPECT_EQ(&kiste_mode_shim, a.mode);
	kiste_run_args_free(&a);
}

TEST_HARNESS_MAIN
