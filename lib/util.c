#include "lib/util.h"
#include "lib/cleanup.h"

#include <errno.h>
#include <sys/un.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <linux/close_range.h>

int read_file_at(int dirfd, const char *path, size_t max, char **ret_buf, size_t *ret_len)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	return read_fd(fd, max, ret_buf, ret_len);
}

int read_fd(int fd, size_t max, char **ret_buf, size_t *ret_len)
{
	size_t cap = 4096, len = 0;
	_cleanup_free_ char *buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			if (cap >= max)
				return -EFBIG;
			cap = cap * 2 > max ? max : cap * 2;
			char *nb = realloc(buf, cap + 1);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	*ret_buf = TAKE_PTR(buf);
	return 0;
}

int read_file(const char *path, size_t max, char **ret_buf, size_t *ret_len)
{
	return read_file_at(AT_FDCWD, path, max, ret_buf, ret_len);
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int write_file_at(int dirfd, const char *path, const char *s)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	return write_all(fd, s, strlen(s));
}

int write_file(const char *path, const char *s)
{
	return write_file_at(AT_FDCWD, path, s);
}

int write_file_atomic(const char *path, const void *data, size_t len, unsigned mode)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	_cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	int r = write_all(fd, data, len);
	if (r < 0 || rename(tmp, path) < 0) {
		r = r < 0 ? r : -errno;
		unlink(tmp);
		return r;
	}
	return 0;
}

int mkdir_p(const char *path, unsigned mode)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int rm_rf_at(int parent, const char *name, dev_t dev, int depth)
{
	struct stat st;
	if (depth > 64)
		return -ELOOP;
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(parent, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	if (st.st_dev != dev)
		return -EBUSY; /* a mount point: never cross it */
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		int q = rm_rf_at(dirfd(d), de->d_name, dev, depth + 1);
		if (q < 0 && r == 0)
			r = q;
	}
	if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT && r == 0)
		r = -errno;
	return r;
}

int rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	return rm_rf_at(AT_FDCWD, path, st.st_dev, 0);
}

int parse_u64(const char *s, uint64_t *ret)
{
	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_int(const char *s, int *ret)
{
	if (!s)
		return -EINVAL;
	errno = 0;
	char *end;
	long v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < INT_MIN || v > INT_MAX)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

int read_u64_file(const char *path, uint64_t *ret)
{
	_cleanup_free_ char *buf = NULL;
	int r = read_file(path, 64, &buf, NULL);
	if (r < 0)
		return r;
	buf[strcspn(buf, "\n")] = '\0';
	return parse_u64(buf, ret);
}

int str_copy(char *buf, size_t len, const char *src)
{
	size_t n = strlen(src);
	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(buf, src, n + 1);
	return 0;
}

int path_join(char *buf, size_t len, const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	if (na + 1 + nb >= len)
		return -ENAMETOOLONG;
	memcpy(buf, a, na);
	buf[na] = '/';
	memcpy(buf + na + 1, b, nb + 1);
	if (nb == 0)
		buf[na] = '\0';
	return 0;
}

uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void time_rfc3339_at(uint64_t ns, char *buf, size_t len)
{
	time_t sec = (time_t)(ns / 1000000000ull);
	struct tm tm;
	gmtime_r(&sec, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%09lluZ", (unsigned long long)(ns % 1000000000ull));
}

void time_rfc3339(char *buf, size_t len)
{
	time_rfc3339_at(clock_ns(CLOCK_REALTIME), buf, len);
}

bool str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int close_fds_from(int from, const int *keep, size_t nkeep)
{
	int sorted[64];
	if (nkeep > ARRAY_SIZE(sorted))
		return -E2BIG;
	memcpy(sorted, keep, nkeep * sizeof(int));
	qsort(sorted, nkeep, sizeof(int), cmp_int);
	unsigned lo = (unsigned)from;
	for (size_t i = 0; i < nkeep; i++) {
		if (sorted[i] < from)
			continue;
		if ((unsigned)sorted[i] > lo && syscall(SYS_close_range, lo, sorted[i] - 1, 0) < 0)
			return -errno;
		lo = (unsigned)sorted[i] + 1;
	}
	if (syscall(SYS_close_range, lo, ~0U, 0) < 0)
		return -errno;
	return 0;
}

/* `path` as a unix socket address. A path longer than sun_path is reached through an O_PATH
 * fd of its directory (/proc/self/fd/N/NAME), returned in *ret_dirfd for the caller to close
 * after bind or connect; otherwise *ret_dirfd is -1. */
static int unix_addr(const char *path, struct sockaddr_un *sa, int *ret_dirfd)
{
	*ret_dirfd = -1;
	sa->sun_family = AF_UNIX;
	if (snprintf(sa->sun_path, sizeof(sa->sun_path), "%s", path) < (int)sizeof(sa->sun_path))
		return 0;
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	if (!slash || (size_t)(slash - path) >= sizeof(dir))
		return -ENAMETOOLONG;
	snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", fd, slash + 1) >=
	    (int)sizeof(sa->sun_path)) {
		close(fd);
		return -ENAMETOOLONG;
	}
	*ret_dirfd = fd;
	return 0;
}

int unix_connect(const char *path, int type)
{
	struct sockaddr_un sa;
	_cleanup_close_ int dirfd = -1;
	int r = unix_addr(path, &sa, &dirfd);
	if (r < 0)
		return r;
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return -e;
	}
	return fd;
}

int unix_listen(const char *path, int type, int backlog)
{
	struct sockaddr_un sa;
	_cleanup_close_ int dirfd = -1;
	int r = unix_addr(path, &sa, &dirfd);
	if (r < 0)
		return r;
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(sa.sun_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, backlog) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}
