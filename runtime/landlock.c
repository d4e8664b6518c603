/* One Landlock ruleset from a plan (landlock.h), built in the container's own view with every
 * right the running kernel's ABI knows handled:
 *   ABI 1: the 13 file-system rights; 2: REFER (rename and link across directories);
 *   3: TRUNCATE; 4: TCP bind and connect; 5: IOCTL_DEV; 6: scoped signals and abstract unix
 *   sockets. ABI 7 adds only audit-log flags, left at the kernel's defaults.
 *
 * Rules: every handled right beneath each writable path of the plan; read, list and execute
 * beneath "/"; on /dev, reading, writing and ioctls of the files there (the device nodes),
 * which a root without a /dev mount of its own needs too.
 *
 * A rule is on an inode and reaches everything beneath it; nothing can take a right back
 * beneath it. So a hidden path is carved out of the read-only tree: instead of "/", each of
 * its siblings and each sibling of its parents gets the read rights, and "/" keeps only
 * READ_DIR (listing a directory needs it, and it reaches the hidden path too: a hidden
 * directory can be listed, as the empty mask it is). That is done only where no writable rule
 * reaches the hidden path, because a file made or renamed later into a carved directory would
 * have no right at all. Beneath a writable path a hidden path keeps only its mask (mounts.c:
 * an empty read-only tmpfs or /dev/null), which Landlock holds in place: a restricted process
 * cannot mount or unmount anything, whatever its capabilities. */
#include "runtime/landlock.h"
#include "runtime/landlock_uapi.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"

#define FS_ABI1 ((LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1)
#define FS_READ                                                                                    \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_DEV                                                                                     \
	(LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE |                            \
	 LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)
/* The rights a rule on a file (not a directory) may hold. */
#define FS_FILE (FS_DEV | LANDLOCK_ACCESS_FS_EXECUTE)
/* Rules one ruleset may take: carving a hidden path out of a huge directory costs one each. */
#define RULES_MAX  16384
#define GRANTS_MAX 1024

struct inode_id {
	dev_t dev;
	ino_t ino;
};

struct builder {
	int fd;				    /* the ruleset */
	uint64_t handled;		    /* file-system rights */
	size_t n_rules;			    /* path rules so far */
	struct inode_id grants[GRANTS_MAX]; /* the inodes of the writable and /dev rules */
	size_t n_grants;
	char **carved; /* canonical hidden paths carved out, NULL-terminated */
	size_t n_carved;
	char path[PATH_MAX]; /* the carving walk's directory ("" for "/") */
};

int landlock_abi(void)
{
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	return v < 0 ? 0 : (int)v;
}

uint64_t landlock_fs_rights(int abi)
{
	uint64_t r = abi >= 1 ? FS_ABI1 : 0;
	if (abi >= 2)
		r |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		r |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		r |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return r;
}

static struct sbx_landlock_ruleset_attr ruleset_attr(const struct landlock_plan *p, int abi)
{
	struct sbx_landlock_ruleset_attr a = {.handled_access_fs = landlock_fs_rights(abi)};
	if (abi >= 4 && p->connect.on)
		a.handled_access_net |= LANDLOCK_ACCESS_NET_CONNECT_TCP;
	if (abi >= 4 && p->bind.on)
		a.handled_access_net |= LANDLOCK_ACCESS_NET_BIND_TCP;
	if (abi >= 6 && p->scope_signal)
		a.scoped |= LANDLOCK_SCOPE_SIGNAL;
	if (abi >= 6 && p->scope_abstract_unix)
		a.scoped |= LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;
	return a;
}

/* A rule on the object `fd` names. A symlink gets none: what it points to is reached by its
 * own path. A file takes only the rights that apply to files. */
static int add_fd_rule(struct builder *b, int fd, uint64_t access, struct stat *ret_st)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (ret_st)
		*ret_st = st;
	if (S_ISLNK(st.st_mode))
		return 0;
	access &= b->handled & (S_ISDIR(st.st_mode) ? ~0ULL : FS_FILE);
	if (!access)
		return 0;
	if (++b->n_rules > RULES_MAX)
		return -E2BIG;
	struct landlock_path_beneath_attr a = {.allowed_access = access, .parent_fd = fd};
	if (syscall(SYS_landlock_add_rule, b->fd, LANDLOCK_RULE_PATH_BENEATH, &a, 0) < 0)
		return -errno;
	return 0;
}

/* A rule on `path`, its last component not followed (a symlink there would widen the rule to
 * wherever it points); a missing path has nothing to grant. With `grant`, its inode counts as
 * writable for carving. */
static int add_path_rule(struct builder *b, const char *path, uint64_t access, bool grant,
			 struct sbx_error *err)
{
	_cleanup_close_ int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
		return 0;
	if (fd < 0)
		return sbx_err_errno(err, errno, "Landlock: open %s", path);
	struct stat st;
	int r = add_fd_rule(b, fd, access, &st);
	if (r < 0)
		return sbx_err_errno(err, -r, "Landlock: rule for %s", path);
	if (grant && !S_ISLNK(st.st_mode)) {
		if (b->n_grants == GRANTS_MAX)
			return sbx_err(err, E2BIG, "Landlock: more than %d writable paths",
				       GRANTS_MAX);
		b->grants[b->n_grants++] = (struct inode_id){st.st_dev, st.st_ino};
	}
	return 0;
}

static bool granted(const struct builder *b, const struct stat *st)
{
	for (size_t i = 0; i < b->n_grants; i++)
		if (b->grants[i].dev == st->st_dev && b->grants[i].ino == st->st_ino)
			return true;
	return false;
}

/* Does a writable rule reach the canonical path `canon` (itself or a parent)? Rules are on
 * inodes, so inodes are compared: a volume bound at two places is one tree. */
static bool covered(const struct builder *b, const char *canon)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", canon);
	for (;;) {
		struct stat st;
		if (stat(buf, &st) == 0 && granted(b, &st))
			return true;
		char *slash = strrchr(buf, '/');
		if (!slash || slash == buf + strlen(buf) - 1)
			return false; /* "/" itself: done */
		slash[slash == buf ? 1 : 0] = '\0';
	}
}

/* The hidden paths to carve out: canonical (the mask of a symlink is on its target), there,
 * not "/", reached by no writable rule. */
static int carve_list(struct builder *b, char *const *hidden)
{
	b->carved = calloc(1, sizeof(char *));
	if (!b->carved)
		return -ENOMEM;
	for (; hidden && *hidden; hidden++) {
		char canon[PATH_MAX];
		if (!realpath(*hidden, canon) || !strcmp(canon, "/") || covered(b, canon))
			continue;
		char **v = realloc(b->carved, (b->n_carved + 2) * sizeof(char *));
		if (!v)
			return -ENOMEM;
		b->carved = v;
		if (!(v[b->n_carved] = strdup(canon)))
			return -ENOMEM;
		v[++b->n_carved] = NULL;
	}
	return 0;
}

static bool is_carved(const struct builder *b, const char *path)
{
	for (size_t i = 0; i < b->n_carved; i++)
		if (!strcmp(b->carved[i], path))
			return true;
	return false;
}

/* Is a carved path beneath the directory `path`? */
static bool leads_to_carved(const struct builder *b, const char *path)
{
	size_t n = strlen(path);
	for (size_t i = 0; i < b->n_carved; i++)
		if (!strncmp(b->carved[i], path, n) && b->carved[i][n] == '/')
			return true;
	return false;
}

static int grant_beside(struct builder *b, int dirfd, struct sbx_error *err);

static int descend(struct builder *b, int dirfd, const char *name, struct sbx_error *err)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return sbx_err_errno(err, errno, "Landlock: open %s", b->path);
	return grant_beside(b, fd, err);
}

static int grant_read(struct builder *b, int dirfd, const char *name, struct sbx_error *err)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0
				       : sbx_err_errno(err, errno, "Landlock: open %s", b->path);
	int r = add_fd_rule(b, fd, FS_READ, NULL);
	if (r == -E2BIG)
		return sbx_err(err, E2BIG,
			       "Landlock: hiding %s needs more than %d rules (one for each entry "
			       "beside it and beside its parents)",
			       b->carved[0], RULES_MAX);
	return r < 0 ? sbx_err_errno(err, -r, "Landlock: rule for %s", b->path) : 0;
}

/* Read rights on everything in the directory b->path (`dirfd`, taken) but the carved paths,
 * going down towards those beneath it. */
static int grant_beside(struct builder *b, int dirfd, struct sbx_error *err)
{
	_cleanup_closedir_ DIR *d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return sbx_err_errno(err, errno, "Landlock: read %s", b->path[0] ? b->path : "/");
	}
	size_t len = strlen(b->path);
	struct dirent *e;
	while ((errno = 0, e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (len + 1 + strlen(e->d_name) >= sizeof(b->path))
			return sbx_err(err, ENAMETOOLONG, "Landlock: %s/%s: path too long", b->path,
				       e->d_name);
		sprintf(b->path + len, "/%s", e->d_name);
		int r = 0;
		if (leads_to_carved(b, b->path))
			r = descend(b, dirfd, e->d_name, err);
		else if (!is_carved(b, b->path))
			r = grant_read(b, dirfd, e->d_name, err);
		b->path[len] = '\0';
		if (r < 0)
			return r;
	}
	if (errno)
		return sbx_err_errno(err, errno, "Landlock: read %s", b->path[0] ? b->path : "/");
	return 0;
}

static int add_read_rules(struct builder *b, struct sbx_error *err)
{
	if (b->n_carved == 0)
		return add_path_rule(b, "/", FS_READ, false, err);
	int r = add_path_rule(b, "/", LANDLOCK_ACCESS_FS_READ_DIR, false, err);
	if (r < 0)
		return r;
	int root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return sbx_err_errno(err, errno, "Landlock: open /");
	b->path[0] = '\0';
	return grant_beside(b, root, err);
}

static int add_port_rules(const struct builder *b, const struct landlock_ports *p, uint64_t access,
			  uint64_t handled, struct sbx_error *err)
{
	if (!(handled & access))
		return 0;
	for (size_t i = 0; i < p->n; i++) {
		struct sbx_landlock_net_port_attr a = {.allowed_access = access,
						       .port = p->ports[i]};
		if (syscall(SYS_landlock_add_rule, b->fd, SBX_LANDLOCK_RULE_NET_PORT, &a, 0) < 0)
			return sbx_err_errno(err, errno, "Landlock: rule for TCP port %u",
					     p->ports[i]);
	}
	return 0;
}

static int add_rules(struct builder *b, const struct landlock_plan *p, uint64_t net,
		     struct sbx_error *err)
{
	int r = 0;
	for (char **f = p->full; r == 0 && f && *f; f++)
		r = add_path_rule(b, *f, b->handled, true, err);
	if (r == 0)
		r = add_path_rule(b, "/dev", FS_DEV, true, err);
	if (r == 0 && (r = carve_list(b, p->hidden)) < 0)
		return sbx_err_errno(err, -r, "Landlock: hidden paths");
	if (r == 0)
		r = add_read_rules(b, err);
	if (r == 0)
		r = add_port_rules(b, &p->connect, LANDLOCK_ACCESS_NET_CONNECT_TCP, net, err);
	if (r == 0)
		r = add_port_rules(b, &p->bind, LANDLOCK_ACCESS_NET_BIND_TCP, net, err);
	return r;
}

int landlock_build(const struct landlock_plan *p, int *ret_fd, struct sbx_error *err)
{
	*ret_fd = -1;
	int abi = landlock_abi();
	if (abi <= 0)
		return p->required ? sbx_err(err, ENOTSUP,
					     "the policy requires the Landlock layer, which this "
					     "kernel lacks")
				   : 0;
	struct sbx_landlock_ruleset_attr attr = ruleset_attr(p, abi);
	_cleanup_free_ struct builder *b = calloc(1, sizeof(*b));
	if (!b)
		return sbx_err(err, ENOMEM, "out of memory");
	b->fd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (b->fd < 0)
		return sbx_err_errno(err, errno, "Landlock: create the ruleset (ABI %d)", abi);
	b->handled = attr.handled_access_fs;
	int r = add_rules(b, p, attr.handled_access_net, err);
	for (size_t i = 0; i < b->n_carved; i++)
		free(b->carved[i]);
	free(b->carved);
	if (r < 0) {
		close(b->fd);
		return r;
	}
	*ret_fd = b->fd;
	return 0;
}

int landlock_enforce(int ruleset_fd)
{
	if (syscall(SYS_landlock_restrict_self, ruleset_fd, 0) < 0)
		return -errno;
	return 0;
}
