#include "lib/caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

uint64_t caps_mask(const int *caps, size_t n)
{
	uint64_t m = 0;
	for (size_t i = 0; i < n; i++)
		m |= 1ULL << caps[i];
	return m;
}

static int drop_bounding(uint64_t keep)
{
	for (int cap = 0; cap < 64; cap++) {
		if (keep & (1ULL << cap))
			continue;
		int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (r < 0)
			break; /* past the last capability this kernel knows */
		if (r == 1 && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return -errno;
	}
	return 0;
}

int caps_keep_only(uint64_t keep, const char **what)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];
	*what = "capget";
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	uint64_t permitted = ((uint64_t)data[1].permitted << 32 | data[0].permitted) & keep;
	*what = "bounding set";
	if ((data[0].effective & (1U << CAP_SETPCAP))) {
		int r = drop_bounding(keep);
		if (r < 0)
			return r;
	}
	*what = "ambient capabilities";
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	for (int i = 0; i < 2; i++) {
		data[i].permitted = data[i].effective = (uint32_t)(permitted >> (32 * i));
		data[i].inheritable = 0;
	}
	*what = "capset";
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}
