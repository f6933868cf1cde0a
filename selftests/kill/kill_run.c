// SPDX-License-Identifier: GPL-2.0
// kill_run.c - kill.sh's helper: starts a launcher, SIGKILLs it at a random time or named phase, reaps what is left.
/*
 * kill-run [-r MAX_US -s SEED | -p TIMEOUT_S] [-n] [-l LINK] [-w WAIT_MS] [-o LOG] -- CMD [ARG...]
 * kill-run -P       waits for a signal: a process for kill_lib.sh's control to find
 *
 *   -r MAX_US -s SEED  SIGKILL after a delay drawn from SEED, log-uniform in
 *                      [100 us, MAX_US]: each millisecond of early start-up is
 *                      hit as often as a whole second of the run after it
 *   -p TIMEOUT_S       SIGKILL once CMD stopped itself (KISTE_TESTONLY_STOP_AT,
 *                      the launcher's named phases), waiting up to TIMEOUT_S
 *   -n                 CMD runs in a private mount namespace with every cgroup
 *                      hierarchy unmounted: kiste then makes no cgroup (as on a
 *                      host without usable ones), so its other layers (parent-
 *                      death signals, pipes, kiste.ko) alone must end the run
 *   -l LINK            starts CMD through a symlink LINK to it (removed at the
 *                      end), so that every process forked from it without an
 *                      exec is named (comm) LINK's last part
 *   -w WAIT_MS         how long what CMD left may take to end (default 5000)
 *   -o LOG             CMD's stdout and stderr (default /dev/null)
 *
 * The helper is a child subreaper: whatever CMD started that outlives it (the
 * shim's init, the unikernel's process or VMM, the cgroup watcher) becomes the
 * helper's child instead of init's, so "nothing of the sandbox runs" is exact:
 * the helper has no child left.  No process can leave a subreaper's subtree.
 *
 * Prints one line: "pid=P delay_us=D status=S gone_ms=G" (S: what the wait
 * said, e.g. "signal 9", "exit 0"); then, for every descendant still there
 * after WAIT_MS, "left PID STATE COMM CMDLINE" (those are then SIGKILLed and
 * reaped, so a failure does not spill into the next run).
 * Exit: 0 killed and nothing left; 1 something was left; 2 CMD was not killed
 * by us (it ended first, or never reached the phase); 3 usage or system error.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Bounds on what the caller may ask, so a typo cannot hang a suite. */
#define MAX_DELAY_US	(60ULL * 1000000)
#define MAX_WAIT_MS	(600 * 1000)
/* About when exec of the launcher is done: earlier kills hit no kiste code. */
#define MIN_DELAY_US	100

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

static void sleep_us(uint64_t us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* xorshift64*: the same SEED gives the same delay on every machine. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static uint64_t pick_delay(uint64_t seed, uint64_t max_us)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15ULL + 1;
	double u;

	rnd(&s);
	if (max_us <= MIN_DELAY_US)
		return max_us;
	u = (double)(rnd(&s) >> 11) / (double)(1ULL << 53);
	return (uint64_t)(MIN_DELAY_US * pow((double)max_us / MIN_DELAY_US, u));
}

static void describe(int st, char *buf, size_t len)
{
	if (WIFSIGNALED(st))
		snprintf(buf, len, "signal %d", WTERMSIG(st));
	else if (WIFEXITED(st))
		snprintf(buf, len, "exit %d", WEXITSTATUS(st));
	else
		snprintf(buf, len, "wait status 0x%x", st);
}

static void read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);
	ssize_t i;

	if (fd >= 0)
		close(fd);
	if (n < 0)
		n = 0;
	buf[n] = 0;
	for (i = 0; i < n; i++)
		if (buf[i] == 0 || buf[i] == '\n')
			buf[i] = ' ';
}

/* Every process whose parent is us: "left ..." lines; SIGKILLs them when @kill. */
static int list_children(int kill_them)
{
	char path[64], stat[512], cmd[256], *rp, state, comm[64];
	pid_t self = getpid();
	struct dirent *de;
	int pid, ppid, n = 0;
	DIR *d = opendir("/proc");

	while (d && (de = readdir(d))) {
		pid = atoi(de->d_name);
		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		read_small(path, stat, sizeof(stat));
		/* "PID (COMM) S PPID ...": COMM may hold spaces and parentheses. */
		rp = strrchr(stat, ')');
		if (!rp || sscanf(rp + 1, " %c %d", &state, &ppid) != 2 || ppid != self)
			continue;
		snprintf(comm, sizeof(comm), "%.*s", (int)(rp - strchr(stat, '(') - 1),
			 strchr(stat, '(') + 1);
		snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
		read_small(path, cmd, sizeof(cmd));
		if (!kill_them)
			printf("left %d %c %s %s\n", pid, state, comm, cmd);
		else
			kill(pid, SIGKILL);
		n++;
	}
	if (d)
		closedir(d);
	return n;
}

/* Reaps every child until none is left (true) or @ms passed (false). */
static int reap_all(uint64_t ms)
{
	uint64_t end = now_us() + ms * 1000;

	for (;;) {
		pid_t w = waitpid(-1, NULL, WNOHANG);

		if (w < 0 && errno == ECHILD)
			return 1;
		if (w > 0)
			continue;
		if (now_us() >= end)
			return 0;
		sleep_us(2000);
	}
}

static void on_alarm(int sig)
{
	(void)sig;	/* only interrupts the wait for the phase */
}

/* -n: unmounts every cgroup and cgroup2 mount in a new mount namespace. */
static int hide_cgroups(void)
{
	char line[1024], mnt[512], *dash;
	char (*list)[512] = NULL;
	int n = 0, ok = 1;
	FILE *f;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	f = fopen("/proc/self/mountinfo", "re");
	while (f && fgets(line, sizeof(line), f)) {
		dash = strstr(line, " - ");
		if (!dash || (strncmp(dash, " - cgroup ", 10) && strncmp(dash, " - cgroup2 ", 11)) ||
		    sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1)
			continue;
		list = realloc(list, (n + 1) * sizeof(*list));
		if (!list)
			return -1;
		memcpy(list[n++], mnt, sizeof(mnt));
	}
	if (f)
		fclose(f);
	/* Innermost first: a v1 hierarchy may sit on a tmpfs that is itself below. */
	while (n-- > 0)
		if (umount2(list[n], MNT_DETACH) < 0)
			ok = 0;
	free(list);
	return ok ? 0 : -1;
}

static __attribute__((noreturn)) void start(char **argv, const char *log, int no_cgroups)
{
	int in = open("/dev/null", O_RDONLY), out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	if (no_cgroups && hide_cgroups() < 0) {
		dprintf(2, "kill-run -n: cannot unmount the cgroup hierarchies: %s\n",
			strerror(errno));
		_exit(126);
	}
	close(in);
	close(out);
	execv(argv[0], argv);
	_exit(127);
}

/* The named phase: the launcher stops itself there, and WUNTRACED sees it. */
static int wait_phase(pid_t pid, unsigned int timeout_s, unsigned long long wait_ms)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	char how[64];
	pid_t w;
	int st;

	sigaction(SIGALRM, &sa, NULL);
	alarm(timeout_s);
	w = waitpid(pid, &st, WUNTRACED);
	alarm(0);
	if (w == pid && WIFSTOPPED(st))
		return 0;
	if (w == pid) {
		describe(st, how, sizeof(how));
		printf("pid=%d phase not reached: %s\n", (int)pid, how);
	} else {
		printf("pid=%d phase not reached in %u s\n", (int)pid, timeout_s);
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	if (!reap_all(wait_ms)) {
		list_children(0);
		fflush(stdout);
		list_children(1);
		reap_all(2000);
	}
	return -1;
}

static const char *link_path;

static void link_remove(void)
{
	if (link_path)
		unlink(link_path);
}

static int usage(void)
{
	fprintf(stderr, "usage: kill-run [-r MAX_US -s SEED | -p TIMEOUT_S] [-n] [-l LINK] "
		"[-w WAIT_MS] [-o LOG] -- CMD [ARG...]\n");
	return 3;
}

int main(int argc, char **argv)
{
	unsigned long long max_us = 0, seed = 0, wait_ms = 5000, delay = 0, t_kill;
	unsigned int phase_s = 0;
	const char *log = "/dev/null", *link = NULL;
	char how[64];
	int opt, st = 0, killed, clean, no_cgroups = 0;
	pid_t pid;

	if (argc == 2 && !strcmp(argv[1], "-P")) {
		pause();
		return 0;
	}
	while ((opt = getopt(argc, argv, "+r:s:p:nl:w:o:")) != -1) {
		switch (opt) {
		case 'r': max_us = strtoull(optarg, NULL, 10); break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 'p': phase_s = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'n': no_cgroups = 1; break;
		case 'l': link = optarg; break;
		case 'w': wait_ms = strtoull(optarg, NULL, 10); break;
		case 'o': log = optarg; break;
		default: return usage();
		}
	}
	if (optind >= argc || (!max_us == !phase_s) || max_us > MAX_DELAY_US ||
	    phase_s > 600 || wait_ms > MAX_WAIT_MS)
		return usage();
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		perror("kill-run: PR_SET_CHILD_SUBREAPER");
		return 3;
	}
	if (max_us)
		delay = pick_delay(seed, max_us);
	if (link) {
		if (symlink(argv[optind], link) < 0) {
			fprintf(stderr, "kill-run: symlink %s: %s\n", link, strerror(errno));
			return 3;
		}
		argv[optind] = (char *)link;
		link_path = link;
		atexit(link_remove);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("kill-run: fork");
		return 3;
	}
	if (pid == 0)
		start(argv + optind, log, no_cgroups);
	if (max_us) {
		sleep_us(delay);
	} else if (wait_phase(pid, phase_s, wait_ms) < 0) {
		return 2;
	}
	kill(pid, SIGKILL);
	t_kill = now_us();
	waitpid(pid, &st, 0);
	killed = WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
	describe(st, how, sizeof(how));
	clean = reap_all(wait_ms);
	printf("pid=%d delay_us=%llu status=%s gone_ms=%llu\n", (int)pid, delay, how,
	       (now_us() - t_kill) / 1000);
	if (!clean) {
		list_children(0);
		fflush(stdout);
		list_children(1);
		reap_all(2000);
		return 1;
	}
	return killed ? 0 : 2;
}
