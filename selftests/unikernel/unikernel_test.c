// SPDX-License-Identifier: GPL-2.0
// unikernel_test.c - kiste run --mode=unikernel: hello, kv, policy and bad input, in both isolations.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "uk_util.h"

FIXTURE(uk)
{
	const char *skip;
	char img[64];
	struct run_result r;
};

FIXTURE_VARIANT(uk)
{
	const char *iso;
};

FIXTURE_VARIANT_ADD(uk, process){
	.iso = "process",
};

FIXTURE_VARIANT_ADD(uk, vm){
	.iso = "vm",
};

FIXTURE_SETUP(uk)
{
	int fd;

	if (!strcmp(variant->iso, "vm"))
		self->skip = uk_vm_unavailable();
	snprintf(self->img, sizeof(self->img), "/tmp/kiste-uk-kv.XXXXXX");
	fd = mkstemp(self->img);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 64 * 1024));
	close(fd);
}

FIXTURE_TEARDOWN(uk)
{
	unlink(self->img);
}

#define ISO(v) (!strcmp((v)->iso, "vm") ? "--isolation=vm" : "--isolation=process")

TEST_F(uk, hello_prints_args)
{
	const char *args[] = { "run", "--mode=unikernel", ISO(variant), uk_path("hello"),
			       "one", "two words",	  NULL };
	char want[64];

	if (self->skip)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(0, run_kiste(args, &self->r));
	EXPECT_EQ(0, self->r.status) TH_LOG("stderr: %s", self->r.err);
	snprintf(want, sizeof(want), "(%s isolation)", variant->iso);
	EXPECT_NE(NULL, strstr(self->r.out, want)) TH_LOG("stdout: %s", self->r.out);
	EXPECT_NE(NULL, strstr(self->r.out, "argv[1] = one\n"));
	EXPECT_NE(NULL, strstr(self->r.out, "argv[2] = two words\n"));
	EXPECT_EQ(4U, count_lines(self->r.out));
}

TEST_F(uk, hello_exit_status)
{
	/* kv's usage error exits 2 from main: the status travels through the ABI unchanged */
	char bind[128];
	const char *args[] = { "run", "--mode=unikernel", ISO(variant), "--block",
			       bind,  uk_path("kv"),	  "bogus",	NULL };

	if (self->skip)
		SKIP(return, "%s", self->skip);
	snprintf(bind, sizeof(bind), "storage=%s", self->img);
	ASSERT_EQ(0, run_kiste(args, &self->r));
	EXPECT_EQ(2, self->r.status) TH_LOG("stderr: %s", self->r.err);
}

static int file_contains(const char *path, const char *needle)
{
	static char buf[64 * 1024];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n > 0 && memmem(buf, n, needle, strlen(needle)) != NULL;
}

TEST_F(uk, kv_survives_restart)
{
	char bind[128];
	const char *put1[] = {
		"run",	 "--mode=unikernel", ISO(variant), "--block", bind, uk_path("kv"), "put",
		"color", "blue-3f9a",	     NULL
	};
	const char *put2[] = {
		"run",	 "--mode=unikernel", ISO(variant), "--block", bind, uk_path("kv"), "put",
		"shape", "round-77c1",	     NULL
	};
	const char *get[] = { "run", "--mode=unikernel", ISO(variant), "--block",
			      bind,  uk_path("kv"),	 "get",	       "color",
			      NULL };
	const char *miss[] = { "run", "--mode=unikernel", ISO(variant), "--block",
			       bind,  uk_path("kv"),	  "get",	"nothere",
			       NULL };

	if (self->skip)
		SKIP(return, "%s", self->skip);
	snprintf(bind, sizeof(bind), "storage=%s", self->img);
	ASSERT_EQ(0, run_kiste(put1, &self->r));
	ASSERT_EQ(0, self->r.status) TH_LOG("%s%s", self->r.out, self->r.err);
	ASSERT_EQ(0, run_kiste(put2, &self->r));
	ASSERT_EQ(0, self->r.status) TH_LOG("%s%s", self->r.out, self->r.err);
	/* the data is in the file itself, not in some cache of the tender */
	EXPECT_TRUE(file_contains(self->img, "blue-3f9a"));
	EXPECT_TRUE(file_contains(self->img, "round-77c1"));
	ASSERT_EQ(0, run_kiste(get, &self->r));
	EXPECT_EQ(0, self->r.status);
	EXPECT_STREQ("color=blue-3f9a\n", self->r.out);
	ASSERT_EQ(0, run_kiste(miss, &self->r));
	EXPECT_EQ(1, self->r.status);
}

TEST_F(uk, unbound_device_refused)
{
	const char *args[] = {
		"run", "--mode=unikernel", ISO(variant), uk_path("kv"), "list", NULL
	};

	if (self->skip)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(0, run_kiste(args, &self->r));
	EXPECT_EQ(125, self->r.status);
	EXPECT_EQ(1U, count_lines(self->r.err)) TH_LOG("stderr: %s", self->r.err);
	EXPECT_NE(NULL, strstr(self->r.err, "'storage'"));
	EXPECT_NE(NULL, strstr(self->r.err, "--block storage="));
	EXPECT_STREQ("", self->r.out); /* nothing started */
}

TEST_F(uk, missing_file_refused)
{
	const char *args[] = { "run",
			       "--mode=unikernel",
			       ISO(variant),
			       "--block",
			       "storage=/nonexistent/kiste-uk.img",
			       uk_path("kv"),
			       "list",
			       NULL };

	if (self->skip)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(0, run_kiste(args, &self->r));
	EXPECT_EQ(125, self->r.status);
	EXPECT_EQ(1U, count_lines(self->r.err)) TH_LOG("stderr: %s", self->r.err);
	EXPECT_NE(NULL, strstr(self->r.err, "'storage'"));
	EXPECT_NE(NULL, strstr(self->r.err, "truncate"));
	EXPECT_STREQ("", self->r.out);
}

TEST_F(uk, bad_size_refused)
{
	char bind[128];
	const char *args[] = { "run", "--mode=unikernel", ISO(variant), "--block",
			       bind,  uk_path("kv"),	  "list",	NULL };

	if (self->skip)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(0, truncate(self->img, 1000));
	snprintf(bind, sizeof(bind), "storage=%s", self->img);
	ASSERT_EQ(0, run_kiste(args, &self->r));
	EXPECT_EQ(125, self->r.status);
	EXPECT_EQ(1U, count_lines(self->r.err)) TH_LOG("stderr: %s", self->r.err);
	EXPECT_NE(NULL, strstr(self->r.err, "'storage'"));
	EXPECT_NE(NULL, strstr(self->r.err, "multiple of 512"));
	EXPECT_STREQ("", self->r.out);
}

TEST_F(uk, missing_tap_refused)
{
	const char *args[] = {
		"run",		"--mode=unikernel", ISO(variant), "--net", "net0=kukNoSuchTap",
		uk_path("net"), "192.0.2.2",	    NULL
	};

	if (self->skip)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(0, run_kiste(args, &self->r));
	EXPECT_EQ(125, self->r.status);
	EXPECT_EQ(1U, count_lines(self->r.err)) TH_LOG("stderr: %s", self->r.err);
	EXPECT_NE(NULL, strstr(self->r.err, "'net0'"));
	EXPECT_NE(NULL, strstr(self->r.err, "ip tuntap add kukNoSuchTap mode tap"));
	EXPECT_STREQ("", self->r.out);
}

TEST_F(uk, plain_elf_refused)
{
	const char *args[] = { "run", "--mode=unikernel", ISO(variant), "/bin/true", NULL };

	if (self->skip)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(0, run_kiste(args, &self->r));
	EXPECT_EQ(126, self->r.status);
	EXPECT_EQ(1U, count_lines(self->r.err)) TH_LOG("stderr: %s", self->r.err);
	EXPECT_NE(NULL, strstr(self->r.err, "kiste-uk-cc"));
}

TEST_F(uk, abi_mismatch_refused)
{
	const char *args[] = { "run", "--mode=unikernel", ISO(variant), uk_path("tests/abi2"),
			       NULL };

	if (self->skip)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(0, run_kiste(args, &self->r));
	EXPECT_EQ(126, self->r.status);
	EXPECT_EQ(1U, count_lines(self->r.err)) TH_LOG("stderr: %s", self->r.err);
	EXPECT_NE(NULL, strstr(self->r.err, "ABI v2"));
	EXPECT_STREQ("", self->r.out);
}

TEST_F(uk, missing_app_is_127)
{
	const char *args[] = { "run", "--mode=unikernel", ISO(variant), "/nonexistent/uk", NULL };

	if (self->skip)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(0, run_kiste(args, &self->r));
	EXPECT_EQ(127, self->r.status);
	EXPECT_EQ(1U, count_lines(self->r.err)) TH_LOG("stderr: %s", self->r.err);
}

TEST(offlist_syscall_killed_by_filter)
{
	const char *args[] = { "run", "--mode=unikernel", uk_path("tests/badsys"), NULL };
	struct run_result *r = calloc(1, sizeof(*r));

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, run_kiste(args, r));
	EXPECT_EQ(128 + 31, r->status) TH_LOG("stdout: %s stderr: %s", r->out, r->err);
	EXPECT_NE(NULL, strstr(r->out, "calling getpid")); /* it did start */
	EXPECT_EQ(NULL, strstr(r->out, "survived"));
	EXPECT_NE(NULL, strstr(r->err, "killed by the seccomp filter")) TH_LOG("%s", r->err);
	free(r);
}

TEST_F(uk, timeout_kills)
{
	const char *args[] = { "run", "--mode=unikernel",	ISO(variant), "--timeout",
			       "1",   uk_path("tests/sleeper"), NULL };
	struct timespec t0, t1;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(0, run_kiste(args, &self->r));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	EXPECT_EQ(128 + 9, self->r.status) TH_LOG("stderr: %s", self->r.err);
	EXPECT_NE(NULL, strstr(self->r.out, "sleeper: started"));
	EXPECT_NE(NULL, strstr(self->r.err, "timed out after 1 s"));
	EXPECT_GT(10, t1.tv_sec - t0.tv_sec);
}

/* Parses "# syscalls: N distinct" from kiste policy's output. */
static int policy_count(const char *const *args, struct run_result *r)
{
	const char *p;

	if (run_kiste(args, r) < 0 || r->status != 0)
		return -1;
	p = strstr(r->out, "# syscalls: ");
	if (!p || !strstr(r->out, "action KILL_PROCESS;"))
		return -1;
	return atoi(p + strlen("# syscalls: "));
}

TEST(policy_at_most_7_syscalls)
{
	char bind[128], img[] = "/tmp/kiste-uk-pol.XXXXXX";
	const char *hello[] = { "policy", "unikernel", uk_path("hello"), NULL };
	const char *kv[] = { "policy", "unikernel", uk_path("kv"), "--block", bind, NULL };
	const char *net[] = { "policy", "unikernel", uk_path("net"), "--net", "net0=tap0", NULL };
	const char *unbound[] = { "policy", "unikernel", uk_path("kv"), NULL };
	struct run_result *r = calloc(1, sizeof(*r));
	int fd = mkstemp(img), n;

	ASSERT_NE(NULL, r);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 4096));
	close(fd);
	snprintf(bind, sizeof(bind), "storage=%s", img);
	n = policy_count(hello, r);
	EXPECT_LT(0, n) TH_LOG("%s%s", r->out, r->err);
	EXPECT_GE(7, n);
	n = policy_count(kv, r);
	EXPECT_LT(0, n) TH_LOG("%s%s", r->out, r->err);
	EXPECT_GE(7, n);
	/* the offset bound is the file's capacity minus one block */
	EXPECT_NE(NULL, strstr(r->out, "fd 3, 4096 bytes"));
	n = policy_count(net, r);
	EXPECT_LT(0, n) TH_LOG("%s%s", r->out, r->err);
	EXPECT_GE(7, n);
	EXPECT_EQ(-1, policy_count(unbound, r));
	EXPECT_NE(NULL, strstr(r->err, "--block storage="));
	unlink(img);
	free(r);
}

TEST_HARNESS_MAIN
