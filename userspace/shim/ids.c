// SPDX-License-Identifier: GPL-2.0
// ids.c - a range of host ids of its own for each sandbox kiste runs as root (subids.c: ordinary callers).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kiste_mode.h"
#include "kiste_oci.h"
#include "shim.h"

/*
 * The pool: the entry of user "kiste" in /etc/subuid and /etc/subgid, as
 * podman's --userns=auto takes the entry of "containers"; without one,
 * 0x60000000 and up, inside the range systemd sets aside for containers'
 * ids (524288..1879048191).  A sandbox holds its range by an exclusive lock
 * on one file of KISTE_IDS_DIR, taken by the launcher before the sandbox's
 * first process and inherited by its init, so the range is free again when
 * the last of them ends (an OCI container's init outlives kiste create).
 *
 * The pool's first slot is mapped by no sandbox: its ids own the sandboxes'
 * user namespaces (id START + K for slot K's, launch.c's owner_clone).  A
 * namespace's owner has every capability in it to any host process with that
 * effective id; a sandbox's own ids can be a host process's (a setuid file it
 * leaves in a volume), its owner's never: no sandbox can make a file of an id
 * it does not map.
 */
#define KISTE_IDS_DIR "/run/kiste-ids"
#define KISTE_IDS_DEFAULT_BASE 0x60000000UL
#define KISTE_IDS_DEFAULT_COUNT (1024UL * SHIM_IDS_SIZE)

long long shim_ids_number(const char *p, const char **end)
{
	long long v = 0;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > 0xffffffffLL)
			return -1;
	}
	*end = p;
	return v;
}

/*
 * @name's range in @file (lines NAME:START:COUNT, digits only): 1 found, 0
 * none, -1 a line of @name's that is not such a range.
 */
static int sub_entry(const char *file, const char *name, unsigned long *start,
		     unsigned long *count)
{
	char line[256];
	size_t nl = strlen(name);
	const char *p;
	long long s, c;
	FILE *f = fopen(file, "re");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, nl) || line[nl] != ':')
			continue;
		found = -1;
		s = shim_ids_number(line + nl + 1, &p);
		if (s < 0 || *p != ':')
			break;
		c = shim_ids_number(p + 1, &p);
		if (c < 0 || (*p && *p != '\n'))
			break;
		*start = (unsigned long)s;
		*count = (unsigned long)c;
		found = 1;
	}
	fclose(f);
	return found;
}

static int pool(const char *file, unsigned long *start, unsigned long *slots,
		struct kiste_err *err)
{
	unsigned long s = KISTE_IDS_DEFAULT_BASE, c = KISTE_IDS_DEFAULT_COUNT;
	int found = sub_entry(file, "kiste", &s, &c);

	/*
	 * Never an id below 65536 (host root, system users), never past
	 * 4294967294; two slots at least (the first one's ids own the namespaces).
	 */
	if (found < 0 || (found && (c < 2 * SHIM_IDS_SIZE || s < SHIM_IDS_SIZE ||
				     c > 0xfffffffeUL - s)))
		return kiste_err_set(err, -ERANGE, "%s: the range of user kiste must be "
				     "kiste:START:COUNT in digits, at least %lu ids from %lu up and "
				     "below 4294967295: fix the line", file,
				     2 * (unsigned long)SHIM_IDS_SIZE, (unsigned long)SHIM_IDS_SIZE);
	*start = s;
	*slots = c / SHIM_IDS_SIZE;
	/* A slot's owner is an id of the first slot: fewer slots than it has ids. */
	if (*slots > SHIM_IDS_SIZE)
		*slots = SHIM_IDS_SIZE;
	return 0;
}

static int root_take(struct shim_ids *ids, struct kiste_err *err)
{
	unsigned long ustart, uslots, gstart, gslots, n, i, slot;
	struct stat st;
	char name[32];
	int dir, fd;

	if (pool("/etc/subuid", &ustart, &uslots, err) < 0 ||
	    pool("/etc/subgid", &gstart, &gslots, err) < 0)
		return err->code;
	n = uslots < gslots ? uslots : gslots;
	if (mkdir(KISTE_IDS_DIR, 0700) < 0 && errno != EEXIST)
		return kiste_err_set(err, -errno, "cannot make %s: %s", KISTE_IDS_DIR,
				     strerror(errno));
	dir = open(KISTE_IDS_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0 || fstat(dir, &st) < 0 || st.st_uid != 0 || (st.st_mode & 022)) {
		if (dir >= 0)
			close(dir);
		return kiste_err_set(err, -EPERM, "%s must be a directory of root's, writable by "
				     "root alone: remove it and run again", KISTE_IDS_DIR);
	}
	for (i = 1; i < n; i++) {
		/* Start where the pid points: concurrent launchers rarely race for one slot. */
		slot = 1 + ((unsigned long)getpid() + i) % (n - 1);
		snprintf(name, sizeof(name), "%lu", slot);
		fd = openat(dir, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			ids->uid_base = (unsigned int)(ustart + slot * SHIM_IDS_SIZE);
			ids->gid_base = (unsigned int)(gstart + slot * SHIM_IDS_SIZE);
			ids->owner_uid = (unsigned int)(ustart + slot);
			ids->owner_gid = (unsigned int)(gstart + slot);
			ids->uid_pool = ustart;
			ids->uid_pool_end = ustart + n * SHIM_IDS_SIZE;
			ids->gid_pool = gstart;
			ids->gid_pool_end = gstart + n * SHIM_IDS_SIZE;
			ids->lock_fd = fd;
			close(dir);
			return 0;
		}
		close(fd);
	}
	close(dir);
	return kiste_err_set(err, -EBUSY, "all %lu id ranges (%s) are held by running sandboxes: "
			     "end some, or give user kiste a larger range in /etc/subuid and "
			     "/etc/subgid", n - 1, KISTE_IDS_DIR);
}

int shim_ids_take(struct shim_ids *ids, struct kiste_err *err)
{
	ids->lock_fd = -1;
	ids->lock2_fd = -1;
	ids->sub = false;
	/* Root of a user namespace of its own (rootless podman's runtime): its one id, as a user. */
	if (kiste_host_root())
		return root_take(ids, err);
	return geteuid() == 0 ? 0 : shim_subids_take(ids, err);
}

/*
 * Kiste's own rules hold for an engine's map too: the container's 0 is
 * mapped (its init runs as it), no host id below SHIM_IDS_SIZE (host root,
 * system and login users) and none of the pool (other sandboxes' ranges and
 * every namespace's owner) is, and no two ranges overlap on either side (the
 * kernel's rule, said here by name).  Two containers an engine gives one
 * range share it, as under runc.
 */
static int engine_map(const struct shim_ids *ids, const char *what,
		      const struct kiste_oci_idmap *m, size_t count, char *map, size_t n,
		      struct kiste_err *err)
{
	bool gid = what[0] == 'g';
	unsigned long pool = gid ? ids->gid_pool : ids->uid_pool;
	unsigned long pool_end = gid ? ids->gid_pool_end : ids->uid_pool_end;
	unsigned long long h, he, c, ce;
	bool root = false;
	size_t i, j, at = 0;
	int len;

	for (i = 0; i < count; i++) {
		c = m[i].container_id;
		ce = c + m[i].size;
		h = m[i].host_id;
		he = h + m[i].size;
		root |= c == 0;
		if (h < SHIM_IDS_SIZE)
			return kiste_err_set(err, -EPERM, "config.json: linux.%s[%zu]: host ids "
					     "below %lu (host root, system and login users) are never "
					     "a sandbox's: map ids from %lu up", what, i,
					     SHIM_IDS_SIZE, SHIM_IDS_SIZE);
		if (h < pool_end && he > pool)
			return kiste_err_set(err, -EPERM, "config.json: linux.%s[%zu]: host ids "
					     "%llu-%llu overlap kiste's own pool (%lu-%lu, other "
					     "sandboxes' ids): map ids outside it", what, i, h,
					     he - 1, pool, pool_end - 1);
		for (j = 0; j < i; j++)
			if ((c < (unsigned long long)m[j].container_id + m[j].size &&
			     ce > m[j].container_id) ||
			    (h < (unsigned long long)m[j].host_id + m[j].size && he > m[j].host_id))
				return kiste_err_set(err, -EINVAL, "config.json: linux.%s[%zu] "
						     "overlaps linux.%s[%zu]: give each id one "
						     "range", what, i, what, j);
		len = snprintf(map + at, n - at, "%u %u %u\n", m[i].container_id, m[i].host_id,
			       m[i].size);
		if (len < 0 || (size_t)len >= n - at)
			return kiste_err_set(err, -E2BIG, "config.json: linux.%s: too many "
					     "ranges for one map (%zu bytes at most): merge them",
					     what, n - 1);
		at += (size_t)len;
	}
	if (!root)
		return kiste_err_set(err, -EINVAL, "config.json: linux.%s: the container's id 0 "
				     "is not mapped (its init runs as it): map it", what);
	return 0;
}

int shim_ids_engine_maps(const struct shim_ids *ids, const struct kiste_oci_launch *ol,
			 bool host_root, char *u, char *g, struct kiste_err *err)
{
	if (!ol || !ol->nuid_map || !host_root || ids->sub)
		return 0;
	if (engine_map(ids, "uidMappings", ol->uid_map, ol->nuid_map, u, SHIM_MAP_TEXT, err) < 0 ||
	    engine_map(ids, "gidMappings", ol->gid_map, ol->ngid_map, g, SHIM_MAP_TEXT, err) < 0)
		return err->code;
	return 1;
}

void shim_ids_release(struct shim_ids *ids)
{
	if (ids->lock_fd >= 0)
		close(ids->lock_fd);
	if (ids->lock2_fd >= 0)
		close(ids->lock2_fd);
	ids->lock_fd = -1;
	ids->lock2_fd = -1;
}
