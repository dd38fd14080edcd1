/* Run under the engine: a program that makes a userfaultfd of its own
 * (argv[1] "syscall": through syscall(); "device": through /dev/userfaultfd;
 * "none": not at all), uses it, says whether its own tracking worked and
 * waits to be asked for its status and killed. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include "own_uffd.h"

#define USERFAULTFD_IOC_NEW 0xAA00 /* _IO(0xAA, 0x00), linux/userfaultfd.h of 6.1 and later */

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "none";
	size_t len = 16 * 4096;
	unsigned char *m = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(m, 1, len);
	int uffd = -1;
	if (!strcmp(how, "syscall")) {
		uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | CKPT_UFFD_USER_MODE_ONLY);
	} else if (!strcmp(how, "device")) {
		int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
		uffd = dev < 0 ? -1 : ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC);
	}
	if (strcmp(how, "none")) {
		const char *err = uffd < 0 ? "no userfaultfd" : own_tracking(m, len, uffd);
		printf("own tracking: %s\n", err ? err : "ok");
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
