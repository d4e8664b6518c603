/* Metrics in the Prometheus text format (0.0.4), served to an HTTP/1.0 GET /metrics on the
 * metrics socket (unix, and optionally TCP on 127.0.0.1). Every number comes from the sentries'
 * own statistics files (sentry-stats.json in each sandbox's state dir, rewritten at most once a
 * second while it runs) or from the registry; nothing is estimated. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/event_names.h"
#include "lib/util.h"
#include "tools/sbxd.h"
#include "tools/sbxd_conn.h"

static uint64_t u64_of(json_t *v)
{
	json_int_t i = json_integer_value(v);
	return i > 0 ? (uint64_t)i : 0;
}

static int action_index(const char *name)
{
	for (int a = 0; a < SBXD_ACTIONS; a++) {
		const char *n = sbx_action_name(a);
		if (n && !strcmp(n, name))
			return a;
	}
	return -1;
}

static uint64_t sum_object(json_t *o)
{
	const char *k;
	json_t *v;
	uint64_t n = 0;
	json_object_foreach (o, k, v)
		n += u64_of(v);
	return n;
}

static void add_latency(struct sbxd_totals *t, json_t *lat)
{
	json_t *le = json_object_get(lat, "le_ns"), *b = json_object_get(lat, "buckets");
	size_t n = json_array_size(le);
	if (n == 0 || n > SBXD_LAT_BOUNDS || json_array_size(b) != n + 1)
		return;
	if (t->nle == 0) {
		for (size_t i = 0; i < n; i++)
			t->lat_le_ns[i] = u64_of(json_array_get(le, i));
		t->nle = n;
	}
	if (t->nle != n)
		return; /* another layout: not summed with these */
	for (size_t i = 0; i <= n; i++)
		t->lat[i] += u64_of(json_array_get(b, i));
	t->lat_sum_ns += u64_of(json_object_get(lat, "sum_ns"));
}

static void add_doc(struct sbxd_totals *t, json_t *doc)
{
	size_t i;
	json_t *row;
	json_array_foreach (json_object_get(doc, "counts"), i, row) {
		const char *act = json_string_value(json_object_get(row, "action"));
		int a = act ? action_index(act) : -1;
		uint64_t c = u64_of(json_object_get(row, "count"));
		if (a < 0)
			continue;
		t->by_action[a] += c;
		if (!strcmp(act, "deny") || !strcmp(act, "kill"))
			t->denied_sentry += c;
	}
	t->denied_cgroup_bpf += sum_object(json_object_get(doc, "cgroup_bpf_denied"));
	t->denied_lsm += sum_object(json_object_get(doc, "lsm_denied"));
	t->lost += u64_of(json_object_get(doc, "lost_events"));
	add_latency(t, json_object_get(doc, "latency"));
}

static void add_sandbox(struct sbxd_totals *t, const struct sbxd_sandbox *sb)
{
	char path[4200];
	_cleanup_free_ char *buf = NULL;
	if (!sb->stats_dir ||
	    snprintf(path, sizeof(path), "%s/sentry-stats.json", sb->stats_dir) >=
		(int)sizeof(path) ||
	    read_file(path, 4 << 20, &buf, NULL) < 0)
		return;
	json_t *doc = json_loads(buf, 0, NULL);
	if (doc)
		add_doc(t, doc);
	json_decref(doc);
}

static json_t *totals_json(const struct sbxd_totals *t)
{
	json_t *acts = json_array(), *le = json_array(), *lat = json_array();
	for (int a = 0; a < SBXD_ACTIONS; a++)
		json_array_append_new(acts, json_integer((json_int_t)t->by_action[a]));
	for (size_t i = 0; i < t->nle; i++)
		json_array_append_new(le, json_integer((json_int_t)t->lat_le_ns[i]));
	for (size_t i = 0; i <= t->nle; i++)
		json_array_append_new(lat, json_integer((json_int_t)t->lat[i]));
	return json_pack("{s:o, s:I, s:I, s:I, s:I, s:o, s:o, s:I, s:I}", "by_action", acts,
			 "denied_sentry", (json_int_t)t->denied_sentry, "denied_cgroup_bpf",
			 (json_int_t)t->denied_cgroup_bpf, "denied_lsm", (json_int_t)t->denied_lsm,
			 "lost", (json_int_t)t->lost, "le_ns", le, "latency", lat, "latency_sum_ns",
			 (json_int_t)t->lat_sum_ns, "killed_sentry_dead",
			 (json_int_t)t->killed_sentry_dead);
}

void sbxd_retired_load(struct sbxd *d)
{
	char path[4200];
	_cleanup_free_ char *buf = NULL;
	snprintf(path, sizeof(path), "%s/retired.json", d->o.state);
	if (read_file(path, 1 << 20, &buf, NULL) < 0)
		return;
	json_t *o = json_loads(buf, 0, NULL);
	struct sbxd_totals *t = &d->retired;
	json_t *le = json_object_get(o, "le_ns"), *lat = json_object_get(o, "latency");
	for (int a = 0; a < SBXD_ACTIONS; a++)
		t->by_action[a] = u64_of(json_array_get(json_object_get(o, "by_action"), a));
	t->denied_sentry = u64_of(json_object_get(o, "denied_sentry"));
	t->denied_cgroup_bpf = u64_of(json_object_get(o, "denied_cgroup_bpf"));
	t->denied_lsm = u64_of(json_object_get(o, "denied_lsm"));
	t->lost = u64_of(json_object_get(o, "lost"));
	t->killed_sentry_dead = u64_of(json_object_get(o, "killed_sentry_dead"));
	if (json_array_size(le) <= SBXD_LAT_BOUNDS &&
	    json_array_size(lat) == json_array_size(le) + 1) {
		t->nle = json_array_size(le);
		for (size_t i = 0; i < t->nle; i++)
			t->lat_le_ns[i] = u64_of(json_array_get(le, i));
		for (size_t i = 0; i <= t->nle; i++)
			t->lat[i] = u64_of(json_array_get(lat, i));
		t->lat_sum_ns = u64_of(json_object_get(o, "latency_sum_ns"));
	}
	json_decref(o);
}

static void retired_save(struct sbxd *d)
{
	char path[4200];
	json_t *o = totals_json(&d->retired);
	_cleanup_free_ char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	snprintf(path, sizeof(path), "%s/retired.json", d->o.state);
	if (s)
		write_file_atomic(path, s, strlen(s), 0600);
}

void sbxd_retire_stats(struct sbxd *d, const struct sbxd_sandbox *sb)
{
	add_sandbox(&d->retired, sb);
	retired_save(d);
}

void sbxd_count_sentry_kill(struct sbxd *d)
{
	d->retired.killed_sentry_dead++;
	retired_save(d);
}

static void running_gauge(struct sbxd *d, FILE *f)
{
	static const char *const sources[] = {"sbx", "hook", "agent"};
	fprintf(f, "# HELP sbx_sandboxes_running Sandboxes whose init is alive, by who registered "
		   "them (agent: runc/crun containers served through listenerPath).\n"
		   "# TYPE sbx_sandboxes_running gauge\n");
	for (size_t s = 0; s < ARRAY_SIZE(sources); s++) {
		int n = 0;
		for (size_t i = 0; i < d->n; i++)
			n += !strcmp(d->sb[i]->source, sources[s]) &&
			     sbxd_alive(d->sb[i]->pid, d->sb[i]->pid_start);
		fprintf(f, "sbx_sandboxes_running{source=\"%s\"} %d\n", sources[s], n);
	}
}

static void counters(const struct sbxd_totals *t, FILE *f)
{
	fprintf(f, "# HELP sbx_notifications_total Seccomp notifications answered by the "
		   "sentries, by action (rate() gives notifications per second).\n"
		   "# TYPE sbx_notifications_total counter\n");
	for (int a = 0; a < SBXD_ACTIONS; a++)
		if (sbx_action_name(a))
			fprintf(f, "sbx_notifications_total{action=\"%s\"} %llu\n",
				sbx_action_name(a), (unsigned long long)t->by_action[a]);
	fprintf(f,
		"# HELP sbx_denials_total Denials by layer: the sentry (deny, kill), the "
		"cgroup-BPF and BPF-LSM programs.\n# TYPE sbx_denials_total counter\n"
		"sbx_denials_total{layer=\"sentry\"} %llu\n"
		"sbx_denials_total{layer=\"cgroup-bpf\"} %llu\n"
		"sbx_denials_total{layer=\"lsm\"} %llu\n",
		(unsigned long long)t->denied_sentry, (unsigned long long)t->denied_cgroup_bpf,
		(unsigned long long)t->denied_lsm);
	fprintf(f,
		"# HELP sbx_events_lost_total Decision events the sentries had no room for in "
		"a subscriber's buffer.\n# TYPE sbx_events_lost_total counter\n"
		"sbx_events_lost_total %llu\n",
		(unsigned long long)t->lost);
	fprintf(f,
		"# HELP sbx_sandboxes_killed_total Containers sbxd killed because the sentry "
		"serving their notify fd died (fail closed).\n"
		"# TYPE sbx_sandboxes_killed_total counter\n"
		"sbx_sandboxes_killed_total{reason=\"sentry_dead\"} %llu\n",
		(unsigned long long)t->killed_sentry_dead);
}

static void histogram(const struct sbxd_totals *t, FILE *f)
{
	uint64_t cum = 0;
	fprintf(f, "# HELP sbx_sentry_roundtrip_seconds Time from receiving a notification to "
		   "answering it, in the sentry.\n# TYPE sbx_sentry_roundtrip_seconds histogram\n");
	for (size_t i = 0; i < t->nle; i++) {
		cum += t->lat[i];
		fprintf(f, "sbx_sentry_roundtrip_seconds_bucket{le=\"%g\"} %llu\n",
			(double)t->lat_le_ns[i] / 1e9, (unsigned long long)cum);
	}
	cum += t->lat[t->nle];
	fprintf(f,
		"sbx_sentry_roundtrip_seconds_bucket{le=\"+Inf\"} %llu\n"
		"sbx_sentry_roundtrip_seconds_sum %.9f\n"
		"sbx_sentry_roundtrip_seconds_count %llu\n",
		(unsigned long long)cum, (double)t->lat_sum_ns / 1e9, (unsigned long long)cum);
}

char *sbxd_metrics_text(struct sbxd *d)
{
	struct sbxd_totals t = d->retired;
	for (size_t i = 0; i < d->n; i++)
		add_sandbox(&t, d->sb[i]);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	running_gauge(d, f);
	counters(&t, f);
	histogram(&t, f);
	fclose(f);
	return buf;
}

void sbxd_metrics_serve(struct sbxd *d, int conn)
{
	_cleanup_free_ char *line = NULL, *body = NULL, *head = NULL;
	sbxd_conn_timeouts(conn);
	if (sbxd_conn_read_line(conn, &line) < 0)
		return;
	bool get = str_has_prefix(line, "GET /metrics ") || !strcmp(line, "GET /metrics") ||
		   str_has_prefix(line, "GET /metrics\r");
	if (get)
		body = sbxd_metrics_text(d);
	const char *status =
	    get ? (body ? "200 OK" : "500 Internal Server Error") : "404 Not Found";
	const char *text = body ? body : get ? "out of memory\n" : "try GET /metrics\n";
	if (asprintf(&head,
		     "HTTP/1.0 %s\r\nContent-Type: text/plain; version=0.0.4\r\n"
		     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		     status, strlen(text)) < 0)
		return;
	if (write_all(conn, head, strlen(head)) == 0)
		write_all(conn, text, strlen(text));
}
