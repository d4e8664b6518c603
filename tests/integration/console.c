/* Terminals: create --console-socket hands the pty master over (as runc does), `run -t` and
 * `run` with process.terminal copy between our stdio and the master, and a terminal nothing
 * would receive is refused before anything starts. */
#include <dirent.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "harness.h"

TestSuite(console, .init = h_setup, .fini = h_teardown, .timeout = 120);

static void terminal_on(json_t *c)
{
	json_t *proc = json_object_get(c, "process");
	json_object_set_new(proc, "terminal", json_true());
	json_object_set_new(proc, "consoleSize",
			    json_pack("{s:i, s:i}", "height", 37, "width", 101));
}

/* No .console-*.sock of ours is left in the state root. */
static void assert_no_console_socket(void)
{
	DIR *d = opendir(h_root);
	cr_assert(d);
	struct dirent *de;
	while ((de = readdir(d)))
		cr_assert(strncmp(de->d_name, ".console", 8), "left behind: %s", de->d_name);
	closedir(d);
}

Test(console, create_sends_the_pty_master_over_the_console_socket)
{
	char b[512], sock[600];
	h_bundle(b, sizeof(b), "pty", "[\"sh\", \"-c\", \"tty; echo TERM=$TERM; stty size\"]",
		 terminal_on);
	snprintf(sock, sizeof(sock), "%s/console.sock", h_root);
	int l = h_listen_at(sock);

	struct run *r = h_sbx("create", "--console-socket", sock, "--bundle", b, "pty1", NULL);
	cr_assert_eq(r->status, 0, "create: %s", r->err);
	char payload[32];
	int master = h_accept_pty(l, payload, sizeof(payload));
	cr_assert_str_eq(payload, "/dev/ptmx");
	cr_assert(isatty(master), "the fd is a terminal");
	close(l);

	r = h_sbx("start", "pty1", NULL);
	cr_assert_eq(r->status, 0, "start: %s", r->err);
	static char out[65536];
	h_read_pty(master, out, sizeof(out));
	close(master);
	cr_assert(strstr(out, "/dev/pts/"), "the workload's stdin is the pty: %s", out);
	cr_assert(strstr(out, "TERM=xterm"), "%s", out);
	cr_assert(strstr(out, "37 101"), "process.consoleSize reached the pty: %s", out);

	h_wait_status("pty1", "stopped");
	cr_assert_eq(h_sbx("delete", "pty1", NULL)->status, 0);
	h_assert_gone("pty1");
}

Test(console, run_t_without_a_terminal_of_ours)
{
	struct run *r =
	    h_sbx("run", "--name", "tty2", "-t", "--", "sh", "-c",
		  "tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-ttys; exit 3", NULL);
	cr_assert_eq(r->status, 3, "the workload's status: %s", r->err);
	cr_assert(strstr(r->out, "/dev/pts/"), "prints a pty path: %s", r->out);
	cr_assert(strstr(r->out, "all-ttys"), "stdin, stdout and stderr are the pty: %s", r->out);
	h_assert_gone("tty2");
	assert_no_console_socket();
}

Test(console, run_t_keeps_all_of_a_large_output)
{
	struct run *r = h_sbx("run", "--name", "tty3", "-t", "--", "sh", "-c",
			      "seq 1 30000; echo the-end", NULL);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert(strstr(r->out, "\r\n29999\r\n30000\r\nthe-end\r\n"),
		  "the tail is there (%zu bytes)", strlen(r->out));
	h_assert_gone("tty3");
}

/* Like h_runv, with stdin from `in_fd`. */
static struct run *run_with_stdin(char *const argv[], int in_fd)
{
	int o = h_tmpfile(), e = h_tmpfile();
	pid_t p = fork();
	if (p == 0) {
		dup2(in_fd, 0);
		dup2(o, 1);
		dup2(e, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	return h_collect(p, o, e);
}

Test(console, run_t_copies_stdin_to_the_workload)
{
	int in = h_tmpfile();
	const char *script = "echo in-$((6*7))\nexit 7\n";
	cr_assert_eq(write(in, script, strlen(script)), (ssize_t)strlen(script));
	lseek(in, 0, SEEK_SET);
	char *argv[] = {SBX, "--root", h_root, "run", "--name", "tty4", "-t", "--", "sh", NULL};
	struct run *r = run_with_stdin(argv, in);
	close(in);
	cr_assert_eq(r->status, 7, "the shell read `exit 7` from the pty: %s", r->err);
	cr_assert(strstr(r->out, "in-42"), "and ran the line before it: %s", r->out);
	h_assert_gone("tty4");
}

Test(console, oci_run_with_terminal_and_no_console_socket)
{
	char b[512];
	h_bundle(b, sizeof(b), "ocirun", "[\"sh\", \"-c\", \"tty; stty size; exit 5\"]",
		 terminal_on);
	struct run *r = h_sbx("run", "--bundle", b, "tty5", NULL);
	cr_assert_eq(r->status, 5, "%s", r->err);
	cr_assert(strstr(r->out, "/dev/pts/"), "%s", r->out);
	cr_assert(strstr(r->out, "37 101"), "%s", r->out);
	h_assert_gone("tty5");
	assert_no_console_socket();
}

Test(console, terminal_without_console_socket_is_refused)
{
	char b[512];
	h_bundle(b, sizeof(b), "nosock", "[\"sleep\", \"100\"]", terminal_on);

	struct run *r = h_sbx("run", "--detach", "--bundle", b, "tty6", NULL);
	cr_assert_neq(r->status, 0, "run --detach with a terminal and no console socket fails");
	cr_assert(strstr(r->err, "console socket"), "says why: %s", r->err);
	h_assert_gone("tty6");

	r = h_sbx("create", "--bundle", b, "tty7", NULL);
	cr_assert_neq(r->status, 0, "create with a terminal and no console socket fails");
	cr_assert(strstr(r->err, "console socket"), "says why: %s", r->err);
	h_assert_gone("tty7");
	assert_no_console_socket();
}
