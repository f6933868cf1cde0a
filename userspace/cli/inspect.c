// SPDX-License-Identifier: GPL-2.0
// kiste inspect: every field of one sandbox, including limits, counters and creation time.
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include <json-c/json.h>

#include "cli.h"
#include "oci.h"

int inspect_parse(int argc, char **argv, struct ref_opts *o, struct kiste_err *err)
{
	return cli_ref_parse_or_container("inspect", argc, argv, true, o, err);
}

/* created_ns is CLOCK_BOOTTIME; convert through the current offset to wall-clock time. */
static void format_created(uint64_t created_ns, char *buf, size_t len)
{
	struct timespec boot, real;
	uint64_t boot_ns, age_ns;
	time_t when;
	struct tm tm;
	char stamp[64];

	clock_gettime(CLOCK_BOOTTIME, &boot);
	clock_gettime(CLOCK_REALTIME, &real);
	boot_ns = (uint64_t)boot.tv_sec * 1000000000ULL + (uint64_t)boot.tv_nsec;
	age_ns = boot_ns > created_ns ? boot_ns - created_ns : 0;
	when = real.tv_sec - (time_t)(age_ns / 1000000000ULL);
	if (!localtime_r(&when, &tm) ||
	    !strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S %z", &tm))
		snprintf(stamp, sizeof(stamp), "?");
	snprintf(buf, len, "%s (%llu s ago; boottime %llu ns)", stamp,
		 (unsigned long long)(age_ns / 1000000000ULL), (unsigned long long)created_ns);
}

/* Thousandths of a CPU as --cpus spells them: 500 is "0.5", 2000 is "2"; 0 is "none". */
static void format_cpus(uint32_t milli, char *buf, size_t len)
{
	int frac = 3;
	uint32_t f = milli % 1000;

	if (!milli) {
		snprintf(buf, len, "none");
		return;
	}
	while (frac && f % 10 == 0) {
		f /= 10;
		frac--;
	}
	if (frac)
		snprintf(buf, len, "%u.%0*u", milli / 1000, frac, f);
	else
		snprintf(buf, len, "%u", milli / 1000);
}

static void print_info(const struct kiste_sandbox_info *i)
{
	char mem[32] = "none", pids[16] = "none", cpus[24], created[160];

	if (i->memory_limit)
		cli_format_size(i->memory_limit, mem, sizeof(mem));
	if (i->pids_limit)
		snprintf(pids, sizeof(pids), "%u", i->pids_limit);
	format_cpus(i->cpu_limit, cpus, sizeof(cpus));
	format_created(i->created_ns, created, sizeof(created));
	printf("id:            %u\n", i->id);
	printf("name:          %s\n", i->name);
	printf("mode:          %s\n", kiste_mode_name(i->mode));
	printf("state:         %s\n", kiste_state_name(i->state));
	printf("owner_uid:     %u\n", i->owner_uid);
	printf("memory_limit:  %s\n", mem);
	if (i->vcpu_limit)
		printf("vcpu_limit:    %u\n", i->vcpu_limit);
	else
		printf("vcpu_limit:    none\n");
	printf("pids_limit:    %s\n", pids);
	printf("cpu_limit:     %s\n", cpus);
	printf("members:       %u\n", i->members);
	printf("members_total: %u\n", i->members_total);
	printf("flags:         %s (0x%x)\n", i->flags & KISTE_SB_F_TEMPORARY ? "temporary" : "-",
	       i->flags);
	printf("created:       %s\n", created);
	printf("cnt_forks:     %llu\n", (unsigned long long)i->cnt_forks);
	printf("cnt_kills:     %llu\n", (unsigned long long)i->cnt_kills);
	printf("cnt_refused:   %llu\n", (unsigned long long)i->cnt_refused);
	if (i->mode == KISTE_MODE_SHIM) {
		printf("shim_armed:    %u\n", i->shim_armed);
		printf("shim_enosys:   %llu\n", (unsigned long long)i->shim_enosys);
	}
	printf("vm:            %s\n", i->vm_count ? "running" : "none");
	if (i->vm_count) {
		cli_format_size(i->vm_memory, mem, sizeof(mem));
		printf("vm_memory:     %s\n", mem);
		printf("vm_vcpus:      %u\n", i->vm_vcpus);
	}
	printf("vm_exits:      %llu\n", (unsigned long long)i->vm_exits);
	printf("guest_time:    %.3f s\n", (double)i->guest_ns / 1e9);
}

/*
 * What `kiste run` was given (its record, kiste_run_record_find): "unknown"
 * for a sandbox it did not make (kiste sandbox create, OCI kiste create), or
 * whose record is not the caller's (root inspecting a user's: it is in the
 * user's run folder).
 */
static void print_net(const struct kiste_run_record *r)
{
	char port[80];
	int i;

	if (!r) {
		printf("network:       unknown\n");
		printf("ports:         unknown\n");
		return;
	}
	printf("network:       %s\n", r->network);
	printf("ports:         %s", r->npublish ? "" : "none");
	for (i = 0; i < r->npublish; i++) {
		kiste_publish_format(&r->publish[i], port, sizeof(port));
		printf("%s%s", i ? ", " : "", port);
	}
	printf("\n");
}

/* Unknown network and ports are left out: a consumer tells absent from none. */
static int print_json(const struct kiste_sandbox_info *info, const struct kiste_run_record *r)
{
	struct json_object *o = kiste_sandbox_info_json(info);

	if (o && r) {
		json_object_object_add(o, "network", json_object_new_string(r->network));
		json_object_object_add(o, "ports", kiste_publish_json(r->publish, r->npublish));
	}
	return cli_print_json(o);
}

/*
 * Without the module, or when its registry has no sandbox of that name (an
 * unnamed sb-N container), container ID under --root: what its state says
 * (issue 13: inspect works from --root alone).  -1 when there is none.
 */
static int inspect_container(const struct cli_global *g, const struct ref_opts *o,
			     const char *sandbox)
{
	struct kiste_oci_state s;
	struct kiste_err err = { 0 };
	struct json_object *j;

	if (kiste_oci_id_check(o->ref, &err) < 0 ||
	    kiste_oci_state_load(g->root, o->ref, &s, &err) < 0)
		return -1;
	if (o->json) {
		j = kiste_oci_state_json(&s, true);
		if (j)
			json_object_object_add(j, "mode", json_object_new_string(s.mode));
		kiste_oci_state_free(&s);
		return cli_print_json(j);
	}
	printf("container:     %s (--root %s)\n", s.id, g->root);
	printf("mode:          %s\n", s.mode);
	printf("status:        %s\n", kiste_oci_status_name(kiste_oci_state_status(&s)));
	printf("pid:           %d\n", (int)s.pid);
	printf("owner uid:     %u\n", s.owner_uid);
	printf("bundle:        %s\n", s.bundle);
	printf("rootfs:        %s\n", s.rootfs);
	printf("created:       %s\n", s.created);
	printf("sandbox:       %s\n", sandbox);
	kiste_oci_state_free(&s);
	return fflush(stdout) ? KISTE_EXIT_FAIL : KISTE_EXIT_OK;
}

int inspect_run(const struct cli_global *g, const struct ref_opts *o)
{
	static struct kiste_run_record rec;
	struct kiste_sandbox_info info;
	struct kiste_err err = { 0 }, nl_err = { 0 };
	struct kiste_nl *nl = NULL;
	const char *sandbox;
	uint32_t id;
	bool known;
	int ret;

	ret = cli_nl_open(&nl, &nl_err);
	sandbox = !nl ? "none here: no registry (kiste.ko is not loaded)" :
		  !oci_sandbox_name(o->ref) ? "unnamed (sb-N: its id cannot be a sandbox's name)" :
		  "none of this name in kiste.ko's registry (an unnamed sb-N when the name was taken)";
	/*
	 * An id no sandbox can be named (all digits, over 127 characters, sb-N)
	 * is a container's first; the registry would read it as something else.
	 */
	if (nl && !oci_sandbox_name(o->ref)) {
		ret = inspect_container(g, o, sandbox);
		if (ret >= 0) {
			kiste_nl_close(nl);
			return ret;
		}
	}
	if (nl) {
		ret = kiste_sandbox_resolve(nl, o->ref, &id, &err);
		if (ret == 0)
			ret = kiste_sandbox_get(nl, id, NULL, &info, &err);
		kiste_nl_close(nl);
	}
	/* Not the registry's (or no registry): a container under --root, if there is one. */
	if (ret < 0 && (!nl || ret == -ENOENT || ret == -EINVAL)) {
		int shown = inspect_container(g, o, sandbox);

		if (shown >= 0)
			return shown;
		if (!nl)
			kiste_err_set(&err, -ENOENT, "no container %s under --root %s, and no "
				      "sandbox registry to look in: %s", o->ref, g->root, nl_err.msg);
		return cli_fail(&err);
	}
	if (ret < 0)
		return cli_fail(&err);
	known = kiste_run_record_find(info.id, info.created_ns, &rec) == 0;
	if (o->json)
		return print_json(&info, known ? &rec : NULL);
	print_info(&info);
	print_net(known ? &rec : NULL);
	return KISTE_EXIT_OK;
}

static int inspect_main(const struct cli_global *g, int argc, char **argv)
{
	struct kiste_err err = { 0 };
	struct ref_opts o;
	int ret = inspect_parse(argc, argv, &o, &err);

	if (ret < 0 || o.help)
		return cli_finish_parse(&cli_cmd_inspect, ret, &err);
	return inspect_run(g, &o);
}

const struct cli_cmd cli_cmd_inspect = {
	.name = "inspect",
	.summary = "show every field of one sandbox",
	.usage = "Usage: kiste inspect ID|NAME [--json]\n\n"
		 "Show a sandbox: id, name, mode, state, owner, limits, members, flags,\n"
		 "creation time and counters.  A string of digits is an id.\n\n"
		 "For a sandbox of `kiste run` also its --network and -p ports\n"
		 "(\"127.0.0.1:8080->80/tcp, 5353->53/udp\"), which the launcher keeps in\n"
		 "the caller's run folder; \"unknown\" (left out of --json) for other\n"
		 "sandboxes and for another user's, even to root.\n\n"
		 "Without kiste.ko, or when its registry has no sandbox of that name, an\n"
		 "OCI container ID under --root (default " CLI_OCI_ROOT_DEFAULT "): its mode,\n"
		 "status, pid, bundle and creation time from its state.\n\n"
		 "  -j, --json   print one JSON object\n"
		 "  -h, --help   show this help\n",
	.gmain = inspect_main,
};
