/* The op tests again, against a gofer in an empty root (no /proc): canonical paths come from
 * walking ".." instead of /proc/self/fd, as in sbx-gofer. */
#define GOFER_OPS_SUITE	  gofer_noproc
#define GOFER_OPS_NO_PROC true
#include "tests/unit/gofer_ops.c"
