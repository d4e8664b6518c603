/* The agent's parameters on the kernel command line. */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "microvm/agent/agent.h"

const char *agent_cmdline(const char *key)
{
	static char buf[4096];
	static bool loaded;
	if (!loaded) {
		char *s = NULL;
		size_t len = 0;
		if (read_file("/proc/cmdline", sizeof(buf) - 1, &s, &len) == 0) {
			memcpy(buf, s, len);
			buf[len] = 0;
			free(s);
		}
		loaded = true;
	}
	size_t klen = strlen(key);
	for (char *p = buf; p && *p;) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			static char val[1024];
			size_t n = strcspn(p + klen + 1, " \n");
			if (n >= sizeof(val))
				return NULL;
			memcpy(val, p + klen + 1, n);
			val[n] = 0;
			return val;
		}
		p = strchr(p, ' ');
	}
	return NULL;
}
