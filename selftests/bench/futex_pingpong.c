// SPDX-License-Identifier: GPL-2.0
// futex_pingpong.c - two threads hand a token back and forth through futex wait/wake; prints ns per round trip.
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int word;	/* 0: the main thread's turn, 1: the other's */
static long rounds;

static void fwait(int *w, int val)
{
	while (__atomic_load_n(w, __ATOMIC_ACQUIRE) == val)
		syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void fset(int *w, int val)
{
	__atomic_store_n(w, val, __ATOMIC_RELEASE);
	syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *other(void *arg)
{
	long i;

	(void)arg;
	for (i = 0; i < rounds; i++) {
		fwait(&word, 0);
		fset(&word, 0);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct timespec a, b;
	pthread_t t;
	long i;

	rounds = argc > 1 ? atol(argv[1]) : 100000;
	pthread_create(&t, NULL, other, NULL);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < rounds; i++) {
		fset(&word, 1);
		fwait(&word, 1);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	pthread_join(t, NULL);
	printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / rounds);
	return 0;
}
