// SPDX-License-Identifier: GPL-2.0
// threads.c - conformance: futex operations and pthreads, as observed results.
#include "conf.h"

#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
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

/* A word one thread watches while another has the kernel write its own value over it. */
static volatile uint64_t watched;
static volatile int watching;
static uint64_t watched_value;
static long seen_other;

static void *watcher(void *arg)
{
	(void)arg;
	while (__atomic_load_n(&watching, __ATOMIC_ACQUIRE))
		if (watched != watched_value)
			seen_other++;
	return NULL;
}

static volatile int ran;

static void *runs(void *arg)
{
	(void)arg;
	ran = 1;
	return NULL;
}

static void watched_words(void)
{
	uint64_t none = 0;
	sigset_t m;
	pthread_t t;
	int i, joined = 0;

	/* The signal mask read back into the word that holds it: no other value ever shows. */
	sigemptyset(&m);
	sigaddset(&m, SIGHUP);
	sigaddset(&m, SIGUSR2);
	sigprocmask(SIG_BLOCK, &m, NULL);
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &watched_value, 8);
	watched = watched_value;
	watching = 1;
	pthread_create(&t, NULL, watcher, NULL);
	/* Blocking nothing more (an empty set) and reading the mask back. */
	for (i = 0; i < 20000; i++)
		syscall(SYS_rt_sigprocmask, SIG_BLOCK, &none, &watched, 8);
	__atomic_store_n(&watching, 0, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	sigprocmask(SIG_UNBLOCK, &m, NULL);
	say("a watched word the kernel rewrites with its own value 20000 times: another value seen",
	    "%d", seen_other != 0);
	/* pthread_join waits on the tid word the kernel sets at clone and clears at exit. */
	for (i = 0; i < 1000; i++) {
		ran = 0;
		pthread_create(&t, NULL, runs, NULL);
		pthread_join(t, NULL);
		joined += ran;
	}
	say("1000 threads created and joined: each had run before its join returned", "%d",
	    joined);
}

int main(void)
{
	conf_init();
	futexes();
	pthreads();
	watched_words();
	return conf_done();
}
