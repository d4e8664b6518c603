#include "runtime/helpers.h"

#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/util.h"

const char *helper_file(const char *name, int mode, char *buf, size_t len)
{
	char exe[PATH_MAX], rel[128];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	const char *const where[] = {"", "../libexec/sbx/"};
	for (size_t i = 0; i < ARRAY_SIZE(where); i++) {
		if (strlen(where[i]) + strlen(name) >= sizeof(rel))
			return NULL;
		strcpy(rel, where[i]);
		strcat(rel, name);
		if (path_join(buf, len, exe, rel) == 0 && access(buf, mode) == 0)
			return buf;
	}
	return NULL;
}

const char *helper_program(const char *name, char *buf, size_t len)
{
	return helper_file(name, X_OK, buf, len);
}
