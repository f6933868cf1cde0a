// SPDX-License-Identifier: GPL-2.0
// The CLI's parse functions called in-process: option values land in the right fields.
// kiste-suite: host cli_parse_test
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "kselftest_harness.h"
#include "cli.h"

#define ARGV(...)	       ((char *[]){ __VA_ARGS__, NULL })
#define ARGC(...)	       ((int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(fn, o, err, ...) fn(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (o), (err))

TEST(create_fills_every_field)
{
	struct kiste_err err = { 0 };
	struct create_opts o;

	ASSERT_EQ(0, PARSE(create_parse, &o, &err, "create", "--mode", "vm", "--name", "web.1",
			   "--memory", "2G", "--cpus", "4"))
	TH_LOG("%s", err.msg);
	EXPECT_FALSE(o.help);
	EXPECT_EQ((uint32_t)KISTE_MODE_VM, o.mode);
	EXPECT_STREQ("web.1", o.name);
	EXPECT_EQ(2ULL << 30, o.memory);
	EXPECT_EQ(4U, o.cpus);
	/* kiste.ko's names: an engine's 64 hex digits and more, up to 127 characters */
	ASSERT_EQ(0, PARSE(create_parse, &o, &err, "create", "--mode", "vm", "--name",
			   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
			   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"))
	TH_LOG("%s", err.msg);
	EXPECT_EQ(-EINVAL, PARSE(create_parse, &o, &err, "create", "--mode", "vm", "--name",
				 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
				 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
	EXPECT_NE(NULL, strstr(err.msg, "1-127 characters")) TH_LOG("%s", err.msg);
	/* A second parse in the same process must start from scratch. */
	ASSERT_EQ(0, PARSE(create_parse, &o, &err, "create", "-m", "shim"));
	EXPECT_EQ((uint32_t)KISTE_MODE_SHIM, o.mode);
	EXPECT_EQ(NULL, o.name);
	EXPECT_EQ(0ULL, o.memory);
	EXPECT_EQ(0U, o.cpus);
	ASSERT_EQ(0, PARSE(create_parse, &o, &err, "create", "--mode=unikernel", "--memory=512k"));
	EXPECT_EQ((uint32_t)KISTE_MODE_UNIKERNEL, o.mode);
	EXPECT_EQ(512ULL << 10, o.memory);
}

TEST(create_errors_name_the_problem)
{
	struct kiste_err err = { 0 };
	struct create_opts o;

	EXPECT_EQ(-EINVAL, PARSE(create_parse, &o, &err, "create", "--mode", "foo"));
	EXPECT_STREQ("kiste sandbox create: bad --mode 'foo': use shim, vm or unikernel", err.msg);
	EXPECT_EQ(-EINVAL, PARSE(create_parse, &o, &err, "create", "--name", "x"));
	EXPECT_STREQ("kiste sandbox create: missing --mode: use --mode shim, vm or unikernel", err.msg);
	EXPECT_GT(0, PARSE(create_parse, &o, &err, "create", "--mode", "vm", "--memory", "-1"));
	EXPECT_NE(NULL, strstr(err.msg, "--memory"));
	EXPECT_EQ(-EINVAL,
		  PARSE(create_parse, &o, &err, "create", "--mode", "vm", "--cpus", "4097"));
	EXPECT_EQ(-EINVAL, PARSE(create_parse, &o, &err, "create", "--nope"));
	EXPECT_STREQ("kiste sandbox create: unknown option '--nope': see 'kiste sandbox create --help'", err.msg);
}

TEST(help_wins_without_validation)
{
	struct kiste_err err = { 0 };
	struct create_opts o;
	struct ref_opts r;

	ASSERT_EQ(0, PARSE(create_parse, &o, &err, "create", "--help"));
	EXPECT_TRUE(o.help);
	ASSERT_EQ(0, PARSE(kill_parse, &r, &err, "kill", "-h"));
	EXPECT_TRUE(r.help);
}

TEST(kill_signal_and_reference)
{
	struct kiste_err err = { 0 };
	struct ref_opts o;

	ASSERT_EQ(0, PARSE(kill_parse, &o, &err, "kill", "web"));
	EXPECT_STREQ("web", o.ref);
	EXPECT_EQ(0, o.sig);
	ASSERT_EQ(0, PARSE(kill_parse, &o, &err, "kill", "17", "SIGTERM"));
	EXPECT_STREQ("17", o.ref);
	EXPECT_EQ(SIGTERM, o.sig);
	ASSERT_EQ(0, PARSE(kill_parse, &o, &err, "kill", "17", "2"));
	EXPECT_EQ(SIGINT, o.sig);
	EXPECT_EQ(-EINVAL, PARSE(kill_parse, &o, &err, "kill", "17", "0"));
	EXPECT_EQ(-EINVAL, PARSE(kill_parse, &o, &err, "kill", "4294967296"));
}

TEST(inspect_and_delete)
{
	struct kiste_err err = { 0 };
	struct ref_opts o;

	ASSERT_EQ(0, PARSE(inspect_parse, &o, &err, "inspect", "--json", "box"));
	EXPECT_TRUE(o.json);
	EXPECT_STREQ("box", o.ref);
	ASSERT_EQ(0, PARSE(inspect_parse, &o, &err, "inspect", "box", "-j"));
	EXPECT_TRUE(o.json);
	ASSERT_EQ(0, PARSE(delete_parse, &o, &err, "delete", "4294967295"));
	EXPECT_STREQ("4294967295", o.ref);
	EXPECT_FALSE(o.json);
}

TEST(events_defaults_and_values)
{
	struct kiste_err err = { 0 };
	struct events_opts o;

	ASSERT_EQ(0, PARSE(events_parse, &o, &err, "events"));
	EXPECT_EQ(0ULL, o.count);
	EXPECT_EQ(-1, o.timeout_s);
	EXPECT_FALSE(o.json);
	ASSERT_EQ(0, PARSE(events_parse, &o, &err, "events", "--json", "--count", "3", "--timeout",
			   "10"));
	EXPECT_TRUE(o.json);
	EXPECT_EQ(3ULL, o.count);
	EXPECT_EQ(10, o.timeout_s);
	EXPECT_EQ(-EINVAL, PARSE(events_parse, &o, &err, "events", "--timeout", "0"));
}

TEST(json_only_commands)
{
	struct kiste_err err = { 0 };
	struct json_opts o;

	ASSERT_EQ(0, PARSE(list_parse, &o, &err, "list", "--json"));
	EXPECT_TRUE(o.json);
	ASSERT_EQ(0, PARSE(stats_parse, &o, &err, "stats"));
	EXPECT_FALSE(o.json);
	ASSERT_EQ(0, PARSE(check_parse, &o, &err, "check", "-j"));
	EXPECT_TRUE(o.json);
	EXPECT_EQ(-EINVAL, PARSE(list_parse, &o, &err, "list", "x"));
	EXPECT_STREQ("kiste sandbox list: unexpected argument 'x': see 'kiste sandbox list --help'", err.msg);
}

TEST_HARNESS_MAIN
