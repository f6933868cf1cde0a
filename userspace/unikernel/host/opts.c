// SPDX-License-Identifier: GPL-2.0
// opts.c - unikernel mode's own option values: device bindings and the isolation.
#include <errno.h>
#include <string.h>

#include "uk.h"

bool kiste_uk_dev_name_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len >= KISTE_UK_DEV_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-",
			    s[i]))
			return false;
	return true;
}

int kiste_uk_bind_parse(const char *cmd, const char *arg, uint32_t type, struct kiste_uk_opts *o,
			struct kiste_err *err)
{
	const char *flag = type == KISTE_UK_DEV_BLOCK ? "--block" : "--net";
	const char *what = type == KISTE_UK_DEV_BLOCK ? "FILE" : "TAPDEV";
	const char *eq = strchr(arg, '=');
	struct kiste_uk_binding *b;
	uint32_t i;

	if (!eq || !eq[1] || !kiste_uk_dev_name_valid(arg, eq - arg))
		return kiste_err_set(err, -EINVAL,
				     "kiste %s: bad %s '%s': use %s NAME=%s with NAME from the "
				     "unikernel's manifest",
				     cmd, flag, arg, flag, what);
	if (o->nbind == KISTE_UK_MAX_DEVICES)
		return kiste_err_set(err, -EINVAL,
				     "kiste %s: more than %d devices bound: a "
				     "unikernel declares at most %d",
				     cmd, KISTE_UK_MAX_DEVICES, KISTE_UK_MAX_DEVICES);
	b = &o->bind[o->nbind];
	*b = (struct kiste_uk_binding){ .target = eq + 1, .type = type };
	/* argv stays intact: the binding names its target inside it */
	memcpy(b->name, arg, eq - arg);
	for (i = 0; i < o->nbind; i++)
		if (!strcmp(o->bind[i].name, b->name))
			return kiste_err_set(err, -EINVAL,
					     "kiste %s: device '%s' bound twice: "
					     "bind each device once",
					     cmd, b->name);
	o->nbind++;
	return 0;
}

int kiste_uk_isolation_parse(const char *cmd, const char *arg, struct kiste_uk_opts *o,
			     struct kiste_err *err)
{
	if (!strcmp(arg, "process"))
		o->isolation = KISTE_UK_ISO_PROCESS;
	else if (!strcmp(arg, "vm"))
		o->isolation = KISTE_UK_ISO_VM;
	else
		return kiste_err_set(err, -EINVAL,
				     "kiste %s: bad --isolation '%s': use process or vm", cmd, arg);
	return 0;
}
