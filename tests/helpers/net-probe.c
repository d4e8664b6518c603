/* net-probe: network calls the cgroup-BPF egress and bind lists decide, with what the kernel
 * answered. Used by tests/integration/cgroup_net.c and landlock.c.
 *
 *   net-probe OP ADDR PORT [OP ADDR PORT]...
 *     OP: connect (TCP), udp (sendto on an unconnected UDP socket), bind (TCP),
 *         abstract (connect a stream unix socket to the abstract name ADDR; PORT unused)
 *     ADDR: IPv4 or IPv6
 *   prints "OP ADDR PORT: ok" or "OP ADDR PORT: ENAME" per triple */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char *errname(int e)
{
	switch (e) {
	case EPERM:
		return "EPERM";
	case EACCES:
		return "EACCES";
	case ECONNREFUSED:
		return "ECONNREFUSED";
	case ENETUNREACH:
		return "ENETUNREACH";
	case EADDRINUSE:
		return "EADDRINUSE";
	case EADDRNOTAVAIL:
		return "EADDRNOTAVAIL";
	case EAFNOSUPPORT:
		return "EAFNOSUPPORT";
	default:
		return strerror(e);
	}
}

static socklen_t to_sockaddr(const char *addr, int port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((unsigned short)port);
		return sizeof(*a4);
	}
	if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((unsigned short)port);
		return sizeof(*a6);
	}
	return 0;
}

static int probe_abstract(const char *name)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	if (n + 1 > sizeof(a.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(a.sun_path + 1, name, n); /* sun_path[0] == 0: the abstract namespace */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int r = connect(fd, (struct sockaddr *)&a,
			(socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n));
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

static int probe(const char *op, const char *addr, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = to_sockaddr(addr, port, &ss);
	int udp = !strcmp(op, "udp");
	int r, fd;

	if (!strcmp(op, "abstract"))
		return probe_abstract(addr);
	if (!len) {
		errno = EINVAL;
		return -1;
	}
	fd = socket(ss.ss_family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (!strcmp(op, "connect"))
		r = connect(fd, (struct sockaddr *)&ss, len);
	else if (udp)
		r = sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len) < 0 ? -1 : 0;
	else if (!strcmp(op, "bind"))
		r = bind(fd, (struct sockaddr *)&ss, len);
	else
		r = -1, errno = EINVAL;
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

int main(int argc, char **argv)
{
	if (argc < 4 || (argc - 1) % 3) {
		fprintf(stderr, "usage: net-probe OP ADDR PORT [OP ADDR PORT]...\n");
		return 2;
	}
	for (int i = 1; i + 2 < argc; i += 3) {
		int r = probe(argv[i], argv[i + 1], atoi(argv[i + 2]));
		printf("%s %s %s: %s\n", argv[i], argv[i + 1], argv[i + 2],
		       r == 0 ? "ok" : errname(errno));
	}
	return 0;
}
