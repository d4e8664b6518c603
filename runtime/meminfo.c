/* The sandbox's /proc/meminfo: the memory limit instead of the host's figures, so programs
 * that read the file (procps free, top, the JVM) see the same machine the emulated sysinfo
 * describes. A snapshot written at create; it is bind-mounted read-only over the procfs file. */
#include "runtime/meminfo.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/util.h"

int meminfo_write(const char *path, uint64_t limit)
{
	unsigned long long kb = limit / 1024;
	char buf[1024];
	int n = snprintf(buf, sizeof(buf),
			 "MemTotal:       %8llu kB\n"
			 "MemFree:        %8llu kB\n"
			 "MemAvailable:   %8llu kB\n"
			 "Buffers:               0 kB\n"
			 "Cached:                0 kB\n"
			 "SwapCached:            0 kB\n"
			 "Active:                0 kB\n"
			 "Inactive:              0 kB\n"
			 "SwapTotal:             0 kB\n"
			 "SwapFree:              0 kB\n"
			 "Dirty:                 0 kB\n"
			 "Shmem:                 0 kB\n",
			 kb, kb, kb);
	if (n < 0 || n >= (int)sizeof(buf))
		return -EOVERFLOW;
	return write_file_atomic(path, buf, (size_t)n, 0444);
}
