// SPDX-License-Identifier: GPL-2.0
// kiste.ko rights: a request counts with the rights of both the sender and the socket/file opener.
// kiste-suite: vm kiste_opener
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kt_fixture.h"

#define NOBODY		  65534
#define CAP_SYS_ADMIN_BIT 21

FIXTURE(opener)
{
	struct kt_fix fix;
	uint32_t root_id; /* a persistent sandbox owned by root */
	char node[64];	  /* a private /dev/kiste node anyone may open, "" if none */
};

FIXTURE_SETUP(opener)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	struct stat st;

	self->node[0] = '\0';
	self->root_id = 0;
	kt_fix_setup(_metadata, &self->fix);
	if (_metadata->skip)
		return;
	ASSERT_EQ(0, kiste_sandbox_new(self->fix.nl, &spec, &self->root_id, NULL));
	kt_fix_track_id(&self->fix, self->root_id);
	/*
	 * /dev/kiste is 0660 root:root; a node of our own with mode 0666 lets
	 * an unprivileged euid open the same device.
	 */
	ASSERT_EQ(0, stat("/dev/kiste", &st));
	snprintf(self->node, sizeof(self->node), "/tmp/kiste-opener-%d", (int)getpid());
	unlink(self->node);
	if (mknod(self->node, S_IFCHR | 0666, st.st_rdev) < 0 || chmod(self->node, 0666) < 0) {
		TH_LOG("mknod %s: %s", self->node, strerror(errno));
		self->node[0] = '\0';
	}
}

FIXTURE_TEARDOWN(opener)
{
	if (self->node[0])
		unlink(self->node);
	/* the fixture's own sandbox goes before the leak check */
	if (self->fix.ready && self->root_id &&
	    kiste_sandbox_del(self->fix.nl, self->root_id, NULL) == 0)
		kt_wait_gone(self->fix.nl, self->root_id, KT_SETTLE_MS);
	kt_fix_teardown(_metadata, &self->fix);
}

/* What a child saw; in shared memory. */
struct opener_report {
	int setup;     /* 0, or where the uid/cap dance failed */
	int euid;      /* at the time of the requests */
	int admin_eff; /* CAP_SYS_ADMIN effective then */
	int new_;      /* NEW; for owner_child, the owner's own attach */
	char new_msg[256];
	uint32_t new_id;
	int get, kill;
	int create, attach;
	uint32_t create_id;
};

/* Whether CAP_SYS_ADMIN is in the effective set, from /proc/self/status. */
static int admin_effective(void)
{
	unsigned long long eff = 0;
	char line[256];
	int ret = -1;
	FILE *f;

	f = fopen("/proc/self/status", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			ret = !!(eff & (1ull << CAP_SYS_ADMIN_BIT));
	fclose(f);
	return ret;
}

/* euid nobody, saved uid 0: the effective capabilities go, the permitted stay. */
static int euid_nobody(void)
{
	return setresuid(NOBODY, NOBODY, 0) < 0 ? -errno : 0;
}

/* back to euid 0 through the saved uid: the effective capabilities return */
static int euid_root(struct opener_report *o)
{
	if (seteuid(0) < 0)
		return -errno;
	o->euid = (int)geteuid();
	o->admin_eff = admin_effective();
	return 0;
}

/* Opens a genl socket as euid nobody (or as root if !@as_nobody), then sends as euid 0. */
static void nl_child(struct opener_report *o, uint32_t root_id, bool as_nobody)
{
	struct kiste_nl *nl = NULL;
	struct kt_reply r;

	if (!as_nobody)
		o->setup = kiste_nl_open(&nl, NULL);
	if (!o->setup)
		o->setup = euid_nobody();
	if (!o->setup && as_nobody)
		o->setup = kiste_nl_open(&nl, NULL);
	if (!o->setup)
		o->setup = euid_root(o);
	if (o->setup)
		_exit(1);
	o->new_ = kt_raw_new(nl, NULL, KISTE_MODE_SHIM, &o->new_id, &r);
	memcpy(o->new_msg, r.extack, sizeof(o->new_msg));
	o->get = kt_raw_ref(nl, KISTE_CMD_SANDBOX_GET, root_id, NULL, &r);
	o->kill = kt_raw_ref(nl, KISTE_CMD_SANDBOX_KILL, root_id, NULL, &r);
	/* the control deletes what it created */
	if (o->new_ == 0 && kiste_sandbox_del(nl, o->new_id, NULL) < 0)
		_exit(2);
	kiste_nl_close(nl);
	_exit(0);
}

static struct opener_report *run_child(struct __test_metadata *_metadata, struct kt_fix *fix,
				       void (*fn)(struct opener_report *, uint32_t, bool,
						  const char *),
				       uint32_t id, bool as_nobody, const char *node)
{
	struct opener_report *o = kt_shared(sizeof(*o));
	int status;
	pid_t pid;

	ASSERT_NE(NULL, o);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		fn(o, id, as_nobody, node);
	kt_fix_track_pid(fix, pid);
	ASSERT_EQ(0, kt_wait_pid(pid, &status, KT_CHILD_MS));
	ASSERT_EQ(0, o->setup) TH_LOG("uid/capability setup: %d", o->setup);
	EXPECT_EQ(0, status) TH_LOG("child status %#x", status);
	/* The sender is root with CAP_SYS_ADMIN: only the opener can be lacking. */
	EXPECT_EQ(0, o->euid);
	EXPECT_EQ(1, o->admin_eff);
	return o;
}

static void nl_child_fn(struct opener_report *o, uint32_t id, bool as_nobody, const char *node)
{
	(void)node;
	nl_child(o, id, as_nobody);
}

TEST_F_TIMEOUT(opener, nl_socket_opened_unprivileged, 60)
{
	struct opener_report *o;

	KT_SKIP_IF_SETUP_SKIPPED();
	o = run_child(_metadata, &self->fix, nl_child_fn, self->root_id, true, NULL);
	EXPECT_EQ(-EPERM, o->new_);
	if (o->new_ == 0)
		kt_fix_track_id(&self->fix, o->new_id);
	EXPECT_NE(0, o->new_msg[0]) TH_LOG("EPERM without extack");
	/* a sandbox the request may not use looks like none at all */
	EXPECT_EQ(-ENOENT, o->get);
	EXPECT_EQ(-ENOENT, o->kill);
}

TEST_F_TIMEOUT(opener, nl_socket_opened_as_root, 60)
{
	struct opener_report *o;

	KT_SKIP_IF_SETUP_SKIPPED();
	o = run_child(_metadata, &self->fix, nl_child_fn, self->root_id, false, NULL);
	EXPECT_EQ(0, o->new_) TH_LOG("NEW: %s", o->new_msg);
	EXPECT_EQ(0, o->get);
	EXPECT_EQ(0, o->kill);
	EXPECT_EQ(-ENOENT, kiste_sandbox_get(self->fix.nl, o->new_id, NULL,
					     &(struct kiste_sandbox_info){ 0 }, NULL));
}

/* Root-opened /dev/kiste used by a task that dropped to nobody for good. */
TEST_F_TIMEOUT(opener, dev_opened_by_root_used_by_nobody, 60)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	struct kiste_sandbox_info info;
	struct opener_report *o;
	int dev, status;
	pid_t pid;

	KT_SKIP_IF_SETUP_SKIPPED();
	o = kt_shared(sizeof(*o));
	ASSERT_NE(NULL, o);
	dev = kiste_dev_open(NULL);
	ASSERT_LE(0, dev);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
		    setresuid(NOBODY, NOBODY, NOBODY) < 0)
			_exit(1);
		o->create = kiste_dev_create(dev, &spec, &o->create_id, NULL);
		o->attach = kt_attach(dev, self->root_id, 0);
		_exit(0);
	}
	kt_fix_track_pid(&self->fix, pid);
	close(dev);
	ASSERT_EQ(0, kt_wait_pid(pid, &status, KT_CHILD_MS));
	ASSERT_EQ(0, status) TH_LOG("could not drop to uid %d", NOBODY);
	EXPECT_EQ(-EPERM, o->create);
	EXPECT_EQ(-ENOENT, o->attach);
	ASSERT_EQ(0, kiste_sandbox_get(self->fix.nl, self->root_id, NULL, &info, NULL));
	EXPECT_EQ(0, info.members_total);
}

/* Opens the private node as euid nobody (or as root), then acts as euid 0. */
static void dev_child(struct opener_report *o, uint32_t root_id, bool as_nobody, const char *node)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	int dev = -1;

	if (!as_nobody && (dev = open(node, O_RDWR | O_CLOEXEC)) < 0)
		o->setup = -errno;
	if (!o->setup)
		o->setup = euid_nobody();
	if (!o->setup && as_nobody && (dev = open(node, O_RDWR | O_CLOEXEC)) < 0)
		o->setup = -errno;
	if (!o->setup)
		o->setup = euid_root(o);
	if (o->setup)
		_exit(1);
	o->create = kiste_dev_create(dev, &spec, &o->create_id, NULL);
	o->attach = kt_attach(dev, root_id, 0);
	/* exits; a created temporary sandbox goes with the descriptor */
	_exit(0);
}

TEST_F_TIMEOUT(opener, dev_opened_unprivileged, 60)
{
	struct kiste_sandbox_info info;
	struct opener_report *o;

	KT_SKIP_IF_SETUP_SKIPPED();
	if (!self->node[0])
		SKIP(return, "cannot make a device node for an unprivileged open");
	o = run_child(_metadata, &self->fix, dev_child, self->root_id, true, self->node);
	EXPECT_EQ(-EPERM, o->create);
	if (o->create == 0)
		kt_fix_track_id(&self->fix, o->create_id);
	EXPECT_EQ(-ENOENT, o->attach);
	ASSERT_EQ(0, kiste_sandbox_get(self->fix.nl, self->root_id, NULL, &info, NULL));
	EXPECT_EQ(0, info.members_total);
}

TEST_F_TIMEOUT(opener, dev_opened_as_root, 60)
{
	struct kiste_sandbox_info info;
	struct opener_report *o;

	KT_SKIP_IF_SETUP_SKIPPED();
	if (!self->node[0])
		SKIP(return, "cannot make a device node");
	o = run_child(_metadata, &self->fix, dev_child, self->root_id, false, self->node);
	EXPECT_EQ(0, o->create);
	if (o->create == 0) {
		kt_fix_track_id(&self->fix, o->create_id);
		EXPECT_EQ(0, kt_wait_gone(self->fix.nl, o->create_id, KT_SETTLE_MS));
	}
	EXPECT_EQ(0, o->attach);
	ASSERT_EQ(0, kt_wait_members(self->fix.nl, self->root_id, 0, KT_SETTLE_MS, &info));
	EXPECT_EQ(1, info.members_total);
}

/*
 * As uid nobody in the create_gid group: creates a temporary sandbox on a
 * descriptor it opened, then tries to attach as euid 0 and as its owner.
 */
static void owner_child(struct opener_report *o, uint32_t root_id, bool as_nobody, const char *node)
{
	struct kiste_sandbox_spec spec = { .mode = KISTE_MODE_SHIM };
	int dev = -1;

	(void)root_id;
	(void)as_nobody;
	if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0)
		o->setup = -errno;
	if (!o->setup)
		o->setup = euid_nobody();
	if (!o->setup && (dev = open(node, O_RDWR | O_CLOEXEC)) < 0)
		o->setup = -errno;
	if (!o->setup)
		o->create = kiste_dev_create(dev, &spec, &o->create_id, NULL);
	if (!o->setup)
		o->setup = euid_root(o);
	if (o->setup)
		_exit(1);
	o->attach = kt_attach(dev, 0, 0);
	/* the control: the owner itself, through its own descriptor */
	if (seteuid(NOBODY) < 0)
		_exit(2);
	o->new_ = kt_attach(dev, 0, 0);
	_exit(0);
}

TEST_F_TIMEOUT(opener, dev_opened_by_owner_used_by_root, 60)
{
	struct opener_report *o;

	KT_SKIP_IF_SETUP_SKIPPED();
	if (!self->node[0])
		SKIP(return, "cannot make a device node for an unprivileged open");
	ASSERT_EQ(0, kt_param_set_long("create_gid", NOBODY));
	o = run_child(_metadata, &self->fix, owner_child, 0, true, self->node);
	ASSERT_EQ(0, o->create) TH_LOG("uid %d in create_gid could not create", NOBODY);
	kt_fix_track_id(&self->fix, o->create_id);
	EXPECT_EQ(-ENOENT, o->attach) TH_LOG("root through the owner's descriptor");
	EXPECT_EQ(0, o->new_) TH_LOG("the owner through its own descriptor");
	/* the descriptor went with the child, and the sandbox with it */
	EXPECT_EQ(0, kt_wait_gone(self->fix.nl, o->create_id, KT_SETTLE_MS));
	kt_params_restore();
}

KT_HARNESS_MAIN
