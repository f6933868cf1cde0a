// SPDX-License-Identifier: GPL-2.0
// JSON renderings (json-c) of sandboxes, events and statistics for `--json` output.
#include <json-c/json.h>

#include "libkiste.h"

static void add(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

struct json_object *kiste_sandbox_info_json(const struct kiste_sandbox_info *info)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	add(o, "id", json_object_new_int64(info->id));
	add(o, "name", json_object_new_string(info->name));
	add(o, "mode", json_object_new_string(kiste_mode_name(info->mode)));
	add(o, "state", json_object_new_string(kiste_state_name(info->state)));
	add(o, "owner_uid", json_object_new_int64(info->owner_uid));
	add(o, "memory_limit", json_object_new_uint64(info->memory_limit));
	add(o, "vcpu_limit", json_object_new_int64(info->vcpu_limit));
	add(o, "pids_limit", json_object_new_int64(info->pids_limit));
	add(o, "cpu_limit_milli", json_object_new_int64(info->cpu_limit));
	add(o, "members", json_object_new_int64(info->members));
	add(o, "members_total", json_object_new_int64(info->members_total));
	add(o, "flags", json_object_new_int64(info->flags));
	add(o, "temporary", json_object_new_boolean(!!(info->flags & KISTE_SB_F_TEMPORARY)));
	add(o, "created_ns", json_object_new_uint64(info->created_ns));
	add(o, "cnt_forks", json_object_new_uint64(info->cnt_forks));
	add(o, "cnt_kills", json_object_new_uint64(info->cnt_kills));
	add(o, "cnt_refused", json_object_new_uint64(info->cnt_refused));
	add(o, "shim_armed", json_object_new_int64(info->shim_armed));
	add(o, "shim_enosys", json_object_new_uint64(info->shim_enosys));
	add(o, "vm_count", json_object_new_int64(info->vm_count));
	add(o, "vm_vcpus", json_object_new_int64(info->vm_vcpus));
	add(o, "vm_memory", json_object_new_uint64(info->vm_memory));
	add(o, "vm_exits", json_object_new_uint64(info->vm_exits));
	add(o, "guest_ns", json_object_new_uint64(info->guest_ns));
	return o;
}

/* Only the attributes the event carried appear, so consumers can tell absent from zero. */
struct json_object *kiste_event_json(const struct kiste_event *ev)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	add(o, "event", json_object_new_string(kiste_event_name(ev->type)));
	add(o, "type", json_object_new_int64(ev->type));
	add(o, "id", json_object_new_int64(ev->id));
	if (ev->name[0])
		add(o, "name", json_object_new_string(ev->name));
	if (ev->mode)
		add(o, "mode", json_object_new_string(kiste_mode_name(ev->mode)));
	if (ev->has_owner_uid)
		add(o, "owner_uid", json_object_new_int64(ev->owner_uid));
	if (ev->pid)
		add(o, "pid", json_object_new_int64(ev->pid));
	if (ev->parent_pid)
		add(o, "parent_pid", json_object_new_int64(ev->parent_pid));
	if (ev->has_exit_status)
		add(o, "exit_status", json_object_new_int64(ev->exit_status));
	return o;
}

struct json_object *kiste_stats_json(const struct kiste_stats *stats)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	add(o, "iface_version", json_object_new_int64(stats->iface_version));
	add(o, "sandboxes", json_object_new_int64(stats->sandboxes));
	add(o, "members", json_object_new_int64(stats->members));
	add(o, "files", json_object_new_int64(stats->files));
	add(o, "ids_issued", json_object_new_int64(stats->ids_issued));
	return o;
}
