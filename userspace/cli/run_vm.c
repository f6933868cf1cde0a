// SPDX-License-Identifier: GPL-2.0
// run_vm.c - `kiste run --mode=vm`: options, initramfs, temporary sandbox, then the micro-VMM.
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <link.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include "../vmm/linux_initramfs.h"
#include "../vmm/linux_vm.h"
#include "run_vm.h"

enum { EXIT_REFUSED = 125, EXIT_CANNOT_EXEC = 126, EXIT_NOT_FOUND = 127 };
/* Long enough for any real job; larger values are typos and overflow ns arithmetic. */
#define TIMEOUT_MAX	(7 * 24 * 3600u)
#define MEMORY_DEFAULT	(256ULL << 20)

/* The static agent, linked in by linux_agent_blob.S. */
extern const unsigned char linux_agent_blob_start[], linux_agent_blob_end[];

const char run_vm_usage[] =
	"Usage: kiste run --mode=vm [--kernel PATH] [--rootfs DIR] [--memory SIZE] [--cpus N]\n"
	"                 [--env K=V]... [--cwd DIR] [--user UID[:GID]] [--timeout SECONDS]\n"
	"                 [--name N] [--debug] -- CMD [ARG...]\n\n"
	"Boot a Linux guest in a KVM virtual machine and run CMD there as the agent's child.\n"
	"Without --rootfs, CMD and the shared libraries it needs are packed into the guest.\n\n"
	"  --kernel PATH     guest bzImage (default $KISTE_KERNEL, else /boot/vmlinuz-$(uname -r))\n"
	"  --rootfs DIR      a copy of DIR is the guest's root (writes stay in the guest)\n"
	"  --memory SIZE     guest memory, 64M..3G (default 256M)\n"
	"  --cpus N          vCPUs, 1..32 (default 1)\n"
	"  --env K=V         set an environment variable for CMD (repeatable)\n"
	"  --cwd DIR         CMD's working directory in the guest (default /)\n"
	"  --user UID[:GID]  CMD's identity in the guest (default 0:0, guest root)\n"
	"  --timeout SECONDS stop the VM after SECONDS\n"
	"  --name N          name of the temporary sandbox (with kiste.ko)\n"
	"  --debug           show the guest kernel's console on stderr\n\n"
	"Exit status: CMD's; 128+N when it died of signal N; 137 on --timeout; 125 when kiste\n"
	"failed; 126 when CMD cannot be executed; 127 when it does not exist.\n";

static int parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno || end == s || *end || s[0] == '-' || *v > max ? -EINVAL : 0;
}

static int parse_user(const char *s, struct run_vm_opts *o)
{
	char buf[32], *colon;
	unsigned long v;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	colon = strchr(buf, ':');
	if (colon)
		*colon = 0;
	if (parse_uint(buf, UINT32_MAX - 1, &v) < 0)
		return -EINVAL;
	o->uid = o->gid = v;
	if (colon && parse_uint(colon + 1, UINT32_MAX - 1, &v) < 0)
		return -EINVAL;
	if (colon)
		o->gid = v;
	return 0;
}

static int parse_opt(int c, const char *arg, struct run_vm_opts *o, struct kiste_err *err)
{
	unsigned long v;

	switch (c) {
	case 'M':
		if (strcmp(arg, "vm"))
			return kiste_err_set(err, -EINVAL, "kiste run: this runner is --mode=vm, not "
					     "'%s'", arg);
		return 0;
	case 'k': o->kernel = arg; return 0;
	case 'r': o->rootfs = arg; return 0;
	case 'n': o->name = arg; return 0;
	case 'c': o->cwd = arg; return 0;
	case 'd': o->debug = true; return 0;
	case 'm':
		if (kiste_size_parse(arg, &o->memory, err) < 0 || o->memory < LINUX_MEM_MIN ||
		    o->memory > LINUX_MEM_MAX)
			return kiste_err_set(err, -EINVAL, "kiste run: bad --memory '%s': use "
					     "64M..3G", arg);
		return 0;
	case 'p':
		if (parse_uint(arg, LINUX_CPUS_MAX, &v) < 0 || v == 0)
			return kiste_err_set(err, -EINVAL, "kiste run: bad --cpus '%s': use 1..%d",
					     arg, LINUX_CPUS_MAX);
		o->cpus = v;
		return 0;
	case 't':
		if (parse_uint(arg, TIMEOUT_MAX, &v) < 0 || v == 0)
			return kiste_err_set(err, -EINVAL, "kiste run: bad --timeout '%s': use "
					     "1..%u seconds", arg, TIMEOUT_MAX);
		o->timeout_s = v;
		return 0;
	case 'u':
		if (parse_user(arg, o) < 0)
			return kiste_err_set(err, -EINVAL, "kiste run: bad --user '%s': use UID or "
					     "UID:GID (numbers)", arg);
		return 0;
	case 'e':
		if (!strchr(arg, '=') || arg[0] == '=' || strchr(arg, '\n'))
			return kiste_err_set(err, -EINVAL, "kiste run: bad --env '%s': use K=V",
					     arg);
		if (o->nenv == RUN_VM_ENV_MAX)
			return kiste_err_set(err, -E2BIG, "kiste run: more than %d --env",
					     RUN_VM_ENV_MAX);
		o->env[o->nenv++] = arg;
		return 0;
	case 'h': o->help = true; return 0;
	default:
		return kiste_err_set(err, -EINVAL, "kiste run: unknown option: see 'kiste run "
				     "--help'");
	}
}

int run_vm_parse(int argc, char **argv, struct run_vm_opts *o, struct kiste_err *err)
{
	static const struct option lo[] = {
		{ "mode", required_argument, NULL, 'M' }, { "kernel", required_argument, NULL, 'k' },
		{ "rootfs", required_argument, NULL, 'r' }, { "memory", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'p' }, { "env", required_argument, NULL, 'e' },
		{ "cwd", required_argument, NULL, 'c' }, { "user", required_argument, NULL, 'u' },
		{ "timeout", required_argument, NULL, 't' }, { "name", required_argument, NULL, 'n' },
		{ "debug", no_argument, NULL, 'd' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, ret;

	*o = (struct run_vm_opts){ .memory = MEMORY_DEFAULT, .cpus = 1, .cwd = "/" };
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
		ret = parse_opt(c, optarg, o, err);
		if (ret < 0)
			return ret;
	}
	if (o->help)
		return 0;
	if (optind >= argc)
		return kiste_err_set(err, -EINVAL, "kiste run: no command given: kiste run "
				     "--mode=vm -- CMD [ARG...]");
	if (o->name && !kiste_name_valid(o->name))
		return kiste_err_set(err, -EINVAL, "kiste run: bad --name '%s': use 1..63 of "
				     "[A-Za-z0-9_.-]", o->name);
	if (o->cwd[0] != '/')
		return kiste_err_set(err, -EINVAL, "kiste run: --cwd '%s' must be absolute",
				     o->cwd);
	o->cmd = argv + optind;
	o->ncmd = argc - optind;
	return 0;
}

static const char *kernel_path(const struct run_vm_opts *o, char *buf, size_t len)
{
	struct utsname u;

	if (o->kernel)
		return o->kernel;
	if (getenv("KISTE_KERNEL") && *getenv("KISTE_KERNEL"))
		return getenv("KISTE_KERNEL");
	uname(&u);
	snprintf(buf, len, "/boot/vmlinuz-%s", u.release);
	return buf;
}

/*
 * Where the VMM caches decompressed kernels: KISTE_VM_CACHE=DIR, or "0" for
 * no cache; by default /var/cache/kiste/vm for root, else $XDG_CACHE_HOME/kiste
 * or ~/.cache/kiste (each user's own: a cached kernel is trusted).
 */
static const char *cache_dir(char *buf, size_t len)
{
	const char *env = getenv("KISTE_VM_CACHE"), *home;
	int n;

	if (env && *env)
		return strcmp(env, "0") ? env : NULL;
	if (geteuid() == 0)
		return "/var/cache/kiste/vm";
	if ((home = getenv("XDG_CACHE_HOME")) && home[0] == '/')
		n = snprintf(buf, len, "%s/kiste", home);
	else if ((home = getenv("HOME")) && home[0] == '/')
		n = snprintf(buf, len, "%s/.cache/kiste", home);
	else
		return NULL;
	return n > 0 && (size_t)n < len ? buf : NULL;
}

/* NUL-separated "key=value" records the agent reads from LINUX_SPEC_PATH. */
static int spec_build(const struct run_vm_opts *o, const char *exe, char **out, size_t *len)
{
	FILE *f = open_memstream(out, len);
	int i;

	if (!f)
		return -ENOMEM;
	if (exe)
		fprintf(f, "exe=%s%c", exe, 0);
	for (i = 0; i < o->ncmd; i++)
		fprintf(f, "arg=%s%c", o->cmd[i], 0);
	for (i = 0; i < o->nenv; i++)
		fprintf(f, "env=%s%c", o->env[i], 0);
	fprintf(f, "cwd=%s%chost=%s%cuid=%u%cgid=%u%c", o->cwd, 0,
		o->name ? o->name : "kiste", 0, o->uid, 0, o->gid, 0);
	return fclose(f) ? -ENOMEM : 0;
}

struct blob_where {
	uintptr_t addr;
	size_t len;
	off_t off;
	int found;
};

static int blob_phdr(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct blob_where *w = arg;
	unsigned int i;

	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && w->addr >= start &&
		    w->addr + w->len <= start + ph->p_filesz) {
			w->off = w->addr - start + ph->p_offset;
			w->found = 1;
		}
	}
	return 1;	/* the first object is the executable itself */
}

/*
 * The agent is linked into kiste; copy it from kiste's own file with sendfile
 * rather than from memory, so its ~800 KiB never become resident in the VMM.
 * Falls back to the in-memory copy when the file cannot be matched.
 */
static int agent_add(struct linux_initramfs *ir, struct kiste_err *err)
{
	struct blob_where w = { .addr = (uintptr_t)linux_agent_blob_start,
				.len = linux_agent_blob_end - linux_agent_blob_start };
	unsigned char probe[64];
	int fd, ret;

	dl_iterate_phdr(blob_phdr, &w);
	fd = w.found && w.len > sizeof(probe) ? open("/proc/self/exe", O_RDONLY | O_CLOEXEC) : -1;
	if (fd >= 0 && pread(fd, probe, sizeof(probe), w.off) == sizeof(probe) &&
	    !memcmp(probe, linux_agent_blob_start, sizeof(probe))) {
		ret = linux_initramfs_add_fd(ir, LINUX_AGENT_PATH, 0755, fd, w.off, w.len, err);
		close(fd);
		return ret;
	}
	if (fd >= 0)
		close(fd);
	return linux_initramfs_add(ir, LINUX_AGENT_PATH, S_IFREG | 0755, 0,
				   linux_agent_blob_start, w.len, err);
}

/* The guest's initramfs: the workload (or --rootfs), the agent, the spec. */
static int initramfs_build(const struct run_vm_opts *o, struct linux_initramfs *ir,
			   struct kiste_err *err)
{
	char prog[PATH_MAX], *spec = NULL;
	const char *exe = NULL;
	size_t spec_len = 0;
	int ret;

	ret = linux_initramfs_init(ir, o->memory / 2, err);
	if (ret < 0)
		return ret;
	if (o->rootfs) {
		ret = linux_initramfs_add_tree(ir, o->rootfs, err);
	} else {
		ret = linux_find_program(o->cmd[0], prog, sizeof(prog));
		if (ret < 0)
			return kiste_err_set(err, -ENOENT, "%s: command not found on this host: "
					     "give a path, or use --rootfs", o->cmd[0]);
		/* The guest has the host's layout: run the packed file by its absolute path. */
		if (prog[0] != '/' && !realpath(o->cmd[0], prog))
			return kiste_err_set(err, -errno, "%s: %s", o->cmd[0], strerror(errno));
		exe = prog;
		ret = linux_initramfs_add_program(ir, prog, err);
	}
	if (ret == 0)
		ret = linux_initramfs_add(ir, "/dev/console", S_IFCHR | 0600, makedev(5, 1), NULL,
					  0, err);
	if (ret == 0)
		ret = agent_add(ir, err);
	if (ret == 0 && spec_build(o, exe, &spec, &spec_len) < 0)
		ret = kiste_err_set(err, -ENOMEM, "out of memory");
	if (ret == 0)
		ret = linux_initramfs_add(ir, LINUX_SPEC_PATH, S_IFREG | 0600, 0, spec, spec_len,
					  err);
	free(spec);
	if (ret == 0)
		ret = linux_initramfs_finish(ir, err);
	return ret;
}

/* With kiste.ko: *kfd = a temporary vm-mode sandbox we belong to; -1 without the module. */
static int sandbox_join(const struct run_vm_opts *o, int *kfd, struct kiste_err *err)
{
	struct kiste_sandbox_spec spec = { .name = o->name, .mode = KISTE_MODE_VM,
					   .memory_limit = o->memory, .vcpu_limit = o->cpus };
	uint32_t id;
	int fd, ret;

	*kfd = -1;
	/* KISTE_VM_DIRECT=1: /dev/kvm even with the module (tests of the direct backend). */
	if (access("/dev/kiste", F_OK) < 0 || getenv("KISTE_VM_DIRECT"))
		return 0;
	fd = kiste_dev_open(err);
	if (fd < 0)
		return fd;
	ret = kiste_dev_create(fd, &spec, &id, err);
	if (ret == 0)
		ret = kiste_dev_attach(fd, 0, err);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	*kfd = fd;
	return 0;
}

static const char cmdline_base[] =
	"console=ttyS0 reboot=k panic=-1 pci=off nomodule 8250.nr_uarts=1 i8042.noaux "
	"i8042.nomux i8042.nopnp i8042.dumbkbd tsc=reliable no_timer_check "
	"random.trust_cpu=on no5lvl rdinit=" LINUX_AGENT_PATH;

static int vm_boot(const struct run_vm_opts *o, const struct linux_kernel *k,
		   struct linux_initramfs *ir, int kfd, uint64_t t_start, struct kiste_err *err)
{
	char cmdline[512];
	struct linux_vm_cfg cfg = {
		.kernel = k, .initrd_fd = ir->fd, .initrd_len = ir->len, .cmdline = cmdline,
		.mem_size = o->memory, .cpus = o->cpus, .kiste_fd = kfd,
		.in_fd = fcntl(0, F_GETFD) < 0 ? -1 : 0, .out_fd = 1, .err_fd = 2,
		.log_fd = o->debug ? 2 : -1, .timeout_s = o->timeout_s,
		.confine = !getenv("KISTE_VM_NO_CONFINE"), .stats = !!getenv("KISTE_VM_STATS"),
		.t_start_ns = t_start,
	};
	int code = EXIT_REFUSED, ret;

	snprintf(cmdline, sizeof(cmdline), "%s %s", cmdline_base,
		 o->debug ? "loglevel=7" : "quiet loglevel=1");
	ret = linux_vm_run(&cfg, &code, err);
	if (ret == -ETIMEDOUT)
		return 128 + SIGKILL;
	return ret < 0 ? -1 : code;
}

/*
 * Test and benchmark hooks: KISTE_VM_DUMP_INITRD=FILE saves the initramfs (so
 * qemu can boot the same one); KISTE_VM_INITRD=FILE boots FILE instead.
 */
static int initramfs_override(struct linux_initramfs *ir, struct kiste_err *err)
{
	const char *dump = getenv("KISTE_VM_DUMP_INITRD"), *use = getenv("KISTE_VM_INITRD");
	struct stat st;
	off_t off = 0;
	int fd;

	if (dump) {
		fd = open(dump, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || sendfile(fd, ir->fd, &off, ir->len) != (ssize_t)ir->len) {
			if (fd >= 0)
				close(fd);
			return kiste_err_set(err, -EIO, "cannot write KISTE_VM_DUMP_INITRD '%s'",
					     dump);
		}
		close(fd);
	}
	if (!use)
		return 0;
	/* The file is the archive as it is: the VMM reads it into guest memory unparsed. */
	fd = open(use, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > ir->max) {
		if (fd >= 0)
			close(fd);
		return kiste_err_set(err, -EINVAL, "cannot use KISTE_VM_INITRD '%s': unreadable "
				     "or too big", use);
	}
	close(ir->fd);
	ir->fd = fd;
	ir->len = st.st_size;
	return 0;
}

/* Failures packing the workload are the workload's: not found, or cannot be executed. */
static int pack_exit(int ret)
{
	if (ret == -ENOENT)
		return EXIT_NOT_FOUND;
	if (ret == -ENOEXEC || ret == -ELIBACC || ret == -EACCES)
		return EXIT_CANNOT_EXEC;
	return EXIT_REFUSED;
}

int run_vm_run(const struct run_vm_opts *o)
{
	struct kiste_err err = { 0 };
	struct linux_initramfs ir;
	struct linux_kernel k;
	char kbuf[PATH_MAX], cbuf[PATH_MAX];
	struct timespec ts;
	uint64_t t_start;
	int ret, kfd;

	/* KISTE_VM_STATS's setup time counts from here: kernel, initramfs, sandbox, VM. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t_start = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	signal(SIGPIPE, SIG_IGN);
	ret = linux_kernel_load(kernel_path(o, kbuf, sizeof(kbuf)), &k, &err);
	if (ret < 0) {
		fprintf(stderr, "kiste: %s\n", err.msg);
		return EXIT_REFUSED;
	}
	/* Benchmark hook: KISTE_VM_BZIMAGE=1 boots the bzImage's own decompressor. */
	k.no_decompress = !!getenv("KISTE_VM_BZIMAGE");
	k.cache_dir = cache_dir(cbuf, sizeof(cbuf));
	ret = initramfs_build(o, &ir, &err);
	if (ret == 0)
		ret = initramfs_override(&ir, &err);
	if (ret < 0) {
		fprintf(stderr, "kiste: %s\n", err.msg);
		ret = o->rootfs ? EXIT_REFUSED : pack_exit(ret);
		goto out;
	}
	ret = sandbox_join(o, &kfd, &err);
	if (ret == 0)
		ret = vm_boot(o, &k, &ir, kfd, t_start, &err);
	if (err.code)
		fprintf(stderr, "kiste: %s\n", err.msg);
	if (ret < 0)
		ret = EXIT_REFUSED;
out:
	linux_initramfs_free(&ir);
	linux_kernel_free(&k);
	return ret;
}

int run_vm_main(int argc, char **argv)
{
	struct kiste_err err = { 0 };
	struct run_vm_opts o;
	int ret = run_vm_parse(argc, argv, &o, &err);

	if (ret == 0 && o.help) {
		fputs(run_vm_usage, stdout);
		return 0;
	}
	if (ret < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return EXIT_REFUSED;
	}
	return run_vm_run(&o);
}
