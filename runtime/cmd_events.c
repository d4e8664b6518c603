/* sbx events [--stats] [--interval D] ID: the container's resource usage as JSON lines, as
 * runc prints them: {"type":"stats","id":ID,"data":{cpu,memory,pids,...}}. With --stats,
 * one line and exit; otherwise a line every interval (default 5s), an {"type":"oom"} line
 * when the kernel OOM-kills a process of the container, until the container stops. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/error.h"
#include "runtime/cgroup.h"
#include "runtime/cli.h"
#include "runtime/state.h"

#define EVENTS_POLL_MS 100

/* A Go-style duration ("5s", "250ms", "1.5m", "1h"): milliseconds, or -1. */
static long parse_duration_ms(const char *s)
{
	static const struct {
		const char *unit;
		double ms;
	} units[] = {{"ns", 1e-6}, {"us", 1e-3}, {"ms", 1}, {"s", 1e3}, {"m", 6e4}, {"h", 3.6e6}};
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || v <= 0)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].unit)) {
			double ms = v * units[i].ms;
			return ms >= 1 && ms < 1e9 ? (long)ms : -1;
		}
	return -1;
}

static int print_event(const char *type, const char *id, json_t *data)
{
	json_t *o = json_pack("{s:s, s:s}", "type", type, "id", id);
	if (o && data)
		json_object_set(o, "data", data);
	int r = o ? json_dumpf(o, stdout, JSON_COMPACT) : -1;
	json_decref(o);
	fputc('\n', stdout);
	fflush(stdout);
	return r < 0 ? -ENOMEM : 0;
}

static int print_stats(const char *id, const struct sbx_cgroup *cg)
{
	json_t *data = cgroup_stats(cg);
	int r = data ? print_event("stats", id, data) : -ENOMEM;
	json_decref(data);
	return r;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static bool gone(const struct container_state *st)
{
	return state_status(st) == STATUS_STOPPED;
}

/* Until the container stops: stats every interval, an oom line for each new OOM kill. */
static int stream(const struct container_state *st, const struct sbx_cgroup *cg, long interval)
{
	bool oom = cgroup_oom_killed(cg);
	for (long waited = interval; !gone(st); waited += EVENTS_POLL_MS) {
		if (waited >= interval) {
			if (print_stats(st->id, cg) < 0)
				return -ENOMEM;
			waited = 0;
		}
		if (!oom && (oom = cgroup_oom_killed(cg)))
			print_event("oom", st->id, NULL);
		sleep_ms(EVENTS_POLL_MS);
	}
	return 0;
}

int cmd_events(struct sbx_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"stats", no_argument, NULL, 's'}, {"interval", required_argument, NULL, 'i'}, {0}};
	const char *usage = "usage: sbx events [--stats] [--interval DURATION] ID";
	bool stats = false;
	long interval = 5000;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's')
			stats = true;
		else if (c == 'i' && (interval = parse_duration_ms(optarg)) < 0)
			return cli_failf(cli,
					 "events: --interval %s: expected a duration such as "
					 "5s or 500ms",
					 optarg);
		else if (c != 'i')
			return cli_failf(cli, "%s", usage);
	}
	if (optind + 1 != argc)
		return cli_failf(cli, "%s", usage);
	struct sbx_error err = {0};
	struct container_state st;
	struct sbx_cgroup *cg = NULL;
	if (state_load(cli->root, argv[optind], &st, &err) < 0)
		return cli_fail(cli, &err);
	int code = 0;
	if (gone(&st))
		code = cli_failf(cli, "container \"%s\" is stopped", st.id);
	else if (cgroup_open(st.cgroup, &cg, &err) < 0)
		code = cli_fail(cli, &err);
	else if ((stats ? print_stats(st.id, cg) : stream(&st, cg, interval)) < 0)
		code = cli_failf(cli, "events: out of memory");
	cgroup_free(cg);
	state_clear(&st);
	return code;
}
