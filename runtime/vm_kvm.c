/* Does KVM work on this host? /dev/kvm may exist on hosts where a stock guest never reaches
 * userspace, so the verdict comes from a real boot (vm_monitor.c) and is kept in
 * <state root>/kvm-verdict until the next reboot clears the state root (or someone deletes
 * it). */
#include "runtime/vm_monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/util.h"

static void verdict_path(const char *root, char *buf, size_t len)
{
	if (path_join(buf, len, root, "kvm-verdict") < 0)
		*buf = 0;
}

bool vm_kvm_usable(const char *root, char *why, size_t len)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "open /dev/kvm: %s", strerror(errno));
		return false;
	}
	close(fd);
	char path[PATH_MAX];
	_cleanup_free_ char *v = NULL;
	verdict_path(root, path, sizeof(path));
	if (*path && read_file(path, 4096, &v, NULL) == 0 && str_has_prefix(v, "tcg")) {
		v[strcspn(v, "\n")] = 0;
		snprintf(why, len, "%s", v + (v[3] == ':' ? 5 : 3));
		return false;
	}
	snprintf(why, len, "KVM");
	return true;
}

void vm_kvm_record(const char *root, const char *verdict)
{
	char path[PATH_MAX];
	verdict_path(root, path, sizeof(path));
	if (*path)
		write_file_atomic(path, verdict, strlen(verdict), 0644);
}
