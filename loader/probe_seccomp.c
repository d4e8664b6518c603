/* Seccomp user notification probe: a forked child installs a NEW_LISTENER filter that
 * notifies getppid, hands the listener to us, and calls getppid twice. We answer the first
 * with a plain ADDFD and the second with ADDFD_FLAG_SEND; the child checks that the fds it
 * got back are real and reports. */
#include "loader/internal.h"
#include "loader/loader.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/fdpass.h"

#include "lib/seccomp_compat.h"

/* What the child says right after installing its filter (sent with the listener fd). */
struct child_install {
	int install_err;  /* errno of the NEW_LISTENER install, 0 on success */
	int killable_err; /* errno of the install with WAIT_KILLABLE_RECV, 0 on success */
};

/* What the child saw from its two notified getppid calls. */
struct child_calls {
	long ret[2];
	int err[2];
	int fd_ok[2]; /* the returned number is an fd for the file we injected */
};

static int do_seccomp(unsigned op, unsigned long flags, void *arg)
{
	return (int)syscall(SYS_seccomp, op, flags, arg);
}

/* Notify getppid, allow the rest. No arch check: the child makes only native calls. */
static int install_filter(unsigned long flags)
{
	struct sock_filter insns[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getppid, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = ARRAY_SIZE(insns), .filter = insns};

	return do_seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER | flags, &prog);
}

static int same_file(int a, int b)
{
	struct stat sa, sb;

	if (a < 0 || a == b || fstat(a, &sa) < 0 || fstat(b, &sb) < 0)
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static _Noreturn void child_main(int sock, int memfd)
{
	struct child_install inst = {0};
	struct child_calls calls = {0};
	int listener;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		_exit(2);
	listener = install_filter(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
	if (listener < 0) {
		inst.killable_err = errno;
		listener = install_filter(0);
		if (listener < 0)
			inst.install_err = errno;
	}
	if (fd_send(sock, listener >= 0 ? &listener : NULL, listener >= 0, &inst, sizeof(inst)) < 0)
		_exit(3);
	if (listener < 0)
		_exit(0);
	close(listener);
	for (int i = 0; i < 2; i++) {
		calls.ret[i] = syscall(SYS_getppid);
		calls.err[i] = calls.ret[i] < 0 ? errno : 0;
		calls.fd_ok[i] = calls.ret[i] >= 0 && same_file((int)calls.ret[i], memfd);
	}
	if (write(sock, &calls, sizeof(calls)) != sizeof(calls))
		_exit(4);
	_exit(0);
}

static int wait_readable(int fd, long long deadline)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r;

	do {
		r = poll(&p, 1, probe_ms_left(deadline));
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	return 0;
}

/* Receive one notification and answer it with an ADDFD of srcfd, as the call's return value.
 * *ret_addfd_err gets the ADDFD errno (0 on success). Returns -errno if no answer was given. */
static int answer_notif(int listener, int srcfd, unsigned addfd_flags, long long deadline,
			int *ret_addfd_err)
{
	struct seccomp_notif req;
	int r = wait_readable(listener, deadline);

	if (r < 0)
		return r;
	memset(&req, 0, sizeof(req));
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		return -errno;

	struct seccomp_notif_addfd add = {
	    .id = req.id,
	    .flags = addfd_flags,
	    .srcfd = (__u32)srcfd,
	    .newfd_flags = O_CLOEXEC,
	};
	int remote = ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
	*ret_addfd_err = remote < 0 ? errno : 0;
	if (remote >= 0 && (addfd_flags & SECCOMP_ADDFD_FLAG_SEND))
		return 0; /* ADDFD answered the call */

	struct seccomp_notif_resp resp = {
	    .id = req.id,
	    .val = remote >= 0 ? remote : 0,
	    .error = remote >= 0 ? 0 : -EPERM,
	};
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0)
		return -errno;
	return 0;
}

static int recv_calls(int sock, struct child_calls *ret, long long deadline)
{
	int r = wait_readable(sock, deadline);

	if (r < 0)
		return r;
	ssize_t n = recv(sock, ret, sizeof(*ret), 0);
	if (n < 0)
		return -errno;
	return n == sizeof(*ret) ? 0 : -EPROTO;
}

static void judge_addfd(struct sbx_feature *f, int addfd_err, const struct child_calls *calls,
			int i, const char *what)
{
	if (addfd_err)
		feature_fail(f, addfd_err, "%s: %s", what, errno_name(addfd_err));
	else if (!calls->fd_ok[i])
		feature_fail(f, EPROTO, "%s: the child did not get the fd (got %ld, %s)", what,
			     calls->ret[i], calls->err[i] ? errno_name(calls->err[i]) : "no error");
	else
		feature_ok(f);
}

static void probe_listener(struct sbx_features *f, int listener, int sock, int memfd,
			   long long deadline)
{
	struct child_calls calls = {0};
	int err1 = 0, err2 = 0, r;

	/* The flags are the ioctl argument itself, not a pointer to them. */
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) < 0)
		feature_fail(&f->seccomp_sync_wake_up, errno, "SECCOMP_IOCTL_NOTIF_SET_FLAGS: %s",
			     errno_name(errno));
	else
		feature_ok(&f->seccomp_sync_wake_up);

	r = answer_notif(listener, memfd, 0, deadline, &err1);
	if (r < 0) {
		feature_fail(&f->seccomp_notify, -r, "no notification from the child: %s",
			     errno_name(r));
		return;
	}
	feature_ok(&f->seccomp_notify);
	r = answer_notif(listener, memfd, SECCOMP_ADDFD_FLAG_SEND, deadline, &err2);
	if (r == 0)
		r = recv_calls(sock, &calls, deadline);
	if (r < 0) {
		feature_fail(&f->seccomp_addfd, -r, "second notification: %s", errno_name(r));
		feature_fail(&f->seccomp_addfd_send, -r, "second notification: %s", errno_name(r));
		return;
	}
	judge_addfd(&f->seccomp_addfd, err1, &calls, 0, "SECCOMP_IOCTL_NOTIF_ADDFD");
	judge_addfd(&f->seccomp_addfd_send, err2, &calls, 1, "SECCOMP_ADDFD_FLAG_SEND");
}

static void probe_parent(struct sbx_features *f, int sock, int memfd, long long deadline)
{
	_cleanup_close_ int listener = -1;
	struct child_install inst = {0};
	size_t nfds = 0;
	int r = wait_readable(sock, deadline);

	if (r == 0)
		r = fd_recv(sock, &listener, 1, &nfds, &inst, sizeof(inst));
	if (r >= 0 && (r != sizeof(inst) || (nfds == 0 && inst.install_err == 0)))
		r = -EPROTO;
	if (r < 0) {
		feature_fail(&f->seccomp_notify, -r, "probe child did not report: %s",
			     errno_name(r));
		return;
	}
	if (inst.install_err) {
		feature_fail(&f->seccomp_notify, inst.install_err,
			     "SECCOMP_FILTER_FLAG_NEW_LISTENER: %s", errno_name(inst.install_err));
		return;
	}
	if (inst.killable_err)
		feature_fail(&f->seccomp_wait_killable_recv, inst.killable_err,
			     "%s installing with NEW_LISTENER", errno_name(inst.killable_err));
	else
		feature_ok(&f->seccomp_wait_killable_recv);
	probe_listener(f, listener, sock, memfd, deadline);
}

void sbx_probe_seccomp(struct sbx_features *f)
{
	struct sbx_feature *all[] = {&f->seccomp_notify, &f->seccomp_addfd, &f->seccomp_addfd_send,
				     &f->seccomp_sync_wake_up, &f->seccomp_wait_killable_recv};
	long long deadline = probe_now_ms() + SBX_PROBE_TIMEOUT_MS;
	int sv[2];

	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		feature_fail(all[i], 0, "needs seccomp user notification");

	_cleanup_close_ int memfd = memfd_create("sbx-probe", MFD_CLOEXEC);
	if (memfd < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		feature_fail(&f->seccomp_notify, errno, "probe setup: %s", errno_name(errno));
		return;
	}
	_cleanup_close_ int sock = sv[0];
	pid_t pid = fork();
	if (pid < 0) {
		feature_fail(&f->seccomp_notify, errno, "fork: %s", errno_name(errno));
		close(sv[1]);
		return;
	}
	if (pid == 0) {
		close(sock);
		child_main(sv[1], memfd);
	}
	close(sv[1]);
	probe_parent(f, sock, memfd, deadline);
	probe_child_reap(pid, true);
}

int sbx_seccomp_flags_supported(unsigned long flags)
{
	/* Flags are checked before the (NULL) program is read: EFAULT means accepted. */
	if (do_seccomp(SECCOMP_SET_MODE_FILTER, flags, NULL) == 0)
		return 1;
	if (errno == EFAULT)
		return 1;
	if (errno == EINVAL)
		return 0;
	return -errno;
}
