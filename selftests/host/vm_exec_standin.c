// SPDX-License-Identifier: GPL-2.0
// vm_exec_standin.c - vm_exec_test's stand-in VM: the VMM's exec server and the agent's sessions over a channel in memory.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kiste_exec.h"
#include "kiste_run.h"
#include "vm_exec_standin.h"
#include "../../userspace/vm/vmm/exec.h"
#include "../../userspace/vm/agent/agent.h"

static volatile sig_atomic_t vm_stopping;

static void stop_handler(int sig)
{
	(void)sig;
	vm_stopping = 1;
}

/* A guest that answers every request with a RUN whose output count is impossible, or a FAIL. */
static void hostile_guest(uint8_t *chan, int kind)
{
	unsigned int i;

	for (i = 0; i < KISTE_CHAN_EXEC_SLOTS; i++) {
		struct kiste_chan_exec *c = (void *)(chan + KISTE_CHAN_EXEC_OFF +
						     i * KISTE_CHAN_EXEC_SLOT);

		if (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) != KISTE_CHAN_EXEC_REQ)
			continue;
		if (kind == GUEST_BAD_COUNTS) {
			c->pid = 4242;
			__atomic_store_n(&c->state, KISTE_CHAN_EXEC_RUN, __ATOMIC_RELEASE);
			__atomic_store_n(&c->out_head[0], 0x80000000u, __ATOMIC_RELEASE);
		} else {
			/* No NUL, a terminal's escape and an errno no kernel has. */
			memset(c->msg, 'A', sizeof(c->msg));
			memcpy(c->msg, "\033]0;owned\007", 10);
			c->error = -5;
			__atomic_store_n(&c->state, KISTE_CHAN_EXEC_FAIL, __ATOMIC_RELEASE);
		}
	}
}

/* GUEST_THREAD's agent: its own loop over the channel, reaping its processes. */
static void *agent_thread(void *arg)
{
	struct agent_chan *ch = arg;
	pid_t pid;
	int st;

	while (!vm_stopping) {
		agent_exec_serve(ch);
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
			agent_exec_reaped(pid, st);
		usleep(500);
	}
	return NULL;
}

/*
 * The VM's end ends every process in it: the stand-in's children (each task's,
 * the agent thread's too) are SIGKILLed, as a real guest's go with it, so no
 * `kiste exec` process of a test outlives the test.
 */
static void guest_gone(void)
{
	char path[300], buf[4096], *p, *end;
	struct dirent *de;
	DIR *d = opendir("/proc/self/task");
	ssize_t n;
	int fd;

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/children", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		buf[n > 0 ? n : 0] = 0;
		for (p = buf; *p; p = end) {
			long pid = strtol(p, &end, 10);

			if (end == p)
				break;
			if (pid > 0)
				kill((pid_t)pid, SIGKILL);
		}
	}
	if (d)
		closedir(d);
}

/* The stand-in VM: publishes @name, then serves until SIGUSR1 (the VM's end) or its parent dies. */
void vm_child(const char *name, int ready, int kind)
{
	static char *env[] = { "GREETING=hi", "PATH=/usr/bin:/bin", NULL };
	struct kiste_run_exec_defaults d = { .cwd = "/", .env = env, .nenv = 2, .mode = "vm" };
	static struct agent_spec main_spec;
	struct kiste_err err = { 0 };
	struct agent_chan ch = { 0 };
	struct linux_exec x;
	char path[PATH_MAX];
	pthread_t agent;
	uint8_t *chan;
	int lock, ro, lfd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGUSR1, stop_handler);
	/* As the guest's PID 1, which no SIGPIPE reaches (the VMM ignores it too). */
	signal(SIGPIPE, SIG_IGN);
	chan = aligned_alloc(4096, KISTE_CHAN_SIZE);
	if (!chan || kiste_run_name_claim(name, path, sizeof(path), &lock, &ro, &err) < 0 ||
	    lock < 0)
		_exit(10);
	memset(chan, 0, KISTE_CHAN_SIZE);
	lfd = kiste_run_exec_publish(name, &d, &err);
	if (lfd < 0 || linux_exec_init(&x, lfd, chan) < 0)
		_exit(11);
	ch.hdr = (struct kiste_chan_hdr *)chan;
	agent_exec_init(&main_spec);
	if ((kind == GUEST_THREAD && pthread_create(&agent, NULL, agent_thread, &ch)) ||
	    write(ready, "r", 1) != 1)
		_exit(12);
	while (!vm_stopping) {
		struct pollfd p[1 + KISTE_CHAN_EXEC_SLOTS];
		int timeout = 2, st;
		unsigned int n = linux_exec_poll(&x, p, &timeout);
		pid_t pid;

		poll(p, n, timeout < 0 || timeout > 2 ? 2 : timeout);
		linux_exec_serve(&x, p);
		if (kind == GUEST_THREAD)
			continue;
		if (kind == GUEST_AGENT)
			agent_exec_serve(&ch);
		else if (kind != GUEST_SILENT)
			hostile_guest(chan, kind);
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
			agent_exec_reaped(pid, st);
	}
	linux_exec_end(&x);
	guest_gone();
	unlink(path);
	kiste_run_exec_unpublish(name);
	_exit(0);
}
