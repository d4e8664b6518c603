/* sbx spec [--bundle DIR] [--rootless]: write a starting config.json, as `runc spec` does. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/util.h"
#include "runtime/cli.h"
#include "runtime/oci.h"

static void usage(FILE *f)
{
	fputs("Usage: sbx spec [--bundle DIR] [--rootless]\n"
	      "Write a default config.json into DIR (default: the current directory).\n"
	      "  -b, --bundle DIR   bundle directory\n"
	      "      --rootless     a spec for a container run by an unprivileged user\n",
	      f);
}

static int write_spec(const char *bundle, bool rootless)
{
	_cleanup_free_ char *text = oci_default_spec(rootless);
	if (!text) {
		fprintf(stderr, "sbx spec: out of memory\n");
		return 1;
	}
	_cleanup_close_ int dfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		fprintf(stderr, "sbx spec: %s: %s\n", bundle, strerror(errno));
		return 1;
	}
	_cleanup_close_ int fd =
	    openat(dfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0 && errno == EEXIST) {
		fprintf(stderr, "sbx spec: File config.json exists. Remove it first\n");
		return 1;
	}
	if (fd < 0) {
		fprintf(stderr, "sbx spec: %s/config.json: %s\n", bundle, strerror(errno));
		return 1;
	}
	int r = write_all(fd, text, strlen(text));
	if (r < 0) {
		fprintf(stderr, "sbx spec: %s/config.json: %s\n", bundle, strerror(-r));
		unlinkat(dfd, "config.json", 0);
		return 1;
	}
	return 0;
}

int cmd_spec(_unused_ struct sbx_cli *cli, int argc, char **argv)
{
	enum { OPT_ROOTLESS = 256 };
	static const struct option opts[] = {
	    {"bundle", required_argument, NULL, 'b'},
	    {"rootless", no_argument, NULL, OPT_ROOTLESS},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *bundle = ".";
	bool rootless = false;
	int o;

	optind = 0;
	while ((o = getopt_long(argc, argv, "+b:h", opts, NULL)) != -1) {
		switch (o) {
		case 'b':
			bundle = optarg;
			break;
		case OPT_ROOTLESS:
			rootless = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sbx spec: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 1;
	}
	return write_spec(bundle, rootless);
}
