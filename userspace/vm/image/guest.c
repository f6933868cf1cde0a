// SPDX-License-Identifier: GPL-2.0
// guest.c - assembles what vm mode's guest boots: the agent, its spec and the workload's files.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <kiste/vm_agent.h>

#include "kiste_oci.h"
#include "guest.h"
#include "modules.h"
#include "../agent/net_record.h"

/* The static agent, linked in by agent_blob.S. */
extern const unsigned char linux_agent_blob_start[], linux_agent_blob_end[];

const char *vm_guest_kernel_path(const char *given, char *buf, size_t len)
{
	const char *env = kiste_setting(KISTE_SET_KERNEL);
	struct utsname u;

	if (given)
		return given;
	if (env)
		return env;
	uname(&u);
	snprintf(buf, len, "/boot/vmlinuz-%s", u.release);
	return buf;
}

const char *vm_guest_cache_dir(char *buf, size_t len)
{
	const char *env = kiste_setting(KISTE_SET_VM_CACHE), *home;
	int n;

	if (env)
		return strcmp(env, "0") ? env : NULL;
	if (geteuid() == 0)
		return "/var/cache/kiste/vm";
	if ((home = kiste_setting(KISTE_SET_XDG_CACHE_HOME)) && home[0] == '/')
		n = snprintf(buf, len, "%s/kiste", home);
	else if ((home = kiste_setting(KISTE_SET_HOME)) && home[0] == '/')
		n = snprintf(buf, len, "%s/.cache/kiste", home);
	else
		return NULL;
	return n > 0 && (size_t)n < len ? buf : NULL;
}

/* The agent's spec (uapi/kiste/vm_agent.h): NUL-terminated KEY=VALUE records. */
static int spec_build(const struct kiste_run_opts *o, const struct vm_guest_devs *d,
		      const struct vm_modules *m, const char *exe, char **out, size_t *len)
{
	FILE *f = open_memstream(out, len);
	char path[256];
	unsigned int j;
	int i;

	if (!f)
		return -ENOMEM;
	/* Modules first, dependencies before their users: the agent loads them in this order. */
	for (j = 0; j < m->n; j++)
		fprintf(f, KISTE_VM_SPEC_MOD KISTE_VM_MODULES_DIR "/%s.ko%c", m->mod[j].name, 0);
	for (j = 0; j < d->nblocks; j++)
		fprintf(f, KISTE_VM_SPEC_BLK "%s%c", d->blocks[j], 0);
	if (d->root)
		fprintf(f, KISTE_VM_SPEC_ROOT "%s%c", d->root, 0);
	for (j = 0; j < d->nvols; j++)
		fprintf(f, KISTE_VM_SPEC_VOL "%s:%s%c", d->vol_disks[j], d->vol_dsts[j], 0);
	for (j = 0; j < d->nfiles; j++)
		fprintf(f, KISTE_VM_SPEC_FILE "%u:%s%c", j, d->file_dsts[j], 0);
	if (d->net)
		fprintf(f, KISTE_VM_SPEC_NET "%s%c", d->net, 0);
	if (d->net && d->mtu)
		fprintf(f, KISTE_VM_SPEC_MTU "%u%c", d->mtu, 0);
	if (exe)
		fprintf(f, KISTE_VM_SPEC_EXE "%s%c", exe, 0);
	for (i = 0; i < o->argc; i++)
		fprintf(f, KISTE_VM_SPEC_ARG "%s%c", o->argv[i], 0);
	for (i = 0; i < o->nenv; i++)
		fprintf(f, KISTE_VM_SPEC_ENV "%s%c", o->env[i], 0);
	fprintf(f, KISTE_VM_SPEC_CWD "%s%c" KISTE_VM_SPEC_HOST "%s%c" KISTE_VM_SPEC_UID "%u%c"
		KISTE_VM_SPEC_GID "%u%c",
		o->cwd ? o->cwd : "/", 0, o->hostname ? o->hostname :
		/* sethostname's 64 bytes; a run's name may be longer (KISTE_RUN_NAME_MAX) */
		o->name && strlen(o->name) <= 64 ? o->name : "kiste", 0,
		o->user_set ? o->uid : 0, 0, o->user_set ? o->gid : 0, 0);
	if (o->pids_limit)
		fprintf(f, KISTE_VM_SPEC_PIDS "%u%c", o->pids_limit, 0);
	if (o->tty)
		fprintf(f, KISTE_VM_SPEC_TTY "1%c", 0);
	if (d->pid1)
		fprintf(f, KISTE_VM_SPEC_PID1 "1%c", 0);
	for (j = 0; j < d->nsysctl; j++) {
		if (kiste_oci_sysctl_path(d->sysctl[j]->key, path, sizeof(path)) < 0) {
			fclose(f);
			return -EINVAL;	/* the config's parser took none such */
		}
		fprintf(f, KISTE_VM_SPEC_SYSCTL "%s=%s%c", path, d->sysctl[j]->value, 0);
	}
	if (fclose(f))
		return -ENOMEM;
	return *len > KISTE_VM_SPEC_MAX ? -E2BIG : 0;
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
		ret = linux_initramfs_add_fd(ir, KISTE_VM_AGENT_PATH, 0755, fd, w.off, w.len, err);
		close(fd);
		return ret;
	}
	if (fd >= 0)
		close(fd);
	return linux_initramfs_add(ir, KISTE_VM_AGENT_PATH, S_IFREG | 0755, 0,
				   linux_agent_blob_start, w.len, err);
}

/* CMD and what it needs, at their host paths; *exe gets the path the agent runs. */
static int workload_add(const struct kiste_run_opts *o, struct linux_initramfs *ir, char *prog,
			size_t len, struct kiste_err *err)
{
	if (linux_find_program(o->argv[0], prog, len) < 0)
		return kiste_err_set(err, -ENOENT, "%s: command not found on this host: "
				     "give a path, or use --rootfs", o->argv[0]);
	/* The guest has the host's layout: run the packed file by its absolute path. */
	if (prog[0] != '/' && !realpath(o->argv[0], prog))
		return kiste_err_set(err, -errno, "%s: %s", o->argv[0], strerror(errno));
	return linux_initramfs_add_program(ir, prog, err);
}

/*
 * The guest kernel's modules for the devices (with their dependencies):
 * virtio_pci for any, virtio_blk for disks, virtio_net for the network; then
 * a root or volume image's: erofs needs libcrc32c, whose crc32c algorithm is
 * found through modprobe unless loaded first (the guest has no modprobe).
 */
static unsigned int devs_modules(const struct vm_guest_devs *d, const char **want)
{
	unsigned int n = 0;

	if (d->nblocks || d->net)
		want[n++] = "virtio_pci";
	if (d->nblocks)
		want[n++] = "virtio_blk";
	if (d->net)
		want[n++] = "virtio_net";
	if (d->root || d->nvols) {
		want[n++] = "crc32c_generic";
		want[n++] = "erofs";
		want[n++] = "overlay";
	}
	return n;
}

/*
 * The disks' names go into spec records and must come back the same from
 * each disk's 20-byte virtio ID: checked here too, whoever filled @d.
 */
static int devs_check(const struct vm_guest_devs *d, struct kiste_err *err)
{
	unsigned int i, j;
	size_t n, ok;

	if (d->nblocks > KISTE_VM_BLK_MAX)
		return kiste_err_set(err, -E2BIG, "%u --block disks: the guest takes at most %u",
				     d->nblocks, KISTE_VM_BLK_MAX);
	for (i = 0; i < d->nblocks; i++) {
		n = strlen(d->blocks[i]);
		ok = strspn(d->blocks[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789_.-");
		/* The name as far as it is printable, so the error stays one line. */
		if (!n || n > KISTE_VM_BLK_NAME_MAX || ok < n)
			return kiste_err_set(err, -EINVAL, "bad --block name '%.*s%s': give 1 to "
					     "%u of A-Z a-z 0-9 _ . -",
					     (int)(ok < KISTE_VM_BLK_NAME_MAX ? ok :
						   KISTE_VM_BLK_NAME_MAX), d->blocks[i],
					     ok < n || n > KISTE_VM_BLK_NAME_MAX ? "..." : "",
					     KISTE_VM_BLK_NAME_MAX);
		for (j = 0; j < i; j++)
			if (!strcmp(d->blocks[i], d->blocks[j]))
				return kiste_err_set(err, -EINVAL, "--block name '%s' given twice: "
						     "name each disk once", d->blocks[i]);
	}
	return 0;
}

/* The net= value the agent configures the guest's interface from: checked as it will parse it. */
static int net_check(const char *net, struct kiste_err *err)
{
	struct vm_net_record n;
	const char *bad = vm_net_record_parse(net, &n);
	size_t ok = strspn(net, "0123456789./,");

	/* The value as far as it is made of those characters, so the error stays one line. */
	if (bad)
		return kiste_err_set(err, -EINVAL, "bad guest network '%.*s%s': %s: give "
				     "ADDR/PREFIX,GATEWAY,DNS in IPv4 (10.0.2.15/24,10.0.2.2,"
				     "10.0.2.3), PREFIX 1..32, GATEWAY inside ADDR/PREFIX",
				     (int)(ok < KISTE_VM_NET_MAX ? ok : KISTE_VM_NET_MAX), net,
				     net[ok] || ok > KISTE_VM_NET_MAX ? "..." : "", bad);
	return 0;
}

/* With devices, the guest kernel's modules for them, in load order, into @m. */
static int devs_resolve(const struct vm_guest_devs *d, struct vm_modules *m,
			struct kiste_err *err)
{
	const char *want[VM_MODULES_WANT_MAX];
	unsigned int n = devs_modules(d, want);
	char why[32];
	int ret;

	m->n = 0;
	ret = devs_check(d, err);
	if (ret == 0 && d->net)
		ret = net_check(d->net, err);
	if (ret == 0 && d->net && d->mtu &&
	    (d->mtu < KISTE_VM_MTU_MIN || d->mtu > KISTE_VM_MTU_MAX))
		ret = kiste_err_set(err, -EINVAL, "bad guest network MTU %u: give %d..%d",
				    d->mtu, KISTE_VM_MTU_MIN, KISTE_VM_MTU_MAX);
	/* What the user asked for that needs the modules, for the error lines. */
	snprintf(why, sizeof(why), "%s%s%s", d->root ? "--rootfs" : d->nvols ? "--volume" :
		 d->nblocks ? "--block" : "", d->nblocks && d->net ? " and " : "",
		 d->net ? "--network" : "");
	if (ret == 0 && n)
		ret = vm_modules_resolve(d->kernel_version, why, want, n, m, err);
	return ret < 0 ? -EINVAL : 0;	/* kiste's refusal (125), not CMD's */
}

/*
 * Test and benchmark hooks: KISTE_VM_DUMP_INITRD=FILE saves the initramfs (so
 * qemu can boot the same one); KISTE_VM_INITRD=FILE boots FILE instead.
 */
static int initramfs_override(struct linux_initramfs *ir, struct kiste_err *err)
{
	const char *dump = kiste_setting(KISTE_SET_VM_DUMP_INITRD);
	const char *use = kiste_setting(KISTE_SET_VM_INITRD);
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
	fd = kiste_open_regular(AT_FDCWD, use, O_RDONLY, &st);
	if (fd < 0 || (size_t)st.st_size > ir->max) {
		if (fd >= 0)
			close(fd);
		return kiste_err_set(err, -EINVAL, "cannot use KISTE_VM_INITRD '%s': %s: give "
				     "a readable newc archive of at most %zu MiB", use,
				     fd == -EINVAL ? "not a regular file" :
				     fd < 0 ? strerror(-fd) : "too big", ir->max >> 20);
	}
	close(ir->fd);
	ir->fd = fd;
	ir->len = st.st_size;
	return 0;
}

int vm_guest_initramfs(const struct kiste_run_opts *o, const struct vm_guest_devs *d, size_t max,
		       struct linux_initramfs *ir, struct kiste_err *err)
{
	static const struct vm_guest_devs none;
	char prog[PATH_MAX], path[64], *spec = NULL;
	struct vm_modules *m;
	size_t spec_len = 0;
	unsigned int i;
	int ret;

	if (!d)
		d = &none;
	ret = linux_initramfs_init(ir, max, err);
	if (ret < 0)
		return ret;
	m = malloc(sizeof(*m));
	if (!m)
		return kiste_err_set(err, -ENOMEM, "out of memory");
	/* A kernel without the devices' modules is refused before the workload is packed. */
	ret = devs_resolve(d, m, err);
	if (ret < 0)
		goto out;
	if (o->rootfs && !d->root) {
		ret = linux_initramfs_add_tree(ir, o->rootfs, err);
		if (ret < 0) {
			ret = -EINVAL;	/* a bad --rootfs is kiste's refusal, not CMD's */
			goto out;
		}
	} else if (!o->rootfs) {
		ret = workload_add(o, ir, prog, sizeof(prog), err);
	}
	if (ret == 0)
		ret = linux_initramfs_add(ir, "/dev/console", S_IFCHR | 0600, makedev(5, 1), NULL,
					  0, err);
	/* After the workload's files: a --rootfs's own /.kiste must not replace kiste's. */
	if (ret == 0 && vm_modules_add(ir, m, err) < 0)
		ret = -EINVAL;
	if (ret == 0)
		ret = agent_add(ir, err);
	for (i = 0; ret == 0 && i < d->nfiles; i++) {
		snprintf(path, sizeof(path), KISTE_VM_FILES_DIR "/%u", i);
		ret = linux_initramfs_add_fd(ir, path, S_IFREG | 0444, d->file_fds[i], 0,
					     d->file_lens[i], err);
	}
	if (ret == 0) {
		ret = spec_build(o, d, m, o->rootfs ? NULL : prog, &spec, &spec_len);
		if (ret == -E2BIG)
			ret = kiste_err_set(err, ret, "the workload's arguments and environment "
					    "take %zu KiB; vm mode's agent reads at most %u KiB: "
					    "pass them in a file", spec_len >> 10,
					    KISTE_VM_SPEC_MAX >> 10);
		else if (ret == -EINVAL)
			ret = kiste_err_set(err, ret, "config.json: linux.sysctl: a name is no path "
					    "below /proc/sys");
		else if (ret < 0)
			ret = kiste_err_set(err, -ENOMEM, "out of memory");
	}
	if (ret == 0)
		ret = linux_initramfs_add(ir, KISTE_VM_SPEC_PATH, S_IFREG | 0600, 0, spec, spec_len,
					  err);
	free(spec);
	if (ret == 0)
		ret = linux_initramfs_finish(ir, err);
	if (ret == 0)
		ret = initramfs_override(ir, err);
out:
	free(m);
	return ret;
}
