/* The container's private mounts (tmpfs /tmp, /dev, /dev/shm, ...) are not in the gofer's view:
 * the view has only the directories beneath them. A path whose parent is missing from the view
 * may still exist for the container when a symlink of the root leads onto one of them
 * (/root/l -> /tmp/x, /root/shm -> /dev/shm). Such a call is the kernel's to answer
 * (GOFER_RESULT_KERNEL: the sentry lets it run), as a call naming a private mount directly is.
 *
 * This walk decides only that: it follows the path through the view component by component,
 * symlinks included, the way the kernel would, and says whether it reaches a private mount
 * before it reaches something missing. It changes nothing and hands out nothing, so a race
 * with another thread can only make it pick the other answer: ENOENT, or the kernel's answer
 * in the container's own view, where nothing but the private mounts is writable. */
#include "gofer/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define WALK_MAXSYMLINKS 40

/* Drop the last component of the canonical path `cur` ("/" stays "/"). */
static void up(char *cur)
{
	char *slash = strrchr(cur, '/');
	if (slash == cur)
		cur[1] = '\0';
	else if (slash)
		*slash = '\0';
}

/* The type of the canonical `path` in the view, its last component not followed; 0 if it is
 * missing. No symlink is followed anywhere: `path` is canonical up to its last component. */
static mode_t type_of(const struct gofer_server *s, const char *path, char *link, size_t len)
{
	struct open_how how = {.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS};
	int fd = (int)syscall(SYS_openat2, s->cfg->root_fd, path, &how, sizeof(how));
	struct stat st;
	mode_t type = fd >= 0 && fstat(fd, &st) == 0 ? st.st_mode & S_IFMT : 0;
	if (type == S_IFLNK) {
		ssize_t n = readlinkat(fd, "", link, len - 1);
		link[n > 0 ? n : 0] = '\0';
		if (n <= 0)
			type = 0;
	}
	if (fd >= 0)
		close(fd);
	return type;
}

bool gofer_leads_to_private(struct gofer_server *s, const char *path)
{
	char cur[GOFER_PATH_MAX] = "/", rest[2 * GOFER_PATH_MAX], link[GOFER_PATH_MAX];
	if (!s->policy || !s->policy->private_mounts || !s->policy->private_mounts[0] ||
	    snprintf(rest, sizeof(rest), "%s", path) >= (int)sizeof(rest))
		return false;
	for (int links = 0;;) {
		char *p = rest + strspn(rest, "/"), name[NAME_MAX + 1], next[GOFER_PATH_MAX];
		size_t n = strcspn(p, "/");
		if (n == 0)
			return false; /* walked to the end: it is in the view after all */
		if (n > NAME_MAX)
			return false;
		memcpy(name, p, n);
		name[n] = '\0';
		memmove(rest, p + n, strlen(p + n) + 1);
		if (!strcmp(name, "."))
			continue;
		if (!strcmp(name, "..")) {
			up(cur);
			continue;
		}
		if (snprintf(next, sizeof(next), "%s%s%s", cur, strcmp(cur, "/") ? "/" : "",
			     name) >= (int)sizeof(next))
			return false;
		if (gofer_policy_private(s->policy, next))
			return true;
		mode_t type = type_of(s, next, link, sizeof(link));
		if (type == S_IFDIR) {
			memcpy(cur, next, sizeof(cur));
		} else if (type == S_IFLNK && ++links <= WALK_MAXSYMLINKS) {
			char joined[2 * GOFER_PATH_MAX];
			if (snprintf(joined, sizeof(joined), "%s/%s", link, rest) >=
			    (int)sizeof(joined))
				return false;
			memcpy(rest, joined, sizeof(rest));
			if (link[0] == '/')
				strcpy(cur, "/");
		} else {
			return false; /* missing, a loop, or not a directory: ENOENT or ENOTDIR */
		}
	}
}
