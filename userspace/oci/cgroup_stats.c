// SPDX-License-Identifier: GPL-2.0
// cgroup_stats.c - a container's cgroup figures as events --stats reports them (runc's shape).
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "kiste_oci.h"
#include "cgroup_int.h"

/* ---- events --stats ---- */

static json_object *cpuset_stats(void);

static void add_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

/* "KEY VALUE" lines as an object of numbers (memory.stat as runc's memory.raw). */
static json_object *kv_object(const char *text)
{
	json_object *o = json_object_new_object();
	char key[64];
	unsigned long long v;
	const char *p;

	for (p = text; o && p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (sscanf(p, "%63s %llu", key, &v) == 2)
			add_u64(o, key, v);
	return o;
}

/* Nanoseconds of CPU: cpuacct (v1) or cpu.stat's microseconds (v2); throttling from cpu.stat. */
static json_object *cpu_stats(const struct kiste_oci_state *s)
{
	json_object *cpu = json_object_new_object(), *use = json_object_new_object();
	json_object *thr = json_object_new_object(), *per = json_object_new_array();
	char *st = cgo_read_all(cgo_cpu_dir(s), "cpu.stat", 4096), *b, *p, *end;
	long tck = sysconf(_SC_CLK_TCK);
	uint64_t total = 0;

	if (s->cg.version == 2 && st) {
		add_u64(use, "total", cgo_kv(st, "usage_usec") * 1000);
		add_u64(use, "kernel", cgo_kv(st, "system_usec") * 1000);
		add_u64(use, "user", cgo_kv(st, "user_usec") * 1000);
	} else if (s->cpuacct_dir[0]) {
		cgo_read_u64(s->cpuacct_dir, "cpuacct.usage", 0, &total);
		add_u64(use, "total", total);
		b = cgo_read_all(s->cpuacct_dir, "cpuacct.usage_percpu", 65536);
		for (p = b; p && *p; p = end) {
			uint64_t v = strtoull(p, &end, 10);

			if (end == p)
				break;
			json_object_array_add(per, json_object_new_uint64(v));
		}
		free(b);
		b = cgo_read_all(s->cpuacct_dir, "cpuacct.stat", 4096);
		if (b && tck > 0) {
			/* USER_HZ ticks, as runc converts them. */
			add_u64(use, "kernel", cgo_kv(b, "system") * (1000000000ull / (uint64_t)tck));
			add_u64(use, "user", cgo_kv(b, "user") * (1000000000ull / (uint64_t)tck));
		}
		free(b);
	}
	json_object_object_add(use, "percpu", per);
	/* runc leaves zero throttling figures out ("omitempty"). */
	if (st && cgo_kv(st, "nr_periods"))
		add_u64(thr, "periods", cgo_kv(st, "nr_periods"));
	if (st && cgo_kv(st, "nr_throttled"))
		add_u64(thr, "throttled_periods", cgo_kv(st, "nr_throttled"));
	if (st && (cgo_kv(st, "throttled_time") || cgo_kv(st, "throttled_usec")))
		add_u64(thr, "throttled_time",
			s->cg.version == 2 ? cgo_kv(st, "throttled_usec") * 1000 : cgo_kv(st, "throttled_time"));
	free(st);
	json_object_object_add(cpu, "usage", use);
	json_object_object_add(cpu, "throttling", thr);
	return cpu;
}

static json_object *memory_stats(const struct kiste_oci_state *s)
{
	json_object *mem = json_object_new_object(), *use = json_object_new_object();
	const char *d = cgo_mem_dir(s);
	uint64_t v = 0;
	char *b;

	if (s->cg.version == 2) {
		if (cgo_read_u64(d, "memory.max", UINT64_MAX, &v))
			add_u64(use, "limit", v);
		if (cgo_read_u64(d, "memory.current", 0, &v))
			add_u64(use, "usage", v);
		if (cgo_read_u64(d, "memory.peak", 0, &v))
			add_u64(use, "max", v);
		b = cgo_read_all(d, "memory.events", 4096);
		if (b)
			add_u64(use, "failcnt", cgo_kv(b, "max"));
		free(b);
	} else {
		if (cgo_read_u64(d, "memory.limit_in_bytes", UINT64_MAX, &v))
			add_u64(use, "limit", v);
		if (cgo_read_u64(d, "memory.usage_in_bytes", 0, &v))
			add_u64(use, "usage", v);
		if (cgo_read_u64(d, "memory.max_usage_in_bytes", 0, &v))
			add_u64(use, "max", v);
		if (cgo_read_u64(d, "memory.failcnt", 0, &v))
			add_u64(use, "failcnt", v);
	}
	json_object_object_add(mem, "usage", use);
	b = cgo_read_all(d, "memory.stat", 65536);
	if (b)
		json_object_object_add(mem, "raw", kv_object(b));
	free(b);
	return mem;
}

/* The workload's processes: kiste's init (one more process than runc's) is left out of both. */
static json_object *pids_stats(const struct kiste_oci_state *s)
{
	json_object *pids = json_object_new_object();
	uint64_t v;

	if (cgo_read_u64(cgo_pids_dir(s), "pids.current", 0, &v))
		add_u64(pids, "current", v ? v - 1 : 0);
	if (cgo_read_u64(cgo_pids_dir(s), "pids.max", 0, &v) && v)
		add_u64(pids, "limit", v - 1);
	return pids;
}

struct json_object *kiste_oci_stats_json(const struct kiste_oci_state *s)
{
	json_object *o = json_object_new_object(), *data = json_object_new_object();

	if (!o || !data) {
		json_object_put(o);
		json_object_put(data);
		return NULL;
	}
	json_object_object_add(o, "type", json_object_new_string("stats"));
	json_object_object_add(o, "id", json_object_new_string(s->id));
	if (s->cg.version) {
		json_object_object_add(data, "cpu", cpu_stats(s));
		json_object_object_add(data, "cpuset", cpuset_stats());
		json_object_object_add(data, "memory", memory_stats(s));
		json_object_object_add(data, "pids", pids_stats(s));
	}
	/* What runc reports and kiste does not count: present and empty, as runc's are here. */
	json_object_object_add(data, "blkio", json_object_new_object());
	json_object_object_add(data, "hugetlb", json_object_new_object());
	json_object_object_add(data, "intel_rdt", json_object_new_object());
	json_object_object_add(data, "network_interfaces", NULL);
	json_object_object_add(o, "data", data);
	return o;
}

uint64_t kiste_oci_oom_count(const struct kiste_oci_state *s)
{
	char *b;
	uint64_t n = 0;

	if (!s->cg.version)
		return 0;
	b = cgo_read_all(cgo_mem_dir(s), s->cg.version == 2 ? "memory.events" : "memory.oom_control", 4096);
	if (b)
		n = cgo_kv(b, "oom_kill");
	free(b);
	return n;
}

/* "0-3,5" (a sysfs CPU or node list) as a JSON array of numbers; at most 4096 entries. */
static json_object *id_list(const char *path)
{
	json_object *a = json_object_new_array();
	char *b = cgo_read_all("/sys/devices/system", path, 4096), *p, *end;
	unsigned long lo, hi, n = 0;

	for (p = b; a && p && *p >= '0' && *p <= '9'; p = *end == ',' ? end + 1 : end) {
		lo = hi = strtoul(p, &end, 10);
		if (*end == '-')
			hi = strtoul(end + 1, &end, 10);
		for (; lo <= hi && n < 4096; lo++, n++)
			json_object_array_add(a, json_object_new_uint64(lo));
	}
	free(b);
	return a;
}

/* kiste pins no CPUs or memory nodes: the container may use every online one. */
static json_object *cpuset_stats(void)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "cpus", id_list("cpu/online"));
	json_object_object_add(o, "mems", id_list("node/online"));
	return o;
}
