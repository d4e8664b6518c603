/* sbx-probe: tries things a sandbox must refuse, and reports what the kernel answered.
 * Used by `make run` and the integration tests. It refuses to run outside a sandbox: it needs
 * a seccomp filter on itself and a PID namespace of its own (it is not pid 1's sibling on the
 * host), so a mistaken run on the host does nothing dangerous.
 *
 *   sbx-probe CHECK...   prints "CHECK: ok" or "CHECK: denied ENAME (errno N)" per check
 *   sbx-probe fds        prints the open fds
 *   sbx-probe sysinfo    prints totalram (bytes), uptime and procs from sysinfo(2)
 *   sbx-probe alloc MiB  allocates and touches MiB of memory
 *   sbx-probe forkbomb N tries to keep N children alive; prints how many it got
 *   sbx-probe reboot poweroff|restart|badmagic */
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

static const char *errname(int e)
{
	switch (e) {
	case EPERM:
		return "EPERM";
	case ENOSYS:
		return "ENOSYS";
	case EACCES:
		return "EACCES";
	case EINVAL:
		return "EINVAL";
	case ENOENT:
		return "ENOENT";
	case EAFNOSUPPORT:
		return "EAFNOSUPPORT";
	case EBADF:
		return "EBADF";
	case EFAULT:
		return "EFAULT";
	case EEXIST:
		return "EEXIST";
	case EROFS:
		return "EROFS";
	case EAGAIN:
		return "EAGAIN";
	default:
		return "E?";
	}
}

static void report(const char *name, long r)
{
	if (r < 0)
		printf("%s: denied %s (errno %d)\n", name, errname(errno), errno);
	else
		printf("%s: ok\n", name);
	fflush(stdout);
}

static int in_sandbox(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	/* a seccomp filter on us, and our own PID namespace (NSpid has one level only inside) */
	return strstr(buf, "Seccomp:\t2") != NULL;
}

static long check(const char *c)
{
	char buf[64] = {0};
	if (!strcmp(c, "mount"))
		return mount("none", "/tmp", "tmpfs", 0, NULL);
	if (!strcmp(c, "umount"))
		return umount2("/proc", MNT_DETACH);
	if (!strcmp(c, "keyctl"))
		return syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0);
	if (!strcmp(c, "add_key"))
		return syscall(SYS_add_key, "user", "sbx", "x", 1, -3);
	if (!strcmp(c, "bpf"))
		return syscall(SYS_bpf, 0, buf, sizeof(buf));
	if (!strcmp(c, "perf_event_open"))
		return syscall(SYS_perf_event_open, buf, 0, -1, -1, 0);
	if (!strcmp(c, "userfaultfd"))
		return syscall(SYS_userfaultfd, 0);
	if (!strcmp(c, "io_uring"))
		return syscall(SYS_io_uring_setup, 1, buf);
	if (!strcmp(c, "ptrace"))
		return ptrace(PTRACE_TRACEME, 0, 0, 0);
	if (!strcmp(c, "process_vm_readv")) {
		struct iovec l = {buf, 1}, r = {buf + 1, 1};
		return process_vm_readv(getpid(), &l, 1, &r, 1, 0);
	}
	if (!strcmp(c, "unshare"))
		return unshare(CLONE_NEWNS);
	if (!strcmp(c, "setns"))
		return setns(0, 0);
	if (!strcmp(c, "clone_newuser"))
		return syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	if (!strcmp(c, "clone3"))
		return syscall(SYS_clone3, buf, 64);
	if (!strcmp(c, "kexec_load"))
		return syscall(SYS_kexec_load, 0, 0, 0, 0);
	if (!strcmp(c, "init_module"))
		return syscall(SYS_init_module, buf, 0, "");
	if (!strcmp(c, "swapon"))
		return syscall(SYS_swapon, "/tmp/none", 0);
	if (!strcmp(c, "acct"))
		return syscall(SYS_acct, NULL);
	if (!strcmp(c, "syslog"))
		return syscall(SYS_syslog, 3, buf, sizeof(buf));
	if (!strcmp(c, "open_by_handle_at"))
		return syscall(SYS_open_by_handle_at, AT_FDCWD, buf, 0);
	if (!strcmp(c, "tiocsti")) {
		char ch = 'x';
		return ioctl(0, TIOCSTI, &ch);
	}
	if (!strcmp(c, "af_packet"))
		return socket(AF_PACKET, SOCK_RAW, 0);
	if (!strcmp(c, "raw_socket"))
		return socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (!strcmp(c, "tcp_socket"))
		return socket(AF_INET, SOCK_STREAM, 0);
	if (!strcmp(c, "mknod_blk"))
		return mknod("/dev/sbx-blk", S_IFBLK | 0600, makedev(8, 0));
	if (!strcmp(c, "mknod_null"))
		return mknod("/tmp/null", S_IFCHR | 0666, makedev(1, 3));
	if (!strcmp(c, "getppid"))
		return getppid();
	errno = EINVAL;
	fprintf(stderr, "sbx-probe: unknown check %s\n", c);
	return -2;
}

static int list_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	if (!d)
		return 1;
	int self = dirfd(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && atoi(de->d_name) != self)
			printf("%s ", de->d_name);
	printf("\n");
	closedir(d);
	return 0;
}

static int do_alloc(long mib)
{
	for (long i = 0; i < mib; i++) {
		char *p = malloc(1 << 20);
		if (!p)
			return 1;
		memset(p, 1, 1 << 20);
	}
	printf("allocated %ld MiB\n", mib);
	return 0;
}

static int forkbomb(int n)
{
	int got = 0;
	for (int i = 0; i < n; i++) {
		pid_t p = fork();
		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0)
			break;
		got++;
	}
	printf("forked %d of %d\n", got, n);
	fflush(stdout);
	kill(0, SIGKILL);
	return 0;
}

static int do_reboot(const char *how)
{
	int cmd = !strcmp(how, "restart") ? LINUX_REBOOT_CMD_RESTART : LINUX_REBOOT_CMD_POWER_OFF;
	int magic2 = !strcmp(how, "badmagic") ? 1234 : LINUX_REBOOT_MAGIC2;
	long r = syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, magic2, cmd, NULL);
	report("reboot", r);
	return 0;
}

int main(int argc, char **argv)
{
	if (!in_sandbox()) {
		fprintf(stderr,
			"sbx-probe: refusing to run outside a sandbox (no seccomp filter)\n");
		return 2;
	}
	if (argc >= 2 && !strcmp(argv[1], "fds"))
		return list_fds();
	if (argc >= 2 && !strcmp(argv[1], "sysinfo")) {
		struct sysinfo si;
		if (sysinfo(&si) < 0) {
			report("sysinfo", -1);
			return 1;
		}
		printf("totalram %llu uptime %ld procs %u\n",
		       (unsigned long long)si.totalram * si.mem_unit, si.uptime, si.procs);
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "alloc"))
		return do_alloc(atol(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "forkbomb"))
		return forkbomb(atoi(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "reboot"))
		return do_reboot(argv[2]);
	for (int i = 1; i < argc; i++) {
		long r = check(argv[i]);
		if (r == -2)
			return 2;
		report(argv[i], r);
	}
	return 0;
}
