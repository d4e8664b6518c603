/* Cgroup layout: v1, v2 or hybrid, where the v2 hierarchy is and which controllers sit where. */
#include "loader/internal.h"
#include "loader/loader.h"

#include <errno.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>

#include "lib/cleanup.h"
#include "lib/util.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

static bool is_fs(const char *path, long magic)
{
	struct statfs s;

	return statfs(path, &s) == 0 && s.f_type == magic;
}

static void append_word(char *buf, size_t len, const char *word)
{
	size_t n = strlen(buf);

	snprintf(buf + n, len - n, "%s%s", n ? " " : "", word);
}

/* /proc/cgroups: "name hierarchy num_cgroups enabled"; hierarchy 0 means v2 or unused. */
static void read_v1_controllers(struct sbx_cgroup_info *c)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/cgroups", "re");
	char line[256], name[64];
	unsigned hier, num, enabled;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %u %u %u", name, &hier, &num, &enabled) != 4)
			continue; /* the header line */
		if (hier != 0 && enabled)
			append_word(c->v1_controllers, sizeof(c->v1_controllers), name);
	}
}

static void read_v2_controllers(struct sbx_cgroup_info *c)
{
	_cleanup_free_ char *buf = NULL;
	char path[sizeof(c->v2_mount) + 32];

	snprintf(path, sizeof(path), "%s/cgroup.controllers", c->v2_mount);
	if (read_file(path, 4096, &buf, NULL) < 0)
		return;
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(c->v2_controllers, sizeof(c->v2_controllers), "%s", buf);
}

void sbx_probe_cgroup(struct sbx_cgroup_info *c)
{
	memset(c, 0, sizeof(*c));
	if (is_fs(CGROUP_ROOT, CGROUP2_SUPER_MAGIC)) {
		c->layout = SBX_CGROUP_V2;
		snprintf(c->v2_mount, sizeof(c->v2_mount), "%s", CGROUP_ROOT);
	} else if (is_fs(CGROUP_ROOT "/unified", CGROUP2_SUPER_MAGIC)) {
		c->layout = SBX_CGROUP_HYBRID;
		snprintf(c->v2_mount, sizeof(c->v2_mount), "%s", CGROUP_ROOT "/unified");
	} else if (is_fs(CGROUP_ROOT, TMPFS_MAGIC)) {
		c->layout = SBX_CGROUP_V1;
	}

	read_v1_controllers(c);
	if (c->v2_mount[0]) {
		read_v2_controllers(c);
		feature_ok(&c->v2);
	} else if (c->layout == SBX_CGROUP_V1) {
		feature_fail(&c->v2, ENOENT, "no cgroup2 mount at %s or %s/unified", CGROUP_ROOT,
			     CGROUP_ROOT);
	} else {
		feature_fail(&c->v2, ENOENT, "%s is neither cgroup2 nor a tmpfs of v1 hierarchies",
			     CGROUP_ROOT);
	}
}

const char *sbx_cgroup_layout_name(enum sbx_cgroup_layout layout)
{
	switch (layout) {
	case SBX_CGROUP_V1:
		return "v1";
	case SBX_CGROUP_V2:
		return "v2";
	case SBX_CGROUP_HYBRID:
		return "hybrid";
	default:
		return "unknown";
	}
}
