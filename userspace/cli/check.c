// SPDX-License-Identifier: GPL-2.0
// kiste check: report which isolation layers this machine offers.
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "check.h"
#include "cli.h"
#include "kiste_mode.h"
#include "kiste_oci.h"

int check_parse(int argc, char **argv, struct json_opts *o, struct kiste_err *err)
{
	return cli_json_opts_parse("check", argc, argv, o, err);
}

static struct json_object *actions_json(const char *list)
{
	struct json_object *arr = json_object_new_array();
	char buf[256], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, " ", &save); arr && tok; tok = strtok_r(NULL, " ", &save))
		json_object_array_add(arr, json_object_new_string(tok));
	return arr;
}

/*
 * The mode an OCI container without the annotation or --mode gets, and why:
 * the configuration file's (KISTE_CONFIG's), or shim; NULL with @why the
 * file's error line when that file is not usable (create would refuse).
 */
static const char *oci_default_mode(char *why, size_t n)
{
	static char mode[16];
	struct kiste_err err = { 0 };
	const char *path = kiste_runtime_conf_path();
	int ret = kiste_runtime_conf_mode(mode, sizeof(mode), &err);

	if (ret < 0)
		snprintf(why, n, "%s", err.msg);
	else if (ret)
		snprintf(why, n, "mode = %s in %s", mode, path);
	else if (access(path, F_OK) == 0)
		snprintf(why, n, "no mode line in %s", path);
	else
		snprintf(why, n, "no %s", path);
	return ret < 0 ? NULL : ret ? mode : "shim";
}

static struct json_object *check_json(const struct check_report *r)
{
	struct json_object *o = json_object_new_object(), *m, *k, *s, *l, *u, *sh;
	char ids[512], why[sizeof(((struct kiste_err *)0)->msg) + 64];
	const char *mode;
	size_t i;

	m = json_object_new_object();
	json_object_object_add(m, "loaded", json_object_new_boolean(r->genl || r->dev));
	json_object_object_add(m, "genl", json_object_new_boolean(r->genl));
	json_object_object_add(m, "device", json_object_new_boolean(r->dev));
	json_object_object_add(m, "iface_version",
			       r->iface_version < 0 ? NULL
						    : json_object_new_int64(r->iface_version));
	json_object_object_add(m, "iface_expected", json_object_new_int(KISTE_IFACE_VERSION));
	json_object_object_add(o, "module", m);
	k = json_object_new_object();
	json_object_object_add(k, "present", json_object_new_boolean(r->kvm));
	json_object_object_add(k, "openable", json_object_new_boolean(r->kvm && !r->kvm_errno));
	json_object_object_add(o, "kvm", k);
	json_object_object_add(o, "syscall_user_dispatch", json_object_new_boolean(r->sud));
	s = json_object_new_object();
	json_object_object_add(s, "available", json_object_new_boolean(r->seccomp));
	json_object_object_add(s, "actions", actions_json(r->seccomp_actions));
	json_object_object_add(o, "seccomp", s);
	l = json_object_new_object();
	json_object_object_add(l, "available", json_object_new_boolean(r->landlock_abi > 0));
	json_object_object_add(l, "abi", json_object_new_int(r->landlock_abi));
	json_object_object_add(o, "landlock", l);
	u = json_object_new_object();
	json_object_object_add(u, "available", json_object_new_boolean(r->userns));
	json_object_object_add(u, "probed_as_nobody", json_object_new_boolean(r->userns_as_nobody));
	json_object_object_add(o, "userns", u);
	sh = json_object_new_object();
	json_object_object_add(sh, "namespaces", json_object_new_boolean(r->shim_ns));
	json_object_object_add(sh, "runs", json_object_new_string(
		r->shim_ns ? "sandboxed" : "only with --unsafe-no-namespaces (weaker)"));
	json_object_object_add(o, "shim", sh);
	/* Each mode's line on the ids its sandboxes get for this caller. */
	for (i = 0; kiste_modes[i]; i++) {
		if (!kiste_modes[i]->ids)
			continue;
		kiste_modes[i]->ids(ids, sizeof(ids));
		json_object_object_add(json_object_object_get(o, kiste_modes[i]->name) ?: o,
				       "ids", json_object_new_string(ids));
	}
	json_object_object_add(o, "cgroup",
			       r->cgroup[0] ? json_object_new_string(r->cgroup) : NULL);
	sh = json_object_new_object();
	mode = oci_default_mode(why, sizeof(why));
	json_object_object_add(sh, "default_mode", mode ? json_object_new_string(mode) : NULL);
	json_object_object_add(sh, "why", json_object_new_string(why));
	json_object_object_add(o, "oci", sh);
	return o;
}

static void check_text(const struct check_report *r)
{
	char ids[512], why[sizeof(((struct kiste_err *)0)->msg) + 64];
	const char *mode;
	size_t i;

	if (r->genl || r->dev) {
		printf("module:                loaded (genl family %s, /dev/kiste %s",
		       r->genl ? "yes" : "no",
		       r->dev ? (r->dev_errno ? strerror(r->dev_errno) : "openable") : "missing");
		if (r->iface_version >= 0)
			printf(", interface %ld%s", r->iface_version,
			       r->iface_version == KISTE_IFACE_VERSION
				       ? ""
				       : " - differs from this kiste's");
		printf(")\n");
	} else {
		printf("module:                not loaded: modprobe kiste\n");
	}
	if (!r->kvm)
		printf("kvm:                   /dev/kvm missing: load kvm_intel or kvm_amd\n");
	else if (r->kvm_errno)
		printf("kvm:                   /dev/kvm present, cannot open: %s\n",
		       strerror(r->kvm_errno));
	else
		printf("kvm:                   /dev/kvm openable\n");
	printf("syscall user dispatch: %s\n", r->sud ? "available" : "unavailable");
	printf("seccomp:               %s%s%s%s\n", r->seccomp ? "available" : "unavailable",
	       r->seccomp_actions[0] ? " (" : "", r->seccomp_actions,
	       r->seccomp_actions[0] ? ")" : "");
	if (r->landlock_abi)
		printf("landlock:              ABI %d\n", r->landlock_abi);
	else
		printf("landlock:              unavailable (%s)\n", strerror(r->landlock_errno));
	printf("user namespaces:       %s\n",
	       r->userns ? "available to unprivileged users" : "unavailable to unprivileged users");
	if (r->shim_ns)
		printf("shim mode:             user, pid, mount, ipc, uts and net namespaces work "
		       "for you here: sandboxed\n");
	else
		printf("shim mode:             needs user namespaces, which this host refuses you: "
		       "it runs only with --unsafe-no-namespaces, a weaker sandbox (host /proc, "
		       "pids and network; no read-only mounts)\n");
	for (i = 0; kiste_modes[i]; i++) {
		if (!kiste_modes[i]->ids)
			continue;
		kiste_modes[i]->ids(ids, sizeof(ids));
		printf("%s ids:%*s%s\n", kiste_modes[i]->name,
		       (int)(18 - strlen(kiste_modes[i]->name)), "", ids);
	}
	if (r->cgroup[0])
		printf("cgroups:               %s: each sandbox's --memory, --pids-limit and "
		       "--cpus are the kernel's\n", r->cgroup);
	else
		printf("cgroups:               none kiste may use here (not root, no delegated "
		       "controllers): no limit on processes or CPU; --memory given to shim mode is "
		       "RLIMIT_AS, a weaker cap (memfds and pipe buffers are not counted); tmpfs "
		       "sizes still hold\n");
	mode = oci_default_mode(why, sizeof(why));
	if (mode)
		printf("oci default mode:      %s (%s)\n", mode, why);
	else
		printf("oci default mode:      none: a container without org.kiste.mode or --mode "
		       "is refused: %s\n", why);
}

int check_run(const struct json_opts *o)
{
	struct check_report r;

	check_probe(&r);
	if (o->json)
		return cli_print_json(check_json(&r)) ? KISTE_EXIT_FAIL : KISTE_EXIT_OK;
	check_text(&r);
	return KISTE_EXIT_OK;
}

static int check_main(int argc, char **argv)
{
	struct kiste_err err = { 0 };
	struct json_opts o;
	int ret = check_parse(argc, argv, &o, &err);

	if (ret < 0 || o.help)
		return cli_finish_parse(&cli_cmd_check, ret, &err);
	return check_run(&o);
}

const struct cli_cmd cli_cmd_check = {
	.name = "check",
	.summary = "report which isolation layers this machine offers",
	.usage = "Usage: kiste check [--json]\n\n"
		 "Report kiste.ko (netlink family, /dev/kiste, interface version), /dev/kvm,\n"
		 "syscall user dispatch, seccomp, the Landlock ABI, unprivileged user\n"
		 "namespaces, whether shim mode can create its namespaces for you (else it\n"
		 "runs only with --unsafe-no-namespaces, a weaker sandbox), which host ids\n"
		 "its sandboxes get (a slice of your /etc/subuid range through newuidmap, or\n"
		 "your own id alone, and why), which cgroup hierarchy holds each\n"
		 "sandbox's limits, and the mode of an OCI container that names none (the\n"
		 "line 'mode = MODE' of " KISTE_RUNTIME_CONF ").  Exits 0 whatever it finds.\n\n"
		 "  -j, --json   print one JSON object\n"
		 "  -h, --help   show this help\n",
	.main = check_main,
};
