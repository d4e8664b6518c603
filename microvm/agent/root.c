/* The guest's root: the host's rootfs over virtio-9p, under a tmpfs overlay unless the
 * sandbox persists its changes; volumes are further 9p shares. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util.h"
#include "microvm/agent/agent.h"
#include "microvm/proto.h"

static int mnt(const char *src, const char *dst, const char *type, unsigned long fl,
	       const char *data)
{
	if (mkdir_p(dst, 0755) < 0 && errno != EEXIST)
		agent_log("mkdir %s: %s", dst, strerror(errno));
	if (mount(src, dst, type, fl, data) < 0) {
		int e = errno;
		agent_log("mount %s on %s: %s", src, dst, strerror(e));
		return -e;
	}
	return 0;
}

static int mount_9p(const char *tag, const char *dst, bool readonly)
{
	/* read-only shares may be cached: nobody else changes them while the VM runs */
	const char *opts = readonly ? "trans=virtio,version=9p2000.L,msize=262144,cache=loose"
				    : "trans=virtio,version=9p2000.L,msize=262144,cache=mmap";
	return mnt(tag, dst, "9p", readonly ? MS_RDONLY : 0, opts);
}

static int move_into(const char *root, const char *path)
{
	char dst[256];
	snprintf(dst, sizeof(dst), "%s%s", root, path);
	return mnt(path, dst, NULL, MS_MOVE, NULL);
}

int agent_switch_root(bool persist)
{
	int r;
	if (persist) {
		r = mount_9p(VM_ROOT_TAG, "/newroot", false);
	} else {
		r = mount_9p(VM_ROOT_TAG, "/lower", true);
		if (!r)
			r = mnt("tmpfs", "/rw", "tmpfs", 0, "mode=0755");
		if (!r && (mkdir("/rw/upper", 0755) < 0 || mkdir("/rw/work", 0755) < 0))
			r = -errno;
		if (!r)
			r = mnt("overlay", "/newroot", "overlay", 0,
				"lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work");
	}
	for (const char *p = "/proc\0/sys\0/dev\0"; !r && *p; p += strlen(p) + 1)
		r = move_into("/newroot", p);
	if (r)
		return r;
	if (chdir("/newroot") < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
	    chdir("/") < 0) {
		r = -errno;
		agent_log("switch root: %s", strerror(-r));
	}
	return r;
}

int agent_mount_volume(const char *tag, const char *dest, bool readonly)
{
	return mount_9p(tag, dest, readonly);
}

/* A tmpfs on `dst`; `keep` (the tests' tree, when it lies beneath) stays reachable there. */
static int tmpfs_keeping(const char *dst, const char *data, const char *keep)
{
	size_t n = strlen(dst);
	bool under = keep && !strncmp(keep, dst, n) && keep[n] == '/';
	int fd = under ? open(keep, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	int r = mnt("tmpfs", dst, "tmpfs", 0, data);
	if (!r && fd >= 0) {
		char self[64];
		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		r = mnt(self, keep, NULL, MS_BIND | MS_REC, NULL);
	}
	if (fd >= 0)
		close(fd);
	return r;
}

/* What a workload expects beyond /proc, /sys and /dev; tests (`keep`: their tree, the
 * working directory) also get the kernel's interfaces that sbx itself uses (cgroup2, bpffs,
 * securityfs, tracefs) and tmpfs on /tmp and /run (an overlay cannot be another overlay's
 * upper layer, and sbx's gofer makes overlays there). */
int agent_mount_api(bool test_mode, const char *keep)
{
	int r = mnt("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		    "newinstance,ptmxmode=0666,mode=0620");
	if (!r)
		r = mnt("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	if (r || !test_mode)
		return r;
	static const struct {
		const char *src, *dst, *type, *data;
	} t[] = {
	    {"cgroup2", "/sys/fs/cgroup", "cgroup2", NULL},
	    {"bpf", "/sys/fs/bpf", "bpf", "mode=0700"},
	    {"securityfs", "/sys/kernel/security", "securityfs", NULL},
	    {"tracefs", "/sys/kernel/tracing", "tracefs", NULL},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]) && !r; i++)
		r = mnt(t[i].src, t[i].dst, t[i].type, 0, t[i].data);
	if (!r)
		r = tmpfs_keeping("/tmp", "mode=1777", keep);
	return r ? r : tmpfs_keeping("/run", "mode=0755", keep);
}
