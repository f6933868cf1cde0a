// SPDX-License-Identifier: GPL-2.0
// The kiste binary's argument handling and exit codes, run as a child process.
// kiste-suite: host cli_test
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "kselftest_harness.h"
#include "libkiste.h"
#include "util.h"

#define NOT_LOADED "kiste: kiste.ko is not loaded: modprobe kiste\n"

static const char *const subcommands[] = {
	"version", "check", "inspect", "events", "stats",
};
#define NSUB (sizeof(subcommands) / sizeof(subcommands[0]))
/* The module registry's commands, under `kiste sandbox` (the OCI verbs took their names). */
static const char *const sandbox_cmds[] = { "create", "list", "kill", "delete" };
#define NSB (sizeof(sandbox_cmds) / sizeof(sandbox_cmds[0]))

static bool module_loaded(void)
{
	struct kiste_nl *nl;

	if (kiste_nl_open(&nl, NULL) < 0)
		return false;
	kiste_nl_close(nl);
	return true;
}

#define RUN(r, ...)                                                                                \
	do {                                                                                       \
		const char *const _args[] = { __VA_ARGS__, NULL };                                 \
		ASSERT_EQ(0, access(kiste_bin(), X_OK))                                            \
		TH_LOG("no binary at %s: set KISTE_BIN", kiste_bin());                             \
		ASSERT_EQ(0, run_kiste(_args, (r)));                                               \
	} while (0)

/* A usage error: exit 2, nothing on stdout, exactly one line on stderr naming the command. */
#define EXPECT_USAGE(r, prefix)                                                                    \
	do {                                                                                       \
		EXPECT_EQ(2, (r)->status) TH_LOG("stderr: %s", (r)->err);                          \
		EXPECT_STREQ("", (r)->out);                                                        \
		EXPECT_EQ(1U, count_lines((r)->err)) TH_LOG("stderr: %s", (r)->err);               \
		EXPECT_EQ(0, strncmp((r)->err, prefix, strlen(prefix)))                            \
		TH_LOG("stderr: %s", (r)->err);                                                    \
	} while (0)

TEST(top_level_help)
{
	static const char *const flags[] = { "--help", "-h", "help" };
	struct run_result r;
	size_t i;

	for (i = 0; i < 3; i++) {
		RUN(&r, flags[i]);
		EXPECT_EQ(0, r.status) TH_LOG("%s", flags[i]);
		EXPECT_EQ(0, strncmp(r.out, "Usage: kiste", 12));
		EXPECT_STREQ("", r.err);
		EXPECT_NE(NULL, strstr(r.out, "create"));
	}
}

TEST(every_subcommand_has_help)
{
	struct run_result r;
	char want[64];
	size_t i;

	for (i = 0; i < NSUB; i++) {
		snprintf(want, sizeof(want), "Usage: kiste %s", subcommands[i]);
		RUN(&r, subcommands[i], "--help");
		EXPECT_EQ(0, r.status) TH_LOG("%s --help", subcommands[i]);
		EXPECT_EQ(0, strncmp(r.out, want, strlen(want))) TH_LOG("%s", r.out);
		EXPECT_STREQ("", r.err);
		RUN(&r, subcommands[i], "-h");
		EXPECT_EQ(0, r.status) TH_LOG("%s -h", subcommands[i]);
		EXPECT_EQ(0, strncmp(r.out, want, strlen(want)));
	}
	for (i = 0; i < NSB; i++) {
		snprintf(want, sizeof(want), "Usage: kiste sandbox %s", sandbox_cmds[i]);
		RUN(&r, "sandbox", sandbox_cmds[i], "--help");
		EXPECT_EQ(0, r.status) TH_LOG("sandbox %s --help", sandbox_cmds[i]);
		EXPECT_EQ(0, strncmp(r.out, want, strlen(want))) TH_LOG("%s", r.out);
		EXPECT_STREQ("", r.err);
	}
}

TEST(no_command_is_usage_error)
{
	const char *const none[] = { NULL };
	struct run_result r;

	ASSERT_EQ(0, run_kiste(none, &r));
	EXPECT_USAGE(&r, "kiste: ");
}

TEST(unknown_command_and_flag)
{
	struct run_result r;

	RUN(&r, "frobnicate");
	EXPECT_USAGE(&r, "kiste: unknown command 'frobnicate'");
	RUN(&r, "--frobnicate");
	EXPECT_USAGE(&r, "kiste: unknown option '--frobnicate'");
}

TEST(unknown_flag_on_every_subcommand)
{
	struct run_result r;
	char want[96];
	size_t i;

	for (i = 0; i < NSUB; i++) {
		snprintf(want, sizeof(want), "kiste %s: unknown option '--bogus'", subcommands[i]);
		RUN(&r, subcommands[i], "--bogus");
		EXPECT_USAGE(&r, want);
		snprintf(want, sizeof(want), "kiste %s: unknown option '-Z'", subcommands[i]);
		RUN(&r, subcommands[i], "-Z");
		EXPECT_USAGE(&r, want);
	}
	for (i = 0; i < NSB; i++) {
		snprintf(want, sizeof(want), "kiste sandbox %s: unknown option '--bogus'",
			 sandbox_cmds[i]);
		RUN(&r, "sandbox", sandbox_cmds[i], "--bogus");
		EXPECT_USAGE(&r, want);
	}
}

TEST(create_usage_errors)
{
	char longname[KISTE_NAME_MAX + 1];
	struct run_result r;

	RUN(&r, "sandbox", "create", "--mode", "bogus");
	EXPECT_USAGE(&r, "kiste sandbox create: bad --mode 'bogus': use shim, vm or unikernel");
	RUN(&r, "sandbox", "create");
	EXPECT_USAGE(&r, "kiste sandbox create: missing --mode");
	RUN(&r, "sandbox", "create", "--mode");
	EXPECT_USAGE(&r, "kiste sandbox create: option '--mode' needs an argument");
	RUN(&r, "sandbox", "create", "--mode", "shim", "--memory", "1.5G");
	EXPECT_USAGE(&r, "kiste sandbox create: --memory: bad size '1.5G'");
	RUN(&r, "sandbox", "create", "--mode", "shim", "--memory", "0");
	EXPECT_USAGE(&r, "kiste sandbox create: --memory");
	RUN(&r, "sandbox", "create", "--mode", "shim", "--memory", "99999999999999999999");
	EXPECT_USAGE(&r, "kiste sandbox create: --memory: size '99999999999999999999' is too large");
	RUN(&r, "sandbox", "create", "--mode", "vm", "--cpus", "0");
	EXPECT_USAGE(&r, "kiste sandbox create: bad --cpus '0'");
	RUN(&r, "sandbox", "create", "--mode", "vm", "--cpus", "-1");
	EXPECT_USAGE(&r, "kiste sandbox create: bad --cpus '-1'");
	RUN(&r, "sandbox", "create", "--mode", "shim", "--name", "a b");
	EXPECT_USAGE(&r, "kiste sandbox create: bad --name 'a b'");
	RUN(&r, "sandbox", "create", "--mode", "shim", "--name", "123");
	EXPECT_USAGE(&r, "kiste sandbox create: bad --name '123'");
	memset(longname, 'n', KISTE_NAME_MAX);
	longname[KISTE_NAME_MAX] = '\0';
	RUN(&r, "sandbox", "create", "--mode", "shim", "--name", longname);
	EXPECT_USAGE(&r, "kiste sandbox create: bad --name");
	RUN(&r, "sandbox", "create", "--mode", "shim", "extra");
	EXPECT_USAGE(&r, "kiste sandbox create: unexpected argument 'extra'");
}

TEST(reference_usage_errors)
{
	static const char *const cmds[][2] = { { "inspect", NULL }, { "sandbox", "kill" },
					       { "sandbox", "delete" } };
	struct run_result r;
	char want[96], name[32];
	size_t i;

	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "%s%s%s", cmds[i][0], cmds[i][1] ? " " : "",
			 cmds[i][1] ? cmds[i][1] : "");
		snprintf(want, sizeof(want), "kiste %s: missing sandbox", name);
		RUN(&r, cmds[i][0], cmds[i][1]);
		EXPECT_USAGE(&r, want);
		snprintf(want, sizeof(want), "kiste %s: bad sandbox 'a/b'", name);
		if (cmds[i][1])
			RUN(&r, cmds[i][0], cmds[i][1], "a/b");
		else
			RUN(&r, cmds[i][0], "a/b");
		EXPECT_USAGE(&r, want);
		/* "0" is no sandbox; to inspect it may be an OCI container's id (below) */
		if (!cmds[i][1])
			continue;
		snprintf(want, sizeof(want), "kiste %s: bad sandbox '0'", name);
		RUN(&r, cmds[i][0], cmds[i][1], "0");
		EXPECT_USAGE(&r, want);
	}
	if (!module_loaded()) {
		RUN(&r, "--root", "/nonexistent-kiste-root", "inspect", "0");
		EXPECT_EQ(1, r.status);
		EXPECT_NE(NULL, strstr(r.err, "no container 0 under --root")) TH_LOG("%s", r.err);
	}
	RUN(&r, "sandbox", "kill", "box", "BOGUS");
	EXPECT_USAGE(&r, "kiste sandbox kill: bad signal 'BOGUS'");
	RUN(&r, "sandbox", "kill", "box", "65");
	EXPECT_USAGE(&r, "kiste sandbox kill: bad signal '65'");
	RUN(&r, "sandbox", "kill", "box", "9", "extra");
	EXPECT_USAGE(&r, "kiste sandbox kill: unexpected argument 'extra'");
	RUN(&r, "sandbox", "delete", "box", "9");
	EXPECT_USAGE(&r, "kiste sandbox delete: unexpected argument '9'");
	RUN(&r, "sandbox", "delete", "--json", "box");
	EXPECT_USAGE(&r, "kiste sandbox delete: unknown option '--json'");
}

TEST(events_usage_errors)
{
	struct run_result r;

	RUN(&r, "events", "--count", "0");
	EXPECT_USAGE(&r, "kiste events: bad --count '0'");
	RUN(&r, "events", "--count", "x");
	EXPECT_USAGE(&r, "kiste events: bad --count 'x'");
	RUN(&r, "events", "--timeout", "1.5");
	EXPECT_USAGE(&r, "kiste events: bad --timeout '1.5'");
	RUN(&r, "events", "--timeout");
	EXPECT_USAGE(&r, "kiste events: option '--timeout' needs an argument");
}

TEST(registry_commands_without_module)
{
	struct run_result r;

	if (module_loaded())
		SKIP(return, "kiste.ko is loaded here; this test is for hosts without it");
	RUN(&r, "sandbox", "list");
	EXPECT_EQ(1, r.status);
	EXPECT_STREQ(NOT_LOADED, r.err);
	EXPECT_STREQ("", r.out);
	RUN(&r, "sandbox", "list", "--json");
	EXPECT_EQ(1, r.status);
	EXPECT_STREQ(NOT_LOADED, r.err);
	RUN(&r, "sandbox", "create", "--mode", "shim", "--name", "ok-name", "--memory", "64M", "--cpus", "2");
	EXPECT_EQ(1, r.status);
	EXPECT_STREQ(NOT_LOADED, r.err);
	/* inspect looks under --root too: neither there nor a registry to look in */
	RUN(&r, "--root", "/nonexistent-kiste-root", "inspect", "box");
	EXPECT_EQ(1, r.status);
	EXPECT_STREQ("kiste: no container box under --root /nonexistent-kiste-root, and no sandbox "
		     "registry to look in: kiste.ko is not loaded: modprobe kiste\n", r.err);
	RUN(&r, "sandbox", "kill", "3", "TERM");
	EXPECT_EQ(1, r.status);
	EXPECT_STREQ(NOT_LOADED, r.err);
	RUN(&r, "sandbox", "delete", "box");
	EXPECT_EQ(1, r.status);
	EXPECT_STREQ(NOT_LOADED, r.err);
	RUN(&r, "events", "--count", "1", "--timeout", "1");
	EXPECT_EQ(1, r.status);
	EXPECT_STREQ(NOT_LOADED, r.err);
	RUN(&r, "stats");
	EXPECT_EQ(1, r.status);
	EXPECT_STREQ(NOT_LOADED, r.err);
}

TEST(version_without_module)
{
	struct run_result r;
	char want[64];

	RUN(&r, "version");
	EXPECT_EQ(0, r.status);
	snprintf(want, sizeof(want), "interface: %d", KISTE_IFACE_VERSION);
	EXPECT_NE(NULL, strstr(r.out, want)) TH_LOG("%s", r.out);
	EXPECT_EQ(0, strncmp(r.out, "kiste ", 6));
	if (!module_loaded() && access("/dev/kiste", F_OK))
		EXPECT_NE(NULL, strstr(r.out, "module: not loaded"));
	RUN(&r, "--version");
	EXPECT_EQ(0, r.status);
}

TEST(check_json_has_every_key)
{
	static const char *const paths[][2] = {
		{ "module", "loaded" },	       { "module", "genl" },	  { "module", "device" },
		{ "module", "iface_version" }, { "kvm", "present" },	  { "kvm", "openable" },
		{ "seccomp", "available" },    { "seccomp", "actions" },  { "landlock", "abi" },
		{ "landlock", "available" },   { "userns", "available" }, { "shim", "ids" },
		{ "oci", "default_mode" },     { "oci", "why" },
	};
	struct json_object *o, *sub, *v;
	struct run_result r;
	size_t i;

	RUN(&r, "check", "--json");
	EXPECT_EQ(0, r.status);
	EXPECT_EQ(1U, count_lines(r.out));
	o = json_tokener_parse(r.out);
	ASSERT_NE(NULL, o) TH_LOG("not JSON: %s", r.out);
	ASSERT_TRUE(json_object_is_type(o, json_type_object));
	EXPECT_TRUE(json_object_object_get_ex(o, "syscall_user_dispatch", &v));
	EXPECT_TRUE(json_object_is_type(v, json_type_boolean));
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		ASSERT_TRUE(json_object_object_get_ex(o, paths[i][0], &sub))
		TH_LOG("%s", paths[i][0]);
		EXPECT_TRUE(json_object_object_get_ex(sub, paths[i][1], NULL))
		TH_LOG("%s.%s", paths[i][0], paths[i][1]);
	}
	json_object_object_get_ex(o, "module", &sub);
	json_object_object_get_ex(sub, "loaded", &v);
	EXPECT_EQ(module_loaded() || access("/dev/kiste", F_OK) == 0, json_object_get_boolean(v));
	json_object_object_get_ex(o, "kvm", &sub);
	json_object_object_get_ex(sub, "present", &v);
	EXPECT_EQ(access("/dev/kvm", F_OK) == 0, json_object_get_boolean(v));
	json_object_put(o);
}

TEST(check_text_exits_zero)
{
	struct run_result r;

	RUN(&r, "check");
	EXPECT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "module:"));
	EXPECT_NE(NULL, strstr(r.out, "landlock:"));
	EXPECT_NE(NULL, strstr(r.out, "seccomp:"));
	EXPECT_NE(NULL, strstr(r.out, "user namespaces:"));
	EXPECT_NE(NULL, strstr(r.out, "\noci default mode:      "));
	RUN(&r, "check", "extra");
	EXPECT_USAGE(&r, "kiste check: unexpected argument 'extra'");
}

TEST_HARNESS_MAIN
