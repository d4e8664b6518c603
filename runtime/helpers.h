/* The small static programs that run beside sbx: sbx-sentry, sbx-gofer. */
#ifndef SBX_RUNTIME_HELPERS_H
#define SBX_RUNTIME_HELPERS_H

#include <stddef.h>

/* <dir of sbx>/NAME (build tree) or <dir of sbx>/../libexec/sbx/NAME (installed); NULL if
 * neither is there. */
const char *helper_program(const char *name, char *buf, size_t len);
/* The same search for any file sbx ships (`mode` as for access(2)). */
const char *helper_file(const char *name, int mode, char *buf, size_t len);

#endif
