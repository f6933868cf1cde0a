// SPDX-License-Identifier: GPL-2.0
// unikernel_vmm_test.c - the VMM's confinement in vm isolation: printed, installed, enforced.
// kiste-suite: host unikernel_vmm_test
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kiste_uk.h"
#include "kselftest_harness.h"
#include "uk_util.h"

/* Parses "# syscalls: N distinct" from kiste policy's output; -1 when absent. */
static int syscalls_line(const char *out)
{
	const char *p = strstr(out, "# syscalls: ");

	return p ? atoi(p + strlen("# syscalls: ")) : -1;
}

TEST(policy_prints_the_vmm_filter)
{
	char bind[128], img[] = "/tmp/kiste-uk-vmmpol.XXXXXX";
	const char *args[] = { "policy",      "unikernel", "--isolation", "vm",
			       uk_path("kv"), "--block",   bind,	  NULL };
	struct run_result *r = calloc(1, sizeof(*r));
	int fd = mkstemp(img), n;
	char run_rule[64];

	ASSERT_NE(NULL, r);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 8192));
	close(fd);
	snprintf(bind, sizeof(bind), "storage=%s", img);
	ASSERT_EQ(0, run_kiste(args, r));
	EXPECT_EQ(0, r->status) TH_LOG("%s", r->err);
	n = syscalls_line(r->out);
	EXPECT_LT(0, n) TH_LOG("%s", r->out);
	EXPECT_NE(NULL, strstr(r->out, "(vm isolation"));
	EXPECT_NE(NULL, strstr(r->out, "action KILL_PROCESS;"));
	/* KVM_RUN (0xae80) on the vCPU descriptor is the only ioctl */
	EXPECT_NE(NULL, strstr(r->out, "ioctl"));
	snprintf(run_rule, sizeof(run_rule), "$a0.lo32 == %d", KISTE_UK_VCPU_FD);
	EXPECT_NE(NULL, strstr(r->out, run_rule)) TH_LOG("%s", r->out);
	EXPECT_NE(NULL, strstr(r->out, "$a1.lo32 == 44672")) TH_LOG("%s", r->out);
	EXPECT_NE(NULL, strstr(r->out, "pread64"));
	/* never the calls that would build a new VM or reach the host */
	EXPECT_EQ(NULL, strstr(r->out, "openat"));
	EXPECT_EQ(NULL, strstr(r->out, "mmap"));
	unlink(img);
	free(r);
}

TEST(filter_installed_and_hypercalls_work)
{
	const char *pol[] = { "policy", "unikernel", "--isolation", "vm", uk_path("hello"), NULL };
	const char *run[] = { "run",
			      "--mode=unikernel",
			      "--isolation=vm",
			      uk_path("hello"),
			      "under",
			      "the filter",
			      NULL };
	struct run_result *r = calloc(1, sizeof(*r));
	const char *skip = uk_vm_unavailable();
	char want[64];
	int n;

	ASSERT_NE(NULL, r);
	if (skip) {
		free(r);
		SKIP(return, "%s", skip);
	}
	ASSERT_EQ(0, run_kiste(pol, r));
	n = syscalls_line(r->out);
	ASSERT_LT(0, n) TH_LOG("%s%s", r->out, r->err);
	setenv("KISTE_UK_STATS", "1", 1);
	ASSERT_EQ(0, run_kiste(run, r));
	unsetenv("KISTE_UK_STATS");
	EXPECT_EQ(0, r->status) TH_LOG("stderr: %s", r->err);
	/* console writes, clocks and exit all went through the confined VMM */
	EXPECT_NE(NULL, strstr(r->out, "argv[2] = the filter")) TH_LOG("%s", r->out);
	snprintf(want, sizeof(want), "VMM seccomp filter installed: %d syscalls", n);
	EXPECT_NE(NULL, strstr(r->err, want)) TH_LOG("stderr: %s", r->err);
	free(r);
}

/* The first child of @pid, or -1. */
static pid_t first_child(pid_t pid)
{
	char path[64], buf[64];
	FILE *f;
	int c = -1;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f) || sscanf(buf, "%d", &c) != 1)
		c = -1;
	fclose(f);
	return c;
}

/* Value of "Key:" in /proc/PID/status, or -1. */
static long status_field(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':')
			v = strtol(line + klen + 1, NULL, 10);
	fclose(f);
	return v;
}

/* Descriptors of @pid other than 0-2, the vCPU and the VM: counted, named into @what. */
static int extra_fds(pid_t pid, char *what, size_t len)
{
	char path[64], link[128];
	struct dirent *de;
	int n = 0, fd;
	ssize_t l;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return -1;
	what[0] = 0;
	while ((de = readdir(d))) {
		fd = atoi(de->d_name);
		if (de->d_name[0] == '.' || fd <= 2 || fd == KISTE_UK_VCPU_FD ||
		    fd == KISTE_UK_VM_FD)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
		l = readlink(path, link, sizeof(link) - 1);
		link[l > 0 ? l : 0] = 0;
		snprintf(what + strlen(what), len - strlen(what), "%d->%s ", fd, link);
		n++;
	}
	closedir(d);
	return n;
}

/* Starts kiste run on the sleeper; returns its pid and the read end of its stdout. */
static pid_t start_sleeper(int *out)
{
	const char *bin = kiste_bin();
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		execl(bin, "kiste", "run", "--mode=unikernel", "--isolation=vm", "--timeout", "30",
		      uk_path("tests/sleeper"), (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	*out = p[0];
	return pid;
}

TEST(vmm_runs_confined)
{
	const char *skip = uk_vm_unavailable();
	char buf[256] = "", what[512];
	int out, status, n;
	pid_t pid, vmm;
	ssize_t got;

	if (skip)
		SKIP(return, "%s", skip);
	pid = start_sleeper(&out);
	ASSERT_LT(0, pid);
	/* the sleeper prints once it runs, which is after the filter went in */
	got = read(out, buf, sizeof(buf) - 1);
	ASSERT_LT(0, got);
	buf[got] = 0;
	EXPECT_NE(NULL, strstr(buf, "sleeper: started"));
	vmm = first_child(pid);
	ASSERT_LT(0, vmm);
	EXPECT_EQ(2, status_field(vmm, "Seccomp")); /* SECCOMP_MODE_FILTER */
	EXPECT_LE(1, status_field(vmm, "Seccomp_filters"));
	EXPECT_EQ(1, status_field(vmm, "NoNewPrivs"));
	/* /dev/kvm (or /dev/kiste) is gone: the VMM cannot make another VM */
	n = extra_fds(vmm, what, sizeof(what));
	EXPECT_EQ(0, n) TH_LOG("VMM descriptors beyond vCPU and VM: %s", what);
	kill(pid, SIGTERM);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(128 + SIGTERM, WEXITSTATUS(status));
	close(out);
}

TEST_HARNESS_MAIN
