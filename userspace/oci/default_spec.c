// SPDX-License-Identifier: GPL-2.0
// default_spec.c - what `kiste features` and `kiste spec` print: kiste's features, a starter config.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "kiste_oci.h"
#include "kiste_mode.h"

/*
 * The starter config.json, in the layout and order `runc spec` writes (the
 * runtime-spec's example), so that a bundle made by either runs under both.
 * Two differences, each because kiste would refuse runc's value or ignore it
 * silently otherwise: process.terminal is false (a terminal needs
 * --console-socket, which kiste serves only where the mode can), and the
 * hostname is "kiste".
 */
static const char default_config[] =
	"{\"ociVersion\":\"1.0.2-dev\","
	"\"process\":{\"terminal\":false,\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],"
	"\"env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\","
	"\"TERM=xterm\"],\"cwd\":\"/\","
	"\"capabilities\":{"
	"\"bounding\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
	"\"effective\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
	"\"permitted\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
	"\"ambient\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"]},"
	"\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],"
	"\"noNewPrivileges\":true},"
	"\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
	"\"hostname\":\"kiste\","
	"\"mounts\":["
	"{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
	"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
	"\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
	"{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
	"\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\","
	"\"gid=5\"]},"
	"{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\",\"size=65536k\"]},"
	"{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
	"{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
	"{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"relatime\",\"ro\"]}],"
	"\"linux\":{"
	"\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},"
	"\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},"
	"{\"type\":\"uts\"},{\"type\":\"mount\"}],"
	"\"maskedPaths\":[\"/proc/acpi\",\"/proc/asound\",\"/proc/kcore\",\"/proc/keys\","
	"\"/proc/latency_stats\",\"/proc/timer_list\",\"/proc/timer_stats\","
	"\"/proc/sched_debug\",\"/sys/firmware\",\"/proc/scsi\"],"
	"\"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\","
	"\"/proc/sysrq-trigger\"]}}";

static json_object *idmap(unsigned int host)
{
	json_object *a = json_object_new_array(), *m = json_object_new_object();

	json_object_object_add(m, "containerID", json_object_new_int(0));
	json_object_object_add(m, "hostID", json_object_new_int64(host));
	json_object_object_add(m, "size", json_object_new_int(1));
	json_object_array_add(a, m);
	return a;
}

/*
 * runc spec --rootless: the caller's ids mapped to the container's root, a
 * user namespace instead of a network one, /sys bound from the host (a new
 * sysfs needs a network namespace of one's own), no device rules, and no
 * gid=5 for devpts (group 5 is not mapped).
 */
static void make_rootless(json_object *c, uid_t uid, gid_t gid)
{
	json_object *lx = json_object_object_get(c, "linux"), *ns, *nns, *mounts, *opts;
	json_object *masked, *ro, *user;
	const char *t;
	size_t i;

	json_object_object_del(lx, "resources");
	nns = json_object_new_array();
	ns = json_object_object_get(lx, "namespaces");
	for (i = 0; i < json_object_array_length(ns); i++) {
		json_object *e = json_object_array_get_idx(ns, i);

		t = json_object_get_string(json_object_object_get(e, "type"));
		if (strcmp(t, "network"))
			json_object_array_add(nns, json_object_get(e));
	}
	user = json_object_new_object();
	json_object_object_add(user, "type", json_object_new_string("user"));
	json_object_array_add(nns, user);
	/* runc's order: the id mappings first; the paths are taken out and put back after. */
	masked = json_object_get(json_object_object_get(lx, "maskedPaths"));
	ro = json_object_get(json_object_object_get(lx, "readonlyPaths"));
	json_object_object_del(lx, "namespaces");
	json_object_object_del(lx, "maskedPaths");
	json_object_object_del(lx, "readonlyPaths");
	json_object_object_add(lx, "uidMappings", idmap(uid));
	json_object_object_add(lx, "gidMappings", idmap(gid));
	json_object_object_add(lx, "namespaces", nns);
	json_object_object_add(lx, "maskedPaths", masked);
	json_object_object_add(lx, "readonlyPaths", ro);
	mounts = json_object_object_get(c, "mounts");
	for (i = 0; i < json_object_array_length(mounts); i++) {
		json_object *m = json_object_array_get_idx(mounts, i);

		t = json_object_get_string(json_object_object_get(m, "destination"));
		if (!strcmp(t, "/dev/pts")) {
			opts = json_object_object_get(m, "options");
			json_object_array_del_idx(opts, json_object_array_length(opts) - 1, 1);
		}
		if (strcmp(t, "/sys"))
			continue;
		json_object_object_add(m, "type", json_object_new_string("none"));
		json_object_object_add(m, "source", json_object_new_string("/sys"));
		opts = json_object_new_array();
		json_object_array_add(opts, json_object_new_string("rbind"));
		json_object_array_add(opts, json_object_new_string("nosuid"));
		json_object_array_add(opts, json_object_new_string("noexec"));
		json_object_array_add(opts, json_object_new_string("nodev"));
		json_object_array_add(opts, json_object_new_string("ro"));
		json_object_object_add(m, "options", opts);
	}
}

struct json_object *kiste_oci_default_spec(bool rootless, uid_t uid, gid_t gid,
					   struct kiste_err *err)
{
	json_object *c = json_tokener_parse(default_config);

	if (!c) {
		kiste_err_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	if (rootless)
		make_rootless(c, uid, gid);
	return c;
}

static json_object *strings(const char *const *v, size_t n)
{
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; a && i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static json_object *enabled(bool on)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "enabled", json_object_new_boolean(on));
	return o;
}

/*
 * Only what kiste really does, for engines that ask before they send a
 * config: the namespaces every mode makes (all of these, always: a config
 * cannot leave one out), cgroups v1 and v2 through cgroupfs, no systemd
 * driver.  Left out (null: "unknown" to the reader), since kiste ignores
 * them: capabilities and seccomp profiles (shim mode runs its own filter and
 * grants none), AppArmor and SELinux.  Mount options: those a bind mount
 * honours (tmpfs destinations take none).
 */
struct json_object *kiste_oci_features_json(const struct kiste_mode_ops *const *modes,
					    const char *version)
{
	static const char *const ns[] = { "ipc", "mount", "network", "pid", "user", "uts" };
	/* The hooks the runtime runs itself (createContainer, startContainer: not yet). */
	static const char *const hooks[] = { "prestart", "createRuntime", "poststart", "poststop" };
	/* oci/spec.c's map_bind: every bind is recursive, nosuid and nodev. */
	static const char *const mopts[] = { "bind", "nodev", "nosuid", "rbind", "ro", "rw" };
	json_object *o = json_object_new_object(), *lx, *cg, *an;
	const struct kiste_mode_ops *const *m;
	char names[64] = "";

	if (!o)
		return NULL;
	json_object_object_add(o, "ociVersionMin", json_object_new_string("1.0.0"));
	json_object_object_add(o, "ociVersionMax", json_object_new_string("1.0.2-dev"));
	json_object_object_add(o, "hooks", strings(hooks, sizeof(hooks) / sizeof(hooks[0])));
	json_object_object_add(o, "mountOptions", strings(mopts, sizeof(mopts) / sizeof(mopts[0])));
	lx = json_object_new_object();
	json_object_object_add(lx, "namespaces", strings(ns, sizeof(ns) / sizeof(ns[0])));
	cg = json_object_new_object();
	json_object_object_add(cg, "v1", json_object_new_boolean(true));
	json_object_object_add(cg, "v2", json_object_new_boolean(true));
	json_object_object_add(cg, "systemd", json_object_new_boolean(false));
	json_object_object_add(cg, "systemdUser", json_object_new_boolean(false));
	json_object_object_add(lx, "cgroup", cg);
	json_object_object_add(lx, "seccomp", enabled(false));
	json_object_object_add(lx, "apparmor", enabled(false));
	json_object_object_add(lx, "selinux", enabled(false));
	json_object_object_add(o, "linux", lx);
	an = json_object_new_object();
	json_object_object_add(an, "org.kiste.version", json_object_new_string(version));
	for (m = modes; *m; m++) {
		if (!(*m)->oci_create)
			continue;
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 names[0] ? "," : "", (*m)->name);
	}
	/* The values org.kiste.mode may take for a container today. */
	json_object_object_add(an, "org.kiste.modes", json_object_new_string(names));
	json_object_object_add(o, "annotations", an);
	return o;
}
