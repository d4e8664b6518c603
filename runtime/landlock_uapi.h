/* What <linux/landlock.h> of older uapi headers (Debian 12: Linux 6.1, ABI 2) lacks, with
 * the values of the kernel's own header. Private to runtime/landlock*.c. */
#ifndef SBX_RUNTIME_LANDLOCK_UAPI_H
#define SBX_RUNTIME_LANDLOCK_UAPI_H

#include <linux/landlock.h>
#include <linux/types.h>

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13) /* ABI 2 */
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14) /* ABI 3 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0) /* ABI 4 */
#endif
#ifndef LANDLOCK_ACCESS_NET_CONNECT_TCP
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1) /* ABI 4 */
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0) /* ABI 6 */
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1) /* ABI 6 */
#endif

/* enum landlock_rule_type's LANDLOCK_RULE_NET_PORT (ABI 4): an enum, so it cannot be tested
 * with #ifndef; named apart instead. */
#define SBX_LANDLOCK_RULE_NET_PORT 2

/* struct landlock_ruleset_attr as of ABI 6. Older kernels take it whole as long as the fields
 * they do not know are zero. */
struct sbx_landlock_ruleset_attr {
	__u64 handled_access_fs;
	__u64 handled_access_net; /* ABI 4 */
	__u64 scoped;		  /* ABI 6 */
};

/* struct landlock_net_port_attr (ABI 4). */
struct sbx_landlock_net_port_attr {
	__u64 allowed_access;
	__u64 port; /* host order */
};

#endif
