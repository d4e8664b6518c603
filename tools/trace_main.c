/* sbx-trace: trace the syscalls of sandboxes, with the decision each layer made about them.
 *
 *   sbx-trace [options] [ID...]        follow running sandboxes (all of them when none named)
 *   sbx-trace [options] -- sbx run ... trace one sandbox from its start
 *
 * The tracing programs (bpf/trace.bpf.c) are loaded when it starts and gone when it exits. */
#include "tools/trace.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/error.h"
#include "lib/log.h"
#include "loader/trace.h"
#include "tools/hook.h"
#include "tools/trace_decode.h"
#include "tools/trace_profile.h"

static const char usage_text[] =
    "usage: sbx-trace [options] [ID...]\n"
    "       sbx-trace [options] -- sbx run ...\n"
    "\n"
    "Trace the syscalls of running sandboxes (all of them when no ID is named), or of one\n"
    "sandbox from its start, with the decision each layer made: seccomp allow/errno, sentry\n"
    "allow/deny/emulate/broker, gofer change, cgroup-BPF deny, BPF-LSM deny.\n"
    "\n"
    "  -o, --format compact|json  output format (default compact)\n"
    "  -c, --summary              per syscall: calls, errors, latency, decisions (at exit)\n"
    "      --syscall LIST         only these syscalls (comma-separated names)\n"
    "      --action LIST          only these decisions: allow,deny,emulate,broker\n"
    "      --pid LIST             only these processes (host pids)\n"
    "      --denied               only refusals, with the layer that refused\n"
    "      --profile OUT.json     write a least-privilege policy from what was seen\n"
    "      --output FILE          write there instead of stderr\n"
    "      --root DIR             sbx's state root (default /run/sbx)\n"
    "      --pin-dir DIR          where sbx-hook pins its containers' layers (default\n"
    "                             " HOOK_PIN_ROOT_DEFAULT "); an ID that is not sbx's is\n"
    "                             looked up in sbxd ($SBXD_SOCKET)\n"
    "      --buffer-size BYTES    ring buffer size, a power of two (default 8M)\n"
    "      --raw-tp               use the raw_tp programs even where tp_btf works\n"
    "  -h, --help                 this text\n"
    "\n"
    "JSON lines (-o json), one object per event:\n"
    "  time        RFC 3339, nanoseconds, UTC\n"
    "  event       syscall | exec | exit | cgroup | lsm | gofer | lost\n"
    "  source      kernel | sentry | gofer\n"
    "  sandbox     sandbox id\n"
    "  pid, tid    host pid namespace; comm: the task's name (kernel records)\n"
    "  syscall, nr, args (6 integers), call (decoded), path (when read),\n"
    "  result      value or -errno; errno: its name; latency_ns (null when it never entered)\n"
    "  layer       seccomp | sentry | cgroup-bpf | lsm | gofer\n"
    "  action      allow | errno | deny | emulate | broker | kill | audit | change | refused\n"
    "  detail      exec: the file, exit: the status, cgroup and lsm: the hook and object\n"
    "  hook, rule, errno, object   lsm: the LSM hook, why (hidden, readonly, exec, depth,\n"
    "              outside, never, egress), the errno returned, the file, task or module\n"
    "  change      gofer: its change-log record; lost: lost, total_lost\n"
    "With -c: {\"summary\":\"syscall\", sandbox, init_pid, syscall, nr, calls, errors, refused,\n"
    "  total_ns, min_ns, max_ns, avg_ns, time_share, pids: {pid: calls}, decisions: {..}}\n"
    "  per sandbox and syscall, then {\"summary\":\"total\", sandboxes, lost, ...}.\n";

static int parse_size(const char *s, size_t *ret)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s)
		return -EINVAL;
	if (*end == 'K' || *end == 'k')
		v <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		v <<= 20, end++;
	if (*end)
		return -EINVAL;
	*ret = (size_t)v;
	return 0;
}

static int parse_syscalls(const char *list, struct tr_opts *o)
{
	char *copy = strdup(list), *save = NULL;
	if (!copy || !(o->syscalls = calloc(SBX_TRACE_NR_MAX, sizeof(bool)))) {
		free(copy);
		return -ENOMEM;
	}
	for (char *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		int nr = trace_syscall_nr(s);
		if (nr < 0 || nr >= SBX_TRACE_NR_MAX) {
			fprintf(stderr, "sbx-trace: --syscall: unknown syscall \"%s\"\n", s);
			free(copy);
			return -EINVAL;
		}
		o->syscalls[nr] = true;
	}
	free(copy);
	return 0;
}

static int parse_actions(const char *list, struct tr_opts *o)
{
	static const char *const names[] = {"allow", "deny", "emulate", "broker"};
	char *copy = strdup(list), *save = NULL;
	int r = copy ? 0 : -ENOMEM;
	for (char *s = copy ? strtok_r(copy, ",", &save) : NULL; s && !r;
	     s = strtok_r(NULL, ",", &save)) {
		r = -EINVAL;
		for (unsigned i = 0; i < 4; i++)
			if (!strcmp(s, names[i])) {
				o->actions |= 1u << i;
				r = 0;
			}
		if (r)
			fprintf(stderr,
				"sbx-trace: --action: \"%s\" is not allow, deny, emulate or "
				"broker\n",
				s);
	}
	free(copy);
	return r;
}

static int parse_pids(const char *list, struct tr_opts *o)
{
	const char *p = list;
	while (*p) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p || v <= 0 || (*end && *end != ',') || o->npids == TR_MAX_PIDS) {
			fprintf(stderr, "sbx-trace: --pid: bad list \"%s\"\n", list);
			return -EINVAL;
		}
		o->pids[o->npids++] = (pid_t)v;
		p = *end ? end + 1 : end;
	}
	return 0;
}

enum {
	O_SYSCALL = 256,
	O_ACTION,
	O_PID,
	O_DENIED,
	O_PROFILE,
	O_OUTPUT,
	O_ROOT,
	O_BUF,
	O_RAW,
	O_PINS
};

static int parse_args(int argc, char **argv, struct tr_opts *o)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'o'},
	    {"summary", no_argument, NULL, 'c'},
	    {"syscall", required_argument, NULL, O_SYSCALL},
	    {"action", required_argument, NULL, O_ACTION},
	    {"pid", required_argument, NULL, O_PID},
	    {"denied", no_argument, NULL, O_DENIED},
	    {"profile", required_argument, NULL, O_PROFILE},
	    {"output", required_argument, NULL, O_OUTPUT},
	    {"root", required_argument, NULL, O_ROOT},
	    {"buffer-size", required_argument, NULL, O_BUF},
	    {"raw-tp", no_argument, NULL, O_RAW},
	    {"pin-dir", required_argument, NULL, O_PINS},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	int c, r = 0;

	*o = (struct tr_opts){.root = "/run/sbx", .pin_root = HOOK_PIN_ROOT_DEFAULT};
	while (r == 0 && (c = getopt_long(argc, argv, "+o:ch", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!strcmp(optarg, "json"))
				o->format = TR_JSON;
			else if (strcmp(optarg, "compact"))
				r = -EINVAL,
				fprintf(stderr, "sbx-trace: -o must be compact or json\n");
			break;
		case 'c':
			o->summary = true;
			break;
		case O_SYSCALL:
			r = parse_syscalls(optarg, o);
			break;
		case O_ACTION:
			r = parse_actions(optarg, o);
			break;
		case O_PID:
			r = parse_pids(optarg, o);
			break;
		case O_DENIED:
			o->denied = true;
			break;
		case O_PROFILE:
			o->profile = optarg;
			break;
		case O_OUTPUT:
			o->output = optarg;
			break;
		case O_ROOT:
			o->root = optarg;
			break;
		case O_BUF:
			if (parse_size(optarg, &o->ring_bytes) < 0)
				r = -EINVAL, fprintf(stderr, "sbx-trace: bad --buffer-size\n");
			break;
		case O_RAW:
			o->raw_tp = true;
			break;
		case O_PINS:
			o->pin_root = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			r = -EINVAL;
		}
	}
	if (r)
		return r;
	if (optind > 1 && !strcmp(argv[optind - 1], "--") && optind < argc)
		o->run_argv = argv + optind;
	else
		o->ids = argv + optind;
	o->stream = !o->summary || o->profile;
	return 0;
}

/* The argmap for the kernel side: which argument is a path or a socket address. */
static void build_argmap(__u8 *m)
{
	for (int nr = 0; nr < SBX_TRACE_NR_MAX; nr++) {
		int p = trace_path_arg(nr), a = trace_sockaddr_arg(nr);
		m[nr] = p >= 0 ? SBX_TRACE_ARG_PATH(p) : a >= 0 ? SBX_TRACE_ARG_SOCKADDR(a) : 0;
	}
}

int main(int argc, char **argv)
{
	static __u8 argmap[SBX_TRACE_NR_MAX];
	struct sbx_error err = {0};
	struct tr t = {0};
	int code;

	if (parse_args(argc, argv, &t.o) < 0) {
		fputs(usage_text, stderr);
		return 2;
	}
	t.out = stderr;
	if (t.o.output && !(t.out = fopen(t.o.output, "we"))) {
		fprintf(stderr, "sbx-trace: %s: %s\n", t.o.output, strerror(errno));
		return 1;
	}
	sbx_log_open(NULL, SBX_LOG_TEXT, getenv("SBX_TRACE_DEBUG") != NULL);
	if (tr_signals_block(&t) < 0) {
		fprintf(stderr, "sbx-trace: signals: %s\n", strerror(errno));
		return 1;
	}
	build_argmap(argmap);
	struct sbx_trace_opts bo = {.stream = t.o.stream,
				    .ring_bytes = t.o.ring_bytes,
				    .argmap = argmap,
				    .force_raw_tp = t.o.raw_tp};
	if (sbx_trace_open(&bo, &t.bpf, &err) < 0) {
		fprintf(stderr, "sbx-trace: %s\n", err.msg);
		return 1;
	}
	code = tr_main_loop(&t);
	sbx_trace_close(t.bpf);
	if (t.out != stderr)
		fclose(t.out);
	return code;
}
