// SPDX-License-Identifier: GPL-2.0
// state.c - one container's state under --root: ROOT/ID/state.json, its start fifo, its status.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "kiste_exec.h"
#include "kiste_oci.h"

#define STATE_FILE "state.json"
/* state.json is ours: anything bigger was not written by kiste. */
#define STATE_MAX (1u << 20)

int kiste_oci_id_check(const char *id, struct kiste_err *err)
{
	size_t n = strlen(id);

	if (!n || n > KISTE_OCI_ID_MAX || strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					      "0123456789_+-.") != n ||
	    !strcmp(id, ".") || !strcmp(id, ".."))
		return kiste_err_set(err, -EINVAL,
				     "invalid container ID format '%.64s%s': use 1-%d characters of "
				     "A-Z a-z 0-9 _ + - . (not . or ..)",
				     id, n > 64 ? "..." : "", KISTE_OCI_ID_MAX);
	return 0;
}

static int dir_path(const char *root, const char *id, struct kiste_oci_state *s,
		    struct kiste_err *err)
{
	int ret = kiste_oci_id_check(id, err);

	if (ret < 0)
		return ret;
	if (snprintf(s->dir, sizeof(s->dir), "%s/%s", root, id) >= (int)sizeof(s->dir))
		return kiste_err_set(err, -ENAMETOOLONG, "--root %s with this id is too long a "
				     "path: use a shorter --root", root);
	snprintf(s->id, sizeof(s->id), "%s", id);
	return 0;
}

/*
 * --root must be the caller's own folder that nobody else can write: another
 * user who could swap ROOT/ID for a link, or plant a state, would steer kill
 * and delete.  A link as --root itself is refused too.
 */
/* Every missing folder above @path, mode 0700 (an existing one is left as it is). */
static int mkdir_parents(const char *path)
{
	char p[PATH_MAX];
	size_t i, n = strlen(path);

	if (n >= sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(p, path, n + 1);
	for (i = 1; i < n; i++) {
		if (p[i] != '/')
			continue;
		p[i] = 0;
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return -1;
		p[i] = '/';
	}
	return 0;
}

/*
 * Who may own a folder above --root: root, the caller, and, in a user
 * namespace of someone else's (rootless podman's), the overflow id that
 * host root's folders show as there.
 */
static bool trusted_owner(uid_t uid)
{
	return uid == 0 || uid == geteuid() || (!kiste_host_root() && uid == KISTE_NOBODY);
}

/*
 * Each folder above @path (from /), as typed and as resolved: a trusted
 * owner's, and writable by no one else unless sticky (where no one else can
 * replace an entry a trusted owner made); each link on the way a trusted
 * owner's.  Else another user could swap --root, or a folder on its way, for
 * one of theirs after root_check, with a state of their choosing in it.
 */
static int ancestors_ok(const char *path, bool typed, struct kiste_err *err)
{
	char p[PATH_MAX];
	struct stat st;
	size_t i, n = strlen(path);

	if (n >= sizeof(p))
		return kiste_err_set(err, -ENAMETOOLONG, "--root %s is too long a path", path);
	memcpy(p, path, n + 1);
	/* "/", then the folder before each later '/' (--root itself: root_check) */
	for (i = 0; i < n; i++) {
		if (p[i] != '/')
			continue;
		p[i] = 0;
		if (lstat(i ? p : "/", &st) < 0)
			return kiste_err_set(err, -errno, "cannot use --root %s: %s: %s", path,
					     i ? p : "/", strerror(errno));
		if (!trusted_owner(st.st_uid) ||
		    (!typed && !S_ISDIR(st.st_mode)) ||
		    (S_ISDIR(st.st_mode) && (st.st_mode & 022) && !(st.st_mode & S_ISVTX)))
			return kiste_err_set(err, -EPERM, "--root %s lies in %s, which another user "
					     "owns or may write (owner %u, mode %04o): give a folder "
					     "only root and you can change the way to, e.g. /run/kiste",
					     path, i ? p : "/", (unsigned int)st.st_uid,
					     (unsigned int)(st.st_mode & 07777));
		p[i] = '/';
	}
	return 0;
}

static int root_check(const char *root, struct kiste_err *err)
{
	char real[PATH_MAX], typed[PATH_MAX];
	struct stat st;
	int ret;

	if (root[0] == '/')
		snprintf(typed, sizeof(typed), "%s", root);
	else if (!getcwd(typed, sizeof(typed)) ||
		 strlen(typed) + 1 + strlen(root) >= sizeof(typed))
		return kiste_err_set(err, -ENAMETOOLONG, "--root %s is too long a path", root);
	else
		snprintf(typed + strlen(typed), sizeof(typed) - strlen(typed), "/%s", root);
	if (!realpath(root, real))
		return kiste_err_set(err, -errno, "cannot use --root %s: %s", root, strerror(errno));
	ret = ancestors_ok(typed, true, err);
	if (ret == 0)
		ret = ancestors_ok(real, false, err);
	if (ret < 0)
		return ret;
	if (lstat(root, &st) < 0)
		return kiste_err_set(err, -errno, "cannot use --root %s: %s", root, strerror(errno));
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
		return kiste_err_set(err, -EPERM, "--root %s is not a folder of yours that only you "
				     "can write (owner %u, mode %03o): give one (chmod 700), e.g. "
				     "/run/kiste", root, (unsigned int)st.st_uid,
				     (unsigned int)(st.st_mode & 0777));
	return 0;
}

int kiste_oci_state_new(const char *root, const char *id, struct kiste_oci_state *s,
			struct kiste_err *err)
{
	int ret;

	memset(s, 0, sizeof(*s));
	ret = dir_path(root, id, s, err);
	if (ret < 0)
		return ret;
	/*
	 * The state of every container is private to whoever runs the runtime;
	 * missing parents are made too, as runc does (containerd's shim names
	 * /run/containerd/runc/NAMESPACE before it exists).
	 */
	if (mkdir_parents(root) < 0 || (mkdir(root, 0700) < 0 && errno != EEXIST))
		return kiste_err_set(err, -errno, "cannot make --root %s: %s: give a writable folder",
				     root, strerror(errno));
	ret = root_check(root, err);
	if (ret < 0)
		return ret;
	if (mkdir(s->dir, 0700) < 0) {
		if (errno == EEXIST)
			return kiste_err_set(err, -EEXIST, "container with given ID already exists: "
					     "%s: delete it first or pick another id", id);
		return kiste_err_set(err, -errno, "cannot make %s: %s", s->dir, strerror(errno));
	}
	return 0;
}

static void copy_str(json_object *o, const char *key, char *dst, size_t len)
{
	json_object *v;

	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		snprintf(dst, len, "%s", json_object_get_string(v));
}

static int64_t get_i64(json_object *o, const char *key)
{
	json_object *v;

	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int))
		return json_object_get_int64(v);
	return 0;
}

static int read_annotations(json_object *o, struct kiste_oci_state *s)
{
	json_object *a;
	size_t n;

	if (!json_object_object_get_ex(o, "annotations", &a) ||
	    !json_object_is_type(a, json_type_object))
		return 0;
	n = (size_t)json_object_object_length(a);
	s->annotations = calloc(n ? n : 1, sizeof(*s->annotations));
	if (!s->annotations)
		return -ENOMEM;
	json_object_object_foreach(a, key, val)
	{
		struct kiste_oci_kv *an = &s->annotations[s->nannotations];

		an->key = strdup(key);
		an->value = strdup(json_object_get_string(val));
		s->nannotations++;
		if (!an->key || !an->value)
			return -ENOMEM;
	}
	return 0;
}

/* An absolute path without ".." that ends in "/kiste/oci/" and the id's cgroup name. */
static bool cgroup_dir_ok(const char *d, const char *id)
{
	char tail[256];
	size_t n, t;

	if (!d || d[0] != '/' || strstr(d, "/../") || strstr(d, "/./"))
		return false;
	snprintf(tail, sizeof(tail), "/kiste/oci/%.200s", id);
	n = strlen(d);
	t = strlen(tail);
	return n > t && !strcmp(d + n - t, tail);
}

static void read_cgroup(json_object *o, struct kiste_oci_state *s)
{
	json_object *cg, *dirs;
	size_t i;

	if (!json_object_object_get_ex(o, "cgroup", &cg))
		return;
	s->cg.version = (int)get_i64(cg, "version");
	if (!json_object_object_get_ex(cg, "dirs", &dirs) ||
	    !json_object_is_type(dirs, json_type_array))
		return;
	for (i = 0; i < json_object_array_length(dirs) && i < KISTE_CG_DIRS; i++) {
		const char *d = json_object_get_string(json_object_array_get_idx(dirs, i));

		/*
		 * delete writes cgroup.kill there and removes it: only the folder
		 * create makes for this id (".../kiste/oci/ID") is taken, never
		 * another one a tampered state names.
		 */
		if (!cgroup_dir_ok(d, s->id)) {
			s->cg.ndirs = 0;
			return;
		}
		snprintf(s->cg.dir[i], sizeof(s->cg.dir[i]), "%s", d);
		s->cg.ndirs++;
	}
}

/* cgroupExtra.freezer / .cpuacct: the same rule as the dirs above, else none. */
static void read_extra(json_object *o, struct kiste_oci_state *s)
{
	json_object *ex;
	char tmp[PATH_MAX];

	if (!json_object_object_get_ex(o, "cgroupExtra", &ex) ||
	    !json_object_is_type(ex, json_type_object))
		return;
	tmp[0] = 0;
	copy_str(ex, "freezer", tmp, sizeof(tmp));
	if (cgroup_dir_ok(tmp, s->id))
		snprintf(s->freezer_dir, sizeof(s->freezer_dir), "%s", tmp);
	tmp[0] = 0;
	copy_str(ex, "cpuacct", tmp, sizeof(tmp));
	if (cgroup_dir_ok(tmp, s->id))
		snprintf(s->cpuacct_dir, sizeof(s->cpuacct_dir), "%s", tmp);
}

/* state.json as kiste wrote it: a regular file of at most STATE_MAX bytes (no FIFO, no link). */
static json_object *state_read(const char *path)
{
	json_object *o = NULL;
	struct stat st;
	char *buf;
	ssize_t n;
	int fd = kiste_open_regular(AT_FDCWD, path, O_RDONLY | O_NOFOLLOW, &st);

	if (fd < 0)
		return NULL;
	if (st.st_size > 0 && st.st_size <= STATE_MAX && (buf = malloc(st.st_size + 1))) {
		n = read(fd, buf, st.st_size);
		if (n == st.st_size) {
			buf[n] = 0;
			o = json_tokener_parse(buf);
		}
		free(buf);
	}
	close(fd);
	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

int kiste_oci_state_load(const char *root, const char *id, struct kiste_oci_state *s,
			 struct kiste_err *err)
{
	char path[PATH_MAX + 16];
	json_object *o;
	int ret;

	memset(s, 0, sizeof(*s));
	ret = dir_path(root, id, s, err);
	if (ret == 0 && access(root, F_OK) == 0)
		ret = root_check(root, err);
	if (ret < 0)
		return ret;
	snprintf(path, sizeof(path), "%s/" STATE_FILE, s->dir);
	o = state_read(path);
	if (!o) {
		if (access(s->dir, F_OK) < 0)
			return kiste_err_set(err, -ENOENT, "container does not exist: %s", id);
		/* The folder without a state: a create that has not finished or died half way. */
		return kiste_err_set(err, -EAGAIN, "container %s is still being created (or its "
				     "create failed): try again, or delete --force it", id);
	}
	copy_str(o, "ociVersion", s->oci_version, sizeof(s->oci_version));
	copy_str(o, "bundle", s->bundle, sizeof(s->bundle));
	copy_str(o, "rootfs", s->rootfs, sizeof(s->rootfs));
	copy_str(o, "created", s->created, sizeof(s->created));
	copy_str(o, "mode", s->mode, sizeof(s->mode));
	s->pid = (pid_t)get_i64(o, "pid");
	s->pid_start = (uint64_t)get_i64(o, "pidStart");
	s->owner_uid = (uint32_t)get_i64(o, "ownerUid");
	read_cgroup(o, s);
	read_extra(o, s);
	ret = read_annotations(o, s);
	json_object_put(o);
	if (ret < 0)
		return kiste_err_set(err, ret, "out of memory");
	return 0;
}

static json_object *annotations_json(const struct kiste_oci_state *s)
{
	json_object *a = json_object_new_object();
	size_t i;

	for (i = 0; a && i < s->nannotations; i++)
		json_object_object_add(a, s->annotations[i].key,
				       json_object_new_string(s->annotations[i].value));
	return a;
}

int kiste_oci_state_save(const struct kiste_oci_state *s, struct kiste_err *err)
{
	json_object *o = json_object_new_object(), *cg, *dirs;
	char path[PATH_MAX + 16], tmp[PATH_MAX + 16];
	int i, ret = 0;

	if (!o)
		return kiste_err_set(err, -ENOMEM, "out of memory");
	json_object_object_add(o, "ociVersion", json_object_new_string(s->oci_version));
	json_object_object_add(o, "id", json_object_new_string(s->id));
	json_object_object_add(o, "pid", json_object_new_int64(s->pid));
	json_object_object_add(o, "pidStart", json_object_new_uint64(s->pid_start));
	json_object_object_add(o, "bundle", json_object_new_string(s->bundle));
	json_object_object_add(o, "rootfs", json_object_new_string(s->rootfs));
	json_object_object_add(o, "created", json_object_new_string(s->created));
	json_object_object_add(o, "ownerUid", json_object_new_int64(s->owner_uid));
	json_object_object_add(o, "mode", json_object_new_string(s->mode));
	json_object_object_add(o, "annotations", annotations_json(s));
	cg = json_object_new_object();
	dirs = json_object_new_array();
	for (i = 0; dirs && i < s->cg.ndirs; i++)
		json_object_array_add(dirs, json_object_new_string(s->cg.dir[i]));
	json_object_object_add(cg, "version", json_object_new_int(s->cg.version));
	json_object_object_add(cg, "dirs", dirs);
	json_object_object_add(o, "cgroup", cg);
	if (s->freezer_dir[0] || s->cpuacct_dir[0]) {
		cg = json_object_new_object();
		json_object_object_add(cg, "freezer", json_object_new_string(s->freezer_dir));
		json_object_object_add(cg, "cpuacct", json_object_new_string(s->cpuacct_dir));
		json_object_object_add(o, "cgroupExtra", cg);
	}
	snprintf(path, sizeof(path), "%s/" STATE_FILE, s->dir);
	snprintf(tmp, sizeof(tmp), "%s/" STATE_FILE ".tmp", s->dir);
	if (json_object_to_file_ext(tmp, o, JSON_C_TO_STRING_PLAIN) < 0 || rename(tmp, path) < 0)
		ret = kiste_err_set(err, -EIO, "cannot write %s: %s", path, strerror(errno));
	json_object_put(o);
	return ret;
}

void kiste_oci_state_free(struct kiste_oci_state *s)
{
	size_t i;

	for (i = 0; i < s->nannotations; i++) {
		free(s->annotations[i].key);
		free(s->annotations[i].value);
	}
	free(s->annotations);
	s->annotations = NULL;
	s->nannotations = 0;
}

int kiste_oci_state_lock(const struct kiste_oci_state *s, struct kiste_err *err)
{
	int fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return kiste_err_set(err, errno == ENOENT ? -ENOENT : -errno,
				     "container does not exist: %s", s->id);
	if (flock(fd, LOCK_EX) < 0) {
		close(fd);
		return kiste_err_set(err, -errno, "cannot lock %s: %s", s->dir, strerror(errno));
	}
	return fd;
}

uint64_t kiste_oci_pid_start(pid_t pid)
{
	char buf[1024], state;
	const char *p;
	uint64_t start = 0;

	if (pid <= 0)
		return 0;
	/* A zombie's (or a dead task's) start time is no running container's. */
	p = kiste_proc_stat(pid, buf, sizeof(buf));
	if (!p || sscanf(p, " %c", &state) != 1 || state == 'Z' || state == 'X' ||
	    kiste_proc_stat_start(p, &start) < 0)
		return 0;
	return start ? start : 1;
}

int kiste_oci_init_pidfd(const struct kiste_oci_state *s)
{
	int fd;

	if (s->pid <= 0 || !s->pid_start)
		return -ESRCH;
	fd = (int)syscall(SYS_pidfd_open, s->pid, 0);
	if (fd < 0)
		return -errno;
	/* Checked with the descriptor open: the pid cannot change hands unseen now. */
	if (kiste_oci_pid_start(s->pid) != s->pid_start) {
		close(fd);
		return -ESRCH;
	}
	return fd;
}

enum kiste_oci_status kiste_oci_state_status(const struct kiste_oci_state *s)
{
	char fifo[PATH_MAX + 16];

	if (!s->pid)
		return KISTE_OCI_CREATING;
	/* A pid that is no process (-1 is every process to kill(2)) or no start time: gone. */
	if (s->pid < 0 || !s->pid_start || kiste_oci_pid_start(s->pid) != s->pid_start)
		return KISTE_OCI_STOPPED;
	if (kiste_oci_frozen(s))
		return KISTE_OCI_PAUSED;
	snprintf(fifo, sizeof(fifo), "%s/" KISTE_OCI_START_FIFO, s->dir);
	return access(fifo, F_OK) == 0 ? KISTE_OCI_CREATED : KISTE_OCI_RUNNING;
}

const char *kiste_oci_status_name(enum kiste_oci_status st)
{
	switch (st) {
	case KISTE_OCI_CREATING:
		return "creating";
	case KISTE_OCI_CREATED:
		return "created";
	case KISTE_OCI_RUNNING:
		return "running";
	case KISTE_OCI_PAUSED:
		return "paused";
	default:
		return "stopped";
	}
}

/*
 * The user name of @uid from /etc/passwd, read directly: kiste is static, and
 * glibc's NSS would need the shared libraries of the build's glibc at run time.
 */
static void owner_of(uint32_t uid, char *buf, size_t len)
{
	char line[1024], *name, *id;
	FILE *f = fopen("/etc/passwd", "re");

	snprintf(buf, len, "#%u", uid);
	while (f && fgets(line, sizeof(line), f)) {
		name = strtok(line, ":");
		if (!name || !strtok(NULL, ":"))
			continue;
		id = strtok(NULL, ":");
		if (id && strtoul(id, NULL, 10) == uid && *id >= '0' && *id <= '9') {
			snprintf(buf, len, "%s", name);
			break;
		}
	}
	if (f)
		fclose(f);
}

/* runc's field order; pid 0 once stopped; annotations only when there are some. */
struct json_object *kiste_oci_state_json(const struct kiste_oci_state *s, bool owner_name)
{
	enum kiste_oci_status st = kiste_oci_state_status(s);
	json_object *o = json_object_new_object();
	char owner[64] = "";

	if (!o)
		return NULL;
	if (owner_name)
		owner_of(s->owner_uid, owner, sizeof(owner));
	json_object_object_add(o, "ociVersion", json_object_new_string(s->oci_version));
	json_object_object_add(o, "id", json_object_new_string(s->id));
	json_object_object_add(o, "pid", json_object_new_int64(st == KISTE_OCI_STOPPED ? 0 : s->pid));
	json_object_object_add(o, "status", json_object_new_string(kiste_oci_status_name(st)));
	json_object_object_add(o, "bundle", json_object_new_string(s->bundle));
	json_object_object_add(o, "rootfs", json_object_new_string(s->rootfs));
	json_object_object_add(o, "created", json_object_new_string(s->created));
	json_object_object_add(o, "owner", json_object_new_string(owner));
	if (s->nannotations)
		json_object_object_add(o, "annotations", annotations_json(s));
	return o;
}

int kiste_oci_state_remove(const struct kiste_oci_state *s, struct kiste_err *err)
{
	static const char *const files[] = { STATE_FILE, STATE_FILE ".tmp", KISTE_OCI_START_FIFO,
					     KISTE_OCI_HOOKS_FILE, KISTE_OCI_HOOKS_FILE ".tmp",
					     KISTE_OCI_TRACE_FILE, KISTE_OCI_EXEC_SOCK };
	char path[PATH_MAX + 32];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", s->dir, files[i]);
		if (unlink(path) < 0 && errno != ENOENT)
			return kiste_err_set(err, -errno, "cannot remove %s: %s", path,
					     strerror(errno));
	}
	if (rmdir(s->dir) < 0 && errno != ENOENT)
		return kiste_err_set(err, -errno, "cannot remove %s: %s", s->dir, strerror(errno));
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int kiste_oci_state_ids(const char *root, char ***ids, size_t *n, struct kiste_err *err)
{
	DIR *d;
	struct dirent *e;
	size_t cap = 0;
	char **v = NULL, **nv;
	int ret;

	*ids = NULL;
	*n = 0;
	/* list reads each state it finds there: the same rules as for one */
	if (access(root, F_OK) == 0) {
		ret = root_check(root, err);
		if (ret < 0)
			return ret;
	}
	d = opendir(root);
	if (!d)
		return errno == ENOENT ? 0 : kiste_err_set(err, -errno, "cannot read --root %s: %s",
							  root, strerror(errno));
	while ((e = readdir(d))) {
		if (kiste_oci_id_check(e->d_name, NULL) < 0 || e->d_type != DT_DIR)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		v[*n] = strdup(e->d_name);
		if (v[*n])
			(*n)++;
	}
	closedir(d);
	if (v)
		qsort(v, *n, sizeof(*v), cmp_str);
	*ids = v;
	return 0;
}

int kiste_oci_exec_socket(const char *dir, bool listen_on, struct kiste_err *err)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC), fd, e;

	if (dfd < 0)
		return kiste_err_set(err, -errno, "cannot open %s: %s", dir, strerror(errno));
	snprintf(a.sun_path, sizeof(a.sun_path), "/proc/self/fd/%d/" KISTE_OCI_EXEC_SOCK, dfd);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd >= 0 && listen_on) {
		unlink(a.sun_path);
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(fd, 16) == 0) {
			close(dfd);
			return fd;
		}
	} else if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
		close(dfd);
		return fd;
	}
	e = errno;
	if (fd >= 0)
		close(fd);
	close(dfd);
	if (!listen_on && (e == ENOENT || e == ECONNREFUSED))
		return kiste_err_set(err, -e, "the container's init does not take exec requests "
				     "(%s): it was created by an older kiste, or it is stopping",
				     strerror(e));
	return kiste_err_set(err, -e, "%s %s/" KISTE_OCI_EXEC_SOCK ": %s",
			     listen_on ? "cannot listen on" : "cannot connect to", dir, strerror(e));
}
