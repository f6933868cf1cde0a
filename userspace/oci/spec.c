// SPDX-License-Identifier: GPL-2.0
// spec.c - a parsed config.json mapped onto one mode's run options: what it honours, what it notes.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kiste_mode.h"
#include "kiste_oci_spec.h"

static void note(struct kiste_oci_spec *sp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(struct kiste_oci_spec *sp, const char *fmt, ...)
{
	va_list ap;

	if (!sp->note)
		return;
	va_start(ap, fmt);
	sp->note(sp->note_ctx, fmt, ap);
	va_end(ap);
}

/* Hands the mode's own option @name (with @arg) to it, as if given on the command line. */
static int mode_opt(struct kiste_oci_spec *sp, const char *name, const char *arg,
		    struct kiste_err *err)
{
	const struct option *mo;

	for (mo = sp->mode->opts; mo && mo->name; mo++)
		if (!strcmp(mo->name, name))
			return sp->mode->opt(sp->mo, mo->val, arg, err);
	return -ENOENT;
}

static int pick_mode(const struct kiste_mode_ops *const *modes, const struct kiste_oci_config *c,
		     const char *fallback, struct kiste_oci_spec *sp, struct kiste_err *err)
{
	const char *name = kiste_oci_annotation(c, KISTE_OCI_MODE_ANNOTATION);
	const char *from = "annotations." KISTE_OCI_MODE_ANNOTATION;
	static char conf[16];
	size_t i;
	int ret;

	/* The annotation, else --mode, else the configuration file's, else shim. */
	if (!name && !fallback) {
		ret = kiste_runtime_conf_mode(conf, sizeof(conf), err);
		if (ret < 0)
			return ret;
		fallback = ret ? conf : NULL;
	}
	if (!name) {
		name = fallback ? fallback : "shim";
		from = fallback ? "--mode" : NULL;
	}
	for (i = 0; modes[i]; i++)
		if (!strcmp(modes[i]->name, name))
			sp->mode = modes[i];
	if (!sp->mode && from && from[0] == 'a')
		return kiste_err_set(err, -EINVAL, "config.json: %s: '%s' is no mode: use shim, vm "
				     "or unikernel", from, name);
	if (!sp->mode)
		return kiste_err_set(err, -EINVAL, "bad --mode '%s': use shim, vm or unikernel", name);
	if (!sp->mode->oci_create)
		return kiste_err_set(err, -EOPNOTSUPP, "%s mode cannot run OCI containers yet: set "
				     "the annotation " KISTE_OCI_MODE_ANNOTATION " to shim", name);
	return 0;
}

#define PASSWD_MAX (1L << 20)

/* HOME when the config has none: the user's entry in the rootfs's /etc/passwd, else /. */
static void add_home(struct kiste_oci_spec *sp, const struct kiste_oci_config *c)
{
	char line[1024], *f[7], *s;
	struct stat st;
	int i, rfd, fd;
	FILE *pw;

	for (i = 0; i < sp->o.nenv; i++)
		if (!strncmp(sp->o.env[i], "HOME=", 5))
			return;
	snprintf(sp->home, sizeof(sp->home), "HOME=/");
	/*
	 * The image's file, read as host root: resolved inside the rootfs (its
	 * links cannot leave it), a regular file only (no FIFO to hang on, no
	 * device to open), and no more than PASSWD_MAX bytes of it.
	 */
	rfd = open(sp->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	fd = rfd < 0 ? -1 : kiste_open_regular_in(rfd, "etc/passwd", O_RDONLY, &st);
	if (rfd >= 0)
		close(rfd);
	pw = fd < 0 ? NULL : fdopen(fd, "r");
	if (!pw && fd >= 0)
		close(fd);
	while (pw && ftell(pw) < PASSWD_MAX && fgets(line, sizeof(line), pw)) {
		line[strcspn(line, "\n")] = 0;
		for (i = 0, s = line; i < 7 && s; i++) {
			f[i] = s;
			s = strchr(s, ':');
			if (s)
				*s++ = 0;
		}
		if (i == 7 && strtoul(f[2], NULL, 10) == c->process.uid && f[5][0] == '/') {
			snprintf(sp->home, sizeof(sp->home), "HOME=%s", f[5]);
			break;
		}
	}
	if (pw)
		fclose(pw);
	if (sp->o.nenv < KISTE_RUN_ENV_MAX)
		sp->o.env[sp->o.nenv++] = sp->home;
}

static int map_process(struct kiste_oci_spec *sp, const struct kiste_oci_config *c,
		       struct kiste_err *err)
{
	const struct kiste_oci_process *p = &c->process;
	size_t i;

	if (!c->has_process)
		return kiste_err_set(err, -EINVAL, "config.json: process: missing: a container "
				     "needs a process to start");
	/* Served by create (--console-socket), which checks the two go together. */
	sp->terminal = p->terminal;
	if (p->env.n > KISTE_RUN_ENV_MAX - 1)
		return kiste_err_set(err, -E2BIG, "config.json: process.env: %zu entries: at most %d",
				     p->env.n, KISTE_RUN_ENV_MAX - 1);
	sp->o.argc = (int)p->args.n;
	sp->o.argv = p->args.v;
	for (i = 0; i < p->env.n; i++)
		sp->o.env[sp->o.nenv++] = p->env.v[i];
	add_home(sp, c);
	sp->o.cwd = p->cwd;
	sp->o.user_set = true;
	sp->o.uid = p->uid;
	sp->o.gid = p->gid;
	if (p->nrlimits)
		note(sp, "process.rlimits: %s mode sets its own limits; %zu ignored", sp->mode->name,
		     p->nrlimits);
	return 0;
}

/* linux.resources onto the limits the mode's cgroup code enforces, in the mode's ranges. */
static int map_resources(struct kiste_oci_spec *sp, const struct kiste_oci_config *c,
			 struct kiste_err *err)
{
	const struct kiste_run_limits *l = sp->mode->limits;
	const struct kiste_oci_resources *r = &c->resources;

	sp->o.memory = l->memory_default;
	sp->o.cpus = l->cpus_default;
	sp->o.cpus_milli = l->cpus_default * 1000;
	sp->o.pids_limit = l->pids_default;
	if (r->memory) {
		if (r->memory < l->memory_min || r->memory > l->memory_max)
			return kiste_err_set(err, -EINVAL, "config.json: linux.resources.memory.limit: "
					     "%lld is out of range for %s mode: use %lluM..%lluM",
					     (long long)r->memory_raw, sp->mode->name,
					     (unsigned long long)(l->memory_min >> 20),
					     (unsigned long long)(l->memory_max >> 20));
		sp->o.memory = r->memory;
		sp->o.memory_set = true;
	}
	if (r->pids)
		sp->o.pids_limit = r->pids;
	if (r->cpus_milli) {
		uint32_t cpus = (r->cpus_milli + 999) / 1000;

		if (!(l->accepts & KISTE_OPT_CPUS) || cpus > l->cpus_max)
			return kiste_err_set(err, -EINVAL, "config.json: linux.resources.cpu.quota: "
					     "%u.%03u CPUs is out of range for %s mode: use at most %u",
					     r->cpus_milli / 1000, r->cpus_milli % 1000, sp->mode->name,
					     l->cpus_max);
		sp->o.cpus = cpus;
		sp->o.cpus_milli = l->cpus_whole ? cpus * 1000 : r->cpus_milli;
	}
	return 0;
}

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '/' || !path[n]);
}

/* Bind options every bind gets anyway, or that change nothing for one. */
static bool bind_option_known(const char *o)
{
	static const char *const known[] = { "bind", "rbind", "ro", "rw", "rprivate", "private",
					     "rslave", "slave", "nosuid", "nodev", "z", "Z" };
	size_t k;

	for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
		if (!strcmp(o, known[k]))
			return true;
	return false;
}

/* A bind mount onto the mode's --volume SRC:DST:ro|rw: always recursive, nosuid, nodev. */
static int map_bind(struct kiste_oci_spec *sp, size_t i, const struct kiste_oci_mount *m,
		    struct kiste_err *err)
{
	char arg[2 * PATH_MAX + 8];
	size_t k;
	int ret;

	if (!m->source || m->source[0] != '/' || strchr(m->source, ':') ||
	    strchr(m->destination, ':')) {
		note(sp, "mounts[%zu]: bind of %s at %s: kiste takes absolute paths without ':' "
		     "only; not bound", i, m->source ? m->source : "(none)", m->destination);
		return 0;
	}
	for (k = 0; k < m->options.n; k++)
		if (!bind_option_known(m->options.v[k]))
			note(sp, "mounts[%zu]: option %s of the bind at %s ignored (kiste binds "
			     "nosuid, nodev, recursive; ro when asked)", i, m->options.v[k],
			     m->destination);
	snprintf(arg, sizeof(arg), "%s:%s:%s", m->source, m->destination, m->readonly ? "ro" : "rw");
	ret = mode_opt(sp, "volume", arg, err);
	if (ret == -ENOENT) {
		note(sp, "mounts[%zu]: %s mode has no bind mounts: %s is not bound at %s", i,
		     sp->mode->name, m->source, m->destination);
		return 0;
	}
	return ret < 0 ? kiste_err_prefix(err, "config.json: mounts[%zu]", i) : 0;
}

/*
 * Mounts the mode serves itself (/proc, /dev, /sys) need nothing; a tmpfs goes
 * to the mode's --tmpfs; what it cannot honour is noted, never weakening.
 */
static int map_mounts(struct kiste_oci_spec *sp, const struct kiste_oci_config *c,
		      struct kiste_err *err)
{
	char arg[PATH_MAX + 64];
	size_t i, k;
	int ret;

	for (i = 0; i < c->nmounts; i++) {
		const struct kiste_oci_mount *m = &c->mounts[i];

		if (under(m->destination, "/proc") || under(m->destination, "/dev") ||
		    under(m->destination, "/sys"))
			continue;
		if (m->bind) {
			ret = map_bind(sp, i, m, err);
			if (ret < 0)
				return ret;
			continue;
		}
		if (!m->type || strcmp(m->type, "tmpfs")) {
			note(sp, "mounts[%zu]: type %s at %s ignored in %s mode", i,
			     m->type ? m->type : "(none)", m->destination, sp->mode->name);
			continue;
		}
		/* size= as --tmpfs PATH:size=N (a bad one is the config's error); the rest noted */
		if (snprintf(arg, sizeof(arg), "%s", m->destination) >= (int)sizeof(arg))
			return kiste_err_set(err, -ENAMETOOLONG, "config.json: mounts[%zu]: the "
					     "destination is too long", i);
		for (k = 0; k < m->options.n; k++) {
			const char *opt = m->options.v[k];

			if (!strncmp(opt, "size=", 5) && !strchr(opt, '%'))
				snprintf(arg, sizeof(arg), "%s:%s", m->destination, opt);
			else if (strcmp(opt, "nosuid") && strcmp(opt, "nodev") && strcmp(opt, "rw"))
				note(sp, "mounts[%zu]: option %s of the tmpfs at %s ignored (kiste's "
				     "tmpfs is rw, nosuid, nodev, mode 1777; size= in bytes, K, M, G)",
				     i, opt, m->destination);
		}
		ret = mode_opt(sp, "tmpfs", arg, err);
		if (ret == -ENOENT)
			note(sp, "mounts[%zu]: %s mode has no tmpfs: %s ignored", i, sp->mode->name,
			     m->destination);
		else if (ret < 0)
			return kiste_err_prefix(err, "config.json: mounts[%zu]", i);
	}
	return 0;
}

/*
 * linux.sysctl (every name one of a namespace: the parser refuses the rest):
 * set by a mode that can, in the container's own namespaces (a joined network
 * namespace is its owner's to set) or in its own guest kernel; another mode
 * ignores them, saying so.
 */
static int map_sysctl(struct kiste_oci_spec *sp, const struct kiste_oci_config *c,
		      struct kiste_err *err)
{
	size_t i;

	if (!c->nsysctl)
		return 0;
	sp->sysctl = calloc(c->nsysctl, sizeof(*sp->sysctl));
	if (!sp->sysctl)
		return kiste_err_set(err, -ENOMEM, "out of memory");
	for (i = 0; i < c->nsysctl; i++) {
		if (sp->mode->oci_sysctl == KISTE_OCI_SYSCTL_NONE)
			note(sp, "linux.sysctl: %s ignored in %s mode", c->sysctl[i].key,
			     sp->mode->name);
		else if (sp->mode->oci_sysctl == KISTE_OCI_SYSCTL_OWN_NS &&
			 kiste_oci_sysctl_ns(c->sysctl[i].key) == KISTE_OCI_NS_NETWORK &&
			 sp->o.network == KISTE_NET_NS)
			note(sp, "linux.sysctl: %s ignored: the network namespace is the engine's "
			     "(%s)", c->sysctl[i].key, sp->o.netns_path);
		else
			sp->sysctl[sp->nsysctl++] = &c->sysctl[i];
	}
	return 0;
}

static int map_linux(struct kiste_oci_spec *sp, const struct kiste_oci_config *c,
		     struct kiste_err *err)
{
	size_t k;

	for (k = 0; k < KISTE_OCI_NS_TYPES; k++) {
		/* The engine's network (podman's bridge): joined as --network ns:PATH is. */
		if (k == KISTE_OCI_NS_NETWORK && c->ns[k].path &&
		    (sp->mode->limits->networks & (1u << KISTE_NET_NS))) {
			sp->o.network = KISTE_NET_NS;
			sp->o.netns_path = c->ns[k].path;
			continue;
		}
		if (c->ns[k].path)
			note(sp, "linux.namespaces: %s mode makes its own %s namespace; %s is not "
			     "joined", sp->mode->name, kiste_oci_ns_name(k), c->ns[k].path);
	}
	if (sp->mode->oci_idmaps && kiste_host_root() && (c->nuid_mappings || c->ngid_mappings)) {
		/* The ids the engine gave the image's files: the container's root writes them. */
		if (!c->nuid_mappings || !c->ngid_mappings)
			return kiste_err_set(err, -EINVAL, "config.json: linux.%s: the container's "
					     "ids need both maps: give uidMappings and gidMappings, or neither",
					     c->nuid_mappings ? "gidMappings" : "uidMappings");
		sp->uid_map = c->uid_mappings;
		sp->nuid_map = c->nuid_mappings;
		sp->gid_map = c->gid_mappings;
		sp->ngid_map = c->ngid_mappings;
	} else if (c->nuid_mappings || c->ngid_mappings) {
		note(sp, "linux.uidMappings/gidMappings: %s mode maps the container's root to an "
		     "unprivileged host id of its own", sp->mode->name);
	}
	if (c->masked_paths.n || c->readonly_paths.n)
		note(sp, "linux.maskedPaths/readonlyPaths: %s mode serves its own /proc and /sys",
		     sp->mode->name);
	if (c->cgroups_path)
		note(sp, "linux.cgroupsPath: kiste keeps the container's cgroup below kiste/oci/; "
		     "%s is not used", c->cgroups_path);
	if (c->ndevices)
		note(sp, "linux.devices: %zu device nodes (%s first) not made: %s mode serves its "
		     "own /dev (null, zero, full, random, urandom, tty)", c->ndevices,
		     c->devices[0].path, sp->mode->name);
	if (c->ndevice_rules)
		note(sp, "linux.resources.devices: %zu rules not needed: %s mode serves its own "
		     "/dev (null, zero, full, random, urandom, tty)", c->ndevice_rules,
		     sp->mode->name);
	if (c->process.has_caps)
		note(sp, "process.capabilities: %s mode's workload holds no host capability; its "
		     "guest kernel decides what its root may do", sp->mode->name);
	if (c->seccomp)
		note(sp, "linux.seccomp: the profile (default %s, %zu rules) is not applied: %s "
		     "mode installs its own host filter ('kiste policy %s')",
		     kiste_oci_scmp_act_name(c->seccomp->default_action), c->seccomp->nsyscalls,
		     sp->mode->name, sp->mode->name);
	return map_sysctl(sp, c, err);
}

/* The annotation org.kiste.isolation: the mode's own --isolation, refused for a mode without one. */
static int map_isolation(struct kiste_oci_spec *sp, const struct kiste_oci_config *c,
			 struct kiste_err *err)
{
	const char *v = kiste_oci_annotation(c, KISTE_OCI_ISOLATION_ANNOTATION);
	int ret;

	if (!v)
		return 0;
	ret = mode_opt(sp, "isolation", v, err);
	if (ret == -ENOENT)
		return kiste_err_set(err, -EINVAL, "config.json: annotations."
				     KISTE_OCI_ISOLATION_ANNOTATION ": %s mode has no isolation "
				     "choice: leave the annotation out", sp->mode->name);
	if (ret < 0)
		return kiste_err_set(err, ret, "config.json: annotations."
				     KISTE_OCI_ISOLATION_ANNOTATION ": '%s': use process or vm", v);
	return 0;
}

int kiste_oci_spec_build(const struct kiste_mode_ops *const *modes,
			 const struct kiste_oci_config *c, const char *bundle,
			 const char *mode_name, struct kiste_oci_spec *sp, struct kiste_err *err)
{
	size_t k;
	int ret;

	ret = pick_mode(modes, c, mode_name, sp, err);
	if (ret < 0)
		return ret;
	if (c->root_path[0] == '/')
		snprintf(sp->rootfs, sizeof(sp->rootfs), "%s", c->root_path);
	else if (snprintf(sp->rootfs, sizeof(sp->rootfs), "%s/%s", bundle, c->root_path) >=
		 (int)sizeof(sp->rootfs))
		return kiste_err_set(err, -ENAMETOOLONG, "config.json: root.path: too long");
	if (access(sp->rootfs, F_OK) < 0)
		return kiste_err_set(err, -ENOENT, "config.json: root.path: %s: %s: give the "
				     "container's root directory", sp->rootfs, strerror(errno));
	/*
	 * The runtime runs prestart, createRuntime, poststart and poststop
	 * (oci/hooks.c); createContainer and startContainer run inside the
	 * container's namespaces, which would take the mode's init to do.
	 */
	for (k = KISTE_OCI_HOOK_CREATE_CONTAINER; k <= KISTE_OCI_HOOK_START_CONTAINER; k++)
		if (c->nhooks[k])
			return kiste_err_set(err, -EOPNOTSUPP, "config.json: hooks.%s: kiste does not "
					     "run hooks inside the container yet: leave them out "
					     "(prestart, createRuntime, poststart, poststop run)",
					     kiste_oci_hook_names[k]);
	sp->mo = calloc(1, sp->mode->opts_size ? sp->mode->opts_size : 1);
	if (!sp->mo)
		return kiste_err_set(err, -ENOMEM, "out of memory");
	sp->o.rootfs = sp->rootfs;
	sp->hostname = c->hostname;
	ret = map_process(sp, c, err);
	if (ret == 0)
		ret = map_resources(sp, c, err);
	if (ret == 0 && !c->root_readonly) {
		ret = mode_opt(sp, "rw", NULL, err);
		if (ret == -ENOENT) {
			note(sp, "root.readonly: %s mode keeps the rootfs read-only", sp->mode->name);
			ret = 0;
		}
	}
	if (ret == 0)
		ret = map_mounts(sp, c, err);
	if (ret == 0)
		ret = map_linux(sp, c, err);
	if (ret == 0)
		ret = map_isolation(sp, c, err);
	if (ret == 0 && sp->mode->check)
		ret = sp->mode->check(&sp->o, sp->mo, err);
	return ret;
}

void kiste_oci_spec_free(struct kiste_oci_spec *sp)
{
	free(sp->mo);
	sp->mo = NULL;
	free(sp->sysctl);
	sp->sysctl = NULL;
	sp->nsysctl = 0;
}
