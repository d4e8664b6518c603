/* The argument kinds of the syscalls sbx-trace shows in full, by x86_64 number.
 * Syscalls missing here are shown with six hex arguments. */
#include "tools/trace_args.h"
#include "tools/trace_decode.h"

#include <asm/unistd_64.h> /* x86_64 numbering whatever the headers' default */

#define TRACE_NR_MAX 512

#define SC(name, ...) [__NR_##name] = {.known = true, .kinds = {__VA_ARGS__}}
/* success returns an address */
#define SC_ADDR(name, ...) [__NR_##name] = {.known = true, .ret_addr = true, .kinds = {__VA_ARGS__}}

static const struct trace_sig sigs[TRACE_NR_MAX] = {
    /* files: open, read, write, close */
    SC(read, TA_FD, TA_PTR, TA_SIZE),
    SC(write, TA_FD, TA_PTR, TA_SIZE),
    SC(open, TA_PATH, TA_OPEN_FLAGS, TA_OPEN_MODE),
    SC(openat, TA_DIRFD, TA_PATH, TA_OPEN_FLAGS, TA_OPEN_MODE),
    SC(openat2, TA_DIRFD, TA_PATH, TA_PTR, TA_SIZE),
    SC(creat, TA_PATH, TA_MODE),
    SC(close, TA_FD),
    SC(lseek, TA_FD, TA_LONG, TA_SEEK_WHENCE),
    SC(pread64, TA_FD, TA_PTR, TA_SIZE, TA_LONG),
    SC(pwrite64, TA_FD, TA_PTR, TA_SIZE, TA_LONG),
    SC(readv, TA_FD, TA_PTR, TA_INT),
    SC(writev, TA_FD, TA_PTR, TA_INT),
    SC(sendfile, TA_FD, TA_FD, TA_PTR, TA_SIZE),
    SC(pipe, TA_PTR),
    SC(pipe2, TA_PTR, TA_O_FLAGS),
    SC(dup, TA_FD),
    SC(dup2, TA_FD, TA_FD),
    SC(dup3, TA_FD, TA_FD, TA_O_FLAGS),
    SC(fcntl, TA_FD, TA_FCNTL_CMD, TA_HEX),
    SC(ioctl, TA_FD, TA_IOCTL_REQ, TA_PTR),
    SC(flock, TA_FD, TA_INT),
    SC(fsync, TA_FD),
    SC(fdatasync, TA_FD),
    SC(truncate, TA_PATH, TA_LONG),
    SC(ftruncate, TA_FD, TA_LONG),
    SC(getdents64, TA_FD, TA_PTR, TA_UINT),
    SC(memfd_create, TA_PTR, TA_HEX),
    /* files: metadata and names */
    SC(stat, TA_PATH, TA_PTR),
    SC(lstat, TA_PATH, TA_PTR),
    SC(fstat, TA_FD, TA_PTR),
    SC(newfstatat, TA_DIRFD, TA_PATH, TA_PTR, TA_AT_FLAGS),
    SC(statx, TA_DIRFD, TA_PATH, TA_AT_FLAGS, TA_HEX, TA_PTR),
    SC(statfs, TA_PATH, TA_PTR),
    SC(fstatfs, TA_FD, TA_PTR),
    SC(access, TA_PATH, TA_ACCESS_MODE),
    SC(faccessat, TA_DIRFD, TA_PATH, TA_ACCESS_MODE),
    SC(faccessat2, TA_DIRFD, TA_PATH, TA_ACCESS_MODE, TA_EACCESS),
    SC(readlink, TA_PATH, TA_PTR, TA_SIZE),
    SC(readlinkat, TA_DIRFD, TA_PATH, TA_PTR, TA_SIZE),
    SC(getcwd, TA_PTR, TA_SIZE),
    SC(chdir, TA_PATH),
    SC(fchdir, TA_FD),
    SC(chroot, TA_PATH),
    SC(mkdir, TA_PATH, TA_MODE),
    SC(mkdirat, TA_DIRFD, TA_PATH, TA_MODE),
    SC(rmdir, TA_PATH),
    SC(unlink, TA_PATH),
    SC(unlinkat, TA_DIRFD, TA_PATH, TA_AT_FLAGS),
    SC(rename, TA_PATH, TA_PTR),
    SC(renameat, TA_DIRFD, TA_PATH, TA_DIRFD, TA_PTR),
    SC(renameat2, TA_DIRFD, TA_PATH, TA_DIRFD, TA_PTR, TA_HEX),
    SC(link, TA_PATH, TA_PTR),
    SC(linkat, TA_DIRFD, TA_PATH, TA_DIRFD, TA_PTR, TA_AT_FLAGS),
    /* the path a symlink creates is the one a profile needs, not its target */
    SC(symlink, TA_PTR, TA_PATH),
    SC(symlinkat, TA_PTR, TA_DIRFD, TA_PATH),
    SC(chmod, TA_PATH, TA_MODE),
    SC(fchmod, TA_FD, TA_MODE),
    SC(fchmodat, TA_DIRFD, TA_PATH, TA_MODE),
    SC(chown, TA_PATH, TA_INT, TA_INT),
    SC(lchown, TA_PATH, TA_INT, TA_INT),
    SC(fchown, TA_FD, TA_INT, TA_INT),
    SC(fchownat, TA_DIRFD, TA_PATH, TA_INT, TA_INT, TA_AT_FLAGS),
    SC(umask, TA_MODE),
    SC(utimensat, TA_DIRFD, TA_PATH, TA_PTR, TA_AT_FLAGS),
    SC(mknod, TA_PATH, TA_MODE, TA_HEX),
    SC(mknodat, TA_DIRFD, TA_PATH, TA_MODE, TA_HEX),
    SC(mount, TA_PTR, TA_PATH, TA_PTR, TA_HEX, TA_PTR),
    SC(umount2, TA_PATH, TA_HEX),
    SC(pivot_root, TA_PATH, TA_PTR),
    SC(inotify_add_watch, TA_FD, TA_PATH, TA_HEX),
    /* processes */
    SC(execve, TA_PATH, TA_PTR, TA_PTR),
    SC(execveat, TA_DIRFD, TA_PATH, TA_PTR, TA_PTR, TA_AT_FLAGS),
    SC(clone, TA_CLONE_FLAGS, TA_PTR, TA_PTR, TA_PTR, TA_HEX),
    SC(clone3, TA_PTR, TA_SIZE),
    SC(fork),
    SC(vfork),
    SC(exit, TA_INT),
    SC(exit_group, TA_INT),
    SC(wait4, TA_INT, TA_PTR, TA_WAIT_OPTS, TA_PTR),
    SC(waitid, TA_INT, TA_INT, TA_PTR, TA_WAIT_OPTS, TA_PTR),
    SC(getpid),
    SC(getppid),
    SC(gettid),
    SC(getuid),
    SC(geteuid),
    SC(getgid),
    SC(getegid),
    SC(setuid, TA_INT),
    SC(setgid, TA_INT),
    SC(setsid),
    SC(getpgrp),
    SC(setpgid, TA_INT, TA_INT),
    SC(getpgid, TA_INT),
    SC(unshare, TA_CLONE_FLAGS),
    SC(setns, TA_FD, TA_CLONE_FLAGS),
    SC(prctl, TA_INT, TA_HEX, TA_HEX, TA_HEX, TA_HEX),
    SC(arch_prctl, TA_ARCH_PRCTL, TA_HEX),
    SC(set_tid_address, TA_PTR),
    SC(set_robust_list, TA_PTR, TA_SIZE),
    SC(rseq, TA_PTR, TA_UINT, TA_HEX, TA_HEX),
    SC(prlimit64, TA_INT, TA_INT, TA_PTR, TA_PTR),
    SC(getrlimit, TA_INT, TA_PTR),
    SC(setrlimit, TA_INT, TA_PTR),
    SC(getrusage, TA_INT, TA_PTR),
    SC(sched_yield),
    SC(sched_getaffinity, TA_INT, TA_UINT, TA_PTR),
    SC(getrandom, TA_PTR, TA_SIZE, TA_GRND_FLAGS),
    SC(uname, TA_PTR),
    SC(sysinfo, TA_PTR),
    SC(capget, TA_PTR, TA_PTR),
    SC(capset, TA_PTR, TA_PTR),
    SC(seccomp, TA_UINT, TA_HEX, TA_PTR),
    SC(pidfd_open, TA_INT, TA_HEX),
    /* memory */
    SC_ADDR(mmap, TA_PTR, TA_SIZE, TA_PROT, TA_MAP_FLAGS, TA_FD, TA_LONG),
    SC_ADDR(mremap, TA_PTR, TA_SIZE, TA_SIZE, TA_HEX, TA_PTR),
    SC_ADDR(brk, TA_PTR),
    SC_ADDR(shmat, TA_INT, TA_PTR, TA_HEX),
    SC(mprotect, TA_PTR, TA_SIZE, TA_PROT),
    SC(munmap, TA_PTR, TA_SIZE),
    SC(madvise, TA_PTR, TA_SIZE, TA_INT),
    SC(msync, TA_PTR, TA_SIZE, TA_HEX),
    SC(mlock, TA_PTR, TA_SIZE),
    SC(munlock, TA_PTR, TA_SIZE),
    /* sockets */
    SC(socket, TA_SOCK_FAMILY, TA_SOCK_TYPE, TA_INT),
    SC(socketpair, TA_SOCK_FAMILY, TA_SOCK_TYPE, TA_INT, TA_PTR),
    SC(connect, TA_FD, TA_SOCKADDR, TA_UINT),
    SC(bind, TA_FD, TA_SOCKADDR, TA_UINT),
    SC(listen, TA_FD, TA_INT),
    SC(accept, TA_FD, TA_PTR, TA_PTR),
    SC(accept4, TA_FD, TA_PTR, TA_PTR, TA_SOCK_FLAGS),
    SC(sendto, TA_FD, TA_PTR, TA_SIZE, TA_MSG_FLAGS, TA_SOCKADDR, TA_UINT),
    SC(recvfrom, TA_FD, TA_PTR, TA_SIZE, TA_MSG_FLAGS, TA_PTR, TA_PTR),
    SC(sendmsg, TA_FD, TA_PTR, TA_MSG_FLAGS),
    SC(recvmsg, TA_FD, TA_PTR, TA_MSG_FLAGS),
    SC(shutdown, TA_FD, TA_SHUT_HOW),
    SC(getsockname, TA_FD, TA_PTR, TA_PTR),
    SC(getpeername, TA_FD, TA_PTR, TA_PTR),
    SC(setsockopt, TA_FD, TA_INT, TA_INT, TA_PTR, TA_UINT),
    SC(getsockopt, TA_FD, TA_INT, TA_INT, TA_PTR, TA_PTR),
    /* waiting on fds */
    SC(poll, TA_PTR, TA_UINT, TA_INT),
    SC(ppoll, TA_PTR, TA_UINT, TA_PTR, TA_PTR, TA_SIZE),
    SC(select, TA_INT, TA_PTR, TA_PTR, TA_PTR, TA_PTR),
    SC(pselect6, TA_INT, TA_PTR, TA_PTR, TA_PTR, TA_PTR, TA_PTR),
    SC(epoll_create1, TA_O_FLAGS),
    SC(epoll_ctl, TA_FD, TA_EPOLL_OP, TA_FD, TA_PTR),
    SC(epoll_wait, TA_FD, TA_PTR, TA_INT, TA_INT),
    SC(epoll_pwait, TA_FD, TA_PTR, TA_INT, TA_INT, TA_PTR, TA_SIZE),
    SC(eventfd2, TA_UINT, TA_O_FLAGS),
    SC(timerfd_create, TA_CLOCK, TA_O_FLAGS),
    SC(signalfd4, TA_FD, TA_PTR, TA_SIZE, TA_O_FLAGS),
    SC(inotify_init1, TA_O_FLAGS),
    /* signals */
    SC(rt_sigaction, TA_SIGNAL, TA_PTR, TA_PTR, TA_SIZE),
    SC(rt_sigprocmask, TA_SIGPROCMASK, TA_PTR, TA_PTR, TA_SIZE),
    SC(rt_sigreturn),
    SC(rt_sigsuspend, TA_PTR, TA_SIZE),
    SC(sigaltstack, TA_PTR, TA_PTR),
    SC(kill, TA_INT, TA_SIGNAL),
    SC(tkill, TA_INT, TA_SIGNAL),
    SC(tgkill, TA_INT, TA_INT, TA_SIGNAL),
    SC(pidfd_send_signal, TA_FD, TA_SIGNAL, TA_PTR, TA_HEX),
    SC(pause),
    SC(alarm, TA_UINT),
    /* time */
    SC(nanosleep, TA_PTR, TA_PTR),
    SC(clock_gettime, TA_CLOCK, TA_PTR),
    SC(clock_getres, TA_CLOCK, TA_PTR),
    SC(clock_nanosleep, TA_CLOCK, TA_HEX, TA_PTR, TA_PTR),
    SC(gettimeofday, TA_PTR, TA_PTR),
    SC(time, TA_PTR),
    SC(futex, TA_PTR, TA_FUTEX_OP, TA_INT, TA_PTR, TA_PTR, TA_INT),
};

const struct trace_sig *trace_sig_of(int nr)
{
	static const struct trace_sig unknown;

	if (nr < 0 || nr >= TRACE_NR_MAX)
		return &unknown;
	return &sigs[nr];
}

static int first_arg_of_kind(int nr, enum trace_arg_kind kind)
{
	const struct trace_sig *s = trace_sig_of(nr);

	for (int i = 0; i < 6 && s->kinds[i] != TA_NONE; i++)
		if (s->kinds[i] == kind)
			return i;
	return -1;
}

int trace_path_arg(int nr)
{
	return first_arg_of_kind(nr, TA_PATH);
}

int trace_sockaddr_arg(int nr)
{
	return first_arg_of_kind(nr, TA_SOCKADDR);
}
