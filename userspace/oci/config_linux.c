// SPDX-License-Identifier: GPL-2.0
// config_linux.c - config.json's "linux" member and update -r's resources: namespaces, ids, limits.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_read.h"

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
	int ret = cfg_get(p, lx, "namespaces", json_type_array, false, &a);

	if (ret < 0 || !a)
		return ret;
	len = cfg_push(p, "namespaces", 0);
	for (i = 0; i < json_object_array_length(a) && ret == 0; i++) {
		v = json_object_array_get_idx(a, i);
		ilen = cfg_push(p, NULL, (long)i);
		if (!v || json_object_get_type(v) != json_type_object) {
			ret = cfg_bad(p, "must be an object");
		} else if (cfg_get(p, v, "type", json_type_string, true, &t) < 0) {
			ret = -EINVAL;
		} else {
			for (k = 0; k < KISTE_OCI_NS_TYPES; k++)
				if (!strcmp(json_object_get_string(t), ns_names[k]))
					break;
			if (k == KISTE_OCI_NS_TYPES)
				ret = cfg_bad_at(
					p, "type",
					"unknown namespace '%s': use pid, network, mount, ipc, "
					"uts, user, cgroup or time",
					json_object_get_string(t));
			else if (c->ns[k].present)
				ret = cfg_bad_at(p, "type", "'%s' is listed twice: list it once",
					     ns_names[k]);
			else
				ret = cfg_get_str(p, v, "path", false, &c->ns[k].path);
			if (ret == 0 && c->ns[k].path && c->ns[k].path[0] != '/')
				ret = cfg_bad_at(p, "path",
						 "'%s' is not an absolute path: start it with /",
						 c->ns[k].path);
			if (ret == 0)
				c->ns[k].present = true;
		}
		cfg_pop(p, ilen);
	}
	cfg_pop(p, len);
	return ret;
}

static int read_idmap(struct cfg *p, json_object *v, void *item)
{
	struct kiste_oci_idmap *m = item;
	int64_t cid = 0, hid = 0, size = 0;

	if (cfg_get_int(p, v, "containerID", 0, 0xfffffffeLL, true, &cid) < 0 ||
	    cfg_get_int(p, v, "hostID", 0, 0xfffffffeLL, true, &hid) < 0 ||
	    cfg_get_int(p, v, "size", 1, 0xffffffffLL, true, &size) < 0)
		return -EINVAL;
	if (cid + size > 0xffffffffLL || hid + size > 0xffffffffLL)
		return cfg_bad(p, "the range runs past id 4294967294: make size smaller");
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
	if (cfg_get(p, res, "memory", json_type_object, false, &m) < 0 ||
	    cfg_get(p, res, "pids", json_type_object, false, &pd) < 0 ||
	    cfg_get(p, res, "cpu", json_type_object, false, &cpu) < 0)
		return -EINVAL;
	r->memory_set = m && json_object_object_get_ex(m, "limit", NULL);
	r->pids_set = pd != NULL;
	r->cpu_set = cpu && (json_object_object_get_ex(cpu, "quota", NULL) ||
			     json_object_object_get_ex(cpu, "period", NULL));
	l2 = cfg_push(p, "memory", 0);
	/* Beyond 2^62 bytes is no machine: json-c also clamps overflowing numbers to INT64_MAX. */
	if (m && cfg_get_int(p, m, "limit", -1, 1LL << 62, false, &r->memory_raw) < 0)
		ret = -EINVAL;
	cfg_pop(p, l2);
	l2 = cfg_push(p, "pids", 0);
	if (ret == 0 && pd && cfg_get_int(p, pd, "limit", -1, INT64_MAX, true, &r->pids_raw) < 0)
		ret = -EINVAL;
	cfg_pop(p, l2);
	l2 = cfg_push(p, "cpu", 0);
	if (ret == 0 && cpu &&
	    (cfg_get_int(p, cpu, "quota", -1, INT64_MAX, false, &quota) < 0 ||
	     cfg_get_int(p, cpu, "period", 1000, 1000000, false, &period) < 0))
		ret = -EINVAL;
	cfg_pop(p, l2);
	if (ret < 0)
		return ret;
	r->cpu_quota = quota;
	r->cpu_period = period;
	r->memory = r->memory_raw > 0 ? (uint64_t)r->memory_raw : 0;
	/* Above the kernel's own pid ceiling is a typo; the mode's table judges the rest. */
	if (r->pids_raw > (int64_t)KISTE_RUN_PIDS_MAX) {
		l2 = cfg_push(p, "pids", 0);
		ret = cfg_bad_at(p, "limit", "%s is out of range: use -1 (none) or 1..4194304",
			     json_object_get_string(json_object_object_get(pd, "limit")));
		cfg_pop(p, l2);
		return ret;
	}
	r->pids = r->pids_raw > 0 ? (uint32_t)r->pids_raw : 0;
	/* Checked before the product below, which a hostile quota would overflow. */
	if (quota > 0 && (uint64_t)quota / (uint64_t)period >= (1024u << 10)) {
		l2 = cfg_push(p, "cpu", 0);
		ret = cfg_bad_at(p, "quota",
				 "%s per period is more CPUs than any host has: lower it",
				 json_object_get_string(json_object_object_get(cpu, "quota")));
		cfg_pop(p, l2);
		return ret;
	}
	if (quota > 0) {
		uint64_t milli = ((uint64_t)quota * 1000 + (uint64_t)period - 1) / (uint64_t)period;

		if (milli > (1024u << 10) * 1000ull) {
			l2 = cfg_push(p, "cpu", 0);
			ret = cfg_bad_at(
				p, "quota",
				"%s per period is more CPUs than any host has: "
				"lower it",
				json_object_get_string(json_object_object_get(cpu, "quota")));
			cfg_pop(p, l2);
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
	int ret = cfg_get(p, lx, "resources", json_type_object, false, &res);

	if (ret < 0 || !res)
		return ret;
	len = cfg_push(p, "resources", 0);
	ret = read_resources_in(p, res, r);
	if (ret == 0)
		ret = cfg_read_device_rules(p, res, c);
	cfg_pop(p, len);
	return ret;
}

int kiste_oci_sysctl_path(const char *key, char *out, size_t n)
{
	/* runc's rule: a name with a slash is the path; else its dots are the slashes */
	const char sep = strchr(key, '/') ? '/' : '.';
	const char *ok = sep == '/' ? "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@:+-."
				   : "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@:+-";
	const char *p = key, *end;
	size_t len, at = 0;

	if (!*key || strlen(key) >= n)
		return -EINVAL;
	for (;;) {
		end = strchr(p, sep);
		len = end ? (size_t)(end - p) : strlen(p);
		/* a word: not empty, no "." or "..", nothing a path could take another way */
		if (!len || strspn(p, ok) < len || (len <= 2 && !strncmp(p, "..", len)))
			return -EINVAL;
		memcpy(out + at, p, len);
		at += len;
		if (!end)
			break;
		out[at++] = '/';
		p = end + 1;
	}
	out[at] = 0;
	return 0;
}

int kiste_oci_sysctl_ns(const char *key)
{
	static const char *const ipc[] = { "kernel/msgmax", "kernel/msgmnb", "kernel/msgmni",
					   "kernel/sem",    "kernel/shmall", "kernel/shmmax",
					   "kernel/shmmni", "kernel/shm_rmid_forced" };
	char path[256];
	size_t i;

	if (kiste_oci_sysctl_path(key, path, sizeof(path)) < 0)
		return -1;
	if (!strncmp(path, "net/", 4))
		return KISTE_OCI_NS_NETWORK;
	if (!strncmp(path, "fs/mqueue/", 10))
		return KISTE_OCI_NS_IPC;
	for (i = 0; i < sizeof(ipc) / sizeof(ipc[0]); i++)
		if (!strcmp(path, ipc[i]))
			return KISTE_OCI_NS_IPC;
	if (!strcmp(path, "kernel/hostname") || !strcmp(path, "kernel/domainname"))
		return KISTE_OCI_NS_UTS;
	return -1;
}

/* A sysctl name becomes a path below /proc/sys (kiste_oci_sysctl_path). */
static const char *sysctl_key_ok(const char *key)
{
	char path[256];

	if (kiste_oci_sysctl_path(key, path, sizeof(path)) < 0)
		return "is no sysctl name (dotted words, or a path of words, of A-Z a-z 0-9 _ @ : + -)";
	if (kiste_oci_sysctl_ns(key) < 0)
		return "is a host-wide setting, in no namespace of the container's: leave it out "
		       "(runc refuses it too)";
	return NULL;
}

int cfg_read_linux(struct cfg *p, json_object *root, struct kiste_oci_config *c)
{
	json_object *lx;
	size_t len;
	int ret = cfg_get(p, root, "linux", json_type_object, false, &lx);

	if (ret < 0 || !lx)
		return ret;
	len = cfg_push(p, "linux", 0);
	if (read_namespaces(p, lx, c) < 0 ||
	    cfg_each(p, lx, "uidMappings", sizeof(*c->uid_mappings), (void **)&c->uid_mappings,
		     &c->nuid_mappings, KISTE_OCI_IDMAP_MAX, read_idmap) < 0 ||
	    cfg_each(p, lx, "gidMappings", sizeof(*c->gid_mappings), (void **)&c->gid_mappings,
		     &c->ngid_mappings, KISTE_OCI_IDMAP_MAX, read_idmap) < 0 ||
	    read_resources(p, lx, c) < 0 ||
	    cfg_get_str(p, lx, "cgroupsPath", false, &c->cgroups_path) < 0 ||
	    cfg_get_strv(p, lx, "maskedPaths", false, cfg_check_abs, &c->masked_paths) < 0 ||
	    cfg_get_strv(p, lx, "readonlyPaths", false, cfg_check_abs, &c->readonly_paths) < 0 ||
	    cfg_read_devices(p, lx, c) < 0 || cfg_read_seccomp(p, lx, c) < 0)
		ret = -EINVAL;
	if (ret == 0)
		ret = cfg_string_map(p, lx, "sysctl", &c->sysctl, &c->nsysctl, sysctl_key_ok);
	cfg_pop(p, len);
	return ret;
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
	root = cfg_parse_object(what, text, len, KISTE_OCI_CONFIG_MAX, err);
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

