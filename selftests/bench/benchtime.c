// SPDX-License-Identifier: GPL-2.0
/*
 * benchtime: nanosecond wall-clock timing for busybox shells, whose `date`
 * has no %N.
 *
 *   benchtime CMD [ARG...]   run CMD (stdout to /dev/null), print the ns it
 *                            took, from before fork() to after waitpid();
 *                            exit with CMD's status
 *   benchtime -n             print CLOCK_MONOTONIC in ns
 *
 * Built static, for the guest initramfs and the build root alike.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long long t0, t1;
	int status;
	pid_t pid;

	if (argc == 2 && !strcmp(argv[1], "-n")) {
		printf("%lld\n", now_ns());
		return 0;
	}
	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: benchtime CMD [ARG...] | benchtime -n\n");
		return 2;
	}
	t0 = now_ns();
	pid = fork();
	if (pid < 0) {
		perror("benchtime: fork");
		return 2;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null < 0 || dup2(null, 1) < 0) {
			perror("benchtime: /dev/null");
			_exit(127);
		}
		execvp(argv[1], argv + 1);
		fprintf(stderr, "benchtime: %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("benchtime: waitpid");
		return 2;
	}
	t1 = now_ns();
	printf("%lld\n", t1 - t0);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	fprintf(stderr, "benchtime: %s: killed by signal %d\n", argv[1], WTERMSIG(status));
	return 128 + WTERMSIG(status);
}
