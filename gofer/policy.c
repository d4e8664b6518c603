/* The files policy, matched on canonical container paths (see resolve.c): the location the
 * kernel reached, never the string the caller sent, so a symlink cannot walk around it.
 *
 * Order: a private mount (GOFER_RESULT_KERNEL: not the gofer's), hidden (ENOENT: it does not
 * exist), read-only volumes (EROFS), readonly (EACCES), then writable prefixes when the policy
 * lists any (EACCES outside all of them). */
#include "gofer/internal.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* Length of `prefix` without trailing slashes ("/" counts as 0: it covers everything). */
static size_t prefix_len(const char *prefix)
{
	size_t n = strlen(prefix);
	while (n > 0 && prefix[n - 1] == '/')
		n--;
	return n;
}

/* Is `path` at or beneath `prefix`? */
static bool at_or_under(const char *path, const char *prefix)
{
	if (prefix[0] != '/')
		return false; /* not a container path: matches nothing */
	size_t n = prefix_len(prefix);
	return strncmp(path, prefix, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static bool any_match(char *const *list, const char *path)
{
	for (; list && *list; list++)
		if (at_or_under(path, *list))
			return true;
	return false;
}

/* Is some entry of `list` strictly beneath `path`? */
static bool any_beneath(char *const *list, const char *path)
{
	for (; list && *list; list++)
		if (at_or_under(*list, path) && prefix_len(*list) > prefix_len(path) &&
		    strcmp(path, "/") != 0)
			return true;
	return false;
}

bool gofer_policy_private(const struct gofer_files_policy *p, const char *canon)
{
	return p && any_match(p->private_mounts, canon);
}

int gofer_policy_check(const struct gofer_files_policy *p, const char *canon)
{
	if (!p)
		return 0;
	if (any_match(p->private_mounts, canon))
		return GOFER_RESULT_KERNEL;
	if (any_match(p->hidden, canon))
		return -ENOENT;
	if (any_match(p->ro_volumes, canon))
		return -EROFS;
	if (any_match(p->readonly, canon))
		return -EACCES;
	if (p->writable && !any_match(p->writable, canon))
		return -EACCES;
	return 0;
}

/* Moving or exchanging a directory would carry protected paths beneath it to a new name the
 * policy does not cover: refused like a busy mount point. */
int gofer_policy_check_tree(const struct gofer_files_policy *p, const char *canon)
{
	if (!p)
		return 0;
	if (any_beneath(p->hidden, canon) || any_beneath(p->ro_volumes, canon) ||
	    any_beneath(p->readonly, canon))
		return -EBUSY;
	return 0;
}
