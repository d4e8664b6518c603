/* libbpf's messages go to lib/log.h at debug level. */
#include "loader/loader.h"
#include "lib/cleanup.h"
#include "loader/internal.h"

#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"

/* The last program libbpf could not load (its message "prog 'NAME': failed to load: ..."). */
static char failed_prog[64];

static void note_failure(const char *fmt, va_list ap)
{
	char buf[256], name[64];
	const char *p;
	va_list copy;

	if (!strstr(fmt, "prog '%s': failed to load"))
		return;
	va_copy(copy, ap);
	vsnprintf(buf, sizeof(buf), fmt, copy);
	va_end(copy);
	if ((p = strstr(buf, "prog '")) && sscanf(p, "prog '%63[^']'", name) == 1)
		snprintf(failed_prog, sizeof(failed_prog), "%s", name);
}

static int libbpf_print(_unused_ enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[1024];
	size_t n;

	note_failure(fmt, ap);
	if (!sbx_log_debug_enabled())
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	log_debug("%s", buf);
	return 0;
}

void sbx_libbpf_log_setup(void)
{
	libbpf_set_print(libbpf_print);
}

void sbx_libbpf_failed_prog(char *buf, size_t len)
{
	snprintf(buf, len, "%s", failed_prog);
	failed_prog[0] = '\0';
}
