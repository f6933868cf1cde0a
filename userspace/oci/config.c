// SPDX-License-Identifier: GPL-2.0
// config.c - config.json into struct kiste_oci_config (process, root, mounts, hooks, annotations).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "config_read.h"

/* ---- process ---- */

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{ "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
	{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_STACK", RLIMIT_STACK },
};

static int read_rlimit(struct cfg *p, json_object *v, void *item)
{
	struct kiste_oci_rlimit *r = item;
	json_object *t;
	int64_t soft = 0, hard = 0;
	size_t i;
	int ret = cfg_get(p, v, "type", json_type_string, true, &t);

	if (ret < 0)
		return ret;
	for (i = 0; i < NELEM(rlimit_names); i++)
		if (!strcmp(json_object_get_string(t), rlimit_names[i].name))
			break;
	if (i == NELEM(rlimit_names))
		return cfg_bad_at(p, "type",
				  "unknown rlimit '%s': use RLIMIT_NOFILE, RLIMIT_NPROC, ...",
				  json_object_get_string(t));
	r->resource = rlimit_names[i].resource;
	/* RLIM_INFINITY is all ones: writers send it as -1 or as 18446744073709551615. */
	if (cfg_get_int(p, v, "soft", INT64_MIN, INT64_MAX, true, &soft) < 0 ||
	    cfg_get_int(p, v, "hard", INT64_MIN, INT64_MAX, true, &hard) < 0)
		return -EINVAL;
	r->soft = (uint64_t)soft;
	r->hard = (uint64_t)hard;
	if (r->soft > r->hard)
		return cfg_bad(p, "soft %llu is above hard %llu: lower soft",
			   (unsigned long long)r->soft, (unsigned long long)r->hard);
	return 0;
}

static const char *const cap_names[] = {
	"CHOWN",	   "DAC_OVERRIDE",     "DAC_READ_SEARCH", "FOWNER",	  "FSETID",
	"KILL",		   "SETGID",	       "SETUID",	  "SETPCAP",	  "LINUX_IMMUTABLE",
	"NET_BIND_SERVICE", "NET_BROADCAST",   "NET_ADMIN",	  "NET_RAW",	  "IPC_LOCK",
	"IPC_OWNER",	   "SYS_MODULE",       "SYS_RAWIO",	  "SYS_CHROOT",	  "SYS_PTRACE",
	"SYS_PACCT",	   "SYS_ADMIN",	       "SYS_BOOT",	  "SYS_NICE",	  "SYS_RESOURCE",
	"SYS_TIME",	   "SYS_TTY_CONFIG",   "MKNOD",		  "LEASE",	  "AUDIT_WRITE",
	"AUDIT_CONTROL",   "SETFCAP",	       "MAC_OVERRIDE",	  "MAC_ADMIN",	  "SYSLOG",
	"WAKE_ALARM",	   "BLOCK_SUSPEND",    "AUDIT_READ",	  "PERFMON",	  "BPF",
	"CHECKPOINT_RESTORE",
};

static const char *const cap_set_names[KISTE_OCI_CAP_SETS] = {
	"bounding", "effective", "inheritable", "permitted", "ambient",
};

/* Names become bits; a name newer than this table is counted and ignored, as runc does. */
static int read_caps(struct cfg *p, json_object *proc, struct kiste_oci_process *pr)
{
	struct kiste_oci_strv sv = { 0 };
	json_object *c;
	size_t s, i, k, len;
	int ret = cfg_get(p, proc, "capabilities", json_type_object, false, &c);

	if (ret < 0 || !c)
		return ret;
	pr->has_caps = true;
	len = cfg_push(p, "capabilities", 0);
	for (s = 0; s < KISTE_OCI_CAP_SETS && ret == 0; s++) {
		ret = cfg_get_strv(p, c, cap_set_names[s], false, NULL, &sv);
		for (i = 0; ret == 0 && i < sv.n; i++) {
			for (k = 0; k < NELEM(cap_names); k++)
				if (!strncmp(sv.v[i], "CAP_", 4) &&
				    !strcmp(sv.v[i] + 4, cap_names[k]))
					break;
			if (k < NELEM(cap_names))
				pr->caps[s] |= 1ULL << k;
			else
				pr->caps_unknown++;
		}
		cfg_strv_free(&sv);
	}
	cfg_pop(p, len);
	return ret;
}

/* process.consoleSize: the terminal's first rows and columns (a struct winsize holds 16 bits). */
static int read_console_size(struct cfg *p, json_object *proc, struct kiste_oci_process *pr)
{
	int64_t rows = 0, cols = 0;
	json_object *cs;
	size_t len;
	int ret = cfg_get(p, proc, "consoleSize", json_type_object, false, &cs);

	if (ret < 0 || !cs)
		return ret;
	len = cfg_push(p, "consoleSize", 0);
	ret = cfg_get_int(p, cs, "height", 0, UINT16_MAX, true, &rows);
	if (ret == 0)
		ret = cfg_get_int(p, cs, "width", 0, UINT16_MAX, true, &cols);
	cfg_pop(p, len);
	pr->console_rows = (uint16_t)rows;
	pr->console_cols = (uint16_t)cols;
	return ret;
}

static int read_user(struct cfg *p, json_object *proc, struct kiste_oci_process *pr)
{
	json_object *u;
	int64_t uid = 0, gid = 0, umask_v = -1;
	size_t len;
	int ret = cfg_get(p, proc, "user", json_type_object, true, &u);

	if (ret < 0)
		return ret;
	len = cfg_push(p, "user", 0);
	/* 4294967295 is (uid_t)-1, "no change" to every id call: never an identity. */
	ret = cfg_get_int(p, u, "uid", 0, 0xfffffffeLL, true, &uid);
	if (ret == 0)
		ret = cfg_get_int(p, u, "gid", 0, 0xfffffffeLL, true, &gid);
	if (ret == 0)
		ret = cfg_get_int(p, u, "umask", 0, 0777, false, &umask_v);
	cfg_pop(p, len);
	pr->uid = (uint32_t)uid;
	pr->gid = (uint32_t)gid;
	pr->umask = (int)umask_v;
	return ret;
}

static int read_process(struct cfg *p, json_object *root, struct kiste_oci_config *c)
{
	struct kiste_oci_process *pr = &c->process;
	json_object *proc;
	size_t len;
	int ret = cfg_get(p, root, "process", json_type_object, false, &proc);

	if (ret < 0 || !proc)
		return ret;
	c->has_process = true;
	len = cfg_push(p, "process", 0);
	if (cfg_get_bool(p, proc, "terminal", &pr->terminal) < 0 || read_user(p, proc, pr) < 0 ||
	    cfg_get_strv(p, proc, "args", true, NULL, &pr->args) < 0 ||
	    cfg_get_strv(p, proc, "env", false, cfg_check_env, &pr->env) < 0 ||
	    cfg_get_str(p, proc, "cwd", true, &pr->cwd) < 0 ||
	    cfg_each(p, proc, "rlimits", sizeof(*pr->rlimits), (void **)&pr->rlimits, &pr->nrlimits,
		 NELEM(rlimit_names), read_rlimit) < 0 ||
	    cfg_get_bool(p, proc, "noNewPrivileges", &pr->no_new_privileges) < 0 ||
	    read_caps(p, proc, pr) < 0)
		ret = -EINVAL;
	else if (read_console_size(p, proc, pr) < 0)
		ret = -EINVAL;
	else if (pr->args.n == 0 || !pr->args.v[0][0])
		ret = cfg_bad_at(p, "args", "empty%s: give the program to run and its arguments",
				 "");
	else if (pr->cwd[0] != '/')
		ret = cfg_bad_at(p, "cwd", "'%s' is not an absolute path: start it with /",
				 pr->cwd);
	cfg_pop(p, len);
	return ret;
}

/* ---- root, mounts, hooks, annotations ---- */

static int read_root(struct cfg *p, json_object *root, struct kiste_oci_config *c)
{
	json_object *r;
	const char *s;
	size_t len;
	int ret = cfg_get(p, root, "root", json_type_object, true, &r);

	if (ret < 0)
		return ret;
	len = cfg_push(p, "root", 0);
	ret = cfg_get_str(p, r, "path", true, &c->root_path);
	if (ret == 0)
		ret = cfg_get_bool(p, r, "readonly", &c->root_readonly);
	s = c->root_path;
	/* A relative root is the bundle's: it must not climb out of it. */
	if (ret == 0 && s[0] != '/' &&
	    (!strcmp(s, "..") || !strncmp(s, "../", 3) || strstr(s, "/../") ||
	     (strlen(s) >= 3 && !strcmp(s + strlen(s) - 3, "/..")))) {
		ret = cfg_bad_at(p, "path",
			     "'%s' leaves the bundle: give a path inside it, or an absolute one",
			     s);
	} else if (ret == 0 && !s[0]) {
		ret = cfg_bad_at(p, "path", "empty%s: give the rootfs directory (e.g. rootfs)", "");
	}
	cfg_pop(p, len);
	return ret;
}

/* The mount types some mode can honour (or ignore harmlessly); anything else is a mistake. */
static const char *const mount_types[] = {
	"bind", "rbind", "tmpfs", "proc", "sysfs", "devpts", "mqueue", "cgroup", "cgroup2",
	"shm", "none",
};

static int read_mount(struct cfg *p, json_object *v, void *item)
{
	struct kiste_oci_mount *m = item;
	size_t i;

	if (cfg_get_str(p, v, "destination", true, &m->destination) < 0 ||
	    cfg_get_str(p, v, "type", false, &m->type) < 0 ||
	    cfg_get_str(p, v, "source", false, &m->source) < 0 ||
	    cfg_get_strv(p, v, "options", false, NULL, &m->options) < 0)
		return -EINVAL;
	if (m->destination[0] != '/')
		return cfg_bad_at(p, "destination", "'%s' is not an absolute path: start it with /",
			      m->destination);
	if (m->type) {
		for (i = 0; i < NELEM(mount_types); i++)
			if (!strcmp(m->type, mount_types[i]))
				break;
		if (i == NELEM(mount_types))
			return cfg_bad_at(
				p, "type",
				"unknown mount type '%s': use bind, tmpfs, proc, sysfs, devpts, "
				"mqueue, cgroup or cgroup2",
				m->type);
		m->bind = !strcmp(m->type, "bind") || !strcmp(m->type, "rbind");
	}
	for (i = 0; i < m->options.n; i++) {
		if (!strcmp(m->options.v[i], "bind") || !strcmp(m->options.v[i], "rbind"))
			m->bind = true;
		if (!strcmp(m->options.v[i], "ro"))
			m->readonly = true;
	}
	if (m->bind && !m->source)
		return cfg_bad_at(p, "source", "missing%s: a bind mount needs the host path", "");
	return 0;
}

static int read_hook(struct cfg *p, json_object *v, void *item)
{
	struct kiste_oci_hook *h = item;
	int64_t timeout = 0;

	if (cfg_get_str(p, v, "path", true, &h->path) < 0 ||
	    cfg_get_strv(p, v, "args", false, NULL, &h->args) < 0 ||
	    cfg_get_strv(p, v, "env", false, cfg_check_env, &h->env) < 0 ||
	    cfg_get_int(p, v, "timeout", 1, 24 * 3600, false, &timeout) < 0)
		return -EINVAL;
	h->timeout_s = (int)timeout;
	if (h->path[0] != '/')
		return cfg_bad_at(p, "path", "'%s' is not an absolute path: start it with /",
				  h->path);
	return 0;
}

const char *const kiste_oci_hook_names[KISTE_OCI_HOOK_KINDS] = {
	"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

static int read_hooks(struct cfg *p, json_object *root, struct kiste_oci_config *c)
{
	json_object *h;
	size_t k, len;
	int ret = cfg_get(p, root, "hooks", json_type_object, false, &h);

	if (ret < 0 || !h)
		return ret;
	len = cfg_push(p, "hooks", 0);
	for (k = 0; k < KISTE_OCI_HOOK_KINDS && ret == 0; k++)
		ret = cfg_each(p, h, kiste_oci_hook_names[k], sizeof(struct kiste_oci_hook),
			       (void **)&c->hooks[k], &c->nhooks[k], 64, read_hook);
	cfg_pop(p, len);
	return ret;
}

/*
 * The string-to-string object @name of @obj into *@kv, *@n (annotations,
 * linux.sysctl); @key_ok, when given, says why a key is refused (NULL: fine).
 */
int cfg_string_map(struct cfg *p, json_object *obj, const char *name, struct kiste_oci_kv **kv,
		   size_t *n, const char *(*key_ok)(const char *key))
{
	json_object *a;
	const char *why;
	size_t len, cap;
	int ret = cfg_get(p, obj, name, json_type_object, false, &a);

	if (ret < 0 || !a)
		return ret;
	cap = (size_t)json_object_object_length(a);
	len = cfg_push(p, name, 0);
	if (cap > KISTE_OCI_ARRAY_MAX) {
		ret = cfg_bad(p, "%zu entries: at most %d", cap, KISTE_OCI_ARRAY_MAX);
		goto out;
	}
	*kv = calloc(cap ? cap : 1, sizeof(**kv));
	if (!*kv) {
		ret = kiste_err_set(p->err, -ENOMEM, "out of memory");
		goto out;
	}
	json_object_object_foreach(a, key, val)
	{
		if (ret < 0)
			break;
		if (!val || json_object_get_type(val) != json_type_string) {
			ret = cfg_bad_at(p, key, "must be a string%s", "");
			break;
		}
		why = key_ok ? key_ok(key) : NULL;
		if (why) {
			ret = cfg_bad_at(p, key, "%s", why);
			break;
		}
		(*kv)[*n].key = strdup(key);
		(*kv)[*n].value = strdup(json_object_get_string(val));
		(*n)++;
		if (!(*kv)[*n - 1].key || !(*kv)[*n - 1].value)
			ret = kiste_err_set(p->err, -ENOMEM, "out of memory");
	}
out:
	cfg_pop(p, len);
	return ret;
}

int kiste_oci_config_parse(const char *text, size_t len, struct kiste_oci_config *c,
			   struct kiste_err *err)
{
	struct cfg p = { .err = err };
	json_object *root;
	int ret;

	memset(c, 0, sizeof(*c));
	root = cfg_parse_object("config.json", text, len, KISTE_OCI_CONFIG_MAX, err);
	if (!root)
		return err && err->code ? err->code : -EINVAL;
	ret = cfg_get_str(&p, root, "ociVersion", true, &c->oci_version);
	if (ret == 0 && strncmp(c->oci_version, "1.", 2))
		ret = cfg_bad_at(&p, "ociVersion",
				 "'%s' is not a 1.x runtime-spec version: use 1.0.2",
				 c->oci_version);
	if (ret == 0)
		ret = read_process(&p, root, c);
	if (ret == 0)
		ret = read_root(&p, root, c);
	if (ret == 0)
		ret = cfg_get_str(&p, root, "hostname", false, &c->hostname);
	if (ret == 0)
		ret = cfg_each(&p, root, "mounts", sizeof(*c->mounts), (void **)&c->mounts,
			       &c->nmounts, KISTE_OCI_ARRAY_MAX, read_mount);
	if (ret == 0)
		ret = read_hooks(&p, root, c);
	if (ret == 0)
		ret = cfg_string_map(&p, root, "annotations", &c->annotations, &c->nannotations, NULL);
	if (ret == 0)
		ret = cfg_read_linux(&p, root, c);
	json_object_put(root);
	return ret < 0 ? (err && err->code ? err->code : -EINVAL) : 0;
}

int kiste_oci_hooks_parse(const char *what, const char *text, size_t len,
			  struct kiste_oci_config *c, struct kiste_err *err)
{
	struct cfg p = { .err = err, .what = what };
	json_object *root;
	int ret;

	memset(c, 0, sizeof(*c));
	root = cfg_parse_object(what, text, len, KISTE_OCI_CONFIG_MAX, err);
	if (!root)
		return err && err->code ? err->code : -EINVAL;
	ret = read_hooks(&p, root, c);
	json_object_put(root);
	return ret < 0 ? (err && err->code ? err->code : -EINVAL) : 0;
}

/*
 * A JSON file of at most KISTE_OCI_CONFIG_MAX bytes, NUL-ended in *@buf (the
 * caller frees it); @fix says what the caller should give instead.
 */
static int read_json_file(const char *path, const char *what, const char *fix, char **buf,
			  size_t *len, struct kiste_err *err)
{
	struct stat st;
	ssize_t n;
	int fd;

	/* Non-blocking: a FIFO planted there must not hang the runtime. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return kiste_err_set(err, -errno, "cannot open %s: %s: %s", path, strerror(errno),
				     fix);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return kiste_err_set(err, -EINVAL, "%s is not a regular file: %s", path, fix);
	}
	if (st.st_size > KISTE_OCI_CONFIG_MAX) {
		close(fd);
		return kiste_err_set(err, -EFBIG, "%s: %lld bytes: at most %u", what,
				     (long long)st.st_size, KISTE_OCI_CONFIG_MAX);
	}
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf) {
		close(fd);
		return kiste_err_set(err, -ENOMEM, "out of memory");
	}
	n = read(fd, *buf, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		free(*buf);
		*buf = NULL;
		return kiste_err_set(err, -EIO, "cannot read %s: a short read", path);
	}
	(*buf)[n] = 0;
	*len = (size_t)n;
	return 0;
}

int kiste_oci_config_load(const char *bundle, struct kiste_oci_config *c, struct kiste_err *err)
{
	char path[PATH_MAX];
	char *buf;
	size_t n;
	int ret;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	ret = read_json_file(path, "config.json", "give --bundle a folder with a config.json",
			     &buf, &n, err);
	if (ret < 0)
		return ret;
	ret = kiste_oci_config_parse(buf, n, c, err);
	free(buf);
	return ret;
}

int kiste_oci_process_load(const char *path, struct kiste_oci_config *c, struct kiste_err *err)
{
	struct cfg p = { .err = err, .what = "process.json" };
	json_object *proc, *root;
	char *buf;
	size_t n;
	int ret;

	memset(c, 0, sizeof(*c));
	ret = read_json_file(path, "process.json", "give --process a runtime-spec process "
			     "object", &buf, &n, err);
	if (ret < 0)
		return ret;
	proc = cfg_parse_object("process.json", buf, n, KISTE_OCI_CONFIG_MAX, err);
	free(buf);
	if (!proc)
		return err && err->code ? err->code : -EINVAL;
	/* The object is config.json's "process": read it as that member. */
	root = json_object_new_object();
	if (!root || json_object_object_add(root, "process", proc) < 0) {
		json_object_put(root);
		json_object_put(proc);
		return kiste_err_set(err, -ENOMEM, "out of memory");
	}
	ret = read_process(&p, root, c);
	json_object_put(root);
	return ret < 0 ? (err && err->code ? err->code : -EINVAL) : 0;
}

const char *kiste_oci_annotation(const struct kiste_oci_config *c, const char *key)
{
	size_t i;

	for (i = 0; i < c->nannotations; i++)
		if (!strcmp(c->annotations[i].key, key))
			return c->annotations[i].value;
	return NULL;
}

void kiste_oci_config_free(struct kiste_oci_config *c)
{
	size_t i, k;

	free(c->oci_version);
	cfg_strv_free(&c->process.args);
	cfg_strv_free(&c->process.env);
	free(c->process.cwd);
	free(c->process.rlimits);
	free(c->root_path);
	free(c->hostname);
	for (i = 0; i < c->nmounts; i++) {
		free(c->mounts[i].destination);
		free(c->mounts[i].type);
		free(c->mounts[i].source);
		cfg_strv_free(&c->mounts[i].options);
	}
	free(c->mounts);
	for (k = 0; k < KISTE_OCI_HOOK_KINDS; k++) {
		for (i = 0; i < c->nhooks[k]; i++) {
			free(c->hooks[k][i].path);
			cfg_strv_free(&c->hooks[k][i].args);
			cfg_strv_free(&c->hooks[k][i].env);
		}
		free(c->hooks[k]);
	}
	for (i = 0; i < c->nannotations; i++) {
		free(c->annotations[i].key);
		free(c->annotations[i].value);
	}
	free(c->annotations);
	for (i = 0; i < c->nsysctl; i++) {
		free(c->sysctl[i].key);
		free(c->sysctl[i].value);
	}
	free(c->sysctl);
	for (k = 0; k < KISTE_OCI_NS_TYPES; k++)
		free(c->ns[k].path);
	free(c->uid_mappings);
	free(c->gid_mappings);
	free(c->cgroups_path);
	cfg_strv_free(&c->masked_paths);
	cfg_strv_free(&c->readonly_paths);
	cfg_seccomp_free(c);
	memset(c, 0, sizeof(*c));
}

