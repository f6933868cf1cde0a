/* SPDX-License-Identifier: GPL-2.0 */
/* ktest.h - helpers shared by the kiste.ko selftests: requirements, polling, children, raw netlink. */
#ifndef KTEST_H
#define KTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <libkiste.h>

struct nl_msg;
struct nlattr;

/* Polling granularity and the default bound for asynchronous teardown to settle. */
#define KT_STEP_MS   10
#define KT_SETTLE_MS 2000
/* Bound for a child to report or exit; generous because TCG is 10-50x slower. */
#define KT_CHILD_MS 10000
/* Bound for a member to sleep: only stops a runaway if the test dies. */
#define KT_MEMBER_SLEEP_MS 60000

/*
 * In the 6.1 harness a SKIP() in FIXTURE_SETUP still runs the test body;
 * every TEST_F starts with this so a skipped setup skips the test.
 */
#define KT_SKIP_IF_SETUP_SKIPPED()                                                                 \
	do {                                                                                       \
		if (_metadata->skip)                                                               \
			return;                                                                    \
	} while (0)

/* NULL when /dev/kiste, the genl family and root are all there; else why not. */
const char *kt_missing(char *buf, size_t len);

uint64_t kt_now_ms(void);
void kt_sleep_ms(unsigned int ms);

/* Polls STATS until sandboxes and members (and files if @files) equal @base. */
int kt_stats_settle(struct kiste_nl *nl, const struct kiste_stats *base, bool files, int timeout_ms,
		    struct kiste_stats *now);
/* Polls GET until MEMBERS == @want. */
int kt_wait_members(struct kiste_nl *nl, uint32_t id, uint32_t want, int timeout_ms,
		    struct kiste_sandbox_info *info);
/* Polls GET until it fails with -ENOENT. */
int kt_wait_gone(struct kiste_nl *nl, uint32_t id, int timeout_ms);
/* 1 if @id is in the caller's dump, 0 if not, negative errno on failure. */
int kt_list_has(struct kiste_nl *nl, uint32_t id);
/* Number of sandboxes owned by @uid in the caller's dump, or negative errno. */
int kt_list_count_owner(struct kiste_nl *nl, uint32_t uid);

/* Module parameters under /sys/module/kiste/parameters. */
int kt_param_get(const char *name, char *buf, size_t len);
int kt_param_set(const char *name, const char *val);
int kt_param_set_long(const char *name, long val);
/*
 * The parameters tests change, read once by main() before any test runs:
 * kt_params_restore() writes them back (each fixture setup, and at exit, so
 * a test killed by the harness timeout cannot leave a cap lowered).
 */
void kt_params_snapshot(void);
void kt_params_restore(void);

/* Children. */
int kt_subreaper(void);
int kt_wait_pid(pid_t pid, int *status, int timeout_ms);
/* Reaps every child (incl. reparented orphans) until none is left; returns how many reaped. */
int kt_reap_all(int timeout_ms);
bool kt_pid_gone(pid_t pid);
int kt_read_full(int fd, void *buf, size_t len, int timeout_ms);
int kt_write_full(int fd, const void *buf, size_t len);
/* A child's report to its parent over a pipe: a child that cannot write exits 100. */
void kt_put32(int fd, int32_t v);
/* Reads one kt_put32() report, waiting at most KT_CHILD_MS. */
int kt_get32(int fd, int32_t *v);
/* Shared anonymous memory a forked child can report into. */
void *kt_shared(size_t len);
/* Replaces the calling process with "sleep @secs"; returns only on failure. */
void kt_exec_sleep(const char *secs);

/* Attaches the caller (from a child only: membership cannot be undone). */
int kt_attach(int fd, uint32_t id, uint32_t flags);

/* Raw generic netlink: the outcome of one request. */
struct kt_reply {
	int error;	  /* the ACK's error: 0 or negative errno */
	char extack[256]; /* NLMSGERR_ATTR_MSG, "" when none */
	bool has_data;	  /* a reply message came before the ACK */
	uint8_t cmd;	  /* its genl command */
	size_t data_len;  /* its attributes */
	uint8_t data[4096];
};

/* A request for the kiste family; NLM_F_REQUEST|NLM_F_ACK are set. */
struct nl_msg *kt_msg_new(struct kiste_nl *nl, uint8_t cmd);
/* Sends @msg (and frees it), waits for the ACK; returns r->error or -ETIMEDOUT/-EIO. */
int kt_msg_xact(struct kiste_nl *nl, struct nl_msg *msg, struct kt_reply *r);
/* Parses the reply's attributes into @tb[KISTE_A_MAX + 1]. */
int kt_reply_parse(struct kt_reply *r, struct nlattr **tb);

/* Raw NEW with a name (NULL: none) and a mode; *id on success. */
int kt_raw_new(struct kiste_nl *nl, const char *name, uint32_t mode, uint32_t *id,
	       struct kt_reply *r);
/* Raw GET/KILL/DEL by id (@name NULL) or name. */
int kt_raw_ref(struct kiste_nl *nl, uint8_t cmd, uint32_t id, const char *name, struct kt_reply *r);

/*
 * Collects events of sandbox @id until one of type @stop arrives (included),
 * @max are stored, or @timeout_ms passes.  Lost events (ENOBUFS) set *lost.
 */
int kt_events_collect(struct kiste_nl *nl, uint32_t id, uint32_t stop, struct kiste_event *evs,
		      size_t max, size_t *n, bool *lost, int timeout_ms);

#endif /* KTEST_H */
