// SPDX-License-Identifier: GPL-2.0
// unikernel_direct_test.c - direct entry: the unikernel in kiste run's process ends as under a parent.
// kiste-suite: host unikernel_direct_test
/*
 * Process isolation with nothing to supervise (no kiste.ko, --cpus or
 * --timeout) runs the unikernel in kiste run's own process (tender/bindings.h,
 * "Direct entry").  Every way a unikernel can end must then look to kiste
 * run's caller as it does under the supervising parent (--timeout forces
 * one): the same exit status (exited, never killed), the same line on
 * stderr.  And the new surface holds: the line comes from a page the
 * unikernel cannot write, and nothing the unikernel does keeps it alive past
 * a call outside its filter.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "uk_util.h"

FIXTURE(ends)
{
	struct run_result r;
};

FIXTURE_VARIANT(ends)
{
	const char *extra; /* an option that makes kiste run keep a supervising parent */
	int direct;
};

FIXTURE_VARIANT_ADD(ends, direct){
	.extra = "--memory=32M",
	.direct = 1,
};

FIXTURE_VARIANT_ADD(ends, supervised){
	.extra = "--timeout=600",
	.direct = 0,
};

FIXTURE_SETUP(ends)
{
}

FIXTURE_TEARDOWN(ends)
{
}

static const char sigsys_line[] = "was killed by the seccomp filter (SIGSYS): it made a host "
				  "syscall outside its policy; see 'kiste policy unikernel ";

static void run_mode(struct __test_metadata *_metadata, const FIXTURE_VARIANT(ends) * v,
		     const char *mode, struct run_result *r)
{
	const char *args[] = { "run",	       "--mode=unikernel", v->extra,
			       uk_path("tests/endings"), mode,		   NULL };

	ASSERT_EQ(0, run_kiste(args, r));
	/* kiste run exits with 128+N: its caller never sees it die of the signal itself */
	EXPECT_TRUE(WIFEXITED(r->wstatus)) TH_LOG("%s: wait status %#x", mode, r->wstatus);
	EXPECT_NE(NULL, strstr(r->out, "endings: ")) TH_LOG("%s did not start: %s", mode, r->err);
	EXPECT_EQ(NULL, strstr(r->out, "survived")) TH_LOG("%s: %s", mode, r->out);
}

/* Exactly one line, the parent's, naming this unikernel. */
static int one_sigsys_line(const char *err)
{
	const char *p = strstr(err, sigsys_line);

	return p && !strstr(p + 1, sigsys_line) && strstr(err, "tests/endings'\n") &&
	       count_lines(err) == 1;
}

TEST_F(ends, call_outside_the_filter)
{
	static const char *const modes[] = { "sys", "sysnostack", "int80", "sigaction", "forge" };
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		run_mode(_metadata, variant, modes[i], &self->r);
		EXPECT_EQ(128 + SIGSYS, self->r.status) TH_LOG("%s: %s", modes[i], self->r.err);
		EXPECT_TRUE(one_sigsys_line(self->r.err)) TH_LOG("%s: %s", modes[i], self->r.err);
		EXPECT_EQ(NULL, strstr(self->r.err, "forged")) TH_LOG("%s", self->r.err);
	}
}

TEST_F(ends, crash_is_128_plus_sigsegv)
{
	run_mode(_metadata, variant, "segv", &self->r);
	EXPECT_EQ(128 + SIGSEGV, self->r.status) TH_LOG("%s", self->r.err);
	EXPECT_STREQ("", self->r.err);
}

/* The line is the launcher's, from a page sealed before the unikernel runs. */
TEST_F(ends, message_page_is_sealed)
{
	if (!variant->direct)
		SKIP(return, "under a parent the blob prints nothing: its page is unused");
	run_mode(_metadata, variant, "sealed", &self->r);
	EXPECT_EQ(128 + SIGSEGV, self->r.status) TH_LOG("%s%s", self->r.out, self->r.err);
	EXPECT_STREQ("", self->r.err);
}

/* Start the sleeper in the background; its pid, stdout's read end in *@out. */
static pid_t start_sleeper(const char *extra, int *out)
{
	int p[2];
	pid_t pid;
	char buf[64];
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		execl(kiste_bin(), kiste_bin(), "run", "--mode=unikernel", extra,
		      uk_path("tests/sleeper"), (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);	/* "sleeper: started": it runs */
	if (pid < 0 || n <= 0) {
		close(p[0]);
		return -1;
	}
	*out = p[0];
	return pid;
}

static int has_children(pid_t pid)
{
	char path[64], buf[64] = "";
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0;
}

/* kiste run's own process holds the blob (direct) or has the unikernel as its child. */
static int holds_blob(pid_t pid)
{
	char path[64], buf[4096];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return !strncmp(buf, "00010000-", 9);
}

TEST_F(ends, forwarded_signals_are_128_plus_n)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	size_t i;
	int out, st;
	pid_t pid;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		pid = start_sleeper(variant->extra, &out);
		ASSERT_LT(0, pid);
		EXPECT_EQ(variant->direct, holds_blob(pid));
		EXPECT_EQ(!variant->direct, has_children(pid));
		kill(pid, sigs[i]);
		ASSERT_EQ(pid, waitpid(pid, &st, 0));
		close(out);
		EXPECT_TRUE(WIFEXITED(st)) TH_LOG("signal %d: wait status %#x", sigs[i], st);
		EXPECT_EQ(128 + sigs[i], WEXITSTATUS(st));
	}
}

TEST_HARNESS_MAIN
