/* SPDX-License-Identifier: GPL-2.0 */
/* kt_fixture.h - the per-test setup and leak check every kiste.ko suite shares (needs the harness). */
#ifndef KT_FIXTURE_H
#define KT_FIXTURE_H

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "ktest.h"

#define KT_MAX_IDS  64
#define KT_MAX_PIDS 64

/* Embedded in every suite's FIXTURE as "fix". */
struct kt_fix {
	bool ready;
	struct kiste_nl *nl;
	struct kiste_stats base;
	int settle_ms;		  /* bound for the end-of-test leak check */
	uint32_t ids[KT_MAX_IDS]; /* sandboxes to delete if the test bails out */
	size_t n_ids;
	pid_t pids[KT_MAX_PIDS]; /* children to kill if the test bails out */
	size_t n_pids;
};

static inline void kt_fix_track_id(struct kt_fix *f, uint32_t id)
{
	if (f->n_ids < KT_MAX_IDS)
		f->ids[f->n_ids++] = id;
}

static inline void kt_fix_track_pid(struct kt_fix *f, pid_t pid)
{
	if (pid > 0 && f->n_pids < KT_MAX_PIDS)
		f->pids[f->n_pids++] = pid;
}

static inline void kt_fix_setup(struct __test_metadata *_metadata, struct kt_fix *f)
{
	struct kiste_err err = { 0 };
	char why[600];

	f->settle_ms = KT_SETTLE_MS;
	if (kt_missing(why, sizeof(why)))
		SKIP(return, "%s", why);
	kt_params_restore();
	ASSERT_EQ(0, kt_subreaper());
	ASSERT_EQ(0, kiste_nl_open(&f->nl, &err)) TH_LOG("kiste_nl_open: %s", err.msg);
	ASSERT_EQ(0, kiste_stats_get(f->nl, &f->base, &err)) TH_LOG("stats: %s", err.msg);
	f->ready = true;
}

/*
 * A test that passed must have left the registry as it found it: the leak
 * check runs first, then cleanup of whatever a failed test left behind.
 */
static inline void kt_fix_teardown(struct __test_metadata *_metadata, struct kt_fix *f)
{
	struct kiste_stats now = { 0 };
	size_t i;
	int ret;

	if (!f->ready)
		return;
	if (_metadata->passed && !_metadata->skip) {
		ret = kt_stats_settle(f->nl, &f->base, true, f->settle_ms, &now);
		EXPECT_EQ(0, ret)
		{
			TH_LOG("leak: sandboxes %u -> %u, members %u -> %u, files %u -> %u",
			       f->base.sandboxes, now.sandboxes, f->base.members, now.members,
			       f->base.files, now.files);
		}
	}
	for (i = 0; i < f->n_pids; i++)
		kill(f->pids[i], SIGKILL);
	for (i = 0; i < f->n_ids; i++)
		kiste_sandbox_del(f->nl, f->ids[i], NULL);
	kt_reap_all(KT_SETTLE_MS);
	kt_params_restore();
	kiste_nl_close(f->nl);
	f->ready = false;
}

/* kt_fix_setup, then an fd of /dev/kiste in *@dev (-1 until opened). */
static inline void kt_fix_dev_setup(struct __test_metadata *_metadata, struct kt_fix *f, int *dev)
{
	struct kiste_err err = { 0 };

	*dev = -1;
	kt_fix_setup(_metadata, f);
	if (_metadata->skip)
		return;
	*dev = kiste_dev_open(&err);
	ASSERT_LE(0, *dev) TH_LOG("%s", err.msg);
}

/* kt_fix_teardown puts the parameters back, also after a failed check. */
static inline void kt_fix_dev_teardown(struct __test_metadata *_metadata, struct kt_fix *f,
				       int *dev)
{
	if (*dev >= 0)
		close(*dev);
	*dev = -1;
	kt_fix_teardown(_metadata, f);
}

/* A suite's fixture that is just the shared state and one /dev/kiste fd. */
#define KT_DEV_FIXTURE(name)                                                                       \
	FIXTURE(name)                                                                              \
	{                                                                                          \
		struct kt_fix fix;                                                                 \
		int dev;                                                                           \
	};                                                                                         \
	FIXTURE_SETUP(name)                                                                        \
	{                                                                                          \
		kt_fix_dev_setup(_metadata, &self->fix, &self->dev);                               \
	}                                                                                          \
	FIXTURE_TEARDOWN(name)                                                                     \
	{                                                                                          \
		kt_fix_dev_teardown(_metadata, &self->fix, &self->dev);                            \
	}

/* A suite's fixture of a netlink handle alone (kt_fix_setup). */
#define KT_NL_FIXTURE(name)                                                                        \
	FIXTURE(name)                                                                              \
	{                                                                                          \
		struct kt_fix fix;                                                                 \
	};                                                                                         \
	FIXTURE_SETUP(name)                                                                        \
	{                                                                                          \
		kt_fix_setup(_metadata, &self->fix);                                               \
	}                                                                                          \
	FIXTURE_TEARDOWN(name)                                                                     \
	{                                                                                          \
		kt_fix_teardown(_metadata, &self->fix);                                            \
	}

/* main() of every suite: remember the module parameters before any test changes them. */
#define KT_HARNESS_MAIN                                                                            \
	int main(int argc, char **argv)                                                            \
	{                                                                                          \
		kt_params_snapshot();                                                              \
		atexit(kt_params_restore);                                                         \
		return test_harness_run(argc, argv);                                               \
	}

#endif /* KT_FIXTURE_H */
