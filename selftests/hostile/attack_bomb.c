// SPDX-License-Identifier: GPL-2.0
// attack_bomb.c - bombs against the caps: processes, threads, memory, descriptors, tmpfs, CPU; each bounded.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attack.h"

/* Bounds, so that an unconfined run ends too (and says it was not stopped). */
#define FORK_MAX   2000
#define THREAD_MAX 2000
#define MIB	   (1UL << 20)

/* Forks children that wait, until fork fails or N are alive; prints how many and why it stopped. */
int cmd_forkbomb(int argc, char **argv)
{
	int n = argc > 0 ? atoi(argv[0]) : 500, i, err = 0;
	pid_t *kids;

	if (n < 1 || n > FORK_MAX)
		n = FORK_MAX;
	kids = calloc(n, sizeof(*kids));
	for (i = 0; kids && i < n; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			pause();
			_exit(0);
		}
		if (kids[i] < 0) {
			err = errno;
			break;
		}
	}
	printf("forkbomb: forks=%d err=%s\n", i, err ? ename(err) : "none");
	fflush(stdout);
	while (kids && i-- > 0)
		kill(kids[i], SIGKILL);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	return 0;
}

static void *idle(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

int cmd_threadbomb(int argc, char **argv)
{
	int n = argc > 0 ? atoi(argv[0]) : 500, i, err = 0;
	pthread_attr_t a;
	pthread_t t;

	if (n < 1 || n > THREAD_MAX)
		n = THREAD_MAX;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 64 << 10);
	for (i = 0; i < n; i++) {
		err = pthread_create(&t, &a, idle, NULL);
		if (err)
			break;
	}
	printf("threadbomb: threads=%d err=%s\n", i, err ? ename(err) : "none");
	fflush(stdout);
	_exit(0);
}

/* Maps and touches 1 MiB at a time up to MIB; the cap must end it (a failed map, or the OOM killer). */
int cmd_membomb(int argc, char **argv)
{
	unsigned long want = argc > 0 ? strtoul(argv[0], NULL, 0) : 1024, i;

	for (i = 0; i < want; i++) {
		char *p = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			printf("membomb: mib=%lu err=%s\n", i, ename(errno));
			return 0;
		}
		memset(p, 0x5a, MIB);
		if (i % 16 == 15)
			printf("membomb: touched=%lu\n", i + 1);
	}
	printf("membomb: mib=%lu err=none\n", i);
	return 0;
}

/* Descriptors until the table is full; then does the process (and its kernel) still work? */
int cmd_fdbomb(int argc, char **argv)
{
	int n = 0, err;
	long pid;

	(void)argc, (void)argv;
	while (open("/dev/null", O_RDONLY) >= 0 && n < 1 << 20)
		n++;
	err = errno;
	printf("fdbomb: fds=%d err=%s\n", n + 3, ename(err));
	close(10);
	say("fdbomb reopen", open("/dev/null", O_RDONLY));
	pid = raw6(39, 0, 0, 0, 0, 0, 0);
	printf("fdbomb: alive, raw_getpid=%ld\n", pid);
	return 0;
}

/* Fills DIR with 1 MiB writes, up to MIB; prints where it stopped. */
int cmd_fillfs(int argc, char **argv)
{
	static char chunk[MIB];
	unsigned long want, i;
	char path[4096];
	int fd, err = 0;

	if (argc < 2)
		return 2;
	want = strtoul(argv[1], NULL, 0);
	memset(chunk, 0x5a, sizeof(chunk));
	snprintf(path, sizeof(path), "%s/hostile-fill", argv[0]);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		printf("fillfs: mib=0 err=%s\n", ename(errno));
		return 0;
	}
	for (i = 0; i < want; i++) {
		ssize_t n = write(fd, chunk, sizeof(chunk));

		if (n != (ssize_t)sizeof(chunk)) {
			err = n < 0 ? errno : ENOSPC;
			break;
		}
	}
	printf("fillfs: mib=%lu err=%s\n", i, err ? ename(err) : "none");
	close(fd);
	unlink(path);
	return 0;
}

static double secs(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Spins for SECONDS of wall time; prints its CPU time as a percentage of that. */
int cmd_cpuspin(int argc, char **argv)
{
	double want = argc > 0 ? atof(argv[0]) : 2, w0 = secs(CLOCK_MONOTONIC), c0;
	volatile unsigned long x = 0;

	c0 = secs(CLOCK_PROCESS_CPUTIME_ID);
	while (secs(CLOCK_MONOTONIC) - w0 < want)
		for (int i = 0; i < 100000; i++)
			x++;
	printf("cpuspin: cpu_pct=%d\n",
	       (int)(100 * (secs(CLOCK_PROCESS_CPUTIME_ID) - c0) / (secs(CLOCK_MONOTONIC) - w0)));
	return 0;
}
