/*
 * Benchmark program for the files a program writes: fills LOGFILE with MIB MiB
 * of log lines (kept open, O_APPEND), prints `ready PID`; each SIGUSR1 makes it
 * append one line and print `appended N`; once GOFILE exists it prints `alive`
 * and exits. Run as `logger LOGFILE MIB GOFILE`.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t asked;

static void on_usr1(int sig)
{
	(void)sig;
	asked++;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s LOGFILE MIB GOFILE\n", argv[0]);
		return 2;
	}
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	static char block[1 << 20];
	long line = 0;
	for (long mib = strtol(argv[2], NULL, 10); mib > 0; mib--) {
		size_t n = 0;
		while (n + 64 < sizeof block)
			n += (size_t)sprintf(block + n, "%012ld the program's log, one line of it\n", line++);
		memset(block + n, '\n', sizeof block - n);
		if (write(fd, block, sizeof block) != (ssize_t)sizeof block) {
			perror("write");
			return 1;
		}
	}
	signal(SIGUSR1, on_usr1);
	printf("ready %d\n", getpid());
	fflush(stdout);
	struct timespec ts = { 0, 200000 };
	for (int done = 0; access(argv[3], F_OK) != 0;) {
		if (done == asked) {
			nanosleep(&ts, NULL);
			continue;
		}
		done++;
		char text[80];
		int n = snprintf(text, sizeof text, "%012ld appended after snapshot %d\n", line++, done);
		if (write(fd, text, (size_t)n) != n)
			return 1;
		printf("appended %d\n", done);
		fflush(stdout);
	}
	printf("alive\n");
	fflush(stdout);
	return 0;
}
