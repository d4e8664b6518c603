/* The CLI's end of a container's terminal (`sbx run -t`, or `run` with process.terminal and no
 * --console-socket): a console socket of our own in the state root, the pty master the
 * container init sends over it, and the copy loop between our stdio and that master. */
#ifndef SBX_RUNTIME_CONSOLE_H
#define SBX_RUNTIME_CONSOLE_H

#include <stdbool.h>
#include <sys/types.h>
#include <sys/un.h>
#include <termios.h>

struct sbx_error;

struct console_listener {
	int fd;							/* listening socket, or -1 */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* "" when none */
};

#define CONSOLE_LISTENER_INIT                                                                      \
	{                                                                                          \
		.fd = -1                                                                           \
	}

struct console_session {
	int master; /* the pty master, or -1 */
	bool raw;   /* our stdin was put in raw mode; `saved` restores it */
	struct termios saved;
};

#define CONSOLE_SESSION_INIT                                                                       \
	{                                                                                          \
		.master = -1                                                                       \
	}

/* Fail, saying why, when a terminal is asked for but nothing will receive its master. */
int console_require_socket(bool terminal, const char *console_socket, bool detach,
			   struct sbx_error *err);

/* Listen on <root>/.console-<our pid>.sock (mode 0600). */
int console_listen(const char *root, struct console_listener *ret, struct sbx_error *err);

/* Accept the connection sandbox_create made from this process and receive the pty master.
 * Returns the master fd (O_CLOEXEC). Does not block: the master was sent during create. */
int console_receive(struct console_listener *l, struct sbx_error *err);

/* Close the listening socket and remove its path. Idempotent. */
void console_listener_close(struct console_listener *l);

/* Take ownership of `master`: our window size onto it, our stdin (when it is the
 * foreground terminal) into raw mode until console_session_end. */
int console_session_begin(struct console_session *s, int master, struct sbx_error *err);

/* Copy stdin to the master and the master to stdout, keeping the window size in step, until
 * the master hangs up (every holder of the pty peer has gone) or the sentry `sentry_pid`
 * (a child of ours) exits. */
int console_session_copy(struct console_session *s, pid_t sentry_pid, struct sbx_error *err);

/* Restore our terminal and close the master. Idempotent; a cleanup function. */
void console_session_end(struct console_session *s);

#endif
