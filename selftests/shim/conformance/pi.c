// SPDX-License-Identifier: GPL-2.0
// pi.c - conformance: PI futexes (raw and as glibc's PRIO_INHERIT mutexes), robust lists.
#include "conf.h"

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts,
		  uint32_t *uaddr2, uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

static uint32_t tid(void)
{
	return (uint32_t)syscall(SYS_gettid);
}

/* The error number a pthread call returned, by name ("0" for success). */
static void pres(const char *what, int e)
{
	say(what, "%s", e ? ename(e) : "0");
}

static uint32_t w, cond, held_go;

/* Holds w (LOCK_PI) until held_go, so that the main thread can meet a live owner. */
static void *holder(void *arg)
{
	(void)arg;
	futex(&w, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	__atomic_store_n(&held_go, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&held_go, __ATOMIC_SEQ_CST) == 1)
		usleep(1000);
	return (void *)futex(&w, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
}

static void *requeue_waiter(void *arg)
{
	long r = futex(&cond, FUTEX_WAIT_REQUEUE_PI_PRIVATE, 0, NULL, (uint32_t *)arg, 0);
	long owner = (*(uint32_t *)arg & FUTEX_TID_MASK) == tid();

	futex((uint32_t *)arg, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	return (void *)(r * 10 + owner);
}

static void raw(void)
{
	struct timespec ts;
	uint32_t pw = 0;
	pthread_t t;
	void *r;
	long n;

	chk("LOCK_PI of a free word", futex(&w, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0));
	say("the word is the caller's tid", "%d", w == tid());
	chk("TRYLOCK_PI by the owner", futex(&w, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
	chk("LOCK_PI by the owner", futex(&w, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0));
	chk("UNLOCK_PI by the owner", futex(&w, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
	say("the word after unlock", "%u", w);
	chk("UNLOCK_PI of a free word", futex(&w, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
	chk("TRYLOCK_PI of a free word (shared)", futex(&w, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0));
	chk("UNLOCK_PI (shared)", futex(&w, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0));
	chk("LOCK_PI misaligned", futex((uint32_t *)((char *)&w + 1), FUTEX_LOCK_PI, 0, NULL,
					NULL, 0));
	chk("LOCK_PI on a bad address", futex((uint32_t *)8, FUTEX_LOCK_PI, 0, NULL, NULL, 0));
	pthread_create(&t, NULL, holder, NULL);
	while (!__atomic_load_n(&held_go, __ATOMIC_SEQ_CST))
		usleep(1000);
	chk("TRYLOCK_PI of a word another thread holds",
	    futex(&w, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
	chk("UNLOCK_PI by a thread that does not hold it",
	    futex(&w, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 20 * 1000 * 1000;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	chk("LOCK_PI with a realtime deadline", futex(&w, FUTEX_LOCK_PI_PRIVATE, 0, &ts, NULL, 0));
	say("a waiter left FUTEX_WAITERS set", "%d", !!(w & FUTEX_WAITERS));
	ts.tv_nsec = 1000000000L;
	chk("LOCK_PI with a bad deadline", futex(&w, FUTEX_LOCK_PI_PRIVATE, 0, &ts, NULL, 0));
	__atomic_store_n(&held_go, 2, __ATOMIC_SEQ_CST);
	chk("LOCK_PI waits for the owner's unlock", futex(&w, FUTEX_LOCK_PI_PRIVATE, 0, NULL,
							  NULL, 0));
	pthread_join(t, &r);
	say("the owner's UNLOCK_PI with a waiter", "%ld", (long)r);
	say("the word is now the waiter's tid", "%d", (w & FUTEX_TID_MASK) == tid());
	chk("UNLOCK_PI", futex(&w, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));

	/* requeue-PI: a waiter on cond is moved to pw and comes back owning it. */
	chk("WAIT_REQUEUE_PI, value differs",
	    futex(&cond, FUTEX_WAIT_REQUEUE_PI_PRIVATE, 1, NULL, &pw, 0));
	chk("WAIT_REQUEUE_PI onto the same word",
	    futex(&cond, FUTEX_WAIT_REQUEUE_PI_PRIVATE, 0, NULL, &cond, 0));
	chk("CMP_REQUEUE_PI waking 2", futex(&cond, FUTEX_CMP_REQUEUE_PI_PRIVATE, 2, 0, &pw, 0));
	chk("CMP_REQUEUE_PI with a stale value",
	    futex(&cond, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, 0, &pw, 5));
	pthread_create(&t, NULL, requeue_waiter, &pw);
	do {
		usleep(5000);
		n = futex(&cond, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, 0, &pw, 0);
	} while (n == 0);
	say("CMP_REQUEUE_PI once the waiter sleeps", "%ld", n);
	pthread_join(t, &r);
	say("the waiter: result * 10 + owned the PI word", "%ld", (long)r);
	say("the PI word at the end", "%u", pw);
}

static pthread_mutex_t pm;
static pthread_cond_t pcv = PTHREAD_COND_INITIALIZER;
static long counter, turn;

static void *adder(void *arg)
{
	long me = (long)arg;

	for (int i = 0; i < 2000; i++) {
		pthread_mutex_lock(&pm);
		counter++;
		pthread_mutex_unlock(&pm);
	}
	for (int i = 0; i < 300; i++) {
		pthread_mutex_lock(&pm);
		while (turn % 4 != me)
			pthread_cond_wait(&pcv, &pm);
		turn++;
		pthread_cond_broadcast(&pcv);
		pthread_mutex_unlock(&pm);
	}
	return (void *)me;
}

static void *take_and_exit(void *arg)
{
	pthread_mutex_lock(arg);
	return NULL;	/* exits holding it */
}

static void *try_other(void *arg)
{
	return (void *)(long)pthread_mutex_trylock(arg);
}

static void mutex_init(pthread_mutex_t *m, int proto, int robust, int type, int pshared)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_setprotocol(&a, proto);
	pthread_mutexattr_setrobust(&a, robust);
	pthread_mutexattr_settype(&a, type);
	pthread_mutexattr_setpshared(&a, pshared);
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}

/* A thread takes @m and exits: the next lock is EOWNERDEAD, then as the caller decides. */
static void owner_death(const char *kind, pthread_mutex_t *m, int consistent)
{
	char what[128];
	pthread_t t;

	pthread_create(&t, NULL, take_and_exit, m);
	pthread_join(t, NULL);
	snprintf(what, sizeof(what), "%s: lock after the owner exited", kind);
	pres(what, pthread_mutex_lock(m));
	if (consistent) {
		snprintf(what, sizeof(what), "%s: consistent", kind);
		pres(what, pthread_mutex_consistent(m));
	}
	snprintf(what, sizeof(what), "%s: unlock", kind);
	pres(what, pthread_mutex_unlock(m));
	snprintf(what, sizeof(what), "%s: lock again", kind);
	pres(what, pthread_mutex_lock(m));
	snprintf(what, sizeof(what), "%s: unlock again", kind);
	pres(what, pthread_mutex_unlock(m));
}

static void mutexes(void)
{
	struct timespec ts;
	pthread_mutex_t m;
	pthread_t t[4];
	long sum = 0;
	void *r;
	int p = -1;

	mutex_init(&pm, PTHREAD_PRIO_INHERIT, PTHREAD_MUTEX_STALLED, PTHREAD_MUTEX_NORMAL, 0);
	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, adder, (void *)i);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], &r);
		sum += (long)r;
	}
	say("PI mutex, 4 threads: counter, turns, sum", "%ld %ld %ld", counter, turn, sum);

	mutex_init(&m, PTHREAD_PRIO_INHERIT, PTHREAD_MUTEX_STALLED, PTHREAD_MUTEX_ERRORCHECK, 0);
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
	pthread_mutexattr_getprotocol(&a, &p);
	say("protocol", "%d", p == PTHREAD_PRIO_INHERIT);
	pres("errorcheck PI: lock", pthread_mutex_lock(&m));
	pres("errorcheck PI: lock again", pthread_mutex_lock(&m));
	pthread_create(&t[0], NULL, try_other, &m);
	pthread_join(t[0], &r);
	pres("errorcheck PI: trylock by another thread", (int)(long)r);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec = 0;
	pres("errorcheck PI: timedlock by the owner", pthread_mutex_timedlock(&m, &ts));
	pres("errorcheck PI: unlock", pthread_mutex_unlock(&m));
	pres("errorcheck PI: unlock when not held", pthread_mutex_unlock(&m));
	pthread_mutex_destroy(&m);

	mutex_init(&m, PTHREAD_PRIO_INHERIT, PTHREAD_MUTEX_ROBUST, PTHREAD_MUTEX_NORMAL, 0);
	owner_death("robust PI", &m, 1);
	pthread_mutex_destroy(&m);
	mutex_init(&m, PTHREAD_PRIO_INHERIT, PTHREAD_MUTEX_ROBUST, PTHREAD_MUTEX_NORMAL, 0);
	owner_death("robust PI, not made consistent", &m, 0);
	mutex_init(&m, PTHREAD_PRIO_NONE, PTHREAD_MUTEX_ROBUST, PTHREAD_MUTEX_NORMAL, 0);
	owner_death("robust", &m, 1);
	pthread_mutex_destroy(&m);
}

/* A process-shared robust PI mutex whose owner is a child that exits holding it. */
static void shared(int pi)
{
	pthread_mutex_t *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				  -1, 0);
	struct timespec ts;
	char what[96];
	int st;
	pid_t c;

	mutex_init(m, pi ? PTHREAD_PRIO_INHERIT : PTHREAD_PRIO_NONE, PTHREAD_MUTEX_ROBUST,
		   PTHREAD_MUTEX_NORMAL, PTHREAD_PROCESS_SHARED);
	c = fork();
	if (c == 0) {
		pthread_mutex_lock(m);
		usleep(100000);
		_exit(7);
	}
	usleep(30000);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += 10;
	snprintf(what, sizeof(what), "%s shared with a child that exits holding it: lock",
		 pi ? "robust PI" : "robust");
	pres(what, pthread_mutex_clocklock(m, CLOCK_MONOTONIC, &ts));
	waitpid(c, &st, 0);
	say("the child's status", "%d", WEXITSTATUS(st));
	pres("consistent", pthread_mutex_consistent(m));
	pres("unlock", pthread_mutex_unlock(m));
	munmap(m, 4096);
}

/*
 * The same, the child ended by a signal while it holds the mutex: SIGTERM sent by the
 * parent, or its own SIGSEGV.  The kernel walks a process's robust list however it ends.
 */
static void shared_killed(int pi, int sig)
{
	pthread_mutex_t *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				  -1, 0);
	struct timespec ts;
	char what[128], c = 0;
	int st, p[2];
	pid_t k;

	mutex_init(m, pi ? PTHREAD_PRIO_INHERIT : PTHREAD_PRIO_NONE, PTHREAD_MUTEX_ROBUST,
		   PTHREAD_MUTEX_NORMAL, PTHREAD_PROCESS_SHARED);
	if (pipe(p) < 0)
		return;
	k = fork();
	if (k == 0) {
		pthread_mutex_lock(m);
		if (write(p[1], "l", 1) != 1)
			_exit(1);
		if (sig == SIGSEGV)
			raise(SIGSEGV);
		pause();
		_exit(7);
	}
	if (read(p[0], &c, 1) != 1)
		c = 0;
	if (sig != SIGSEGV)
		kill(k, sig);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += 5;
	snprintf(what, sizeof(what), "%s shared with a child %s while it holds it: lock",
		 pi ? "robust PI" : "robust", sig == SIGSEGV ? "killed by its SIGSEGV" : "killed by SIGTERM");
	pres(what, pthread_mutex_clocklock(m, CLOCK_MONOTONIC, &ts));
	waitpid(k, &st, 0);
	say("the child's end: locked, signal", "%c %d", c, WIFSIGNALED(st) ? WTERMSIG(st) : -1);
	pres("consistent", pthread_mutex_consistent(m));
	pres("unlock", pthread_mutex_unlock(m));
	munmap(m, 4096);
	close(p[0]);
	close(p[1]);
}

/*
 * A child whose four threads take and free a robust process-shared mutex in a
 * loop, ended by SIGTERM: the kernel stops every thread before the lists are
 * walked, so the parent always gets the mutex (0, or EOWNERDEAD when a thread
 * died holding it), never a mutex a thread took after the walk and died with.
 * Each round's lock has a 2 s deadline; rounds are bounded.
 */
#define STORM_ROUNDS 100
static pthread_mutex_t *storm_m;
static volatile int *storm_spins;

static void *storm_worker(void *arg)
{
	(void)arg;
	for (;;) {
		if (pthread_mutex_lock(storm_m) == EOWNERDEAD)
			pthread_mutex_consistent(storm_m);
		__atomic_add_fetch(storm_spins, 1, __ATOMIC_RELAXED);
		pthread_mutex_unlock(storm_m);
	}
	return NULL;
}

static void shared_storm(void)
{
	int i, r, st, got = 0, held = 0, termed = 0;
	struct timespec ts;
	pthread_t t;
	pid_t k;

	storm_m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (storm_m == MAP_FAILED)
		return;
	storm_spins = (volatile int *)(storm_m + 1);
	for (i = 0; i < STORM_ROUNDS; i++) {
		mutex_init(storm_m, PTHREAD_PRIO_NONE, PTHREAD_MUTEX_ROBUST, PTHREAD_MUTEX_NORMAL,
			   PTHREAD_PROCESS_SHARED);
		*storm_spins = 0;
		k = fork();
		if (k == 0) {
			for (r = 0; r < 4; r++)
				pthread_create(&t, NULL, storm_worker, NULL);
			for (;;)
				pause();
		}
		for (r = 0; r < 5000 && *storm_spins < 2000; r++)
			usleep(1000);
		kill(k, SIGTERM);
		waitpid(k, &st, 0);
		termed += WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += 2;
		r = pthread_mutex_clocklock(storm_m, CLOCK_MONOTONIC, &ts);
		if (r == 0 || r == EOWNERDEAD) {
			got++;
			if (r == EOWNERDEAD)
				pthread_mutex_consistent(storm_m);
			pthread_mutex_unlock(storm_m);
		} else {
			held++;
		}
		pthread_mutex_destroy(storm_m);
	}
	say("a robust shared mutex four threads of a child take in a loop, the child ended by "
	    "SIGTERM, rounds: ended by it, the mutex got, left held", "%d %d %d", termed, got, held);
	munmap(storm_m, 4096);
}

int main(void)
{
	conf_init();
	raw();
	mutexes();
	shared(1);
	shared(0);
	shared_killed(0, SIGTERM);
	shared_killed(1, SIGTERM);
	shared_killed(0, SIGSEGV);
	shared_storm();
	return conf_done();
}
