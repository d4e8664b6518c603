/* libbpf's messages go to lib/log.h at debug level. */
#include "loader/loader.h"
#include "lib/cleanup.h"

#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"

static int libbpf_print(_unused_ enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[1024];
	size_t n;

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
