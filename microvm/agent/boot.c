/* The guest's first steps: API file systems, kernel modules, the control port, the root
 * shared by the host over virtio-9p. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/util.h"
#include "microvm/agent/agent.h"
#include "microvm/proto.h"

void agent_log(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	/* the console: the host keeps its last lines for the sandbox's log */
	if (write(STDERR_FILENO, "sbx-agent: ", 11) == 11)
		write_all(STDERR_FILENO, buf, (size_t)n);
}

_Noreturn void agent_poweroff(void)
{
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

static int mount_at(const char *src, const char *dst, const char *type, unsigned long fl,
		    const char *data)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, fl, data) < 0) {
		int e = errno;
		agent_log("mount %s on %s: %s", type ? type : src, dst, strerror(e));
		return -e;
	}
	return 0;
}

int agent_mount_early(void)
{
	int r = mount_at("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	if (!r)
		r = mount_at("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	if (!r)
		r = mount_at("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	return r;
}

/* `dir`/order lists the modules (file names) in load order, dependencies first. */
int agent_load_modules(const char *dir)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/order", dir);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	char line[128];
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!*line)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, line);
		_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)) {
			int e = errno;
			agent_log("load module %s: %s", line, strerror(e));
			return -e;
		}
	}
	return 0;
}

static int port_named(const char *want, char *path, size_t len)
{
	_cleanup_closedir_ DIR *d = opendir("/sys/class/virtio-ports");
	if (!d)
		return -errno;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char p[300];
		_cleanup_free_ char *name = NULL;
		snprintf(p, sizeof(p), "/sys/class/virtio-ports/%s/name", e->d_name);
		if (read_file(p, 64, &name, NULL) < 0)
			continue;
		name[strcspn(name, "\n")] = 0;
		if (!strcmp(name, want)) {
			snprintf(path, len, "/dev/%s", e->d_name);
			return access(path, F_OK) == 0 ? 0 : -ENOENT;
		}
	}
	return -ENOENT;
}

/* The control port appears when virtio_console has probed it: wait up to 10 s. */
int agent_find_port(char *path, size_t len)
{
	int r = -ENOENT;
	for (int i = 0; i < 1000 && (r = port_named(VM_PORT_NAME, path, len)) < 0; i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return r;
}
