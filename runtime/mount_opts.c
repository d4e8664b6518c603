/* OCI mount options ("ro", "nosuid", "rbind", "mode=755", ...) to mount(2) flags and data. */
#include "runtime/mounts.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>

struct opt {
	const char *name;
	bool clear;
	unsigned long flag;
};

static const struct opt flag_opts[] = {
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},
    {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},
    {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},
    {"nomand", true, MS_MANDLOCK},
    {"atime", true, MS_NOATIME},
    {"noatime", false, MS_NOATIME},
    {"diratime", true, MS_NODIRATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"bind", false, MS_BIND},
    {"rbind", false, MS_BIND | MS_REC},
};

static const struct opt prop_opts[] = {
    {"private", false, MS_PRIVATE},	  {"rprivate", false, MS_PRIVATE | MS_REC},
    {"shared", false, MS_SHARED},	  {"rshared", false, MS_SHARED | MS_REC},
    {"slave", false, MS_SLAVE},		  {"rslave", false, MS_SLAVE | MS_REC},
    {"unbindable", false, MS_UNBINDABLE}, {"runbindable", false, MS_UNBINDABLE | MS_REC},
};

static bool find_opt(const struct opt *tab, size_t n, const char *name, const struct opt **ret)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(tab[i].name, name)) {
			*ret = &tab[i];
			return true;
		}
	return false;
}

int mount_opts_parse(char *const *options, struct mount_opts *ret)
{
	memset(ret, 0, sizeof(*ret));
	size_t dlen = 0;
	for (size_t i = 0; options && options[i]; i++) {
		const char *o = options[i];
		const struct opt *f;
		if (find_opt(flag_opts, sizeof(flag_opts) / sizeof(flag_opts[0]), o, &f)) {
			if (f->clear)
				ret->flags &= ~f->flag;
			else
				ret->flags |= f->flag;
		} else if (find_opt(prop_opts, sizeof(prop_opts) / sizeof(prop_opts[0]), o, &f)) {
			ret->propagation |= f->flag;
		} else if (!strcmp(o, "tmpcopyup") || !strncmp(o, "idmap", 5) ||
			   !strncmp(o, "ridmap", 6)) {
			continue; /* not supported: ignored, as crun does for unknown extensions */
		} else {
			size_t n = strlen(o);
			if (dlen + n + 2 > sizeof(ret->data))
				return -E2BIG;
			if (dlen)
				ret->data[dlen++] = ',';
			memcpy(ret->data + dlen, o, n + 1);
			dlen += n;
		}
	}
	return 0;
}
