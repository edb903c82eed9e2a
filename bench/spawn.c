/*
 * bench/spawn OUT CMD [ARG...]: runs CMD and writes to OUT one line,
 * "WALL_US USER_US SYS_US MAXRSS_KIB EXIT".  The benchmark's processes are
 * started from this small program, not from Python: a child's peak RSS
 * counts what it held before exec, and a forked Python is ~18 MiB.
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long
us(struct timeval tv)
{
	return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

int
main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	FILE *out;
	pid_t pid;
	int status, code;

	if (argc < 3)
		return fprintf(stderr, "usage: spawn OUT CMD [ARG...]\n"), 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((pid = fork()) < 0)
		return perror("fork"), 1;
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0)
		return perror("wait4"), 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	code = WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status);
	if ((out = fopen(argv[1], "w")) == NULL)
		return perror(argv[1]), 1;
	fprintf(out, "%lld %lld %lld %ld %d\n",
	    (long long)(t1.tv_sec - t0.tv_sec) * 1000000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000, us(ru.ru_utime), us(ru.ru_stime),
	    ru.ru_maxrss, code);
	return fclose(out) == 0 ? 0 : 1;
}
