/* sbx list [--format table|json] [-q] */
#include <dirent.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "runtime/cli.h"
#include "runtime/state.h"

int cmd_list(struct sbx_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'}, {"quiet", no_argument, NULL, 'q'}, {0}};
	bool json = false, quiet = false;
	int c;
	while ((c = getopt_long(argc, argv, "f:q", opts, NULL)) != -1) {
		if (c == 'f' && (!strcmp(optarg, "json") || !strcmp(optarg, "table")))
			json = !strcmp(optarg, "json");
		else if (c == 'q')
			quiet = true;
		else
			return cli_failf(cli, "usage: sbx list [--format table|json] [-q]");
	}
	json_t *arr = json_array();
	_cleanup_closedir_ DIR *d = opendir(cli->root);
	if (!json && !quiet)
		printf("%-24s %-8s %-8s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
	struct dirent *de;
	while (d && (de = readdir(d))) {
		struct container_state st;
		if (de->d_name[0] == '.' || state_load(cli->root, de->d_name, &st, NULL) < 0)
			continue;
		json_t *o = state_to_oci_json(&st);
		const char *status = json_string_value(json_object_get(o, "status"));
		if (quiet)
			printf("%s\n", st.id);
		else if (!json)
			printf("%-24s %-8lld %-8s %-30s %s\n", st.id,
			       json_integer_value(json_object_get(o, "pid")), status, st.bundle,
			       st.created);
		json_array_append_new(arr, o);
		state_clear(&st);
	}
	if (json) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	}
	json_decref(arr);
	return 0;
}
