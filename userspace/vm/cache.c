// SPDX-License-Identifier: GPL-2.0
// cache.c - vm mode's cache directory: trusted only when private, pruned by last use.
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"

int vm_cache_ours(const struct stat *st)
{
	return st->st_uid == geteuid() && !(st->st_mode & 022);
}

int vm_cache_ready(const char *dir)
{
	char tmp[PATH_MAX], *slash;
	struct stat st;

	if (snprintf(tmp, sizeof(tmp), "%s", dir) >= (int)sizeof(tmp))
		return -1;
	/* Parents as needed (they fail harmlessly when present), the cache itself private. */
	for (slash = strchr(tmp + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = 0;
		mkdir(tmp, 0755);
		*slash = '/';
	}
	mkdir(dir, 0700);
	return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && vm_cache_ours(&st) ? 0 : -1;
}

void vm_cache_prune(const char *dir, const char *prefix, int keep)
{
	char oldest[NAME_MAX + 1];
	struct timespec t = { 0 };
	struct dirent *d;
	struct stat st;
	int dfd, n, round;
	DIR *dp;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	dp = dfd < 0 ? NULL : fdopendir(dfd);
	if (!dp) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	for (round = 0; round < 64; round++) {
		n = 0;
		oldest[0] = 0;
		rewinddir(dp);
		while ((d = readdir(dp))) {
			/* Only what the cache's writers made: our own files with their names. */
			if (strncmp(d->d_name, prefix, strlen(prefix)) ||
			    fstatat(dfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISREG(st.st_mode) || !vm_cache_ours(&st))
				continue;
			if (!n++ || st.st_mtim.tv_sec < t.tv_sec ||
			    (st.st_mtim.tv_sec == t.tv_sec && st.st_mtim.tv_nsec < t.tv_nsec)) {
				t = st.st_mtim;
				snprintf(oldest, sizeof(oldest), "%s", d->d_name);
			}
		}
		if (n <= keep || unlinkat(dfd, oldest, 0) < 0)
			break;
	}
	closedir(dp);
}
