// SPDX-License-Identifier: GPL-2.0
// config_seccomp.c - config.json's linux.seccomp, linux.devices and linux.resources.devices, typed.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_read.h"

/*
 * What runc takes, and refuses as it does: an unknown action, test,
 * architecture or flag, errnoRet beside an action that returns none, an
 * argument index past the sixth, SCMP_ACT_NOTIFY without a listenerPath.
 */
static const char *const act_names[KISTE_OCI_SCMP_ACTS] = {
	"SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
	"SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",	   "SCMP_ACT_TRACE",
	"SCMP_ACT_ALLOW", "SCMP_ACT_LOG",	   "SCMP_ACT_NOTIFY",
};

static const char *const op_names[KISTE_OCI_SCMP_OPS] = {
	"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",	    "SCMP_CMP_EQ",
	"SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
};

static const char *const arch_names[] = {
	"SCMP_ARCH_X86",      "SCMP_ARCH_X86_64",    "SCMP_ARCH_X32",	   "SCMP_ARCH_ARM",
	"SCMP_ARCH_AARCH64",  "SCMP_ARCH_MIPS",	     "SCMP_ARCH_MIPS64",   "SCMP_ARCH_MIPS64N32",
	"SCMP_ARCH_MIPSEL",   "SCMP_ARCH_MIPSEL64",  "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
	"SCMP_ARCH_PPC64",    "SCMP_ARCH_PPC64LE",   "SCMP_ARCH_S390",	   "SCMP_ARCH_S390X",
	"SCMP_ARCH_PARISC",   "SCMP_ARCH_PARISC64",  "SCMP_ARCH_RISCV64",  "SCMP_ARCH_LOONGARCH64",
	"SCMP_ARCH_M68K",     "SCMP_ARCH_SH",	     "SCMP_ARCH_SHEB",
};

static const char *const flag_names[] = {
	"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

const char *kiste_oci_scmp_act_name(int act)
{
	return act >= 0 && act < KISTE_OCI_SCMP_ACTS ? act_names[act] : "?";
}

/* Member @key of @o, one of @names[@n] (@words lists them for the error line): its index. */
static int pick(struct cfg *p, json_object *o, const char *key, bool required,
		const char *const *names, size_t n, const char *words, int *out)
{
	json_object *v;
	char msg[256];
	size_t i;
	int ret = cfg_get(p, o, key, json_type_string, required, &v);

	if (ret < 0 || !v)
		return ret;

	for (i = 0; i < n; i++)
		if (!strcmp(json_object_get_string(v), names[i])) {
			*out = (int)i;
			return 0;
		}
	snprintf(msg, sizeof(msg), "unknown value '%.64s': use %s", json_object_get_string(v),
		 words);
	return cfg_bad_at(p, key, "%s", msg);
}

/* Each string of @sv one of @names[@n]. */
static int all_known(struct cfg *p, const char *key, const struct kiste_oci_strv *sv,
		     const char *const *names, size_t n)
{
	size_t i, k;
	int ret = 0;

	for (i = 0; i < sv->n && ret == 0; i++) {
		for (k = 0; k < n && strcmp(sv->v[i], names[k]); k++)
			;
		if (k == n) {
			size_t len = cfg_push(p, key, 0);
			size_t ilen = cfg_push(p, NULL, (long)i);

			ret = cfg_bad(p, "unknown value '%.64s': see runtime-spec's config-linux.md",
				      sv->v[i]);
			cfg_pop(p, ilen);
			cfg_pop(p, len);
		}
	}
	return ret;
}

/* An unsigned 64-bit member (argument values: flags masks need all 64 bits). */
static int get_u64(struct cfg *p, json_object *o, const char *key, bool required, uint64_t *out)
{
	json_object *v;
	int ret = cfg_get(p, o, key, json_type_int, required, &v);
	uint64_t u;

	if (ret < 0 || !v)
		return ret;
	errno = 0;
	u = json_object_get_uint64(v);
	if (errno == ERANGE || json_object_get_int64(v) < 0) {
		size_t len = cfg_push(p, key, 0);

		ret = cfg_bad(p, "%s is out of range: use 0..18446744073709551615",
			      json_object_get_string(v));
		cfg_pop(p, len);
		return ret;
	}
	*out = u;
	return 0;
}

static int syscall_name_ok(struct cfg *p, const char *s)
{
	if (!*s || strlen(s) > 64 || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(s))
		return cfg_bad(p, "'%.64s' is no syscall name (a-z, 0-9 and _)", s);
	return 0;
}

static int read_arg(struct cfg *p, json_object *v, void *item)
{
	struct kiste_oci_scmp_arg *a = item;
	int64_t index = 0;

	if (cfg_get_int(p, v, "index", 0, 5, true, &index) < 0 ||
	    get_u64(p, v, "value", false, &a->value) < 0 ||
	    get_u64(p, v, "valueTwo", false, &a->value_two) < 0 ||
	    pick(p, v, "op", true, op_names, KISTE_OCI_SCMP_OPS,
		 "SCMP_CMP_NE, _LT, _LE, _EQ, _GE, _GT, _MASKED_EQ", &a->op) < 0)
		return -EINVAL;
	a->index = (uint32_t)index;
	return 0;
}

/* errnoRet only where the action returns one (runc's rule). */
static int errno_ret(struct cfg *p, json_object *v, const char *key, int action, int64_t *out)
{
	*out = -1;
	if (cfg_get_int(p, v, key, 0, 4095, false, out) < 0)
		return -EINVAL;
	if (*out >= 0 && action != KISTE_OCI_SCMP_ERRNO && action != KISTE_OCI_SCMP_TRACE)
		return cfg_bad_at(p, key, "given with %s, which returns no errno: leave it out "
				  "or use SCMP_ACT_ERRNO", act_names[action]);
	return 0;
}

#define ACT_WORDS "SCMP_ACT_KILL, _KILL_PROCESS, _KILL_THREAD, _TRAP, _ERRNO, _TRACE, _ALLOW, _LOG, _NOTIFY"

static int read_rule(struct cfg *p, json_object *v, void *item)
{
	struct kiste_oci_scmp_rule *r = item;
	size_t len;

	r->errno_ret = -1;
	if (cfg_get_strv(p, v, "names", true, syscall_name_ok, &r->names) < 0 ||
	    pick(p, v, "action", true, act_names, KISTE_OCI_SCMP_ACTS, ACT_WORDS, &r->action) < 0 ||
	    errno_ret(p, v, "errnoRet", r->action, &r->errno_ret) < 0 ||
	    cfg_each(p, v, "args", sizeof(*r->args), (void **)&r->args, &r->nargs, 6,
		     read_arg) < 0)
		return -EINVAL;
	if (!r->names.n || r->names.n > KISTE_OCI_SCMP_NAMES_MAX) {
		len = cfg_push(p, "names", 0);
		cfg_bad(p, "%zu names: give 1 to %d", r->names.n, KISTE_OCI_SCMP_NAMES_MAX);
		cfg_pop(p, len);
		return -EINVAL;
	}
	return 0;
}

int cfg_read_seccomp(struct cfg *p, json_object *lx, struct kiste_oci_config *c)
{
	struct kiste_oci_seccomp *s;
	json_object *o;
	size_t len, i;
	int ret = cfg_get(p, lx, "seccomp", json_type_object, false, &o);

	if (ret < 0 || !o)
		return ret;
	s = calloc(1, sizeof(*s));
	if (!s)
		return kiste_err_set(p->err, -ENOMEM, "out of memory");
	c->seccomp = s;
	len = cfg_push(p, "seccomp", 0);
	if (pick(p, o, "defaultAction", true, act_names, KISTE_OCI_SCMP_ACTS, ACT_WORDS,
		 &s->default_action) < 0 ||
	    errno_ret(p, o, "defaultErrnoRet", s->default_action, &s->default_errno_ret) < 0 ||
	    cfg_get_strv(p, o, "architectures", false, NULL, &s->architectures) < 0 ||
	    all_known(p, "architectures", &s->architectures, arch_names, NELEM(arch_names)) < 0 ||
	    cfg_get_strv(p, o, "flags", false, NULL, &s->flags) < 0 ||
	    all_known(p, "flags", &s->flags, flag_names, NELEM(flag_names)) < 0 ||
	    cfg_get_str(p, o, "listenerPath", false, &s->listener_path) < 0 ||
	    cfg_each(p, o, "syscalls", sizeof(*s->syscalls), (void **)&s->syscalls,
		     &s->nsyscalls, KISTE_OCI_SCMP_RULES_MAX, read_rule) < 0)
		ret = -EINVAL;
	for (i = 0; ret == 0 && !s->listener_path && i <= s->nsyscalls; i++)
		if ((i < s->nsyscalls ? s->syscalls[i].action : s->default_action) ==
		    KISTE_OCI_SCMP_NOTIFY)
			ret = cfg_bad(p, "SCMP_ACT_NOTIFY needs a listenerPath: give one, or "
				      "use another action");
	cfg_pop(p, len);
	return ret;
}

/* A type letter of @ok; @dflt when the member is absent (0: required). */
static int type_letter(struct cfg *p, json_object *v, const char *ok, char dflt, char *out)
{
	json_object *t;
	const char *s;
	char msg[96];
	int ret = cfg_get(p, v, "type", json_type_string, !dflt, &t);

	if (ret < 0)
		return ret;
	s = t ? json_object_get_string(t) : "";
	/* absent, or "" (runc's "all" for a rule) */
	if (!*s && dflt) {
		*out = dflt;
		return 0;
	}
	if (strlen(s) != 1 || !strchr(ok, s[0])) {
		snprintf(msg, sizeof(msg), "unknown device type '%.16s': use one letter of %s", s, ok);
		return cfg_bad_at(p, "type", "%s", msg);
	}
	*out = s[0];
	return 0;
}

static int read_device(struct cfg *p, json_object *v, void *item)
{
	struct kiste_oci_device *d = item;
	bool numbers;

	d->major = d->minor = d->file_mode = d->uid = d->gid = -1;
	if (cfg_get_str(p, v, "path", true, &d->path) < 0 || cfg_check_abs(p, d->path) < 0 ||
	    type_letter(p, v, "cbup", 0, &d->type) < 0)
		return -EINVAL;
	numbers = d->type != 'p';
	if (cfg_get_int(p, v, "major", 0, 0xfff, numbers, &d->major) < 0 ||
	    cfg_get_int(p, v, "minor", 0, 0xfffff, numbers, &d->minor) < 0 ||
	    cfg_get_int(p, v, "fileMode", 0, 0xffffffffLL, false, &d->file_mode) < 0 ||
	    cfg_get_int(p, v, "uid", 0, 0xfffffffeLL, false, &d->uid) < 0 ||
	    cfg_get_int(p, v, "gid", 0, 0xfffffffeLL, false, &d->gid) < 0)
		return -EINVAL;
	/* podman sends the whole st_mode (0o20666 for /dev/fuse): its permission bits count */
	if (d->file_mode >= 0)
		d->file_mode &= 07777;
	return 0;
}

static int read_device_rule(struct cfg *p, json_object *v, void *item)
{
	struct kiste_oci_device_rule *r = item;
	json_object *a;
	const char *s;
	size_t len;

	r->major = r->minor = -1;
	if (cfg_get(p, v, "allow", json_type_boolean, true, &a) < 0)
		return -EINVAL;
	r->allow = json_object_get_boolean(a);
	if (type_letter(p, v, "abc", 'a', &r->type) < 0 ||
	    cfg_get_int(p, v, "major", -1, 0xfff, false, &r->major) < 0 ||
	    cfg_get_int(p, v, "minor", -1, 0xfffff, false, &r->minor) < 0 ||
	    cfg_get(p, v, "access", json_type_string, false, &a) < 0)
		return -EINVAL;
	s = a ? json_object_get_string(a) : "rwm";
	if (strlen(s) > 3 || strspn(s, "rwm") != strlen(s)) {
		len = cfg_push(p, "access", 0);
		cfg_bad(p, "'%.16s' is no access: use letters of rwm", s);
		cfg_pop(p, len);
		return -EINVAL;
	}
	snprintf(r->access, sizeof(r->access), "%s", s);
	return 0;
}

int cfg_read_devices(struct cfg *p, json_object *lx, struct kiste_oci_config *c)
{
	return cfg_each(p, lx, "devices", sizeof(*c->devices), (void **)&c->devices,
			&c->ndevices, KISTE_OCI_DEVICES_MAX, read_device);
}

int cfg_read_device_rules(struct cfg *p, json_object *res, struct kiste_oci_config *c)
{
	return cfg_each(p, res, "devices", sizeof(*c->device_rules), (void **)&c->device_rules,
			&c->ndevice_rules, KISTE_OCI_DEVICES_MAX, read_device_rule);
}

void cfg_seccomp_free(struct kiste_oci_config *c)
{
	struct kiste_oci_seccomp *s = c->seccomp;
	size_t i;

	for (i = 0; i < c->ndevices; i++)
		free(c->devices[i].path);
	free(c->devices);
	free(c->device_rules);
	if (!s)
		return;
	for (i = 0; i < s->nsyscalls; i++) {
		cfg_strv_free(&s->syscalls[i].names);
		free(s->syscalls[i].args);
	}
	free(s->syscalls);
	cfg_strv_free(&s->architectures);
	cfg_strv_free(&s->flags);
	free(s->listener_path);
	free(s);
}
