// SPDX-License-Identifier: GPL-2.0
// libkiste against an older kiste.ko: create falls back to interface 4's and 3's structs.
// kiste-suite: vm kiste_old_module
//
// A module of interface 4 does not know KISTE_IOC_CREATE of interface 5 (its
// struct is larger, so the command number differs) and answers ENOTTY; one
// of interface 3 answers ENOTTY to interface 4's too.  A seccomp filter on
// the test's child answers those commands ENOTTY as such a module would,
// before the real module sees them, and kiste_dev_create must still create
// what the old interface can say, refusing what it cannot with one line.
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kt_fixture.h"
#include "kiste_run.h"

/* What the child saw of one create; in shared memory. */
struct old_case {
	int ret;			/* kiste_dev_create's */
	char msg[512];			/* its line */
	int got;			/* kiste_sandbox_get's, when created */
	struct kiste_sandbox_info info;
};

enum { OLD_V4_NAMED, OLD_V4_LONG, OLD_V4_OPTIONAL, OLD_V3_NAMED, OLD_V3_LIMITS, OLD_CASES };

/*
 * This process's KISTE_IOC_CREATE, and with @v3 KISTE_IOC_CREATE_V4 too,
 * fail with ENOTTY, as a module of interface 4 (3) answers them.
 */
static int as_old_module(bool v3)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 3),
		/* the command is an unsigned int: the low word of args[1] */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (__u32)KISTE_IOC_CREATE, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
			 (__u32)(v3 ? KISTE_IOC_CREATE_V4 : KISTE_IOC_CREATE), 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOTTY),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		return -errno;
	return 0;
}

static void old_create(int fd, struct kiste_nl *nl, const char *name, uint32_t pids,
		       uint32_t cpu, struct old_case *c)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM, .name = name,
					   .pids_limit = pids, .cpu_limit = cpu };
	struct kiste_err err = { 0 };
	uint32_t id = 0;

	c->ret = kiste_dev_create(fd, &spec, &id, &err);
	snprintf(c->msg, sizeof(c->msg), "%s", err.msg);
	if (c->ret == 0)
		c->got = kiste_sandbox_get(nl, id, NULL, &c->info, NULL);
}

/* The child: the filter, then each case on a descriptor of its own (closed: the sandbox goes). */
static void __attribute__((noreturn)) old_child(bool v3, struct old_case *cs)
{
	static const char *const names[OLD_CASES] = { "kt-old-v4", NULL, NULL, "kt-old-v3",
						      "kt-old-v3l" };
	char lng[100];
	struct kiste_nl *nl;
	int k, fd;

	memset(lng, 'x', sizeof(lng) - 1);
	lng[sizeof(lng) - 1] = 0;
	if (kiste_nl_open(&nl, NULL) < 0 || as_old_module(v3) < 0)
		_exit(2);
	for (k = v3 ? OLD_V3_NAMED : OLD_V4_NAMED; k <= (v3 ? OLD_V3_LIMITS : OLD_V4_LONG); k++) {
		fd = kiste_dev_open(NULL);
		if (fd < 0)
			_exit(3);
		old_create(fd, nl, names[k] ? names[k] : lng, k == OLD_V3_NAMED ? 0 : 50,
			   k == OLD_V3_NAMED ? 0 : 200, &cs[k]);
		close(fd);
	}
	/* An engine's long id as an optional name (OCI create): unnamed on an old module. */
	if (!v3) {
		struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM, .name = lng,
						   .name_optional = true };
		struct kiste_err err = { 0 };
		struct old_case *c = &cs[OLD_V4_OPTIONAL];
		struct kiste_sandbox_info *before = NULL, *after = NULL;
		size_t nb = 0, na = 0, i, j;

		kiste_sandbox_list(nl, &before, &nb, NULL);
		c->ret = kiste_run_sandbox(&spec, &fd, &err);
		snprintf(c->msg, sizeof(c->msg), "%s", err.msg);
		if (c->ret == 0 && fd >= 0) {
			c->got = -ENOENT;
			/* the new one: listed now, not before */
			if (kiste_sandbox_list(nl, &after, &na, NULL) == 0)
				for (i = 0; i < na; i++) {
					for (j = 0; j < nb && before[j].id != after[i].id; j++)
						;
					if (j == nb) {
						c->info = after[i];
						c->got = 0;
					}
				}
			free(after);
			close(fd);
		}
		free(before);
	}
	kiste_nl_close(nl);
	_exit(0);
}

static int run_old(bool v3, struct old_case *cs)
{
	int st;
	pid_t pid = fork();

	if (pid == 0)
		old_child(v3, cs);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

KT_DEV_FIXTURE(old);

/* The cases of an interface-4 (@v3: 3) module, seen by the child; munmap them after. */
static struct old_case *old_cases(struct __test_metadata *_metadata, bool v3)
{
	struct old_case *cs = mmap(NULL, sizeof(*cs) * OLD_CASES, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (cs == MAP_FAILED)
		return NULL;
	EXPECT_EQ(0, run_old(v3, cs));
	return cs;
}

TEST_F_TIMEOUT(old, interface_4_module, 60)
{
	struct old_case *cs;

	KT_SKIP_IF_SETUP_SKIPPED();
	cs = old_cases(_metadata, false);
	ASSERT_NE(NULL, cs);
	/* a name of 63 characters at most and the limits: interface 4 says them */
	EXPECT_EQ(0, cs[OLD_V4_NAMED].ret) TH_LOG("%s", cs[OLD_V4_NAMED].msg);
	EXPECT_EQ(0, cs[OLD_V4_NAMED].got);
	EXPECT_STREQ("kt-old-v4", cs[OLD_V4_NAMED].info.name);
	EXPECT_EQ(50, cs[OLD_V4_NAMED].info.pids_limit);
	EXPECT_EQ(200, cs[OLD_V4_NAMED].info.cpu_limit);
	/* a longer one it cannot: one line naming the fix */
	EXPECT_EQ(-ENOTTY, cs[OLD_V4_LONG].ret);
	EXPECT_NE(NULL, strstr(cs[OLD_V4_LONG].msg, "63 characters")) TH_LOG("%s",
									    cs[OLD_V4_LONG].msg);
	EXPECT_NE(NULL, strstr(cs[OLD_V4_LONG].msg, "update the module"));
	/* ... but as an OCI container's optional name: an unnamed sandbox instead */
	EXPECT_EQ(0, cs[OLD_V4_OPTIONAL].ret) TH_LOG("%s", cs[OLD_V4_OPTIONAL].msg);
	EXPECT_EQ(0, cs[OLD_V4_OPTIONAL].got);
	EXPECT_EQ(0, strncmp(cs[OLD_V4_OPTIONAL].info.name, "sb-", 3))
	TH_LOG("name '%s'", cs[OLD_V4_OPTIONAL].info.name);
	munmap(cs, sizeof(*cs) * OLD_CASES);
}

TEST_F_TIMEOUT(old, interface_3_module, 60)
{
	struct old_case *cs;

	KT_SKIP_IF_SETUP_SKIPPED();
	cs = old_cases(_metadata, true);
	ASSERT_NE(NULL, cs);
	/* without limits interface 3 says it all */
	EXPECT_EQ(0, cs[OLD_V3_NAMED].ret) TH_LOG("%s", cs[OLD_V3_NAMED].msg);
	EXPECT_EQ(0, cs[OLD_V3_NAMED].got);
	EXPECT_STREQ("kt-old-v3", cs[OLD_V3_NAMED].info.name);
	/* limits it would drop: refused, not created without them */
	EXPECT_EQ(-ENOTTY, cs[OLD_V3_LIMITS].ret);
	EXPECT_NE(NULL, strstr(cs[OLD_V3_LIMITS].msg, "no pids or CPU limits"))
	TH_LOG("%s", cs[OLD_V3_LIMITS].msg);
	munmap(cs, sizeof(*cs) * OLD_CASES);
}

KT_HARNESS_MAIN
