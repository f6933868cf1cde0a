// SPDX-License-Identifier: GPL-2.0
// libkiste JSON renderings: field names, types and values of sandboxes, events and stats.
// kiste-suite: host json_test
#include <string.h>

#include <json-c/json.h>

#include "kselftest_harness.h"
#include "libkiste.h"

static struct json_object *field(struct json_object *o, const char *key, json_type type)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

TEST(sandbox_info_fields)
{
	struct kiste_sandbox_info info = {
		.id = 42,
		.mode = KISTE_MODE_VM,
		.state = KISTE_STATE_RUNNING,
		.owner_uid = 1000,
		.memory_limit = 64ULL << 20,
		.vcpu_limit = 2,
		.pids_limit = 50,
		.cpu_limit = 1500,
		.members = 3,
		.members_total = 5,
		.flags = KISTE_SB_F_TEMPORARY,
		.created_ns = 123456789012ULL,
		.cnt_forks = 4,
		.cnt_kills = 6,
		.cnt_refused = 1,
	};
	struct json_object *o, *v;

	strcpy(info.name, "web-1");
	o = kiste_sandbox_info_json(&info);
	ASSERT_NE(NULL, o);
	ASSERT_NE(NULL, v = field(o, "id", json_type_int));
	EXPECT_EQ(42, json_object_get_int64(v));
	ASSERT_NE(NULL, v = field(o, "name", json_type_string));
	EXPECT_STREQ("web-1", json_object_get_string(v));
	ASSERT_NE(NULL, v = field(o, "mode", json_type_string));
	EXPECT_STREQ("vm", json_object_get_string(v));
	ASSERT_NE(NULL, v = field(o, "state", json_type_string));
	EXPECT_STREQ("running", json_object_get_string(v));
	ASSERT_NE(NULL, v = field(o, "owner_uid", json_type_int));
	EXPECT_EQ(1000, json_object_get_int64(v));
	ASSERT_NE(NULL, v = field(o, "members", json_type_int));
	EXPECT_EQ(3, json_object_get_int64(v));
	ASSERT_NE(NULL, v = field(o, "members_total", json_type_int));
	EXPECT_EQ(5, json_object_get_int64(v));
	ASSERT_NE(NULL, v = field(o, "memory_limit", json_type_int));
	EXPECT_EQ(64ULL << 20, json_object_get_uint64(v));
	ASSERT_NE(NULL, v = field(o, "vcpu_limit", json_type_int));
	EXPECT_EQ(2, json_object_get_int64(v));
	ASSERT_NE(NULL, v = field(o, "pids_limit", json_type_int));
	EXPECT_EQ(50, json_object_get_int64(v));
	ASSERT_NE(NULL, v = field(o, "cpu_limit_milli", json_type_int));
	EXPECT_EQ(1500, json_object_get_int64(v));
	ASSERT_NE(NULL, v = field(o, "temporary", json_type_boolean));
	EXPECT_TRUE(json_object_get_boolean(v));
	ASSERT_NE(NULL, v = field(o, "flags", json_type_int));
	EXPECT_EQ(KISTE_SB_F_TEMPORARY, json_object_get_int64(v));
	ASSERT_NE(NULL, v = field(o, "created_ns", json_type_int));
	EXPECT_EQ(123456789012ULL, json_object_get_uint64(v));
	ASSERT_NE(NULL, v = field(o, "cnt_forks", json_type_int));
	EXPECT_EQ(4ULL, json_object_get_uint64(v));
	ASSERT_NE(NULL, v = field(o, "cnt_kills", json_type_int));
	EXPECT_EQ(6ULL, json_object_get_uint64(v));
	ASSERT_NE(NULL, v = field(o, "cnt_refused", json_type_int));
	EXPECT_EQ(1ULL, json_object_get_uint64(v));
	json_object_put(o);
}

TEST(sandbox_info_large_values_survive_a_round_trip)
{
	struct kiste_sandbox_info info = { .id = UINT32_MAX,
					   .memory_limit = UINT64_MAX,
					   .created_ns = UINT64_MAX - 1 };
	struct json_object *o, *back, *v;

	o = kiste_sandbox_info_json(&info);
	ASSERT_NE(NULL, o);
	back = json_tokener_parse(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	ASSERT_NE(NULL, back);
	ASSERT_NE(NULL, v = field(back, "id", json_type_int));
	EXPECT_EQ(UINT32_MAX, json_object_get_int64(v));
	ASSERT_NE(NULL, v = field(back, "memory_limit", json_type_int));
	EXPECT_EQ(UINT64_MAX, json_object_get_uint64(v));
	ASSERT_NE(NULL, v = field(back, "temporary", json_type_boolean));
	EXPECT_FALSE(json_object_get_boolean(v));
	ASSERT_NE(NULL, v = field(back, "mode", json_type_string));
	EXPECT_STREQ("?", json_object_get_string(v));
	json_object_put(back);
	json_object_put(o);
}

TEST(event_has_only_present_fields)
{
	struct kiste_event ev = { .type = KISTE_EVENT_MEMBER_EXITED,
				  .id = 7,
				  .pid = 1234,
				  .exit_status = 0,
				  .has_exit_status = true };
	struct json_object *o, *v;

	o = kiste_event_json(&ev);
	ASSERT_NE(NULL, o);
	ASSERT_NE(NULL, v = field(o, "event", json_type_string));
	EXPECT_STREQ("member-exited", json_object_get_string(v));
	ASSERT_NE(NULL, v = field(o, "id", json_type_int));
	EXPECT_EQ(7, json_object_get_int64(v));
	ASSERT_NE(NULL, v = field(o, "pid", json_type_int));
	EXPECT_EQ(1234, json_object_get_int64(v));
	ASSERT_NE(NULL, v = field(o, "exit_status", json_type_int));
	EXPECT_EQ(0, json_object_get_int64(v));
	EXPECT_FALSE(json_object_object_get_ex(o, "name", NULL));
	EXPECT_FALSE(json_object_object_get_ex(o, "owner_uid", NULL));
	EXPECT_FALSE(json_object_object_get_ex(o, "parent_pid", NULL));
	EXPECT_FALSE(json_object_object_get_ex(o, "mode", NULL));
	json_object_put(o);
}

TEST(created_event_fields)
{
	struct kiste_event ev = { .type = KISTE_EVENT_CREATED,
				  .id = 1,
				  .mode = KISTE_MODE_SHIM,
				  .owner_uid = 0,
				  .has_owner_uid = true };
	struct json_object *o, *v;

	strcpy(ev.name, "sb-1");
	o = kiste_event_json(&ev);
	ASSERT_NE(NULL, o);
	ASSERT_NE(NULL, v = field(o, "event", json_type_string));
	EXPECT_STREQ("created", json_object_get_string(v));
	ASSERT_NE(NULL, v = field(o, "name", json_type_string));
	EXPECT_STREQ("sb-1", json_object_get_string(v));
	ASSERT_NE(NULL, v = field(o, "mode", json_type_string));
	EXPECT_STREQ("shim", json_object_get_string(v));
	ASSERT_NE(NULL, v = field(o, "owner_uid", json_type_int));
	EXPECT_EQ(0, json_object_get_int64(v));
	EXPECT_FALSE(json_object_object_get_ex(o, "exit_status", NULL));
	json_object_put(o);
}

TEST(stats_fields)
{
	struct kiste_stats st = {
		.iface_version = 1, .sandboxes = 2, .members = 3, .files = 4, .ids_issued = 5
	};
	static const char *const keys[] = { "iface_version", "sandboxes", "members", "files",
					    "ids_issued" };
	struct json_object *o, *v;
	size_t i;

	o = kiste_stats_json(&st);
	ASSERT_NE(NULL, o);
	for (i = 0; i < 5; i++) {
		ASSERT_NE(NULL, v = field(o, keys[i], json_type_int)) TH_LOG("%s", keys[i]);
		EXPECT_EQ((int64_t)i + 1, json_object_get_int64(v)) TH_LOG("%s", keys[i]);
	}
	json_object_put(o);
}

TEST_HARNESS_MAIN
