/* The BPF-LSM layer's objects: opened by init, sent to the monitor (lsm_objects.h). */
#include "runtime/lsm_objects.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fdpass.h"
#include "runtime/sandbox.h"
#include "runtime/sync.h"

#define BATCH 16 /* fds per message (lib/fdpass.c's limit) */

static int push(struct lsm_objects *o, int fd, __u8 rules)
{
	if (o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 16;
		struct sbx_lsm_object *v = realloc(o->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		o->v = v;
		o->cap = cap;
	}
	o->v[o->n++] = (struct sbx_lsm_object){.fd = fd, .rules = rules};
	return 0;
}

static int open_list(int root, char *const *paths, __u8 rules, const char *what,
		     struct lsm_objects *o, struct sbx_error *err)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};

	for (size_t i = 0; paths && paths[i]; i++) {
		int fd = (int)syscall(SYS_openat2, root, paths[i], &how, sizeof(how));
		if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
			continue; /* nothing there to protect */
		if (fd < 0)
			return sbx_err_errno(err, errno, "%s %s: open for BPF-LSM", what, paths[i]);
		if (o->n >= SBX_LSM_FILES_MAX) {
			close(fd);
			return sbx_err(err, E2BIG, "more than %d paths in sbx.files and sbx.exec",
				       SBX_LSM_FILES_MAX);
		}
		if (push(o, fd, rules) < 0) {
			close(fd);
			return sbx_err(err, ENOMEM, "out of memory");
		}
	}
	return 0;
}

int lsm_objects_open(const struct sandbox_spec *spec, struct lsm_objects *ret,
		     struct sbx_error *err)
{
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (root < 0)
		return sbx_err_errno(err, errno, "open / for BPF-LSM");
	if ((r = open_list(root, spec->files_hidden, SBX_LSM_F_HIDDEN, "sbx.files.hidden", ret,
			   err)) < 0 ||
	    (r = open_list(root, spec->files_readonly, SBX_LSM_F_READONLY, "sbx.files.readonly",
			   ret, err)) < 0 ||
	    (r = open_list(root, spec->exec_allow, SBX_LSM_F_EXEC, "sbx.exec.allow", ret, err)) < 0)
		lsm_objects_close(ret);
	return r;
}

/* One message: SYNC_OBJECTS, then each fd's rules. */
int lsm_objects_send(int sock, const struct lsm_objects *o)
{
	for (size_t i = 0; i < o->n; i += BATCH) {
		size_t n = o->n - i < BATCH ? o->n - i : BATCH;
		char msg[1 + BATCH] = {SYNC_OBJECTS};
		int fds[BATCH];
		for (size_t k = 0; k < n; k++) {
			fds[k] = o->v[i + k].fd;
			msg[1 + k] = (char)o->v[i + k].rules;
		}
		int r = fd_send(sock, fds, n, msg, 1 + n);
		if (r < 0)
			return r;
	}
	return 0;
}

/* One rules byte per fd, after the type. */
static int take(struct lsm_objects *o, const int *fds, size_t nfds, const char *msg, size_t len)
{
	int r = nfds + 1 == len ? 0 : -EPROTO;

	for (size_t k = 0; k < nfds; k++) {
		if (r == 0 && o->n >= SBX_LSM_FILES_MAX)
			r = -E2BIG;
		if (r == 0)
			r = push(o, fds[k], (__u8)msg[k + 1]);
		if (r < 0)
			close(fds[k]);
	}
	return r;
}

int lsm_objects_recv(int sock, struct lsm_objects *o, char *ret_type, char *msg, size_t len)
{
	char buf[1100];
	int fds[BATCH];
	size_t nfds;

	for (;;) {
		int n = fd_recv(sock, fds, BATCH, &nfds, buf, sizeof(buf) - 1);
		if (n < 0)
			return n;
		if (n == 0)
			return -EPIPE;
		if (buf[0] == SYNC_OBJECTS) {
			int r = take(o, fds, nfds, buf, (size_t)n);
			if (r < 0)
				return r;
			continue;
		}
		for (size_t k = 0; k < nfds; k++)
			close(fds[k]);
		buf[n] = '\0';
		*ret_type = buf[0];
		if (msg && len)
			snprintf(msg, len, "%s", buf + 1);
		return 0;
	}
}

void lsm_objects_close(struct lsm_objects *o)
{
	for (size_t i = 0; i < o->n; i++)
		close(o->v[i].fd);
	free(o->v);
	*o = (struct lsm_objects){0};
}
