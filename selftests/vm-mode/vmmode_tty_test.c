// SPDX-License-Identifier: GPL-2.0
// vmmode_tty_test.c - kiste run --mode=vm -t on the host's /dev/kvm: the caller's terminal and the channel's winsize word.
// kiste-suite: host vmmode_tty_test
/*
 * kiste runs on a pty of the test's own (33 x 77), as a user's shell would
 * run it: the session leader, in the terminal's foreground.  The fake guest
 * (fake_guest.h, FG_SCRIPT) stands in for the agent: it waits for the
 * channel's winsize word and for bytes in the stdin ring, writes "ready" on
 * the stdout stream, and scribbles on the word as a hostile guest would.
 * Checked from outside: the terminal's settings before and after (raw for the
 * run, restored whichever way kiste ends), what the terminal still holds
 * unread.  Every run has the VMM's seccomp filters on (a call they lack is a
 * SIGSYS death, 159).  The guest side (the agent's pty) is vmmode_tty.sh's,
 * in the test VM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <pty.h>
#include <sys/stat.h>
#include <termios.h>

#include "kselftest_harness.h"

#include "fake_guest.h"
#include "agent.h"

/* fake_guest.h's runner of kiste with files for stdio: this test has its own, on a pty. */
static void __attribute__((unused)) (*const unused_runner)(const char *, const char *,
							   const char *const *, int, int,
							   struct run *) = run_kiste;
static int __attribute__((unused)) (*const unused_lines)(const char *) = lines;

#define CHAN		(GUEST_MEM - KISTE_CHAN_SIZE)
#define CHAN_IN_HEAD	(CHAN + offsetof(struct kiste_chan_hdr, in_head))
#define CHAN_SIGPEND	(CHAN + offsetof(struct kiste_chan_hdr, sigpend))
#define CHAN_WINSZ	(CHAN + offsetof(struct kiste_chan_hdr, winsize))
/* fake_guest.h's FG_SIGNAL reads the pending signals' word at its offset. */
_Static_assert(offsetof(struct kiste_chan_hdr, sigpend) == 24, "fake_guest.h's signal word");
#define CHAN_IN		(CHAN + KISTE_CHAN_IN_OFF)
#define CHAN_OUT	(CHAN + KISTE_CHAN_OUT_OFF)

FIXTURE(tty) {
	char dir[64];
	char img[128];
	struct fg_op op[64];
	unsigned int n;
	int master, slave;
	struct termios before;
	char out[4096];
	size_t out_len;
	int status;
	int raw_at_ready;	/* the terminal raw (no ICANON) when "ready" showed */
};

FIXTURE_SETUP(tty)
{
	struct winsize ws = { .ws_row = 33, .ws_col = 77 };

	self->master = self->slave = -1;
	if (!kvm_usable())
		SKIP(return, "no usable /dev/kvm (load kvm_intel or kvm_amd, or run as root)");
	if (access(kiste_bin(), X_OK) < 0)
		SKIP(return, "no kiste binary at %s: build it or set KISTE_BIN", kiste_bin());
	strcpy(self->dir, "/tmp/vmmode_tty.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->img, sizeof(self->img), "%s/bzImage", self->dir);
	ASSERT_EQ(0, openpty(&self->master, &self->slave, NULL, NULL, &ws));
	ASSERT_EQ(0, tcgetattr(self->slave, &self->before));
	setenv("KISTE_VM_CACHE", "0", 1);
	unsetenv("KISTE_VM_INITRD");
	/* kiste's own restores, seen alone (death_restores wants the watcher back). */
	setenv("KISTE_TESTONLY_NO_TTY_WATCHER", "1", 1);
}

FIXTURE_TEARDOWN(tty)
{
	char cmd[128];

	if (self->master >= 0)
		close(self->master);
	if (self->slave >= 0)
		close(self->slave);
	if (!self->dir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->dir);
	if (system(cmd) != 0)
		TH_LOG("cannot remove %s", self->dir);
}

static void op(FIXTURE_DATA(tty) *self, uint32_t kind, uint32_t size, uint64_t addr,
	       uint64_t val)
{
	if (self->n < sizeof(self->op) / sizeof(self->op[0]) - 1)
		self->op[self->n++] = (struct fg_op){ kind, size, addr, val };
}

/* "ready\n" on the channel's stdout stream. */
static void ready(FIXTURE_DATA(tty) *self)
{
	op(self, FG_STORE, 8, CHAN_OUT, 0x0a7964616572ULL);
	op(self, FG_OUT, 4, KISTE_CHAN_PORT_OUT, 6);
}

/* What the test does on the terminal once "ready" showed: typing, a resize, a signal. */
struct act {
	const char *type;	/* bytes typed, or NULL */
	unsigned short rows, cols;	/* a resize, or 0 */
	int sig;		/* sent to kiste, or 0 */
};

static void read_some(FIXTURE_DATA(tty) *self, int ms)
{
	struct pollfd p = { .fd = self->master, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, ms) <= 0)
		return;
	n = read(self->master, self->out + self->out_len, sizeof(self->out) - 1 - self->out_len);
	if (n > 0)
		self->out_len += n;
	self->out[self->out_len] = 0;
}

/* kiste run --mode=vm @flags... --kernel FAKE -- /bin/true on the pty, session leader. */
static void run_tty(FIXTURE_DATA(tty) *self, const char *const *flags, const struct act *a)
{
	const char *argv[16];
	int n = 0, i, st = 0;
	pid_t pid;
	time_t end = time(NULL) + 40;

	fg_ops = self->op;
	fg_nops = self->n + 1;
	self->out_len = 0;
	self->out[0] = 0;
	if (fake_write(self->img, FG_SCRIPT, 0) < 0) {
		self->status = -1;
		return;
	}
	argv[n++] = kiste_bin();
	argv[n++] = "run";
	argv[n++] = "--mode=vm";
	argv[n++] = "--kernel";
	argv[n++] = self->img;
	for (i = 0; flags[i] && n < 13; i++)
		argv[n++] = flags[i];
	argv[n++] = "--";
	argv[n++] = "/bin/true";
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		setsid();
		if (ioctl(self->slave, TIOCSCTTY, 0) < 0 || dup2(self->slave, 0) < 0 ||
		    dup2(self->slave, 1) < 0 || dup2(self->slave, 2) < 0)
			_exit(99);
		alarm(60);	/* no hang, whatever the VMM does */
		execv(argv[0], (char **)argv);
		_exit(98);
	}
	while (a && time(NULL) < end && !strstr(self->out, "ready"))
		read_some(self, 100);
	if (a) {
		struct termios t;

		self->raw_at_ready = tcgetattr(self->slave, &t) == 0 && !(t.c_lflag & ICANON);
	}
	if (a && a->type && write(self->master, a->type, strlen(a->type)) < 0)
		self->status = -2;
	if (a && a->rows) {
		struct winsize ws = { .ws_row = a->rows, .ws_col = a->cols };

		ioctl(self->master, TIOCSWINSZ, &ws);	/* kiste, in the foreground, gets SIGWINCH */
	}
	if (a && a->sig)
		kill(pid, a->sig);
	while (waitpid(pid, &st, WNOHANG) == 0 && time(NULL) < end)
		read_some(self, 50);
	if (waitpid(pid, &st, WNOHANG) == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	self->status = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

/* Whether the terminal's settings are what they were before kiste ran. */
static int restored(FIXTURE_DATA(tty) *self)
{
	struct termios now;

	return tcgetattr(self->slave, &now) == 0 && now.c_iflag == self->before.c_iflag &&
	       now.c_oflag == self->before.c_oflag && now.c_cflag == self->before.c_cflag &&
	       now.c_lflag == self->before.c_lflag &&
	       !memcmp(now.c_cc, self->before.c_cc, sizeof(now.c_cc));
}

static int unread(FIXTURE_DATA(tty) *self)
{
	int n = -1;

	return ioctl(self->slave, FIONREAD, &n) < 0 ? -1 : n;
}

/*
 * The word is the terminal's size at boot and after a resize; a guest that
 * overwrites it in between changes nothing on the host's side (the VMM never
 * reads it back: the next resize is written as it is).
 */
TEST_F(tty, winsize_at_boot_and_after_sigwinch)
{
	const char *flags[] = { "-t", "-i", NULL };
	struct act a = { .rows = 40, .cols = 100 };

	SKIP_IF_SETUP_SKIPPED();
	op(self, FG_WAIT, 4, CHAN_WINSZ, KISTE_CHAN_WINSZ(33, 77));
	op(self, FG_STORE, 4, CHAN_WINSZ, 0xffffffffu);
	ready(self);
	op(self, FG_WAIT, 4, CHAN_WINSZ, KISTE_CHAN_WINSZ(40, 100));
	run_tty(self, flags, &a);
	EXPECT_EQ(0, self->status) TH_LOG("failed step %d; terminal: %s", self->status, self->out);
	EXPECT_TRUE(restored(self));
}

/*
 * Raw for the run: "hi" and ^C reach the stdin ring at once (no line to
 * finish; ^C is a byte for the guest's pty, not SIGINT for kiste, which
 * would have forwarded it to the pending signals' word instead).
 */
TEST_F(tty, raw_keys_reach_the_ring_ctrl_c_included)
{
	const char *flags[] = { "-t", "-i", NULL };
	struct act a = { .type = "hi\003" };

	SKIP_IF_SETUP_SKIPPED();
	ready(self);
	op(self, FG_WAIT, 4, CHAN_IN_HEAD, 3);
	op(self, FG_CHECK, 4, CHAN_IN, 0x036968);
	op(self, FG_CHECK, 4, CHAN_SIGPEND, 0);	/* no signal forwarded */
	run_tty(self, flags, &a);
	EXPECT_EQ(0, self->status) TH_LOG("failed step %d; terminal: %s", self->status, self->out);
	EXPECT_TRUE(restored(self));
}

/*
 * -t alone (docker's rule, lib/tty_raw.c): the terminal is never made raw and
 * nothing is read; what was typed stays for the caller's shell ("left\n",
 * the line discipline's).
 */
TEST_F(tty, without_i_the_terminal_stays_cooked_and_input_unread)
{
	const char *flags[] = { "-t", "--timeout", "3", NULL };
	struct act a = { .type = "left\r" };

	SKIP_IF_SETUP_SKIPPED();
	op(self, FG_CHECK, 4, CHAN + 20, 1);	/* in_eof from the start */
	ready(self);
	op(self, FG_WAIT, 4, CHAN_WINSZ, 0x12345678);	/* never: ends by --timeout */
	run_tty(self, flags, &a);
	EXPECT_EQ(137, self->status) TH_LOG("terminal: %s", self->out);
	EXPECT_FALSE(self->raw_at_ready);
	EXPECT_TRUE(restored(self));
	EXPECT_EQ(5, unread(self));
}

/* ... so ^C typed is the terminal's SIGINT to kiste, which forwards it to the workload. */
TEST_F(tty, without_i_ctrl_c_is_sigint_forwarded)
{
	const char *flags[] = { "-t", NULL };
	struct act a = { .type = "\003" };

	SKIP_IF_SETUP_SKIPPED();
	ready(self);
	op(self, FG_WAIT, 4, CHAN_SIGPEND, 1u << (SIGINT - 1));
	run_tty(self, flags, &a);
	EXPECT_EQ(0, self->status) TH_LOG("failed step %d; terminal: %s", self->status, self->out);
	EXPECT_FALSE(self->raw_at_ready);
	EXPECT_TRUE(restored(self));
}

/* --timeout with -t -i: 137, the terminal restored, what was typed kept for the caller. */
TEST_F(tty, timeout_restores_the_terminal)
{
	const char *flags[] = { "-t", "-i", "--timeout", "3", NULL };

	SKIP_IF_SETUP_SKIPPED();
	ready(self);
	op(self, FG_WAIT, 4, CHAN_WINSZ, 0x12345678);	/* never */
	run_tty(self, flags, &(struct act){ 0 });
	EXPECT_EQ(137, self->status) TH_LOG("terminal: %s", self->out);
	EXPECT_TRUE(restored(self));
}

/*
 * A signal that ends kiste: the VM is stopped, the terminal restored, then
 * kiste dies of it (131 for QUIT); INT, TERM and HUP go to the workload
 * (vmmode_boot_test: the fake guest reads the pending signals' word).
 */
TEST_F(tty, sigquit_ends_kiste_with_the_terminal_restored)
{
	const char *flags[] = { "-t", "-i", NULL };
	struct act a = { .sig = SIGQUIT };

	SKIP_IF_SETUP_SKIPPED();
	ready(self);
	op(self, FG_WAIT, 4, CHAN_WINSZ, 0x12345678);	/* never */
	run_tty(self, flags, &a);
	EXPECT_EQ(128 + SIGQUIT, self->status) TH_LOG("terminal: %s", self->out);
	EXPECT_TRUE(restored(self));
}

/* SIGTERM is forwarded (the guest ends with 100 + 15); the terminal restored. */
TEST_F(tty, sigterm_is_forwarded_and_the_terminal_restored)
{
	const char *flags[] = { "-t", "-i", NULL };
	struct act a = { .sig = SIGTERM };

	SKIP_IF_SETUP_SKIPPED();
	ready(self);
	op(self, FG_WAIT, 4, CHAN_SIGPEND, 1u << (SIGTERM - 1));
	run_tty(self, flags, &a);
	EXPECT_EQ(0, self->status) TH_LOG("failed step %d; terminal: %s", self->status, self->out);
	EXPECT_TRUE(restored(self));
}

/*
 * kiste ended where no handler of its runs: SIGKILL, and SIGSYS's default
 * action (a crash's kind of end, and the signal of the VMM's own seccomp
 * kill).  The watcher (lib/tty_raw.c) restores the terminal once kiste is
 * gone.
 */
static void death_restores(FIXTURE_DATA(tty) *self, struct __test_metadata *_metadata,
			   int sig)
{
	const char *flags[] = { "-t", "-i", NULL };
	struct act a = { .sig = sig };
	int i;

	unsetenv("KISTE_TESTONLY_NO_TTY_WATCHER");
	ready(self);
	op(self, FG_WAIT, 4, CHAN_WINSZ, 0x12345678);	/* never */
	run_tty(self, flags, &a);
	EXPECT_EQ(128 + sig, self->status) TH_LOG("terminal: %s", self->out);
	EXPECT_TRUE(self->raw_at_ready);
	for (i = 0; i < 50 && !restored(self); i++)
		usleep(100000);	/* the watcher restores after kiste's end, not before */
	EXPECT_TRUE(restored(self));
}

TEST_F(tty, sigkill_of_the_vmm_leaves_the_terminal_restored)
{
	SKIP_IF_SETUP_SKIPPED();
	death_restores(self, _metadata, SIGKILL);
}

TEST_F(tty, sigsys_death_of_the_vmm_leaves_the_terminal_restored)
{
	SKIP_IF_SETUP_SKIPPED();
	death_restores(self, _metadata, SIGSYS);
}

/*
 * --debug with -t -i: the guest console on the caller's raw terminal (no
 * OPOST: nothing adds a carriage return), so a line feed the guest sent
 * alone gets one (no staircase); one sent after a carriage return does not.
 */
TEST_F(tty, debug_console_lines_end_in_crlf_while_raw)
{
	const char *flags[] = { "-t", "-i", "--debug", NULL };
	static const char line[] = "ab\ncd\r\n";
	unsigned int i;

	SKIP_IF_SETUP_SKIPPED();
	for (i = 0; i < sizeof(line) - 1; i++)
		op(self, FG_OUT, 1, 0x3f8, (unsigned char)line[i]);
	ready(self);
	run_tty(self, flags, &(struct act){ 0 });
	EXPECT_EQ(0, self->status) TH_LOG("failed step %d; terminal: %s", self->status, self->out);
	EXPECT_NE(NULL, strstr(self->out, "ab\r\ncd\r\n")) TH_LOG("terminal: %s", self->out);
	EXPECT_TRUE(restored(self));
}

/* The channel's size word, as both sides read it. */
TEST(winsize_word_encoding)
{
	EXPECT_EQ(0x0021004du, kiste_chan_winsz(33, 77));
	EXPECT_EQ(KISTE_CHAN_WINSZ(0x7fff, 0x7fff), kiste_chan_winsz(70000, 0x8000));
	EXPECT_TRUE(kiste_chan_winsz_valid(0));
	EXPECT_TRUE(kiste_chan_winsz_valid(kiste_chan_winsz(65535, 65535)));
	EXPECT_FALSE(kiste_chan_winsz_valid(0xffffffffu));
	EXPECT_FALSE(kiste_chan_winsz_valid(KISTE_CHAN_WINSZ(0x8000, 80)));
	EXPECT_FALSE(kiste_chan_winsz_valid(KISTE_CHAN_WINSZ(24, 0x8000)));
}

/*
 * The agent's side (agent_io.c, built here on the host): a valid word sets
 * the pty's size, once; a word no terminal has leaves it as it was; 0 x 0 is
 * a size too (a new pty's).
 */
TEST(agent_applies_valid_words_only)
{
	struct kiste_chan_hdr hdr = { 0 };
	struct agent_chan ch = { .hdr = &hdr };
	struct winsize ws;
	int m, s;

	ASSERT_EQ(0, openpty(&m, &s, NULL, NULL, NULL));
	hdr.winsize = KISTE_CHAN_WINSZ(33, 77);
	agent_chan_winsize(&ch, m);
	ASSERT_EQ(0, ioctl(s, TIOCGWINSZ, &ws));
	EXPECT_EQ(33, ws.ws_row);
	EXPECT_EQ(77, ws.ws_col);
	hdr.winsize = 0xffffffffu;
	agent_chan_winsize(&ch, m);
	hdr.winsize = KISTE_CHAN_WINSZ(0x8000, 80);
	agent_chan_winsize(&ch, m);
	hdr.winsize = KISTE_CHAN_WINSZ(24, 0xffff);
	agent_chan_winsize(&ch, m);
	ASSERT_EQ(0, ioctl(s, TIOCGWINSZ, &ws));
	EXPECT_EQ(33, ws.ws_row);
	EXPECT_EQ(77, ws.ws_col);
	EXPECT_EQ(KISTE_CHAN_WINSZ(33, 77), ch.winsz);
	hdr.winsize = KISTE_CHAN_WINSZ(40, 100);
	agent_chan_winsize(&ch, m);
	ASSERT_EQ(0, ioctl(s, TIOCGWINSZ, &ws));
	EXPECT_EQ(40, ws.ws_row);
	EXPECT_EQ(100, ws.ws_col);
	hdr.winsize = 0;
	agent_chan_winsize(&ch, m);
	ASSERT_EQ(0, ioctl(s, TIOCGWINSZ, &ws));
	EXPECT_EQ(0, ws.ws_row);
	EXPECT_EQ(0, ws.ws_col);
	close(m);
	close(s);
}

TEST_HARNESS_MAIN
