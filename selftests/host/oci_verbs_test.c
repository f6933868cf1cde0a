// SPDX-License-Identifier: GPL-2.0
// The parsers and builders behind the OCI verbs: update -r, hooks.json, spec, features, hook state,
// the runtime's configuration file.
// kiste-suite: host oci_verbs_test
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "kselftest_harness.h"
#include "kiste_mode.h"
#include "kiste_oci.h"

#define WHAT "-r res.json"

/* A resources file: what is set, and the members reported as ignored. */
TEST(resources_good)
{
	static const char j[] = "{\"memory\":{\"limit\":104857600,\"swap\":5},\"pids\":{\"limit\":"
				"50},\"cpu\":{\"quota\":50000,\"period\":200000,\"shares\":2},"
				"\"blockIO\":{\"weight\":10},\"hugepageLimits\":[]}";
	struct kiste_oci_resources r;
	struct kiste_err err = { 0 };
	char ignored[64];

	ASSERT_EQ(0, kiste_oci_resources_parse(WHAT, j, strlen(j), &r, ignored, sizeof(ignored),
					       &err)) TH_LOG("%s", err.msg);
	EXPECT_TRUE(r.memory_set);
	EXPECT_EQ(104857600ULL, r.memory);
	EXPECT_TRUE(r.pids_set);
	EXPECT_EQ(50U, r.pids);
	EXPECT_TRUE(r.cpu_set);
	EXPECT_EQ(50000, r.cpu_quota);
	EXPECT_EQ(200000, r.cpu_period);
	EXPECT_STREQ("blockIO, hugepageLimits", ignored);
}

/* Members left out are not set: update leaves those limits as they are. */
TEST(resources_partial)
{
	static const char j[] = "{\"cpu\":{\"period\":100000}}";
	struct kiste_oci_resources r;
	struct kiste_err err = { 0 };

	ASSERT_EQ(0, kiste_oci_resources_parse(WHAT, j, strlen(j), &r, NULL, 0, &err));
	EXPECT_FALSE(r.memory_set);
	EXPECT_FALSE(r.pids_set);
	EXPECT_TRUE(r.cpu_set);
	EXPECT_EQ(-1, r.cpu_quota);
}

/* Hostile and mistaken files: one line naming the file and the member. */
TEST(resources_bad)
{
	static const struct {
		const char *json, *msg;
	} cases[] = {
		{ "{\"memory\":{\"limit\":\"lots\"}}",
		  WHAT ": memory.limit: must be an integer, not a string" },
		{ "{\"memory\":[1]}", WHAT ": memory: must be an object, not an array" },
		{ "{\"memory\":{\"limit\":1e30}}", WHAT ": memory.limit: must be an integer, not a number" },
		{ "{\"memory\":{\"limit\":99999999999999999999999}}", WHAT ": memory.limit: " },
		{ "{\"memory\":{\"limit\":-2}}", WHAT ": memory.limit: -2 is out of range" },
		{ "{\"pids\":{}}", WHAT ": pids.limit: missing" },
		{ "{\"pids\":{\"limit\":4194305}}", WHAT ": pids.limit: 4194305 is out of range" },
		{ "{\"cpu\":{\"period\":10}}", WHAT ": cpu.period: 10 is out of range" },
		/* Would overflow the CPU count computed from it (it used to wrap and pass). */
		{ "{\"cpu\":{\"quota\":9223372036854775807,\"period\":100000}}",
		  WHAT ": cpu.quota: 9223372036854775807 per period is more CPUs" },
		{ "{\"cpu\":{\"quota\":18446744073709551,\"period\":1000}}", WHAT ": cpu.quota: " },
		{ "[1]", WHAT ": must be a JSON object" },
		{ "{\"memory\":", WHAT ": not valid JSON" },
		{ "", WHAT ": not valid JSON" },
	};
	struct kiste_oci_resources r;
	struct kiste_err err;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		EXPECT_GT(0, kiste_oci_resources_parse(WHAT, cases[i].json, strlen(cases[i].json),
						       &r, NULL, 0, &err))
		TH_LOG("%zu accepted", i);
		EXPECT_EQ(0, strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)))
		TH_LOG("%zu: got '%s'", i, err.msg);
		EXPECT_EQ(NULL, strchr(err.msg, '\n'));
	}
}

/* Deep nesting and size: refused without a crash, the ignored list stays in its buffer. */
TEST(resources_hostile_sizes)
{
	size_t n = 100000, big = KISTE_OCI_CONFIG_MAX + 10, i;
	struct kiste_oci_resources r;
	struct kiste_err err = { 0 };
	char *deep = malloc(2 * n + 32), *huge = malloc(big + 1), ignored[32];
	char *many = malloc(64 * 1024);

	ASSERT_NE(NULL, deep);
	ASSERT_NE(NULL, huge);
	ASSERT_NE(NULL, many);
	strcpy(deep, "{\"memory\":");
	for (i = 0; i < n; i++)
		deep[10 + i] = '[';
	deep[10 + n] = 0;
	EXPECT_GT(0, kiste_oci_resources_parse(WHAT, deep, strlen(deep), &r, NULL, 0, &err));
	memset(huge, ' ', big);
	huge[0] = '{';
	huge[big - 1] = '}';
	huge[big] = 0;
	memset(&err, 0, sizeof(err));
	EXPECT_EQ(-EFBIG, kiste_oci_resources_parse(WHAT, huge, big, &r, NULL, 0, &err));
	/* A thousand unknown members: the list is cut at the buffer, NUL-terminated. */
	strcpy(many, "{");
	for (i = 0; i < 1000; i++)
		sprintf(many + strlen(many), "%s\"member%zu\":1", i ? "," : "", i);
	strcat(many, "}");
	EXPECT_EQ(0, kiste_oci_resources_parse(WHAT, many, strlen(many), &r, ignored,
					       sizeof(ignored), &err));
	EXPECT_GT(sizeof(ignored), strlen(ignored));
	EXPECT_EQ(0, strncmp(ignored, "member0, member1", 16));
	free(deep);
	free(huge);
	free(many);
}

TEST(hooks_file)
{
	static const char good[] = "{\"hooks\":{\"poststart\":[{\"path\":\"/bin/a\",\"args\":[\"a\",\"x\"],"
				   "\"env\":[\"K=V\"],\"timeout\":3}],\"poststop\":[{\"path\":\"/b\"}]}}";
	static const char *const bad[] = {
		"{\"hooks\":{\"poststop\":[{\"path\":\"rel\"}]}}",
		"{\"hooks\":{\"poststop\":[{\"path\":\"/b\",\"args\":[1]}]}}",
		"{\"hooks\":{\"poststop\":[{\"path\":\"/b\",\"timeout\":0}]}}",
		"{\"hooks\":{\"poststop\":[{\"path\":\"/b\",\"env\":[\"NOEQUALS\"]}]}}",
		"{\"hooks\":{\"poststop\":{}}}",
		"{\"hooks\":[]}",
	};
	struct kiste_oci_config c;
	struct kiste_err err = { 0 };
	char *many;
	size_t i;

	ASSERT_EQ(0, kiste_oci_hooks_parse("hooks.json", good, strlen(good), &c, &err))
	TH_LOG("%s", err.msg);
	ASSERT_EQ(1U, c.nhooks[KISTE_OCI_HOOK_POSTSTART]);
	EXPECT_STREQ("/bin/a", c.hooks[KISTE_OCI_HOOK_POSTSTART][0].path);
	EXPECT_EQ(2U, c.hooks[KISTE_OCI_HOOK_POSTSTART][0].args.n);
	EXPECT_EQ(3, c.hooks[KISTE_OCI_HOOK_POSTSTART][0].timeout_s);
	EXPECT_EQ(1U, c.nhooks[KISTE_OCI_HOOK_POSTSTOP]);
	kiste_oci_config_free(&c);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		EXPECT_GT(0, kiste_oci_hooks_parse("hooks.json", bad[i], strlen(bad[i]), &c, &err))
		TH_LOG("%zu accepted", i);
		EXPECT_EQ(0, strncmp(err.msg, "hooks.json: hooks", 17)) TH_LOG("%zu: %s", i, err.msg);
		kiste_oci_config_free(&c);
	}
	/* 65 hooks of one kind: more than the cap. */
	many = malloc(65 * 20 + 64);
	ASSERT_NE(NULL, many);
	strcpy(many, "{\"hooks\":{\"poststop\":[");
	for (i = 0; i < 65; i++)
		strcat(many, i ? ",{\"path\":\"/b\"}" : "{\"path\":\"/b\"}");
	strcat(many, "]}}");
	memset(&err, 0, sizeof(err));
	EXPECT_GT(0, kiste_oci_hooks_parse("hooks.json", many, strlen(many), &c, &err));
	EXPECT_NE(NULL, strstr(err.msg, "65 entries: at most 64")) TH_LOG("%s", err.msg);
	kiste_oci_config_free(&c);
	free(many);
}

/* kiste's own starter config is one kiste's parser accepts, rootless or not. */
TEST(default_spec_parses)
{
	struct kiste_oci_config c;
	struct kiste_err err = { 0 };
	const char *text;
	json_object *o;
	int rootless;

	for (rootless = 0; rootless < 2; rootless++) {
		o = kiste_oci_default_spec(rootless, 1234, 5678, &err);
		ASSERT_NE(NULL, o);
		text = json_object_to_json_string(o);
		ASSERT_EQ(0, kiste_oci_config_parse(text, strlen(text), &c, &err))
		TH_LOG("rootless %d: %s", rootless, err.msg);
		EXPECT_FALSE(c.process.terminal);
		EXPECT_STREQ("sh", c.process.args.v[0]);
		EXPECT_STREQ("kiste", c.hostname);
		if (rootless) {
			ASSERT_EQ(1U, c.nuid_mappings);
			EXPECT_EQ(1234U, c.uid_mappings[0].host_id);
			EXPECT_EQ(5678U, c.gid_mappings[0].host_id);
			EXPECT_TRUE(c.ns[KISTE_OCI_NS_USER].present);
			EXPECT_FALSE(c.ns[KISTE_OCI_NS_NETWORK].present);
		} else {
			EXPECT_EQ(0U, c.nuid_mappings);
			EXPECT_TRUE(c.ns[KISTE_OCI_NS_NETWORK].present);
		}
		kiste_oci_config_free(&c);
		json_object_put(o);
	}
}

/* features: the hooks it lists are the ones the runtime runs, and shim runs containers. */
TEST(features)
{
	json_object *o = kiste_oci_features_json(kiste_modes, "0.0-test"), *v, *an;
	size_t i;

	ASSERT_NE(NULL, o);
	ASSERT_TRUE(json_object_object_get_ex(o, "hooks", &v));
	ASSERT_EQ(4U, json_object_array_length(v));
	for (i = 0; i < 4; i++) {
		const char *h = json_object_get_string(json_object_array_get_idx(v, i));

		EXPECT_TRUE(strcmp(h, "createContainer") && strcmp(h, "startContainer")) TH_LOG("%s", h);
	}
	ASSERT_TRUE(json_object_object_get_ex(o, "annotations", &an));
	ASSERT_TRUE(json_object_object_get_ex(an, "org.kiste.modes", &v));
	EXPECT_NE(NULL, strstr(json_object_get_string(v), "shim"));
	json_object_put(o);
}

/* The state a hook reads: runc's keys, pid only when there is one. */
TEST(hook_state)
{
	struct kiste_oci_kv an = { .key = "k", .value = "v" };
	struct kiste_oci_state s = { .id = "c1", .bundle = "/b", .oci_version = "1.0.2",
				     .annotations = &an, .nannotations = 1 };
	char *t = kiste_oci_hook_state(&s, "creating", 42);

	ASSERT_NE(NULL, t);
	EXPECT_STREQ("{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"creating\",\"pid\":42,"
		     "\"bundle\":\"/b\",\"annotations\":{\"k\":\"v\"}}", t);
	free(t);
	s.nannotations = 0;
	t = kiste_oci_hook_state(&s, "stopped", 0);
	EXPECT_STREQ("{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"stopped\",\"bundle\":\"/b\"}", t);
	free(t);
}

/* A hook that exits 3 and one past its timeout: runc's failures, one line each. */
TEST(hooks_run)
{
	char *ok_argv[] = { "sh", "-c", "cat >/dev/null; exit 0", NULL };
	char *bad_argv[] = { "sh", "-c", "echo out; echo err >&2; exit 3", NULL };
	char *slow_argv[] = { "sh", "-c", "exec sleep 30", NULL };
	struct kiste_oci_hook h[3] = {
		{ .path = "/bin/sh", .args = { ok_argv, 3 } },
		{ .path = "/bin/sh", .args = { bad_argv, 3 } },
		{ .path = "/bin/sh", .args = { slow_argv, 3 }, .timeout_s = 1 },
	};
	struct kiste_err err = { 0 };

	EXPECT_EQ(0, kiste_oci_hooks_run(KISTE_OCI_HOOK_PRESTART, h, 1, "/", "{}", &err));
	EXPECT_EQ(-EIO, kiste_oci_hooks_run(KISTE_OCI_HOOK_PRESTART, h, 2, "/", "{}", &err));
	EXPECT_STREQ("error running prestart hook #1 (/bin/sh): exit status 3, stdout: out\\n, "
		     "stderr: err\\n", err.msg);
	memset(&err, 0, sizeof(err));
	EXPECT_EQ(-ETIMEDOUT, kiste_oci_hooks_run(KISTE_OCI_HOOK_POSTSTART, &h[2], 1, NULL, "{}",
						  &err));
	EXPECT_NE(NULL, strstr(err.msg, "past its timeout of 1 s")) TH_LOG("%s", err.msg);
}

/* The cgroup2 mount, from mountinfo; 0 when there is none. */
static int cgroup2_mount(char *buf, size_t len)
{
	char line[1024], mnt[512];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int found = 0;

	while (f && !found && fgets(line, sizeof(line), f))
		if (strstr(line, " - cgroup2 ") && sscanf(line, "%*s %*s %*s %*s %511s", mnt) == 1)
			found = snprintf(buf, len, "%s", mnt) < (int)len;
	if (f)
		fclose(f);
	return found;
}

static void put(const char *dir, const char *file, const char *val)
{
	char p[PATH_MAX + 64];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	f = fopen(p, "we");
	if (f) {
		fputs(val, f);
		fclose(f);
	}
}

/*
 * The v2 paths, which kiste's containers take where the unified hierarchy
 * has the controllers (the build machines give it v1): a counting child in a
 * v2 cgroup of its own is frozen (its counter stands still), listed, counted
 * in the stats, thawed (it counts again).  cgroup.freeze needs no controller.
 */
TEST(cgroup_v2_freeze)
{
	char mnt[512], base[PATH_MAX], dir[PATH_MAX], pidbuf[32];
	struct kiste_oci_state s = { .id = "c1", .oci_version = "1.0.2" };
	volatile unsigned long *counter;
	struct kiste_err err = { 0 };
	unsigned long before;
	json_object *st, *v;
	pid_t child, *pids;
	size_t n;

	if (geteuid() || !cgroup2_mount(mnt, sizeof(mnt)))
		SKIP(return, "needs root and a cgroup2 mount");
	snprintf(base, sizeof(base), "%s/kiste-oci-test-%d", mnt, (int)getpid());
	if (mkdir(base, 0755) < 0)
		SKIP(return, "cannot make a v2 cgroup under %s: %s", mnt, strerror(errno));
	ASSERT_EQ(0, mkdir(strcat(strcpy(dir, base), "/kiste"), 0755));
	ASSERT_EQ(0, mkdir(strcat(dir, "/oci"), 0755));
	ASSERT_EQ(0, mkdir(strcat(dir, "/c1"), 0755));
	counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, counter);
	child = fork();
	if (child == 0)
		for (;;)
			(*counter)++;
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)child);
	put(dir, "cgroup.procs", pidbuf);
	s.pid = child;
	s.pid_start = kiste_oci_pid_start(child);
	s.cg.version = 2;
	s.cg.ndirs = 1;
	snprintf(s.cg.dir[0], sizeof(s.cg.dir[0]), "%s", dir);

	EXPECT_EQ((int)KISTE_OCI_RUNNING, (int)kiste_oci_state_status(&s));
	EXPECT_EQ(0, kiste_oci_freeze(&s, true, &err)) TH_LOG("%s", err.msg);
	EXPECT_TRUE(kiste_oci_frozen(&s));
	EXPECT_EQ((int)KISTE_OCI_PAUSED, (int)kiste_oci_state_status(&s));
	before = *counter;
	usleep(200000);
	EXPECT_EQ(before, *counter) TH_LOG("the frozen child counted on");
	ASSERT_EQ(0, kiste_oci_pids(&s, &pids, &n, &err));
	ASSERT_EQ(1U, n);
	EXPECT_EQ(child, pids[0]);
	free(pids);
	st = kiste_oci_stats_json(&s);
	ASSERT_NE(NULL, st);
	v = json_object_object_get(json_object_object_get(json_object_object_get(
		json_object_object_get(st, "data"), "cpu"), "usage"), "total");
	EXPECT_LT(0, json_object_get_int64(v)) TH_LOG("%s", json_object_to_json_string(st));
	json_object_put(st);
	EXPECT_EQ(0, kiste_oci_freeze(&s, false, &err)) TH_LOG("%s", err.msg);
	EXPECT_FALSE(kiste_oci_frozen(&s));
	before = *counter;
	usleep(200000);
	EXPECT_LT(before, *counter) TH_LOG("the thawed child does not count");

	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	rmdir(dir);
	rmdir(strcat(strcpy(dir, base), "/kiste/oci"));
	rmdir(strcat(strcpy(dir, base), "/kiste"));
	rmdir(base);
}

/* Writes @text to @path with @mode and points KISTE_CONFIG at it. */
static void conf_file(const char *path, const char *text, size_t len, mode_t mode)
{
	FILE *f;

	unlink(path);	/* a new file: the caller's */
	f = fopen(path, "w");

	if (f) {
		fwrite(text, 1, len, f);
		fclose(f);
	}
	chmod(path, mode);
	setenv("KISTE_CONFIG", path, 1);
}

/*
 * The runtime's configuration file: no file is no mode; comments, blank lines
 * and spaces are allowed; every other mistake is one line naming the file, the
 * line and the fix, and a file others may write is refused.
 */
TEST(runtime_conf)
{
	static const struct {
		const char *text;
		int ret;
		const char *want;	/* the mode, or a part of the error line */
	} cases[] = {
		{ "# kiste\n\n  mode =  vm \n", 1, "vm" },
		{ "mode=unikernel", 1, "unikernel" },
		{ "# nothing set\n", 0, "" },
		{ "mode = shim\nmodes = vm\n", -EINVAL, "runtime.conf:2: unknown key 'modes'" },
		{ "\nmode = kvm\n", -EINVAL, "runtime.conf:2: 'kvm' is no mode: use shim, vm" },
		{ "mode = vm\nmode = shim\n", -EINVAL, "runtime.conf:2: mode given twice" },
		{ "vm\n", -EINVAL, "runtime.conf:1: not KEY = VALUE" },
		{ "mode = \n", -EINVAL, "'' is no mode" },
	};
	char dir[] = "/tmp/kiste-conf-XXXXXX", path[64], mode[16];
	struct kiste_err err = { 0 };
	unsigned int i;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/runtime.conf", dir);
	setenv("KISTE_CONFIG", path, 1);
	EXPECT_EQ(0, kiste_runtime_conf_mode(mode, sizeof(mode), &err));
	EXPECT_STREQ("", mode);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		conf_file(path, cases[i].text, strlen(cases[i].text), 0644);
		EXPECT_EQ(cases[i].ret, kiste_runtime_conf_mode(mode, sizeof(mode), &err))
			TH_LOG("case %u: %s", i, err.msg);
		if (cases[i].ret >= 0) {
			EXPECT_STREQ(cases[i].want, mode);
		} else {
			EXPECT_NE(NULL, strstr(err.msg, cases[i].want)) TH_LOG("%s", err.msg);
		}
	}
	memset(&err, 0, sizeof(err));
	conf_file(path, "mode = vm\n", 10, 0664);
	EXPECT_EQ(-EPERM, kiste_runtime_conf_mode(mode, sizeof(mode), &err));
	EXPECT_NE(NULL, strstr(err.msg, "chmod go-w")) TH_LOG("%s", err.msg);
	memset(&err, 0, sizeof(err));
	conf_file(path, "mode = vm\n", 10, 0644);
	if (geteuid() == 0 && chown(path, 1234, 1234) == 0) {
		EXPECT_EQ(-EPERM, kiste_runtime_conf_mode(mode, sizeof(mode), &err));
		EXPECT_NE(NULL, strstr(err.msg, "chown root")) TH_LOG("%s", err.msg);
	}
	memset(&err, 0, sizeof(err));
	conf_file(path, "mode = vm\0x\n", 12, 0644);
	EXPECT_EQ(-EINVAL, kiste_runtime_conf_mode(mode, sizeof(mode), &err));
	EXPECT_NE(NULL, strstr(err.msg, "not text")) TH_LOG("%s", err.msg);
	/* a folder others may write: refused, file or none */
	memset(&err, 0, sizeof(err));
	chmod(dir, 0777);
	EXPECT_EQ(-EPERM, kiste_runtime_conf_mode(mode, sizeof(mode), &err));
	EXPECT_NE(NULL, strstr(err.msg, "(the folder of ")) TH_LOG("%s", err.msg);
	unlink(path);
	memset(&err, 0, sizeof(err));
	EXPECT_EQ(-EPERM, kiste_runtime_conf_mode(mode, sizeof(mode), &err));
	chmod(dir, 0700);
	setenv("KISTE_CONFIG", dir, 1);
	memset(&err, 0, sizeof(err));
	EXPECT_EQ(-EINVAL, kiste_runtime_conf_mode(mode, sizeof(mode), &err));
	EXPECT_NE(NULL, strstr(err.msg, "not a regular file")) TH_LOG("%s", err.msg);
	unsetenv("KISTE_CONFIG");
	rmdir(dir);
}

TEST_HARNESS_MAIN
