/* The convenience form of `sbx run`: a config.json built from command-line options. */
#ifndef SBX_RUNTIME_QUICKSPEC_H
#define SBX_RUNTIME_QUICKSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sbx_error;

struct quick_opts {
	const char *rootfs; /* NULL: the embedded default rootfs */
	const char *policy;
	const char *name;
	const char *volumes[32]; /* HOST:CTR[:ro] */
	int n_volumes;
	const char *caps[41];  /* --cap-add */
	int preserve_fds;      /* --preserve-fds */
	bool no_gofer;	       /* --no-gofer: a read-only root, volumes written directly */
	bool persist;	       /* --persist: the gofer writes through to the rootfs itself */
	const char *isolation; /* --isolation vm|container, or NULL */
	const char *kernel;    /* --kernel: the microVM's guest kernel */
	const char *initramfs; /* --initramfs: its initramfs (with sbx-agent as /init) */
	int n_caps;
	uint64_t memory, pids;
	double cpus;
	bool host_network;
	bool tty;
	bool stats;
	char **args; /* NULL-terminated */
};

/* The default rootfs: $SBX_ROOTFS, <exe>/../share/sbx/rootfs, or <exe dir>/rootfs. */
int default_rootfs(char *buf, size_t len);

/* Returns a malloc'd config.json text. */
int quickspec_build(const struct quick_opts *o, const char *id, char **ret_text,
		    struct sbx_error *err);

#endif
