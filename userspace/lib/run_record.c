// SPDX-License-Identifier: GPL-2.0
// run_record.c - what only `kiste run` knows of its sandbox (--network, -p), kept for `kiste inspect`.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "kiste_run.h"

/*
 * A record is tiny (64 ports and one path are under 12 KiB); a bigger file
 * is not one kiste wrote, and is not read.
 */
#define RECORD_MAX (32 * 1024)

/*
 * The record this launcher will write for the sandbox it creates: armed by
 * the `kiste run` front end, written by kiste_run_sandbox() (each mode calls
 * it deep in its own code, the front end never learns the id).  One launcher
 * process makes one such sandbox, so this is the process's state, as a pid
 * file would be; the record goes once its writer is gone (the next write's
 * sweep), since the launcher may end confined.
 */
static struct {
	bool armed;
	bool written;
	struct kiste_run_record rec;
} pending;

static int record_path(const char *dir, uint32_t id, const char *suffix, char *buf, size_t n)
{
	int r = snprintf(buf, n, "%s/%u.run.json%s", dir, id, suffix);

	return r < 0 || (size_t)r >= n ? -ENAMETOOLONG : 0;
}

int kiste_run_dir_check(const char *dir, bool make, struct kiste_err *err)
{
	struct stat st;

	if (make && mkdir(dir, 0700) < 0 && errno != EEXIST)
		return kiste_err_set(err, -errno, "cannot make %s: %s", dir, strerror(errno));
	if (lstat(dir, &st) < 0)
		return kiste_err_set(err, -errno, "%s: %s", dir, strerror(errno));
	/* Another user's folder, or one others may write: its files could be anyone's. */
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
		return kiste_err_set(err, -EPERM,
				     "%s is not a folder of yours that only you "
				     "can write: remove it (kiste makes it again)",
				     dir);
	return 0;
}

void kiste_run_record_from_opts(struct kiste_run_record *r, const struct kiste_run_opts *o)
{
	memset(r, 0, sizeof(*r));
	if (o->network == KISTE_NET_PASTA)
		snprintf(r->network, sizeof(r->network), "pasta");
	else if (o->network == KISTE_NET_NS)
		snprintf(r->network, sizeof(r->network), "ns:%s", o->netns_path);
	else
		snprintf(r->network, sizeof(r->network), "none");
	r->npublish = o->npublish;
	memcpy(r->publish, o->publish, sizeof(r->publish[0]) * (size_t)o->npublish);
}

static struct json_object *record_json(const struct kiste_run_record *r)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "id", json_object_new_int64(r->id));
	json_object_object_add(o, "created_from_ns", json_object_new_uint64(r->created_from_ns));
	json_object_object_add(o, "created_to_ns", json_object_new_uint64(r->created_to_ns));
	json_object_object_add(o, "writer_pid", json_object_new_int64(r->writer_pid));
	json_object_object_add(o, "writer_start", json_object_new_uint64(r->writer_start));
	json_object_object_add(o, "network", json_object_new_string(r->network));
	json_object_object_add(o, "ports", kiste_publish_json(r->publish, r->npublish));
	return o;
}

/* Writes @text to a new file @tmp: never through a link, never into an existing file. */
static int write_new(const char *tmp, const char *text, struct kiste_err *err)
{
	size_t len = strlen(text);
	int fd, tries, r = 0;

	for (tries = 0; tries < 2; tries++) {
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
		/* A dead launcher's of this pid's (or a link): ours to replace, not follow. */
		unlink(tmp);
	}
	if (fd < 0)
		return kiste_err_set(err, -errno, "cannot make %s: %s", tmp, strerror(errno));
	if (write(fd, text, len) != (ssize_t)len)
		r = kiste_err_set(err, -EIO, "cannot write %s", tmp);
	if (close(fd) < 0 && !r)
		r = kiste_err_set(err, -errno, "cannot write %s: %s", tmp, strerror(errno));
	if (r)
		unlink(tmp);
	return r;
}

int kiste_run_record_save(const char *dir, const struct kiste_run_record *r, struct stat *st,
			  struct kiste_err *err)
{
	char tmp[PATH_MAX], path[PATH_MAX], sfx[24];
	struct json_object *o;
	struct stat mine;
	int ret;

	snprintf(sfx, sizeof(sfx), ".%d.tmp", (int)getpid());
	if (record_path(dir, r->id, sfx, tmp, sizeof(tmp)) < 0 ||
	    record_path(dir, r->id, "", path, sizeof(path)) < 0)
		return kiste_err_set(err, -ENAMETOOLONG, "%s: name too long", dir);
	o = record_json(r);
	if (!o)
		return kiste_err_set(err, -ENOMEM, "out of memory");
	ret = write_new(tmp, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), err);
	json_object_put(o);
	if (ret < 0)
		return ret;
	/* Whole or not at all for a reader; a dead sandbox's record of this id is replaced. */
	if (lstat(tmp, st ? st : &mine) < 0 || rename(tmp, path) < 0) {
		ret = kiste_err_set(err, -errno, "cannot make %s: %s", path, strerror(errno));
		unlink(tmp);
	}
	return ret;
}

/* @s as a --network word, printable: a record is shown on terminals. */
static int network_check(const char *s)
{
	const unsigned char *c;

	if (strcmp(s, "none") && strcmp(s, "pasta") && strncmp(s, "ns:/", 4))
		return -EINVAL;
	for (c = (const unsigned char *)s; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return -EINVAL;
	return 0;
}

static int port_get(struct json_object *p, const char *key, uint16_t *out)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(p, key, &v) || !json_object_is_type(v, json_type_int))
		return -EINVAL;
	n = json_object_get_int64(v);
	if (n < 1 || n > 65535)
		return -EINVAL;
	*out = (uint16_t)n;
	return 0;
}

static int port_parse(struct json_object *p, struct kiste_publish *pb)
{
	struct json_object *ip, *proto;
	unsigned char bin[16];
	const char *s;

	if (!json_object_object_get_ex(p, "host_ip", &ip) ||
	    !json_object_is_type(ip, json_type_string) ||
	    !json_object_object_get_ex(p, "protocol", &proto) ||
	    !json_object_is_type(proto, json_type_string) ||
	    port_get(p, "host_port", &pb->host_port) < 0 ||
	    port_get(p, "container_port", &pb->port) < 0)
		return -EINVAL;
	s = json_object_get_string(ip);
	if (strlen(s) >= sizeof(pb->ip) ||
	    (s[0] && inet_pton(AF_INET, s, bin) != 1 && inet_pton(AF_INET6, s, bin) != 1))
		return -EINVAL;
	strcpy(pb->ip, s);
	s = json_object_get_string(proto);
	if (strcmp(s, "tcp") && strcmp(s, "udp"))
		return -EINVAL;
	pb->udp = !strcmp(s, "udp");
	return 0;
}

static int u64_get(struct json_object *o, const char *key, uint64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return -EINVAL;
	*out = json_object_get_uint64(v);
	return 0;
}

/* The record's fields from @text, each checked as `kiste run` would have taken it. */
static int record_parse(const char *text, struct kiste_run_record *r)
{
	struct json_object *o = json_tokener_parse(text), *net, *ports;
	uint64_t id, pid;
	size_t i, n;
	int ret = -EINVAL;

	memset(r, 0, sizeof(*r));
	if (!o || !json_object_is_type(o, json_type_object) || u64_get(o, "id", &id) < 0 ||
	    u64_get(o, "created_from_ns", &r->created_from_ns) < 0 ||
	    u64_get(o, "created_to_ns", &r->created_to_ns) < 0 ||
	    u64_get(o, "writer_pid", &pid) < 0 || pid > INT32_MAX ||
	    u64_get(o, "writer_start", &r->writer_start) < 0 ||
	    !json_object_object_get_ex(o, "network", &net) ||
	    !json_object_is_type(net, json_type_string) ||
	    !json_object_object_get_ex(o, "ports", &ports) ||
	    !json_object_is_type(ports, json_type_array))
		goto out;
	n = json_object_array_length(ports);
	if (id > UINT32_MAX || n > KISTE_RUN_PUBLISH_MAX ||
	    strlen(json_object_get_string(net)) >= sizeof(r->network))
		goto out;
	r->id = (uint32_t)id;
	r->writer_pid = (uint32_t)pid;
	strcpy(r->network, json_object_get_string(net));
	if (network_check(r->network) < 0)
		goto out;
	for (i = 0; i < n; i++)
		if (port_parse(json_object_array_get_idx(ports, i), &r->publish[i]) < 0)
			goto out;
	r->npublish = (int)n;
	ret = 0;
out:
	json_object_put(o);
	return ret;
}

/* The record file at @path, opened: the caller's own regular file of a record's size. */
static int record_read(const char *path, char *buf, size_t n, struct stat *st,
		       struct kiste_err *err)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	ssize_t got;

	if (fd < 0 && errno == ENOENT)
		return -ENOENT;
	/* ELOOP: a link where the record belongs; kiste never makes one. */
	if (fd < 0)
		return kiste_err_set(err, errno == ELOOP ? -EPERM : -errno, "%s: %s", path,
				     strerror(errno));
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) || st->st_uid != geteuid() ||
	    st->st_size >= (off_t)n) {
		close(fd);
		return kiste_err_set(err, -EPERM,
				     "%s is not a record kiste made for you "
				     "(a regular file of yours, under %zu bytes)",
				     path, n);
	}
	got = read(fd, buf, n - 1);
	close(fd);
	if (got < 0)
		return kiste_err_set(err, -EIO, "cannot read %s", path);
	buf[got] = 0;
	return 0;
}

/* Removes @path if it still is the file @st describes (another launcher may have replaced it). */
static void remove_same(const char *path, const struct stat *st)
{
	struct stat now;

	if (lstat(path, &now) == 0 && now.st_dev == st->st_dev && now.st_ino == st->st_ino)
		unlink(path);
}

int kiste_run_record_load(const char *dir, uint32_t id, uint64_t created_ns,
			  struct kiste_run_record *r, struct kiste_err *err)
{
	char path[PATH_MAX], *buf;
	struct stat st;
	int ret;

	ret = kiste_run_dir_check(dir, false, err);
	if (ret < 0)
		return ret == -ENOENT ? -ENOENT : ret;
	if (record_path(dir, id, "", path, sizeof(path)) < 0)
		return kiste_err_set(err, -ENAMETOOLONG, "%s: name too long", dir);
	buf = malloc(RECORD_MAX);
	if (!buf)
		return kiste_err_set(err, -ENOMEM, "out of memory");
	ret = record_read(path, buf, RECORD_MAX, &st, err);
	if (ret == 0 && record_parse(buf, r) < 0)
		ret = kiste_err_set(err, -EINVAL, "%s is not a record kiste made", path);
	free(buf);
	if (ret < 0)
		return ret;
	/*
	 * Written by a launcher that died without removing it (SIGKILL): the
	 * sandbox of this id now is another one, made outside the window the
	 * record names.  Ids are issued once per load of kiste.ko and
	 * CLOCK_BOOTTIME never goes back, so no other sandbox of this id was
	 * made inside it.
	 */
	if (r->id != id || created_ns < r->created_from_ns || created_ns > r->created_to_ns) {
		remove_same(path, &st);
		return -ESTALE;
	}
	return 0;
}

int kiste_run_record_find(uint32_t id, uint64_t created_ns, struct kiste_run_record *r)
{
	char dir[PATH_MAX - 64];

	if (kiste_trace_run_dir(dir, sizeof(dir)) < 0)
		return -ENOENT;
	return kiste_run_record_load(dir, id, created_ns, r, NULL);
}

void kiste_run_record_arm(const struct kiste_run_opts *o)
{
	kiste_run_record_from_opts(&pending.rec, o);
	pending.armed = true;
	pending.written = false;
}

const char *kiste_proc_stat(pid_t pid, char *buf, size_t n)
{
	char path[64], *p;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || n < 2) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	len = read(fd, buf, n - 1);
	close(fd);
	if (len <= 0)
		return NULL;
	buf[len] = 0;
	p = strrchr(buf, ')');
	return p ? p + 1 : NULL;
}

int kiste_proc_stat_start(const char *fields, uint64_t *start)
{
	const char *p = fields;
	unsigned long long v;
	int i;

	if (!*p)
		return -EIO;
	/* Field 22 (starttime) follows the 20th space after the name's ')'. */
	for (i = 3; p && i < 22; i++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &v) != 1)
		return -EIO;
	*start = v;
	return 0;
}

int kiste_proc_start(pid_t pid, uint64_t *start)
{
	char buf[1024];
	const char *p = kiste_proc_stat(pid, buf, sizeof(buf));

	return p ? kiste_proc_stat_start(p, start) : -EIO;
}

bool kiste_run_record_writer_alive(uint32_t pid, uint64_t start)
{
	uint64_t now;

	return pid && pid <= INT32_MAX && kiste_proc_start((pid_t)pid, &now) == 0 && now == start;
}

void kiste_run_record_sweep(const char *dir)
{
	struct kiste_run_record r;
	char path[PATH_MAX], *buf;
	struct dirent *e;
	struct stat st;
	size_t len;
	DIR *d;

	if (kiste_run_dir_check(dir, false, NULL) < 0 || !(d = opendir(dir)))
		return;
	buf = malloc(RECORD_MAX);
	while (buf && (e = readdir(d))) {
		len = strlen(e->d_name);
		/* Records only ("N.run.json"): the trace switches live here too. */
		if (len <= 9 || strcmp(e->d_name + len - 9, ".run.json") ||
		    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path))
			continue;
		if (record_read(path, buf, RECORD_MAX, &st, NULL) == 0 &&
		    record_parse(buf, &r) == 0 &&
		    !kiste_run_record_writer_alive(r.writer_pid, r.writer_start))
			remove_same(path, &st);
	}
	free(buf);
	closedir(d);
}

void kiste_run_record_created(uint32_t id, uint64_t from_ns, uint64_t to_ns)
{
	char dir[PATH_MAX - 64];

	if (!pending.armed || pending.written)
		return;
	pending.rec.id = id;
	pending.rec.created_from_ns = from_ns;
	pending.rec.created_to_ns = to_ns;
	pending.rec.writer_pid = (uint32_t)getpid();
	/* A record only shows what was asked for: no folder, no record, and the run goes on. */
	if (kiste_proc_start(getpid(), &pending.rec.writer_start) < 0 ||
	    kiste_trace_run_dir(dir, sizeof(dir)) < 0 || kiste_run_dir_check(dir, true, NULL) < 0)
		return;
	kiste_run_record_sweep(dir);
	if (kiste_run_record_save(dir, &pending.rec, NULL, NULL) < 0)
		return;
	pending.written = true;
}

void kiste_run_record_disarm(void)
{
	pending.armed = false;
	pending.written = false;
}
