/* sbxd's log: one JSON object per line on stderr, {"time","level","msg","fields"}. */
#include <stdio.h>
#include <stdlib.h>

#include "lib/util.h"
#include "tools/sbxd.h"

void sbxd_log(const char *level, const char *msg, json_t *fields)
{
	char ts[64];
	time_rfc3339(ts, sizeof(ts));
	json_t *o = json_pack("{s:s, s:s, s:s}", "time", ts, "level", level, "msg", msg);
	if (!o) {
		json_decref(fields);
		return;
	}
	json_object_set_new(o, "fields", fields ? fields : json_object());
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s) {
		fprintf(stderr, "%s\n", s);
		fflush(stderr);
	}
	free(s);
}
