#ifndef SBX_RUNTIME_MEMINFO_H
#define SBX_RUNTIME_MEMINFO_H

#include <stdint.h>

/* Write a /proc/meminfo that describes a machine with `limit` bytes of memory. */
int meminfo_write(const char *path, uint64_t limit);

#endif
