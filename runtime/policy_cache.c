#include "runtime/policy_cache.h"

#include <errno.h>
#include <limits.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/util.h"
#include "policy/policy.h"

/* 04: POLICY_CACHE_FILES moved the sbx.require bits; 05: sbx.isolation; 06: POLICY_CACHE_EXEC
 * moved them again */
#define CACHE_MAGIC "SBXPOL06"
#define CACHE_MAX   (1 << 22)

struct entry_head {
	char magic[8];
	uint32_t key_len;
	uint16_t flags; /* enum policy_cache_flag, and sbx.require's bits */
	uint8_t needs_listener, _pad;
	uint16_t len;
};

bool policy_cache_root_usable(const char *root)
{
	struct stat st;
	if (!root)
		return false;
	if (lstat(root, &st) < 0)
		return errno == ENOENT && mkdir_p(root, 0711) == 0;
	return S_ISDIR(st.st_mode) && st.st_uid == geteuid() && !(st.st_mode & 022);
}

char *policy_cache_key(const char *kind, const char *text, size_t len, uint64_t caps,
		       size_t *ret_len)
{
	struct utsname u;
	const struct scmp_version *v = seccomp_version();
	uname(&u);
	char head[512];
	int n = snprintf(head, sizeof(head), "sbx-policy-1\n%s\n%u.%u.%u\n%s\n%016llx\n", kind,
			 v->major, v->minor, v->micro, u.release, (unsigned long long)caps);
	char *key = malloc((size_t)n + len);
	if (!key)
		return NULL;
	memcpy(key, head, (size_t)n);
	memcpy(key + n, text, len);
	*ret_len = (size_t)n + len;
	return key;
}

static void entry_path(const char *dir, const char *key, size_t key_len, char *buf, size_t len)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a: names the file, proves nothing */
	for (size_t i = 0; i < key_len; i++)
		h = (h ^ (unsigned char)key[i]) * 1099511628211ull;
	snprintf(buf, len, "%s/policy-%016llx.bin", dir, (unsigned long long)h);
}

/* Only entries nobody else could have written: a planted entry would be a weaker filter. */
static bool trusted(const char *path, bool dir)
{
	struct stat st;
	return lstat(path, &st) == 0 && st.st_uid == geteuid() && !(st.st_mode & 022) &&
	       (dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode));
}

int policy_cache_get(const char *dir, const char *key, size_t key_len, struct policy_program *ret,
		     unsigned *ret_flags)
{
	char path[PATH_MAX];
	_cleanup_free_ char *buf = NULL;
	size_t len;
	entry_path(dir, key, key_len, path, sizeof(path));
	if (!trusted(dir, true) || !trusted(path, false) ||
	    read_file(path, CACHE_MAX, &buf, &len) < 0)
		return -ENOENT;
	struct entry_head h;
	if (len < sizeof(h))
		return -ENOENT;
	memcpy(&h, buf, sizeof(h));
	size_t prog_bytes = (size_t)h.len * sizeof(struct sock_filter);
	if (memcmp(h.magic, CACHE_MAGIC, 8) || h.key_len != key_len ||
	    len != sizeof(h) + key_len + prog_bytes || memcmp(buf + sizeof(h), key, key_len))
		return -ENOENT;
	ret->filter = malloc(prog_bytes ? prog_bytes : 1);
	if (!ret->filter)
		return -ENOMEM;
	memcpy(ret->filter, buf + sizeof(h) + key_len, prog_bytes);
	ret->len = h.len;
	ret->needs_listener = h.needs_listener;
	*ret_flags = h.flags;
	return 0;
}

int policy_cache_put(const char *dir, const char *key, size_t key_len,
		     const struct policy_program *p, unsigned flags)
{
	char path[PATH_MAX];
	if (mkdir_p(dir, 0700) < 0 || !trusted(dir, true))
		return -EPERM;
	entry_path(dir, key, key_len, path, sizeof(path));
	size_t prog_bytes = (size_t)p->len * sizeof(struct sock_filter);
	struct entry_head h = {.key_len = (uint32_t)key_len,
			       .flags = (uint16_t)flags,
			       .needs_listener = p->needs_listener,
			       .len = p->len};
	memcpy(h.magic, CACHE_MAGIC, 8);
	size_t len = sizeof(h) + key_len + prog_bytes;
	if (len > CACHE_MAX)
		return -EFBIG;
	_cleanup_free_ char *buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), key, key_len);
	memcpy(buf + sizeof(h) + key_len, p->filter, prog_bytes);
	return write_file_atomic(path, buf, len, 0600);
}
