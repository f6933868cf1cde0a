/* SPDX-License-Identifier: GPL-2.0 */
/* kiste_oci_spec.h - a parsed config.json as one mode's run options (oci/spec.c). */
#ifndef KISTE_OCI_SPEC_H
#define KISTE_OCI_SPEC_H

#include <stdarg.h>

#include "kiste_mode.h"
#include "kiste_oci.h"

/* The container as its mode runs it. */
struct kiste_oci_spec {
	const struct kiste_mode_ops *mode;
	struct kiste_run_opts o;	/* strings point into the config: keep it */
	void *mo;			/* the mode's own options (mode->opts_size bytes) */
	char rootfs[PATH_MAX];		/* root.path, made absolute against the bundle */
	char home[PATH_MAX + 8];	/* "HOME=..." when the config has none */
	const char *hostname;		/* NULL: the mode's default */
	bool terminal;			/* process.terminal: create needs --console-socket */
	/* linux.sysctl the mode sets (into the config's entries: keep it), nsysctl of them */
	const struct kiste_oci_kv **sysctl;
	size_t nsysctl;
	/* linux.uidMappings and gidMappings the mode takes (oci_idmaps, as host root), or none */
	const struct kiste_oci_idmap *uid_map, *gid_map;
	size_t nuid_map, ngid_map;
	/* IN: told about each field the mode cannot honour and ignores (--log). */
	void (*note)(void *ctx, const char *fmt, va_list ap);
	void *note_ctx;
};

/*
 * Maps @c onto the mode named by the annotation org.kiste.mode, else
 * @mode_name (the global --mode), else shim: process, root, resources in the
 * mode's ranges, mounts, hostname.  What the mode cannot honour and what is
 * never weaker to ignore is told to sp->note; what it cannot do at all
 * (hooks inside the container) is refused.  One line in @err names the JSON path.
 */
int kiste_oci_spec_build(const struct kiste_mode_ops *const *modes,
			 const struct kiste_oci_config *c, const char *bundle,
			 const char *mode_name, struct kiste_oci_spec *sp, struct kiste_err *err);
void kiste_oci_spec_free(struct kiste_oci_spec *sp);

#endif /* KISTE_OCI_SPEC_H */
