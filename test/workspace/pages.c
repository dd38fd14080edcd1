/*
 * A program whose memory changes in a known place, for Compare with…: it keeps a
 * table of 48 pages at a fixed address and, in each round, fills the 4 pages of
 * that round (round r: pages 8r to 8r+3). Save a snapshot at #BP1 in two rounds
 * in a row, compare them: the table's region shows exactly 4 of its 48 pages changed.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define TABLE_ADDRESS 0x3f0000000000UL
#define TABLE_PAGES 48
#define PAGE 4096
#define PAGES_A_ROUND 4

int main(void) {
    char *table = mmap((void *)TABLE_ADDRESS, TABLE_PAGES * PAGE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (table == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    for (int round = 1; round <= 5; round++) {
        for (int p = 0; p < PAGES_A_ROUND; p++) memset(table + (8 * round + p) * PAGE, round, PAGE);
        printf("round %d: pages %d to %d filled\n", round, 8 * round, 8 * round + PAGES_A_ROUND - 1); /* #BP1 */
        fflush(stdout);
        usleep(1000);
    }
    return 0;
}
