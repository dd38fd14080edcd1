/*
 * A busy counter loop. The counter lives in a register/stack variable and in
 * a global mirror; every 2^26 steps the program prints `tick K`, so the
 * driver can check that the ticks printed before the checkpoint and after the
 * restart form one unbroken sequence.
 */
#include "scenario.h"

static volatile unsigned long mirror;

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	unsigned long count = 0, ticks = 0;
	int said_ready = 0;
	for (;;) {
		count++;
		mirror = count * 3;
		if ((count & ((1UL << 26) - 1)) == 0) {
			ticks++;
			printf("tick %lu\n", ticks);
			if (!said_ready && ticks >= 3) {
				scen_ready();
				said_ready = 1;
			}
			if (said_ready && scen_go())
				break;
		}
	}
	CHECK(count == ticks << 26, "count %lu, ticks %lu", count, ticks);
	CHECK(mirror == count * 3, "mirror %lu, count %lu", mirror, count);
	scen_pass();
}
