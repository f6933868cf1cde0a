// SPDX-License-Identifier: GPL-2.0
// unikernel_test.c - kiste run --mode=unikernel: hello, kv, policy and bad input, in both isolations.
// kiste-suite: host unikernel_test
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

/* Zero bytes at a block device's end: the ABI allows it, both isolations answer 0. */
TEST_F(uk, zero_length_block_calls_at_the_end)
{
	char bind[128];
	const char *args[] = { "run", "--mode=unikernel", ISO(variant), "--block", bind,
			       uk_path("tests/edges"), NULL };

	if (self->skip)
		SKIP(return, "%s", self->skip);
	snprintf(bind, sizeof(bind), "storage=%s", self->img);
	ASSERT_EQ(0, run_kiste(args, &self->r));
	EXPECT_EQ(0, self->r.status) TH_LOG("stderr: %s", self->r.err);
	EXPECT_NE(NULL, strstr(self->r.out, "edges: read of 0 bytes at the end 0\n"))
		TH_LOG("stdout: %s", self->r.out);
	EXPECT_NE(NULL, strstr(self->r.out, "edges: write of 0 bytes at the end 0\n"))
		TH_LOG("stdout: %s", self->r.out);
	EXPECT_STREQ("", self->r.err);
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
	static const char *const kv[][2] = { { "color", "blue-3f9a" }, { "shape", "round-77c1" } };
	char bind[128];
	const char *get[] = { "run", "--mode=unikernel", ISO(variant), "--block",
			      bind,  uk_path("kv"),	 "get",	       "color",
			      NULL };
	const char *miss[] = { "run", "--mode=unikernel", ISO(variant), "--block",
			       bind,  uk_path("kv"),	  "get",	"nothere",
			       NULL };
	size_t i;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	snprintf(bind, sizeof(bind), "storage=%s", self->img);
	for (i = 0; i < ARRAY_SIZE(kv); i++) {
		const char *put[] = {
			"run", "--mode=unikernel", ISO(variant), "--block", bind, uk_path("kv"),
			"put", kv[i][0],	   kv[i][1],	 NULL
		};

		ASSERT_EQ(0, run_kiste(put, &self->r));
		ASSERT_EQ(0, self->r.status) TH_LOG("%s%s", self->r.out, self->r.err);
	}
	/* the data is in the file itself, not in some cache of the tender */
	for (i = 0; i < ARRAY_SIZE(kv); i++) {
		EXPECT_TRUE(file_contains(self->img, kv[i][1])) TH_LOG("%s not stored", kv[i][1]);
	}
	ASSERT_EQ(0, run_kiste(get, &self->r));
	EXPECT_EQ(0, self->r.status);
	EXPECT_STREQ("color=blue-3f9a\n", self->r.out);
	ASSERT_EQ(0, run_kiste(miss, &self->r));
	EXPECT_EQ(1, self->r.status);
}

/* A run kiste refuses before anything starts: its exit status and one line naming the problem. */
struct refusal {
	const char *test;   /* the TEST_F below that runs it */
	const char *dev[2]; /* "--block"/"--net" and its binding (NULL: storage=<the image>) */
	const char *app;    /* in the build's unikernel directory, or an absolute path */
	const char *arg;
	off_t img_size; /* the image is truncated to this first (0: left at 64 KiB) */
	int status;
	const char *err[2]; /* what the one stderr line names */
	int out_empty;	    /* and nothing was started */
};

static const struct refusal refusals[] = {
	{ .test = "unbound_device_refused",
	  .app = "kv",
	  .arg = "list",
	  .status = 125,
	  .err = { "'storage'", "--block storage=" },
	  .out_empty = 1 },
	{ .test = "missing_file_refused",
	  .dev = { "--block", "storage=/nonexistent/kiste-uk.img" },
	  .app = "kv",
	  .arg = "list",
	  .status = 125,
	  .err = { "'storage'", "truncate" },
	  .out_empty = 1 },
	{ .test = "bad_size_refused",
	  .dev = { "--block", NULL },
	  .app = "kv",
	  .arg = "list",
	  .img_size = 1000,
	  .status = 125,
	  .err = { "'storage'", "multiple of 512" },
	  .out_empty = 1 },
	{ .test = "missing_tap_refused",
	  .dev = { "--net", "net0=kukNoSuchTap" },
	  .app = "net",
	  .arg = "192.0.2.2",
	  .status = 125,
	  .err = { "'net0'", "ip tuntap add kukNoSuchTap mode tap" },
	  .out_empty = 1 },
	{ .test = "plain_elf_refused",
	  .app = "/bin/true",
	  .status = 126,
	  .err = { "kiste-uk-cc" } },
	{ .test = "abi_mismatch_refused",
	  .app = "tests/abi2",
	  .status = 126,
	  .err = { "ABI v2" },
	  .out_empty = 1 },
	{ .test = "missing_app_is_127", .app = "/nonexistent/uk", .status = 127 },
	/* Native Linux answers a FIFO as the program at once (EACCES): 126, never a hang. */
	{ .test = "fifo_app_is_126", .app = "@fifo", .status = 126, .err = { "regular file" },
	  .out_empty = 1 },
	/* Manifest strings reach messages: names outside the ABI's charset are refused. */
	{ .test = "escape_in_device_name_refused", .app = "@escname", .arg = "list",
	  .status = 126, .err = { "malformed kiste manifest" }, .out_empty = 1 },
	/* A name binds one device: two alike would both take one binding (a tap as a disk). */
	{ .test = "duplicate_device_name_refused", .app = "tests/dupdev",
	  .dev = { "--net", "d=kukNoSuchTap" }, .status = 126,
	  .err = { "declares device 'd' twice" }, .out_empty = 1 },
};

/*
 * The special apps, made next to the fixture's image: a FIFO, and a copy of
 * kv whose manifest names its device "st" ESC "[31m" (a terminal escape).
 */
static void make_app(struct __test_metadata *_metadata, const char *which, const char *img,
		     char *path, size_t len)
{
	static const char dev[] = "storage\0\0\0\0\0\0\0\0";
	char *data = NULL, *at;
	size_t n = 0;
	FILE *f;

	snprintf(path, len, "%s.%s", img, which + 1);
	unlink(path);
	if (!strcmp(which, "@fifo")) {
		ASSERT_EQ(0, mkfifo(path, 0600));
		return;
	}
	f = fopen(uk_path("kv"), "r");
	ASSERT_NE(NULL, f);
	data = malloc(1 << 20);
	ASSERT_NE(NULL, data);
	n = fread(data, 1, 1 << 20, f);
	fclose(f);
	at = memmem(data, n, dev, sizeof(dev) - 1);
	ASSERT_NE(NULL, at) TH_LOG("no manifest device name 'storage' in kv");
	memcpy(at, "st\x1b[31m", 8);
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(n, fwrite(data, 1, n, f));
	fclose(f);
	chmod(path, 0755);
	free(data);
}

static void check_refusal(struct __test_metadata *_metadata, const char *test, const char *iso,
			  const char *img, struct run_result *r)
{
	const struct refusal *t = NULL;
	const char *args[10] = { "run", "--mode=unikernel", iso };
	char bind[128], special[128];
	size_t i, n = 3;

	for (i = 0; i < ARRAY_SIZE(refusals); i++)
		if (!strcmp(refusals[i].test, test))
			t = &refusals[i];
	ASSERT_NE(NULL, t) TH_LOG("no refusal case named %s", test);
	if (t->img_size)
		ASSERT_EQ(0, truncate(img, t->img_size));
	snprintf(bind, sizeof(bind), "storage=%s", img);
	if (t->dev[0]) {
		args[n++] = t->dev[0];
		args[n++] = t->dev[1] ? t->dev[1] : bind;
	}
	if (t->app[0] == '@')
		make_app(_metadata, t->app, img, special, sizeof(special));
	args[n++] = t->app[0] == '@' ? special : t->app[0] == '/' ? t->app : uk_path(t->app);
	if (t->arg)
		args[n++] = t->arg;
	args[n] = NULL;
	ASSERT_EQ(0, run_kiste(args, r));
	EXPECT_EQ(t->status, r->status);
	EXPECT_EQ(1U, count_lines(r->err)) TH_LOG("stderr: %s", r->err);
	for (i = 0; i < ARRAY_SIZE(t->err) && t->err[i]; i++) {
		EXPECT_NE(NULL, strstr(r->err, t->err[i])) TH_LOG("stderr: %s", r->err);
	}
	if (t->out_empty)
		EXPECT_STREQ("", r->out);
	/* No terminal escape reaches stderr, whatever the image holds. */
	EXPECT_EQ(NULL, strchr(r->err, '\x1b')) TH_LOG("stderr: %s", r->err);
	if (t->app[0] == '@')
		unlink(special);
}

/* Named like the table entry it runs, so each refusal stays one result per isolation. */
#define REFUSAL_TEST(name)                                                                         \
	TEST_F(uk, name)                                                                           \
	{                                                                                          \
		if (self->skip)                                                                    \
			SKIP(return, "%s", self->skip);                                            \
		check_refusal(_metadata, #name, ISO(variant), self->img, &self->r);                \
	}

REFUSAL_TEST(unbound_device_refused)
REFUSAL_TEST(missing_file_refused)
REFUSAL_TEST(bad_size_refused)
REFUSAL_TEST(missing_tap_refused)
REFUSAL_TEST(plain_elf_refused)
REFUSAL_TEST(abi_mismatch_refused)
REFUSAL_TEST(missing_app_is_127)
REFUSAL_TEST(fifo_app_is_126)
REFUSAL_TEST(escape_in_device_name_refused)
REFUSAL_TEST(duplicate_device_name_refused)

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

/*
 * A caller that blocked SIGSYS (and the fault signals): the filter's trap is
 * still kiste's to report, one line, not a bare "Bad system call".
 */
TEST(offlist_syscall_killed_with_sigsys_blocked)
{
	const char *args[] = { "run", "--mode=unikernel", uk_path("tests/badsys"), NULL };
	struct run_result *r = calloc(1, sizeof(*r));
	sigset_t set, old;

	ASSERT_NE(NULL, r);
	sigemptyset(&set);
	sigaddset(&set, SIGSYS);
	sigaddset(&set, SIGSEGV);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &set, &old));
	ASSERT_EQ(0, run_kiste(args, r));
	sigprocmask(SIG_SETMASK, &old, NULL);
	EXPECT_EQ(128 + 31, r->status) TH_LOG("stdout: %s stderr: %s", r->out, r->err);
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

/*
 * The kernel reads a descriptor, a clock id, ppoll's nfds and the exit status
 * as 32-bit ints: tests/hi32 makes each allowed call with the high word set
 * (fd | 1 << 32 ...), which the kernel takes for the low word, so the filter
 * must allow it too: it lives to exit 7 (a 64-bit comparison kills it: 159).
 */
TEST(filter_reads_ints_as_32_bits)
{
	static const char mark[16] = "kiste-hi32-mark";
	char img[] = "/tmp/kiste-uk-hi32.XXXXXX", bind[128], copy[16] = "";
	const char *args[] = { "run",	"--mode=unikernel",	   "--block",
			       bind,	uk_path("tests/hi32"), "allowed", NULL };
	struct run_result *r = calloc(1, sizeof(*r));
	int fd = mkstemp(img);

	ASSERT_NE(NULL, r);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 4096));
	ASSERT_EQ((ssize_t)sizeof(mark), pwrite(fd, mark, sizeof(mark), 512));
	snprintf(bind, sizeof(bind), "storage=%s", img);
	ASSERT_EQ(0, run_kiste(args, r));
	EXPECT_EQ(7, r->status) TH_LOG("stdout: %s stderr: %s", r->out, r->err);
	EXPECT_NE(NULL, strstr(r->out, "hi32: console write with the high word set"));
	EXPECT_NE(NULL, strstr(r->out, "hi32: block 1 says 'kiste-hi32-mark'")) TH_LOG("%s", r->out);
	EXPECT_NE(NULL, strstr(r->out, "hi32: ppoll slept"));
	/* pwrite64(3 | 1 << 32, ...) wrote block 1's bytes to block 2 of the very file */
	EXPECT_EQ((ssize_t)sizeof(copy), pread(fd, copy, sizeof(copy), 1024));
	EXPECT_EQ(0, memcmp(copy, mark, sizeof(mark)));
	close(fd);
	unlink(img);
	free(r);
}

/* ... and decide on the low word alone: an allowed value in the high word lets nothing through. */
TEST(filter_kills_other_low_words)
{
	static const char *const probes[] = { "stderr", "boottime", "negative", "status256" };
	char img[] = "/tmp/kiste-uk-hi32.XXXXXX", bind[128], want[64];
	const char *args[] = { "run",	"--mode=unikernel",	   "--block", bind,
			       uk_path("tests/hi32"), NULL, NULL };
	struct run_result *r = calloc(1, sizeof(*r));
	int fd = mkstemp(img);
	size_t i;

	ASSERT_NE(NULL, r);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 4096));
	close(fd);
	snprintf(bind, sizeof(bind), "storage=%s", img);
	for (i = 0; i < ARRAY_SIZE(probes); i++) {
		args[5] = probes[i];
		ASSERT_EQ(0, run_kiste(args, r));
		EXPECT_EQ(128 + 31, r->status) TH_LOG("%s: stdout: %s stderr: %s", probes[i],
						       r->out, r->err);
		snprintf(want, sizeof(want), "hi32: probe %s", probes[i]);
		EXPECT_NE(NULL, strstr(r->out, want)); /* it did start */
		EXPECT_EQ(NULL, strstr(r->out, "survived"));
		EXPECT_EQ(NULL, strstr(r->err, "wrote to stderr"));
		EXPECT_NE(NULL, strstr(r->err, "killed by the seccomp filter")) TH_LOG("%s", r->err);
	}
	unlink(img);
	free(r);
}

/*
 * Parses "# syscalls: N distinct" from kiste policy's output, whose default
 * action must end the unikernel: a kill under a parent (--supervised), a trap
 * that the bindings turn into exit 159 in kiste run's own process.
 */
static int policy_count(const char *const *args, struct run_result *r)
{
	const char *p, *want;

	if (run_kiste(args, r) < 0 || r->status != 0)
		return -1;
	want = args[2] && !strcmp(args[2], "--supervised") ? "  # default action\n  action KILL_PROCESS;" :
							     "  # default action\n  action TRAP;";
	p = strstr(r->out, "# syscalls: ");
	if (!p || !strstr(r->out, want))
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
	const char *sup[] = { "policy", "unikernel", "--supervised", uk_path("kv"), "--block", bind,
			      NULL };
	const char *const *bound[] = { hello, kv, net, sup };
	/* kv: the offset bound is the file's capacity minus one block */
	const char *const want[] = { NULL, "fd 3, 4096 bytes", NULL, "fd 3, 4096 bytes" };
	struct run_result *r = calloc(1, sizeof(*r));
	int fd = mkstemp(img), n, i;

	ASSERT_NE(NULL, r);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 4096));
	close(fd);
	snprintf(bind, sizeof(bind), "storage=%s", img);
	for (i = 0; i < (int)ARRAY_SIZE(bound); i++) {
		n = policy_count(bound[i], r);
		EXPECT_LT(0, n) TH_LOG("%s%s", r->out, r->err);
		EXPECT_GE(7, n);
		if (want[i])
			EXPECT_NE(NULL, strstr(r->out, want[i]));
	}
	EXPECT_EQ(-1, policy_count(unbound, r));
	EXPECT_NE(NULL, strstr(r->err, "--block storage="));
	unlink(img);
	free(r);
}

TEST_HARNESS_MAIN
