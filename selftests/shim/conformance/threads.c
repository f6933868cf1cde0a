// SPDX-License-Identifier: GPL-2.0
// threads.c - conformance: futex operations and pthreads, as observed results.
#include "conf.h"

#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts,
		  uint32_t *uaddr2, uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

static uint32_t word, word2;

static void *waker(void *arg)
{
	(void)arg;
	usleep(20000);
	__atomic_store_n(&word, 1, __ATOMIC_SEQ_CST);
	futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	return NULL;
}

static uint32_t go;

/* Waits on word2 until go; a requeue moves it to word, where it is woken too. */
static void *waiter(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&go, __ATOMIC_SEQ_CST))
		futex(&word2, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	return (void *)1L;
}

static void futexes(void)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	pthread_t t[2];
	void *ret[2];
	int woken = 0;

	chk("FUTEX_WAIT, value differs", futex(&word, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0));
	chk("FUTEX_WAIT, 10 ms timeout", futex(&word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0));
	chk("FUTEX_WAKE, nobody waits", futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
	chk("an unknown op", futex(&word, 99, 0, NULL, NULL, 0));
	chk("FUTEX_WAIT on a bad address", futex((uint32_t *)8, FUTEX_WAIT, 0, NULL, NULL, 0));
	pthread_create(&t[0], NULL, waker, NULL);
	while (__atomic_load_n(&word, __ATOMIC_SEQ_CST) == 0)
		futex(&word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	pthread_join(t[0], NULL);
	say("woken by another thread", "%u", word);
	/* Two waiters, requeued from word2 to word, then woken there. */
	word = 0;
	pthread_create(&t[0], NULL, waiter, NULL);
	pthread_create(&t[1], NULL, waiter, NULL);
	usleep(50000);
	chk("FUTEX_CMP_REQUEUE with a stale value",
	    futex(&word2, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)1L, &word, 5));
	/* How many were asleep by now depends on the load: only success is compared. */
	say("FUTEX_CMP_REQUEUE: wake 0, requeue 2 succeeds", "%d",
	    futex(&word2, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)2L, &word, 0) >= 0);
	__atomic_store_n(&go, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&word2, 1, __ATOMIC_SEQ_CST);
	futex(&word2, FUTEX_WAKE_PRIVATE, 2, NULL, NULL, 0);
	futex(&word, FUTEX_WAKE_PRIVATE, 2, NULL, NULL, 0);
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], &ret[i]);
		woken += (long)ret[i];
	}
	say("waiters woken", "%d", woken);
	chk("FUTEX_WAKE_OP", futex(&word, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &word2,
				   FUTEX_OP(FUTEX_OP_SET, 7, FUTEX_OP_CMP_EQ, 0)));
	say("the op stored", "%u", word2);
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long counter, turn;

static void *adder(void *arg)
{
	long me = (long)arg;

	for (int i = 0; i < 1000; i++) {
		pthread_mutex_lock(&mu);
		while (turn % 4 != me)
			pthread_cond_wait(&cv, &mu);
		counter++;
		turn++;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
	}
	return (void *)me;
}

static void *tid_of(void *arg)
{
	*(long *)arg = syscall(SYS_gettid);
	return NULL;
}

static void pthreads(void)
{
	pthread_t t[4];
	long sum = 0, tid = 0;
	void *r;

	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, adder, (void *)i);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], &r);
		sum += (long)r;
	}
	say("4 threads taking turns: counter, sum of results", "%ld %ld", counter, sum);
	pthread_create(&t[0], NULL, tid_of, &tid);
	pthread_join(t[0], NULL);
	say("a thread's tid differs from the pid", "%d", tid != getpid() && tid > 0);
	say("the main thread's tid is the pid", "%d", syscall(SYS_gettid) == getpid());
	chk("tgkill(self, main thread, 0)", syscall(SYS_tgkill, getpid(), getpid(), 0));
	/* Not an exited thread's tid: whether it is gone yet right after join races natively too. */
	chk("tgkill of no such thread", syscall(SYS_tgkill, getpid(), 4000000, 0));
}

int main(void)
{
	conf_init();
	futexes();
	pthreads();
	return conf_done();
}
