/* sbx-gofer: the per-sandbox gofer as a small static program. The runtime starts it with the
 * read-write view of the sandbox on fd 4, its socket to the sentry on fd 3 and the change log
 * on fd 5, already inside an empty root (runtime/gofer_launch.c). It locks itself down
 * (gofer/lockdown.c: the capabilities acting as the caller needs, no_new_privs, a seccomp
 * allow-list) before it reads the first request. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gofer/gofer.h"
#include "lib/error.h"

#define GOFER_MAX_RULES 256

struct list {
	char *items[GOFER_MAX_RULES + 1];
	int n;
};

static int push(struct list *l, char *s)
{
	if (l->n == GOFER_MAX_RULES || s[0] != '/')
		return -EINVAL;
	l->items[l->n++] = s;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"id", required_argument, NULL, 'i'},
	    {"writable", required_argument, NULL, 'w'},
	    {"readonly", required_argument, NULL, 'r'},
	    {"hidden", required_argument, NULL, 'h'},
	    {"ro-volume", required_argument, NULL, 'v'},
	    {"private", required_argument, NULL, 'p'},
	    {0},
	};
	static struct list writable, readonly, hidden, ro_volumes, private_mounts;
	const char *id = "";
	int c, r = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1 && r == 0) {
		switch (c) {
		case 'i':
			id = optarg;
			break;
		case 'w':
			r = push(&writable, optarg);
			break;
		case 'r':
			r = push(&readonly, optarg);
			break;
		case 'h':
			r = push(&hidden, optarg);
			break;
		case 'v':
			r = push(&ro_volumes, optarg);
			break;
		case 'p':
			r = push(&private_mounts, optarg);
			break;
		default:
			r = -EINVAL;
		}
	}
	if (r < 0) {
		fprintf(stderr, "sbx-gofer: internal program, started by sbx\n");
		return 2;
	}
	struct gofer_files_policy policy = {
	    .writable = writable.n ? writable.items : NULL,
	    .readonly = readonly.items,
	    .hidden = hidden.items,
	    .ro_volumes = ro_volumes.items,
	    .private_mounts = private_mounts.items,
	};
	struct gofer_config cfg = {
	    .root_fd = 4, .changes_fd = 5, .policy = &policy, .id = id, .proc_fd = 8};
	struct sbx_error err = {0};
	if (gofer_lockdown(&err) < 0) {
		fprintf(stderr, "sbx-gofer %s: %s\n", id, err.msg);
		return 1;
	}
	if (gofer_serve(&cfg, 3, &err) < 0) {
		fprintf(stderr, "sbx-gofer %s: %s\n", id, err.msg);
		return 1;
	}
	return 0;
}
