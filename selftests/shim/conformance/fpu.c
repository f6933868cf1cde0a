// SPDX-License-Identifier: GPL-2.0
// fpu.c - conformance: the FPU state (MXCSR, x87 control word) a new thread, a fork child and a handler see.
#include "conf.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

struct fpu {
	uint32_t mxcsr;
	uint16_t cw;
};

static struct fpu get(void)
{
	struct fpu f;

	__asm__ volatile("stmxcsr %0" : "=m"(f.mxcsr));
	__asm__ volatile("fnstcw %0" : "=m"(f.cw));
	f.mxcsr &= ~0x3fU;	/* the sticky exception flags are not state that is set */
	return f;
}

static void set(uint32_t mxcsr, uint16_t cw)
{
	__asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
	__asm__ volatile("fldcw %0" : : "m"(cw));
}

static void *in_thread(void *arg)
{
	*(struct fpu *)arg = get();
	return NULL;
}

/* A thread's own change stays its own; then it creates a grandchild thread. */
static void *changer(void *arg)
{
	pthread_t t;

	set(0x1f80 | (1U << 13), 0x037f);	/* round down; x87 default */
	pthread_create(&t, NULL, in_thread, arg);
	pthread_join(t, NULL);
	return NULL;
}

static struct fpu in_handler;

static void on_usr1(int sig)
{
	(void)sig;
	in_handler = get();
}

static double divide(double a, double b)
{
	volatile double x = a, y = b;

	return x / y;
}

static void show(const char *what, struct fpu f)
{
	say(what, "mxcsr %#x cw %#x", f.mxcsr, f.cw);
}

int main(void)
{
	struct fpu f = { 0, 0 };
	pthread_t t;
	int st, p[2];
	pid_t c;

	conf_init();
	show("the initial state", get());
	/* Round toward zero, flush-to-zero, all exceptions masked; x87: double precision, round up. */
	set(0x1f80 | (3U << 13) | (1U << 15), 0x0b7f & ~0x0100);
	show("after setting it", get());
	say("1/3 rounded toward zero (last bits)", "%#llx",
	    (unsigned long long)(*(uint64_t *)&(double){ divide(1.0, 3.0) } & 0xff));
	pthread_create(&t, NULL, in_thread, &f);
	pthread_join(t, NULL);
	show("a new thread", f);
	pthread_create(&t, NULL, changer, &f);
	pthread_join(t, NULL);
	show("a thread's thread, after the first changed its own", f);
	show("the main thread, after its threads changed theirs", get());
	signal(SIGUSR1, on_usr1);
	raise(SIGUSR1);
	show("a signal handler", in_handler);
	show("the main thread after the handler", get());
	if (pipe(p) < 0)
		return 1;
	c = fork();
	if (c == 0) {
		f = get();
		if (write(p[1], &f, sizeof(f)) != sizeof(f))
			_exit(1);
		_exit(0);
	}
	if (read(p[0], &f, sizeof(f)) != sizeof(f))
		f.mxcsr = 0;
	waitpid(c, &st, 0);
	show("a fork child", f);
	set(0x1f80, 0x037f);
	return conf_done();
}
