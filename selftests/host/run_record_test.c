// SPDX-License-Identifier: GPL-2.0
// run_record_test.c - kiste run's record for kiste inspect: written, read, stale, foreign, links.
// kiste-suite: host run_record_test
//
// The record (lib/run_record.c) is the only place --network and -p of a
// running `kiste run` are kept; these tests hold it to what kiste inspect
// relies on: a record of a dead sandbox is never taken for a live one of the
// same id, a file not the caller's or a link is never read or written
// through, and the launcher removes only its own.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "kselftest_harness.h"
#include "cli.h"
#include "kiste_mode.h"
#include "kiste_oci.h"

#define ID   4242u
#define FROM 1000000000ull
#define TO   1000500000ull

static void fill(struct kiste_run_record *r)
{
	memset(r, 0, sizeof(*r));
	r->id = ID;
	r->created_from_ns = FROM;
	r->created_to_ns = TO;
	strcpy(r->network, "pasta");
	strcpy(r->publish[0].ip, "127.0.0.1");
	r->publish[0].host_port = 8080;
	r->publish[0].port = 80;
	strcpy(r->publish[1].ip, "::1");
	r->publish[1].host_port = 8443;
	r->publish[1].port = 443;
	r->publish[2].host_port = 5353;
	r->publish[2].port = 53;
	r->publish[2].udp = true;
	r->npublish = 3;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

FIXTURE(rec)
{
	char dir[64];
	char path[128];
	struct kiste_run_record r, got;
	struct kiste_err err;
};

FIXTURE_SETUP(rec)
{
	strcpy(self->dir, "/tmp/kiste-rec.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/%u.run.json", self->dir, ID);
	fill(&self->r);
	memset(&self->err, 0, sizeof(self->err));
}

FIXTURE_TEARDOWN(rec)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->dir);
	if (system(cmd) != 0)
		TH_LOG("cannot remove %s", self->dir);
}

TEST_F(rec, written_and_read)
{
	struct stat st;

	ASSERT_EQ(0, kiste_run_record_save(self->dir, &self->r, NULL, &self->err));
	ASSERT_EQ(0, lstat(self->path, &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_EQ(0600u, st.st_mode & 07777);
	ASSERT_EQ(0, kiste_run_record_load(self->dir, ID, FROM + 1, &self->got, &self->err))
	TH_LOG("%s", self->err.msg);
	EXPECT_EQ(ID, self->got.id);
	EXPECT_STREQ("pasta", self->got.network);
	ASSERT_EQ(3, self->got.npublish);
	EXPECT_EQ(0, memcmp(self->r.publish, self->got.publish, 3 * sizeof(self->r.publish[0])));
	/* the window's ends belong to it */
	EXPECT_EQ(0, kiste_run_record_load(self->dir, ID, FROM, &self->got, NULL));
	EXPECT_EQ(0, kiste_run_record_load(self->dir, ID, TO, &self->got, NULL));
	/* only the record itself: no temporary file left */
	ASSERT_EQ(0, unlink(self->path));
	EXPECT_EQ(0, rmdir(self->dir));
	ASSERT_EQ(0, mkdir(self->dir, 0700));	/* for the teardown */
}

/* A SIGKILLed launcher's record, the id now another sandbox's: not shown, removed. */
TEST_F(rec, stale_window_removed)
{
	ASSERT_EQ(0, kiste_run_record_save(self->dir, &self->r, NULL, &self->err));
	EXPECT_EQ(-ESTALE, kiste_run_record_load(self->dir, ID, TO + 1, &self->got, NULL));
	EXPECT_EQ(-1, access(self->path, F_OK));
	ASSERT_EQ(0, kiste_run_record_save(self->dir, &self->r, NULL, &self->err));
	EXPECT_EQ(-ESTALE, kiste_run_record_load(self->dir, ID, FROM - 1, &self->got, NULL));
	EXPECT_EQ(-1, access(self->path, F_OK));
	EXPECT_EQ(-ENOENT, kiste_run_record_load(self->dir, ID, FROM, &self->got, NULL));
}

/* A record under another id's name names its own id: not this sandbox's. */
TEST_F(rec, other_id_is_stale)
{
	self->r.id = ID + 1;
	ASSERT_EQ(0, kiste_run_record_save(self->dir, &self->r, NULL, &self->err));
	snprintf(self->got.network, sizeof(self->got.network), "%s/%u.run.json", self->dir, ID + 1);
	ASSERT_EQ(0, rename(self->got.network, self->path));
	EXPECT_EQ(-ESTALE, kiste_run_record_load(self->dir, ID, FROM, &self->got, NULL));
}

/* Another user's file where the record belongs: not read, not removed. */
TEST_F(rec, foreign_owner)
{
	if (geteuid() != 0)
		SKIP(return, "needs root to give the record to another user");
	ASSERT_EQ(0, kiste_run_record_save(self->dir, &self->r, NULL, &self->err));
	ASSERT_EQ(0, chown(self->path, 65534, 65534));
	EXPECT_EQ(-EPERM, kiste_run_record_load(self->dir, ID, FROM, &self->got, &self->err));
	EXPECT_NE(NULL, strstr(self->err.msg, "not a record kiste made for you"));
	EXPECT_EQ(0, access(self->path, F_OK));
	/* and stale by its window: still not removed, it is not the caller's */
	EXPECT_EQ(-EPERM, kiste_run_record_load(self->dir, ID, TO + 1, &self->got, NULL));
	EXPECT_EQ(0, access(self->path, F_OK));
}

/* A link where the record belongs: never read through; writing replaces the link. */
TEST_F(rec, link_in_place)
{
	char target[128], buf[256] = "";
	struct stat st;
	int fd;

	ASSERT_EQ(0, kiste_run_record_save(self->dir, &self->r, NULL, &self->err));
	snprintf(target, sizeof(target), "%s/elsewhere", self->dir);
	ASSERT_EQ(0, rename(self->path, target));
	ASSERT_EQ(0, symlink(target, self->path));
	EXPECT_EQ(-EPERM, kiste_run_record_load(self->dir, ID, FROM, &self->got, NULL));
	EXPECT_EQ(0, lstat(self->path, &st));
	EXPECT_TRUE(S_ISLNK(st.st_mode));
	strcpy(self->r.network, "none");
	self->r.npublish = 0;
	ASSERT_EQ(0, kiste_run_record_save(self->dir, &self->r, NULL, &self->err));
	ASSERT_EQ(0, lstat(self->path, &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	fd = open(target, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_LT(0, read(fd, buf, sizeof(buf) - 1));
	close(fd);
	EXPECT_NE(NULL, strstr(buf, "\"pasta\""));
	ASSERT_EQ(0, kiste_run_record_load(self->dir, ID, FROM, &self->got, NULL));
	EXPECT_STREQ("none", self->got.network);
	EXPECT_EQ(0, self->got.npublish);
}

/* A link (or a dead launcher's file) at the temporary name: replaced, never written through. */
TEST_F(rec, link_at_temporary)
{
	char tmp[160], victim[128], buf[16] = "";
	int fd;

	snprintf(victim, sizeof(victim), "%s/victim", self->dir);
	put(victim, "untouched");
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", self->path, (int)getpid());
	ASSERT_EQ(0, symlink(victim, tmp));
	ASSERT_EQ(0, kiste_run_record_save(self->dir, &self->r, NULL, &self->err))
	TH_LOG("%s", self->err.msg);
	fd = open(victim, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(9, read(fd, buf, sizeof(buf) - 1));
	close(fd);
	EXPECT_STREQ("untouched", buf);
	EXPECT_EQ(-1, access(tmp, F_OK));
	EXPECT_EQ(0, kiste_run_record_load(self->dir, ID, FROM, &self->got, NULL));
}

/* A folder others may write, or not the caller's: its files could be anyone's. */
TEST_F(rec, folder_checked)
{
	ASSERT_EQ(0, kiste_run_record_save(self->dir, &self->r, NULL, &self->err));
	ASSERT_EQ(0, chmod(self->dir, 0777));
	EXPECT_EQ(-EPERM, kiste_run_dir_check(self->dir, true, &self->err));
	EXPECT_EQ(-EPERM, kiste_run_record_load(self->dir, ID, FROM, &self->got, NULL));
	ASSERT_EQ(0, chmod(self->dir, 0700));
	EXPECT_EQ(0, kiste_run_dir_check(self->dir, true, &self->err));
	if (geteuid() == 0) {
		ASSERT_EQ(0, chown(self->dir, 65534, 65534));
		EXPECT_EQ(-EPERM, kiste_run_record_load(self->dir, ID, FROM, &self->got, NULL));
		ASSERT_EQ(0, chown(self->dir, 0, 0));
	}
	EXPECT_EQ(0, kiste_run_record_load(self->dir, ID, FROM, &self->got, NULL));
}

/* Whatever a record holds is checked as kiste run would have taken it. */
TEST_F(rec, malformed_refused)
{
	static const char *const bad[] = {
		"not json",
		"{\"id\":4242,\"created_from_ns\":1000000000,\"created_to_ns\":1000500000,"
		"\"writer_pid\":1,\"writer_start\":0,"
		"\"network\":\"pasta\"}",
		"{\"id\":4242,\"created_from_ns\":1000000000,\"created_to_ns\":1000500000,"
		"\"writer_pid\":1,\"writer_start\":0,"
		"\"network\":\"bridge\",\"ports\":[]}",
		"{\"id\":4242,\"created_from_ns\":1000000000,\"created_to_ns\":1000500000,"
		"\"writer_pid\":1,\"writer_start\":0,"
		"\"network\":\"ns:/x\\u001b[2J\",\"ports\":[]}",
		"{\"id\":4242,\"created_from_ns\":1000000000,\"created_to_ns\":1000500000,"
		"\"writer_pid\":1,\"writer_start\":0,"
		"\"network\":\"pasta\",\"ports\":[{\"host_ip\":\"\",\"host_port\":0,"
		"\"container_port\":80,\"protocol\":\"tcp\"}]}",
		"{\"id\":4242,\"created_from_ns\":1000000000,\"created_to_ns\":1000500000,"
		"\"writer_pid\":1,\"writer_start\":0,"
		"\"network\":\"pasta\",\"ports\":[{\"host_ip\":\"evil\",\"host_port\":1,"
		"\"container_port\":80,\"protocol\":\"tcp\"}]}",
		"{\"id\":4242,\"created_from_ns\":1000000000,\"created_to_ns\":1000500000,"
		"\"writer_pid\":1,\"writer_start\":0,"
		"\"network\":\"pasta\",\"ports\":[{\"host_ip\":\"\",\"host_port\":1,"
		"\"container_port\":80,\"protocol\":\"sctp\"}]}",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put(self->path, bad[i]);
		EXPECT_EQ(-EINVAL, kiste_run_record_load(self->dir, ID, FROM, &self->got, NULL))
		TH_LOG("accepted: %s", bad[i]);
	}
	/* the same shape, good: the cases above fail for what they change */
	put(self->path,
	    "{\"id\":4242,\"created_from_ns\":1000000000,\"created_to_ns\":1000500000,"
		"\"writer_pid\":1,\"writer_start\":0,"
	    "\"network\":\"ns:/run/netns/x\",\"ports\":[{\"host_ip\":\"\",\"host_port\":1,"
	    "\"container_port\":80,\"protocol\":\"udp\"}]}");
	ASSERT_EQ(0, kiste_run_record_load(self->dir, ID, FROM, &self->got, NULL));
	EXPECT_STREQ("ns:/run/netns/x", self->got.network);
	EXPECT_TRUE(self->got.publish[0].udp);
}

/* podman's PORTS spelling; PortMappings' fields in --json. */
TEST(ports_spelled_as_podman)
{
	struct kiste_run_record r;
	struct json_object *a, *p, *v;
	char buf[80];

	fill(&r);
	kiste_publish_format(&r.publish[0], buf, sizeof(buf));
	EXPECT_STREQ("127.0.0.1:8080->80/tcp", buf);
	kiste_publish_format(&r.publish[1], buf, sizeof(buf));
	EXPECT_STREQ("[::1]:8443->443/tcp", buf);
	kiste_publish_format(&r.publish[2], buf, sizeof(buf));
	EXPECT_STREQ("5353->53/udp", buf);
	a = kiste_publish_json(r.publish, r.npublish);
	ASSERT_NE(NULL, a);
	ASSERT_EQ(3u, json_object_array_length(a));
	p = json_object_array_get_idx(a, 2);
	ASSERT_TRUE(json_object_object_get_ex(p, "host_ip", &v));
	EXPECT_STREQ("", json_object_get_string(v));
	ASSERT_TRUE(json_object_object_get_ex(p, "host_port", &v));
	EXPECT_EQ(5353, json_object_get_int(v));
	ASSERT_TRUE(json_object_object_get_ex(p, "container_port", &v));
	EXPECT_EQ(53, json_object_get_int(v));
	ASSERT_TRUE(json_object_object_get_ex(p, "protocol", &v));
	EXPECT_STREQ("udp", json_object_get_string(v));
	json_object_put(a);
}

static int parse(const char *const *args, int n, struct kiste_run_args *a)
{
	char *argv[16];
	int i;

	argv[0] = "run";
	argv[1] = "--mode=shim";
	for (i = 0; i < n; i++)
		argv[2 + i] = (char *)args[i];
	argv[2 + n] = "--";
	argv[3 + n] = "true";
	argv[4 + n] = NULL;
	return kiste_run_parse(kiste_modes, 4 + n, argv, a, NULL);
}

/* What kiste run parsed is what the record says. */
TEST(record_from_options)
{
	static const char *const pasta[] = { "--network",	  "pasta", "-p",
					     "127.0.0.1:8080:80", "-p",	   "5353:53/udp" };
	static const char *const ns[] = { "--network", "ns:/run/netns/x" };
	struct kiste_run_record r;
	struct kiste_run_args a;
	char buf[80];

	ASSERT_EQ(0, parse(pasta, 6, &a));
	kiste_run_record_from_opts(&r, &a.o);
	kiste_run_args_free(&a);
	EXPECT_STREQ("pasta", r.network);
	ASSERT_EQ(2, r.npublish);
	kiste_publish_format(&r.publish[0], buf, sizeof(buf));
	EXPECT_STREQ("127.0.0.1:8080->80/tcp", buf);
	kiste_publish_format(&r.publish[1], buf, sizeof(buf));
	EXPECT_STREQ("5353->53/udp", buf);
	ASSERT_EQ(0, parse(ns, 2, &a));
	kiste_run_record_from_opts(&r, &a.o);
	kiste_run_args_free(&a);
	EXPECT_STREQ("ns:/run/netns/x", r.network);
	EXPECT_EQ(0, r.npublish);
	ASSERT_EQ(0, parse(NULL, 0, &a));
	kiste_run_record_from_opts(&r, &a.o);
	kiste_run_args_free(&a);
	EXPECT_STREQ("none", r.network);
}

/* Polls until @path is gone (a watcher or sweep may take a moment): whether it went, within 5 s. */
static bool gone(const char *path)
{
	int i;

	for (i = 0; i < 50 && access(path, F_OK) == 0; i++)
		usleep(100 * 1000);
	return access(path, F_OK) != 0;
}

/*
 * The launcher's path: armed by the front end, written when the sandbox is
 * made (in the caller's run folder), naming its writer; disarm touches
 * nothing (the launcher may end confined); the next record written sweeps
 * a record whose writer is gone (a normal end, a SIGKILL), never one whose
 * writer runs.
 */
TEST(launcher_lifecycle)
{
	static const char *const pasta[] = { "--network", "pasta", "-p", "18089:80" };
	char dir[PATH_MAX - 64], path[PATH_MAX], live[PATH_MAX], xdg[] = "/tmp/kiste-xdg.XXXXXX";
	const uint32_t id = 4000000000u;
	struct kiste_run_record r;
	struct kiste_run_args a;
	uint64_t start;
	int st, p[2];
	pid_t pid;
	char c;

	ASSERT_NE(NULL, mkdtemp(xdg));
	setenv("XDG_RUNTIME_DIR", xdg, 1); /* the run folder when not host root */
	ASSERT_EQ(0, kiste_trace_run_dir(dir, sizeof(dir)));
	snprintf(path, sizeof(path), "%s/%u.run.json", dir, id);
	snprintf(live, sizeof(live), "%s/%u.run.json", dir, id - 1);
	unlink(path);
	ASSERT_EQ(0, parse(pasta, 4, &a));
	/* not armed (kiste create, kiste sandbox create): nothing written */
	kiste_run_record_created(id, FROM, TO);
	EXPECT_EQ(-1, access(path, F_OK));
	/* a launcher that ends: its record names it and stays after disarm */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		kiste_run_record_arm(&a.o);
		kiste_run_record_created(id, FROM, TO);
		kiste_run_record_disarm();
		if (kiste_run_record_find(id, FROM + 5, &r) < 0 || strcmp(r.network, "pasta") ||
		    r.npublish != 1 || r.writer_pid != (uint32_t)getpid() ||
		    kiste_proc_start(getpid(), &start) < 0 || r.writer_start != start ||
		    !kiste_run_record_writer_alive(r.writer_pid, r.writer_start))
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, st);
	EXPECT_EQ(0, access(path, F_OK));
	ASSERT_EQ(0, kiste_run_record_find(id, FROM + 5, &r));
	EXPECT_FALSE(kiste_run_record_writer_alive(r.writer_pid, r.writer_start));
	/* a running launcher's record (another id) and its end by SIGKILL */
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		kiste_run_record_arm(&a.o);
		kiste_run_record_created(id - 1, FROM, TO);
		if (write(p[1], "w", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(1, read(p[0], &c, 1));
	/* its write swept the ended launcher's record; its own stays while it runs */
	EXPECT_TRUE(gone(path));
	EXPECT_EQ(0, access(live, F_OK));
	kiste_run_record_sweep(dir);
	EXPECT_EQ(0, access(live, F_OK));
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	kiste_run_record_sweep(dir);
	EXPECT_TRUE(gone(live));
	close(p[0]);
	close(p[1]);
	kiste_run_args_free(&a);
	rmdir(dir);
	rmdir(xdg);
}

/*
 * The start time is field 22 of /proc/PID/stat, also for a process whose name
 * holds spaces and parentheses; a text of too few fields is refused.
 */
TEST(proc_start_field22)
{
	static const char fields[] = " S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 424242 20 21";
	char buf[1024], stat[1024];
	unsigned long long want;
	uint64_t got = 0;
	const char *p;
	int fd;
	ssize_t n;

	ASSERT_EQ(0, kiste_proc_stat_start(fields, &got));
	EXPECT_EQ(424242U, got);
	EXPECT_EQ(-EIO, kiste_proc_stat_start(" S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18", &got));
	EXPECT_EQ(-EIO, kiste_proc_stat_start("", &got));
	/* this process, renamed so that its name would mislead a parser counting from the start */
	ASSERT_EQ(0, prctl(PR_SET_NAME, "a) b (c d", 0, 0, 0));
	fd = open("/proc/self/stat", O_RDONLY);
	ASSERT_LE(0, fd);
	n = read(fd, stat, sizeof(stat) - 1);
	close(fd);
	ASSERT_LT(0, n);
	stat[n] = 0;
	p = strrchr(stat, ')');
	ASSERT_NE(NULL, p);
	ASSERT_EQ(1, sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
			    "%*d %*d %*d %*d %llu", &want));
	ASSERT_NE(NULL, kiste_proc_stat(getpid(), buf, sizeof(buf)));
	ASSERT_EQ(0, kiste_proc_start(getpid(), &got));
	EXPECT_EQ(want, got);
	EXPECT_EQ(want, kiste_oci_pid_start(getpid()));
}

TEST_HARNESS_MAIN
