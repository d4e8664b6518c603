/* Small file and string helpers shared by the components. All return -errno on failure. */
#ifndef SBX_LIB_UTIL_H
#define SBX_LIB_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Read a whole file (NUL-terminated, at most max bytes). *ret_buf is malloc'd. */
int read_file_at(int dirfd, const char *path, size_t max, char **ret_buf, size_t *ret_len);
int read_file(const char *path, size_t max, char **ret_buf, size_t *ret_len);
/* The same from an open fd, up to end of file (a pipe: stdin). */
int read_fd(int fd, size_t max, char **ret_buf, size_t *ret_len);

/* Write a string to an existing file (no O_CREAT), as for /proc and cgroup files. */
int write_file_at(int dirfd, const char *path, const char *s);
int write_file(const char *path, const char *s);

/* Create (or truncate) a file with `mode` and write data to it, atomically via rename. */
int write_file_atomic(const char *path, const void *data, size_t len, unsigned mode);

int mkdir_p(const char *path, unsigned mode);

/* Remove a tree without crossing mount points; missing is success. */
int rm_rf(const char *path);

int read_u64_file(const char *path, uint64_t *ret);

/* Strict decimal parsing: the whole string, no sign, no overflow. */
int parse_u64(const char *s, uint64_t *ret);
int parse_int(const char *s, int *ret);

bool str_has_prefix(const char *s, const char *prefix);

/* The current time, UTC, as RFC 3339 with nanoseconds ("2026-11-29T22:46:01.123456789Z"). */
void time_rfc3339(char *buf, size_t len);
/* The same for `ns` nanoseconds since the epoch (CLOCK_REALTIME). */
void time_rfc3339_at(uint64_t ns, char *buf, size_t len);

/* A socket of `type` (SOCK_STREAM, SOCK_SEQPACKET; close-on-exec) connected to the unix
 * socket at `path`, or -errno. A path longer than sun_path is reached through an fd of its
 * directory. */
int unix_connect(const char *path, int type);
/* A listening unix socket at path (an old socket file there is replaced); -errno. Paths
 * longer than sun_path work too (through an fd of their directory). */
int unix_listen(const char *path, int type, int backlog);

/* clock_gettime(clock) in nanoseconds. */
uint64_t clock_ns(clockid_t clock);

/* "a/b" (or just a when b is empty) into buf; -ENAMETOOLONG instead of a truncated path. */
int path_join(char *buf, size_t len, const char *a, const char *b);
/* Copy src into buf; -ENAMETOOLONG instead of truncating. */
int str_copy(char *buf, size_t len, const char *src);

/* Close every fd >= from except those listed. */
int close_fds_from(int from, const int *keep, size_t nkeep);

/* write() all of buf, retrying on EINTR and short writes. */
int write_all(int fd, const void *buf, size_t len);

#endif
