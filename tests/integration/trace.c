/* sbx-trace on this kernel: exact counts in the summary, every documented JSON field in the
 * stream, --denied showing each refusal with its layer, ring-buffer losses counted when the
 * reader stalls, the --profile round trip, attaching to a running sandbox, and nothing of the
 * tracer left once it exits. */
#include "harness.h"

#include <bpf/bpf.h>
#include <jansson.h>
#include <signal.h>

#define TRACE "build/sbx-trace"

TestSuite(trace, .init = h_setup, .fini = h_teardown);

/* sbx-trace --output <root>/NAME OPTS... -- sbx --root <root> run -v PROBES RUN... The two
 * lists are NULL-terminated. Returns the run; the trace output is in h_root/NAME. */
static struct run *trace_run(const char *name, const char *const *opts, const char *const *run)
{
	static char out[300];
	char *argv[96];
	int n = 0;
	snprintf(out, sizeof(out), "%s/%s", h_root, name);
	argv[n++] = TRACE;
	argv[n++] = "--output";
	argv[n++] = out;
	for (; opts && *opts; opts++)
		argv[n++] = (char *)*opts;
	argv[n++] = "--";
	argv[n++] = SBX;
	argv[n++] = "--root";
	argv[n++] = h_root;
	argv[n++] = "run";
	argv[n++] = "-v";
	argv[n++] = (char *)h_probe_volume();
	for (; *run && n < 94; run++)
		argv[n++] = (char *)*run;
	argv[n] = NULL;
	return h_runv(argv);
}

/* The JSON lines of h_root/NAME; every line must parse. */
static json_t *read_lines(const char *name)
{
	char path[300], line[65536];
	snprintf(path, sizeof(path), "%s/%s", h_root, name);
	FILE *f = fopen(path, "r");
	cr_assert(f, "no trace output %s", path);
	json_t *all = json_array();
	while (fgets(line, sizeof(line), f)) {
		json_error_t e;
		json_t *j = json_loads(line, 0, &e);
		cr_assert(j, "not JSON: %s (%s)", line, e.text);
		json_array_append_new(all, j);
	}
	fclose(f);
	return all;
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static bool is(json_t *o, const char *k, const char *v)
{
	return str(o, k) && !strcmp(str(o, k), v);
}

static size_t count_syscall(json_t *lines, const char *syscall)
{
	size_t i, n = 0;
	json_t *l;
	json_array_foreach (lines, i, l)
		n += is(l, "event", "syscall") && is(l, "syscall", syscall);
	return n;
}

static void summary_counts(bool raw)
{
	const char *opts[] = {"-c", "-o", "json", raw ? "--raw-tp" : NULL, NULL};
	const char *run[] = {"--", "/opt/sbx/trace-probe", "getppid", "1234", NULL};
	struct run *r = trace_run("summary.json", opts, run);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, "getppid 1234: ok"), "%s", r->out);
	json_t *lines = read_lines("summary.json"), *l, *row = NULL;
	size_t i;
	json_array_foreach (lines, i, l)
		if (is(l, "summary", "syscall") && is(l, "syscall", "getppid"))
			row = l;
	cr_assert(row, "no getppid row in the summary");
	cr_assert_eq(json_integer_value(json_object_get(row, "calls")), 1234);
	cr_assert_eq(json_integer_value(json_object_get(row, "errors")), 0);
	char pid[16];
	snprintf(pid, sizeof(pid), "%lld", json_integer_value(json_object_get(row, "init_pid")));
	json_t *pids = json_object_get(row, "pids");
	cr_assert_eq(json_object_size(pids), 1, "only the probe called getppid");
	cr_assert_eq(json_integer_value(json_object_get(pids, pid)), 1234, "the calls of pid %s",
		     pid);
	cr_assert_eq(
	    json_integer_value(json_object_get(json_object_get(row, "decisions"), "seccomp allow")),
	    1234);
	json_t *total = json_array_get(lines, json_array_size(lines) - 1);
	cr_assert(is(total, "summary", "total"));
	cr_assert_eq(json_integer_value(json_object_get(total, "lost")), 0);
	json_decref(lines);
}

Test(trace, summary_counts_exactly_n_getppid_for_that_pid)
{
	summary_counts(false);
}

Test(trace, raw_tp_programs_count_the_same)
{
	summary_counts(true);
}

Test(trace, json_stream_carries_every_documented_field)
{
	const char *opts[] = {"-o", "json", NULL};
	const char *run[] = {"--",   "/opt/sbx/trace-probe", "getppid", "7",
			     "open", "/etc/passwd",	     NULL};
	struct run *r = trace_run("stream.json", opts, run);
	cr_assert_eq(r->status, 0, "%s", r->err);
	json_t *lines = read_lines("stream.json"), *l;
	static const char *const fields[] = {"time", "event",  "source",     "sandbox", "pid",
					     "tid",  "comm",   "syscall",    "nr",	"args",
					     "call", "result", "latency_ns", "layer",	"action"};
	size_t i;
	bool open_seen = false, exec_seen = false, exit_seen = false;
	json_array_foreach (lines, i, l) {
		if (is(l, "event", "syscall") && is(l, "source", "kernel")) {
			for (size_t f = 0; f < ARRAY_SIZE(fields); f++)
				cr_assert(json_object_get(l, fields[f]), "no %s in %s", fields[f],
					  json_dumps(l, 0));
			cr_assert_eq(json_array_size(json_object_get(l, "args")), 6);
		}
		if (is(l, "syscall", "openat") && is(l, "path", "/etc/passwd")) {
			open_seen = true;
			cr_assert_geq(json_integer_value(json_object_get(l, "result")), 0);
			cr_assert(is(l, "layer", "seccomp") && is(l, "action", "allow"));
			cr_assert(strstr(str(l, "call"), "\"/etc/passwd\", O_RDONLY|O_CLOEXEC"),
				  "%s", str(l, "call"));
		}
		exec_seen |= is(l, "event", "exec") && strstr(str(l, "detail"), "trace-probe");
		if (is(l, "event", "exit")) {
			exit_seen = true;
			cr_assert_eq(json_integer_value(json_object_get(l, "status")), 0);
		}
	}
	cr_assert(open_seen && exec_seen && exit_seen, "open %d exec %d exit %d", open_seen,
		  exec_seen, exit_seen);
	cr_assert_eq(count_syscall(lines, "getppid"), 7);
	json_decref(lines);
}

/* A policy under the test root: everything allowed but swapon, /etc read-only, egress to
 * 127.0.0.1 port 9 only. Ports 81-83 are allowed for 10.0.0.0/8, so that Landlock (which
 * sees ports only, and refuses before cgroup-BPF) lets a connect to 127.0.0.1:81 through to
 * cgroup-BPF, whose refusals are traced. */
static const char *denial_policy(void)
{
	static char path[300];
	snprintf(path, sizeof(path), "%s/deny.json", h_root);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fputs("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"swapon\"], "
	      "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1}], \"sbx\": {\"files\": "
	      "{\"readonly\": [\"/etc\"]}, \"network\": {\"egress\": [{\"cidr\": \"127.0.0.1/32\", "
	      "\"ports\": \"9\"}, {\"cidr\": \"10.0.0.0/8\", \"ports\": \"81-83\"}]}}}\n",
	      f);
	fclose(f);
	return path;
}

Test(trace, denied_shows_exactly_the_refusals_with_their_layer)
{
	const char *opts[] = {"--denied", "-o", "json", NULL};
	const char *run[] = {"--policy", denial_policy(), "--",	       "/opt/sbx/trace-probe",
			     "getppid",	 "100",		  "create",    "/etc/refused",
			     "swapon",	 "connect",	  "127.0.0.1", "81",
			     "create",	 "/tmp/allowed",  NULL};
	struct run *r = trace_run("denied.json", opts, run);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, "create /etc/refused: EACCES"), "%s", r->out);
	cr_assert(strstr(r->out, "swapon /nonexistent: EPERM"), "%s", r->out);
	cr_assert(strstr(r->out, "connect 81: EPERM"), "%s", r->out);
	cr_assert(strstr(r->out, "create /tmp/allowed: ok"), "%s", r->out);
	json_t *lines = read_lines("denied.json"), *l;
	static const char *const want[][3] = {{"openat", "sentry", "deny"},
					      {"swapon", "seccomp", "errno"},
					      {"connect", "cgroup-bpf", "deny"}};
	size_t i, n = 0;
	json_array_foreach (lines, i, l) {
		if (is(l, "event", "gofer")) { /* the gofer's side of the same refusal */
			cr_assert(is(l, "action", "refused"));
			continue;
		}
		cr_assert(is(l, "event", "syscall"), "%s", json_dumps(l, 0));
		cr_assert_lt(n, ARRAY_SIZE(want), "more refusals than provoked: %s",
			     json_dumps(l, 0));
		cr_assert(is(l, "syscall", want[n][0]) && is(l, "layer", want[n][1]) &&
			      is(l, "action", want[n][2]),
			  "refusal %zu: %s", n, json_dumps(l, 0));
		n++;
	}
	cr_assert_eq(n, ARRAY_SIZE(want));
	json_decref(lines);
}

/* The tracer, stopped while the probe makes 50000 calls into a 4 KiB ring buffer, loses
 * records: it says how many, and what it shows plus what it lost accounts for every call. */
Test(trace, lost_records_are_counted_when_the_reader_stalls)
{
	char out[300];
	snprintf(out, sizeof(out), "%s/lost.json", h_root);
	char *argv[] = {TRACE,	    "--output",
			out,	    "--buffer-size",
			"4096",	    "-o",
			"json",	    "--syscall",
			"getppid",  "--",
			SBX,	    "--root",
			h_root,	    "run",
			"-v",	    (char *)h_probe_volume(),
			"--",	    "/opt/sbx/trace-probe",
			"every-ms", "400",
			"2",	    "getppid",
			"50000",    NULL};
	int o, e;
	pid_t p = h_spawn(argv, &o, &e);
	usleep(200 * 1000);
	cr_assert_eq(kill(p, SIGSTOP), 0);
	usleep(1500 * 1000);
	cr_assert_eq(kill(p, SIGCONT), 0);
	struct run *r = h_collect(p, o, e);
	cr_assert_eq(r->status, 0, "%s", r->err);
	json_t *lines = read_lines("lost.json"), *l;
	json_int_t lost = 0;
	size_t i;
	json_array_foreach (lines, i, l)
		if (is(l, "event", "lost"))
			lost = json_integer_value(json_object_get(l, "total_lost"));
	size_t shown = count_syscall(lines, "getppid");
	cr_assert_gt(lost, 0, "a stalled reader of a 4 KiB ring loses records");
	cr_assert_lt(shown, 50002);
	cr_assert_geq((json_int_t)shown + lost, 50002, "shown %zu + lost %lld", shown,
		      (long long)lost);
	json_decref(lines);
}

Test(trace, profile_round_trip)
{
	char prof[300];
	snprintf(prof, sizeof(prof), "%s/profile.json", h_root);
	const char *opts[] = {"-c", "--profile", prof, NULL};
	const char *run[] = {"--",     "/opt/sbx/trace-probe", "getppid", "3",
			     "create", "/root/traced",	       "open",	  "/etc/passwd",
			     NULL};
	struct run *r = trace_run("profile.txt", opts, run);
	cr_assert_eq(r->status, 0, "%s", r->err);
	r = h_sbx("run", "--policy", prof, "-v", h_probe_volume(), "--", "/opt/sbx/trace-probe",
		  "getppid", "3", "create", "/root/traced", "open", "/etc/passwd", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_str_eq(r->out, "getppid 3: ok\ncreate /root/traced: ok\nopen /etc/passwd: ok\n");
	/* a syscall it never made, and a file it never wrote */
	r = h_sbx("run", "--policy", prof, "-v", h_probe_volume(), "--", "/opt/sbx/trace-probe",
		  "getcpu", "create", "/root/other", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_str_eq(r->out, "getcpu -: EPERM\ncreate /root/other: EACCES\n");
}

Test(trace, attaches_to_a_running_sandbox_by_id)
{
	int o, e;
	pid_t sb = h_sbx_bg(&o, &e, "run", "--name", "traced-one", "-v", h_probe_volume(), "--",
			    "/opt/sbx/trace-probe", "every-ms", "20", "150", NULL);
	for (int i = 0; i < 100 && !h_exists("%s/traced-one/events.sock", h_root); i++)
		usleep(20 * 1000);
	usleep(100 * 1000);
	char out[300];
	snprintf(out, sizeof(out), "%s/attach.json", h_root);
	char *argv[] = {TRACE, "--root", h_root, "--output", out, "-o", "json", "traced-one", NULL};
	struct run *t = h_runv(argv); /* returns when the sandbox ends */
	cr_assert_eq(t->status, 0, "%s", t->err);
	struct run *r = h_collect(sb, o, e);
	cr_assert_eq(r->status, 0, "%s", r->err);
	json_t *lines = read_lines("attach.json"), *l;
	size_t i, n = 0;
	json_array_foreach (lines, i, l)
		if (is(l, "syscall", "getppid")) {
			cr_assert(is(l, "sandbox", "traced-one"));
			n++;
		}
	cr_assert_gt(n, 10, "getppid calls seen after attaching: %zu", n);
	cr_assert_lt(n, 150, "calls before attaching are not invented");
	json_decref(lines);
}

Test(trace, a_childs_first_refused_syscall_is_seen)
{
	const char *opts[] = {"--denied", "-o", "json", NULL};
	const char *run[] = {"--", "/opt/sbx/trace-probe", "child-swapon", NULL};
	struct run *r = trace_run("child.json", opts, run);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, "child-swapon -: ok"), "%s", r->out);
	json_t *lines = read_lines("child.json"), *l = json_array_get(lines, 0);
	cr_assert_eq(json_array_size(lines), 1, "one refusal");
	cr_assert(is(l, "syscall", "swapon") && is(l, "layer", "seccomp") &&
		  is(l, "action", "errno"));
	json_decref(lines);
}

Test(trace, the_command_starts_with_no_signal_blocked)
{
	const char *run[] = {"--", "/bin/grep", "SigBlk", "/proc/self/status", NULL};
	struct run *r = trace_run("sigblk.txt", NULL, run);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, "SigBlk:\t0000000000000000"), "%s", r->out);
}

Test(trace, names_the_workload_chose_are_escaped)
{
	const char *run[] = {"--", "/opt/sbx/trace-probe", "rename-self", "open-bad", NULL};
	struct run *r = trace_run("escape.txt", NULL, run);
	cr_assert_eq(r->status, 0, "%s", r->err);
	char path[300], text[65536];
	snprintf(path, sizeof(path), "%s/escape.txt", h_root);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	h_read_all(fd, text, sizeof(text));
	close(fd);
	cr_assert_null(strchr(text, '\x1b'), "a raw escape reached the output");
	cr_assert(strstr(text, "\\x1b[31mRED"), "%s", text);
	cr_assert(strstr(text, "\"/tmp/\\xff\\xfe\""), "%s", text);
	const char *opts[] = {"-o", "json", NULL};
	const char *run2[] = {"--", "/opt/sbx/trace-probe", "open-bad", NULL};
	r = trace_run("escape.json", opts, run2);
	cr_assert_eq(r->status, 0, "%s", r->err);
	json_t *lines = read_lines("escape.json"), *l;
	size_t i;
	bool seen = false;
	json_array_foreach (lines, i, l)
		if (is(l, "path_hex", "2f746d702ffffe")) {
			seen = true;
			cr_assert(is(l, "path", "/tmp/\\xff\\xfe"), "%s", json_dumps(l, 0));
		}
	cr_assert(seen, "the exact bytes in path_hex");
	json_decref(lines);
}

/* A ring buffer has one consumer: the sentry reads the cgroup-BPF denials and sends each to
 * every subscriber, so two tracers both see all of them. */
Test(trace, two_tracers_both_see_every_cgroup_bpf_denial)
{
	int o, e, o1, e1, o2, e2;
	pid_t sb = h_sbx_bg(&o, &e, "run", "--name", "denier", "--policy", denial_policy(), "-v",
			    h_probe_volume(), "--", "/opt/sbx/trace-probe", "every-ms", "100", "15",
			    "connect", "127.0.0.1", "81", "connect", "127.0.0.1", "82", "connect",
			    "127.0.0.1", "83", NULL);
	for (int i = 0; i < 100 && !h_exists("%s/denier/events.sock", h_root); i++)
		usleep(20 * 1000);
	char out1[300], out2[300];
	snprintf(out1, sizeof(out1), "%s/t1.json", h_root);
	snprintf(out2, sizeof(out2), "%s/t2.json", h_root);
	char *a1[] = {TRACE,	  "--root", h_root, "--output", out1,
		      "--denied", "-o",	    "json", "denier",	NULL};
	char *a2[] = {TRACE,	  "--root", h_root, "--output", out2,
		      "--denied", "-o",	    "json", "denier",	NULL};
	pid_t p1 = h_spawn(a1, &o1, &e1), p2 = h_spawn(a2, &o2, &e2);
	cr_assert_eq(h_collect(p1, o1, e1)->status, 0);
	cr_assert_eq(h_collect(p2, o2, e2)->status, 0);
	struct run *r = h_collect(sb, o, e);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, "connect 83: EPERM"), "%s", r->out);
	const char *names[] = {"t1.json", "t2.json"};
	for (int k = 0; k < 2; k++) {
		json_t *lines = read_lines(names[k]), *l;
		size_t i, n = 0;
		json_array_foreach (lines, i, l)
			n += is(l, "syscall", "connect") && is(l, "layer", "cgroup-bpf");
		cr_assert_eq(n, 3, "%s: %zu connect refusals by cgroup-BPF", names[k], n);
		json_decref(lines);
	}
}

/* The BPF objects a process holds, from /proc/PID/fdinfo: prog_id, map_id and link_id. */
struct bpf_ids {
	__u32 prog[64], map[64], link[64];
	int nprog, nmap, nlink;
};

static void held_ids(pid_t pid, struct bpf_ids *ids)
{
	char path[64], line[256];
	memset(ids, 0, sizeof(*ids));
	for (int fd = 0; fd < 256; fd++) {
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)pid, fd);
		FILE *f = fopen(path, "r");
		unsigned v;
		bool link = false;
		while (f && fgets(line, sizeof(line), f)) {
			if (sscanf(line, "link_id: %u", &v) == 1 && ids->nlink < 64) {
				ids->link[ids->nlink++] = v;
				link = true;
			} else if (!link && sscanf(line, "prog_id: %u", &v) == 1 && ids->nprog < 64)
				ids->prog[ids->nprog++] = v;
			else if (sscanf(line, "map_id: %u", &v) == 1 && ids->nmap < 64)
				ids->map[ids->nmap++] = v;
		}
		if (f)
			fclose(f);
	}
}

/* How many of them still exist. */
static int still_there(const struct bpf_ids *ids)
{
	int n = 0, fd;
	for (int i = 0; i < ids->nprog; i++)
		if ((fd = bpf_prog_get_fd_by_id(ids->prog[i])) >= 0 && ++n)
			close(fd);
	for (int i = 0; i < ids->nmap; i++)
		if ((fd = bpf_map_get_fd_by_id(ids->map[i])) >= 0 && ++n)
			close(fd);
	for (int i = 0; i < ids->nlink; i++)
		if ((fd = bpf_link_get_fd_by_id(ids->link[i])) >= 0 && ++n)
			close(fd);
	return n;
}

Test(trace, nothing_of_the_tracer_stays_after_it_exits)
{
	/* following every sandbox (none here) until interrupted */
	char *argv[] = {TRACE, "--root", h_root, "--output", "/dev/null", NULL};
	struct bpf_ids ids;
	int o, e;
	pid_t p = h_spawn(argv, &o, &e);
	for (int i = 0; i < 250; i++) { /* until its four programs are attached */
		held_ids(p, &ids);
		if (ids.nlink >= 4)
			break;
		usleep(20 * 1000);
	}
	cr_assert_geq(ids.nlink, 4, "links while it runs: %d", ids.nlink);
	cr_assert_geq(ids.nprog, 4, "programs while it runs: %d", ids.nprog);
	cr_assert_geq(ids.nmap, 4, "maps while it runs: %d", ids.nmap);
	cr_assert_eq(still_there(&ids), ids.nlink + ids.nprog + ids.nmap);
	cr_assert_eq(kill(p, SIGINT), 0);
	struct run *r = h_collect(p, o, e);
	cr_assert_eq(r->status, 0, "%s", r->err);
	/* the kernel frees them after the last fd closes, a moment later (RCU) */
	int left = still_there(&ids);
	for (int i = 0; i < 250 && left > 0; i++) {
		usleep(20 * 1000);
		left = still_there(&ids);
	}
	cr_assert_eq(left, 0, "programs, maps or links left after exit");
}

Test(trace, bad_options_say_what_is_wrong)
{
	char *a1[] = {TRACE, "--syscall", "getppid,nosuchcall", NULL};
	struct run *r = h_runv(a1);
	cr_assert_eq(r->status, 2);
	cr_assert(strstr(r->err, "unknown syscall \"nosuchcall\""), "%s", r->err);
	char *a2[] = {TRACE, "-o", "xml", NULL};
	r = h_runv(a2);
	cr_assert_eq(r->status, 2);
	cr_assert(strstr(r->err, "compact or json"), "%s", r->err);
	char *a3[] = {TRACE, "--root", h_root, "no-such-sandbox", NULL};
	r = h_runv(a3);
	cr_assert_eq(r->status, 1);
	cr_assert(strstr(r->err, "no-such-sandbox"), "%s", r->err);
}
