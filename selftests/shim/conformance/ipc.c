// SPDX-License-Identifier: GPL-2.0
// ipc.c - conformance: System V shared memory, semaphores and message queues, POSIX message queues.
#include "conf.h"

#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

static void shm(void)
{
	struct shmid_ds ds;
	char *a, *b;
	int id;

	id = shmget(IPC_PRIVATE, 8192, IPC_CREAT | 0600);
	say("shmget(IPC_PRIVATE, 8192)", "%s", id >= 0 ? "id" : ename(errno));
	if (id < 0)
		return;
	a = shmat(id, NULL, 0);
	b = shmat(id, NULL, SHM_RDONLY);
	say("two attachments", "%s %s", a == (void *)-1 ? ename(errno) : "ok",
	    b == (void *)-1 ? ename(errno) : "ok");
	if (a != (void *)-1 && b != (void *)-1) {
		strcpy(a, "shared");
		say("written through one, read through the other", "%s", b);
	}
	chk("shmctl(IPC_STAT)", shmctl(id, IPC_STAT, &ds));
	say("segment size, attachments, creator is me", "%zu %lu %s", ds.shm_segsz,
	    (unsigned long)ds.shm_nattch, ds.shm_cpid == getpid() ? "yes" : "no");
	say("last attach by me", "%s", ds.shm_lpid == getpid() ? "yes" : "no");
	if (fork() == 0) {
		/* a child inherits the attachment and writes through it */
		strcpy(a, "child");
		_exit(shmdt(a) == 0 ? 0 : 1);
	}
	wait(NULL);
	say("what the child wrote", "%s", b);
	chk("shmat(SHM_REMAP without an address)", (long)shmat(id, NULL, SHM_REMAP));
	chk("shmat at a misaligned address", (long)shmat(id, (void *)0x7000001, 0));
	chk("shmdt", shmdt(a));
	chk("shmdt again", shmdt(a));
	chk("shmdt(b)", shmdt(b));
	chk("shmctl(IPC_RMID)", shmctl(id, IPC_RMID, NULL));
	chk("shmat after IPC_RMID", (long)shmat(id, NULL, 0));
	chk("shmctl(unknown command)", shmctl(id, 77, &ds));
	chk("shmget(no such key, no IPC_CREAT)", shmget(0x4b15e, 4096, 0600));
	chk("shmget(size 0 with IPC_CREAT)", shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600));
}

static void sem(void)
{
	struct sembuf up = { 0, 1, 0 }, down = { 0, -1, 0 }, nowait = { 0, -1, IPC_NOWAIT };
	struct timespec ts = { 0, 20000000 };
	union semun arg;
	pid_t child;
	int id, st;

	id = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
	say("semget(IPC_PRIVATE, 2)", "%s", id >= 0 ? "id" : ename(errno));
	if (id < 0)
		return;
	arg.val = 3;
	chk("semctl(SETVAL 3)", semctl(id, 0, SETVAL, arg));
	chk("semctl(GETVAL)", semctl(id, 0, GETVAL));
	chk("semop(+1)", semop(id, &up, 1));
	chk("semctl(GETVAL) after it", semctl(id, 0, GETVAL));
	say("semctl(GETPID) is me", "%s", semctl(id, 0, GETPID) == getpid() ? "yes" : "no");
	chk("semctl(GETVAL) of the second", semctl(id, 1, GETVAL));
	chk("semop(-1, IPC_NOWAIT) on it", semop(id, &(struct sembuf){ 1, -1, IPC_NOWAIT }, 1));
	chk("semtimedop(-1) on it, 20 ms", semtimedop(id, &(struct sembuf){ 1, -1, 0 }, 1, &ts));
	child = fork();
	if (child == 0) {
		/* waits on the second semaphore until the parent raises it */
		_exit(semop(id, &(struct sembuf){ 1, -1, 0 }, 1) == 0 ? 0 : 1);
	}
	while (semctl(id, 1, GETNCNT) < 1)
		usleep(1000);
	chk("semctl(GETNCNT): the child waits", semctl(id, 1, GETNCNT));
	chk("semop(+1) on the second", semop(id, &(struct sembuf){ 1, 1, 0 }, 1));
	waitpid(child, &st, 0);
	say("the child's semop returned", "%d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	say("semctl(GETPID) is the child", "%s", semctl(id, 1, GETPID) == child ? "yes" : "no");
	chk("semop(-1) x4", semop(id, (struct sembuf[]){ down, down, down, down }, 4));
	chk("semop(-1, IPC_NOWAIT) at 0", semop(id, &nowait, 1));
	chk("semctl(unknown command)", semctl(id, 0, 99));
	chk("semctl(IPC_RMID)", semctl(id, 0, IPC_RMID));
	chk("semop after IPC_RMID", semop(id, &up, 1));
}

struct msg {
	long type;
	char text[32];
};

static void msg(void)
{
	struct msqid_ds ds;
	struct msg m = { 2, "second" }, r;
	int id;

	id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	say("msgget(IPC_PRIVATE)", "%s", id >= 0 ? "id" : ename(errno));
	if (id < 0)
		return;
	chk("msgsnd(type 2)", msgsnd(id, &m, sizeof(m.text), 0));
	m.type = 1;
	strcpy(m.text, "first");
	chk("msgsnd(type 1)", msgsnd(id, &m, sizeof(m.text), IPC_NOWAIT));
	chk("msgctl(IPC_STAT)", msgctl(id, IPC_STAT, &ds));
	say("messages queued, sender is me", "%lu %s", (unsigned long)ds.msg_qnum,
	    ds.msg_lspid == getpid() ? "yes" : "no");
	chk("msgrcv(type 1)", msgrcv(id, &r, sizeof(r.text), 1, 0));
	say("its text", "%s", r.text);
	chk("msgrcv(any type)", msgrcv(id, &r, sizeof(r.text), 0, 0));
	say("its text and type", "%s %ld", r.text, r.type);
	chk("msgrcv(IPC_NOWAIT) on an empty queue", msgrcv(id, &r, sizeof(r.text), 0, IPC_NOWAIT));
	chk("msgsnd(type 0)", msgsnd(id, &(struct msg){ 0, "x" }, 2, 0));
	chk("msgsnd too short a buffer for MSG_NOERROR-less receive", msgsnd(id, &m, 20, 0));
	chk("msgrcv(size 4, no MSG_NOERROR)", msgrcv(id, &r, 4, 0, IPC_NOWAIT));
	chk("msgrcv(size 4, MSG_NOERROR)", msgrcv(id, &r, 4, 0, IPC_NOWAIT | MSG_NOERROR));
	chk("msgctl(IPC_STAT) after", msgctl(id, IPC_STAT, &ds));
	say("receiver is me", "%s", ds.msg_lrpid == getpid() ? "yes" : "no");
	chk("msgctl(IPC_RMID)", msgctl(id, IPC_RMID, NULL));
	chk("msgsnd after IPC_RMID", msgsnd(id, &m, 4, 0));
}

static void mq(void)
{
	struct mq_attr attr = { .mq_maxmsg = 4, .mq_msgsize = 64 }, got;
	struct timespec ts;
	char name[64], buf[64];
	unsigned int prio;
	mqd_t q;

	snprintf(name, sizeof(name), "/kiste-conf-%d", (int)getpid());
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
	chkfd("mq_open(O_CREAT | O_EXCL)", q);
	if (q == (mqd_t)-1)
		return;
	chk("mq_open again with O_EXCL", mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr));
	chk("mq_send(prio 1)", mq_send(q, "low", 4, 1));
	chk("mq_send(prio 5)", mq_send(q, "high", 5, 5));
	chk("mq_getattr", mq_getattr(q, &got));
	say("maxmsg, msgsize, curmsgs", "%ld %ld %ld", got.mq_maxmsg, got.mq_msgsize, got.mq_curmsgs);
	chk("mq_receive", mq_receive(q, buf, sizeof(buf), &prio));
	say("highest priority first", "%s %u", buf, prio);
	chk("mq_receive", mq_receive(q, buf, sizeof(buf), &prio));
	say("then", "%s %u", buf, prio);
	chk("mq_receive(buffer smaller than msgsize)", mq_receive(q, buf, 8, &prio));
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 20000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	chk("mq_timedreceive on an empty queue, 20 ms", mq_timedreceive(q, buf, sizeof(buf), &prio, &ts));
	got.mq_flags = O_NONBLOCK;
	chk("mq_setattr(O_NONBLOCK)", mq_setattr(q, &got, NULL));
	chk("mq_receive nonblocking on an empty queue", mq_receive(q, buf, sizeof(buf), &prio));
	chk("mq_close", mq_close(q));
	chk("mq_unlink", mq_unlink(name));
	chk("mq_unlink again", mq_unlink(name));
	chk("mq_open of a missing queue", mq_open(name, O_RDONLY));
	chk("mq_open(a name with a slash inside)", mq_open("/a/b", O_RDWR | O_CREAT, 0600, &attr));
}

int main(void)
{
	conf_init();
	shm();
	sem();
	msg();
	mq();
	return conf_done();
}
