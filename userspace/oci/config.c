// SPDX-License-Identifier: GPL-2.0
// config.c - config.json into struct kiste_oci_config: the one place that reads the bundle's JSON.
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

#include "kiste_oci.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The JSON path of the field being read, for the one error line. */
struct cfg {
	char path[256];
	struct kiste_err *err;
	const char *what;	/* the file, for the error line; NULL: config.json */
};

static int bad(struct cfg *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(struct cfg *p, const char *fmt, ...)
{
	char what[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return kiste_err_set(p->err, -EINVAL, "%s: %s: %s", p->what ? p->what : "config.json",
			     p->path, what);
}

/* Appends ".key" (or "[idx]" when @key is NULL) to the path; returns the length to pop to. */
static size_t push(struct cfg *p, const char *key, long idx)
{
	size_t len = strlen(p->path);

	if (key)
		snprintf(p->path + len, sizeof(p->path) - len, "%s%s", len ? "." : "", key);
	else
		snprintf(p->path + len, sizeof(p->path) - len, "[%ld]", idx);
	return len;
}

static void pop(struct cfg *p, size_t len)
{
	p->path[len] = 0;
}

/* bad() about member @key of the object at the current path. */
static int bad_at(struct cfg *p, const char *key, const char *fmt, const char *arg)
{
	size_t len = push(p, key, 0);
	int ret;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	ret = bad(p, fmt, arg);
#pragma GCC diagnostic pop
	pop(p, len);
	return ret;
}

static const char *type_word(json_type t)
{
	switch (t) {
	case json_type_boolean:
		return "a boolean";
	case json_type_int:
		return "an integer";
	case json_type_double:
		return "a number";
	case json_type_string:
		return "a string";
	case json_type_array:
		return "an array";
	case json_type_object:
		return "an object";
	default:
		return "null";
	}
}

/* The member @key of @o, checked to be of @type; *out NULL when absent (or null). */
static int get(struct cfg *p, json_object *o, const char *key, json_type type, bool required,
	       json_object **out)
{
	json_object *v = NULL;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || !v) {
		if (required)
			return bad_at(p, key, "missing: it must be %s", type_word(type));
		return 0;
	}
	if (json_object_get_type(v) != type) {
		size_t len = push(p, key, 0);
		int ret = bad(p, "must be %s, not %s", type_word(type),
			      type_word(json_object_get_type(v)));

		pop(p, len);
		return ret;
	}
	*out = v;
	return 0;
}

static int dup_str(struct cfg *p, json_object *v, char **out)
{
	*out = strdup(json_object_get_string(v));
	return *out ? 0 : kiste_err_set(p->err, -ENOMEM, "out of memory");
}

static int get_str(struct cfg *p, json_object *o, const char *key, bool required, char **out)
{
	json_object *v;
	int ret = get(p, o, key, json_type_string, required, &v);

	if (ret < 0 || !v)
		return ret;
	return dup_str(p, v, out);
}

static int get_bool(struct cfg *p, json_object *o, const char *key, bool *out)
{
	json_object *v;
	int ret = get(p, o, key, json_type_boolean, false, &v);

	if (ret == 0 && v)
		*out = json_object_get_boolean(v);
	return ret;
}

/* An integer member within [min, max]; *out untouched when it is absent. */
static int get_int(struct cfg *p, json_object *o, const char *key, int64_t min, int64_t max,
		   bool required, int64_t *out)
{
	json_object *v;
	int ret = get(p, o, key, json_type_int, required, &v);
	int64_t x;

	if (ret < 0 || !v)
		return ret;
	errno = 0;
	x = json_object_get_int64(v);
	/* json-c clamps what does not fit in 64 bits and says so in errno. */
	if (errno == ERANGE || x < min || x > max) {
		char range[96];
		size_t len = push(p, key, 0);

		snprintf(range, sizeof(range), "%lld..%lld", (long long)min, (long long)max);
		ret = bad(p, "%s is out of range: use %s", json_object_get_string(v), range);
		pop(p, len);
		return ret;
	}
	*out = x;
	return 0;
}

/* An array of strings; @check (or NULL) judges each one. */
static int get_strv(struct cfg *p, json_object *o, const char *key, bool required,
		    int (*check)(struct cfg *p, const char *s), struct kiste_oci_strv *out)
{
	json_object *a, *v;
	size_t i, n, len, ilen;
	int ret = get(p, o, key, json_type_array, required, &a);

	if (ret < 0 || !a)
		return ret;
	n = json_object_array_length(a);
	len = push(p, key, 0);
	if (n > KISTE_OCI_ARRAY_MAX) {
		ret = bad(p, "%zu entries: at most %d", n, KISTE_OCI_ARRAY_MAX);
		goto out;
	}
	out->v = calloc(n + 1, sizeof(char *));
	if (!out->v) {
		ret = kiste_err_set(p->err, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n && ret == 0; i++) {
		v = json_object_array_get_idx(a, i);
		ilen = push(p, NULL, (long)i);
		if (!v || json_object_get_type(v) != json_type_string)
			ret = bad(p, "must be a string, not %s",
				  type_word(v ? json_object_get_type(v) : json_type_null));
		else if (check)
			ret = check(p, json_object_get_string(v));
		if (ret == 0)
			ret = dup_str(p, v, &out->v[i]);
		if (ret == 0)
			out->n++;
		pop(p, ilen);
	}
out:
	pop(p, len);
	return ret;
}

static int check_env(struct cfg *p, const char *s)
{
	if (s[0] == '=' || !strchr(s, '='))
		return bad(p, "'%s' is not NAME=VALUE: give each entry as NAME=VALUE", s);
	return 0;
}

static int check_abs(struct cfg *p, const char *s)
{
	if (s[0] != '/')
		return bad(p, "'%s' is not an absolute path: start it with /", s);
	return 0;
}

static void strv_free(struct kiste_oci_strv *sv)
{
	size_t i;

	for (i = 0; sv->v && i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	*sv = (struct kiste_oci_strv){ 0 };
}

/* The entries of array member @key, each an object @fn reads with the path set to it. */
static int each(struct cfg *p, json_object *o, const char *key, size_t size, void **items,
		size_t *count, size_t max, int (*fn)(struct cfg *p, json_object *v, void *item))
{
	json_object *a, *v;
	size_t i, n, len, ilen;
	int ret = get(p, o, key, json_type_array, false, &a);

	if (ret < 0 || !a)
		return ret;
	n = json_object_array_length(a);
	len = push(p, key, 0);
	if (n > max) {
		ret = bad(p, "%zu entries: at most %zu", n, max);
		goto out;
	}
	*items = calloc(n ? n : 1, size);
	if (!*items) {
		ret = kiste_err_set(p->err, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n && ret == 0; i++) {
		v = json_object_array_get_idx(a, i);
		ilen = push(p, NULL, (long)i);
		/* Count it first: a half-read entry is freed with the others. */
		(*count)++;
		if (!v || json_object_get_type(v) != json_type_object)
			ret = bad(p, "must be an object");
		else
			ret = fn(p, v, (char *)*items + i * size);
		pop(p, ilen);
	}
out:
	pop(p, len);
	return ret;
}

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
	int ret = get(p, v, "type", json_type_string, true, &t);

	if (ret < 0)
		return ret;
	for (i = 0; i < NELEM(rlimit_names); i++)
		if (!strcmp(json_object_get_string(t), rlimit_names[i].name))
			break;
	if (i == NELEM(rlimit_names))
		return bad_at(p, "type", "unknown rlimit '%s': use RLIMIT_NOFILE, RLIMIT_NPROC, ...",
			      json_object_get_string(t));
	r->resource = rlimit_names[i].resource;
	/* RLIM_INFINITY is all ones: writers send it as -1 or as 18446744073709551615. */
	if (get_int(p, v, "soft", INT64_MIN, INT64_MAX, true, &soft) < 0 ||
	    get_int(p, v, "hard", INT64_MIN, INT64_MAX, true, &hard) < 0)
		return -EINVAL;
	r->soft = (uint64_t)soft;
	r->hard = (uint64_t)hard;
	if (r->soft > r->hard)
		return bad(p, "soft %llu is above hard %llu: lower soft",
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
	int ret = get(p, proc, "capabilities", json_type_object, false, &c);

	if (ret < 0 || !c)
		return ret;
	pr->has_caps = true;
	len = push(p, "capabilities", 0);
	for (s = 0; s < KISTE_OCI_CAP_SETS && ret == 0; s++) {
		ret = get_strv(p, c, cap_set_names[s], false, NULL, &sv);
		for (i = 0; ret == 0 && i < sv.n; i++) {
			for (k = 0; k < NELEM(cap_names); k++)
				if (!strncmp(sv.v[i], "CAP_", 4) && !strcmp(sv.v[i] + 4, cap_names[k]))
					break;
			if (k < NELEM(cap_names))
				pr->caps[s] |= 1ULL << k;
			else
				pr->caps_unknown++;
		}
		strv_free(&sv);
	}
	pop(p, len);
	return ret;
}

static int read_user(struct cfg *p, json_object *proc, struct kiste_oci_process *pr)
{
	json_object *u;
	int64_t uid = 0, gid = 0;
	size_t len;
	int ret = get(p, proc, "user", json_type_object, true, &u);

	if (ret < 0)
		return ret;
	len = push(p, "user", 0);
	/* 4294967295 is (uid_t)-1, "no change" to every id call: never an identity. */
	ret = get_int(p, u, "uid", 0, 0xfffffffeLL, true, &uid);
	if (ret == 0)
		ret = get_int(p, u, "gid", 0, 0xfffffffeLL, true, &gid);
	pop(p, len);
	pr->uid = (uint32_t)uid;
	pr->gid = (uint32_t)gid;
	return ret;
}

static int read_process(struct cfg *p, json_object *root, struct kiste_oci_config *c)
{
	struct kiste_oci_process *pr = &c->process;
	json_object *proc;
	size_t len;
	int ret = get(p, root, "process", json_type_object, false, &proc);

	if (ret < 0 || !proc)
		return ret;
	c->has_process = true;
	len = push(p, "process", 0);
	if (get_bool(p, proc, "terminal", &pr->terminal) < 0 || read_user(p, proc, pr) < 0 ||
	    get_strv(p, proc, "args", true, NULL, &pr->args) < 0 ||
	    get_strv(p, proc, "env", false, check_env, &pr->env) < 0 ||
	    get_str(p, proc, "cwd", true, &pr->cwd) < 0 ||
	    each(p, proc, "rlimits", sizeof(*pr->rlimits), (void **)&pr->rlimits, &pr->nrlimits,
		 NELEM(rlimit_names), read_rlimit) < 0 ||
	    get_bool(p, proc, "noNewPrivileges", &pr->no_new_privileges) < 0 ||
	    read_caps(p, proc, pr) < 0)
		ret = -EINVAL;
	else if (pr->args.n == 0 || !pr->args.v[0][0])
		ret = bad_at(p, "args", "empty%s: give the program to run and its arguments", "");
	else if (pr->cwd[0] != '/')
		ret = bad_at(p, "cwd", "'%s' is not an absolute path: start it with /", pr->cwd);
	pop(p, len);
	return ret;
}

/* ---- root, mounts, hooks, annotations ---- */

static int read_root(struct cfg *p, json_object *root, struct kiste_oci_config *c)
{
	json_object *r;
	const char *s;
	size_t len;
	int ret = get(p, root, "root", json_type_object, true, &r);

	if (ret < 0)
		return ret;
	len = push(p, "root", 0);
	ret = get_str(p, r, "path", true, &c->root_path);
	if (ret == 0)
		ret = get_bool(p, r, "readonly", &c->root_readonly);
	s = c->root_path;
	/* A relative root is the bundle's: it must not climb out of it. */
	if (ret == 0 && s[0] != '/' &&
	    (!strcmp(s, "..") || !strncmp(s, "../", 3) || strstr(s, "/../") ||
	     (strlen(s) >= 3 && !strcmp(s + strlen(s) - 3, "/..")))) {
		ret = bad_at(p, "path",
			     "'%s' leaves the bundle: give a path inside it, or an absolute one",
			     s);
	} else if (ret == 0 && !s[0]) {
		ret = bad_at(p, "path", "empty%s: give the rootfs directory (e.g. rootfs)", "");
	}
	pop(p, len);
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

	if (get_str(p, v, "destination", true, &m->destination) < 0 ||
	    get_str(p, v, "type", false, &m->type) < 0 ||
	    get_str(p, v, "source", false, &m->source) < 0 ||
	    get_strv(p, v, "options", false, NULL, &m->options) < 0)
		return -EINVAL;
	if (m->destination[0] != '/')
		return bad_at(p, "destination", "'%s' is not an absolute path: start it with /",
			      m->destination);
	if (m->type) {
		for (i = 0; i < NELEM(mount_types); i++)
			if (!strcmp(m->type, mount_types[i]))
				break;
		if (i == NELEM(mount_types))
			return bad_at(p, "type",
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
		return bad_at(p, "source", "missing%s: a bind mount needs the host path", "");
	return 0;
}

static int read_hook(struct cfg *p, json_object *v, void *item)
{
	struct kiste_oci_hook *h = item;
	int64_t timeout = 0;

	if (get_str(p, v, "path", true, &h->path) < 0 ||
	    get_strv(p, v, "args", false, NULL, &h->args) < 0 ||
	    get_strv(p, v, "env", false, check_env, &h->env) < 0 ||
	    get_int(p, v, "timeout", 1, 24 * 3600, false, &timeout) < 0)
		return -EINVAL;
	h->timeout_s = (int)timeout;
	if (h->path[0] != '/')
		return bad_at(p, "path", "'%s' is not an absolute path: start it with /", h->path);
	return 0;
}

const char *const kiste_oci_hook_names[KISTE_OCI_HOOK_KINDS] = {
	"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

static int read_hooks(struct cfg *p, json_object *root, struct kiste_oci_config *c)
{
	json_object *h;
	size_t k, len;
	int ret = get(p, root, "hooks", json_type_object, false, &h);

	if (ret < 0 || !h)
		return ret;
	len = push(p, "hooks", 0);
	for (k = 0; k < KISTE_OCI_HOOK_KINDS && ret == 0; k++)
		ret = each(p, h, kiste_oci_hook_names[k], sizeof(struct kiste_oci_hook), (void **)&c->hooks[k],
			   &c->nhooks[k], 64, read_hook);
	pop(p, len);
	return ret;
}

static int read_annotations(struct cfg *p, json_object *root, struct kiste_oci_config *c)
{
	json_object *a;
	size_t len, n;
	int ret = get(p, root, "annotations", json_type_object, false, &a);

	if (ret < 0 || !a)
		return ret;
	n = (size_t)json_object_object_length(a);
	len = push(p, "annotations", 0);
	if (n > KISTE_OCI_ARRAY_MAX) {
		ret = bad(p, "%zu entries: at most %d", n, KISTE_OCI_ARRAY_MAX);
		goto out;
	}
	c->annotations = calloc(n ? n : 1, sizeof(*c->annotations));
	if (!c->annotations) {
		ret = kiste_err_set(p->err, -ENOMEM, "out of memory");
		goto out;
	}
	json_object_object_foreach(a, key, val)
	{
		if (ret < 0)
			break;
		if (!val || json_object_get_type(val) != json_type_string) {
			ret = bad_at(p, key, "must be a string%s", "");
			break;
		}
		c->annotations[c->nannotations].key = strdup(key);
		c->annotations[c->nannotations].value = strdup(json_object_get_string(val));
		c->nannotations++;
		if (!c->annotations[c->nannotations - 1].key ||
		    !c->annotations[c->nannotations - 1].value)
			ret = kiste_err_set(p->err, -ENOMEM, "out of memory");
	}
out:
	pop(p, len);
	return ret;
}

/* ---- linux ---- */

static const char *const ns_names[KISTE_OCI_NS_TYPES] = {
	"pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time",
};

const char *kiste_oci_ns_name(enum kiste_oci_ns_type t)
{
	return t < KISTE_OCI_NS_TYPES ? ns_names[t] : "?";
}

static int read_namespaces(struct cfg *p, json_object *lx, struct kiste_oci_config *c)
{
	json_object *a, *v, *t;
	size_t i, k, len, ilen;
	int ret = get(p, lx, "namespaces", json_type_array, false, &a);

	if (ret < 0 || !a)
		return ret;
	len = push(p, "namespaces", 0);
	for (i = 0; i < json_object_array_length(a) && ret == 0; i++) {
		v = json_object_array_get_idx(a, i);
		ilen = push(p, NULL, (long)i);
		if (!v || json_object_get_type(v) != json_type_object) {
			ret = bad(p, "must be an object");
		} else if (get(p, v, "type", json_type_string, true, &t) < 0) {
			ret = -EINVAL;
		} else {
			for (k = 0; k < KISTE_OCI_NS_TYPES; k++)
				if (!strcmp(json_object_get_string(t), ns_names[k]))
					break;
			if (k == KISTE_OCI_NS_TYPES)
				ret = bad_at(p, "type",
					     "unknown namespace '%s': use pid, network, mount, ipc, "
					     "uts, user, cgroup or time",
					     json_object_get_string(t));
			else if (c->ns[k].present)
				ret = bad_at(p, "type", "'%s' is listed twice: list it once",
					     ns_names[k]);
			else
				ret = get_str(p, v, "path", false, &c->ns[k].path);
			if (ret == 0 && c->ns[k].path && c->ns[k].path[0] != '/')
				ret = bad_at(p, "path", "'%s' is not an absolute path: start it with /",
					     c->ns[k].path);
			if (ret == 0)
				c->ns[k].present = true;
		}
		pop(p, ilen);
	}
	pop(p, len);
	return ret;
}

static int read_idmap(struct cfg *p, json_object *v, void *item)
{
	struct kiste_oci_idmap *m = item;
	int64_t cid = 0, hid = 0, size = 0;

	if (get_int(p, v, "containerID", 0, 0xfffffffeLL, true, &cid) < 0 ||
	    get_int(p, v, "hostID", 0, 0xfffffffeLL, true, &hid) < 0 ||
	    get_int(p, v, "size", 1, 0xffffffffLL, true, &size) < 0)
		return -EINVAL;
	if (cid + size > 0xffffffffLL || hid + size > 0xffffffffLL)
		return bad(p, "the range runs past id 4294967294: make size smaller");
	m->container_id = (uint32_t)cid;
	m->host_id = (uint32_t)hid;
	m->size = (uint32_t)size;
	return 0;
}

/*
 * Memory, pids and CPU from the LinuxResources object @res (linux.resources,
 * or a whole update -r file); the JSON path so far is the caller's.
 */
static int read_resources_in(struct cfg *p, json_object *res, struct kiste_oci_resources *r)
{
	json_object *m, *pd, *cpu;
	int64_t quota = -1, period = 100000;
	size_t l2;
	int ret = 0;

	r->memory_raw = -1;
	r->pids_raw = -1;
	if (get(p, res, "memory", json_type_object, false, &m) < 0 ||
	    get(p, res, "pids", json_type_object, false, &pd) < 0 ||
	    get(p, res, "cpu", json_type_object, false, &cpu) < 0)
		return -EINVAL;
	r->memory_set = m && json_object_object_get_ex(m, "limit", NULL);
	r->pids_set = pd != NULL;
	r->cpu_set = cpu && (json_object_object_get_ex(cpu, "quota", NULL) ||
			     json_object_object_get_ex(cpu, "period", NULL));
	l2 = push(p, "memory", 0);
	/* Beyond 2^62 bytes is no machine: json-c also clamps overflowing numbers to INT64_MAX. */
	if (m && get_int(p, m, "limit", -1, 1LL << 62, false, &r->memory_raw) < 0)
		ret = -EINVAL;
	pop(p, l2);
	l2 = push(p, "pids", 0);
	if (ret == 0 && pd && get_int(p, pd, "limit", -1, INT64_MAX, true, &r->pids_raw) < 0)
		ret = -EINVAL;
	pop(p, l2);
	l2 = push(p, "cpu", 0);
	if (ret == 0 && cpu &&
	    (get_int(p, cpu, "quota", -1, INT64_MAX, false, &quota) < 0 ||
	     get_int(p, cpu, "period", 1000, 1000000, false, &period) < 0))
		ret = -EINVAL;
	pop(p, l2);
	if (ret < 0)
		return ret;
	r->cpu_quota = quota;
	r->cpu_period = period;
	r->memory = r->memory_raw > 0 ? (uint64_t)r->memory_raw : 0;
	/* Above the kernel's own pid ceiling is a typo; the mode's table judges the rest. */
	if (r->pids_raw > (int64_t)KISTE_RUN_PIDS_MAX) {
		l2 = push(p, "pids", 0);
		ret = bad_at(p, "limit", "%s is out of range: use -1 (none) or 1..4194304",
			     json_object_get_string(json_object_object_get(pd, "limit")));
		pop(p, l2);
		return ret;
	}
	r->pids = r->pids_raw > 0 ? (uint32_t)r->pids_raw : 0;
	/* Checked before the product below, which a hostile quota would overflow. */
	if (quota > 0 && (uint64_t)quota / (uint64_t)period >= (1024u << 10)) {
		l2 = push(p, "cpu", 0);
		ret = bad_at(p, "quota", "%s per period is more CPUs than any host has: lower it",
			     json_object_get_string(json_object_object_get(cpu, "quota")));
		pop(p, l2);
		return ret;
	}
	if (quota > 0) {
		uint64_t milli = ((uint64_t)quota * 1000 + (uint64_t)period - 1) / (uint64_t)period;

		if (milli > (1024u << 10) * 1000ull) {
			l2 = push(p, "cpu", 0);
			ret = bad_at(p, "quota", "%s per period is more CPUs than any host has: "
				     "lower it", json_object_get_string(json_object_object_get(cpu, "quota")));
			pop(p, l2);
			return ret;
		}
		r->cpus_milli = (uint32_t)milli;
	}
	return 0;
}

/*
 * Memory, pids and CPU, the limits every mode enforces.  -1 (or 0 for pids)
 * means "no limit", as runc reads them.
 */
static int read_resources(struct cfg *p, json_object *lx, struct kiste_oci_config *c)
{
	struct kiste_oci_resources *r = &c->resources;
	json_object *res;
	size_t len;
	int ret = get(p, lx, "resources", json_type_object, false, &res);

	if (ret < 0 || !res)
		return ret;
	len = push(p, "resources", 0);
	ret = read_resources_in(p, res, r);
	c->has_devices = json_object_object_get_ex(res, "devices", NULL);
	pop(p, len);
	return ret;
}

static int read_linux(struct cfg *p, json_object *root, struct kiste_oci_config *c)
{
	json_object *lx, *o;
	size_t len;
	int ret = get(p, root, "linux", json_type_object, false, &lx);

	if (ret < 0 || !lx)
		return ret;
	len = push(p, "linux", 0);
	if (read_namespaces(p, lx, c) < 0 ||
	    each(p, lx, "uidMappings", sizeof(*c->uid_mappings), (void **)&c->uid_mappings,
		 &c->nuid_mappings, KISTE_OCI_IDMAP_MAX, read_idmap) < 0 ||
	    each(p, lx, "gidMappings", sizeof(*c->gid_mappings), (void **)&c->gid_mappings,
		 &c->ngid_mappings, KISTE_OCI_IDMAP_MAX, read_idmap) < 0 ||
	    read_resources(p, lx, c) < 0 || get_str(p, lx, "cgroupsPath", false, &c->cgroups_path) < 0 ||
	    get_strv(p, lx, "maskedPaths", false, check_abs, &c->masked_paths) < 0 ||
	    get_strv(p, lx, "readonlyPaths", false, check_abs, &c->readonly_paths) < 0 ||
	    get(p, lx, "seccomp", json_type_object, false, &o) < 0)
		ret = -EINVAL;
	c->has_seccomp = ret == 0 && o;
	if (ret == 0 && get(p, lx, "sysctl", json_type_object, false, &o) < 0)
		ret = -EINVAL;
	c->has_sysctl = ret == 0 && o;
	pop(p, len);
	return ret;
}

/* The text of a JSON object (@what names the file in errors); NULL with @err set. */
static json_object *parse_object(const char *what, const char *text, size_t len, size_t max,
				 struct kiste_err *err)
{
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	json_object *root;

	if (len > max) {
		kiste_err_set(err, -EFBIG, "%s: %zu bytes: at most %zu", what, len, max);
		return NULL;
	}
	tok = json_tokener_new();
	if (!tok) {
		kiste_err_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	root = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	if (!root || jerr != json_tokener_success) {
		kiste_err_set(err, -EINVAL, "%s: not valid JSON (%s at byte %zu): fix the file", what,
			      jerr == json_tokener_continue ? "unexpected end" :
							       json_tokener_error_desc(jerr),
			      json_tokener_get_parse_end(tok));
		json_object_put(root);
		json_tokener_free(tok);
		return NULL;
	}
	json_tokener_free(tok);
	if (json_object_get_type(root) != json_type_object) {
		json_object_put(root);
		kiste_err_set(err, -EINVAL, "%s: must be a JSON object: fix the file", what);
		return NULL;
	}
	return root;
}

int kiste_oci_config_parse(const char *text, size_t len, struct kiste_oci_config *c,
			   struct kiste_err *err)
{
	struct cfg p = { .err = err };
	json_object *root;
	int ret;

	memset(c, 0, sizeof(*c));
	root = parse_object("config.json", text, len, KISTE_OCI_CONFIG_MAX, err);
	if (!root)
		return err && err->code ? err->code : -EINVAL;
	ret = get_str(&p, root, "ociVersion", true, &c->oci_version);
	if (ret == 0 && strncmp(c->oci_version, "1.", 2))
		ret = bad_at(&p, "ociVersion", "'%s' is not a 1.x runtime-spec version: use 1.0.2",
			     c->oci_version);
	if (ret == 0)
		ret = read_process(&p, root, c);
	if (ret == 0)
		ret = read_root(&p, root, c);
	if (ret == 0)
		ret = get_str(&p, root, "hostname", false, &c->hostname);
	if (ret == 0)
		ret = each(&p, root, "mounts", sizeof(*c->mounts), (void **)&c->mounts, &c->nmounts,
			   KISTE_OCI_ARRAY_MAX, read_mount);
	if (ret == 0)
		ret = read_hooks(&p, root, c);
	if (ret == 0)
		ret = read_annotations(&p, root, c);
	if (ret == 0)
		ret = read_linux(&p, root, c);
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
	root = parse_object(what, text, len, KISTE_OCI_CONFIG_MAX, err);
	if (!root)
		return err && err->code ? err->code : -EINVAL;
	ret = read_hooks(&p, root, c);
	json_object_put(root);
	return ret < 0 ? (err && err->code ? err->code : -EINVAL) : 0;
}

/* The members of a LinuxResources object kiste_oci_resources_parse() reads. */
static const char *const resources_known[] = { "memory", "pids", "cpu" };

int kiste_oci_resources_parse(const char *what, const char *text, size_t len,
			      struct kiste_oci_resources *r, char *ignored, size_t ignored_len,
			      struct kiste_err *err)
{
	struct cfg p = { .err = err, .what = what };
	json_object *root;
	size_t i, n;
	int ret;

	memset(r, 0, sizeof(*r));
	if (ignored && ignored_len)
		ignored[0] = 0;
	/* A resources object is a few hundred bytes; the config's cap is ample. */
	root = parse_object(what, text, len, KISTE_OCI_CONFIG_MAX, err);
	if (!root)
		return err && err->code ? err->code : -EINVAL;
	ret = read_resources_in(&p, root, r);
	json_object_object_foreach(root, key, val)
	{
		(void)val;
		for (i = 0; i < NELEM(resources_known) && strcmp(key, resources_known[i]); i++)
			;
		if (i < NELEM(resources_known) || !ignored)
			continue;
		n = strlen(ignored);
		snprintf(ignored + n, ignored_len - n, "%s%.64s", n ? ", " : "", key);
	}
	json_object_put(root);
	return ret < 0 ? (err && err->code ? err->code : -EINVAL) : 0;
}

int kiste_oci_config_load(const char *bundle, struct kiste_oci_config *c, struct kiste_err *err)
{
	char path[PATH_MAX];
	struct stat st;
	char *buf;
	ssize_t n;
	int fd, ret;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	/* Non-blocking: a FIFO planted as config.json must not hang the runtime. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return kiste_err_set(err, -errno, "cannot open %s: %s: give --bundle a folder "
				     "with a config.json", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return kiste_err_set(err, -EINVAL, "%s is not a regular file: give a bundle's "
				     "config.json", path);
	}
	if (st.st_size > KISTE_OCI_CONFIG_MAX) {
		close(fd);
		return kiste_err_set(err, -EFBIG, "config.json: %lld bytes: at most %u",
				     (long long)st.st_size, KISTE_OCI_CONFIG_MAX);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return kiste_err_set(err, -ENOMEM, "out of memory");
	}
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		free(buf);
		return kiste_err_set(err, -EIO, "cannot read %s: a short read", path);
	}
	buf[n] = 0;
	ret = kiste_oci_config_parse(buf, (size_t)n, c, err);
	free(buf);
	return ret;
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
	strv_free(&c->process.args);
	strv_free(&c->process.env);
	free(c->process.cwd);
	free(c->process.rlimits);
	free(c->root_path);
	free(c->hostname);
	for (i = 0; i < c->nmounts; i++) {
		free(c->mounts[i].destination);
		free(c->mounts[i].type);
		free(c->mounts[i].source);
		strv_free(&c->mounts[i].options);
	}
	free(c->mounts);
	for (k = 0; k < KISTE_OCI_HOOK_KINDS; k++) {
		for (i = 0; i < c->nhooks[k]; i++) {
			free(c->hooks[k][i].path);
			strv_free(&c->hooks[k][i].args);
			strv_free(&c->hooks[k][i].env);
		}
		free(c->hooks[k]);
	}
	for (i = 0; i < c->nannotations; i++) {
		free(c->annotations[i].key);
		free(c->annotations[i].value);
	}
	free(c->annotations);
	for (k = 0; k < KISTE_OCI_NS_TYPES; k++)
		free(c->ns[k].path);
	free(c->uid_mappings);
	free(c->gid_mappings);
	free(c->cgroups_path);
	strv_free(&c->masked_paths);
	strv_free(&c->readonly_paths);
	memset(c, 0, sizeof(*c));
}
