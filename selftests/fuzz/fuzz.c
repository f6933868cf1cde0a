// SPDX-License-Identifier: GPL-2.0
// fuzz.c - kiste_fuzz: structure-aware fuzzing of kiste.ko's genl family and ioctls, bounded by count and time, TAP out.
// kiste-suite: vm kiste_fuzz
//
// Usage: kiste_fuzz [--count N] [--time SECS] [--seed S] [--workers W] [--unpriv U]
//                   [--kill-ms MS] [--conf FILE]
//
// W worker processes (U of them as uid nobody) send generic-netlink messages
// and /dev/kiste ioctls built from the interface's structure, start member
// children that join sandboxes, fork, thread, exec, arm redirection and
// drive brokered VMs, and are killed at random by this coordinator.  The run
// ends after N messages or SECS seconds, whichever comes first; fewer than N
// messages is a failure.  Every process draws from its own stream of the
// seed (printed), so a seed replays the same choices; scheduling is not
// replayed, so a failure may need a few runs of its seed.  The kernel's
// reports (KASAN, lockdep, kmemleak, WARN) are read by the test-VM runner;
// this program checks that the module still answers, that the registry
// settles back, and that the kernel's taint did not change.  FILE (default
// /etc/kiste-fuzz.conf, optional) holds KEY=VALUE lines: COUNT, TIME, SEED,
// WORKERS, UNPRIV, KILL_MS (the make fuzz-long run passes its settings so).
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fz.h"
#include "fz_admin.h"

#define NOBODY 65534
#define FZ_WORKERS_MAX 16

struct opts {
	uint64_t count;
	unsigned int secs;
	uint64_t seed;
	int workers;
	int unpriv;
	unsigned int kill_ms;
};

static struct fz_shared *sh;
static pid_t workers[FZ_WORKERS_MAX];
static uint32_t gens[FZ_WORKERS_MAX];

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void conf_set(struct opts *o, const char *key, const char *val)
{
	unsigned long long v = strtoull(val, NULL, 0);

	if (!strcmp(key, "COUNT"))
		o->count = v;
	else if (!strcmp(key, "TIME"))
		o->secs = (unsigned int)v;
	else if (!strcmp(key, "SEED"))
		o->seed = v;
	else if (!strcmp(key, "WORKERS"))
		o->workers = (int)v;
	else if (!strcmp(key, "UNPRIV"))
		o->unpriv = (int)v;
	else if (!strcmp(key, "KILL_MS"))
		o->kill_ms = (unsigned int)v;
}

static void conf_read(struct opts *o, const char *path)
{
	char line[128], *eq;
	FILE *f = fopen(path, "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		eq = strchr(line, '=');
		if (eq && line[0] != '#') {
			*eq = 0;
			conf_set(o, line, eq + 1);
		}
	}
	fclose(f);
}

static int parse(struct opts *o, int argc, char **argv)
{
	static const char *const keys[] = { "--count", "COUNT", "--time", "TIME", "--seed", "SEED",
					    "--workers", "WORKERS", "--unpriv", "UNPRIV",
					    "--kill-ms", "KILL_MS" };
	const char *conf = "/etc/kiste-fuzz.conf";
	int i, k;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--conf"))
			conf = argv[i + 1];
	}
	conf_read(o, conf);
	for (i = 1; i < argc; i += 2) {
		if (i + 1 >= argc)
			return -1;
		if (!strcmp(argv[i], "--conf"))
			continue;
		for (k = 0; k < 12 && strcmp(argv[i], keys[k]); k += 2)
			;
		if (k == 12)
			return -1;
		conf_set(o, keys[k + 1], argv[i + 1]);
	}
	if (o->workers < 1 || o->workers > FZ_WORKERS_MAX || o->unpriv > o->workers)
		return -1;
	return 0;
}

static int drop_to_nobody(void)
{
	if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
	    setresuid(NOBODY, NOBODY, NOBODY) < 0)
		return -1;
	return 0;
}

static void __attribute__((noreturn)) worker_main(int idx, uint64_t seed, bool unpriv)
{
	struct fz_ctx c = { .sh = sh, .idx = idx, .unpriv = unpriv, .nl = -1,
			    .dev = { -1, -1, -1 } };
	uint32_t roll;
	uint64_t t0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	fz_seed(&c.rng, seed, ((uint64_t)idx << 32) | gens[idx]);
	if (unpriv && drop_to_nobody() < 0)
		_exit(3);
	while (!fz_stopped(&c)) {
		roll = fz_below(&c.rng, 1000);
		t0 = fz_now_ns();
		/*
		 * Forks, member children and their VMs cost a hundred messages
		 * each on the debug kernel under TCG (see the time line at the
		 * end): they are rare, so that 10^5 messages fit in minutes.
		 */
		if (roll < 500) {
			fz_genl_one(&c);
			fz_time(&c, FZ_T_GENL, t0);
		} else if (roll < 975) {
			fz_dev_one(&c);
			fz_time(&c, FZ_T_DEV, t0);
		} else if (roll < 983) {
			fz_member_spawn(&c);
			fz_time(&c, FZ_T_SPAWN, t0);
		} else if (roll < 988) {
			fz_threads(&c, 1 + (int)fz_below(&c.rng, 3));
			fz_time(&c, FZ_T_THREADS, t0);
		} else {
			fz_children_reap(&c, false);
		}
	}
	fz_children_reap(&c, true);
	_exit(0);
}

static void spawn(int idx, const struct opts *o)
{
	pid_t pid = fork();

	if (pid == 0)
		worker_main(idx, o->seed, idx < o->unpriv);
	workers[idx] = pid;
	gens[idx]++;
}

/* Respawns workers that ended (SIGSYS, a delete, our SIGKILL) while the run goes on. */
static void reap_workers(const struct opts *o)
{
	int i, status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < o->workers; i++) {
			if (workers[i] == pid) {
				workers[i] = 0;
				if (!atomic_load(&sh->stop))
					spawn(i, o);
			}
		}
	}
}

/* Ends every process of the run: ours are children, or orphans we reap (subreaper). */
static void end_all(void)
{
	uint64_t end = now_ms() + 5000;
	int rounds, status;
	bool any;

	while (waitpid(-1, &status, WNOHANG) >= 0 && now_ms() < end)
		sleep_ms(20);
	for (rounds = 0; rounds < 50; rounds++) {
		any = fz_kill_children(getpid()) > 0;
		while (waitpid(-1, &status, WNOHANG) > 0)
			any = true;
		if (!any && waitpid(-1, &status, WNOHANG) < 0 && errno == ECHILD)
			return;
		sleep_ms(100);
	}
}

static void progress(uint64_t t0, uint64_t *next)
{
	uint64_t t = now_ms(), n = atomic_load(&sh->msgs);

	if (t < *next)
		return;
	*next = t + 30000;
	printf("# %llu messages after %llu s (%llu/s)\n", (unsigned long long)n,
	       (unsigned long long)(t - t0) / 1000,
	       (unsigned long long)(n * 1000 / (t - t0 + 1)));
	fflush(stdout);
}

/* The run itself; returns its wall time in ms. */
static uint64_t run(const struct opts *o, struct fz_rng *rng)
{
	uint64_t t0 = now_ms(), deadline = t0 + (uint64_t)o->secs * 1000;
	uint64_t next_kill = t0 + o->kill_ms, next_progress = t0 + 30000;
	int i;

	for (i = 0; i < o->workers; i++)
		spawn(i, o);
	while (!atomic_load(&sh->stop)) {
		sleep_ms(50);
		if (now_ms() >= deadline)
			atomic_store(&sh->stop, 1);
		reap_workers(o);
		if (o->kill_ms && now_ms() >= next_kill) {
			i = (int)fz_below(rng, (uint32_t)o->workers);
			if (workers[i] > 0 && kill(workers[i], SIGKILL) == 0)
				atomic_fetch_add(&sh->count[FZ_C_KILLS], 1);
			next_kill = now_ms() + o->kill_ms / 2 + fz_below(rng, o->kill_ms);
		}
		progress(t0, &next_progress);
	}
	t0 = now_ms() - t0;
	end_all();
	return t0;
}

int main(int argc, char **argv)
{
	/*
	 * 540 s: under the test VM's 600 s per suite, with time to settle and check.
	 * 100,000 messages take seconds on Debian's kernel and about 3 minutes on the
	 * debug kernel (KISTE_TEST_TIME_SCALE set), which gets 30,000 in make check;
	 * make fuzz-long runs a million there.
	 */
	const char *scale = getenv("KISTE_TEST_TIME_SCALE");
	struct opts o = { .count = scale && *scale && strcmp(scale, "1") ? 30000 : 100000,
			  .secs = 540, .workers = 4, .unpriv = 1, .kill_ms = 3000 };
	struct fz_admin before, after;
	struct fz_rng rng;
	uint64_t ms, n;
	char why[256];
	int fails = 0;

	o.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (parse(&o, argc, argv) < 0) {
		fprintf(stderr, "usage: %s [--count N] [--time SECS] [--seed S] [--workers W] "
				"[--unpriv U] [--kill-ms MS] [--conf FILE]\n", argv[0]);
		return 2;
	}
	printf("TAP version 13\n");
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED || fz_admin_setup(sh, why, sizeof(why)) < 0) {
		printf("1..0 # SKIP %s\n", sh == MAP_FAILED ? "mmap" : why);
		return 0;
	}
	printf("1..4\n");
	sh->limit = o.count;
	sh->gate = (uintptr_t)&main;
	fz_seed(&rng, o.seed, ~0ULL);
	fz_admin_snapshot(sh, &before);
	printf("# seed %llu: %llu messages or %u s, %d workers (%d as uid %d), a worker killed every ~%u ms%s\n",
	       (unsigned long long)o.seed, (unsigned long long)o.count, o.secs, o.workers, o.unpriv,
	       NOBODY, o.kill_ms, sh->kvm ? ", KVM broker sessions" : ", no /dev/kvm: no VM sessions");
	printf("# replay: kiste_fuzz --seed %llu --count %llu --workers %d --unpriv %d --kill-ms %u\n",
	       (unsigned long long)o.seed, (unsigned long long)o.count, o.workers, o.unpriv,
	       o.kill_ms);
	fflush(stdout);

	ms = run(&o, &rng);
	n = atomic_load(&sh->msgs);
	printf("%s 1 - fuzz: %llu messages in %.1f s (%llu/s): genl %llu, /dev/kiste %llu, VM %llu, vCPU %llu; %llu member children, %llu VMs, %llu workers killed; seed %llu\n",
	       n >= o.count ? "ok" : "not ok", (unsigned long long)n, (double)ms / 1000,
	       (unsigned long long)(n * 1000 / (ms + 1)),
	       (unsigned long long)sh->count[FZ_C_GENL], (unsigned long long)sh->count[FZ_C_DEV],
	       (unsigned long long)sh->count[FZ_C_VM], (unsigned long long)sh->count[FZ_C_VCPU],
	       (unsigned long long)sh->count[FZ_C_MEMBERS], (unsigned long long)sh->count[FZ_C_VMS],
	       (unsigned long long)sh->count[FZ_C_KILLS], (unsigned long long)o.seed);
	printf("# wall time summed over processes: genl %.1f s, /dev/kiste %.1f s, forking members %.1f s, thread bursts %.1f s, member children %.1f s (VM sessions %.1f s)\n",
	       sh->ns[FZ_T_GENL] / 1e9, sh->ns[FZ_T_DEV] / 1e9, sh->ns[FZ_T_SPAWN] / 1e9,
	       sh->ns[FZ_T_THREADS] / 1e9, sh->ns[FZ_T_MEMBER] / 1e9, sh->ns[FZ_T_VM] / 1e9);
	if (n < o.count)
		printf("# the time bound (%u s) ended the run before %llu messages\n", o.secs,
		       (unsigned long long)o.count);
	fails += n < o.count;
	fails += fz_admin_checks(sh, &before, &after);
	return fails ? 1 : 0;
}
