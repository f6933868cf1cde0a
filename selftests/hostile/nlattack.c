// SPDX-License-Identifier: GPL-2.0
// nlattack.c - a hostile local process against kiste.ko: malformed netlink messages, a compromised VMM.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/genetlink.h>
#include <linux/kvm.h>
#include <linux/netlink.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/kiste.h>

/*
 * Two attackers the module must hold off, each printing "KEY=VALUE" lines for
 * hostile.sh:
 *  - nl CASE: one malformed generic-netlink request (oversized, truncated,
 *    mistyped or unknown attributes, a lying header, another user's sandbox),
 *    then whether the module still answers and whether a sandbox appeared;
 *  - broker MODE CASE: a VMM that has its sandbox's broker descriptor and
 *    tries what a VMM must not (ioctls off the list, memory past the limit).
 */
#define BUF (128 * 1024)

static int nl_fd = -1;
static uint16_t family;
static uint32_t seq = 1;

static const char *ename(int e)
{
	static char b[32];

	switch (e) {
	case 0: return "ok";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINVAL: return "EINVAL";
	case ERANGE: return "ERANGE";
	case E2BIG: return "E2BIG";
	case EBUSY: return "EBUSY";
	case EIO: return "EIO";
	case EMSGSIZE: return "EMSGSIZE";
	case ENOTTY: return "ENOTTY";
	case EFAULT: return "EFAULT";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ENOTCONN: return "ENOTCONN";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENODEV: return "ENODEV";
	}
	snprintf(b, sizeof(b), "errno%d", e);
	return b;
}

/* Appends one attribute (any length, any type) at @p; returns the next position. */
static char *attr(char *p, uint16_t type, const void *data, uint16_t len, uint16_t claimed)
{
	struct nlattr *a = (struct nlattr *)p;

	a->nla_type = type;
	a->nla_len = claimed ? claimed : NLA_HDRLEN + len;
	memcpy(p + NLA_HDRLEN, data, len);
	return p + NLA_ALIGN(NLA_HDRLEN + len);
}

/*
 * Sends one request (attributes [attrs, end), nlmsg_len padded by @lie) and
 * waits up to 2 s for the answer.  Returns the errno the kernel answered
 * (0 for data or an ACK), ETIMEDOUT for none; the extack message in @ext.
 */
static int request(uint16_t type, uint8_t cmd, const char *attrs, size_t alen, int lie,
		   char *ext, size_t extlen, int *sandboxes)
{
	static char buf[BUF];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct genlmsghdr *g = NLMSG_DATA(h);
	struct pollfd pfd = { nl_fd, POLLIN, 0 };
	ssize_t n;

	ext[0] = 0;
	memset(buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	if (alen)
		memcpy(buf + NLMSG_HDRLEN + GENL_HDRLEN, attrs, alen);
	h->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + alen + lie;
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	h->nlmsg_seq = ++seq;
	g->cmd = cmd;
	g->version = type == GENL_ID_CTRL ? 2 : KISTE_GENL_VERSION;
	if (send(nl_fd, buf, NLMSG_HDRLEN + GENL_HDRLEN + alen, 0) < 0)
		return errno;
	for (;;) {
		if (poll(&pfd, 1, 2000) <= 0)
			return ETIMEDOUT;
		n = recv(nl_fd, buf, sizeof(buf), 0);
		if (n < 0)
			return errno;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);
				size_t off = NLMSG_HDRLEN + sizeof(*e) +
					     (h->nlmsg_flags & NLM_F_CAPPED ? 0 :
					      e->msg.nlmsg_len - NLMSG_HDRLEN);
				struct nlattr *a;

				for (a = (struct nlattr *)((char *)h + off);
				     (char *)a + NLA_HDRLEN <= (char *)h + h->nlmsg_len && a->nla_len >= NLA_HDRLEN;
				     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
					if (a->nla_type == NLMSGERR_ATTR_MSG)
						snprintf(ext, extlen, "%.*s", a->nla_len - NLA_HDRLEN,
							 (char *)a + NLA_HDRLEN);
				return -e->error;
			}
			if (h->nlmsg_type == family && sandboxes) {
				struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
				int left = h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;

				for (; left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN;
				     left -= NLA_ALIGN(a->nla_len),
				     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
					if (a->nla_type == KISTE_A_STATS_SANDBOXES)
						memcpy(sandboxes, (char *)a + NLA_HDRLEN, 4);
			}
			if (h->nlmsg_type == GENL_ID_CTRL) {
				struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
				int left = h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;

				for (; left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN;
				     left -= NLA_ALIGN(a->nla_len),
				     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
					if (a->nla_type == CTRL_ATTR_FAMILY_ID)
						memcpy(&family, (char *)a + NLA_HDRLEN, 2);
			}
		}
	}
}

static int nl_open(void)
{
	char a[64], *e, ext[256];
	int one = 1;

	nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl_fd < 0)
		return -1;
	setsockopt(nl_fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	e = attr(a, CTRL_ATTR_FAMILY_NAME, KISTE_GENL_NAME, sizeof(KISTE_GENL_NAME), 0);
	request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, a, e - a, 0, ext, sizeof(ext), NULL);
	return family ? 0 : -1;
}

/* Live sandboxes (STATS), or -1 when the module does not answer. */
static int stats(void)
{
	char ext[256];
	int n = -1;

	if (request(family, KISTE_CMD_STATS, NULL, 0, 0, ext, sizeof(ext), &n))
		return -1;
	return n;
}

/* A sandbox of root's for the unprivileged cases: its id, or 0. */
static uint32_t new_sandbox(const char *name)
{
	char a[256], *e = a, ext[256];
	uint32_t mode = KISTE_MODE_SHIM;

	e = attr(e, KISTE_A_NAME, name, strlen(name) + 1, 0);
	e = attr(e, KISTE_A_MODE, &mode, 4, 0);
	return request(family, KISTE_CMD_SANDBOX_NEW, a, e - a, 0, ext, sizeof(ext), NULL) ? 0 : 1;
}

static int by_name(uint8_t cmd, const char *name, char *ext, size_t extlen)
{
	char a[256], *e = attr(a, KISTE_A_NAME, name, strlen(name) + 1, 0);

	return request(family, cmd, a, e - a, 0, ext, extlen, NULL);
}

/* The unprivileged cases: nobody against root's sandbox. */
static int as_nobody(uint8_t cmd, const char *name, char *ext, size_t extlen)
{
	int p[2], r = EIO;
	pid_t c;

	if (pipe(p) < 0)
		return errno;
	c = fork();
	if (c == 0) {
		close(nl_fd);
		family = 0;
		r = setgid(65534) || setuid(65534) ? errno : nl_open() ? ENODEV :
			by_name(cmd, name, ext, extlen);
		if (write(p[1], &r, sizeof(r)) < 0 || write(p[1], ext, extlen) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &r, sizeof(r)) != sizeof(r) || read(p[0], ext, extlen) < 0)
		r = EIO;
	waitpid(c, NULL, 0);
	return r;
}

static int cmd_nl(const char *c)
{
	static char a[BUF];
	char *e = a, ext[256] = "", name[80];
	uint32_t u32 = 1, mode = KISTE_MODE_SHIM;
	int before = stats(), err, lie = 0, after;
	uint8_t cmd = KISTE_CMD_SANDBOX_NEW;

	snprintf(name, sizeof(name), "hostile-nl-%d", (int)getpid());
	if (before < 0) {
		printf("nl: no kiste family or no STATS answer\n");
		return 3;
	}
	if (!strcmp(c, "name-oversized")) {
		memset(name, 0, sizeof(name));
		static char big[60000];
		memset(big, 'a', sizeof(big) - 1);
		e = attr(e, KISTE_A_NAME, big, sizeof(big), 0);
		e = attr(e, KISTE_A_MODE, &mode, 4, 0);
	} else if (!strcmp(c, "name-unterminated")) {
		e = attr(e, KISTE_A_NAME, "hostile-unterminated", 20, 0);
		e = attr(e, KISTE_A_MODE, &mode, 4, 0);
	} else if (!strcmp(c, "attr-truncated")) {
		e = attr(e, KISTE_A_MODE, &mode, 4, 0);
		e = attr(e, KISTE_A_NAME, name, strlen(name) + 1, 4000);
	} else if (!strcmp(c, "attr-short")) {
		cmd = KISTE_CMD_SANDBOX_GET;
		e = attr(e, KISTE_A_ID, &u32, 1, 0);
	} else if (!strcmp(c, "attr-unknown")) {
		e = attr(e, KISTE_A_NAME, name, strlen(name) + 1, 0);
		e = attr(e, KISTE_A_MODE, &mode, 4, 0);
		e = attr(e, 150, &u32, 4, 0);
	} else if (!strcmp(c, "mode-range")) {
		mode = 99;
		e = attr(e, KISTE_A_NAME, name, strlen(name) + 1, 0);
		e = attr(e, KISTE_A_MODE, &mode, 4, 0);
	} else if (!strcmp(c, "vcpu-range")) {
		u32 = 0xffffffffu;
		e = attr(e, KISTE_A_NAME, name, strlen(name) + 1, 0);
		e = attr(e, KISTE_A_MODE, &mode, 4, 0);
		e = attr(e, KISTE_A_VCPU_LIMIT, &u32, 4, 0);
	} else if (!strcmp(c, "flags")) {
		e = attr(e, KISTE_A_NAME, name, strlen(name) + 1, 0);
		e = attr(e, KISTE_A_MODE, &mode, 4, 0);
		e = attr(e, KISTE_A_FLAGS, &u32, 4, 0);
	} else if (!strcmp(c, "header-lie")) {
		e = attr(e, KISTE_A_NAME, name, strlen(name) + 1, 0);
		e = attr(e, KISTE_A_MODE, &mode, 4, 0);
		lie = 4096;
	} else if (!strcmp(c, "nobody-delete") || !strcmp(c, "nobody-kill")) {
		if (!new_sandbox(name)) {
			printf("nl: cannot create root's sandbox %s\n", name);
			return 3;
		}
		err = as_nobody(c[7] == 'd' ? KISTE_CMD_SANDBOX_DEL : KISTE_CMD_SANDBOX_KILL, name,
				ext, sizeof(ext));
		after = by_name(KISTE_CMD_SANDBOX_GET, name, ext + 128, sizeof(ext) - 128);
		printf("nl %s: err=%s ext='%.120s' sandbox_still_there=%s\n", c, ename(err), ext,
		       after == 0 ? "yes" : "no");
		by_name(KISTE_CMD_SANDBOX_DEL, name, ext, sizeof(ext));
		printf("nl %s: alive=%s\n", c, stats() >= 0 ? "ok" : "NO");
		return 0;
	} else {
		printf("nl: unknown case %s\n", c);
		return 2;
	}
	err = request(family, cmd, a, e - a, lie, ext, sizeof(ext), NULL);
	after = stats();
	printf("nl %s: err=%s ext='%s' sandboxes_before=%d after=%d\n", c, ename(err), ext, before,
	       after);
	if (name[0] && !by_name(KISTE_CMD_SANDBOX_GET, name, ext, sizeof(ext))) {
		printf("nl %s: CREATED %s\n", c, name);
		by_name(KISTE_CMD_SANDBOX_DEL, name, ext, sizeof(ext));
	}
	printf("nl %s: alive=%s\n", c, after >= 0 ? "ok" : "NO");
	return 0;
}

/* ---- a compromised VMM holding its sandbox's broker descriptor ---- */

#define MIB (1ULL << 20)

static int region(int vmfd, uint32_t slot, uint64_t gpa, uint64_t size, void *hva)
{
	struct kvm_userspace_memory_region r = { .slot = slot, .guest_phys_addr = gpa,
						 .memory_size = size,
						 .userspace_addr = (uintptr_t)hva };

	return ioctl(vmfd, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? errno : 0;
}

static int fd_table_has(const char *what)
{
	char p[64], l[256];
	int fd, found = 0;

	for (fd = 0; fd < 1024; fd++) {
		ssize_t n;

		snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
		n = readlink(p, l, sizeof(l) - 1);
		if (n > 0) {
			l[n] = 0;
			found |= strstr(l, what) != NULL;
		}
	}
	return found;
}

static void *idle(void *a)
{
	(void)a;
	pause();
	return NULL;
}

/* A temporary sandbox of @mode (64 MiB, 1 vCPU) joined by this process, made non-dumpable. */
static int vmm_join(uint32_t mode, int *kfd)
{
	struct kiste_ioc_create c = { .mode = mode, .memory_limit = 64 * MIB, .vcpu_limit = 1 };
	struct kiste_ioc_attach at = { .id = 0 };

	*kfd = open("/dev/kiste", O_RDWR | O_CLOEXEC);
	if (*kfd < 0 || ioctl(*kfd, KISTE_IOC_CREATE, &c) < 0 ||
	    ioctl(*kfd, KISTE_IOC_ATTACH, &at) < 0 || prctl(PR_SET_DUMPABLE, 0) < 0)
		return errno;
	return 0;
}

static int vm_create(int kfd)
{
	struct kiste_ioc_vm_create v = { 0 };

	return ioctl(kfd, KISTE_IOC_VM_CREATE, &v) < 0 ? -errno : v.vm_fd;
}

static const struct { const char *name; unsigned long nr; } off_list[] = {
	{ "KVM_CREATE_DEVICE", KVM_CREATE_DEVICE },
	{ "KVM_X86_SET_MSR_FILTER", KVM_X86_SET_MSR_FILTER },
	{ "KVM_SET_PMU_EVENT_FILTER", KVM_SET_PMU_EVENT_FILTER },
	{ "KVM_MEMORY_ENCRYPT_OP", KVM_MEMORY_ENCRYPT_OP },
	{ "KVM_SET_NR_MMU_PAGES", KVM_SET_NR_MMU_PAGES },
	{ "KVM_REGISTER_COALESCED_MMIO", KVM_REGISTER_COALESCED_MMIO },
	{ "KVM_SET_CLOCK", KVM_SET_CLOCK },
	{ "KVM_SET_BOOT_CPU_ID", KVM_SET_BOOT_CPU_ID },
	{ "KVM_CLEAR_DIRTY_LOG", KVM_CLEAR_DIRTY_LOG },
	{ "KVM_SIGNAL_MSI", KVM_SIGNAL_MSI },
	{ "KVM_GET_STATS_FD", KVM_GET_STATS_FD },
	{ "KVM_GET_EMULATED_CPUID", KVM_GET_EMULATED_CPUID },
	{ "KVM_ENABLE_CAP", KVM_ENABLE_CAP },
	{ "KVM_CREATE_VM", KVM_CREATE_VM },
};

static int broker_case(const char *c, int vmfd)
{
	static char arg[4096];
	size_t i;
	int r, bad = 0;
	char *mem;

	if (!strcmp(c, "ioctls")) {
		for (i = 0; i < sizeof(off_list) / sizeof(off_list[0]); i++) {
			r = ioctl(vmfd, off_list[i].nr, arg) < 0 ? errno : 0;
			printf("broker %s=%s\n", off_list[i].name, ename(r));
			bad |= r != EPERM;
		}
		printf("broker ioctls=%s\n", bad ? "SOME-FORWARDED" : "all-EPERM");
		return 0;
	}
	mem = mmap(NULL, 256 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	if (mem == MAP_FAILED)
		return 3;
	if (!strcmp(c, "slot-asid")) {
		/* 48 MiB in address space 0 and 48 more in address space 1 (SMM): 96 > 64 */
		printf("broker as0=%s\n", ename(region(vmfd, 0, 0, 48 * MIB, mem)));
		printf("broker as1=%s\n", ename(region(vmfd, 1u << 16, 0, 48 * MIB, mem + 64 * MIB)));
	} else if (!strcmp(c, "many-slots")) {
		for (i = 0, r = 0; i < 40 && !r; i++)
			r = region(vmfd, i, i * 4 * MIB, 2 * MIB, mem + i * 4 * MIB);
		printf("broker slots=%zu of 2 MiB, then %s\n", r ? i - 1 : i, ename(r));
	} else if (!strcmp(c, "size-wrap")) {
		printf("broker 2^63=%s\n", ename(region(vmfd, 0, 0, 1ULL << 63, mem)));
		printf("broker 2^64-4k=%s\n", ename(region(vmfd, 1, 0, ~0ULL - 4095, mem)));
		printf("broker grow-in-place=%s\n", ename(region(vmfd, 2, 0, 32 * MIB, mem) ? EIO :
						      region(vmfd, 2, 0, 128 * MIB, mem)));
	} else if (!strcmp(c, "threaded")) {
		/* the descriptor is made again from a second, threaded process below */
		printf("broker threaded=unused\n");
	} else {
		return 2;
	}
	return 0;
}

static int cmd_broker(const char *mode_s, const char *c)
{
	uint32_t mode = !strcmp(mode_s, "vm") ? KISTE_MODE_VM : KISTE_MODE_UNIKERNEL;
	pthread_t t;
	int kfd, vmfd, r;

	r = vmm_join(mode, &kfd);
	if (r) {
		printf("broker: cannot join a %s sandbox: %s\n", mode_s, ename(r));
		return 3;
	}
	if (!strcmp(c, "threaded")) {
		pthread_create(&t, NULL, idle, NULL);
		vmfd = vm_create(kfd);
		printf("broker threaded=%s\n", vmfd < 0 ? ename(-vmfd) : "CREATED");
		return 0;
	}
	vmfd = vm_create(kfd);
	if (vmfd < 0) {
		printf("broker: VM_CREATE %s\n", ename(-vmfd));
		return 3;
	}
	printf("broker table: kvm-vm=%s dev-kvm=%s kiste-vm=%s\n", fd_table_has("kvm-vm") ? "HELD" : "no",
	       fd_table_has("/dev/kvm") ? "HELD" : "no", fd_table_has("kiste-vm") ? "yes" : "no");
	return broker_case(c, vmfd);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "nl"))
		return nl_open() ? (printf("nl: no kiste genl family\n"), 3) : cmd_nl(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "broker"))
		return cmd_broker(argv[2], argv[3]);
	fprintf(stderr, "usage: nlattack nl CASE | broker vm|unikernel CASE\n");
	return 2;
}
