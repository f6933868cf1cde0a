// SPDX-License-Identifier: GPL-2.0
// config.json parsing (oci/config.c) and its mapping onto shim mode (oci/spec.c), table-driven.
// kiste-suite: host oci_config_test
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "kiste_oci.h"
#include "kiste_oci_spec.h"

/* A minimal valid config with one member spliced in where %s is. */
#define CFG(extra)                                                                              \
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},"               \
	"\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"}" extra "}"

static const struct bad_case {
	const char *name;
	const char *json;
	const char *msg;	/* the error line must start with this */
} bad_cases[] = {
	{ "not_json", "{\"ociVersion\":", "config.json: not valid JSON" },
	{ "not_object", "[1,2]", "config.json: must be a JSON object" },
	{ "no_version", "{\"root\":{\"path\":\"r\"}}", "config.json: ociVersion: missing" },
	{ "version_2", "{\"ociVersion\":\"2.0\",\"root\":{\"path\":\"r\"}}",
	  "config.json: ociVersion: '2.0' is not a 1.x" },
	{ "no_root", "{\"ociVersion\":\"1.0.2\"}", "config.json: root: missing" },
	{ "root_escapes", "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"a/../../x\"}}",
	  "config.json: root.path: 'a/../../x' leaves the bundle" },
	{ "root_not_string", "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":3}}",
	  "config.json: root.path: must be a string, not an integer" },
	{ "args_not_strings",
	  "{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},"
	  "\"args\":[\"sh\",7],\"cwd\":\"/\"},\"root\":{\"path\":\"r\"}}",
	  "config.json: process.args[1]: must be a string, not an integer" },
	{ "args_nul",
	  "{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},"
	  "\"args\":[\"sh\",\"a\\u0000b\"],\"cwd\":\"/\"},\"root\":{\"path\":\"r\"}}",
	  "config.json: process.args[1]: a string holds a NUL character" },
	{ "args_empty",
	  "{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},"
	  "\"args\":[],\"cwd\":\"/\"},\"root\":{\"path\":\"r\"}}",
	  "config.json: process.args: empty" },
	{ "cwd_relative",
	  "{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},"
	  "\"args\":[\"sh\"],\"cwd\":\"tmp\"},\"root\":{\"path\":\"r\"}}",
	  "config.json: process.cwd: 'tmp' is not an absolute path" },
	{ "uid_minus_one",
	  "{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":-1,\"gid\":0},"
	  "\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"r\"}}",
	  "config.json: process.user.uid: -1 is out of range" },
	{ "no_user",
	  "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},"
	  "\"root\":{\"path\":\"r\"}}",
	  "config.json: process.user: missing" },
	{ "env_no_equals",
	  "{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},"
	  "\"args\":[\"sh\"],\"env\":[\"A=1\",\"JUNK\"],\"cwd\":\"/\"},\"root\":{\"path\":\"r\"}}",
	  "config.json: process.env[1]: 'JUNK' is not NAME=VALUE" },
	{ "rlimit_unknown",
	  "{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},"
	  "\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_FOO\",\"soft\":1,"
	  "\"hard\":1}]},\"root\":{\"path\":\"r\"}}",
	  "config.json: process.rlimits[0].type: unknown rlimit 'RLIMIT_FOO'" },
	{ "rlimit_soft_above_hard",
	  "{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},"
	  "\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":9,"
	  "\"hard\":1}]},\"root\":{\"path\":\"r\"}}",
	  "config.json: process.rlimits[0]: soft 9 is above hard 1" },
	{ "console_height_not_int",
	  "{\"ociVersion\":\"1.0.2\",\"process\":{\"terminal\":true,\"consoleSize\":{"
	  "\"height\":\"tall\",\"width\":80},\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],"
	  "\"cwd\":\"/\"},\"root\":{\"path\":\"/\"}}",
	  "config.json: process.consoleSize.height: must be an integer, not a string" },
	{ "terminal_not_bool",
	  "{\"ociVersion\":\"1.0.2\",\"process\":{\"terminal\":\"yes\",\"user\":{\"uid\":0,"
	  "\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"r\"}}",
	  "config.json: process.terminal: must be a boolean, not a string" },
	{ "mount_type_unknown", CFG(",\"mounts\":[{\"destination\":\"/x\",\"type\":\"nfs\"}]"),
	  "config.json: mounts[0].type: unknown mount type 'nfs'" },
	{ "mount_relative", CFG(",\"mounts\":[{\"destination\":\"x\",\"type\":\"tmpfs\"}]"),
	  "config.json: mounts[0].destination: 'x' is not an absolute path" },
	{ "bind_without_source", CFG(",\"mounts\":[{\"destination\":\"/x\",\"type\":\"bind\"}]"),
	  "config.json: mounts[0].source: missing" },
	{ "ns_unknown", CFG(",\"linux\":{\"namespaces\":[{\"type\":\"pidd\"}]}"),
	  "config.json: linux.namespaces[0].type: unknown namespace 'pidd'" },
	{ "ns_twice", CFG(",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\"}]}"),
	  "config.json: linux.namespaces[1].type: 'pid' is listed twice" },
	{ "idmap_size_zero",
	  CFG(",\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":0}]}"),
	  "config.json: linux.uidMappings[0].size: 0 is out of range" },
	{ "memory_negative", CFG(",\"linux\":{\"resources\":{\"memory\":{\"limit\":-5}}}"),
	  "config.json: linux.resources.memory.limit: -5 is out of range" },
	{ "memory_huge",
	  CFG(",\"linux\":{\"resources\":{\"memory\":{\"limit\":99999999999999999999999}}}"),
	  "config.json: linux.resources.memory.limit: " },
	{ "pids_absurd", CFG(",\"linux\":{\"resources\":{\"pids\":{\"limit\":999999999}}}"),
	  "config.json: linux.resources.pids.limit: 999999999 is out of range" },
	{ "cpu_period_zero", CFG(",\"linux\":{\"resources\":{\"cpu\":{\"quota\":1,\"period\":0}}}"),
	  "config.json: linux.resources.cpu.period: 0 is out of range" },
	{ "annotation_not_string", CFG(",\"annotations\":{\"a\":1}"),
	  "config.json: annotations.a: must be a string" },
	{ "sysctl_host_wide", CFG(",\"linux\":{\"sysctl\":{\"kernel.panic\":\"1\"}}"),
	  "config.json: linux.sysctl.kernel.panic: is a host-wide setting" },
	{ "sysctl_path", CFG(",\"linux\":{\"sysctl\":{\"net/../../kernel.panic\":\"1\"}}"),
	  "config.json: linux.sysctl.net/../../kernel.panic: is no sysctl name" },
	{ "sysctl_dots", CFG(",\"linux\":{\"sysctl\":{\"net..core.somaxconn\":\"1\"}}"),
	  "config.json: linux.sysctl.net..core.somaxconn: is no sysctl name" },
	{ "sysctl_dot_word", CFG(",\"linux\":{\"sysctl\":{\"net/ipv4/../../kernel/panic\":\"1\"}}"),
	  "config.json: linux.sysctl.net/ipv4/../../kernel/panic: is no sysctl name" },
	{ "sysctl_not_string", CFG(",\"linux\":{\"sysctl\":{\"net.core.somaxconn\":1}}"),
	  "config.json: linux.sysctl.net.core.somaxconn: must be a string" },
	{ "hook_relative", CFG(",\"hooks\":{\"prestart\":[{\"path\":\"hook\"}]}"),
	  "config.json: hooks.prestart[0].path: 'hook' is not an absolute path" },
#define SCMP(x) CFG(",\"linux\":{\"seccomp\":" x "}")
	{ "seccomp_no_default", SCMP("{\"syscalls\":[]}"),
	  "config.json: linux.seccomp.defaultAction: missing" },
	{ "seccomp_action_unknown", SCMP("{\"defaultAction\":\"SCMP_ACT_NOPE\"}"),
	  "config.json: linux.seccomp.defaultAction: unknown value 'SCMP_ACT_NOPE': use SCMP_ACT_KILL" },
	{ "seccomp_rule_action", SCMP("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
				       "{\"names\":[\"mkdir\"],\"action\":\"ERRNO\"}]}"),
	  "config.json: linux.seccomp.syscalls[0].action: unknown value 'ERRNO'" },
	{ "seccomp_no_names", SCMP("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
				   "{\"names\":[],\"action\":\"SCMP_ACT_ERRNO\"}]}"),
	  "config.json: linux.seccomp.syscalls[0].names: 0 names: give 1 to 1024" },
	{ "seccomp_bad_name", SCMP("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
				   "{\"names\":[\"mk dir\"],\"action\":\"SCMP_ACT_ERRNO\"}]}"),
	  "config.json: linux.seccomp.syscalls[0].names[0]: 'mk dir' is no syscall name" },
	{ "seccomp_errno_with_allow",
	  SCMP("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],"
	       "\"action\":\"SCMP_ACT_ALLOW\",\"errnoRet\":1}]}"),
	  "config.json: linux.seccomp.syscalls[0].errnoRet: given with SCMP_ACT_ALLOW" },
	{ "seccomp_arg_index", SCMP("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
				    "{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":"
				    "[{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}"),
	  "config.json: linux.seccomp.syscalls[0].args[0].index: 6 is out of range: use 0..5" },
	{ "seccomp_arg_op", SCMP("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
				 "{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":"
				 "[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_BETWEEN\"}]}]}"),
	  "config.json: linux.seccomp.syscalls[0].args[0].op: unknown value 'SCMP_CMP_BETWEEN'" },
	{ "seccomp_arg_negative", SCMP("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
				       "{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":"
				       "[{\"index\":0,\"value\":-1,\"op\":\"SCMP_CMP_EQ\"}]}]}"),
	  "config.json: linux.seccomp.syscalls[0].args[0].value: -1 is out of range" },
	{ "seccomp_arch", SCMP("{\"defaultAction\":\"SCMP_ACT_ALLOW\","
			       "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_Z80\"]}"),
	  "config.json: linux.seccomp.architectures[1]: unknown value 'SCMP_ARCH_Z80'" },
	{ "seccomp_flag", SCMP("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"TSYNC\"]}"),
	  "config.json: linux.seccomp.flags[0]: unknown value 'TSYNC'" },
	{ "seccomp_notify_no_listener",
	  SCMP("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],"
	       "\"action\":\"SCMP_ACT_NOTIFY\"}]}"),
	  "config.json: linux.seccomp: SCMP_ACT_NOTIFY needs a listenerPath" },
	{ "device_type", CFG(",\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"z\"}]}"),
	  "config.json: linux.devices[0].type: unknown device type 'z': use one letter of cbup" },
	{ "device_no_major", CFG(",\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\"}]}"),
	  "config.json: linux.devices[0].major: missing" },
	{ "device_relative",
	  CFG(",\"linux\":{\"devices\":[{\"path\":\"dev/x\",\"type\":\"p\"}]}"),
	  "config.json: linux.devices[0]: 'dev/x' is not an absolute path" },
	{ "device_rule_no_allow", CFG(",\"linux\":{\"resources\":{\"devices\":[{\"access\":\"rwm\"}]}}"),
	  "config.json: linux.resources.devices[0].allow: missing" },
	{ "seccomp_action_escape", SCMP("{\"defaultAction\":\"SCMP_ACT_ALLOW\\nkiste: x\\u001b[31m\"}"),
	  "config.json: linux.seccomp.defaultAction: unknown value 'SCMP_ACT_ALLOW?kiste: x?[31m'" },
	{ "device_rule_access",
	  CFG(",\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"rwx\"}]}}"),
	  "config.json: linux.resources.devices[0].access: 'rwx' is no access" },
};

TEST(bad_configs_name_the_field)
{
	struct kiste_oci_config c;
	struct kiste_err err;
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *b = &bad_cases[i];

		memset(&err, 0, sizeof(err));
		EXPECT_GT(0, kiste_oci_config_parse(b->json, strlen(b->json), &c, &err))
		TH_LOG("%s: accepted", b->name);
		EXPECT_EQ(0, strncmp(err.msg, b->msg, strlen(b->msg)))
		TH_LOG("%s: got '%s', want '%s...'", b->name, err.msg, b->msg);
		EXPECT_EQ(NULL, strchr(err.msg, '\n')) TH_LOG("%s: more than one line", b->name);
		kiste_oci_config_free(&c);
	}
}

static const char full_config[] =
	"{\"ociVersion\":\"1.0.2-dev\",\"process\":{\"terminal\":false,"
	"\"user\":{\"uid\":1000,\"gid\":100},\"args\":[\"sh\",\"-c\",\"echo hi\"],"
	"\"env\":[\"PATH=/bin\",\"A=b=c\"],\"cwd\":\"/tmp\","
	"\"capabilities\":{\"bounding\":[\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\",\"CAP_FUTURE\"]},"
	"\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":512}],"
	"\"noNewPrivileges\":true},"
	"\"root\":{\"path\":\"rootfs\",\"readonly\":true},\"hostname\":\"box\","
	"\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
	"{\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":\"/etc/hosts\","
	"\"options\":[\"rbind\",\"ro\"]}],"
	"\"hooks\":{\"poststop\":[{\"path\":\"/bin/true\",\"args\":[\"true\"],\"timeout\":5}]},"
	"\"annotations\":{\"org.kiste.mode\":\"shim\",\"x\":\"y\"},"
	"\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\","
	"\"path\":\"/proc/1/ns/net\"}],"
	"\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
	"\"resources\":{\"memory\":{\"limit\":268435456},\"pids\":{\"limit\":64},"
	"\"cpu\":{\"quota\":50000,\"period\":100000},\"devices\":[{\"allow\":false}]},"
	"\"maskedPaths\":[\"/proc/kcore\"],\"readonlyPaths\":[\"/proc/sys\"],"
	"\"sysctl\":{\"net.core.somaxconn\":\"1024\",\"kernel.shmmni\":\"100\","
	"\"fs.mqueue.msg_max\":\"20\",\"kernel.domainname\":\"example\"},"
	"\"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229,"
	"\"fileMode\":8630,\"uid\":0},{\"path\":\"/dev/p\",\"type\":\"p\"}],"
	"\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
	"\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"],"
	"\"flags\":[\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"],\"syscalls\":["
	"{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},"
	"{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
	"\"value\":18446744073709551615,\"op\":\"SCMP_CMP_EQ\"}]},"
	"{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,\"args\":["
	"{\"index\":0,\"value\":2114060288,\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}}}";

TEST(full_config_into_typed_fields)
{
	struct kiste_oci_config c;
	struct kiste_err err = { 0 };

	ASSERT_EQ(0, kiste_oci_config_parse(full_config, strlen(full_config), &c, &err))
	TH_LOG("%s", err.msg);
	EXPECT_STREQ("1.0.2-dev", c.oci_version);
	EXPECT_EQ(1000U, c.process.uid);
	EXPECT_EQ(100U, c.process.gid);
	ASSERT_EQ(3U, c.process.args.n);
	EXPECT_STREQ("echo hi", c.process.args.v[2]);
	EXPECT_EQ(NULL, c.process.args.v[3]);
	EXPECT_STREQ("A=b=c", c.process.env.v[1]);
	EXPECT_STREQ("/tmp", c.process.cwd);
	EXPECT_TRUE(c.process.no_new_privileges);
	EXPECT_EQ((1ULL << 5) | (1ULL << 10), c.process.caps[KISTE_OCI_CAP_BOUNDING]);
	EXPECT_EQ(1U, c.process.caps_unknown);
	ASSERT_EQ(1U, c.process.nrlimits);
	EXPECT_EQ(512U, c.process.rlimits[0].soft);
	EXPECT_STREQ("rootfs", c.root_path);
	EXPECT_TRUE(c.root_readonly);
	EXPECT_STREQ("box", c.hostname);
	ASSERT_EQ(2U, c.nmounts);
	EXPECT_TRUE(c.mounts[1].bind);
	EXPECT_TRUE(c.mounts[1].readonly);
	EXPECT_FALSE(c.mounts[0].bind);
	ASSERT_EQ(1U, c.nhooks[KISTE_OCI_HOOK_POSTSTOP]);
	EXPECT_EQ(5, c.hooks[KISTE_OCI_HOOK_POSTSTOP][0].timeout_s);
	EXPECT_STREQ("shim", kiste_oci_annotation(&c, KISTE_OCI_MODE_ANNOTATION));
	EXPECT_STREQ("y", kiste_oci_annotation(&c, "x"));
	EXPECT_TRUE(c.ns[KISTE_OCI_NS_PID].present);
	EXPECT_STREQ("/proc/1/ns/net", c.ns[KISTE_OCI_NS_NETWORK].path);
	EXPECT_FALSE(c.ns[KISTE_OCI_NS_USER].present);
	ASSERT_EQ(1U, c.nuid_mappings);
	EXPECT_EQ(100000U, c.uid_mappings[0].host_id);
	EXPECT_EQ(256ULL << 20, c.resources.memory);
	EXPECT_EQ(64U, c.resources.pids);
	EXPECT_EQ(500U, c.resources.cpus_milli);
	ASSERT_EQ(1U, c.ndevice_rules);
	EXPECT_FALSE(c.device_rules[0].allow);
	EXPECT_EQ('a', c.device_rules[0].type);
	EXPECT_EQ(-1, c.device_rules[0].major);
	EXPECT_STREQ("rwm", c.device_rules[0].access);
	ASSERT_EQ(2U, c.ndevices);
	EXPECT_STREQ("/dev/fuse", c.devices[0].path);
	EXPECT_EQ('c', c.devices[0].type);
	EXPECT_EQ(10, c.devices[0].major);
	EXPECT_EQ(229, c.devices[0].minor);
	EXPECT_EQ(0666, c.devices[0].file_mode);
	EXPECT_EQ(0, c.devices[0].uid);
	EXPECT_EQ(-1, c.devices[0].gid);
	EXPECT_EQ('p', c.devices[1].type);
	EXPECT_EQ(-1, c.devices[1].major);
	ASSERT_NE(NULL, c.seccomp);
	EXPECT_EQ(KISTE_OCI_SCMP_ERRNO, c.seccomp->default_action);
	EXPECT_EQ(38, c.seccomp->default_errno_ret);
	ASSERT_EQ(2U, c.seccomp->architectures.n);
	EXPECT_STREQ("SCMP_ARCH_X86", c.seccomp->architectures.v[1]);
	EXPECT_EQ(1U, c.seccomp->flags.n);
	ASSERT_EQ(3U, c.seccomp->nsyscalls);
	EXPECT_EQ(2U, c.seccomp->syscalls[0].names.n);
	EXPECT_STREQ("write", c.seccomp->syscalls[0].names.v[1]);
	EXPECT_EQ(KISTE_OCI_SCMP_ALLOW, c.seccomp->syscalls[0].action);
	EXPECT_EQ(-1, c.seccomp->syscalls[0].errno_ret);
	EXPECT_EQ(0U, c.seccomp->syscalls[0].nargs);
	ASSERT_EQ(1U, c.seccomp->syscalls[1].nargs);
	EXPECT_EQ(UINT64_MAX, c.seccomp->syscalls[1].args[0].value);
	EXPECT_EQ(KISTE_OCI_SCMP_EQ, c.seccomp->syscalls[1].args[0].op);
	EXPECT_EQ(1, c.seccomp->syscalls[2].errno_ret);
	ASSERT_EQ(1U, c.seccomp->syscalls[2].nargs);
	EXPECT_EQ(2114060288U, c.seccomp->syscalls[2].args[0].value);
	EXPECT_EQ(KISTE_OCI_SCMP_MASKED_EQ, c.seccomp->syscalls[2].args[0].op);
	EXPECT_EQ(NULL, c.seccomp->listener_path);
	EXPECT_EQ(1U, c.masked_paths.n);
	ASSERT_EQ(4U, c.nsysctl);
	EXPECT_STREQ("net.core.somaxconn", c.sysctl[0].key);
	EXPECT_STREQ("1024", c.sysctl[0].value);
	EXPECT_EQ(KISTE_OCI_NS_NETWORK, kiste_oci_sysctl_ns(c.sysctl[0].key));
	EXPECT_EQ(KISTE_OCI_NS_IPC, kiste_oci_sysctl_ns(c.sysctl[1].key));
	EXPECT_EQ(KISTE_OCI_NS_IPC, kiste_oci_sysctl_ns(c.sysctl[2].key));
	EXPECT_EQ(KISTE_OCI_NS_UTS, kiste_oci_sysctl_ns(c.sysctl[3].key));
	EXPECT_EQ(-1, kiste_oci_sysctl_ns("kernel.shm_next_id"));
	/* runc's rule: a slash makes the name a path (an interface's dotted name), else dots */
	EXPECT_EQ(KISTE_OCI_NS_NETWORK, kiste_oci_sysctl_ns("net/ipv4/conf/eth0.100/forwarding"));
	EXPECT_EQ(KISTE_OCI_NS_NETWORK, kiste_oci_sysctl_ns("net.ipv4.conf.enP1s0.forwarding"));
	EXPECT_EQ(KISTE_OCI_NS_IPC, kiste_oci_sysctl_ns("kernel/msgmax"));
	EXPECT_EQ(-1, kiste_oci_sysctl_ns("net/./core"));
	EXPECT_EQ(-1, kiste_oci_sysctl_ns("net//core"));
	EXPECT_EQ(-1, kiste_oci_sysctl_ns("/net/core"));
	kiste_oci_config_free(&c);
}

/* -1 is "no limit" for memory and pids, as runc reads it. */
TEST(minus_one_is_no_limit)
{
	static const char j[] = CFG(",\"linux\":{\"resources\":{\"memory\":{\"limit\":-1},"
				    "\"pids\":{\"limit\":-1}}}");
	struct kiste_oci_config c;
	struct kiste_err err = { 0 };

	ASSERT_EQ(0, kiste_oci_config_parse(j, strlen(j), &c, &err)) TH_LOG("%s", err.msg);
	EXPECT_EQ(0U, c.resources.memory);
	EXPECT_EQ(0U, c.resources.pids);
	kiste_oci_config_free(&c);
}

/* The spec's mapping onto shim mode: resources become the run limits, in the mode's ranges. */
TEST(spec_maps_resources_and_refuses_what_it_cannot_do)
{
	static const struct {
		const char *json, *msg;	/* msg NULL: accepted */
	} cases[] = {
		{ CFG(",\"linux\":{\"resources\":{\"memory\":{\"limit\":268435456},\"pids\":{\"limit\":"
		      "64},\"cpu\":{\"quota\":150000,\"period\":100000}}}"), NULL },
		{ CFG(",\"linux\":{\"resources\":{\"memory\":{\"limit\":1048576}}}"),
		  "config.json: linux.resources.memory.limit: 1048576 is out of range for shim mode" },
		{ CFG(",\"annotations\":{\"org.kiste.mode\":\"nope\"}"),
		  "config.json: annotations.org.kiste.mode: 'nope' is no mode" },
		{ CFG(",\"hooks\":{\"createContainer\":[{\"path\":\"/bin/true\"}]}"),
		  "config.json: hooks.createContainer: kiste does not run hooks inside the container" },
	};
	struct kiste_oci_config c;
	struct kiste_oci_spec sp;
	struct kiste_err err;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		memset(&sp, 0, sizeof(sp));
		ASSERT_EQ(0, kiste_oci_config_parse(cases[i].json, strlen(cases[i].json), &c, &err))
		TH_LOG("%zu: %s", i, err.msg);
		/* The host's / as a read-only rootfs: it exists everywhere this test runs. */
		free(c.root_path);
		c.root_path = strdup("/");
		c.root_readonly = true;
		ret = kiste_oci_spec_build(kiste_modes, &c, "/", NULL, &sp, &err);
		if (!cases[i].msg) {
			EXPECT_EQ(0, ret) TH_LOG("%zu: %s", i, err.msg);
			EXPECT_STREQ("shim", sp.mode->name);
			EXPECT_EQ(256ULL << 20, sp.o.memory);
			EXPECT_TRUE(sp.o.memory_set);
			EXPECT_EQ(64U, sp.o.pids_limit);
			EXPECT_EQ(1500U, sp.o.cpus_milli);
			EXPECT_EQ(2U, sp.o.cpus);
			EXPECT_STREQ("sh", sp.o.argv[0]);
			EXPECT_STREQ("HOME=/root", sp.o.env[sp.o.nenv - 1]) TH_LOG("root's home");
		} else {
			EXPECT_GT(0, ret) TH_LOG("%zu accepted", i);
			EXPECT_EQ(0, strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)))
			TH_LOG("%zu: got '%s'", i, err.msg);
		}
		kiste_oci_spec_free(&sp);
		kiste_oci_config_free(&c);
	}
}

/*
 * What podman sends and kiste serves: a terminal (create then needs
 * --console-socket) with its size, and the engine's network namespace by
 * path, joined as --network ns:PATH.
 */
TEST(spec_terminal_and_network_path)
{
	static const char json[] =
		"{\"ociVersion\":\"1.0.2\",\"process\":{\"terminal\":true,\"consoleSize\":{"
		"\"height\":24,\"width\":80},\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],"
		"\"cwd\":\"/\"},\"root\":{\"path\":\"/\",\"readonly\":true},\"linux\":{"
		"\"namespaces\":[{\"type\":\"network\",\"path\":\"/run/netns/x\"}]}}";
	struct kiste_oci_config c;
	struct kiste_oci_spec sp;
	struct kiste_err err = { 0 };

	memset(&sp, 0, sizeof(sp));
	ASSERT_EQ(0, kiste_oci_config_parse(json, strlen(json), &c, &err)) TH_LOG("%s", err.msg);
	EXPECT_EQ(24, c.process.console_rows);
	EXPECT_EQ(80, c.process.console_cols);
	ASSERT_EQ(0, kiste_oci_spec_build(kiste_modes, &c, "/", NULL, &sp, &err))
	TH_LOG("%s", err.msg);
	EXPECT_TRUE(sp.terminal);
	EXPECT_EQ((int)KISTE_NET_NS, (int)sp.o.network);
	EXPECT_STREQ("/run/netns/x", sp.o.netns_path);
	kiste_oci_spec_free(&sp);
	kiste_oci_config_free(&c);
}

static void count_note(void *ctx, const char *fmt, va_list ap)
{
	char line[256];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (strstr(line, "linux.sysctl: "))
		++*(int *)ctx;
}

/*
 * linux.sysctl: shim mode sets those of its own namespaces (a joined network
 * namespace's are its owner's: ignored, noted), vm mode all in its guest, and
 * unikernel mode notes them all.
 */
TEST(sysctl_kept_where_the_mode_sets_it)
{
	static const char json[] =
		"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},"
		"\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"/\",\"readonly\":true},"
		"\"linux\":{\"namespaces\":[{\"type\":\"network\"%s}],\"sysctl\":{"
		"\"net.core.somaxconn\":\"1024\",\"kernel.msgmax\":\"9000\"}}%s}";
	static const struct {
		const char *net, *mode;
		size_t kept;
		int notes;
	} cases[] = { { "", "", 2, 0 },
		      { ",\"path\":\"/run/netns/x\"", "", 1, 1 },
		      /* a vm's guest kernel is the container's own, its network too */
		      { ",\"path\":\"/run/netns/x\"", ",\"annotations\":{\"org.kiste.mode\":\"vm\"}",
			2, 0 },
		      { "", ",\"annotations\":{\"org.kiste.mode\":\"unikernel\"}", 0, 2 } };
	char text[1024];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kiste_oci_config c;
		struct kiste_oci_spec sp;
		struct kiste_err err = { 0 };
		int notes = 0;

		memset(&sp, 0, sizeof(sp));
		sp.note = count_note;
		sp.note_ctx = &notes;
		snprintf(text, sizeof(text), json, cases[i].net, cases[i].mode);
		ASSERT_EQ(0, kiste_oci_config_parse(text, strlen(text), &c, &err))
		TH_LOG("%s", err.msg);
		ASSERT_EQ(0, kiste_oci_spec_build(kiste_modes, &c, "/", NULL, &sp, &err))
		TH_LOG("case %zu: %s", i, err.msg);
		EXPECT_EQ(cases[i].kept, sp.nsysctl) TH_LOG("case %zu", i);
		EXPECT_EQ(cases[i].notes, notes) TH_LOG("case %zu", i);
		if (cases[i].kept == 1)
			EXPECT_STREQ("kernel.msgmax", sp.sysctl[0]->key);
		kiste_oci_spec_free(&sp);
		kiste_oci_config_free(&c);
	}
}

TEST(container_ids)
{
	char longid[KISTE_OCI_ID_MAX + 2];

	EXPECT_EQ(0, kiste_oci_id_check("abc", NULL));
	EXPECT_EQ(0, kiste_oci_id_check("0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
					 "abcdef", NULL));
	EXPECT_EQ(0, kiste_oci_id_check("a.b_c+d-e", NULL));
	EXPECT_GT(0, kiste_oci_id_check("", NULL));
	EXPECT_GT(0, kiste_oci_id_check(".", NULL));
	EXPECT_GT(0, kiste_oci_id_check("..", NULL));
	EXPECT_GT(0, kiste_oci_id_check("a/b", NULL));
	EXPECT_GT(0, kiste_oci_id_check("a b", NULL));
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = 0;
	EXPECT_GT(0, kiste_oci_id_check(longid, NULL));
}

TEST_HARNESS_MAIN
