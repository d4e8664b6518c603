/* The files policy as the gofer matches it. Requests are matched on canonical container paths
 * (where the kernel really is), but an entry is written by hand and may lead through a symlink
 * of the image: hidden "/var/run/secrets" where /var/run -> /run is reached as /run/secrets.
 * So at start each entry is located in the view, as the gofer locates requests, and its
 * canonical forms join it in the list:
 *   - every list: the entry with its parents resolved, the last component as it is;
 *   - the lists that refuse (hidden, readonly, read-only volumes): also the entry followed to
 *     the end when it is itself a symlink, as the container's own mask of it is (a mount
 *     follows it). Refusing more is safe; `writable` grants, so it never follows the last
 *     component: a symlink of the image cannot widen it.
 * An entry that does not resolve (missing, a loop) keeps its written form only. Symlinks the
 * container makes later change nothing here: the lists are fixed at start. */
#include "gofer/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct list_builder {
	char **items;
	size_t n, cap;
};

static int add(struct list_builder *b, const char *s)
{
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->items[i], s) == 0)
			return 0;
	if (b->n + 2 > b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 8;
		char **items = realloc(b->items, cap * sizeof(char *));
		if (!items)
			return -ENOMEM;
		b->items = items;
		b->cap = cap;
	}
	if (!(b->items[b->n] = strdup(s)))
		return -ENOMEM;
	b->items[++b->n] = NULL;
	return 0;
}

/* The canonical form of `entry`, the last component followed or not, added to `b`. */
static int add_located(struct gofer_server *s, struct list_builder *b, const char *entry,
		       bool follow)
{
	struct gofer_where w;
	gofer_where_init(&w);
	int r = gofer_locate(s, entry, follow, &w);
	if (r == 0)
		r = add(b, w.canon);
	gofer_where_done(&w);
	return r == -ENOMEM ? r : 0; /* does not resolve: the written form stands alone */
}

static int canon_list(struct gofer_server *s, char *const *in, bool refuses, char ***ret)
{
	struct list_builder b = {0};
	int r = 0;
	*ret = NULL;
	if (!in)
		return 0;
	for (; *in && r == 0; in++) {
		r = add(&b, *in);
		if (r == 0)
			r = add_located(s, &b, *in, false);
		if (r == 0 && refuses)
			r = add_located(s, &b, *in, true);
	}
	if (r == 0 && !b.items && !(b.items = calloc(1, sizeof(char *))))
		r = -ENOMEM; /* an empty list stays a list: an empty `writable` allows nothing */
	if (r < 0) {
		for (size_t i = 0; i < b.n; i++)
			free(b.items[i]);
		free(b.items);
		return r;
	}
	*ret = b.items;
	return 0;
}

int gofer_policy_canon(struct gofer_server *s, const struct gofer_files_policy *in,
		       struct gofer_files_policy *out)
{
	memset(out, 0, sizeof(*out));
	if (!in)
		return 0;
	int r = canon_list(s, in->writable, false, &out->writable);
	if (r == 0)
		r = canon_list(s, in->readonly, true, &out->readonly);
	if (r == 0)
		r = canon_list(s, in->hidden, true, &out->hidden);
	if (r == 0)
		r = canon_list(s, in->ro_volumes, true, &out->ro_volumes);
	if (r == 0)
		r = canon_list(s, in->private_mounts, true, &out->private_mounts);
	if (r < 0)
		gofer_policy_canon_free(out);
	return r;
}

static void free_list(char **l)
{
	for (size_t i = 0; l && l[i]; i++)
		free(l[i]);
	free(l);
}

void gofer_policy_canon_free(struct gofer_files_policy *p)
{
	free_list(p->writable);
	free_list(p->readonly);
	free_list(p->hidden);
	free_list(p->ro_volumes);
	free_list(p->private_mounts);
	memset(p, 0, sizeof(*p));
}
