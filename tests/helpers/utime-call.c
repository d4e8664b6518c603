/* utime-call PATH: utime(2) (the old syscall itself, not glibc's utimensat) with fixed times
 * on PATH, then prints the result and the mtime it sees. */
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <utime.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	struct utimbuf b = {.actime = 1000000000, .modtime = 1234567890};
	long r = syscall(SYS_utime, argv[1], &b);
	struct stat st;
	if (stat(argv[1], &st) < 0)
		return 1;
	printf("utime=%ld mtime=%ld\n", r, (long)st.st_mtime);
	return 0;
}
