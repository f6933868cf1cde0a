// SPDX-License-Identifier: GPL-2.0
// unikernel_separation_test.c - process isolation: the unikernel's process holds nothing of kiste.
// kiste-suite: host unikernel_separation_test
/*
 * Issue 15, finding 9: a unikernel found libc's __environ through its call
 * table and printed kiste's environment.  Each test puts a random canary in
 * the environment of `kiste run` and looks for it, and for strings only kiste
 * holds, in the unikernel's process: from the host (its maps and every
 * readable page through /proc/PID/mem) and from inside (tests/snoop follows
 * its call table and every pointer it finds).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "uk_util.h"

/* bindings.h: the blob lies in [UK_BLOB_ADDR, KISTE_UK_LOAD_ADDR); the unikernel from there. */
#define BLOB_ADDR     0x10000ULL
#define UK_LOAD_ADDR  0x100000ULL
#define UK_MEMORY     (32ULL << 20) /* the default --memory */
#define CANARY_ENV    "KISTE_TEST_CANARY"
#define VSYSCALL_ADDR 0xffffffffff600000ULL

/* What kiste's process holds and the unikernel's must not: its text, libc's, its own argv. */
static const char *const kiste_strings[] = { "Usage: kiste run", "--mode=unikernel",
					     "GLIBC_TUNABLES", "KISTE_UK_STATS" };

#define CONTROL (1 + ARRAY_SIZE(kiste_strings))

/* A fresh canary in the environment (inherited by the kiste runs); @shifted: each byte + 1. */
static void set_canary(struct __test_metadata *_metadata, char *canary, char *shifted)
{
	unsigned char rnd[12];
	size_t i;

	ASSERT_EQ((ssize_t)sizeof(rnd), getrandom(rnd, sizeof(rnd), 0));
	strcpy(canary, "kiste-canary-");
	for (i = 0; i < sizeof(rnd); i++)
		sprintf(canary + strlen(canary), "%02x", rnd[i]);
	for (i = 0; canary[i]; i++)
		shifted[i] = (char)(canary[i] + 1);
	shifted[i] = 0;
	ASSERT_EQ(0, setenv(CANARY_ENV, canary, 1));
}

/* The child of @parent (the unikernel's process of kiste run @parent), 0 if none yet. */
static pid_t child_of(pid_t parent)
{
	char path[300], buf[512], *p;
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t found = 0;
	int fd, ppid;
	ssize_t n;

	while (d && !found && (de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = 0;
		p = strrchr(buf, ')');
		if (p && sscanf(p, ") %*c %d", &ppid) == 1 && ppid == parent)
			found = atoi(de->d_name);
	}
	if (d)
		closedir(d);
	return found;
}

/* Starts kiste run ... sleeper with stdout on a pipe; returns once it printed, *uk its child. */
static pid_t start_sleeper(struct __test_metadata *_metadata, pid_t *uk)
{
	const char *argv[] = { kiste_bin(), "run", "--mode=unikernel",
			       "--timeout", "60",  uk_path("tests/sleeper"),
			       NULL };
	char out[256] = "";
	struct pollfd p;
	int pfd[2], i;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	ASSERT_EQ(0, pipe2(pfd, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		dup2(pfd[1], 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	p = (struct pollfd){ .fd = pfd[0], .events = POLLIN };
	while (!strstr(out, "sleeper: started\n") && got < sizeof(out) - 1 &&
	       poll(&p, 1, 20000) == 1 && (n = read(pfd[0], out + got, sizeof(out) - 1 - got)) > 0)
		got += (size_t)n;
	close(pfd[0]);
	EXPECT_NE(NULL, strstr(out, "sleeper: started")) TH_LOG("stdout: %s", out);
	/* kiste forks the unikernel's process before it prints: it is there, filter and all */
	for (i = 0, *uk = 0; i < 100 && !*uk; i++) {
		*uk = child_of(pid);
		if (!*uk)
			usleep(10000);
	}
	return pid;
}

static void stop(pid_t kiste)
{
	kill(kiste, SIGTERM);
	waitpid(kiste, NULL, 0);
}

#define CHUNK (1 << 20)
#define KEEP  127 /* longer than any needle: a match may straddle two reads */

/*
 * Reads [lo, hi) of the process behind @mem once; bit i of the result is set
 * when @needles[i] occurs there, -1 when the range cannot be read.
 */
static long mem_scan(int mem, uint64_t lo, uint64_t hi, const char *const *needles, size_t n)
{
	static char buf[CHUNK + KEEP];
	size_t keep = 0, total, i;
	long hits = 0;
	ssize_t got;

	for (; lo < hi; lo += (uint64_t)got) {
		got = pread(mem, buf + keep, hi - lo < CHUNK ? hi - lo : CHUNK, (off_t)lo);
		if (got <= 0)
			return -1;
		total = keep + (size_t)got;
		for (i = 0; i < n; i++)
			if (memmem(buf, total, needles[i], strlen(needles[i])))
				hits |= 1L << i;
		keep = total < KEEP ? total : KEEP;
		memmove(buf, buf + total - keep, keep);
	}
	return hits;
}

/* Whether the file at @path (a /proc file: read to its end) holds @needle. */
static int file_holds(const char *path, const char *needle)
{
	static char buf[1 << 16];
	ssize_t n, got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (got < (ssize_t)sizeof(buf) && (n = read(fd, buf + got, sizeof(buf) - got)) > 0)
		got += n;
	close(fd);
	return memmem(buf, (size_t)got, needle, strlen(needle)) != NULL;
}

/*
 * The maps list the blob's pages, the unikernel's memory and [vsyscall] only,
 * and no readable page holds the canary or a string of kiste's.
 */
TEST(process_holds_nothing_of_kiste)
{
	char canary[64], shifted[64], path[64], line[512], name[256], perms[8];
	/* the canary, kiste's strings, and the sleeper's own text: the scan does see memory */
	const char *needles[CONTROL + 1] = { canary, [CONTROL] = "sleeper: started" };
	int mem, blob = 0, ukmem = 0, vsyscall = 0, other = 0, control = 0, allowed;
	unsigned long long lo, hi;
	long hits;
	pid_t kiste, uk;
	size_t i;
	FILE *maps;

	set_canary(_metadata, canary, shifted);
	for (i = 0; i < ARRAY_SIZE(kiste_strings); i++)
		needles[i + 1] = kiste_strings[i];
	kiste = start_sleeper(_metadata, &uk);
	ASSERT_LT(0, uk) TH_LOG("no unikernel process under kiste %d", kiste);
	snprintf(path, sizeof(path), "/proc/%d/mem", uk);
	mem = open(path, O_RDONLY | O_CLOEXEC);
	if (mem < 0 && (errno == EACCES || errno == EPERM) && geteuid() != 0) {
		stop(kiste);
		SKIP(return, "cannot read /proc/%d/mem: run as root", uk);
	}
	ASSERT_LE(0, mem) TH_LOG("%s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "/proc/%d/maps", uk);
	maps = fopen(path, "re");
	ASSERT_NE(NULL, maps);
	while (fgets(line, sizeof(line), maps)) {
		name[0] = 0;
		if (sscanf(line, "%llx-%llx %7s %*s %*s %*s %255s", &lo, &hi, perms, name) < 3)
			continue;
		if (lo == VSYSCALL_ADDR && !strcmp(name, "[vsyscall]")) {
			/* the kernel's own page (execute-only unless vsyscall=emulate), no process can unmap it */
			vsyscall++;
			continue;
		}
		allowed = !name[0] && lo >= BLOB_ADDR && hi <= UK_MEMORY;
		if (lo >= BLOB_ADDR && hi <= UK_LOAD_ADDR && !name[0])
			blob++;
		else if (lo >= UK_LOAD_ADDR && hi <= UK_MEMORY && !name[0])
			ukmem++;
		else
			other++;
		EXPECT_TRUE(allowed) TH_LOG("neither the blob nor the unikernel: %s", line);
		if (perms[0] != 'r')
			continue;
		hits = mem_scan(mem, lo, hi, needles, ARRAY_SIZE(needles));
		if (allowed) {
			EXPECT_LE(0, hits) TH_LOG("cannot read %s", line);
		}
		if (hits > 0 && (hits & (1L << CONTROL)))
			control++;
		for (i = 0; hits > 0 && i < CONTROL; i++) {
			EXPECT_FALSE(hits & (1L << i))
			TH_LOG("\"%s\" in %s", i ? needles[i] : "the canary", line);
		}
	}
	fclose(maps);
	close(mem);
	EXPECT_LE(1, blob);
	EXPECT_LE(1, ukmem);
	EXPECT_GE(1, vsyscall);
	EXPECT_EQ(0, other);
	EXPECT_LE(1, control) TH_LOG("the sleeper's own text was not found: the scan read nothing");
	/* The host's view of its environment: the kernel reads it from the (gone) stack. */
	snprintf(path, sizeof(path), "/proc/%d/environ", uk);
	EXPECT_EQ(0, file_holds(path, canary)) TH_LOG("the canary in %s", path);
	stop(kiste);
}

/*
 * The unikernel's process holds no privilege (a hostile review of
 * 2026-12-06 found host root with every capability, the filter its only
 * layer): run as root, it is nobody; as anyone, it has no capability.
 */
TEST(process_runs_without_privilege)
{
	char what[1024];
	pid_t kiste, uk;

	kiste = start_sleeper(_metadata, &uk);
	ASSERT_LT(0, uk) TH_LOG("no unikernel process under kiste %d", kiste);
	EXPECT_EQ(0, uk_privilege_left(uk, what, sizeof(what))) TH_LOG("left: %s", what);
	stop(kiste);
}

/* What the reviewer did, from inside: the call table and every pointer lead to the blob alone. */
TEST(call_table_leads_to_the_blob_alone)
{
	char canary[64], shifted[64], img[] = "/tmp/kiste-uk-snoop.XXXXXX", bind[128];
	const char *args[] = { "run", "--mode=unikernel",     "--block",
			       bind,  uk_path("tests/snoop"), shifted,
			       NULL };
	struct run_result *r = calloc(1, sizeof(*r));
	unsigned long lo, hi;
	const char *p;
	int fd = mkstemp(img), regions = 0;

	ASSERT_NE(NULL, r);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 4096));
	close(fd);
	set_canary(_metadata, canary, shifted);
	snprintf(bind, sizeof(bind), "probe=%s", img);
	ASSERT_EQ(0, run_kiste(args, r));
	EXPECT_EQ(0, r->status) TH_LOG("stdout: %s stderr: %s", r->out, r->err);
	EXPECT_NE(NULL, strstr(r->out, " 0 found\n")) TH_LOG("%s", r->out);
	EXPECT_NE(NULL, strstr(r->out, "snoop: 0 of ")) TH_LOG("vector registers: %s", r->out);
	for (p = r->out; (p = strstr(p, "snoop: region ")); p++) {
		ASSERT_EQ(2, sscanf(p, "snoop: region 0x%lx-0x%lx", &lo, &hi));
		EXPECT_TRUE(lo >= BLOB_ADDR && hi <= UK_LOAD_ADDR) TH_LOG("%.80s", p);
		regions++;
	}
	EXPECT_EQ(1, regions) TH_LOG("%s", r->out);
	unlink(img);
	free(r);
}

TEST_HARNESS_MAIN
