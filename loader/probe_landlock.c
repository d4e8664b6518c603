/* Landlock: the highest ABI version the kernel supports. */
#include "loader/internal.h"
#include "loader/loader.h"

#include <errno.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

void sbx_probe_landlock(struct sbx_features *f)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	if (abi < 0) {
		int err = errno;
		f->landlock_abi = 0;
		feature_fail(&f->landlock, err, "landlock_create_ruleset: %s%s", errno_name(err),
			     err == EOPNOTSUPP ? " (built in but not enabled: add landlock to lsm=)"
			     : err == ENOSYS   ? " (kernel built without Landlock)"
					       : "");
		return;
	}
	f->landlock_abi = (int)abi;
	feature_ok(&f->landlock);
	if (abi < 4)
		snprintf(f->landlock.reason, sizeof(f->landlock.reason),
			 "ABI %ld: no network rules (ABI 4)", abi);
}
