// SPDX-License-Identifier: GPL-2.0
// umed.c - a shim workload that attacks the init's AF_UNIX mediator through gate jumps.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../../userspace/shim/unixmed.h"

#define CHANNEL 1006	/* GK_FD_UNIXMED (boot.h) */

static unsigned long gate_sys;	/* a "syscall; ret" inside the guest kernel's text */

/* The guest kernel's text ([kiste-gk] in maps) and its first "syscall; ret". */
static int find_gate(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512], perm[8], path[256];
	unsigned long s, e, off, ino, p;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		path[0] = 0;
		if (sscanf(line, "%lx-%lx %7s %lx %*s %lu %255s", &s, &e, perm, &off, &ino,
			   path) < 5)
			continue;
		if (strcmp(perm, "r-xp") || strcmp(path, "[kiste-gk]"))
			continue;
		for (p = s; p + 3 <= e; p++)
			if (!memcmp((void *)p, "\x0f\x05\xc3", 3)) {
				gate_sys = p;
				break;
			}
	}
	fclose(f);
	return gate_sys ? 0 : -1;
}

/* A host syscall the guest kernel never sees: the gate jump of a hostile workload. */
static long gate3(long nr, long a0, long a1, long a2)
{
	long ret;

	__asm__ volatile("call *%1" : "=a"(ret) : "r"(gate_sys), "a"(nr), "D"(a0), "S"(a1), "d"(a2)
			 : "rcx", "r11", "memory");
	return ret;
}

static const char *ename(long r)
{
	static char buf[32];

	switch (-r) {
	case 0: return "ok";
	case EACCES: return "EACCES";
	case ENOENT: return "ENOENT";
	case EINVAL: return "EINVAL";
	case EISCONN: return "EISCONN";
	case EROFS: return "EROFS";
	case ELOOP: return "ELOOP";
	case ECONNREFUSED: return "ECONNREFUSED";
	case EPERM: return "EPERM";
	case EADDRINUSE: return "EADDRINUSE";
	case EPROTOTYPE: return "EPROTOTYPE";
	}
	snprintf(buf, sizeof(buf), "%ld", r);
	return buf;
}

/*
 * Sends @len bytes of @q on the channel with @nfds descriptors (the reply end
 * first), by a gate jump; *@rep is the end to read, or -1 when none was made.
 */
static long forge_send(const void *q, size_t len, int reply_type, int nfds, int *rep)
{
	char cbuf[CMSG_SPACE(2 * sizeof(int))] = { 0 };
	struct iovec iov = { (void *)q, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	int sv[2], fds[2];
	long r;

	*rep = -1;
	if (socketpair(AF_UNIX, reply_type | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	fds[0] = sv[1];
	fds[1] = sv[0];
	if (nfds) {
		msg.msg_control = cbuf;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	r = gate3(SYS_sendmsg, CHANNEL, (long)&msg, MSG_NOSIGNAL);
	close(sv[1]);
	if (r < 0) {
		close(sv[0]);
		return r;
	}
	*rep = sv[0];
	return 0;
}

/* The answer on @rep: "ok+socket", an errno name, or "no reply" (closed unanswered). */
static const char *forge_answer(int rep)
{
	static char out[64];
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct kum_reply a = { 0 };
	struct iovec iov = { &a, sizeof(a) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct pollfd p = { rep, POLLIN, 0 };
	ssize_t n;

	if (poll(&p, 1, 10000) != 1)
		return "timed out";
	n = recvmsg(rep, &msg, 0);
	close(rep);
	if (n <= 0)
		return "no reply";
	if (a.err)
		return ename(-a.err);
	snprintf(out, sizeof(out), "ok%s", msg.msg_controllen ? "+socket" : "");
	return out;
}

static void req_init(struct kum_req *q, unsigned int op, const char *path)
{
	memset(q, 0, sizeof(*q));
	q->magic = KUM_MAGIC;
	q->op = op;
	q->type = SOCK_STREAM;
	q->umask = 022;
	q->addrlen = strlen(path) < sizeof(q->addr) ? strlen(path) : sizeof(q->addr);
	memcpy(q->addr, path, q->addrlen);
	snprintf(q->cwd, sizeof(q->cwd), "/");
	q->cwdlen = 1;
}

static void ask(const char *name, const struct kum_req *q)
{
	int rep;
	long r = forge_send(q, sizeof(*q), SOCK_SEQPACKET, 1, &rep);

	printf("%s: %s\n", name, r < 0 ? ename(r) : forge_answer(rep));
}

/* Requests as a hostile workload writes them, each answered or dropped by the init. */
static int forge(const char *host, const char *priv)
{
	static struct kum_req q;
	char p[KUM_PATH_MAX], dir[KUM_PATH_MAX / 2];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int rep, fd, i, l = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(dir, sizeof(dir), "%s", host);
	*strrchr(dir, '/') = 0;
	/* The sandbox's own listener, made the ordinary way (through the guest kernel). */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", priv);
	unlink(priv);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 64) < 0)
		printf("listener %s: %s\n", priv, strerror(errno));
	req_init(&q, KUM_CONNECT, priv);
	ask("control: a socket on the sandbox's tmpfs", &q);
	req_init(&q, KUM_CONNECT, host);
	ask("host socket", &q);
	snprintf(p, sizeof(p), "%s.link", priv);
	unlink(p);
	if (symlink(host, p) < 0)
		printf("symlink: %s\n", strerror(errno));
	req_init(&q, KUM_CONNECT, p);
	ask("symlink in the tmpfs to the host socket", &q);
	snprintf(p, sizeof(p), "/tmp/../../..%s", host);
	req_init(&q, KUM_CONNECT, p);
	ask("dot-dot to the host socket", &q);
	snprintf(p, sizeof(p), "/proc/1/root%s", host);
	req_init(&q, KUM_CONNECT, p);
	ask("/proc/1/root", &q);
	fd = open(host, O_PATH);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	req_init(&q, KUM_CONNECT, p);
	ask("/proc/self/fd/N of the host socket", &q);
	snprintf(p, sizeof(p), "/dev/fd/%d", fd);
	req_init(&q, KUM_CONNECT, p);
	ask("/dev/fd/N of the host socket", &q);
	snprintf(p, sizeof(p), "%s/bound-by-init", dir);
	req_init(&q, KUM_BIND, p);
	ask("bind beside the host socket", &q);
	req_init(&q, KUM_BIND, host);
	q.flags = KUM_F_LISTEN;
	ask("listen again under the host socket's name (its file replaced)", &q);
	req_init(&q, KUM_CONNECT, priv);
	q.flags = KUM_F_BIND;
	q.bindlen = strlen(host) < sizeof(q.bindaddr) ? strlen(host) : sizeof(q.bindaddr);
	memcpy(q.bindaddr, host, q.bindlen);
	ask("connect bound to the host socket's name", &q);
	snprintf(p, sizeof(p), "%s.file", priv);
	fd = open(p, O_CREAT | O_WRONLY, 0600);
	close(fd);
	req_init(&q, KUM_BIND, p);
	q.flags = KUM_F_LISTEN;
	ask("listen again over a plain file of the tmpfs", &q);
	printf("the plain file stays: %s\n", access(p, F_OK) == 0 ? "yes" : "no");
	req_init(&q, KUM_CONNECT, host);
	q.type = SOCK_DGRAM;
	ask("a datagram socket", &q);
	req_init(&q, KUM_CONNECT, host);
	q.addrlen = KUM_SUN_MAX + 1;
	ask("an over-long name", &q);
	req_init(&q, KUM_CONNECT, host);
	q.cwdlen = KUM_PATH_MAX;
	ask("an over-long cwd", &q);
	req_init(&q, KUM_CONNECT, host);
	q.cwdlen = 0;
	ask("an empty cwd", &q);
	req_init(&q, KUM_CONNECT, priv);
	q.addrlen += 2;	/* NULs inside a pathname */
	ask("a pathname with a NUL inside", &q);
	req_init(&q, KUM_CONNECT, host + 1);
	snprintf(q.cwd, sizeof(q.cwd), "tmp");
	q.cwdlen = 3;
	ask("a relative cwd", &q);
	/* The cwd is the base of a relative name: a host folder as the cwd changes nothing. */
	req_init(&q, KUM_CONNECT, strrchr(host, '/') + 1);
	snprintf(q.cwd, sizeof(q.cwd), "%s", dir);
	q.cwdlen = strlen(q.cwd);
	ask("a relative name from the host socket's folder", &q);
	req_init(&q, 7, priv);
	ask("an unknown operation", &q);
	req_init(&q, KUM_CONNECT, priv);
	q.magic = 0;
	ask("a wrong magic", &q);
	memset(&q, 0x41, sizeof(q));
	ask("garbage", &q);
	printf("short: %s\n", forge_send(&q, 16, SOCK_SEQPACKET, 1, &rep) < 0 ? "refused" :
	       forge_answer(rep));
	req_init(&q, KUM_CONNECT, priv);
	printf("two descriptors: %s\n", forge_send(&q, sizeof(q), SOCK_SEQPACKET, 2, &rep) < 0 ?
	       "refused" : forge_answer(rep));
	printf("a stream reply end: %s\n", forge_send(&q, sizeof(q), SOCK_STREAM, 1, &rep) < 0 ?
	       "refused" : forge_answer(rep));
	/* No reply end at all: nobody to answer; then a flood whose replies nobody reads. */
	forge_send(&q, sizeof(q), SOCK_SEQPACKET, 0, &rep);
	close(rep);
	snprintf(p, sizeof(p), "%s.none", priv);
	req_init(&q, KUM_CONNECT, p);
	for (i = 0; i < 3000; i++) {
		if (forge_send(&q, sizeof(q), SOCK_SEQPACKET, 1, &rep) < 0)
			break;
		if (i % 10)
			close(rep);	/* one in ten stays open, unread */
	}
	printf("flood: %d requests\n", i);
	ask("after the flood, a missing path", &q);
	req_init(&q, KUM_CONNECT, priv);
	ask("after the flood, the control again", &q);
	return 0;
}

/*
 * The placeholder itself, by gate jumps (the guest kernel never sees them):
 * connect to the host socket, and bind in the tmpfs, listen, connect again.
 */
static int placeholder(const char *host, const char *priv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX }, pa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM, 0), t = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	long r;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", host);
	snprintf(pa.sun_path, sizeof(pa.sun_path), "%s", priv);
	printf("socket: %s\n", s < 0 || t < 0 ? strerror(errno) : "ok");
	r = gate3(SYS_connect, s, (long)&sa, sizeof(sa));
	printf("gate connect: %s\n", ename(r));
	r = gate3(SYS_bind, s, (long)&pa, sizeof(pa));
	printf("gate bind in the tmpfs: %s\n", ename(r));
	r = gate3(SYS_listen, s, 5, 0);
	printf("gate listen: %s\n", ename(r));
	r = gate3(SYS_connect, s, (long)&sa, sizeof(sa));
	printf("gate connect after bind: %s\n", ename(r));
	r = gate3(SYS_connect, t, (long)&sa, sizeof(sa));
	printf("gate connect (seqpacket): %s\n", ename(r));
	return 0;
}

/* A child floods the channel for ever; the workload's exit still ends the sandbox. */
static int flood_exit(const char *missing)
{
	static struct kum_req q;
	pid_t pid = fork();
	int rep;

	if (pid == 0) {
		req_init(&q, KUM_CONNECT, missing);
		for (;;) {
			forge_send(&q, sizeof(q), SOCK_SEQPACKET, 1, &rep);
			if (rep >= 0)
				close(rep);
		}
	}
	sleep(2);
	printf("the workload exits while its child floods\n");
	fflush(stdout);
	return 7;
}

/* Natively: the host's listener the sandbox must not reach; prints each connection. */
static int serve(const char *path, int seconds)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM, 0), c, left = seconds * 10;
	struct pollfd p = { s, POLLIN, 0 };

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 8) < 0 ||
	    chmod(path, 0777) < 0) {
		printf("serve %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("listening\n");
	while (left-- > 0) {
		if (poll(&p, 1, 100) != 1)
			continue;
		c = accept(s, NULL, NULL);
		if (c >= 0) {
			printf("accepted\n");
			if (write(c, "host secret", 11) < 0)
				printf("write: %s\n", strerror(errno));
			close(c);
		}
	}
	unlink(path);
	return 0;
}

/*
 * race-bind VOL TMP: TMP/d, a folder of the sandbox's tmpfs, is swapped over
 * and over (RENAME_EXCHANGE) with TMP/l, a symlink to VOL (a host volume the
 * sandbox sees), while bind(TMP/d/sock) is tried: the mediator checks the
 * folder, then the kernel walks the name again.  Bounded in tries.
 */
static char race_d[96], race_l[96];
static volatile int race_stop;

static void *race_swap(void *arg)
{
	(void)arg;
	while (!race_stop)
		syscall(SYS_renameat2, AT_FDCWD, race_d, AT_FDCWD, race_l, 2 /* RENAME_EXCHANGE */);
	return NULL;
}

static int race_bind(const char *vol, const char *tmp)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char inside[128], outside[128];
	int tries, bound = 0, s;
	struct stat st;
	pthread_t t;

	if (strlen(tmp) > 80 || strlen(vol) > 80) {
		printf("race-bind: names too long\n");
		return 2;
	}
	snprintf(race_d, sizeof(race_d), "%s/d", tmp);
	snprintf(race_l, sizeof(race_l), "%s/l", tmp);
	snprintf(outside, sizeof(outside), "%s/sock", vol);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", race_d);
	snprintf(inside, sizeof(inside), "%s/sock", race_l);
	if (mkdir(race_d, 0755) < 0 || symlink(vol, race_l) < 0 ||
	    pthread_create(&t, NULL, race_swap, NULL)) {
		printf("race-bind: no set-up: %s\n", strerror(errno));
		return 2;
	}
	for (tries = 1; tries <= 5000; tries++) {
		s = socket(AF_UNIX, SOCK_STREAM, 0);
		if (s < 0)
			break;
		if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			bound++;
		close(s);
		if (lstat(outside, &st) == 0) {
			race_stop = 1;
			pthread_join(t, NULL);
			printf("race-bind: a socket file in the volume after %d tries\n", tries);
			return 1;
		}
		unlink(sa.sun_path);
		unlink(inside);
	}
	race_stop = 1;
	pthread_join(t, NULL);
	printf("race-bind: binds in the tmpfs %s, none in the volume\n", bound ? "made" : "NONE");
	return 0;
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(m, "serve") && argc > 3)
		return serve(argv[2], atoi(argv[3]));
	if (!strcmp(m, "race-bind") && argc > 3)
		return race_bind(argv[2], argv[3]);
	if (find_gate() < 0) {
		printf("no gate found\n");
		return 2;
	}
	if (!strcmp(m, "forge") && argc > 3)
		return forge(argv[2], argv[3]);
	if (!strcmp(m, "placeholder") && argc > 3)
		return placeholder(argv[2], argv[3]);
	if (!strcmp(m, "flood-exit") && argc > 2)
		return flood_exit(argv[2]);
	fprintf(stderr, "usage: umed forge HOSTSOCK PRIVSOCK|placeholder HOSTSOCK PRIVSOCK|"
		"flood-exit PATH|serve PATH SECONDS|race-bind VOL TMP\n");
	return 2;
}
