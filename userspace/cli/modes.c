// SPDX-License-Identifier: GPL-2.0
// modes.c - the mode table: every isolation mode `kiste run` and `kiste policy` can pick.
#include <string.h>

#include "kiste_mode.h"

/* Each mode lives in its own folder (userspace/shim, vm, unikernel) and exports one entry. */
const struct kiste_mode_ops *const kiste_modes[] = {
	&kiste_mode_shim,
	&kiste_mode_vm,
	&kiste_mode_unikernel,
	NULL,
};

const struct kiste_mode_ops *kiste_mode_find(const char *name)
{
	size_t i;

	for (i = 0; name && kiste_modes[i]; i++)
		if (!strcmp(name, kiste_modes[i]->name))
			return kiste_modes[i];
	return NULL;
}
