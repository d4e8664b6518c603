/* notify_raw: the cost of a bare seccomp user-notification round trip, as a reference for sbx.
 *
 *   notify_raw [--poll] [--no-sync] LOOP_BINARY N
 *
 * Forks a child that sets no_new_privs, installs a six-instruction filter that notifies
 * mknodat(2) (SECCOMP_FILTER_FLAG_NEW_LISTENER) and allows everything else, passes the listener
 * to the parent over a socketpair (SCM_RIGHTS), then execs `LOOP_BINARY mknodat N` (the same
 * bench/syscall_loop that runs inside sbx), which prints ns per call on our stdout.
 * The parent sets SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (unless --no-sync) and answers every
 * notification at once with EPERM: a thread loops NOTIF_RECV -> NOTIF_SEND; with --poll it
 * waits in poll(2) before each RECV, as an event loop with several fds would. The main thread
 * waits for the child and exits with its status. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/seccomp_compat.h"

static int use_poll;

static void die(const char *what)
{
	fprintf(stderr, "notify_raw: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int install_filter(void)
{
	struct sock_filter insns[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 3),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mknodat, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(insns) / sizeof(insns[0]), .filter = insns};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			    &prog);
}

static int send_fd(int sock, int fd)
{
	char data = 0, cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {.iov_base = &data, .iov_len = 1};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char data, cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {.iov_base = &data, .iov_len = 1};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* Answer every notification at once with EPERM, until the listener hangs up. */
static void *answer(void *arg)
{
	int fd = (int)(long)arg;
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	for (;;) {
		if (use_poll) {
			struct pollfd p = {.fd = fd, .events = POLLIN};
			if (poll(&p, 1, -1) < 0) {
				if (errno == EINTR)
					continue;
				die("poll");
			}
			if (!(p.revents & POLLIN))
				return NULL; /* hang-up: the child is gone */
		}
		memset(&req, 0, sizeof(req));
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			die("SECCOMP_IOCTL_NOTIF_RECV");
		}
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		resp.error = -EPERM;
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
			die("SECCOMP_IOCTL_NOTIF_SEND");
	}
}

int main(int argc, char **argv)
{
	int sync_wake = 1, i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--poll"))
			use_poll = 1;
		else if (!strcmp(argv[i], "--no-sync"))
			sync_wake = 0;
		else
			break;
	}
	if (argc - i != 2) {
		fprintf(stderr, "usage: notify_raw [--poll] [--no-sync] LOOP_BINARY N\n");
		return 2;
	}
	const char *loop = argv[i], *n = argv[i + 1];

	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(sv[0]);
		int fd = install_filter();
		if (fd < 0 || send_fd(sv[1], fd) < 0) {
			fprintf(stderr, "notify_raw: install filter: %s\n", strerror(errno));
			_exit(127);
		}
		close(fd);
		close(sv[1]);
		execl(loop, loop, "mknodat", n, (char *)NULL);
		fprintf(stderr, "notify_raw: exec %s: %s\n", loop, strerror(errno));
		_exit(127);
	}
	close(sv[1]);
	int fd = recv_fd(sv[0]);
	if (fd < 0)
		die("receive the listener");
	close(sv[0]);
	if (sync_wake &&
	    ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) < 0)
		die("SECCOMP_IOCTL_NOTIF_SET_FLAGS(SYNC_WAKE_UP)");
	pthread_t t;
	if (pthread_create(&t, NULL, answer, (void *)(long)fd) != 0)
		die("pthread_create");
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	/* The answering thread may still sit in RECV; exiting the process ends it. */
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
