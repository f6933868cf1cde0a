// SPDX-License-Identifier: GPL-2.0
// net_mmsg.c - sendmmsg and recvmmsg (MSG_WAITFORONE, a timeout) over a seqpacket pair.
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
int main(void)
{
	int sv[2], i, n;
	char out[3][8] = { "one", "two", "three" }, in[4][16];
	struct iovec iov[4], iv[4];
	struct mmsghdr s[3], r[4];
	struct timespec t = { 0, 100000000 };

	socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
	memset(s, 0, sizeof(s));
	memset(r, 0, sizeof(r));
	for (i = 0; i < 3; i++) {
		iov[i].iov_base = out[i]; iov[i].iov_len = strlen(out[i]);
		s[i].msg_hdr.msg_iov = &iov[i]; s[i].msg_hdr.msg_iovlen = 1;
	}
	for (i = 0; i < 4; i++) {
		iv[i].iov_base = in[i]; iv[i].iov_len = sizeof(in[i]);
		r[i].msg_hdr.msg_iov = &iv[i]; r[i].msg_hdr.msg_iovlen = 1;
	}
	printf("sendmmsg %d\n", sendmmsg(sv[0], s, 3, 0));
	n = recvmmsg(sv[1], r, 4, MSG_WAITFORONE, &t);
	printf("recvmmsg %d:", n);
	for (i = 0; i < n; i++)
		printf(" %.*s(%u)", (int)r[i].msg_len, in[i], r[i].msg_len);
	printf("\n");
	return 0;
}
