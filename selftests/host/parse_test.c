// SPDX-License-Identifier: GPL-2.0
// libkiste parsing: sizes, modes, names, signals, and the names of modes, states and events.
// kiste-suite: host parse_test
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "kselftest_harness.h"
#include "libkiste.h"

TEST(size_accepts_units)
{
	static const struct {
		const char *s;
		uint64_t v;
	} ok[] = {
		{ "4096", 4096 },
		{ "1", 1 },
		{ "512k", 512ULL << 10 },
		{ "512K", 512ULL << 10 },
		{ "64M", 64ULL << 20 },
		{ "64m", 64ULL << 20 },
		{ "64MB", 64ULL << 20 },
		{ "64MiB", 64ULL << 20 },
		{ "1G", 1ULL << 30 },
		{ "1gib", 1ULL << 30 },
		{ "2T", 2ULL << 40 },
		{ "100B", 100 },
		{ "16777215T", 16777215ULL << 40 },
		{ "18446744073709551615", UINT64_MAX },
	};
	struct kiste_err err;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t v = 0;

		EXPECT_EQ(0, kiste_size_parse(ok[i].s, &v, &err))
		TH_LOG("'%s': %s", ok[i].s, err.msg);
		EXPECT_EQ(ok[i].v, v) TH_LOG("'%s'", ok[i].s);
	}
}

TEST(size_rejects_bad_input)
{
	static const char *const bad[] = {
		"",  "0",   "0M",   "-1",   "+1",   "1.5G", " 64M", "64M ",   "64 M",
		"M", "64X", "64MM", "64Bi", "64iB", "0x10", "1e6",  "64MiBB",
	};
	struct kiste_err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 12345;

		memset(&err, 0, sizeof(err));
		EXPECT_GT(0, kiste_size_parse(bad[i], &v, &err)) TH_LOG("'%s' accepted", bad[i]);
		EXPECT_EQ(12345ULL, v) TH_LOG("'%s' wrote the output", bad[i]);
		EXPECT_EQ(err.code, -EINVAL) TH_LOG("'%s': code %d", bad[i], err.code);
		EXPECT_NE(0, err.msg[0]);
	}
	EXPECT_EQ(-EINVAL, kiste_size_parse(NULL, &(uint64_t){ 0 }, NULL));
}

TEST(size_rejects_overflow)
{
	struct kiste_err err;
	uint64_t v = 7;

	EXPECT_EQ(-ERANGE, kiste_size_parse("18446744073709551616", &v, &err));
	EXPECT_EQ(-ERANGE, err.code);
	EXPECT_NE(NULL, strstr(err.msg, "too large"));
	EXPECT_EQ(-ERANGE, kiste_size_parse("16777216T", &v, &err));
	EXPECT_EQ(-ERANGE, kiste_size_parse("17179869184G", &v, &err));
	EXPECT_EQ(-ERANGE, kiste_size_parse("99999999999999999999999K", &v, &err));
	EXPECT_EQ(7ULL, v);
}

TEST(mode_parse_and_names)
{
	struct kiste_err err;
	uint32_t m = 0;

	ASSERT_EQ(0, kiste_mode_parse("shim", &m, &err));
	EXPECT_EQ((uint32_t)KISTE_MODE_SHIM, m);
	ASSERT_EQ(0, kiste_mode_parse("vm", &m, &err));
	EXPECT_EQ((uint32_t)KISTE_MODE_VM, m);
	ASSERT_EQ(0, kiste_mode_parse("unikernel", &m, &err));
	EXPECT_EQ((uint32_t)KISTE_MODE_UNIKERNEL, m);
	EXPECT_EQ(-EINVAL, kiste_mode_parse("bogus", &m, &err));
	EXPECT_STREQ("bad mode 'bogus': use shim, vm or unikernel", err.msg);
	EXPECT_EQ(-EINVAL, kiste_mode_parse("", &m, &err));
	EXPECT_EQ(-EINVAL, kiste_mode_parse("SHIM", &m, &err));
	EXPECT_EQ(-EINVAL, kiste_mode_parse("?", &m, &err));
	EXPECT_EQ(-EINVAL, kiste_mode_parse(NULL, &m, NULL));
	EXPECT_EQ((uint32_t)KISTE_MODE_UNIKERNEL, m);

	EXPECT_STREQ("shim", kiste_mode_name(KISTE_MODE_SHIM));
	EXPECT_STREQ("vm", kiste_mode_name(KISTE_MODE_VM));
	EXPECT_STREQ("unikernel", kiste_mode_name(KISTE_MODE_UNIKERNEL));
	EXPECT_STREQ("?", kiste_mode_name(KISTE_MODE_UNSPEC));
	EXPECT_STREQ("?", kiste_mode_name(KISTE_MODE_MAX + 1));
	EXPECT_STREQ("?", kiste_mode_name(UINT32_MAX));
}

TEST(state_and_event_names)
{
	EXPECT_STREQ("created", kiste_state_name(KISTE_STATE_CREATED));
	EXPECT_STREQ("running", kiste_state_name(KISTE_STATE_RUNNING));
	EXPECT_STREQ("exited", kiste_state_name(KISTE_STATE_EXITED));
	EXPECT_STREQ("dying", kiste_state_name(KISTE_STATE_DYING));
	EXPECT_STREQ("?", kiste_state_name(KISTE_STATE_UNSPEC));
	EXPECT_STREQ("?", kiste_state_name(KISTE_STATE_MAX + 1));

	EXPECT_STREQ("created", kiste_event_name(KISTE_EVENT_CREATED));
	EXPECT_STREQ("deleted", kiste_event_name(KISTE_EVENT_DELETED));
	EXPECT_STREQ("member-attached", kiste_event_name(KISTE_EVENT_MEMBER_ATTACHED));
	EXPECT_STREQ("member-exited", kiste_event_name(KISTE_EVENT_MEMBER_EXITED));
	EXPECT_STREQ("empty", kiste_event_name(KISTE_EVENT_EMPTY));
	EXPECT_STREQ("member-refused", kiste_event_name(KISTE_EVENT_MEMBER_REFUSED));
	EXPECT_STREQ("?", kiste_event_name(KISTE_EVENT_UNSPEC));
	EXPECT_STREQ("?", kiste_event_name(KISTE_EVENT_SHIM_FIRST));
	EXPECT_STREQ("?", kiste_event_name(UINT32_MAX));
}

TEST(name_validation)
{
	char name[KISTE_NAME_MAX + 16];

	memset(name, 'a', sizeof(name));
	name[KISTE_NAME_MAX - 1] = '\0';
	EXPECT_TRUE(kiste_name_valid(name)) TH_LOG("127 characters must be accepted");
	name[KISTE_NAME_MAX - 1] = 'a';
	name[KISTE_NAME_MAX] = '\0';
	EXPECT_FALSE(kiste_name_valid(name)) TH_LOG("128 characters must be rejected");
	EXPECT_TRUE(kiste_name_valid("c+plus"));
	EXPECT_TRUE(kiste_name_valid("a"));
	EXPECT_TRUE(kiste_name_valid("Web-1.test_x"));
	EXPECT_TRUE(kiste_name_valid("123"));
	EXPECT_TRUE(kiste_name_valid("..."));
	EXPECT_FALSE(kiste_name_valid(""));
	EXPECT_FALSE(kiste_name_valid(NULL));
	EXPECT_FALSE(kiste_name_valid("a b"));
	EXPECT_FALSE(kiste_name_valid("a/b"));
	EXPECT_FALSE(kiste_name_valid("a\nb"));
	EXPECT_FALSE(kiste_name_valid("caf\xc3\xa9"));
	EXPECT_FALSE(kiste_name_valid("a:b"));
	EXPECT_FALSE(kiste_name_valid("a*"));
}

TEST(signal_parse)
{
	static const struct {
		const char *s;
		int sig;
	} ok[] = {
		{ "9", SIGKILL },	{ "1", 1 },	     { "64", 64 },
		{ "KILL", SIGKILL },	{ "kill", SIGKILL }, { "SIGKILL", SIGKILL },
		{ "sigterm", SIGTERM }, { "TERM", SIGTERM }, { "INT", SIGINT },
		{ "HUP", SIGHUP },	{ "USR1", SIGUSR1 }, { "SIGSYS", SIGSYS },
	};
	static const char *const bad[] = {
		"0",   "65",  "-1",	  "",		"9x",	    "+9",      " 9",
		"FOO", "SIG", "SIGKILLX", "4294967305", "RTMIN+99", "RTMAX+1",
	};
	struct kiste_err err;
	size_t i;
	int sig;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		sig = -1;
		EXPECT_EQ(0, kiste_signal_parse(ok[i].s, &sig, &err)) TH_LOG("'%s'", ok[i].s);
		EXPECT_EQ(ok[i].sig, sig) TH_LOG("'%s'", ok[i].s);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sig = -1;
		EXPECT_EQ(-EINVAL, kiste_signal_parse(bad[i], &sig, &err)) TH_LOG("'%s'", bad[i]);
		EXPECT_EQ(-1, sig);
		EXPECT_NE(NULL, strstr(err.msg, "1..64"));
	}
	ASSERT_EQ(0, kiste_signal_parse("RTMIN", &sig, &err));
	EXPECT_EQ(SIGRTMIN, sig);
	ASSERT_EQ(0, kiste_signal_parse("SIGRTMIN+2", &sig, &err));
	EXPECT_EQ(SIGRTMIN + 2, sig);
	ASSERT_EQ(0, kiste_signal_parse("RTMAX-1", &sig, &err));
	EXPECT_EQ(SIGRTMAX - 1, sig);
}

TEST_HARNESS_MAIN
