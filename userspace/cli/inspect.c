// SPDX-License-Identifier: GPL-2.0
// kiste inspect: every field of one sandbox, including limits, counters and creation time.
#include <stdio.h>
#include <time.h>

#include <json-c/json.h>

#include "cli.h"

int inspect_parse(int argc, char **argv, struct ref_opts *o, struct kiste_err *err)
{
	return cli_ref_parse("inspect", argc, argv, true, NULL, o, err);
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

static int inspect_one(struct kiste_nl *nl, uint32_t id, void *arg, struct kiste_err *err)
{
	return kiste_sandbox_get(nl, id, NULL, arg, err);
}

int inspect_run(const struct ref_opts *o)
{
	static struct kiste_run_record rec;
	struct kiste_sandbox_info info;
	int ret = cli_sandbox_do(o->ref, inspect_one, &info);
	bool known;

	if (ret != KISTE_EXIT_OK)
		return ret;
	known = kiste_run_record_find(info.id, info.created_ns, &rec) == 0;
	if (o->json)
		return print_json(&info, known ? &rec : NULL);
	print_info(&info);
	print_net(known ? &rec : NULL);
	return KISTE_EXIT_OK;
}

static int inspect_main(int argc, char **argv)
{
	struct kiste_err err = { 0 };
	struct ref_opts o;
	int ret = inspect_parse(argc, argv, &o, &err);

	if (ret < 0 || o.help)
		return cli_finish_parse(&cli_cmd_inspect, ret, &err);
	return inspect_run(&o);
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
		 "  -j, --json   print one JSON object\n"
		 "  -h, --help   show this help\n",
	.main = inspect_main,
};
