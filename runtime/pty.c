/* The container's end of a terminal (init's, and exec -t's). */
#include "runtime/pty.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/fdpass.h"
#include "runtime/oci.h"

int pty_setup(const struct oci_process *p, int console_fd, struct sbx_error *err)
{
	_cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return sbx_err_errno(err, errno, "open /dev/ptmx");
	if (unlockpt(master) < 0)
		return sbx_err_errno(err, errno, "unlockpt");
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (slave < 0)
		return sbx_err_errno(err, errno, "open pty peer");
	if (p->console_width && p->console_height) {
		struct winsize ws = {.ws_row = (unsigned short)p->console_height,
				     .ws_col = (unsigned short)p->console_width};
		ioctl(slave, TIOCSWINSZ, &ws);
	}
	int r = fd_send(console_fd, &master, 1, "/dev/ptmx", 9);
	if (r < 0) {
		close(slave);
		return sbx_err_errno(err, -r, "send pty to the console socket");
	}
	for (int i = 0; i < 3; i++)
		dup2(slave, i);
	if (slave > 2)
		close(slave);
	if (ioctl(0, TIOCSCTTY, 0) < 0)
		return sbx_err_errno(err, errno, "set controlling terminal");
	return 0;
}
